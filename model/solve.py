"""Hand the Pyomo model to HiGHS and read the plan back.

Pyomo's LinearStandardFormCompiler turns the model into sparse matrices that go to
`highspy.Highs.passModel` in one call; the live `Highs` object stays available for
re-solves (price sweeps, the LP with integers fixed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from model.build import gc_paused
from model.errors import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_SOLVER, SolveError

INF = highspy.kHighsInf


@dataclass
class SolveOptions:
    mip_gap: float = 1e-4
    time_limit: float = 600.0
    threads: int = 1
    random_seed: int = 0
    verbose: bool = False


@dataclass
class Compiled:
    """The model in matrix form and where each of our variables and rows sits."""

    highs: highspy.Highs
    x_col: np.ndarray  # column of x[p], p over free pairs
    upgrade_col: dict[int, int]  # transformer group -> column
    modules_col: int
    row_names: list[tuple[str, str]]  # (family, key) per row
    row_sense: np.ndarray  # -1 (>=), 0 (=), 1 (<=)
    row_offset: np.ndarray  # constant moved out of each row: planner's bound = matrix bound + offset
    n_rows: int
    n_cols: int
    objective_offset: float
    columns: list = field(default_factory=list)  # Pyomo VarData per column


@dataclass
class Solution:
    status: str  # optimal | time_limit | ...
    objective: float  # solver objective (free zones + upgrades + storage), 10^4 yuan/a
    mip_gap: float
    bound: float
    x: np.ndarray  # value per free pair (0/1)
    upgrade: dict[int, int]
    modules: int
    times: dict[str, float] = field(default_factory=dict)
    solver: str = f"HiGHS {highspy.Highs().version()}" if hasattr(highspy.Highs, "version") else "HiGHS"


def _row_key(m, con) -> tuple[str, str]:
    if hasattr(m, "row_key"):  # models other than create_model's label their own rows
        return m.row_key(con)
    comp = con.parent_component()
    name = comp.local_name
    idx = con.index()
    inst = m.inst
    if name == "transformer_capacity":
        return name, str(inst.group_ids[idx])
    if name == "heat_source_capacity":
        return name, "/".join(inst.source_keys[m.heat_source_rows[idx - 1]])
    if name == "coverage_target":
        return name, m.coverage_rows[idx - 1]
    if name == "one_route_per_zone":
        return name, str(inst.zone_ids[m.zone_slices[idx][0]])
    return name, "city"


def compile_model(m, options: SolveOptions | None = None) -> Compiled:
    """Standard form -> a live Highs instance holding the model."""
    with gc_paused():  # the compiler allocates one Python object per nonzero; see build.gc_paused
        return _compile_model(m, options or SolveOptions())


def _compile_model(m, options: SolveOptions) -> Compiled:
    std = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    col_of = {id(v): j for j, v in enumerate(std.columns)}
    n_cols = len(std.columns)
    A = std.A.tocsc()
    n_rows = A.shape[0]
    sense = np.array([r[1] for r in std.rows], dtype=int)
    rhs = np.asarray(std.rhs, dtype=float)
    lower = np.where((sense == -1) | (sense == 0), rhs, -INF)
    upper = np.where((sense == 1) | (sense == 0), rhs, INF)

    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    c = np.asarray(std.c.toarray()).ravel() if n_cols else np.zeros(0)
    lp.col_cost_ = c
    lp.offset_ = float(std.c_offset[0]) if len(std.c_offset) else 0.0
    lb = np.array([-INF if v.lb is None else v.lb for v in std.columns], dtype=float)
    ub = np.array([INF if v.ub is None else v.ub for v in std.columns], dtype=float)
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if v.is_integer() else highspy.HighsVarType.kContinuous
                       for v in std.columns]
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise SolveError("HiGHS refused the model (passModel returned an error)", EXIT_SOLVER)
    xs = getattr(m, "x_list", None) or [m.x[i] for i in range(len(m.free_pairs))]
    x_col = np.array([col_of.get(id(v), -1) for v in xs], dtype=int)
    upgrade_col = {g: col_of[id(m.upgrade[g])] for g in m.G if id(m.upgrade[g]) in col_of}
    # the compiler moves body constants (fixed zones, existing loads) to the bound; keep them to
    # report activities and bounds in the planner's terms
    orig = np.array([pyo.value(con.ub if sense_ > 0 else con.lb) if (con.ub if sense_ > 0 else con.lb) is not None
                     else np.nan for (con, sense_) in std.rows], dtype=float)
    return Compiled(
        highs=h, x_col=x_col, row_offset=np.nan_to_num(orig - rhs), upgrade_col=upgrade_col, modules_col=col_of.get(id(getattr(m, "modules", None)), -1),
        row_names=[_row_key(m, r[0]) for r in std.rows], row_sense=sense, n_rows=n_rows, n_cols=n_cols,
        objective_offset=lp.offset_, columns=list(std.columns),
    )


def _set_options(h: highspy.Highs, options: SolveOptions) -> None:
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("output_flag", bool(options.verbose))


def run(comp: Compiled, options: SolveOptions | None = None) -> Solution:
    """Solve the compiled model; raise SolveError when there is no plan to report."""
    options = options or SolveOptions()
    h = comp.highs
    _set_options(h, options)
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
    if status == "infeasible":
        raise SolveError("the caps and targets cannot all be met", EXIT_INFEASIBLE)
    if rc == highspy.HighsStatus.kError and not has_sol:
        raise SolveError(f"HiGHS failed: {h.modelStatusToString(ms)}", EXIT_SOLVER)
    if not has_sol:
        raise SolveError(f"HiGHS stopped ({status}) before finding any feasible plan; raise --time-limit",
                         EXIT_NO_SOLUTION)
    col = np.asarray(h.getSolution().col_value)
    x = np.rint(col[comp.x_col]) if len(comp.x_col) else np.zeros(0)
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0
    return Solution(
        status=status, objective=float(info.objective_function_value), mip_gap=max(gap, 0.0),
        bound=float(info.mip_dual_bound),
        x=x.astype(np.int8),
        upgrade={g: int(round(col[j])) for g, j in comp.upgrade_col.items()},
        modules=int(round(col[comp.modules_col])) if comp.modules_col >= 0 else 0,
        times={"solve": solve_s},
    )
