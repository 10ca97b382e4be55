"""read -> validate -> prepare -> build -> solve -> results, as one call."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from model import decompose, diagnose
from model.build import create_model, standard_form
from model.errors import EXIT_INFEASIBLE, SolveError
from model.prepare import Instance, Overrides, dominated_options, prepare, resolve_overrides, without_options
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


class Infeasible(SolveError):
    """No plan meets every cap and target; `relaxations` says what had to give, `iis` why."""

    def __init__(self, relaxations: list[diagnose.Relaxation], iis: list[str] | None = None, note: str = ""):
        self.relaxations = relaxations
        self.iis = iis or []
        self.context: dict = {}
        super().__init__(_infeasible_message(relaxations, self.iis, note), EXIT_INFEASIBLE)

    @property
    def relaxed(self) -> list[tuple[str, str, float]]:
        return [(r.family, r.key, r.amount) for r in self.relaxations]


def _infeasible_message(relaxations, iis, note) -> str:
    if not relaxations:
        lines = ["the caps and targets cannot all be met (the elastic re-solve found no explanation)"]
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
                 region: str | None = None) -> RunResult:
    """Run the whole pipeline on one region folder; raises InputError / SolveError."""
    times = {}
    t0 = time.perf_counter()
    data = load_region(folder, year=year, region=region)
    ov = resolve_overrides(data, scenarios or [], sets or {})
    times["read_validate"] = time.perf_counter() - t0
    return solve_data(data, year, ov, options, times)


def solve_data(data: RegionData, year: int, ov: Overrides, options: SolveOptions | None = None,
               times: dict | None = None, duals: bool = True, presolve: bool = True, with_iis: bool = True,
               prune: bool = True, extract: bool = True) -> RunResult:
    """Prepare, build, solve and extract one region-year. `prune` drops dominated options first
    (same optimum, fewer binaries); sweeps that compare instances between points turn it off.
    `extract=False` leaves out the dataset (sweeps keep only the plan; in a fresh process the
    first dataset costs about 1 s of imports)."""
    times = dict(times or {})
    options = options or SolveOptions()
    t = time.perf_counter()
    inst = prepare(data, year, ov)
    if prune:
        inst = without_options(inst, dominated_options(inst))
    times["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    if options.handoff == "pyomo":
        m = create_model(inst)
        broken = m.trivially_infeasible
    else:
        sf = standard_form(inst)
        broken = sf.broken
    times["build"] = time.perf_counter() - t
    if broken:
        raise Infeasible([diagnose.Relaxation(i.family, i.key, i.excess, [], []) for i in broken],
                         note="already broken by zones that have no choice")
    if presolve:
        try:
            diagnose.presolve_checks(inst)
        except diagnose.PresolveInfeasible as exc:
            raise SolveError(str(exc), EXIT_INFEASIBLE) from None
    t = time.perf_counter()
    comp = compile_model(m, options) if options.handoff == "pyomo" else compile_standard(sf, options)
    times["handoff"] = time.perf_counter() - t
    method = decompose.choose_method(options, inst) if options.handoff == "direct" else "direct"
    try:
        sol = decompose.solve_by_county(comp, sf, inst, options) if method == "county" else run(comp, options)
    except SolveError as exc:
        if exc.exit_code == EXIT_INFEASIBLE:
            relaxations = diagnose.elastic(comp, inst, time_limit=options.time_limit)
            err = Infeasible(relaxations, diagnose.iis(comp) if with_iis else [])
            err.context = {"region": data.region, "year": int(year), "scenario": ov.label,
                           "inputs_hash": data.inputs_hash, "created": now_iso()}
            raise err from None
        raise
    times["solve"] = sol.times["solve"]
    shadow = None
    if duals:
        t = time.perf_counter()
        shadow = diagnose.shadow_prices(comp, sol)
        times["duals"] = time.perf_counter() - t
    if not extract:
        return RunResult(data, inst, sol, None, comp, times, shadow)
    t = time.perf_counter()
    ds = build_dataset(inst, sol, attrs={
        "inputs_hash": data.inputs_hash, "inputs_folder": str(data.folder), "created": now_iso(),
        "handoff": options.handoff,
        "solve_method": sol.method,
        "solver_bound_10k_yuan_per_a": float(sol.bound),
        **{f"time_{k}_s": round(v, 4) for k, v in times.items()},
    })
    if duals:
        ds = ds.merge(diagnose.shadow_dataset(shadow), combine_attrs="override")
    times["extract"] = time.perf_counter() - t
    ds.attrs["time_extract_s"] = round(times["extract"], 4)
    return RunResult(data, inst, sol, ds, comp, times, shadow)
