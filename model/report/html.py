"""report.html: one self-contained page (figures and a subset of the CJK font embedded) with an A4
print stylesheet: page numbers in the page margin, table headers repeated on every page, county
chapters starting on a new page, and tables split by columns where they would not fit the page.
"""
from __future__ import annotations

import html
import math
import re

from model.report import tables as tb
from model.report.fonts import HTML_FAMILY
from model.report.labels import T, unit_label

# A4 portrait, 14 mm side margins: 182 mm of text width = 688 CSS px. Tables are planned for it.
PAGE_WIDTH_PX = 688
CELL_PAD_PX = 9  # left + right padding and border
CJK_PX, LATIN_PX = 11.5, 6.6  # print font 8.5 pt: one CJK character, one digit or Latin letter
HEADER_WRAP_PX = 78  # headers wrap; a header needs at most this much width

CARD_KEYS = ("households_converted_to_clean", "households_quality_coal", "clean_share", "investment_total",
             "subsidy_need", "subsidy_budget", "gas_annual", "gas_annual_cap", "transformer_upgrade_units",
             "storage_built", "coal_displaced", "co2_avoided")

SCREEN_CSS = """
body{font-family:'%(fam)s','Noto Sans SC','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:24px auto;
max-width:1000px;color:#222;line-height:1.5;padding:0 16px;font-size:15px}
header.title{border-bottom:3px solid #b22;margin-bottom:18px;padding-bottom:8px}
h1{font-size:26px;margin:0 0 6px}
.subtitle{font-size:16px;color:#444;margin:2px 0}
h2{font-size:20px;margin-top:30px;border-left:5px solid #b22;padding-left:8px}
h3{font-size:16px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 14px;font-size:13px;max-width:100%%}
th,td{border:1px solid #ccc;padding:2px 4px}
th{background:#f3efe8;text-align:center;font-weight:bold}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;background:#faf7f2}
tr.group td{background:#eef3f8;font-weight:bold}
table.meta td{border:none;padding:1px 10px 1px 0;vertical-align:top;word-break:break-all}
table.meta td:first-child{color:#666;white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:10px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:6px 8px;background:#fcfbf9}
.card .v{font-size:18px;font-weight:bold;color:#8b1a1a}
.card .k{font-size:12px;color:#555}
figure{margin:12px 0}
figure img{max-width:100%%;border:1px solid #eee}
figcaption{font-size:13px;color:#555}
.note{font-size:13px;color:#444;background:#f7f7f7;padding:4px 8px;border-radius:4px}
ul.findings li,ol.recs li{margin:4px 0}
"""

# Print rules in their own style element (media=print) so a test can apply them on screen.
PRINT_CSS = """
@page{size:A4;margin:16mm 14mm 18mm 14mm;
@bottom-center{content:"%(page)s";font-family:'%(fam)s',sans-serif;font-size:9pt;color:#555}
@top-left{content:"%(running)s";font-family:'%(fam)s',sans-serif;font-size:8pt;color:#888}}
html,body{width:auto}
body{margin:0;max-width:none;padding:0;font-size:10pt;line-height:1.45}
h1{font-size:20pt}
h2{font-size:14pt;margin-top:14pt;break-after:avoid}
h3{font-size:11pt;break-after:avoid}
.page-break{break-before:page}
table{font-size:8.5pt;margin:4pt 0 10pt}
thead{display:table-header-group}
tr{break-inside:avoid}
figure{break-inside:avoid;margin:6pt 0}
figure img{max-width:100%%;max-height:235mm;border:none}
.cards{display:none}
section.summary li{margin:2pt 0}
.note{font-size:8.5pt}
section.summary{break-after:page}
"""


def fmt(v, percent: bool = False) -> str:
    from model.report.render import fmt as _fmt

    return _fmt(v, percent)


def _text_px(s: str) -> float:
    return sum(CJK_PX if ord(ch) > 0x2E7F else LATIN_PX for ch in s)


def _percent_cols(t: tb.Table) -> set:
    return set(t.percent_cols) | {c for c in t.df.columns if str(c).endswith("%)") or str(c).endswith("（%）")}


def column_widths(t: tb.Table, rows) -> list[float]:
    """Estimated print width of each column: numbers do not wrap, text and headers do."""
    pct = _percent_cols(t)
    out = []
    for c in t.df.columns:
        vals = rows[c]
        numeric = [v for v in vals if not isinstance(v, str) and v is not None]
        num_w = max((_text_px(fmt(v, c in pct)) for v in numeric), default=0.0)
        txt = [v for v in vals if isinstance(v, str)]
        txt_w = min(max((_text_px(v) for v in txt), default=0.0), 140.0)
        head = min(_text_px(str(c)), HEADER_WRAP_PX)
        out.append(max(num_w, txt_w, head, 24.0) + CELL_PAD_PX)
    return out


def column_chunks(t: tb.Table, rows, width: float = PAGE_WIDTH_PX) -> list[list[int]]:
    """Column indices per printed part: the key columns repeat, the others are packed to fit the width."""
    w = column_widths(t, rows)
    keys = list(range(min(t.key_cols, len(w))))
    rest = [i for i in range(len(w)) if i not in keys]
    if sum(w) <= width or not rest:
        return [list(range(len(w)))]
    base = sum(w[i] for i in keys)
    chunks, cur, cur_w = [], [], base
    for i in rest:
        if cur and cur_w + w[i] > width:
            chunks.append(keys + cur)
            cur, cur_w = [], base
        cur.append(i)
        cur_w += w[i]
    chunks.append(keys + cur)
    return chunks


def _cell(v, percent: bool) -> str:
    if isinstance(v, str) or v is None:
        return f"<td>{html.escape(str(v or ''))}</td>"
    return f'<td class="n">{html.escape(fmt(v, percent))}</td>'


def printed(t: tb.Table, lang: str) -> tb.Table:
    """The table as the report prints it: code columns and flags left to the workbook."""
    hide = [c for c in (*tb.code_columns(lang), *t.html_hide) if c in t.df.columns]
    if not hide or len(hide) == len(t.df.columns):
        return t
    keys = t.key_cols - sum(1 for c in t.df.columns[:t.key_cols] if c in hide)
    return tb.Table(t.id, t.title, t.df.drop(columns=hide), t.note, t.html_rows, t.percent_cols, t.total_row,
                    max(1, keys))


def html_table(t: tb.Table, lang: str, rows: int | None = None, title: bool = True) -> str:
    t = printed(t, lang)
    df = t.df
    shown = df if rows is None else df.head(rows)
    if t.total_row and rows is not None and len(df) > rows:
        shown = df.head(rows)
    cols = list(df.columns)
    pct = _percent_cols(t)
    chunks = column_chunks(t, {c: list(shown[c]) for c in cols})
    out = [f"<h3>{html.escape(t.title)}</h3>"] if title else []
    n_total = len(shown) - 1 if t.total_row and len(shown) == len(df) else None
    for part in chunks:
        out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(str(cols[i]))}</th>" for i in part) +
                   "</tr></thead><tbody>")
        for r, row in enumerate(shown.itertuples(index=False)):
            cls = ' class="total"' if r == n_total else ""
            out.append(f"<tr{cls}>" + "".join(_cell(row[i], cols[i] in pct) for i in part) + "</tr>")
        out.append("</tbody></table>")
    if len(shown) < len(df):
        out.append(f'<p class="note">{html.escape(_more_rows(len(df) - len(shown), t.id, lang))}</p>')
    if t.note:
        out.append(f'<p class="note">{html.escape(t.note)}</p>')
    return "\n".join(out)


def _more_rows(n: int, table_id: str, lang: str) -> str:
    return (f"另有 {n:,} 行，见 tables/{table_id}.csv 与 tables.xlsx。" if lang == "zh"
            else f"{n:,} more rows in tables/{table_id}.csv and tables.xlsx.")


def villages_html(t: tb.Table, lang: str) -> str:
    """The village list with a heading row per township and the county's total last."""
    df = t.df
    cols = list(df.columns)
    town_col = T("township", lang)
    show = [c for c in cols if c != town_col]
    body = df.iloc[:-1] if t.total_row else df
    out = ["<table class=\"villages\"><thead><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in show) +
           "</tr></thead><tbody>"]
    current = None
    for _, row in body.iterrows():
        if row[town_col] != current:
            current = row[town_col]
            n = int((body[town_col] == current).sum())
            label = f"{current}（{n} 个村庄/片区）" if lang == "zh" else f"{current} ({n} villages)"
            out.append(f'<tr class="group"><td colspan="{len(show)}">{html.escape(label)}</td></tr>')
        out.append("<tr>" + "".join(_cell(row[c], False) for c in show) + "</tr>")
    if t.total_row:
        tot = df.iloc[-1]
        out.append('<tr class="total">' + "".join(_cell(tot[c] if c != show[0] else T("total", lang), False)
                                                  for c in show) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _cards(m: dict, lang: str) -> str:
    out = ['<div class="cards">']
    for k in CARD_KEYS:
        if k in m:
            v, u = m[k]
            if isinstance(v, float) and not math.isfinite(v):
                continue
            unit = unit_label(u, lang)
            out.append(f'<div class="card"><div class="v">{html.escape(fmt(v, u == "%"))}</div>'
                       f'<div class="k">{html.escape(T(k, lang))}{f"（{html.escape(unit)}）" if lang == "zh" and unit else ""}'
                       f'{f" ({html.escape(unit)})" if lang == "en" and unit else ""}</div></div>')
    out.append("</div>")
    return "\n".join(out)


def _block(b, lang: str, figs: dict[str, str]) -> str:
    k = b.kind
    if k == "p":
        return f"<p>{html.escape(b.data)}</p>"
    if k == "note":
        return f'<p class="note">{html.escape(b.data)}</p>'
    if k == "h3":
        return f"<h3>{html.escape(b.data)}</h3>"
    if k == "ul":
        return '<ul class="findings">' + "".join(f"<li>{html.escape(x)}</li>" for x in b.data) + "</ul>"
    if k == "ol":
        return '<ol class="recs">' + "".join(f"<li>{html.escape(x)}</li>" for x in b.data) + "</ol>"
    if k == "cards":
        return _cards(b.data, lang)
    if k == "meta":
        return '<table class="meta">' + "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(v)}</td></tr>"
                                                for a, v in b.data) + "</table>"
    if k == "table":
        return html_table(b.data, lang, b.rows)
    if k == "villages":
        return villages_html(b.data, lang)
    if k == "figure":
        title = figs.get(b.data)
        if title is None:
            return ""
        return (f'<figure data-figure="{html.escape(b.data)}"><img alt="{html.escape(title)}" src="@@IMG:{b.data}@@">'
                f"<figcaption>{html.escape(title)}</figcaption></figure>")
    raise ValueError(f"unknown block kind {k}")


def render_html(c, lang: str, png_b64: dict[str, str], subset) -> str:
    """`png_b64`: figure id -> base64 PNG; `subset(text)` -> base64 WOFF of the font for those characters."""
    figs = {f[0]: f[1] for f in c.figures}
    body = ['<header class="title">', f"<h1>{html.escape(c.title)}</h1>"]
    body += [f'<p class="subtitle">{html.escape(s)}</p>' for s in c.subtitle]
    body.append("</header>")
    used = set()
    for i, s in enumerate(c.sections):
        cls = "summary" if i == 0 else ("page-break" if s.page_break else "")
        body.append(f'<section class="{cls}"><h2>{html.escape(s.title)}</h2>')
        for b in s.blocks:
            body.append(_block(b, lang, figs))
            if b.kind == "figure":
                used.add(b.data)
        body.append("</section>")
    rest = [f for f in c.figures if f[0] not in used]
    if rest:  # every figure appears somewhere
        body.append(f'<section><h2>{html.escape(T("sec_figures", lang))}</h2>')
        for fid, title, _ in rest:
            body.append(f'<figure data-figure="{fid}"><img alt="{html.escape(title)}" src="@@IMG:{fid}@@">'
                        f"<figcaption>{html.escape(title)}</figcaption></figure>")
        body.append("</section>")
    body_html = "\n".join(body)
    page_text = T("page_of", lang).format(page='" counter(page) "', pages='" counter(pages) "')
    running = c.running_title.replace('"', "'").replace("\\", "/").replace("<", "‹")  # inside a CSS string
    font = subset(re.sub(r"<[^>]+>", " ", html.unescape(body_html)) + c.title + running + T("page_of", lang) + "0123456789")
    for fid, data in png_b64.items():
        body_html = body_html.replace(f"@@IMG:{fid}@@", "data:image/png;base64," + data)
    head = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(c.title)}</title><style>"
            f"@font-face{{font-family:'{HTML_FAMILY}';src:url(data:font/woff;base64,{font}) format('woff');}}"
            + SCREEN_CSS % {"fam": HTML_FAMILY} + '</style><style media="print" id="print-css">'
            + PRINT_CSS % {"fam": HTML_FAMILY, "page": page_text, "running": running}
            + "</style></head><body>\n")
    return head + body_html + "\n</body></html>\n"


__all__ = ["render_html", "html_table", "column_chunks", "PAGE_WIDTH_PX"]
