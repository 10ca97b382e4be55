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
        description="Planning report (HTML with an A4 print stylesheet, Markdown, PNG/SVG figures, CSV and a "
                    "formatted xlsx) from a result results/<region>/<year>/<scenario>.nc, a pathway "
                    "<scenario>.from<YEAR>.nc, a sweep sweep_<name>.nc, a pathway sweep sweep_<name>_from<YEAR>.nc or a Monte Carlo robust_<name>.nc.")
    ap.add_argument("result", type=Path, help="result NetCDF written by scripts/solve.py (or a sweep)")
    ap.add_argument("--compare", type=Path, default=None,
                    help="a second result to compare with, e.g. the source plan's mix against the least-cost mix")
    ap.add_argument("--sweep", type=Path, default=None,
                    help="a gas-price sweep (scripts/sweep.py --gas-price ...) for the gas-price risk of a single run")
    ap.add_argument("--inputs", type=Path, default=None,
                    help="input folder of the run (default: the one the result names, else inputs/<region>): the "
                         "region's name, township names, county boundaries")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    ap.add_argument("--pdf", action="store_true", help="also print report.pdf (A4) with headless Chromium")
    ap.add_argument("--out", type=Path, default=None, help="report folder (default: <result>.report beside the result)")
    return ap


class _Bad(Exception):
    pass


def _open(path: Path, what: str):
    import xarray as xr

    from model.report.tables import missing_variables

    if not path.is_file():
        raise _Bad(f"{what} {path}: no such file")
    try:
        ds = xr.open_dataset(path).load()
    except Exception as exc:  # netCDF4/h5 raise many types; the user needs the file name and the reason
        raise _Bad(f"{what} {path}: cannot be read as a NetCDF result ({type(exc).__name__}: {exc})") from None
    from model.report import pathway_sweep_report as psr
    from model.report import robust_report as rr

    if rr.is_monte_carlo(ds):
        miss = rr.missing_variables(ds)
        if miss:
            raise _Bad(f"{what} {path}: a Monte Carlo result of scripts/robust.py without the variables "
                       f"{', '.join(miss)} (run scripts/robust.py again: it combines the samples' files anew)")
    elif psr.is_pathway_sweep(ds):
        if "objective" not in ds and "point_status" in ds:
            status = ", ".join(sorted(set(ds["point_status"].values.astype(str))))
            raise _Bad(f"{what} {path}: a pathway sweep none of whose points has a plan (status: {status}); "
                       "nothing to report")
        miss = psr.missing_variables(ds)
    elif "alternative" in ds.dims and "year_from" in ds.attrs:  # alternatives.py --from
        from model.report.alternatives_report import missing_pathway_alternatives

        miss = missing_pathway_alternatives(ds)
        if miss:
            raise _Bad(f"{what} {path}: not a result of this version of scripts/alternatives.py --from (run it "
                       f"again); missing variables: {', '.join(miss)}")
    elif "year_from" in ds.attrs:
        from model.report.pathway_report import missing_pathway_variables

        miss = missing_pathway_variables(ds)
    else:
        miss = missing_variables(ds)
    if miss:
        raise _Bad(f"{what} {path}: not a result of this version of scripts/solve.py (run it again); missing "
                   f"variables: {', '.join(miss)}")
    return ds


def main(argv: list[str] | None = None) -> int:
    args = report_parser().parse_args(argv)
    from model.errors import InputError
    from model.report.context import region_info
    from model.report.fonts import FontMissing
    from model.report.labels import T
    from model.report.maps import MapError
    from model.report.pathway_sweep_report import is_pathway_sweep
    from model.report.pdf import PdfError, find_chromium
    from model.report.render import ReportError, report_dir, write_report
    from model.report.tables import sweep_dims

    chromium = None
    if args.pdf:
        chromium = find_chromium()
        if chromium is None:
            print(f"error: {T('pdf_missing', args.lang)}", file=sys.stderr)
            return EXIT_INPUT
    folder = args.out if args.out is not None else report_dir(args.result)
    try:
        unwritable = paths.cannot_write(folder)
        if unwritable:
            raise _Bad(f"{'--out' if args.out is not None else 'report folder'} {folder}: cannot be written: {unwritable}")
        ds = _open(args.result, "result")
        other = _open(args.compare, "--compare") if args.compare else None
        if other is not None and (sweep_dims(ds) or sweep_dims(other) or "year_from" in ds.attrs
                                  or "sample" in ds.dims or "sample" in other.dims):
            raise _Bad("--compare takes two single-year results, not sweeps, pathways or Monte Carlo runs")
        sweep = _open(args.sweep, "--sweep") if args.sweep else None
        if sweep is not None and "sample" in ds.dims:
            raise _Bad("--sweep takes a single-year gas-price sweep for the report of a single run, not of a "
                       "Monte Carlo run (its report covers the uncertain inputs)")
        if sweep is not None and (is_pathway_sweep(sweep) or is_pathway_sweep(ds)):
            raise _Bad("--sweep takes a single-year gas-price sweep for the report of a single run; a pathway "
                       "sweep (sweep.py --from) is reported on its own: report.py <sweep_..._from<YEAR>.nc>")
        if sweep is not None and "gas_price" not in sweep_dims(sweep):
            raise _Bad(f"--sweep {args.sweep}: not a sweep over gas_price (swept: {', '.join(sweep_dims(sweep)) or 'nothing'})")
        try:
            info = region_info(ds, args.inputs)
        except FileNotFoundError as exc:
            raise _Bad(str(exc)) from None
        folder = write_report(ds, args.result, args.lang, other, args.compare, args.out, info=info, sweep=sweep,
                              pdf=chromium)
    except InputError as exc:
        print(f"error: the run's input folder: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    except (_Bad, ReportError, FontMissing, MapError, PdfError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # disk full, permissions changed while writing: an earlier report is unchanged
        print(f"error: cannot write the report to {folder}: {exc.strerror or exc}; an earlier report there is unchanged",
              file=sys.stderr)
        return EXIT_WRITE
    extra = ", report.pdf" if args.pdf else ""
    print(f"wrote {folder}/report.html{extra}, report.md, tables.xlsx, tables/*.csv, figures/*.png|svg")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
