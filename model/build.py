"""The Pyomo MILP. `create_model` reads like a table of contents.

Index domains: P = options (eligible zone x route x retrofit pairs) of zones with a
choice; Z = those zones; G = transformer groups; K = (county, route) heat-source keys.
Options of zones without a choice are constants (subscript `fix`).
Variables are indexed by position (no symbolic labels) to keep the build fast.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from model.prepare import PAIR_COST_COMPONENTS, Instance, storage_module_cost


@dataclass
class BrokenCap:
    """A cap already broken by the zones without a choice (no variable can mend it)."""

    family: str
    key: str
    excess: float
    unit: str


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector.

    Building and compiling the model allocates millions of small expression objects and
    no reference cycles; every automatic collection would rescan them all (at 20k zones
    that tripled the build time). Memory is still freed by reference counting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lin(coefs: np.ndarray, vars_: list, constant: float = 0.0) -> LinearExpression:
    # tolist() gives the same Python floats as float(c), in one C loop
    return LinearExpression(constant=float(constant), linear_coefs=np.asarray(coefs, dtype=float).tolist(),
                            linear_vars=vars_)


def _xvars(m, idx: np.ndarray) -> list:
    """x[i] for positions idx (a list lookup: much cheaper than indexing the Pyomo Var)."""
    xs = m.x_list
    return [xs[i] for i in np.asarray(idx, dtype=np.int64).tolist()]


def create_model(inst: Instance) -> pyo.ConcreteModel:
    """Sets, variables, one function per constraint family, objective."""
    with gc_paused():
        m = pyo.ConcreteModel(name=f"clean_heating_{inst.region}_{inst.year}")
        m.inst = inst
        m.trivially_infeasible = []
        add_sets(m, inst)
        add_variables(m, inst)
        for family in CONSTRAINT_FAMILIES:
            family(m, inst)
        add_objective(m, inst)
    return m


def add_sets(m, inst: Instance) -> None:
    free = inst.free
    m.free_pairs = free  # positions into the pair arrays
    m.P = pyo.RangeSet(0, len(free) - 1) if len(free) else pyo.Set(initialize=[])
    zones, starts = np.unique(inst.pair_zone[free], return_index=True)
    m.zone_slices = list(zip(zones, starts, list(starts[1:]) + [len(free)]))
    kva = inst.q["kva"]
    loaded = np.zeros(len(inst.group_ids), dtype=bool)
    has = inst.pair_group >= 0
    loaded[np.unique(inst.pair_group[has & (kva > 0)])] = True
    loaded |= inst.group_existing > inst.group_capacity
    m.G = pyo.Set(initialize=np.flatnonzero(loaded).tolist(), ordered=True)
    m.K = pyo.RangeSet(0, len(inst.source_keys) - 1) if inst.source_keys else pyo.Set(initialize=[])


def add_variables(m, inst: Instance) -> None:
    m.x = pyo.Var(m.P, within=pyo.Binary, doc="1 if the zone takes the option (route, retrofit) [-]")
    m.x_list = [m.x[i] for i in range(len(m.free_pairs))]  # x by position, for fast lookups
    m.upgrade = pyo.Var(m.G, within=pyo.NonNegativeIntegers,
                        bounds=lambda m, g: (0, float(inst.group_max_units[g])),
                        doc="transformer upgrade units bought per group [units]")
    m.modules = pyo.Var(within=pyo.NonNegativeIntegers, doc="gas storage modules built [modules]")


def _free_terms(m, inst: Instance, quantity: np.ndarray, mask: np.ndarray | None = None):
    """(coefficients, variables) of the free options with a non-zero coefficient."""
    c = quantity[m.free_pairs]
    keep = c != 0 if mask is None else (c != 0) & mask[m.free_pairs]
    idx = np.flatnonzero(keep)
    return c[idx], _xvars(m, idx)


def _fixed_sum(inst: Instance, quantity: np.ndarray, mask: np.ndarray | None = None) -> float:
    f = inst.fixed
    return float(quantity[f].sum() if mask is None else quantity[f][mask[f]].sum())


def _cap(m, name: str, key: str, coefs, vars_, constant: float, lower=None, upper=None, unit: str = ""):
    """The relation `constant + sum(coefs * vars) <= upper` (or `>= lower`); None, after recording it,
    when no variable enters and the fixed zones alone break it."""
    if not vars_:
        if upper is not None and constant > upper + 1e-9:
            m.trivially_infeasible.append(BrokenCap(name, key, constant - upper, unit))
        if lower is not None and constant < lower - 1e-9:
            m.trivially_infeasible.append(BrokenCap(name, key, lower - constant, unit))
        return None
    expr = _lin(coefs, vars_, constant)
    return expr <= upper if upper is not None else expr >= lower


def one_route_per_zone(m, inst: Instance) -> None:
    """Whole-village conversion: sum_{o in O(z)} x[z,o] = 1 for all z in Z.  [-]"""
    slices = m.zone_slices

    def rule(m, k):
        _, a, b = slices[k]
        return _lin(np.ones(b - a), m.x_list[a:b]) == 1

    m.one_route_per_zone = pyo.Constraint(range(len(slices)), rule=rule, doc=one_route_per_zone.__doc__)


def _city_cap(m, inst: Instance, family, quantity: np.ndarray, cap: float, unit: str) -> None:
    """A city-wide cap `sum_p quantity[p] x[p] + fixed <= cap`, named after its family function."""
    c, v = _free_terms(m, inst, quantity)
    con = _cap(m, family.__name__, "city", c, v, _fixed_sum(inst, quantity), upper=cap, unit=unit)
    if con is not None:
        setattr(m, family.__name__, pyo.Constraint(expr=con, doc=family.__doc__))


def gas_annual_cap(m, inst: Instance) -> None:
    """Annual gas: sum_p gas_annual[p] x[p] + gas_annual_fix <= gas_annual_cap.  [10^4 m^3/a]"""
    _city_cap(m, inst, gas_annual_cap, inst.q["gas_annual"], inst.caps["gas_annual_cap_10k_m3"], "10^4 m^3/a")


def gas_peak_day_cap(m, inst: Instance) -> None:
    """Design-day gas: sum_p gas_peak_day[p] x[p] + fix <= gas_peak_day_cap.  [10^4 m^3/d]"""
    _city_cap(m, inst, gas_peak_day_cap, inst.q["gas_peak_day"], inst.caps["gas_peak_day_cap_10k_m3"], "10^4 m^3/d")


def gas_storage(m, inst: Instance) -> None:
    """7-day rule: S_exist + size * n >= days / D * (sum_p gas_annual[p] x[p] + fix + other_use).  [10^4 m^3]

    n (modules) is a non-negative integer; D = storage_averaging_days.
    """
    ratio = inst.params["storage_days_required"] / inst.params["storage_averaging_days"]
    c, v = _free_terms(m, inst, inst.q["gas_annual"])
    const = ratio * (_fixed_sum(inst, inst.q["gas_annual"]) + inst.caps["gas_other_use_10k_m3"])
    # as a row: required storage net of modules built <= existing storage
    expr = _lin(np.append(ratio * c, -inst.caps["storage_module_size_10k_m3"]), v + [m.modules], const)
    m.gas_storage = pyo.Constraint(expr=expr <= inst.caps["gas_storage_existing_10k_m3"], doc=gas_storage.__doc__)


def transformer_capacity(m, inst: Instance) -> None:
    """Per group g: existing_peak[g] + sum_{p in g} kva[p] x[p] <= capacity[g] + unit_kva[g] * u[g].  [kVA]

    kva[p] = design load / COP at design temperature * 24 / charge_hours / power factor * coincidence.
    """
    free = m.free_pairs
    groups = inst.pair_group[free]
    kva = inst.q["kva"][free]
    order = np.argsort(groups, kind="stable")
    g_sorted = groups[order]
    fixed = inst.fixed
    fixed_kva = np.bincount(inst.pair_group[fixed][inst.pair_group[fixed] >= 0],
                            weights=inst.q["kva"][fixed][inst.pair_group[fixed] >= 0], minlength=len(inst.group_ids))

    def rule(m, g):
        a, b = np.searchsorted(g_sorted, [g, g + 1])
        idx = order[a:b]
        idx = idx[kva[idx] != 0]
        expr = _lin(np.append(kva[idx], -inst.group_unit_kva[g]), _xvars(m, idx) + [m.upgrade[g]],
                    inst.group_existing[g] + fixed_kva[g])
        return expr <= inst.group_capacity[g]

    m.transformer_capacity = pyo.Constraint(m.G, rule=rule, doc=transformer_capacity.__doc__)


def subsidy_budget(m, inst: Instance) -> None:
    """Budget: sum_p (subsidy_equipment[p] + subsidy_running[p]) x[p] + fix <= budget.  [10^4 yuan]"""
    _city_cap(m, inst, subsidy_budget, inst.q["subsidy_equipment"] + inst.q["subsidy_running"],
              inst.caps["subsidy_budget_10k_yuan"], "10^4 yuan")


def heat_source_capacity(m, inst: Instance) -> None:
    """Per (county, route) key k: sum_{p in k} heat_mw[p] x[p] + fix <= spare_capacity[k].  [MW]"""
    m.heat_source_capacity = pyo.ConstraintList(doc=heat_source_capacity.__doc__)
    m.heat_source_rows = []
    for k in range(len(inst.source_keys)):
        mask = inst.pair_source == k
        c, v = _free_terms(m, inst, inst.q["heat_mw"], mask)
        con = _cap(m, "heat_source_capacity", "/".join(inst.source_keys[k]), c, v,
                   _fixed_sum(inst, inst.q["heat_mw"], mask), upper=float(inst.source_capacity[k]), unit="MW")
        if con is not None:
            m.heat_source_capacity.add(con)
            m.heat_source_rows.append(k)


def coverage_target(m, inst: Instance) -> None:
    """Per target t: sum_{p in t} clean_hh[p] x[p] + fix >= share[t] * households[t].  [households]

    Households of demolition zones are left out of the target's base.
    """
    m.coverage_target = pyo.ConstraintList(doc=coverage_target.__doc__)
    m.coverage_rows = []
    for label, zmask, share in inst.coverage:
        pmask = zmask[inst.pair_zone]
        need = share * inst.zone_households[zmask].sum()
        c, v = _free_terms(m, inst, inst.q["clean_households"], pmask)
        con = _cap(m, "coverage_target", label, c, v, _fixed_sum(inst, inst.q["clean_households"], pmask),
                   lower=need, unit="households")
        if con is not None:
            m.coverage_target.add(con)
            m.coverage_rows.append(label)


def rural_gas_control(m, inst: Instance) -> None:
    """Rural gas: sum_p rural_gas_new_hh[p] x[p] <= rural_gas_new_cap.  [households]"""
    cap = inst.caps["rural_gas_new_cap_households"]
    if not np.isnan(cap):
        _city_cap(m, inst, rural_gas_control, inst.q["rural_gas_new_households"], cap, "households")


CONSTRAINT_FAMILIES = [
    one_route_per_zone,
    gas_annual_cap,
    gas_peak_day_cap,
    gas_storage,
    transformer_capacity,
    subsidy_budget,
    heat_source_capacity,
    coverage_target,
    rural_gas_control,
]


def objective_expression(m, inst: Instance) -> LinearExpression:
    """sum_p (sum_c cost_c[p]) x[p] + sum_g unit_cost[g] u[g] + module_cost * n.  [10^4 yuan/a]

    The cost terms are registered, Switch-style: every per-option component in
    `prepare.PAIR_COST_COMPONENTS` (a new component there needs no edit here), then the
    transformer upgrades and storage modules. Components are summed per option first, so the
    expression has one term per variable, not one per option and component. Fixed zones' costs
    are constants, left out of the solver's objective (they would blur the relative MIP gap);
    results add them back.
    """
    comps = [inst.cost[c][m.free_pairs] for c in PAIR_COST_COMPONENTS]
    total = np.zeros(len(m.free_pairs))
    seen = np.zeros(len(m.free_pairs), dtype=bool)
    order = []
    for c in comps:
        total = total + c
        new = (c != 0) & ~seen
        order.append(np.flatnonzero(new))
        seen |= new
    idx = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    g = list(m.G)
    return _lin(np.concatenate([total[idx], inst.group_unit_cost[g], [storage_module_cost(inst)]]),
                _xvars(m, idx) + [m.upgrade[i] for i in g] + [m.modules])


def add_objective(m, inst: Instance) -> None:
    """min sum of registered cost terms (see objective_expression).  [10^4 yuan/a]"""
    m.objective = pyo.Objective(expr=objective_expression(m, inst), sense=pyo.minimize, doc=add_objective.__doc__)
