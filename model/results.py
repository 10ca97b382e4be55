"""Solution -> one xr.Dataset with units, long names and provenance; atomic writes."""
from __future__ import annotations

import datetime as _dt
import glob
import os
import socket
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from model import interrupt
from model.prepare import COST_COMPONENTS, PAIR_COST_COMPONENTS, Instance, storage_module_cost
from model.registry import HEATING_STATUSES, OUTPUTS
from model.solve import Solution

MODEL_VERSION = "0.1.0"


def selected(inst: Instance, sol: Solution) -> np.ndarray:
    """Boolean over all pairs: the option each zone takes."""
    sel = ~inst.pair_free.copy()
    sel[inst.free[sol.x.astype(bool)]] = True
    return sel


def _by(index: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=n)


def build_dataset(inst: Instance, sol: Solution, attrs: dict | None = None) -> xr.Dataset:
    sel = selected(inst, sol)
    idx = np.flatnonzero(sel)
    z = inst.pair_zone[idx]
    order = np.argsort(z)
    idx, z = idx[order], z[order]
    if len(z) != len(inst.zone_ids) or np.any(z != np.arange(len(inst.zone_ids))):
        raise AssertionError("solution does not give every zone exactly one option")
    q = {k: v[idx] for k, v in inst.q.items()}
    cost = {k: v[idx] for k, v in inst.cost.items()}
    r = inst.pair_route[idx]
    nz, nr, nc = len(inst.zone_ids), len(inst.route_ids), len(inst.county_ids)
    county = inst.zone_county
    conv = inst.pair_converting[idx]
    cr = county * nr + r

    def county_route(w):
        return _by(cr, nc * nr, w).reshape(nc, nr)

    def county_sum(w):
        return _by(county, nc, w)

    # transformer groups
    ng = len(inst.group_ids)
    grp = inst.pair_group[idx]
    g_new = _by(grp[grp >= 0], ng, q["kva"][grp >= 0])
    units = np.zeros(ng)
    for g, u in sol.upgrade.items():
        units[g] = u
    # heat sources: load of a (county, route) key shared over its sources by capacity
    src = inst.pair_source[idx]
    key_load = _by(src[src >= 0], len(inst.source_keys), q["heat_mw"][src >= 0])
    rows = inst.source_rows
    key_index = {k: i for i, k in enumerate(inst.source_keys)}
    key_of_row = [key_index[(c, rt)] for c, rt in zip(rows["county_id"], rows["route_id"])]
    row_cap = rows["spare_capacity_mw"].to_numpy(dtype=float)
    key_cap = inst.source_capacity[key_of_row]
    row_load = np.where(key_cap > 0, key_load[key_of_row] * row_cap / np.where(key_cap > 0, key_cap, 1), 0.0)

    p, c = inst.params, inst.caps
    gas = q["gas_annual"].sum()
    storage_required = p["storage_days_required"] / p["storage_averaging_days"] * (gas + c["gas_other_use_10k_m3"])
    comp_cost = {k: cost[k].sum() for k in PAIR_COST_COMPONENTS}
    comp_cost["transformer_upgrades"] = float((units * inst.group_unit_cost).sum())
    comp_cost["gas_storage"] = sol.modules * storage_module_cost(inst)
    base = inst.base_q
    zone_cost = sum(cost[k] for k in PAIR_COST_COMPONENTS)
    hh = inst.zone_households
    status = heating_status(inst, r, q["clean_households"])
    ns = len(HEATING_STATUSES)
    cs = county * ns + status

    def county_status(w):
        return _by(cs, nc * ns, w).reshape(nc, ns)

    bill = household_bill_data(inst, idx, conv, county_route)

    data = {
        "route": inst.route_ids[r].astype(str),
        "retrofit": inst.pair_retrofit[idx].astype(np.int8),
        "converted": conv.astype(np.int8),
        "decided": inst.pair_free[idx].astype(np.int8),
        "zone_county": inst.county_ids[county].astype(str),
        "zone_households": hh,
        "zone_floor_area": inst.zone_area,
        "zone_gas_annual": q["gas_annual"],
        "zone_electricity": q["electricity"],
        "zone_peak_kva": np.where(grp >= 0, q["kva"], 0.0),  # urban grid zones load no transformer group
        "zone_cost": zone_cost,
        "zone_investment": q["investment"],
        "zone_annuity": cost["annuity_route"] + cost["annuity_retrofit"],
        "zone_subsidy_equipment": q["subsidy_equipment"],
        "zone_subsidy_running": q["subsidy_running"],
        "zone_heating_status": np.array(HEATING_STATUSES)[status],
        "households": county_route(hh),
        "floor_area": county_route(inst.zone_area),
        "households_converted": county_route(hh * conv),
        "floor_area_converted": county_route(inst.zone_area * conv),
        "investment": county_route(q["investment"]),
        "households_to_clean": county_route(hh * (status == 0)),
        "households_by_status": county_status(hh),
        "floor_area_by_status": county_status(inst.zone_area),
        "co2": county_sum(q["co2"]),
        "co2_avoided": county_sum(base["co2"] - q["co2"]),
        "pm25": county_sum(q["pm25"]),
        "pm25_avoided": county_sum(base["pm25"] - q["pm25"]),
        "coal_displaced": county_sum(base["coal_tce"] - q["coal_tce"]),
        "clean_share": county_sum(q["clean_households"]) / np.maximum(county_sum(hh), 1),
        "gas_annual": gas,
        "gas_annual_cap": c["gas_annual_cap_10k_m3"],
        "gas_peak_day": q["gas_peak_day"].sum(),
        "gas_peak_day_cap": c["gas_peak_day_cap_10k_m3"],
        "storage_required": storage_required,
        "storage_existing": c["gas_storage_existing_10k_m3"],
        "storage_modules": float(sol.modules),
        "storage_built": sol.modules * c["storage_module_size_10k_m3"],
        "rural_gas_new_households": q["rural_gas_new_households"].sum(),
        "transformer_load": inst.group_existing + g_new,
        "transformer_capacity": inst.group_capacity,
        "transformer_upgrade_units": units,
        "transformer_capacity_after": inst.group_capacity + units * inst.group_unit_kva,
        "heat_source_load": row_load,
        "heat_source_capacity": row_cap,
        "subsidy_equipment": q["subsidy_equipment"].sum(),
        "subsidy_running": q["subsidy_running"].sum(),
        "subsidy_budget": c["subsidy_budget_10k_yuan"],
        "cost": np.array([comp_cost[k] for k in COST_COMPONENTS]),
        "objective": float(sum(comp_cost.values())),
        **bill,
    }
    coords = {
        "zone": inst.zone_ids.astype(str),
        "zone_name_zh": ("zone", inst.zone_names.astype(str)),
        "township_id": ("zone", inst.zone_township.astype(str)),
        "area_type": ("zone", inst.zone_area_type.astype(str)),
        "terrain": ("zone", inst.zone_terrain.astype(str)),
        "zone_transformer_group": ("zone", inst.zone_group.astype(str)),
        "route": inst.route_ids.astype(str),
        "county": inst.county_ids.astype(str),
        "transformer_group": inst.group_ids.astype(str),
        "heat_source": rows["source_id"].to_numpy().astype(str),
        "cost_component": np.array(COST_COMPONENTS),
        "heating_status": np.array(HEATING_STATUSES),
        "route_name_zh": ("route", inst.route_names.astype(str)),
        "route_category": ("route", inst.route_category.astype(str)),
        "county_name_zh": ("county", inst.county_names.astype(str)),
    }
    # the per-zone "route" variable shares its name with the route dim: store it as chosen_route
    variables = {}
    for name, values in data.items():
        spec = OUTPUTS[name]
        out_name = "chosen_route" if name == "route" else name
        variables[out_name] = xr.Variable(spec.dims, np.asarray(values),
                                          attrs={"units": spec.unit, "long_name": spec.long_name})
    ds = xr.Dataset(variables, coords=coords)
    ds.attrs.update({
        "title": f"Clean heating plan, {inst.region} {inst.year}",
        "region": inst.region,
        "year": int(inst.year),
        "scenario": inst.overrides.label,
        "overrides": inst.overrides.describe(),
        "solver": sol.solver,
        "status": sol.status,
        "mip_gap": float(sol.mip_gap),
        "objective_10k_yuan_per_a": float(data["objective"]),
        "solver_objective_10k_yuan_per_a": float(sol.objective),
        "model_version": MODEL_VERSION,
        "zones": int(nz),
        "zones_decided": int(len(np.unique(inst.pair_zone[inst.free]))),
        "binaries": int(len(inst.free)),
        "full_load_hours": float(inst.full_load_hours),
    })
    ds.attrs.update(attrs or {})
    return ds


def household_bill_data(inst: Instance, idx: np.ndarray, conv: np.ndarray, county_route) -> dict[str, np.ndarray]:
    """The plan's household bills (yuan per household; `prepare.household_bills`): per zone, and per
    county x route as the mean over the households converted to the route this period (NaN where
    none did). With affordability_margin m set, the least uniform running subsidy per county x route
    (and per route city-wide) that keeps every converted household of it within (1 + m) x its base-year
    bill: the largest max(0, before - (1 + m) x base) over its zones."""
    b = {k: v[idx] for k, v in inst.bills.items()}
    base = inst.base_bills["before"]
    hh = inst.zone_households
    w = hh * conv
    n = county_route(w)

    def mean(v):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, county_route(w * v) / np.where(n > 0, n, 1.0), np.nan)

    out = {
        "zone_bill_energy": b["energy"],
        "zone_bill_before": b["before"],
        "zone_bill_after": b["after"],
        "zone_bill_after_low_income": b["after_low_income"],
        "zone_bill_base": base,
        "zone_bill_difference": b["after"] - base,
        "zone_subsidy_running_per_household": b["running_subsidy"],
        "zone_subsidy_running_low_income_per_household": b["running_subsidy_low_income"],
        "zone_out_of_pocket": b["out_of_pocket"],
        "zone_out_of_pocket_low_income": b["out_of_pocket_low_income"],
        "bill_before": mean(b["before"]),
        "bill_after": mean(b["after"]),
        "bill_base": mean(base),
        "bill_difference": mean(b["after"] - base),
        "out_of_pocket": mean(b["out_of_pocket"]),
        "subsidy_running_per_household": mean(b["running_subsidy"]),
    }
    m = inst.params["affordability_margin"]
    nc, nr = len(inst.county_ids), len(inst.route_ids)
    uniform = np.full((nc, nr), np.nan)
    if np.isfinite(m):
        need = np.maximum(b["before"] - (1.0 + m) * base, 0.0)
        r = inst.pair_route[idx]
        on = conv & (inst.q["clean_households"][idx] > 0)
        uniform[county_route(w * on) > 0] = 0.0  # county x routes with clean conversions
        np.fmax.at(uniform, (inst.zone_county[on], r[on]), need[on])
    out["subsidy_running_uniform"] = uniform
    with np.errstate(invalid="ignore"):
        city = np.where(np.isnan(uniform).all(axis=0), np.nan, np.nanmax(np.where(np.isnan(uniform), -np.inf, uniform), axis=0))
    out["subsidy_running_uniform_city"] = city
    clean_hh = county_route(w * (inst.q["clean_households"][idx] > 0))
    out["subsidy_running_uniform_total"] = float(np.nansum(uniform * clean_hh)) * 1e-4 if np.isfinite(m) else np.nan
    out["subsidy_running_uniform_city_total"] = float(np.nansum(city[None, :] * clean_hh)) * 1e-4 if np.isfinite(m) else np.nan
    return out


def heating_status(inst: Instance, route: np.ndarray, clean_households: np.ndarray) -> np.ndarray:
    """Per zone, an index into HEATING_STATUSES: converted to clean this period, moved to quality coal
    (transitional), clean already in the base year, or still on its base-year coal."""
    clean_now = clean_households > 0
    clean_before = inst.base_q["clean_households"] > 0
    changed = route != inst.zone_existing
    return np.select([clean_now & ~clean_before, ~clean_now & changed, clean_before & clean_now],
                     [0, 1, 2], default=3).astype(np.int64)


def plan_table(ds: xr.Dataset, converted_only: bool = False) -> pd.DataFrame:
    """County x route: households and floor area (long format, non-zero rows)."""
    hh = ds["households_converted" if converted_only else "households"]
    area = ds["floor_area_converted" if converted_only else "floor_area"]
    df = pd.DataFrame({
        "households": hh.to_series(),
        "floor_area_10k_m2": area.to_series(),
        "households_converted": ds["households_converted"].to_series(),
        "floor_area_converted_10k_m2": ds["floor_area_converted"].to_series(),
        "investment_10k_yuan": ds["investment"].to_series(),
    }).reset_index()
    df = df[df["households"] > 0]
    names = dict(zip(ds["county"].values, ds["county_name_zh"].values))
    rnames = dict(zip(ds["route"].values, ds["route_name_zh"].values))
    cats = dict(zip(ds["route"].values, ds["route_category"].values))
    df.insert(1, "county_name_zh", df["county"].map(names))
    df.insert(3, "route_name_zh", df["route"].map(rnames))
    df.insert(4, "category", df["route"].map(cats))
    return df.reset_index(drop=True)


def format_plan_table(ds: xr.Dataset) -> str:
    """The terminal view: converted households and 10^4 m2 per county and new route."""
    df = plan_table(ds, converted_only=True)
    if df.empty:
        return "No zone converts in this plan."
    df["label"] = df["route_name_zh"]
    hh = df.pivot_table(index="county_name_zh", columns="label", values="households", aggfunc="sum", fill_value=0)
    area = df.pivot_table(index="county_name_zh", columns="label", values="floor_area_10k_m2", aggfunc="sum", fill_value=0)
    hh.loc["合计 total"] = hh.sum()
    area.loc["合计 total"] = area.sum()
    hh["合计 total"] = hh.sum(axis=1)
    area["合计 total"] = area.sum(axis=1)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        return ("Households converted, by county and new route:\n" + hh.round(0).astype(int).to_string()
                + "\n\nFloor area converted (10^4 m2), by county and new route:\n" + area.round(1).to_string())


def _temp_prefix(path: Path) -> str:
    """Temp files are '.<name>.<host>-<pid>.<random>.tmp': hidden, never matching '*.nc' or '*.csv',
    and naming the process that owns them so a later run can tell a killed writer's leftovers."""
    return f".{path.name}.{socket.gethostname()}-{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


STALE_TEMP_S = 24 * 3600  # temp files of another host are removed only when this old


def clean_stale_temps(path: Path) -> list[Path]:
    """Remove temp files a killed writer of `path` left behind; returns what was removed.

    A temp file is stale when its owner (same host) is no longer running, or, for a
    shared folder written from other hosts, when it is older than STALE_TEMP_S.
    """
    path = Path(path)
    removed = []
    if not path.parent.is_dir():
        return removed
    host = socket.gethostname()
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        owner = tmp.name[len(path.name) + 2:].rsplit(".", 2)[0]  # '<host>-<pid>'
        h, _, pid = owner.rpartition("-")
        try:
            if h == host and pid.isdigit():
                stale = int(pid) != os.getpid() and not _pid_alive(int(pid))
            else:
                stale = time.time() - tmp.stat().st_mtime > STALE_TEMP_S
            if stale:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:  # another run cleaned it first
            pass
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(path: Path, write) -> str:
    """Run write(tmp) on a fresh temp file beside `path`; flushed to disk; removed if write fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())  # the rename must not expose a file whose data is not on disk
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def _strings_as_chars(ds: xr.Dataset) -> xr.Dataset:
    """Strings stored as NetCDF character arrays (UTF-8) instead of HDF5 variable-length strings.

    xarray reads them back as the same strings (a test checks). HDF5 writes variable-length
    strings one by one: the 21-point Jinan sweep dataset took 0.35 s to write and 24 MB, against
    0.15 s and 12 MB as characters. Character arrays are also what NetCDF-3 tools read. A variable
    with an encoding of its own, or an object array holding anything but strings, is left as it is.
    """
    out = ds.copy(deep=False)
    for v in out.variables.values():
        if v.encoding.get("dtype") is not None or v.dtype.kind not in "UO":
            continue
        if v.dtype.kind == "O" and not all(isinstance(x, str) for x in v.values.flat):
            continue
        v.encoding = {**v.encoding, "dtype": "S1"}
    return out


def to_netcdf(ds: xr.Dataset, path) -> None:
    """Write `ds` as a NetCDF-4 file, strings as characters (`_strings_as_chars`).

    `Dataset.to_netcdf` first asks dask which scheduler is active (for its per-file write lock),
    and that imports dask.distributed (about 0.5 s in a fresh process) even for in-memory data.
    Ours is in memory and goes to a temp file no one else writes, so it goes to the netCDF4 store
    directly, under xarray's netCDF/HDF5 library lock only.
    """
    from xarray.backends import NetCDF4DataStore
    from xarray.backends.netCDF4_ import NETCDF4_PYTHON_LOCK

    ds = _strings_as_chars(ds)
    if any(v.chunks is not None for v in ds.variables.values()):
        ds.to_netcdf(path, engine="netcdf4")
        return
    store = NetCDF4DataStore.open(str(path), mode="w", format="NETCDF4", lock=NETCDF4_PYTHON_LOCK)
    try:
        ds.dump_to_store(store)
    finally:
        store.close()


def _atomic(path: Path, write) -> None:
    """write(tmp) then rename onto `path`: readers see the old file or the new one, never a part."""
    path = Path(path)
    clean_stale_temps(path)
    tmp = _write_temp(path, write)
    try:
        interrupt.check()  # a signal Python dropped in a finaliser during the write: no rename
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def write_results(ds: xr.Dataset, path: Path) -> dict[str, Path]:
    """NetCDF and the plan table CSV beside it.

    Both are written to temp files first and renamed only when both are complete, so a
    failure or kill while writing leaves the earlier pair untouched (a kill between the two
    renames, a window of microseconds, can leave a new .nc beside the old .plan.csv).
    """
    path = Path(path)
    csv = path.with_suffix(".plan.csv")
    for p in (path, csv):
        clean_stale_temps(p)
    tmp_nc = _write_temp(path, lambda tmp: to_netcdf(ds, tmp))
    try:
        tmp_csv = _write_temp(csv, lambda tmp: plan_table(ds).to_csv(tmp, index=False, encoding="utf-8",
                                                                    lineterminator="\n"))
    except BaseException:
        os.unlink(tmp_nc)
        raise
    try:
        interrupt.check()  # as in _atomic
        os.replace(tmp_nc, path)
        os.replace(tmp_csv, csv)
    except BaseException:
        for t in (tmp_nc, tmp_csv):
            if os.path.exists(t):
                os.unlink(t)
        raise
    _fsync_dir(path.parent)
    return {"netcdf": path, "plan_csv": csv}


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
