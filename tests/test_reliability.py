"""Reliability: solver faults, killed runs, atomic results, determinism, inputs only read.

Exit codes (model/errors.py): 0 plan written (optimal, or stopped early with its gap stated),
2 bad input, 3 stopped before any feasible plan, 4 infeasible, 5 HiGHS failed,
6 plan found but not writable, 130 interrupted.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import highspy
import numpy as np
import pytest
import xarray as xr

import factory as f
from model import results
from model.cli import main
from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_NO_SOLUTION, EXIT_SOLVER, EXIT_WRITE

REPO = Path(__file__).resolve().parents[1]
YEAR = 2022


def random_region(n: int, seed: int = 0, n_groups: int = 20, budget_per_household: float = 0.9) -> dict:
    """n rural/urban zones in one county that compete for a gas cap (half of what all-gas would
    need), a subsidy budget and 20 transformer groups: a multi-knapsack HiGHS cannot close to a
    zero gap quickly, while rounding heuristics find a first plan within a fraction of a second.

    Gas per zone: the factory's 0.12 (10^4 m3) per 200 m2, so all-gas needs area/0.02*0.12.
    Subsidies per household (10^4 yuan): gas 0.5 + 0.05/a, ASHP 0.8 + 0.08/a, storage heater
    0.3 + 0.06/a; a budget of 0.9 per household (default) keeps some zones off the dearest route.
    """
    rng = np.random.default_rng(seed)
    zones = []
    for i in range(n):
        hh = int(rng.integers(20, 400))
        zones.append(f.zone(f"Z{i:05d}", households=hh, floor_area_10k_m2=round(hh * rng.uniform(60, 120) / 1e4, 4),
                            gas_network=int(rng.random() < 0.7), transformer_group=f"T{i % n_groups}",
                            area_type="rural" if rng.random() < 0.8 else "urban"))
    routes = [f.route("scattered_coal"), f.route("quality_coal", capex_hh=500.0),
              f.route("gas_wall_boiler", capex_hh=12000.0, sub_eq=5000.0, sub_run=500.0),
              f.route("ashp", capex_hh=25000.0, sub_eq=8000.0, sub_run=800.0),
              f.route("storage_heater", capex_hh=8000.0, sub_eq=3000.0, sub_run=600.0)]
    groups = [f.transformer(f"T{g}", capacity_kva=float(rng.uniform(200, 2000)), upgrade_unit_kva=400.0,
                            upgrade_unit_capex_yuan=160000.0, max_upgrade_units=50) for g in range(n_groups)]
    area = sum(z["floor_area_10k_m2"] for z in zones)
    households = sum(z["households"] for z in zones)
    return f.tables(zones=zones, routes=routes, transformers=groups,
                    years={"gas_annual_cap_10k_m3": area / 0.02 * 0.12 * 0.5,
                           "subsidy_budget_10k_yuan": households * budget_per_household},
                    coverage=[dict(year=YEAR, area_type="all", terrain="all", min_clean_share=0.9, source=f.SRC)])


def cli(folder, out, *extra, region="r"):
    return main(["--year", str(YEAR), "--region", region, "--inputs", str(folder), "--out", str(out), *extra])


def script(*args, **kw):
    return subprocess.Popen([sys.executable, str(REPO / "scripts" / "solve.py"), *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def region300(tmp_path_factory):
    return f.write_region(tmp_path_factory.mktemp("r300") / "inp", random_region(300))


# ---------------------------------------------------------------- solver faults

def test_no_incumbent_within_time_limit_exits_3(region300, tmp_path, capsys):
    """--time-limit 1e-9 (0 is refused as an option): HiGHS stops before any plan; exit 3, plain
    words, nothing written."""
    rc = cli(region300, tmp_path / "res", "--time-limit", "1e-9")
    err = capsys.readouterr().err
    assert rc == EXIT_NO_SOLUTION
    assert "before finding any feasible plan" in err and "--time-limit" in err
    assert "Traceback" not in err
    assert not (tmp_path / "res").exists()


def test_time_limit_with_incumbent_returns_plan_and_gap(region300, tmp_path, capsys):
    """Gap 0 on a 300-zone multi-knapsack: a first plan within ~0.1 s of search, no proof of
    optimality in 20 s (measured): a 3 s limit returns the best plan, status time_limit, its gap
    (> 0) stated, a warning on stderr, exit 0 -- and the plan meets the caps."""
    rc = cli(region300, tmp_path / "res", "--time-limit", "3", "--gap", "0")
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "warning: HiGHS stopped early (time_limit" in out.err
    assert "status time_limit" in out.out
    with xr.open_dataset(tmp_path / "res" / "r" / str(YEAR) / "base.nc") as ds:
        assert ds.attrs["status"] == "time_limit"
        assert 0 < ds.attrs["mip_gap"] < 0.05
        assert float(ds.gas_annual) <= float(ds.gas_annual_cap) * (1 + 1e-9)
        assert float(ds.subsidy_equipment + ds.subsidy_running) <= float(ds.subsidy_budget) * (1 + 1e-9)


def test_highs_error_exit_5_in_plain_words(tmp_path, capsys, monkeypatch):
    """A HiGHS run that returns an error with no solution: exit 5, a plain sentence, no traceback."""
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))
    monkeypatch.setattr(highspy.Highs, "solve", lambda self: highspy.HighsStatus.kError)  # model.solve.run calls solve()
    rc = cli(folder, tmp_path / "res")
    err = capsys.readouterr().err
    assert rc == EXIT_SOLVER
    assert "HiGHS failed" in err and "not a problem in your inputs" in err
    assert "Traceback" not in err and not (tmp_path / "res").exists()


def test_highs_refusing_the_model_exit_5(tmp_path, capsys, monkeypatch):
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))
    monkeypatch.setattr(highspy.Highs, "passModel", lambda self, lp: highspy.HighsStatus.kError)
    assert cli(folder, tmp_path / "res") == EXIT_SOLVER
    assert "HiGHS refused the model" in capsys.readouterr().err


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path, capsys, monkeypatch):
    import model.pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(model.pipeline, "solve_region", interrupted)
    folder = f.write_region(tmp_path / "inp", f.tables())
    assert cli(folder, tmp_path / "res") == EXIT_INTERRUPTED
    assert "interrupted: nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("args, word", [(["--time-limit", "-1"], "--time-limit"), (["--gap", "nan"], "--gap"),
                                        (["--threads", "0"], "--threads"), (["--year", "20x2"], "--year")])
def test_bad_options_exit_2(tmp_path, capsys, args, word):
    folder = f.write_region(tmp_path / "inp", f.tables())
    argv = ["--year", str(YEAR), "--inputs", str(folder), "--out", str(tmp_path / "res")]
    with pytest.raises(SystemExit) as exc:
        main(argv + args)  # argparse: usage line and the bad option, exit code 2
    assert exc.value.code == EXIT_INPUT
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err and not (tmp_path / "res").exists()


@pytest.mark.parametrize("setting, rule", [
    ("gas_price=abc", "'abc' is not a number"), ("gas_price=nan", "is not a finite number"),
    ("gas_price=-1", "must be >= 0"), ("discount_rate=6", "write 0.06 or 6%"),
    ("power_factor=0", "outside the plausible range"), ("subsidy_budget_10k_yuan=inf", "not a finite number"),
])
def test_bad_set_value_exit_2(tmp_path, capsys, setting, rule):
    folder = f.write_region(tmp_path / "inp", f.tables())
    assert cli(folder, tmp_path / "res", "--set", setting) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"--set, column '{setting.split('=')[0]}'" in err and rule in err
    assert not (tmp_path / "res").exists()


def test_out_is_a_file_exit_2_before_solving(tmp_path, capsys):
    folder = f.write_region(tmp_path / "inp", f.tables())
    (tmp_path / "res").write_text("not a folder")
    assert cli(folder, tmp_path / "res" / "sub") == EXIT_INPUT
    assert "--out: results cannot be written" in capsys.readouterr().err


# ---------------------------------------------------------------- atomic results

def _earlier_result(tmp_path, region="r"):
    """A finished result at <out>/<region>/2022/base.nc from a one-zone region."""
    folder = f.write_region(tmp_path / "small", f.tables())
    assert cli(folder, tmp_path / "res", region=region) == 0
    d = tmp_path / "res" / region / str(YEAR)
    return d, {p.name: p.read_bytes() for p in d.iterdir()}


def test_write_failure_exit_6_keeps_earlier_result(tmp_path, capsys, monkeypatch):
    """Disk full while writing the NetCDF: exit 6, earlier pair untouched, no temp file left."""
    d, before = _earlier_result(tmp_path)
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))

    def disk_full(ds, path):
        Path(path).write_bytes(b"\x89HDF partial")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(results, "to_netcdf", disk_full)
    capsys.readouterr()
    assert cli(folder, tmp_path / "res") == EXIT_WRITE
    err = capsys.readouterr().err
    assert "No space left on device" in err and "earlier result there is unchanged" in err
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before


def test_kill_during_solve_leaves_no_partial_file(region300, tmp_path):
    """SIGKILL while a 300-zone run is busy (reading, building or solving; its solve alone would
    take 60 s): the earlier result is byte-identical and nothing else is in the folder."""
    d, before = _earlier_result(tmp_path)
    p = script("--year", str(YEAR), "--region", "r", "--inputs", str(region300), "--out", str(tmp_path / "res"),
               "--gap", "0", "--time-limit", "60")
    time.sleep(5.0)
    assert p.poll() is None, p.communicate()
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert {q.name: q.read_bytes() for q in d.iterdir()} == before


SLOW_WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    import model.results
    real = model.results.to_netcdf
    def slow(ds, path):
        real(ds, path)
        print("WRITTEN", path, flush=True)
        time.sleep(120)  # killed here: the temp file is complete, the rename has not happened
    model.results.to_netcdf = slow
    from model.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_kill_during_write_then_next_run_cleans_up(tmp_path):
    """SIGKILL inside the NetCDF write: the earlier .nc and .plan.csv are byte-identical, the
    only leftover is a hidden '.base.nc.<host>-<pid>.*.tmp' that '*.nc' does not match, and the
    next run removes it (its owner is dead) and writes the new result."""
    d, before = _earlier_result(tmp_path)
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITER.format(repo=str(REPO)), "--year", str(YEAR), "--region",
                          "r", "--inputs", str(folder), "--out", str(tmp_path / "res")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = p.stdout.readline()
    assert line.startswith("WRITTEN"), p.stderr.read()
    p.kill()
    p.communicate(timeout=30)
    assert {q.name: q.read_bytes() for q in d.iterdir() if not q.name.endswith(".tmp")} == before
    leftovers = [q for q in d.iterdir() if q.name.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".base.nc.") and str(p.pid) in leftovers[0].name
    assert sorted(q.name for q in d.glob("*.nc")) == ["base.nc"]
    assert cli(folder, tmp_path / "res") == 0
    assert sorted(q.name for q in d.iterdir()) == ["base.nc", "base.plan.csv"]
    with xr.open_dataset(d / "base.nc") as ds:
        assert ds.sizes["zone"] == 2


def test_stale_temp_cleanup_spares_live_writers(tmp_path):
    """Only temps whose owner is gone are removed: a dead pid on this host, or another host's
    file older than a day; a live writer's temp and a young foreign one are kept."""
    import socket
    target = tmp_path / "base.nc"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    names = {
        "dead": f".base.nc.{host}-{dead.pid}.abc123.tmp",
        "live": f".base.nc.{host}-{os.getpid()}.def456.tmp",
        "foreign_young": ".base.nc.otherhost-1234.ghi789.tmp",
        "foreign_old": ".base.nc.otherhost-1235.jkl012.tmp",
        "other_file": f".plan.nc.{host}-{dead.pid}.mno345.tmp",
    }
    for n in names.values():
        (tmp_path / n).write_bytes(b"x")
    old = time.time() - results.STALE_TEMP_S - 60
    os.utime(tmp_path / names["foreign_old"], (old, old))
    removed = {q.name for q in results.clean_stale_temps(target)}
    assert removed == {names["dead"], names["foreign_old"]}
    assert {q.name for q in tmp_path.iterdir()} == {names["live"], names["foreign_young"], names["other_file"]}


def test_inputs_are_only_read(tmp_path, capsys):
    """A run (and a failed one) leaves every input file's bytes and mtime as they were."""
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]),
                            {"dear_gas": {"description": "x", "set": {"gas_price": 3.0}}})

    def snapshot():
        return {q.name: (q.read_bytes(), q.stat().st_mtime_ns) for q in sorted(folder.iterdir())}
    before = snapshot()
    assert cli(folder, tmp_path / "res", "--scenario", "dear_gas") == 0
    assert cli(folder, tmp_path / "res", "--set", "gas_price=x") == EXIT_INPUT
    assert snapshot() == before


# ---------------------------------------------------------------- determinism

def test_same_inputs_same_bytes(tmp_path):
    """Two runs of one 300-zone case (solved to the default gap in ~4 s: the budget does not bind;
    gas caps, transformer upgrades and coverage do): every data variable and coordinate
    byte-identical, the attributes equal except timings and the creation time, plan CSVs identical.
    The binding gas cap's MIP value too (its re-solves stop at a node limit: 100 nodes keep the
    test short)."""
    folder = f.write_region(tmp_path / "inp", random_region(300, seed=7, n_groups=8, budget_per_household=10))
    paths = []
    for run in ("a", "b"):
        assert cli(folder, tmp_path / run, "--marginal-nodes", "100") == 0
        paths.append(tmp_path / run / "r" / str(YEAR) / "base.nc")
    with xr.open_dataset(paths[0]) as a, xr.open_dataset(paths[1]) as b:
        assert a.attrs["status"] == "optimal"
        assert np.isfinite(a.marginal_value.values).any()
        assert set(a.data_vars) == set(b.data_vars) and set(a.coords) == set(b.coords)
        for v in list(a.data_vars) + list(a.coords):
            assert a[v].dtype == b[v].dtype, v
            va, vb = a[v].values, b[v].values
            if va.dtype == object:  # strings (read back from character arrays): their characters
                va, vb = va.astype(str), vb.astype(str)
            assert va.tobytes() == vb.tobytes(), v
            assert a[v].attrs == b[v].attrs, v
        volatile = {k for k in a.attrs if k.startswith("time_") or k == "created"}
        assert {k: v for k, v in a.attrs.items() if k not in volatile} == \
            {k: v for k, v in b.attrs.items() if k not in volatile}
        assert a.attrs["inputs_hash"] == b.attrs["inputs_hash"]
    assert paths[0].with_suffix(".plan.csv").read_bytes() == paths[1].with_suffix(".plan.csv").read_bytes()


def test_strings_are_written_as_characters_and_read_back_unchanged(tmp_path):
    """to_netcdf stores strings as NetCDF character arrays (half the size and time of HDF5
    variable-length strings on a sweep); xarray reads back the same dataset: Chinese, empty
    strings, object arrays of strings, an empty dimension. An object array holding a NaN and a
    variable with an encoding of its own are written as xarray would."""
    import netCDF4

    ds = xr.Dataset({"route": (("p", "zone"), np.array([["ashp", ""], ["燃气壁挂炉", "chp_dh"]])),
                     "name_zh": ("zone", np.array(["县城", ""], dtype=object)),
                     "mixed": ("zone", np.array(["a", np.nan], dtype=object)),
                     "own": ("zone", np.array(["x", "y"]), {}, {"dtype": str}),
                     "none": ("k", np.array([], dtype=str)), "x": ("zone", np.array([1.5, 2.0]))},
                    coords={"zone": ["Z1", "Z2"], "p": [2.0, 2.5]}, attrs={"title": "t"})
    path = tmp_path / "s.nc"
    results.to_netcdf(ds, path)
    with netCDF4.Dataset(str(path)) as nc:
        kinds = {n: nc[n].dtype for n in ("route", "name_zh", "zone", "mixed", "own")}
    assert kinds["route"] == kinds["name_zh"] == kinds["zone"] == np.dtype("S1")
    assert kinds["mixed"] is str and kinds["own"] is str  # variable-length, as before
    back = xr.load_dataset(path)
    assert back.route.values.tolist() == [["ashp", ""], ["燃气壁挂炉", "chp_dh"]]
    assert back.attrs == {"title": "t"} and back.route.dims == ("p", "zone")
    for name in ("route", "name_zh", "zone", "own", "none", "x", "p"):
        assert back[name].values.tolist() == ds[name].values.tolist(), name
    assert ds.route.encoding == {}  # the caller's dataset is not touched


def test_a_search_stopped_without_a_bound_reports_no_gap_not_zero():
    """HiGHS gives no finite gap both for an LP (exact: 0) and for a search stopped before it had a
    bound (a sweep point whose goal stage used the time: gap unknown). Only the first may read as 0."""
    from model.solve import reported_gap

    assert reported_gap("optimal", float("inf")) == 0.0
    assert reported_gap("time_limit", float("inf")) == float("inf")
    assert reported_gap("time_limit", 1.3e-4) == 1.3e-4
    assert reported_gap("optimal", -1e-12) == 0.0
