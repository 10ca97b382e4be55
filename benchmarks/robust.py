#!/usr/bin/env python
"""Monte Carlo on Jinan: N samples on a LocalCluster of W Dask workers against one cold solve (target <= 40x).

    python benchmarks/robust.py [--samples 200] [--workers 2] [--seed 1] [--gap 1e-4] [--sample-gap 1e-3]

In one process: a cold least-cost solve as scripts/solve.py does it (`pipeline.solve_data`, the
tables read), then `robust.run_samples` into a fresh folder under benchmarks/out/ (the cluster's
start included), then the combined dataset. Prints wall and CPU time of the cold solve, the
samples' wall time and its ratio to the cold solve, their CPU time per worker and its ratio to the
cold solve's CPU time (a figure that the machine's other load does not inflate), each worker's peak resident memory, and the
mean per-sample times from the sample files.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="jinan")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gap", type=float, default=1e-4, help="the cold solve's and the base plan's gap")
    ap.add_argument("--sample-gap", type=float, default=None, help="the samples' gap (default: robust.py's, 1e-3)")
    args = ap.parse_args(argv)
    from model import robust
    from model.pipeline import solve_data
    from model.prepare import resolve_overrides
    from model.solve import SolveOptions
    from model.sweep_points import intact_attrs
    from model.validate import load_region

    folder = REPO / "inputs" / args.region
    data = load_region(folder, year=args.year)
    table = robust.read_uncertainty(folder / "uncertainty.csv", data)
    options = SolveOptions(mip_gap=args.gap, method="direct")
    w, c = time.perf_counter(), time.process_time()
    solve_data(data, args.year, resolve_overrides(data, [], {}), options, duals=False, extract=False)
    cold_w, cold_c = time.perf_counter() - w, time.process_time() - c
    base, base_cost = robust.base_plan(data, args.year, (), options)
    from model.robust_cli import SAMPLE_GAP

    sample_gap = SAMPLE_GAP if args.sample_gap is None else args.sample_gap
    spec = robust.RobustSpec(args.year, table, args.seed, base, (), options, sample_gap)
    out = REPO / "benchmarks" / "out" / "robust"
    shutil.rmtree(out, ignore_errors=True)
    w = time.perf_counter()
    report = robust.run_samples(data, spec, args.samples, out, workers=args.workers)
    run_w = time.perf_counter() - w
    w = time.perf_counter()
    ds = robust.robust_dataset(data, spec, args.samples, out, base_cost)
    comb_w = time.perf_counter() - w
    times = [intact_attrs(robust.sample_path(out, i)) or {} for i in range(args.samples)]
    mean = {k: sum(float(t.get(f"time_{k}_s", 0.0)) for t in times) / max(len(times), 1)
            for k in ("prepare", "base", "solve", "cpu")}
    cpu_total = mean["cpu"] * len(times)
    print(f"{args.region} {args.year}: {args.samples} samples of {len(table)} uncertain inputs on {args.workers} workers, "
          f"gap {args.gap:g} (the samples' least-cost solves at {sample_gap:g})")
    print(f"cold solve {cold_w:.2f} s wall ({cold_c:.2f} s CPU); samples {run_w:.1f} s wall (cluster start included) = "
          f"{run_w / cold_w:.1f}x the cold solve; combined dataset {comb_w:.2f} s; {len(report.solved)} solved, "
          f"{len(report.failed)} failed")
    print("per sample (mean, s; cpu = the worker's CPU time): " + ", ".join(f"{k} {v:.2f}" for k, v in mean.items()))
    print(f"CPU: the samples' CPU time over {args.workers} workers, {cpu_total / args.workers:.1f} s, is "
          f"{cpu_total / args.workers / cold_c:.1f}x the cold solve's CPU time (what the wall ratio would be on "
          f"{args.workers} otherwise idle cores, cluster start and scheduling aside)")
    print("worker peak memory (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in report.times.get("worker_memory_mb", {}).items()))
    print(robust.format_robust(ds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
