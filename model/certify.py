"""Sweep points proven within the MIP gap without a solve, from two solved neighbours.

Over a fixed feasible set X, with costs affine in a swept value v, the optimum
V(v) = min over x in X of c(v).x is concave in v (a minimum of affine functions). So at
v_m = lam v_a + (1 - lam) v_b, 0 < lam < 1:

    V(v_m) >= lam V(v_a) + (1 - lam) V(v_b) >= lam L_a + (1 - lam) L_b =: L_m

where L_a, L_b are the dual bounds HiGHS proved at a and b. Every plan in X keeps its
feasibility at v_m, so a neighbour's plan x with c(v_m).x - L_m within the gap is a plan of v_m
within the gap, and L_m is its bound. When a and b have the same plan this always holds (the
gap at v_m is at most the larger of the two); a gas-price sweep whose plan does not change over
a range needs solves only at the range's ends.

The checks, on the instances of a, m and b: the same options, quantities, matrix and row bounds
(`live_model.plan_update` finds no row change), and the cost of every column at m equal to lam times
its cost at a plus (1 - lam) times its cost at b (1e-9 relative). A parameter that enters costs
non-linearly (the discount rate) or moves a cap fails them, and the point is solved.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.prepare import Instance
from model.solve import Compiled, Solution
from model.sweep_points import PointPlan

# HiGHS's default absolute MIP gap (mip_abs_gap): a plan this close to its bound is optimal
ABS_GAP = 1e-6
# cost at m against the interpolation of the costs at a and b
AFFINE_RTOL = 1e-9


@dataclass(frozen=True)
class Bracket:
    """The nearest solved points of a sweep line on each side of a point (a side may have none):
    the swept parameter's values there and their plans (with the bounds HiGHS proved)."""

    name: str  # the parameter that varies along the line
    lower: dict[str, float] | None
    upper: dict[str, float] | None
    lower_plan: PointPlan | None
    upper_plan: PointPlan | None

    def weight(self, values: dict[str, float]) -> float:
        """lam of v_m = lam v_lower + (1 - lam) v_upper (nan without both sides)."""
        if self.lower is None or self.upper is None:
            return float("nan")
        a, b, m = self.lower[self.name], self.upper[self.name], values[self.name]
        return (b - m) / (b - a)


@dataclass(frozen=True)
class Certificate:
    plan: PointPlan  # the neighbour's plan
    objective: float  # its cost at this point (solver objective), 10^4 yuan/a
    bound: float  # lam L_a + (1 - lam) L_b
    gap: float  # (objective - bound) / |objective|

    def solution(self, inst: Instance) -> Solution:
        return replace(self.plan.solution(inst), status="optimal", objective=self.objective,
                       bound=self.bound, mip_gap=self.gap, times={})


def column_values(plan: PointPlan, inst: Instance, comp: Compiled) -> np.ndarray | None:
    """The plan as values of the compiled model's columns; None when it takes an option
    without a column (not a plan of this model)."""
    try:
        sol = plan.solution(inst)
    except ValueError:
        return None
    col = np.zeros(comp.n_cols)
    on = sol.x.astype(bool)
    if np.any(comp.x_col[on] < 0):
        return None
    col[comp.x_col[on]] = 1.0
    for g, j in comp.upgrade_col.items():
        col[j] = sol.upgrade.get(g, 0)
    if any(u and g not in comp.upgrade_col for g, u in sol.upgrade.items()):
        return None
    if comp.modules_col >= 0:
        col[comp.modules_col] = sol.modules
    elif sol.modules:
        return None
    return col


def relative_gap(objective: float, bound: float) -> float:
    diff = max(objective - bound, 0.0)
    if diff == 0.0:
        return 0.0
    return diff / abs(objective) if objective else np.inf


def affine(cm: np.ndarray, ca: np.ndarray, cb: np.ndarray, lam: float) -> bool:
    """c(m) = lam c(a) + (1 - lam) c(b), column by column, up to rounding."""
    if not (ca.shape == cb.shape == cm.shape):
        return False
    mix = lam * ca + (1.0 - lam) * cb
    scale = max(1.0, float(np.abs(ca).max(initial=0.0)), float(np.abs(cb).max(initial=0.0)))
    return bool(np.all(np.abs(cm - mix) <= AFFINE_RTOL * scale))


def certify(bracket: Bracket, values: dict[str, float], costs: dict[str, np.ndarray], cols: np.ndarray,
            plan_cols: dict[str, np.ndarray | None], mip_gap: float,
            offsets: dict[str, float] | None = None) -> Certificate | None:
    """The neighbour plan proven within `mip_gap` at `values`, or None.

    `costs`: the cost of each column in `cols` at "lower", "upper" and "m" (the same feasible set
    at all three is the caller's check), `offsets` the objective's constant there (the base
    routes' cost, affine in the swept value like the costs); `plan_cols`: each neighbour's plan
    as column values ("lower", "upper"), None where it is not a plan of the model.
    """
    offsets = offsets or {"m": 0.0, "lower": 0.0, "upper": 0.0}
    lam = bracket.weight(values)
    if not (0.0 < lam < 1.0) or bracket.lower_plan is None or bracket.upper_plan is None:
        return None
    la, lb = bracket.lower_plan.bound, bracket.upper_plan.bound
    if not (np.isfinite(la) and np.isfinite(lb)):
        return None
    if not affine(np.append(costs["m"], offsets["m"]), np.append(costs["lower"], offsets["lower"]),
                  np.append(costs["upper"], offsets["upper"]), lam):
        return None
    bound = lam * la + (1.0 - lam) * lb
    best = None
    for side, plan in (("lower", bracket.lower_plan), ("upper", bracket.upper_plan)):
        x = plan_cols.get(side)
        if x is None:
            continue
        objective = float(costs["m"] @ x[cols]) + offsets["m"]
        if best is None or objective < best.objective:
            best = Certificate(plan, objective, bound, relative_gap(objective, bound))
    if best is None:
        return None
    if best.objective - best.bound <= max(mip_gap * abs(best.objective), ABS_GAP):
        return best
    return None
