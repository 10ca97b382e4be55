"""Inputs as one .xlsx workbook: the same tables, the same rules, messages that name sheet, row and column."""
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import factory as f
from model.errors import InputError
from model.pipeline import solve_region
from model.registry import REFERENCES, TABLES, column_zh
from model.solve import SolveOptions
from model.validate import load_region
from model.workbook import README_SHEET, folder_to_workbook

SCENARIOS = {"dear_gas": {"description": "gas at 3", "set": {"gas_price": 3.0}},
             "plan": {"description": "the plan", "fix_plan_routes": True}}



def assert_same_tables(a, b):
    """The same rows and values in every table (an optional table without rows may be an empty sheet or absent)."""
    for name in TABLES:
        if len(a.tables[name]) == len(b.tables[name]) == 0:
            assert list(a.tables[name].columns) == list(b.tables[name].columns)
            continue
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)

def region(tmp_path: Path) -> Path:
    """Six zones that split between gas, heat pumps and quality coal under a gas cap, with a scenario."""
    zones = [f.zone(f"Z{i}", households=3 + i, floor_area_10k_m2=0.02 * (3 + i) * (1 + i / 10), gas_network=i % 2,
                    plan_route="ashp" if i == 0 else "", plan_retrofit=0 if i == 0 else "", township_id=f"1409{i:05d}")
             for i in range(6)]
    t = f.tables(zones=zones, years={"gas_annual_cap_10k_m3": 0.8},
                 building_types={"retrofit_capex_yuan_per_m2": 100.0, "retrofit_saving": 0.3, "retrofit_lifetime_yr": 20.0})
    return f.write_region(tmp_path / "csv", t, SCENARIOS)


def problems(path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_region(path, 2022)
    return [str(p) for p in err.value.problems]


def test_round_trip_folder_workbook_solve_gives_the_same_objective(tmp_path):
    folder = region(tmp_path)
    book = tmp_path / "county.xlsx"
    folder_to_workbook(folder, book)
    a, b = load_region(folder, 2022), load_region(book, 2022)
    assert b.region == "county" and b.scenarios == a.scenarios == SCENARIOS
    assert_same_tables(a, b)
    opts = SolveOptions(mip_gap=0.0)
    for scenarios in ([], ["dear_gas"], ["plan"]):
        ra = solve_region(folder, 2022, scenarios, options=opts).dataset
        rb = solve_region(book, 2022, scenarios, options=opts).dataset
        assert float(ra.objective) == float(rb.objective)
        assert ra.chosen_route.values.tolist() == rb.chosen_route.values.tolist()
    assert len(set(ra.chosen_route.values.tolist())) > 1  # the cap makes the plan a real choice


def test_workbook_layout_units_dropdowns_frozen_headers_and_explanations(tmp_path):
    book = tmp_path / "county.xlsx"
    folder_to_workbook(region(tmp_path), book)
    wb = load_workbook(book)
    assert wb.sheetnames[0] == README_SHEET
    zones = wb["zones"]
    cols = [c.name for c in TABLES["zones"].columns]
    assert [c.value for c in zones[1]] == cols
    assert [c.value for c in zones[2]] == [c.unit for c in TABLES["zones"].columns]
    assert zones.freeze_panes == "A3"
    letter = {name: chr(ord("A") + i) for i, name in enumerate(cols)}
    checks = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in zones.data_validations.dataValidation}
    assert checks[f"{letter['gas_network']}3"] == '"0,1"'
    assert checks[f"{letter['county_id']}3"].startswith("counties!$A$3:$A$")
    assert checks[f"{letter['existing_route']}3"].startswith("routes!$A$3:$A$")
    refs = [r for r in REFERENCES if r.table == "zones"]
    assert all(f"{letter[r.column]}3" in checks for r in refs)
    # every column of every table is explained, in Chinese and English, with its unit
    rows = {(r[0], r[1]): r for r in wb[README_SHEET].iter_rows(values_only=True) if r[0] in TABLES and r[1]}
    for t in TABLES.values():
        for c in t.columns:
            row = rows[(t.name, c.name)]
            assert row[2] == column_zh(t.name, c.name) and row[3] == c.description and row[4] == c.unit
    # ids stay text in Excel
    assert zones.cell(row=3, column=cols.index("township_id") + 1).number_format == "@"


def test_errors_name_sheet_row_and_column(tmp_path):
    book = tmp_path / "county.xlsx"
    folder_to_workbook(region(tmp_path), book)
    wb = load_workbook(book)
    zones = wb["zones"]
    cols = [c.name for c in TABLES["zones"].columns]
    zones.cell(row=4, column=cols.index("households") + 1, value="many")
    zones.cell(row=5, column=cols.index("county_id") + 1, value="C9")
    wb["routes"].cell(row=3, column=6, value=2)  # clean
    wb.save(book)
    msgs = problems(book)
    assert f"{book}, sheet 'zones', row 4, column 'households': 'many' is not a whole number" in msgs
    assert f"{book}, sheet 'zones', row 5, column 'county_id': 'C9' is not a county_id in sheet 'counties'" in msgs
    assert f"{book}, sheet 'routes', row 3, column 'clean': '2' must be 0 or 1" in msgs
    assert len(msgs) == 3


def test_units_row_may_be_deleted_and_optional_columns_left_out(tmp_path):
    book = tmp_path / "county.xlsx"
    folder_to_workbook(region(tmp_path), book)
    wb = load_workbook(book)
    wb["zones"].delete_rows(2)
    zones = wb["zones"]
    cols = [c.value for c in zones[1]]
    zones.delete_cols(cols.index("low_income_share") + 1)
    zones.cell(row=2, column=cols.index("households") + 1, value=-1)
    wb.save(book)
    # without the units row, the first zone is on row 2
    assert problems(book) == [f"{book}, sheet 'zones', row 2, column 'households': must be > 0 (got -1)"]


def test_missing_sheet_and_unreadable_files(tmp_path):
    book = tmp_path / "county.xlsx"
    folder_to_workbook(region(tmp_path), book)
    wb = load_workbook(book)
    wb["zones"].title = "zone"
    wb.save(book)
    assert f"{book}: sheet 'zones' is missing (found sheet 'zone': misspelt?)" in problems(book)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("zone_id,county_id\n", encoding="utf-8")
    assert problems(fake) == [f"{fake}: is not a readable .xlsx workbook (BadZipFile): save it from Excel as "
                              "'Excel Workbook (*.xlsx)'"]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "Excel 97-2003 workbook" in problems(old)[0]
    assert problems(tmp_path / "none.xlsx") == [f"{tmp_path / 'none.xlsx'}: input workbook does not exist"]


def test_scenarios_sheet_follows_the_scenario_rules(tmp_path):
    book = tmp_path / "county.xlsx"
    folder_to_workbook(region(tmp_path), book)
    wb = load_workbook(book)
    ws = wb["scenarios"]
    ws.cell(row=2, column=3, value="gas_price=abc")
    ws.cell(row=3, column=3, value="discount_rate")
    wb.save(book)
    msgs = problems(book)
    assert any(m.startswith(f"{book}, sheet 'scenarios', row 2, column 'dear_gas.set.gas_price': 'abc' is not a number")
               for m in msgs)
    assert any(m.startswith(f"{book}, sheet 'scenarios', row 3, column 'set': 'discount_rate' is not NAME=VALUE") for m in msgs)


def test_conversion_never_overwrites(tmp_path):
    folder = region(tmp_path)
    book = tmp_path / "county.xlsx"
    book.write_bytes(b"mine")
    with pytest.raises(InputError, match="already exists"):
        folder_to_workbook(folder, book)
    assert book.read_bytes() == b"mine"


@pytest.mark.parametrize("shipped", ["xinzhou"])
def test_shipped_region_reads_the_same_from_its_workbook(tmp_path, shipped):
    folder = Path(__file__).resolve().parents[1] / "inputs" / shipped
    book = tmp_path / f"{shipped}.xlsx"
    folder_to_workbook(folder, book)
    a, b = load_region(folder, 2022), load_region(book, 2022)
    assert b.scenarios == a.scenarios
    assert_same_tables(a, b)


def test_sheet_reader_reads_what_openpyxl_reads_on_both_paths(tmp_path, monkeypatch):
    """Shared and inline strings, entities, CJK, booleans, ints, floats, gaps: the direct XML reader (its fast
    pass and its general pass) gives the cells openpyxl gives."""
    from openpyxl import Workbook

    from model import workbook
    from model.workbook import cell_text, read_workbook

    rows = [["id", "名称", "x", "flag", "note"], ["A&B", "张庄村", 0.1, True, None], [None, "<x>", 1e-7, False, "a\"b"],
            [], ["3.70102E+11", "", 2500.0, None, 12345678901234], [None, None, None, None, "last"]]
    for write_only in (False, True):  # shared strings / inline strings
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet("t") if write_only else wb.active
        if not write_only:
            ws.title = "t"
        for r in rows:
            ws.append(r)
        path = tmp_path / f"t{int(write_only)}.xlsx"
        wb.save(path)
        expected = [[cell_text(v) for v in r] for r in rows]
        expected = [(n, r[: max([i + 1 for i, v in enumerate(r) if v] or [0])]) for n, r in enumerate(expected, start=1)]
        expected = [(n, r) for n, r in expected if r]
        fast = read_workbook(path, [])["t"]
        assert list(zip(fast[1], fast[0])) == expected
        monkeypatch.setattr(workbook, "_fast_rows", lambda xml, strings: None)
        general = read_workbook(path, [])["t"]
        monkeypatch.undo()
        assert general == fast
