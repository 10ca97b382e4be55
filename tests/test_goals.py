"""Goal modes (model/goals.py): one tiny case per goal, its optimum derived by hand in the docstring.

Common numbers (tests/factory.py): a zone needs 43.2 GJ of heat a season. Per zone and year:
gas wall boiler 0.24 (10^4 yuan/a) and 0.12 (10^4 m^3) of gas; ASHP 0.30 and 5 kVA; quality
coal (not clean) 0.36; a storage heater 0.60. capex 1,000 yuan/household over 10 years adds
0.01 per household. Subsidies in yuan per household, budgets in 10^4 yuan.
"""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.cli import main as solve_main
from model.errors import EXIT_INFEASIBLE, SolveError
from model.goals import GOALS, INACTIVE
from model.pipeline import solve_data, solve_region
from model.prepare import resolve_overrides
from model.validate import load_region

YEAR = 2022
EXACT = dict(goal_gap=0.0)


def folder_of(tmp_path, **kw):
    return f.write_region(tmp_path / "r", f.tables(**kw))


def routes_of(ds):
    return dict(zip(ds.zone.values.tolist(), ds.chosen_route.values.tolist()))


def solve(folder, goal, sets=None, **kw):
    from model.solve import SolveOptions

    return solve_region(folder, YEAR, sets=sets or {}, goal=goal, options=SolveOptions(mip_gap=0.0), **kw).dataset


# ---------------------------------------------------------------------------------------------
# min-budget

def budget_case(tmp_path, **years):
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0),
              f.route("ashp", capex_hh=1000.0, sub_eq=200.0), f.route("storage_heater", sub_eq=200.0)]
    return folder_of(tmp_path, zones=[f.zone("Z1", households=1), f.zone("Z2", households=2)], routes=routes,
                     years=years or None)


def test_min_budget_known_answer(tmp_path):
    """Both zones must be clean (coverage 100 %). Least cost: gas for both (0.48), subsidies 1,000 x 3
    households = 0.30. Least subsidy: ASHP or storage heaters, 200 x 3 = 600 yuan = 0.06; of those
    the cheaper is ASHP in both (0.31 + 0.32 = 0.63). The least budget is 0.06, the budget
    variable holds it, and a least-cost run given exactly that budget finds the same plan, while
    one given a little less has none."""
    folder = budget_case(tmp_path)
    cost = solve(folder, "min-cost")
    assert set(routes_of(cost).values()) == {"gas_wall_boiler"}
    assert float(cost.subsidy_equipment) == pytest.approx(0.30)
    ds = solve(folder, "min-budget")
    assert ds.attrs["goal"] == "min-budget" and ds.attrs["goal_value"] == pytest.approx(0.06)
    assert ds.attrs["goal_bound"] == pytest.approx(0.06) and ds.attrs["goal_status"] == "optimal"
    assert routes_of(ds) == {"Z1": "ashp", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(0.63)
    assert float(ds.subsidy_budget) == pytest.approx(0.06) and float(ds.subsidy_equipment) == pytest.approx(0.06)
    assert list(ds.attrs["subsidy_budget_input"]) == [1e9]
    assert "subsidy_budget" not in set(ds.constraint_family.values)  # the budget is the goal, not a row
    assert "goal_min_budget" in set(ds.constraint_family.values)
    assert "(goal: min-budget)" in ds.attrs["title"]
    at = solve(folder, "min-cost", {"subsidy_budget_10k_yuan": 0.06})
    assert routes_of(at) == routes_of(ds) and float(at.objective) == pytest.approx(0.63)
    with pytest.raises(SolveError) as exc:
        solve(folder, "min-cost", {"subsidy_budget_10k_yuan": 0.059})
    assert exc.value.exit_code == EXIT_INFEASIBLE


def test_min_budget_over_a_pathway(tmp_path):
    """2021-2022, the coverage target 0 in 2021 and 100 % in 2022 (annual budgets). Every plan pays
    the equipment subsidy once; the least is ASHP everywhere, 0.06 over the horizon, and the
    budget variable holds each year's spending, which sums to it."""
    tbl = f.tables(zones=[f.zone("Z1", households=1), f.zone("Z2", households=2)],
                   routes=[f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0),
                           f.route("ashp", capex_hh=1000.0, sub_eq=200.0)])
    for name in ("years", "prices", "coverage"):
        early = tbl[name].copy()
        early["year"] = 2021
        if name == "coverage":
            early["min_clean_share"] = 0.0
        tbl[name] = pd.concat([early, tbl[name]], ignore_index=True)
    data = load_region(f.write_region(tmp_path / "r", tbl), YEAR)
    from model.solve import SolveOptions

    ds = solve_data(data, YEAR, resolve_overrides(data, [], {}), SolveOptions(mip_gap=0.0), from_year=2021,
                    goal="min-budget").dataset
    assert ds.attrs["goal_value"] == pytest.approx(0.06)
    assert float(ds.subsidy_budget.sum()) == pytest.approx(0.06)
    assert set(ds.chosen_route.values.tolist()) == {"ashp"}


# ---------------------------------------------------------------------------------------------
# max-coverage and max-share

def coverage_case(tmp_path, budget):
    zones = [f.zone("U1", area_type="urban", households=2, transformer_group="", gas_network=0)]
    zones += [f.zone(f"R{i}", households=1, gas_network=0) for i in (1, 2, 3)]
    coverage = [dict(year=YEAR, area_type=a, terrain="all", min_clean_share=1.0, source="t") for a in ("urban", "rural")]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("ashp", sub_eq=1000.0)]
    return folder_of(tmp_path, zones=zones, routes=routes, coverage=coverage,
                     years={"subsidy_budget_10k_yuan": budget})


def test_max_coverage_and_max_share_known_answers(tmp_path):
    """Urban U1 (2 households) and rural R1-R3 (1 each), ASHP subsidised at 1,000 yuan/household,
    budget 0.2 = two households' subsidy. Every target (100 %) is out of reach: min-cost has no plan.
    max-coverage: at most 2 clean households, U1 alone or two rural zones; two conversions save
    2 x 0.06 against quality coal, one 0.06, so two rural zones: 2 x 0.30 + 2 x 0.36 = 1.32.
    max-share: U1 lifts the urban share to 1 (sum of shares 1.0), two rural zones the rural share
    to 2/3: U1, cost 0.30 + 3 x 0.36 = 1.38; in households of the mean group size, 2.5: 1.0 x 2.5."""
    folder = coverage_case(tmp_path, 0.2)
    with pytest.raises(SolveError) as exc:
        solve(folder, "min-cost")
    assert exc.value.exit_code == EXIT_INFEASIBLE
    cov = solve(folder, "max-coverage")
    r = routes_of(cov)
    assert r["U1"] == "quality_coal" and sorted(r[z] for z in ("R1", "R2", "R3")) == ["ashp", "ashp", "quality_coal"]
    assert cov.attrs["goal_value"] == pytest.approx(2.0) and float(cov.objective) == pytest.approx(1.32)
    assert float(cov.households_by_status.sel(heating_status="converted_to_clean").sum()) == 2
    assert "coverage_target" not in set(cov.constraint_family.values)
    share = solve(folder, "max-share")
    assert routes_of(share) == {"U1": "ashp", "R1": "quality_coal", "R2": "quality_coal", "R3": "quality_coal"}
    assert share.attrs["goal_value"] == pytest.approx(2.5) and float(share.objective) == pytest.approx(1.38)


def test_max_coverage_with_room_equals_least_cost(tmp_path):
    """With budget for everyone (0.5), every household can be clean: max-coverage heats all 5 and,
    as tie-breaker, is the least-cost plan (ASHP everywhere, 4 x 0.30)."""
    folder = coverage_case(tmp_path, 0.5)
    cov, cost = solve(folder, "max-coverage"), solve(folder, "min-cost")
    assert cov.attrs["goal_value"] == pytest.approx(5.0)
    assert routes_of(cov) == routes_of(cost) and float(cov.objective) == pytest.approx(float(cost.objective)) == 1.2


# ---------------------------------------------------------------------------------------------
# min-gas and the tolerance

def gas_case(tmp_path):
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
              f.route("ashp", capex_hh=1000.0)]
    zones = [f.zone("Z1", households=1), f.zone("Z2", households=2), f.zone("Z3", households=3, gas_network=0)]
    return folder_of(tmp_path, zones=zones, routes=routes,
                     transformers=[f.transformer(capacity_kva=10.0, max_upgrade_units=0)])


def test_min_gas_known_answer_and_tolerance(tmp_path):
    """The transformer carries two ASHP zones (5 kVA each, no upgrades). Least cost: gas in Z1 and Z2,
    ASHP in Z3 (no gas network): 0.24 + 0.24 + 0.33 = 0.81, gas 0.24. Least gas: Z3 and one more
    zone on ASHP, gas 0.12; the cheaper is Z1 (0.31 against 0.32): 0.31 + 0.24 + 0.33 = 0.88.
    With the goal allowed to give way by 100 % (gas <= 0.24) the least-cost plan comes back."""
    folder = gas_case(tmp_path)
    cost = solve(folder, "min-cost")
    assert float(cost.gas_annual) == pytest.approx(0.24) and float(cost.objective) == pytest.approx(0.81)
    ds = solve(folder, "min-gas")
    assert routes_of(ds) == {"Z1": "ashp", "Z2": "gas_wall_boiler", "Z3": "ashp"}
    assert ds.attrs["goal_value"] == pytest.approx(0.12) and float(ds.gas_annual) == pytest.approx(0.12)
    assert float(ds.objective) == pytest.approx(0.88)
    row = ds.sel(constraint="goal_min_gas[city]")
    assert float(row.constraint_bound) == pytest.approx(0.12) and int(row.constraint_binding) == 1
    loose = solve(folder, "min-gas", goal_tolerance=1.0)
    assert routes_of(loose) == routes_of(cost) and float(loose.objective) == pytest.approx(0.81)
    assert loose.attrs["goal_value"] == pytest.approx(0.24) and loose.attrs["goal_stage1_value"] == pytest.approx(0.12)


def test_min_cost_is_one_stage_and_the_level_row_starts_inactive(tmp_path):
    """min-cost adds no row; a goal's level row is built with an inactive bound (past HiGHS's
    infinity) and set only after stage 1."""
    from model.build import standard_form
    from model.horizon import prepare_horizon
    from model.pipeline import model_families

    folder = gas_case(tmp_path)
    ds = solve(folder, "min-cost")
    assert ds.attrs["goal"] == "min-cost" and "goal_value" not in ds.attrs
    assert not any(str(c).startswith("goal_") for c in ds.constraint_family.values)
    data = load_region(folder, YEAR)
    fams = GOALS["min-gas"].families(model_families(data))
    sf = standard_form(prepare_horizon(data, [YEAR], resolve_overrides(data, [], {})), families=fams)
    r = [i for i, (fam, _) in enumerate(sf.row_names) if fam == "goal_min_gas"]
    assert len(r) == 1 and sf.row_upper[r[0]] >= INACTIVE / 2 and sf.row_sense[r[0]] == 1


# ---------------------------------------------------------------------------------------------
# command line, sweep, report

def test_cli_goal_names_the_result_and_prints_it(tmp_path, capsys):
    folder = budget_case(tmp_path)
    out = tmp_path / "res"
    rc = solve_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out),
                     "--goal", "min-budget", "--gap", "0"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "goal min-budget (the least subsidy budget that meets every target): 0.06 10^4 yuan (proven optimal)" in text
    with xr.open_dataset(out / "r" / "2022" / "base+goal=min-budget.nc") as ds:
        assert ds.attrs["goal"] == "min-budget" and ds.attrs["goal_value"] == pytest.approx(0.06)


def test_cli_refuses_unknown_goal_and_myopic_goal(tmp_path, capsys):
    folder = budget_case(tmp_path)
    for extra, words in ((["--goal", "max-gas"], "invalid choice: 'max-gas'"),
                         (["--goal", "min-budget", "--from", "2021", "--foresight", "myopic"], "drop --foresight myopic")):
        with pytest.raises(SystemExit) as exc:
            solve_main(["--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"), *extra])
        assert exc.value.code == 2 and words in capsys.readouterr().err
    assert not (tmp_path / "res").exists()


def test_budget_sweep_in_max_coverage_gives_the_curve(tmp_path):
    """Two zones of 2 and 3 households, ASHP subsidised at 1,000 yuan/household, no target forced.
    At budget b (10^4 yuan, 0.1 = one household) the most households are the largest subset sum of
    {2, 3} within 10 b: 0, 0, 2, 3, 3, 5, 5 for b = 0 .. 0.6. Each extra 1,000 x 10^4 yuan buys
    (gain / step) x 1,000: -, 0, 20,000, 10,000, 0, 20,000, 0. The sweep (serial, cold points in two
    stages) gives these, and the report's curve reads them back."""
    from model.report.content import build_content
    from model.report.goal_report import curve_frame
    from model.solve import SolveOptions
    from model.sweep import Grid, RunSpec, parse_values, run_sweep

    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("ashp", sub_eq=1000.0)]
    folder = folder_of(tmp_path, zones=[f.zone("Z2", households=2, gas_network=0),
                                        f.zone("Z3", households=3, gas_network=0)],
                       routes=routes, coverage=[dict(year=YEAR, area_type="all", terrain="all", min_clean_share=0.0,
                                                     source="t")])
    data = load_region(folder, YEAR)
    grid = Grid(("subsidy_budget_10k_yuan",), (parse_values("0:0.6:0.1", "--set"),))
    spec = RunSpec(YEAR, options=SolveOptions(mip_gap=0.0), goal="max-coverage")
    rep = run_sweep(data, grid, spec, tmp_path / "res", serial=True, progress_stream=open("/dev/null", "w"))
    assert rep.name == "subsidy_budget_10k_yuan+goal=max-coverage"
    ds = rep.dataset
    assert ds.attrs["goal"] == "max-coverage"
    assert ds.point_goal_value.values.tolist() == [0, 0, 2, 3, 3, 5, 5]
    assert set(ds.point_mode.values.tolist()) == {"cold"}
    curve = curve_frame(ds)
    assert curve["converted"].tolist() == [0, 0, 2, 3, 3, 5, 5]
    assert np.allclose(curve["marginal"].to_numpy()[1:], [0, 20000, 10000, 0, 20000, 0])
    content = build_content(ds, "en", tmp_path / "x.nc")
    assert "coverage_budget" in [fid for fid, _, _ in content.figures]
    assert "coverage_budget" in [t.id for t in content.tables]
    assert "(most clean households)" in content.title
    # the same point solved alone agrees; a min-cost point file does not count as done for the goal
    alone = solve_data(data, YEAR, resolve_overrides(data, [], {"subsidy_budget_10k_yuan": 0.4}),
                       SolveOptions(mip_gap=0.0), goal="max-coverage").dataset
    assert alone.attrs["goal_value"] == 3
    again = run_sweep(data, grid, spec, tmp_path / "res", serial=True, progress_stream=open("/dev/null", "w"))
    assert len(again.skipped) == 7 and not again.solved
    other = run_sweep(data, grid, RunSpec(YEAR, options=SolveOptions(mip_gap=0.0)), tmp_path / "res",
                      name="subsidy_budget_10k_yuan+goal=max-coverage", serial=True, progress_stream=open("/dev/null", "w"))
    assert len(other.solved) == 7


def test_address_as_swept_parameter(tmp_path, capsys):
    """A cell address sweeps like a scalar: the dimension and the point files are named with ','."""
    from model.sweep import main

    folder = budget_case(tmp_path)
    rc = main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--serial",
               "--set", "routes[gas_wall_boiler].subsidy_equipment_yuan_per_household=0,1000"])
    assert rc == 0, capsys.readouterr().err
    name = "routes[gas_wall_boiler].subsidy_equipment_yuan_per_household"
    with xr.open_dataset(tmp_path / "res" / "r" / "2022" / f"sweep_{name}.nc") as ds:
        assert ds[name].values.tolist() == [0, 1000] and ds[name].attrs["units"] == "yuan/household"
        assert ds.subsidy_equipment.values.tolist() == pytest.approx([0.0, 0.3])


# ---------------------------------------------------------------------------------------------
# Jinan 2022: the least budget, found independently by two feasibility solves

def test_jinan_min_budget_is_the_least_feasible_budget():
    """--goal min-budget on the shipped Jinan data gives the least subsidy budget that meets every
    target (README: 66,475.80). Independently, to +-0.01: given 0.01 more as the budget a plan exists,
    given 0.01 less none does (pure feasibility solves: zero costs, the budget as a row)."""
    from model.build import standard_form
    from model.horizon import prepare_horizon
    from model.pipeline import model_families
    from model.solve import SolveOptions, compile_standard, run

    data = load_region("inputs/jinan", YEAR)
    ds = solve_data(data, YEAR, resolve_overrides(data, [], {}), goal="min-budget").dataset
    least = ds.attrs["goal_value"]
    assert ds.attrs["goal_status"] == "optimal" and ds.attrs["goal_mip_gap"] == 0
    assert float(ds.subsidy_equipment + ds.subsidy_running) == pytest.approx(least, abs=0.01)

    def feasible(budget):
        hz = prepare_horizon(data, [YEAR], resolve_overrides(data, [], {"subsidy_budget_10k_yuan": budget}))
        comp = compile_standard(standard_form(hz, families=model_families(data)))
        n = comp.n_cols
        comp.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        try:
            run(comp, SolveOptions(mip_gap=1.0))
        except SolveError as exc:
            assert exc.exit_code == EXIT_INFEASIBLE
            return False
        return True

    assert feasible(least + 0.01) and not feasible(least - 0.01)


def test_goal_through_the_pyomo_hand_off(tmp_path):
    """The two stages change the live HiGHS model through the column map, so the Pyomo hand-off
    (another column and row order) gives the same plan and goal as the direct one."""
    from model.solve import SolveOptions

    folder = gas_case(tmp_path)
    direct, pyomo = (solve_region(folder, YEAR, goal="min-gas", options=SolveOptions(mip_gap=0.0, handoff=h)).dataset
                     for h in ("direct", "pyomo"))
    assert routes_of(direct) == routes_of(pyomo) == {"Z1": "ashp", "Z2": "gas_wall_boiler", "Z3": "ashp"}
    assert pyomo.attrs["goal_value"] == pytest.approx(direct.attrs["goal_value"]) == pytest.approx(0.12)
    assert float(pyomo.objective) == pytest.approx(float(direct.objective))
