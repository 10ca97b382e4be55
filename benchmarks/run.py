"""Speed and scale benchmark: our pipeline against HiGHS alone, per size and seed.

For every (size, seed) it
1. writes a synthetic region (benchmarks/generate.py) under benchmarks/out/inputs/;
2. runs the whole pipeline (read + validate, prepare, build, hand-off, solve, duals,
   extract, write NetCDF) in a fresh subprocess, so the peak RSS is that case's own;
3. in another subprocess builds the same model once more and writes it as MPS
   (`Highs.writeModel`), untimed;
4. in a third subprocess times HiGHS alone: `highspy` reads the MPS and solves it with
   the same options (gap, time limit, threads, seed);
5. with `--methods direct,county` (the default), runs the pipeline once more with the county
   decomposition (model/decompose.py) in a fresh subprocess. Steps 3-4 belong to the direct
   method: HiGHS alone solves the whole model, so for a county row `ratio` is its total against
   HiGHS alone on the whole model (a speed-up where below 1), not our layer's overhead.

`ratio` = our total wall time / HiGHS-alone wall time (read MPS + solve). Interpreter
start and imports are left out of both; the pipeline child first solves a 200-zone region
once (`warm-up`, reported) so the imports that xarray, netCDF4 and dask make on first use
are not counted either. Every number of the model is at 15 significant digits
(`model.build.standard_form`), so the MPS file is an exact copy and HiGHS alone follows the
same search path as our solve (same nodes, same incumbent, same gap; column `same path`).
The table goes to stdout, raw rows to benchmarks/out/bench_<timestamp>.csv. Timings are wall
clock on a shared machine: compare ratios from one run.

    python benchmarks/run.py --sizes 1k,5k,20k --seeds 1,2,3 --gap 0.005
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

OUT = REPO / "benchmarks" / "out"
YEAR = 2022
MARK = "BENCH-RESULT "
STEPS = ("read_validate", "prepare", "build", "handoff", "solve", "duals", "extract", "write")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def _emit(result: dict) -> None:
    print(MARK + json.dumps(result), flush=True)


# ---------------------------------------------------------------- child processes

def case_pipeline(folder: Path, gap: float, time_limit: float, threads: int, handoff: str = "direct",
                  method: str = "direct") -> dict:
    """Whole pipeline as the CLI runs it; per-step times (s) and peak RSS (MB)."""
    t_imp = time.perf_counter()
    from benchmarks.generate import generate, write
    from model.pipeline import solve_region
    from model.results import write_results
    from model.solve import SolveOptions
    import_s = time.perf_counter() - t_imp

    t_warm = time.perf_counter()
    warm = OUT / "inputs" / "warmup_200"
    write(warm, generate(200, 1, YEAR))
    write_results(solve_region(warm, YEAR, options=SolveOptions(mip_gap=0.01)).dataset, OUT / "results" / "warmup" / "base.nc")
    warmup_s = time.perf_counter() - t_warm

    opts = SolveOptions(mip_gap=gap, time_limit=time_limit, threads=threads, handoff=handoff, method=method)
    t0 = time.perf_counter()
    res = solve_region(folder, YEAR, options=opts)
    t = time.perf_counter()
    write_results(res.dataset, OUT / "results" / folder.name / f"{method}.nc")
    times = dict(res.times)
    times["write"] = time.perf_counter() - t
    wall = time.perf_counter() - t0
    inst, sol, comp = res.instance, res.solution, res.compiled
    return {
        "zones": int(len(inst.zone_ids)), "zones_decided": int(res.dataset.attrs["zones_decided"]),
        "binaries": int(len(inst.free)), "cols": int(comp.n_cols), "rows": int(comp.n_rows),
        "nonzeros": int(len(comp.highs.getLp().a_matrix_.index_)),
        "status": sol.status, "mip_gap": float(sol.mip_gap), "objective": float(sol.objective),
        "bound": float(sol.bound), "method": sol.method,
        **{f"d_{k}": float(v) for k, v in sol.details.items()},
        **{f"t_{k}": float(v) for k, v in sol.times.items() if k in ("lp", "counties", "repair", "finish")},
        **{f"t_{k}": float(v) for k, v in times.items()},
        "t_untimed": wall - sum(times.values()), "t_total": wall, "t_import": import_s, "t_warmup": warmup_s,
        "peak_mb": _peak_mb(),
    }


def case_mps(folder: Path, mps: Path) -> dict:
    """Build the same model the pipeline solves (dominated options dropped) and write it as MPS."""
    from model.build import standard_form
    from model.dominance import dominated_options
    from model.prepare import prepare, resolve_overrides, without_options
    from model.solve import compile_standard
    from model.validate import load_region

    data = load_region(folder, year=YEAR)
    inst = prepare(data, YEAR, resolve_overrides(data, [], {}))
    comp = compile_standard(standard_form(without_options(inst, dominated_options(inst))))
    comp.highs.writeModel(str(mps))
    return {"mps_mb": mps.stat().st_size / 1e6}


def case_highs(mps: Path, gap: float, time_limit: float, threads: int) -> dict:
    """HiGHS alone: read the MPS file and solve with the pipeline's options."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    h.readModel(str(mps))
    t_read = time.perf_counter() - t0
    # the same options model.solve sets
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", time_limit)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    t1 = time.perf_counter()
    h.run()
    t_solve = time.perf_counter() - t1
    info = h.getInfo()
    return {"h_read": t_read, "h_solve": t_solve, "h_total": t_read + t_solve,
            "h_status": h.modelStatusToString(h.getModelStatus()), "h_gap": float(info.mip_gap),
            "h_objective": float(info.objective_function_value), "h_peak_mb": _peak_mb()}


# ---------------------------------------------------------------- parent

def _child(args: list[str], timeout: float) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"error": " | ".join(tail) or f"exit code {proc.returncode}"}


def _size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def run_case(n: int, seed: int, args) -> list[dict]:
    """One row per method: the direct row with HiGHS alone, then the county row."""
    from benchmarks.generate import generate, write

    folder = OUT / "inputs" / f"z{n}_s{seed}"
    t = time.perf_counter()
    write(folder, generate(n, seed, YEAR))
    generate_s = time.perf_counter() - t
    common = [str(args.gap), str(args.time_limit), str(args.threads)]
    timeout = 3 * args.time_limit + 600
    rows = []
    direct = None
    for method in args.methods:
        row = {"size": n, "seed": seed, "t_generate": generate_s, "method_asked": method}
        row.update(_child(["--_case", "pipeline", str(folder), *common, args.handoff, method], timeout))
        if method == "direct" and "error" not in row:
            row = _with_highs_alone(row, folder, n, seed, common, timeout, args.keep_mps)
            direct = row
        elif "error" not in row and direct is not None and "h_total" in direct:
            row["h_total"] = direct["h_total"]
            row["ratio"] = row["t_total"] / direct["h_total"]
            row["vs_direct"] = row["objective"] / direct["objective"] - 1
        if "error" not in row:
            overhead = sum(row.get(f"t_{k}", 0.0) for k in ("build", "handoff", "extract", "write"))
            row["overhead"] = overhead
            row["overhead_share"] = overhead / row["t_total"]
            row["overhead_ms_per_zone"] = 1000.0 * overhead / row["zones"]
        rows.append(row)
    return rows


def _with_highs_alone(row: dict, folder: Path, n: int, seed: int, common: list[str], timeout: float,
                      keep_mps: bool) -> dict:
    mps = OUT / "mps" / f"z{n}_s{seed}.mps"
    mps.parent.mkdir(parents=True, exist_ok=True)
    row.update(_child(["--_case", "mps", str(folder), str(mps)], timeout))
    if "error" in row:
        return row
    row.update(_child(["--_case", "highs", str(mps), *common], timeout))
    if "error" not in row and not keep_mps:
        mps.unlink()
    if "error" not in row:
        row["ratio"] = row["t_total"] / row["h_total"]
        # the same incumbent to the last digit: HiGHS alone took our search path
        row["same_path"] = "yes" if abs(row["objective"] - row["h_objective"]) <= 1e-9 * abs(row["objective"]) else "no"
    return row


COLUMNS = [  # (header, key, format)
    ("zones", "zones", "{:.0f}"), ("seed", "seed", "{:.0f}"), ("method", "method", "{}"),
    ("decided", "zones_decided", "{:.0f}"),
    ("binaries", "binaries", "{:.0f}"), ("rows", "rows", "{:.0f}"),
    ("read+val", "t_read_validate", "{:.2f}"), ("prepare", "t_prepare", "{:.2f}"), ("build", "t_build", "{:.2f}"),
    ("handoff", "t_handoff", "{:.2f}"), ("solve", "t_solve", "{:.1f}"), ("LP", "t_lp", "{:.1f}"),
    ("counties", "t_counties", "{:.1f}"), ("repair", "t_repair", "{:.1f}"), ("duals", "t_duals", "{:.2f}"),
    ("extract", "t_extract", "{:.2f}"), ("write", "t_write", "{:.2f}"), ("other", "t_untimed", "{:.2f}"),
    ("warm-up", "t_warmup", "{:.1f}"),
    ("total", "t_total", "{:.1f}"), ("peakMB", "peak_mb", "{:.0f}"), ("gap", "mip_gap", "{:.4f}"),
    ("status", "status", "{}"), ("HiGHS", "h_total", "{:.1f}"), ("H.solve", "h_solve", "{:.1f}"), ("H.gap", "h_gap", "{:.4f}"),
    ("same path", "same_path", "{}"), ("vs direct", "vs_direct", "{:+.3%}"),
    ("H.peakMB", "h_peak_mb", "{:.0f}"), ("ratio", "ratio", "{:.2f}"), ("ovh%", "overhead_share", "{:.1%}"),
    ("ovh ms/zone", "overhead_ms_per_zone", "{:.2f}"),
]


def format_table(rows: list[dict]) -> str:
    cells = [[h for h, _, _ in COLUMNS]]
    for r in rows:
        if "error" in r:
            cells.append([str(r["size"]), str(r["seed"]), r.get("method_asked", ""), "error: " + r["error"][:150]])
            continue
        cells.append([f.format(r[k]) if k in r and r[k] is not None else "-" for _, k, f in COLUMNS])
    widths = [max(len(c[i]) for c in cells if i < len(c) and len(c) == len(COLUMNS)) for i in range(len(COLUMNS))]
    lines = []
    for c in cells:
        if len(c) != len(COLUMNS):
            lines.append("  ".join(c))
        else:
            lines.append("  ".join(v.rjust(w) for v, w in zip(c, widths)))
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])


def target_report(rows: list[dict]) -> list[str]:
    """The issue's targets, on medians over seeds of this run, per method asked."""
    out = []
    for method in dict.fromkeys(r.get("method_asked", "direct") for r in rows):
        mine = [r for r in rows if r.get("method_asked", "direct") == method]
        out.append(f"method {method}:")
        out += ["  " + line for line in _targets(mine, with_ratio=(method == "direct"))]
    return out


def _targets(rows: list[dict], with_ratio: bool) -> list[str]:
    ok = [r for r in rows if "error" not in r]
    by = {}
    for r in ok:
        by.setdefault(r["size"], []).append(r)
    med = {n: {k: _median([r.get(k, float("nan")) for r in rs]) for k in ("t_total", "ratio", "overhead_share",
                                                                         "overhead_ms_per_zone", "peak_mb", "mip_gap")}
           for n, rs in by.items()}
    out = []

    def check(label, value, limit, fmt):
        out.append(f"{'PASS' if value <= limit else 'FAIL'}  {label}: {fmt.format(value)} (target <= {fmt.format(limit)})")

    if 5000 in med and with_ratio:
        check("5k zones: total / HiGHS-alone", med[5000]["ratio"], 1.5, "{:.2f}")
    if 20000 in med:
        check("20k zones: (build+handoff+extract+write) / total", med[20000]["overhead_share"], 0.25, "{:.3f}")
        check("20k zones: (build+handoff+extract+write) ms per zone", med[20000]["overhead_ms_per_zone"], 3.0, "{:.2f}")
    if 5000 in med and 20000 in med:
        check("time(20k) / time(5k)", med[20000]["t_total"] / med[5000]["t_total"], 5.0, "{:.2f}")
    if 70000 in med:
        check("70k zones: total wall time s", med[70000]["t_total"], 600.0, "{:.0f}")
        check("70k zones: peak RSS MB", med[70000]["peak_mb"], 8192.0, "{:.0f}")
        check("70k zones: MIP gap reached", med[70000]["mip_gap"], 0.005, "{:.4f}")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_case"]:  # child process
        kind, rest = argv[1], argv[2:]
        if kind == "pipeline":
            _emit(case_pipeline(Path(rest[0]), float(rest[1]), float(rest[2]), int(rest[3]), rest[4], rest[5]))
        elif kind == "mps":
            _emit(case_mps(Path(rest[0]), Path(rest[1])))
        else:
            _emit(case_highs(Path(rest[0]), float(rest[1]), float(rest[2]), int(rest[3])))
        return 0
    ap = argparse.ArgumentParser(description="Time the pipeline against HiGHS alone on synthetic regions.")
    ap.add_argument("--sizes", default="1k,5k,20k,70k", help="comma-separated zone counts, e.g. 1k,5k,20000")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated generator seeds")
    ap.add_argument("--gap", type=float, default=0.005, help="relative MIP gap (default 0.005)")
    ap.add_argument("--time-limit", type=float, default=600.0, help="HiGHS time limit per solve, s (default 600)")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    ap.add_argument("--keep-mps", action="store_true", help="keep the MPS files in benchmarks/out/mps/")
    ap.add_argument("--handoff", choices=("direct", "pyomo"), default="direct",
                    help="the pipeline's hand-off to HiGHS (default direct; pyomo to time Pyomo's compiler)")
    ap.add_argument("--methods", default="direct,county",
                    help="comma-separated solve methods to time (direct, county, auto; default direct,county)")
    args = ap.parse_args(argv)
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in args.methods if m not in ("direct", "county", "auto")]
    if bad:
        ap.error(f"--methods: unknown method(s) {', '.join(bad)}; use direct, county or auto")
    sizes = [_size(s) for s in args.sizes.split(",") if s.strip()]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    csv = OUT / f"bench_{stamp}.csv"
    rows = []
    for n in sizes:
        for seed in seeds:
            for row in run_case(n, seed, args):
                rows.append(row)
                print(f"  done: {n} zones, seed {seed}, {row['method_asked']}: "
                      + (f"total {row['t_total']:.1f} s, gap {row['mip_gap']:.4f}" if "error" not in row
                         else row["error"]), flush=True)
            _write_csv(rows, csv)
    print()
    print(format_table(rows))
    print()
    print("Targets (medians over seeds; one run on a shared machine, so timings are noisy):")
    for line in target_report(rows):
        print("  " + line)
    print(f"\nraw results: {csv}")
    return 0


def _write_csv(rows: list[dict], path: Path) -> None:
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, index=False)


if __name__ == "__main__":
    sys.exit(main())
