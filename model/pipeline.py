"""read -> validate -> prepare -> build -> solve -> results, as one call."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from model.build import create_model
from model.errors import EXIT_INFEASIBLE, SolveError
from model.prepare import Instance, Overrides, prepare, resolve_overrides
from model.results import build_dataset, now_iso
from model.solve import Compiled, Solution, SolveOptions, compile_model, explain_infeasible, run
from model.validate import RegionData, load_region


@dataclass
class RunResult:
    data: RegionData
    instance: Instance
    solution: Solution
    dataset: xr.Dataset
    compiled: Compiled
    times: dict[str, float] = field(default_factory=dict)


class Infeasible(SolveError):
    def __init__(self, relaxed: list[tuple[str, str, float]], detail: str):
        self.relaxed = relaxed
        super().__init__(detail, EXIT_INFEASIBLE)


UNITS = {
    "gas_annual_cap": "10^4 m^3/a", "gas_peak_day_cap": "10^4 m^3/d", "gas_storage": "10^4 m^3 (x days/averaging days)",
    "transformer_capacity": "kVA", "subsidy_budget": "10^4 yuan", "heat_source_capacity": "MW",
    "coverage_target": "households", "rural_gas_control": "households",
}


def _infeasible_message(relaxed) -> str:
    if not relaxed:
        return "the caps and targets cannot all be met (the elastic re-solve found no explanation)"
    lines = ["the caps and targets cannot all be met; to find a plan these had to be relaxed:"]
    for fam, key, amount in relaxed:
        lines.append(f"  - {fam} [{key}]: short by {amount:,.2f} {UNITS.get(fam, '')}")
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
               times: dict | None = None) -> RunResult:
    times = dict(times or {})
    options = options or SolveOptions()
    t = time.perf_counter()
    inst = prepare(data, year, ov)
    times["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    m = create_model(inst)
    times["build"] = time.perf_counter() - t
    if m.trivially_infeasible:
        relaxed = [(i.family, i.key, i.excess) for i in m.trivially_infeasible]
        raise Infeasible(relaxed, _infeasible_message(relaxed) + "\n  (already broken by zones that have no choice)")
    t = time.perf_counter()
    comp = compile_model(m, options)
    times["handoff"] = time.perf_counter() - t
    try:
        sol = run(comp, options)
    except SolveError as exc:
        if exc.exit_code == EXIT_INFEASIBLE:
            relaxed = explain_infeasible(comp)
            raise Infeasible(relaxed, _infeasible_message(relaxed)) from None
        raise
    times["solve"] = sol.times["solve"]
    t = time.perf_counter()
    ds = build_dataset(inst, sol, attrs={
        "inputs_hash": data.inputs_hash, "inputs_folder": str(data.folder), "created": now_iso(),
        **{f"time_{k}_s": round(v, 4) for k, v in times.items()},
    })
    times["extract"] = time.perf_counter() - t
    ds.attrs["time_extract_s"] = round(times["extract"], 4)
    return RunResult(data, inst, sol, ds, comp, times)
