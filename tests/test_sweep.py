"""Sweeps: grid parsing, hand-checked tipping points, re-use == cold solve, monotonicity in the
gas price, serial == LocalCluster, resume after a stop, the command line.

Hand numbers (tests/factory.py): a default zone burns 1,200 m3 of gas (2,400 yuan at 2 yuan/m3)
or 6,000 kWh on an ASHP (3,000 yuan at 0.5 yuan/kWh), whatever its households.
"""
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.errors import InputError
from model.solve import SolveOptions
from model.sweep import (Grid, RunSpec, forget_live_model, parse_values, point_stem, run_sweep,
                         tipping_points)
from model.validate import load_region

REPO = Path(__file__).resolve().parents[1]
EXACT = SolveOptions(mip_gap=0.0)


def spec(reuse=True, **kw):
    return RunSpec(2022, (), EXACT, reuse=reuse, duals=kw.pop("duals", False), **kw)


def grid(**params):
    return Grid(tuple(params), tuple(tuple(v) for v in params.values()))


def sweep(data, g, out, reuse=True, **kw):
    return run_sweep(data, g, spec(reuse), out, serial=kw.pop("serial", True), progress_stream=io.StringIO(), **kw)


# ---------------------------------------------------------------------------------------------

def test_parse_values():
    v = parse_values("2.0:4.0:0.1", "--gas-price")
    assert len(v) == 21 and v[0] == 2.0 and v[-1] == 4.0 and v[3] == 2.3  # no 2.3000000000000003
    assert parse_values("0.5,0.3,0.4,0.3", "--set x") == (0.3, 0.4, 0.5)
    assert parse_values("1:1.95:0.5", "x") == (1.0, 1.5)
    for bad in ("4:2:0.1", "2:4:0", "2:4", "a,b", ""):
        with pytest.raises(InputError, match="--gas-price"):
            parse_values(bad, "--gas-price")
    g = grid(a=[1.0, 2.0], b=[5.0, 6.0, 7.0])
    assert len(g) == 6 and g.points()[1] == {"a": 1.0, "b": 6.0}
    assert point_stem({"a": 1.0, "b": 0.1 + 0.2}) == "point_a=1_b=0.3"


def test_switches_that_are_undone_are_flagged():
    """Z1: A -> B at 1..2, B -> A at 3..4 (a near-tie, both flagged); Z2: A -> C once (a tipping point)."""
    import pandas as pd

    from model.sweep import _reverts

    df = pd.DataFrame(dict(kind="zone", id=["Z1", "Z2", "Z1"], parameter="p", at="", before=[1.0, 1.0, 3.0],
                           **{"from": ["A", "A", "B"], "to": ["B", "C", "A"]}))
    assert _reverts(df).tolist() == [1, 0, 1]


def six_zones(folder):
    """Z_i has i+1 households; Z0 and Z3 have no gas. Gas boiler capex 500 yuan/hh over 10 years
    (50 yuan/hh a), ASHP 3,000 yuan/hh (300 yuan/hh a). A gas zone with h households switches to
    ASHP when 1,200 p + 50 h > 3,000 + 300 h, i.e. p > (3,000 + 250 h) / 1,200:
    Z1 (h=2) at 2.917, Z2 (h=3) at 3.125, Z4 (h=5) at 3.542, Z5 (h=6) at 3.75 yuan/m3."""
    zones = [f.zone(f"Z{i}", households=i + 1, gas_network=int(i % 3 != 0)) for i in range(6)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=500.0),
              f.route("ashp", capex_hh=3000.0)]
    return f.write_region(folder, f.tables(zones=zones, routes=routes))


def test_known_tipping_points_and_combined_dataset(tmp_path):
    """Gas price 1.5..3.5 step 0.25: Z1 tips between 2.75 and 3.0, Z2 between 3.0 and 3.25, Z4 and
    Z5 stay on gas. Gas use: 4 gas zones x 0.12 = 0.48, then 0.36 from 3.0, 0.24 from 3.25.
    The county C1 loses 2 then 3 gas households to ASHP."""
    data = load_region(six_zones(tmp_path / "inp"), 2022)
    rep = sweep(data, grid(gas_price=parse_values("1.5:3.5:0.25", "x")), tmp_path / "res")
    ds = rep.dataset
    assert ds.chosen_route.dims == ("gas_price", "zone")
    assert ds.gas_annual.values == pytest.approx([0.48] * 6 + [0.36, 0.24, 0.24])
    tip = rep.tipping
    zone = tip[tip.kind == "zone"][["id", "before", "after", "from", "to"]].values.tolist()
    assert zone == [["Z1", 2.75, 3.0, "gas_wall_boiler", "ashp"], ["Z2", 3.0, 3.25, "gas_wall_boiler", "ashp"]]
    county = tip[tip.kind == "county"][["id", "before", "households", "from", "to"]].values.tolist()
    assert county == [["C1", 2.75, 2.0, "gas_wall_boiler", "ashp"], ["C1", 3.0, 3.0, "gas_wall_boiler", "ashp"]]
    # the file on disk: every variable with units and a long name, the sweep dim with the price's unit
    with xr.open_dataset(rep.combined_path) as disk:
        assert disk.sizes["gas_price"] == 9 and disk.sizes["tipping"] == 4
        for name in disk.data_vars:
            assert disk[name].attrs.get("units") and disk[name].attrs.get("long_name"), name
        assert disk.gas_price.attrs["units"] == "yuan/m3"
        assert disk.attrs["points_optimal"] == 9 and len(disk.attrs["inputs_hash"]) == 64
        assert list(disk.tipping_id.values) == ["C1", "C1", "Z1", "Z2"]
        assert (disk.tipping_reverts == 0).all()
    assert len(list(rep.folder.glob("point_*.nc"))) == 9
    # walking up from 1.5 in steps of 2 then 4: 1.5, 2.0, 3.0 solved; 1.75 lies between two solved
    # points with the same plan and is proven without a solve; 2.25..2.75 lie between two different
    # plans: 2.75, next to 3.0, is not proven (the chord from 2.0 to 3.0 passes below the optimum
    # there: a kink at 2.917) and is solved, which proves 2.25 and 2.5; 3.25, between 3.0 and 3.5
    # (a kink at 3.125), is solved too
    modes = {r.values["gas_price"]: r.mode for r in rep.results}
    assert sorted(p for p, m in modes.items() if m == "certified") == [1.75, 2.25, 2.5], modes
    assert modes[1.5] == "cold"


def random_region(rng, folder, n=12, retrofit=False):
    """Random zones with binding gas, transformer and budget caps; continuous data (no ties).
    `retrofit`: the building type can be retrofitted (every route then has a second option whose
    dominance over the first depends on the fuel prices)."""
    zones = [f.zone(f"Z{i}", households=int(rng.integers(1, 8)), floor_area_10k_m2=round(float(rng.uniform(0.01, 0.06)), 5),
                    gas_network=int(rng.random() < 0.8), area_type=str(rng.choice(["urban", "rural"])),
                    transformer_group=str(rng.choice(["T1", "T2"]))) for i in range(n)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f.route("gas_wall_boiler", capex_hh=float(rng.uniform(0, 3000)), sub_eq=float(rng.uniform(0, 1000))),
              f.route("ashp", capex_hh=float(rng.uniform(1000, 6000)), sub_eq=float(rng.uniform(0, 2000))),
              f.route("storage_heater", capex_hh=float(rng.uniform(0, 2000)))]
    trs = [f.transformer(g, capacity_kva=float(rng.uniform(15, 50)), upgrade_unit_kva=10.0,
                         upgrade_unit_capex_yuan=float(rng.uniform(500, 3000)), max_upgrade_units=10) for g in ("T1", "T2")]
    years = {"gas_annual_cap_10k_m3": float(rng.uniform(0.4, 1.2)), "gas_storage_existing_10k_m3": 0.05,
             "storage_module_size_10k_m3": 0.05, "storage_module_capex_10k_yuan": float(rng.uniform(0, 0.3)),
             "subsidy_budget_10k_yuan": float(rng.uniform(2.0, 4.0))}
    coverage = [dict(year=2022, area_type="all", terrain="all", min_clean_share=float(rng.uniform(0.5, 0.9)), source=f.SRC)]
    prices = {"clean_coal": float(rng.uniform(300, 900)), "gas": 2.5, "electricity": float(rng.uniform(0.3, 0.6))}
    bt = dict(retrofit_capex_yuan_per_m2=float(rng.uniform(10, 60)), retrofit_saving=float(rng.uniform(0.2, 0.5)),
              retrofit_lifetime_yr=20.0) if retrofit else None
    return f.write_region(folder, f.tables(zones=zones, routes=routes, transformers=trs, years=years, coverage=coverage,
                                           prices=prices, params={"storage_averaging_days": 30, "discount_rate": 0.05},
                                           building_types=bt))


def assert_same_plans(a, b, rel=1e-9):
    np.testing.assert_array_equal(a.point_status.values, b.point_status.values)
    np.testing.assert_array_equal(a.chosen_route.values, b.chosen_route.values)
    np.testing.assert_allclose(a.objective.values, b.objective.values, rtol=rel, atol=1e-9)


@pytest.mark.parametrize("params", [
    {"gas_price": [1.5, 2.0, 2.5, 3.0, 3.5, 4.0]},  # objective coefficients
    {"gas_annual_cap_10k_m3": [0.3, 0.5, 0.7], "subsidy_budget_10k_yuan": [1.0, 2.0]},  # row bounds (grid)
    {"discount_rate": [0.0, 0.04, 0.08], "gas_other_use_10k_m3": [0.0, 0.5]},  # every cost column; storage row
    {"power_factor": [0.85, 0.95]},  # transformer coefficients: rebuilds
])
def test_reuse_equals_cold_solve(tmp_path, params):
    data = load_region(random_region(np.random.default_rng(7), tmp_path / "inp"), 2022)
    g = grid(**params)
    forget_live_model()
    warm = sweep(data, g, tmp_path / "warm")
    _compare_with_cold(data, g, warm, tmp_path, rebuilt="power_factor" in params)


def test_reuse_after_presolve_fallback_equals_cold_solve(tmp_path, monkeypatch):
    """No time for the re-solve without presolve: every re-used point goes on with presolve
    from the best plan found."""
    import model.live_model as sw

    monkeypatch.setattr(sw, "RESOLVE_BUDGET", (0.0, 0.0))
    data = load_region(random_region(np.random.default_rng(11), tmp_path / "inp"), 2022)
    g = grid(gas_price=[1.5, 2.5, 3.5, 4.5], gas_annual_cap_10k_m3=[0.3, 0.6])
    forget_live_model()
    warm = sweep(data, g, tmp_path / "warm")
    _compare_with_cold(data, g, warm, tmp_path)


def _compare_with_cold(data, g, warm, tmp_path, rebuilt=False):
    cold = sweep(data, g, tmp_path / "cold", reuse=False)
    assert_same_plans(warm.dataset, cold.dataset)
    modes = {r.mode for r in warm.results if r.status == "optimal"}
    assert modes == {"cold"} if rebuilt else {"cold", "reused"} <= modes <= {"cold", "reused", "certified"}
    assert {r.mode for r in cold.results} == {"cold"}


@pytest.mark.parametrize("seed", range(6))
def test_gas_use_never_rises_and_cost_never_falls_with_gas_price(tmp_path, seed):
    """For optima x1 at p1 < p2 and x2 at p2: C(x1) + p1 G(x1) <= C(x2) + p1 G(x2) and the reverse
    at p2; adding gives (p2 - p1)(G(x2) - G(x1)) <= 0. The objective is a minimum of functions
    non-decreasing in p, so it never falls."""
    rng = np.random.default_rng(100 + seed)
    data = load_region(random_region(rng, tmp_path / "inp", n=int(rng.integers(6, 16))), 2022)
    ds = sweep(data, grid(gas_price=parse_values("1.0:5.0:0.5", "x")), tmp_path / "res").dataset
    ok = ds.point_status.values == "optimal"
    assert ok.sum() >= 2
    gas, obj = ds.gas_annual.values[ok], ds.objective.values[ok]
    assert np.all(np.diff(gas) <= 1e-9), gas
    assert np.all(np.diff(obj) >= -1e-9 * np.abs(obj[:-1]).max()), obj


def test_infeasible_points_are_recorded_and_not_resolved(tmp_path):
    """Coverage 100 %, gas the only clean route (no transformer group, rural): two zones need
    0.24 (10^4 m3). Cap 0.12 is infeasible, 0.24 and 0.36 feasible. In grid order the point
    (price 3, cap 0.12) follows a feasible point on the live model: the re-solve is infeasible too."""
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1", transformer_group=""),
                                                              f.zone("Z2", transformer_group="")]))
    data = load_region(folder, 2022)
    g = grid(gas_price=[2.0, 3.0], gas_annual_cap_10k_m3=[0.12, 0.24, 0.36])
    rep = sweep(data, g, tmp_path / "res")
    ds = rep.dataset
    assert ds.point_status.sel(gas_annual_cap_10k_m3=0.12).values.tolist() == ["infeasible"] * 2
    assert (ds.point_status.sel(gas_annual_cap_10k_m3=[0.24, 0.36]) == "optimal").all()
    assert np.isnan(ds.objective.sel(gas_annual_cap_10k_m3=0.12)).all()
    assert (ds.chosen_route.sel(gas_annual_cap_10k_m3=0.12) == "").all()
    assert float(ds.objective.sel(gas_price=3.0, gas_annual_cap_10k_m3=0.24)) == pytest.approx(0.72)
    assert ds.attrs["points_infeasible"] == 2
    with xr.open_dataset(rep.combined_path) as disk:  # NaN survives the write (no int8 encoding)
        assert np.isnan(disk.retrofit.sel(gas_annual_cap_10k_m3=0.12)).all()
        assert (disk.retrofit.sel(gas_annual_cap_10k_m3=0.24) == 0).all()
    again = sweep(data, g, tmp_path / "res")
    assert again.solved == [] and len(again.skipped) == 6


def test_interrupted_sweep_resumes_missing_points_only(tmp_path):
    data = load_region(six_zones(tmp_path / "inp"), 2022)
    # 9 points, none at a tipping price (Z2 ties at 3.125: either plan is optimal there)
    g = grid(gas_price=parse_values("2.55:3.55:0.125", "x"))
    out = tmp_path / "res"

    def stop_after_3(res, seen=[]):
        seen.append(res)
        if len(seen) == 3:
            raise KeyboardInterrupt

    first = sweep(data, g, out, on_point=stop_after_3)
    assert first.interrupted and first.combined_path is None and len(first.solved) == 3
    folder = first.folder
    assert not (folder.parent / "sweep_gas_price.nc").exists()
    kept = {p.name: p.stat().st_mtime_ns for p in folder.glob("point_*.nc")}
    assert len(kept) == 3
    # a stale file (other inputs) and a torn temp file from a killed writer are not "done"
    stale = folder / f"{point_stem({'gas_price': 3.55})}.nc"
    ds = xr.open_dataset(folder / next(iter(kept))).load()
    ds.attrs["inputs_hash"] = "0" * 64
    ds.to_netcdf(stale)
    (folder / f".{point_stem({'gas_price': 3.425})}.nc.abc.tmp").write_bytes(b"torn")
    second = sweep(data, g, out)
    assert sorted(second.skipped) == sorted(Path(k).stem for k in kept)
    assert len(second.solved) == 6 and set(second.solved).isdisjoint(second.skipped)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("point_*.nc") if p.name in kept} == kept
    assert second.dataset.attrs["points_optimal"] == 9 and second.dataset.attrs["points_missing"] == 0
    full = sweep(data, g, tmp_path / "fresh")
    assert_same_plans(second.dataset, full.dataset)


def test_failed_point_is_missing_and_retried(tmp_path, monkeypatch):
    """A point whose solve crashes is reported failed, not written, 'missing' in the combined
    dataset; the next run solves only that point."""
    import model.sweep as sw

    data = load_region(six_zones(tmp_path / "inp"), 2022)
    g = grid(gas_price=[2.0, 3.0, 4.0])
    real = sw._solve_point

    def crash_at_3(data, spec, values, *args):
        if values["gas_price"] == 3.0:
            raise RuntimeError("solver crashed")
        return real(data, spec, values, *args)

    monkeypatch.setattr(sw, "_solve_point", crash_at_3)
    first = sweep(data, g, tmp_path / "res")
    assert list(first.failed) == ["point_gas_price=3"] and "solver crashed" in first.failed["point_gas_price=3"]
    assert first.dataset.point_status.values.tolist() == ["optimal", "missing", "optimal"]
    monkeypatch.setattr(sw, "_solve_point", real)
    second = sweep(data, g, tmp_path / "res")
    assert second.solved == ["point_gas_price=3"] and not second.failed
    assert second.dataset.attrs["points_optimal"] == 3


# ---------------------------------------------------------------------------------------------
# re-use internals: re-pricing, dominated options fixed out, live duals, plan files, stacking

def assert_same_instance(a, b):
    import dataclasses

    import pandas as pd

    for fld in dataclasses.fields(a):
        x, y = getattr(a, fld.name), getattr(b, fld.name)
        if isinstance(x, dict):
            assert x.keys() == y.keys(), fld.name
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=f"{fld.name}[{k}]")
        elif isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y)
        elif fld.name == "coverage":
            assert [(l, s) for l, _, s in x] == [(l, s) for l, _, s in y]
            for (_, m, _), (_, n, _) in zip(x, y):
                np.testing.assert_array_equal(m, n)
        else:
            np.testing.assert_array_equal(x, y, err_msg=fld.name)


def test_reprice_gives_the_instance_prepare_gives(tmp_path):
    """Prices and caps from the live instance: bit for bit what prepare computes; anything else
    (a parameter, a scenario's parameter) is left to prepare."""
    from model.prepare import prepare, reprice, resolve_overrides

    data = load_region(random_region(np.random.default_rng(5), tmp_path / "inp", retrofit=True), 2022)

    def ov(**sets):
        return resolve_overrides(data, [], sets)

    base = prepare(data, 2022, ov(gas_price=2.0))
    for sets in ({"gas_price": 3.7}, {"electricity_price": 0.41, "clean_coal_price": 512.5}, {},
                 {"gas_price": 2.0, "gas_annual_cap_10k_m3": 0.33, "subsidy_budget_10k_yuan": 1.5},
                 {"rural_gas_new_cap_households": 3.0}):
        assert_same_instance(reprice(base, data, 2022, ov(**sets)), prepare(data, 2022, ov(**sets)))
    assert reprice(base, data, 2022, ov(gas_price=2.0, discount_rate=0.07)) is None
    assert reprice(base, data, 2022, ov(power_factor=0.9)) is None
    with_rate = prepare(data, 2022, ov(discount_rate=0.07))
    assert_same_instance(reprice(with_rate, data, 2022, ov(discount_rate=0.07, gas_price=3.1)),
                         prepare(data, 2022, ov(discount_rate=0.07, gas_price=3.1)))


def _dominated_by_rule(sf, cost) -> np.ndarray:
    """The dominance rule, column pair by column pair on the dense matrix (the reference for the
    vectorised one): a dominates b of the same zone if no worse in every row and costs no more."""
    A = np.zeros((sf.n_rows, sf.n_cols))
    for j in range(sf.n_cols):
        A[sf.index[sf.start[j]:sf.start[j + 1]], j] = sf.value[sf.start[j]:sf.start[j + 1]]
    up, lo = np.isfinite(sf.row_upper), np.isfinite(sf.row_lower)
    zone = np.repeat(np.arange(len(sf.layout.zone_starts)), np.diff(np.r_[sf.layout.zone_starts, sf.layout.n_f]))
    out = np.zeros(sf.layout.n_f, dtype=bool)
    for b in range(sf.layout.n_f):
        for a in range(sf.layout.n_f):
            if a == b or zone[a] != zone[b]:
                continue
            ca, cb = A[:, a], A[:, b]
            if (up & (ca > cb)).any() or (lo & (ca < cb)).any() or cost[a] > cost[b]:
                continue
            if (up & (ca < cb)).any() or (lo & (ca > cb)).any() or cost[a] < cost[b] or a < b:  # ties keep the first
                out[b] = True
    return out


@pytest.mark.parametrize("seed", range(3))
def test_dominance_equals_the_pairwise_rule_at_each_price(tmp_path, seed):
    """The coefficients compared once, the costs per price: the same options as the pairwise rule
    on the dense matrix, and each has a dominator in its zone that is itself kept and no worse in
    any cap or target quantity."""
    from model.build import standard_form
    from model.dominance import Dominance
    from model.prepare import prepare, resolve_overrides

    data = load_region(random_region(np.random.default_rng(seed), tmp_path / "inp", n=30, retrofit=True), 2022)
    first = prepare(data, 2022, resolve_overrides(data, [], {"gas_price": 0.2}))
    dom = Dominance(standard_form(first))
    seen = set()
    for price in (0.2, 1.0, 2.0, 3.5, 6.0):  # retrofitted gas dominates from 0.27..4 yuan/m3 on
        inst = prepare(data, 2022, resolve_overrides(data, [], {"gas_price": price}))
        sf = standard_form(inst)
        by = dom.dominators(sf.c)
        dropped = by >= 0
        np.testing.assert_array_equal(dropped, _dominated_by_rule(sf, sf.c))
        seen.add(tuple(np.flatnonzero(dropped)))
        b, a = np.flatnonzero(dropped), by[dropped]
        pa, pb = inst.free[a], inst.free[b]
        assert (inst.pair_zone[pa] == inst.pair_zone[pb]).all() and not dropped[a].any()
        for k in ("gas_annual", "gas_peak_day", "kva", "rural_gas_new_households", "heat_mw"):
            assert (inst.q[k][pa] <= inst.q[k][pb]).all(), k
        assert (inst.total_cost()[pa] <= inst.total_cost()[pb]).all()
        assert (inst.q["clean_households"][pa] >= inst.q["clean_households"][pb]).all()
    assert len(seen) > 1  # the prices move options in and out of the dominated set


def retrofit_zones(folder):
    """Gas (boiler 100 yuan/hh over 10 years) or ASHP, each with or without retrofit (30 yuan/m2 over
    10 years: 600 yuan/a for a default zone, halving its heat). Retrofitted gas saves 600 m3 a season: it costs less than plain gas from
    1.0 yuan/m3 on and then dominates it (less gas, the rest equal); below, neither dominates. Z3 has
    no gas: ASHP with retrofit (1,500 + 600 yuan/a) dominates plain ASHP (3,000) at every price."""
    zones = [f.zone(f"Z{i}", households=i, gas_network=int(i != 3)) for i in (1, 2, 3)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=100.0), f.route("ashp")]
    bt = dict(retrofit_capex_yuan_per_m2=30.0, retrofit_saving=0.5, retrofit_lifetime_yr=10.0)
    return f.write_region(folder, f.tables(zones=zones, routes=routes, building_types=bt))


def test_dominated_set_changes_between_points(tmp_path, monkeypatch):
    """0.5 and 0.8 yuan/m3: plain gas is cheapest, and kept. 1.5: plain gas is dominated and fixed
    out, so the start (the 0.8 plan) moves to retrofitted gas; 2.0: same. At 1.5 Z_i pays 10 i
    (boiler) + 600 (retrofit) + 900 (600 m3) yuan a year, Z3 1,500 + 600. Re-use = cold solves."""
    import model.live_model as sw
    from model.dominance import dominated_options
    from model.prepare import prepare, resolve_overrides

    data = load_region(retrofit_zones(tmp_path / "inp"), 2022)
    dropped = {p: dominated_options(prepare(data, 2022, resolve_overrides(data, [], {"gas_price": p})))
               for p in (0.8, 1.5)}
    assert dropped[1.5].sum() > dropped[0.8].sum()
    moved = []
    real = sw._fix_dominated_out

    def spy(st, costs, start):
        out = real(st, costs, start)
        moved.append(int((out != start).sum()) // 2)  # one option off, one on per moved zone
        return out

    monkeypatch.setattr(sw, "_fix_dominated_out", spy)
    g = grid(gas_price=[0.5, 0.8, 1.5, 2.0])
    forget_live_model()
    # every point solved, in order (no strides): each re-solve starts from the previous plan
    warm = run_sweep(data, g, spec(certify=False), tmp_path / "warm", serial=True, progress_stream=io.StringIO())
    assert moved == [0, 2, 0]  # Z1 and Z2 leave plain gas when it is fixed out at 1.5
    ds = warm.dataset
    assert ds.chosen_route.sel(zone="Z1").values.tolist() == ["gas_wall_boiler"] * 4
    assert ds.retrofit.sel(zone="Z1").values.tolist() == [0, 0, 1, 1]
    assert ds.chosen_route.sel(zone="Z3").values.tolist() == ["ashp"] * 4
    assert float(ds.objective.sel(gas_price=1.5)) == pytest.approx(
        (10 + 600 + 900) * 1e-4 + (20 + 600 + 900) * 1e-4 + (1500 + 600) * 1e-4)
    _compare_with_cold(data, g, warm, tmp_path)


@pytest.mark.parametrize("seed", range(3))
def test_reuse_with_retrofits_equals_cold_solves(tmp_path, seed):
    """Random instances whose dominated options change with the gas price; gap 1e-4 as on the
    command line: objectives within the gap of the cold solves."""
    rng = np.random.default_rng(20 + seed)
    data = load_region(random_region(rng, tmp_path / "inp", n=25, retrofit=True), 2022)
    g = grid(gas_price=parse_values("1.0:5.0:1.0", "x"))
    gap = SolveOptions(mip_gap=1e-4)
    forget_live_model()
    warm = run_sweep(data, g, RunSpec(2022, (), gap), tmp_path / "warm", serial=True, progress_stream=io.StringIO())
    cold = run_sweep(data, g, RunSpec(2022, (), gap, reuse=False), tmp_path / "cold", serial=True,
                     progress_stream=io.StringIO())
    np.testing.assert_array_equal(warm.dataset.point_status.values, cold.dataset.point_status.values)
    ok = warm.dataset.point_status.values == "optimal"
    assert ok.sum() >= 4 and "reused" in {r.mode for r in warm.results}
    w, c = warm.dataset.objective.values[ok], cold.dataset.objective.values[ok]
    np.testing.assert_array_less(np.abs(w - c), 2e-4 * np.abs(c) + 1e-9)


def test_live_duals_equal_shadow_prices_of_a_cold_solve(tmp_path):
    """The shadow-price LP kept alive and re-solved from its last basis gives the table
    diagnose.shadow_prices gives on a freshly built model: the same rows, activities, slacks,
    binding flags and duals (storage and transformer units price at cost / size)."""
    data = load_region(random_region(np.random.default_rng(8), tmp_path / "inp", n=20, retrofit=True), 2022)
    g = grid(gas_price=[1.5, 2.5, 3.5], gas_annual_cap_10k_m3=[0.5, 0.9])
    forget_live_model()
    runs = {reuse: run_sweep(data, g, spec(reuse, duals=True), tmp_path / str(reuse), serial=True,
                             progress_stream=io.StringIO()) for reuse in (True, False)}
    warm, cold = runs[True].dataset, runs[False].dataset
    assert "reused" in {r.mode for r in runs[True].results}
    assert (warm.constraint == cold.constraint).all() and warm.sizes["constraint"] > 3
    for name in ("constraint_activity", "constraint_bound", "constraint_slack", "shadow_price"):
        np.testing.assert_allclose(warm[name].values, cold[name].values, rtol=1e-7, atol=1e-9, err_msg=name)
    np.testing.assert_array_equal(warm.constraint_binding.values, cold.constraint_binding.values)
    assert (np.abs(warm.shadow_price.values) > 1e-9).any()


def test_point_file_holds_what_a_single_run_writes(tmp_path):
    """A point file keeps the plan and the constraint table; rebuilt with the inputs it is the
    dataset of a single run of the same point (every variable, same values)."""
    import model.sweep as sw
    from model.pipeline import solve_data
    from model.prepare import prepare, resolve_overrides

    data = load_region(random_region(np.random.default_rng(9), tmp_path / "inp", n=15, retrofit=True), 2022)
    ov = resolve_overrides(data, [], {"gas_price": 3.0})
    res = solve_data(data, 2022, ov, EXACT, prune=False)
    # what a sweep's cold point keeps (no dataset): the same constraint table as the dataset's
    lean = solve_data(data, 2022, ov, EXACT, prune=False, extract=False)
    assert lean.dataset is None
    pd.testing.assert_frame_equal(lean.constraints.reset_index(drop=True), sw._constraints_of(res.dataset),
                                  check_dtype=False)
    plan = sw.PointPlan.of(lean.instance, lean.solution, lean.constraints)
    sw.write_point_file(tmp_path / "p.nc", {"status": plan.status, "mip_gap": plan.mip_gap,
                                            "point_format": sw.PLAN_FORMAT}, plan)
    attrs, back = sw.read_point_file(tmp_path / "p.nc")
    assert attrs["status"] == "optimal" and back.modules == plan.modules
    np.testing.assert_array_equal(back.route, plan.route)
    rebuilt = sw.point_dataset(prepare(data, 2022, ov), back)
    single = res.dataset.copy()
    single.attrs = rebuilt.attrs = {}
    xr.testing.assert_identical(rebuilt, single)
    assert sw.read_point_file(tmp_path / "missing.nc") == (None, None)


def test_point_file_round_trip(tmp_path):
    """Keys and units in any script (county or group ids may be Chinese), no constraint rows, no
    binding column (an LP that failed), no duals at all: read back as written."""
    import pandas as pd

    import model.sweep as sw

    table = pd.DataFrame({"family": ["transformer_capacity", "gas_annual_cap", "transformer_capacity"],
                          "key": ["变压器-甲", "city", "T2"], "unit": ["kVA", "万m³/a", "kVA"], "activity": [1.0, 2.0, 3.0],
                          "bound": [3.0, 4.0, 5.0], "slack": [2.0, 2.0, 2.0], "shadow_price": [0.0, 0.5, 0.25],
                          "binding": [False, True, True]})
    for constraints in (table, table.iloc[:0], table.drop(columns="binding"), None):
        plan = sw.PointPlan(np.array([1, 12, 0], np.int16), np.array([0, 1, 0], np.int8), np.array([3, 0], np.int32), 2,
                            "time_limit", 3e-4, 1.5, 2.5, "HiGHS 9", constraints)
        sw.write_point_file(tmp_path / "p.nc", {"status": "time_limit", "mip_gap": 3e-4, "inputs_folder": "/数据/济南",
                                                "point_format": sw.PLAN_FORMAT}, plan)
        attrs, back = sw.read_point_file(tmp_path / "p.nc")
        assert attrs["inputs_folder"] == "/数据/济南"
        for name in ("route", "retrofit", "upgrade"):
            np.testing.assert_array_equal(getattr(back, name), getattr(plan, name))
        assert (back.modules, back.status, back.mip_gap, back.bound, back.objective, back.solver) == \
            (2, "time_limit", 3e-4, 1.5, 2.5, "HiGHS 9")
        if constraints is None:
            assert back.constraints is None
        else:
            pd.testing.assert_frame_equal(back.constraints, constraints.reset_index(drop=True), check_dtype=False)


def test_combine_stacks_plans_infeasible_missing_and_full_dataset_points(tmp_path):
    """Points with a plan, infeasible and missing, one of them in the full-dataset file of
    earlier versions: all on the grid, NaN where there is no plan."""
    import model.sweep as sw

    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1", transformer_group=""),
                                                              f.zone("Z2", transformer_group="")]))
    data = load_region(folder, 2022)
    g = grid(gas_price=[2.0, 3.0], gas_annual_cap_10k_m3=[0.12, 0.24, 0.36])
    s = spec(duals=True)
    rep = run_sweep(data, g, s, tmp_path / "res", serial=True, progress_stream=io.StringIO())
    paths = {point_stem(v): rep.folder / f"{point_stem(v)}.nc" for v in g.points()}
    legacy = paths[point_stem({"gas_price": 3.0, "gas_annual_cap_10k_m3": 0.36})]
    full = rep.dataset.sel(gas_price=3.0, gas_annual_cap_10k_m3=0.36).drop_vars(
        ["gas_price", "gas_annual_cap_10k_m3"] + [v for v in rep.dataset.data_vars if v.startswith(("point_", "tipping_"))])
    full = full.drop_dims("tipping")
    full.attrs = dict(sw.read_attrs(legacy))
    del full.attrs["point_format"]
    sw.write_point(full, legacy)
    paths[point_stem({"gas_price": 2.0, "gas_annual_cap_10k_m3": 0.24})].unlink()  # missing
    fast = sw.combine(paths, g, {}, {}, None, data, s)
    assert fast.point_status.values.tolist() == [["infeasible", "missing", "optimal"], ["infeasible", "optimal", "optimal"]]
    assert fast.retrofit.dtype == np.float32 and np.isnan(fast.retrofit.sel(gas_annual_cap_10k_m3=0.12)).all()
    assert (fast.chosen_route.sel(gas_price=3.0, gas_annual_cap_10k_m3=0.36) == "gas_wall_boiler").all()


@pytest.mark.parametrize("drop", [(), (1, 4)])
def test_stacking_on_numpy_equals_xarray_alignment(tmp_path, drop):
    """The fast stacking of points that share their coordinates gives xarray's dataset exactly
    (dtypes and NaN or '' where a point has no plan); points whose coordinates differ (a rebuilt
    model's constraint rows) go to xarray."""
    import model.sweep_combine as sw

    data = load_region(random_region(np.random.default_rng(4), tmp_path / "inp"), 2022)
    g = grid(gas_price=[1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
    s = spec(duals=True)
    rep = run_sweep(data, g, s, tmp_path / "res", serial=True, progress_stream=io.StringIO())
    instances = sw.PointInstances(data, s)
    plans = [(k, sw._point_parts(instances.get(v), sw.read_point_file(rep.folder / f"{point_stem(v)}.nc")[1]))
             for k, v in enumerate(g.points()) if k not in drop]
    fast = sw._stack_aligned(plans, g)
    slow = sw._stack_aligned(plans, g, fast=False)
    xr.testing.assert_identical(fast, slow)
    assert all(fast[n].dtype == slow[n].dtype and fast[n].dims == slow[n].dims for n in slow.variables)
    assert sw._stack_same(plans, g) is not None
    other = [(k, [p.isel(constraint=slice(1, None)) if "constraint" in p.dims else p for p in parts]) if k == 2 else (k, parts)
             for k, parts in plans]
    assert sw._stack_same(other, g) is None
    xr.testing.assert_identical(sw._stack_aligned(other, g), sw._stack_aligned(other, g, fast=False))


def _plan(route: int):
    from model.sweep_points import PointPlan

    return PointPlan(np.array([route], dtype=np.int16), np.zeros(1, dtype=np.int8), np.zeros(0, dtype=np.int32), 0,
                     "optimal", 0.0, 0.0, 0.0, "test")


def test_dispatcher_strides_brackets_and_helps():
    """Slots start at their share of the line and walk up it in steps of 2, doubled while the plan
    stays the same and back to 2 when it changes; a point left between two solved points goes out
    first, with them as its bracket (the middle one of the stretch, or, in a short stretch between
    two different plans, the one next to the slot); an idle slot helps the longest open stretch
    from its far end, starting from the nearest plan solved. Without strides, it helps only when
    more points are left than a cold solve takes re-solves; always when nothing else is running."""
    from model.schedule import Dispatcher as _Dispatcher, help_threshold as _help_after
    from model.sweep import PointResult

    todo = [{"p": float(i)} for i in range(12)]
    d = _Dispatcher(todo, ["a", "b"])
    assert d.next("a")[:2] == (0, {"p": 0.0}) and d.next("b")[0] == 6
    d.done(0, _plan(1))
    assert d.next("a")[0] == 2  # a step of 2
    d.done(2, _plan(1))
    i, values, bracket = d.next("a")  # 1 now lies between two solved points
    assert i == 1 and bracket.name == "p" and (bracket.lower, bracket.upper) == ({"p": 0.0}, {"p": 2.0})
    assert bracket.weight(values) == 0.5
    d.done(1, _plan(1))
    assert d.next("a")[0] == 5  # the same plan: a step of 4, within the points left before b's start
    d.done(6, _plan(2))
    assert d.next("b")[0] == 8
    d.done(8, _plan(3))  # the plan changed: 7 lies between two different plans
    i, _, bracket = d.next("b")
    assert i == 7 and (bracket.lower, bracket.upper) == ({"p": 6.0}, {"p": 8.0})
    d.done(7, _plan(3))
    d.done(5, _plan(1))
    i, _, bracket = d.next("a")  # 3, 4 between two equal plans: the middle first
    assert i == 3 and (bracket.lower, bracket.upper) == ({"p": 2.0}, {"p": 5.0})
    d.done(3, _plan(1))
    assert d.next("a")[0] == 4
    d.done(4, _plan(1))
    # a has no point ahead (6 is solved); 9..11 are an open stretch (8 solved, the line's end):
    # a helps from its far end, with the nearest plan solved below it to start from
    i, _, bracket = d.next("a", help_after=99)
    assert i == 11 and (bracket.lower, bracket.upper) == ({"p": 8.0}, None)
    assert d.next("b")[0] == 10  # b's step of 2, before a's point
    d.done(11, _plan(3))
    d.done(10, _plan(3))
    assert d.next("b")[0] == 9  # between 8 and 10
    assert d.next("a") is None and d.next("b") is None

    # a short stretch between two different plans is walked from the end nearest to the slot
    w = _Dispatcher(todo[:8], ["a"])
    for i in (0, 2, 1, 6):  # steps 2 (1 then lies between 0 and 2) and 4: 6 changes the plan
        assert w.next("a")[0] == i
        w.done(i, _plan(1 if i < 6 else 2))
    assert w.next("a")[0] == 5  # 3..5 lie between 2 and 6 (different plans): next to 6, where a is
    w.done(5, _plan(2))
    assert w.next("a")[0] == 4

    # without strides (--solve-all): contiguous runs, no brackets, help only long stretches
    plain = _Dispatcher(todo[:6], ["a", "b"], gallop=False)
    assert [plain.next("a")[:3:2] for _ in range(3)] == [(0, None), (1, None), (2, None)]
    for i in range(3):
        plain.done(i, _plan(1))
    assert plain.next("b")[0] == 3
    assert plain.next("a", help_after=2) is None  # 4, 5 left: not worth a distant start
    assert plain.next("a", help_after=1)[0] == 5  # from the far end of b's stretch
    assert plain.next("a", help_after=99)[0] == 4  # and on down, once helping
    lone = _Dispatcher(todo[:4], ["a", "b"])
    lone.next("a"), lone.next("b")
    lone.done(0, None)  # failed: no bracket through it
    lone.done(2, _plan(1))
    assert lone.next("a", help_after=99)[0] == 1  # nothing else running: helps anyway
    # with strides, an idle slot helps even a single point, but not one waiting for its bracket
    three = _Dispatcher(todo[:4], ["a", "b", "c"])
    assert three.next("a")[0] == 0 and three.next("b")[0] == 2  # 1 waits for the plans of 0 and 2
    assert three.next("c")[:3:2] == (3, None)  # beside the running 2, at the line's end: nothing solved to start from
    more = _Dispatcher([{"p": 0.0}], ["a", "b", "c"])  # more slots than points
    assert more.next("a")[1] == {"p": 0.0} and more.next("b") is None and more.next("c") is None

    def res(mode, solve):
        return PointResult({}, "optimal", mode, None, times={"solve": solve})

    assert _help_after([res("cold", 3.0)]) == np.inf  # no re-solve timed yet
    assert _help_after([res("cold", 3.0), res("reused", 0.5), res("reused", 0.7), res("reused", 0.4)]) == 6.0


# ---------------------------------------------------------------------------------------------
# Dask: one LocalCluster of 2 single-threaded worker processes for the module

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    from model.sweep import local_cluster

    cluster = local_cluster(2)
    c = distributed.Client(cluster)
    c.wait_for_workers(2)
    yield c
    c.close()
    cluster.close()


def _first_plus(shared, i):
    return float(shared[1]) + i


def test_the_same_data_scattered_run_after_run_is_never_lost(client):
    """Runs one after another on one client, each scattering the same data (a sweep resumed, a
    Monte Carlo run again): with Dask's hashed keys the second scatter got the first's key, which
    the first run's release could forget ('lost dependencies', dask/distributed#8576; failed at
    the second run here). Each run's key is its own now."""
    from model.dask_layer import run_tasks

    shared = np.arange(1000.0)
    for run in range(20):
        got, errors = [], []
        run_tasks(_first_plus, shared, [0, 1], got.append, errors.append, client=client)
        assert (sorted(got), errors) == ([1.0, 2.0], []), f"run {run}"


def test_local_cluster_workers_keep_the_malloc_settings(client):
    """Dask's nanny would start workers with MALLOC_TRIM_THRESHOLD_=65536 (HiGHS then spends a
    quarter of its time in the kernel); ours inherit this process's setting."""
    import os

    assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {os.environ.get("MALLOC_TRIM_THRESHOLD_")}


def test_local_cluster_equals_serial(tmp_path, client):
    data = load_region(random_region(np.random.default_rng(3), tmp_path / "inp", n=20), 2022)
    g = grid(gas_price=parse_values("1.5:4.5:0.5", "x"))
    par = sweep(data, g, tmp_path / "dask", serial=False, client=client)
    ser = sweep(data, g, tmp_path / "serial")
    assert_same_plans(par.dataset, ser.dataset, rel=1e-9)
    assert "reused" in {r.mode for r in par.results}  # contiguous points per worker share a model


def test_local_cluster_stop_and_resume(tmp_path, client):
    data = load_region(six_zones(tmp_path / "inp"), 2022)
    g = grid(gas_price=parse_values("2.0:4.0:0.25", "x"))  # 9 points

    def stop(res, seen=[]):
        seen.append(res)
        if len(seen) == 2:
            raise KeyboardInterrupt

    first = sweep(data, g, tmp_path / "res", serial=False, client=client, on_point=stop)
    assert first.interrupted
    done = {p.stem for p in first.folder.glob("point_*.nc")}
    assert 2 <= len(done) < 9
    second = sweep(data, g, tmp_path / "res", serial=False, client=client)
    assert sorted(second.skipped) == sorted(done)
    assert len(second.solved) == 9 - len(done)
    assert second.dataset.attrs["points_optimal"] == 9
    assert tipping_points(second.dataset, ("gas_price",)).query("kind == 'zone'")["id"].tolist() == ["Z1", "Z2", "Z4", "Z5"]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_own_local_cluster_by_either_start_method_equals_serial(tmp_path, method):
    """run_sweep's own LocalCluster (as the CLI starts it): forked workers (the default on Linux)
    and spawned ones (macOS, Windows, --start-method spawn) give the serial plans."""
    pytest.importorskip("distributed")
    data = load_region(random_region(np.random.default_rng(5), tmp_path / "inp", n=14), 2022)
    g = grid(gas_price=parse_values("1.5:4.5:0.5", "x"))
    par = sweep(data, g, tmp_path / "dask", serial=False, workers=2, start_method=method)
    assert {r.worker for r in par.results} != {""} and len({r.worker for r in par.results}) == 2
    assert_same_plans(par.dataset, sweep(data, g, tmp_path / "serial").dataset, rel=1e-9)


def test_killed_forked_worker_is_replaced_and_the_sweep_completes(tmp_path):
    """SIGKILL the worker that solved the first point: Dask's nanny starts a new one (spawned),
    its points run again elsewhere, and every point ends with its plan."""
    import os
    import signal

    pytest.importorskip("distributed")
    data = load_region(six_zones(tmp_path / "inp"), 2022)
    g = grid(gas_price=parse_values("2.0:4.0:0.25", "x"))
    killed = []

    def kill_first(res):
        if not killed:
            killed.append(int(res.worker.rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    rep = sweep(data, g, tmp_path / "res", serial=False, workers=2, start_method="fork", on_point=kill_first)
    assert killed and not rep.interrupted and not rep.failed
    assert rep.dataset.attrs["points_optimal"] == 9
    assert_same_plans(rep.dataset, sweep(data, g, tmp_path / "serial").dataset)


def test_local_cluster_start_methods():
    from model.sweep import default_start_method, local_cluster

    assert default_start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")
    with pytest.raises(ValueError, match="start_method 'thread'"):
        local_cluster(1, "thread")


# ---------------------------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, str(REPO / "scripts" / "sweep.py"), *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_cli_serial_sweep_and_resume(tmp_path, capsys):
    """End to end in a subprocess; the resume in-process (same code, no second interpreter start)."""
    from model.sweep import main

    folder = six_zones(tmp_path / "inp")
    args = ["--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--serial",
            "--gas-price", "2.5:3.5:0.5", "--set", "electricity_price=0.5,0.6", "--gap", "0"]
    p = run_cli(*args)
    assert p.returncode == 0, p.stderr
    assert "Tipping points by zone" in p.stdout and "6 solved now" in p.stdout
    nc = tmp_path / "res" / "tiny" / "2022" / "sweep_gas_price+electricity_price.nc"
    with xr.open_dataset(nc) as ds:
        assert ds.objective.dims == ("gas_price", "electricity_price")
        assert ds.electricity_price.attrs["units"] == "yuan/kWh"
    assert main(args) == 0
    assert "0 solved now, 6 done earlier" in capsys.readouterr().out


@pytest.mark.parametrize("extra, words", [
    (["--set", "gas_prize=2,3"], "gas_prize"),
    (["--gas-price", "4:2:0.5"], "--gas-price"),
    ([], "nothing to sweep"),
])
def test_cli_bad_sweep_exits_2(tmp_path, capsys, extra, words):
    from model.sweep import main

    folder = six_zones(tmp_path / "inp")
    assert main(["--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--serial", *extra]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "res").exists()
