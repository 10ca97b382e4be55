"""Command-line entry for `scripts/solve.py`: parse, run the pipeline, print, write.

What every script's command line shares (`model.sweep_cli`, `model.alternatives_cli`,
`model.robust_cli` use them): the flags and their rules (`add_run_arguments`,
`check_run_arguments`), bounded numbers (`number_arg`), --set values and the label they give a
result (`parse_set`, `set_label`), and how a run ends without a result (`run_failed`,
`write_failed`, one error line and the exit code).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

from model import interrupt, paths
from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER, EXIT_WRITE, InputError, Problem, SolveError
from model.results import format_plan_table, to_netcdf, write_results
from model.solve import SolveOptions
from model.validate import check_set_values, resolve_inputs

REPO = Path(__file__).resolve().parents[1]
# --year and --from: outside this a year is a typo (and a pathway of 10^9 years would exhaust memory)
YEARS = (1990, 2100)
MAX_PATHWAY_YEARS = 50
# --threads and sweep --workers: beyond this a number is a typo (HiGHS takes an int32)
MAX_THREADS = 1024
GOAL_NAMES = ("min-cost", "max-coverage", "max-share", "min-budget", "min-gas")  # model.goals.GOALS


def parse_set(items: list[str]) -> dict[str, str]:
    """Each `--set NAME=VALUE` as NAME -> VALUE (both stripped; the value as written, checked later
    by `model.validate.check_set_values`); InputError on an item without '='."""
    out = {}
    for item in items:
        if "=" not in item:
            raise InputError([Problem("--set", None, item, "expected NAME=VALUE, e.g. --set gas_price=3.2")])
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _write_diagnosis(exc: SolveError, args) -> None:
    """An infeasible run leaves <scenario>.diagnosis.nc (what had to be relaxed), never a plan."""
    from model import diagnose
    from model.pipeline import Infeasible
    from model.results import _atomic

    if not isinstance(exc, Infeasible) or not exc.context:
        return
    attrs = dict(exc.context)
    if exc.diagnosis is not None and exc.diagnosis.least is not None:
        attrs["least_relaxation_families"] = ";".join(exc.diagnosis.least.families)
    attrs["diagnosis"] = str(exc)
    ds = diagnose.diagnosis_dataset(exc.relaxations, exc.iis, attrs, exc.alternatives)
    try:
        stem = exc.context.get("result_stem", exc.context["scenario"])
        path = paths.result_file(args.out, args.region, args.year, stem, ".diagnosis.nc")
        path.parent.mkdir(parents=True, exist_ok=True)
        with paths.folder_lock(path.parent):
            _atomic(path, lambda tmp: to_netcdf(ds, tmp))
    except (*paths.WRITE_ERRORS, InputError) as exc_write:
        reason = exc_write.message() if isinstance(exc_write, InputError) else paths.write_failure(exc_write, path.parent)
        print(f"error: the diagnosis could not be written: {reason}", file=sys.stderr)
        return
    print(f"wrote the diagnosis to {path}", file=sys.stderr)


def format_binding(ds, per_family: int = 5) -> str:
    """The 'what binds' table: the binding caps and targets of the plan (its own activity and
    slack), the marginal value with routes fixed (LP dual) and, where valued, the MIP's value of
    one more unit over a step with its interval; a family with many binding rows (transformer
    groups) is summarised after its first rows."""
    if "constraint" not in ds.dims:
        return ""
    b = ds.constraint_binding.values == 1
    if not b.any():
        return "No cap or target binds."
    per = "10^4 yuan/a" if "year" not in ds.dims else "10^4 yuan (discounted)"
    has_mip = "marginal_value" in ds
    lines = [f"What binds in the plan (activity and slack of the plan itself; values in {per} per unit more of "
             "the bound:", "LP = marginal value with routes fixed (the LP of the plan), MIP = the plan re-solved with the "
             "bound moved by the step):"]
    fams = ds.constraint_family.values[b]
    nan = np.full(len(b), np.nan)
    cols = [ds.constraint.values, ds.constraint_unit.values, ds.constraint_activity.values, ds.constraint_bound.values,
            ds.constraint_slack.values, ds.shadow_price.values + 0.0]
    cols += [ds[k].values if has_mip else nan for k in ("marginal_step", "marginal_value", "marginal_value_low",
                                                       "marginal_value_high")]
    rows = list(zip(*(c[b] for c in cols), fams))
    for fam in dict.fromkeys(fams):
        mine = [r for r in rows if r[-1] == fam]
        for label, unit, act, bound, slack, price, step, value, low, high, _ in mine[:per_family]:
            line = (f"  {label:<40} {act:>14,.2f} of {bound:>14,.2f} {unit:<11} slack {slack:>11,.2f}  "
                    f"LP {price:>10.4g}")
            if np.isfinite(value):
                line += f"  MIP {value:>10.4g} over +{step:,.4g} ({low:.4g} to {high:.4g})"
            elif np.isfinite(step):
                line += f"  MIP: no plan within the time limit at +{step:,.4g}"
            lines.append(line)
        if len(mine) > per_family:
            prices = [r[5] for r in mine]
            slacks = [r[4] for r in mine]
            lines.append(f"  ... {len(mine) - per_family} more {fam} rows bind (slack {min(slacks):,.2f} to "
                         f"{max(slacks):,.2f}; LP {min(prices):.4g} to {max(prices):.4g})")
    return "\n".join(lines)


def number_arg(kind, low: float, low_inclusive: bool = True, high: float = math.inf):
    """argparse type: a number of `kind` (int or float) >= low (or > low) and <= high, finite;
    argparse turns the error into exit code 2. E.g. `type=number_arg(int, 1, high=MAX_THREADS)`."""
    def parse(text: str):
        value = kind(text)
        if not math.isfinite(value) or (value < low if low_inclusive else value <= low) or value > high:
            rule = f"{'>=' if low_inclusive else '>'} {low:g}" + (f" and <= {high:g}" if high < math.inf else "")
            raise argparse.ArgumentTypeError(f"must be a number {rule}, got {text!r}")
        return value
    parse.__name__ = kind.__name__
    return parse


class Parser(argparse.ArgumentParser):
    """argparse with its error as one line (the usage is a --help away), exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_run_arguments(ap: argparse.ArgumentParser, *, set_help: str, set_metavar: str = "PARAM=VALUE",
                      gap_help: str = "relative MIP gap (default 1e-4)", time_limit_help: str = "seconds (default 600)",
                      threads_help: str = "HiGHS threads (default 1)", goals: bool = True) -> argparse.ArgumentParser:
    """The flags solve.py, sweep.py and alternatives.py share, with the same types and ranges
    (`goals=False`: without --goal and its options)."""
    year = number_arg(int, YEARS[0], high=YEARS[1])
    ap.add_argument("--year", type=year, required=True, help="planning year, e.g. 2022")
    ap.add_argument("--region", type=paths.plain_name, default=None,
                    help="region id: the folder under inputs/ and under the results folder; a plain name (default: "
                         "the name of --inputs, else jinan)")
    ap.add_argument("--inputs", type=Path, default=None,
                    help="input folder of CSV files or an .xlsx workbook (default: inputs/<region>)")
    ap.add_argument("--scenario", type=paths.plain_names, default=[],
                    help="named overrides from scenarios.yaml, comma-separated")
    ap.add_argument("--set", action="append", default=[], metavar=set_metavar, help=set_help)
    ap.add_argument("--out", type=Path, default=REPO / "results", help="results folder (default: results/)")
    ap.add_argument("--gap", type=number_arg(float, 0.0), default=1e-4, help=gap_help)
    ap.add_argument("--time-limit", type=number_arg(float, 0.0, low_inclusive=False), default=600.0, help=time_limit_help)
    ap.add_argument("--threads", type=number_arg(int, 1, high=MAX_THREADS), default=1, help=threads_help)
    if not goals:
        return ap
    ap.add_argument("--goal", choices=GOAL_NAMES, default="min-cost",
                    help="what the plan optimises: min-cost (default, least cost to society), max-coverage (the most "
                         "clean households the caps and budget allow; coverage targets are maximised, not imposed), "
                         "max-share (the highest clean share of each coverage group), min-budget (the least subsidy "
                         "budget meeting every target), min-gas (the least gas meeting every target); goals other "
                         "than min-cost are solved first, then the cost with the goal held at its optimum")
    ap.add_argument("--goal-gap", type=number_arg(float, 0.0), default=0.0,
                    help="relative MIP gap of the goal's own solve (default 0: the goal's optimum is proven)")
    ap.add_argument("--goal-tolerance", type=number_arg(float, 0.0, high=1.0), default=0.0,
                    help="how far (relative) the goal may give way to a cheaper plan (default 0), e.g. 0.01")
    return ap


def check_run_arguments(args) -> list[Problem]:
    """Rules across flags, checked before anything is read: --from against --year, and that results
    can be written under --out/<region>/<year>. (Types and ranges of single flags are argparse's.)"""
    problems = []
    from_year = getattr(args, "from_year", None)
    if from_year is not None and not args.year - MAX_PATHWAY_YEARS < from_year < args.year:
        problems.append(Problem("--from", None, None, f"{from_year} must be before --year ({args.year}) and at most "
                                f"{MAX_PATHWAY_YEARS - 1} years before it (for one year, leave out --from)"))
    unwritable = paths.cannot_write(Path(args.out) / args.region / str(args.year))
    if unwritable:
        problems.append(Problem("--out", None, None, f"results cannot be written: {unwritable}"))
    return problems


def solve_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="solve.py", description="Least-cost clean heating plan for one region and year.")
    add_run_arguments(ap, set_help="override one scalar input for this run (repeatable), e.g. gas_price=3.2",
                      threads_help="HiGHS threads (default 1); with --method county, county MIPs solved at a time")
    ap.add_argument("--check", action="store_true",
                    help="validate only: list every problem and every plausibility warning, solve nothing; "
                         "exit 2 on problems, 0 otherwise")
    year = number_arg(int, YEARS[0], high=YEARS[1])
    ap.add_argument("--from", dest="from_year", type=year, default=None,
                    help="solve the pathway from this year to --year in one model (when each zone converts)")
    ap.add_argument("--foresight", choices=("perfect", "myopic"), default="perfect",
                    help="with --from: perfect (default; one model over the years) or myopic (year by year, each "
                         "year's plan fixed before the next; the result also gives the cost of myopia)")
    ap.add_argument("--verbose", action="store_true", help="show the HiGHS log")
    ap.add_argument("--method", choices=("auto", "direct", "county"), default="auto",
                    help="direct: HiGHS on the whole model; county: solve county by county under prices on the "
                         "city-wide rows, then repair (large regions, gaps of 0.2 %% or more); auto (default): "
                         "county from 4 counties and 2,000 zones with a choice when --gap >= 0.002")
    ap.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="with --method county: a Dask scheduler (tcp://HOST:8786); the county MIPs run as its tasks")
    ap.add_argument("--marginal", default=None, metavar="FAMILY[=STEP],...",
                    help="value the binding rows of these cap/target families by re-solving the MIP with the bound "
                         "moved by STEP (in the row's unit, or N%% of the bound; default: one purchase unit, else 1%% "
                         "of the bound): 'none' to skip; default gas_annual_cap,subsidy_budget,gas_storage for one "
                         "year, none for a pathway")
    ap.add_argument("--marginal-nodes", type=number_arg(int, 1, high=10**9), default=None, metavar="N",
                    help="branch-and-bound nodes per --marginal re-solve (default 1000; a limit of work: the same "
                         "values on any machine)")
    ap.add_argument("--marginal-time-limit", type=number_arg(float, 0.0, low_inclusive=False), default=None,
                    metavar="S", help="seconds per --marginal re-solve, a safety beside --marginal-nodes (default 60)")
    ap.add_argument("--handoff", choices=("direct", "pyomo"), default="direct",
                    help="how the model reaches HiGHS: the numpy standard form (default) or Pyomo's compiler "
                         "on the Pyomo model (the same model, slower; for checking)")
    return ap


def set_label(scenarios, sets: dict[str, str]) -> str:
    """The label a run's result is named by: its scenarios, then its --set values (`parse_set`)."""
    from model.overrides import Overrides, as_written

    return Overrides(tuple(scenarios), {k: as_written(v) for k, v in sets.items()}, cli_set=tuple(sets)).label


def _checked_sets(args) -> dict[str, str]:
    """--set values, the flags' cross rules and the result's name, checked before anything is
    solved (InputError lists every problem)."""
    sets = parse_set(args.set)
    problems = check_set_values(sets) + check_run_arguments(args)
    if not problems:  # the result's file name, as the run will name it (scenarios, then --set values)
        from model.goals import result_stem

        label = result_stem(set_label(args.scenario, sets), args.goal)
        suffix = ".nc" if args.from_year is None else f".from{args.from_year}.nc"
        try:
            paths.result_file(args.out, args.region, args.year, label, suffix)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return sets


def _goal_kw(args) -> dict:
    return {"goal": args.goal, "goal_gap": args.goal_gap, "goal_tolerance": args.goal_tolerance}


def _stem(ds) -> str:
    """The result's file stem: its scenario label and, unless min-cost, its goal."""
    from model.goals import result_stem

    return result_stem(ds.attrs["scenario"], ds.attrs.get("goal"))


def format_goal(ds) -> str:
    """One line on what the goal found ('' for min-cost)."""
    from model.goals import GOALS

    g = ds.attrs.get("goal", "min-cost")
    if g == "min-cost" or "goal_value" not in ds.attrs:
        return ""
    goal = GOALS[g]
    unit = ds.attrs["goal_unit"]
    value, bound = float(ds.attrs["goal_value"]), float(ds.attrs["goal_bound"])
    proven = "proven optimal" if ds.attrs["goal_status"] == "optimal" and float(ds.attrs["goal_mip_gap"]) == 0 else (
        f"{ds.attrs['goal_status']}, within {float(ds.attrs['goal_mip_gap']):.2e} of the bound {bound:,.6g}")
    line = f"goal {g} ({goal.question_en}): {value:,.2f} {unit} ({proven})"
    if g == "min-budget":
        given = ", ".join(f"{x:,.0f}" for x in np.atleast_1d(ds.attrs.get("subsidy_budget_input", [np.nan])))
        line += f"; the input budget ({given} 10^4 yuan) was not a constraint"
    tol = float(ds.attrs.get("goal_tolerance", 0.0))
    return line + f"; then the least cost with the goal held{f' within {tol:.2%}' if tol else ''}"


def _marginal_spec(args, pathway: bool):
    """--marginal as a MarginalSpec: the default families for one year, none for a pathway unless asked."""
    from model.marginal import MarginalSpec

    text = args.marginal if args.marginal is not None else ("none" if pathway else ",".join(MarginalSpec().families))
    try:
        return MarginalSpec.parse(text, nodes=args.marginal_nodes, time_limit=args.marginal_time_limit)
    except ValueError as exc:
        raise InputError([Problem("--marginal", None, None, str(exc))]) from None


def run_failed(exc: BaseException, args, what: str = "") -> int:
    """How a script's run ends when it has no result to write, one way for every script: bad input
    (exit 2, every problem listed), no plan (3-5: the message, `what` in front; the diagnosis file
    of an infeasible case) or an interrupt (130). Nothing is written but the diagnosis."""
    if isinstance(exc, KeyboardInterrupt):
        print("interrupted: nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, InputError):
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    print(f"error: {what}{exc}", file=sys.stderr)
    if exc.exit_code == EXIT_SOLVER:
        print("This is a solver failure, not a problem in your inputs. Run again with --verbose to see the "
              "HiGHS log, try --threads 1 or a larger --gap, and report it with the log and the input folder.",
              file=sys.stderr)
    _write_diagnosis(exc, args)
    return exc.exit_code


def write_failed(path: Path, exc: Exception) -> int:
    """How a script's run ends when `path` cannot be written (`exc`, one of `paths.WRITE_ERRORS`):
    the reason on stderr, exit 6; an earlier result there is unchanged."""
    print(f"error: cannot write {path}: {paths.write_failure(exc, path.parent)}; an earlier result there is unchanged",
          file=sys.stderr)
    return EXIT_WRITE


def write_netcdf(ds, path: Path) -> int | None:
    """Write `ds` to `path` whole or not at all (a temp file renamed, under the folder's lock):
    None when written, else the exit code, with its line on stderr (an earlier file is unchanged)."""
    from model.results import _atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with paths.folder_lock(path.parent):
            _atomic(path, lambda tmp: to_netcdf(ds, tmp))
    except paths.WRITE_ERRORS as exc:
        return write_failed(path, exc)
    except KeyboardInterrupt:
        print("interrupted while writing: an earlier result is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    return None


def main(argv: list[str] | None = None) -> int:
    from model.pipeline import solve_region  # heavy imports after argument parsing

    parser = solve_parser()
    args = parser.parse_args(argv)
    if args.method == "county" and args.handoff == "pyomo":
        parser.error("--method county works on the direct hand-off; drop --handoff pyomo, or use --method direct")
    try:
        folder, args.region = resolve_inputs(args.region, args.inputs, REPO / "inputs")
        why = paths.name_problem(args.region)
        if why:
            raise InputError([Problem("--inputs", None, None, f"the region id taken from its name {why}")])
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    scenarios = list(args.scenario)
    if args.scheduler and args.method != "county":
        parser.error("--scheduler runs the county MIPs of --method county on a Dask cluster: add --method county")
    if args.goal != "min-cost" and args.foresight == "myopic":
        parser.error(f"--goal {args.goal} solves the pathway as one model: drop --foresight myopic")
    if args.goal != "min-cost" and args.method == "county":
        parser.error(f"--goal {args.goal} is solved on the whole model: drop --method county")
    if args.check:
        return _main_check(args, folder, scenarios)
    options = SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads, verbose=args.verbose,
                           handoff=args.handoff, method=args.method, scheduler=args.scheduler)
    if args.from_year is not None:
        return _main_pathway(args, folder, scenarios, options)
    try:
        sets = _checked_sets(args)
        res = solve_region(folder, args.year, scenarios, sets, options, region=args.region, **_goal_kw(args),
                           marginal=_marginal_spec(args, pathway=False))
        interrupt.check()  # HiGHS stops on Ctrl-C and returns; the run still ends as interrupted
        ds = res.dataset
        path = paths.result_file(args.out, args.region, args.year, _stem(ds))
    except (InputError, SolveError, KeyboardInterrupt) as exc:
        return run_failed(exc, args)
    t = time.perf_counter()
    ds.attrs["time_write_s"] = 0.0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with paths.folder_lock(path.parent):  # another run writing the same result waits for this pair
            files = write_results(ds, path)
    except paths.WRITE_ERRORS as exc:
        return write_failed(path, exc)
    except KeyboardInterrupt:
        print("interrupted while writing: an earlier result is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_s = time.perf_counter() - t
    if ds.attrs["status"] != "optimal":
        print(f"warning: HiGHS stopped early ({ds.attrs['status']}, after {res.times.get('solve', 0.0):.1f} s): the plan "
              f"is feasible but may cost up to {ds.attrs['mip_gap']:.2%} more than the best one; raise --time-limit "
              "or loosen --gap for a proven plan", file=sys.stderr)
    print(format_plan_table(ds))
    print()
    if format_goal(ds):
        print(format_goal(ds))
        print()
    binding = format_binding(ds)
    if binding:
        print(binding)
        print()
    tm = res.times
    gap_note = "" if ds.attrs["status"] == "optimal" else f"  (stopped: {ds.attrs['status']}; plan within gap below)"
    print(f"region {args.region}, year {args.year}, scenario {ds.attrs['scenario']}: "
          f"{ds.attrs['zones']} zones ({ds.attrs['zones_decided']} to decide, {ds.attrs['binaries']} binaries)")
    print(f"status {ds.attrs['status']}, objective {ds.attrs['objective_10k_yuan_per_a']:,.1f} 10^4 yuan/a, "
          f"MIP gap {ds.attrs['mip_gap']:.2e}{gap_note}, method {ds.attrs['solve_method']}")
    print(f"gas {float(ds.gas_annual):,.0f} / cap {float(ds.gas_annual_cap):,.0f} 10^4 m3; "
          f"storage required {float(ds.storage_required):,.0f}, existing {float(ds.storage_existing):,.0f}, "
          f"built {float(ds.storage_built):,.0f} 10^4 m3; "
          f"subsidy {float(ds.subsidy_equipment + ds.subsidy_running):,.0f} / budget {float(ds.subsidy_budget):,.0f} 10^4 yuan; "
          f"transformer upgrade units {int(ds.transformer_upgrade_units.sum())}")
    print("times (s): " + ", ".join(f"{k} {v:.2f}" for k, v in tm.items()) + f", write {write_s:.2f}")
    print(f"wrote {files['netcdf']} and {files['plan_csv']}")
    return EXIT_OK


def _main_check(args, folder: Path, scenarios: list[str]) -> int:
    from model.check import check_region, format_report

    try:
        sets = parse_set(args.set)
        problems = check_set_values(sets)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    found, warnings, _ = check_region(folder, args.year, scenarios, sets)
    problems += found
    print(format_report(problems, warnings, str(folder), args.year), file=sys.stderr if problems else sys.stdout)
    return EXIT_INPUT if problems else EXIT_OK


def format_pathway(ds) -> str:
    hh = ds.households_converted.sum("route").to_pandas()
    hh.index = ds.county_name_zh.values
    hh = hh.loc[hh.sum(axis=1) > 0]
    hh.loc["合计 total"] = hh.sum()
    to_date = ds.subsidy_budget_to_date.values.astype(bool)
    spent = np.where(to_date, ds.subsidy_spent_to_date.values, (ds.subsidy_equipment + ds.subsidy_running).values)
    basis = ", to date)" if to_date.all() else (")" if not to_date.any() else "; * = to date)")
    lines = ["Households converting, by county and year:", hh.round(0).astype(int).to_string(), "",
             "year   gas / cap (10^4 m3)      subsidy / budget (10^4 yuan" + basis
             + "   storage required / existing+built (10^4 m3)"]
    for i, y in enumerate(ds.year.values):
        star = "*" if to_date[i] and not to_date.all() else " "
        lines.append(f"{y}   {float(ds.gas_annual[i]):>9,.0f} / {float(ds.gas_annual_cap[i]):<9,.0f}  "
                     f"{float(spent[i]):>10,.0f} / {float(ds.subsidy_budget[i]):<10,.0f}{star}   "
                     f"{float(ds.storage_required[i]):>8,.0f} / {float(ds.storage_existing[i] + ds.storage_built[i]):,.0f}")
    return "\n".join(lines)


def _main_pathway(args, folder, scenarios, options) -> int:
    from model.pipeline import solve_region

    years = list(range(args.from_year, args.year + 1))
    t0 = time.perf_counter()
    try:
        sets = _checked_sets(args)
        res = solve_region(folder, args.year, scenarios, sets, options, region=args.region, from_year=args.from_year,
                           foresight=args.foresight, marginal=_marginal_spec(args, pathway=True), **_goal_kw(args))
        interrupt.check()
        ds = res.dataset
        path = paths.result_file(args.out, args.region, args.year, _stem(ds), f".from{args.from_year}.nc")
    except (InputError, SolveError, KeyboardInterrupt) as exc:
        return run_failed(exc, args)
    if ds.attrs["status"] != "optimal":
        print(f"warning: HiGHS stopped early ({ds.attrs['status']}): the pathway is feasible and within a relative gap "
              f"of {ds.attrs['mip_gap']:.2e} of the best possible", file=sys.stderr)
    ds.attrs["time_total_s"] = round(time.perf_counter() - t0, 3)
    failed = write_netcdf(ds, path)
    if failed is not None:
        return failed
    print(format_pathway(ds))
    if format_goal(ds):
        print()
        print(format_goal(ds))
    binding = format_binding(ds)
    if binding:
        print()
        print(binding)
    print(f"\npathway {years[0]}-{years[-1]} ({args.foresight} foresight): status {ds.attrs['status']}, discounted cost "
          f"{ds.attrs['objective_10k_yuan']:,.1f} 10^4 yuan (base year {ds.attrs['base_year']}), "
          f"MIP gap {ds.attrs['mip_gap']:.2e}, method {ds.attrs['solve_method']}, {ds.attrs['binaries']} binaries, "
          f"{time.perf_counter() - t0:.1f} s")
    if "cost_of_myopia_10k_yuan" in ds.attrs:
        print(f"myopic plan {ds.attrs['myopic_objective_10k_yuan']:,.1f}, perfect foresight "
              f"{ds.attrs['perfect_objective_10k_yuan']:,.1f}: the cost of myopia is "
              f"{ds.attrs['cost_of_myopia_10k_yuan']:,.1f} 10^4 yuan")
    print(f"wrote {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
