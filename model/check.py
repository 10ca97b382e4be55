"""Validate-only run (`scripts/solve.py --check`): every problem and every plausibility warning.

Problems break a rule of the inputs (the run would stop with exit 2). Warnings are values that are
legal but unlikely, the kind a county's first ledger gets wrong:

- `households_vs_counties`: a county's zones hold more than 5 % more or fewer households than its
  `counties.households`;
- `households_vs_census`: `counties.households` differs by more than 5 % from the 2020 census
  (for counties in the census extract shipped in inputs/sources/);
- `coal_per_household`: zones heating with coal in the base year burn, by the model's own
  demand arithmetic, less than 1 t or more than 6 t of coal per household a season;
- `transformer_kva_per_household`: a transformer group's capacity per household of its zones is
  below 0.5 or above 50 kVA (or no zone uses the group);
- `no_clean_option`: a zone that is not clean and has no demolition plan has no clean route it
  may take, so no coverage target can count it.

Each warning is located like a problem (file or sheet, row, column).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.census import census_households
from model.errors import InputError, Problem
from model.validate import RegionData, read_region

HOUSEHOLD_TOLERANCE = 0.05
COAL_T_PER_HOUSEHOLD = (1.0, 6.0)  # t of coal per household a heating season
# below 0.5 kVA a household's lights and cooking do not fit (2020 rural target: >= 2 kVA per household);
# above 50 kVA the group has several transformers per household: capacity in VA, or its zones are missing
KVA_PER_HOUSEHOLD = (0.5, 50.0)
LISTED_PER_KIND = 20  # warnings listed per kind; the rest are counted


@dataclass(frozen=True)
class PlausibilityWarning:
    kind: str
    where: Problem  # location and text

    def __str__(self) -> str:
        return f"{self.where} [{self.kind}]"


def _row(data: RegionData, table: str, index) -> tuple[str, int | None]:
    return data.where(table, int(index))


def households_warnings(data: RegionData, census: dict[str, int] | None = None) -> list[PlausibilityWarning]:
    t = data.tables
    out = []
    if "counties" not in t:
        return out
    counties = t["counties"]
    census = census_households() if census is None else census
    zone_hh = (t["zones"].groupby("county_id")["households"].sum() if "zones" in t else pd.Series(dtype=float))
    for i, cid, declared in zip(counties.index, counties["county_id"], counties["households"]):
        if not np.isfinite(declared):
            continue
        file, row = _row(data, "counties", i)
        got = float(zone_hh.get(cid, 0.0))
        if "zones" in t and declared > 0 and abs(got / declared - 1) > HOUSEHOLD_TOLERANCE:
            out.append(PlausibilityWarning("households_vs_counties", Problem(
                file, row, "households", f"county {cid}: its zones hold {got:,.0f} households, "
                f"{got / declared - 1:+.1%} against the {declared:,.0f} given here (more than "
                f"{HOUSEHOLD_TOLERANCE:.0%} apart): zones missing, counted twice, or a county total of another year?")))
        if "zones" in t and declared == 0 and got > 0:
            out.append(PlausibilityWarning("households_vs_counties", Problem(
                file, row, "households", f"county {cid}: 0 households here, but its zones hold {got:,.0f}")))
        if cid in census and abs(declared / census[cid] - 1) > HOUSEHOLD_TOLERANCE:
            out.append(PlausibilityWarning("households_vs_census", Problem(
                file, row, "households", f"county {cid}: {declared:,.0f} households, {declared / census[cid] - 1:+.1%} "
                f"against the 2020 census ({census[cid]:,} family households; inputs/sources/)")))
    return out


def transformer_warnings(data: RegionData) -> list[PlausibilityWarning]:
    t = data.tables
    if "transformers" not in t or "zones" not in t:
        return []
    z = t["zones"]
    hh = z.loc[z["transformer_group"] != ""].groupby("transformer_group")["households"].sum()
    lo, hi = KVA_PER_HOUSEHOLD
    out = []
    tr = t["transformers"]
    for i, gid, cap in zip(tr.index, tr["group_id"], tr["capacity_kva"]):
        file, row = _row(data, "transformers", i)
        n = float(hh.get(gid, 0.0))
        if n <= 0:
            out.append(PlausibilityWarning("transformer_kva_per_household", Problem(
                file, row, "group_id", f"group {gid}: no zone names this transformer group")))
            continue
        if not np.isfinite(cap):
            continue
        per = cap / n
        if per < lo or per > hi:
            out.append(PlausibilityWarning("transformer_kva_per_household", Problem(
                file, row, "capacity_kva", f"group {gid}: {cap:,.0f} kVA for {n:,.0f} households = {per:,.2f} kVA per "
                f"household, outside {lo:g}-{hi:g}: capacity in VA or MVA, or zones of the group missing?")))
    return out


def coal_warnings(data: RegionData, inst) -> list[PlausibilityWarning]:
    """Coal per household a season, as the model computes the base-year fuel; one warning per
    (existing route, building type) with the zones outside the range."""
    t = data.tables
    fuels = t["fuels"].set_index("fuel_id")
    routes = t["routes"].set_index("route_id")
    z = t["zones"]
    route = inst.route_ids[inst.zone_existing]
    fuel = routes.loc[route, "fuel_id"].to_numpy()
    coal = (fuels.loc[fuel, "unit"].to_numpy() == "t") & (fuels.loc[fuel, "coal_tce_per_unit"].to_numpy() > 0)
    per_hh = np.where(coal, inst.base_q["fuel_units"] / inst.zone_households, np.nan)
    lo, hi = COAL_T_PER_HOUSEHOLD
    bad = coal & ((per_hh < lo) | (per_hh > hi))
    out = []
    frame = pd.DataFrame({"route": route, "btype": z["building_type"].to_numpy(), "t": per_hh, "bad": bad})
    for (r, b), g in frame[frame["bad"]].groupby(["route", "btype"], sort=True):
        rows = [_row(data, "zones", i)[1] for i in g.index[:10]]
        file = _row(data, "zones", g.index[0])[0]
        n_all = int(((frame["route"] == r) & (frame["btype"] == b)).sum())
        out.append(PlausibilityWarning("coal_per_household", Problem(
            file, None, "existing_route",
            f"{len(g):,} of {n_all:,} zones on {r} with building_type {b} burn {g['t'].min():.1f}-{g['t'].max():.1f} t "
            f"of coal per household a season (plausible {lo:g}-{hi:g} t), e.g. rows {', '.join(map(str, rows))}: "
            "check floor_area_10k_m2 (10^4 m^2), design_heat_load_w_per_m2, the route's efficiency, the fuel's "
            "energy_gj_per_unit and the climate parameters")))
    return out


def clean_option_warnings(data: RegionData, inst) -> list[PlausibilityWarning]:
    has_clean = np.zeros(len(inst.zone_ids), dtype=bool)
    np.logical_or.at(has_clean, inst.pair_zone, inst.q["clean_households"] > 0)
    routes = data.tables["routes"].set_index("route_id")
    existing_clean = routes.loc[inst.route_ids[inst.zone_existing], "clean"].to_numpy().astype(bool)
    out = []
    for i in np.flatnonzero(~has_clean & ~inst.zone_demolition & ~existing_clean):
        file, row = _row(data, "zones", i)
        out.append(PlausibilityWarning("no_clean_option", Problem(
            file, row, "zone_id", f"zone {inst.zone_ids[i]} has no clean route it may take (gas_network, "
            "heat_network_km, transformer_group, heat sources of its county, the routes' area_types/terrains/"
            "building_types): it stays on its present heating and no coverage target can count it")))
    return out


def check_region(path, year: int, scenarios: list[str] | None = None,
                 sets: dict | None = None) -> tuple[list[Problem], list[PlausibilityWarning], RegionData]:
    """Every problem (rules, and what the model's preparation refuses) and every warning of a region."""
    from model.prepare import prepare, resolve_overrides

    data, problems = read_region(path, year)
    warnings = households_warnings(data) + transformer_warnings(data)
    if problems:
        return problems, warnings, data
    try:
        ov = resolve_overrides(data, scenarios or [], sets or {})
        inst = prepare(data, year, ov)
    except InputError as exc:
        return list(exc.problems), warnings, data
    warnings += coal_warnings(data, inst) + clean_option_warnings(data, inst)
    return problems, warnings, data


def format_report(problems: list[Problem], warnings: list[PlausibilityWarning], where: str, year: int) -> str:
    lines = []
    if problems:
        lines.append(InputError(problems).message(limit=len(problems)))
    kinds: dict[str, list[PlausibilityWarning]] = {}
    for w in warnings:
        kinds.setdefault(w.kind, []).append(w)
    if warnings:
        lines.append(f"{len(warnings)} warning(s):")
        for kind, ws in kinds.items():
            for w in ws[:LISTED_PER_KIND]:
                lines.append(f"  - {w}")
            if len(ws) > LISTED_PER_KIND:
                lines.append(f"  ... and {len(ws) - LISTED_PER_KIND} more [{kind}]")
    verdict = "problems must be fixed before a run" if problems else "the inputs can be solved"
    lines.append(f"checked {where} for {year}: {len(problems)} problem(s), {len(warnings)} warning(s): {verdict}")
    return "\n".join(lines)
