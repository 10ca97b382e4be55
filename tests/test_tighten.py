"""The transformer groups' hull (model.tighten): a hand-derived LP bound, the same optimum as the
model without it (and as brute force, in test_pathway), the live model restored after the solve."""
from __future__ import annotations

import math

import highspy
import numpy as np
import pytest

import factory as f
from model import tighten
from model.build import standard_form
from model.horizon import prepare_horizon
from model.pipeline import model_families, solve_data
from model.prepare import Overrides
from model.solve import SolveOptions, compile_standard, run
from model.validate import load_region
from test_pathway import YEARS, enumerate_pathway, random_pathway, two_years

UNIT_CAPEX = 3000.0  # yuan a unit


def one_group_must_upgrade(folder, capacity_kva=3.0, max_units=1):
    """One zone that must convert in 2021 (coverage 100 %) to its only clean route (quality coal is not clean), a heat pump
    of 5 kVA (factory: 10 kW design load, COP 2 at design), on a group of `capacity_kva` with
    upgrade units of 5 kVA: 5 > 3 needs ceil((5 - 3) / 5) = 1 unit."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("ashp")]
    cov = {y: {"coverage": [dict(year=y, area_type="all", terrain="all", min_clean_share=1.0, source=f.SRC)]}
           for y in YEARS}
    trs = [f.transformer(capacity_kva=capacity_kva, upgrade_unit_kva=5.0, upgrade_unit_capex_yuan=UNIT_CAPEX,
                         max_upgrade_units=max_units)]
    return two_years(folder, zones=[f.zone("Z1")], routes=routes, transformers=trs, per_year=cov)


def compiled(folder):
    data = load_region(folder, YEARS[-1])
    hz = prepare_horizon(data, YEARS, Overrides())
    sf = standard_form(hz, families=model_families(data))
    return hz, sf, compile_standard(sf, SolveOptions(mip_gap=0.0))


def lp_objective(comp) -> float:
    h = comp.highs
    n = h.getNumCol()
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * n))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def test_hull_lp_buys_the_whole_unit(tmp_path):
    """Without the hull the LP buys 0.4 of a unit in 2021; with it, the whole unit the zone needs:
    the LP bound rises by 0.6 x the unit's cost column and equals the MIP optimum."""
    folder = one_group_must_upgrade(tmp_path / "r")
    hz, sf, comp = compiled(folder)
    mip = run(comp, SolveOptions(mip_gap=0.0))
    assert mip.upgrade == {0: 1}
    unit_cost = float(sf.c[sf.layout.upgrade(0, 0)])
    assert unit_cost > 0
    _, _, plain = compiled(folder)
    lp_plain = lp_objective(plain)
    _, _, hull = compiled(folder)
    added = tighten.add(hull, tighten.group_hull(hz, hull.layout))
    assert added.groups == 1 and added.n_cols >= 1
    lp_hull = lp_objective(hull)
    assert lp_plain == pytest.approx(mip.objective - 0.6 * unit_cost, rel=1e-9)
    assert lp_hull == pytest.approx(mip.objective, rel=1e-9)


def test_combinations_beyond_the_unit_limit_are_left_out(tmp_path):
    """Capacity 3 kVA, no upgrade allowed: the zone's only clean plan overloads the group, so the
    model is infeasible with or without the hull (the hull leaves the group out: no plan fits)."""
    folder = one_group_must_upgrade(tmp_path / "r", max_units=0)
    hz, _, comp = compiled(folder)
    hull = tighten.group_hull(hz, comp.layout)
    assert hull.n_w == 0


def test_hull_is_removed_after_the_solve(tmp_path):
    folder = one_group_must_upgrade(tmp_path / "r")
    hz, _, comp = compiled(folder)
    rows, cols = comp.highs.getNumRow(), comp.highs.getNumCol()
    with tighten.hull_added(comp, hz) as added:
        assert comp.highs.getNumCol() == cols + added.n_cols > cols
        assert comp.highs.getNumRow() == rows + added.n_rows > rows
        run(comp, SolveOptions(mip_gap=0.0))
    assert (comp.highs.getNumRow(), comp.highs.getNumCol()) == (rows, cols)


def test_group_over_the_combination_limit_is_left_as_it_is(tmp_path):
    folder = one_group_must_upgrade(tmp_path / "r")
    hz, _, comp = compiled(folder)
    assert tighten.group_hull(hz, comp.layout, max_combinations=0).skipped == 1


@pytest.mark.parametrize("form", ["conversion", "state"])
def test_hull_keeps_the_optimum_on_random_pathways(tmp_path, form):
    """Fifteen random two-year pathways (one group of 2-4 zones): the optimum with the hull equals
    the one without and brute force; the hull is really there in some of them."""
    with_hull = 0
    for seed in range(15):
        folder = random_pathway(np.random.default_rng(100 + seed), tmp_path / f"r{seed}")
        data = load_region(folder, YEARS[-1])
        best = enumerate_pathway(prepare_horizon(data, YEARS, Overrides()))
        if math.isinf(best):
            continue
        objective = {}
        for hull in (True, False):
            res = solve_data(data, YEARS[-1], Overrides(), SolveOptions(mip_gap=0.0, year_axis=form, group_hull=hull),
                             from_year=YEARS[0], duals=False)
            objective[hull] = float(res.dataset.objective)
            if hull:
                with_hull += res.solution.details["hull_groups"] > 0
        assert objective[True] == pytest.approx(objective[False], rel=1e-7, abs=1e-7)
        assert objective[True] == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert with_hull >= 3  # 4 of them on these seeds


def test_single_year_has_no_hull(tmp_path):
    folder = one_group_must_upgrade(tmp_path / "r")
    data = load_region(folder, YEARS[-1])
    res = solve_data(data, YEARS[-1], Overrides(), SolveOptions(mip_gap=0.0), duals=False, extract=False)
    assert res.solution.details["hull_groups"] == 0
