"""The county subproblems of a decomposition: each county's columns, local rows and share of the
coupling rows, cut from the standard form once, and solved at priced costs (LP or MIP), one at a
time, N at a time in threads, or as Dask tasks (`--scheduler`).

Per county k (model.decompose's split): columns x_k, local rows l_k <= B_k x_k <= u_k with
column bounds, and its block G_k of the coupling rows (coupling usage g_k = G_k x_k). At
prices y on the coupling rows the subproblem is  min (c_k - G_k' y)' x_k  over x_k in X_k.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from model.solve import SolveOptions, pass_model


@dataclass
class Block:
    cols: np.ndarray  # columns of the standard form
    local: sp.csc_matrix  # its local rows over its columns
    row_lower: np.ndarray
    row_upper: np.ndarray
    coupling: sp.csr_matrix  # the coupling rows (all of them, in split.coupling order) over its columns


def county_members(split) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per county: its columns and its local rows (ascending within each)."""
    local = np.flatnonzero(split.row_county >= 0)
    row_county = split.row_county[local]
    order_c = np.argsort(split.col_county, kind="stable")
    order_r = np.argsort(row_county, kind="stable")
    col_starts = np.searchsorted(split.col_county[order_c], np.arange(split.n_counties + 1))
    row_starts = np.searchsorted(row_county[order_r], np.arange(split.n_counties + 1))
    return ([order_c[col_starts[k]:col_starts[k + 1]] for k in range(split.n_counties)],
            [local[order_r[row_starts[k]:row_starts[k + 1]]] for k in range(split.n_counties)])


def blocks(sf, split, A_rows: sp.csr_matrix) -> list[Block | None]:
    """One Block per county (None: a county without columns)."""
    A_coup = A_rows[split.coupling].tocsc()
    out: list[Block | None] = []
    for cols, rows in zip(*county_members(split)):
        if not len(cols):
            out.append(None)
            continue
        out.append(Block(cols, A_rows[rows][:, cols].tocsc(), sf.row_lower[rows], sf.row_upper[rows],
                         A_coup[:, cols].tocsr()))
    return out


def solve_block(c, col_lower, col_upper, A: sp.csc_matrix, row_lower, row_upper, integer: bool, options: SolveOptions,
                abs_gap: float, deadline: float, extra_rows=None, cap: float = np.inf, start=None):
    """min c'x over one county's rows (a pure function of arrays: it runs in a thread or as a Dask
    task) within the wall-clock `deadline`. `extra_rows` = (G, lower, upper, penalty): rows added to the
    county's own (an allocation of the coupling rows), elastic at `penalty` per unit. `start`: a
    plan of the county's columns to start the MIP from (with `extra_rows`, its slacks are set to
    make it meet them). Returns (infeasible, has_plan, dual bound, objective, column values, seconds)."""
    tk = time.perf_counter()
    kinds = np.full(A.shape[1], integer)
    if start is not None:
        start = np.asarray(start, dtype=float)
    if extra_rows is not None:  # elastic: slacks at `penalty` per unit keep the county feasible
        G, lo, hi, penalty = extra_rows
        n, m = A.shape[1], G.shape[0]
        if start is not None:
            used = G @ start
            start = np.r_[start, np.maximum(lo - used, 0.0), np.maximum(used - hi, 0.0)]
        eye = sp.identity(m, format="csr")
        A = sp.vstack([sp.hstack([A, sp.csr_matrix((A.shape[0], 2 * m))]), sp.hstack([G, eye, -eye])]).tocsc()
        row_lower, row_upper = np.r_[row_lower, lo], np.r_[row_upper, hi]
        c, col_lower, col_upper = np.r_[c, penalty, penalty], np.r_[col_lower, np.zeros(2 * m)], \
            np.r_[col_upper, np.full(2 * m, np.inf)]
        kinds = np.r_[kinds, np.zeros(2 * m, dtype=bool)]
    h = pass_model(options, A.shape[1], A.shape[0], c, 0.0, col_lower, col_upper, row_lower, row_upper, A.indptr,
                   A.indices, A.data, kinds)
    settings = dict(threads=1, random_seed=int(options.random_seed), time_limit=max(min(deadline - time.time(), cap), 0.0))
    if integer:
        settings.update(mip_rel_gap=0.0, mip_abs_gap=float(abs_gap))
    for key, value in settings.items():
        h.setOptionValue(key, value)
    if start is not None and integer:
        sol = highspy.HighsSolution()
        sol.col_value = start
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    infeasible = status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
    if integer:
        has_plan = info.primal_solution_status == 2
        bound = float(info.mip_dual_bound)
    else:
        has_plan = status == highspy.HighsModelStatus.kOptimal
        bound = float(info.objective_function_value)
    return (infeasible, has_plan, bound, float(info.objective_function_value),
            np.asarray(h.getSolution().col_value), time.perf_counter() - tk)


def solve_all(sf, bl: list[Block | None], priced: np.ndarray, integer: bool, options: SolveOptions, abs_gap: float,
              deadline: float, extra: list | None = None, cap: float = np.inf, starts: list | None = None) -> list:
    """Every county at the priced costs (`extra`: per county, rows to add, or None; `starts`: per
    county, a plan to start from, or None). Counties are independent: Dask tasks with
    options.scheduler, `options.threads` at a time otherwise. Returns per county None or
    solve_block's tuple."""
    args = [None if b is None else (priced[b.cols], sf.col_lower[b.cols], sf.col_upper[b.cols], b.local, b.row_lower,
                                    b.row_upper, integer, options, float(abs_gap), deadline,
                                    None if extra is None else extra[k], cap, None if starts is None else starts[k])
            for k, b in enumerate(bl)]
    if options.scheduler:
        from distributed import Client

        with Client(options.scheduler, timeout=30) as client:
            futures = [client.submit(solve_block, *a, pure=False) if a is not None else None for a in args]
            return [f.result() if f is not None else None for f in futures]
    if options.threads > 1:
        with ThreadPoolExecutor(int(options.threads)) as pool:
            return list(pool.map(lambda a: solve_block(*a) if a is not None else None, args))
    return [solve_block(*a) if a is not None else None for a in args]
