"""Command-line entry for `scripts/report.py`: read result(s), write `<scenario>.report/` beside them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model import paths
from model.errors import EXIT_INPUT, EXIT_OK, EXIT_WRITE


def report_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="report.py",
        description="Planning report (HTML, Markdown, PNG/SVG figures, CSV/xlsx tables) from a result file "
                    "results/<region>/<year>/<scenario>.nc or a sweep file sweep_<name>.nc.")
    ap.add_argument("result", type=Path, help="result NetCDF written by scripts/solve.py (or a sweep)")
    ap.add_argument("--compare", type=Path, default=None,
                    help="a second result to compare with, e.g. the source plan's mix against the least-cost mix")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    ap.add_argument("--out", type=Path, default=None, help="report folder (default: <result>.report beside the result)")
    return ap


def _open(path: Path, what: str):
    import xarray as xr

    from model.report.tables import missing_variables

    if not path.is_file():
        raise _Bad(f"{what} {path}: no such file")
    try:
        ds = xr.open_dataset(path).load()
    except Exception as exc:  # netCDF4/h5 raise many types; the user needs the file name and the reason
        raise _Bad(f"{what} {path}: cannot be read as a NetCDF result ({type(exc).__name__}: {exc})") from None
    miss = missing_variables(ds)
    if miss:
        raise _Bad(f"{what} {path}: not a result of scripts/solve.py; missing variables: {', '.join(miss)}")
    return ds


class _Bad(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    args = report_parser().parse_args(argv)
    from model.report.fonts import FontMissing
    from model.report.render import ReportError, report_dir, write_report
    from model.report.tables import sweep_dims

    folder = args.out if args.out is not None else report_dir(args.result)
    try:
        unwritable = paths.cannot_write(folder)
        if unwritable:
            raise _Bad(f"{'--out' if args.out is not None else 'report folder'} {folder}: cannot be written: {unwritable}")
        ds = _open(args.result, "result")
        other = _open(args.compare, "--compare") if args.compare else None
        if other is not None and (sweep_dims(ds) or sweep_dims(other)):
            raise _Bad("--compare takes two single results, not sweeps")
        folder = write_report(ds, args.result, args.lang, other, args.compare, args.out)
    except (_Bad, ReportError, FontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # disk full, permissions changed while writing: an earlier report is unchanged
        print(f"error: cannot write the report to {folder}: {exc.strerror or exc}; an earlier report there is unchanged",
              file=sys.stderr)
        return EXIT_WRITE
    print(f"wrote {folder}/report.html, report.md, tables.xlsx, tables/*.csv, figures/*.png|svg")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
