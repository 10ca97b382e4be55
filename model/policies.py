"""Policy rules as data: each row of `policies.csv` becomes a constraint family.

One generic builder (as PyPSA's GlobalConstraint): a row bounds a quantity of the zones and
routes its filter selects, in one year or every year,

    sum_{p in filter} v[p] (in year k)  <sense>  bound                         (absolute)
    sum_{p in filter} v[p]  <sense>  bound * sum_{p in filter, share routes} v[p]  (share_of_routes)

where v[p] is the quantity of option p (`prepare.QUANTITY_UNITS`) and p ranges over what each
zone holds in year k (a state quantity: households on gas, CO2, ...) or over what converts in
year k (a flow: households converting, investment, equipment subsidies). Examples:
    co2_2022,  co2,                 all, all, all, all,          <=, 2.5e6, ,     2022   (a CO2 cap)
    task_c1,   households_converted, C1, all, all, coal_to_electricity, >=, 5000, , 2022  (任务分解)
    gas_share, households_converted, C1, all, all, coal_to_gas,  <=, 0.3,  all,      (at most 30 % on gas)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from model.families import Family, year_key
from model.horizon import Horizon
from model.layout import Layout, Rows
from model.prepare import QUANTITY_UNITS
from model.registry import ANY, POLICY_FLOW_QUANTITIES
from model.validate import RegionData

UNITS = {**QUANTITY_UNITS, "households_converted": "households", "households_converting": "households",
         "floor_area": QUANTITY_UNITS["area"]}


def policy_families(data: RegionData) -> list[Family]:
    """One family per policies.csv row (none when the table is absent or empty)."""
    pol = data.tables.get("policies")
    if pol is None or not len(pol):
        return []
    return [policy_family(row) for _, row in pol.iterrows()]


def _items(value) -> set[str] | None:
    """A ;-list filter: None means all."""
    if not isinstance(value, str) or value == "" or ANY in value.split(";"):
        return None
    return set(value.split(";"))


def _route_match(hz: Horizon, routes: set[str] | None) -> np.ndarray:
    """Per route: matches by id or category."""
    a = hz.first
    if routes is None:
        return np.ones(len(a.route_ids), dtype=bool)
    return np.isin(a.route_ids, list(routes)) | np.isin(a.route_category, list(routes))


def _zone_match(hz: Horizon, row) -> np.ndarray:
    a = hz.first
    ok = np.ones(len(a.zone_ids), dtype=bool)
    for values, col in ((a.county_ids[a.zone_county], "counties"), (a.zone_area_type, "area_types"),
                        (a.zone_terrain, "terrains")):
        items = _items(row[col])
        if items is not None:
            ok &= np.isin(values.astype(str), list(items))
    return ok


def _values(hz: Horizon, quantity: str, zones: np.ndarray, routes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per option pair, per zone's base route) the quantity where zone and route match."""
    a = hz.first
    if quantity in ("households_converted", "households_converting"):
        q, base = a.q["households"] * a.pair_converting, np.zeros(len(a.zone_ids))
    else:
        name = "area" if quantity == "floor_area" else quantity
        q, base = a.q[name], a.base_q[name]
    pair_ok = zones[a.pair_zone] & routes[a.pair_route]
    base_ok = zones & routes[a.zone_existing]
    return np.where(pair_ok, q, 0.0), np.where(base_ok, base, 0.0)


def policy_family(row: pd.Series) -> Family:
    pid, quantity, sense = str(row["policy_id"]), str(row["quantity"]), str(row["sense"])
    bound = float(row["bound"])
    share_routes = _items(row["share_of_routes"]) if isinstance(row["share_of_routes"], str) and row["share_of_routes"] \
        else False
    year = row["year"]
    flow = quantity in POLICY_FLOW_QUANTITIES

    def rows(hz: Horizon, lay: Layout) -> Rows:
        zones = _zone_match(hz, row)
        q, base = _values(hz, quantity, zones, _route_match(hz, _items(row["routes"])))
        if share_routes is not False:  # v_num - share * v_den, bound 0
            qd, based = _values(hz, quantity, zones, _route_match(hz, share_routes))
            q, base, rhs = q - bound * qd, base - bound * based, 0.0
        else:
            rhs = bound
        coef = q[hz.free] - (0.0 if flow else base[hz.free_zone])
        f = np.flatnonzero(coef != 0)
        fixed_q = float(q[hz.fixed].sum())
        constant = fixed_q + (0.0 if flow else float(base[hz.free_zones].sum()))
        out = Rows()
        for k in range(hz.K):
            if pd.notna(year) and int(year) != hz.years[k]:
                continue
            term = (lay.conversion if flow else lay.state)(0, f, coef[f], k)
            const = (fixed_q if k == 0 else 0.0) if flow else constant
            lo, up = (rhs, np.inf) if sense == ">=" else (-np.inf, rhs)
            out.add(year_key(hz, pid, k), term, constant=const, lower=lo, upper=up, year=k)
        return out

    share = f" as a share of the same on {row['share_of_routes']}" if share_routes is not False else ""
    rows.__doc__ = (f"Policy {pid} ({row['name_zh']}): {quantity} of counties {row['counties']}, areas "
                    f"{row['area_types']}, terrains {row['terrains']}, routes {row['routes']} {sense} {bound:g}{share}"
                    f"{'' if pd.isna(year) else f' in {int(year)}'}.  [{UNITS[quantity]}]")
    return Family(f"policy_{pid}", "cap" if sense == "<=" else "target", UNITS[quantity], str(row["name_zh"]), pid,
                  f"policy {pid} ({row['name_zh']})", rows, f"policies.bound [{pid}]")
