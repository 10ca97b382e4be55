"""Write a report folder: report.html (self-contained, A4 print stylesheet), report.md, figures
(PNG, SVG), tables (CSV, formatted xlsx) and, with --pdf, report.pdf printed by headless Chromium.

The folder `<scenario>.report/` beside the result is built in a temporary folder and renamed into place,
so a failure leaves no half-written report; an existing folder is replaced only if it is an earlier
report (its manifest lists every file in it).
"""
from __future__ import annotations

import base64
import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib as mpl
import numpy as np
import xarray as xr

from model.report import tables as tb
from model.report.content import Content, build_content
from model.report.fonts import matplotlib_rc, subset_woff_base64
from model.report.html import render_html
from model.report.markdown import render_md
from model.report.workbook import write_xlsx

GENERATOR = "model.report"
MANIFEST = "report.json"


class ReportError(Exception):
    """A report cannot be made; the message says why and what to do."""


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
    if x == 0 or abs(x) < 5e-10:
        return "0"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def write_csv(t: tb.Table, path: Path) -> None:
    # utf-8 with BOM: Excel opens it with the Chinese intact
    t.df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


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
                 other_source: Path | None = None, out: Path | None = None, *, info=None,
                 sweep: xr.Dataset | None = None, pdf: str | None = None) -> Path:
    """Build the report for `ds` (read from `source`) into `<stem>.report/` beside it; returns the folder.

    `info`: model.report.context.RegionInfo (names, townships, boundaries); `sweep`: a gas-price sweep
    for the risk paragraph of a single run; `pdf`: path of a Chromium to print report.pdf with."""
    final = Path(out) if out is not None else report_dir(source)
    if final.exists() or final.is_symlink():
        if not _is_previous_report(final):
            raise ReportError(f"{final} exists and is not an earlier report (or holds files a report did not write); "
                              "move it away or pass --out")
    content = build_content(ds, lang, source, other, info=info, sweep=sweep)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    old = None
    try:
        _write_all(content, lang, tmp, source, other_source, pdf)
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
    return final


def _write_all(c: Content, lang: str, folder: Path, source: Path, other_source: Path | None,
               pdf: str | None) -> list[str]:
    (folder / "figures").mkdir()
    (folder / "tables").mkdir()
    files = []
    png = {}
    with mpl.rc_context(matplotlib_rc()):
        for fid, _, fig in c.figures:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=150)
            png[fid] = buf.getvalue()
            (folder / "figures" / f"{fid}.png").write_bytes(png[fid])
            fig.savefig(folder / "figures" / f"{fid}.svg", format="svg", metadata={"Date": None})
            files += [f"figures/{fid}.png", f"figures/{fid}.svg"]
    for t in c.tables:
        write_csv(t, folder / "tables" / f"{t.id}.csv")
        files.append(f"tables/{t.id}.csv")
    sheets = write_xlsx(c.tables, folder / "tables.xlsx", lang, source.name)
    page = render_html(c, lang, {k: base64.b64encode(v).decode("ascii") for k, v in png.items()}, subset_woff_base64)
    (folder / "report.html").write_text(page, encoding="utf-8")
    (folder / "report.md").write_text(render_md(c, lang), encoding="utf-8")
    files += ["tables.xlsx", "report.html", "report.md"]
    if pdf:
        from model.report.pdf import print_pdf

        print_pdf(pdf, folder / "report.html", folder / "report.pdf")
        files.append("report.pdf")
    manifest = {"generator": GENERATOR, "lang": lang, "source": source.name,
                "compare": other_source.name if other_source else None,
                "tables": {t.id: {"title": t.title, "csv": f"tables/{t.id}.csv", "sheet": sheets[t.id]} for t in c.tables},
                "figures": [f[0] for f in c.figures], "files": sorted(files)}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return files
