"""Myopic foresight: the pathway decided year by year, as cities actually decide it.

In year k the planner knows that year's prices, caps, budget and targets, and the conversions
already made; it takes the least-cost plan for year k alone (the year's annualised costs at its
prices) and the plan is fixed before year k+1. It is solved on the same standard form as the
perfect-foresight pathway (one model over the years): in step k the columns of earlier years
are fixed at the plan, those of later years at 0, rows of later years are dropped, and a zone
need not yet have taken its final option (its choice row is `<= 1` until the last year). Rows
not tied to a year (heat-source capacity, upgrade limits) hold in every step.

The myopic plan is feasible for the whole model, so it is also a start for the perfect-foresight
solve (`perfect_with_start`), and its discounted cost minus the perfect optimum is the cost of
myopia (>= 0 up to the gap).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from model.build import StandardForm, module_cost, standard_form
from model.errors import EXIT_INFEASIBLE, SolveError
from model.horizon import Horizon
from model.solve import Compiled, Solution, SolveOptions, pass_model, plan_of, run


class MyopicInfeasible(SolveError):
    """A year of the myopic pathway has no plan, given the years before (the whole pathway may have one)."""


def _step_costs(hz: Horizon, sf: StandardForm, k: int) -> np.ndarray:
    """Year k's own costs on year k's columns, 0 elsewhere."""
    lay = sf.layout
    c = np.zeros(sf.n_cols)
    c[lay.x(np.arange(lay.n_f), k)] = hz.year_cost(k)
    if len(lay.groups):
        c[lay.upgrade(np.arange(len(lay.groups)), k)] = hz.first.group_unit_cost[lay.groups]
    c[lay.modules(k)] = module_cost(hz)[k]
    return c


def myopic_plan(sf: StandardForm, hz: Horizon, options: SolveOptions) -> tuple[np.ndarray, dict]:
    """Column values of the myopic plan (in `sf`'s layout) and per-step stats; raises SolveError
    (infeasible in year k) when a year's caps and targets cannot be met given earlier years."""
    if sf.layout.form != "conversion":  # the steps fix years by their columns: conversion form
        conv = standard_form(hz, families=sf.families.values(), form="conversion")
        values, stats = myopic_plan(conv, hz, options)
        out = values.copy()
        out[: sf.layout.n_x] = sf.layout.option_columns(conv.layout.conversions(values))
        return out, stats
    lay = sf.layout
    col_year = lay.col_year
    row_year = sf.row_year
    choice = np.array([sf.families[name].kind == "choice" for name, _ in sf.row_names], dtype=bool)
    t0 = time.perf_counter()
    values = np.zeros(sf.n_cols)
    stats = {"steps": []}
    for k in range(hz.K):
        lower, upper = sf.col_lower.copy(), sf.col_upper.copy()
        past, future = col_year < k, col_year > k
        lower[past] = upper[past] = values[past]
        lower[future] = upper[future] = 0.0
        row_lo, row_up = sf.row_lower.copy(), sf.row_upper.copy()
        later = row_year > k
        row_lo[later], row_up[later] = -np.inf, np.inf
        if k < hz.K - 1:
            row_lo[choice] = np.minimum(row_lo[choice], 0.0)
        h = pass_model(options, sf.n_cols, sf.n_rows, _step_costs(hz, sf, k), 0.0, lower, upper, row_lo, row_up,
                       sf.start, sf.index, sf.value, np.ones(sf.n_cols, dtype=bool))
        for key, value in (("mip_rel_gap", float(options.mip_gap)), ("threads", int(options.threads)),
                           ("random_seed", int(options.random_seed)),
                           ("time_limit", max(options.time_limit - (time.perf_counter() - t0), 1.0))):
            h.setOptionValue(key, value)
        h.run()
        info = h.getInfo()
        if info.primal_solution_status != 2:
            raise MyopicInfeasible(f"myopic foresight: no plan for {hz.years[k]} meets that year's caps and targets "
                                   "given the conversions of the years before (decided without knowing later years' "
                                   "targets and budgets); perfect foresight may still find one", EXIT_INFEASIBLE)
        step = np.rint(np.asarray(h.getSolution().col_value))
        values[col_year == k] = step[col_year == k]
        stats["steps"].append({"year": hz.years[k], "gap": float(max(info.mip_gap, 0.0)) if np.isfinite(info.mip_gap)
                               else 0.0, "time_s": time.perf_counter() - t0})
    return values, stats


def plan_cost(sf: StandardForm, values: np.ndarray) -> float:
    """The pathway objective of a plan (discounted, the free zones' base costs included)."""
    return float(sf.c @ values + sf.offset)


def solve_from_myopic(comp: Compiled, sf: StandardForm, hz: Horizon, options: SolveOptions) -> Solution:
    """Perfect foresight, started from the myopic plan (when one exists within a tenth of the time
    limit): HiGHS then prunes its tree with that plan's cost from the first node on."""
    t0 = time.perf_counter()
    details = {}
    try:
        values, _ = myopic_plan(sf, hz, dataclasses.replace(options, time_limit=options.time_limit / 10))
        details = {"myopic_objective_10k_yuan": plan_cost(sf, values) + hz.fixed_cost(),
                   "myopic_time_s": time.perf_counter() - t0}
    except MyopicInfeasible:
        values = None
    left = dataclasses.replace(options, time_limit=max(options.time_limit - (time.perf_counter() - t0), 1.0))
    sol = perfect_with_start(comp, values, left) if values is not None else run(comp, left)
    sol.times["solve"] = time.perf_counter() - t0
    sol.details.update(details)
    if "myopic_objective_10k_yuan" in details:
        sol.details["perfect_objective_10k_yuan"] = sol.objective + hz.fixed_cost()
        sol.details["cost_of_myopia_10k_yuan"] = details["myopic_objective_10k_yuan"] - sol.details["perfect_objective_10k_yuan"]
    return sol


def solve_myopic(comp: Compiled, sf: StandardForm, hz: Horizon, options: SolveOptions) -> Solution:
    """The myopic plan as the run's solution; the perfect-foresight optimum from it as a start
    gives the cost of myopia (recorded in `details`)."""
    t0 = time.perf_counter()
    values, stats = myopic_plan(sf, hz, options)
    myopic = plan_cost(sf, values)
    t_myopic = time.perf_counter() - t0
    details = {"myopic_objective_10k_yuan": myopic + hz.fixed_cost(), "myopic_time_s": t_myopic}
    left = max(options.time_limit - t_myopic, 1.0)
    try:
        perfect = perfect_with_start(comp, values, dataclasses.replace(options, time_limit=left))
        details["perfect_objective_10k_yuan"] = perfect.objective + hz.fixed_cost()
        details["cost_of_myopia_10k_yuan"] = myopic - perfect.objective
        details["perfect_mip_gap"] = perfect.mip_gap
    except SolveError:
        pass
    x, upgrade, modules = plan_of(comp, _to_solver(comp, values))
    steps_gap = max((s["gap"] for s in stats["steps"]), default=0.0)
    return Solution(status="optimal", objective=myopic, mip_gap=steps_gap, bound=-np.inf, x=x, upgrade=upgrade,
                    modules=modules, times={"solve": time.perf_counter() - t0}, method="myopic", details=details,
                    values=values)


def _to_solver(comp: Compiled, values: np.ndarray) -> np.ndarray:
    col = np.zeros(comp.n_cols)
    on = comp.col_of >= 0
    col[comp.col_of[on]] = values[on]
    return col


def perfect_with_start(comp: Compiled, values: np.ndarray, options: SolveOptions) -> Solution:
    """Solve the whole model (perfect foresight) from a plan given as layout column values."""
    col = _to_solver(comp, values)
    comp.highs.setSolution(len(col), np.arange(len(col), dtype=np.int32), col)
    return run(comp, options)
