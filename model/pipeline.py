"""read -> validate -> prepare -> build -> solve -> results, as one call, for one year or a pathway."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from typing import Iterable

import numpy as np

from model import decompose, diagnose, marginal as marginal_mod, relax, tighten
from model import foresight as foresight_mod
from model import goals as goals_mod
from model.build import StandardForm, create_model, standard_form
from model.dominance import dominated
from model.errors import EXIT_INFEASIBLE, InputError, SolveError
from model.families import FAMILIES, Family, by_name
from model.horizon import Horizon, prepare_horizon
from model.pathway import pathway_dataset
from model.policies import policy_families
from model.prepare import Instance, Overrides, resolve_overrides
from model.results import build_dataset, now_iso
from model.solve import Compiled, Solution, SolveOptions, compile_model, compile_standard, run
from model.validate import RegionData, load_region


@dataclass
class RunResult:
    data: RegionData
    instance: Instance
    solution: Solution
    dataset: xr.Dataset | None  # None when solve_data(..., extract=False)
    compiled: Compiled
    times: dict[str, float] = field(default_factory=dict)
    constraints: pd.DataFrame | None = None  # the what-binds table (diagnose.shadow_prices), with duals
    horizon: Horizon | None = None  # the years solved (a single year is a horizon of one)
    standard_form: StandardForm | None = None  # the model as handed to HiGHS
    goal: goals_mod.GoalOutcome | None = None  # a goal other than min-cost: what stage 1 found


class Infeasible(SolveError):
    """No plan meets every cap and target; `relaxations` says what had to give (the least
    relaxation, `model.relax`), `alternatives` what else would do alone, `iis` why."""

    def __init__(self, relaxations: list[relax.Relaxation], iis: list[str] | None = None, note: str = "",
                 diagnosis: relax.Diagnosis | None = None):
        self.relaxations = relaxations
        self.diagnosis = diagnosis
        self.alternatives = diagnosis.alternatives if diagnosis is not None else []
        self.iis = iis or []
        self.context: dict = {}
        super().__init__(_infeasible_message(relaxations, self.iis, note, diagnosis), EXIT_INFEASIBLE)

    @property
    def relaxed(self) -> list[tuple[str, str, float]]:
        return [(r.family, r.key, r.amount) for r in self.relaxations]


def _infeasible_message(relaxations, iis, note, diagnosis=None) -> str:
    if diagnosis is not None:
        lines = diagnosis.lines()
    elif not relaxations:
        lines = [f"the caps and targets cannot all be met ({note or 'the elastic re-solve found no explanation'})"]
        note = ""
    else:
        lines = ["the caps and targets cannot all be met; to find a plan these had to be relaxed:"]
        lines += [f"  - {r}" for r in relaxations]
    if note:
        lines.append(f"  ({note})")
    if iis:
        lines.append("an irreducible set of conflicting constraints (LP relaxation):")
        lines += [f"  - {row}" for row in iis[:20]] + ([f"  ... and {len(iis) - 20} more"] if len(iis) > 20 else [])
    return "\n".join(lines)


def solve_region(folder: Path | str, year: int, scenarios: list[str] | None = None,
                 sets: dict[str, float] | None = None, options: SolveOptions | None = None,
                 region: str | None = None, **kw) -> RunResult:
    """Run the whole pipeline on one region folder; raises InputError / SolveError. Keywords go
    to `solve_data` (from_year, extra, foresight, ...)."""
    times = {}
    t0 = time.perf_counter()
    data = load_region(folder, year=year, region=region)
    ov = resolve_overrides(data, scenarios or [], sets or {})
    times["read_validate"] = time.perf_counter() - t0
    return solve_data(data, year, ov, options, times, **kw)


def model_families(data: RegionData, extra: Iterable[Family] = ()) -> list[Family]:
    """The families of a run: the built-in ones, the region's policies.csv rows, the caller's extras."""
    return [*FAMILIES, *policy_families(data), *extra]


def prune_horizon(hz: Horizon, sf: StandardForm, families: list[Family]) -> tuple[Horizon, StandardForm]:
    """Drop the options dominated in every year (`model.dominance`) and rebuild."""
    drop_f = dominated(sf)
    if not drop_f.any():
        return hz, sf
    drop = np.zeros(len(hz.first.pair_zone), dtype=bool)
    drop[hz.free[drop_f]] = True
    hz = hz.without(drop)
    return hz, standard_form(hz, families=families)


def solve_data(data: RegionData, year: int, ov: Overrides, options: SolveOptions | None = None,
               times: dict | None = None, duals: bool = True, presolve: bool = True, with_iis: bool = True,
               prune: bool = True, extract: bool = True, from_year: int | None = None,
               extra: Iterable[Family] = (), foresight: str = "perfect", goal: "str | goals_mod.Goal | None" = None,
               goal_gap: float = 0.0, goal_tolerance: float = 0.0,
               marginal: marginal_mod.MarginalSpec | None = None,
               prepared: tuple[Horizon, StandardForm] | None = None, diagnose_infeasible: bool = True) -> RunResult:
    """Prepare, build, solve and extract one region over `from_year`..`year` (one year without
    `from_year`). `prune` drops dominated options first (same optimum, fewer binaries); sweeps
    that compare instances between points turn it off. `extract=False` leaves out the dataset
    (sweeps keep only the plan; in a fresh process the first dataset costs about 1 s of imports).
    `extra`: constraint families of the caller's own (README, "Python API"); they reach every
    path like the built-in ones. `foresight`: "perfect" (one model over the years) or "myopic"
    (year by year, each year's plan fixed before the next; `model.foresight`). `goal`: what the
    plan optimises (`model.goals`: min-cost, max-coverage, max-share, min-budget, min-gas); a goal
    other than min-cost is solved first at relative gap `goal_gap`, then the cost with the goal
    held within `goal_tolerance` (relative), on the whole model (perfect foresight). `marginal`:
    value the binding rows of these families by re-solving the MIP with their bound moved
    (`model.marginal`; with `duals`, min-cost only); None leaves it out. `prepared`: (horizon,
    standard form) as `prepare_horizon(data, years, ov)` and `standard_form(horizon, families)`
    give them for these arguments (unpruned, conversion form): the prepare is not done again (the
    Monte Carlo re-uses its sample's). `diagnose_infeasible=False`: an infeasible case raises
    Infeasible at once, without the least relaxation (seconds on a city) or the IIS, for callers
    that only record that it is infeasible (the Monte Carlo's samples)."""
    times = dict(times or {})
    options = options or SolveOptions()
    years = list(range(from_year, year + 1)) if from_year is not None else [year]
    goal = goals_mod.get(goal)
    if goal.lexicographic and foresight == "myopic":
        raise ValueError(f"goal {goal.name} is solved with perfect foresight (one model over the years), not myopic")
    families = goal.families(model_families(data, extra))
    if goal.lexicographic:
        marginal = None  # the re-solves value a cap at least cost, not at a goal held by a level row
    problems = marginal_mod.check(marginal, by_name(families))
    if problems:
        raise InputError(problems)
    t = time.perf_counter()
    if prepared is not None:
        hz, sf = prepared
    else:
        hz = prepare_horizon(data, years, ov)
        sf = standard_form(hz, families=families)  # the conversion form: what the pruning compares
    if prune:
        hz, sf = prune_horizon(hz, sf, families)
    if hz.K > 1 and options.year_axis != "conversion":
        sf = standard_form(hz, families=families, form=options.year_axis)
    times["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    m = create_model(hz, families, sf.layout.form) if options.handoff == "pyomo" else None
    broken = m.trivially_infeasible if m is not None else sf.broken
    times["build"] = time.perf_counter() - t
    if broken:
        kinds = {f.name: f.kind for f in families}
        raise _with_context(Infeasible([relax.Relaxation(i.family, i.key, i.excess, [], [], i.unit,
                                                         kind=kinds.get(i.family, "cap")) for i in broken],
                                       note="already broken by zones that have no choice"), data, year, ov, years, goal)
    short: list[str] = []  # a budget below what any plan needs: infeasible, diagnosed exactly below
    if presolve:
        try:
            short = diagnose.presolve_checks(goal.presolve_view(hz))
        except diagnose.PresolveInfeasible as exc:
            raise SolveError(str(exc), EXIT_INFEASIBLE) from None
    t = time.perf_counter()
    comp = compile_model(m, options) if m is not None else compile_standard(sf, options)
    times["handoff"] = time.perf_counter() - t
    method = decompose.choose_method(options, hz) if options.handoff == "direct" and not goal.lexicographic else "direct"
    outcome = None
    try:
        if short:
            raise SolveError("; ".join(short), EXIT_INFEASIBLE)
        if goal.lexicographic:
            sol, outcome = goals_mod.solve_goal(comp, hz, goal, options, goal_gap, goal_tolerance)
        elif foresight == "myopic":
            sol = foresight_mod.solve_myopic(comp, sf, hz, options)
        elif method == "county":
            sol = decompose.solve_by_county(comp, sf, hz, options)
        else:
            with tighten.hull_added(comp, hz, enabled=hz.K > 1 and options.group_hull) as hull:
                if hz.K > 1 and options.myopic_start:
                    sol = foresight_mod.solve_from_myopic(comp, sf, hz, options)
                else:
                    sol = run(comp, options)
            sol.details.update(hull_groups=hull.groups, hull_columns=hull.n_cols, hull_rows=hull.n_rows,
                               hull_groups_left_out=hull.skipped)
    except SolveError as exc:
        if exc.exit_code == EXIT_INFEASIBLE and not isinstance(exc, (Infeasible, foresight_mod.MyopicInfeasible)):
            if not diagnose_infeasible:
                raise Infeasible([], note="not diagnosed: the caller asked only whether a plan exists") from None
            found = relax.least_relaxation(comp, hz, options.mip_gap, options.time_limit)
            raise _with_context(Infeasible(found.relaxations, diagnose.iis(comp) if with_iis else [], diagnosis=found),
                                data, year, ov, years, goal) from None
        raise
    times["solve"] = sol.times["solve"]
    shadow = None
    if duals:
        t = time.perf_counter()
        shadow = diagnose.shadow_prices(comp, sol)
        times["duals"] = time.perf_counter() - t
        if marginal is not None:
            t = time.perf_counter()
            shadow, marginal_attrs = marginal_mod.values(comp, sol, shadow, marginal, options)
            times["marginal"] = time.perf_counter() - t
    if not extract:
        return RunResult(data, hz.first, sol, None, comp, times, shadow, hz, sf, outcome)
    t = time.perf_counter()
    attrs = {
        "inputs_hash": data.inputs_hash, "inputs_folder": str(data.folder), "created": now_iso(),
        "handoff": options.handoff, "solve_method": sol.method, "foresight": foresight,
        "solver_bound_10k_yuan_per_a" if hz.K == 1 else "solver_bound_10k_yuan": float(sol.bound),
        **{k: v for k, v in sol.details.items() if isinstance(v, (int, float, str))
           and k in ("myopic_objective_10k_yuan", "perfect_objective_10k_yuan", "cost_of_myopia_10k_yuan",
                     "hull_groups", "hull_columns", "hull_groups_left_out")},
        **{f"time_{k}_s": round(v, 4) for k, v in times.items()},
        **goals_mod.dataset_attrs(goal, outcome),
        **diagnose.objective_attrs(hz, sol),
        **(marginal_attrs if duals and marginal is not None else {}),
    }
    ds = build_dataset(hz.first, sol, attrs=attrs) if hz.K == 1 else pathway_dataset(hz, sol, attrs=attrs)
    ds = goals_mod.annotate(ds, goal, outcome)
    if duals:
        ds = ds.merge(diagnose.shadow_dataset(shadow, comp, hz), combine_attrs="override")
    times["extract"] = time.perf_counter() - t
    ds.attrs["time_extract_s"] = round(times["extract"], 4)
    return RunResult(data, hz.first, sol, ds, comp, times, shadow, hz, sf, outcome)


def _with_context(err: Infeasible, data: RegionData, year: int, ov: Overrides, years: list[int],
                  goal: goals_mod.Goal | None = None) -> Infeasible:
    err.context = {"region": data.region, "year": int(year), "scenario": ov.label, "inputs_hash": data.inputs_hash,
                   "created": now_iso(), **({"year_from": int(years[0])} if len(years) > 1 else {}),
                   "goal": (goal or goals_mod.get(None)).name,
                   "result_stem": goals_mod.result_stem(ov.label, goal)}
    return err
