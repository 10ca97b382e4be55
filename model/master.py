"""Integer county plans and the restricted master MIP that picks one per county.

After model.prices, the master LP holds weights lam_kj on each county's candidates; county k's
share of the coupling rows is a_k = sum_j lam_kj g_kj, and sum_k a_k + G_0 x_0 lies within
[lo, hi]. Integer candidates come from two kinds of county MIP, solved county by county:

    allocation  min (c_k - G_k'y)'x_k  over x_k in X_k (integer), with its share of each
                coupling row as rows of its own:  a_k - d_k^- <= G_k x_k <= a_k + d_k^+
                where d^+ (d^-) spreads the row's room hi - sum (sum - lo) over the counties and
                a row at its bound keeps back RESERVE of its total (taken from the counties
                in proportion to their share), so that the counties' rounding fits in it
    lagrangian  the same without the allocation: its dual bound gives the MIP's L(y) (>= the
                LP's), its plan one more candidate

    restricted master MIP  min sum_kj c_kj z_kj + c_0'x_0
                           s.t. lo <= sum_kj g_kj z_kj + G_0 x_0 <= hi,  sum_j z_kj = 1,
                                z binary, x_0 integer
Any solution of it is a plan of the whole model: each county's candidate meets its own rows and
the master meets the coupling rows.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from model.counties import Block, solve_all
from model.prices import Candidates, Coupling, Prices, evaluate, master, slack_penalty
from model.solve import SolveOptions

log = logging.getLogger(__name__)

RESERVE = 0.002
# seconds at most per allocation MIP: its best plan then (a candidate need not be optimal)
ALLOCATION_SECONDS = 10.0
# the share of the run's gap a picked plan may use (the rest absorbs rounding in the plan's value)
GAP_SHARE = 0.9


def allocations(cp: Coupling, cands: Candidates, pr: Prices, bl: list[Block | None], reserve: np.ndarray,
                rows: np.ndarray, penalty: np.ndarray) -> list:
    """Per county: (G_k, lower, upper) of its share of the coupling rows `rows` (a mask), or None."""
    m, n = len(cp.rows), len(bl)
    county = np.asarray(cands.county)
    share = np.zeros((n, m))
    nz = np.flatnonzero(pr.lam > 1e-12)
    for i in nz:
        share[county[i]] += pr.lam[i] * cands.usage[i]
    total = share.sum(axis=0) + cp.G0 @ pr.x0
    has = np.array([b is not None for b in bl])
    n_has = max(int(has.sum()), 1)
    scale = np.maximum(np.abs(total), np.nan_to_num(np.maximum(np.abs(cp.lower), np.abs(cp.upper)), posinf=0))
    keep = reserve * np.maximum(scale, 1e-9)
    room_up = cp.upper - total  # inf where no upper bound
    room_dn = total - cp.lower
    weight = np.abs(share) / np.maximum(np.abs(share).sum(axis=0), 1e-12)
    keep, room_up, room_dn = (np.nan_to_num(v, posinf=1e300, neginf=-1e300) for v in (keep, room_up, room_dn))
    up = np.where(room_up < keep, -(keep - np.maximum(room_up, 0)) * weight, np.maximum(room_up - keep, 0) / n_has)
    dn = np.where(room_dn < keep, -(keep - np.maximum(room_dn, 0)) * weight, np.maximum(room_dn - keep, 0) / n_has)
    out = []
    for k, b in enumerate(bl):
        if b is None:
            out.append(None)
            continue
        hi = np.where(np.isfinite(cp.upper), share[k] + up[k], np.inf)
        lo = np.where(np.isfinite(cp.lower), share[k] - dn[k], -np.inf)
        lo = np.minimum(lo, hi)
        out.append((b.coupling[rows], lo[rows], hi[rows], penalty[rows]))
    return out


def allocation_round(sf, cp: Coupling, bl, cands: Candidates, pr: Prices, options: SolveOptions, abs_gap: float,
                     deadline: float, reserve: np.ndarray, rows: np.ndarray, county_bound: np.ndarray) -> int:
    """County MIPs within their allocations; each plan found joins the candidates. A county whose
    best known plan at these prices meets its allocation and is within abs_gap of its MIP bound
    at the prices (`county_bound`, the Lagrangian round's) is not solved again: that plan is what
    its allocation MIP would return. The others start from their cheapest known plan (elastic
    cost). A county that cannot keep within its share (it uses the elastic slack) gets, one after
    the other, the room the others leave: the coupling rows' bounds less the others' plans of
    this round (and the master LP's storage modules, rounded up) as its own rows. Returns how
    many counties still leave their room."""
    full = np.zeros(sf.n_rows)
    full[cp.rows] = pr.y
    from model.prices import _rows_t

    priced = sf.c - _rows_t(sf, full)
    penalty = slack_penalty(sf, cp)
    alloc = allocations(cp, cands, pr, bl, reserve, rows, penalty)
    known, starts = known_plans(cands, pr.y, alloc, county_bound, abs_gap)
    todo = [b if known[k] < 0 else None for k, b in enumerate(bl)]
    res = solve_all(sf, todo, priced, True, options, abs_gap, deadline, alloc, ALLOCATION_SECONDS, starts)
    chosen, outside = {k: int(i) for k, i in enumerate(known) if i >= 0}, []
    for k, (b, r) in enumerate(zip(todo, res)):
        if r is None:
            continue
        infeasible, has_plan, _, _, x, _ = r
        if infeasible or not has_plan:
            outside.append(k)
            continue
        xi = np.rint(x[: len(b.cols)])
        cands.add(k, float(sf.c[b.cols] @ xi), b.coupling @ xi, xi)
        chosen[k] = len(cands) - 1
        if np.any(x[len(b.cols):] > 1e-6):
            outside.append(k)
    log.info("allocation MIPs: %d of %d counties solved (the others' known plans meet their allocation), %d leave "
             "their room", sum(b is not None for b in todo), sum(b is not None for b in bl), len(outside))
    x0 = np.ceil(pr.x0 - 1e-9)
    still = 0
    for k in outside:
        if time.time() > deadline:
            return len(outside)
        b = bl[k]
        used = cp.G0 @ x0 + sum((cands.usage[i] for j, i in chosen.items() if j != k), np.zeros(len(cp.rows)))
        extra = [None] * len(bl)
        extra[k] = (b.coupling, cp.lower - used, cp.upper - used, penalty)
        r = solve_all(sf, [b if j == k else None for j in range(len(bl))], priced, True, options, abs_gap, deadline,
                      extra, ALLOCATION_SECONDS)[k]
        if r is None or r[0] or not r[1]:
            still += 1
            continue
        x = r[4]
        xi = np.rint(x[: len(b.cols)])
        cands.add(k, float(sf.c[b.cols] @ xi), b.coupling @ xi, xi)
        chosen[k] = len(cands) - 1
        still += bool(np.any(x[len(b.cols):] > 1e-6))
    return still


def known_plans(cands: Candidates, y: np.ndarray, alloc: list, county_bound: np.ndarray,
                abs_gap: float) -> tuple[np.ndarray, list]:
    """Per county: the candidate that already solves its allocation MIP (-1: none) and a plan to
    start that MIP from (None: no integral candidate). A candidate's allocation cost is its
    priced cost c'x - y'Gx plus the elastic penalty on what it leaves its allocation by; one
    that leaves nothing and is within abs_gap of the county's bound at y is as good as the MIP's
    answer (the MIP minimises the same priced cost over fewer plans)."""
    n = len(alloc)
    known = np.full(n, -1)
    starts: list = [None] * n
    county = np.asarray(cands.county, dtype=int)
    for k, a in enumerate(alloc):
        if a is None:
            continue
        idx = [i for i in np.flatnonzero(county == k) if cands.plan[i] is not None]
        if not idx:
            continue
        G, lo, hi, penalty = a
        use = np.stack([cands.usage[i] for i in idx])  # (candidates, m) over every coupling row
        priced = np.asarray(cands.cost)[idx] - use @ y
        used = np.stack([G @ cands.plan[i] for i in idx])  # (candidates, allocated rows)
        tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(np.r_[lo, hi], posinf=0, neginf=0))).reshape(2, -1).max(0)
        over = np.maximum(used - hi - tol, 0.0) + np.maximum(lo - tol - used, 0.0)
        elastic = priced + over @ penalty
        best = int(np.argmin(elastic))
        starts[k] = cands.plan[idx[best]]
        if not over[best].any() and np.isfinite(county_bound[k]) and priced[best] <= county_bound[k] + abs_gap:
            known[k] = idx[best]
    return known, starts


def pick(sf, cp: Coupling, bl, cands: Candidates, n_counties: int, options: SolveOptions, deadline: float,
         bound: float = -np.inf):
    """The restricted master MIP over the integral candidates. Returns (plan, value) or (None, inf).
    It stops at the first plan within GAP_SHARE of the run's gap of `bound` (the Lagrangian bound):
    proving the restricted master optimal does not make the plan better than that (70,000 zones x 4
    years: the master ran to the time limit on a plan already at 0.31 %)."""
    integral = [i for i, x in enumerate(cands.plan) if x is not None]
    have = np.zeros(n_counties, dtype=bool)
    have[np.asarray(cands.county, dtype=int)[integral]] = True
    need = np.array([b is not None for b in bl])
    if not integral or (need & ~have).any():
        return None, np.inf
    good_enough = None
    if np.isfinite(bound) and options.mip_gap < 1:
        share = GAP_SHARE * options.mip_gap  # value - bound <= share * |value|, solved for value
        good_enough = bound / (1 - share) if bound >= 0 else bound / (1 + share)
    ok, value, z, x0, _, _ = master(cp, cands, n_counties, None, True, options, deadline - time.time(), only=integral,
                                    good_enough=good_enough)
    if not ok:
        return None, np.inf
    plan = np.zeros(sf.n_cols)
    for i in np.flatnonzero(z > 0.5):
        plan[bl[cands.county[i]].cols] = cands.plan[i]
    plan[cp.free] = np.rint(x0)
    return plan, float(sf.c @ plan + sf.offset)


def violated(sf, cp: Coupling, cands: Candidates, n_counties: int, options: SolveOptions, deadline: float) -> np.ndarray:
    """Mask of the coupling rows the best pick of integral candidates cannot meet (the master MIP
    with elastic slacks)."""
    integral = [i for i, x in enumerate(cands.plan) if x is not None]
    ok, _, z, x0, _, _ = master(cp, cands, n_counties, slack_penalty(sf, cp), True, options, deadline - time.time(),
                                only=integral)
    U = np.stack([cands.usage[i] for i in integral], axis=1) @ z[integral] + cp.G0 @ x0
    tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(np.r_[cp.lower, cp.upper], posinf=0, neginf=0))).reshape(2, -1).max(0)
    return (U > cp.upper + tol) | (U < cp.lower - tol)


def lagrangian_round(sf, cp: Coupling, bl, cands: Candidates, pr: Prices, options: SolveOptions, abs_gap: float,
                     deadline: float) -> tuple[float, np.ndarray]:
    """County MIPs at the best prices: the MIP's L(y) (-inf when out of time) and each county's
    MIP bound at y (nan: no county there); plans join the candidates."""
    bound, res = evaluate(sf, cp, bl, pr.y, True, options, abs_gap, deadline, cands)
    county_bound = np.array([np.nan if r is None else float(r[2]) for r in res])
    return bound, county_bound
