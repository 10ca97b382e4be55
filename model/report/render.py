"""Write a report folder: report.html (self-contained), report.md, figures (PNG, SVG), tables (CSV, xlsx).

The folder `<scenario>.report/` beside the result is built in a temporary folder and renamed into place,
so a failure leaves no half-written report; an existing folder is replaced only if it is an earlier
report (its manifest lists every file in it).
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr

from model.report import figures as fg
from model.report import tables as tb
from model.report.fonts import HTML_FAMILY, matplotlib_rc, subset_woff_base64
from model.report.labels import CONSTRAINT_FAMILIES, T, unit_label

GENERATOR = "model.report"
MANIFEST = "report.json"


class ReportError(Exception):
    """A report cannot be made; the message says why and what to do."""


@dataclass
class Content:
    title: str
    meta: list[tuple[str, str]]
    tables: list[tb.Table]
    figures: list[tuple[str, str, object]]  # (id, title, Figure)
    notes: list[str]
    binding: pd.DataFrame
    headline: dict


def fmt(v, percent: bool = False) -> str:
    """A number as a planner reads it: thousands separators, sensible decimals."""
    if v is None or isinstance(v, str):
        return "" if v is None else v
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if percent:
        return f"{x:,.1f}"
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def build_content(ds: xr.Dataset, lang: str, source: Path, other: xr.Dataset | None = None) -> Content:
    sweep = tb.sweep_dims(ds)
    if sweep:
        tables = tb.sweep_tables(ds, lang)
        title = f"{T('sweep_title', lang)} · {ds.attrs.get('region', '')} {ds.attrs.get('year', '')}"
    else:
        tables = tb.single_run_tables(ds, lang)
        title = f"{T('report_title', lang)} · {ds.attrs.get('region', '')} {ds.attrs.get('year', '')}"
    if other is not None:
        tables += tb.compare_tables(ds, other, lang)
    # a sweep's attrs come from its first point: show only what all points share
    keys = ("region", "year", "solver", "inputs_hash") if sweep else \
        ("region", "year", "scenario", "status", "mip_gap", "solve_method", "solver", "inputs_hash", "created")
    meta = [(T(k, lang), f"{float(ds.attrs[k]):.2e}" if k == "mip_gap" else str(ds.attrs[k]))
            for k in keys if k in ds.attrs]
    if sweep:
        meta.append((T("sec_sweep", lang), ", ".join(f"{d}: {', '.join(tb._fmt_coord(v) for v in ds[d].values)}"
                                                     for d in sweep)))
    meta.append((T("source_file", lang), source.name))
    if other is not None:
        meta.append((T("other_plan", lang), f"{other.attrs.get('scenario', '')}"))
    with mpl.rc_context(matplotlib_rc()):
        figures = fg.report_figures(ds, lang, other)
    binding = pd.DataFrame() if sweep else tb.binding_constraints(ds)
    head = {} if sweep else tb.metrics(ds)
    notes = [T("payer_note", lang), T("files_note", lang)]
    return Content(title, meta, tables, figures, notes, binding, head)


# ---------------------------------------------------------------- tables to files

def _cell(v):
    """A value as openpyxl stores it (NaN -> empty, numpy -> Python)."""
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return int(v)
    return v


def write_csv(t: tb.Table, path: Path) -> None:
    # utf-8 with BOM: Excel opens it with the Chinese intact
    t.df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_xlsx(tables: list[tb.Table], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        ws = wb.create_sheet(sheet_name(t.id))
        ws.append([str(c) for c in t.df.columns])
        for row in t.df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    wb.save(path)


def sheet_name(table_id: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", table_id)[:31]


# ---------------------------------------------------------------- HTML and Markdown

CSS = """
body{font-family:'%(fam)s','Noto Sans SC','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:24px auto;
max-width:1180px;color:#222;line-height:1.45;padding:0 16px}
h1{font-size:26px;border-bottom:3px solid #b22;padding-bottom:6px}
h2{font-size:20px;margin-top:32px;border-left:5px solid #b22;padding-left:8px}
h3{font-size:16px;margin-top:20px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f3efe8;text-align:center}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#faf7f2}
.meta td:first-child{color:#666}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px;margin:12px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 10px;background:#fcfbf9}
.card .v{font-size:20px;font-weight:bold;color:#8b1a1a}
.card .k{font-size:12px;color:#555}
figure{margin:16px 0}
figure img{max-width:100%%;border:1px solid #eee}
figcaption{font-size:13px;color:#555}
.note{font-size:13px;color:#444;background:#f7f7f7;padding:6px 10px;border-radius:4px}
"""

CARD_KEYS = ("households_converted", "floor_area_converted", "investment_total", "investment_per_household",
             "cost_total", "subsidy_need", "subsidy_budget", "gas_annual", "gas_annual_cap", "storage_required",
             "transformer_groups_upgraded", "coal_displaced", "co2_avoided", "pm25_avoided")

SECTIONS = [  # (section key, table ids, figure ids)
    ("sec_plan", ("plan_households", "plan_floor_area", "plan_investment", "mix_households", "plan_routes"),
     ("mix_by_county",)),
    ("sec_costs", ("cost_components", "cost_payers"), ("costs",)),
    ("sec_gas", ("gas_balance",), ("gas",)),
    ("sec_transformers", ("transformers",), ("transformers",)),
    ("sec_heat_sources", ("heat_sources",), ()),
    ("sec_emissions", ("emissions",), ()),
    ("sec_constraints", ("constraints",), ()),
    ("sec_compare", ("compare_mix", "compare_summary"), ("compare",)),
]
SWEEP_SECTIONS = [
    ("sec_sweep", ("sweep_summary", "sweep_mix", "tipping_points"), ("sweep_mix", "sweep_cost", "sweep_gas")),
]


def _is_total_row(row) -> bool:
    return any(isinstance(v, str) and v in (T("total", "zh"), T("total", "en")) for v in row[:3])


def html_table(t: tb.Table, lang: str) -> str:
    df = t.df
    shown = df if t.html_rows is None else df.head(t.html_rows)
    out = [f"<h3>{html.escape(t.title)}</h3>", "<table><thead><tr>"]
    out += [f"<th>{html.escape(str(c))}</th>" for c in df.columns]
    out.append("</tr></thead><tbody>")
    pct = set(t.percent_cols) | {c for c in df.columns if str(c).endswith("%)") or str(c).endswith("（%）")}
    for row in shown.itertuples(index=False):
        cls = ' class="total"' if _is_total_row(row) else ""
        cells = []
        for c, v in zip(df.columns, row):
            if isinstance(v, str) or v is None:
                cells.append(f"<td>{html.escape(str(v or ''))}</td>")
            else:
                cells.append(f'<td class="n">{html.escape(fmt(v, c in pct))}</td>')
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if len(shown) < len(df):
        more = len(df) - len(shown)
        out.append(f'<p class="note">{html.escape(_more_rows(more, t.id, lang))}</p>')
    if t.note:
        out.append(f'<p class="note">{html.escape(t.note)}</p>')
    return "\n".join(out)


def _more_rows(n: int, table_id: str, lang: str) -> str:
    return (f"另有 {n} 行，见 tables/{table_id}.csv 与 tables.xlsx。" if lang == "zh"
            else f"{n} more rows in tables/{table_id}.csv and tables.xlsx.")


def _cards(c: Content, lang: str) -> str:
    if not c.headline:
        return ""
    out = ['<div class="cards">']
    for k in CARD_KEYS:
        if k in c.headline:
            v, u = c.headline[k]
            out.append(f'<div class="card"><div class="v">{html.escape(fmt(v, u == "%"))}</div>'
                       f'<div class="k">{html.escape(T(k, lang))} ({html.escape(unit_label(u, lang))})</div></div>')
    out.append("</div>")
    return "\n".join(out)


def _binding(c: Content, lang: str, has_constraints: bool) -> str:
    if not has_constraints:
        return f'<p class="note">{html.escape(T("no_constraints", lang))}</p>'
    if c.binding.empty:
        return f"<p>{html.escape(T('no_binding', lang))}</p>"
    items = []
    df = c.binding.copy()
    fam_col = "constraint_family" if "constraint_family" in df else "constraint"
    unit_a = unit_label("10^4 yuan/a", lang)
    # one line per family: a province has hundreds of binding transformer groups
    for fam, g in df.groupby(fam_col, sort=False):
        name = CONSTRAINT_FAMILIES[fam][0 if lang == "zh" else 1] if fam in CONSTRAINT_FAMILIES else str(fam)
        unit = unit_label(str(g["constraint_unit"].iloc[0]), lang) if "constraint_unit" in g else ""
        sp = g["shadow_price"].astype(float)
        if len(g) == 1:
            key = str(g["constraint_key"].iloc[0]) if "constraint_key" in g else str(g["constraint"].iloc[0])
            text = f"{name} [{key}]: {fmt(sp.iloc[0])} {unit_a} / {unit}"
        else:
            n = (f"{len(g)} 项" if lang == "zh" else f"{len(g)} binding")
            text = f"{name} ({n}): {fmt(sp.min())} … {fmt(sp.max())} {unit_a} / {unit}"
        items.append(f"<li>{html.escape(text)}</li>")
    return f"<p>{html.escape(T('binding_intro', lang))}</p><ul>" + "".join(items) + "</ul>"


def render_html(c: Content, lang: str, png: dict[str, bytes]) -> str:
    tables = {t.id: t for t in c.tables}
    figs = {f[0]: f[1] for f in c.figures}
    body = [f"<h1>{html.escape(c.title)}</h1>", '<table class="meta">']
    body += [f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in c.meta]
    body.append("</table>")
    used_t, used_f = set(), set()

    def section(key, tids, fids):
        parts = [tables[t] for t in tids if t in tables]
        fparts = [f for f in fids if f in figs]
        if not parts and not fparts:
            return
        body.append(f"<h2>{html.escape(T(key, lang))}</h2>")
        for t in parts:
            body.append(html_table(t, lang))
            used_t.add(t.id)
        for f in fparts:
            body.append(f'<figure><img alt="{html.escape(figs[f])}" src="@@IMG:{f}@@">'
                        f"<figcaption>{html.escape(figs[f])}</figcaption></figure>")
            used_f.add(f)

    body.append(f"<h2>{html.escape(T('sec_headline', lang))}</h2>")
    body.append(_cards(c, lang))
    if "headline" in tables:
        body.append(html_table(tables["headline"], lang))
        used_t.add("headline")
    sweep = "sweep_summary" in tables
    if not sweep:
        body.append(_binding(c, lang, "constraints" in tables))
    for key, tids, fids in (SWEEP_SECTIONS if sweep else []) + SECTIONS:
        section(key, [t for t in tids if t not in used_t], fids)
    rest_t = [t.id for t in c.tables if t.id not in used_t and not t.id.startswith("tipping_points")]
    rest_f = [f[0] for f in c.figures if f[0] not in used_f]
    extra_tipping = [t.id for t in c.tables if t.id.startswith("tipping_points") and t.id not in used_t]
    if extra_tipping:
        section("tipping_points", extra_tipping, ())
    if rest_t or rest_f:
        section("sec_figures", rest_t, rest_f)
    body.append(f"<h2>{html.escape(T('sec_notes', lang))}</h2>")
    body += [f'<p class="note">{html.escape(n)}</p>' for n in c.notes]
    body_html = "\n".join(body)
    font = subset_woff_base64(re.sub(r"<[^>]+>", " ", html.unescape(body_html)) + c.title)
    for fid, data in png.items():
        body_html = body_html.replace(f"@@IMG:{fid}@@", "data:image/png;base64," + base64.b64encode(data).decode("ascii"))
    head = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(c.title)}</title><style>"
            f"@font-face{{font-family:'{HTML_FAMILY}';src:url(data:font/woff;base64,{font}) format('woff');}}"
            + CSS % {"fam": HTML_FAMILY} + "</style></head><body>\n")
    return head + body_html + "\n</body></html>\n"


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(t: tb.Table, lang: str) -> str:
    df = t.df if t.html_rows is None else t.df.head(t.html_rows)
    pct = set(t.percent_cols)
    lines = [f"### {t.title}", "", "| " + " | ".join(_md_escape(c) for c in t.df.columns) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(t.df[c]) else "---" for c in t.df.columns) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_md_escape(v if isinstance(v, str) else fmt(v, c in pct))
                                       for c, v in zip(t.df.columns, row)) + " |")
    if len(df) < len(t.df):
        lines += ["", _more_rows(len(t.df) - len(df), t.id, lang)]
    if t.note:
        lines += ["", f"> {t.note}"]
    return "\n".join(lines) + "\n"


def render_md(c: Content, lang: str) -> str:
    out = [f"# {c.title}", ""]
    out += [f"- {k}: {v}" for k, v in c.meta] + [""]
    for t in c.tables:
        out.append(md_table(t, lang))
    out.append(f"## {T('sec_figures', lang)}\n")
    out += [f"![{title}](figures/{fid}.png)\n" for fid, title, _ in c.figures]
    out.append(f"## {T('sec_notes', lang)}\n")
    out += [f"- {n}" for n in c.notes]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the folder

def report_dir(result: Path) -> Path:
    return result.with_name(result.stem + ".report")


def _is_previous_report(folder: Path) -> bool:
    """True if `folder` holds exactly the files an earlier report wrote (nothing a user added)."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    try:
        man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if man.get("generator") != GENERATOR:
        return False
    listed = set(man.get("files", [])) | {MANIFEST}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    return present <= listed


def write_report(ds: xr.Dataset, source: Path, lang: str = "zh", other: xr.Dataset | None = None,
                 other_source: Path | None = None, out: Path | None = None) -> Path:
    """Build the report for `ds` (read from `source`) into `<stem>.report/` beside it; returns the folder."""
    final = Path(out) if out is not None else report_dir(source)
    if final.exists() or final.is_symlink():
        if not _is_previous_report(final):
            raise ReportError(f"{final} exists and is not an earlier report (or holds files a report did not write); "
                              "move it away or pass --out")
    content = build_content(ds, lang, source, other)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    old = None
    try:
        files = _write_all(content, lang, tmp, source, other_source)
        umask = os.umask(0)
        os.umask(umask)
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~umask)
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}-{os.urandom(3).hex()}")
            final.rename(old)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not final.exists():
            old.rename(final)
            old = None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    assert files
    return final


def _write_all(c: Content, lang: str, folder: Path, source: Path, other_source: Path | None) -> list[str]:
    (folder / "figures").mkdir()
    (folder / "tables").mkdir()
    files = []
    png = {}
    with mpl.rc_context(matplotlib_rc()):
        for fid, _, fig in c.figures:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
            png[fid] = buf.getvalue()
            (folder / "figures" / f"{fid}.png").write_bytes(png[fid])
            fig.savefig(folder / "figures" / f"{fid}.svg", format="svg", metadata={"Date": None})
            files += [f"figures/{fid}.png", f"figures/{fid}.svg"]
    for t in c.tables:
        write_csv(t, folder / "tables" / f"{t.id}.csv")
        files.append(f"tables/{t.id}.csv")
    write_xlsx(c.tables, folder / "tables.xlsx")
    (folder / "report.html").write_text(render_html(c, lang, png), encoding="utf-8")
    (folder / "report.md").write_text(render_md(c, lang), encoding="utf-8")
    files += ["tables.xlsx", "report.html", "report.md"]
    manifest = {"generator": GENERATOR, "lang": lang, "source": source.name,
                "compare": other_source.name if other_source else None,
                "tables": {t.id: {"title": t.title, "csv": f"tables/{t.id}.csv", "sheet": sheet_name(t.id)}
                           for t in c.tables},
                "figures": [f[0] for f in c.figures], "files": sorted(files)}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return files
