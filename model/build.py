"""The MILP over a horizon: sets and columns (`model.layout`), one row block per constraint family
(`model.families`), the objective from the registered cost terms. A single year is the horizon
of length one.

The same row blocks make
  - the standard form handed to HiGHS (`standard_form`): the blocks stacked into one sparse
    matrix, without a Python object per nonzero; and
  - the Pyomo model (`create_model`): the readable algebraic form, for extending and other solvers.
A test checks that the two are the same model.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from model.families import FAMILIES, Family, by_name
from model.horizon import Horizon, single_year
from model.layout import BrokenCap, Layout, RowBlock, layout
from model.prepare import Instance, annuity_factor

if TYPE_CHECKING:  # Pyomo is imported where a Pyomo model is built: the direct path does not need it
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

INF = float("inf")
__all__ = ["BrokenCap", "Layout", "RowBlock", "StandardForm", "standard_form", "create_model", "horizon_of"]


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector.

    Building and compiling a Pyomo model allocates millions of small expression objects and
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


def horizon_of(model_input: Horizon | Instance) -> Horizon:
    return model_input if isinstance(model_input, Horizon) else single_year(model_input)


# ---------------------------------------------------------------------------------------------
# rows, objective, columns

def constraint_rows(hz: Horizon, lay: Layout, families: Iterable[Family] = FAMILIES) -> list[RowBlock]:
    """Every family's rows, in the order given."""
    return [fam.block(hz, lay) for fam in by_name(families).values()]


def module_cost(hz: Horizon) -> np.ndarray:
    """Per year: annualised cost of one storage module bought at that year's price, 10^4 yuan/a."""
    rate = hz.first.params["discount_rate"]
    return np.array([inst.caps["storage_module_capex_10k_yuan"]
                     * float(annuity_factor(rate, inst.caps["storage_module_lifetime_yr"])) for inst in hz.insts])


def objective_coefficients(hz: Horizon, lay: Layout) -> np.ndarray:
    """Per column: min sum_{f,k} C[f,k] x[f,k] + sum_{g,k} D_k unit_cost[g] u[g,k] + sum_k D_k module_cost[k] n[k].

    C[f,k] = sum_{k' >= k} d_k' (cost_k'[f] - base_cost_k'[zone]) (+ the old stove in a pathway),
    the sum over the registered per-option cost components (`prepare.PAIR_COST_COMPONENTS`,
    Switch-style: a new component there needs no edit here); D_k = sum_{k' >= k} d_k' (an
    upgrade or module serves every year from its purchase to the horizon's end; no salvage
    value after it). A single year has d = 1: annualised 10^4 yuan/a. The base routes' cost is
    the objective offset (`Horizon.base_cost`); the fixed zones' is added in the results.
    """
    a = hz.first
    tail_d = np.cumsum(hz.discount[::-1])[::-1]
    c_x = lay.column_costs(hz.conversion_cost())
    c_u = (a.group_unit_cost[lay.groups][:, None] * tail_d[None, :]).ravel()
    c_n = module_cost(hz) * tail_d
    return np.concatenate([c_x, c_u, c_n]).astype(float)


def column_bounds(hz: Horizon, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """x in {0, 1} (a stay option only in the last year: it has no conversion year);
    u[g,k] in {0..max_units[g]}; n[k] in {0, 1, ...}. All columns are integer."""
    lower = np.zeros(lay.n_cols)
    x_up = np.ones((lay.n_f, lay.K))
    x_up[lay.stay, :-1] = 0.0
    u_up = np.repeat(hz.first.group_max_units[lay.groups].astype(float), lay.K)
    return lower, np.concatenate([x_up.ravel(), u_up, np.full(lay.K, INF)])


# ---------------------------------------------------------------------------------------------
# the standard form handed to HiGHS

@dataclass
class StandardForm:
    """min c'x + offset  s.t.  row_lower <= A x <= row_upper, col_lower <= x <= col_upper, x integer.

    A is column-wise (CSC: start, index, value). Row bounds are the planner's bounds minus each
    row's constant (`row_offset`); every number is rounded to 15 significant digits, so the
    model written as MPS (15 digits) reads back bit for bit and a solver given the file
    follows the same path as ours.
    """

    layout: Layout
    c: np.ndarray
    offset: float  # the free zones' base-route cost: the solver's objective is their whole cost
    col_lower: np.ndarray
    col_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: list[tuple[str, str]]  # (family, key) per row
    row_year: np.ndarray  # year index per row (-1: not tied to a year)
    row_sense: np.ndarray  # -1 (>=), 0 (=), 1 (<=)
    row_offset: np.ndarray  # planner's bound = matrix bound + offset
    families: dict[str, Family]
    broken: list[BrokenCap]
    # rows without a column: (family, key, year, constant, lower, upper); reported, not solved
    constant_rows: list[tuple[str, str, int, float, float, float]] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def n_cols(self) -> int:
        return len(self.c)


def decimal15(v) -> np.ndarray:
    """The doubles nearest to `v` rounded to (at most) 15 significant decimal digits.

    rint(v * 10^d) / 10^d with 10^d exact (0 <= d <= 22) and an integer below 2^53 is the correctly
    rounded quotient, i.e. the double nearest that decimal, which '%.15g' prints and parses back
    exactly. Other magnitudes go through the string route.
    """
    v = np.asarray(v, dtype=float)
    out = v.copy()
    ok = np.flatnonzero(np.isfinite(v) & (v != 0))
    if not len(ok):
        return out
    a = v[ok]
    d = 14 - np.floor(np.log10(np.abs(a))).astype(np.int64)
    d = np.where(np.abs(np.rint(a * 10.0 ** np.clip(d, -22, 22))) >= 1e15, d - 1, d)  # log10 rounded up
    fast = (d >= 0) & (d <= 22)
    p = 10.0 ** d[fast]
    out[ok[fast]] = np.rint(a[fast] * p) / p
    slow = ok[~fast]
    if len(slow):
        out[slow] = [float(f"{x:.15g}") for x in v[slow].tolist()]
    return out


def standard_form(model_input: Horizon | Instance, lay: Layout | None = None,
                  families: Iterable[Family] = FAMILIES, form: str = "conversion") -> StandardForm:
    """Stack the families' rows into one sparse matrix; constants move into the row bounds.
    `form`: the year axis's columns (`Layout.form`)."""
    hz = horizon_of(model_input)
    lay = lay or layout(hz, form)
    families = by_name(families)
    blocks = constraint_rows(hz, lay, families.values())
    lens = [np.diff(b.indptr) for b in blocks]
    row_of_nz = np.repeat(np.arange(sum(len(b) for b in blocks)), np.concatenate(lens) if lens else [])
    cols = np.concatenate([b.cols for b in blocks])
    vals = np.concatenate([b.coefs for b in blocks])
    order = np.argsort(cols, kind="stable")  # column-wise, rows ascending within a column
    start = np.r_[0, np.cumsum(np.bincount(cols, minlength=lay.n_cols))].astype(np.int32)
    const = np.concatenate([b.constant for b in blocks])
    lower = np.concatenate([b.lower for b in blocks])
    upper = np.concatenate([b.upper for b in blocks])
    sense = np.where(lower == upper, 0, np.where(np.isfinite(upper), 1, -1)).astype(int)
    col_lower, col_upper = column_bounds(hz, lay)
    return StandardForm(
        layout=lay, c=decimal15(objective_coefficients(hz, lay)), offset=float(decimal15([hz.base_cost()])[0]),
        col_lower=col_lower, col_upper=decimal15(col_upper),
        start=start, index=row_of_nz[order].astype(np.int32), value=decimal15(vals[order]),
        row_lower=decimal15(lower - const), row_upper=decimal15(upper - const),
        row_names=[(b.name, k) for b in blocks for k in b.keys],
        row_year=np.concatenate([b.year for b in blocks]).astype(np.int64), row_sense=sense, row_offset=const,
        families=families, broken=[x for b in blocks for x in b.broken],
        constant_rows=[(b.name, *r) for b in blocks for r in b.constant_rows],
    )


# ---------------------------------------------------------------------------------------------
# the Pyomo model

def _lin(coefs: np.ndarray, vars_: list, constant: float = 0.0) -> LinearExpression:
    from pyomo.core.expr.numeric_expr import LinearExpression

    # tolist() gives the same Python floats as float(c), in one C loop
    return LinearExpression(constant=float(constant), linear_coefs=np.asarray(coefs, dtype=float).tolist(),
                            linear_vars=vars_)


def create_model(model_input: Horizon | Instance, families: Iterable[Family] = FAMILIES,
                 form: str = "conversion") -> pyo.ConcreteModel:
    """Sets, variables, one constraint per family row block, objective (the same model as
    `standard_form`, as Pyomo components: for reading, extending and other solvers)."""
    import pyomo.environ as pyo

    hz = horizon_of(model_input)
    with gc_paused():
        lay = layout(hz, form)
        m = pyo.ConcreteModel(name=f"clean_heating_{hz.region}_{hz.years[0]}_{hz.years[-1]}")
        m.horizon = hz
        m.layout = lay
        m.families = by_name(families)
        add_sets(m, hz, lay)
        add_variables(m, hz, lay)
        m.row_keys = {}
        m.row_years = {}
        m.trivially_infeasible = []
        m.constant_rows = []
        for block in constraint_rows(hz, lay, m.families.values()):
            add_rows(m, block)
        add_objective(m, hz, lay)
    return m


def add_sets(m, hz: Horizon, lay: Layout) -> None:
    import pyomo.environ as pyo

    m.X = pyo.RangeSet(0, lay.n_x - 1) if lay.n_x else pyo.Set(initialize=[])  # x[f,k] at f * K + k
    m.G = pyo.Set(initialize=[(int(g), k) for g in lay.groups.tolist() for k in range(lay.K)], dimen=2, ordered=True)
    m.Y = pyo.RangeSet(0, lay.K - 1)


def add_variables(m, hz: Horizon, lay: Layout) -> None:
    import pyomo.environ as pyo

    lower, upper = column_bounds(hz, lay)
    m.x = pyo.Var(m.X, within=pyo.Binary, bounds=lambda m, j: (0, float(upper[j])),
                  doc="1 if the zone takes option f in year k (column f * K + k) [-]")
    m.x_list = [m.x[i] for i in range(lay.n_x)]  # x by position, for fast lookups
    m.upgrade = pyo.Var(m.G, within=pyo.NonNegativeIntegers,
                        bounds=lambda m, g, k: (0, float(hz.first.group_max_units[g])),
                        doc="transformer upgrade units bought per group and year [units]")
    m.modules = pyo.Var(m.Y, within=pyo.NonNegativeIntegers, doc="gas storage modules built per year [modules]")
    m.columns = m.x_list + [m.upgrade[g, k] for g, k in m.G] + [m.modules[k] for k in range(lay.K)]  # layout order


def add_rows(m, block: RowBlock) -> None:
    """One indexed Constraint per family, row r = the block's r-th row (named by block.keys[r])."""
    import pyomo.environ as pyo

    m.trivially_infeasible.extend(block.broken)
    m.constant_rows.extend((block.name, *r) for r in block.constant_rows)
    m.row_keys[block.name] = block.keys
    m.row_years[block.name] = block.year
    if not len(block):
        return
    cols = m.columns

    def rule(m, r):
        a, b = block.indptr[r], block.indptr[r + 1]
        expr = _lin(block.coefs[a:b], [cols[j] for j in block.cols[a:b].tolist()], block.constant[r])
        lo, up = block.lower[r], block.upper[r]
        if lo == up:
            return expr == up
        return expr <= up if np.isfinite(up) else expr >= lo

    m.add_component(block.name, pyo.Constraint(range(len(block)), rule=rule, doc=block.family.doc))


def add_objective(m, hz: Horizon, lay: Layout) -> None:
    """min sum of registered cost terms + the base routes' cost (see objective_coefficients)."""
    import pyomo.environ as pyo

    c = decimal15(objective_coefficients(hz, lay))
    nz = np.flatnonzero(c)
    m.objective = pyo.Objective(expr=_lin(c[nz], [m.columns[j] for j in nz.tolist()], float(decimal15([hz.base_cost()])[0])),
                                sense=pyo.minimize, doc=objective_coefficients.__doc__)
