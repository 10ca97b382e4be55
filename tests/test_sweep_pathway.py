"""Sweeps over a pathway (`sweep.py --from`, model/sweep_pathway.py) on tiny two-year regions.

Factory numbers (tests/test_pathway.py): a zone heats with gas for 1,200 m^3 a season (at
g yuan/m^3: 0.12 g 10^4 yuan/a) or with an ASHP for 0.30; every zone converts in 2021 (full
coverage), discount rate 0, so the pathway costs 2 zones x 2 years x the route's cost: 0.96 at
g = 2.0 (gas), 1.20 at g = 3.0 (ASHP: gas would cost 1.44).
"""
import numpy as np
import pytest
import xarray as xr

import factory as f
from model.pipeline import solve_data
from model.prepare import resolve_overrides
from model.solve import SolveOptions
from model.sweep_cli import main as sweep_main
from model.sweep_grid import Grid, point_stem
from model.sweep_pathway import PathwaySweep, run_pathway_sweep
from model.validate import load_region
from test_pathway import two_years

EXACT = SolveOptions(mip_gap=0.0)


def region(tmp_path, zones=2):
    return two_years(tmp_path / "inp", zones=[f.zone(f"Z{i}") for i in range(1, zones + 1)])


def run(folder, out, prices=(2.0, 2.5, 3.0), **kw):
    data = load_region(folder, 2022)
    grid = Grid(("gas_price",), (tuple(prices),))
    return data, grid, run_pathway_sweep(data, grid, PathwaySweep(2022, 2021, (), EXACT), out, serial=True, **kw)


def test_known_answer_and_each_point_is_the_pathway_solved_alone(tmp_path):
    """Gas at 2.0 and 2.5 (0.96, 1.20 = ASHP's 1.20: a tie broken either way at 2.5), ASHP at 3.0;
    every point's cost, routes and yearly figures are those of the pathway solved at its value."""
    folder = region(tmp_path)
    data, grid, rep = run(folder, tmp_path / "res")
    ds = rep.dataset
    assert ds.sizes["point"] == 3 and ds.year.values.tolist() == [2021, 2022]
    assert ds.gas_price.values.tolist() == [2.0, 2.5, 3.0] and ds.gas_price.attrs["units"].startswith("yuan")
    assert ds.objective.values.tolist() == pytest.approx([0.96, 1.20, 1.20])
    assert ds.chosen_route.values[0].tolist() == ["gas_wall_boiler"] * 2
    assert ds.chosen_route.values[2].tolist() == ["ashp"] * 2
    assert ds.point_status.values.tolist() == ["optimal"] * 3
    assert ds.households_converted.sel(route="ashp").values[2].tolist() == [2.0, 0.0]
    for j, g in enumerate(grid.values[0]):
        alone = solve_data(data, 2022, resolve_overrides(data, [], {"gas_price": g}), EXACT, from_year=2021).dataset
        assert float(ds.objective[j]) == pytest.approx(float(alone.objective), rel=1e-12)
        for name in ("gas_annual", "investment", "clean_households"):
            np.testing.assert_allclose(ds[name].values[j], alone[name].values)
    assert ds.objective.attrs["units"] and ds.gas_annual.attrs["units"]
    assert rep.combined_path.name == "sweep_gas_price_from2021.nc" and rep.combined_path.exists()


def test_zones_that_change_route_or_year_between_points(tmp_path):
    """Gas at 2.0, 3.0, 3.5: both zones leave gas for ASHP between 2.0 and 3.0 and stay; none
    changes its conversion year (full coverage from 2021). On a grid (electricity price x gas
    price) the count restarts on each line of the last swept input."""
    folder = region(tmp_path)
    _, _, rep = run(folder, tmp_path / "res", prices=(2.0, 3.0, 3.5))
    assert rep.dataset.zones_route_changed.values.tolist() == [-1, 2, 0]
    assert rep.dataset.zones_year_changed.values.tolist() == [-1, 0, 0]
    data = load_region(folder, 2022)
    grid = Grid(("electricity_price", "gas_price"), ((0.5, 0.6), (2.0, 3.0)))
    ds = run_pathway_sweep(data, grid, PathwaySweep(2022, 2021, (), EXACT), tmp_path / "grid", serial=True).dataset
    # ASHP 0.30 at 0.5 yuan/kWh, 0.36 at 0.6; gas 0.24 at 2.0, 0.36 at 3.0 (a tie at 0.6 x 3.0)
    assert ds.zones_route_changed.values[[0, 2]].tolist() == [-1, -1]
    assert ds.zones_route_changed.values[1] == 2


def test_resume_solves_only_the_missing_points(tmp_path):
    """A point file deleted and one truncated (as by a kill): the same sweep solves those two
    only and combines to the same figures."""
    folder = region(tmp_path)
    out = tmp_path / "res"
    _, _, whole = run(folder, out)
    (whole.folder / f"{point_stem({'gas_price': 2.0})}.nc").unlink()
    p = whole.folder / f"{point_stem({'gas_price': 3.0})}.nc"
    p.write_bytes(p.read_bytes()[:100])
    _, _, again = run(folder, out)
    assert sorted(again.solved) == sorted([point_stem({"gas_price": 2.0}), point_stem({"gas_price": 3.0})])
    assert again.skipped == [point_stem({"gas_price": 2.5})]
    for name in ("objective", "chosen_route", "households_converted", "gas_annual", "point_status"):
        xr.testing.assert_identical(whole.dataset[name], again.dataset[name])
    # another gap is another sweep's point: solved again
    data = load_region(folder, 2022)
    grid = Grid(("gas_price",), ((2.0, 2.5, 3.0),))
    loose = run_pathway_sweep(data, grid, PathwaySweep(2022, 2021, (), SolveOptions(mip_gap=1e-3)), out, serial=True)
    assert len(loose.solved) == 3 and not loose.skipped


def test_infeasible_point_is_recorded_and_the_others_kept(tmp_path):
    """A subsidy budget of 0 with a route that needs equipment subsidy and full coverage: no
    plan at that point (status infeasible, NaN figures); the other point has its plan."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0)]
    folder = two_years(tmp_path / "inp", zones=[f.zone("Z1")], routes=routes)
    data = load_region(folder, 2022)
    grid = Grid(("subsidy_budget_10k_yuan",), ((0.0, 100.0),))
    rep = run_pathway_sweep(data, grid, PathwaySweep(2022, 2021, (), EXACT), tmp_path / "res", serial=True)
    ds = rep.dataset
    assert ds.point_status.values.tolist() == ["infeasible", "optimal"]
    assert np.isnan(float(ds.objective[0])) and np.isfinite(float(ds.objective[1]))
    assert ds.attrs["points_infeasible"] == 1 and not rep.failed


def test_cli_end_to_end_and_flags_it_refuses(tmp_path, capsys):
    folder = region(tmp_path)
    out = tmp_path / "res"
    base = ["--year", "2022", "--from", "2021", "--region", "tiny", "--inputs", str(folder), "--out", str(out)]
    assert sweep_main(base + ["--gas-price", "2.0,3.0", "--serial"]) == 0
    text = capsys.readouterr().out
    assert "households_2021" in text and "pathway sweep 2021-2022: 2 points, 2 solved now" in text
    combined = out / "tiny" / "2022" / "sweep_gas_price_from2021.nc"
    with xr.open_dataset(combined) as ds:
        assert ds.objective.values.tolist() == pytest.approx([0.96, 1.20])
    from model.report.cli import main as report_main

    assert report_main([str(combined)]) == 0  # its report: tests/test_report_pathway_sweep.py
    assert (combined.with_name(combined.stem + ".report") / "report.html").exists()
    capsys.readouterr()
    assert sweep_main(base + ["--gas-price", "2.0,3.0", "--serial", "--solve-all", "--name", "x"]) == 2
    err = capsys.readouterr().err
    assert "--solve-all" in err and "not taken with --from" in err and "Traceback" not in err
    assert not (out / "tiny" / "2022" / "sweep_x_from2021").exists()
    assert sweep_main(base[:2] + ["--from", "2023"] + base[4:] + ["--gas-price", "2.0", "--serial"]) == 2
    assert "--from" in capsys.readouterr().err
    # bad values and names stop the sweep before any solve, naming the flag and the rule
    for flags, words in ((["--set", "nope=1,2"], ("--set, column 'nope': unknown parameter",)),
                         (["--gas-price=-1,2"], ("--gas-price", ">= 0")),
                         (["--from", "2019", "--gas-price", "2.0"], ("years.csv", "2019, 2020"))):
        args = base + ["--serial", "--name", "bad"] + flags
        assert sweep_main(args) == 2, flags
        err = capsys.readouterr().err
        assert all(w in err for w in words) and "Traceback" not in err, (flags, err)
        assert not list((out / "tiny" / "2022").glob("sweep_bad*")), flags


def test_dask_worker_gives_the_serial_points(tmp_path):
    """The points as Dask tasks (`dask_layer.run_tasks`, one LocalCluster worker) are those
    solved in this process."""
    pytest.importorskip("distributed")
    folder = region(tmp_path)
    _, _, serial = run(folder, tmp_path / "serial", prices=(2.0, 3.0))
    data = load_region(folder, 2022)
    grid = Grid(("gas_price",), ((2.0, 3.0),))
    rep = run_pathway_sweep(data, grid, PathwaySweep(2022, 2021, (), EXACT), tmp_path / "dask", workers=1)
    assert len(rep.solved) == 2
    for name in ("objective", "chosen_route", "households_converted", "gas_annual"):
        xr.testing.assert_identical(serial.dataset[name], rep.dataset[name])


def test_a_point_that_cannot_be_written_exits_6_and_the_rest_resumes(tmp_path, capsys, monkeypatch):
    """Writing the second point fails (permission denied, injected): exit 6 naming its file, no
    traceback, the first point's file whole; the same command then solves only the second."""
    import model.sweep_pathway as sp

    folder = region(tmp_path)
    out = tmp_path / "res"
    points = out / "tiny" / "2022" / "sweep_gas_price_from2021"
    args = ["--year", "2022", "--from", "2021", "--region", "tiny", "--inputs", str(folder), "--out", str(out),
            "--gas-price", "2.0,3.0", "--serial"]
    real, calls = sp.write_point, []

    def second_fails(path, *a):
        calls.append(path)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied", str(path))
        real(path, *a)

    monkeypatch.setattr(sp, "write_point", second_fails)
    assert sweep_main(args) == 6
    err = capsys.readouterr().err
    assert "Traceback" not in err and "point_gas_price=3" in err
    assert [p.name for p in points.glob("*.nc")] == ["point_gas_price=2.nc"]
    monkeypatch.setattr(sp, "write_point", real)
    assert sweep_main(args) == 0
    assert "1 solved now, 1 done earlier" in capsys.readouterr().out


def test_places_kept_once_and_an_older_point_file_still_combines(tmp_path):
    """Each zone's county and households and each route's category are coordinates of the
    combined file, once (not per point); a point file written before they were kept (rewritten
    here without them, its identity intact) is not solved again, and the combined file then
    leaves them out instead of failing."""
    from model.sweep_pathway import PLACE_VARIABLES, combine, read_point, write_point

    folder = region(tmp_path, zones=3)
    data, grid, rep = run(folder, tmp_path / "res")
    ds = rep.dataset
    zones = data.tables["zones"].set_index("zone_id").loc[ds.zone.values.astype(str)]
    assert ds.zone_county.dims == ("zone",) and ds.zone_county.values.tolist() == zones["county_id"].astype(str).tolist()
    np.testing.assert_array_equal(ds.zone_households.values, zones["households"].to_numpy(dtype=float))
    assert "route_category" in ds.coords and "county_name_zh" in ds.coords

    spec = PathwaySweep(2022, 2021, (), EXACT)
    path = rep.folder / f"{point_stem({'gas_price': 2.5})}.nc"
    old = read_point(path, data, spec, {"gas_price": 2.5})
    attrs = dict(old.attrs)
    stripped = old.drop_vars([*PLACE_VARIABLES, "route_category"])
    from model.sweep_pathway import PathwayPoint

    write_point(path, data, spec, PathwayPoint({"gas_price": 2.5}, attrs["point_status"], stripped))
    again = run(folder, tmp_path / "res")[2]
    assert point_stem({"gas_price": 2.5}) in again.skipped and not again.solved
    both = combine(data, grid, spec, rep.folder)
    assert "zone_county" not in both.variables and "route_category" not in both.variables
    np.testing.assert_allclose(both.objective.values, ds.objective.values)
