"""Hostile inputs, signals and paths (issue 23).

Every attack must end with exit code 2 (bad input), 6 (cannot write) or 130 (interrupted), a
clear message and no traceback, with nothing written outside --out and an earlier result left
byte for byte as it was. Classes: paths, encodings, sizes, ranges, cross-field rules, signals,
concurrency, disk full. The regions are the factory's tiny ones; the signal and concurrency
tests start the real scripts and send real signals.
"""
from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import xarray as xr
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factory as f
from model import paths, results, safe_yaml
from model.cli import main as solve_main
from model.cli import solve_parser
from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_WRITE, InputError
from model.prepare import prepare, resolve_overrides
from model.validate import TEMPERATURES, load_region, load_scenarios

REPO = Path(__file__).resolve().parents[1]
YEAR = 2022
HYPO = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# helpers

def two_zones() -> dict:
    return f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)])


def files(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes): what a run left anywhere."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


def solve(capsys, folder, out, *extra, region="r") -> tuple[int, str]:
    """scripts/solve.py in this process: (exit code, stderr); argparse's exits count as codes."""
    try:
        rc = solve_main(["--year", str(YEAR), "--region", region, "--inputs", str(folder), "--out", str(out), *extra])
    except SystemExit as exc:
        rc = exc.code
    return rc, capsys.readouterr().err


def sweep(capsys, folder, out, *extra, region="r") -> tuple[int, str]:
    from model.sweep import main

    try:
        rc = main(["--year", str(YEAR), "--region", region, "--inputs", str(folder), "--out", str(out), *extra])
    except SystemExit as exc:
        rc = exc.code
    return rc, capsys.readouterr().err


def clear_error(err: str) -> None:
    """An error a user can read: one line starting 'error:' (argparse's '<prog>: error:'), the
    problems listed under it, and no traceback (progress lines of a sweep may come before)."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:") or ": error: " in line]
    assert len(lines) == 1, err


def script(name: str, *args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(REPO / "scripts" / f"{name}.py"), *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    return f.write_region(tmp_path_factory.mktemp("hostile") / "inp", two_zones())


@pytest.fixture
def earlier(tmp_path, region, capsys) -> tuple[Path, dict[str, bytes]]:
    """A finished result in <tmp>/res/r/2022: (results folder, its files)."""
    out = tmp_path / "res"
    assert solve(capsys, region, out)[0] == 0
    return out, files(out)


# ---------------------------------------------------------------------------------------------
# paths: a user-supplied name never becomes a path outside --out

PATHY = st.text(alphabet=st.sampled_from(list("./\\~-_ :*?aZ9\x00\n\u202e\u200b高\udcff")), max_size=12) | st.text(max_size=30)


@HYPO
@given(name=PATHY)
def test_a_plain_name_is_one_component_inside_the_folder(name):
    """Property: a name that passes is a single path component below --out (no separator, no
    '..', nothing absolute, nothing hidden), and its file name with the longest suffix and the
    temp-file decoration stays within 255 bytes."""
    if paths.name_problem(name) is not None:
        return
    out = Path("/results")
    target = Path(os.path.normpath(out / name))
    assert target.parent == out and target.name == name
    assert not name.startswith(".") and "/" not in name and "\\" not in name and "\x00" not in name
    decorated = f".{name}.diagnosis.nc.{'h' * 64}-4194304.abcdefgh.tmp"
    assert len(decorated.encode("utf-8")) <= 255


@pytest.mark.parametrize("name", ["../../../x", "/tmp/abs", "..", ".", ".hidden", "a/b", "a\\b", "", "x\x00y",
                                  "\u202eevil", "con", "-rf", "x" * 121, "高" * 41, "trailing."])
def test_names_that_are_paths_are_refused(name):
    assert paths.name_problem(name) is not None
    with pytest.raises(InputError):
        paths.result_file(Path("/out"), name, YEAR, "base")
    with pytest.raises(InputError):  # a result's stem (joined names) may be longer, but no less plain
        paths.result_file(Path("/out"), "r", YEAR, name * 2 if len(name.encode()) > paths.MAX_NAME_BYTES else name)


@pytest.mark.parametrize("flag, value", [("--region", "../../../escaped"), ("--region", "/tmp/escaped_abs"),
                                         ("--region", ".."), ("--scenario", "../../escaped"),
                                         ("--region", "a\u202eb")])
def test_solve_refuses_path_names_and_writes_nothing(tmp_path, region, capsys, flag, value):
    out = tmp_path / "deep" / "er" / "res"
    before = files(tmp_path)
    rc, err = solve(capsys, region, out, flag, value)
    assert rc == EXIT_INPUT
    clear_error(err)
    assert flag in err and "plain name" in err
    assert files(tmp_path) == before and not (tmp_path / "deep").exists()
    assert not Path("/tmp/escaped_abs").exists()


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/escaped_sweep", ".."])
def test_sweep_name_that_is_a_path_exit_2(tmp_path, region, capsys, name):
    before = files(tmp_path)
    rc, err = sweep(capsys, region, tmp_path / "res", "--serial", "--gas-price", "2,3", "--name", name)
    assert rc == EXIT_INPUT and "--name" in err and "plain name" in err
    clear_error(err)
    assert files(tmp_path) == before and not Path("/tmp/escaped_sweep").exists()


@pytest.mark.parametrize("scenarios", [
    {"../../../../escaped": {"set": {"gas_price": 3.0}}},
    {"sub/dir": {"set": {"gas_price": 3.0}}},
    {2022: {"set": {"gas_price": 3.0}}},
])
def test_scenario_names_in_yaml_must_be_plain(tmp_path, capsys, scenarios):
    folder = f.write_region(tmp_path / "inp", two_zones())
    (folder / "scenarios.yaml").write_text(yaml.safe_dump(scenarios), encoding="utf-8")
    name = str(next(iter(scenarios)))
    rc, err = solve(capsys, folder, tmp_path / "res", "--scenario", "base_case" if "/" in name else name)
    assert rc == EXIT_INPUT
    clear_error(err)
    assert "scenarios.yaml" in err and "plain name" in err
    assert not (tmp_path / "res").exists() and not (tmp_path / "escaped").exists()


@settings(HYPO, max_examples=12)
@given(name=st.text(min_size=1, max_size=16))
def test_any_region_name_either_refused_or_written_under_out(tmp_path_factory, capsys, name):
    """Property over arbitrary text as --region: exit 2, or exit 0 with every new file under --out."""
    base = tmp_path_factory.mktemp("anyname")
    folder = f.write_region(base / "inp", two_zones())
    before = files(base)
    rc, err = solve(capsys, folder, base / "res", region=name)
    after = files(base)
    new = set(after) - set(before)
    if rc == 0:
        assert new and all(p.startswith("res" + os.sep) for p in new), new
        assert (base / "res" / name / str(YEAR) / "base.nc").is_file()
    else:
        assert rc == EXIT_INPUT and not new
        clear_error(err)


def test_a_result_name_too_long_for_the_file_system_is_refused_before_solving(tmp_path, capsys):
    names = [f"scenario_{i:02d}_" + "x" * 30 for i in range(5)]
    folder = f.write_region(tmp_path / "inp", two_zones(), scenarios={n: {"set": {"gas_price": 2.0}} for n in names})
    rc, err = solve(capsys, folder, tmp_path / "res", "--scenario", ",".join(names))
    assert rc == EXIT_INPUT and "result name" in err and "bytes long" in err
    assert not (tmp_path / "res").exists()


# ---------------------------------------------------------------------------------------------
# encodings

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_scenarios_yaml_in_the_encodings_excel_and_notepad_save(tmp_path, capsys, encoding):
    """A Chinese scenario name, saved as UTF-8, UTF-8 with BOM, GBK or UTF-16: read the same."""
    folder = f.write_region(tmp_path / "inp", two_zones())
    text = "高气价:\n  description: 气价上涨到每立方米3元\n  set:\n    gas_price: 3.0\n"
    (folder / "scenarios.yaml").write_bytes(text.encode(encoding))
    rc, err = solve(capsys, folder, tmp_path / "res", "--scenario", "高气价")
    assert rc == 0, err
    with xr.open_dataset(tmp_path / "res" / "r" / str(YEAR) / "高气价.nc") as ds:
        assert ds.attrs["scenario"] == "高气价"


@settings(HYPO, max_examples=150)
@given(data=st.binary(max_size=400) | st.text(alphabet=st.sampled_from(list("ab:&*[]{}-|>!,'\" \n\t#%@`?高\x00")),
                                               max_size=200).map(lambda t: t.encode("utf-8")))
def test_scenarios_yaml_of_any_bytes_is_read_or_reported(tmp_path_factory, data):
    """Property: whatever bytes scenarios.yaml holds, reading it returns scenarios or reports
    problems naming the file; it never raises."""
    folder = tmp_path_factory.mktemp("yb")
    (folder / "scenarios.yaml").write_bytes(data)
    problems = []
    out = load_scenarios(folder, problems)
    assert isinstance(out, dict)
    for p in problems:
        assert p.file.endswith("scenarios.yaml")
        assert "\n" not in p.rule, p.rule
    if not problems:
        assert all(paths.name_problem(k) is None for k in out)


def test_undecodable_bytes_on_the_command_line_exit_2(tmp_path, region):
    """A region name with bytes that are not UTF-8 (a Latin-1 terminal): refused in one line."""
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", str(YEAR), "--inputs",
                        str(region), "--out", str(tmp_path / "res"), "--region", os.fsencode("r") + b"\xff"],
                       capture_output=True, cwd=REPO, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == EXIT_INPUT, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "U+DCFF" in err
    assert not (tmp_path / "res").exists()


# ---------------------------------------------------------------------------------------------
# sizes

YAML_ATTACKS = {
    "too_large": ("# padding\n" * 120_000, "larger than"),
    "alias_bomb_in_set": ("base: &v0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                          + "".join(f"l{i}: &v{i} [{', '.join([f'*v{i - 1}'] * 10)}]\n" for i in range(1, 9))
                          + "bomb:\n  set:\n    gas_price: *v8\n", "once its anchors and aliases are expanded"),
    "recursive_alias": ("loop: &l\n  set: *l\n", "refers to a block that contains it"),
    "deep_nesting": ("deep: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
    "huge_integer": ("big:\n  set:\n    gas_price: " + "9" * 5000 + "\n", "cannot be read"),
    "tab_indent": ("x:\n\tset: {gas_price: 3}\n", "line 2, column 1"),
}


@pytest.mark.parametrize("kind", sorted(YAML_ATTACKS))
def test_scenarios_yaml_beyond_its_limits_exit_2_quickly(tmp_path, capsys, kind):
    text, words = YAML_ATTACKS[kind]
    folder = f.write_region(tmp_path / "inp", two_zones())
    (folder / "scenarios.yaml").write_text(text, encoding="utf-8")
    t = time.perf_counter()
    rc, err = solve(capsys, folder, tmp_path / "res")
    assert time.perf_counter() - t < 20
    assert rc == EXIT_INPUT and "scenarios.yaml" in err and words in err, err
    clear_error(err)
    assert len(err.strip().splitlines()) == 2  # "error: 1 input problem(s):" and the problem
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("kind", ["endless device", "pipe with no writer"])
def test_scenarios_yaml_that_never_ends(tmp_path, capsys, kind):
    """scenarios.yaml a link to an endless device, or a named pipe (reading it would wait for
    ever): refused as not a regular file, at once. (A regular file is read up to 256 kB.)"""
    folder = f.write_region(tmp_path / "inp", two_zones())
    if kind == "endless device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        (folder / "scenarios.yaml").symlink_to("/dev/zero")
    else:
        os.mkfifo(folder / "scenarios.yaml")
    rc, err = solve(capsys, folder, tmp_path / "res")
    assert rc == EXIT_INPUT and "scenarios.yaml: is not a regular file" in err
    with pytest.raises(safe_yaml.YamlLimitError, match="larger than 256 kB"):
        safe_yaml.load("/dev/zero")


def test_anchors_within_the_limit_stay_legal(tmp_path, capsys):
    """A shared block (anchor, alias, merge key) is ordinary YAML and still works."""
    folder = f.write_region(tmp_path / "inp", two_zones())
    (folder / "scenarios.yaml").write_text(
        "dear: &dear\n  set: {gas_price: 9.0}\nalso_dear:\n  <<: *dear\n  description: same prices\n", encoding="utf-8")
    data = load_region(folder, YEAR)
    assert resolve_overrides(data, ["also_dear"], {}).set == {"gas_price": 9.0}


# ---------------------------------------------------------------------------------------------
# ranges: the flags solve.py and sweep.py share follow the same rules

FLAG_RULES = {
    "--gap": (lambda v: float(v), lambda x: np.isfinite(x) and x >= 0),
    "--time-limit": (lambda v: float(v), lambda x: np.isfinite(x) and x > 0),
    "--threads": (lambda v: int(v), lambda x: 1 <= x <= 1024),
    "--year": (lambda v: int(v), lambda x: 1990 <= x <= 2100),
}


def _parsed(parser, argv):
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        assert exc.code == EXIT_INPUT
        return None


@settings(HYPO, max_examples=200)
@given(flag=st.sampled_from(sorted(FLAG_RULES)),
       value=st.one_of(st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                       st.sampled_from(["0", "-0", "1e-9", "inf", "-inf", "nan", "1e400", "2022", "20x2", "", " 3"])))
def test_shared_flags_have_the_same_rules_in_solve_and_sweep(capsys, flag, value):
    from model.sweep import sweep_parser

    base = ["--year", "2022", "--gas-price", "3"]
    a = _parsed(solve_parser(), [x for x in base if x not in ("--gas-price", "3")] + [flag, value])
    b = _parsed(sweep_parser(), base + [flag, value])
    capsys.readouterr()
    dest = flag.lstrip("-").replace("-", "_")
    assert (a is None) == (b is None)
    convert, rule = FLAG_RULES[flag]
    try:
        expected_ok = rule(convert(value))
    except (ValueError, OverflowError):
        expected_ok = False
    assert (a is not None) == expected_ok, (flag, value)
    if a is not None:
        assert getattr(a, dest) == getattr(b, dest)


@pytest.mark.parametrize("extra, words", [
    (["--workers", "-1"], "--workers"), (["--workers", "0"], "--workers"), (["--gap", "-1"], "--gap"),
    (["--time-limit", "0"], "--time-limit"), (["--year", "-5"], "--year"),
    (["--set", "discount_rate=0.05,6"], "discount_rate"), (["--gas-price=-1,2"], "must be >= 0"),
])
def test_bad_sweep_flags_exit_2_without_starting_a_cluster(tmp_path, region, capsys, extra, words):
    t = time.perf_counter()
    rc, err = sweep(capsys, region, tmp_path / "res", *(["--gas-price", "2,3"] if "--gas-price=-1,2" not in extra
                                                        else []), *extra)
    assert rc == EXIT_INPUT and words in err
    clear_error(err)
    assert time.perf_counter() - t < 30 and not (tmp_path / "res").exists()


@pytest.mark.parametrize("year, from_year, words", [("2022", "-999999999", ">= 1990"), ("2022", "1960", ">= 1990"),
                                                    ("2022", "2023", "before --year"), ("2022", "2022", "before --year"),
                                                    ("2060", "2010", "49 years")])
def test_pathway_from_outside_a_sane_range_exit_2(tmp_path, region, capsys, year, from_year, words):
    rc, err = solve(capsys, region, tmp_path / "res", "--year", year, "--from", from_year)
    assert rc == EXIT_INPUT and "--from" in err and words in err
    clear_error(err)


# ---------------------------------------------------------------------------------------------
# cross-field rules after overrides

@pytest.fixture(scope="module")
def region_data(region):
    return load_region(region, YEAR)


@settings(HYPO, max_examples=120)
@given(d=st.floats(-45, 10), m=st.floats(-30, 15), i=st.floats(10, 30), where=st.lists(st.booleans(), min_size=3,
                                                                                         max_size=3))
def test_temperatures_after_overrides(region_data, d, m, i, where):
    """Property: design, season-mean and indoor temperatures, each within its own range, set by
    --set or by a scenario in any mix: refused (exit 2 material) exactly when they are not
    strictly increasing; accepted ones give positive full-load hours."""
    values = dict(zip(TEMPERATURES, (d, m, i)))
    by_scenario = {k: v for (k, v), s in zip(values.items(), where) if s}
    by_flag = {k: repr(v) for (k, v), s in zip(values.items(), where) if not s}
    data = dataclasses.replace(region_data, scenarios={"climate": {"set": by_scenario}})
    try:
        ov = resolve_overrides(data, ["climate"], by_flag)
    except InputError as exc:
        assert not d < m < i
        (p,) = exc.problems
        assert "heating degree-days are positive" in p.rule
        assert all(k in p.column for k in values)
        assert ("--set" in p.file) == bool(by_flag) and ("scenarios.yaml" in p.file) == bool(by_scenario)
        return
    assert d < m < i
    flh = prepare(data, YEAR, ov).full_load_hours
    assert np.isfinite(flh) and flh > 0


@pytest.mark.parametrize("sets", [["design_temperature_c=10", "indoor_temperature_c=10"],
                                  ["heating_season_mean_temperature_c=15", "indoor_temperature_c=12"]])
def test_issue_temperature_overrides_exit_2(tmp_path, region, capsys, sets):
    rc, err = solve(capsys, region, tmp_path / "res", *[x for s in sets for x in ("--set", s)])
    assert rc == EXIT_INPUT and "heating degree-days are positive" in err and "(--set)" in err
    clear_error(err)
    assert not (tmp_path / "res").exists()


def test_swept_temperature_crossing_the_rule_exit_2(tmp_path, region, capsys):
    rc, err = sweep(capsys, region, tmp_path / "res", "--serial", "--set", "design_temperature_c=-5,9")
    assert rc == EXIT_INPUT and "design_temperature_c 9 (--set)" in err
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("value, fixed", [('"false"', None), ("'true'", None), ("0", None), ("false", False),
                                          ("true", True)])
def test_fix_plan_routes_is_a_yaml_boolean(tmp_path, capsys, value, fixed):
    folder = f.write_region(tmp_path / "inp", two_zones())
    (folder / "scenarios.yaml").write_text(f"plan:\n  fix_plan_routes: {value}\n", encoding="utf-8")
    if fixed is None:
        rc, err = solve(capsys, folder, tmp_path / "res", "--scenario", "plan")
        assert rc == EXIT_INPUT and "plan.fix_plan_routes" in err and "true or false without quotes" in err
        assert not (tmp_path / "res").exists()
    else:
        assert resolve_overrides(load_region(folder, YEAR), ["plan"], {}).fix_plan_routes is fixed


# ---------------------------------------------------------------------------------------------
# signals

@pytest.fixture(scope="module")
def slow_region(tmp_path_factory) -> Path:
    """300 zones that HiGHS cannot close to a gap of 0 within a minute (test_reliability's)."""
    from test_reliability import random_region
    return f.write_region(tmp_path_factory.mktemp("slow") / "inp", random_region(300))


def _wait_for_handlers(pid: int, timeout: float = 30.0) -> None:
    """Until the script has installed its handlers (SIGTERM caught, /proc/<pid>/status SigCgt);
    a signal before that reaches Python's own start-up. Without /proc: half a second."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(0.5)
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        caught = next((int(line.split()[1], 16) for line in status.read_text().splitlines()
                       if line.startswith("SigCgt:")), 0)
        if caught >> (signal.SIGTERM - 1) & 1:
            return
        time.sleep(0.005)
    raise AssertionError("the script never installed its signal handlers")


def _no_temps(folder: Path) -> None:
    assert not [p for p in Path(folder).rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("sig, delay", [(signal.SIGINT, 0.0), (signal.SIGTERM, 0.0), (signal.SIGINT, 6.0),
                                        (signal.SIGTERM, 6.0)])
def test_signal_stops_solve_with_130_and_the_earlier_result_intact(earlier, slow_region, sig, delay):
    """Ctrl-C or SIGTERM while starting up (importing) or, 6 s later, solving (the solve alone
    would take a minute): exit 130, one line, the earlier result byte-identical, no temp file."""
    out, before = earlier
    p = script("solve", "--year", YEAR, "--region", "r", "--inputs", slow_region, "--out", out, "--gap", "0",
               "--time-limit", "120")
    _wait_for_handlers(p.pid)
    time.sleep(delay)
    assert p.poll() is None
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == EXIT_INTERRUPTED, err
    assert "interrupted" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert files(out) == before


def test_interrupt_before_highs_has_a_plan_exits_130(tmp_path, slow_region, capsys, monkeypatch):
    """HiGHS stopped by Ctrl-C before its first feasible plan (it reports status 'interrupted',
    no solution): 130, not 3, and nothing written."""
    import highspy

    start = highspy.Highs.startSolve

    def start_then_cancel(self):
        thread = start(self)
        self.cancelSolve()  # what highspy does when the Ctrl-C reaches it
        return thread

    monkeypatch.setattr(highspy.Highs, "startSolve", start_then_cancel)
    rc, err = solve(capsys, slow_region, tmp_path / "res", "--gap", "0")
    assert rc == EXIT_INTERRUPTED and "interrupted: nothing was written" in err
    assert not (tmp_path / "res").exists()


SLOW_WRITE = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    import model.interrupt, model.results
    real = model.results.to_netcdf
    def slow(ds, path):
        real(ds, path)
        print("WRITTEN", flush=True)
        # stopped here: the new file is complete but not renamed. Short sleeps: a signal that lands
        # in a finaliser (where Python drops the KeyboardInterrupt) is still seen by the rename's check
        for _ in range(600):
            time.sleep(0.1)
            if model.interrupt.received():
                break
    model.results.to_netcdf = slow
    from model.interrupt import run_script
    sys.exit(run_script("model.cli"))
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_while_writing_keeps_the_earlier_result_and_removes_the_temp(tmp_path, earlier, sig):
    out, before = earlier
    folder = f.write_region(tmp_path / "inp3", f.tables(zones=[f.zone(f"Z{i}") for i in range(3)]))
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITE.format(repo=str(REPO)), "--year", str(YEAR), "--region",
                          "r", "--inputs", str(folder), "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert p.stdout.readline().startswith("WRITTEN"), p.stderr.read()
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == EXIT_INTERRUPTED and "interrupted while writing" in err and "Traceback" not in err
    assert files(out) == before  # no temp file either: the interrupt removed it


@pytest.mark.parametrize("name", ["solve", "sweep", "report"])
def test_ctrl_c_during_start_up_exits_130_in_every_script(tmp_path, region, name):
    args = {"solve": ["--year", YEAR, "--inputs", region, "--out", tmp_path / "res"],
            "sweep": ["--year", YEAR, "--inputs", region, "--out", tmp_path / "res", "--gas-price", "2,3"],
            "report": [tmp_path / "missing.nc"]}[name]
    p = script(name, *args)
    _wait_for_handlers(p.pid)  # then still importing: numpy, xarray, dask take a second or more
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    if p.returncode != EXIT_INTERRUPTED:  # on a fast machine the run may end first: it then failed cleanly
        assert p.returncode == EXIT_INPUT and "Traceback" not in err, err
    else:
        assert err.strip().splitlines()[-1].startswith("interrupted") and "Traceback" not in err, err
    assert not (tmp_path / "res").exists()


@pytest.fixture(scope="module")
def sweep_region(tmp_path_factory) -> Path:
    """Points that take a second or so each at gap 0 (so a sweep is still running when stopped)."""
    from test_reliability import random_region
    return f.write_region(tmp_path_factory.mktemp("sw") / "inp", random_region(60))


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C to the process group"])
def test_stopped_dask_sweep_exits_130_keeps_points_and_stops_workers(tmp_path, sweep_region, how):
    from model.solve import SolveOptions
    from model.sweep import Grid, RunSpec, _pending, parse_values, sweep_paths
    from model.sweep_points import intact_attrs

    out = tmp_path / "res"
    p = script("sweep", "--year", YEAR, "--region", "r", "--inputs", sweep_region, "--out", out, "--gap", "0",
               "--gas-price", "1.0:4.0:0.1", "--workers", "2", start_new_session=True)
    points, _ = sweep_paths(out, "r", YEAR, "gas_price")
    deadline = time.time() + 120
    while not list(points.glob("point_*.nc")) and time.time() < deadline and p.poll() is None:
        time.sleep(0.2)
    assert p.poll() is None, p.communicate()
    workers = psutil.Process(p.pid).children(recursive=True)
    assert workers
    if how == "SIGTERM":
        p.send_signal(signal.SIGTERM)
    else:
        os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and "run the same command again" in err
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
    kept = sorted(points.glob("point_*.nc"))
    assert kept and all(intact_attrs(q) is not None for q in kept)
    assert not (points.parent / "sweep_gas_price.nc").exists()
    _no_temps(out)
    # the resume solves only what is missing
    data = load_region(sweep_region, YEAR, region="r")
    grid = Grid(("gas_price",), (parse_values("1.0:4.0:0.1", "--gas-price"),))
    todo, done = _pending(grid, points, data, RunSpec(YEAR, (), SolveOptions(mip_gap=0.0)))
    assert len(done) == len(kept) and len(todo) == 31 - len(kept)


def test_sweep_point_without_a_plan_exit_5_names_it(tmp_path, region, capsys, monkeypatch):
    """A point whose solve fails: the others are written, exit 5, the point named on stderr."""
    import model.sweep as sw

    real = sw._solve_point

    def fails_at_3(data, spec, values, *args):
        if values["gas_price"] == 3.0:
            raise RuntimeError("HiGHS crashed")
        return real(data, spec, values, *args)

    monkeypatch.setattr(sw, "_solve_point", fails_at_3)
    rc, err = sweep(capsys, region, tmp_path / "res", "--serial", "--solve-all", "--gas-price", "2,3,4")
    assert rc == 5 and "error: point_gas_price=3: RuntimeError: HiGHS crashed" in err
    clear_error(err)


def test_the_worker_heartbeat_traceback_dropped_at_shutdown_is_the_one_dask_logs():
    """The LocalCluster workers drop one log record (a heartbeat that races the shutdown after a
    Ctrl-C); this pins its text to the installed distributed, and keeps every other record."""
    import inspect
    import logging

    from distributed.worker import Worker

    from model.interrupt import _QuietHeartbeat

    assert f'"{_QuietHeartbeat.MESSAGE}.")' in inspect.getsource(Worker.heartbeat)

    def record(msg):
        return logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, msg, None, None)

    quiet = _QuietHeartbeat()
    assert not quiet.filter(record(_QuietHeartbeat.MESSAGE + "."))
    assert quiet.filter(record("Unexpected exception during heartbeat. Closing worker."))


# ---------------------------------------------------------------------------------------------
# sweep point files: a damaged file is never trusted

@pytest.fixture(scope="module")
def point_file(tmp_path_factory, region_data):
    """A solved point file and its plan."""
    from model.sweep import RunSpec, forget_live_model, solve_point
    from model.sweep_points import write_point_file

    res = solve_point(region_data, RunSpec(YEAR), {"gas_price": 2.5})
    forget_live_model()
    assert res.plan is not None
    path = tmp_path_factory.mktemp("pt") / "point_gas_price=2.5.nc"
    write_point_file(path, dict(res.attrs), res.plan)
    return path, res.plan


def _same_plan(a, b) -> bool:
    same = (np.array_equal(a.route, b.route) and np.array_equal(a.retrofit, b.retrofit)
            and np.array_equal(a.upgrade, b.upgrade) and a.modules == b.modules and a.status == b.status
            and a.bound == b.bound and a.objective == b.objective)
    if a.constraints is not None:
        same = same and b.constraints is not None and a.constraints.equals(b.constraints)
    return same


@settings(HYPO, max_examples=200)
@given(cut=st.integers(0, 4000), flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 255)), max_size=3))
def test_a_point_file_that_passes_its_digest_holds_the_plan_written(tmp_path_factory, point_file, cut, flips):
    """Property: truncate a point file anywhere and flip any bytes: either the resume check
    refuses it (the point is solved again), or the plan read from it is the plan written."""
    from model.sweep_points import intact_attrs, read_point_file

    src, plan = point_file
    raw = bytearray(src.read_bytes())
    for pos, x in flips:
        if pos < len(raw):
            raw[pos] ^= x
    raw = raw[:max(0, len(raw) - cut)] if cut else raw
    path = tmp_path_factory.mktemp("bad") / src.name
    path.write_bytes(bytes(raw))
    if intact_attrs(path) is None:
        return
    _, read = read_point_file(path)
    assert read is not None and _same_plan(read, plan)


def test_damaged_point_files_are_solved_again(tmp_path, region, capsys):
    """Resume with a truncated point, a flipped byte in another, and one written without a digest:
    those three are solved again, the rest kept, and the combined sweep is the one of a clean run."""
    import netCDF4

    from model.sweep import main as sweep_main
    from model.sweep_points import DIGEST_ATTR

    args = ["--serial", "--gas-price", "1,2,3,4,5", "--gap", "0", "--solve-all"]
    out = tmp_path / "res"
    assert sweep(capsys, region, out, *args)[0] == 0
    folder = out / "r" / str(YEAR) / "sweep_gas_price"
    with xr.open_dataset(folder.parent / "sweep_gas_price.nc") as ds:
        clean = ds.objective.values.copy()
    p1, p2, p3 = (folder / f"point_gas_price={v}.nc" for v in (1, 3, 5))
    p1.write_bytes(p1.read_bytes()[:-100])
    raw = bytearray(p2.read_bytes())
    raw[-20] ^= 0x40
    p2.write_bytes(bytes(raw))
    with netCDF4.Dataset(p3, "a") as nc:  # as a point written before digests were
        nc.delncattr(DIGEST_ATTR)
    untouched = {q.name: q.read_bytes() for q in folder.iterdir() if q not in (p1, p2, p3)}
    capsys.readouterr()
    assert sweep_main(["--year", str(YEAR), "--region", "r", "--inputs", str(region), "--out", str(out), *args]) == 0
    assert "3 solved now, 2 done earlier" in capsys.readouterr().out
    assert {q.name: q.read_bytes() for q in folder.iterdir() if q.name in untouched} == untouched
    with xr.open_dataset(folder.parent / "sweep_gas_price.nc") as ds:
        np.testing.assert_allclose(ds.objective.values, clean, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# concurrency

def test_two_solves_writing_the_same_result_leave_one_consistent_pair(tmp_path):
    """Two runs with different inputs write the same --out/<region>/<year>/base.* at once: both
    succeed, and the .nc and the .plan.csv left are one run's pair, complete."""
    small = f.write_region(tmp_path / "a", two_zones())
    large = f.write_region(tmp_path / "b", f.tables(zones=[f.zone(f"Z{i}", gas_network=i % 2) for i in range(7)]))
    out = tmp_path / "res"
    procs = [script("solve", "--year", YEAR, "--region", "r", "--inputs", folder, "--out", out)
             for folder in (small, large)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    d = out / "r" / str(YEAR)
    assert sorted(q.name for q in d.iterdir()) == ["base.nc", "base.plan.csv"]
    with xr.open_dataset(d / "base.nc") as ds:
        expected = results.plan_table(ds.load())
    written = pd.read_csv(d / "base.plan.csv")
    assert len(written) == len(expected)
    assert int(written.select_dtypes("number").sum().sum()) == int(expected.select_dtypes("number").sum().sum())


def test_a_writer_waits_while_another_replaces_the_same_result(tmp_path, region, earlier, monkeypatch):
    """While one run holds the results folder (replacing its pair), another run's write waits."""
    out, before = earlier
    d = out / "r" / str(YEAR)
    folder = f.write_region(tmp_path / "inp3", f.tables(zones=[f.zone(f"Z{i}") for i in range(3)]))
    codes, arrived = [], threading.Event()
    real_lock = paths.folder_lock

    def lock_after_arriving(folder):
        arrived.set()
        return real_lock(folder)

    with paths.folder_lock(d):
        monkeypatch.setattr(paths, "folder_lock", lock_after_arriving)
        t = threading.Thread(target=lambda: codes.append(solve_main(
            ["--year", str(YEAR), "--region", "r", "--inputs", str(folder), "--out", str(out)])))
        t.start()
        assert arrived.wait(timeout=120)  # solved, at the lock
        t.join(timeout=2)
        assert t.is_alive() and files(out) == before  # and waiting there
    t.join(timeout=60)
    assert codes == [0]
    with xr.open_dataset(d / "base.nc") as ds:
        assert ds.sizes["zone"] == 3


# ---------------------------------------------------------------------------------------------
# cannot write: disk full, read-only, a file where a folder should be

def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _half_then_disk_full(ds, path):
    Path(path).write_bytes(b"\x89HDF half a file")
    _disk_full()


def test_pathway_disk_full_exit_6_earlier_unchanged(tmp_path, capsys, monkeypatch):
    from test_pathway import two_years

    region = two_years(tmp_path / "inp", zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)])
    out = tmp_path / "res"
    rc, err = solve(capsys, region, out, "--from", str(YEAR - 1))
    assert rc == 0, err
    before = files(out)
    import model.cli

    monkeypatch.setattr(model.cli, "to_netcdf", _half_then_disk_full)
    rc, err = solve(capsys, region, out, "--from", str(YEAR - 1))
    assert rc == EXIT_WRITE and "No space left on device" in err and "unchanged" in err
    clear_error(err)
    assert files(out) == before


def test_sweep_disk_full_exit_6_keeps_the_points_written(tmp_path, region, capsys, monkeypatch):
    import model.sweep as sw
    from model.sweep_points import intact_attrs

    real, calls = sw.write_point_file, []

    def fills_up(path, attrs, plan):
        calls.append(path)
        if len(calls) > 2:
            _disk_full()
        real(path, attrs, plan)

    monkeypatch.setattr(sw, "write_point_file", fills_up)
    rc, err = sweep(capsys, region, tmp_path / "res", "--serial", "--solve-all", "--gas-price", "1,2,3,4")
    assert rc == EXIT_WRITE and "No space left on device" in err and "run the same command again" in err
    clear_error(err)
    kept = sorted((tmp_path / "res" / "r" / str(YEAR) / "sweep_gas_price").iterdir())
    assert len(kept) == 2 and all(intact_attrs(q) is not None for q in kept)


def test_report_disk_full_exit_6_and_out_under_a_file_exit_2(tmp_path, earlier, capsys, monkeypatch):
    from model.report import render
    from model.report.cli import main as report_main

    out, _ = earlier
    result = out / "r" / str(YEAR) / "base.nc"
    (tmp_path / "a_file").write_text("not a folder")
    assert report_main([str(result), "--out", str(tmp_path / "a_file" / "report")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "a_file is a file, not a folder" in err
    clear_error(err)

    def fills_up(content, lang, folder, *args):
        (folder / "report.html").write_text("<html>half")
        _disk_full()

    monkeypatch.setattr(render, "_write_all", fills_up)
    assert report_main([str(result), "--out", str(tmp_path / "rep")]) == EXIT_WRITE
    err = capsys.readouterr().err
    assert "No space left on device" in err
    clear_error(err)
    assert not (tmp_path / "rep").exists() and not list(tmp_path.glob(".rep*"))


@pytest.mark.parametrize("run", ["solve", "pathway", "sweep"])
def test_out_that_is_a_file_exit_2(tmp_path, region, capsys, run):
    (tmp_path / "res").write_text("a file")
    extra = {"solve": [], "pathway": ["--from", str(YEAR - 1)], "sweep": ["--serial", "--gas-price", "2,3"]}[run]
    rc, err = (sweep if run == "sweep" else solve)(capsys, region, tmp_path / "res", *extra)
    assert rc == EXIT_INPUT and "--out" in err and "is a file, not a folder" in err
    clear_error(err)
    assert (tmp_path / "res").read_text() == "a file"


def _mount_namespace_works() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _mount_namespace_works(), reason="needs root and unshare -m for a private tmpfs")
@pytest.mark.parametrize("run, mount, expected", [
    ("solve", "size=24k", EXIT_WRITE), ("solve", "ro", EXIT_INPUT), ("sweep", "size=12k", EXIT_WRITE)])
def test_real_full_and_read_only_file_systems(tmp_path, region, run, mount, expected):
    """A tmpfs too small for a result (about 60 kB) or for a sweep's points (about 3 kB each),
    and a read-only one, each in a private mount namespace: exit 6 when the disk fills while
    writing, exit 2 for a read-only folder (found before solving); no partial file is left, and
    a sweep keeps the points it wrote, intact."""
    from model.sweep_points import intact_attrs

    target = tmp_path / "mnt"
    target.mkdir()
    extra = "--serial --solve-all --gas-price 1:6:0.5" if run == "sweep" else ""
    cmd = (f"mount -t tmpfs -o {mount} tmpfs {target} && {sys.executable} {REPO / 'scripts' / f'{run}.py'} "
           f"--year {YEAR} --region r --inputs {region} --out {target} {extra}; echo rc=$?; "
           f"find {target} -type f -exec cp --parents {{}} {tmp_path / 'copy'} \\; -print")
    (tmp_path / "copy").mkdir()
    p = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True, timeout=300, cwd=REPO)
    rc = int(p.stdout.split("rc=")[1].split()[0])
    assert rc == expected, p.stderr
    clear_error(p.stderr)
    assert ("No space left on device" if expected == EXIT_WRITE else "read-only") in p.stderr
    left = [Path(x) for x in p.stdout.split("rc=")[1].split()[1:]]
    if run == "solve":
        assert left == []
    else:
        assert left and all(q.name.startswith("point_") for q in left)
        copies = [tmp_path / "copy" / str(q).lstrip("/") for q in left]
        assert all(intact_attrs(c) is not None for c in copies)
