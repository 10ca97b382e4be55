"""Turn validated tables into the numbers the model needs (pure: no solver, no I/O).

A zone's *options* are the eligible (route, retrofit) pairs. Every per-option
quantity is an array over all pairs; the model only makes binaries for pairs of
zones with more than one option. Fixed zones add constants to the caps.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.errors import InputError, Problem
from model.overrides import Overrides, apply_edits, apply_overrides, edits_of, resolve_overrides  # noqa: F401 (prepare's API)
from model.registry import PARAMETER_DEFAULTS, ANY, ELECTRICITY, GAS, QUALITY_COAL, TABLES
from model.validate import RegionData

KWH_TO_GJ = 0.0036
YUAN_TO_10K = 1e-4

# Per-option cost components of the objective (10^4 yuan/a); each is one array in
# Instance.cost. Non-option terms (transformer upgrades, storage) come from
# their own variables; model.build adds every registered term.
PAIR_COST_COMPONENTS = ("annuity_route", "annuity_retrofit", "fixed_om", "fuel")
OTHER_COST_COMPONENTS = ("transformer_upgrades", "gas_storage")
COST_COMPONENTS = PAIR_COST_COMPONENTS + OTHER_COST_COMPONENTS


def annuity_factor(rate: float, years: np.ndarray | float) -> np.ndarray:
    """Capital recovery factor r(1+r)^n / ((1+r)^n - 1); 1/n when r = 0."""
    years = np.asarray(years, dtype=float)
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


@dataclass
class Instance:
    """Everything the optimisation model needs, as arrays."""

    region: str
    year: int
    # zones
    zone_ids: np.ndarray
    zone_county: np.ndarray  # index into county_ids
    county_ids: np.ndarray
    county_names: np.ndarray
    route_ids: np.ndarray
    route_names: np.ndarray
    route_category: np.ndarray
    zone_existing: np.ndarray  # index into route_ids
    zone_households: np.ndarray
    zone_area: np.ndarray  # 10^4 m2
    zone_rural: np.ndarray
    zone_demolition: np.ndarray
    zone_names: np.ndarray  # name_zh
    zone_township: np.ndarray  # township_id ('' where the inputs leave it empty)
    zone_area_type: np.ndarray  # urban | rural
    zone_terrain: np.ndarray  # plain | mountain
    zone_group: np.ndarray  # transformer group id ('' = urban grid)
    # options (pairs)
    pair_zone: np.ndarray
    pair_route: np.ndarray
    pair_retrofit: np.ndarray
    pair_free: np.ndarray  # option of a zone with more than one option
    pair_converting: np.ndarray
    q: dict[str, np.ndarray]  # physical quantities per pair (see QUANTITY_UNITS)
    cost: dict[str, np.ndarray]  # cost components per pair, 10^4 yuan/a
    base_q: dict[str, np.ndarray]  # per zone: quantities of the base-year route
    base_cost: dict[str, np.ndarray]  # per zone: cost components of the base-year route
    bills: dict[str, np.ndarray]  # household bills per pair, yuan per household (see BILL_UNITS)
    base_bills: dict[str, np.ndarray]  # per zone: the bills of the base-year route
    pair_group: np.ndarray  # transformer group index or -1
    pair_source: np.ndarray  # heat-source key index or -1
    # transformer groups
    group_ids: np.ndarray
    group_capacity: np.ndarray
    group_existing: np.ndarray
    group_unit_kva: np.ndarray
    group_unit_cost: np.ndarray  # 10^4 yuan/a per unit (annualised)
    group_max_units: np.ndarray
    # heat-source keys (county, route) and the source rows behind them
    source_keys: list[tuple[str, str]]
    source_capacity: np.ndarray  # MW per key
    source_rows: pd.DataFrame
    # coverage targets: (label, zone mask, share)
    coverage: list[tuple[str, np.ndarray, float]]
    # year's caps
    caps: dict[str, float]
    subsidy_to_date: bool  # the year's budget is a total from the first year of a pathway on
    params: dict[str, float]
    overrides: Overrides
    full_load_hours: float

    @property
    def free(self) -> np.ndarray:
        return np.flatnonzero(self.pair_free)

    @property
    def fixed(self) -> np.ndarray:
        return np.flatnonzero(~self.pair_free)

    def total_cost(self) -> np.ndarray:
        return sum(self.cost[c] for c in PAIR_COST_COMPONENTS)


QUANTITY_UNITS = {
    "households": "households",
    "area": "10^4 m^2",
    "load_kw": "kW",
    "heat_gj": "GJ/a",
    "fuel_units": "unit/a",
    "gas_annual": "10^4 m^3/a",
    "gas_peak_day": "10^4 m^3/d",
    "electricity": "10^4 kWh/a",
    "kva": "kVA",
    "heat_mw": "MW",
    "investment": "10^4 yuan",
    "subsidy_equipment": "10^4 yuan",
    "subsidy_running": "10^4 yuan/a",
    "co2": "t/a",
    "pm25": "kg/a",
    "coal_tce": "tce/a",
    "clean_households": "households",
    "rural_gas_new_households": "households",
    "bill_excess": "10^4 yuan/a",
}

# Household bills per option, per household (tariffs.csv; `household_bills`). A zone's low-income
# households (zones.low_income_share) pay the same bill and get their own running and equipment subsidy tiers.
BILL_UNITS = {
    "energy": "yuan/(household a)",  # fuel or heat at the tariffs
    "before": "yuan/(household a)",  # energy + fixed O&M
    "running_subsidy": "yuan/(household a)",  # ordinary household, converting options only
    "running_subsidy_low_income": "yuan/(household a)",
    "after": "yuan/(household a)",  # before - running subsidy (ordinary household)
    "after_low_income": "yuan/(household a)",
    "out_of_pocket": "yuan/household",  # one-off: investment per household - equipment subsidy (>= 0)
    "out_of_pocket_low_income": "yuan/household",  # the same with the low-income equipment tier
}


def _allowed(list_col: pd.Series, zone_values: pd.Series) -> np.ndarray:
    """[zone, route] mask: the route's semicolon list holds the zone's value or 'all'."""
    out = np.zeros((len(zone_values), len(list_col)), dtype=bool)
    zv = zone_values.to_numpy()
    for j, spec in enumerate(list_col):
        items = set(spec.split(";"))
        out[:, j] = True if ANY in items else np.isin(zv, list(items))
    return out


def prepare(data: RegionData, year: int, overrides: Overrides | None = None) -> Instance:
    """Eligible options and their coefficients for one region and year."""
    ov = overrides or Overrides()
    t = apply_overrides(data, year, ov)
    zones, routes, fuels = t["zones"].reset_index(drop=True), t["routes"].reset_index(drop=True), t["fuels"]
    p = {**PARAMETER_DEFAULTS, **dict(zip(t["parameters"]["name"], t["parameters"]["value"].astype(float)))}

    # climate -> equivalent full-load hours (degree-day method)
    flh = 24.0 * p["heating_season_days"] * (p["indoor_temperature_c"] - p["heating_season_mean_temperature_c"]) / (
        p["indoor_temperature_c"] - p["design_temperature_c"])

    county_ids = t["counties"]["county_id"].to_numpy()
    county_index = {c: i for i, c in enumerate(county_ids)}
    route_ids = routes["route_id"].to_numpy()
    route_index = {r: i for i, r in enumerate(route_ids)}
    fuel = fuels.set_index("fuel_id")
    year_row = t["years"].set_index("year").loc[year]
    prices = t["prices"][t["prices"]["year"] == year].set_index("fuel_id")["price_yuan_per_unit"]
    bt = t["building_types"].set_index("building_type")
    hs = t["heat_sources"]
    source_keys = sorted(set(zip(hs["county_id"], hs["route_id"])))
    source_index = {k: i for i, k in enumerate(source_keys)}
    source_capacity = np.array([hs.loc[(hs["county_id"] == c) & (hs["route_id"] == r), "spare_capacity_mw"].sum()
                                for c, r in source_keys], dtype=float)

    nz, nr = len(zones), len(routes)
    existing = zones["existing_route"].map(route_index).to_numpy()
    clean_route = routes["clean"].to_numpy().astype(bool)
    fixed_existing = clean_route[existing]
    demolition = zones["demolition"].to_numpy().astype(bool) & ~fixed_existing
    route_fuel = routes["fuel_id"].to_numpy()
    is_elec = route_fuel == ELECTRICITY
    is_gas = route_fuel == GAS

    # eligibility [zone, route]
    ok = np.broadcast_to(routes["selectable"].to_numpy().astype(bool), (nz, nr)).copy()
    ok &= _allowed(routes["area_types"], zones["area_type"])
    ok &= _allowed(routes["terrains"], zones["terrain"])
    ok &= _allowed(routes["building_types"], zones["building_type"])
    ok &= ~(routes["requires_gas_network"].to_numpy().astype(bool)[None, :] & (zones["gas_network"].to_numpy() == 0)[:, None])
    max_km = routes["max_heat_network_km"].to_numpy(dtype=float)
    ok &= ~(zones["heat_network_km"].to_numpy()[:, None] > np.where(np.isnan(max_km), np.inf, max_km)[None, :])
    has_grid = (zones["transformer_group"].to_numpy() != "") | (zones["area_type"].to_numpy() == "urban")
    ok &= ~(is_elec[None, :] & ~has_grid[:, None])
    needs_src = routes["needs_heat_source"].to_numpy().astype(bool)
    zc = zones["county_id"].to_numpy()
    src_of = np.full((nz, nr), -1)
    for (c, r), k in source_index.items():
        src_of[(zc == c), route_index[r]] = k
    ok &= ~(needs_src[None, :] & (src_of < 0))
    # fixed zones: existing clean route; demolition: quality coal
    ok[fixed_existing] = False
    ok[fixed_existing, existing[fixed_existing]] = True
    ok[demolition] = False
    ok[demolition, route_index[QUALITY_COAL]] = True

    has_retrofit = bt["retrofit_capex_yuan_per_m2"].notna()
    zone_can_retrofit = zones["building_type"].map(has_retrofit).to_numpy() & ~fixed_existing & ~demolition
    ok3 = np.stack([ok, ok & zone_can_retrofit[:, None]], axis=2)  # [zone, route, retrofit]

    if ov.fix_plan_routes:
        plan = zones["plan_route"].to_numpy()
        has_plan = plan != ""
        plan_retro = zones["plan_retrofit"].fillna(0).to_numpy().astype(int)
        problems = []
        for i in np.flatnonzero(has_plan):
            r, e = route_index[plan[i]], plan_retro[i]
            if not ok3[i, r, e]:
                problems.append(Problem(*data.where("zones", int(i)), "plan_route",
                                        f"zone {zones.at[i, 'zone_id']}: the plan's route '{plan[i]}'"
                                        f"{' with retrofit' if e else ''} is not eligible for this zone"))
            ok3[i] = False
            ok3[i, r, e] = True
        if problems:
            raise InputError(problems)

    n_opts = ok3.sum(axis=(1, 2))
    empty = np.flatnonzero(n_opts == 0)
    if len(empty):
        raise InputError([Problem(*data.where("zones", int(i)), "zone_id",
                                  f"zone {zones.at[i, 'zone_id']} has no eligible route (check gas_network, heat_network_km, "
                                  f"transformer_group, heat_sources for its county and the routes' area_types/terrains/building_types)")
                          for i in empty])

    pz, pr, pe = np.nonzero(ok3)
    tariffs = t["tariffs"][t["tariffs"]["year"] == year]
    ctx = dict(zones=zones, routes=routes, fuel=fuel, bt=bt, prices=prices, p=p, flh=flh, existing=existing,
               clean_route=clean_route, is_gas=is_gas, is_elec=is_elec, needs_src=needs_src, tariffs=tariffs)
    base_q, base_cost, base_bills = option_quantities(ctx, np.arange(nz), existing, np.zeros(nz, dtype=bool))
    ctx["base_before"] = base_bills["before"]
    q, cost, bills = option_quantities(ctx, pz, pr, pe.astype(bool))
    pe = pe.astype(bool)
    converting = (pr != existing[pz]) | pe
    rural = (zones["area_type"].to_numpy() == "rural")
    rate = p["discount_rate"]

    tr = t["transformers"].reset_index(drop=True)
    group_index = {g: i for i, g in enumerate(tr["group_id"])}
    pair_group = zones["transformer_group"].map(group_index).fillna(-1).astype(int).to_numpy()[pz]

    coverage = []
    cov = t["coverage"][t["coverage"]["year"] == year]
    zone_area_type = zones["area_type"].to_numpy()
    zone_terrain = zones["terrain"].to_numpy()
    for _, row in cov.iterrows():
        mask = ~zones["demolition"].to_numpy().astype(bool)
        if row["area_type"] != ANY:
            mask &= zone_area_type == row["area_type"]
        if row["terrain"] != ANY:
            mask &= zone_terrain == row["terrain"]
        coverage.append((f"{row['area_type']}/{row['terrain']}", mask, float(row["min_clean_share"])))

    caps = year_caps(lambda name: year_row[name])

    return Instance(
        region=data.region, year=year,
        zone_ids=zones["zone_id"].to_numpy(), zone_county=np.array([county_index[c] for c in zc], dtype=int),
        county_ids=county_ids, county_names=t["counties"]["name_zh"].to_numpy(),
        route_ids=route_ids, route_names=routes["name_zh"].to_numpy(), route_category=routes["category"].to_numpy(),
        zone_existing=existing, zone_households=zones["households"].to_numpy(dtype=float),
        zone_area=zones["floor_area_10k_m2"].to_numpy(dtype=float), zone_rural=rural,
        zone_demolition=zones["demolition"].to_numpy().astype(bool),
        zone_names=zones["name_zh"].to_numpy().astype(str),
        zone_township=zones["township_id"].fillna("").to_numpy().astype(str),
        zone_area_type=zone_area_type.astype(str), zone_terrain=zone_terrain.astype(str),
        zone_group=zones["transformer_group"].fillna("").to_numpy().astype(str),
        pair_zone=pz, pair_route=pr, pair_retrofit=pe, pair_free=(n_opts[pz] > 1), pair_converting=converting,
        q=q, cost=cost, base_q=base_q, base_cost=base_cost, bills=bills, base_bills=base_bills, pair_group=pair_group, pair_source=np.where(needs_src[pr] & converting, src_of[pz, pr], -1),
        group_ids=tr["group_id"].to_numpy(), group_capacity=tr["capacity_kva"].to_numpy(dtype=float),
        group_existing=tr["existing_peak_kva"].to_numpy(dtype=float), group_unit_kva=tr["upgrade_unit_kva"].to_numpy(dtype=float),
        group_unit_cost=tr["upgrade_unit_capex_yuan"].to_numpy(dtype=float)
        * annuity_factor(rate, tr["upgrade_lifetime_yr"].to_numpy(dtype=float)) * YUAN_TO_10K,
        group_max_units=tr["max_upgrade_units"].to_numpy(dtype=float),
        source_keys=source_keys, source_capacity=source_capacity, source_rows=hs.reset_index(drop=True),
        coverage=coverage, caps=caps, subsidy_to_date=budget_basis_to_date(year_row.get("subsidy_budget_basis"), p),
        params=p, overrides=ov, full_load_hours=flh,
    )


def year_caps(value_of) -> dict[str, float]:
    """The year's caps and targets: every numeric `years.csv` column, `value_of(name)` giving its
    value (NaN where a cap is not set, e.g. no rural gas cap)."""
    return {c.name: float(value_of(c.name)) for c in TABLES["years"].columns
            if c.name != "year" and c.dtype in ("float", "int")}


def budget_basis_to_date(basis, params: dict[str, float]) -> bool:
    """A years.csv row's subsidy budget is a total to date (else the year's own spending)."""
    if isinstance(basis, str) and basis:
        return basis == "to_date"
    return bool(params["subsidy_budget_cumulative"] > 0)


def storage_module_cost(inst: Instance) -> float:
    """Annualised cost of one storage module, 10^4 yuan/a."""
    c = inst.caps
    return c["storage_module_capex_10k_yuan"] * float(annuity_factor(inst.params["discount_rate"], c["storage_module_lifetime_yr"]))


def option_quantities(ctx: dict, pz: np.ndarray, pr: np.ndarray, pe: np.ndarray) -> tuple[dict, dict, dict]:
    """Physical quantities (QUANTITY_UNITS), cost components and household bills (BILL_UNITS) of
    options (zone pz, route pr, retrofit pe).

    Design load P = A q (1 - saving); season heat Q = P * full-load hours; final energy Q / efficiency.
    Investment, equipment/running subsidies, new transformer load and new heat-source load
    count only when the option changes the zone's base-year heating (converting).
    """
    zones, routes, fuel, bt, prices, p = ctx["zones"], ctx["routes"], ctx["fuel"], ctx["bt"], ctx["prices"], ctx["p"]
    existing = ctx["existing"]
    route_fuel = routes["fuel_id"].to_numpy()
    hh = zones["households"].to_numpy(dtype=float)[pz]
    area_m2 = zones["floor_area_10k_m2"].to_numpy(dtype=float)[pz] * 1e4
    btype = zones["building_type"].to_numpy()[pz]
    saving = np.where(pe, bt["retrofit_saving"].reindex(btype).fillna(0).to_numpy(), 0.0)
    load_kw = area_m2 * bt["design_heat_load_w_per_m2"].reindex(btype).to_numpy() / 1000.0 * (1.0 - saving)
    heat_gj = load_kw * ctx["flh"] * KWH_TO_GJ
    eff = routes["efficiency"].to_numpy(dtype=float)[pr]
    final_gj = heat_gj / eff
    f_ids = route_fuel[pr]
    units = final_gj / fuel["energy_gj_per_unit"].reindex(f_ids).to_numpy()
    gas = ctx["is_gas"][pr]
    elec = ctx["is_elec"][pr]
    converting = (pr != existing[pz]) | pe
    rural = zones["area_type"].to_numpy()[pz] == "rural"

    rate = p["discount_rate"]
    crf_route = annuity_factor(rate, routes["lifetime_yr"].to_numpy(dtype=float))[pr]
    retro_cost = np.where(pe, bt["retrofit_capex_yuan_per_m2"].reindex(btype).fillna(0).to_numpy(), 0.0) * area_m2
    crf_retro = annuity_factor(rate, bt["retrofit_lifetime_yr"].reindex(btype).fillna(1).to_numpy())
    capex_route = np.where(converting, routes["capex_yuan_per_household"].to_numpy()[pr] * hh
                           + routes["capex_yuan_per_m2"].to_numpy()[pr] * area_m2
                           + np.nan_to_num(routes["capex_yuan_per_zone"].to_numpy(dtype=float))[pr], 0.0)
    cop_design = routes["cop_design"].to_numpy(dtype=float)[pr]
    charge = routes["charge_hours"].to_numpy(dtype=float)[pr]
    gas_lhv = float(fuel.at[GAS, "energy_gj_per_unit"])
    q = {
        "households": hh,
        "area": area_m2 / 1e4,
        "load_kw": load_kw,
        "heat_gj": heat_gj,
        "fuel_units": units,
        "gas_annual": np.where(gas, final_gj / gas_lhv, 0.0) / 1e4,
        "gas_peak_day": np.where(gas, load_kw * 24.0 * KWH_TO_GJ / eff / gas_lhv, 0.0) / 1e4,
        "electricity": np.where(elec, final_gj / KWH_TO_GJ, 0.0) / 1e4,
        "kva": np.where(elec & converting, load_kw / cop_design * 24.0 / charge / p["power_factor"]
                        * p["electric_coincidence_factor"], 0.0),
        "heat_mw": np.where(ctx["needs_src"][pr] & converting, load_kw / 1000.0, 0.0),
        "investment": (capex_route + retro_cost) * YUAN_TO_10K,
        "subsidy_equipment": np.where(converting, equipment_subsidy(routes, pr, zones["low_income_share"].to_numpy(
            dtype=float)[pz]) * hh, 0.0) * YUAN_TO_10K,
        "co2": units * fuel["co2_kg_per_unit"].reindex(f_ids).to_numpy() / 1000.0,
        "pm25": units * fuel["pm25_g_per_unit"].reindex(f_ids).to_numpy() / 1000.0,
        "coal_tce": units * fuel["coal_tce_per_unit"].reindex(f_ids).to_numpy(),
        "clean_households": hh * ctx["clean_route"][pr],
        "rural_gas_new_households": hh * (gas & rural & (pr != existing[pz])),
    }
    cost = {
        "annuity_route": capex_route * crf_route * YUAN_TO_10K,
        "annuity_retrofit": retro_cost * crf_retro * YUAN_TO_10K,
        "fixed_om": routes["fixed_om_yuan_per_household_yr"].to_numpy()[pr] * hh * YUAN_TO_10K,
    }
    base_before = ctx["base_before"][pz] if "base_before" in ctx else None  # None: these are the base routes
    low = zones["low_income_share"].to_numpy(dtype=float)[pz]
    cost["fuel"], bills, q["subsidy_running"], q["bill_excess"] = priced(
        ctx, pr, converting, units, hh, area_m2, capex_route + retro_cost, low, base_before)
    return q, cost, bills


def equipment_subsidy(routes: pd.DataFrame, pr: np.ndarray, low_income_share: np.ndarray) -> np.ndarray:
    """Equipment subsidy per household of options on routes pr: (1 - L) x the route's + L x its
    low-income tier (empty: the same), L = the zone's low_income_share (empty: 0)."""
    eq = routes["subsidy_equipment_yuan_per_household"].to_numpy(dtype=float)[pr]
    low = routes["subsidy_equipment_low_income_yuan_per_household"].to_numpy(dtype=float)[pr]
    share = np.nan_to_num(np.asarray(low_income_share, dtype=float))
    return (1.0 - share) * eq + share * np.where(np.isnan(low), eq, low)


def priced(ctx: dict, pr: np.ndarray, converting: np.ndarray, units: np.ndarray, hh: np.ndarray, area_m2: np.ndarray,
           invest: np.ndarray, low_income_share: np.ndarray, base_before: np.ndarray | None):
    """What of an option depends on prices and tariffs: its fuel cost to society (10^4 yuan/a),
    household bills (BILL_UNITS), running subsidy (10^4 yuan/a) and affordability excess (10^4 yuan/a).

    Fuel cost = units x prices.csv price; with objective_valley_electricity = 1 an electric route
    with a valley_share s pays s x the valley tariff + (1 - s) x the prices.csv price (documented
    option; the default social cost is the prices.csv price). Running subsidy = households x
    ((1 - L) x ordinary + L x low-income tier), L = the zone's low_income_share (empty: 0).
    Affordability excess (affordability_margin m set, converting clean options): households x
    ((1 - L) x max(0, after - (1 + m) x base) + L x max(0, after_low_income - (1 + m) x base)),
    base = the zone's base-route bill before subsidy; 0 otherwise.
    """
    routes, prices, p = ctx["routes"], ctx["prices"], ctx["p"]
    f_ids = routes["fuel_id"].to_numpy()[pr]
    elec = ctx["is_elec"][pr]
    clean = ctx["clean_route"][pr]
    price = prices.reindex(f_ids).to_numpy(dtype=float)
    valley = routes["valley_share"].to_numpy(dtype=float)[pr]
    if p["objective_valley_electricity"] > 0:
        v = tariff_price(ctx["tariffs"], ELECTRICITY, "valley")
        use = elec & np.isfinite(valley) & np.isfinite(v)
        price = np.where(use, np.nan_to_num(valley) * v + (1.0 - np.nan_to_num(valley)) * price, price)
    fuel_cost = units * price * YUAN_TO_10K
    bills = household_bills(ctx, pr, converting, clean, units / hh, area_m2 / hh, invest / hh, base_before)
    low = np.nan_to_num(np.asarray(low_income_share, dtype=float))
    run_hh = (1.0 - low) * bills["running_subsidy"] + low * bills["running_subsidy_low_income"]
    running = np.where(converting, run_hh * hh, 0.0) * YUAN_TO_10K
    margin = p["affordability_margin"]
    excess = np.zeros(len(pr))
    if np.isfinite(margin) and base_before is not None:
        cap = base_before * (1.0 + margin)
        over = (1.0 - low) * np.maximum(bills["after"] - cap, 0.0) + low * np.maximum(bills["after_low_income"] - cap, 0.0)
        excess = np.where(converting & clean, over * hh, 0.0) * YUAN_TO_10K
    return fuel_cost, bills, running, excess


def tariff_price(tariffs: pd.DataFrame, fuel_id: str, band: str) -> float:
    """The year's tariff of one fuel and band (NaN if tariffs.csv has no such row)."""
    row = tariffs[(tariffs["fuel_id"] == fuel_id) & (tariffs["band"] == band)]
    return float(row["price_yuan_per_unit"].iloc[0]) if len(row) else float("nan")


def energy_bill(tariffs: pd.DataFrame, fuel_id: np.ndarray, fallback: np.ndarray, valley_share: np.ndarray,
                units_per_hh: np.ndarray, area_m2_per_hh: np.ndarray) -> np.ndarray:
    """Per option: what a household pays a season for its fuel or heat (yuan/(household a)).

    A fuel's tariffs.csv rows of the year decide: per_m2 -> price x m^2; tiers -> sum over tiers
    of price_i x (use within tier i) (the highest tier open-ended); time-of-use -> a route with a
    valley_share s pays s x valley + (1 - s) x peak (flat where no peak row), any other route
    flat (the prices.csv price where no flat row). A fuel without rows pays `fallback` (prices.csv).
    """
    out = units_per_hh * fallback
    for fuel in np.unique(fuel_id):
        rows = tariffs[tariffs["fuel_id"] == fuel]
        if not len(rows):
            continue
        on = fuel_id == fuel
        band = dict(zip(rows["band"], rows["price_yuan_per_unit"].astype(float)))
        u = units_per_hh[on]
        if "per_m2" in band:
            out[on] = band["per_m2"] * area_m2_per_hh[on]
        elif "tier1" in band:
            tiers = rows[rows["band"].str.startswith("tier")].sort_values("band")
            ends = tiers["up_to_units_per_household"].to_numpy(dtype=float).copy()
            ends[-1] = np.inf
            starts = np.r_[0.0, ends[:-1]]
            out[on] = sum(pr * np.clip(u - lo, 0.0, hi - lo)
                          for pr, lo, hi in zip(tiers["price_yuan_per_unit"].to_numpy(dtype=float), starts, ends))
        else:
            flat = band.get("flat", np.nan)
            flat = np.where(np.isnan(flat), fallback[on], flat)
            s = valley_share[on]
            tou = np.isfinite(s) & ("valley" in band)
            rest = band.get("peak", np.nan)
            rest = np.where(np.isnan(rest), flat, rest)
            price = np.where(tou, np.nan_to_num(s) * band.get("valley", 0.0) + (1.0 - np.nan_to_num(s)) * rest, flat)
            out[on] = u * price
    return out


def household_bills(ctx: dict, pr: np.ndarray, converting: np.ndarray, clean: np.ndarray, units_per_hh: np.ndarray,
                    area_m2_per_hh: np.ndarray, invest_per_hh: np.ndarray, base_before: np.ndarray | None) -> dict:
    """Bills per household of options on routes pr (BILL_UNITS): energy at the tariffs + fixed O&M,
    less the running subsidy of an ordinary and of a low-income household (converting options only);
    the one-off out-of-pocket is the investment per household less the equipment subsidy.

    With running_subsidy_design = 1 the running subsidy of a converting clean option is designed:
    max(0, before - base_before x (1 + affordability_margin)) for both tiers (margin 0 if unset), the
    least that keeps the household's bill within the margin of its base-year bill."""
    routes, prices, p = ctx["routes"], ctx["prices"], ctx["p"]
    f_ids = routes["fuel_id"].to_numpy()[pr]
    energy = energy_bill(ctx["tariffs"], f_ids, prices.reindex(f_ids).to_numpy(dtype=float),
                         routes["valley_share"].to_numpy(dtype=float)[pr], units_per_hh, area_m2_per_hh)
    before = energy + routes["fixed_om_yuan_per_household_yr"].to_numpy(dtype=float)[pr]
    run = routes["subsidy_running_yuan_per_household_yr"].to_numpy(dtype=float)[pr]
    run_low = routes["subsidy_running_low_income_yuan_per_household_yr"].to_numpy(dtype=float)[pr]
    run_low = np.where(np.isnan(run_low), run, run_low)
    if p["running_subsidy_design"] > 0 and base_before is not None:
        margin = p["affordability_margin"] if np.isfinite(p["affordability_margin"]) else 0.0
        need = np.maximum(before - base_before * (1.0 + margin), 0.0)
        run = run_low = np.where(clean, need, run)
    conv = converting
    run, run_low = np.where(conv, run, 0.0), np.where(conv, run_low, 0.0)
    eq = routes["subsidy_equipment_yuan_per_household"].to_numpy(dtype=float)[pr]
    eq_low = routes["subsidy_equipment_low_income_yuan_per_household"].to_numpy(dtype=float)[pr]
    eq_low = np.where(np.isnan(eq_low), eq, eq_low)
    return {
        "energy": energy,
        "before": before,
        "running_subsidy": run,
        "running_subsidy_low_income": run_low,
        "after": before - run,
        "after_low_income": before - run_low,
        "out_of_pocket": np.where(conv, np.maximum(invest_per_hh - eq, 0.0), 0.0),
        "out_of_pocket_low_income": np.where(conv, np.maximum(invest_per_hh - eq_low, 0.0), 0.0),
    }


def without_options(inst: Instance, drop: np.ndarray) -> Instance:
    """A copy of the instance without the dropped options (zones left with one option become fixed)."""
    keep = ~drop
    pz = inst.pair_zone[keep]
    n_opts = np.bincount(pz, minlength=len(inst.zone_ids))
    per_pair = {f.name: getattr(inst, f.name)[keep] for f in dataclasses.fields(inst)
                if f.name.startswith("pair_") and f.name != "pair_free"}
    return dataclasses.replace(inst, **per_pair, pair_free=n_opts[pz] > 1,
                               q={k: v[keep] for k, v in inst.q.items()}, cost={k: v[keep] for k, v in inst.cost.items()},
                               bills={k: v[keep] for k, v in inst.bills.items()})


def reprice(inst: Instance, data: RegionData, year: int, ov: Overrides) -> Instance | None:
    """`prepare(data, year, ov)` from `inst`, prepared from the same data and year with other
    overrides, when the two differ only in `prices`, `tariffs` and `years` cells (fuel prices,
    tariffs, caps, budgets): those enter only the fuel costs, the household bills, the running
    subsidies a design derives from them, the affordability excess and the caps (`priced`). The
    same arrays as `prepare`, in a fraction of its time; None for any other change (then call `prepare`)."""
    old = inst.overrides
    if inst.year != year or old.fix_plan_routes != ov.fix_plan_routes:
        return None
    cheap = ("prices", "tariffs", "years")
    old_edits, new_edits = edits_of(data, old), edits_of(data, ov)
    if [e for e in old_edits if e.table not in cheap] != [e for e in new_edits if e.table not in cheap]:
        return None  # another table may change quantities, eligibility, annuities
    t = apply_edits(data.tables, new_edits)
    y = t["years"]
    row = np.flatnonzero(y["year"].to_numpy() == year)
    if len(row) != 1:
        return None
    pr_t = t["prices"]
    routes = t["routes"].reset_index(drop=True)
    route_fuel = routes["fuel_id"].to_numpy()
    ctx = dict(routes=routes, prices=pr_t[pr_t["year"] == year].set_index("fuel_id")["price_yuan_per_unit"],
               p={**PARAMETER_DEFAULTS, **dict(zip(t["parameters"]["name"], t["parameters"]["value"].astype(float)))},
               tariffs=t["tariffs"][t["tariffs"]["year"] == year], is_elec=route_fuel == ELECTRICITY,
               clean_route=routes["clean"].to_numpy().astype(bool))
    low = t["zones"]["low_income_share"].to_numpy(dtype=float)
    nz = len(inst.zone_ids)

    def again(q, pr, converting, pz, base_before, bills):
        fuel, new_bills, running, excess = priced(ctx, pr, converting, q["fuel_units"], q["households"], q["area"] * 1e4,
                                                  q["investment"] * 1e4, low[pz], base_before)
        for k in ("out_of_pocket", "out_of_pocket_low_income"):  # investment and equipment subsidy: not priced
            new_bills[k] = bills[k]
        return fuel, new_bills, running, excess

    b_fuel, base_bills, b_run, b_exc = again(inst.base_q, inst.zone_existing, np.zeros(nz, dtype=bool), np.arange(nz),
                                             None, inst.base_bills)
    fuel, bills, run, exc = again(inst.q, inst.pair_route, inst.pair_converting, inst.pair_zone,
                                  base_bills["before"][inst.pair_zone], inst.bills)
    caps = year_caps(lambda name: y[name].to_numpy()[row[0]])
    return dataclasses.replace(inst, cost={**inst.cost, "fuel": fuel}, base_cost={**inst.base_cost, "fuel": b_fuel},
                               q={**inst.q, "subsidy_running": run, "bill_excess": exc},
                               base_q={**inst.base_q, "subsidy_running": b_run, "bill_excess": b_exc},
                               bills=bills, base_bills=base_bills, caps=caps, overrides=ov)
