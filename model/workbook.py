"""A region's inputs as one Excel workbook: a sheet per table, the same rules as the CSV folder.

Layout (what `write_workbook` makes and `read_workbook` reads):

- one sheet per table of `model.registry.TABLES`, named like the CSV file without `.csv`;
  row 1 the column names, row 2 their units (skipped on reading when it holds exactly the
  registry's units, so a user may delete it), data from row 3; headers frozen;
- dropdowns (data validation) on flags (0/1), on columns with a fixed list of values, and on
  every id that must name a row of another sheet (county, building type, route, fuel, group);
- `scenarios` (optional): one row per named scenario, `set` written as `name=value; name=value`;
- `sources` (optional): the region's notes on generated values, kept with the data, not read;
- `说明 README`: every column explained in Chinese and English, with unit and rule, from the registry.

Problems are located as "<workbook>, sheet '<table>', row <n>, column '<name>'" (Excel's row numbers).
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import Problem
from model.registry import REFERENCES, TABLES, TABLES_ZH, column_zh

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OLD_EXCEL_SUFFIXES = (".xls",)
README_SHEET = "说明 README"
LISTS_SHEET = "lists"  # hidden: the values of long dropdown lists
SOURCES_SHEET = "sources"
SCENARIOS_SHEET = "scenarios"
SCENARIO_COLUMNS = ("scenario", "description", "set", "fix_plan_routes")
FIRST_DATA_ROW = 3  # row 1 header, row 2 units
SOURCES_COLUMNS = ("parameter", "value", "unit", "source")


def is_workbook(path: Path) -> bool:
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES + OLD_EXCEL_SUFFIXES


def sheet_label(path: Path, sheet: str) -> str:
    """How problems name a sheet: the `file` of a `Problem`."""
    return f"{path}, sheet '{sheet}'"


def cell_text(value) -> str:
    """A cell value as the text a CSV would hold (shortest float repr, whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _column_index(ref: str) -> int:
    """'B7' -> 1 (0-based column of a cell reference)."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    import xml.etree.ElementTree as ET

    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in ET.iterparse(fh):
            if el.tag == _NS + "si":
                # plain <t>, or rich-text runs <r><t>; phonetic guides (<rPh>) are not part of the value
                phonetic = {id(t) for r in el.iter(_NS + "rPh") for t in r.iter(_NS + "t")}
                out.append("".join(t.text or "" for t in el.iter(_NS + "t") if id(t) not in phonetic))
                el.clear()
    return out


def _sheet_paths(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order."""
    import xml.etree.ElementTree as ET

    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = []
    for sh in wb.iter(_NS + "sheet"):
        t = target[sh.get(_REL_NS + "id")]
        t = t.lstrip("/") if t.startswith("/") else "xl/" + t
        out.append((sh.get("name"), t))
    return out


_ROW = re.compile(r"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(r'\b([rt])="([^"]*)"')
_V = re.compile(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_RPH = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


# The cells as Excel, WPS and openpyxl write them: reference, optional style and type, a value or inline text
_FAST_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")? ?(?:/>|>(?:<f>[^<]*</f>|<f/>)?'
                        r'(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t></is>)?</c>)')


def _value(kind: str, raw: str, strings: list[str]) -> str:
    if kind == "s":
        return strings[int(raw)]
    if kind == "b":
        return "1" if raw == "1" else "0"
    if kind in ("str", "e", "inlineStr"):
        return html.unescape(raw) if "&" in raw else raw
    num = float(raw)
    return cell_text(int(num) if num.is_integer() and abs(num) < 1e16 else num)


def _fast_rows(xml: str, strings: list[str]) -> tuple[list[list[str]], list[int]] | None:
    """One regex pass over the common cell form, numpy for the rest; None when the sheet holds another form."""
    cells = _FAST_CELL.findall(xml)
    if len(cells) != xml.count("<c ") or "<c>" in xml:
        return None
    if not cells:
        return [], []
    table = np.array(cells, dtype=object)  # (cells, 5): letters, row, type, value, inline text
    letters, row, kind, v, inline = table.T
    is_inline = kind == "inlineStr"
    text = np.where(is_inline, inline, "")
    valued = ~is_inline & (v != "")
    if valued.any():  # each distinct (type, raw value) converted once
        codes, uniq = pd.factorize(pd.Series(kind[valued]) + "|" + pd.Series(v[valued]))
        conv = np.array([_value(*key.split("|", 1), strings) for key in uniq], dtype=object)
        text[valued] = conv[codes]
    if is_inline.any() and "&" in xml:
        idx = np.flatnonzero(is_inline)
        amp = np.array(["&" in t for t in text[idx]], dtype=bool)
        text[idx[amp]] = [html.unescape(t) for t in text[idx[amp]]]
    keep = text != ""
    lcodes, luniq = pd.factorize(letters[keep])
    col = np.array([_column_index(x) for x in luniq], dtype=np.int64)[lcodes]
    rcodes, runiq = pd.factorize(row[keep].astype(np.int64), sort=True)
    grid = np.full((len(runiq), int(col.max()) + 1), "", dtype=object)
    grid[rcodes, col] = text[keep]
    records = grid.tolist()
    for rec in records:
        while rec and rec[-1] == "":
            rec.pop()
    return records, [int(r) for r in runiq]


def _sheet_rows(zf: zipfile.ZipFile, part: str, strings: list[str]) -> tuple[list[list[str]], list[int]]:
    """Rows of one worksheet as cell text (as `cell_text` writes it) with their row numbers.

    The sheet XML (SpreadsheetML, as Excel, WPS and openpyxl write it) is scanned with regular
    expressions: rows, their cells (reference, type) and each cell's value or inline text.
    Rows without any cell are left out (their cells are empty anyway).
    """
    xml = zf.read(part).decode("utf-8")
    fast = _fast_rows(xml, strings)
    if fast is not None:
        return fast
    records, rows = [], []
    for row_attrs, body in _ROW.findall(xml):
        m = re.search(r'\br="(\d+)"', row_attrs)
        n = int(m.group(1)) if m else (rows[-1] + 1 if rows else 1)
        cells: dict[int, str] = {}
        for attrs, inner in _CELL.findall(body or ""):
            a = dict(_ATTR.findall(attrs))
            ref, kind = a.get("r"), a.get("t")
            col = _column_index(ref) if ref else len(cells)
            if kind == "inlineStr":
                text = "".join(_T.findall(_RPH.sub("", inner)))
            else:
                v = _V.search(inner)
                raw = v.group(1) if v else None
                if raw is None:
                    text = ""
                elif kind == "s":
                    text = strings[int(raw)]
                    cells[col] = text
                    continue
                elif kind == "b":
                    text = "1" if raw == "1" else "0"
                elif kind in ("str", "e"):
                    text = raw
                else:
                    num = float(raw)
                    text = cell_text(int(num) if num.is_integer() and abs(num) < 1e16 else num)
            cells[col] = html.unescape(text) if "&" in text else text
        width = max(cells) + 1 if cells else 0
        rec = [""] * width
        for c, t in cells.items():
            rec[c] = t
        while rec and rec[-1] == "":
            rec.pop()
        if rec:
            records.append(rec)
            rows.append(n)
    return records, rows


def read_workbook(path: Path, problems: list[Problem]) -> dict[str, tuple[list[list[str]], list[int]]] | None:
    """Every sheet of a workbook as records of text with their Excel row numbers, or None (problem noted).

    Reads the sheets' XML directly (the standard library's streaming parser): 100,000 ledger rows take
    a few seconds, where openpyxl's cell objects take several times that. Cached formula results are read.
    """
    import xml.etree.ElementTree as ET

    file = str(path)
    if not path.exists():
        problems.append(Problem(file, None, None, "input workbook does not exist"))
        return None
    if path.suffix.lower() in OLD_EXCEL_SUFFIXES:
        problems.append(Problem(file, None, None, "is an Excel 97-2003 workbook (.xls): in Excel use 'Save As' > "
                                "'Excel Workbook (*.xlsx)'"))
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            strings = _shared_strings(zf)
            return {name.strip(): _sheet_rows(zf, part, strings) for name, part in _sheet_paths(zf)}
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, ET.ParseError) as exc:
        problems.append(Problem(file, None, None, f"is not a readable .xlsx workbook ({exc.__class__.__name__}): "
                                "save it from Excel as 'Excel Workbook (*.xlsx)'"))
        return None


def scenarios_from_records(records: list[list[str]], rows: list[int], label: str,
                           problems: list[Problem]) -> dict[str, dict]:
    """The `scenarios` sheet -> the mapping scenarios.yaml holds (values checked by the caller)."""
    from model.validate import parse_number

    if not records:
        return {}
    header = [h.strip() for h in records[0]]
    missing = [c for c in ("scenario", "set") if c not in header]
    if missing:
        problems.append(Problem(label, 1, None, f"needs the columns {', '.join(SCENARIO_COLUMNS)} "
                                f"(missing: {', '.join(missing)})"))
        return {}
    unknown = [c for c in header if c and c not in SCENARIO_COLUMNS]
    for c in unknown:
        problems.append(Problem(label, 1, c, f"unknown column (allowed: {', '.join(SCENARIO_COLUMNS)})"))
    out: dict[str, dict] = {}
    for cells, row in zip(records[1:], rows[1:]):
        cells = cells + [""] * (len(header) - len(cells))
        rec = {h: cells[i].strip() for i, h in enumerate(header) if h}
        name = rec.get("scenario", "")
        if not any(rec.values()):
            continue
        if rec.get("units") == "-" or name == "-":
            continue  # units row
        if not name:
            problems.append(Problem(label, row, "scenario", "a scenario needs a name"))
            continue
        if name in out:
            problems.append(Problem(label, row, "scenario", f"scenario '{name}' appears twice"))
            continue
        spec: dict = {}
        if rec.get("description"):
            spec["description"] = rec["description"]
        sets = {}
        for item in [x.strip() for x in rec.get("set", "").replace("；", ";").split(";") if x.strip()]:
            if "=" not in item:
                problems.append(Problem(label, row, "set", f"'{item}' is not NAME=VALUE (write e.g. gas_price=3.2; "
                                        "subsidy_budget_10k_yuan=30000)"))
                continue
            k, v = (x.strip() for x in item.split("=", 1))
            num = parse_number(v)
            sets[k] = num if num is not None else v
        if sets:
            spec["set"] = sets
        flag = rec.get("fix_plan_routes", "")
        if flag not in ("", "0", "1"):
            problems.append(Problem(label, row, "fix_plan_routes", f"'{flag}' must be 0 or 1"))
        elif flag == "1":
            spec["fix_plan_routes"] = True
        out[name] = spec
    return out


# --- writing -------------------------------------------------------------------------------
def _typed_cell(text: str, dtype: str):
    """CSV text -> the value a cell should hold: numbers as numbers, the rest as text."""
    from model.validate import parse_number

    if text == "":
        return None
    if dtype in ("int", "float", "flag"):
        num = parse_number(text)
        if num is None or not math.isfinite(num):
            return text
        if dtype in ("int", "flag") and float(num).is_integer():
            return int(num)
        return float(num)
    return text


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _explanation_rows() -> list[tuple]:
    from model.schema_doc import column_rule

    rows = []
    for t in TABLES.values():
        for c in t.columns:
            rule = column_rule(c)
            if c.dtype == "flag":
                rule = "; ".join(x for x in ("0 or 1", rule) if x)
            rows.append((t.name, c.name, column_zh(t.name, c.name), c.description, c.unit, c.dtype,
                         "yes" if c.required else "may be empty", rule))
    return rows


def write_workbook(path: Path, tables: dict[str, pd.DataFrame], scenarios: dict | None = None,
                   sources: pd.DataFrame | None = None, title: str = "") -> None:
    """Write tables (DataFrames of CSV text, registry column order) as one workbook at `path`.

    The caller makes sure `path` does not hold anything the user made (this function writes it).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    unit_font = Font(italic=True, color="666666")
    lists = None
    list_col = 0

    def list_range(values: tuple[str, ...]) -> str:
        nonlocal lists, list_col
        if lists is None:
            lists = wb.create_sheet(LISTS_SHEET)
            lists.sheet_state = "hidden"
        list_col += 1
        letter = _column_letter(list_col)
        for i, v in enumerate(values, start=1):
            lists.cell(row=i, column=list_col, value=v)
        return f"{LISTS_SHEET}!${letter}$1:${letter}${len(values)}"

    key_column: dict[str, str] = {}  # "table.column" -> its letter, for references
    for t in TABLES.values():
        for i, c in enumerate(t.columns, start=1):
            key_column[f"{t.name}.{c.name}"] = _column_letter(i)
    sizes = {name: len(tables.get(name, ())) for name in TABLES}

    for t in TABLES.values():
        ws = wb.create_sheet(t.name)
        df = tables.get(t.name)
        n = len(df) if df is not None else 0
        last = FIRST_DATA_ROW + max(n, 1) + 5000  # dropdowns reach well past the data for new rows
        for j, c in enumerate(t.columns, start=1):
            h = ws.cell(row=1, column=j, value=c.name)
            h.font, h.fill = head_font, head_fill
            h.comment = Comment(f"{column_zh(t.name, c.name)}\n{c.description}", "registry", width=300, height=120)
            u = ws.cell(row=2, column=j, value=c.unit)
            u.font = unit_font
            ws.column_dimensions[_column_letter(j)].width = max(12, min(40, len(c.name) + 2))
        if df is not None:
            cols = list(t.columns)
            values = [df[c.name].astype(str).tolist() if c.name in df.columns else [""] * n for c in cols]
            for i in range(n):
                for j, c in enumerate(cols):
                    v = _typed_cell(values[j][i], c.dtype)
                    if v is not None:
                        cell = ws.cell(row=FIRST_DATA_ROW + i, column=j + 1, value=v)
                        if c.dtype in ("str", "list"):
                            cell.number_format = "@"  # ids stay text (no 3.70102E+11)
        ws.freeze_panes = f"A{FIRST_DATA_ROW}"
        # dropdowns
        for j, c in enumerate(t.columns, start=1):
            letter = _column_letter(j)
            area = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
            dv = None
            if c.dtype == "flag":
                dv = DataValidation(type="list", formula1='"0,1"', allow_blank=not c.required)
                dv.error = f"{c.name}: 0 or 1"
            elif c.choices and c.dtype == "str":
                dv = DataValidation(type="list", formula1=list_range(c.choices), allow_blank=not c.required)
                dv.error = f"{c.name}: one of {', '.join(c.choices)}"
            else:
                ref = next((r for r in REFERENCES if r.table == t.name and r.column == c.name), None)
                if ref is not None:
                    rl = key_column[f"{ref.ref_table}.{ref.ref_column}"]
                    end = FIRST_DATA_ROW + max(sizes[ref.ref_table], 1) + 5000
                    dv = DataValidation(type="list", formula1=f"{ref.ref_table}!${rl}${FIRST_DATA_ROW}:${rl}${end}",
                                        allow_blank=not c.required)
                    dv.error = f"{c.name}: a {ref.ref_column} of sheet {ref.ref_table}"
                    dv.errorStyle = "warning"  # a new id may be typed before its row exists
            if dv is not None:
                dv.showErrorMessage = True
                dv.errorTitle = c.name
                ws.add_data_validation(dv)
                dv.add(area)

    if scenarios:
        ws = wb.create_sheet(SCENARIOS_SHEET)
        for j, name in enumerate(SCENARIO_COLUMNS, start=1):
            ws.cell(row=1, column=j, value=name).font = head_font
        for i, (name, spec) in enumerate(sorted(scenarios.items()), start=2):
            spec = spec or {}
            sets = "; ".join(f"{k}={v}" for k, v in (spec.get("set") or {}).items())
            for j, v in enumerate((str(name), spec.get("description", ""), sets,
                                   1 if spec.get("fix_plan_routes") else None), start=1):
                if v not in ("", None):
                    ws.cell(row=i, column=j, value=v)
        ws.freeze_panes = "A2"
        for j, w in enumerate((22, 60, 60, 16), start=1):
            ws.column_dimensions[_column_letter(j)].width = w
    if sources is not None and len(sources):
        ws = wb.create_sheet(SOURCES_SHEET)
        for j, name in enumerate(SOURCES_COLUMNS, start=1):
            ws.cell(row=1, column=j, value=name).font = head_font
        for i, row in enumerate(sources[list(SOURCES_COLUMNS)].astype(str).itertuples(index=False), start=2):
            for j, v in enumerate(row, start=1):
                if v != "":
                    ws.cell(row=i, column=j, value=v)
        ws.freeze_panes = "A2"

    # the explanation sheet, first
    intro = [
        title or "清洁取暖规划模型输入工作簿 Clean heating planner: input workbook",
        "每张表一个工作表；第1行为列名，第2行为单位（可删除），数据从第3行开始。灰色单位行不被读取。"
        " One sheet per table; row 1 column names, row 2 units (may be deleted), data from row 3.",
        "下拉框列出可选值（0/1 标志、固定取值、其他工作表中的编号）。编号列为文本格式，请勿改为数字。"
        " Dropdowns offer flags, fixed values and ids defined on other sheets; id columns are text: keep them so.",
        "检查 Check: python scripts/solve.py --year 2022 --inputs 本文件.xlsx --check ；"
        "求解 Solve: python scripts/solve.py --year 2022 --inputs 本文件.xlsx",
        "单位 Units: 10^4 = 万 (10^4 m^2 = 万平方米, 10^4 yuan = 万元); a = 年 year; household = 户.",
        "",
    ]
    for i, line in enumerate(intro, start=1):
        readme.cell(row=i, column=1, value=line).font = Font(bold=(i == 1))
    top = len(intro) + 1
    head = ("表 table", "列 column", "含义", "meaning", "单位 unit", "类型 type", "必填 required", "规则 rule")
    for j, h in enumerate(head, start=1):
        cell = readme.cell(row=top, column=j, value=h)
        cell.font, cell.fill = head_font, head_fill
    table_rows = [(t.name, "", TABLES_ZH.get(t.name, ""), t.description + f" Key: {', '.join(t.key)}.", "", "", "", "")
                  for t in TABLES.values()]
    r = top + 1
    by_table: dict[str, list[tuple]] = {}
    for row in _explanation_rows():
        by_table.setdefault(row[0], []).append(row)
    for trow in table_rows:
        for j, v in enumerate(trow, start=1):
            readme.cell(row=r, column=j, value=v).font = Font(bold=True)
        r += 1
        for row in by_table[trow[0]]:
            for j, v in enumerate(row, start=1):
                readme.cell(row=r, column=j, value=v).alignment = Alignment(wrap_text=j in (3, 4, 8), vertical="top")
            r += 1
    for j, w in enumerate((14, 34, 40, 60, 16, 8, 14, 40), start=1):
        readme.column_dimensions[_column_letter(j)].width = w
    readme.freeze_panes = f"A{top + 1}"
    if lists is not None:
        wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    wb.properties.creator = "clean heating planner"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def table_sheet_problems(sheets: dict, path: Path, problems: list[Problem]) -> None:
    """Missing table sheets, with a hint when a sheet of a close name exists."""
    import difflib

    names = set(sheets)
    others = [s for s in names if s not in TABLES and s not in (README_SHEET, LISTS_SHEET, SOURCES_SHEET, SCENARIOS_SHEET)]
    for t in TABLES.values():
        if t.name in names or not t.required:
            continue
        close = difflib.get_close_matches(t.name, others, n=1)
        hint = f" (found sheet '{close[0]}': misspelt?)" if close else ""
        problems.append(Problem(str(path), None, None, f"sheet '{t.name}' is missing{hint}"))


def folder_tables(folder: Path, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    """The tables of a CSV folder as text (read and checked for structure the way load_region does)."""
    from model.validate import read_csv

    out = {}
    for t in TABLES.values():
        df = read_csv(folder / t.filename, t, problems)
        if df is not None:
            out[t.name] = df.reset_index(drop=True)
    return out


def folder_to_workbook(folder: Path, path: Path, title: str = "") -> None:
    """Copy a CSV region folder into one workbook (tables, scenarios.yaml, sources.csv); raises InputError
    if a table cannot be read. `path` must not exist (nothing the user made is overwritten)."""
    from model.errors import InputError
    from model.validate import load_scenarios

    if path.exists():
        raise InputError([Problem(str(path), None, None, "already exists: choose another name (nothing is overwritten)")])
    problems: list[Problem] = []
    tables = folder_tables(folder, problems)
    scenarios = load_scenarios(folder, problems)
    if problems:
        raise InputError(problems)
    sources = None
    if (folder / "sources.csv").exists():
        sources = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if list(sources.columns) != list(SOURCES_COLUMNS):
            sources = None
    write_workbook(path, tables, scenarios, sources, title)
