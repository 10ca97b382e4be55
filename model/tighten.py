"""A tighter formulation of the transformer groups, handed to HiGHS with a pathway.

A group's rows (`families.transformer_capacity`) are, per year j, a knapsack with an integer
column: constant[g] + sum_f kva[f] state(f,j) <= capacity[g] + unit[g] U[g,j], where U[g,j] =
sum_{k <= j} u[g,k] are the units bought to date. Its LP relaxation buys fractions of a unit, and
over a horizon HiGHS's cuts do not win them back (Jinan 2019-2022: HiGHS's root LP after presolve
176,526 without the hull, 177,326 with it, against a plan of 177,630-177,638 10^4 yuan; the solve
447 s before, 37-48 s with the hull and the pathway's HiGHS settings; benchmarks/README.md, "Pathway").

A group holds few zones (Jinan: 1-3), so its plans can be listed. A combination c takes one
conversion event (f, k) per free zone of the group (an option f and the year k it is taken in;
the zone's base route counts as an option taken in the last year). With a continuous w[c] >= 0
per combination:

    conversion(f,k) - sum_{c holds (f,k)} w[c] = 0     per event (f,k) of the group's zones  [-]
    U[g,j] - sum_c need[c,j] w[c] >= 0                  per year j                          [units]
    need[c,j] = max_{j' <= j} ceil((constant[g] + sum_{(f,k) in c, k <= j'} kva[f] - capacity[g]) / unit[g])^+

Combinations that need more than max_upgrade_units[g] are left out. For integral x the w are the
unit vector of the plan's combination: the plans and their costs are the model's. For
fractional x the rows describe the convex hull of the group's plans with the units they need
(Balas's disjunctive hull), so the LP no longer buys less than a unit where a group needs one.
Groups with more than `max_combinations` combinations are left as they are.

The rows and columns go into the live HiGHS model after the model's own and are removed after
the solve (`hull_added`): the plan, the what-binds table and the duals read the model as built.
A single year gains nothing from them (HiGHS's cuts already close that gap; Jinan 2022's Monte
Carlo samples solved slower with them), so `pipeline.solve_data` adds them to pathways only.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from model.build import column_bounds
from model.families import transformer_loads
from model.horizon import Horizon
from model.solve import Compiled

MAX_COMBINATIONS = 2000  # per group; Jinan 2019-2022: 562 groups listed, 16 left (42k columns)
NEED_TOL = 1e-7  # units: a load this close above a capacity step needs no further unit (row tolerance)


@dataclass
class HullRows:
    """The hull in layout columns (< n_layout) and its own columns (n_layout + c)."""

    n_w: int = 0
    lower: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    terms: list = field(default_factory=list)  # per row: (layout or w columns, coefficients)
    groups: int = 0  # groups given a hull
    skipped: int = 0  # groups left out: too many combinations


def group_hull(hz: Horizon, lay, max_combinations: int = MAX_COMBINATIONS) -> HullRows:
    """The rows of the module docstring for every group with upgrade columns."""
    out = HullRows()
    if not len(lay.groups):
        return out
    a = hz.first
    grp, kva, constant = transformer_loads(hz)
    _, col_upper = column_bounds(hz, lay)
    open_event = col_upper[: lay.n_x].reshape(lay.n_f, lay.K) > 0.5
    counts = np.diff(np.r_[lay.zone_starts, lay.n_f])
    zone_of_f = np.repeat(np.arange(len(counts)), counts)
    years = np.arange(lay.K)
    n_layout = lay.n_cols
    for gp, g in enumerate(lay.groups.tolist()):
        zones = np.unique(zone_of_f[grp == g])
        unit, cap, most = float(a.group_unit_kva[g]), float(a.group_capacity[g]), int(a.group_max_units[g])
        if not len(zones) or unit <= 0:
            continue
        events, loads = [], []  # per zone: its events (f, k) and their load by year [event, j]
        for z in zones:
            f_z = np.flatnonzero(zone_of_f == z)
            f, k = np.nonzero(open_event[f_z])
            f = f_z[f]
            events.append((f, k))
            loads.append(np.where(grp[f, None] == g, kva[f, None], 0.0) * (k[:, None] <= years[None, :]))
        sizes = [len(e[0]) for e in events]
        if min(sizes) == 0:
            continue
        if np.prod(sizes, dtype=float) > max_combinations:
            out.skipped += 1
            continue
        pick = [p.ravel() for p in np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")]
        load = constant[g] + sum(ld[p] for ld, p in zip(loads, pick))  # [combination, j]
        need = np.maximum.accumulate(np.maximum(np.ceil((load - cap) / unit - NEED_TOL), 0.0), axis=1)
        ok = need[:, -1] <= most
        if not ok.any() or not need[ok].any():
            continue  # no plan fits (the model says so) or none needs a unit: nothing to tighten
        need, pick = need[ok], [p[ok] for p in pick]
        w = n_layout + out.n_w + np.arange(len(need))
        out.n_w += len(need)
        out.groups += 1
        for (f, k), p in zip(events, pick):
            for e in range(len(f)):
                row_cols, row_coefs = _conversion_terms(lay, f[e], k[e])
                holds = np.flatnonzero(p == e)
                out.terms.append((np.r_[row_cols, w[holds]], np.r_[row_coefs, -np.ones(len(holds))]))
                out.lower.append(0.0)
                out.upper.append(0.0)
        for j in range(lay.K):
            _, u_cols, u_coefs = lay.upgrades_to_date(0, gp, 1.0, j)
            has = need[:, j] > 0
            out.terms.append((np.r_[u_cols, w[has]], np.r_[u_coefs, -need[has, j]]))
            out.lower.append(0.0)
            out.upper.append(np.inf)
    return out


def _conversion_terms(lay, f: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    _, cols, coefs = lay.conversion(0, f, 1.0, k)
    return cols, coefs


@dataclass
class Added:
    n_cols: int = 0
    n_rows: int = 0
    groups: int = 0
    skipped: int = 0


def add(comp: Compiled, hull: HullRows) -> Added:
    """Append the hull's columns and rows to the live model (layout columns via `comp.col_of`;
    a row touching a column the model left out is dropped, which only loosens the hull)."""
    h = comp.highs
    if not hull.n_w:
        return Added(skipped=hull.skipped)
    n0, r0 = h.getNumCol(), h.getNumRow()
    n_layout = len(comp.col_of)
    h.addCols(hull.n_w, np.zeros(hull.n_w), np.zeros(hull.n_w), np.ones(hull.n_w), 0,
              np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
    starts, index, value, lower, upper = [], [], [], [], []
    nnz = 0
    for (cols, coefs), lo, up in zip(hull.terms, hull.lower, hull.upper):
        mine = cols >= n_layout
        mapped = np.where(mine, n0 + cols - n_layout, comp.col_of[np.minimum(cols, n_layout - 1)])
        if (mapped < 0).any():
            continue
        starts.append(nnz)
        index.append(mapped)
        value.append(coefs)
        lower.append(lo)
        upper.append(up)
        nnz += len(mapped)
    if starts:
        h.addRows(len(starts), np.array(lower, dtype=float), np.array(upper, dtype=float), nnz,
                  np.array(starts, dtype=np.int32), np.concatenate(index).astype(np.int32),
                  np.concatenate(value).astype(float))
    return Added(n_cols=h.getNumCol() - n0, n_rows=h.getNumRow() - r0, groups=hull.groups, skipped=hull.skipped)


def remove(comp: Compiled, added: Added) -> None:
    """Delete what `add` appended (rows first, then columns)."""
    h = comp.highs
    if added.n_rows:
        r = h.getNumRow()
        h.deleteRows(added.n_rows, np.arange(r - added.n_rows, r, dtype=np.int32))
    if added.n_cols:
        n = h.getNumCol()
        h.deleteCols(added.n_cols, np.arange(n - added.n_cols, n, dtype=np.int32))


@contextmanager
def hull_added(comp: Compiled, hz: Horizon, enabled: bool = True, max_combinations: int = MAX_COMBINATIONS):
    """The groups' hull in the live model for the duration of the block (yields `Added`). Nothing
    else may append rows or columns inside the block: `remove` deletes the last ones."""
    added = add(comp, group_hull(hz, comp.layout, max_combinations)) if enabled else Added()
    try:
        yield added
    finally:
        remove(comp, added)

