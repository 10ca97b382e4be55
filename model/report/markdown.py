"""report.md: the same content as report.html, as Markdown (tables at the rows the HTML shows)."""
from __future__ import annotations

import pandas as pd

from model.report import tables as tb


def _esc(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(t: tb.Table, lang: str, rows: int | None = None, title: bool = True) -> str:
    from model.report.html import printed
    from model.report.render import fmt

    t = printed(t, lang)
    df = t.df if rows is None else t.df.head(rows)
    pct = set(t.percent_cols)
    lines = ([f"### {t.title}", ""] if title else []) + [
        "| " + " | ".join(_esc(c) for c in t.df.columns) + " |",
        "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(t.df[c]) else "---" for c in t.df.columns) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_esc(v if isinstance(v, str) else fmt(v, c in pct))
                                       for c, v in zip(t.df.columns, row)) + " |")
    if len(df) < len(t.df):
        n = len(t.df) - len(df)
        lines += ["", f"另有 {n:,} 行，见 tables/{t.id}.csv 与 tables.xlsx。" if lang == "zh"
                  else f"{n:,} more rows in tables/{t.id}.csv and tables.xlsx."]
    if t.note:
        lines += ["", f"> {t.note}"]
    return "\n".join(lines) + "\n"


def render_md(c, lang: str) -> str:
    out = [f"# {c.title}", ""] + [f"**{s}**  " for s in c.subtitle] + [""]
    figs = {f[0]: f[1] for f in c.figures}
    for s in c.sections:
        out += [f"## {s.title}", ""]
        for b in s.blocks:
            if b.kind in ("p", "note"):
                out += [("> " if b.kind == "note" else "") + b.data, ""]
            elif b.kind == "h3":
                out += [f"### {b.data}", ""]
            elif b.kind in ("ul", "ol"):
                out += [(f"{i + 1}. " if b.kind == "ol" else "- ") + x for i, x in enumerate(b.data)] + [""]
            elif b.kind == "cards":
                continue  # the same numbers are in the headline table of the workbook
            elif b.kind == "meta":
                out += [f"- {k}: {v}" for k, v in b.data] + [""]
            elif b.kind in ("table", "villages"):
                out.append(md_table(b.data, lang, b.rows, title=b.kind == "table"))
            elif b.kind == "figure" and b.data in figs:
                out += [f"![{figs[b.data]}](figures/{b.data}.png)", ""]
    return "\n".join(out) + "\n"
