#!/usr/bin/env python
"""Near-optimal alternatives on Jinan: n alternatives against one cold least-cost solve (target <= 4x).

    python benchmarks/alternatives.py [--region jinan] [--year 2022] [--slack 0.02] [-n 8] [--runs 2]

In one process, per run: a cold solve as scripts/solve.py does it (`pipeline.solve_data`, read
and validated tables given, prepare, build, hand-off, HiGHS), then `alternatives.near_optimal`
(its own least-cost solve on the model with the cost row, then n alternatives on the same live
model). Prints wall and CPU time of each (CPU time: the machine may be shared) and the ratio of the
n alternatives alone, and of the whole alternatives run, to the cold solve. The dataset's extraction
(`alternatives_dataset`) is timed apart.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="jinan")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--slack", type=float, default=0.02)
    ap.add_argument("-n", type=int, default=8)
    ap.add_argument("--alt-gap", type=float, default=1e-3)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    from model.alternatives import AlternativesSpec, alternatives_dataset, near_optimal
    from model.pipeline import solve_data
    from model.prepare import resolve_overrides
    from model.solve import SolveOptions
    from model.validate import load_region

    data = load_region(REPO / "inputs" / args.region, year=args.year)
    ov = resolve_overrides(data, [], {})
    options = SolveOptions(method="direct")
    spec = AlternativesSpec(slack=args.slack, n=args.n, gap=args.alt_gap)
    print(f"{args.region} {args.year}: {args.n} alternatives within {args.slack:.0%} (alternative gap {args.alt_gap:g}) "
          f"vs one cold solve (gap {options.mip_gap:g}), {args.runs} runs")
    for k in range(args.runs):
        cold, cw, cc = timed(lambda: solve_data(data, args.year, ov, options, duals=False, extract=False))
        out, aw, ac = timed(lambda: near_optimal(data, args.year, ov, spec, options))
        _, dw, _ = timed(lambda: alternatives_dataset(out))
        alts = out.alternatives[1:]
        sw = out.times["alternatives"]
        solve_cpu = sum(a.solution.times.get("solve", 0.0) for a in alts)
        print(f"run {k + 1}: cold solve {cw:.2f} s wall ({cc:.2f} s CPU), objective {cold.solution.objective:,.1f}; "
              f"alternatives run {aw:.2f} s wall ({ac:.2f} s CPU): least-cost {out.times['least_cost']:.2f} s, "
              f"{len(alts)} alternatives {sw:.2f} s (HiGHS {solve_cpu:.2f} s); dataset {dw:.2f} s")
        print(f"  ratio to the cold solve: {len(alts)} alternatives {sw / cw:.2f}x wall, whole run {aw / cw:.2f}x wall "
              f"({ac / cc:.2f}x CPU); per alternative: "
              + ", ".join(f"{a.name} {a.solution.times.get('solve', 0.0):.1f}" for a in alts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
