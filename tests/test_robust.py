"""Monte Carlo over uncertain inputs (model/robust.py, scripts/robust.py) on tiny cases.

Numbers (tests/factory.py): a default zone needs 1,200 m^3 of gas a season with a gas wall boiler
(gas 2.0 yuan/m^3: 0.24 10^4 yuan/a) or 6,000 kWh with an ASHP (0.5 yuan/kWh: 0.30); coverage
100 %, so each zone takes one of the two (quality coal is not clean).
"""
import numpy as np
import pytest
import xarray as xr

import factory as f
from model import robust
from model.errors import InputError
from model.pipeline import solve_region
from model.robust_cli import main as robust_main
from model.solve import SolveOptions
from model.validate import load_region

YEAR = 2022
EXACT = SolveOptions(mip_gap=0.0)
HEADER = "parameter,distribution,a,b,c,applies,source\n"


def region(tmp_path, rows: str, zones=2):
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone(f"Z{i}") for i in range(1, zones + 1)]))
    (folder / "uncertainty.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def spec_of(folder, seed=1):
    data = load_region(folder, year=YEAR)
    table = robust.read_uncertainty(folder / "uncertainty.csv", data)
    base, base_cost = robust.base_plan(data, YEAR, (), EXACT)
    return data, robust.RobustSpec(YEAR, table, seed, base, (), EXACT), base_cost


def run(folder, out, n, seed=1):
    data, spec, base_cost = spec_of(folder, seed)
    report = robust.run_samples(data, spec, n, out, serial=True)
    return robust.robust_dataset(data, spec, n, out, base_cost), report


def test_zero_spread_sample_is_the_plain_solve(tmp_path):
    """Every input drawn at its value (uniform 1..1 factor, normal with sd 0): the one sample's
    least-cost plan is the plain solve's, and the base plan re-evaluated costs the same (regret 0)."""
    folder = region(tmp_path, "gas_price,uniform,1,1,,factor,assumption: test\n"
                              "routes[ashp].efficiency,normal,2.0,0,,value,assumption: test\n")
    ds, _ = run(folder, tmp_path / "mc", 1)
    plain = solve_region(folder, YEAR, options=EXACT).dataset
    assert float(ds.sample_cost[0]) == pytest.approx(float(plain.objective), rel=1e-12)
    assert list(ds.sample_route[0].values) == list(plain.chosen_route.values)
    assert float(ds.regret[0]) == pytest.approx(0.0, abs=1e-9)
    assert list(ds.sample_value.values[0]) == [1.0, 2.0]
    assert (ds.base_route_frequency.values == 1).all()


def test_regret_known_answer(tmp_path):
    """Gas price x 1.5 (3.0 yuan/m^3) in every sample: a gas boiler costs 0.36 a zone, an ASHP 0.30.
    The base plan (gas in both zones, 0.48) re-evaluated costs 0.72; the sample's least cost is
    ASHP in both, 0.60; regret 0.12. Each zone takes ASHP in every sample, its base route in none."""
    folder = region(tmp_path, "gas_price,triangular,1.5,1.5,1.5,factor,assumption: test\n")
    ds, _ = run(folder, tmp_path / "mc", 2)
    assert ds.attrs["base_cost_10k_yuan_per_a"] == pytest.approx(0.48)
    assert ds.base_cost.values.tolist() == pytest.approx([0.72, 0.72])
    assert ds.sample_cost.values.tolist() == pytest.approx([0.60, 0.60])
    assert ds.regret.values.tolist() == pytest.approx([0.12, 0.12])
    assert ds.route_frequency.sel(route="ashp").values.tolist() == [1.0, 1.0]
    assert ds.base_route_frequency.values.tolist() == [0.0, 0.0]
    assert ds.attrs["regret_mean_10k_yuan_per_a"] == pytest.approx(0.12)
    # solved exactly here: the bound meets the cost, and the regret's upper bound meets the regret
    assert ds.sample_bound.values.tolist() == pytest.approx([0.60, 0.60])
    assert ds.regret_upper.values.tolist() == pytest.approx([0.12, 0.12])


def test_sample_gap_is_part_of_a_sample_and_brackets_the_regret(tmp_path):
    """The samples' own gap: a run at another sample gap solves every sample again (a file made
    at 0 is not one made at 0.3); each sample's bound is at most its cost and within the gap of
    it, so regret <= regret_upper; the dataset says the gap."""
    from dataclasses import replace

    folder = region(tmp_path, UNCERTAIN, zones=3)
    data, spec, base_cost = spec_of(folder)
    out = tmp_path / "mc"
    assert sorted(robust.run_samples(data, spec, 3, out, serial=True).solved) == [0, 1, 2]
    loose = replace(spec, sample_gap=0.3)
    assert loose.sample_options.mip_gap == 0.3 and loose.options.mip_gap == spec.options.mip_gap
    report = robust.run_samples(data, loose, 3, out, serial=True)
    assert sorted(report.solved) == [0, 1, 2] and not report.skipped
    ds = robust.robust_dataset(data, loose, 3, out, base_cost)
    assert ds.attrs["sample_gap"] == 0.3 and ds.attrs["mip_gap"] == spec.options.mip_gap
    cost, bound = ds.sample_cost.values, ds.sample_bound.values
    assert np.all(bound <= cost + 1e-9) and np.all(cost - bound <= 0.3 * cost + 1e-9)
    ok = np.isfinite(ds.regret.values)
    assert ok.any() and np.all(ds.regret.values[ok] <= ds.regret_upper.values[ok] + 1e-12)


UNCERTAIN = "gas_price,uniform,0.5,3.0,,factor,assumption: test\nelectricity_price,normal,0.5,0.05,,value,assumption: test\n"


def test_seed_reproducible_and_a_sample_does_not_depend_on_the_count(tmp_path):
    """The same seed gives the same draws and plans; sample i is the same in a run of 3 and of 5;
    another seed draws otherwise. The gas price spans the tie (gas 0.24 g = ASHP 0.6 e at g = 2.5 e), so
    the routes move between samples."""
    folder = region(tmp_path, UNCERTAIN, zones=3)
    a, _ = run(folder, tmp_path / "a", 3)
    b, _ = run(folder, tmp_path / "b", 5)
    c, _ = run(folder, tmp_path / "c", 3, seed=2)
    per_sample = ["sample_value", "sample_status", "sample_cost", "base_status", "base_cost", "regret", "sample_route"]
    xr.testing.assert_identical(a[per_sample].drop_attrs(deep=False), b[per_sample].isel(sample=slice(0, 3)).drop_attrs(deep=False))
    assert not np.allclose(a.sample_value.values, c.sample_value.values)
    assert np.array_equal(robust.draws(a_table(folder), 1, 4), b.sample_value.values[4])
    costs = b.sample_cost.values
    assert np.isfinite(costs).all() and len(set(np.round(costs, 9))) == 5
    assert set(b.sample_route.values.ravel()) == {"gas_wall_boiler", "ashp"}  # the routes move


def a_table(folder):
    return robust.read_uncertainty(folder / "uncertainty.csv")


def test_resume_gives_the_same_dataset(tmp_path):
    """A run stopped after some samples (one file missing, one truncated as by a kill) and run
    again solves only those two and gives the dataset of an uninterrupted run."""
    folder = region(tmp_path, UNCERTAIN, zones=3)
    whole, _ = run(folder, tmp_path / "whole", 4)
    out = tmp_path / "part"
    run(folder, out, 4)
    robust.sample_path(out, 1).unlink()
    p = robust.sample_path(out, 3)
    p.write_bytes(p.read_bytes()[:200])
    again, report = run(folder, out, 4)
    assert sorted(report.solved) == [1, 3] and sorted(report.skipped) == [0, 2]
    for name in whole.data_vars:
        xr.testing.assert_identical(whole[name], again[name])
    ignore = {"created"}
    assert {k: v for k, v in whole.attrs.items() if k not in ignore} == {k: v for k, v in again.attrs.items()
                                                                         if k not in ignore}


def test_table_errors_name_row_and_column(tmp_path):
    folder = region(tmp_path, "gas_price,lognormal,1,0.1,,factor,assumption: test\n"
                              "electricity_price,normal,0.5,-1,,value,assumption: test\n"
                              "routes[nope].efficiency,uniform,1,2,,factor,\n"
                              "gas_price,uniform,1,2,,percent,assumption: test\n")
    data = load_region(folder, year=YEAR)
    with pytest.raises(InputError) as exc:
        robust.read_uncertainty(folder / "uncertainty.csv", data)
    text = exc.value.message()
    for part in ("row 2, column 'distribution': 'lognormal' is not one of normal, uniform, triangular",
                 "row 3, column 'b': the standard deviation must be >= 0", "row 4, column 'parameter'",
                 "row 4, column 'source': empty", "row 5, column 'parameter': 'gas_price' is listed twice",
                 "row 5, column 'applies'"):
        assert part in text, (part, text)


def test_cli_serial_end_to_end_and_bad_table_exit_2(tmp_path, capsys):
    folder = region(tmp_path, UNCERTAIN)
    out = tmp_path / "res"
    base = ["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out)]
    assert robust_main(base + ["--samples", "3", "--seed", "7", "--serial"]) == 0
    path = out / "r" / "2022" / "robust_seed7.nc"
    assert f"wrote {path}" in capsys.readouterr().out
    with xr.open_dataset(path) as ds:
        assert ds.sizes["sample"] == 3 and ds.attrs["robust_seed"] == 7 and ds.sample_cost.attrs["units"]
    (folder / "uncertainty.csv").write_text(HEADER + "gas_price,normal,1,x,,factor,assumption\n", encoding="utf-8")
    assert robust_main(base + ["--samples", "3", "--name", "bad", "--serial"]) == 2
    err = capsys.readouterr().err
    assert "uncertainty.csv, row 2, column 'b'" in err and "Traceback" not in err
    assert not (out / "r" / "2022" / "robust_bad").exists()


def test_dask_workers_give_the_serial_samples(tmp_path):
    """The samples on a LocalCluster worker (the sweeps' Dask layer) are those solved in-process."""
    folder = region(tmp_path, UNCERTAIN)
    data, spec, base_cost = spec_of(folder)
    serial, _ = run(folder, tmp_path / "serial", 2)
    report = robust.run_samples(data, spec, 2, tmp_path / "dask", workers=1)
    assert sorted(report.solved) == [0, 1] and report.times["worker_memory_mb"]
    on_dask = robust.robust_dataset(data, spec, 2, tmp_path / "dask", base_cost)
    for name in ("sample_value", "sample_cost", "base_cost", "sample_route"):
        xr.testing.assert_identical(serial[name], on_dask[name])


def test_report_py_reports_a_monte_carlo_file(tmp_path, capsys):
    """report.py on robust.py's combined file writes its report (tests/test_report_robust.py checks
    what it says) beside it."""
    import json

    from model.report.cli import main as report_main

    folder = region(tmp_path, UNCERTAIN)
    out = tmp_path / "res"
    assert robust_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out), "--samples", "1",
                        "--serial"]) == 0
    path = out / "r" / "2022" / "robust_seed0.nc"
    assert report_main([str(path)]) == 0
    report = path.with_name("robust_seed0.report")
    assert f"wrote {report}/report.html" in capsys.readouterr().out
    assert "robust_villages" in json.loads((report / "report.json").read_text(encoding="utf-8"))["tables"]


def test_samples_at_a_loose_gap_run_without_presolve(tmp_path):
    """The samples' options: presolve off from robust.LOOSE_GAP on, HiGHS's own below it, the
    caller's choice kept; run() hands the option to HiGHS and leaves it alone when None. The
    plan at either setting is the exact one here."""
    from dataclasses import replace

    from model.build import standard_form
    from model.horizon import prepare_horizon
    from model.pipeline import model_families
    from model.prepare import resolve_overrides
    from model.solve import compile_standard, run as run_model

    folder = region(tmp_path, UNCERTAIN)
    data, spec, _ = spec_of(folder)
    assert replace(spec, sample_gap=robust.LOOSE_GAP).sample_options.presolve == "off"
    assert replace(spec, sample_gap=robust.LOOSE_GAP / 2).sample_options.presolve is None
    on = replace(spec, options=replace(spec.options, presolve="on"), sample_gap=0.01)
    assert on.sample_options.presolve == "on" and on.sample_options.mip_gap == 0.01
    hz = prepare_horizon(data, [YEAR], resolve_overrides(data, [], {}))
    comp = compile_standard(standard_form(hz, families=model_families(data)), EXACT)
    with_presolve = run_model(comp, EXACT).objective
    assert comp.highs.getOptionValue("presolve")[1] == "choose"
    assert run_model(comp, replace(EXACT, presolve="off")).objective == pytest.approx(with_presolve)
    assert comp.highs.getOptionValue("presolve")[1] == "off"
    run_model(comp, EXACT)
    assert comp.highs.getOptionValue("presolve")[1] == "off"  # None: left as the caller set it
