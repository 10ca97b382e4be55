"""The live model a sweep worker keeps between points: each worker thread's last model and its
HiGHS instance (`LiveModel`), what a point must share with it to re-use it (`state_key`), the
in-place change that moves it to the next point (`plan_update` -> `Update`) and the re-solve
(`resolve_live`: new costs and row bounds, dominated options fixed out, the last plan as a MIP
start). A point that changes anything else (eligibility, loads, coefficients) rebuilds the model;
`model.sweep.solve_point` decides which.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from model.build import StandardForm, standard_form
from model.diagnose import ShadowPriceLP
from model.dominance import Dominance
from model.errors import EXIT_INFEASIBLE, SolveError
from model.prepare import Instance
from model.solve import Compiled, Solution, SolveOptions, run
from model.validate import RegionData

if TYPE_CHECKING:
    from model.sweep import RunSpec


@dataclass
class LiveModel:
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

    @classmethod
    def after_cold_solve(cls, key: tuple, res) -> LiveModel:
        """The live model a cold solve leaves (`model.pipeline.solve_data`'s result), its plan the
        next point's start."""
        return cls(key, res.instance, res.standard_form, res.compiled,
                   np.asarray(res.compiled.highs.getSolution().col_value, dtype=float).copy(),
                   budget=res.times.get("solve", 1.0))

    def moved_to(self, inst: Instance, sf: StandardForm) -> None:
        """After a re-solve: the point the live model now stands at, its plan the next start."""
        self.inst, self.sf = inst, sf
        self.col_value = np.asarray(self.comp.highs.getSolution().col_value, dtype=float).copy()

    def shadow_price_lp(self) -> ShadowPriceLP:
        """The shadow-price LP kept beside the live model, made at first use (a copy of the model
        as it is then) and re-solved from its last basis after."""
        if self.duals is None:
            self.duals = ShadowPriceLP(self.comp)
        return self.duals


_local = threading.local()  # .state: this thread's LiveModel (a thread solves one point at a time)


def state_key(data: RegionData, spec: RunSpec) -> tuple:
    """What a live model was built for: a point of another run (inputs, year, scenarios, solver
    options, families, goal) never re-uses it."""
    o = spec.options
    return (data.inputs_hash, data.region, str(data.folder), spec.year, spec.scenarios, spec.duals,
            o.mip_gap, o.time_limit, o.threads, o.random_seed, o.handoff, spec.prune, spec.extra, spec.goal,
            spec.goal_gap, spec.goal_tolerance)


def live_model_for(data: RegionData, spec: RunSpec) -> LiveModel | None:
    """This thread's live model when it was built for this run, else None."""
    st: LiveModel | None = getattr(_local, "state", None)
    return st if st is not None and st.key == state_key(data, spec) else None


def keep_live_model(st: LiveModel) -> None:
    """Make `st` this thread's live model, for the points that follow."""
    _local.state = st


def forget_live_model() -> None:
    """Drop this thread's cached model (tests; long-lived workers between sweeps; a point that
    failed on it)."""
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


def _fix_dominated_out(st: LiveModel, costs: np.ndarray, start: np.ndarray) -> np.ndarray:
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


def resolve_live(st: LiveModel, upd: Update, options: SolveOptions, presolve: str = "auto",
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
