#!/usr/bin/env python
"""How long scripts/ledger.py takes on a ledger of about 100,000 households.

    python benchmarks/bench_ledger.py [--counties 140921,140929] [--runs 3]

Writes a synthetic ledger (scripts/make_example_ledger.py, for the given Xinzhou counties: 定襄县
and 岢岚县 hold 101,700 households) to benchmarks/out/, then runs `scripts/ledger.py` on it as a
user would (a fresh process each run, Python's start and imports included) and prints the wall
time (and CPU time) of each run, and the time of each step inside one in-process run.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", default="140921,140929")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    import make_example_ledger as mk

    out = REPO / "benchmarks" / "out" / "ledger"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    ledger, villages = mk.write(out / "in", counties=tuple(args.counties.split(",")))
    print(f"wrote the synthetic ledger {ledger} ({ledger.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    for k in range(args.runs):
        target = out / f"region_{k}"
        t = time.perf_counter()
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([sys.executable, str(REPO / "scripts" / "ledger.py"), str(ledger), "--villages", str(villages),
                            "--out", str(target)], capture_output=True, text=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        if p.returncode != 0:
            print(p.stderr)
            return 1
        if k == 0:
            print(p.stdout.splitlines()[0])
            print(p.stdout.splitlines()[1])
        print(f"run {k + 1}: scripts/ledger.py took {wall:.2f} s wall, {cpu_s:.2f} s CPU (a fresh process; load "
              f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    # the steps, in this process
    from model import ledger as L
    from model.templates import starter_tables

    problems = []
    t0 = time.perf_counter()
    led, label = L.read_ledger(ledger, problems)
    t1 = time.perf_counter()
    vill = L.read_villages(villages, problems)
    tables = starter_tables(REPO / "inputs" / "xinzhou", "xinzhou")
    t2 = time.perf_counter()
    L.aggregate(led, vill, tables["routes"], tables["building_types"])
    t3 = time.perf_counter()
    print(f"steps: read the ledger {t1 - t0:.2f} s ({len(led):,} rows), village table and technology tables "
          f"{t2 - t1:.2f} s, check and merge {t3 - t2:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
