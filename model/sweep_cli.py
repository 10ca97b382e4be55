"""Command-line entry for `scripts/sweep.py`: parse, run the sweep (`model.sweep.run_sweep`),
print each point and the tipping points.

Exit codes (README, "When things go wrong"): 0 every point has a file and the combined dataset
was written; 2 bad input or flags (nothing solved); 5 some points failed (the others are kept,
the same command solves only the rest); 6 cannot write (the points written so far are kept);
130 interrupted (the finished points are kept).
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.cli import MAX_THREADS, REPO, YEARS, Parser, add_run_arguments, check_run_arguments, number_arg
from model.dask_layer import START_METHODS
from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER, EXIT_WRITE, CannotWrite, InputError, Problem
from model.paths import name_problem, plain_name
from model.solve import SolveOptions
from model.sweep_grid import grid_from_args

if TYPE_CHECKING:
    import xarray as xr


def sweep_parser() -> Parser:
    ap = Parser(prog="sweep.py", description=(
        "Solve a grid of plans over one or more scalar inputs (gas price, caps, budgets) on Dask, "
        "write one NetCDF per point, a combined dataset and the tipping points. Re-running the same "
        "command solves only the points missing."))
    add_run_arguments(
        ap, set_metavar="PARAM=SPEC",
        set_help="sweep any scalar input (repeatable; several = a grid), e.g. electricity_price=0.3,0.4,0.5",
        gap_help="relative MIP gap per point (default 1e-4; tipping points are exact only at 0, which is slow on a city)",
        time_limit_help="seconds per point (default 600)", threads_help="HiGHS threads per worker (default 1)")
    ap.add_argument("--gas-price", default=None, metavar="SPEC",
                    help="gas prices (yuan/m3): START:STOP:STEP (stop included) or a comma list, e.g. 2.0:4.0:0.1")
    ap.add_argument("--name", type=plain_name, default=None,
                    help="sweep name, a plain name (default: scenarios and swept parameters joined by '+', e.g. gas_price)")
    ap.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                    help="an existing Dask scheduler (its workers must be able to import this repository's "
                         "model package; points are written here, by this process; start the workers with "
                         "MALLOC_TRIM_THRESHOLD_=1073741824 set: Dask's 65536 slows HiGHS 1.3-1.9x)")
    ap.add_argument("--workers", type=number_arg(int, 1, high=MAX_THREADS), default=None,
                    help="LocalCluster worker processes (default: CPU count)")
    ap.add_argument("--start-method", choices=START_METHODS, default=None,
                    help="how LocalCluster workers start (default: fork on Linux, a copy of this process that "
                         "starts in a fraction of a second; spawn elsewhere)")
    ap.add_argument("--serial", action="store_true", help="solve in this process, without Dask")
    ap.add_argument("--no-reuse", action="store_true", help="build every point from scratch (for comparison)")
    ap.add_argument("--solve-all", action="store_true",
                    help="solve every point with HiGHS; by default a point between two solved points whose plans "
                         "prove it within the gap (costs affine in the swept value, same caps) is not solved again")
    ap.add_argument("--no-duals", action="store_true", help="skip the shadow prices of the caps at each point")
    ap.add_argument("--resolve-presolve", choices=("auto", "off", "on"), default="auto",
                    help="HiGHS presolve when re-solving a live model (default auto: off first, on when slow)")
    ap.add_argument("--from", dest="from_year", type=number_arg(int, YEARS[0], high=YEARS[1]), default=None,
                    help="sweep the pathway from this year to --year: each point is the multi-year plan, solved "
                         "cold (model.sweep_pathway)")
    return ap


PATHWAY_REFUSED = (("no_reuse", "--no-reuse"), ("solve_all", "--solve-all"))


def pathway_problems(args) -> list[Problem]:
    """Flags that have no meaning for a pathway sweep (every point is a cold solve of one model)."""
    out = [Problem(flag, None, None, "not taken with --from: every point of a pathway sweep is solved cold")
           for attr, flag in PATHWAY_REFUSED if getattr(args, attr)]
    if args.resolve_presolve != "auto":
        out.append(Problem("--resolve-presolve", None, None, "not taken with --from: no live model is re-solved"))
    if args.goal not in (None, "min-cost"):
        out.append(Problem("--goal", None, None, "a pathway sweep solves at least cost (min-cost) only"))
    return out


def format_pathway_points(ds: xr.Dataset, names: tuple[str, ...]) -> str:
    """One row per point: values, status, discounted cost, gap, and households converted each year."""
    df = pd.DataFrame({n: ds[n].values for n in names})
    df["status"] = ds["point_status"].values
    whole = lambda v: f"{v:,.0f}" if np.isfinite(v) else ""  # noqa: E731
    if "objective" in ds:
        df["cost_10k_yuan"] = [f"{v:,.1f}" if np.isfinite(v) else "" for v in ds["objective"].values]
        hh = ds["households_converted"].sum("route", skipna=False)
        for j, y in enumerate(ds["year"].values):
            df[f"households_{int(y)}"] = [whole(v) for v in hh.values[:, j]]
        df[f"gas_{int(ds['year'].values[-1])}_10k_m3"] = [whole(v) for v in ds["gas_annual"].values[:, -1]]
        # zones on another route / converting in another year than at the previous value
        df["route_changed"] = [str(v) if v >= 0 else "" for v in ds["zones_route_changed"].values]
        df["year_changed"] = [str(v) if v >= 0 else "" for v in ds["zones_year_changed"].values]
    df["gap"] = [f"{v:.1e}" for v in ds["point_mip_gap"].values]
    df["solve_s"] = [f"{v:.1f}" for v in ds["point_solve_time"].values]
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        return df.to_string(index=False)


def format_points(ds: xr.Dataset, names: tuple[str, ...]) -> str:
    """One row per point: values, status, objective, gas use, how it was solved."""
    cols = {"status": "point_status", "mode": "point_mode", "objective_10k_yuan_a": "objective",
            "gas_10k_m3": "gas_annual", "gap": "point_mip_gap", "solve_s": "point_solve_time"}
    if ds.attrs.get("goal", "min-cost") != "min-cost":
        cols = {f"goal_{ds.attrs['goal_quantity']}": "point_goal_value", **cols}
    df = pd.DataFrame({k: ds[v].to_series() for k, v in cols.items() if v in ds}).reset_index()
    for k, v in cols.items():  # a goal's count of households reads as a whole number, not 3.077e+06
        if v == "point_goal_value" and k in df and (df[k].abs() >= 1e4).any():
            df[k] = df[k].map(lambda x: f"{x:,.0f}" if np.isfinite(x) else "")
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format", "{:,.4g}".format):
        return df.to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    args = sweep_parser().parse_args(argv)
    from model.sweep import RunSpec, run_sweep  # heavy imports after argument parsing
    from model.tipping import format_tipping
    from model.validate import load_region, resolve_inputs

    scenarios = tuple(args.scenario)
    try:
        folder, args.region = resolve_inputs(args.region, args.inputs, REPO / "inputs")
        problems = [Problem("--inputs", None, None, f"the region id taken from its name {why}")
                    for why in [name_problem(args.region)] if why]
        problems += check_run_arguments(args)
        if args.from_year is not None:
            problems += pathway_problems(args)
        if problems:
            raise InputError(problems)
        grid = grid_from_args(args)
        data = load_region(folder, year=args.year, region=args.region)
        if args.from_year is not None:
            return pathway_main(args, data, grid, scenarios)
        spec = RunSpec(args.year, scenarios,
                       SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads),
                       reuse=not args.no_reuse, duals=not args.no_duals, certify=not args.solve_all,
                       resolve_presolve=args.resolve_presolve, goal=args.goal, goal_gap=args.goal_gap,
                       goal_tolerance=args.goal_tolerance)
        report = run_sweep(data, grid, spec, args.out, args.name, serial=args.serial, scheduler=args.scheduler,
                           workers=args.workers, start_method=args.start_method)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    except CannotWrite as exc:
        print(f"error: {exc}; the points written so far are kept: free space or fix the folder, then run the "
              "same command again to solve the rest", file=sys.stderr)
        return EXIT_WRITE
    except KeyboardInterrupt:  # before the points ran (reading, checking) or while combining them
        print("interrupted: finished points are kept; run the same command again to solve the rest and combine "
              "them", file=sys.stderr)
        return EXIT_INTERRUPTED
    if report.interrupted:
        print(f"\ninterrupted: {len(report.skipped) + len(report.solved)} of {len(grid)} points are in {report.folder}; "
              f"run the same command again to solve the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    ds = report.dataset
    print(format_points(ds, grid.names))
    print()
    print(format_tipping(report.tipping))
    if args.gap > 0 and len(report.tipping):
        print(f"note: with MIP gap {args.gap:g} a zone whose routes cost within the gap may switch without a real "
              f"tipping point; --gap 0 gives exact tipping points (slower)")
    print()
    return _summary(f"sweep {report.name}", len(grid), report, ds)


def _summary(what: str, n_points: int, report, ds: xr.Dataset) -> int:
    """The closing lines of a sweep (single year or pathway) and its exit code."""
    print(f"{what}: {n_points} points, {len(report.solved)} solved now, {len(report.skipped)} done earlier, "
          f"{len(report.failed)} failed, {ds.attrs['points_infeasible']} infeasible; {report.seconds:,.1f} s")
    print(f"wrote {report.combined_path} (points in {report.folder})")
    if report.failed:
        for stem, msg in list(report.failed.items())[:10]:
            print(f"error: {stem}: {msg}", file=sys.stderr)
        return EXIT_SOLVER
    return EXIT_OK


def pathway_main(args, data, grid, scenarios: tuple[str, ...]) -> int:
    """`sweep.py --from`: the pathway at every point (`model.sweep_pathway`); exit codes as above
    (main's handlers take a write failure or an interrupt)."""
    from model.sweep_pathway import PathwaySweep, run_pathway_sweep

    spec = PathwaySweep(args.year, args.from_year, scenarios,
                        SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads))
    report = run_pathway_sweep(data, grid, spec, args.out, args.name, serial=args.serial, scheduler=args.scheduler,
                               workers=args.workers, start_method=args.start_method,
                               on_point=lambda p: print(f"  {p.values}: {p.status} ({p.seconds:.1f} s)", flush=True))
    print(format_pathway_points(report.dataset, grid.names))
    print()
    return _summary(f"pathway sweep {args.from_year}-{args.year}", len(grid), report, report.dataset)
