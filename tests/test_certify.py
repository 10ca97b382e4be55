"""Sweep points proven from their neighbours' plans (model.certify): the arithmetic by hand, the
guarantee against gap-0 cold solves on random instances, and the cases that must be solved."""
import io
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from model.certify import Bracket, certify
from model.solve import SolveOptions
from model.sweep import RunSpec, forget_live_model, main, parse_values, run_sweep
from model.sweep_points import PointPlan
from model.validate import load_region
from test_sweep import grid, random_region, six_zones


def plan(bound: float) -> PointPlan:
    return PointPlan(np.zeros(1, dtype=np.int16), np.zeros(1, dtype=np.int8), np.zeros(0, dtype=np.int32), 0,
                     "optimal", 0.0, bound, 0.0, "test")


def bracket(la: float, lb: float) -> Bracket:
    return Bracket("p", {"p": 1.0}, {"p": 3.0}, plan(la), plan(lb))


COLS = np.array([0, 1])
X = np.array([1.0, 0.0])  # the plan takes column 0
Y = np.array([0.0, 1.0])


def test_certificate_by_hand():
    """Costs c(p) = (10 + 2p, 17): plan X costs 12, 16 at p = 1, 3 (its optimum there: X is
    cheaper than Y's 17), so V(1) = 12, V(3) = 16 with exact bounds. At p = 2 (lam = 1/2) the bound
    is (12 + 16) / 2 = 14 and X costs 14: proven at gap 0. At p = 2.5 X costs 15, bound 15."""
    costs = {"lower": np.array([12.0, 17.0]), "upper": np.array([16.0, 17.0]), "m": np.array([14.0, 17.0])}
    cert = certify(bracket(12.0, 16.0), {"p": 2.0}, costs, COLS, {"lower": X, "upper": X}, 0.0)
    assert cert is not None and (cert.objective, cert.bound, cert.gap) == (14.0, 14.0, 0.0)
    costs["m"] = np.array([15.0, 17.0])
    cert = certify(bracket(12.0, 16.0), {"p": 2.5}, costs, COLS, {"lower": X, "upper": X}, 0.0)
    assert (cert.objective, cert.bound) == (15.0, 15.0)


def test_certificate_needs_affine_costs_bounds_and_the_gap():
    costs = {"lower": np.array([12.0, 17.0]), "upper": np.array([16.0, 17.0]), "m": np.array([14.0, 17.0])}
    both = {"lower": X, "upper": X}
    # a cost off the line between the ends (a discount rate, a tiered price): not proven
    bent = dict(costs, m=np.array([14.5, 17.0]))
    assert certify(bracket(12.0, 16.0), {"p": 2.0}, bent, COLS, both, 1.0) is None
    # the bounds of the ends are weaker than their plans (gap 1 % each): X at 2 costs 14, the bound
    # is 0.99 * 14 = 13.86, a gap of 1 %: proven at 1.01 %, not at 0.5 %
    loose = bracket(12.0 * 0.99, 16.0 * 0.99)
    cert = certify(loose, {"p": 2.0}, costs, COLS, both, 0.0101)
    assert cert is not None and cert.bound == pytest.approx(13.86) and cert.gap == pytest.approx(0.01)
    assert certify(loose, {"p": 2.0}, costs, COLS, both, 0.005) is None
    # the cheaper neighbour plan at the point is the one offered
    costs2 = {"lower": np.array([12.0, 13.0]), "upper": np.array([16.0, 13.0]), "m": np.array([14.0, 13.0])}
    cert = certify(bracket(12.0, 13.0), {"p": 2.0}, costs2, COLS, {"lower": X, "upper": Y}, 1.0)
    assert cert.objective == 13.0 and cert.plan.bound == 13.0  # Y, the upper end's plan
    # no bound, or a point outside the bracket: nothing to interpolate
    assert certify(bracket(-np.inf, 16.0), {"p": 2.0}, costs, COLS, both, 1.0) is None
    assert certify(bracket(12.0, 16.0), {"p": 3.0}, costs, COLS, both, 1.0) is None
    # neither plan is a plan of this model
    assert certify(bracket(12.0, 16.0), {"p": 2.0}, costs, COLS, {"lower": None, "upper": None}, 1.0) is None


def _sweep(data, g, out, gap, **spec_kw):
    forget_live_model()
    spec = RunSpec(2022, (), SolveOptions(mip_gap=gap), duals=spec_kw.pop("duals", False), **spec_kw)
    return run_sweep(data, g, spec, out, serial=True, progress_stream=io.StringIO())


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("gap", [0.0, 0.02])
def test_certified_points_keep_the_gap_against_exact_cold_solves(tmp_path, seed, gap):
    """Each certified point's plan costs at most (1 + gap) x the optimum of a gap-0 cold solve
    there, and its bound is at most that optimum (exact at gap 0: the same plan and objective)."""
    rng = np.random.default_rng(300 + seed)
    data = load_region(random_region(rng, tmp_path / "inp", n=int(rng.integers(8, 14)), retrofit=bool(seed % 2)), 2022)
    g = grid(gas_price=parse_values("1.0:5.0:0.25", "x"))
    warm = _sweep(data, g, tmp_path / "warm", gap, duals=True)
    exact = _sweep(data, g, tmp_path / "exact", 0.0, reuse=False)
    w, e = warm.dataset, exact.dataset
    np.testing.assert_array_equal(w.point_status.values, e.point_status.values)
    cert = w.point_mode.values == "certified"
    assert cert.sum() >= 1, w.point_mode.values  # a sweep of 17 prices has plateaus on these instances
    opt = e.objective.values[cert]
    assert np.all(w.objective.values[cert] <= opt * (1 + gap) + 1e-6)
    assert np.all(w.point_mip_gap.values[cert] <= gap + 1e-12)
    # the bound stored with each point file is a lower bound of the exact optimum's solver part
    for r in warm.results:
        if r.mode == "certified":
            e_pt = exact.dataset.sel(gas_price=r.values["gas_price"])
            fixed = float(e_pt.objective) - [x for x in exact.results if x.values == r.values][0].plan.objective
            assert r.plan.bound + fixed <= float(e_pt.objective) + 1e-6
            assert r.plan.constraints is not None and len(r.plan.constraints)  # duals at this point
    if gap == 0.0:
        np.testing.assert_array_equal(w.chosen_route.values, e.chosen_route.values)
        np.testing.assert_allclose(w.objective.values, e.objective.values, rtol=1e-9)


@pytest.mark.parametrize("params", [
    {"discount_rate": [0.0, 0.02, 0.04, 0.06, 0.08]},  # annuities: costs not affine in the rate
    {"gas_annual_cap_10k_m3": [0.3, 0.4, 0.5, 0.6, 0.7]},  # a cap: the feasible set moves
])
def test_points_are_solved_when_the_sweep_is_not_affine_in_the_costs(tmp_path, params):
    data = load_region(random_region(np.random.default_rng(5), tmp_path / "inp"), 2022)
    rep = _sweep(data, grid(**params), tmp_path / "res", 0.0)
    modes = [r.mode for r in rep.results]
    assert "certified" not in modes and "reused" in modes


def test_solve_all_solves_every_point(tmp_path, capsys):
    """The hand case of test_sweep proves 1.75, 2.25 and 2.5 from their neighbours; --solve-all does not."""
    folder = six_zones(tmp_path / "inp")
    base = ["--year", "2022", "--region", "tiny", "--inputs", str(folder), "--serial", "--gas-price", "1.5:3.5:0.25",
            "--gap", "0"]
    assert main(base + ["--out", str(tmp_path / "a")]) == 0
    assert main(base + ["--out", str(tmp_path / "b"), "--solve-all"]) == 0
    capsys.readouterr()
    with xr.open_dataset(tmp_path / "a" / "tiny" / "2022" / "sweep_gas_price.nc") as a, \
            xr.open_dataset(tmp_path / "b" / "tiny" / "2022" / "sweep_gas_price.nc") as b:
        assert list(a.gas_price.values[a.point_mode.values == "certified"]) == [1.75, 2.25, 2.5]
        assert "certified" not in set(b.point_mode.values)
        np.testing.assert_array_equal(a.chosen_route.values, b.chosen_route.values)
        np.testing.assert_allclose(a.objective.values, b.objective.values, rtol=1e-12)
        assert np.isnan(a.point_solve_time.values[a.point_mode.values == "certified"]).all()


def test_a_point_that_cannot_be_proven_starts_from_the_cheapest_plan(tmp_path):
    """Live model at 1.0; a point at 4.5 with the plan solved at 5.0 beside it: the re-solve starts
    from the plan cheaper at 4.5 (here the neighbour's, whose gas use suits the high price), and
    the point still ends at the cold optimum."""
    from model.certify import Bracket, column_values
    from model.sweep import _certified_point, _local, solve_point

    data = load_region(random_region(np.random.default_rng(2), tmp_path / "inp", n=12), 2022)
    spec = RunSpec(2022, (), SolveOptions(mip_gap=0.0), duals=False)
    forget_live_model()
    far = solve_point(data, spec, {"gas_price": 5.0})
    forget_live_model()
    low = solve_point(data, spec, {"gas_price": 1.0})
    assert not np.array_equal(low.plan.route, far.plan.route)  # the price moves the plan
    bracket = Bracket("gas_price", None, {"gas_price": 5.0}, None, far.plan)
    res, start = _certified_point(data, spec, {"gas_price": 4.5}, bracket)
    # one side: nothing to prove; the neighbour's plan, not the live one (None), is the start
    assert res is None and start is not None
    st = _local.state
    np.testing.assert_array_equal(start, column_values(far.plan, st.inst, st.comp))
    point = solve_point(data, spec, {"gas_price": 4.5}, bracket)
    forget_live_model()
    cold = solve_point(data, replace(spec, reuse=False), {"gas_price": 4.5})
    assert point.mode == "reused" and point.plan.objective == pytest.approx(cold.plan.objective, rel=1e-9)
