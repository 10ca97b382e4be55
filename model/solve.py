"""Hand the model to HiGHS and read the plan back.

The model goes to HiGHS as `build.standard_form` (numpy arrays stacked from the constraint
families' row blocks) in one `highspy.Highs.passModel` call; `--handoff pyomo` compiles the
Pyomo model of the same blocks (`build.create_model`) with Pyomo's LinearStandardFormCompiler
(`compile_model`). Either way the live `Highs` object stays available
for re-solves (price sweeps, the LP with integers fixed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from model.build import StandardForm, gc_paused
from model.families import Family
from model.layout import Layout
from model.errors import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_SOLVER, SolveError

INF = highspy.kHighsInf


@dataclass
class SolveOptions:
    mip_gap: float = 1e-4
    time_limit: float = 600.0
    threads: int = 1
    random_seed: int = 0
    verbose: bool = False
    # "direct": the numpy standard form straight to HiGHS; "pyomo": build the Pyomo model and
    # compile it with Pyomo (the same model, slower; for checking and for extended models)
    handoff: str = "direct"
    # "direct": HiGHS on the whole model; "county": county decomposition (model.decompose);
    # "auto": county for large regions at loose gaps (decompose.choose_method)
    method: str = "auto"
    # a pathway's option columns (`layout.Layout.form`): "conversion" x[f,k] (taken in year k) or
    # "state" s[f,k] (held in year k); the same LP bound, HiGHS's search differs (README: measured
    # either way round on two versions of the Jinan data)
    year_axis: str = "conversion"
    # a pathway first looks for the myopic plan (model.foresight) and hands it to HiGHS as a start
    # (off by default: Jinan has no myopic plan, and the search cost 8-10 s)
    myopic_start: bool = False
    # a pathway's transformer groups as their convex hull (model.tighten): the same plans, a
    # tighter LP bound (Jinan 2019-2022: benchmarks/README.md, "Pathway"); single years never
    group_hull: bool = True
    # HiGHS's mip_pscost_minreliable (strong branching until a pseudocost is reliable); None: 0 in a
    # pathway (Jinan 2019-2022: 114 and 144 s without it against 146 and 218 s with HiGHS's
    # default 8, two pairs of runs), HiGHS's default in a single year (no clear difference)
    pscost_min_reliable: int | None = None
    # HiGHS's mip_heuristic_effort; None: 0.3 in a pathway (Jinan 2019-2022 with the hull and no
    # strong branching: 47.3 and 47.7 s at 0.3, 50.6 s at 0.5, 54.6 s at 0.15, 126-144 s at HiGHS's
    # default 0.05, load 3-4), HiGHS's default in a single year (no clear difference on Jinan 2022)
    heuristic_effort: float | None = None
    # HiGHS's presolve: "on" | "off" | "choose"; None leaves it as it is (HiGHS's default "choose",
    # or what a caller set on a live model: model.live_model). The Monte Carlo's samples set "off"
    # at their loose gap (model.robust.RobustSpec.sample_options)
    presolve: str | None = None
    # with method "county": a Dask scheduler address; the county MIPs run as tasks there
    scheduler: str | None = None


@dataclass
class Compiled:
    """The model in matrix form and where each of our columns and rows sits."""

    highs: highspy.Highs
    layout: Layout
    col_of: np.ndarray  # per layout column: its column in HiGHS (-1: not in the model)
    row_names: list[tuple[str, str]]  # (family, key) per row
    row_year: np.ndarray  # year index per row (-1: not tied to a year)
    row_sense: np.ndarray  # -1 (>=), 0 (=), 1 (<=)
    row_offset: np.ndarray  # constant moved out of each row: planner's bound = matrix bound + offset
    families: dict[str, Family]
    n_rows: int
    n_cols: int
    objective_offset: float
    columns: list = field(default_factory=list)  # Pyomo VarData per column
    constant_rows: list = field(default_factory=list)  # rows without a column (see StandardForm)

    @property
    def x_col(self) -> np.ndarray:
        """Column of each x[f,k] (layout order)."""
        return self.col_of[: self.layout.n_x]

    @property
    def upgrade_col(self) -> dict[int, int]:
        """Transformer group -> column of its upgrade units (a single year)."""
        lay = self.layout
        cols = self.col_of[lay.upgrade(np.arange(len(lay.groups)), lay.K - 1)] if len(lay.groups) else []
        return {int(g): int(j) for g, j in zip(lay.groups, cols) if j >= 0}

    @property
    def modules_col(self) -> int:
        """Column of the storage modules (a single year)."""
        return int(self.col_of[self.layout.modules(self.layout.K - 1)])


@dataclass
class Solution:
    status: str  # optimal | time_limit | ...
    objective: float  # solver objective (free zones + upgrades + storage), 10^4 yuan/a
    mip_gap: float
    bound: float
    x: np.ndarray  # conversions x[f,k] (0/1, flat): per free option in a single year
    upgrade: dict[int, int]  # transformer group -> units bought (over the horizon)
    modules: int  # storage modules built (over the horizon)
    times: dict[str, float] = field(default_factory=dict)
    method: str = "direct"  # how the plan was found: direct | county | county+direct
    details: dict = field(default_factory=dict)  # bounds and counts of the decomposition
    values: np.ndarray | None = None  # every layout column's value (per year in a pathway)
    solver: str = f"HiGHS {highspy.Highs().version()}" if hasattr(highspy.Highs, "version") else "HiGHS"


def _row_key(m, con) -> tuple[str, str]:
    name = con.parent_component().local_name
    return name, m.row_keys[name][con.index()]


def compile_model(m, options: SolveOptions | None = None) -> Compiled:
    """Standard form -> a live Highs instance holding the model."""
    with gc_paused():  # the compiler allocates one Python object per nonzero; see build.gc_paused
        return _compile_model(m, options or SolveOptions())


def pass_model(options: SolveOptions, n_cols, n_rows, c, offset, col_lower, col_upper, row_lower, row_upper,
               start, index, value, integer) -> highspy.Highs:
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.offset_ = float(offset)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(start, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[1]] * n_cols if all(integer) else [kinds[bool(i)] for i in integer]
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolveError("HiGHS refused the model (passModel returned an error)", EXIT_SOLVER)
    return h


def compile_standard(sf: StandardForm, options: SolveOptions | None = None) -> Compiled:
    """The numpy standard form -> a live Highs instance holding the model."""
    options = options or SolveOptions()
    h = pass_model(options, sf.n_cols, sf.n_rows, sf.c, sf.offset, sf.col_lower, sf.col_upper, sf.row_lower,
                   sf.row_upper, sf.start, sf.index, sf.value, np.ones(sf.n_cols, dtype=bool))
    return Compiled(
        highs=h, layout=sf.layout, col_of=np.arange(sf.n_cols), row_names=sf.row_names, row_year=sf.row_year,
        row_sense=sf.row_sense, row_offset=sf.row_offset, families=sf.families, n_rows=sf.n_rows, n_cols=sf.n_cols,
        objective_offset=sf.offset, constant_rows=sf.constant_rows,
    )


def _compile_model(m, options: SolveOptions) -> Compiled:
    import pyomo.environ as pyo  # only this path needs Pyomo (about 0.2 s to import)
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    std = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    col_of = {id(v): j for j, v in enumerate(std.columns)}
    n_cols = len(std.columns)
    A = std.A.tocsc()
    n_rows = A.shape[0]
    sense = np.array([r[1] for r in std.rows], dtype=int)
    rhs = np.asarray(std.rhs, dtype=float)
    lower = np.where((sense == -1) | (sense == 0), rhs, -INF)
    upper = np.where((sense == 1) | (sense == 0), rhs, INF)

    c = np.asarray(std.c.toarray()).ravel() if n_cols else np.zeros(0)
    offset = float(std.c_offset[0]) if len(std.c_offset) else 0.0
    lb = np.array([-INF if v.lb is None else v.lb for v in std.columns], dtype=float)
    ub = np.array([INF if v.ub is None else v.ub for v in std.columns], dtype=float)
    h = pass_model(options, n_cols, n_rows, c, offset, lb, ub, lower, upper, A.indptr, A.indices, A.data,
                   [v.is_integer() for v in std.columns])
    col_of = np.array([col_of.get(id(v), -1) for v in m.columns], dtype=int)
    # the compiler moves body constants (fixed zones, existing loads) to the bound; keep them to
    # report activities and bounds in the planner's terms
    orig = np.array([pyo.value(con.ub if sense_ > 0 else con.lb) if (con.ub if sense_ > 0 else con.lb) is not None
                     else np.nan for (con, sense_) in std.rows], dtype=float)
    names = [_row_key(m, r[0]) for r in std.rows]
    return Compiled(
        highs=h, layout=m.layout, col_of=col_of, row_offset=np.nan_to_num(orig - rhs), row_names=names,
        row_year=np.array([m.row_years[r[0].parent_component().local_name][r[0].index()] for r in std.rows],
                          dtype=np.int64),
        row_sense=sense, families=m.families, n_rows=n_rows, n_cols=n_cols, objective_offset=offset,
        columns=list(std.columns), constant_rows=m.constant_rows,
    )


def _set_options(h: highspy.Highs, options: SolveOptions, pathway: bool = False) -> None:
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("output_flag", bool(options.verbose))
    reliable = options.pscost_min_reliable if options.pscost_min_reliable is not None else (0 if pathway else 8)
    h.setOptionValue("mip_pscost_minreliable", int(reliable))
    effort = options.heuristic_effort if options.heuristic_effort is not None else (0.3 if pathway else 0.05)
    h.setOptionValue("mip_heuristic_effort", float(effort))
    if options.presolve is not None:
        h.setOptionValue("presolve", str(options.presolve))


def reported_gap(status: str, mip_gap: float) -> float:
    """The plan's relative gap as reported. HiGHS gives no finite gap for a model without integer
    columns (an LP, exact when optimal) and for a search stopped before it had a bound: the first
    is 0, the second unknown (inf), never a gap of 0 that reads as proven."""
    if np.isfinite(mip_gap):
        return max(mip_gap, 0.0)
    return 0.0 if status == "optimal" else float("inf")


def run(comp: Compiled, options: SolveOptions | None = None) -> Solution:
    """Solve the compiled model; raise SolveError when there is no plan to report."""
    options = options or SolveOptions()
    h = comp.highs
    _set_options(h, options, pathway=comp.layout.K > 1)
    # solve() runs HiGHS in a thread so Ctrl-C cancels it; the best plan so far is kept
    h.HandleKeyboardInterrupt = True
    t0 = time.perf_counter()
    rc = h.solve()
    solve_s = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    status = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInterrupt: "interrupted",
        highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
        highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
    }.get(ms, h.modelStatusToString(ms))
    if status == "interrupted":  # highspy caught the Ctrl-C (or SIGTERM) to stop HiGHS: pass it on
        raise KeyboardInterrupt
    if status == "infeasible":
        raise SolveError("the caps and targets cannot all be met", EXIT_INFEASIBLE)
    if rc == highspy.HighsStatus.kError and not has_sol:
        raise SolveError(f"HiGHS failed: {h.modelStatusToString(ms)}", EXIT_SOLVER)
    if not has_sol:
        raise SolveError(f"HiGHS stopped ({status}) before finding any feasible plan; raise --time-limit",
                         EXIT_NO_SOLUTION)
    gap = reported_gap(status, float(info.mip_gap))
    col = np.asarray(h.getSolution().col_value)
    x, upgrade, modules = plan_of(comp, col)
    return Solution(status=status, objective=float(info.objective_function_value), mip_gap=gap,
                    bound=float(info.mip_dual_bound), x=x, upgrade=upgrade, modules=modules, times={"solve": solve_s},
                    values=np.rint(layout_values(comp, col)))


def plan_of(comp: Compiled, col: np.ndarray) -> tuple[np.ndarray, dict[int, int], int]:
    """A column vector -> (0/1 per conversion x[f,k], upgrade units per transformer group, storage
    modules), the integer purchases summed over the horizon's years."""
    vals = layout_values(comp, col)
    lay = comp.layout
    x = np.rint(lay.conversions(vals)).astype(np.int8).ravel()  # conversions x[f,k], whatever the form
    units = np.rint(vals[lay.n_x: lay.n_x + len(lay.groups) * lay.K]).reshape(len(lay.groups), lay.K).sum(axis=1)
    modules = int(np.rint(vals[lay.modules(np.arange(lay.K))]).sum())
    return x, {int(g): int(u) for g, u in zip(lay.groups, units)}, modules


def layout_values(comp: Compiled, col: np.ndarray) -> np.ndarray:
    """Solver column values -> values per layout column (0 for a column the model left out)."""
    col = np.asarray(col, dtype=float)
    return np.where(comp.col_of >= 0, col[np.maximum(comp.col_of, 0)], 0.0)
