"""Pathway benchmark: the multi-year model against the single year, and a province over 4 years.

1. Shipped regions (`--regions jinan,xinzhou`): in fresh subprocesses, the single-year solve of
   the last year and the pathway from `--from` to it (default gap 1e-4, the CLI's defaults
   otherwise), each as `model.pipeline.solve_region` after the imports; prints both times, their
   ratio, status, gap, objective, binaries and peak RSS. A region whose years.csv holds one year
   has no pathway and says so.
2. Province (`--zones 70000`): a synthetic region (benchmarks/generate.py, `horizon`) over the
   same years, solved by county decomposition (`--method county` at `--province-gap`), in a
   fresh subprocess; `--scheduler ADDRESS` runs the county MIPs as Dask tasks there, and
   `--dask-workers N` starts a LocalCluster of N workers for it; without one, `--threads N`
   solves N counties at a time.

    python benchmarks/pathway.py                          # Jinan and Xinzhou, no province
    python benchmarks/pathway.py --zones 70000 --regions ""
Targets (issue 18): Jinan 2019-2022 optimal at 1e-4 within 60 s and within 15x the single year;
the province within 15 min and 8 GB. Timings are wall clock on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
MARK = "BENCH-RESULT "


def child(folder: str, year: int, from_year: int | None, gap: float, method: str, time_limit: float,
          scheduler: str | None, year_axis: str = "state", threads: int = 1) -> dict:
    from model.pipeline import solve_region
    from model.solve import SolveOptions

    t0 = time.perf_counter()
    res = solve_region(folder, year, options=SolveOptions(mip_gap=gap, method=method, time_limit=time_limit,
                                                          scheduler=scheduler, year_axis=year_axis, threads=threads),
                       from_year=from_year)
    seconds = time.perf_counter() - t0
    a = res.dataset.attrs
    return {"seconds": round(seconds, 2), "status": a["status"], "gap": float(a["mip_gap"]),
            "objective": float(a.get("objective_10k_yuan", a.get("objective_10k_yuan_per_a"))),
            "binaries": int(a["binaries"]), "method": a["solve_method"],
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
            "times": {k: round(v, 2) for k, v in res.times.items()}}


def run_child(*args) -> dict:
    cmd = [sys.executable, __file__, "--child", json.dumps(args)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    for line in p.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": (p.stderr or p.stdout).strip().splitlines()[-1] if (p.stderr or p.stdout).strip() else f"exit {p.returncode}"}


def years_of(folder: Path) -> list[int]:
    import pandas as pd

    return sorted(pd.read_csv(folder / "years.csv")["year"].astype(int).tolist())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", default="jinan,xinzhou", help="shipped regions, comma-separated ('' for none)")
    ap.add_argument("--from", dest="from_year", type=int, default=2019)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--gap", type=float, default=1e-4, help="gap of the shipped regions (default 1e-4)")
    ap.add_argument("--forms", default="conversion",
                    help="year-axis forms of the pathway to time (default conversion, the CLI's), e.g. conversion,state")
    ap.add_argument("--zones", type=int, default=0, help="province size (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--province-gap", type=float, default=0.005)
    ap.add_argument("--time-limit", type=float, default=900.0)
    ap.add_argument("--scheduler", default=None, help="Dask scheduler for the county MIPs")
    ap.add_argument("--threads", type=int, default=1, help="province: county subproblems N at a time (no --scheduler)")
    ap.add_argument("--dask-workers", type=int, default=0, help="start a LocalCluster of N workers for them")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(MARK + json.dumps(child(*json.loads(args.child))), flush=True)
        return 0
    for region in [r for r in args.regions.split(",") if r]:
        folder = REPO / "inputs" / region
        years = years_of(folder)
        if not all(y in years for y in range(args.from_year, args.year + 1)):
            print(f"{region}: years.csv holds {', '.join(map(str, years))}: no pathway {args.from_year}-{args.year}")
            continue
        one = run_child(str(folder), args.year, None, args.gap, "auto", args.time_limit, None)
        if "error" in one:
            print(f"{region} {args.year}: {one['error']}")
            continue
        print(f"{region} {args.year}: {one['seconds']:.1f} s, {one['status']}, gap {one['gap']:.1e}, "
              f"{one['binaries']} binaries, {one['peak_mb']:.0f} MB")
        for form in args.forms.split(","):
            many = run_child(str(folder), args.year, args.from_year, args.gap, "auto", args.time_limit, None, form)
            if "error" in many:
                print(f"{region} {args.from_year}-{args.year} ({form}): {many['error']}")
                continue
            ratio = many["seconds"] / one["seconds"]
            print(f"{region} {args.from_year}-{args.year} ({form} form): {many['seconds']:.1f} s, {many['status']}, "
                  f"gap {many['gap']:.1e}, {many['binaries']} binaries, {many['peak_mb']:.0f} MB, objective "
                  f"{many['objective']:,.1f}; steps {many['times']}")
            print(f"  pathway / single year = {ratio:.1f}x (target <= 15x); optimal within 60 s: "
                  f"{'yes' if many['seconds'] <= 60 and many['status'] == 'optimal' else 'NO'}")
    if args.zones:
        from benchmarks.generate import generate, horizon, write

        folder = REPO / "benchmarks" / "out" / "inputs" / f"pathway_{args.zones}_{args.seed}"
        write(folder, horizon(generate(args.zones, args.seed, args.year), list(range(args.from_year, args.year + 1))))
        cluster = None
        scheduler = args.scheduler
        if args.dask_workers and not scheduler:
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, dashboard_address=None)
            scheduler = cluster.scheduler_address
        try:
            r = run_child(str(folder), args.year, args.from_year, args.province_gap, "county", args.time_limit, scheduler,
                          "state", args.threads)
        finally:
            if cluster is not None:
                cluster.close()
        if "error" in r:
            print(f"province {args.zones} zones: {r['error']}")
        else:
            print(f"province {args.zones} zones x {args.year - args.from_year + 1} years ({r['binaries']} binaries): "
                  f"{r['seconds']:.0f} s, {r['peak_mb'] / 1024:.2f} GB peak (the solving process), {r['status']}, "
                  f"gap {r['gap']:.2%}, method {r['method']}{', county MIPs on Dask' if scheduler else ''}; "
                  f"steps {r['times']}")
            print(f"  within 15 min: {'yes' if r['seconds'] <= 900 else 'NO'}; within 8 GB: "
                  f"{'yes' if r['peak_mb'] <= 8192 else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
