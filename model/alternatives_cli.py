"""Command-line entry for `scripts/alternatives.py`: parse, solve the least-cost plan and its
near-optimal alternatives (`model.alternatives`; with --from, of the pathway from that year),
print the comparison, write one NetCDF.

Exit codes, names under --out, atomic writes and signals as `scripts/solve.py` (README, "When
things go wrong"): the file is written whole or not at all, an interrupt writes nothing.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from model import interrupt, paths
from model.cli import (REPO, YEARS, Parser, add_run_arguments, check_run_arguments, number_arg, parse_set, run_failed,
                       set_label, write_netcdf)
from model.errors import EXIT_INPUT, EXIT_OK, InputError, Problem, SolveError
from model.solve import SolveOptions
from model.validate import check_set_values, resolve_inputs

PUSH_NAMES = ("min-gas-households", "min-new-kva", "min-subsidy", "max-district-heating", "min-co2")  # alternatives.PUSHES
MAX_ALTERNATIVES = 100


def alternatives_parser() -> Parser:
    ap = Parser(prog="alternatives.py",
                description="Near-optimal alternatives: plans within --slack of the least cost, each pushing one "
                            "planner's objective, then plans as different as possible from the earlier ones "
                            "(SPORES); one NetCDF with an 'alternative' dimension.")
    add_run_arguments(ap, set_help="override one input for this run (repeatable), e.g. gas_price=3.2",
                      gap_help="relative MIP gap of the least-cost plan (default 1e-4)",
                      time_limit_help="seconds per solve (default 600)", goals=False)
    ap.add_argument("--slack", type=number_arg(float, 0.0, high=1.0), default=0.02,
                    help="how much more than the least cost an alternative may cost, relative (default 0.02: 2 %%)")
    ap.add_argument("-n", "--alternatives", dest="n", type=number_arg(int, 1, high=MAX_ALTERNATIVES), default=8,
                    help="alternatives besides the least-cost plan (default 8): the pushes first, in order, then "
                         "SPORES rounds (each as different as possible from every plan before it)")
    ap.add_argument("--push", default=",".join(PUSH_NAMES), metavar="NAME,...",
                    help=f"the planners' objectives to push, in order (default all: {', '.join(PUSH_NAMES)}); "
                         "'none' for SPORES rounds only")
    ap.add_argument("--alt-gap", type=number_arg(float, 0.0, high=1.0), default=1e-3,
                    help="relative MIP gap of each alternative on its own objective (default 1e-3; the cost limit "
                         "holds whatever the gap)")
    ap.add_argument("--from", dest="from_year", type=number_arg(int, YEARS[0], high=YEARS[1]), default=None,
                    help="alternatives of the pathway from this year to --year (one model over the years): each "
                         "within --slack of the least discounted cost, the pushed quantities summed over the years")
    ap.add_argument("--verbose", action="store_true", help="show the HiGHS log")
    return ap


def _pushes(text: str) -> tuple[str, ...]:
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    if names == ("none",):
        return ()
    bad = [n for n in names if n not in PUSH_NAMES]
    if bad or len(set(names)) != len(names) or not names:
        why = f"unknown {', '.join(bad)}" if bad else ("a name twice" if names else "empty")
        raise InputError([Problem("--push", None, None, f"{why}; choose from {', '.join(PUSH_NAMES)} or 'none'")])
    return names


def result_stem(label: str, slack: float) -> str:
    """<scenario>+slack=<slack>: the file is <stem>.alternatives.nc (a pathway: <stem>.from<FROM>.alternatives.nc)."""
    return f"{label}+slack={slack:g}"


def result_suffix(from_year: int | None) -> str:
    return ".alternatives.nc" if from_year is None else f".from{from_year}.alternatives.nc"


def pathway_problems(data, year: int, from_year: int) -> list[Problem]:
    """What the pathway cannot do with these inputs, before any solve: a year of the horizon
    without its years.csv or prices.csv row."""
    problems = []
    for name in ("years", "prices"):
        have = set(int(y) for y in data.tables[name]["year"])
        missing = [y for y in range(from_year, year + 1) if y not in have]
        if missing:
            problems.append(Problem(str(data.folder / f"{name}.csv"), None, "year",
                                    f"has no row for {', '.join(map(str, missing))} (the pathway's alternatives "
                                    f"run from {from_year} to {year}; choose a later --from or add the rows)"))
    return problems


def _checked(args) -> tuple[dict[str, str], tuple[str, ...], Path]:
    """--set values, --push, the cross-flag rules and the result's path, before anything is solved."""
    problems = []
    try:
        pushes = _pushes(args.push)
    except InputError as exc:
        problems += exc.problems
        pushes = ()
    sets = parse_set(args.set)
    problems += check_set_values(sets) + check_run_arguments(args)
    path = None
    if not problems:
        label = set_label(args.scenario, sets)
        try:
            path = paths.result_file(args.out, args.region, args.year, result_stem(label, args.slack),
                                     result_suffix(args.from_year))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return sets, pushes, path


def main(argv: list[str] | None = None) -> int:
    parser = alternatives_parser()
    args = parser.parse_args(argv)
    try:
        folder, args.region = resolve_inputs(args.region, args.inputs, REPO / "inputs")
        why = paths.name_problem(args.region)
        if why:
            raise InputError([Problem("--inputs", None, None, f"the region id taken from its name {why}")])
        sets, pushes, path = _checked(args)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    from model.alternatives import AlternativesSpec, format_alternatives, run_alternatives
    from model.prepare import resolve_overrides
    from model.validate import load_region

    options = SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads, verbose=args.verbose,
                           method="direct")
    spec = AlternativesSpec(slack=args.slack, n=args.n, pushes=pushes, gap=args.alt_gap)
    t0 = time.perf_counter()

    unit = "10^4 yuan/a" if args.from_year is None else "10^4 yuan (discounted)"

    def progress(alt):
        q = alt.quantities
        print(f"  {alt.name:<22} {alt.solution.status:<10} cost {q['cost']:>14,.1f} {unit}  "
              f"({alt.solution.times.get('solve', 0.0):.1f} s)", flush=True)

    try:
        data = load_region(folder, year=args.year, region=args.region)
        if args.from_year is not None:
            problems = pathway_problems(data, args.year, args.from_year)
            if problems:
                raise InputError(problems)
        ov = resolve_overrides(data, list(args.scenario), sets)
        what = "" if args.from_year is None else f" of the pathway {args.from_year}-{args.year}"
        print(f"least-cost plan{what}, then {args.n} alternatives within {args.slack:.2%} of its cost:", flush=True)
        out = run_alternatives(data, args.year, ov, spec, options, from_year=args.from_year, progress=progress)
        interrupt.check()
        ds = out.dataset
    except (InputError, SolveError, KeyboardInterrupt) as exc:
        return run_failed(exc, args)
    ds.attrs["time_total_s"] = round(time.perf_counter() - t0, 3)
    failed = write_netcdf(ds, path)
    if failed is not None:
        return failed
    print()
    print(format_alternatives(ds))
    years = f"year {args.year}" if args.from_year is None else f"years {args.from_year}-{args.year}"
    print(f"\nregion {args.region}, {years}, scenario {ds.attrs['scenario']}: {len(ds.alternative)} plans "
          f"in {ds.attrs['time_total_s']:.1f} s (least-cost {out.times['least_cost']:.1f} s, alternatives "
          f"{out.times['alternatives']:.1f} s)")
    print(f"wrote {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
