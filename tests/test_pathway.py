"""Multi-year pathway: hand-derived timing, brute force, residuals by year, CLI.

Factory numbers: a zone's base route is scattered coal (eff 0.5): 43.2 GJ / 0.5 = 86.4 GJ = 4.32 t;
gas 2,400 yuan/a; ASHP 6,000 kWh = 3,000 yuan/a. Discount rate 0, so objective values are plain
sums over the years, in 10^4 yuan, including the base routes' costs.
"""
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.cli import format_pathway
from model.errors import SolveError
from model.horizon import prepare_horizon
from model.pipeline import solve_data
from model.prepare import PAIR_COST_COMPONENTS, Overrides, storage_module_cost
from model.solve import SolveOptions
from model.validate import load_region

REPO = Path(__file__).resolve().parents[1]
YEARS = [2021, 2022]


def two_years(folder, per_year=None, **kw):
    """Factory tables for 2021 and 2022; per_year[y] updates that year's `years`/`prices`/`coverage`."""
    per_year = per_year or {}
    parts = [f.tables(year=y, **{**kw, **per_year.get(y, {})}) for y in YEARS]
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    return f.write_region(folder, t)


class Result:
    def __init__(self, ds):
        self.objective = float(ds.objective)


def solve(folder, foresight="perfect", **kw):
    data = load_region(folder, YEARS[-1])
    ds = solve_data(data, YEARS[-1], Overrides(), SolveOptions(mip_gap=0.0), from_year=YEARS[0], foresight=foresight,
                    **kw).dataset
    return Result(ds), ds


def test_budget_forces_half_the_conversions_into_year_two(tmp_path):
    """Gas subsidy 1,000 yuan/household, budget 0.1 (10^4 yuan) = one conversion a year. Converting saves
    4,320 - 2,400 = 1,920 yuan/a, so as early as the budget allows: one zone in 2021, one in 2022
    (coverage 100 % in 2022 only). Objective: 2021 2,400 + 4,320; 2022 2 x 2,400 -> 11,520 yuan = 1.152."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0)]
    cov0 = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                       years={"subsidy_budget_10k_yuan": 0.1}, per_year={2021: {"coverage": cov0}})
    res, ds = solve(folder)
    assert sorted(ds.conversion_year.values.tolist()) == [2021, 2022]
    assert ds.households_converted.sum(["county", "route"]).values.tolist() == [1, 1]
    assert res.objective == pytest.approx(1.152)
    assert (ds.subsidy_equipment.values <= ds.subsidy_budget.values + 1e-9).all()


def test_cumulative_budget_allows_one_conversion_over_both_years(tmp_path):
    """The budget of the previous test, 0.1 (10^4 yuan) in each year, as a total to date
    (subsidy_budget_cumulative = 1): one 1,000 yuan subsidy over both years. Converting saves
    1,920 yuan/a, so one zone converts in 2021 and the other stays on coal (coverage 50 % in 2022):
    2 x (2,400 + 4,320) = 13,440 yuan = 1.344. Read per year, the same budget converts both.
    (Scattered coal is selectable here, so a zone may keep it; quality coal is not offered: it
    would take the second zone.)"""
    routes = [f.route("scattered_coal", selectable=1), f.route("quality_coal", selectable=0),
              f.route("gas_wall_boiler", sub_eq=1000.0)]
    cov = {y: {"coverage": [dict(year=y, area_type="all", terrain="all", min_clean_share=s, source=f.SRC)]}
           for y, s in ((2021, 0.0), (2022, 0.5))}
    for cumulative, years, objective in ((1, [0, 2021], 1.344), (0, [2021, 2022], 1.152)):
        folder = two_years(tmp_path / f"r{cumulative}", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                           years={"subsidy_budget_10k_yuan": 0.1}, per_year=cov,
                           params={"subsidy_budget_cumulative": cumulative})
        res, ds = solve(folder)
        assert sorted(ds.conversion_year.values.tolist()) == years
        assert res.objective == pytest.approx(objective)
        assert ds.attrs["subsidy_budget_cumulative"] == cumulative
        assert ds.subsidy_spent_to_date.values.tolist() == pytest.approx([0.1, 0.1] if cumulative else [0.1, 0.2])
        spent = ds.subsidy_spent_to_date if cumulative else ds.subsidy_equipment + ds.subsidy_running
        assert (spent.values <= ds.subsidy_budget.values + 1e-9).all()
        table = format_pathway(ds).splitlines()  # the CLI's summary says how the budget counts
        assert ("subsidy / budget (10^4 yuan, to date)" in table[-3]) == bool(cumulative)


@pytest.mark.parametrize("coal_2021, year, objective", [(800.0, 2022, 0.7456), (1000.0, 2021, 0.8)])
def test_price_rise_makes_early_conversion_cheaper(tmp_path, coal_2021, year, objective):
    """ASHP: 10,000 yuan over 10 years = 1,000 yuan/a + 3,000 fuel = 4,000 yuan/a from its year on.
    Coal at 800 yuan/t in 2021: 3.456 t-equivalent cost 3,456 < 4,000, so wait: 3,456 + 4,000 = 7,456.
    Coal at 1,000 in 2021 (a price rise): 4,320 > 4,000, so convert in 2021: 4,000 + 4,000 = 8,000
    (waiting would cost 8,320). 2022 coverage 100 % forces the conversion by then."""
    routes = [f.route("scattered_coal"), f.route("quality_coal", selectable=0), f.route("ashp", capex_hh=10000.0)]
    cov0 = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1", gas_network=0)], routes=routes,
                       per_year={2021: {"coverage": cov0, "prices": {"raw_coal": coal_2021}}})
    res, ds = solve(folder)
    assert ds.conversion_year.values.tolist() == [year]
    assert res.objective == pytest.approx(objective)


def test_clean_from_season_after_conversion(tmp_path):
    """先立后破 with lag: 100 % coverage in 2022 needs the zone converted in 2021 (counts clean from the
    season after). Objective 2 x 2,400 yuan = 0.48, plus the old stove kept in 2021 at 500 yuan: 0.53."""
    cov0 = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1")], params={"clean_from_season_after_conversion": 1,
                                                                    "old_stove_cost_yuan_per_household": 500},
                       per_year={2021: {"coverage": cov0}})
    res, ds = solve(folder)
    assert ds.conversion_year.values.tolist() == [2021]
    assert ds.clean_households.values.tolist() == [0, 1]
    assert res.objective == pytest.approx(0.53)


def random_pathway(rng, folder):
    n = int(rng.integers(2, 5))
    zones = [f.zone(f"Z{i}", households=int(rng.integers(1, 4)), gas_network=int(rng.random() < 0.6),
                    area_type=str(rng.choice(["urban", "rural"]))) for i in range(n)]
    routes = [f.route("scattered_coal"), f.route("quality_coal", capex_hh=float(rng.integers(0, 2000))),
              f.route("gas_wall_boiler", capex_hh=float(rng.integers(0, 8000)), sub_eq=float(rng.integers(0, 2000))),
              f.route("ashp", capex_hh=float(rng.integers(0, 12000)), sub_eq=float(rng.integers(0, 2000)),
                      sub_run=float(rng.integers(0, 300)))]
    per_year = {}
    for y in YEARS:
        per_year[y] = {
            "years": {"gas_annual_cap_10k_m3": float(rng.uniform(0.1, 0.5)), "gas_storage_existing_10k_m3": float(rng.uniform(0, 0.2)),
                      "storage_module_size_10k_m3": 0.05, "storage_module_capex_10k_yuan": float(rng.uniform(0, 0.3)),
                      "subsidy_budget_10k_yuan": float(rng.uniform(0.05, 0.8)),
                      "rural_gas_new_cap_households": float(rng.integers(0, 5)) if rng.random() < 0.4 else ""},
            "prices": {"raw_coal": float(rng.uniform(600, 1400)), "gas": float(rng.uniform(1.5, 3.5)),
                       "electricity": float(rng.uniform(0.3, 0.6))},
            "coverage": [dict(year=y, area_type="all", terrain="all", min_clean_share=float(rng.uniform(0, 1)), source=f.SRC)],
        }
    trs = [f.transformer(capacity_kva=float(rng.uniform(0, 15)), upgrade_unit_kva=5.0,
                         upgrade_unit_capex_yuan=float(rng.integers(0, 3000)), max_upgrade_units=int(rng.integers(0, 3)))]
    discount_rate = float(rng.choice([0.0, 0.06]))
    cumulative = int(rng.random() < 0.5)  # drawn last: the instances of earlier sessions stay the same
    return two_years(folder, zones=zones, routes=routes, transformers=trs, per_year=per_year,
                     params={"storage_averaging_days": 7, "discount_rate": discount_rate,
                             "subsidy_budget_cumulative": cumulative})


def enumerate_pathway(pw):
    """Every zone with a choice: keep its base route where that is one of its options, or convert
    to one option in one year; a zone on a route that is not selectable must convert."""
    a = pw.first
    K = len(pw.years)
    opts, can_stay = {}, {}
    for i in pw.free:
        z = int(a.pair_zone[i])
        if a.pair_converting[i]:
            opts.setdefault(z, []).append(i)
        else:
            can_stay[z] = True
            opts.setdefault(z, [])
    fixed_cost = [sum(inst.cost[c][pw.fixed].sum() for c in PAIR_COST_COMPONENTS) for inst in pw.insts]
    ratio = a.params["storage_days_required"] / a.params["storage_averaging_days"]
    tail = np.cumsum(pw.discount[::-1])[::-1]
    best = math.inf
    zones = list(opts)
    choices = [([None] if can_stay.get(z) else []) + [(p, k) for p in opts[z] for k in range(K)] for z in zones]
    for combo in itertools.product(*choices):
        ok, total = True, 0.0
        units_so_far = 0
        modules_so_far = 0
        spent = 0.0
        for k, inst in enumerate(pw.insts):
            gas = inst.q["gas_annual"][pw.fixed].sum()
            kva = a.group_existing[0] + inst.q["kva"][pw.fixed].sum()
            subsidy = inst.q["subsidy_running"][pw.fixed].sum() + (inst.q["subsidy_equipment"][pw.fixed].sum() if k == 0 else 0)
            clean = inst.q["clean_households"][pw.fixed].sum()
            rural_new = 0.0
            cost = fixed_cost[k]
            for z, ch in zip(zones, combo):
                if ch is not None and ch[1] <= k:
                    p = ch[0]
                    gas += inst.q["gas_annual"][p]
                    kva += inst.q["kva"][p]
                    subsidy += inst.q["subsidy_running"][p] + (inst.q["subsidy_equipment"][p] if ch[1] == k else 0)
                    clean += inst.q["clean_households"][p]
                    rural_new += inst.q["rural_gas_new_households"][p] if ch[1] == k else 0
                    cost += sum(inst.cost[c][p] for c in PAIR_COST_COMPONENTS)
                else:
                    gas += inst.base_q["gas_annual"][z]
                    clean += inst.base_q["clean_households"][z]
                    cost += sum(inst.base_cost[c][z] for c in PAIR_COST_COMPONENTS)
            c = inst.caps
            spent += subsidy
            if gas > c["gas_annual_cap_10k_m3"] + 1e-9 or (spent if inst.subsidy_to_date else subsidy) > c["subsidy_budget_10k_yuan"] + 1e-9:
                ok = False
            if not np.isnan(c["rural_gas_new_cap_households"]) and rural_new > c["rural_gas_new_cap_households"] + 1e-9:
                ok = False
            for label, zmask, share in inst.coverage:
                if clean < share * inst.zone_households[zmask].sum() - 1e-9:
                    ok = False
            need_units = max(0, math.ceil((kva - a.group_capacity[0]) / a.group_unit_kva[0] - 1e-9))
            new_units = max(0, need_units - units_so_far)
            units_so_far += new_units
            need_mod = max(0, math.ceil((ratio * (gas + c["gas_other_use_10k_m3"]) - c["gas_storage_existing_10k_m3"])
                                        / c["storage_module_size_10k_m3"] - 1e-9))
            new_mod = max(0, need_mod - modules_so_far)
            modules_so_far += new_mod
            total += pw.discount[k] * cost + new_units * a.group_unit_cost[0] * tail[k] + new_mod * storage_module_cost(inst) * tail[k]
        if ok and units_so_far <= a.group_max_units[0]:
            best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(15))
def test_pathway_equals_enumeration(tmp_path, seed):
    rng = np.random.default_rng(100 + seed)
    folder = random_pathway(rng, tmp_path / "r")
    data = load_region(folder, YEARS[-1])
    best = enumerate_pathway(prepare_horizon(data, YEARS, Overrides()))
    if math.isinf(best):
        with pytest.raises(SolveError):
            solve(folder)
        return
    for prune in (True, False):
        res, _ = solve(folder, prune=prune)
        assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-7)


def test_pathway_residuals_by_year(tmp_path):
    """Each year's gas, subsidy and coverage recomputed from the output's conversion years and the CSVs."""
    rng = np.random.default_rng(3)
    zones = [f.zone(f"Z{i}", households=int(rng.integers(5, 50)), floor_area_10k_m2=round(float(rng.uniform(0.05, 0.5)), 3),
                    gas_network=int(rng.random() < 0.5)) for i in range(12)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=8000.0, sub_eq=2000.0),
              f.route("ashp", capex_hh=20000.0, sub_eq=5000.0, sub_run=300.0)]
    half = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.5, source=f.SRC)]
    folder = two_years(tmp_path / "r", zones=zones, routes=routes, params={"discount_rate": 0.05},
                       years={"subsidy_budget_10k_yuan": 90.0, "gas_annual_cap_10k_m3": 4.0},
                       per_year={2021: {"coverage": half}})
    res, ds = solve(folder)
    z = pd.read_csv(folder / "zones.csv").set_index("zone_id").loc[ds.zone.values]
    r = pd.read_csv(folder / "routes.csv").set_index("route_id")
    fu = pd.read_csv(folder / "fuels.csv").set_index("fuel_id")
    yrs = pd.read_csv(folder / "years.csv").set_index("year")
    flh = 24 * 100 * (18 - 8) / (18 + 2)
    for i, y in enumerate(YEARS):
        done = (ds.conversion_year.values > 0) & (ds.conversion_year.values <= y)
        route = np.where(done, ds.chosen_route.values, z["existing_route"].to_numpy())
        rr = r.loc[route]
        load = z["floor_area_10k_m2"].to_numpy() * 1e4 * 50 / 1000
        gas = np.where(rr["fuel_id"] == "gas", load * flh * 0.0036 / rr["efficiency"] / fu.at["gas", "energy_gj_per_unit"], 0).sum() / 1e4
        assert gas == pytest.approx(float(ds.gas_annual[i]))
        assert gas <= yrs.at[y, "gas_annual_cap_10k_m3"] + 1e-9
        new = ds.conversion_year.values == y
        hh = z["households"].to_numpy()
        sub = ((rr["subsidy_equipment_yuan_per_household"].to_numpy() * new + rr["subsidy_running_yuan_per_household_yr"].to_numpy() * done)
               * hh).sum() / 1e4
        assert sub == pytest.approx(float(ds.subsidy_equipment[i] + ds.subsidy_running[i]))
        assert sub <= yrs.at[y, "subsidy_budget_10k_yuan"] + 1e-9
    assert (ds.conversion_year.values > 0).all()  # 100 % coverage in 2022
    assert set(ds.conversion_year.values.tolist()) == {2021, 2022}  # the budget spreads them over both years


def test_cli_pathway(tmp_path):
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0)]
    cov0 = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]
    folder = two_years(tmp_path / "inp", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes, years={"subsidy_budget_10k_yuan": 0.1},
                       per_year={2021: {"coverage": cov0}})
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", "2022", "--from", "2021", "--region", "tiny",
                        "--inputs", str(folder), "--out", str(tmp_path / "res")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Households converting, by county and year" in p.stdout
    with xr.open_dataset(tmp_path / "res" / "tiny" / "2022" / "base.from2021.nc") as ds:
        assert ds.year.values.tolist() == YEARS
        assert all(ds[v].attrs.get("units") for v in ds.data_vars)
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", "2022", "--from", "2019", "--region", "tiny",
                        "--inputs", str(folder), "--out", str(tmp_path / "res")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "years.csv, column 'year': has no row for 2019" in p.stderr


@pytest.mark.parametrize("seed", range(8))
def test_forms_and_foresights_on_random_pathways(tmp_path, seed):
    """The state and conversion forms of the year axis give the same optimum (with and without
    the myopic start); the myopic plan is feasible and never cheaper than perfect foresight."""
    from model.foresight import MyopicInfeasible

    rng = np.random.default_rng(200 + seed)
    folder = random_pathway(rng, tmp_path / "r")
    data = load_region(folder, YEARS[-1])
    objectives = []
    for axis, start in (("state", True), ("conversion", False), ("state", False)):
        try:
            ds = solve_data(data, YEARS[-1], Overrides(), SolveOptions(mip_gap=0.0, year_axis=axis, myopic_start=start),
                            from_year=YEARS[0]).dataset
            objectives.append(float(ds.objective))
        except SolveError:
            objectives.append(math.inf)
    assert objectives[1] == pytest.approx(objectives[0], rel=1e-9) and objectives[2] == pytest.approx(objectives[0], rel=1e-9)
    try:
        myopic = solve_data(data, YEARS[-1], Overrides(), SolveOptions(mip_gap=0.0), from_year=YEARS[0],
                            foresight="myopic").dataset
    except MyopicInfeasible:
        return
    except SolveError:
        assert math.isinf(objectives[0])
        return
    assert float(myopic.objective) >= objectives[0] - 1e-9
    assert myopic.attrs["cost_of_myopia_10k_yuan"] == pytest.approx(float(myopic.objective) - objectives[0], abs=1e-9)


def test_myopic_spends_early_and_cannot_meet_a_later_target(tmp_path):
    """Budget 0.1 (10^4 yuan) to date, gas subsidy 1,000 yuan: one conversion over both years.
    ASHP needs no subsidy but costs 3,500 yuan/a (capex 5,000 over 10 years + 3,000); gas 2,400.
    2021 target 50 %, 2022 100 %. Myopic 2021 takes the cheapest plan for 2021 alone: one zone
    on subsidised gas, the budget gone; 2022 then puts the other on ASHP. Perfect foresight does
    the same here (only one subsidy to give), so the cost of myopia is 0; with a 2022 target that
    only gas can meet (ASHP ineligible) myopia is infeasible, perfect foresight is not."""
    routes = [f.route("scattered_coal"), f.route("quality_coal", selectable=0), f.route("gas_wall_boiler", sub_eq=1000.0),
              f.route("ashp", capex_hh=5000.0)]
    cov = {y: {"coverage": [dict(year=y, area_type="all", terrain="all", min_clean_share=s, source=f.SRC)]}
           for y, s in ((2021, 0.5), (2022, 1.0))}
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                       years={"subsidy_budget_10k_yuan": 0.1}, per_year=cov, params={"subsidy_budget_cumulative": 1})
    _, perfect = solve(folder)
    _, myopic = solve(folder, foresight="myopic")
    assert float(myopic.objective) == pytest.approx(float(perfect.objective))
    assert myopic.attrs["cost_of_myopia_10k_yuan"] == pytest.approx(0.0, abs=1e-9)
    assert sorted(myopic.chosen_route.values.tolist()) == ["ashp", "gas_wall_boiler"]


def test_budget_basis_per_year_row(tmp_path):
    """years.csv says per row how its budget counts. 0.1 (10^4 yuan) in 2021 as the year's own and
    0.1 in 2022 to date: the 2021 conversion (1,000 yuan) uses up the total, so the second zone
    cannot be subsidised in 2022 and stays on coal (scattered coal selectable here); read per year
    both would convert (test_budget_forces_half_the_conversions_into_year_two)."""
    routes = [f.route("scattered_coal", selectable=1), f.route("quality_coal", selectable=0),
              f.route("gas_wall_boiler", sub_eq=1000.0)]
    per_year = {2021: {"years": {"subsidy_budget_basis": "annual", "subsidy_budget_10k_yuan": 0.1},
                       "coverage": [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]},
                2022: {"years": {"subsidy_budget_basis": "to_date", "subsidy_budget_10k_yuan": 0.1},
                       "coverage": [dict(year=2022, area_type="all", terrain="all", min_clean_share=0.5, source=f.SRC)]}}
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes, per_year=per_year)
    _, ds = solve(folder)
    assert sorted(ds.conversion_year.values.tolist()) == [0, 2021]
    assert ds.subsidy_budget_to_date.values.tolist() == [0, 1]
    assert "2021: annual, 2022: to date" in ds.attrs["subsidy_budget_basis"]


def test_county_method_solves_a_pathway(tmp_path):
    """--method county on a two-county pathway: the same optimum as HiGHS on the whole model."""
    from test_decompose import two_counties

    zones = [f.zone(f"Z{h}", households=h, transformer_group=f"T{h}") for h in (1, 2, 3)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=500.0),
              f.route("ashp", capex_hh=1000.0)]
    trs = [f.transformer(f"T{h}") for h in (1, 2, 3)]
    parts = [two_counties(f.tables(year=y, zones=zones, routes=routes, transformers=trs,
                                   years={"gas_annual_cap_10k_m3": 0.24, "subsidy_budget_10k_yuan": 0.2},
                                   coverage=[dict(year=y, area_type="all", terrain="all", min_clean_share=s,
                                                  source=f.SRC)]), {"Z1": "C1", "Z2": "C2", "Z3": "C2"})
             for y, s in ((2021, 0.3), (2022, 1.0))]
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    data = load_region(f.write_region(tmp_path / "r", t), 2022)
    direct = solve_data(data, 2022, Overrides(), SolveOptions(mip_gap=0.0, method="direct"), from_year=2021).dataset
    county = solve_data(data, 2022, Overrides(), SolveOptions(mip_gap=0.0, method="county"), from_year=2021).dataset
    assert county.attrs["solve_method"].startswith("county")
    assert float(county.objective) == pytest.approx(float(direct.objective), rel=1e-9)
