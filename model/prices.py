"""Prices on the coupling rows without the whole model's LP: column generation over the counties'
LP relaxations (Dantzig-Wolfe), with the Lagrangian bound of every round.

Notation (model.counties): county k's LP region P_k = {x_k : l_k <= B_k x_k <= u_k, bounds}, its
coupling usage g = G_k x_k; the columns of no county (the storage modules) x_0 with usage G_0 x_0;
coupling rows lo <= sum_k G_k x_k + G_0 x_0 <= hi (r = 1..m).

    restricted master LP (candidates j of county k: cost c_kj = c_k'x_kj, usage g_kj = G_k x_kj)
        min  sum_kj c_kj lam_kj + c_0'x_0 + M'(s+ + s-)
        s.t. lo <= sum_kj g_kj lam_kj + G_0 x_0 + s+ - s- <= hi       (duals y, m rows)
             sum_j lam_kj = 1                                        (one per county)
             lam >= 0, s >= 0, x_0 within its bounds
    pricing at y: per county  min_{x in P_k} (c_k - G_k'y)'x_k   (its solution joins the candidates)
    bound:  L(y) = sum_k min_{P_k} (c_k - G_k'y)'x_k + min_{x_0} (c_0 - G_0'y)'x_0 + y'b(y) + offset
            (b_r = lo_r where y_r > 0, hi_r where y_r < 0), below the LP optimum at any y,
            so below the MIP optimum.

The prices asked of the counties are smoothed (Wentges): y_q = a y_best + (1 - a) y_master, with
y_best the prices of the best L so far. It stops when the master's value is within `tol` of the
best L (the master's value is at or above the LP optimum, so both are then within tol of it), at
MAX_ROUNDS, or out of its time budget.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from model.counties import Block, solve_all
from model.errors import EXIT_INFEASIBLE, SolveError
from model.solve import SolveOptions, pass_model

MAX_ROUNDS = 40
SMOOTHING = 0.5


@dataclass
class Candidates:
    """Every county plan found: cost, coupling usage, and (integral ones) the plan itself."""

    county: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    usage: list = field(default_factory=list)  # m-vectors
    plan: list = field(default_factory=list)  # column values over the county's columns, or None (fractional)

    def add(self, k: int, cost: float, usage: np.ndarray, x: np.ndarray | None):
        self.county.append(k)
        self.cost.append(cost)
        self.usage.append(usage)
        self.plan.append(x)

    def __len__(self):
        return len(self.county)


@dataclass
class Coupling:
    """The coupling rows and the columns of no county, as the master sees them."""

    rows: np.ndarray  # standard-form rows
    lower: np.ndarray
    upper: np.ndarray
    free: np.ndarray  # standard-form columns of no county
    G0: np.ndarray  # dense (m, n_free): their coefficients in the coupling rows
    c0: np.ndarray
    free_lower: np.ndarray
    free_upper: np.ndarray
    offset: float


def coupling_of(sf, split, A_rows: sp.csr_matrix) -> Coupling:
    rows = split.coupling
    free = np.flatnonzero(split.col_county < 0)
    G0 = A_rows[rows][:, free].toarray()
    return Coupling(rows, sf.row_lower[rows], sf.row_upper[rows], free, G0, sf.c[free], sf.col_lower[free],
                    sf.col_upper[free], sf.offset)


def safe_prices(cp: Coupling, y: np.ndarray) -> np.ndarray:
    """Prices that keep L(y) finite: no price pointing at an infinite bound; a column of no county
    whose priced cost would fall without limit has its rows' prices scaled down (model.decompose's
    valid_prices, on the coupling rows alone)."""
    y = np.asarray(y, dtype=float).copy()
    y[(y > 0) & ~np.isfinite(cp.lower)] = 0.0
    y[(y < 0) & ~np.isfinite(cp.upper)] = 0.0
    for j in range(len(cp.free)):
        col = cp.G0[:, j]
        pull = float(col @ y)
        priced = cp.c0[j] - pull
        if (priced < 0 and not np.isfinite(cp.free_upper[j])) or (priced > 0 and not np.isfinite(cp.free_lower[j])):
            y[col != 0] *= max(cp.c0[j] / pull, 0.0) if pull else 0.0
    return y


def price_term(cp: Coupling, y: np.ndarray) -> tuple[float, np.ndarray]:
    """y'b(y) + offset + the columns of no county at their best bound; and those columns' values."""
    rhs = np.where(y > 0, np.nan_to_num(cp.lower, posinf=0, neginf=0), 0.0) \
        + np.where(y < 0, np.nan_to_num(cp.upper, posinf=0, neginf=0), 0.0)
    priced0 = cp.c0 - cp.G0.T @ y
    x0 = np.where(priced0 < 0, cp.free_upper, cp.free_lower)
    if not np.all(np.isfinite(x0)):
        return -np.inf, x0
    return float(y @ rhs) + cp.offset + float(priced0 @ x0), x0


def evaluate(sf, cp: Coupling, bl: list[Block | None], y: np.ndarray, integer: bool, options: SolveOptions,
             abs_gap: float, deadline: float, cands: Candidates | None, extra=None) -> tuple[float, list]:
    """L(y) with the counties' LPs (or MIPs: their dual bounds); each county's plan joins `cands`.
    Returns (L(y), per county solve results). L = -inf when out of time."""
    full = np.zeros(sf.n_rows)
    full[cp.rows] = y
    priced = sf.c - _rows_t(sf, full)
    bound, _ = price_term(cp, y)
    res = solve_all(sf, bl, priced, integer, options, abs_gap, deadline, extra)
    for k, (b, r) in enumerate(zip(bl, res)):
        if r is None:
            continue
        infeasible, has_plan, dual_bound, value, x, _ = r
        if infeasible:
            raise SolveError("the caps and targets cannot all be met (a county's own rows alone cannot be met)",
                             EXIT_INFEASIBLE)
        if not has_plan:
            return -np.inf, res
        x = x[: len(b.cols)]
        bound += dual_bound
        if cands is not None:
            integral = integer or bool(np.all(np.abs(x - np.rint(x)) < 1e-6))
            xi = np.rint(x) if integral else x
            cands.add(k, float(sf.c[b.cols] @ xi), b.coupling @ xi, xi if integral else None)
    return bound, res


# A of the standard form last priced, with a weak reference to that form. Not keyed by id(sf): an
# id is reused once its form is freed, and another form would then be priced with the old matrix.
_A_CACHE: list = [lambda: None, None]


def _transpose(sf) -> sp.csc_matrix:
    """A of the standard form as a scipy matrix, built once per form while the form lives."""
    if _A_CACHE[0]() is not sf:
        _A_CACHE[:] = [weakref.ref(sf), sp.csc_matrix((sf.value, sf.index, sf.start), shape=(sf.n_rows, sf.n_cols))]
    return _A_CACHE[1]


def _rows_t(sf, y_full: np.ndarray) -> np.ndarray:
    """A' y for the standard form (CSC arrays: one dot per column)."""
    return _transpose(sf).T @ y_full


def master(cp: Coupling, cands: Candidates, n_counties: int, penalty: np.ndarray | None, integer: bool,
           options: SolveOptions, time_limit: float, only=None, good_enough: float | None = None):
    """The restricted master over the candidates (`only`: indices of those allowed; integer: pick
    one per county, modules whole). `penalty` per coupling row on elastic slacks (None: no slacks).
    `good_enough` (integer only): stop at the first plan whose objective is at or below it (the
    caller's bound plus its gap; the master's own gap, 1e-6, is the other way it stops).
    Returns (status ok, objective, lam, x0, row duals (m), convexity duals)."""
    idx = np.arange(len(cands)) if only is None else np.asarray(only)
    m, n0 = len(cp.rows), len(cp.free)
    county = np.asarray(cands.county)[idx]
    U = np.stack([cands.usage[i] for i in idx], axis=1) if len(idx) else np.zeros((m, 0))
    cost = np.asarray(cands.cost)[idx]
    blocks = [sp.csc_matrix(U), sp.csc_matrix(cp.G0)]
    conv_lam = sp.csc_matrix((np.ones(len(idx)), (county, np.arange(len(idx)))), shape=(n_counties, len(idx)))
    conv_rest = [sp.csc_matrix((n_counties, n0))]
    c = [cost, cp.c0]
    lo, hi = [np.zeros(len(idx)), cp.free_lower], [np.ones(len(idx)) if integer else np.full(len(idx), np.inf),
                                                   cp.free_upper]
    if penalty is not None:
        blocks += [sp.identity(m, format="csc"), -sp.identity(m, format="csc")]
        conv_rest += [sp.csc_matrix((n_counties, m))] * 2
        c += [penalty, penalty]
        lo += [np.zeros(m)] * 2
        hi += [np.full(m, np.inf)] * 2
    top = sp.hstack(blocks)
    bottom = sp.hstack([conv_lam, *conv_rest])
    A = sp.vstack([top, bottom]).tocsc()
    has = np.bincount(county, minlength=n_counties) > 0
    row_lo = np.r_[cp.lower, np.where(has, 1.0, 0.0)]
    row_hi = np.r_[cp.upper, np.where(has, 1.0, 0.0)]
    n = A.shape[1]
    kinds = np.zeros(n, dtype=bool)
    if integer:
        kinds[: len(idx) + n0] = True
    h = pass_model(options, n, A.shape[0], np.concatenate(c), cp.offset, np.concatenate(lo), np.concatenate(hi),
                   row_lo, row_hi, A.indptr, A.indices, A.data, kinds)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(time_limit, 1.0))
    if integer:
        h.setOptionValue("mip_rel_gap", 1e-6)
        if good_enough is not None:
            h.cbMipInterrupt += lambda e: e.interrupt() if e.data_out.mip_primal_bound <= good_enough else None
    h.run()
    info = h.getInfo()
    ok = info.primal_solution_status == 2 and h.getModelStatus() not in (
        highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
    sol = h.getSolution()
    x = np.asarray(sol.col_value)
    duals = np.asarray(sol.row_dual) if not integer else np.zeros(A.shape[0])
    lam = np.zeros(len(cands))
    lam[idx] = x[: len(idx)]
    return ok, float(info.objective_function_value), lam, x[len(idx): len(idx) + n0], duals[:m], duals[m:]


def slack_penalty(sf, cp: Coupling) -> np.ndarray:
    """Cost per unit of an elastic slack on each coupling row: far above any price the optimum
    can carry (a hundred times the dearest column's cost per unit of its largest coefficient)."""
    sub = _transpose(sf)[cp.rows].tocsr()
    out = np.empty(len(cp.rows))
    cmax = float(np.abs(sf.c).max()) if sf.n_cols else 1.0
    for i in range(len(cp.rows)):
        vals = np.abs(sub.data[sub.indptr[i]:sub.indptr[i + 1]])
        vals = vals[vals > 0]
        out[i] = 100.0 * cmax / (vals.min() if len(vals) else 1.0)
    return out


@dataclass
class Prices:
    y: np.ndarray  # the best prices found (coupling rows)
    bound: float  # L(y), the best Lagrangian bound
    master_value: float
    lam: np.ndarray  # the master LP's weights on the candidates
    x0: np.ndarray  # its columns of no county
    rounds: int
    history: list


def generate(sf, cp: Coupling, bl: list[Block | None], n_counties: int, options: SolveOptions, tol: float,
             deadline: float, cands: Candidates, log=None) -> Prices:
    """Column generation from y = 0 (module docstring)."""
    m = len(cp.rows)
    penalty = slack_penalty(sf, cp)
    y_best, best = np.zeros(m), -np.inf
    y_query = np.zeros(m)
    history = []
    value, lam, x0 = np.inf, np.zeros(0), np.zeros(len(cp.free))
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        y_query = safe_prices(cp, y_query)
        L, _ = evaluate(sf, cp, bl, y_query, False, options, 0.0, deadline, cands)
        if L > best:
            best, y_best = L, y_query
        ok, value, lam, x0, y_master, _ = master(cp, cands, n_counties, penalty, False, options,
                                                 deadline - time.time())
        if not ok:
            raise SolveError("the caps and targets cannot all be met (restricted master LP)", EXIT_INFEASIBLE)
        history.append((round(time.time(), 1), L, value))
        if log:
            log(f"round {rounds}: L {L:,.2f} best {best:,.2f} master {value:,.2f}")
        if value - best <= tol * max(abs(value), 1e-9) or time.time() > deadline:
            break
        y_query = SMOOTHING * y_best + (1 - SMOOTHING) * y_master if np.isfinite(best) else y_master
    return Prices(y_best, best, value, lam, x0, rounds, history)
