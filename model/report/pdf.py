"""report.pdf: report.html printed on A4 by headless Chromium (page numbers come from the page's
print stylesheet, so Chromium's own header and footer are switched off)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")


class PdfError(Exception):
    pass


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_pdf(chromium: str, page: Path, out: Path, timeout: float = 180.0) -> None:
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        try:
            p = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}",
                                page.resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{chromium} did not finish printing {page.name} within {timeout:.0f} s") from None
    if not out.is_file() or out.stat().st_size == 0:
        tail = (p.stderr or "").strip().splitlines()[-3:]
        raise PdfError(f"{chromium} wrote no PDF (exit {p.returncode}): {' | '.join(tail)}")
