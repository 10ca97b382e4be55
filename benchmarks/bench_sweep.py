"""Gas-price sweep timing: re-use of the live model (and points proven from their neighbours) vs cold solves.

    python benchmarks/bench_sweep.py [--points 21] [--no-cold-sweep] [--no-dask] [--no-prune-sweep] [--no-solve-all]

Case: Jinan 2022 (inputs/jinan) when present, else a synthetic factory region of a few
thousand zones. Prints the wall time of
  - one cold solve: the single-run pipeline (`model.pipeline.solve_data`: prepare, drop dominated
    options, build, hand-off, solve, duals, extract) and the write of its NetCDF;
  - N points with re-use, serial (one process, one HiGHS thread), and where the time goes;
    points between two solved points are proven from their plans when they can be (`certified`);
  - N points with re-use on a LocalCluster of 2 single-threaded workers (including its start),
    right after the serial run, so both see the same machine;
  - both again with every point solved (`--solve-all`: re-use only);
  - the same serial run without fixing dominated options out of the live model;
  - N cold solves, serial;
and, for the re-used points, the overhead (update + extract + write, with any certificate tried
first and not holding; prepare shown apart) as a
share of the re-solve. Gas price 2.0 .. 2.0 + 0.1 (N - 1) yuan/m3, MIP gap 1e-4 (the CLI default).
Each timing is one run; the machine is shared, so the load average is printed with it.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from model.solve import SolveOptions  # noqa: E402
from model.sweep import Grid, RunSpec, forget_live_model, run_sweep, write_point  # noqa: E402
from model.validate import load_region  # noqa: E402


def synthetic_region(folder: Path, n: int = 3000, seed: int = 1) -> Path:
    """n random zones in 4 counties, 60 transformer groups, binding gas and budget caps."""
    import numpy as np

    import factory as f

    rng = np.random.default_rng(seed)
    groups = [f"T{g}" for g in range(60)]
    zones = [f.zone(f"Z{i}", county_id="C1", households=int(rng.integers(20, 400)),
                    floor_area_10k_m2=round(float(rng.uniform(0.2, 4.0)), 4), gas_network=int(rng.random() < 0.7),
                    area_type=str(rng.choice(["urban", "rural"])), transformer_group=str(rng.choice(groups)))
             for i in range(n)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=12000.0, sub_eq=3000.0),
              f.route("ashp", capex_hh=28000.0, sub_eq=8000.0), f.route("storage_heater", capex_hh=8000.0, sub_eq=3000.0)]
    trs = [f.transformer(g, capacity_kva=float(rng.uniform(500, 3000)), upgrade_unit_kva=400.0,
                         upgrade_unit_capex_yuan=160000.0, max_upgrade_units=20) for g in groups]
    total_gas = sum(z["floor_area_10k_m2"] for z in zones if z["gas_network"]) * 6.0  # 0.12 per 0.02 10^4 m2
    years = {"gas_annual_cap_10k_m3": 0.6 * total_gas, "subsidy_budget_10k_yuan": 2e5, "gas_storage_existing_10k_m3": 100.0,
             "storage_module_size_10k_m3": 50.0, "storage_module_capex_10k_yuan": 2000.0}
    return f.write_region(folder, f.tables(zones=zones, routes=routes, transformers=trs, years=years,
                                           params={"discount_rate": 0.05, "storage_averaging_days": 120}))


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def serial_sweep(data, grid, spec, out, one: float, label: str):
    forget_live_model()
    t = time.perf_counter()
    rep = run_sweep(data, grid, spec, out, serial=True, progress_stream=io.StringIO())
    total = time.perf_counter() - t
    reused = [r for r in rep.results if r.mode == "reused"]
    print(f"{len(grid)} points {label}, serial: {total:.1f} s = {total / one:.2f} x one cold solve "
          f"({modes(rep)}; {load()})")
    if reused:
        solve = [r.times["solve"] for r in reused]
        over = [sum(r.times.get(k, 0) for k in ("update", "extract", "write", "certify")) for r in reused]
        prep = [r.times.get("prepare", 0) for r in reused]
        print(f"  per re-used point: re-solve median {statistics.median(solve):.3f} s (min {min(solve):.2f}, "
              f"max {max(solve):.2f}, sum {sum(solve):.1f}); overhead (update + extract + write + certificate tried) median "
              f"{statistics.median(over) * 1000:.1f} ms = {statistics.median(o / s for o, s in zip(over, solve)):.1%} "
              f"of the re-solve; with prepare {statistics.median(o + p for o, p in zip(over, prep)) * 1000:.1f} ms = "
              f"{statistics.median((o + p) / s for o, p, s in zip(over, prep, solve)):.1%}")
        print("    " + ", ".join(f"{k} {statistics.median(r.times.get(k, 0.0) for r in reused) * 1000:.1f} ms"
                                 for k in ("prepare", "update", "extract", "write", "certify")) + " (medians)")
        rebuild = [r.times.get("rebuild", 0.0) for r in rep.results]
        print(f"    and, in the client, the rebuild of each point's variables for the combined dataset (combine's "
              f"work, done as points arrive): median {statistics.median(rebuild) * 1000:.1f} ms")
    cert = [r for r in rep.results if r.mode == "certified"]
    if cert:
        t_cert = [r.times.get("certify", 0) + r.times.get("extract", 0) + r.times.get("write", 0) for r in cert]
        print(f"  per certified point (no solve): certify + extract + write median {statistics.median(t_cert) * 1000:.1f} ms")
    cold = [r for r in rep.results if r.mode == "cold"]
    if cold:
        print("  cold point(s): " + "; ".join(", ".join(f"{k} {v:.2f}" for k, v in r.times.items()) for r in cold))
    print(f"  combine (stack the points' variables) + tipping points + write of the sweep dataset: "
          f"{total - sum(sum(r.times.values()) for r in rep.results):.2f} s (with the loop's own overhead)")
    return rep, total


def modes(rep) -> str:
    m = [r.mode for r in rep.results]
    return ", ".join(f"{m.count(k)} {k}" for k in ("cold", "reused", "certified") if m.count(k))


def cluster_sweep(data, grid, spec, out, one: float, label: str):
    """As the CLI runs it: run_sweep starts its own LocalCluster of 2 workers."""
    t = time.perf_counter()
    done_at = []
    par = run_sweep(data, grid, spec, out, workers=2, progress_stream=io.StringIO(),
                    on_point=lambda r: done_at.append((time.perf_counter() - t, r.mode, r.worker.split(":")[-1])))
    t_par = time.perf_counter() - t
    busy: dict[str, float] = {}
    for r in par.results:
        busy[r.worker] = busy.get(r.worker, 0.0) + sum(v for k, v in r.times.items() if k not in ("write", "rebuild"))
    print(f"{len(grid)} points {label}, LocalCluster 2 workers (its start included): {t_par:.1f} s = "
          f"{t_par / one:.2f} x one cold solve ({modes(par)}; {load()})")
    print("  busy per process (prepare..extract, s): " + ", ".join(f"{w.split(':')[-1]} {v:.1f}" for w, v in busy.items()))
    print("  cold point per worker (its first: first calls included): " + "; ".join(
        ", ".join(f"{k} {v:.2f}" for k, v in r.times.items()) for r in par.results if r.mode == "cold"))
    reused_par = [r.times["solve"] for r in par.results if r.mode == "reused"]
    if reused_par:
        print(f"  re-solve median {statistics.median(reused_par):.3f} s on each of 2 busy CPUs")
    print("  timeline (s after the start, mode, process): " + ", ".join(
        f"{s_:.1f} {m[:2]}{w[-2:]}" for s_, m, w in done_at))
    print(f"  until the last point was written {par.seconds_points:.1f} s; then combine + tipping points + "
          f"write {par.seconds - par.seconds_points:.2f} s")
    return par, t_par


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=21)
    ap.add_argument("--no-cold-sweep", action="store_true", help="skip the N cold solves (the slowest part)")
    ap.add_argument("--no-prune-sweep", action="store_true", help="skip the re-use run without fixing dominated options out")
    ap.add_argument("--no-dask", action="store_true", help="skip the LocalCluster runs")
    ap.add_argument("--no-solve-all", action="store_true", help="skip the runs that solve every point")
    args = ap.parse_args()

    from model.pipeline import solve_data
    from model.prepare import resolve_overrides

    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    folder = REPO / "inputs" / "jinan"
    if (folder / "zones.csv").exists():
        case = "Jinan 2022 (inputs/jinan)"
    else:
        folder = synthetic_region(tmp / "synthetic")
        case = "synthetic factory region (inputs/jinan missing)"
    data = load_region(folder, 2022)
    n_zones = len(data.tables["zones"])
    opts = SolveOptions(mip_gap=1e-4, threads=1)
    prices = tuple(round(2.0 + 0.1 * k, 10) for k in range(args.points))
    grid = Grid(("gas_price",), (prices,))
    print(f"case: {case}, {n_zones} zones; {args.points} points, gas price {prices[0]}..{prices[-1]} yuan/m3, "
          f"gap {opts.mip_gap:g}, 1 HiGHS thread per process; {os.cpu_count()} CPUs")

    def cold_single():
        res = solve_data(data, 2022, resolve_overrides(data, [], {"gas_price": 2.0}), opts)
        write_point(res.dataset, tmp / "one.nc")
        return res

    cold_single()  # warm the imports so the first measurement is not an import measurement
    t = time.perf_counter()
    res = cold_single()
    one = time.perf_counter() - t
    print(f"one cold solve (single-run pipeline + write): {one:.2f} s  "
          f"({', '.join(f'{k} {v:.2f}' for k, v in res.times.items())}; {load()})")

    warm, t_warm = serial_sweep(data, grid, RunSpec(2022, (), opts, reuse=True), tmp / "warm", one, "with re-use")
    if not args.no_dask:
        par, _ = cluster_sweep(data, grid, RunSpec(2022, (), opts, reuse=True), tmp / "dask", one, "with re-use")
        d = abs(warm.dataset.objective - par.dataset.objective) / warm.dataset.objective
        print(f"  objective difference LocalCluster vs serial: max {float(d.max()):.1e} (relative)")
    if not args.no_solve_all:
        every = RunSpec(2022, (), opts, reuse=True, certify=False)
        serial_sweep(data, grid, every, tmp / "every", one, "with re-use, every point solved (--solve-all)")
        if not args.no_dask:
            cluster_sweep(data, grid, every, tmp / "every_dask", one, "with re-use, every point solved (--solve-all)")
    if not args.no_prune_sweep:
        serial_sweep(data, grid, RunSpec(2022, (), opts, reuse=True, prune=False), tmp / "noprune", one,
                     "with re-use, dominated options not fixed out")

    if not args.no_cold_sweep:
        t = time.perf_counter()
        cold = run_sweep(data, grid, RunSpec(2022, (), opts, reuse=False), tmp / "cold", serial=True,
                         progress_stream=io.StringIO())
        t_cold = time.perf_counter() - t
        print(f"{args.points} cold solves, serial: {t_cold:.1f} s = {t_cold / one:.2f} x one cold solve; "
              f"re-use saves {1 - t_warm / t_cold:.0%} ({load()})")
        d = abs(warm.dataset.objective - cold.dataset.objective) / cold.dataset.objective
        print(f"  objective difference re-use vs cold: max {float(d.max()):.1e} (relative; both within the gap)")
        w = {r.values["gas_price"]: r for r in warm.results}
        c = {r.values["gas_price"]: r for r in cold.results}
        print("  gas price | cold: total s (solve s) | re-use: total s (solve s), mode")
        for p in prices:
            print(f"  {p:9.2f} | {sum(c[p].times.values()):6.2f} ({c[p].times['solve']:5.2f}) | "
                  f"{sum(w[p].times.values()):6.2f} ({w[p].times.get('solve', 0.0):5.2f}), {w[p].mode}")

    print(f"target: {args.points} points < 4 x one cold solve = {4 * one:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
