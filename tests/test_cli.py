"""scripts/solve.py end to end, as a user runs it."""
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

import factory as f
from model.registry import OUTPUTS

REPO = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_cli_writes_dataset_and_plan_table(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))
    p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"))
    assert p.returncode == 0, p.stderr
    assert "Households converted" in p.stdout and "status optimal" in p.stdout
    nc = tmp_path / "res" / "tiny" / "2022" / "base.nc"
    with xr.open_dataset(nc) as ds:
        for name in ds.data_vars:
            assert ds[name].attrs.get("units") and ds[name].attrs.get("long_name"), name
        diagnosis_dims = {"relaxed", "alternative", "iis"}  # the variables of <scenario>.diagnosis.nc
        expected = {("chosen_route" if k == "route" else k) for k, v in OUTPUTS.items()
                    if not diagnosis_dims & set(v.dims)}
        assert set(ds.data_vars) == expected
        assert ds.attrs["status"] == "optimal" and len(ds.attrs["inputs_hash"]) == 64
        assert sorted(ds.chosen_route.values) == ["ashp", "gas_wall_boiler"]
    plan = (tmp_path / "res" / "tiny" / "2022" / "base.plan.csv").read_text(encoding="utf-8")
    assert "county_name_zh" in plan.splitlines()[0] and "县一" in plan


def test_cli_handoff_pyomo_solves_the_same_model(tmp_path):
    zones = [f.zone(f"Z{i}", households=2 + i, gas_network=i % 2) for i in range(4)]
    folder = f.write_region(tmp_path / "inp", f.tables(zones=zones, years={"gas_annual_cap_10k_m3": 0.2}))
    got = {}
    for handoff in ("direct", "pyomo"):
        out = tmp_path / handoff
        p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(out), "--handoff", handoff)
        assert p.returncode == 0, p.stderr
        with xr.open_dataset(out / "tiny" / "2022" / "base.nc") as ds:
            assert ds.attrs["handoff"] == handoff
            got[handoff] = (float(ds.objective), ds.chosen_route.values.tolist())
    assert got["direct"][0] == pytest.approx(got["pyomo"][0], rel=1e-12)
    assert got["direct"][1] == got["pyomo"][1]
    assert got["direct"][1].count("gas_wall_boiler") == 1  # the cap admits one gas zone


def test_cli_scenario_and_set_name_the_result(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1")]),
                            {"dear_gas": {"description": "x", "set": {"gas_price": 3.0}}})
    p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"),
            "--scenario", "dear_gas", "--set", "electricity_price=0.4")
    assert p.returncode == 0, p.stderr
    with xr.open_dataset(tmp_path / "res" / "tiny" / "2022" / "dear_gas+electricity_price=0.4.nc") as ds:
        assert ds.chosen_route.values.tolist() == ["ashp"]
        assert ds.attrs["overrides"] == "electricity_price=0.4, gas_price=3"


def test_cli_bad_input_exit_2_no_traceback_no_result(tmp_path):
    t = f.tables(zones=[f.zone("Z1", households=-3)])
    folder = f.write_region(tmp_path / "inp", t)
    p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"))
    assert p.returncode == 2
    assert "zones.csv, row 2, column 'households': must be > 0" in p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "res").exists()


def test_cli_unknown_set_and_scenario(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables())
    p = run("--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--set", "gas_prise=3")
    assert p.returncode == 2 and "gas_prise" in p.stderr and "unknown parameter" in p.stderr
    p = run("--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--scenario", "nope")
    assert p.returncode == 2 and "unknown scenario" in p.stderr


def test_cli_infeasible_exit_4_names_cap(tmp_path):
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]
    folder = f.write_region(tmp_path / "inp", f.tables(routes=routes, years={"gas_annual_cap_10k_m3": 0.0}))
    p = run("--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"))
    assert p.returncode == 4
    assert "gas_annual_cap" in p.stderr and "Traceback" not in p.stderr
    assert [x.name for x in (tmp_path / "res").rglob("*") if x.is_file()] == ["base.diagnosis.nc"]


def test_earlier_result_kept_when_a_run_fails(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables())
    out = tmp_path / "res"
    assert run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(out)).returncode == 0
    nc = out / "tiny" / "2022" / "base.nc"
    before = nc.read_bytes()
    bad = f.tables(zones=[f.zone("Z1", floor_area_10k_m2="abc")])
    f.write_region(folder, bad)
    assert run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(out)).returncode == 2
    assert nc.read_bytes() == before
    assert sorted(p.name for p in nc.parent.iterdir()) == ["base.nc", "base.plan.csv"]


def test_cli_infeasible_writes_diagnosis_not_plan(tmp_path):
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                                                       years={"gas_annual_cap_10k_m3": 0.12}))
    out = tmp_path / "res"
    p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(out))
    assert p.returncode == 4
    files = sorted(x.name for x in (out / "tiny" / "2022").iterdir())
    assert files == ["base.diagnosis.nc"]
    with xr.open_dataset(out / "tiny" / "2022" / "base.diagnosis.nc") as ds:
        assert ds.relaxed_family.values.tolist() == ["gas_annual_cap"]
        assert float(ds.relaxed_amount[0]) == pytest.approx(0.12)
        assert float(ds.relaxed_new_bound[0]) == pytest.approx(0.24)
        assert int(ds.relaxed_zone_count[0]) == 2
        # each family that alone restores feasibility: the gas cap (+0.12), or coverage (-1 household)
        assert ds.alternative_families.values.tolist() == ["gas_annual_cap", "coverage_target"]
        assert ds.alternative_amount.values.tolist() == pytest.approx([0.12, 1.0])
        assert ds.alternative_is_least.values.tolist() == [1, 0]
        assert "short by 0.12" in ds.attrs["diagnosis"]
        for name in ds.data_vars:
            assert ds[name].attrs.get("units") and ds[name].attrs.get("long_name"), name


def test_cli_prints_what_binds(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2")],
                                                       years={"gas_annual_cap_10k_m3": 0.12}))
    p = run("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"))
    assert p.returncode == 0, p.stderr
    assert "What binds" in p.stdout and "gas_annual_cap[city]" in p.stdout
    line = next(x for x in p.stdout.splitlines() if "gas_annual_cap[city]" in x)
    assert "LP          0" in line and "MIP" in line  # the LP of the plan says 0, the MIP's step does not
    with xr.open_dataset(tmp_path / "res" / "tiny" / "2022" / "base.nc") as ds:
        assert float(ds.marginal_value.sel(constraint="gas_annual_cap[city]")) < 0


def test_cli_marginal_flag(tmp_path):
    folder = f.write_region(tmp_path / "inp", f.tables(zones=[f.zone("Z1"), f.zone("Z2")],
                                                       years={"gas_annual_cap_10k_m3": 0.12}))
    args = ("--year", "2022", "--region", "tiny", "--inputs", str(folder), "--out", str(tmp_path / "res"))
    p = run(*args, "--marginal", "none")
    assert p.returncode == 0, p.stderr
    with xr.open_dataset(tmp_path / "res" / "tiny" / "2022" / "base.nc") as ds:
        assert ds.marginal_value.isnull().all() and ds.attrs["marginal_families"] == "none"
    for bad in ("gas_cap", "gas_annual_cap=abc", "gas_annual_cap=0"):
        p = run(*args, "--marginal", bad)
        assert p.returncode == 2 and p.stderr.startswith("error:") and "--marginal" in p.stderr, (bad, p.stderr)
        assert "Traceback" not in p.stderr
