"""Seeded synthetic regions for the speed and scale benchmarks.

`generate(n_zones, seed)` returns the input tables (the schema of `inputs/`, see
`inputs/README.md`) of a made-up province-like region; `write(folder, tables)` writes
them as CSV. Same (n_zones, seed, year) -> byte-identical files.

What the instance looks like (all numbers are assumptions for benchmarking, modelled
on the ranges in SPEC.md; none is a real place):
- about one county per 500 zones, grouped in a few townships each; ~15 % urban heating
  zones (larger, near heat networks), the rest villages;
- base year: ~80 % of zones on scattered coal, so they are decisions; urban zones
  often already on CHP district heating or gas (fixed); ~2 % demolition zones;
- gas network reaches ~50 % of zones; heat networks reach zones within 3 km;
- villages share transformer groups of 1-5 villages sized at 2-3.5 kVA per household;
  electric routes need upgrades after the first village or two;
- every county has coal-CHP spare capacity, some waste heat, geothermal, biomass;
- coverage targets (plain 95 %, mountain 70 %) force conversion; gas (annual and design
  day), rural gas, subsidy budget and transformer upgrade limits sit 0-10 % above what a
  feasible reference plan uses (see `_reference_plan`): every instance is feasible and
  coverage, heat-source, transformer and storage rows bind, gas often.

Command line: python benchmarks/generate.py --zones 5000 --seed 1 --out /tmp/bench_5k
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from model.registry import TABLES  # noqa: E402

SRC = "assumption: synthetic benchmark instance (benchmarks/generate.py)"
SIZES = {"1k": 1000, "5k": 5000, "20k": 20000, "70k": 70000}

# Climate and finance as in a cold-zone city (Jinan-like: -5.3 C design, 122 days, mean 2.1 C).
PARAMETERS = {
    "design_temperature_c": (-5.3, "C"), "indoor_temperature_c": (18.0, "C"), "heating_season_days": (122.0, "d"),
    "heating_season_mean_temperature_c": (2.1, "C"), "discount_rate": (0.06, "1"), "storage_days_required": (7.0, "d"),
    "storage_averaging_days": (365.0, "d"), "power_factor": (0.9, "1"), "electric_coincidence_factor": (0.8, "1"),
}
FLH = 24.0 * 122 * (18.0 - 2.1) / (18.0 + 5.3)  # equivalent full-load hours of the climate above, h

# fuel_id: name, unit, GJ/unit, kgCO2/unit, gPM2.5/unit, tce/unit, price yuan/unit
FUELS = {
    "raw_coal": ("散煤", "t", 20.908, 1978.0, 3170.0, 0.7143, 1300.0),
    "clean_coal": ("洁净型煤", "t", 22.0, 2081.0, 1000.0, 0.7507, 1450.0),
    "gas": ("天然气", "m3", 0.038931, 2.17, 0.0, 0.0, 3.0),
    "electricity": ("电力", "kWh", 0.0036, 0.678, 0.0, 0.0, 0.4469),
    "dh_heat": ("热电联产热力", "GJ", 1.0, 104.0, 0.0, 0.0, 45.0),
    "waste_heat": ("工业余热", "GJ", 1.0, 0.0, 0.0, 0.0, 30.0),
    "biomass_pellet": ("生物质成型燃料", "t", 16.9, 0.0, 500.0, 0.0, 1000.0),
    "biomass_heat": ("生物质热电联产热力", "GJ", 1.0, 0.0, 0.0, 0.0, 55.0),
}

# building_type: name, W/m2, retrofit yuan/m2, saving, retrofit lifetime
BUILDING_TYPES = {
    "rural_house": ("农村住宅", 70.0, 200.0, 0.3, 25.0),
    "urban_bungalow": ("城中村平房", 75.0, 200.0, 0.3, 25.0),
    "urban_old": ("城镇既有非节能住宅", 60.0, 250.0, 0.3, 25.0),
    "urban_new": ("城镇节能住宅", 42.0, None, None, None),
}

ROUTE_COLS = ("route_id", "name_zh", "name_en", "category", "fuel_id", "clean", "selectable",
              "capex_yuan_per_household", "capex_yuan_per_m2", "fixed_om_yuan_per_household_yr", "lifetime_yr",
              "efficiency", "cop_design", "charge_hours", "requires_gas_network", "max_heat_network_km",
              "area_types", "terrains", "building_types", "needs_heat_source",
              "subsidy_equipment_yuan_per_household", "subsidy_running_yuan_per_household_yr")
# Every route category of the schema; district heating, waste heat, biomass and geothermal draw on heat sources.
ROUTES = [
    ("scattered_coal", "散煤取暖", "Scattered coal stove", "coal", "raw_coal", 0, 0, 0, 0, 0, 15, 0.5, 0.5, 24, 0, "", "all", "all", "all", 0, 0, 0),
    ("quality_coal", "民用优质燃煤", "Quality civil coal", "coal", "clean_coal", 0, 1, 1200, 0, 0, 10, 0.65, 0.65, 24, 0, "", "all", "all", "all", 0, 0, 0),
    ("chp_dh", "燃煤热电联产集中供热", "Coal CHP district heating", "district_heating", "dh_heat", 1, 1, 3000, 115, 150, 25, 0.92, 0.92, 24, 0, 3, "all", "all", "all", 1, 1000, 0),
    ("waste_heat", "工业余热供暖", "Industrial waste heat", "waste_heat", "waste_heat", 1, 1, 3000, 115, 150, 25, 0.92, 0.92, 24, 0, 3, "all", "all", "all", 1, 1000, 0),
    ("biomass_chp", "生物质热电联产", "Biomass CHP district heating", "biomass", "biomass_heat", 1, 1, 3000, 115, 150, 25, 0.92, 0.92, 24, 0, 3, "all", "all", "all", 1, 1000, 0),
    ("gas_boiler_house", "燃气锅炉房", "Gas boiler house", "coal_to_gas", "gas", 1, 1, 3000, 60, 200, 20, 0.9, 0.9, 24, 1, "", "all", "all", "all", 0, 2000, 1200),
    ("gas_wall_boiler", "燃气壁挂炉", "Gas wall-hung boiler", "coal_to_gas", "gas", 1, 1, 12000, 0, 150, 15, 0.9, 0.9, 24, 1, "", "all", "all", "all", 0, 3000, 1200),
    ("ashp", "空气源热泵", "Air-source heat pump", "coal_to_electricity", "electricity", 1, 1, 30000, 0, 200, 15, 2.55, 2.15, 24, 0, "", "all", "all", "all", 0, 6000, 1200),
    ("storage_heater", "蓄热式电暖器", "Electric thermal-storage heater", "coal_to_electricity", "electricity", 1, 1, 8000, 0, 50, 15, 1.0, 1.0, 12, 0, "", "all", "all", "all", 0, 4000, 1200),
    ("gshp", "地源热泵", "Ground-source heat pump", "coal_to_electricity", "electricity", 1, 1, 3000, 325, 250, 20, 3.75, 3.5, 24, 0, "", "urban", "all", "all", 0, 5000, 1200),
    ("geothermal_deep", "中深层地热", "Mid-deep geothermal", "geothermal", "electricity", 1, 1, 3000, 225, 150, 25, 5.0, 5.0, 24, 0, "", "all", "all", "all", 1, 3000, 1200),
    ("biomass_boiler", "生物质锅炉", "Biomass pellet boiler", "biomass", "biomass_pellet", 1, 1, 3000, 80, 300, 15, 0.8, 0.8, 24, 0, "", "rural", "all", "all", 1, 3000, 0),
    ("solar_aux", "太阳能+电辅助", "Solar thermal with electric auxiliary", "solar", "electricity", 1, 1, 32000, 0, 250, 15, 2.0, 1.0, 24, 0, "", "all", "all", "all", 0, 6000, 1200),
]
# (route, share of counties with a source, spare capacity as a share of the reachable new load: low, high)
HEAT_SOURCE_RULES = [
    ("chp_dh", 1.0, 0.4, 0.9),
    ("waste_heat", 0.3, 0.2, 0.5),
    ("biomass_chp", 0.1, 0.2, 0.4),
    ("geothermal_deep", 0.15, 0.02, 0.06),
    ("biomass_boiler", 0.4, 0.02, 0.05),
]
COVERAGE = {"plain": 0.95, "mountain": 0.7}  # minimum clean share of households by terrain
STANDARD_KVA = np.array([200, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000])


def _design_load_kw(households: np.ndarray, area_10k_m2: np.ndarray, btype: np.ndarray) -> np.ndarray:
    w = pd.Series({k: v[1] for k, v in BUILDING_TYPES.items()}).reindex(btype).to_numpy()
    return area_10k_m2 * 1e4 * w / 1000.0


def _reaches(r: dict, mask: np.ndarray, km: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """Zones (within mask) a heat-source route's network and area rules allow."""
    out = mask.copy()
    if r["max_heat_network_km"] != "":
        out &= km <= float(r["max_heat_network_km"])
    if r["area_types"] == "rural":
        out &= ~urban
    return out


def _reference_plan(rng, route, spare, undecided, county_of, km, urban, gas_net, mountain, hh, load_kw, demolition):
    """One feasible route per zone (no retrofits): heat sources while capacity lasts, gas for
    half the gas-reachable rest, heat pumps otherwise; then quality coal for the zones the
    coverage targets leave room for (90 % of the room; the most subsidised first). Existing zones keep 'scattered_coal'
    as a marker (they are not decisions)."""
    n = len(hh)
    ref = np.full(n, "scattered_coal", dtype=object)
    ref[demolition == 1] = "quality_coal"
    left = dict(spare)
    gas_pick = rng.random(n) < 0.5
    for i in np.flatnonzero(undecided):
        c = county_of[i]
        for r in ("chp_dh", "waste_heat", "biomass_chp", "biomass_boiler", "geothermal_deep"):
            if left.get((c, r), 0.0) * 1000.0 >= load_kw[i] and _reaches(route[r], np.ones(1, bool), km[i:i + 1],
                                                                            urban[i:i + 1])[0]:
                left[c, r] -= load_kw[i] / 1000.0
                ref[i] = r
                break
        else:
            ref[i] = "gas_boiler_house" if gas_net[i] and gas_pick[i] else "ashp"
    # coverage room: targets are 95 % (plain) and 70 % (mountain) of non-demolition households
    for terrain_mask, target in ((~mountain, COVERAGE["plain"]), (mountain, COVERAGE["mountain"])):
        base = terrain_mask & (demolition == 0)
        room = 0.9 * (1.0 - target) * hh[base].sum()
        cand = rng.permutation(np.flatnonzero(base & undecided))
        per_hh = np.array([route[r]["subsidy_equipment_yuan_per_household"]
                           + route[r]["subsidy_running_yuan_per_household_yr"] for r in ref[cand]])
        for i in cand[np.argsort(-per_hh, kind="stable")]:  # the most subsidised zones stay on coal
            if hh[i] > room:
                continue
            room -= hh[i]
            ref[i] = "quality_coal"
    return ref


def generate(n_zones: int, seed: int, year: int = 2022) -> dict[str, pd.DataFrame]:
    """Input tables of a synthetic region with `n_zones` zones (deterministic in seed)."""
    if n_zones < 10:
        raise ValueError("n_zones must be at least 10")
    rng = np.random.default_rng([seed, n_zones])
    n_counties = max(4, int(round(n_zones / 500)))
    county_ids = np.array([f"{990000 + 100 * (c // 20) + c % 20 + 1}" for c in range(n_counties)])

    # zones per county (Dirichlet shares), zones sorted by county
    share = rng.dirichlet(np.full(n_counties, 4.0))
    counts = np.maximum(1, np.floor(share * n_zones).astype(int))
    counts[np.argmax(counts)] += n_zones - counts.sum()
    county_of = np.repeat(np.arange(n_counties), counts)
    mountain_share = rng.beta(1.2, 2.5, n_counties)
    urban_share = rng.uniform(0.08, 0.22, n_counties)

    urban = rng.random(n_zones) < urban_share[county_of]
    mountain = (rng.random(n_zones) < mountain_share[county_of]) & ~(urban & (rng.random(n_zones) < 0.8))
    btype = np.where(urban, rng.choice(["urban_old", "urban_new", "urban_bungalow"], n_zones, p=[0.4, 0.3, 0.3]),
                     "rural_house")
    hh = np.where(urban, np.clip(np.rint(rng.lognormal(np.log(1200), 0.7, n_zones)), 100, 20000),
                  np.clip(np.rint(rng.lognormal(np.log(220), 0.6, n_zones)), 30, 3000)).astype(int)
    m2_per_hh = np.where(urban, rng.uniform(60, 90, n_zones), rng.uniform(90, 130, n_zones))
    area = np.round(hh * m2_per_hh / 1e4, 4)
    p_gas = np.where(urban, 0.8, np.where(mountain, 0.2, 0.55))
    gas_net = (rng.random(n_zones) < p_gas).astype(int)
    km = np.round(np.where(urban, rng.exponential(1.5, n_zones), rng.exponential(np.where(mountain, 15.0, 8.0))), 2)

    # base year: urban zones are often clean already; villages mostly scattered coal
    u = rng.random(n_zones)
    existing = np.full(n_zones, "scattered_coal", dtype=object)
    existing[urban & (u < 0.45) & (km <= 3)] = "chp_dh"
    existing[urban & (u >= 0.45) & (u < 0.6) & (gas_net == 1)] = "gas_wall_boiler"
    existing[~urban & (u < 0.05) & (gas_net == 1)] = "gas_wall_boiler"
    existing[~urban & (u >= 0.05) & (u < 0.08)] = "ashp"
    coal = existing == "scattered_coal"
    demolition = (coal & (rng.random(n_zones) < 0.02)).astype(int)

    # townships: ~12 per county, zones spread over them
    township = np.array([f"{county_ids[c]}{t:03d}" for c, t in zip(county_of, rng.integers(1, 13, n_zones))])
    zone_ids = np.array([f"{county_ids[c]}Z{i:06d}" for i, c in enumerate(county_of)])

    # transformer groups: consecutive villages of one county, 1-5 per group
    rural_idx = np.flatnonzero(~urban)
    group_of = np.full(n_zones, "", dtype=object)
    groups = []  # (group_id, county index, zone indices)
    k = 0
    while k < len(rural_idx):
        size = int(rng.integers(1, 6))
        c = county_of[rural_idx[k]]
        members = [i for i in rural_idx[k:k + size] if county_of[i] == c]
        gid = f"T{county_ids[c]}{len(groups):06d}"
        groups.append((gid, c, members))
        group_of[members] = gid
        k += len(members)
    g_hh = np.array([hh[mm].sum() for _, _, mm in groups], dtype=float)
    need = g_hh * rng.uniform(2.0, 3.5, len(groups))
    # next standard size; above the largest, whole 1,000 kVA (several transformers)
    cap = np.where(need <= STANDARD_KVA[-1],
                   STANDARD_KVA[np.minimum(np.searchsorted(STANDARD_KVA, need), len(STANDARD_KVA) - 1)],
                   np.ceil(need / 1000.0) * 1000.0).astype(float)
    transformers = pd.DataFrame({
        "group_id": [g for g, _, _ in groups], "county_id": county_ids[[c for _, c, _ in groups]],
        "capacity_kva": cap, "existing_peak_kva": np.round(cap * rng.uniform(0.35, 0.6, len(groups)), 1),
        "upgrade_unit_kva": 315.0, "upgrade_unit_capex_yuan": 141750.0, "upgrade_lifetime_yr": 25.0,
        "max_upgrade_units": rng.integers(1, 4, len(groups)), "source": SRC,
    })

    zones = pd.DataFrame({
        "zone_id": zone_ids, "county_id": county_ids[county_of], "township_id": township,
        "name_zh": [f"合成{'社区' if x else '村'}{i}" for i, x in enumerate(urban)],
        "area_type": np.where(urban, "urban", "rural"), "terrain": np.where(mountain, "mountain", "plain"),
        "building_type": btype, "households": hh, "floor_area_10k_m2": area, "gas_network": gas_net,
        "heat_network_km": km, "transformer_group": group_of, "demolition": demolition,
        "existing_route": existing, "plan_route": "", "plan_retrofit": "",
    })

    # heat sources: spare capacity as a share of the new design load that could reach them
    load_kw = _design_load_kw(hh, area, btype)
    undecided = coal & (demolition == 0)
    route = {r[0]: dict(zip(ROUTE_COLS, r)) for r in ROUTES}
    rows = []
    spare = {}  # (county index, route) -> MW left for the reference plan
    for route_id, p_county, lo, hi in HEAT_SOURCE_RULES:
        has = rng.random(n_counties) < p_county
        has[rng.integers(n_counties)] = True  # every source route exists somewhere
        frac = rng.uniform(lo, hi, n_counties)
        reach_mw = np.bincount(county_of, weights=load_kw * _reaches(route[route_id], undecided, km, urban),
                               minlength=n_counties) / 1000.0
        for c in np.flatnonzero(has):
            mw = float(np.round(max(5.0, frac[c] * reach_mw[c]), 1))
            spare[c, route_id] = mw
            rows.append({"source_id": f"{county_ids[c]}-{route_id}-1", "county_id": county_ids[c], "route_id": route_id,
                         "name_zh": f"合成热源{county_ids[c]}{route_id}", "spare_capacity_mw": mw, "source": SRC})
    heat_sources = pd.DataFrame(rows)

    # A feasible reference plan sets the caps: each cap is at or a little above what the
    # reference uses, below what the cheapest plan would want (gas is cheaper than heat
    # pumps, so gas and subsidies bind), and the instance is feasible by construction.
    ref = _reference_plan(rng, route, spare, undecided, county_of, km, urban, gas_net, mountain, hh, load_kw,
                          demolition)
    heat_gj = load_kw * FLH * 0.0036
    gas_lhv = FUELS["gas"][2]
    new = undecided & (ref != "quality_coal")
    eff = np.array([route[r]["efficiency"] for r in ref])
    is_gas = np.array([route[r]["fuel_id"] == "gas" for r in ref]) & new
    is_elec = np.array([route[r]["fuel_id"] == "electricity" for r in ref]) & new
    gas_a = np.where(is_gas, heat_gj / eff / gas_lhv / 1e4, 0.0)
    gas_d = np.where(is_gas, load_kw * 24 * 0.0036 / eff / gas_lhv / 1e4, 0.0)
    on_gas = existing == "gas_wall_boiler"
    gas_existing = (heat_gj / 0.9 / gas_lhv / 1e4)[on_gas].sum()
    gas_peak_existing = (load_kw * 24 * 0.0036 / 0.9 / gas_lhv / 1e4)[on_gas].sum()
    subsidy = np.array([route[r]["subsidy_equipment_yuan_per_household"] + route[r]["subsidy_running_yuan_per_household_yr"]
                        for r in ref]) * hh * 1e-4 * (undecided & (ref != "scattered_coal"))
    cop = np.array([route[r]["cop_design"] for r in ref])
    charge = np.array([route[r]["charge_hours"] for r in ref])
    kva = np.where(is_elec, load_kw / cop * 24.0 / charge / PARAMETERS["power_factor"][0]
                   * PARAMETERS["electric_coincidence_factor"][0], 0.0)
    g_kva = np.array([kva[mm].sum() for _, _, mm in groups])
    short = np.maximum(0.0, transformers["existing_peak_kva"].to_numpy() + g_kva - cap)
    transformers["max_upgrade_units"] = np.ceil(short / 315.0).astype(int) + rng.integers(0, 2, len(groups))

    gas_cap = (gas_existing + gas_a.sum()) * rng.uniform(1.0, 1.05)
    peak_cap = (gas_peak_existing + gas_d.sum()) * rng.uniform(1.0, 1.05)
    other_use = 4.0 * gas_existing + 100.0
    storage_need = 7.0 / 365.0 * (gas_cap + other_use)
    module = float(max(1.0, np.round(storage_need / 20.0, 0)))
    rural_gas = hh[is_gas & ~urban].sum()
    years = pd.DataFrame([{
        "year": year, "gas_annual_cap_10k_m3": np.ceil(gas_cap * 10) / 10, "gas_peak_day_cap_10k_m3": np.ceil(peak_cap * 100) / 100,
        "gas_other_use_10k_m3": round(other_use, 1), "gas_storage_existing_10k_m3": round(0.8 * storage_need, 1),
        "storage_module_size_10k_m3": module, "storage_module_capex_10k_yuan": round(module * 40.0, 1),
        "storage_module_lifetime_yr": 30.0,
        "subsidy_budget_10k_yuan": np.ceil(subsidy.sum() * rng.uniform(1.0, 1.05) * 10) / 10,
        "rural_gas_new_cap_households": float(np.ceil(rural_gas * rng.uniform(1.0, 1.1))), "source": SRC,
    }])

    tables = {
        "parameters": pd.DataFrame([{"name": k, "value": v, "unit": u, "source": SRC} for k, (v, u) in PARAMETERS.items()]),
        "counties": pd.DataFrame({
            "county_id": county_ids, "name_zh": [f"合成县{i + 1}" for i in range(n_counties)],
            "name_en": [f"Synthetic county {i + 1}" for i in range(n_counties)],
            "households": np.bincount(county_of, weights=hh, minlength=n_counties).astype(int),
            "population": (np.bincount(county_of, weights=hh, minlength=n_counties) * 2.6).astype(int),
            "urban_population": (np.bincount(county_of, weights=hh * urban, minlength=n_counties) * 2.6).astype(int),
            "rural_population": (np.bincount(county_of, weights=hh * ~urban, minlength=n_counties) * 2.6).astype(int),
            "source": SRC}),
        "building_types": pd.DataFrame([{
            "building_type": k, "name_zh": v[0], "design_heat_load_w_per_m2": v[1], "retrofit_capex_yuan_per_m2": v[2],
            "retrofit_saving": v[3], "retrofit_lifetime_yr": v[4], "source": SRC} for k, v in BUILDING_TYPES.items()]),
        "fuels": pd.DataFrame([{
            "fuel_id": k, "name_zh": v[0], "unit": v[1], "energy_gj_per_unit": v[2], "co2_kg_per_unit": v[3],
            "pm25_g_per_unit": v[4], "coal_tce_per_unit": v[5], "source": SRC} for k, v in FUELS.items()]),
        "routes": pd.DataFrame([dict(zip(ROUTE_COLS, r), source=SRC) for r in ROUTES]),
        "prices": pd.DataFrame([{"year": year, "fuel_id": k, "price_yuan_per_unit": v[6], "source": SRC}
                                for k, v in FUELS.items()]),
        "years": years,
        "coverage": pd.DataFrame([
            {"year": year, "area_type": "all", "terrain": t, "min_clean_share": v, "source": SRC}
            for t, v in COVERAGE.items()]),
        "transformers": transformers,
        "heat_sources": heat_sources,
        "zones": zones,
    }
    return tables


def horizon(tables: dict[str, pd.DataFrame], years: list[int]) -> dict[str, pd.DataFrame]:
    """The single-year tables of `generate` (for the last year) spread over a pathway: coverage
    targets rise linearly to the last year's, the subsidy budget is a total to date rising the
    same way, new rural gas households are capped per year at 1.5 x an even share; gas caps,
    storage and prices stay as in the last year. Feasible whenever the reference plan's
    conversions can be spread evenly over the years."""
    K = len(years)
    last = tables["years"].iloc[0]
    rows, cov, prices = [], [], []
    for k, y in enumerate(years):
        share = (k + 1) / K
        row = last.to_dict()
        row.update(year=y, subsidy_budget_10k_yuan=np.ceil(last["subsidy_budget_10k_yuan"] * share * 10) / 10,
                   subsidy_budget_basis="to_date",
                   rural_gas_new_cap_households=float(np.ceil(last["rural_gas_new_cap_households"] * 1.5 / K)))
        rows.append(row)
        cov += [{**c, "year": y, "min_clean_share": round(c["min_clean_share"] * share, 4)}
                for c in tables["coverage"].to_dict("records")]
        prices += [{**p, "year": y} for p in tables["prices"].to_dict("records")]
    return {**tables, "years": pd.DataFrame(rows), "coverage": pd.DataFrame(cov), "prices": pd.DataFrame(prices)}


def write(folder: Path | str, tables: dict[str, pd.DataFrame]) -> Path:
    """One CSV per table in the registry's column order (UTF-8, LF); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        cols = [c.name for c in TABLES[name].columns]
        df.reindex(columns=cols).to_csv(folder / f"{name}.csv", index=False, lineterminator="\n",
                                        float_format="%.10g")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a synthetic benchmark region.")
    ap.add_argument("--zones", type=int, required=True, help="number of zones, e.g. 5000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--from", dest="from_year", type=int, default=None,
                    help="write a pathway's tables from this year to --year (benchmarks/pathway.py)")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    args = ap.parse_args(argv)
    tables = generate(args.zones, args.seed, args.year)
    if args.from_year is not None:
        tables = horizon(tables, list(range(args.from_year, args.year + 1)))
    folder = write(args.out, tables)
    print(f"wrote {args.zones} zones to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
