"""scripts/new_region.py starters, and where results go when --inputs names a region of one's own."""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.check import check_region
from model.errors import InputError
from model.registry import TABLES
from model.templates import COUNTY_TABLES, EXAMPLE_MARK, TECHNOLOGY_TABLES, write_starter
from model.validate import load_region

REPO = Path(__file__).resolve().parents[1]



def assert_same_tables(a, b):
    """The same rows and values in every table (an optional table without rows may be an empty sheet or absent)."""
    for name in TABLES:
        if len(a.tables[name]) == len(b.tables[name]) == 0:
            assert list(a.tables[name].columns) == list(b.tables[name].columns)
            continue
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)

def script(name, *args, cwd=None):
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=300)


def test_starter_folder_marks_copied_and_example_rows_and_validates(tmp_path):
    target = write_starter("mycounty", "xinzhou", tmp_path)
    ref = {t: pd.read_csv(REPO / "inputs" / "xinzhou" / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES
           if (REPO / "inputs" / "xinzhou" / f"{t}.csv").exists()}
    got = {t: pd.read_csv(target / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES
           if (target / f"{t}.csv").exists()}
    assert set(got) == set(ref)  # the optional tables the reference has: its name (region) and townships
    for t in TECHNOLOGY_TABLES:
        assert len(got[t]) == len(ref[t])
        assert got[t]["source"].str.startswith("reference region xinzhou").all()
        assert all(g.endswith(r) for g, r in zip(got[t]["source"], ref[t]["source"]))
    for t in COUNTY_TABLES + tuple(t for t in ("region", "townships") if t in got):
        assert list(got[t].columns) == [c.name for c in TABLES[t].columns]
        assert len(got[t]) == 1, t
        if "source" in got[t]:
            assert got[t]["source"].str.startswith("EXAMPLE row").all(), t
    assert got["zones"]["name_zh"].iat[0].startswith(EXAMPLE_MARK)
    # the example rows fit together: the starter passes the checks (its county total warns: one zone of a census county)
    problems, warnings, _ = check_region(target, 2022)
    assert problems == []
    assert [w.kind for w in warnings] == ["households_vs_counties"]
    # the Monte Carlo's table of uncertain inputs comes along, marked, and reads against the new region
    from model.robust import read_uncertainty

    unc = pd.read_csv(target / "uncertainty.csv", dtype=str, keep_default_na=False)
    xz = pd.read_csv(REPO / "inputs" / "xinzhou" / "uncertainty.csv", dtype=str, keep_default_na=False)
    assert unc["parameter"].tolist() == xz["parameter"].tolist()
    assert unc["source"].str.startswith("reference region xinzhou (copied; review").all()
    assert len(read_uncertainty(target / "uncertainty.csv", load_region(target, 2022))) == len(xz)


def test_starter_workbook_solves_under_its_own_name(tmp_path):
    p = script("new_region.py", "shanxian", "--xlsx", "--out", tmp_path)
    assert p.returncode == 0, p.stderr
    book = tmp_path / "shanxian.xlsx"
    assert load_region(book, 2022).tables["zones"]["zone_id"].size == 1
    p = script("solve.py", "--year", 2022, "--inputs", book, "--out", tmp_path / "res")
    assert p.returncode == 0, p.stderr
    with xr.open_dataset(tmp_path / "res" / "shanxian" / "2022" / "base.nc") as ds:
        assert ds.attrs["region"] == "shanxian" and ds.attrs["status"] == "optimal"


def test_new_region_never_overwrites(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "zones.csv").write_text("my ledger", encoding="utf-8")
    p = script("new_region.py", "mine", "--out", tmp_path)
    assert p.returncode == 2 and "already exists" in p.stderr and "Traceback" not in p.stderr
    assert (tmp_path / "mine" / "zones.csv").read_text(encoding="utf-8") == "my ledger"
    assert sorted(x.name for x in (tmp_path / "mine").iterdir()) == ["zones.csv"]
    with pytest.raises(InputError, match="no reference region"):
        write_starter("other", "nowhere", tmp_path)


def test_copy_converts_a_folder_into_an_equal_workbook(tmp_path):
    folder = f.write_region(tmp_path / "csv", f.tables(zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)]))
    book = write_starter("county", str(folder), tmp_path, xlsx=True, copy_all=True)
    a, b = load_region(folder, 2022), load_region(book, 2022)
    assert_same_tables(a, b)


def test_results_go_under_the_inputs_own_name(tmp_path):
    """--inputs without --region writes results/<folder name>/...; it used to write results/jinan/."""
    folder = f.write_region(tmp_path / "my_county", f.tables(zones=[f.zone("Z1")]))
    out = tmp_path / "res"
    p = script("solve.py", "--year", 2022, "--inputs", folder, "--out", out)
    assert p.returncode == 0, p.stderr
    assert [x.name for x in out.iterdir()] == ["my_county"]
    with xr.open_dataset(out / "my_county" / "2022" / "base.nc") as ds:
        assert ds.attrs["region"] == "my_county"


def test_region_of_a_shipped_folder_is_refused_for_other_inputs(tmp_path):
    folder = f.write_region(tmp_path / "my_county", f.tables(zones=[f.zone("Z1")]))
    out = tmp_path / "res"
    p = script("solve.py", "--year", 2022, "--inputs", folder, "--region", "jinan", "--out", out)
    assert p.returncode == 2 and "results would land in jinan's folder" in p.stderr
    assert not out.exists()


def test_region_id_rules_shared_by_solve_and_sweep(tmp_path):
    from model.validate import resolve_inputs

    shipped = REPO / "inputs"
    assert resolve_inputs(None, None, shipped) == (shipped / "jinan", "jinan")
    assert resolve_inputs("xinzhou", None, shipped) == (shipped / "xinzhou", "xinzhou")
    assert resolve_inputs(None, tmp_path / "my_county", shipped)[1] == "my_county"
    assert resolve_inputs(None, tmp_path / "县.xlsx", shipped)[1] == "县"
    assert resolve_inputs("mine", tmp_path / "my_county", shipped)[1] == "mine"
    assert resolve_inputs("jinan", shipped / "jinan", shipped)[1] == "jinan"
    with pytest.raises(InputError, match="results would land in xinzhou's folder"):
        resolve_inputs("xinzhou", tmp_path / "my_county", shipped)
