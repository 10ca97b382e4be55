"""A CJK font for the figures (matplotlib) and the HTML (an embedded subset), found at run time.

First choice: Noto Sans SC from the PyPI package `pylopdf-fonts-zh-cn` (pinned in requirements.txt, so
a fresh machine gets it with pip). Fallbacks: Debian's fonts-noto-cjk / fonts-wqy-microhei.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

HTML_FAMILY = "ReportCJK"  # the @font-face name the HTML uses for the embedded subset


class FontMissing(Exception):
    pass


@dataclass(frozen=True)
class CJKFont:
    path: Path
    family: str  # matplotlib family name


def _package_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn  # noqa: PLC0415 - optional at import time, required at run time
    except ImportError:
        return None
    p = Path(pylopdf_fonts_zh_cn.sans_path())
    return p if p.is_file() else None


@lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """Register the first CJK font found with matplotlib; raise FontMissing if there is none."""
    from matplotlib import font_manager

    candidates = [_package_font()] + [Path(p) for p in SYSTEM_FONTS]
    for path in candidates:
        if path is None or not path.is_file():
            continue
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
        return CJKFont(path, family)
    raise FontMissing("no CJK font found for Chinese labels: install the pinned package "
                      "'pylopdf-fonts-zh-cn' (pip install -r requirements.txt) or Debian's fonts-noto-cjk")


def matplotlib_rc() -> dict:
    """rcParams that set every figure in the CJK font (DejaVu Sans as glyph fallback)."""
    f = cjk_font()
    return {"font.family": "sans-serif", "font.sans-serif": [f.family, "DejaVu Sans"],
            "axes.unicode_minus": False, "svg.fonttype": "path"}


def subset_woff_base64(text: str) -> str:
    """The CJK font cut down to the characters of `text`, as base64 WOFF for an @font-face rule."""
    return _subset("".join(sorted({c for c in text if not c.isspace()} | {" "})))


@lru_cache(maxsize=8)
def _subset(chars_sorted: str) -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = cjk_font().path
    kw = {"fontNumber": 0} if path.suffix.lower() == ".ttc" else {}
    font = TTFont(str(path), lazy=True, **kw)
    opts = subset.Options()
    opts.flavor = "woff"  # zlib; woff2 would need brotli
    opts.hinting = False  # screen text at body sizes; also halves the subsetting time
    opts.desubroutinize = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes={ord(c) for c in chars_sorted})
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")
