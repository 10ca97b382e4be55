"""Command-line entry for `scripts/robust.py`: Monte Carlo over the uncertain inputs of
`inputs/<region>/uncertainty.csv` (`model.robust`), on Dask; resumable like a sweep.

Exit codes as `scripts/sweep.py` (README, "When things go wrong"): 0 every sample has a file and
the combined dataset was written; 2 bad input or flags (nothing solved); 4 the base plan (least
cost at the inputs as they are) is infeasible, with its diagnosis; 5 some samples failed (the
others are kept, the same command retries only those); 6 cannot write; 130 interrupted (the
samples finished are kept).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from model import interrupt, paths
from model.cli import (REPO, Parser, add_run_arguments, check_run_arguments, number_arg, run_failed, write_failed,
                       write_netcdf)
from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER, InputError, Problem, SolveError
from model.solve import SolveOptions
from model.validate import resolve_inputs

MAX_SAMPLES = 100_000
# a sample's least cost to 0.1 %: the inputs' spread moves it by about 3 % (Jinan 2022: 5-95 % of
# the cost 577,190-633,842), and its solve takes a fifth of the time it takes at 1e-4 (README)
SAMPLE_GAP = 1e-3


def robust_parser() -> Parser:
    ap = Parser(prog="robust.py", description="Monte Carlo over uncertain inputs: per sample the least-cost plan and "
                "the base plan re-evaluated (routes fixed); the cost distribution, each zone's route frequencies and "
                "the base plan's regret.")
    add_run_arguments(ap, set_help="not taken: the samples' overrides come from the uncertainty table",
                      time_limit_help="seconds per solve (default 600)", goals=False)
    ap.add_argument("--samples", type=number_arg(int, 1, high=MAX_SAMPLES), default=200, help="number of samples (default 200)")
    ap.add_argument("--seed", type=number_arg(int, 0, high=2**63 - 1), default=0,
                    help="random seed (default 0): the same seed gives the same samples")
    ap.add_argument("--uncertainty", type=Path, default=None,
                    help="table of uncertain inputs (default: uncertainty.csv in the input folder)")
    ap.add_argument("--name", type=paths.plain_name, default=None,
                    help="names the results robust_<name>/ and robust_<name>.nc (default seed<SEED>)")
    ap.add_argument("--sample-gap", type=number_arg(float, 0.0), default=SAMPLE_GAP,
                    help=f"relative MIP gap of each sample's least-cost solve (default {SAMPLE_GAP:g}; --gap is the "
                    "base plan's): the regret is reported with its upper bound")
    ap.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler (tcp://HOST:8786)")
    ap.add_argument("--workers", type=number_arg(int, 1, high=1024), default=None,
                    help="LocalCluster worker processes (default: the CPU count)")
    ap.add_argument("--serial", action="store_true", help="solve the samples in this process (no Dask)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = robust_parser().parse_args(argv)
    try:
        folder, args.region = resolve_inputs(args.region, args.inputs, REPO / "inputs")
        problems = check_run_arguments(args)
        if args.set:
            problems.append(Problem("--set", None, None, "the samples' values come from the uncertainty table; "
                                    "use --scenario for fixed overrides"))
        if problems:
            raise InputError(problems)
        name = args.name or f"seed{args.seed}"
        from model import robust

        data_folder, out_nc = robust.robust_paths(args.out, args.region, args.year, name)
        from model.validate import load_region

        data = load_region(folder, year=args.year, region=args.region)
        table = robust.read_uncertainty(args.uncertainty or Path(folder) / "uncertainty.csv", data)
        from model.prepare import resolve_overrides

        resolve_overrides(data, list(args.scenario), {})  # a bad scenario name: exit 2 before any solve
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    options = SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads, method="direct")
    t0 = time.perf_counter()
    try:
        base, base_cost = robust.base_plan(data, args.year, tuple(args.scenario), options)
    except (InputError, SolveError, KeyboardInterrupt) as exc:
        return run_failed(exc, args, what="the base plan (least cost at the inputs as they are): ")
    spec = robust.RobustSpec(args.year, table, args.seed, base, tuple(args.scenario), options, args.sample_gap)
    print(f"base plan {base_cost:,.1f} 10^4 yuan/a ({time.perf_counter() - t0:.1f} s); {args.samples} samples of "
          f"{len(table)} uncertain inputs, seed {args.seed}", flush=True)
    done = [0]

    def on_sample(res):
        done[0] += 1
        if done[0] % 10 == 0:
            print(f"  {done[0]} samples solved ({time.perf_counter() - t0:.0f} s)", flush=True)

    try:
        try:
            report = robust.run_samples(data, spec, args.samples, data_folder, scheduler=args.scheduler,
                                        workers=args.workers, serial=args.serial, on_sample=on_sample)
        except paths.WRITE_ERRORS as exc:
            return write_failed(data_folder, exc)
        interrupt.check()
        ds = robust.robust_dataset(data, spec, args.samples, data_folder, base_cost)
        ds.attrs["time_total_s"] = round(time.perf_counter() - t0, 3)
        mem = report.times.get("worker_memory_mb")
        if mem:
            ds.attrs["worker_peak_memory_mb"] = ", ".join(f"{v:.0f}" for v in mem.values())
        failed = write_netcdf(ds, out_nc)
        if failed is not None:
            return failed
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"interrupted: the samples finished are kept in {data_folder}; the same command solves the rest",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(robust.format_robust(ds))
    print(f"{len(report.solved)} samples solved, {len(report.skipped)} already done, {len(report.failed)} failed; "
          f"{time.perf_counter() - t0:.1f} s" + (f"; worker peak memory {ds.attrs['worker_peak_memory_mb']} MB"
                                                  if "worker_peak_memory_mb" in ds.attrs else ""))
    print(f"wrote {out_nc}")
    if report.failed:
        for i, msg in report.failed[:10]:
            print(f"error: sample {i}: {msg}", file=sys.stderr)
        return EXIT_SOLVER
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
