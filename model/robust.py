"""Robustness under uncertain inputs: Monte Carlo over a table of distributions.

`inputs/<region>/uncertainty.csv` lists the uncertain inputs, one a row:

    parameter     an override address as `--set` takes it: a scalar (`gas_price`) or a cell
                  `TABLE[KEY].COLUMN` (`routes[ashp].efficiency`, `building_types[rural_house].design_heat_load_w_per_m2`)
    distribution  normal (a = mean, b = standard deviation) | uniform (a = low, b = high) |
                  triangular (a = low, b = mode, c = high)
    a, b, c       the distribution's parameters (c only for triangular)
    applies       value (the draw is the input's value) | factor (the draw multiplies the input)
    source        where the distribution comes from, or 'assumption: ...'

Sample i draws every row in table order from its own generator, `numpy.random.default_rng([seed,
i])`, so a sample is the same whatever the number of samples and on whichever worker it runs.
For each sample (one year, `model.pipeline.model_families`):

    1. the base plan re-evaluated, on the sample's model unpruned (every option of the base plan
       has its column): its routes fixed (x columns' bounds set to the plan), the transformer
       upgrades and storage modules re-optimised -> base_cost (or infeasible: the base plan
       breaks a cap under the sample's inputs)
    2. the least-cost plan at the sample, as `solve_data` finds it (dominated options dropped;
       on Jinan that took 1.2-1.8x less CPU than re-solving step 1's model with the routes freed
       and step 1's plan as a start) -> cost, routes
    regret = base_cost - cost >= 0 (within the MIP gaps).

The base plan is the least-cost plan of the inputs as they are (`solve_data`). Each sample is
written as a sweep point file (`model.sweep_points`: the plan, atomic, with its digest) under
`<out>/<region>/<year>/robust_<name>/sample_<i>.nc`; a sample whose file is intact and matches
(seed, index, table, inputs, year, scenarios) is not solved again, so a stopped run resumes.
The combined `robust_<name>.nc` holds every sample's draws, cost, base cost and regret, each
zone's frequency of each route, and the summaries (mean, 5/50/95 % quantiles).
"""
from __future__ import annotations

import hashlib
import math
import os
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from model.errors import EXIT_INFEASIBLE, InputError, Problem, SolveError
from model.prepare import resolve_overrides
from model.registry import ROBUST_OUTPUTS
from model.solve import SolveOptions, run
from model.sweep_points import PointPlan, intact_attrs, read_point_file, run_paths, write_point_file
from model.validate import RegionData

DISTRIBUTIONS = {"normal": 2, "uniform": 2, "triangular": 3}  # parameters each takes
APPLIES = ("value", "factor")
COLUMNS = ("parameter", "distribution", "a", "b", "c", "applies", "source")
FEASIBLE = ("optimal", "time_limit", "solution_limit", "iteration_limit")
# from this gap on a sample is solved without HiGHS's presolve (Jinan 2019-2022 and Xinzhou 2022
# at 1e-3: 0.46-0.85 s without it against 0.58-0.95 s with it; at 1e-4 it pays: README)
LOOSE_GAP = 1e-3


@dataclass(frozen=True)
class Uncertain:
    parameter: str
    distribution: str
    params: tuple[float, ...]
    applies: str
    source: str

    def draw(self, rng: np.random.Generator) -> float:
        p = self.params
        if self.distribution == "normal":
            return float(rng.normal(p[0], p[1])) if p[1] > 0 else float(p[0])
        if self.distribution == "uniform":
            return float(rng.uniform(p[0], p[1])) if p[1] > p[0] else float(p[0])
        return float(rng.triangular(p[0], p[1], p[2])) if p[2] > p[0] else float(p[1])

    def override(self, x: float) -> str:
        """The draw as a --set value (a factor is '*x')."""
        return f"*{x:.17g}" if self.applies == "factor" else f"{x:.17g}"


def read_uncertainty(path: Path, data: RegionData | None = None) -> tuple[Uncertain, ...]:
    """The table, every problem at once (InputError naming file, row, column and rule); with `data`,
    every address is checked against the inputs (`model.overrides.parse_address`)."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError([Problem(name, None, None, "no such file: the Monte Carlo needs a table of uncertain inputs "
                                  f"with columns {', '.join(COLUMNS)} (README, 'Robustness')")])
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError([Problem(name, None, None, f"cannot be read as CSV: {exc}")]) from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError([Problem(name, 1, c, "missing column") for c in missing])
    problems, rows, seen = [], [], {}
    for i, r in df.iterrows():
        line = int(i) + 2
        where = lambda col, rule: problems.append(Problem(name, line, col, rule))  # noqa: E731
        par, dist, applies = r["parameter"].strip(), r["distribution"].strip().lower(), r["applies"].strip().lower()
        if not par:
            where("parameter", "empty: an override address such as gas_price or routes[ashp].efficiency")
        elif par in seen:
            where("parameter", f"'{par}' is listed twice (also row {seen[par]})")
        seen.setdefault(par, line)
        if data is not None and par:
            from model.overrides import parse_address

            try:
                parse_address(par, data)
            except ValueError as exc:
                where("parameter", str(exc))
        if dist not in DISTRIBUTIONS:
            where("distribution", f"'{r['distribution']}' is not one of {', '.join(DISTRIBUTIONS)}")
            continue
        if applies not in APPLIES:
            where("applies", f"'{r['applies']}' is not one of {', '.join(APPLIES)}")
        vals = []
        for col in ("a", "b", "c")[: DISTRIBUTIONS[dist]]:
            try:
                v = float(r[col])
                if not math.isfinite(v):
                    raise ValueError
                vals.append(v)
            except ValueError:
                where(col, f"'{r[col]}' is not a finite number ({dist} needs a, b{', c' if dist == 'triangular' else ''})")
        if len(vals) == DISTRIBUTIONS[dist]:
            if dist == "normal" and vals[1] < 0:
                where("b", f"the standard deviation must be >= 0, got {vals[1]:g}")
            if dist == "uniform" and vals[1] < vals[0]:
                where("b", f"high ({vals[1]:g}) must be >= low ({vals[0]:g})")
            if dist == "triangular" and not vals[0] <= vals[1] <= vals[2]:
                where("b", f"low <= mode <= high must hold, got {vals[0]:g}, {vals[1]:g}, {vals[2]:g}")
        if not r["source"].strip():
            where("source", "empty: say where the distribution comes from, or 'assumption: ...'")
        rows.append(Uncertain(par, dist, tuple(vals), applies, r["source"].strip()))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(name, None, None, "no rows: list at least one uncertain input")])
    return tuple(rows)


def table_hash(table: tuple[Uncertain, ...]) -> str:
    text = repr([(u.parameter, u.distribution, u.params, u.applies) for u in table])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def draws(table: tuple[Uncertain, ...], seed: int, i: int) -> np.ndarray:
    """Sample i's draws, one per row, from its own generator (the same for any number of samples)."""
    rng = np.random.default_rng([int(seed), int(i)])
    return np.array([u.draw(rng) for u in table])


# ---------------------------------------------------------------------------------------------
# one sample, on a worker

@dataclass(frozen=True)
class RobustSpec:
    """What every sample shares (picklable, small)."""

    year: int
    table: tuple[Uncertain, ...]
    seed: int
    base: PointPlan  # the base plan (least cost at the inputs as they are)
    scenarios: tuple[str, ...] = ()
    options: SolveOptions = field(default_factory=SolveOptions)
    # the samples' least-cost solves stop at this relative gap (None: options.mip_gap); the base
    # plan and its re-evaluations use options.mip_gap
    sample_gap: float | None = None

    @property
    def sample_options(self) -> SolveOptions:
        """The samples' least-cost solves: at the sample gap, on the whole model; HiGHS's presolve
        off at a gap of LOOSE_GAP or more (there the search ends at the root, and presolve does not
        pay back: README, "Robustness")."""
        gap = float(self.options.mip_gap if self.sample_gap is None else self.sample_gap)
        presolve = "off" if gap >= LOOSE_GAP and self.options.presolve is None else self.options.presolve
        return replace(self.options, mip_gap=gap, method="direct", presolve=presolve)


@dataclass
class SampleResult:
    index: int
    values: np.ndarray
    status: str  # the least-cost plan's: optimal | time_limit | infeasible | error
    plan: PointPlan | None
    cost: float  # total cost to society of the sample's least-cost plan (NaN without one)
    base_status: str  # the base plan re-evaluated: optimal | infeasible | unavailable | error
    base_cost: float
    message: str = ""
    times: dict[str, float] = field(default_factory=dict)
    worker: str = ""
    bound: float = np.nan  # the solver's bound on the least cost (cost - bound <= the sample gap x cost)


def _sets(spec: RobustSpec, values: np.ndarray) -> dict[str, str]:
    return {u.parameter: u.override(float(x)) for u, x in zip(spec.table, values)}


def solve_sample(data: RegionData, spec: RobustSpec, i: int) -> SampleResult:
    """Sample i: the base plan re-evaluated, then the least-cost plan (module docstring). Never
    raises for a sample without a plan: its status and message say why."""
    from model.build import standard_form
    from model.horizon import prepare_horizon
    from model.pipeline import model_families, solve_data
    from model.solve import compile_standard

    worker = f"{socket.gethostname()}:{os.getpid()}"
    values = draws(spec.table, spec.seed, i)
    times: dict[str, float] = {}
    cpu0 = time.process_time()
    try:
        t = time.perf_counter()
        ov = resolve_overrides(data, list(spec.scenarios), _sets(spec, values))
        hz = prepare_horizon(data, [spec.year], ov)
        sf = standard_form(hz, families=model_families(data))
        times["prepare"] = time.perf_counter() - t
        if sf.broken:
            return SampleResult(i, values, "infeasible", None, np.nan, "infeasible", np.nan,
                                "broken by zones without a choice", times, worker)
        t = time.perf_counter()
        comp = compile_standard(sf, spec.options)
        inst, fixed = hz.first, hz.fixed_cost()
        h = comp.highs
        n_x = comp.layout.n_x
        idx = comp.x_col.astype(np.int32)
        base_cost, base_status = np.nan, "unavailable"
        try:
            x = spec.base.solution(inst).x.astype(float)
        except ValueError:
            x = None  # the base plan's option of some zone is not an option under these inputs
        if x is not None:
            h.changeColsBounds(n_x, idx, x, x)
            try:
                sol = run(comp, spec.options)
                base_cost, base_status = float(sol.objective) + fixed, sol.status
            except SolveError as exc:
                if exc.exit_code != EXIT_INFEASIBLE:
                    raise
                base_status = "infeasible"
        del comp, h
        times["base"] = time.perf_counter() - t
        t = time.perf_counter()
        try:  # the least-cost plan at the sample: the one path, the dominated options dropped
            res = solve_data(data, spec.year, ov, spec.sample_options, duals=False, with_iis=False, extract=False,
                             prepared=(hz, sf), diagnose_infeasible=False)
        except SolveError as exc:
            status = "infeasible" if exc.exit_code == EXIT_INFEASIBLE else "error"
            return SampleResult(i, values, status, None, np.nan, base_status, base_cost, str(exc), times, worker)
        sol = res.solution
        fixed = res.horizon.fixed_cost()
        times["solve"] = time.perf_counter() - t
        times["cpu"] = time.process_time() - cpu0  # this worker's CPU time for the sample (HiGHS included)
        plan = PointPlan.of(res.instance, sol, None)
        return SampleResult(i, values, sol.status, plan, float(sol.objective) + fixed, base_status, base_cost, "",
                            times, worker, float(sol.bound) + fixed)
    except InputError as exc:
        return SampleResult(i, values, "error", None, np.nan, "error", np.nan, exc.message(), times, worker)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a bug or a solver crash must not stop the other samples
        return SampleResult(i, values, "error", None, np.nan, "error", np.nan, f"{type(exc).__name__}: {exc}",
                            times, worker)


# ---------------------------------------------------------------------------------------------
# sample files (the sweeps' point files)

def robust_paths(out: Path, region: str, year: int, name: str) -> tuple[Path, Path]:
    """(folder of the sample files, combined dataset path); InputError unless the name is plain."""
    return run_paths(out, region, year, "robust", name, "--name (Monte Carlo name)")


def sample_path(folder: Path, i: int) -> Path:
    return folder / f"sample_{i:06d}.nc"


def _identity(data: RegionData, spec: RobustSpec) -> dict:
    return {"inputs_hash": data.inputs_hash, "year": int(spec.year), "region": data.region,
            "robust_seed": int(spec.seed), "robust_table": table_hash(spec.table),
            "robust_scenarios": ",".join(spec.scenarios), "robust_gap": float(spec.options.mip_gap),
            "robust_sample_gap": float(spec.sample_options.mip_gap)}


def sample_attrs(res: SampleResult, data: RegionData, spec: RobustSpec) -> dict:
    from model.results import now_iso

    return {**_identity(data, spec), "point_format": "plan-1", "robust_sample": int(res.index),
            "status": res.status, "mip_gap": float(res.plan.mip_gap) if res.plan is not None else np.nan,
            "cost": float(res.cost), "bound": float(res.bound), "base_status": res.base_status,
            "base_cost": float(res.base_cost), "point_message": res.message[:4000], "created": now_iso(),
            **{f"draw_{k}": float(v) for k, v in enumerate(res.values)},
            **{f"time_{k}_s": round(v, 4) for k, v in res.times.items()}}


def sample_done(path: Path, i: int, data: RegionData, spec: RobustSpec) -> bool:
    """The file is intact and was solved for this sample, seed, table, inputs, year and scenarios."""
    a = intact_attrs(path)
    if a is None or a.get("status") not in FEASIBLE + ("infeasible",):
        return False
    want = {**_identity(data, spec), "robust_sample": int(i)}
    return all(str(a.get(k)) == str(v) for k, v in want.items())


# ---------------------------------------------------------------------------------------------
# the run

@dataclass
class RobustReport:
    solved: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    times: dict[str, float] = field(default_factory=dict)


def base_plan(data: RegionData, year: int, scenarios: tuple[str, ...], options: SolveOptions) -> tuple[PointPlan, float]:
    """The least-cost plan at the inputs as they are, and its total cost."""
    from model.pipeline import solve_data

    res = solve_data(data, year, resolve_overrides(data, list(scenarios), {}), options, duals=False, extract=False)
    return PointPlan.of(res.instance, res.solution, None), float(res.solution.objective) + res.horizon.fixed_cost()


def run_samples(data: RegionData, spec: RobustSpec, n: int, folder: Path, *, scheduler: str | None = None,
                workers: int | None = None, serial: bool = False, on_sample=None, client=None) -> RobustReport:
    """Solve the samples 0..n-1 whose files are not done; write each file as it arrives (in this
    process). Dask: a LocalCluster of `workers` (`model.dask_layer`, as sweeps), or `scheduler`'s."""
    folder.mkdir(parents=True, exist_ok=True)
    report = RobustReport()
    todo = [i for i in range(n) if not sample_done(sample_path(folder, i), i, data, spec)]
    report.skipped = [i for i in range(n) if i not in set(todo)]

    def handle(res: SampleResult) -> None:
        if res.status == "error":
            report.failed.append((res.index, res.message))
            return
        write_point_file(sample_path(folder, res.index), sample_attrs(res, data, spec), res.plan)
        report.solved.append(res.index)
        if on_sample:
            on_sample(res)

    if not todo:
        return report
    if serial:
        for i in todo:
            handle(solve_sample(data, spec, i))
        return report
    from model.dask_layer import run_tasks

    report.times["worker_memory_mb"] = run_tasks(
        _solve_sample_task, (data, spec), todo, handle,
        lambda exc: report.failed.append((-1, f"{type(exc).__name__}: {exc}")),
        client=client, scheduler=scheduler, workers=workers, key=f"robust-{spec.seed}")
    return report


def _solve_sample_task(shared: tuple[RegionData, RobustSpec], i: int) -> SampleResult:
    return solve_sample(*shared, i)


# ---------------------------------------------------------------------------------------------
# the combined dataset

def robust_dataset(data: RegionData, spec: RobustSpec, n: int, folder: Path, base_cost: float) -> xr.Dataset:
    """Every sample of 0..n-1 from its file: draws, cost, base cost, regret, routes; each zone's
    route frequencies over the samples with a plan; summaries in the attributes."""
    from model.prepare import prepare
    from model.results import now_iso

    inst = prepare(data, spec.year, resolve_overrides(data, list(spec.scenarios), {}))
    nz, nr = len(inst.zone_ids), len(inst.route_ids)
    status, base_status = np.full(n, "missing", dtype=object), np.full(n, "missing", dtype=object)
    cost, bcost, bound = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    vals = np.full((n, len(spec.table)), np.nan)
    route = np.full((n, nz), -1, dtype=np.int16)
    for i in range(n):
        p = sample_path(folder, i)
        if not sample_done(p, i, data, spec):
            continue
        a, plan = read_point_file(p)
        status[i], base_status[i] = a["status"], a["base_status"]
        cost[i], bcost[i], bound[i] = float(a["cost"]), float(a["base_cost"]), float(a["bound"])
        vals[i] = [float(a[f"draw_{k}"]) for k in range(len(spec.table))]
        if plan is not None:
            route[i] = plan.route
    has = route[:, 0] >= 0 if nz else np.zeros(n, dtype=bool)
    counts = np.zeros((nz, nr))
    for i in np.flatnonzero(has):
        counts[np.arange(nz), route[i]] += 1
    freq = counts / max(int(has.sum()), 1)
    base_route = spec.base.route
    regret = bcost - cost
    regret_upper = bcost - np.minimum(bound, cost)  # the least cost is at least the bound

    def var(name, v):
        spec = ROBUST_OUTPUTS[name]
        return xr.Variable(spec.dims, np.asarray(v), attrs={"units": spec.unit, "long_name": spec.long_name})

    ok = np.isfinite(cost)
    q = lambda v, p: float(np.quantile(v[np.isfinite(v)], p)) if np.isfinite(v).any() else np.nan  # noqa: E731
    ds = xr.Dataset({
        "sample_value": var("sample_value", vals),
        "sample_status": var("sample_status", status.astype(str)),
        "sample_cost": var("sample_cost", cost),
        "base_status": var("base_status", base_status.astype(str)),
        "base_cost": var("base_cost", bcost),
        "sample_bound": var("sample_bound", bound),
        "regret": var("regret", regret),
        "regret_upper": var("regret_upper", regret_upper),
        "sample_route": var("sample_route", np.where(route >= 0, inst.route_ids[np.maximum(route, 0)], "")),
        "route_frequency": var("route_frequency", freq),
        "base_route": var("base_route", inst.route_ids[base_route]),
        "base_route_frequency": var("base_route_frequency", freq[np.arange(nz), base_route]),
    }, coords={
        "sample": np.arange(n), "parameter": [u.parameter for u in spec.table],
        "parameter_distribution": ("parameter", [u.distribution for u in spec.table]),
        "parameter_params": ("parameter", [",".join(f"{p:g}" for p in u.params) for u in spec.table]),
        "parameter_applies": ("parameter", [u.applies for u in spec.table]),
        "parameter_source": ("parameter", [u.source for u in spec.table]),
        "zone": inst.zone_ids.astype(str), "zone_name_zh": ("zone", inst.zone_names.astype(str)),
        "route": inst.route_ids.astype(str), "route_name_zh": ("route", inst.route_names.astype(str)),
    })
    ds.attrs = {
        "title": f"Monte Carlo over uncertain inputs, {data.region} {spec.year}", "region": data.region,
        "year": int(spec.year), "scenario": ",".join(spec.scenarios) or "base", "inputs_hash": data.inputs_hash,
        "inputs_folder": str(data.folder), "created": now_iso(), "robust_seed": int(spec.seed),
        "robust_samples": int(n), "robust_table": table_hash(spec.table), "mip_gap": float(spec.options.mip_gap),
        "sample_gap": float(spec.sample_options.mip_gap),
        "samples_with_plan": int(ok.sum()), "samples_infeasible": int((status == "infeasible").sum()),
        "samples_missing": int((status == "missing").sum()),
        "base_cost_10k_yuan_per_a": float(base_cost),
        "base_plan_infeasible_samples": int((base_status == "infeasible").sum()),
        **{f"cost_{k}_10k_yuan_per_a": v for k, v in (("mean", float(np.nanmean(cost)) if ok.any() else np.nan),
                                                      ("p05", q(cost, 0.05)), ("p50", q(cost, 0.5)), ("p95", q(cost, 0.95)))},
        **{f"regret_{k}_10k_yuan_per_a": v for k, v in (("mean", float(np.nanmean(regret)) if np.isfinite(regret).any() else np.nan),
                                                        ("p50", q(regret, 0.5)), ("p95", q(regret, 0.95)),
                                                        ("max", float(np.nanmax(regret)) if np.isfinite(regret).any() else np.nan))},
        "zones_always_base_route": int((freq[np.arange(nz), base_route] == 1).sum()) if ok.any() else 0,
        "regret_upper_mean_10k_yuan_per_a": float(np.nanmean(regret_upper)) if np.isfinite(regret_upper).any() else np.nan,
        "method": "per sample: the base plan's routes fixed, upgrades and storage re-optimised at mip_gap (base_cost); "
                  "then the sample's least-cost plan as solve.py finds it, at sample_gap (sample_cost, with the "
                  "solver's bound sample_bound); regret = base_cost - sample_cost, at most regret_upper = base_cost - "
                  "sample_bound",
    }
    return ds


def format_robust(ds: xr.Dataset) -> str:
    a = ds.attrs
    lines = [f"{a['samples_with_plan']} of {a['robust_samples']} samples with a plan ({a['samples_infeasible']} "
             f"infeasible, {a['samples_missing']} missing); the base plan costs {a['base_cost_10k_yuan_per_a']:,.1f} "
             "10^4 yuan/a at the inputs as they are",
             f"least cost over the samples: mean {a['cost_mean_10k_yuan_per_a']:,.1f}, 5 % {a['cost_p05_10k_yuan_per_a']:,.1f}, "
             f"median {a['cost_p50_10k_yuan_per_a']:,.1f}, 95 % {a['cost_p95_10k_yuan_per_a']:,.1f} 10^4 yuan/a",
             f"the base plan's regret: mean {a['regret_mean_10k_yuan_per_a']:,.1f}, median {a['regret_p50_10k_yuan_per_a']:,.1f}, "
             f"95 % {a['regret_p95_10k_yuan_per_a']:,.1f}, max {a['regret_max_10k_yuan_per_a']:,.1f} 10^4 yuan/a; "
             f"it breaks a cap in {a['base_plan_infeasible_samples']} samples (the samples solved at gap "
             f"{a['sample_gap']:g}: the mean regret is at most {a['regret_upper_mean_10k_yuan_per_a']:,.1f})",
             f"zones on their base-plan route in every sample: {a['zones_always_base_route']:,} of {ds.sizes['zone']:,}"]
    return "\n".join(lines)
