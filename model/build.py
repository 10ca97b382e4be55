"""The MILP. `constraint_rows` and `create_model` read like a table of contents.

Index domains: P = options (eligible zone x route x retrofit pairs) of zones with a
choice; Z = those zones; G = transformer groups; K = (county, route) heat-source keys.
Options of zones without a choice are constants (subscript `fix`).

Each constraint family is one function that returns its rows as numpy arrays (a `RowBlock`:
coefficient x variable, a constant from the fixed zones, bounds), over one column layout:
x[p] by position, then u[g], then n. The same blocks make both
  - the Pyomo model (`create_model`): the readable, extensible algebraic form; and
  - the standard form handed to HiGHS (`standard_form`): the blocks stacked into one sparse
    matrix, without a Python object per nonzero. A test checks that the two are the same model.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from model.prepare import Instance, storage_module_cost

if TYPE_CHECKING:  # Pyomo is imported where a Pyomo model is built: the direct path does not need it
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

INF = float("inf")


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


# ---------------------------------------------------------------------------------------------
# sets and columns

@dataclass
class Layout:
    """The model's columns: x[p] for the free options (positions into `free`), then u[g] for
    the transformer groups in `groups`, then the storage modules n."""

    free: np.ndarray  # pair positions of the options with a binary
    groups: np.ndarray  # transformer groups with an upgrade column (index into inst.group_ids)
    zone_starts: np.ndarray  # first x of each zone with a choice; the zone's options are contiguous

    @property
    def n_x(self) -> int:
        return len(self.free)

    def upgrade(self, g_pos) -> np.ndarray:
        return self.n_x + np.asarray(g_pos)

    @property
    def modules(self) -> int:
        return self.n_x + len(self.groups)

    @property
    def n_cols(self) -> int:
        return self.n_x + len(self.groups) + 1


def layout(inst: Instance) -> Layout:
    """P: options of zones with a choice; G: groups that any option or the existing load can overload."""
    free = inst.free
    zone = inst.pair_zone[free]
    starts = np.flatnonzero(np.r_[True, zone[1:] != zone[:-1]]) if len(free) else np.zeros(0, dtype=np.int64)
    loaded = np.zeros(len(inst.group_ids), dtype=bool)
    has = (inst.pair_group >= 0) & (inst.q["kva"] > 0)
    loaded[np.unique(inst.pair_group[has])] = True
    loaded |= inst.group_existing > inst.group_capacity
    return Layout(free=free, groups=np.flatnonzero(loaded), zone_starts=starts)


# ---------------------------------------------------------------------------------------------
# rows

@dataclass
class RowBlock:
    """Rows `lower <= constant + sum_j coef_j * col_j <= upper` of one family, in CSR form."""

    family: str
    unit: str
    keys: list[str]
    indptr: np.ndarray  # row r's terms are cols/coefs[indptr[r]:indptr[r+1]]
    cols: np.ndarray
    coefs: np.ndarray
    constant: np.ndarray
    lower: np.ndarray  # -inf: none
    upper: np.ndarray  # +inf: none
    broken: list[BrokenCap] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


def _block(family, unit: str, keys: list[str], row: np.ndarray, col: np.ndarray, coef: np.ndarray, constant,
           lower=None, upper=None) -> RowBlock:
    """Rows from coordinate triplets (row, column, coefficient; a row's terms keep their order).
    Zero coefficients are dropped, and so are rows left without a column: their fixed constant
    alone decides them, and a broken one is recorded in `broken`."""
    n = len(keys)
    constant = np.broadcast_to(np.asarray(constant, dtype=float), (n,)).copy()
    lower = np.full(n, -INF) if lower is None else np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
    upper = np.full(n, INF) if upper is None else np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
    row, col, coef = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64), np.asarray(coef, dtype=float)
    keep = coef != 0
    row, col, coef = row[keep], col[keep], coef[keep]
    order = np.argsort(row, kind="stable")
    lens = np.bincount(row, minlength=n)
    name = family.__name__
    broken = []
    for r in np.flatnonzero(lens == 0).tolist():
        if constant[r] > upper[r] + 1e-9:
            broken.append(BrokenCap(name, keys[r], constant[r] - upper[r], unit))
        if constant[r] < lower[r] - 1e-9:
            broken.append(BrokenCap(name, keys[r], lower[r] - constant[r], unit))
    live = lens > 0
    return RowBlock(family=name, unit=unit, keys=[k for k, ok in zip(keys, live.tolist()) if ok],
                    indptr=np.r_[0, np.cumsum(lens[live])].astype(np.int64), cols=col[order], coefs=coef[order],
                    constant=constant[live], lower=lower[live], upper=upper[live], broken=broken)


def _stack(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, coef) triplets of a few rows given as (columns, coefficients) each."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return (np.repeat(np.arange(len(rows)), [len(c) for c, _ in rows]),
            np.concatenate([c for c, _ in rows]), np.concatenate([v for _, v in rows]))


def _free_terms(lay: Layout, quantity: np.ndarray):
    """(columns, coefficients) of every free option."""
    return np.arange(lay.n_x), quantity[lay.free]


def _fixed_sum(inst: Instance, quantity: np.ndarray) -> float:
    """What the zones without a choice add to a city-wide row."""
    return float(quantity[inst.fixed].sum())


def _city_cap(inst: Instance, lay: Layout, family, quantity: np.ndarray, cap: float, unit: str) -> RowBlock:
    """A city-wide cap `sum_p quantity[p] x[p] + fixed <= cap`, named after its family function."""
    return _block(family, unit, ["city"], *_stack([_free_terms(lay, quantity)]), _fixed_sum(inst, quantity),
                  upper=cap)


def one_route_per_zone(inst: Instance, lay: Layout) -> RowBlock:
    """Whole-village conversion: sum_{o in O(z)} x[z,o] = 1 for all z in Z.  [-]"""
    counts = np.diff(np.r_[lay.zone_starts, lay.n_x])
    keys = [str(z) for z in inst.zone_ids[inst.pair_zone[lay.free[lay.zone_starts]]]]
    return _block(one_route_per_zone, "-", keys, np.repeat(np.arange(len(counts)), counts), np.arange(lay.n_x),
                  np.ones(lay.n_x), 0.0, lower=1.0, upper=1.0)


def gas_annual_cap(inst: Instance, lay: Layout) -> RowBlock:
    """Annual gas: sum_p gas_annual[p] x[p] + gas_annual_fix <= gas_annual_cap.  [10^4 m^3/a]"""
    return _city_cap(inst, lay, gas_annual_cap, inst.q["gas_annual"], inst.caps["gas_annual_cap_10k_m3"], "10^4 m^3/a")


def gas_peak_day_cap(inst: Instance, lay: Layout) -> RowBlock:
    """Design-day gas: sum_p gas_peak_day[p] x[p] + fix <= gas_peak_day_cap.  [10^4 m^3/d]"""
    return _city_cap(inst, lay, gas_peak_day_cap, inst.q["gas_peak_day"], inst.caps["gas_peak_day_cap_10k_m3"],
                     "10^4 m^3/d")


def gas_storage(inst: Instance, lay: Layout) -> RowBlock:
    """7-day rule: S_exist + size * n >= days / D * (sum_p gas_annual[p] x[p] + fix + other_use).  [10^4 m^3]

    n (modules) is a non-negative integer; D = storage_averaging_days. As a row: the required
    storage net of the modules built <= the existing storage.
    """
    ratio = inst.params["storage_days_required"] / inst.params["storage_averaging_days"]
    cols, c = _free_terms(lay, inst.q["gas_annual"])
    const = ratio * (_fixed_sum(inst, inst.q["gas_annual"]) + inst.caps["gas_other_use_10k_m3"])
    return _block(gas_storage, "10^4 m^3", ["city"],
                  *_stack([(np.append(cols, lay.modules), np.append(ratio * c, -inst.caps["storage_module_size_10k_m3"]))]),
                  const, upper=inst.caps["gas_storage_existing_10k_m3"])


def transformer_capacity(inst: Instance, lay: Layout) -> RowBlock:
    """Per group g: existing_peak[g] + sum_{p in g} kva[p] x[p] <= capacity[g] + unit_kva[g] * u[g].  [kVA]

    kva[p] = design load / COP at design temperature * 24 / charge_hours / power factor * coincidence.
    """
    row_of_group = np.full(len(inst.group_ids), -1)
    row_of_group[lay.groups] = np.arange(len(lay.groups))
    x_row = row_of_group[np.maximum(inst.pair_group[lay.free], 0)]
    x_row[inst.pair_group[lay.free] < 0] = -1
    xs = np.flatnonzero(x_row >= 0)
    fixed = inst.fixed
    fg = inst.pair_group[fixed]
    fixed_kva = np.bincount(fg[fg >= 0], weights=inst.q["kva"][fixed][fg >= 0], minlength=len(inst.group_ids))
    g = lay.groups
    n = len(g)
    return _block(transformer_capacity, "kVA", [str(k) for k in inst.group_ids[g]],
                  np.r_[x_row[xs], np.arange(n)], np.r_[xs, lay.upgrade(np.arange(n))],
                  np.r_[inst.q["kva"][lay.free][xs], -inst.group_unit_kva[g]],
                  inst.group_existing[g] + fixed_kva[g], upper=inst.group_capacity[g])


def subsidy_budget(inst: Instance, lay: Layout) -> RowBlock:
    """Budget: sum_p (subsidy_equipment[p] + subsidy_running[p]) x[p] + fix <= budget.  [10^4 yuan]"""
    return _city_cap(inst, lay, subsidy_budget, inst.q["subsidy_equipment"] + inst.q["subsidy_running"],
                     inst.caps["subsidy_budget_10k_yuan"], "10^4 yuan")


def heat_source_capacity(inst: Instance, lay: Layout) -> RowBlock:
    """Per (county, route) key k: sum_{p in k} heat_mw[p] x[p] + fix <= spare_capacity[k].  [MW]"""
    n = len(inst.source_keys)
    key = inst.pair_source[lay.free]
    xs = np.flatnonzero(key >= 0)
    fixed = inst.fixed
    fk = inst.pair_source[fixed]
    const = np.bincount(fk[fk >= 0], weights=inst.q["heat_mw"][fixed][fk >= 0], minlength=n)
    return _block(heat_source_capacity, "MW", ["/".join(k) for k in inst.source_keys], key[xs], xs,
                  inst.q["heat_mw"][lay.free][xs], const, upper=np.asarray(inst.source_capacity, dtype=float))


def coverage_target(inst: Instance, lay: Layout) -> RowBlock:
    """Per target t: sum_{p in t} clean_hh[p] x[p] + fix >= share[t] * households[t].  [households]

    Households of demolition zones are left out of the target's base.
    """
    clean = inst.q["clean_households"]
    x_zone = inst.pair_zone[lay.free]
    fixed = inst.fixed
    fixed_by_zone = np.bincount(inst.pair_zone[fixed], weights=clean[fixed], minlength=len(inst.zone_ids))
    rows, const, need = [], [], []
    for _, zmask, share in inst.coverage:
        idx = np.flatnonzero(zmask[x_zone])
        rows.append((idx, clean[lay.free][idx]))
        const.append(float(fixed_by_zone[zmask].sum()))
        need.append(share * inst.zone_households[zmask].sum())
    return _block(coverage_target, "households", [label for label, _, _ in inst.coverage], *_stack(rows), const,
                  lower=need)


def rural_gas_control(inst: Instance, lay: Layout) -> RowBlock:
    """Rural gas: sum_p rural_gas_new_hh[p] x[p] <= rural_gas_new_cap.  [households]

    No row when the region sets no cap (NaN).
    """
    cap = inst.caps["rural_gas_new_cap_households"]
    if np.isnan(cap):
        return _block(rural_gas_control, "households", [], *_stack([]), 0.0)
    return _city_cap(inst, lay, rural_gas_control, inst.q["rural_gas_new_households"], cap, "households")


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


def constraint_rows(inst: Instance, lay: Layout) -> list[RowBlock]:
    """Every family's rows, in the order of CONSTRAINT_FAMILIES."""
    return [family(inst, lay) for family in CONSTRAINT_FAMILIES]


def objective_coefficients(inst: Instance, lay: Layout) -> np.ndarray:
    """Per column: sum_c cost_c[p] for x[p], unit_cost[g] for u[g], module_cost for n.  [10^4 yuan/a]

    The cost terms are registered, Switch-style: every per-option component in
    `prepare.PAIR_COST_COMPONENTS` (a new component there needs no edit here), then the
    transformer upgrades and storage modules. Fixed zones' costs are constants, left out of
    the solver's objective (they would blur the relative MIP gap); results add them back.
    """
    return np.concatenate([inst.total_cost()[lay.free], inst.group_unit_cost[lay.groups],
                           [storage_module_cost(inst)]]).astype(float)


def column_bounds(inst: Instance, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """x in {0, 1}; u[g] in {0..max_units[g]}; n in {0, 1, ...}. All columns are integer."""
    lower = np.zeros(lay.n_cols)
    upper = np.concatenate([np.ones(lay.n_x), inst.group_max_units[lay.groups].astype(float), [INF]])
    return lower, upper


# ---------------------------------------------------------------------------------------------
# the standard form handed to HiGHS

@dataclass
class StandardForm:
    """min c'x  s.t.  row_lower <= A x <= row_upper, col_lower <= x <= col_upper, x integer.

    A is column-wise (CSC: start, index, value). Row bounds are the planner's bounds minus each
    row's constant (`row_offset`); every number is rounded to 15 significant digits, so the
    model written as MPS (15 digits) reads back bit for bit and a solver given the file
    follows the same path as ours.
    """

    layout: Layout
    c: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: list[tuple[str, str]]  # (family, key) per row
    row_sense: np.ndarray  # -1 (>=), 0 (=), 1 (<=)
    row_offset: np.ndarray  # planner's bound = matrix bound + offset
    broken: list[BrokenCap]

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


def standard_form(inst: Instance, lay: Layout | None = None) -> StandardForm:
    """Stack the families' rows into one sparse matrix; constants move into the row bounds."""
    lay = lay or layout(inst)
    blocks = constraint_rows(inst, lay)
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
    col_lower, col_upper = column_bounds(inst, lay)
    return StandardForm(
        layout=lay, c=decimal15(objective_coefficients(inst, lay)), col_lower=col_lower, col_upper=decimal15(col_upper),
        start=start, index=row_of_nz[order].astype(np.int32), value=decimal15(vals[order]),
        row_lower=decimal15(lower - const), row_upper=decimal15(upper - const),
        row_names=[(b.family, k) for b in blocks for k in b.keys], row_sense=sense, row_offset=const,
        broken=[x for b in blocks for x in b.broken],
    )


# ---------------------------------------------------------------------------------------------
# the Pyomo model

def _lin(coefs: np.ndarray, vars_: list, constant: float = 0.0) -> LinearExpression:
    from pyomo.core.expr.numeric_expr import LinearExpression

    # tolist() gives the same Python floats as float(c), in one C loop
    return LinearExpression(constant=float(constant), linear_coefs=np.asarray(coefs, dtype=float).tolist(),
                            linear_vars=vars_)


def create_model(inst: Instance) -> pyo.ConcreteModel:
    """Sets, variables, one constraint per family row block, objective (the same model as
    `standard_form`, as Pyomo components: for reading, extending and other solvers)."""
    import pyomo.environ as pyo

    with gc_paused():
        lay = layout(inst)
        m = pyo.ConcreteModel(name=f"clean_heating_{inst.region}_{inst.year}")
        m.inst = inst
        m.layout = lay
        add_sets(m, inst, lay)
        add_variables(m, inst, lay)
        m.row_keys = {}
        m.trivially_infeasible = []
        for block in constraint_rows(inst, lay):
            add_rows(m, block)
        add_objective(m, inst, lay)
    return m


def add_sets(m, inst: Instance, lay: Layout) -> None:
    import pyomo.environ as pyo

    m.free_pairs = lay.free  # positions into the pair arrays
    m.P = pyo.RangeSet(0, lay.n_x - 1) if lay.n_x else pyo.Set(initialize=[])
    m.G = pyo.Set(initialize=lay.groups.tolist(), ordered=True)
    m.K = pyo.RangeSet(0, len(inst.source_keys) - 1) if inst.source_keys else pyo.Set(initialize=[])


def add_variables(m, inst: Instance, lay: Layout) -> None:
    import pyomo.environ as pyo

    m.x = pyo.Var(m.P, within=pyo.Binary, doc="1 if the zone takes the option (route, retrofit) [-]")
    m.x_list = [m.x[i] for i in range(lay.n_x)]  # x by position, for fast lookups
    m.upgrade = pyo.Var(m.G, within=pyo.NonNegativeIntegers,
                        bounds=lambda m, g: (0, float(inst.group_max_units[g])),
                        doc="transformer upgrade units bought per group [units]")
    m.modules = pyo.Var(within=pyo.NonNegativeIntegers, doc="gas storage modules built [modules]")
    m.columns = m.x_list + [m.upgrade[g] for g in lay.groups.tolist()] + [m.modules]  # in layout order


def add_rows(m, block: RowBlock) -> None:
    """One indexed Constraint per family, row r = the block's r-th row (named by block.keys[r])."""
    import pyomo.environ as pyo

    m.trivially_infeasible.extend(block.broken)
    m.row_keys[block.family] = block.keys
    if not len(block):
        return
    cols = m.columns
    doc = globals()[block.family].__doc__

    def rule(m, r):
        a, b = block.indptr[r], block.indptr[r + 1]
        expr = _lin(block.coefs[a:b], [cols[j] for j in block.cols[a:b].tolist()], block.constant[r])
        lo, up = block.lower[r], block.upper[r]
        if lo == up:
            return expr == up
        return expr <= up if np.isfinite(up) else expr >= lo

    m.add_component(block.family, pyo.Constraint(range(len(block)), rule=rule, doc=doc))


def add_objective(m, inst: Instance, lay: Layout) -> None:
    """min sum of registered cost terms (see objective_coefficients).  [10^4 yuan/a]"""
    import pyomo.environ as pyo

    c = objective_coefficients(inst, lay)
    nz = np.flatnonzero(c)
    m.objective = pyo.Objective(expr=_lin(c[nz], [m.columns[j] for j in nz.tolist()]), sense=pyo.minimize,
                                doc=add_objective.__doc__)
