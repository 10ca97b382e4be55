"""The standard form handed to HiGHS (`build.standard_form`) is the Pyomo model (`create_model`).

The pipeline hands HiGHS the numpy standard form stacked from the constraint families' row
blocks; `--handoff pyomo` compiles the Pyomo model built from the same blocks with Pyomo's own
compiler. Here the two are compared row by row and column by column on random instances, and
the 15-digit rounding is checked to make the MPS file an exact copy of the model.
"""
import highspy
import numpy as np
import pytest
import scipy.sparse as sp

import factory as f
from benchmarks.generate import generate, write
from model.build import create_model, decimal15, standard_form
from model.pipeline import solve_data
from model.dominance import dominated_options
from model.prepare import Overrides, prepare, without_options
from model.solve import SolveOptions, compile_model, compile_standard
from model.validate import load_region
from test_bruteforce import random_region


def _entries(lp, n_rows, n_cols, row_map, col_map) -> dict:
    A = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_),
                       np.asarray(lp.a_matrix_.start_)), shape=(n_rows, n_cols)).tocoo()
    return {(int(row_map[r]), int(col_map[c])): float(v) for r, c, v in zip(A.row, A.col, A.data)}


def assert_same_model(inst):
    """Every row, coefficient, bound, sense, cost and integrality of the two hand-offs agree
    (to the 15-digit rounding of the direct form), matched by row name and variable."""
    sf = standard_form(inst)
    direct = compile_standard(sf)
    m = create_model(inst)
    via_pyomo = compile_model(m)
    assert [b.family for b in m.trivially_infeasible] == [b.family for b in sf.broken]
    # Pyomo drops variables that appear nowhere; each is then an empty column of the direct form
    col_of_var = {id(v): j for j, v in enumerate(m.columns)}
    cmap = np.array([col_of_var[id(v)] for v in via_pyomo.columns], dtype=int)
    row_of_name = {name: i for i, name in enumerate(direct.row_names)}
    assert len(row_of_name) == direct.n_rows  # row names are unique
    assert sorted(direct.row_names) == sorted(via_pyomo.row_names)
    rmap = np.array([row_of_name[name] for name in via_pyomo.row_names], dtype=int)
    a, b = direct.highs.getLp(), via_pyomo.highs.getLp()
    ea = _entries(a, direct.n_rows, direct.n_cols, np.arange(direct.n_rows), np.arange(direct.n_cols))
    eb = _entries(b, via_pyomo.n_rows, via_pyomo.n_cols, rmap, cmap)
    assert ea.keys() == eb.keys()
    for k, v in eb.items():
        assert ea[k] == pytest.approx(v, rel=1e-14, abs=1e-300), k
    for attr in ("row_lower_", "row_upper_"):
        x = np.asarray(getattr(a, attr))[rmap]
        np.testing.assert_allclose(x, np.asarray(getattr(b, attr)), rtol=1e-14, atol=1e-9)
    np.testing.assert_array_equal(direct.row_sense[rmap], via_pyomo.row_sense)
    np.testing.assert_allclose(direct.row_offset[rmap], via_pyomo.row_offset, rtol=1e-12, atol=1e-9)
    cost = np.asarray(a.col_cost_)
    np.testing.assert_allclose(cost[cmap], np.asarray(b.col_cost_), rtol=1e-14, atol=0)
    unused = np.setdiff1d(np.arange(direct.n_cols), cmap)
    assert (cost[unused] == 0).all() and not any(k[1] in set(unused.tolist()) for k in ea)
    for attr in ("col_lower_", "col_upper_"):
        np.testing.assert_array_equal(np.asarray(getattr(a, attr))[cmap], np.asarray(getattr(b, attr)))
    assert all(t == highspy.HighsVarType.kInteger for t in b.integrality_)
    assert all(t == highspy.HighsVarType.kInteger for t in a.integrality_)
    np.testing.assert_array_equal(direct.x_col[np.flatnonzero(via_pyomo.x_col >= 0)],
                                  cmap[via_pyomo.x_col[via_pyomo.x_col >= 0]])
    return sf, direct


@pytest.mark.parametrize("seed", range(12))
def test_direct_standard_form_equals_pyomo_compile_random_tiny(tmp_path, seed):
    folder = random_region(np.random.default_rng(seed), tmp_path)
    data = load_region(folder, 2022)
    assert_same_model(prepare(data, 2022, Overrides()))


@pytest.mark.parametrize("seed", [1, 2])
def test_direct_standard_form_equals_pyomo_compile_synthetic_region(tmp_path, seed):
    """400 zones of the benchmark generator: every family (heat sources, county coverage,
    rural gas, many transformer groups), with and without the dominated options."""
    write(tmp_path, generate(400, seed, 2022))
    data = load_region(tmp_path, 2022)
    inst = prepare(data, 2022, Overrides())
    sf, _ = assert_same_model(inst)
    assert {fam for fam, _ in sf.row_names} >= {"one_route_per_zone", "transformer_capacity", "heat_source_capacity",
                                                  "coverage_target", "gas_storage", "subsidy_budget"}
    assert_same_model(without_options(inst, dominated_options(inst)))


def test_mps_file_reads_back_bit_for_bit(tmp_path):
    """With every number at 15 significant digits, HiGHS's MPS (15 digits) is an exact copy."""
    write(tmp_path / "in", generate(300, 3, 2022))
    data = load_region(tmp_path / "in", 2022)
    comp = compile_standard(standard_form(prepare(data, 2022, Overrides())))
    comp.highs.writeModel(str(tmp_path / "m.mps"))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(tmp_path / "m.mps"))
    a, b = comp.highs.getLp(), h.getLp()
    for attr in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_"):
        np.testing.assert_array_equal(np.asarray(getattr(a, attr)), np.asarray(getattr(b, attr)), err_msg=attr)
    for attr in ("start_", "index_", "value_"):
        np.testing.assert_array_equal(np.asarray(getattr(a.a_matrix_, attr)), np.asarray(getattr(b.a_matrix_, attr)))


def test_decimal15_round_trips_through_15_digits_and_moves_values_less_than_the_15th_digit():
    rng = np.random.default_rng(0)
    v = rng.standard_normal(20000) * 10.0 ** rng.integers(-30, 30, 20000)
    v = np.r_[v, 0.0, 1.0, -1.0, 1e15, 9.999999999999999e14, 0.1 + 0.2, 1.8654300000000001, 1e-300, np.inf, -np.inf]
    r = decimal15(v)
    back = np.array([float(f"{x:.15g}") for x in r])
    np.testing.assert_array_equal(back, r)
    fin = np.isfinite(v)
    assert (np.abs(r[fin] - v[fin]) <= 1e-14 * np.abs(v[fin])).all()
    assert decimal15(np.array([0.1 + 0.2, 1.8654300000000001])).tolist() == [0.3, 1.86543]
    assert np.isinf(r[-1]) and np.isinf(r[-2])


@pytest.mark.parametrize("seed", range(6))
def test_both_handoffs_give_the_same_optimum(tmp_path, seed):
    folder = random_region(np.random.default_rng(100 + seed), tmp_path)
    data = load_region(folder, 2022)
    objs = []
    for handoff in ("direct", "pyomo"):
        try:
            res = solve_data(data, 2022, Overrides(), SolveOptions(mip_gap=0.0, handoff=handoff), duals=False,
                             with_iis=False)
            objs.append(float(res.dataset.objective))
        except Exception as exc:  # infeasible instances must be infeasible both ways
            objs.append(type(exc).__name__)
    assert objs[0] == pytest.approx(objs[1], rel=1e-9) if isinstance(objs[0], float) else objs[0] == objs[1]


def test_broken_cap_found_without_any_variable(tmp_path):
    """A cap the fixed zones alone break is reported by the direct form, as by the Pyomo model."""
    zones = [f.zone("Z0", households=10, gas_network=1, existing_route="gas_wall_boiler"),
             f.zone("Z1", households=10, gas_network=0)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"), f.route("ashp")]
    folder = f.write_region(tmp_path, f.tables(zones=zones, routes=routes, years={"gas_annual_cap_10k_m3": 0.01}))
    inst = prepare(load_region(folder, 2022), 2022, Overrides())
    sf = standard_form(inst)
    assert [(b.family, b.key) for b in sf.broken] == [("gas_annual_cap", "city")]
    assert sf.broken[0].excess == pytest.approx(0.12 - 0.01)
    assert [(b.family, b.key) for b in create_model(inst).trivially_infeasible] == [("gas_annual_cap", "city")]


def test_direct_path_runs_without_importing_pyomo(tmp_path):
    """The CLI, the pipeline and the sweep solve through the numpy standard form: Pyomo (about
    0.2 s to import, paid by every sweep worker) is imported only to build a Pyomo model."""
    import subprocess
    import sys
    from pathlib import Path

    folder = write(tmp_path / "r", generate(200, seed=2))
    code = (
        "import sys\n"
        "import model.cli, model.sweep\n"
        "from model.pipeline import solve_data\n"
        "from model.prepare import Overrides\n"
        "from model.solve import SolveOptions\n"
        "from model.validate import load_region\n"
        f"res = solve_data(load_region({str(folder)!r}, 2022), 2022, Overrides(), SolveOptions(mip_gap=0.01), extract=False)\n"
        "assert res.solution.status == 'optimal'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyomo'))\n"
    )
    repo = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
