"""The report's Excel workbook: one formatted sheet per table.

Row 1 the table's title, row 2 its units and source, row 3 the header (frozen, with an autofilter),
then the rows; number formats by column (integers, decimals, percent), column widths from the
content, and a total row written as SUBTOTAL formulas (they follow the filter).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from model.report import tables as tb
from model.report.labels import SHEET_NAMES, T

TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
FORMAT_INT = "#,##0"
FORMAT_DEC1 = "#,##0.0"
FORMAT_DEC2 = "#,##0.00"
FORMAT_SMALL = "0.000"
FORMAT_PCT = '0.0"%"'  # values are already percentages (12.3 means 12.3 %)


def sheet_names(tables: list[tb.Table], lang: str) -> dict[str, str]:
    """Table id -> sheet name: the language's short name, at most 31 characters, unique, no []:*?/\\."""
    out, used = {}, set()
    for t in tables:
        base = SHEET_NAMES.get(t.id, (t.title, t.title))[0 if lang == "zh" else 1]
        base = re.sub(r"[\[\]:*?/\\]", "_", base)[:31] or t.id[:31]
        name, i = base, 2
        while name.lower() in used:
            suffix = f" ({i})"
            name, i = base[:31 - len(suffix)] + suffix, i + 1
        used.add(name.lower())
        out[t.id] = name
    return out


def _display_width(v) -> int:
    s = v if isinstance(v, str) else _fmt_for_width(v)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def _fmt_for_width(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (int, float, np.integer, np.floating)):
        return f"{float(v):,.2f}"
    return str(v)


def number_format(values: pd.Series, percent: bool) -> str:
    """A column's format from its values: percent, integers, or the decimals its size needs."""
    if percent:
        return FORMAT_PCT
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(x) == 0 or np.all(np.abs(x - np.round(x)) < 1e-9):
        return FORMAT_INT
    big = np.nanmax(np.abs(x))
    if big >= 1000:
        return FORMAT_INT
    if big >= 10:
        return FORMAT_DEC1
    if big >= 0.1:
        return FORMAT_DEC2
    return FORMAT_SMALL


def _cell(v):
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return int(v)
    return v


def _percent_cols(t: tb.Table) -> set[str]:
    return set(t.percent_cols) | {c for c in t.df.columns if str(c).endswith("%)") or str(c).endswith("（%）")}


def write_xlsx(tables: list[tb.Table], path: Path, lang: str, source: str) -> dict[str, str]:
    """Write the workbook; returns table id -> sheet name."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    names = sheet_names(tables, lang)
    wb = Workbook()
    wb.remove(wb.active)
    head_fill = PatternFill("solid", fgColor="F3EFE8")
    total_fill = PatternFill("solid", fgColor="FAF7F2")
    thin = Side(style="thin", color="BBBBBB")
    for t in tables:
        ws = wb.create_sheet(names[t.id])
        df = t.df
        ncol = max(1, len(df.columns))
        ws.cell(TITLE_ROW, 1, t.title).font = Font(bold=True, size=13)
        note = T("xlsx_note", lang).format(source=source)
        if t.note:
            note = f"{note} {t.note}"
        ws.cell(NOTE_ROW, 1, note).font = Font(italic=True, size=9, color="555555")
        for j, c in enumerate(df.columns, start=1):
            cell = ws.cell(HEADER_ROW, j, str(c))
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = Border(bottom=thin)
        body = df.iloc[:-1] if t.total_row and len(df) else df
        for i, row in enumerate(body.itertuples(index=False), start=FIRST_DATA_ROW):
            for j, v in enumerate(row, start=1):
                ws.cell(i, j, _cell(v))
        last = FIRST_DATA_ROW + len(body) - 1
        pct = _percent_cols(t)
        numeric = {}
        for j, c in enumerate(df.columns, start=1):
            col = df[c]
            if pd.api.types.is_numeric_dtype(col) or pd.to_numeric(col, errors="coerce").notna().sum() > \
                    (col.astype(str) != "").sum() / 2:
                fmt = number_format(col, c in pct)
                numeric[j] = fmt
                for i in range(FIRST_DATA_ROW, last + 1):
                    ws.cell(i, j).number_format = fmt
        if t.total_row and len(df):
            _total_row(ws, t, last, numeric, pct, total_fill)
        # widths: the widest of header words and formatted values, CJK counted double
        for j, c in enumerate(df.columns, start=1):
            words = max((_display_width(w) for w in re.split(r"[ （(]", str(c)) if w), default=4)
            vals = [_display_width(v) for v in df[c].head(2000)]
            width = max([min(words, 18), *vals, 4])
            ws.column_dimensions[get_column_letter(j)].width = min(60, width + 2)
        ws.row_dimensions[HEADER_ROW].height = 32
        # header rows stay in view; so do the label columns of narrow-keyed tables
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, min(t.key_cols, ncol) + 1 if t.key_cols <= 3 else 1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(ncol)}{max(last, HEADER_ROW)}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if ncol > 8 else "portrait"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(path)
    return names


def _total_row(ws, t: tb.Table, last: int, numeric: dict[int, str], pct: set[str], fill) -> None:
    """The table's total row as formulas: SUBTOTAL(109, ...) sums the visible rows of each numeric
    column (a filtered list totals what it shows); shares stay values (a share is not a sum)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    df = t.df
    r = last + 1
    total_vals = df.iloc[-1]
    for j, c in enumerate(df.columns, start=1):
        v = total_vals.iloc[j - 1]
        cell = ws.cell(r, j)
        letter = get_column_letter(j)
        if j in numeric and c not in pct and isinstance(v, (int, float, np.integer, np.floating)) and not \
                (isinstance(v, float) and math.isnan(v)):
            cell.value = f"=SUBTOTAL(109,{letter}{FIRST_DATA_ROW}:{letter}{last})"
            cell.number_format = numeric[j]
        elif j in numeric and c in pct:
            cell.value = _cell(v)  # a share of totals is not a sum of shares: keep the computed value
            cell.number_format = numeric[j]
        else:
            cell.value = _cell(v) if isinstance(v, str) else None
        cell.font = Font(bold=True)
        cell.fill = fill
