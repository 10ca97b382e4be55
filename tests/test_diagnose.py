"""Diagnostics: infeasible cases built on purpose, shadow prices against finite differences."""
import highspy
import numpy as np
import pytest

import factory as f
from model import diagnose
from model.build import create_model
from model.errors import SolveError
from model.pipeline import Infeasible, solve_region
from model.prepare import Overrides, prepare
from model.solve import compile_model, run, SolveOptions
from model.validate import load_region

GAS_ONLY = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]


def test_gas_cap_too_low_names_cap_amount_zones_and_iis(tmp_path):
    """Three gas-only zones need 3 x 0.12 = 0.36 (10^4 m3) under 100 % coverage; the cap is 0.20:
    the gas contract is short by 0.16, and all three zones are involved. Coverage (a target) is
    relaxed only as a last resort. The IIS of the LP relaxation is the gas cap with the target."""
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone(f"Z{i}") for i in range(3)], routes=GAS_ONLY,
                                                     years={"gas_annual_cap_10k_m3": 0.20}))
    with pytest.raises(Infeasible) as err:
        solve_region(folder, 2022)
    (r,) = err.value.relaxations
    assert (r.family, r.key) == ("gas_annual_cap", "city")
    assert r.amount == pytest.approx(0.16)
    assert r.zones == ["Z0", "Z1", "Z2"] and r.counties == ["县一"]
    assert "short by 0.16 10^4 m^3/a" in str(err.value)
    assert sorted(row.split(" [")[0] for row in err.value.iis) == [
        "annual gas for heating (gas_annual_cap)", "clean-heating coverage target (coverage_target)"]


def test_transformer_headroom_zero_heat_pumps_only(tmp_path):
    """No gas network, ASHP the only clean route, transformer T1 full (capacity 10 = existing 10)
    and no upgrade units allowed: the two zones need 2 x 5 = 10 kVA more. The diagnosis names T1,
    10 kVA, zones Z0 and Z1."""
    folder = f.write_region(tmp_path / "r", f.tables(
        zones=[f.zone(f"Z{i}", gas_network=0) for i in range(2)],
        transformers=[f.transformer(capacity_kva=10.0, existing_peak_kva=10.0, max_upgrade_units=0)]))
    with pytest.raises(Infeasible) as err:
        solve_region(folder, 2022)
    (r,) = err.value.relaxations
    assert (r.family, r.key) == ("transformer_capacity", "T1")
    assert r.amount == pytest.approx(10.0) and r.zones == ["Z0", "Z1"]


def test_budget_below_minimum_caught_before_solver(tmp_path):
    """Both zones must be clean; the least-subsidised clean route (gas, 1,000 yuan/household) needs
    0.2 (10^4 yuan); the budget is 0.1: the pre-solve check says so with both figures."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0),
              f.route("ashp", sub_eq=3000.0)]
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                                                     years={"subsidy_budget_10k_yuan": 0.1}))
    with pytest.raises(SolveError) as err:
        solve_region(folder, 2022)
    assert err.value.exit_code == 4
    assert "subsidy budget 0.1 10^4 yuan is below the least any plan needs, 0.2 10^4 yuan" in str(err.value)


def test_coverage_out_of_reach_caught_before_solver(tmp_path):
    """Z2 has no gas and no transformer group: only quality coal. 100 % coverage cannot be reached."""
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0, transformer_group="")]))
    with pytest.raises(SolveError) as err:
        solve_region(folder, 2022)
    assert "coverage target all/all asks for 2 clean households but the allowed routes reach only 1" in str(err.value)
    assert "Z2" in str(err.value)


def _lp_objective(tmp_path, **kw):
    folder = f.write_region(tmp_path, f.tables(**kw))
    inst = prepare(load_region(folder, 2022), 2022, Overrides())
    comp = compile_model(create_model(inst))
    sol = run(comp, SolveOptions(mip_gap=0))
    df = diagnose.shadow_prices(comp, sol)
    return inst, comp, sol, df


def _fixed_lp_value(comp, sol, row_family, delta):
    """Objective of the LP with routes fixed and the family's row bound moved by delta."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(comp.highs.getModel())
    n = comp.n_cols
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * n))
    cols = comp.x_col.astype(np.int32)
    h.changeColsBounds(len(cols), cols, sol.x.astype(float), sol.x.astype(float))
    lp = h.getLp()
    i = [k for k, (fam, _) in enumerate(comp.row_names) if fam == row_family][0]
    lo, up = lp.row_lower_[i], lp.row_upper_[i]
    h.changeRowBounds(i, lo + delta if comp.row_sense[i] == -1 else lo, up + delta if comp.row_sense[i] == 1 else up)
    h.run()
    return h.getInfo().objective_function_value


def test_shadow_prices_equal_finite_differences(tmp_path):
    """Three ASHP zones (15 kVA) on a 12 kVA transformer buy one 10 kVA unit at 100 yuan/a:
    dual of the transformer row = -0.01 / 10 = -0.001 (10^4 yuan/a per kVA). Storage: one gas
    zone needs 0.12 with averaging over 7 days; modules of 0.05 at 0.001/a each: dual of the
    storage row = -0.001 / 0.05 = -0.02 per 10^4 m3. Each equals the fixed-LP finite difference."""
    zones = [f.zone("G1")] + [f.zone(f"E{i}", gas_network=0) for i in range(3)]
    inst, comp, sol, df = _lp_objective(
        tmp_path / "r", zones=zones, params={"storage_averaging_days": 7},
        transformers=[f.transformer(capacity_kva=12.0, upgrade_unit_kva=10.0, upgrade_unit_capex_yuan=1000.0)],
        years={"gas_storage_existing_10k_m3": 0.0, "storage_module_size_10k_m3": 0.05,
               "storage_module_capex_10k_yuan": 0.01})
    d = df.set_index("family")["shadow_price"]
    assert d["transformer_capacity"] == pytest.approx(-0.001)
    assert d["gas_storage"] == pytest.approx(-0.02)
    base = _fixed_lp_value(comp, sol, "transformer_capacity", 0.0)
    for fam in ("transformer_capacity", "gas_storage"):
        step = 1e-3
        fd = (_fixed_lp_value(comp, sol, fam, step) - base) / step
        assert fd == pytest.approx(d[fam], rel=1e-6, abs=1e-9)
    assert set(df.loc[df["binding"], "family"]) >= {"transformer_capacity", "gas_storage"}


def test_solve_writes_what_binds(tmp_path):
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone(f"Z{h}", households=h) for h in (1, 2, 3)],
                                                     routes=[f.route("scattered_coal"), f.route("quality_coal"),
                                                             f.route("gas_wall_boiler"), f.route("ashp", capex_hh=1000.0)],
                                                     years={"gas_annual_cap_10k_m3": 0.24}))
    ds = solve_region(folder, 2022).dataset
    binding = ds.constraint.values[ds.constraint_binding.values == 1].tolist()
    assert "gas_annual_cap[city]" in binding
    assert ds.shadow_price.attrs["units"] and ds.constraint_slack.sel(constraint="gas_annual_cap[city]") == pytest.approx(0)
