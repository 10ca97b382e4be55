"""Fuzz the input tables the way spreadsheets break them.

A valid factory region is corrupted in one way (a cell, a column, a whole file, scenarios.yaml
or --set), optionally re-saved as GBK or with a BOM, and the CLI must answer with exit code 2,
a message that names the file (and the column and row where there is one), no traceback and
no result. Benign spreadsheet noise (BOM, GBK, CRLF, full-width digits and commas, padding,
empty trailing rows, quoted cells) must read to the same tables as the clean files.
Hypothesis runs derandomized with a bounded number of examples, so every run checks the same cases.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import factory as f
from model.cli import main
from model.registry import REFERENCES, TABLES
from model.validate import EXCEL_ERRORS, NEEDS_ROWS, load_region

REPO = Path(__file__).resolve().parents[1]
YEAR = 2022
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def region() -> dict[str, pd.DataFrame]:
    """Every table has at least one row (so any cell can be corrupted): two zones, a heat source."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"), f.route("ashp"),
              f.route("chp_dh")]
    hs = [dict(source_id="S1", county_id="C1", route_id="chp_dh", name_zh="热电厂", spare_capacity_mw=5.0, source=f.SRC)]
    zones = [f.zone("Z1", households=120, floor_area_10k_m2=1.2, plan_route="ashp", plan_retrofit=0),
             f.zone("Z2", households=80, floor_area_10k_m2=0.7, gas_network=0, heat_network_km=1.0)]
    out = f.tables(zones=zones, routes=routes, heat_sources=hs,
                   tariffs=[("electricity", "valley", 0.3, ""), ("gas", "tier1", 2.0, 1000.0), ("gas", "tier2", 3.0, "")])
    out["region"] = pd.DataFrame([dict(name_zh="测试市", name_en="Testville", plan_first_year=2022, plan_last_year=2022,
                                       source=f.SRC)])
    out["townships"] = pd.DataFrame([dict(township_id="T1", county_id="C1", name_zh="甲镇", source=f.SRC)])
    out["policies"] = pd.DataFrame([dict(policy_id="co2", name_zh="碳排放上限", quantity="co2", counties="all",
                                         area_types="all", terrains="all", routes="all", sense="<=", bound=1e6,
                                         share_of_routes="", year="", source=f.SRC)])
    return out


SCENARIOS = {"dear_gas": {"description": "gas +50 %", "set": {"gas_price": 3.0}}}


def numeric(c):
    return c.dtype in ("int", "float", "flag")


def cells(pred):
    """(table, column) pairs whose column satisfies pred."""
    return [(t.name, c.name) for t in TABLES.values() for c in t.columns if pred(t, c)]


# cell corruption -> (value to write, the columns it is certain to break)
CELL_KINDS = {
    "empty": ("", cells(lambda t, c: c.required)),
    "nan": ("NaN", cells(lambda t, c: c.required)),
    "text": ("abc", cells(lambda t, c: numeric(c))),
    "negative": ("-5", cells(lambda t, c: numeric(c) and (c.dtype == "flag" or c.positive or c.min is not None))),
    "zero": ("0", cells(lambda t, c: c.positive)),
    "huge": (None, cells(lambda t, c: c.plausible_max is not None) + [("parameters", "value")]),
    "decimal_comma": ("2,5", cells(lambda t, c: numeric(c))),
    "bad_choice": ("xyz", cells(lambda t, c: c.choices is not None and t.name != "parameters")),
    "bad_reference": ("NOPE", [(r.table, r.column) for r in REFERENCES]),
    "excel_scientific_id": ("3.70102E+11", [(r.table, r.column) for r in REFERENCES if r.column.endswith("_id")]),
    "excel_error": (None, cells(lambda t, c: True)),
}
FILE_KINDS = ["missing_file", "empty_file", "header_only", "ragged_row", "unclosed_quote", "semicolons",
              "xlsx", "drop_column", "misspell_column", "extra_column", "duplicate_key"]


@st.composite
def corruptions(draw):
    """(table, column or None, row index or None, kind, value, encoding)."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "gbk", "bom"]))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(sorted(CELL_KINDS)))
        value, targets = CELL_KINDS[kind]
        table, column = draw(st.sampled_from(targets))
        if kind == "huge":
            pm = TABLES[table].column(column).plausible_max
            value = f"{(pm or 1e4) * 1000:g}"
        if kind == "excel_error":
            value = draw(st.sampled_from(sorted(EXCEL_ERRORS)))
        return table, column, "cell", kind, value, encoding
    kind = draw(st.sampled_from(FILE_KINDS))
    tables = [t for t in TABLES if (kind != "header_only" or t in NEEDS_ROWS)
              and (kind != "missing_file" or TABLES[t].required)]  # an optional file may be left out
    table = draw(st.sampled_from(tables))
    column = None
    if kind == "drop_column":  # an optional column may be left out (it reads as empty): only required ones
        column = draw(st.sampled_from([c.name for c in TABLES[table].columns if c.required]))
    elif kind == "misspell_column":
        column = draw(st.sampled_from([c.name for c in TABLES[table].columns]))
    elif kind == "extra_column":
        column = "comment"
    elif kind == "duplicate_key":
        column = TABLES[table].key[0]
    return table, column, "file", kind, None, encoding


def write(folder: Path, tbls: dict[str, pd.DataFrame]) -> Path:
    return f.write_region(folder, tbls, SCENARIOS)


def corrupt(folder: Path, table: str, column, level: str, kind: str, value, encoding: str, row: int) -> int | None:
    """Apply one corruption to a written region; returns the file line of the corrupted row, if any."""
    tbls = region()
    path = folder / f"{table}.csv"
    line = None
    if level == "cell":
        df = tbls[table].astype(object)
        row = row % len(df)
        df.loc[df.index[row], column] = value
        tbls[table] = df
        line = row + 2
    elif kind == "duplicate_key":
        tbls[table] = pd.concat([tbls[table], tbls[table].iloc[[0]]], ignore_index=True)
        line = len(tbls[table]) + 1
    write(folder, tbls)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if kind == "missing_file":
        path.unlink()
        return None
    if kind == "empty_file":
        text = ""
    elif kind == "header_only":
        text = lines[0]
    elif kind == "ragged_row":
        text = lines[0] + lines[1].rstrip("\n") + ",surplus\n" + "".join(lines[2:])
        line = 2
    elif kind == "unclosed_quote":
        text = lines[0] + '"' + "".join(lines[1:])
        line = 2
    elif kind == "semicolons":
        text = text.replace(",", ";")
    elif kind == "drop_column":
        df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=[column])
        text = df.to_csv(index=False, lineterminator="\n")
    elif kind == "misspell_column":
        df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={column: column[:-1] + "_"})
        text = df.to_csv(index=False, lineterminator="\n")
    elif kind == "extra_column":
        df = pd.read_csv(path, dtype=str, keep_default_na=False).assign(comment="x")
        text = df.to_csv(index=False, lineterminator="\n")
    if kind == "xlsx":
        data = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4
    elif encoding == "gbk":
        data = text.encode("gbk")
    elif encoding == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = text.encode("utf-8")
    path.write_bytes(data)
    return line


def run_cli(capsys, folder: Path, out: Path, *extra) -> tuple[int, str]:
    try:
        rc = main(["--year", str(YEAR), "--region", "fz", "--inputs", str(folder), "--out", str(out), *extra])
    except SystemExit as exc:  # argparse
        rc = exc.code
    return rc, capsys.readouterr().err


def every_kind():
    """One explicit example per kind, on its first target, so no kind depends on the draw."""
    out = []
    for kind, (value, targets) in sorted(CELL_KINDS.items()):
        table, column = targets[0]
        value = {"huge": "1e9", "excel_error": "#DIV/0!"}.get(kind, value)
        out.append((table, column, "cell", kind, value, "utf-8"))
    for kind in FILE_KINDS:
        column = {"drop_column": "households", "misspell_column": "households", "extra_column": "comment",
                  "duplicate_key": "zone_id"}.get(kind)
        out.append(("zones", column, "file", kind, None, "utf-8"))
    return out


def with_every_kind(test):
    for c in every_kind():
        test = example(c=c, row=0)(test)
    return test


@FUZZ
@with_every_kind
@given(c=corruptions(), row=st.integers(0, 10))
def test_corrupted_table_exit_2_names_file_and_column(tmp_path_factory, capsys, c, row):
    table, column, level, kind, value, encoding = c
    base = tmp_path_factory.mktemp("fz")
    line = corrupt(base / "inp", table, column, level, kind, value, encoding, row)
    rc, err = run_cli(capsys, base / "inp", base / "res")
    assert rc == 2, (c, err)
    assert "Traceback" not in err
    assert f"{table}.csv" in err, (c, err)
    if column is not None:
        assert f"column '{column}'" in err, (c, err)
    if level == "cell" and kind not in ("bad_reference", "excel_scientific_id"):
        assert f"{table}.csv, row {line}, column '{column}'" in err, (c, err)
    if kind in ("ragged_row", "unclosed_quote"):
        assert f"{table}.csv, row {line}" in err, (c, err)
    assert not (base / "res").exists()


@FUZZ
@given(kind=st.sampled_from(["not_yaml", "not_mapping", "bad_number", "nan", "negative_price", "bad_keys"]))
def test_corrupted_scenarios_yaml_exit_2(tmp_path_factory, capsys, kind):
    base = tmp_path_factory.mktemp("fz")
    folder = write(base / "inp", region())
    text = {"not_yaml": "dear_gas: {set: [gas_price: 3\n", "not_mapping": "- a\n- b\n",
            "bad_number": "dear_gas:\n  set:\n    gas_price: three\n", "nan": "dear_gas:\n  set:\n    gas_price: .nan\n",
            "negative_price": "dear_gas:\n  set:\n    gas_price: -3\n", "bad_keys": "dear_gas:\n  sett: {gas_price: 3}\n"}[kind]
    (folder / "scenarios.yaml").write_text(text, encoding="utf-8")
    rc, err = run_cli(capsys, folder, base / "res")
    assert rc == 2 and "scenarios.yaml" in err and "Traceback" not in err, err
    assert not (base / "res").exists()


def test_empty_scenarios_yaml_is_no_scenarios(tmp_path, capsys):
    folder = write(tmp_path / "inp", region())
    (folder / "scenarios.yaml").write_text("", encoding="utf-8")
    assert load_region(folder, YEAR).scenarios == {}
    rc, err = run_cli(capsys, folder, tmp_path / "res", "--scenario", "dear_gas")
    assert rc == 2 and "unknown scenario (known: none)" in err


# ---------------------------------------------------------------- benign noise reads the same

NOISE = ["bom", "gbk", "crlf", "fullwidth_digits", "fullwidth_thousands", "padding", "blank_rows",
         "quote_all", "excel_trailing_commas"]


def add_noise(folder: Path, table: str, kinds: list[str]) -> None:
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "fullwidth_thousands" in kinds:  # 1200 -> "１，２００"; 0.0 -> "０.０"
        df = df.map(lambda v: _thousands(v))
    if "fullwidth_digits" in kinds:
        df = df.map(lambda v: v.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}))
    if "padding" in kinds:
        df = df.map(lambda v: f" {v}\u3000 " if v else v)  # ASCII and ideographic spaces
    quoting = 1 if "quote_all" in kinds else 0
    text = df.to_csv(index=False, lineterminator="\n", quoting=quoting)
    if "excel_trailing_commas" in kinds:  # an empty column Excel kept because a cell was formatted
        text = "".join(ln + ",\n" for ln in text.splitlines())
    if "blank_rows" in kinds:
        text += "," * (len(df.columns) - 1) + "\n\n"
    if "crlf" in kinds:
        text = text.replace("\n", "\r\n")
    data = text.encode("gbk") if "gbk" in kinds else text.encode("utf-8")
    if "bom" in kinds and "gbk" not in kinds:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def _thousands(v: str) -> str:
    try:
        x = float(v)
    except ValueError:
        return v
    if x.is_integer() and abs(x) >= 1000 and "e" not in v.lower():
        return f"{int(x):,}".replace(",", "，")
    return v


@pytest.fixture(scope="module")
def clean_tables(tmp_path_factory):
    folder = write(tmp_path_factory.mktemp("clean") / "inp", region())
    return load_region(folder, YEAR).tables


@FUZZ
@given(table=st.sampled_from(sorted(TABLES)), kinds=st.lists(st.sampled_from(NOISE), min_size=1, max_size=4, unique=True))
def test_spreadsheet_noise_reads_the_same(tmp_path_factory, clean_tables, table, kinds):
    folder = write(tmp_path_factory.mktemp("noise") / "inp", region())
    add_noise(folder, table, kinds)
    got = load_region(folder, YEAR).tables
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], clean_tables[name], obj=f"{name} with {kinds}")


# ---------------------------------------------------------------- as a user runs it

@pytest.mark.parametrize("kind, table, column, expect", [
    ("cell", "zones", "households", "zones.csv, row 2, column 'households': Excel error value '#DIV/0!'"),
    ("ragged_row", "routes", None, f"routes.csv, row 2: has {len(TABLES['routes'].columns) + 1} cells, more than the "
                                   f"{len(TABLES['routes'].columns)} columns"),
    ("header_only", "zones", None, "zones.csv: has a header but no data rows"),
])
def test_subprocess_exit_2_no_traceback(tmp_path, kind, table, column, expect):
    folder = tmp_path / "inp"
    corrupt(folder, table, column, "cell" if kind == "cell" else "file", kind, "#DIV/0!", "gbk", 0)
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", str(YEAR), "--inputs", str(folder),
                        "--out", str(tmp_path / "res")], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert p.returncode == 2, p.stderr
    assert expect in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "res").exists()


def test_unit_slips_are_flagged(tmp_path, capsys):
    """Valid numbers in the wrong unit: floor area 1,200 (10^4 m2) for 120 households is
    100,000 m2 per household; 0.7 (10^4 m2) for 1 household is 7,000 m2 (both outside 10-2000);
    a discount rate of 6 meaning 6 %; a design temperature in kelvin."""
    t = region()
    t["zones"].loc[0, "floor_area_10k_m2"] = 1200.0  # 1200 * 10^4 m2 / 120 households = 100,000 m2
    t["zones"].loc[1, "households"] = 1  # 0.7 * 10^4 m2 for one household
    p = t["parameters"]
    p.loc[p["name"] == "discount_rate", "value"] = 6
    p.loc[p["name"] == "design_temperature_c", "value"] = 271.15
    folder = write(tmp_path / "inp", t)
    rc, err = run_cli(capsys, folder, tmp_path / "res")
    assert rc == 2
    assert "zones.csv, row 2, column 'floor_area_10k_m2': 100,000.0 m^2 per household" in err
    assert "zones.csv, row 3, column 'floor_area_10k_m2': 7,000.0 m^2 per household" in err
    assert "for discount_rate (a share: write 0.06 or 6%, not 6)" in err
    assert "271.15 is outside the plausible range (>= -45 and <= 10) for design_temperature_c" in err
