"""A sweep over a pathway (`sweep.py --from`): how the multi-year plan moves with the swept inputs.

Each point is the whole pathway from `from_year` to `year` at the point's values, solved as
`solve.py --from` solves it (`pipeline.solve_data`: one model over the years, pruning,
the groups' hull, county decomposition for large regions). Unlike the single-year sweep there is
no live model between points (a pathway's plan is one per year, and its solve dominates): every
point is a cold solve, which is also what makes the points independent Dask tasks
(`dask_layer.run_tasks`).

A point's file keeps what a planner compares between points, not the whole pathway dataset:

    households_converted (route, year)   households converted in the year, summed over counties
    investment, subsidy_equipment, subsidy_running, gas_annual, gas_annual_cap,
    clean_households, storage_built (year)
    chosen_route, conversion_year (zone) the route each zone ends on and the year it converts
    objective ()                          discounted total cost over the horizon, 10^4 yuan
    coordinates: each zone's name, county, township and households, each route's name and
    category, each county's name (so a report needs no input folder)

written atomically as `<out>/<region>/<year>/sweep_<name>_from<FROM>/point_<values>.nc` with the
inputs' hash, the scenarios, the horizon and the gap in its attributes; a point whose file is
intact and matches is not solved again, so a stopped sweep resumes. The combined
`sweep_<name>_from<FROM>.nc` stacks the points on a `point` dim with one coordinate per swept input,
and counts per point the zones that end on another route or convert in another year than at the
previous value of the last swept input (`changes`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from model.errors import EXIT_INFEASIBLE, EXIT_INTERRUPTED, CannotWrite, InputError, Problem, SolveError
from model.paths import WRITE_ERRORS, write_failure
from model.solve import SolveOptions
from model.sweep_combine import param_unit
from model.sweep_grid import Grid, point_stem, sweep_paths
from model.validate import RegionData

YEAR_VARIABLES = ("investment", "subsidy_equipment", "subsidy_running", "gas_annual", "gas_annual_cap",
                  "clean_households", "storage_built")
ZONE_VARIABLES = ("chosen_route", "conversion_year")
POINT_FORMAT = "pathway-point-1"
# kept from the pathway's dataset, the same at every point (the first point's are the combined file's)
PLACE_VARIABLES = ("zone_county", "zone_households")
PLACE_COORDS = ("route_name_zh", "route_category", "zone_name_zh", "township_id", "county", "county_name_zh")


@dataclass(frozen=True)
class PathwaySweep:
    """What every point shares (picklable, small)."""

    year: int
    from_year: int
    scenarios: tuple[str, ...] = ()
    options: SolveOptions = field(default_factory=SolveOptions)


@dataclass
class PathwayPoint:
    values: dict[str, float]
    status: str  # optimal | time_limit | infeasible | error
    summary: xr.Dataset | None
    message: str = ""
    seconds: float = 0.0


@dataclass
class PathwaySweepReport:
    folder: Path
    combined_path: Path
    solved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    dataset: xr.Dataset | None = None
    seconds: float = 0.0


def identity(data: RegionData, spec: PathwaySweep) -> dict:
    return {"point_format": POINT_FORMAT, "inputs_hash": data.inputs_hash, "region": data.region,
            "year": int(spec.year), "year_from": int(spec.from_year), "scenario": ",".join(spec.scenarios),
            "mip_gap_asked": float(spec.options.mip_gap)}


def summary_of(ds: xr.Dataset) -> xr.Dataset:
    """A pathway result's figures that a sweep compares between points (module docstring)."""
    out = xr.Dataset({name: ds[name] for name in YEAR_VARIABLES + ZONE_VARIABLES + ("objective",)})
    out["households_converted"] = ds["households_converted"].sum("county")
    out["households_converted"].attrs = ds["households_converted"].attrs
    # the zones' places and the routes' categories as coordinates: the point's file reports without
    # the input folder; coordinates, so the points' files stack them once, not per point
    out = out.assign_coords({v: ds[v] for v in PLACE_VARIABLES + PLACE_COORDS if v in ds.variables})
    keep = [c for c in PLACE_COORDS if c in ds.coords] + [v for v in PLACE_VARIABLES if v in ds.variables]
    return out.drop_vars([c for c in out.coords if c not in ("year", "route", "zone", *keep)])


def solve_point(data: RegionData, spec: PathwaySweep, values: dict[str, float]) -> PathwayPoint:
    """One point: the pathway at these values. Never raises for a point without a plan."""
    from model.pipeline import solve_data
    from model.prepare import resolve_overrides

    t = time.perf_counter()
    try:
        ov = resolve_overrides(data, list(spec.scenarios), dict(values))
        res = solve_data(data, spec.year, ov, spec.options, duals=False, with_iis=False, from_year=spec.from_year)
    except SolveError as exc:
        status = "infeasible" if exc.exit_code == EXIT_INFEASIBLE else "error"
        return PathwayPoint(dict(values), status, None, str(exc), time.perf_counter() - t)
    except InputError as exc:
        return PathwayPoint(dict(values), "error", None, exc.message(), time.perf_counter() - t)
    summary = summary_of(res.dataset)
    summary.attrs = {"status": res.dataset.attrs["status"], "mip_gap": float(res.dataset.attrs["mip_gap"])}
    return PathwayPoint(dict(values), summary.attrs["status"], summary, "", time.perf_counter() - t)


def _solve_task(shared, values: dict[str, float]) -> PathwayPoint:
    data, spec = shared
    return solve_point(data, spec, values)


def point_attrs(data: RegionData, spec: PathwaySweep, p: PathwayPoint) -> dict:
    from model.results import now_iso

    return {**identity(data, spec), **{f"value_{k}": float(v) for k, v in p.values.items()},
            "point_status": p.status, "point_message": p.message[:4000], "point_solve_s": round(p.seconds, 3),
            "created": now_iso()}


def write_point(path: Path, data: RegionData, spec: PathwaySweep, p: PathwayPoint) -> None:
    """The point's file, whole or not at all (an infeasible point: its attributes alone)."""
    from model.results import _atomic

    ds = p.summary.copy() if p.summary is not None else xr.Dataset()
    ds.attrs = {**ds.attrs, **point_attrs(data, spec, p)}
    _atomic(path, lambda tmp: ds.to_netcdf(tmp))


def read_point(path: Path, data: RegionData, spec: PathwaySweep, values: dict[str, float]) -> xr.Dataset | None:
    """The point's file if it is intact and was solved for these inputs, scenarios, horizon, gap
    and values (else None: solve it again)."""
    if not path.exists():
        return None
    try:
        with xr.open_dataset(path) as ds:
            ds = ds.load()
    except Exception:  # truncated or not NetCDF: solve again
        return None
    want = {**identity(data, spec), **{f"value_{k}": float(v) for k, v in values.items()}}
    if any(str(ds.attrs.get(k)) != str(v) for k, v in want.items()):
        return None
    if ds.attrs.get("point_status") not in ("optimal", "time_limit", "infeasible"):
        return None
    return ds


def check(data: RegionData, grid: Grid, spec: PathwaySweep) -> None:
    """Before any solve (exit 2, nothing written): the grid's names, values and cross-field rules
    as the single-year sweep checks them, and a years.csv row for every year of the horizon."""
    from model.sweep import check_grid

    check_grid(data, grid, spec)
    have = set(int(y) for y in data.tables["years"]["year"])
    missing = [y for y in range(spec.from_year, spec.year + 1) if y not in have]
    if missing:
        raise InputError([Problem(str(data.folder / "years.csv"), None, "year",
                                  f"has no row for {', '.join(map(str, missing))} (the pathway runs from "
                                  f"{spec.from_year} to {spec.year})")])


def run_pathway_sweep(data: RegionData, grid: Grid, spec: PathwaySweep, out: Path, name: str | None = None, *,
                      serial: bool = False, scheduler: str | None = None, workers: int | None = None,
                      start_method: str | None = None, client=None, on_point=None) -> PathwaySweepReport:
    """Solve the grid's points whose files are missing (Dask, or in this process with `serial`),
    write each as it arrives, then the combined dataset. A KeyboardInterrupt keeps what was written."""
    from model.cli import write_netcdf

    t0 = time.perf_counter()
    check(data, grid, spec)
    name = f"{name or grid.default_name()}_from{spec.from_year}"
    folder, combined = sweep_paths(out, data.region, spec.year, name)
    folder.mkdir(parents=True, exist_ok=True)
    report = PathwaySweepReport(folder, combined)
    points = grid.points()
    todo = [v for v in points if read_point(folder / f"{point_stem(v)}.nc", data, spec, v) is None]
    report.skipped = [point_stem(v) for v in points if v not in todo]

    def handle(p: PathwayPoint) -> None:
        stem = point_stem(p.values)
        if p.status == "error":
            report.failed[stem] = p.message
            return
        try:
            write_point(folder / f"{stem}.nc", data, spec, p)
        except WRITE_ERRORS as exc:
            raise CannotWrite(folder / f"{stem}.nc", write_failure(exc, folder)) from None
        report.solved.append(stem)
        if on_point:
            on_point(p)

    if serial or not todo:
        for values in todo:
            handle(solve_point(data, spec, values))
    else:
        from model.dask_layer import run_tasks

        run_tasks(_solve_task, (data, spec), todo, handle,
                  lambda exc: report.failed.setdefault(f"task {len(report.failed)}", f"{type(exc).__name__}: {exc}"),
                  client=client, scheduler=scheduler, workers=workers, start_method=start_method,
                  key=f"pathway-sweep-{name}")
    report.dataset = combine(data, grid, spec, folder)
    failed = write_netcdf(report.dataset, combined)
    if failed == EXIT_INTERRUPTED:
        raise KeyboardInterrupt
    if failed is not None:
        raise CannotWrite(combined, "see the message above")
    report.seconds = time.perf_counter() - t0
    return report


def combine(data: RegionData, grid: Grid, spec: PathwaySweep, folder: Path) -> xr.Dataset:
    """The points' files on a `point` dim (a point without a plan: NaN, status kept)."""
    from model.results import now_iso

    points = grid.points()
    parts, status, gap, solve_s = [], [], [], []
    template = None
    for v in points:
        ds = read_point(folder / f"{point_stem(v)}.nc", data, spec, v)
        status.append(ds.attrs["point_status"] if ds is not None else "missing")
        gap.append(float(ds.attrs.get("mip_gap", np.nan)) if ds is not None else np.nan)
        solve_s.append(float(ds.attrs.get("point_solve_s", np.nan)) if ds is not None else np.nan)
        has = ds is not None and "objective" in ds
        parts.append(ds if has else None)
        if has and template is None:
            template = ds
    if template is None:
        stacked = xr.Dataset(coords={"point": np.arange(len(points))})
    else:
        empty = xr.full_like(template.drop_vars(list(ZONE_VARIABLES)), np.nan)
        for z in ZONE_VARIABLES:
            empty[z] = xr.full_like(template[z], "" if template[z].dtype.kind in "OUS" else -1)
        # a point file written before the places were kept lacks them: keep them only where all have them
        shared = set.intersection(*[set(p.coords) for p in parts if p is not None])
        parts = [p.drop_vars([c for c in p.coords if c not in shared]) if p is not None else None for p in parts]
        empty = empty.drop_vars([c for c in empty.coords if c not in shared])
        # variables keep their units and long names (the first point's); the dataset's attrs are set below
        stacked = xr.concat([p if p is not None else empty for p in parts], dim="point",
                            coords="minimal", compat="override", combine_attrs="override")
    stacked = stacked.assign_coords(point=np.arange(len(points)),
                                    **{n: ("point", [float(v[n]) for v in points], {"units": param_unit(data, n)})
                                       for n in grid.names})
    stacked["point_status"] = ("point", np.array(status, dtype=str))
    stacked["point_mip_gap"] = ("point", np.array(gap))
    stacked["point_solve_time"] = ("point", np.array(solve_s))
    route_changed, year_changed = changes(stacked, grid) if template is not None else (np.full(len(points), -1),) * 2
    stacked["zones_route_changed"] = ("point", route_changed)
    stacked["zones_route_changed"].attrs = {
        "units": "zones", "long_name": "Zones whose final route differs from the previous point on the same line of "
        "the grid (-1: the first point of a line, or a point without a plan)"}
    stacked["zones_year_changed"] = ("point", year_changed)
    stacked["zones_year_changed"].attrs = {
        "units": "zones", "long_name": "Zones whose conversion year differs from the previous point on the same line "
        "of the grid (-1: as above)"}
    stacked["point_status"].attrs = {"units": "-", "long_name": "Solver status of the point's pathway"}
    stacked["point_mip_gap"].attrs = {"units": "1", "long_name": "Relative MIP gap of the point's pathway"}
    stacked["point_solve_time"].attrs = {"units": "s", "long_name": "Seconds to solve the point"}
    stacked.attrs = {"title": f"Sweep over the pathway {spec.from_year}-{spec.year}, {data.region}",
                     **identity(data, spec), "swept": ",".join(grid.names), "points": len(points),
                     "points_optimal": int(sum(s == "optimal" for s in status)),
                     "points_infeasible": int(sum(s == "infeasible" for s in status)),
                     "inputs_folder": str(data.folder), "created": now_iso()}
    return stacked


def changes(stacked: xr.Dataset, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Per point: how many zones end on another route, and how many convert in another year,
    than at the previous point of its line (the last swept input varies along a line; -1 at a
    line's first point and where either point has no plan)."""
    n = stacked.sizes["point"]
    line = len(grid.values[-1])
    route, year = stacked["chosen_route"].values, stacked["conversion_year"].values
    has = np.isfinite(stacked["objective"].values)
    out_r, out_y = np.full(n, -1), np.full(n, -1)
    for j in range(n):
        if j % line and has[j] and has[j - 1]:
            out_r[j] = int((route[j] != route[j - 1]).sum())
            out_y[j] = int((year[j] != year[j - 1]).sum())
    return out_r, out_y
