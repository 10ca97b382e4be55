"""County decomposition (model/decompose.py): the split, hand-derived optima, the bound's validity
against exhaustive enumeration, the fallback to the whole model, and the CLI.

Common numbers (tests/factory.py): a default zone's gas wall boiler costs 2,400 yuan/a and uses
0.12 (10^4 m3) a season; an ASHP costs 3,000 yuan/a plus its capex annuity.
"""
import math
import time

import numpy as np
import pandas as pd
import pytest

import factory as f
import residuals
from model import decompose
from model.build import standard_form
from model.cli import main as solve_main
from model.pipeline import Infeasible, solve_data, solve_region
from model.dominance import dominated_options
from model.prepare import Overrides, prepare, without_options
from model.solve import SolveOptions
from model.validate import load_region
from test_bruteforce import enumerate_optimum


def two_counties(tbl: dict, county_of: dict[str, str]) -> dict:
    """Put zones (and their transformer groups) into counties C1/C2."""
    tbl["counties"] = pd.concat([tbl["counties"], tbl["counties"].assign(county_id="C2", name_zh="县二", name_en="C2")],
                                ignore_index=True)
    tbl["zones"]["county_id"] = tbl["zones"]["zone_id"].map(county_of)
    groups = tbl["zones"].groupby("transformer_group")["county_id"].first()
    tbl["transformers"]["county_id"] = tbl["transformers"]["group_id"].map(groups).fillna("C1")
    return tbl


def gas_cap_region(folder, cap):
    """Three zones of equal heat in two counties (Z1 in C1; Z2, Z3 in C2). ASHP costs 1,000 yuan per
    household over 10 years = 100 yuan/(hh a), so gas saves 700, 800, 900 yuan/a against ASHP."""
    zones = [f.zone(f"Z{h}", households=h, transformer_group=f"T{h}") for h in (1, 2, 3)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
              f.route("ashp", capex_hh=1000.0)]
    trs = [f.transformer(f"T{h}") for h in (1, 2, 3)]
    tbl = f.tables(zones=zones, routes=routes, transformers=trs, years={"gas_annual_cap_10k_m3": cap})
    return f.write_region(folder, two_counties(tbl, {"Z1": "C1", "Z2": "C2", "Z3": "C2"}))


def solve(folder, method="county", gap=0.0, **kw):
    data = load_region(folder, 2022)
    return solve_data(data, 2022, Overrides(), SolveOptions(mip_gap=gap, method=method, **kw))


def test_split_puts_city_rows_between_counties(tmp_path):
    """One route per zone and the transformer rows are local; the gas, storage and coverage rows
    couple (no route is subsidised, so there is no budget row); each upgrade column sits in its group's county, the storage modules in none."""
    data = load_region(gas_cap_region(tmp_path / "r", cap=0.24), 2022)
    inst = prepare(data, 2022, Overrides())
    sf = standard_form(inst)
    split = decompose.split_by_county(sf, inst)
    assert split.n_counties == 2
    coupling = {sf.row_names[r][0] for r in split.coupling}
    assert coupling == {"gas_annual_cap", "gas_peak_day_cap", "gas_storage", "coverage_target"}
    for r, (family, key) in enumerate(sf.row_names):
        if family in ("one_route_per_zone", "transformer_capacity"):
            want = {"Z1": 0, "T1": 0}.get(key, 1)
            assert split.row_county[r] == want, (family, key)
    lay = sf.layout
    group_county = {str(inst.group_ids[g]): split.col_county[j] for g, j in zip(lay.groups, lay.upgrade(np.arange(len(lay.groups))))}
    assert group_county == {"T1": 0, "T2": 1, "T3": 1}
    assert split.col_county[lay.modules()] == -1


def test_gas_cap_across_counties_by_hand(tmp_path):
    """Cap 0.24 allows two gas zones; they lie in different counties than the one that gives way.
    Z3 and Z2 (C2) take gas, Z1 (C1, smallest saving) takes ASHP: 2 * 2,400 + 3,000 + 100 yuan
    = 0.79 (10^4 yuan/a). The LP is integral here, so the county bound proves it at gap 0."""
    res = solve(gas_cap_region(tmp_path / "r", cap=0.24))
    ds = res.dataset
    assert dict(zip(ds.zone.values, ds.chosen_route.values)) == {"Z1": "ashp", "Z2": "gas_wall_boiler",
                                                                 "Z3": "gas_wall_boiler"}
    assert float(ds.objective) == pytest.approx(0.79)
    assert ds.attrs["solve_method"] == "county"
    assert res.solution.bound == pytest.approx(res.solution.objective, abs=1e-6)
    assert res.solution.details["counties"] == 2


def test_duality_gap_falls_back_to_the_whole_model(tmp_path):
    """Cap 0.18 = 1.5 zones of gas: the LP takes Z3 and half of Z2, a bound of
    0.87 - 0.5 * 0.08 = 0.83 that no plan reaches, so the county bound cannot prove any plan at
    gap 0 and the whole model finishes from the repaired plan. Only one zone can take gas: Z3
    (largest saving), 2,400 + 3,100 + 3,200 yuan = 0.87."""
    res = solve(gas_cap_region(tmp_path / "r", cap=0.18))
    ds = res.dataset
    assert dict(zip(ds.zone.values, ds.chosen_route.values))["Z3"] == "gas_wall_boiler"
    assert float(ds.objective) == pytest.approx(0.87)
    assert ds.attrs["solve_method"] == "county+direct"
    assert res.solution.details["lagrangian_bound"] < res.solution.objective - 1e-6
    assert res.solution.mip_gap == pytest.approx(0.0, abs=1e-9)


def random_two_county_region(rng, folder):
    """test_bruteforce's tiny random regions, with the zones spread over two counties (a group
    takes the county of its first zone)."""
    from test_bruteforce import random_region

    folder = random_region(rng, folder)
    tbl = {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False) for name in
           [p.stem for p in folder.glob("*.csv")]}
    tbl["zones"]["transformer_group"] = [f"T{i}" for i in range(len(tbl["zones"]))]
    base = tbl["transformers"].iloc[[0]]
    tbl["transformers"] = pd.concat([base.assign(group_id=f"T{i}") for i in range(len(tbl["zones"]))],
                                    ignore_index=True)
    county_of = {z: ("C1" if rng.random() < 0.5 else "C2") for z in tbl["zones"]["zone_id"]}
    return f.write_region(folder, two_counties(tbl, county_of))


@pytest.mark.parametrize("seed", range(25))
def test_bound_and_plan_against_enumeration(tmp_path, seed):
    """On tiny random two-county regions: the county method's bound never exceeds the true
    optimum, its plan is within the gap of it, and at gap 0 it is the optimum."""
    rng = np.random.default_rng(500 + seed)
    folder = random_two_county_region(rng, tmp_path / "r")
    data = load_region(folder, 2022)
    best = enumerate_optimum(prepare(data, 2022, Overrides()))
    for gap in (0.0, 0.05):
        if math.isinf(best):
            with pytest.raises(Infeasible):
                solve(folder, gap=gap)
            return
        res = solve(folder, gap=gap)
        sol, obj = res.solution, float(res.dataset.objective)
        offset = obj - sol.objective  # zones without a choice
        assert sol.bound + offset <= best + 1e-7 * max(1.0, abs(best))
        assert best - 1e-7 <= obj <= best + gap * abs(sol.objective) + 1e-6
        if gap == 0.0:
            assert obj == pytest.approx(best, rel=1e-7, abs=1e-7)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from benchmarks.generate import generate, write

    return write(tmp_path_factory.mktemp("gen"), generate(400, seed=5))


def test_synthetic_region_within_gap_and_residuals(synthetic):
    """A 400-zone synthetic region with 4 counties: the county plan meets every cap (recomputed
    from the CSVs), its gap to its own bound is within 1 %, and that bound is below the plan
    HiGHS finds on the whole model (which is at or above the optimum)."""
    county = solve_region(synthetic, 2022, options=SolveOptions(mip_gap=0.01, method="county"))
    whole = solve_region(synthetic, 2022, options=SolveOptions(mip_gap=1e-3, method="direct"))
    sol = county.solution
    assert county.dataset.attrs["solve_method"] in ("county", "county+direct")
    assert sol.details["counties"] == 4 and sol.details["coupling_rows"] >= 5
    assert sol.mip_gap <= 0.01
    assert sol.bound <= whole.solution.objective + 1e-6
    tie_break = decompose.TIE_BREAK_SHARE * 0.01 * abs(sol.details["lp_bound"])
    assert sol.details["lagrangian_bound"] >= sol.details["lp_bound"] - tie_break - 1e-6
    assert whole.solution.bound <= sol.objective <= whole.solution.objective * 1.01 + 1e-6
    residuals.check(county.dataset, synthetic, 2022)


def test_auto_picks_county_only_for_large_loose_runs(synthetic, monkeypatch):
    data = load_region(synthetic, 2022)
    inst = prepare(data, 2022, Overrides())
    inst = without_options(inst, dominated_options(inst))
    assert decompose.choose_method(SolveOptions(mip_gap=0.005, method="auto"), inst) == "direct"  # 400 zones
    monkeypatch.setattr(decompose, "AUTO_MIN_ZONES", 100)
    assert decompose.choose_method(SolveOptions(mip_gap=0.005, method="auto"), inst) == "county"
    assert decompose.choose_method(SolveOptions(mip_gap=1e-4, method="auto"), inst) == "direct"
    assert decompose.choose_method(SolveOptions(mip_gap=1e-4, method="county"), inst) == "county"
    monkeypatch.setattr(decompose, "AUTO_MIN_COUNTIES", 5)
    assert decompose.choose_method(SolveOptions(mip_gap=0.005, method="auto"), inst) == "direct"


def test_cli_method_county(tmp_path, capsys):
    folder = gas_cap_region(tmp_path / "r", cap=0.24)
    out = tmp_path / "results"
    rc = solve_main(["--year", "2022", "--inputs", str(folder), "--region", "two", "--out", str(out),
                     "--method", "county", "--gap", "0"])
    assert rc == 0
    import xarray as xr

    files = list(out.rglob("*.nc"))
    assert len(files) == 1
    with xr.open_dataset(files[0]) as ds:
        assert ds.attrs["solve_method"] == "county"
        assert float(ds.objective) == pytest.approx(0.79)
        assert ds.attrs["solver_bound_10k_yuan_per_a"] == pytest.approx(float(ds.attrs["solver_objective_10k_yuan_per_a"]),
                                                                        abs=1e-6)


@pytest.mark.parametrize("extra", [["--method", "fast"], ["--method", "county", "--handoff", "pyomo"]])
def test_cli_rejects_method_it_cannot_run(tmp_path, capsys, extra):
    """An unknown method, or county with the Pyomo hand-off (which has no county split): exit 2,
    the message names --method, nothing written."""
    out = tmp_path / "results"
    with pytest.raises(SystemExit) as exc:
        solve_main(["--year", "2022", "--out", str(out), *extra])
    assert exc.value.code == 2
    assert "--method" in capsys.readouterr().err
    assert not out.exists()


def test_county_infeasible_is_explained(tmp_path):
    """Coverage 100 % needs both zones on gas (the only clean route), but the cap 0.12 holds one:
    infeasible, explained by the elastic re-solve as with the direct method."""
    zones = [f.zone("Z1"), f.zone("Z2", transformer_group="T2")]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]
    tbl = f.tables(zones=zones, routes=routes, transformers=[f.transformer("T1"), f.transformer("T2")],
                   years={"gas_annual_cap_10k_m3": 0.12})
    folder = f.write_region(tmp_path / "r", two_counties(tbl, {"Z1": "C1", "Z2": "C2"}))
    with pytest.raises(Infeasible) as exc:
        solve(folder)
    families = {family for family, _, _ in exc.value.relaxed}
    assert families and families <= {"gas_annual_cap", "coverage_target"}


def test_prices_are_made_dual_feasible(tmp_path):
    """Duals a hair off (as LP tolerances leave them) must not make the bound -inf or invalid:
    a price of the wrong sign for a one-sided row is dropped, and a storage price worth more
    than a module is scaled down until a module's priced cost is 0."""
    folder = gas_cap_region(tmp_path / "r", cap=0.24)
    data = load_region(folder, 2022)
    inst = prepare(data, 2022, Overrides())
    sf = standard_form(inst)
    split = decompose.split_by_county(sf, inst)
    A = decompose.matrix(sf).tocsr()
    row = {name: r for r, name in enumerate(sf.row_names)}
    gas, storage = row[("gas_annual_cap", "city")], row[("gas_storage", "city")]
    module = int(sf.layout.modules())
    y = np.zeros(sf.n_rows)
    y[gas] = +5.0  # a <= row: a positive price points at its infinite lower bound
    y[storage] = -2.0 * (sf.c[module] + 1.0)  # more than a module is worth
    yc = decompose.valid_prices(sf, split, A, y)
    assert yc[gas] == 0.0
    size = -A[storage, module]
    assert sf.c[module] - size * (-yc[storage]) == pytest.approx(0.0, abs=1e-12)
    bound, _, _ = decompose.lagrangian_bound(sf, split, A, y, SolveOptions(mip_gap=0.0), 0.0, time.perf_counter())
    assert np.isfinite(bound) and bound <= 0.79 + 1e-9  # the optimum (test_gas_cap_across_counties_by_hand)


def test_short_time_limit_falls_back_without_crashing(synthetic):
    """A time limit too short for the county steps: the whole model gets the rest (at least 1 s),
    and the result is a plan whose gap is reported against a valid bound, or no plan (exit 3)."""
    from model.errors import EXIT_NO_SOLUTION, SolveError

    try:
        res = solve_region(synthetic, 2022, options=SolveOptions(mip_gap=0.01, method="county", time_limit=0.01))
    except SolveError as exc:
        assert exc.exit_code == EXIT_NO_SOLUTION
        return
    sol = res.solution
    assert sol.method.startswith("direct (") or sol.method.startswith("county")
    assert sol.status in ("optimal", "time_limit")
    assert sol.bound <= sol.objective + 1e-6
    residuals.check(res.dataset, synthetic, 2022)


def test_counties_in_parallel_give_the_same_bound_and_plans(synthetic):
    """--threads 2 solves two counties at a time; the bound and the county plans are the same
    as one at a time (each county's MIP is deterministic and the sums run in county order)."""
    data = load_region(synthetic, 2022)
    inst = prepare(data, 2022, Overrides())
    inst = without_options(inst, dominated_options(inst))
    sf = standard_form(inst)
    A = decompose.matrix(sf)
    split = decompose.split_by_county(sf, inst, A.tocsr())
    h = decompose._highs(sf.c, sf.col_lower, sf.col_upper, A, sf.row_lower, sf.row_upper, False, SolveOptions())
    h.run()
    y = np.asarray(h.getSolution().row_dual)
    out = [decompose.lagrangian_bound(sf, split, A.tocsr(), y, SolveOptions(mip_gap=0.01, threads=n), 1.0,
                                      time.perf_counter()) for n in (1, 2)]
    assert np.isfinite(out[0][0]) and out[0][0] == out[1][0]
    assert np.array_equal(out[0][1], out[1][1])


def test_county_mips_as_dask_tasks_give_the_same_plan(tmp_path):
    """With a scheduler address the county MIPs run as Dask tasks: the same bound and plan."""
    distributed = pytest.importorskip("distributed")
    folder = gas_cap_region(tmp_path / "r", cap=0.24)
    local = solve(folder, gap=0.0)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = solve(folder, gap=0.0, scheduler=cluster.scheduler_address)
    assert dask.solution.method.startswith("county")
    assert float(dask.dataset.objective) == pytest.approx(float(local.dataset.objective), rel=1e-12)
    assert dask.solution.bound == pytest.approx(local.solution.bound, rel=1e-12)
    assert (dask.dataset.chosen_route.values == local.dataset.chosen_route.values).all()
