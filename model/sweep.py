"""Parameter sweeps (gas price or any scalar input) on Dask, with tipping points: the run.

This module runs a sweep (`run_sweep`) and solves one point on a worker (`solve_point`); its parts
are modules of their own: the grid (`model.sweep_grid`), which point each worker solves next
(`model.schedule`), the live model kept between points (`model.live_model`), point files
(`model.sweep_points`), the combined dataset (`model.sweep_combine`), tipping points
(`model.tipping`), the Dask cluster (`model.dask_layer`).

A sweep is a grid (cartesian product) of values of one or more scalar inputs, the names
`model.prepare.resolve_overrides` accepts (`gas_price`, `subsidy_budget_10k_yuan`, ...).
Each grid point is one plan. Layout under the results folder:

    <out>/<region>/<year>/sweep_<name>/point_<p1>=<v1>_<p2>=<v2>.nc   one per point
    <out>/<region>/<year>/sweep_<name>.nc                            the combined dataset

A point file holds the plan (each zone's route and retrofit, the upgrade units and storage
modules) and the caps' shadow prices, written in a few milliseconds; the combined dataset
rebuilds every per-run variable of every point from its plan and the inputs. A point is *done*
when its file exists and its attributes carry the same parameter values, year, scenarios and
inputs hash; the same command then only solves the missing points, so a stopped sweep
(Ctrl-C, a killed worker) resumes where it stopped.

Workers never receive or send Pyomo models: each builds its own model from the input
tables (scattered once per worker) and returns the plan. A worker keeps its last model and
live HiGHS instance (per thread), and a following point that only moves prices, the discount
rate or a cap re-uses it: new objective coefficients (`changeColsCost`), new row bounds
(`changeRowsBounds`), the options dominated at the new costs fixed to 0 (`changeColsBounds`;
the same optimum as dropping them, the columns stay for later points), and the previous plan as
a MIP start (`setSolution`). The shadow-price LP is kept alive beside it and re-solved from its
last basis. Any other change (eligibility, loads, coefficients) rebuilds the model.

Along a line of the grid (the last parameter varies) the points are not all solved: a slot
strides ahead while the plan stays the same, and a point left between two solved points is
first offered their plans. When the costs are affine in the swept value and the caps are the
same, the optimum is concave along the line, so the two bounds interpolate to a bound at the
point; a plan within the gap of it is the point's plan without a solve (`model.certify`,
point_mode "certified"). Otherwise the point is re-solved from the cheaper of the two plans.
`--solve-all` solves every point.
"""
from __future__ import annotations

import math
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import xarray as xr

from model import interrupt
from model.certify import Bracket, certify, column_values
from model.dask_layer import dask_client, default_start_method, local_cluster  # noqa: F401
from model.errors import EXIT_INFEASIBLE, CannotWrite, InputError, Problem, SolveError
from model.families import Family
from model.live_model import (LiveModel, _local, forget_live_model, keep_live_model, live_model_for,  # noqa: F401
                              model_at, plan_update, resolve_live, state_key)
from model.paths import WRITE_ERRORS, write_failure
from model.prepare import prepare, reprice, resolve_overrides
from model.schedule import Dispatcher, help_threshold
from model.solve import SolveOptions
from model.sweep_combine import PointInstances, combine, param_unit  # noqa: F401
from model.sweep_grid import Grid, parse_values, point_stem, sweep_paths  # noqa: F401
from model.sweep_points import (FEASIBLE, INFEASIBLE, PLAN_FORMAT, PointPlan, _constraints_of,  # noqa: F401
                                 _point_parts, intact_attrs, point_dataset, read_attrs, read_point_file,
                                 write_point, write_point_file)
from model.tipping import _reverts, tipping_dataset, tipping_points  # noqa: F401
from model.validate import RegionData


# ---------------------------------------------------------------------------------------------
# one point, on a worker

@dataclass(frozen=True)
class RunSpec:
    """What every point of a sweep shares (picklable, small)."""

    year: int
    scenarios: tuple[str, ...] = ()
    options: SolveOptions = field(default_factory=SolveOptions)
    reuse: bool = True
    duals: bool = True
    # HiGHS presolve on re-solves of a live model: auto | off | on (see model.live_model.resolve_live)
    resolve_presolve: str = "auto"
    # re-solves fix the options dominated at the point's costs out of the live model
    prune: bool = True
    # a point between two solved points of its line is proven from their plans when it can be
    # (model.certify); False solves every point
    certify: bool = True
    # constraint families of the caller's own (solve_data's `extra`): module-level objects, so
    # that Dask workers can unpickle them by reference
    extra: tuple[Family, ...] = ()
    # what each point optimises (`model.goals`); a goal other than min-cost solves every point
    # cold, in two stages (no live model re-use, no certified points)
    goal: str = "min-cost"
    goal_gap: float = 0.0
    goal_tolerance: float = 0.0


@dataclass
class PointResult:
    values: dict[str, float]
    status: str  # optimal | time_limit | infeasible | error ...
    mode: str  # cold | reused | certified
    plan: PointPlan | None
    message: str = ""
    times: dict[str, float] = field(default_factory=dict)
    worker: str = ""
    attrs: dict = field(default_factory=dict)  # the point file's attributes


def _point_attrs(values: dict[str, float], data: RegionData, spec: RunSpec) -> dict:
    a = {"sweep_parameters": ",".join(values), "sweep_scenarios": ",".join(spec.scenarios), "sweep_goal": spec.goal,
         "inputs_hash": data.inputs_hash, "inputs_folder": str(data.folder), "year": int(spec.year),
         "region": data.region}
    a.update({f"sweep_{k}": float(v) for k, v in values.items()})
    return a


def _plan_attrs(values: dict[str, float], data: RegionData, spec: RunSpec, plan: PointPlan, mode: str,
                times: dict[str, float]) -> dict:
    from model.results import now_iso

    return {**_point_attrs(values, data, spec), "point_format": PLAN_FORMAT, "status": plan.status,
            "mip_gap": plan.mip_gap, "point_mode": mode, "created": now_iso(), "solver": plan.solver,
            **{f"time_{k}_s": round(v, 4) for k, v in times.items()}}


def solve_point(data: RegionData, spec: RunSpec, values: dict[str, float], bracket: Bracket | None = None) -> PointResult:
    """Solve one grid point (runs on a Dask worker or in-process); never raises for a point
    that has no plan or fails: the result's status and message say why.

    `bracket`: two solved points around this one on its sweep line; with a live model, one of
    their plans is proven within the gap here without a solve when it can be (`model.certify`).
    """
    try:
        start, tried = None, None
        if bracket is not None and spec.reuse:
            t = time.perf_counter()
            res, start = _certified_point(data, spec, values, bracket)
            if res is not None:
                return res
            tried = time.perf_counter() - t  # part of this point's overhead
        return _solve_point(data, spec, values, start, tried)
    except Exception as exc:  # a bug or a solver crash must not stop the other points
        forget_live_model()
        return PointResult(dict(values), "error", "cold", None, f"{type(exc).__name__}: {exc}", {},
                           f"{socket.gethostname()}:{os.getpid()}")


def _certified_point(data: RegionData, spec: RunSpec, values: dict[str, float],
                     bracket: Bracket) -> tuple[PointResult | None, np.ndarray | None]:
    """The point from a neighbour's plan and the bracket's bounds (`model.certify`); else no
    result and the re-solve's start: the cheapest at this point's costs of the neighbours' plans
    and the live model's last plan (None: the last plan). A neighbour's plan counts only where
    its caps are the live model's. The live model is not touched."""
    st = live_model_for(data, spec)
    if st is None:
        return None, None
    t = time.perf_counter()

    def costs_at(vals):
        try:
            inst = reprice(st.inst, data, spec.year, resolve_overrides(data, list(spec.scenarios), dict(vals)))
        except InputError:
            return None, None
        upd = None if inst is None else plan_update(st.sf, model_at(data, inst, spec))
        if upd is None or len(upd.rows):
            return None, None  # not the live model's feasible set (or not cheaply known to be)
        return inst, upd

    inst, upd = costs_at(values)
    if upd is None:
        return None, None
    cols, costs, offsets = upd.cols, {"m": upd.costs}, {"m": upd.offset}
    plan_cols: dict[str, np.ndarray | None] = {}
    for side, vals, plan in (("lower", bracket.lower, bracket.lower_plan), ("upper", bracket.upper, bracket.upper_plan)):
        side_inst, side_upd = costs_at(vals) if vals is not None else (None, None)
        if side_upd is None or not np.array_equal(side_upd.cols, cols):
            continue
        costs[side], offsets[side] = side_upd.costs, side_upd.offset
        plan_cols[side] = column_values(plan, side_inst, st.comp)
    cert = None
    if len(costs) == 3 and spec.certify:
        cert = certify(bracket, values, costs, cols, plan_cols, spec.options.mip_gap, offsets)
    times = {"certify": time.perf_counter() - t}
    if cert is None:
        starts = [x for x in plan_cols.values() if x is not None]
        best = min(starts, key=lambda x: float(costs["m"] @ x[cols]), default=None)
        live = float(costs["m"] @ st.col_value[cols])
        return None, best if best is not None and float(costs["m"] @ best[cols]) < live else None
    t = time.perf_counter()
    sol = cert.solution(inst)
    constraints = None
    if spec.duals:
        duals = st.shadow_price_lp()
        duals.apply(cols, costs["m"], np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0))
        constraints = duals.prices(sol)
    plan = PointPlan.of(inst, sol, constraints)
    times["extract"] = time.perf_counter() - t
    attrs = _plan_attrs(values, data, spec, plan, "certified", times)
    attrs["certified_between"] = f"{point_stem(bracket.lower)} {point_stem(bracket.upper)}"
    return PointResult(dict(values), plan.status, "certified", plan, "", times,
                       f"{socket.gethostname()}:{os.getpid()}", attrs), None


def _solve_point(data: RegionData, spec: RunSpec, values: dict[str, float], start: np.ndarray | None = None,
                 tried: float | None = None) -> PointResult:
    """`start`: the re-solve's start (column values; None: the live model's last plan);
    `tried`: seconds spent on a certificate that did not hold, recorded as times["certify"]."""
    from model.pipeline import Infeasible, solve_data

    worker = f"{socket.gethostname()}:{os.getpid()}"
    times: dict[str, float] = {} if tried is None else {"certify": tried}
    st = live_model_for(data, spec)
    if spec.reuse and st is not None:
        t = time.perf_counter()
        try:
            ov = resolve_overrides(data, list(spec.scenarios), dict(values))
            # a change of prices or caps only: new costs and caps from the live instance
            inst = reprice(st.inst, data, spec.year, ov) or prepare(data, spec.year, ov)
        except InputError as exc:
            return PointResult(dict(values), "error", "cold", None, exc.message(), times, worker)
        times["prepare"] = time.perf_counter() - t
        t = time.perf_counter()
        sf = model_at(data, inst, spec)
        upd = plan_update(st.sf, sf)
        times["update"] = time.perf_counter() - t
        if upd is not None:
            t = time.perf_counter()
            try:
                sol = resolve_live(st, upd, spec.options, spec.resolve_presolve, spec.prune, start)
            except SolveError as exc:
                forget_live_model()
                if exc.exit_code != EXIT_INFEASIBLE:
                    return PointResult(dict(values), "error", "reused", None, str(exc), times, worker)
                # infeasible: the cold path below diagnoses it
            else:
                times["solve"] = sol.times["solve"]
                # changing costs, bounds and the start around the solve
                times["update"] += time.perf_counter() - t - sol.times["solve"]
                t = time.perf_counter()
                st.moved_to(inst, sf)
                constraints = st.shadow_price_lp().prices(sol) if spec.duals else None
                plan = PointPlan.of(inst, sol, constraints)
                times["extract"] = time.perf_counter() - t
                return PointResult(dict(values), sol.status, "reused", plan, "", times, worker,
                                   _plan_attrs(values, data, spec, plan, "reused", times))
    # cold: build and solve from the tables
    forget_live_model()
    try:
        ov = resolve_overrides(data, list(spec.scenarios), dict(values))
        # the live model is re-solved whole from here on: HiGHS on the whole model from the start
        res = solve_data(data, spec.year, ov, replace(spec.options, method="direct"), duals=spec.duals,
                         with_iis=False, prune=spec.goal != "min-cost", extract=False, extra=spec.extra, goal=spec.goal,
                         goal_gap=spec.goal_gap, goal_tolerance=spec.goal_tolerance)
    except InputError as exc:
        return PointResult(dict(values), "error", "cold", None, exc.message(), times, worker)
    except Infeasible as exc:
        return PointResult(dict(values), INFEASIBLE, "cold", None, str(exc), times, worker)
    except SolveError as exc:
        status = INFEASIBLE if exc.exit_code == EXIT_INFEASIBLE else "error"
        return PointResult(dict(values), status, "cold", None, str(exc), times, worker)
    times.update(res.times)
    plan = PointPlan.of(res.instance, res.solution, res.constraints if spec.duals else None)
    if spec.reuse:
        keep_live_model(LiveModel.after_cold_solve(state_key(data, spec), res))
    attrs = _plan_attrs(values, data, spec, plan, "cold", times)
    if res.goal is not None:
        attrs.update(res.goal.attrs())
    return PointResult(dict(values), res.solution.status, "cold", plan, "", times, worker, attrs)


# ---------------------------------------------------------------------------------------------
# point files

def _infeasible_attrs(res: PointResult, data: RegionData, spec: RunSpec) -> dict:
    """The file of a point without a plan (infeasible): attributes only."""
    from model.results import now_iso

    return {**_point_attrs(res.values, data, spec), "point_format": PLAN_FORMAT, "status": res.status,
            "point_message": res.message[:4000], "created": now_iso(), "point_mode": res.mode}


def point_done(path: Path, values: dict[str, float], data: RegionData, spec: RunSpec) -> bool:
    """The file is intact (its digest matches) and was solved for these values, year, scenarios
    and inputs, to the end (a point HiGHS stopped on an interrupt is solved again)."""
    a = intact_attrs(path)
    if a is None or a.get("status") == "interrupted":
        return False
    if a.get("inputs_hash") != data.inputs_hash or int(a.get("year", -1)) != int(spec.year):
        return False
    if str(a.get("sweep_scenarios", "")) != ",".join(spec.scenarios):
        return False
    if str(a.get("sweep_goal", "min-cost")) != spec.goal:
        return False
    if set(str(a.get("sweep_parameters", "")).split(",")) != set(values):
        return False
    if a.get("status") not in FEASIBLE + (INFEASIBLE,):
        return False
    return all(math.isclose(float(a.get(f"sweep_{k}", np.nan)), v, rel_tol=1e-12, abs_tol=1e-12)
               for k, v in values.items())


# ---------------------------------------------------------------------------------------------
# the run

@dataclass
class SweepReport:
    name: str
    folder: Path
    combined_path: Path | None
    dataset: xr.Dataset | None
    tipping: pd.DataFrame | None
    solved: list[str]  # point stems solved in this run
    skipped: list[str]  # already done
    failed: dict[str, str]  # stem -> message
    interrupted: bool
    seconds: float  # the whole run
    results: list[PointResult] = field(default_factory=list)
    seconds_points: float = 0.0  # until the last point was written (cluster start included)


class Progress:
    """One line: points done / running / failed and the time left (estimate from this run's pace)."""

    def __init__(self, total: int, already: int, slots: int, stream=None, every: float = 0.0):
        self.total, self.already, self.slots = total, already, max(1, slots)
        self.done = self.failed = 0
        self.t0 = time.perf_counter()
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every, self.last = every, 0.0

    def line(self) -> str:
        todo = self.total - self.already
        left = todo - self.done - self.failed
        running = min(left, self.slots)
        el = time.perf_counter() - self.t0
        eta = "?" if self.done + self.failed == 0 else f"{el / (self.done + self.failed) * left:,.0f} s"
        return (f"points {self.already + self.done}/{self.total} done ({self.already} earlier), {running} running, "
                f"{self.failed} failed, elapsed {el:,.0f} s, left ~{eta}")

    def show(self, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last < self.every:
            return
        self.last = now
        if self.tty:
            self.stream.write("\r" + self.line() + ("\n" if final else ""))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def _pending(grid: Grid, folder: Path, data: RegionData, spec: RunSpec) -> tuple[list[dict], list[str]]:
    """(points still to solve, stems of points already done)."""
    todo, done = [], []
    for values in grid.points():
        stem = point_stem(values)
        if point_done(folder / f"{stem}.nc", values, data, spec):
            done.append(stem)
        else:
            todo.append(values)
    return todo, done


def check_grid(data: RegionData, grid: Grid, spec: RunSpec) -> None:
    """Reject unknown parameter names or scenarios, and values outside their ranges or cross-field
    rules at any point, before any solve (exit 2)."""
    from model.validate import TEMPERATURES, check_set_values

    if spec.year not in set(data.tables["years"]["year"]):
        raise InputError([Problem(str(data.folder / "years.csv"), None, "year", f"no row for year {spec.year}")])
    problems = [p for name, values in zip(grid.names, grid.values) for v in values
                for p in check_set_values({name: v}, "--gas-price" if name == "gas_price" else f"--set {name}")]
    if problems:
        raise InputError(problems)
    points = grid.points()
    prepare(data, spec.year, resolve_overrides(data, list(spec.scenarios), points[0]))
    if set(grid.names) & set(TEMPERATURES):  # a cross-field rule may break at any point of the grid
        for values in points[1:]:
            resolve_overrides(data, list(spec.scenarios), values)


@dataclass(frozen=True)
class Workers:
    """Where the points are solved: in this process (`serial`, no Dask), or on Dask: an existing
    distributed.Client (`client`), else a scheduler (`scheduler`, tcp://host:port), else a
    LocalCluster of `workers` processes with one thread each, started by `start_method`
    (`model.dask_layer.local_cluster`)."""

    serial: bool = False
    client: object = None
    scheduler: str | None = None
    workers: int | None = None
    start_method: str | None = None


@dataclass
class _Run:
    """A sweep while its points are solved: what they share, which are left, where they run and
    where each result goes (its file, the report, the progress line, the caller's `on_point`)."""

    data: RegionData
    spec: RunSpec
    grid: Grid
    todo: list[dict]
    report: SweepReport
    where: Workers
    progress_stream: object = None
    on_point: Callable[[PointResult], None] | None = None
    instances: PointInstances | None = None
    built: dict[str, list[xr.Dataset]] = field(default_factory=dict)  # stem -> the point's variables

    def progress(self, slots: int) -> Progress:
        prog = Progress(len(self.grid), len(self.report.skipped), slots, self.progress_stream)
        prog.show()
        return prog

    def point_done(self, res: PointResult, prog: Progress) -> None:
        """Record one finished point (file, report), advance the progress line, tell the caller."""
        self.record(res)
        report = self.report
        prog.done, prog.failed = len(report.solved), len(report.failed)
        prog.show(final=len(report.solved) + len(report.failed) == len(self.todo))
        if self.on_point:
            self.on_point(res)

    def record(self, res: PointResult) -> None:
        """Write the point's file (a plan, or the attributes of an infeasible point) and enter it
        in the report; rebuild its variables for the combined dataset while the workers solve on."""
        report, folder = self.report, self.report.folder
        stem = point_stem(res.values)
        if res.plan is not None or res.status == INFEASIBLE:
            t = time.perf_counter()
            attrs = res.attrs if res.plan is not None else _infeasible_attrs(res, self.data, self.spec)
            attrs["sweep_name"] = report.name
            try:
                write_point_file(folder / f"{stem}.nc", attrs, res.plan)
            except WRITE_ERRORS as exc:
                raise CannotWrite(folder / f"{stem}.nc", write_failure(exc, folder)) from None
            res.times["write"] = time.perf_counter() - t
            report.solved.append(stem)
        else:
            report.failed[stem] = res.message
        report.results.append(res)
        if res.plan is not None:
            t = time.perf_counter()
            try:
                self.built[stem] = _point_parts(self.instances.get(res.values), res.plan)
            except Exception:  # combine rebuilds it and reports what is wrong
                pass
            res.times["rebuild"] = time.perf_counter() - t


def run_sweep(data: RegionData, grid: Grid, spec: RunSpec, out: Path, name: str | None = None, *,
              serial: bool = False, client=None, scheduler: str | None = None, workers: int | None = None,
              progress_stream=None, on_point: Callable[[PointResult], None] | None = None,
              start_method: str | None = None) -> SweepReport:
    """Solve the grid points not yet done, write each point, then the combined dataset with tipping points.

    `serial`, `client`, `scheduler`, `workers`, `start_method`: where the points are solved
    (`Workers`).
    `on_point` is called after each point is written (a KeyboardInterrupt from it stops the sweep
    like Ctrl-C does).
    """
    from model.goals import get as get_goal

    check_grid(data, grid, spec)
    goal = get_goal(spec.goal)
    if goal.lexicographic:  # two stages per point: each is solved cold (see RunSpec.goal)
        spec = replace(spec, reuse=False, certify=False)
    name = name or "+".join(list(spec.scenarios) + [grid.default_name()] + ([f"goal={goal.name}"] if goal.lexicographic else []))
    folder, combined_path = sweep_paths(out, data.region, spec.year, name)
    t0 = time.perf_counter()
    todo, skipped = _pending(grid, folder, data, spec)
    report = SweepReport(name, folder, None, None, None, [], skipped, {}, False, 0.0)
    run = _Run(data, spec, grid, todo, report, Workers(serial, client, scheduler, workers, start_method),
               progress_stream, on_point, PointInstances(data, spec))
    if todo:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CannotWrite(folder, write_failure(exc, folder.parent)) from None
        try:
            if serial:
                _run_serial(run)
            else:
                _run_dask(run)
        except KeyboardInterrupt:
            report.interrupted = True
    report.interrupted = report.interrupted or interrupt.received() is not None  # swallowed on the way
    report.seconds = report.seconds_points = time.perf_counter() - t0
    if report.interrupted:
        return report

    units = {n: param_unit(data, n) for n in grid.names}
    from model.results import MODEL_VERSION, now_iso

    o = spec.options
    attrs = {
        "title": f"Sweep {name}: clean heating plans, {data.region} {spec.year}",
        "region": data.region, "year": int(spec.year), "sweep_name": name,
        "sweep_parameters": ",".join(grid.names), "scenario": ",".join(spec.scenarios) or "base",
        "inputs_hash": data.inputs_hash, "inputs_folder": str(data.folder), "created": now_iso(),
        "model_version": MODEL_VERSION, "mip_gap_requested": float(o.mip_gap), "time_limit_s": float(o.time_limit),
        "threads": int(o.threads),
        "note": "tipping_*: route changes between consecutive swept values with a plan; exact only with mip gap 0",
        "goal": goal.name, "goal_zh": goal.zh, "goal_en": goal.en, "goal_unit": goal.objective.unit,
        "goal_quantity": goal.objective.terms[0][0].name, "goal_sense": goal.objective.sense,
    }
    paths = {point_stem(v): folder / f"{point_stem(v)}.nc" for v in grid.points()}
    fresh = {point_stem(r.values): (r.attrs, r.plan) for r in report.results if r.plan is not None}
    ds = combine(paths, grid, attrs, units, fresh, data, spec, run.built)
    tip = tipping_points(ds, grid.names)
    ds = ds.merge(tipping_dataset(tip, units), combine_attrs="override")
    try:
        write_point(ds, combined_path)
    except WRITE_ERRORS as exc:
        raise CannotWrite(combined_path, write_failure(exc, combined_path.parent)) from None
    report.combined_path, report.dataset, report.tipping = combined_path, ds, tip
    report.seconds = time.perf_counter() - t0
    return report


def _start_warm_up() -> None:
    threading.Thread(target=_warm_up_combine, name="sweep-warm-up", daemon=True).start()


def _warm_up_combine() -> None:
    """Pay the first-use costs of building datasets while the points solve (HiGHS releases the
    GIL): xarray's first variable probes for dask.array, an import of 0.4-0.7 s."""
    try:
        xr.Dataset({"a": ("x", np.zeros(1))}).merge(xr.Dataset({"b": ("x", np.zeros(1))}))
    except Exception:  # only a head start; combine pays it otherwise
        pass


def _run_serial(run: _Run) -> None:
    """Solve the points one after another in this process."""
    _start_warm_up()
    prog = run.progress(1)
    spec = run.spec
    dispatch = Dispatcher(run.todo, ["serial"], gallop=spec.reuse and spec.certify)
    while (item := dispatch.next("serial")) is not None:
        i, values, bracket = item
        res = solve_point(run.data, spec, values, bracket)
        interrupt.check()  # a point cut short by Ctrl-C is not written
        dispatch.done(i, res.plan)
        run.point_done(res, prog)


def _run_dask(run: _Run) -> None:
    """Solve the points on Dask, one point at a time per worker thread (see `model.schedule`)."""
    from distributed import as_completed

    w, spec, report = run.where, run.spec, run.report
    client, close = dask_client(w.client, w.scheduler, w.workers, len(run.todo), w.start_method)
    _start_warm_up()  # after the cluster: a forked worker must not copy a thread mid-import
    running: dict = {}  # future -> (slot, values)
    try:
        if not client.scheduler_info()["workers"]:
            client.wait_for_workers(1)
        info = client.scheduler_info()["workers"]
        slots = [(addr, i) for addr in sorted(info) for i in range(max(1, int(info[addr].get("nthreads", 1))))]
        data_f = client.scatter(run.data, broadcast=True, hash=False)  # see dask_layer.run_tasks
        dispatch = Dispatcher(run.todo, slots, gallop=spec.reuse and spec.certify)
        finished = as_completed()
        idle: list = []

        def submit(slot) -> None:
            item = dispatch.next(slot, help_threshold(report.results))
            if item is None:
                idle.append(slot)
                return
            i, values, bracket = item
            # allow_other_workers: a point whose worker died runs elsewhere
            fut = client.submit(solve_point, data_f, spec, values, bracket, pure=False, workers=[slot[0]],
                                allow_other_workers=True, key=f"sweep-{report.name}-{point_stem(values)}-{time.time_ns()}")
            running[fut] = (slot, i, values)
            finished.add(fut)

        prog = run.progress(len(slots))
        for slot in slots:
            submit(slot)
        for fut in finished:
            slot, i, values = running.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # a worker died too often (KilledWorker) or the task failed
                res = PointResult(dict(values), "error", "cold", None, f"{type(exc).__name__}: {exc}")
            dispatch.done(i, res.plan)
            # before the bookkeeping: the workers are not kept waiting for our write
            waiting, idle[:] = [slot] + idle, []
            for s in waiting:
                submit(s)
            run.point_done(res, prog)
    finally:
        pending = [f for f in running if not f.done()]
        if pending:
            client.cancel(pending)
        close()


def __getattr__(name: str):
    """The command line is `model.sweep_cli`; `model.sweep.main` and `sweep_parser` still name it
    (imported on first use: Dask workers import this module and need no argument parsing)."""
    if name in ("main", "sweep_parser"):
        from model import sweep_cli

        return getattr(sweep_cli, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
