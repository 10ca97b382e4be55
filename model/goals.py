"""Goal modes: what a plan optimises, solved lexicographically on one live model.

A planner asks more than "least cost":

    min-cost      least annualised cost to society (the default; one solve)
    max-coverage  the most clean households the caps and the budget allow (coverage targets are
                  what is maximised, not rows)
    max-share     the highest clean shares of the coverage groups (coverage.csv's area types and
                  terrains): the sum over groups of each group's clean share (times the groups'
                  mean size, a count of households), so every group's share counts alike whatever
                  its size (targets are not rows)
    min-budget    the least subsidy budget that meets every target: what to ask the finance
                  bureau for (the budget is not a row; the plan's spending is the answer)
    min-gas       the least gas for heating that meets every target within every cap

Every goal other than min-cost is solved in two stages on the same model (the same columns,
the same compiled HiGHS instance):

    1. min  s * G(x)          G = sum_i w_i Q_i(x), s = +1 (min) or -1 (max)
    2. min  cost(x)   s.t.    G(x) <= G1 + slack  (min goals)  /  G(x) >= G1 - slack  (max goals)

where Q_i are quantities summed over the model (`Quantity`: the same per-option quantities the
constraint families use, written with the layout's primitives), G1 the goal at stage 1's plan and
slack = tolerance * |G1| + 1e-9 * max(1, |G1|) (rounding). Stage 2 starts from stage 1's
plan. The row of stage 2 is a constraint family of its own (`Objective.level_family`, named
`goal_<goal>`), present from the start with an inactive bound (so the dominance pruning keeps
every option that could matter to either stage); it appears in the what-binds table, and its
shadow price is what one more unit of the goal costs.

The same mechanism serves other orders of objectives: `lexicographic(comp, hz, first, second,
...)` optimises `first`, then `second` with `first` held within a tolerance. Its steps
(`use_objective`, `hold_level`, `start_from`) serve the near-optimal alternatives
(`model.alternatives`): the cost held once within a slack, then the objective swapped per
alternative on the same live model.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from model.build import objective_coefficients
from model.families import Family, year_key, yearly_total
from model.horizon import Horizon
from model.layout import Layout, Rows
from model.registry import U_GAS, U_MONEY
from model.solve import INF, Compiled, Solution, SolveOptions, layout_values, run

# a level row's bound before stage 1 is known: finite (so the row has its sense and the dominance
# pruning compares the goal like a cap or a target) but past HiGHS's infinity (1e20): inactive
INACTIVE = 1e30
ROUNDING = 1e-9  # relative slack on the level row beyond the user's tolerance (rounding of G1)


# ---------------------------------------------------------------------------------------------
# quantities summed over the model

@dataclass(frozen=True)
class Quantity:
    """A quantity of the plan, linear in the columns: the sum of the rows `rows(hz, lay)` makes
    (their terms and constants), or `linear(hz, lay) -> (coefficient per layout column, constant)`."""

    name: str
    unit: str
    zh: str
    en: str
    rows: Callable[[Horizon, Layout], Rows] | None = None
    linear_fn: Callable[[Horizon, Layout], tuple[np.ndarray, float]] | None = None

    def linear(self, hz: Horizon, lay: Layout) -> tuple[np.ndarray, float]:
        """Q(x) = c @ x + constant over the layout's columns."""
        if self.linear_fn is not None:
            return self.linear_fn(hz, lay)
        r = self.rows(hz, lay)
        fam = Family(f"quantity_{self.name}", "cap", self.unit, self.zh, self.en, self.en, self.rows)
        b = r.block(fam, lay)
        c = np.bincount(b.cols, weights=b.coefs, minlength=lay.n_cols).astype(float)
        constant = float(b.constant.sum()) + sum(row[2] for row in b.constant_rows)
        return c, constant


def clean_households(hz: Horizon, lay: Layout) -> Rows:
    """Clean households, per year k: sum_f Delta clean_hh[f] state(f, k - lag) + fixed.  [households]

    All zones (demolition zones keep quality coal, which is not clean). lag as in the coverage
    targets (先立后破 in a pathway). Summed over a pathway's years: household-years heated clean.
    """
    clean = hz.delta("clean_households")
    f = np.flatnonzero(clean != 0)
    rows = Rows()
    for k in range(hz.K):
        terms = [lay.state(0, f, clean[f], k - hz.lag)] if k - hz.lag >= 0 else []
        rows.add(year_key(hz, "city", k), *terms, constant=hz.constant("clean_households"), year=k)
    return rows


def coverage_shares(hz: Horizon, lay: Layout) -> Rows:
    """Share-weighted clean households, per coverage group t of year k (coverage.csv):
    (sum_{f in t} Delta clean_hh[f] state(f, k - lag) + fixed) * Hbar_k / households[t].  [households]

    = the group's clean share times Hbar_k, the mean size of the year's groups: summed over the
    groups, the sum of their clean shares in households, so every group's share counts alike
    whatever its size (and the numbers stay those of a household count, which HiGHS handles far
    better than shares of 10^-7 per household). Demolition zones are left out, as in the targets.
    """
    clean = hz.delta("clean_households")
    zf = hz.free_zone
    rows = Rows()
    for k, inst in enumerate(hz.insts):
        sizes = [float(inst.zone_households[zmask].sum()) for _, zmask, _ in inst.coverage]
        mean = float(np.mean([x for x in sizes if x > 0])) if any(x > 0 for x in sizes) else 0.0
        for (label, zmask, _share), total in zip(inst.coverage, sizes):
            if total <= 0:
                continue
            w = mean / total
            f = np.flatnonzero(zmask[zf] & (clean != 0))
            terms = [lay.state(0, f, clean[f] * w, k - hz.lag)] if k - hz.lag >= 0 else []
            rows.add(year_key(hz, label, k), *terms, constant=hz.constant("clean_households", zmask) * w, year=k)
    return rows


def subsidies(hz: Horizon, lay: Layout) -> Rows:
    """Subsidies paid, per year k: sum_f eq[f] conv(f,k) + sum_f run[f] state(f,k) + fixed zones
    (equipment in the first year, running every year).  [10^4 yuan]

    A single year: equipment + running, the activity of its budget row. Summed over a pathway's
    years: every subsidy paid over the horizon.
    """
    eq, run_ = hz.delta("subsidy_equipment"), hz.delta("subsidy_running")
    fe, fr = np.flatnonzero(eq != 0), np.flatnonzero(run_ != 0)
    fixed_eq, fixed_run = hz.fixed_sum("subsidy_equipment"), hz.fixed_sum("subsidy_running")
    rows = Rows()
    for k in range(hz.K):
        rows.add(year_key(hz, "city", k), lay.conversion(0, fe, eq[fe], k), lay.state(0, fr, run_[fr], k),
                 constant=fixed_run + (fixed_eq if k == 0 else 0.0), year=k)
    return rows


def gas(hz: Horizon, lay: Layout) -> Rows:
    """Gas for heating, per year k: sum_f Delta gas_annual[f] state(f,k) + fixed.  [10^4 m^3/a]"""
    return yearly_total(hz, lay, hz.delta("gas_annual"), hz.constant("gas_annual"))


def _households_where(hz: Horizon, lay: Layout, on_option: np.ndarray, on_base: np.ndarray) -> Rows:
    """Households of the options marked `on_option` (over all options) and of the zones whose base
    route is marked `on_base` (over zones), per year k: sum_f Delta hh_on[f] state(f,k) + fixed."""
    a = hz.first
    hh_on = a.q["households"] * on_option
    hh_base = a.base_q["households"] * on_base
    delta = hh_on[hz.free] - hh_base[hz.free_zone]
    return yearly_total(hz, lay, delta, float(hh_on[hz.fixed].sum() + hh_base[hz.free_zones].sum()))


def gas_households(hz: Horizon, lay: Layout) -> Rows:
    """Households heated with gas, per year k: sum_f Delta gas_hh[f] state(f,k) + fixed, gas_hh[f] =
    households[f] if option f burns gas for heating (gas_annual[f] > 0), else 0.  [households]"""
    a = hz.first
    return _households_where(hz, lay, a.q["gas_annual"] > 0, a.base_q["gas_annual"] > 0)


DISTRICT_HEATING = "district_heating"  # routes.csv category


def district_heating_households(hz: Horizon, lay: Layout) -> Rows:
    """Households on district heating, per year k: sum_f Delta dh_hh[f] state(f,k) + fixed, dh_hh[f] =
    households[f] if option f's route has routes.csv category district_heating, else 0.  [households]"""
    a = hz.first
    cat = np.asarray(a.route_category, dtype=str)
    return _households_where(hz, lay, cat[a.pair_route] == DISTRICT_HEATING, cat[a.zone_existing] == DISTRICT_HEATING)


def co2(hz: Horizon, lay: Layout) -> Rows:
    """CO2 from space heating, per year k: sum_f Delta co2[f] state(f,k) + fixed (fuel units x fuels.csv
    co2_kg_per_unit / 1000).  [t/a]"""
    return yearly_total(hz, lay, hz.delta("co2"), hz.constant("co2"))


def _upgrade_kva(hz: Horizon, lay: Layout) -> tuple[np.ndarray, float]:
    """New transformer capacity: sum_{g,k} unit_kva[g] u[g,k]  [kVA]."""
    c = np.zeros(lay.n_cols)
    n = len(lay.groups)
    for k in range(lay.K if n else 0):
        c[lay.upgrade(np.arange(n), k)] = hz.first.group_unit_kva[lay.groups]
    return c, 0.0


def _cost_linear(hz: Horizon, lay: Layout) -> tuple[np.ndarray, float]:
    """The solver's objective: objective_coefficients and the free zones' base-route cost."""
    return objective_coefficients(hz, lay), hz.base_cost()


QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity("cost", "10^4 yuan/a", "社会总成本", "cost to society", linear_fn=_cost_linear),
    Quantity("clean_households", "households", "清洁取暖户数", "clean-heated households", clean_households),
    Quantity("coverage_shares", "households", "按地区类别等权的清洁取暖户数",
             "clean households, each coverage group weighted alike", coverage_shares),
    Quantity("subsidies", U_MONEY, "补贴支出", "subsidies paid", subsidies),
    Quantity("gas", U_GAS, "采暖用气量", "gas for heating", gas),
    Quantity("gas_households", "households", "燃气取暖户数", "households heated with gas", gas_households),
    Quantity("district_heating_households", "households", "集中供热户数", "households on district heating",
             district_heating_households),
    Quantity("co2", "t/a", "采暖二氧化碳排放", "CO2 from space heating", co2),
    Quantity("transformer_upgrade_kva", "kVA", "新增变压器容量", "new transformer capacity", linear_fn=_upgrade_kva),
)}


# ---------------------------------------------------------------------------------------------
# objectives and goals

@dataclass(frozen=True)
class Objective:
    """sense (min | max) of sum_i w_i Q_i: weighted quantities."""

    name: str
    sense: str
    terms: tuple[tuple[Quantity, float], ...]

    @property
    def sign(self) -> float:
        return -1.0 if self.sense == "max" else 1.0

    @property
    def unit(self) -> str:
        if len(self.terms) == 1 and self.terms[0][1] == 1.0:
            return self.terms[0][0].unit
        return "weighted"

    def linear(self, hz: Horizon, lay: Layout) -> tuple[np.ndarray, float]:
        """G(x) = c @ x + constant (no sign) over the layout's columns."""
        c, const = np.zeros(lay.n_cols), 0.0
        for q, w in self.terms:
            cq, kq = q.linear(hz, lay)
            c += w * cq
            const += w * kq
        return c, const

    @property
    def level_name(self) -> str:
        return f"goal_{self.name.replace('-', '_')}"

    def level_family(self, zh: str = "", en: str = "") -> Family:
        """One row holding the objective at a level: G(x) <= bound (min) or >= bound (max); the
        bound is set on the live model after stage 1 (`lexicographic`), INACTIVE until then."""
        objective = self

        def level(hz: Horizon, lay: Layout) -> Rows:
            c, const = objective.linear(hz, lay)
            cols = np.flatnonzero(c)
            rows = Rows()
            bound = {"upper": INACTIVE} if objective.sense == "min" else {"lower": -INACTIVE}
            rows.add("city", (np.zeros(len(cols), dtype=np.int64), cols, c[cols]), constant=const, **bound)
            return rows

        level.__doc__ = (f"Goal held at its optimum (stage 2 of a goal run): sum_i w_i Q_i(x) "
                         f"{'<=' if self.sense == 'min' else '>='} G1 {'+' if self.sense == 'min' else '-'} slack, "
                         f"Q = {', '.join(q.name for q, _ in self.terms)}.  [{self.unit}]")
        kind = "cap" if self.sense == "min" else "target"
        words = en or f"goal {self.name}"
        return Family(self.level_name, kind, self.unit, zh or words, en or words, words, level)


COST_OBJECTIVE = Objective("cost", "min", ((QUANTITIES["cost"], 1.0),))


@dataclass(frozen=True)
class Goal:
    """A goal mode: its objective, the constraint families it replaces (they become what is
    optimised), and its labels."""

    name: str
    objective: Objective
    drops: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""
    question_zh: str = ""
    question_en: str = ""

    @property
    def lexicographic(self) -> bool:
        return self.objective is not COST_OBJECTIVE

    def families(self, families: list[Family]) -> list[Family]:
        """The run's families without the dropped ones, with the goal's level row."""
        kept = [f for f in families if f.name not in self.drops]
        return kept + [self.objective.level_family(self.zh, self.en)] if self.lexicographic else kept

    def presolve_view(self, hz: Horizon) -> Horizon:
        """The horizon as the pre-solve checks should see it: without the rows the goal replaces."""
        insts = hz.insts
        if "coverage_target" in self.drops:
            insts = [replace(i, coverage=[]) for i in insts]
        if "subsidy_budget" in self.drops:
            insts = [replace(i, caps={**i.caps, "subsidy_budget_10k_yuan": INF}) for i in insts]
        return replace(hz, insts=insts) if insts is not hz.insts else hz


def _goal(name, quantity, sense, drops, zh, en, q_zh, q_en) -> Goal:
    q = QUANTITIES[quantity]
    return Goal(name, Objective(name, sense, ((q, 1.0),)), drops, zh, en, q_zh, q_en)


GOALS: dict[str, Goal] = {g.name: g for g in (
    Goal("min-cost", COST_OBJECTIVE, (), "社会总成本最低", "least cost to society",
         "社会总成本最低的方案", "the least-cost plan"),
    _goal("max-coverage", "clean_households", "max", ("coverage_target",), "清洁取暖户数最多", "most clean households",
          "现有气量、电网、热源和补贴预算下最多能让多少户清洁取暖", "how many households the caps and the budget can heat clean"),
    _goal("max-share", "coverage_shares", "max", ("coverage_target",), "各类地区清洁取暖率最高",
          "highest clean shares by area type", "各类地区清洁取暖率最高能达到多少",
          "how high each area type's clean share can go"),
    _goal("min-budget", "subsidies", "min", ("subsidy_budget",), "补贴预算最少", "least subsidy budget",
          "完成全部目标最少需要多少补贴预算", "the least subsidy budget that meets every target"),
    _goal("min-gas", "gas", "min", (), "用气量最少", "least gas",
          "完成全部目标最少需要多少天然气", "the least gas that meets every target"),
)}


def get(goal: "str | Goal | None") -> Goal:
    """A goal by name (None: min-cost); ValueError naming the goals for an unknown one."""
    if goal is None:
        return GOALS["min-cost"]
    if isinstance(goal, Goal):
        return goal
    if goal not in GOALS:
        raise ValueError(f"unknown goal '{goal}' (goals: {', '.join(GOALS)})")
    return GOALS[goal]


def result_stem(label: str, goal: "str | Goal | None") -> str:
    """A result's file stem: the scenario label, and the goal unless it is min-cost."""
    g = get(goal)
    return label if not g.lexicographic else f"{label}+goal={g.name}"


# ---------------------------------------------------------------------------------------------
# the two stages

@dataclass
class GoalOutcome:
    """What stage 1 found and what the final plan holds of the goal."""

    goal: str
    sense: str
    unit: str
    value: float  # the goal at the final plan (stage 2)
    best: float  # the goal at stage 1's plan
    bound: float  # stage 1's dual bound on the goal
    gap: float  # stage 1's relative gap
    status: str  # stage 1's status
    tolerance: float
    level: float  # the level row's bound in stage 2 (planner's terms)
    times: dict[str, float] = field(default_factory=dict)

    def attrs(self) -> dict:
        return {"goal": self.goal, "goal_sense": self.sense, "goal_unit": self.unit,
                "goal_value": float(self.value), "goal_stage1_value": float(self.best), "goal_bound": float(self.bound),
                "goal_mip_gap": float(self.gap), "goal_status": self.status, "goal_tolerance": float(self.tolerance),
                "goal_level": float(self.level)}


def _solver_vector(comp: Compiled, c_layout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(HiGHS columns, their costs) for a vector over layout columns."""
    has = comp.col_of >= 0
    return comp.col_of[has].astype(np.int32), np.asarray(c_layout, dtype=float)[has]


def use_objective(comp: Compiled, hz: Horizon, objective: Objective, scale: float = 1.0) -> None:
    """Make `objective` (its sign applied, divided by `scale`) the live model's objective."""
    c, k = objective.linear(hz, comp.layout)
    use_costs(comp, objective.sign * c / scale, objective.sign * k / scale)


def use_costs(comp: Compiled, c_layout: np.ndarray, offset: float) -> None:
    """Set the live model's objective to c @ x + offset (c over layout columns)."""
    h = comp.highs
    n = comp.n_cols
    cols, vals = _solver_vector(comp, c_layout)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.changeColsCost(len(cols), cols, vals)
    h.changeObjectiveOffset(float(offset))


def own_objective(comp: Compiled) -> tuple[np.ndarray, float]:
    """The live model's objective as it stands (solver columns, offset): to put it back later."""
    lp = comp.highs.getLp()
    return np.array(lp.col_cost_, dtype=float), float(lp.offset_)


def restore_objective(comp: Compiled, own: tuple[np.ndarray, float]) -> None:
    n = comp.n_cols
    comp.highs.changeColsCost(n, np.arange(n, dtype=np.int32), own[0])
    comp.highs.changeObjectiveOffset(own[1])


def objective_scale(hz: Horizon, lay: Layout, objective: Objective) -> float:
    """The largest coefficient of `objective` (1 if none): dividing by it gives coefficients of at
    most 1 (the optimum is the same; HiGHS's absolute gap, 1e-6, then means the same on a sum of
    shares as on a count of households)."""
    c, _ = objective.linear(hz, lay)
    return float(np.abs(c).max()) if np.any(c) else 1.0


def hold_level(comp: Compiled, level_row: str, sense: str, level: float) -> None:
    """Bound the row(s) of family `level_row` in the planner's terms: <= level (sense min) or
    >= level (max). (No row: nothing decides the quantity, it is a constant.)"""
    rows = [i for i, (fam, _) in enumerate(comp.row_names) if fam == level_row]
    for r in rows:
        b = level - comp.row_offset[r]
        lo, up = (-INF, b) if sense == "min" else (b, INF)
        comp.highs.changeRowsBounds(1, np.array([r], dtype=np.int32), np.array([lo]), np.array([up]))


def start_from(comp: Compiled, col_values: np.ndarray) -> None:
    """Hand HiGHS a plan (solver column values) to start its next solve from."""
    n = comp.n_cols
    comp.highs.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(col_values, dtype=float))


def solver_values(comp: Compiled) -> np.ndarray:
    """The live model's current plan, per solver column."""
    return np.asarray(comp.highs.getSolution().col_value, dtype=float).copy()


def level_of(value: float, sense: str, tolerance: float) -> float:
    """The level a quantity is held at after its optimum `value`: tolerance relative to |value|,
    plus rounding (ROUNDING relative)."""
    slack = tolerance * abs(value) + ROUNDING * max(1.0, abs(value))
    return value + slack if sense == "min" else value - slack


def lexicographic(comp: Compiled, hz: Horizon, first: Objective, second: Objective | None, options: SolveOptions,
                  first_gap: float = 0.0, tolerance: float = 0.0, level_row: str | None = None) -> tuple[Solution, GoalOutcome]:
    """Optimise `first`, then `second` (None: the model's own objective, the cost) with `first`
    held within `tolerance` of stage 1's value by the row `level_row` (a family made by
    `first.level_family()`, default `first.level_name`), on the live HiGHS instance of `comp`.

    Stage 1 runs at relative gap `first_gap`, stage 2 at `options.mip_gap` from stage 1's plan;
    the time limit is shared. Raises SolveError like `model.solve.run` (stage 1 infeasible: the
    model's own costs are back in place for the diagnosis). The steps are the functions above
    (`use_objective`, `hold_level`, `start_from`), which `model.alternatives` uses as well."""
    lay = comp.layout
    own = own_objective(comp)
    c1, k1 = first.linear(hz, lay)
    scale = objective_scale(hz, lay, first)
    t0 = time.perf_counter()
    use_objective(comp, hz, first, scale)
    try:
        sol1 = run(comp, replace(options, mip_gap=first_gap))
    finally:
        restore_objective(comp, own)
    t1 = time.perf_counter() - t0
    start = solver_values(comp)
    g1 = float(c1 @ layout_values(comp, start) + k1)
    bound = first.sign * float(sol1.bound) * scale
    level = level_of(g1, first.sense, tolerance)
    hold_level(comp, level_row or first.level_name, first.sense, level)
    if second is not None:
        use_objective(comp, hz, second)
    start_from(comp, start)
    left = max(1.0, options.time_limit - t1)
    sol = run(comp, replace(options, time_limit=left))
    g = float(c1 @ sol.values[: len(c1)] + k1) if sol.values is not None else g1
    sol.times["solve"] = sol.times.get("solve", 0.0) + t1
    gap1 = float(sol1.mip_gap)
    outcome = GoalOutcome(first.name, first.sense, first.unit, g, g1, bound, gap1, sol1.status, tolerance, level,
                          {"goal_solve": t1})
    return sol, outcome


def solve_goal(comp: Compiled, hz: Horizon, goal: Goal, options: SolveOptions, goal_gap: float = 0.0,
               tolerance: float = 0.0) -> tuple[Solution, GoalOutcome]:
    """The goal first, then the cost (see the module's docstring)."""
    if not goal.lexicographic:
        raise ValueError("min-cost has one stage: solve it with model.solve.run")
    sol, out = lexicographic(comp, hz, goal.objective, None, options, goal_gap, tolerance)
    out.goal = goal.name
    return sol, out


def dataset_attrs(goal: Goal, outcome: GoalOutcome | None) -> dict:
    """The goal in a result's attributes (min-cost: its name only)."""
    a = {"goal": goal.name, "goal_zh": goal.zh, "goal_en": goal.en}
    if outcome is not None:
        a.update(outcome.attrs())
        a["goal"] = goal.name
        a["goal_quantity"] = goal.objective.terms[0][0].name if len(goal.objective.terms) == 1 else "weighted"
    return a


def annotate(ds, goal: Goal, outcome: GoalOutcome | None):
    """A result dataset under a goal: the goal in its title; under min-budget, the budget variable
    holds the least budget (the plan's spending as each year's budget row counts it; the input
    budget was not a constraint and is kept in the attribute `subsidy_budget_input`)."""
    if not goal.lexicographic:
        return ds
    ds.attrs["title"] = f"{ds.attrs.get('title', 'Clean heating plan')} (goal: {goal.name})"
    if "subsidy_budget" in goal.drops and "subsidy_budget" in ds:
        var = ds["subsidy_budget"]
        ds.attrs["subsidy_budget_input"] = np.atleast_1d(np.asarray(var.values, dtype=float))
        if "year" in var.dims:  # a pathway: per year, what its budget row counts
            to_date = ds["subsidy_budget_to_date"].values.astype(bool)
            spent = np.where(to_date, ds["subsidy_spent_to_date"].values,
                             (ds["subsidy_equipment"] + ds["subsidy_running"]).values)
        else:
            spent = float(ds["subsidy_equipment"] + ds["subsidy_running"])
        ds["subsidy_budget"] = var.copy(data=np.asarray(spent, dtype=float))
        ds["subsidy_budget"].attrs = {**var.attrs, "note": "goal min-budget: the least subsidy budget that meets every "
                                      "target (the plan's spending); the input budget was not a constraint "
                                      "(attribute subsidy_budget_input)"}
    return ds
