"""Near-optimal alternatives: plans that cost at most (1 + slack) times the least cost, each pushing
one planner's objective, and plans as different as possible from the earlier ones (SPORES-style).

A least-cost plan is one answer; a planning office chooses between plans that cost about the same.
On one live HiGHS model (`model.goals`' steps, the same as a goal's two stages):

    0. min cost(x)                                   the least-cost plan, C* (the one path,
                                                     `pipeline.solve_data`; infeasible: its diagnosis)
    1. the row  cost(x) <= (1 + slack) (C* + F) - F   once (family `near_optimal_cost`, present from
                                                     the start with an inactive bound; plus 1e-9
                                                     relative for rounding, `goals.level_of`)
    2. per push p:       min  s_p Q_p(x)             the objective swapped (s = -1 for a max push)
    3. per SPORES round: min  sum_f w_f x_f,  w_f = households[f] * (plans so far that chose f)

cost(x) is the solver's objective (the zones with a choice, whole, plus upgrades and storage) and F
the cost of the zones without one, so the total cost to society of every alternative is at most
(1 + slack) times the least-cost plan's (C* is the least-cost plan found, within its MIP gap).
Q_p are the per-option quantities of `model.goals.QUANTITIES` (the constraint families' own
quantities). Every solve after the first starts from the earlier plan that is best under its
objective (all of them are feasible). The SPORES weights count how often earlier plans chose each
option, weighted by its households, so each round moves the most households away from the routes
chosen so far (Lombardi et al. 2020, "Policy decision support for renewables deployment through
spatially explicit practically optimal alternatives", Joule 4; Calliope's SPORES).

The pushed quantities and the alternatives' own objectives never bind anything but the cost row:
each push is also a family with an inactive row (`Objective.level_family`), so the dominance
pruning keeps every option that could matter to a push. The SPORES objective, on option columns,
is not known beforehand: an option dominated in cost and every row is never chosen by it.

A pathway (`from_year`, `alternatives.py --from`) is the same steps on the one model over the
years (`model.horizon`): the cost is the discounted total over the horizon (10^4 yuan, to the base
year), so every alternative's discounted total is within (1 + slack) of the least; the pushed and
reported quantities are summed over the years (gas households: household-years on gas; new kVA and
subsidies: the horizon's totals). A SPORES round weights the conversion "option f in year k" by
households[f] x (earlier plans that end on f + earlier plans that convert to f in year k): it moves
households first to other routes, then to other years. The least-cost plan is found as
`solve.py --from` finds it (the groups' hull added for the solve); the alternatives are solved with
the hull as well. Every solve is direct (no county decomposition: the alternatives need the whole
live model).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xarray as xr

from model import goals
from model.goals import QUANTITIES, Objective
from model.horizon import Horizon
from model.pathway import pathway_dataset
from model.pipeline import RunResult, solve_data
from model.prepare import Overrides
from model.registry import ALTERNATIVE_OUTPUTS
from model.results import MODEL_VERSION, build_dataset, now_iso
from model.solve import Compiled, Solution, SolveOptions, run
from model.tighten import hull_added
from model.validate import RegionData

LEAST_COST = "least-cost"
SPORES = "spores"


@dataclass(frozen=True)
class Push:
    """A planner's objective an alternative pushes: sense and quantity (`model.goals.QUANTITIES`)."""

    name: str
    sense: str  # min | max
    quantity: str
    zh: str
    en: str

    @property
    def objective(self) -> Objective:
        return Objective(self.name, self.sense, ((QUANTITIES[self.quantity], 1.0),))


PUSHES: dict[str, Push] = {p.name: p for p in (
    Push("min-gas-households", "min", "gas_households", "燃气取暖户数最少", "fewest households on gas"),
    Push("min-new-kva", "min", "transformer_upgrade_kva", "新增变压器容量最少", "least new transformer capacity"),
    Push("min-subsidy", "min", "subsidies", "补贴支出最少", "least subsidy"),
    Push("max-district-heating", "max", "district_heating_households", "集中供热户数最多", "most district heating"),
    Push("min-co2", "min", "co2", "二氧化碳排放最少", "least CO2"),
)}
# the quantities every alternative reports (cost first)
REPORTED = ("cost", "gas_households", "transformer_upgrade_kva", "subsidies", "district_heating_households", "co2",
            "gas", "clean_households")
COST_LEVEL = Objective("near-optimal-cost", "min", ((QUANTITIES["cost"], 1.0),))
COST_FAMILY_NAME = "near_optimal_cost"
# result variables that do not depend on the plan: written once, without the alternative dim
STATIC = ("zone_county", "zone_households", "zone_floor_area", "gas_annual_cap", "gas_peak_day_cap",
          "storage_existing", "transformer_capacity", "heat_source_capacity", "subsidy_budget")


@dataclass(frozen=True)
class AlternativesSpec:
    """One alternatives run: the cost slack, how many alternatives (pushes first, in order, then
    SPORES rounds), the pushes, and each alternative's relative MIP gap on its own objective."""

    slack: float = 0.02
    n: int = 8
    pushes: tuple[str, ...] = tuple(PUSHES)
    gap: float = 1e-3

    def __post_init__(self):
        if not 0 <= self.slack <= 1:
            raise ValueError(f"slack must be within 0 and 1 (a share of the least cost), got {self.slack}")
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        unknown = [p for p in self.pushes if p not in PUSHES]
        if unknown:
            raise ValueError(f"unknown push {', '.join(unknown)} (pushes: {', '.join(PUSHES)})")

    def plan(self) -> list[str]:
        """The alternatives in order after the least-cost plan: the pushes, then SPORES rounds."""
        pushes = list(self.pushes[: self.n])
        return pushes + [SPORES] * (self.n - len(pushes))


@dataclass
class Alternative:
    name: str  # least-cost | a push | spores-<j>
    push: str  # least-cost | the push's name | spores
    solution: Solution
    columns: np.ndarray  # solver column values (a start for later solves)
    quantities: dict[str, float] = field(default_factory=dict)


@dataclass
class AlternativesResult:
    run: RunResult  # the least-cost solve (its live model holds the cost row)
    spec: AlternativesSpec
    alternatives: list[Alternative]
    cost_level: float  # the cost row's bound (solver's terms)
    times: dict[str, float]
    dataset: xr.Dataset | None = None


def families(spec: AlternativesSpec) -> list:
    """The extra families of an alternatives run: the cost row, and one inactive row per push."""
    cost = replace(COST_LEVEL.level_family("成本不超过最低成本的(1+松弛)倍", "near-optimal cost (within the slack)"),
                   name=COST_FAMILY_NAME)
    return [cost] + [PUSHES[p].objective.level_family(PUSHES[p].zh, PUSHES[p].en) for p in spec.pushes]


def quantity_values(hz: Horizon, comp: Compiled, values: np.ndarray) -> dict[str, float]:
    """The reported quantities at a plan (layout column values)."""
    out = {}
    for name in REPORTED:
        c, k = QUANTITIES[name].linear(hz, comp.layout)
        out[name] = float(c @ values + k)
    out["cost"] += hz.fixed_cost()  # the total cost to society
    return out


def spores_weights(hz: Horizon, comp: Compiled, chosen: list[np.ndarray]) -> np.ndarray:
    """Per layout column: the SPORES cost of the earlier plans (layout column values). On the
    conversions [f, k]: households[f] x (plans ending on option f + plans converting to f in year
    k); a single year (K = 1) is households[f] x plans that chose f, twice, which is the same
    objective once scaled. 0 for upgrades and storage."""
    lay = comp.layout
    hh = hz.first.q["households"][hz.free]
    w = np.zeros((lay.n_f, lay.K))
    for values in chosen:
        conv = np.rint(lay.conversions(values))  # [f, k], whatever the year axis' form
        w += hh[:, None] * (conv.sum(axis=1, keepdims=True) + conv)
    out = np.zeros(lay.n_cols)
    out[: lay.n_x] = lay.column_costs(w)
    return out


def _solver_columns(comp: Compiled, values: np.ndarray) -> np.ndarray:
    """Layout column values -> the solver's columns (a start; the live model's own solution may
    be gone once the hull's columns are removed)."""
    out = np.zeros(comp.n_cols)
    has = comp.col_of >= 0
    out[comp.col_of[has]] = np.asarray(values, dtype=float)[has]
    return out


def _best_start(comp: Compiled, c_layout: np.ndarray, alts: list[Alternative]) -> np.ndarray:
    """The earlier plan (solver columns) with the least c @ x: every earlier plan is feasible."""
    scores = [float(c_layout @ a.solution.values) for a in alts]
    return alts[int(np.argmin(scores))].columns


def near_optimal(data: RegionData, year: int, ov: Overrides, spec: AlternativesSpec,
                 options: SolveOptions | None = None, progress=None,
                 from_year: int | None = None) -> AlternativesResult:
    """The least-cost plan, then `spec.n` alternatives on the same live model (module docstring);
    `from_year`: of the pathway from_year..year. `progress(alternative)` is called after each solve.
    Raises InputError / SolveError like `solve_data` for the least-cost plan; an alternative without
    a plan raises SolveError."""
    # the alternatives need the whole live model: no county decomposition
    options = replace(options or SolveOptions(), method="direct")
    t0 = time.perf_counter()
    res = solve_data(data, year, ov, options, duals=False, extract=False, extra=families(spec), marginal=None,
                     from_year=from_year)
    comp, hz = res.compiled, res.horizon
    times = {"least_cost": time.perf_counter() - t0}
    fixed = hz.fixed_cost()
    least = Alternative(LEAST_COST, LEAST_COST, res.solution, _solver_columns(comp, res.solution.values))
    least.quantities = quantity_values(hz, comp, res.solution.values)
    alts = [least]
    if progress:
        progress(least)
    # (1 + slack) x the least total cost, and rounding (goals.ROUNDING, relative) so that the
    # least-cost plan itself stays within the row at slack 0
    level = goals.level_of(float(res.solution.objective) + fixed, "min", spec.slack) - fixed
    goals.hold_level(comp, COST_FAMILY_NAME, "min", level)
    t1 = time.perf_counter()
    alt_options = replace(options, mip_gap=spec.gap)
    j = 0
    with hull_added(comp, hz, enabled=hz.K > 1 and options.group_hull):
        for push in spec.plan():
            if push == SPORES:
                j += 1
                c = spores_weights(hz, comp, [a.solution.values for a in alts])
                name = f"{SPORES}-{j}"
            else:
                c, _ = PUSHES[push].objective.linear(hz, comp.layout)
                c = PUSHES[push].objective.sign * c
                name = push
            scale = float(np.abs(c).max()) if np.any(c) else 1.0
            goals.use_costs(comp, c / scale, 0.0)
            goals.start_from(comp, _best_start(comp, c, alts))
            sol = run(comp, alt_options)
            # the solver's objective of every plan is its cost (what the datasets report), not the push's
            q = quantity_values(hz, comp, sol.values)
            sol = replace(sol, objective=q["cost"] - fixed)
            alt = Alternative(name, push, sol, goals.solver_values(comp)[: comp.n_cols])
            alt.quantities = q
            alts.append(alt)
            if progress:
                progress(alt)
    times["alternatives"] = time.perf_counter() - t1
    return AlternativesResult(res, spec, alts, level, times)


def run_alternatives(data: RegionData, year: int, ov: Overrides, spec: AlternativesSpec,
                     options: SolveOptions | None = None, from_year: int | None = None,
                     progress=None) -> AlternativesResult:
    """`near_optimal` and its dataset (`result.dataset`): `alternatives_dataset` for one year,
    `pathway_alternatives_dataset` for a pathway (`from_year`)."""
    out = near_optimal(data, year, ov, spec, options, progress=progress, from_year=from_year)
    out.dataset = alternatives_dataset(out) if from_year is None else pathway_alternatives_dataset(out)
    return out


# ---------------------------------------------------------------------------------------------
# the dataset

def _var(name: str, values, long_name: str | None = None) -> xr.Variable:
    spec = ALTERNATIVE_OUTPUTS[name]
    return xr.Variable(spec.dims, np.asarray(values),
                       attrs={"units": spec.unit, "long_name": long_name or spec.long_name})


def _alternative_vars(out: AlternativesResult, routes: np.ndarray, households: np.ndarray) -> dict:
    """What each alternative pushed and reached, and households on another route between two
    alternatives (routes: alternative x zone), one year or a pathway alike."""
    names = [a.name for a in out.alternatives]
    least_cost = out.alternatives[0].quantities["cost"]
    pushes = [a.push for a in out.alternatives]
    labels = [(PUSHES[p].zh, PUSHES[p].en) if p in PUSHES else
              (("最低成本方案", "least-cost plan") if p == LEAST_COST else ("差异最大的方案", "most different plan"))
              for p in pushes]
    q = np.array([[a.quantities[k] for k in REPORTED] for a in out.alternatives])
    hh = households
    differ = np.array([[float(hh[routes[i] != routes[j]].sum()) for j in range(len(names))] for i in range(len(names))])
    dup = []
    for i, a in enumerate(out.alternatives):
        same = [names[j] for j in range(i) if np.array_equal(out.alternatives[j].solution.values, a.solution.values)]
        dup.append(same[0] if same else "")
    pushed_value = [a.quantities[PUSHES[p].quantity] if p in PUSHES else np.nan for a, p in zip(out.alternatives, pushes)]
    return {
        "alternative_push": _var("alternative_push", np.array(pushes)),
        "alternative_label_zh": _var("alternative_label_zh", np.array([z for z, _ in labels])),
        "alternative_label_en": _var("alternative_label_en", np.array([e for _, e in labels])),
        "alternative_status": _var("alternative_status", np.array([a.solution.status for a in out.alternatives])),
        "alternative_mip_gap": _var("alternative_mip_gap", [a.solution.mip_gap for a in out.alternatives]),
        "alternative_solve_time": _var("alternative_solve_time",
                                       [a.solution.times.get("solve", np.nan) for a in out.alternatives]),
        "alternative_cost_increase": _var("alternative_cost_increase", q[:, 0] / least_cost - 1.0),
        "alternative_pushed_value": _var("alternative_pushed_value", pushed_value),
        "alternative_duplicate_of": _var("alternative_duplicate_of", np.array(dup)),
        "alternative_households_differ": _var("alternative_households_differ", differ),
        "quantity_value": _var("quantity_value", q),
    }


METHOD = ("least-cost plan, then the row cost <= (1 + slack) x least cost added once and the objective swapped per "
          "alternative on the same HiGHS model, each solve started from the earlier plan best under its objective; "
          "pushes (model.alternatives.PUSHES), then SPORES rounds: min sum_f households[f] x (earlier plans choosing "
          "f) x[f]")
PATHWAY_METHOD = ("the pathway's least discounted cost, then the row discounted cost <= (1 + slack) x least added once "
                  "and the objective swapped per alternative on the same HiGHS model over the years; pushed quantities "
                  "summed over the years; SPORES rounds: min sum_fk households[f] x (earlier plans ending on f + "
                  "earlier plans converting to f in year k) x[f,k]")


def _method_attrs(out: AlternativesResult, method: str) -> dict:
    return {
        "alternatives_slack": float(out.spec.slack),
        "alternatives_n": int(out.spec.n),
        "alternatives_pushes": ",".join(out.spec.pushes),
        "alternatives_gap": float(out.spec.gap),
        "alternatives_method": method,
    }


def alternatives_dataset(out: AlternativesResult) -> xr.Dataset:
    """One dataset: every plan variable of a single run (`results.build_dataset`) with an
    `alternative` dim (the least-cost plan first), the quantities each plan reaches, what each
    alternative pushed, and per zone whether it takes the same route in every alternative."""
    res = out.run
    inst, hz = res.instance, res.horizon
    per = [build_dataset(inst, a.solution) for a in out.alternatives]
    names = [a.name for a in out.alternatives]
    first = per[0]
    plan_vars = [v for v in first.data_vars if v not in STATIC]
    ds = xr.concat(per, dim=pd.Index(names, name="alternative"), data_vars=plan_vars, coords="minimal",
                   compat="override", combine_attrs="override")
    routes = ds["chosen_route"].values  # (alternative, zone)
    settled = (routes == routes[:1]).all(axis=0)
    distinct = np.array([len(set(col)) for col in routes.T.tolist()])
    least_cost = out.alternatives[0].quantities["cost"]
    hh = inst.zone_households
    new = {
        **_alternative_vars(out, routes, hh),
        "zone_settled": _var("zone_settled", settled.astype(np.int8)),
        "zone_routes_taken": _var("zone_routes_taken", distinct.astype(np.int16)),
    }
    ds = ds.assign(new)
    ds = ds.assign_coords(
        alternative_other=("alternative_other", names),
        quantity=("quantity", list(REPORTED)),
        quantity_unit=("quantity", [QUANTITIES[k].unit if k != "cost" else "10^4 yuan/a" for k in REPORTED]),
        quantity_zh=("quantity", [QUANTITIES[k].zh for k in REPORTED]),
        quantity_en=("quantity", [QUANTITIES[k].en for k in REPORTED]),
    )
    sol0 = res.solution
    from model.diagnose import objective_attrs

    ds.attrs = {
        **first.attrs,
        "title": f"Near-optimal alternatives, {inst.region} {inst.year}",
        "created": now_iso(), "model_version": MODEL_VERSION,
        "inputs_hash": res.data.inputs_hash, "inputs_folder": str(res.data.folder),
        "status": sol0.status, "mip_gap": float(sol0.mip_gap),
        **_method_attrs(out, METHOD),
        "least_cost_10k_yuan_per_a": float(least_cost),
        "cost_limit_10k_yuan_per_a": float((1.0 + out.spec.slack) * least_cost),
        "zones_settled": int(settled.sum()),
        "zones_swing": int((~settled).sum()),
        "households_settled": float(hh[settled].sum()),
        "households_swing": float(hh[~settled].sum()),
        **objective_attrs(hz, sol0),
        **{f"time_{k}_s": round(v, 4) for k, v in {**res.times, **out.times}.items()},
    }
    for k in ("goal", "goal_zh", "goal_en"):
        ds.attrs.pop(k, None)
    return ds


# a pathway's figures per alternative (model.sweep_pathway.summary_of) and those the same in every
# alternative (written once, without the alternative dim)
PATHWAY_EXTRA = ("subsidy_spent_to_date", "subsidy_budget", "subsidy_budget_to_date")
PATHWAY_STATIC = ("gas_annual_cap", "subsidy_budget", "subsidy_budget_to_date", "zone_county", "zone_households")


def pathway_unit(quantity: str) -> str:
    """A reported quantity's unit in a pathway: the cost discounted, the others summed over the years."""
    if quantity == "cost":
        return "10^4 yuan (discounted)"
    unit = QUANTITIES[quantity].unit
    if unit == "households":
        return "household-years"
    return f"{unit.removesuffix('/a')} (sum over the years)"


def pathway_alternatives_dataset(out: AlternativesResult) -> xr.Dataset:
    """One dataset of a pathway's alternatives: per alternative what a pathway sweep keeps of each
    plan (`sweep_pathway.summary_of` of `pathway.pathway_dataset`: per year gas, investment,
    subsidies, clean households, storage; households converted by route and year, summed over
    counties; per zone the final route and the conversion year; the discounted total cost), the
    quantities each plan reaches (summed over the years), what each alternative pushed, and per
    zone whether it is settled: the same final route and the same conversion year in every
    alternative."""
    from model.sweep_pathway import summary_of

    res = out.run
    hz = res.horizon
    names = [a.name for a in out.alternatives]
    per, first = [], None
    for a in out.alternatives:
        full = pathway_dataset(hz, a.solution)
        first = full if first is None else first  # the least-cost plan's: its attributes are the file's
        per.append(summary_of(full).assign({v: full[v] for v in PATHWAY_EXTRA}))
    plan_vars = [v for v in per[0].data_vars if v not in PATHWAY_STATIC]
    ds = xr.concat(per, dim=pd.Index(names, name="alternative"), data_vars=plan_vars, coords="minimal",
                   compat="override", combine_attrs="override")
    routes = ds["chosen_route"].values.astype(str)  # (alternative, zone)
    years = ds["conversion_year"].values  # 0: never converts
    same_route = (routes == routes[:1]).all(axis=0)
    same_year = (years == years[:1]).all(axis=0)
    settled = same_route & same_year
    hh = np.asarray(ds["zone_households"].values, dtype=float)
    new = {
        **_alternative_vars(out, routes, hh),
        "zone_settled": _var("zone_settled", settled.astype(np.int8),
                             "1: the zone ends on the same route and converts in the same year in every "
                             "alternative (settled); 0: swing"),
        "zone_routes_taken": _var("zone_routes_taken", np.array([len(set(c)) for c in routes.T.tolist()], np.int16)),
        "zone_years_taken": _var("zone_years_taken", np.array([len(set(c)) for c in years.T.tolist()], np.int16)),
    }
    ds = ds.assign(new)
    ds = ds.assign_coords(
        alternative_other=("alternative_other", names),
        quantity=("quantity", list(REPORTED)),
        quantity_unit=("quantity", [pathway_unit(k) for k in REPORTED]),
        quantity_zh=("quantity", [QUANTITIES[k].zh for k in REPORTED]),
        quantity_en=("quantity", [QUANTITIES[k].en for k in REPORTED]),
    )
    least_cost = out.alternatives[0].quantities["cost"]
    sol0 = res.solution
    from model.diagnose import objective_attrs

    keep = ("region", "year_from", "year_to", "base_year", "discount_rate", "scenario", "overrides", "solver",
            "salvage", "clean_from_season_after_conversion", "subsidy_budget_cumulative", "subsidy_budget_basis",
            "zones", "zones_decided", "binaries")
    ds.attrs = {
        **{k: first.attrs[k] for k in keep if k in first.attrs},
        "title": f"Near-optimal alternatives of the pathway, {hz.region} {hz.years[0]}-{hz.years[-1]}",
        "year": int(hz.years[-1]),
        "created": now_iso(), "model_version": MODEL_VERSION,
        "inputs_hash": res.data.inputs_hash, "inputs_folder": str(res.data.folder),
        "status": sol0.status, "mip_gap": float(sol0.mip_gap),
        **_method_attrs(out, PATHWAY_METHOD),
        "least_cost_10k_yuan": float(least_cost),
        "cost_limit_10k_yuan": float((1.0 + out.spec.slack) * least_cost),
        "zones_settled": int(settled.sum()),
        "zones_swing": int((~settled).sum()),
        "zones_swing_route": int((~same_route).sum()),
        "zones_swing_year_only": int((same_route & ~same_year).sum()),
        "households_settled": float(hh[settled].sum()),
        "households_swing": float(hh[~settled].sum()),
        **objective_attrs(hz, sol0),
        **{f"time_{k}_s": round(v, 4) for k, v in {**res.times, **out.times}.items()},
    }
    return ds


def format_alternatives(ds: xr.Dataset) -> str:
    """The alternatives as a table for the terminal."""
    q = ds["quantity_value"].to_pandas()
    q.columns = [f"{c} [{u}]" for c, u in zip(ds.quantity.values, ds.quantity_unit.values)]
    q.insert(1, "cost +%", 100 * ds["alternative_cost_increase"].values)
    q.insert(2, "status", ds["alternative_status"].values)
    q.insert(3, "households moved vs least-cost", ds["alternative_households_differ"].values[:, 0])
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:,.2f}".format):
        table = q.to_string()
    a = ds.attrs
    if "year_from" not in a:
        return (f"{table}\n\nsettled villages (the same route in every alternative): {a['zones_settled']:,} "
                f"({a['households_settled']:,.0f} households); swing: {a['zones_swing']:,} "
                f"({a['households_swing']:,.0f} households)")
    return (f"{table}\n\ncost: discounted to {a['base_year']}; other quantities summed over {a['year_from']}-"
            f"{a['year_to']}\nsettled villages (the same route and conversion year in every alternative): "
            f"{a['zones_settled']:,} ({a['households_settled']:,.0f} households); swing: {a['zones_swing']:,} "
            f"({a['households_swing']:,.0f} households), of which {a['zones_swing_route']:,} change route and "
            f"{a['zones_swing_year_only']:,} only their conversion year")
