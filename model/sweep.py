"""Parameter sweeps (gas price or any scalar input) on Dask, with tipping points.

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

import itertools
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
from model.build import StandardForm, standard_form
from model.certify import Bracket, certify, column_values
from model.dask_layer import START_METHODS, dask_client, default_start_method, local_cluster  # noqa: F401
from model.diagnose import ShadowPriceLP
from model.dominance import Dominance
from model.errors import EXIT_INFEASIBLE, CannotWrite, InputError, Problem, SolveError
from model.families import Family
from model.overrides import safe_name
from model.paths import WRITE_ERRORS, check_name, name_problem, plain_name, result_file, write_failure
from model.prepare import Instance, prepare, reprice, resolve_overrides
from model.registry import SWEEP_OUTPUTS, TABLES
from model.solve import Compiled, Solution, SolveOptions, run
from model.schedule import Dispatcher, help_threshold
from model.sweep_points import (FEASIBLE, PLAN_FORMAT, PointPlan, _constraints_of, _merged, _point_parts,  # noqa: F401
                                 intact_attrs, point_dataset, read_attrs, read_point_file, write_point,
                                 write_point_file)
from model.tipping import _reverts, format_tipping, tipping_dataset, tipping_points  # noqa: F401
from model.validate import RegionData

INFEASIBLE = "infeasible"
MISSING = "missing"


# ---------------------------------------------------------------------------------------------
# the grid

def parse_values(spec: str, option: str) -> tuple[float, ...]:
    """'start:stop:step' (stop included within rounding) or 'a,b,c' -> sorted unique floats."""
    spec = spec.strip()

    def bad(rule: str) -> InputError:
        return InputError([Problem(option, None, None, f"'{spec}': {rule}")])

    try:
        if ":" in spec:
            parts = [float(s) for s in spec.split(":")]
            if len(parts) != 3:
                raise bad("expected START:STOP:STEP, e.g. 2.0:4.0:0.1")
            start, stop, step = parts
            if not step > 0:
                raise bad("STEP must be > 0")
            if stop < start:
                raise bad("STOP must be >= START")
            n = int(math.floor((stop - start) / step + 1e-9))
            # 12 significant digits drop float noise such as 2.3000000000000003
            values = [float(f"{start + k * step:.12g}") for k in range(n + 1)]
        else:
            values = [float(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise bad("not a number; expected START:STOP:STEP or a comma list") from None
    if not values:
        raise bad("no values")
    if not all(np.isfinite(values)):
        raise bad("values must be finite")
    if len(values) > 100_000:
        raise bad(f"{len(values)} points is too many for one sweep")
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class Grid:
    """Swept parameters and their values; points are the cartesian product (last name fastest)."""

    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]

    def points(self) -> list[dict[str, float]]:
        return [dict(zip(self.names, combo)) for combo in itertools.product(*self.values)]

    def __len__(self) -> int:
        return int(np.prod([len(v) for v in self.values]))

    def default_name(self) -> str:
        return "+".join(self.names)


def point_stem(values: dict[str, float]) -> str:
    """File stem of a point, named by its values (stable when the grid grows)."""
    return "point_" + "_".join(f"{k}={v:.12g}" for k, v in values.items())


def sweep_paths(out: Path, region: str, year: int, name: str) -> tuple[Path, Path]:
    """(folder of the point files, combined dataset path); InputError unless the names are plain."""
    problems = check_name(name, "--name (sweep name)")
    if problems:
        raise InputError(problems)
    folder = result_file(out, region, year, f"sweep_{name}", "")
    return folder, folder.parent / f"{folder.name}.nc"


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
    # HiGHS presolve on re-solves of a live model: auto | off | on (see _resolve_live)
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


@dataclass
class _State:
    """A worker thread's live model: the instance it was built for and the last plan."""

    key: tuple
    inst: Instance
    sf: StandardForm  # the live model's standard form (every option has its column)
    comp: Compiled
    col_value: np.ndarray
    budget: float = 1.0  # s: the cold solve's time, the no-presolve re-solve's budget
    dominance: Dominance | None = None  # made at the first re-use
    duals: ShadowPriceLP | None = None  # made at the first re-use with duals
    fixed_out: np.ndarray | None = None  # per free option: fixed out at the last re-solve (dominated then)


_local = threading.local()


def _state_key(data: RegionData, spec: RunSpec) -> tuple:
    o = spec.options
    return (data.inputs_hash, data.region, str(data.folder), spec.year, spec.scenarios, spec.duals,
            o.mip_gap, o.time_limit, o.threads, o.random_seed, o.handoff, spec.prune, spec.extra, spec.goal,
            spec.goal_gap, spec.goal_tolerance)


def forget_live_model() -> None:
    """Drop this thread's cached model (tests; long-lived workers between sweeps)."""
    _local.state = None


@dataclass
class Update:
    """In-place change of a live model: column costs, the objective offset and row bounds."""

    cols: np.ndarray
    costs: np.ndarray
    offset: float
    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def model_at(data: RegionData, inst: Instance, spec: RunSpec) -> StandardForm:
    """The standard form of a point (every option keeps its column; the run's families)."""
    from model.pipeline import model_families

    return standard_form(inst, families=model_families(data, spec.extra))


def plan_update(old: StandardForm, new: StandardForm) -> Update | None:
    """The column costs, offset and row bounds that turn the live model built as `old` into `new`;
    None when anything else differs (columns, their bounds, the matrix, the rows): then the model
    is rebuilt. Read from the two standard forms, so it holds for every family, built-in or not."""
    if (old.n_cols != new.n_cols or old.n_rows != new.n_rows or old.row_names != new.row_names
            or not np.array_equal(old.start, new.start) or not np.array_equal(old.index, new.index)
            or not np.array_equal(old.value, new.value) or not np.array_equal(old.col_lower, new.col_lower)
            or not np.array_equal(old.col_upper, new.col_upper) or not np.array_equal(old.row_sense, new.row_sense)):
        return None
    rows = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper)).astype(np.int32)
    return Update(np.arange(new.n_cols, dtype=np.int32), new.c.copy(), float(new.offset), rows,
                  new.row_lower[rows].copy(), new.row_upper[rows].copy())


# time budget of a re-solve without presolve: max(seconds, factor x the cold solve's time)
RESOLVE_BUDGET = (0.5, 1.0)
# HiGHS options of re-solves on a live model (the gap, time limit and threads stay the user's):
# feasibility jump looks for a first plan, and the MIP start is one
RESOLVE_OPTIONS = {"mip_heuristic_run_feasibility_jump": False}


def _fix_dominated_out(st: _State, costs: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Fix the options dominated at this point's costs out of the live model (upper bound 0, the
    others back to 1): the same optimum as dropping them (`model.dominance`), and the columns
    stay. A start on a fixed-out option moves to an option of its zone that dominates it, which
    keeps the start feasible and costs no more."""
    if st.dominance is None:
        st.dominance = Dominance(st.sf)  # the coefficients are the same for every re-used point
    dominator = st.dominance.dominators(costs)  # per option: -1, or the option replacing it
    cols = st.comp.x_col
    has = cols >= 0
    out = dominator >= 0
    change = has & (out != st.fixed_out) if st.fixed_out is not None else has
    if change.any():
        st.comp.highs.changeColsBounds(int(change.sum()), cols[change].astype(np.int32), np.zeros(int(change.sum())),
                                       np.where(out[change], 0.0, 1.0))
    st.fixed_out = out
    on = np.zeros(len(cols), dtype=bool)
    on[has] = start[cols[has]] > 0.5
    moved = np.flatnonzero(on & out)
    if len(moved):
        target = cols[dominator[moved]]
        ok = target >= 0
        start = start.copy()
        start[cols[moved[ok]]] = 0.0
        start[target[ok]] = 1.0
    return start


def _resolve_live(st: _State, upd: Update, options: SolveOptions, presolve: str = "auto",
                  prune: bool = True, start: np.ndarray | None = None) -> Solution:
    """Apply the update to the live HiGHS, start from the previous plan (or `start`: column
    values), re-solve.

    `prune`: fix the options dominated at these costs out first (`_fix_dominated_out`); it about
    halves the binaries HiGHS works on without presolve. presolve "auto": first without HiGHS
    presolve (its presolve costs about a re-solve; the MIP start gives a near-optimal incumbent),
    within a budget of the cold solve's time; a point that does not close its gap in that budget
    goes on with presolve from the best plan found.
    """
    h = st.comp.highs
    if len(upd.cols):
        h.changeColsCost(len(upd.cols), upd.cols, upd.costs)
    h.changeObjectiveOffset(upd.offset)
    if len(upd.rows):
        h.changeRowsBounds(len(upd.rows), upd.rows, upd.lower, upd.upper)
    if st.duals is not None:
        st.duals.apply(upd.cols, upd.costs, upd.rows, upd.lower, upd.upper)
    # HiGHS drops its incumbent when the model changes; hand the last plan back as a start
    # (it checks feasibility itself and ignores a start a tighter cap made infeasible)
    start = st.col_value if start is None else start
    start = _fix_dominated_out(st, upd.costs, start) if prune else start
    n = len(start)
    for name, value in RESOLVE_OPTIONS.items():
        h.setOptionValue(name, value)
    if presolve != "auto":
        h.setOptionValue("presolve", {"on": "on", "off": "off"}.get(presolve, "choose"))
        h.setSolution(n, np.arange(n, dtype=np.int32), start)
        return run(st.comp, options)
    budget = min(options.time_limit, max(RESOLVE_BUDGET[0], RESOLVE_BUDGET[1] * st.budget))
    h.setOptionValue("presolve", "off")
    h.setSolution(n, np.arange(n, dtype=np.int32), start)
    try:
        sol = run(st.comp, replace(options, time_limit=budget))
        if sol.status != "time_limit" or budget >= options.time_limit:
            return sol
        start = np.asarray(h.getSolution().col_value, dtype=float).copy()
    except SolveError as exc:
        if exc.exit_code == EXIT_INFEASIBLE or budget >= options.time_limit:
            raise
        spent = budget
    else:
        spent = sol.times["solve"]
    h.setOptionValue("presolve", "choose")
    h.setSolution(n, np.arange(n, dtype=np.int32), start)
    sol = run(st.comp, replace(options, time_limit=max(1.0, options.time_limit - spent)))
    sol.times["solve"] += spent
    return sol


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
        _local.state = None
        return PointResult(dict(values), "error", "cold", None, f"{type(exc).__name__}: {exc}", {},
                           f"{socket.gethostname()}:{os.getpid()}")


def _certified_point(data: RegionData, spec: RunSpec, values: dict[str, float],
                     bracket: Bracket) -> tuple[PointResult | None, np.ndarray | None]:
    """The point from a neighbour's plan and the bracket's bounds (`model.certify`); else no
    result and the re-solve's start: the cheapest at this point's costs of the neighbours' plans
    and the live model's last plan (None: the last plan). A neighbour's plan counts only where
    its caps are the live model's. The live model is not touched."""
    st: _State | None = getattr(_local, "state", None)
    if st is None or st.key != _state_key(data, spec):
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
        if st.duals is None:
            st.duals = ShadowPriceLP(st.comp)
        st.duals.apply(cols, costs["m"], np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0))
        constraints = st.duals.prices(sol)
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
    st: _State | None = getattr(_local, "state", None)
    if spec.reuse and st is not None and st.key == _state_key(data, spec):
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
                sol = _resolve_live(st, upd, spec.options, spec.resolve_presolve, spec.prune, start)
            except SolveError as exc:
                _local.state = None
                if exc.exit_code != EXIT_INFEASIBLE:
                    return PointResult(dict(values), "error", "reused", None, str(exc), times, worker)
                # infeasible: the cold path below diagnoses it
            else:
                times["solve"] = sol.times["solve"]
                # changing costs, bounds and the start around the solve
                times["update"] += time.perf_counter() - t - sol.times["solve"]
                t = time.perf_counter()
                st.inst, st.sf = inst, sf
                st.col_value = np.asarray(st.comp.highs.getSolution().col_value, dtype=float).copy()
                constraints = None
                if spec.duals:
                    if st.duals is None:
                        st.duals = ShadowPriceLP(st.comp)  # a copy of the live model as it is now
                    constraints = st.duals.prices(sol)
                plan = PointPlan.of(inst, sol, constraints)
                times["extract"] = time.perf_counter() - t
                return PointResult(dict(values), sol.status, "reused", plan, "", times, worker,
                                   _plan_attrs(values, data, spec, plan, "reused", times))
    # cold: build and solve from the tables
    _local.state = None
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
        _local.state = _State(_state_key(data, spec), res.instance, res.standard_form, res.compiled,
                              np.asarray(res.compiled.highs.getSolution().col_value, dtype=float).copy(),
                              budget=res.times.get("solve", 1.0))
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
# the combined dataset and tipping points


def param_unit(data: RegionData, name: str) -> str:
    """Unit of a swept input (a scalar or a cell address), from the tables' own metadata."""
    from model.overrides import parse_address

    if "[" in name:
        try:
            a = parse_address(name)
        except ValueError:
            return "-"
        if a.table != "parameters":
            return TABLES[a.table].column(a.column).unit
        name = str(a.key[0][1])
    if name.endswith("_price"):
        fuels = data.tables["fuels"].set_index("fuel_id")
        fuel = name[: -len("_price")]
        if fuel in fuels.index:
            return f"yuan/{fuels.at[fuel, 'unit']}"
    p = data.tables["parameters"]
    if name in set(p["name"]):
        return str(p.loc[p["name"] == name, "unit"].iloc[0])
    try:
        return TABLES["years"].column(name).unit
    except StopIteration:
        return "-"


class _PointInstances:
    """The instance of each grid point, for rebuilding point datasets: re-priced from the previous
    point when only prices or caps differ (grid order makes that the common case)."""

    def __init__(self, data: RegionData, spec: RunSpec):
        self.data, self.spec, self.last = data, spec, None

    def get(self, values: dict[str, float]) -> Instance:
        ov = resolve_overrides(self.data, list(self.spec.scenarios), dict(values))
        inst = reprice(self.last, self.data, self.spec.year, ov) if self.last is not None else None
        self.last = inst or prepare(self.data, self.spec.year, ov)
        return self.last


def _stack_aligned(plans: list[tuple[int, list[xr.Dataset]]], grid: Grid, fast: bool = True) -> xr.Dataset:
    """Points (grid position, datasets) -> one dataset on the grid, coordinates aligned by xarray
    (points may differ in their constraint rows when the model was rebuilt between them).
    `fast`: when every point has the same coordinates (the usual case), stack the arrays directly
    (`_stack_same`: the same dataset, about 10x faster on Jinan)."""
    if fast:
        same = _stack_same(plans, grid)
        if same is not None:
            return same
    points = grid.points()
    parts = []
    for pos, pieces in plans:
        ds = _merged(pieces).copy()
        ds.attrs = {}
        for v in ds.variables.values():
            v.encoding = {}  # an int8 file encoding would turn the NaN of a missing point into garbage
        parts.append(ds.expand_dims({"point": [pos]}))
    first = parts[0]
    stacked = xr.concat(parts, dim="point", data_vars="all", coords="minimal", compat="override",
                        join="outer", combine_attrs="drop")
    # every (stacked) point -> its position on the grid, then reshape to the grid's dims
    full = stacked.reindex(point=np.arange(len(points)))
    idx = pd.MultiIndex.from_tuples([tuple(p.values()) for p in points], names=list(grid.names))
    full = full.assign_coords(xr.Coordinates.from_pandas_multiindex(idx, "point")).unstack("point")
    full = full.reindex({n: np.array(v, dtype=float) for n, v in zip(grid.names, grid.values)})
    # strings of points without a plan: '' rather than NaN (one assign: each would re-align)
    full = full.assign({name: v.fillna("").astype(str) for name, v in full.data_vars.items() if v.dtype == object})
    full = full.transpose(*grid.names, ...)
    for name, v in full.data_vars.items():
        if name in first:
            v.attrs = dict(first[name].attrs)
    return full


def _stack_same(points: list[tuple[int, list[xr.Dataset]]], grid: Grid) -> xr.Dataset | None:
    """`_stack_aligned` on numpy when the points share every coordinate and variable layout;
    None otherwise. Points without a plan are NaN (integers become floats as xarray promotes
    them) and '' for strings, as `_stack_aligned` gives them."""
    from xarray.core import dtypes

    def layout(pieces: list[xr.Dataset]):
        # Variables, not DataArrays or a merge: building those is most of xarray's time here
        data, coords = {}, {}
        for piece in pieces:
            for name, var in piece.variables.items():
                into = coords if name in piece.coords else data
                if name in into and not into[name].equals(var):
                    return None
                into[name] = var
        return data, coords

    layouts = [layout(pieces) for _, pieces in points]
    if any(lay is None for lay in layouts):
        return None
    fd, fc = layouts[0]
    for dv, dc in layouts[1:]:
        if list(dv) != list(fd) or set(dc) != set(fc):
            return None
        for c, var in fc.items():
            if dc[c].dims != var.dims or not np.array_equal(dc[c].values, var.values):
                return None
        for n, a in fd.items():
            b = dv[n]
            if a.dims != b.dims or a.shape != b.shape or a.dtype.kind != b.dtype.kind or \
                    (a.dtype.kind != "U" and a.dtype != b.dtype):
                return None
    if any(v.dtype.kind not in "iufUO" for v in fd.values()):
        return None
    shape = tuple(len(v) for v in grid.values)
    pos = np.array([p for p, _ in points])
    missing = len(pos) < len(grid)
    out = {}
    for n, v in fd.items():
        stacked = np.stack([dv[n].values for dv, _ in layouts])
        if v.dtype.kind == "O" and not all(isinstance(x, str) for x in stacked.flat):
            return None  # strings only: xarray's '' for a missing point would also replace these
        if not missing and v.dtype.kind != "O":
            full = np.empty((len(grid),) + v.shape, dtype=stacked.dtype)
        elif v.dtype.kind in "UO":
            full = np.full((len(grid),) + v.shape, "", dtype=object)
        else:
            dtype, fill = dtypes.maybe_promote(v.dtype)
            full = np.full((len(grid),) + v.shape, fill, dtype=dtype)
        full[pos] = stacked
        if full.dtype == object:
            full = full.astype(str)
        out[n] = xr.Variable(tuple(grid.names) + v.dims, full.reshape(shape + v.shape), attrs=dict(v.attrs))
    coords = {n: np.array(v, dtype=float) for n, v in zip(grid.names, grid.values)}
    coords.update(fc)
    return xr.Dataset(out, coords=coords)


def combine(paths: dict[str, Path], grid: Grid, attrs: dict, units: dict[str, str] | None = None,
            fresh: dict[str, tuple[dict, PointPlan]] | None = None, data: RegionData | None = None,
            spec: RunSpec | None = None, built: dict[str, list[xr.Dataset]] | None = None) -> xr.Dataset:
    """Stack the points on the grid: swept parameters become dimensions; points without a
    plan (infeasible, missing) are NaN / '' with their status in `point_status`.

    Each point's variables are rebuilt from its plan and the inputs (`data`, `spec`): the same
    variables a single run writes. `fresh`: (attributes, plan) of points just solved (stem ->),
    used instead of reading them back; `built`: their variables already rebuilt (stem ->).
    """
    points = grid.points()
    plans, meta = [], []
    fresh = fresh or {}
    instances = _PointInstances(data, spec) if data is not None else None
    for values in points:
        stem = point_stem(values)
        path = paths[stem]
        a, plan = fresh[stem] if stem in fresh else read_point_file(path)
        status = MISSING if a is None else str(a.get("status", MISSING))
        meta.append((status, "" if a is None else str(a.get("point_mode", "")),
                     float(a.get("mip_gap", np.nan)) if a else np.nan,
                     float(a.get("time_solve_s", np.nan)) if a else np.nan,
                     float(a.get("goal_value", np.nan)) if a and status in FEASIBLE else np.nan))
        if a is not None and status in FEASIBLE:
            if built and stem in built and stem in fresh:
                parts = built[stem]
            elif plan is not None:
                if instances is None:
                    raise ValueError("combine needs the inputs (data, spec) to rebuild points from their plans")
                parts = _point_parts(instances.get(values), plan)
            else:  # a file holding the full dataset
                with xr.open_dataset(path, engine="netcdf4") as ds:
                    parts = [ds.load()]
            plans.append((len(meta) - 1, parts))
    coords = {n: np.array(v, dtype=float) for n, v in zip(grid.names, grid.values)}
    if not plans:
        full = xr.Dataset(coords=coords)
    else:
        full = _stack_aligned(plans, grid)
    meta_arr = list(zip(*meta))
    shape = [len(v) for v in grid.values]
    for (name, var), values in zip(SWEEP_OUTPUTS.items(), meta_arr):
        arr = np.array(values).reshape(shape)
        full[name] = xr.Variable(tuple(grid.names), arr.astype(str) if arr.dtype.kind in "US" else arr.astype(float),
                                 attrs={"units": var.unit, "long_name": var.long_name})
    for n in grid.names:
        full[n].attrs = {"units": (units or {}).get(n, "-"), "long_name": f"Swept input: {n}"}
    if "goal_unit" in attrs and "point_goal_value" in full:
        full["point_goal_value"].attrs["units"] = attrs["goal_unit"]
    full.attrs = dict(attrs)
    full.attrs["points"] = len(points)
    for s in ("optimal", INFEASIBLE, MISSING):
        full.attrs[f"points_{s}"] = int(sum(m[0] == s for m in meta))
    return full


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


def run_sweep(data: RegionData, grid: Grid, spec: RunSpec, out: Path, name: str | None = None, *,
              serial: bool = False, client=None, scheduler: str | None = None, workers: int | None = None,
              progress_stream=None, on_point: Callable[[PointResult], None] | None = None,
              start_method: str | None = None) -> SweepReport:
    """Solve the grid points not yet done, write each point, then the combined dataset with tipping points.

    `client`: an existing distributed.Client; else `scheduler` (tcp://host:port) or a LocalCluster
    of `workers` processes with one thread each, started by `start_method` (`local_cluster`).
    `serial`: in this process, no Dask.
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
    instances, built = _PointInstances(data, spec), {}

    def handle(res: PointResult) -> None:
        stem = point_stem(res.values)
        if res.plan is not None or res.status == INFEASIBLE:
            t = time.perf_counter()
            attrs = res.attrs if res.plan is not None else _infeasible_attrs(res, data, spec)
            attrs["sweep_name"] = name
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
            # the point's variables for the combined dataset, while the workers solve on
            t = time.perf_counter()
            try:
                built[stem] = _point_parts(instances.get(res.values), res.plan)
            except Exception:  # combine rebuilds it and reports what is wrong
                pass
            res.times["rebuild"] = time.perf_counter() - t

    if todo:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CannotWrite(folder, write_failure(exc, folder.parent)) from None
        try:
            if serial:
                _start_warm_up()
                prog = Progress(len(grid), len(skipped), 1, progress_stream)
                prog.show()
                dispatch = Dispatcher(todo, ["serial"], gallop=spec.reuse and spec.certify)
                while (item := dispatch.next("serial")) is not None:
                    i, values, bracket = item
                    res = solve_point(data, spec, values, bracket)
                    interrupt.check()  # a point cut short by Ctrl-C is not written
                    dispatch.done(i, res.plan)
                    _point_done(res, handle, prog, report, len(todo), on_point)
            else:
                _run_dask(data, spec, todo, grid, skipped, handle, report, client, scheduler, workers,
                          progress_stream, on_point, start_method)
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
    ds = combine(paths, grid, attrs, units, fresh, data, spec, built)
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


def _point_done(res, handle, prog, report, n_todo: int, on_point) -> None:
    """Record one finished point (file, report), advance the progress line, tell the caller."""
    handle(res)
    prog.done, prog.failed = len(report.solved), len(report.failed)
    prog.show(final=len(report.solved) + len(report.failed) == n_todo)
    if on_point:
        on_point(res)


def _run_dask(data, spec, todo, grid, skipped, handle, report, client, scheduler, workers, progress_stream, on_point,
              start_method=None):
    from distributed import as_completed

    client, close = dask_client(client, scheduler, workers, len(todo), start_method)
    _start_warm_up()  # after the cluster: a forked worker must not copy a thread mid-import
    running: dict = {}  # future -> (slot, values)
    try:
        if not client.scheduler_info()["workers"]:
            client.wait_for_workers(1)
        info = client.scheduler_info()["workers"]
        slots = [(addr, i) for addr in sorted(info) for i in range(max(1, int(info[addr].get("nthreads", 1))))]
        data_f = client.scatter(data, broadcast=True)
        dispatch = Dispatcher(todo, slots, gallop=spec.reuse and spec.certify)
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

        prog = Progress(len(grid), len(skipped), len(slots), progress_stream)
        prog.show()
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
            _point_done(res, handle, prog, report, len(todo), on_point)
    finally:
        pending = [f for f in running if not f.done()]
        if pending:
            client.cancel(pending)
        close()


# ---------------------------------------------------------------------------------------------
# command line

def sweep_parser():
    from model.cli import MAX_THREADS, Parser, _number, add_run_arguments

    ap = Parser(prog="sweep.py", description=(
        "Solve a grid of plans over one or more scalar inputs (gas price, caps, budgets) on Dask, "
        "write one NetCDF per point, a combined dataset and the tipping points. Re-running the same "
        "command solves only the points missing."))
    add_run_arguments(
        ap, set_metavar="PARAM=SPEC",
        set_help="sweep any scalar input (repeatable; several = a grid), e.g. electricity_price=0.3,0.4,0.5",
        gap_help="relative MIP gap per point (default 1e-4; tipping points are exact only at 0, which is slow on a city)",
        time_limit_help="seconds per point (default 600)", threads_help="HiGHS threads per worker (default 1)")
    ap.add_argument("--gas-price", default=None, metavar="SPEC",
                    help="gas prices (yuan/m3): START:STOP:STEP (stop included) or a comma list, e.g. 2.0:4.0:0.1")
    ap.add_argument("--name", type=plain_name, default=None,
                    help="sweep name, a plain name (default: scenarios and swept parameters joined by '+', e.g. gas_price)")
    ap.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                    help="an existing Dask scheduler (its workers must be able to import this repository's "
                         "model package; points are written here, by this process; start the workers with "
                         "MALLOC_TRIM_THRESHOLD_=1073741824 set: Dask's 65536 slows HiGHS 1.3-1.9x)")
    ap.add_argument("--workers", type=_number(int, 1, high=MAX_THREADS), default=None,
                    help="LocalCluster worker processes (default: CPU count)")
    ap.add_argument("--start-method", choices=START_METHODS, default=None,
                    help="how LocalCluster workers start (default: fork on Linux, a copy of this process that "
                         "starts in a fraction of a second; spawn elsewhere)")
    ap.add_argument("--serial", action="store_true", help="solve in this process, without Dask")
    ap.add_argument("--no-reuse", action="store_true", help="build every point from scratch (for comparison)")
    ap.add_argument("--solve-all", action="store_true",
                    help="solve every point with HiGHS; by default a point between two solved points whose plans "
                         "prove it within the gap (costs affine in the swept value, same caps) is not solved again")
    ap.add_argument("--no-duals", action="store_true", help="skip the shadow prices of the caps at each point")
    ap.add_argument("--resolve-presolve", choices=("auto", "off", "on"), default="auto",
                    help="HiGHS presolve when re-solving a live model (default auto: off first, on when slow)")
    return ap


def grid_from_args(args) -> Grid:
    specs: list[tuple[str, str, str]] = []
    if args.gas_price is not None:
        specs.append(("gas_price", args.gas_price, "--gas-price"))
    for item in args.set:
        if "=" not in item:
            raise InputError([Problem("--set", None, item, "expected NAME=SPEC, e.g. --set electricity_price=0.3,0.4,0.5")])
        k, v = item.split("=", 1)
        k = safe_name(k.strip())  # a cell address's '/' would split file and variable names
        specs.append((k, v, f"--set {k}"))
    if not specs:
        raise InputError([Problem("--gas-price/--set", None, None, "nothing to sweep: give --gas-price SPEC or --set NAME=SPEC")])
    names = [s[0] for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError([Problem("--set", None, d, "parameter given twice") for d in dup])
    return Grid(tuple(names), tuple(parse_values(v, opt) for _, v, opt in specs))


def format_points(ds: xr.Dataset, names: tuple[str, ...]) -> str:
    """One row per point: values, status, objective, gas use, how it was solved."""
    cols = {"status": "point_status", "mode": "point_mode", "objective_10k_yuan_a": "objective",
            "gas_10k_m3": "gas_annual", "gap": "point_mip_gap", "solve_s": "point_solve_time"}
    if ds.attrs.get("goal", "min-cost") != "min-cost":
        cols = {f"goal_{ds.attrs['goal_quantity']}": "point_goal_value", **cols}
    df = pd.DataFrame({k: ds[v].to_series() for k, v in cols.items() if v in ds}).reset_index()
    for k, v in cols.items():  # a goal's count of households reads as a whole number, not 3.077e+06
        if v == "point_goal_value" and k in df and (df[k].abs() >= 1e4).any():
            df[k] = df[k].map(lambda x: f"{x:,.0f}" if np.isfinite(x) else "")
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format", "{:,.4g}".format):
        return df.to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    from model.cli import REPO, check_run_arguments
    from model.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER, EXIT_WRITE
    from model.validate import load_region, resolve_inputs

    args = sweep_parser().parse_args(argv)
    scenarios = tuple(args.scenario)
    try:
        folder, args.region = resolve_inputs(args.region, args.inputs, REPO / "inputs")
        problems = [Problem("--inputs", None, None, f"the region id taken from its name {why}")
                    for why in [name_problem(args.region)] if why]
        problems += check_run_arguments(args)
        if problems:
            raise InputError(problems)
        grid = grid_from_args(args)
        data = load_region(folder, year=args.year, region=args.region)
        spec = RunSpec(args.year, scenarios,
                       SolveOptions(mip_gap=args.gap, time_limit=args.time_limit, threads=args.threads),
                       reuse=not args.no_reuse, duals=not args.no_duals, certify=not args.solve_all,
                       resolve_presolve=args.resolve_presolve, goal=args.goal, goal_gap=args.goal_gap,
                       goal_tolerance=args.goal_tolerance)
        report = run_sweep(data, grid, spec, args.out, args.name, serial=args.serial, scheduler=args.scheduler,
                           workers=args.workers, start_method=args.start_method)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    except CannotWrite as exc:
        print(f"error: {exc}; the points written so far are kept: free space or fix the folder, then run the "
              "same command again to solve the rest", file=sys.stderr)
        return EXIT_WRITE
    except KeyboardInterrupt:  # before the points ran (reading, checking) or while combining them
        print("interrupted: finished points are kept; run the same command again to solve the rest and combine "
              "them", file=sys.stderr)
        return EXIT_INTERRUPTED
    if report.interrupted:
        print(f"\ninterrupted: {len(report.skipped) + len(report.solved)} of {len(grid)} points are in {report.folder}; "
              f"run the same command again to solve the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    ds = report.dataset
    print(format_points(ds, grid.names))
    print()
    print(format_tipping(report.tipping))
    if args.gap > 0 and len(report.tipping):
        print(f"note: with MIP gap {args.gap:g} a zone whose routes cost within the gap may switch without a real "
              f"tipping point; --gap 0 gives exact tipping points (slower)")
    print()
    print(f"sweep {report.name}: {len(grid)} points, {len(report.solved)} solved now, {len(report.skipped)} done earlier, "
          f"{len(report.failed)} failed, {ds.attrs['points_infeasible']} infeasible; {report.seconds:,.1f} s")
    print(f"wrote {report.combined_path} (points in {report.folder})")
    if report.failed:
        for stem, msg in list(report.failed.items())[:10]:
            print(f"error: {stem}: {msg}", file=sys.stderr)
        return EXIT_SOLVER
    return EXIT_OK
