"""County decomposition: large regions solved county by county, with a proven gap.

Only a few rows tie the counties together: the city-wide caps (annual and design-day gas, the
7-day storage rule, the subsidy budget, rural gas) and the coverage targets. Every other row
(one route per zone, transformer groups, heat sources per county) lies inside one county. HiGHS
on the whole model spends super-linear time in presolve, the root LP and its cut rounds
(benchmarks/README.md, session 3); solved county by county, the work grows with the counties.

    1. split    rows whose columns all lie in one county are local; the rest couple counties
    2. prices   the LP relaxation of the whole model; y = its duals on the coupling rows
    3. counties per county k, the MIP  min (c - A_coup' y)' x  over k's local rows
                L(y) = sum_k bound_k + sum_r y_r b_r  <= the optimum  (Lagrangian bound;
                b_r = the row's lower bound where y_r > 0, its upper bound where y_r < 0)
    4. repair   the whole model, zones fixed where the county plans and the LP agree, the
                rest (LP-fractional or chosen otherwise by their county) free: a feasible plan
    5. finish   if (plan - L) / |plan| > mip_gap: the whole model from that plan (MIP start)

L(y) is at least the LP bound, since each county is solved as a MIP (less a small tie-break
towards the LP's choices, see `_tie_break`); it is valid whatever y is and however loose each
county's own gap (its dual bound is used). The reported gap is the plan's
distance to L, or to HiGHS's bound in step 5 when that is higher.

Price-directive (a pathway above PRICE_DIRECTIVE_COLS columns, `solve_by_prices`): steps 2 and
4 work on the whole horizon and do not scale, so neither is used.

    P1 prices   column generation over the county LPs from y = 0 (model.prices): a restricted
                master LP over every county plan found so far (weights lam_kj, sum_j lam_kj = 1,
                elastic slacks on the coupling rows) gives prices y; each county's LP at
                (c_k - G_k'y) adds a plan; L_LP(y) = sum_k LP_k(y) + y'b(y) + no-county columns
                is a valid bound at every y; stop when master - max L <= PRICE_TOL_SHARE * gap
    P2 counties per county the MIP at the best y: L(y) as in step 3 (>= L_LP), one integer
                candidate per county
    P3 master   restricted master MIP (model.master): one candidate per county (binary z_kj),
                the storage modules integer, subject to the coupling rows:
                    min sum c_kj z_kj + c_0'x_0   s.t.  lo <= sum g_kj z_kj + G_0 x_0 <= hi
                if it is infeasible: allocation MIPs, county k within its master-LP share of the
                coupling rows the candidates violate (less a reserve that grows on rows still
                violated, elastic; a county that still leaves its share gets the room the others
                leave), their plans join the candidates; up to ALLOCATION_ROUNDS times
    P4 finish   gap = (plan - max L) / plan; step 5 if above the requested gap or no plan

A plan from P3 meets every row: each candidate meets its county's own rows and the master the
coupling rows. The county subproblems of P1-P3 run as Dask tasks with --scheduler.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from model.build import StandardForm, horizon_of
from model.counties import county_members
from model.errors import EXIT_INFEASIBLE, SolveError
from model.horizon import Horizon
from model.solve import Compiled, Solution, SolveOptions, layout_values, pass_model, plan_of, run

# `auto` decomposes when the requested gap leaves room for the Lagrangian bound (0.05-0.34 %
# below HiGHS's whole-model plans on the synthetic 5k and 20k regions) and there are enough counties
AUTO_MIN_GAP = 0.002
AUTO_MIN_COUNTIES = 4
AUTO_MIN_ZONES = 2000
# share of the requested gap the county MIPs may leave open between them
COUNTY_GAP_SHARE = 0.1
# share of the requested gap spent on breaking ties towards the LP's choices (_tie_break)
TIE_BREAK_SHARE = 0.02
ABS_GAP = 1e-6  # HiGHS's default mip_abs_gap: a plan this close to the bound is proven at any gap
# above this many columns the LP of step 2 goes to HiGHS's interior point solver without crossover:
# on a 20,000-zone 4-year pathway (485,200 columns) 118 s against 209 s for the dual simplex; its
# duals are the prices and its near-integral values are read with INTEGRAL_TOL
LP_IPM_COLS = 200_000
log = logging.getLogger(__name__)
# a pathway above this many columns goes price-directive (solve_by_prices): the whole LP and the
# repair on the whole model are what stop the steps above from scaling
PRICE_DIRECTIVE_COLS = 200_000
PRICE_TOL_SHARE = 0.2  # column generation stops when master LP - best L <= this share of the gap
PRICE_TIME_SHARE = 0.5  # of the time left, at most, for the column generation
ALLOCATION_ROUNDS = 6
RESERVE_GROWTH = 3.0
INTEGRAL_TOL = 1e-4


@dataclass
class Split:
    """Where each column and row sits: county index, or -1 for the coupling ones."""

    col_county: np.ndarray  # per column; -1: in no county (storage modules)
    row_county: np.ndarray  # per row; -1: a coupling row
    n_counties: int

    @property
    def coupling(self) -> np.ndarray:
        return np.flatnonzero(self.row_county < 0)


def matrix(sf: StandardForm) -> sp.csc_matrix:
    """The standard form's constraint matrix (a view of its CSC arrays)."""
    return sp.csc_matrix((sf.value, sf.index, sf.start), shape=(sf.n_rows, sf.n_cols))


def split_by_county(sf: StandardForm, hz: Horizon, A: sp.csr_matrix | None = None) -> Split:
    """x[p] belongs to its zone's county; a row whose x columns lie in one county is local to it,
    and so are the other columns (transformer upgrades) it alone holds. A row holding a column of
    no county, or of another county, couples. `A`: the matrix by rows, if the caller has it."""
    lay, hz = sf.layout, horizon_of(hz)
    A = matrix(sf).tocsr() if A is None else A
    col_county = np.full(sf.n_cols, -1, dtype=np.int64)
    col_county[: lay.n_x] = hz.first.zone_county[hz.free_zone[lay.col_f]]
    row_of = np.repeat(np.arange(sf.n_rows), np.diff(A.indptr))
    is_x = A.indices < lay.n_x
    lo = np.full(sf.n_rows, np.iinfo(np.int64).max)
    hi = np.full(sf.n_rows, -1)
    np.minimum.at(lo, row_of[is_x], col_county[A.indices[is_x]])
    np.maximum.at(hi, row_of[is_x], col_county[A.indices[is_x]])
    no_x = hi < 0  # rows of upgrade units alone (a pathway's upgrade limits): their columns decide
    row_county = np.where(lo == hi, lo, -1)
    # other columns: the county of the rows with x columns they sit in, if those rows agree on one
    other = ~is_x & ~no_x[row_of]
    cols, rows = A.indices[other], row_of[other]
    c_lo = np.full(sf.n_cols, np.iinfo(np.int64).max)
    c_hi = np.full(sf.n_cols, -2)
    np.minimum.at(c_lo, cols, row_county[rows])
    np.maximum.at(c_hi, cols, row_county[rows])
    own = np.arange(lay.n_x, sf.n_cols)
    col_county[own] = np.where((c_lo[own] == c_hi[own]) & (c_hi[own] >= 0), c_hi[own], -1)
    if no_x.any():
        nx = no_x[row_of]
        r_lo = np.full(sf.n_rows, np.iinfo(np.int64).max)
        r_hi = np.full(sf.n_rows, -2)
        np.minimum.at(r_lo, row_of[nx], col_county[A.indices[nx]])
        np.maximum.at(r_hi, row_of[nx], col_county[A.indices[nx]])
        row_county[no_x] = np.where((r_lo[no_x] == r_hi[no_x]) & (r_hi[no_x] >= 0), r_hi[no_x], -1)
    # a row holding a column of no county or of another county couples
    mismatch = col_county[A.indices] != row_county[row_of]
    row_county[np.unique(row_of[mismatch])] = -1
    n = int(col_county.max()) + 1 if sf.n_cols else 0
    return Split(col_county=col_county, row_county=row_county, n_counties=n)


def choose_method(options: SolveOptions, hz: Horizon) -> str:
    """'direct' or 'county'. `auto`: county when the gap is at least AUTO_MIN_GAP and at least
    AUTO_MIN_COUNTIES counties hold zones with a choice, AUTO_MIN_ZONES of them in all."""
    if options.method != "auto":
        return options.method
    hz = horizon_of(hz)
    zones = hz.free_zones
    counties = np.unique(hz.first.zone_county[zones])
    ok = options.mip_gap >= AUTO_MIN_GAP and len(counties) >= AUTO_MIN_COUNTIES and len(zones) >= AUTO_MIN_ZONES
    return "county" if ok else "direct"


def _highs(c, col_lower, col_upper, A: sp.csc_matrix, row_lower, row_upper, integer: bool, options: SolveOptions,
           offset: float = 0.0, **settings) -> highspy.Highs:
    """A fresh Highs holding min c'x over the given rows (all columns integer, or all continuous).

    One HiGHS thread always: HiGHS fixes a calling thread's thread count at its first solve, and
    its parallel MIP search is off in 1.15.1 anyway; `--threads N` runs N counties at a time instead.
    """
    h = pass_model(options, A.shape[1], A.shape[0], c, offset, col_lower, col_upper, row_lower, row_upper, A.indptr,
                   A.indices, A.data, np.full(A.shape[1], integer))
    for key, value in dict(threads=1, random_seed=int(options.random_seed), **settings).items():
        h.setOptionValue(key, value)
    return h


def _time_left(t0: float, options: SolveOptions) -> float:
    return max(options.time_limit - (time.perf_counter() - t0), 0.0)


def _infeasible(h: highspy.Highs) -> bool:
    return h.getModelStatus() in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)


def valid_prices(sf: StandardForm, split: Split, A: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
    """The LP's duals on the coupling rows (0 elsewhere), made dual-feasible where the LP's
    tolerances left them a hair off, so that L(y) stays a valid bound:
      - a price whose sign points at an infinite row bound is set to 0;
      - a column of no county that the prices would make profitable without limit (the storage
        modules, when y_storage * module size exceeds the module cost) has the prices of its rows
        scaled down until its priced cost is 0.
    """
    yc = np.zeros(sf.n_rows)
    coup = split.coupling
    yc[coup] = y[coup]
    yc[(yc > 0) & ~np.isfinite(sf.row_lower)] = 0.0
    yc[(yc < 0) & ~np.isfinite(sf.row_upper)] = 0.0
    for j in np.flatnonzero(split.col_county < 0).tolist():
        rows, coefs = sf.index[sf.start[j]:sf.start[j + 1]], sf.value[sf.start[j]:sf.start[j + 1]]
        pull = float(coefs @ yc[rows])
        priced = sf.c[j] - pull
        if (priced < 0 and not np.isfinite(sf.col_upper[j])) or (priced > 0 and not np.isfinite(sf.col_lower[j])):
            yc[rows] *= max(sf.c[j] / pull, 0.0) if pull else 0.0
    return yc


def lagrangian_bound(sf: StandardForm, split: Split, A: sp.csr_matrix, y: np.ndarray, options: SolveOptions,
                     abs_gap: float, t0: float, bonus: np.ndarray | None = None) -> tuple[float, np.ndarray, dict]:
    """Step 3: solve each county's MIP at prices y on the coupling rows.

    `bonus` (>= 0 per column) is taken off the costs: a tie-break towards the LP's choices. Lower
    costs can only lower the bound, so it stays valid.

    Returns (L(y), the county plans as one column vector, stats). L(y) = -inf when a column of no
    county can lower the priced objective without bound.
    """
    yc = valid_prices(sf, split, A, y)
    priced = sf.c - A.T @ yc - (0.0 if bonus is None else bonus)
    rhs = np.where(yc > 0, np.nan_to_num(sf.row_lower, posinf=0, neginf=0), 0.0) \
        + np.where(yc < 0, np.nan_to_num(sf.row_upper, posinf=0, neginf=0), 0.0)
    bound = float(yc @ rhs) + sf.offset
    x = np.zeros(sf.n_cols)
    # columns of no county: each alone at the bound its priced cost prefers
    for j in np.flatnonzero(split.col_county < 0).tolist():
        v = sf.col_upper[j] if priced[j] < 0 else sf.col_lower[j]
        if not np.isfinite(v):
            return -np.inf, x, {}
        bound += priced[j] * v
        x[j] = v
    county_cols, county_rows = county_members(split)

    def county_problem(k: int):
        cols, rows = county_cols[k], county_rows[k]
        if not len(cols):
            return None
        return cols, (priced[cols], sf.col_lower[cols], sf.col_upper[cols], A[rows][:, cols].tocsc(),
                      sf.row_lower[rows], sf.row_upper[rows], options, float(abs_gap), deadline)

    deadline = time.time() + _time_left(t0, options)  # wall clock: the same on a Dask worker
    problems = [county_problem(k) for k in range(split.n_counties)]
    if options.scheduler:  # county MIPs as Dask tasks on a cluster
        from distributed import Client

        with Client(options.scheduler, timeout=30) as client:
            futures = [client.submit(solve_county_mip, *p[1], pure=False) if p is not None else None for p in problems]
            solved = [f.result() if f is not None else None for f in futures]
    elif options.threads > 1:  # counties are independent: N of them at a time (HiGHS runs without the GIL)
        with ThreadPoolExecutor(int(options.threads)) as pool:
            solved = list(pool.map(lambda p: solve_county_mip(*p[1]) if p is not None else None, problems))
    else:
        solved = [solve_county_mip(*p[1]) if p is not None else None for p in problems]
    results = [None if p is None else (p[0], *r) for p, r in zip(problems, solved)]
    worst, open_gap = 0.0, 0.0
    for res in results:  # in county order, so the sums do not depend on the threads
        if res is None:
            continue
        cols, infeasible, has_plan, dual_bound, value, col_value, seconds = res
        if infeasible:
            raise SolveError("the caps and targets cannot all be met (a county's own rows alone cannot be met)",
                             EXIT_INFEASIBLE)
        if not has_plan:
            return -np.inf, x, {}  # out of time
        bound += dual_bound
        open_gap += value - dual_bound
        x[cols] = np.rint(col_value)
        worst = max(worst, seconds)
    return bound, x, {"county_max_s": worst, "county_open_gap": open_gap}


def solve_county_mip(c, col_lower, col_upper, A: sp.csc_matrix, row_lower, row_upper, options: SolveOptions,
                     abs_gap: float, deadline: float):
    """One county's MIP at the priced costs (a pure function of arrays: it runs in a thread or as a
    Dask task), within the run's time limit (`deadline`, wall clock). Returns (infeasible,
    has_plan, dual bound, objective, column values, seconds)."""
    tk = time.perf_counter()
    h = _highs(c, col_lower, col_upper, A, row_lower, row_upper, True, options, mip_rel_gap=0.0,
               mip_abs_gap=float(abs_gap), time_limit=max(deadline - time.time(), 0.0))
    h.run()
    info = h.getInfo()
    return (_infeasible(h), info.primal_solution_status == 2, float(info.mip_dual_bound),
            float(info.objective_function_value), np.asarray(h.getSolution().col_value), time.perf_counter() - tk)


def solve_by_county(comp: Compiled, sf: StandardForm, hz: Horizon, options: SolveOptions) -> Solution:
    """Steps 1-5 of the module docstring; `comp` holds the whole model (used for step 5). A large
    pathway goes price-directive (P1-P4)."""
    if horizon_of(hz).K > 1 and sf.n_cols > PRICE_DIRECTIVE_COLS:
        return solve_by_prices(comp, sf, hz, options)
    t0 = time.perf_counter()
    times: dict[str, float] = {}
    hz = horizon_of(hz)
    A = matrix(sf)
    A_rows = A.tocsr()
    split = split_by_county(sf, hz, A_rows)
    times["split"] = time.perf_counter() - t0

    t = time.perf_counter()
    big = dict(solver="ipm", run_crossover="off") if sf.n_cols > LP_IPM_COLS else {}
    h_lp = _highs(sf.c, sf.col_lower, sf.col_upper, A, sf.row_lower, sf.row_upper, False, options, sf.offset,
                  time_limit=_time_left(t0, options), **big)
    h_lp.run()
    if _infeasible(h_lp):
        raise SolveError("the caps and targets cannot all be met (LP relaxation infeasible)", EXIT_INFEASIBLE)
    lp_ok = h_lp.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp_obj = h_lp.getInfo().objective_function_value
    y = np.asarray(h_lp.getSolution().row_dual)
    x_lp = np.asarray(h_lp.getSolution().col_value)
    del h_lp
    times["lp"] = time.perf_counter() - t
    if not lp_ok:
        return _finish(comp, options, None, -np.inf, times, t0, "lp not solved")

    t = time.perf_counter()
    abs_gap = COUNTY_GAP_SHARE * options.mip_gap * max(abs(lp_obj), 1e-9) / max(split.n_counties, 1)
    bound, x_county, stats = lagrangian_bound(sf, split, A_rows, y, options, abs_gap, t0,
                                              bonus=_tie_break(sf, x_lp, options.mip_gap, lp_obj))
    times["counties"] = time.perf_counter() - t
    if not np.isfinite(bound):
        return _finish(comp, options, None, -np.inf, times, t0, "county bound not found")

    t = time.perf_counter()
    plan, value = _repair(sf, A, x_lp, x_county, options, t0)
    times["repair"] = time.perf_counter() - t
    sol = _finish(comp, options, plan, bound, times, t0, "", value)
    sol.details.update({"lp_bound": lp_obj, "lagrangian_bound": bound, "counties": split.n_counties,
                        "coupling_rows": len(split.coupling), **stats})
    return sol


def solve_by_prices(comp: Compiled, sf: StandardForm, hz: Horizon, options: SolveOptions) -> Solution:
    """Price-directive decomposition (module docstring, P1-P4): no whole-model LP or repair."""
    from model import counties, master, prices

    t0 = time.perf_counter()
    deadline = time.time() + options.time_limit
    times: dict[str, float] = {}
    A_rows = matrix(sf).tocsr()
    split = split_by_county(sf, horizon_of(hz), A_rows)
    bl = counties.blocks(sf, split, A_rows)
    cp = prices.coupling_of(sf, split, A_rows)
    del A_rows
    times["split"] = time.perf_counter() - t0
    t = time.perf_counter()
    cands = prices.Candidates()
    pr = prices.generate(sf, cp, bl, split.n_counties, options, PRICE_TOL_SHARE * options.mip_gap,
                         time.time() + PRICE_TIME_SHARE * _time_left(t0, options), cands, log=log.info)
    times["prices"] = time.perf_counter() - t
    details = {"lp_bound": pr.bound, "price_rounds": pr.rounds, "counties": split.n_counties,
               "coupling_rows": len(split.coupling)}
    t = time.perf_counter()
    abs_gap = COUNTY_GAP_SHARE * options.mip_gap * max(abs(pr.master_value), 1e-9) / max(split.n_counties, 1)
    lagrangian, county_bound = master.lagrangian_round(sf, cp, bl, cands, pr, options, abs_gap, deadline)
    bound = max(pr.bound, lagrangian)
    details["lagrangian_bound"] = bound
    log.info("county MIPs at the best prices: L %.2f (%.1f s)", bound, time.perf_counter() - t)
    times["counties"] = time.perf_counter() - t
    t = time.perf_counter()
    plan, value = master.pick(sf, cp, bl, cands, split.n_counties, options, deadline, bound)
    log.info("master MIP on %d candidates: plan %s (%.1f s)", len(cands), value, time.perf_counter() - t)
    rows = np.zeros(len(cp.rows), dtype=bool)
    reserve = np.full(len(cp.rows), master.RESERVE / RESERVE_GROWTH)
    for _ in range(ALLOCATION_ROUNDS):
        if plan is not None or time.time() > deadline:
            break
        tr = time.perf_counter()
        now = master.violated(sf, cp, cands, split.n_counties, options, deadline)
        rows |= now
        reserve[now] *= RESERVE_GROWTH  # a row still violated keeps more back from the counties
        tv = time.perf_counter()
        master.allocation_round(sf, cp, bl, cands, pr, options, abs_gap, deadline, reserve, rows, county_bound)
        ta = time.perf_counter()
        plan, value = master.pick(sf, cp, bl, cands, split.n_counties, options, deadline, bound)
        log.info("allocation round on %d rows (elastic master %.1f s, county MIPs %.1f s, master MIP %.1f s): plan %s",
                 rows.sum(), tv - tr, ta - tv, time.perf_counter() - ta, value)
    times["master"] = time.perf_counter() - t
    details.update(candidates=len(cands), allocated_rows=int(rows.sum()))
    sol = _finish(comp, options, plan, bound, times, t0, "" if plan is not None else "master infeasible", value)
    sol.details.update(details)
    return sol


def _tie_break(sf: StandardForm, x_lp: np.ndarray, mip_gap: float, lp_obj: float) -> np.ndarray:
    """A bonus for each option the LP takes whole: TIE_BREAK_SHARE of the gap, spread over the zones.

    At the LP's prices many options tie, and a county MIP picks among them at random; every
    zone where it picks otherwise than the LP is freed in the repair. Breaking those ties
    towards the LP cut the free zones by a quarter to a third, and the repair by a third to two
    thirds, on the synthetic 5k and 20k regions. The bound loses at most the bonus summed over
    zones, TIE_BREAK_SHARE * mip_gap * |LP|.
    """
    lay = sf.layout
    bonus = np.zeros(sf.n_cols)
    n_zones = len(lay.zone_starts)
    if n_zones and mip_gap > 0:
        bonus[: lay.n_x] = np.where(x_lp[: lay.n_x] > 1 - INTEGRAL_TOL, TIE_BREAK_SHARE * mip_gap * abs(lp_obj) / n_zones, 0.0)
    return bonus


def _repair(sf: StandardForm, A: sp.csc_matrix, x_lp: np.ndarray, x_county: np.ndarray, options: SolveOptions,
            t0: float) -> tuple[np.ndarray | None, float]:
    """Step 4: fix every zone whose options the LP and its county agree on; solve the rest."""
    lay = sf.layout
    n_x = lay.n_x
    zone_of = lay.col_zone_ordinal
    agree = np.abs(x_lp[:n_x] - x_county[:n_x]) < INTEGRAL_TOL
    zone_agrees = np.ones(len(lay.zone_starts), dtype=bool)
    np.logical_and.at(zone_agrees, zone_of, agree)
    fix = np.flatnonzero(zone_agrees[zone_of])
    lower, upper = sf.col_lower.copy(), sf.col_upper.copy()
    lower[fix] = upper[fix] = x_county[fix]
    # its own gap a quarter of the requested one: the rest is for the distance from its optimum to L
    h = _highs(sf.c, lower, upper, A, sf.row_lower, sf.row_upper, True, options, sf.offset,
               mip_rel_gap=options.mip_gap / 4, time_limit=_time_left(t0, options))
    start = highspy.HighsSolution()
    start.col_value = x_county
    h.setSolution(start)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None, np.inf
    return np.asarray(h.getSolution().col_value), float(h.getInfo().objective_function_value)


def _finish(comp: Compiled, options: SolveOptions, plan: np.ndarray | None, bound: float, times: dict, t0: float,
            why: str, value: float = np.inf) -> Solution:
    """The plan if it is within the gap of the bound; else step 5 on the whole model."""
    gap = (value - bound) / max(abs(value), 1e-9) if plan is not None else np.inf
    if plan is not None and value - bound <= max(options.mip_gap * abs(value), ABS_GAP):
        times["solve"] = time.perf_counter() - t0
        return _solution(comp, plan, value, bound, max(gap, 0.0), "optimal", times, "county")
    t = time.perf_counter()
    if plan is not None:
        start = highspy.HighsSolution()
        start.col_value = plan
        comp.highs.setSolution(start)
    sol = run(comp, dataclasses.replace(options, time_limit=max(_time_left(t0, options), 1.0)))
    times["finish"] = time.perf_counter() - t
    times["solve"] = time.perf_counter() - t0
    best_bound = max(bound, sol.bound)
    sol.bound = best_bound
    sol.mip_gap = max((sol.objective - best_bound) / max(abs(sol.objective), 1e-9), 0.0)
    if sol.status == "time_limit" and sol.mip_gap <= options.mip_gap:
        sol.status = "optimal"
    sol.times.update(times)
    sol.method = "county+direct" if why == "" else f"direct ({why})"
    return sol


def _solution(comp: Compiled, col: np.ndarray, value: float, bound: float, gap: float, status: str, times: dict,
              method: str) -> Solution:
    x, upgrade, modules = plan_of(comp, col)
    return Solution(status=status, objective=value, mip_gap=gap, bound=bound, x=x, upgrade=upgrade, modules=modules,
                    times=dict(times), method=method, values=np.rint(layout_values(comp, col)))
