"""A sweep point as it is stored: the plan (`PointPlan`), its file, and its variables rebuilt.

A point file holds each zone's route and retrofit, the upgrade units, the storage modules and
the caps' shadow prices (NetCDF-3, written in a few milliseconds); `point_dataset` rebuilds
every per-run variable of the point from the plan and the inputs, the values a single run writes.
The Monte Carlo stores its samples the same way; `run_paths` names the folder of either.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from model.errors import InputError
from model.paths import check_name, result_file
from model.prepare import Instance
from model.solve import Solution

# statuses of a point with a plan
FEASIBLE = ("optimal", "time_limit", "interrupted", "solution_limit", "iteration_limit")
# a point without a plan: proven infeasible (its file holds attributes only), or not solved yet
INFEASIBLE = "infeasible"
MISSING = "missing"
# A point file holds the plan (PointPlan), not the full dataset; files without this attribute
# (written before it) hold the full dataset and are read as such.
PLAN_FORMAT = "plan-1"
# SHA-256 of the point file's bytes, held in the file as this attribute (its 64 characters read as
# '0' while the digest is taken); a file that does not match it (truncated, corrupted, written
# before the digest) is solved again, and is never handed to the netCDF library: a damaged
# header can make it allocate gigabytes.
DIGEST_ATTR = "point_sha256"
_DIGEST_BLANK = b"0" * 64
# the attribute as NetCDF-3 stores it: name length, name, type NC_CHAR (2), 64 characters
_DIGEST_TAG = len(DIGEST_ATTR).to_bytes(4, "big") + DIGEST_ATTR.encode() + (2).to_bytes(4, "big") + (64).to_bytes(4, "big")


@dataclass
class PointPlan:
    """A solved point as it travels from the worker and is stored: each zone's option, the integer
    purchases and the caps' duals. The full per-point variables are rebuilt from it and the inputs
    when the sweep is combined (`point_dataset`), so a point costs little beyond its solve."""

    route: np.ndarray  # per zone: index into the region's routes (inputs order)
    retrofit: np.ndarray  # per zone: 0/1
    upgrade: np.ndarray  # per transformer group: upgrade units bought
    modules: int
    status: str
    mip_gap: float
    bound: float
    objective: float  # HiGHS's objective (free zones, upgrades, storage)
    solver: str
    constraints: pd.DataFrame | None = None  # the table of diagnose.shadow_prices; None without duals

    @classmethod
    def of(cls, inst: Instance, sol: Solution, constraints: pd.DataFrame | None) -> "PointPlan":
        from model.results import selected

        idx = np.flatnonzero(selected(inst, sol))
        idx = idx[np.argsort(inst.pair_zone[idx], kind="stable")]
        upgrade = np.zeros(len(inst.group_ids), dtype=np.int32)
        for g, units in sol.upgrade.items():
            upgrade[g] = units
        return cls(inst.pair_route[idx].astype(np.int16), inst.pair_retrofit[idx].astype(np.int8), upgrade,
                   int(sol.modules), sol.status, float(sol.mip_gap), float(sol.bound), float(sol.objective),
                   sol.solver, constraints)

    def solution(self, inst: Instance) -> Solution:
        """The plan as a Solution of `inst` (the instance of the same point)."""
        nz = len(inst.zone_ids)
        pz = inst.pair_zone
        if len(self.route) != nz or len(self.upgrade) != len(inst.group_ids):
            raise ValueError(f"the plan has {len(self.route)} zones, the inputs {nz}")
        match = (inst.pair_route == self.route[pz]) & (inst.pair_retrofit == self.retrofit[pz].astype(bool))
        if not np.array_equal(np.bincount(pz[match], minlength=nz), np.ones(nz, dtype=np.int64)):
            raise ValueError("the plan gives some zone a route that is not one of its options in these inputs")
        return Solution(status=self.status, objective=self.objective, mip_gap=self.mip_gap, bound=self.bound,
                        x=match[inst.free].astype(np.int8), upgrade={g: int(u) for g, u in enumerate(self.upgrade)},
                        modules=self.modules, solver=self.solver)


def point_dataset(inst: Instance, plan: PointPlan) -> xr.Dataset:
    """Every per-run variable of a point (what `solve.py` writes for one run), from its plan."""
    return _merged(_point_parts(inst, plan))


def _point_parts(inst: Instance, plan: PointPlan) -> list[xr.Dataset]:
    """The plan's variables and, with duals, the constraint table's: point_dataset unmerged."""
    from model import diagnose
    from model.results import build_dataset

    parts = [build_dataset(inst, plan.solution(inst))]
    if plan.constraints is not None:
        parts.append(diagnose.shadow_dataset(plan.constraints))
    return parts


def _merged(parts: list[xr.Dataset]) -> xr.Dataset:
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.merge(part, combine_attrs="override")
    return ds


def _constraints_of(ds: xr.Dataset) -> pd.DataFrame | None:
    """The shadow-price table back from a dataset's constraint variables."""
    if "shadow_price" not in ds:
        return None
    return pd.DataFrame({
        "family": ds["constraint_family"].values.astype(str), "key": ds["constraint_key"].values.astype(str),
        "unit": ds["constraint_unit"].values.astype(str), "activity": ds["constraint_activity"].values.astype(float),
        "bound": ds["constraint_bound"].values.astype(float), "slack": ds["constraint_slack"].values.astype(float),
        "shadow_price": ds["shadow_price"].values.astype(float), "binding": ds["constraint_binding"].values.astype(bool)})


_CONSTRAINT_COLUMNS = ("activity", "bound", "slack", "shadow_price")


def run_paths(out: Path, region: str, year: int, kind: str, name: str, option: str) -> tuple[Path, Path]:
    """(folder of a run's point files, its combined dataset): `<kind>_<name>` and `<kind>_<name>.nc`
    under the region's year in `out`; InputError unless `name` (given as `option`) is plain."""
    problems = check_name(name, option)
    if problems:
        raise InputError(problems)
    folder = result_file(out, region, year, f"{kind}_{name}", "")
    return folder, folder.parent / f"{folder.name}.nc"


def write_point_file(path: Path, attrs: dict, plan: PointPlan | None) -> None:
    """Atomic write of a point (attributes, and the plan when there is one): a stopped sweep
    never leaves a half-written point behind. netCDF4 directly, five variables: about 2 ms."""
    import netCDF4

    from model.results import _atomic

    def write(tmp):
        # classic 64-bit-offset NetCDF: no HDF5 layer, half the time of NetCDF-4 for these few variables
        with netCDF4.Dataset(tmp, "w", format="NETCDF3_64BIT_OFFSET") as nc:
            nc.setncatts({k: v for k, v in attrs.items() if v is not None and k != DIGEST_ATTR})
            nc.setncattr(DIGEST_ATTR, _DIGEST_BLANK.decode())
            if plan is not None:
                write_plan(nc)
        with open(tmp, "r+b") as fh:  # the digest into its blank (same length: nothing moves)
            raw = fh.read()
            fh.seek(_digest_at(raw))
            fh.write(_digest(raw, _digest_at(raw)).encode())

    def write_plan(nc):
        def var(name, dtype, dims, values, long_name):
            v = nc.createVariable(name, dtype, dims)
            v[:] = values
            v.long_name = long_name

        nc.createDimension("zone", len(plan.route))
        nc.createDimension("transformer_group", len(plan.upgrade))
        nc.createDimension("pair", 2)
        var("plan_option", "i2", ("zone", "pair"), np.column_stack([plan.route, plan.retrofit]),
            "chosen route (a row of routes.csv, 0-based) and envelope retrofit (0/1) per zone")
        var("plan_upgrade_units", "i4", ("transformer_group",), plan.upgrade,
            "transformer upgrade units bought, per row of transformers.csv")
        meta = {"plan_storage_modules": int(plan.modules), "plan_bound": float(plan.bound),
                "plan_solver_objective": float(plan.objective), "plan_solver": plan.solver}
        c = plan.constraints
        if c is not None:
            family = np.asarray(c["family"], dtype=object)
            families, first, code = np.unique(family.astype(str), return_index=True, return_inverse=True)
            units = np.asarray(c["unit"], dtype=object)[first] if len(c) else []
            binding = np.asarray(c["binding"], dtype=np.int8) if "binding" in c else np.full(len(c), -1, np.int8)
            nc.createDimension("constraint", len(c))
            nc.createDimension("quantity", len(_CONSTRAINT_COLUMNS))
            var("constraint_code", "i1", ("constraint", "pair"), np.column_stack([code, binding]).astype(np.int8),
                "constraint family (index into the plan_constraint_families attribute) and binding (0/1; -1 unknown)")
            # NetCDF-3 text is characters: the keys' UTF-8 bytes, one row per constraint
            key = np.array([str(k).encode("utf-8") for k in c["key"]] or [b""], dtype="S")
            key = key.astype(f"S{max(1, key.dtype.itemsize)}")
            nc.createDimension("key_bytes", key.dtype.itemsize)
            var("constraint_key", "S1", ("constraint", "key_bytes"),
                key[:len(c)].view("S1").reshape(len(c), key.dtype.itemsize), "constraint key (UTF-8)")
            values = np.column_stack([np.asarray(c[k], dtype=float) for k in _CONSTRAINT_COLUMNS]) if len(c) \
                else np.zeros((0, len(_CONSTRAINT_COLUMNS)))
            var("constraint_value", "f8", ("constraint", "quantity"), values, ",".join(_CONSTRAINT_COLUMNS))
            # newline-separated: names of families and their units (neither holds a newline)
            meta.update(plan_constraint_families="\n".join(families), plan_constraint_units="\n".join(units))
        nc.setncatts(meta)

    _atomic(Path(path), write)


def _char_rows(chars: np.ndarray, n: int) -> np.ndarray:
    """A NetCDF-3 char variable [n, width] -> n byte strings (trailing NULs dropped)."""
    if n == 0:
        return np.array([], dtype="S1")
    chars = np.ascontiguousarray(np.asarray(chars, dtype="S1").reshape(n, -1))
    return chars.view(f"S{chars.shape[1]}").ravel()


def read_point_file(path: Path) -> tuple[dict | None, PointPlan | None]:
    """(attributes, plan) of a point file; (None, None) when it is missing or unreadable, and no
    plan for an infeasible point or a file that holds the full dataset."""
    import netCDF4

    try:
        with netCDF4.Dataset(str(path)) as nc:
            nc.set_auto_mask(False)
            nc.set_auto_chartostring(False)
            a = {k: nc.getncattr(k) for k in nc.ncattrs()}
            v = nc.variables
            if a.get("point_format") != PLAN_FORMAT or "plan_option" not in v:
                return a, None
            constraints = None
            if "constraint_key" in v:
                families = np.array(str(a["plan_constraint_families"]).split("\n"), dtype=object)
                units = np.array(str(a["plan_constraint_units"]).split("\n"), dtype=object)
                code = np.asarray(v["constraint_code"][:], dtype=int).reshape(-1, 2)
                values = np.asarray(v["constraint_value"][:], dtype=float).reshape(len(code), len(_CONSTRAINT_COLUMNS))
                constraints = pd.DataFrame({"family": families[code[:, 0]].astype(str),
                                            "key": [k.decode("utf-8") for k in _char_rows(v["constraint_key"][:], len(code))],
                                            "unit": units[code[:, 0]].astype(str),
                                            **{k: values[:, j] for j, k in enumerate(_CONSTRAINT_COLUMNS)}})
                if (code[:, 1] >= 0).all():
                    constraints["binding"] = code[:, 1].astype(bool)
            option = np.asarray(v["plan_option"][:]).reshape(-1, 2)
            plan = PointPlan(option[:, 0].astype(np.int16), option[:, 1].astype(np.int8),
                             np.asarray(v["plan_upgrade_units"][:], dtype=np.int32), int(a["plan_storage_modules"]),
                             str(a["status"]), float(a["mip_gap"]), float(a["plan_bound"]),
                             float(a["plan_solver_objective"]), str(a["plan_solver"]), constraints)
            return a, plan
    except (OSError, RuntimeError, KeyError, IndexError, ValueError):
        return None, None


def _digest_at(raw: bytes) -> int:
    """Offset of the digest's 64 characters in a point file's bytes; -1 if it has none."""
    i = raw.find(_DIGEST_TAG)
    return -1 if i < 0 or raw.find(_DIGEST_TAG, i + 1) >= 0 else i + len(_DIGEST_TAG)


def _digest(raw: bytes, at: int) -> str:
    """SHA-256 of a point file's bytes with its digest blanked."""
    return hashlib.sha256(raw[:at] + _DIGEST_BLANK + raw[at + len(_DIGEST_BLANK):]).hexdigest()


def intact_attrs(path: Path) -> dict | None:
    """Global attributes of a point file whose bytes match the digest written into it; None when
    the file is missing, truncated, altered or has no digest."""
    import netCDF4

    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    at = _digest_at(raw)
    if at < 0 or raw[at:at + len(_DIGEST_BLANK)].decode("ascii", "replace") != _digest(raw, at):
        return None
    try:
        with netCDF4.Dataset(str(path)) as nc:
            return {k: nc.getncattr(k) for k in nc.ncattrs()}
    except (OSError, RuntimeError):
        return None


def write_point(ds: xr.Dataset, path: Path) -> None:
    """Atomic NetCDF write of a dataset (the combined sweep)."""
    from model.results import _atomic, to_netcdf

    _atomic(Path(path), lambda tmp: to_netcdf(ds, tmp))


def read_attrs(path: Path) -> dict | None:
    """Global attributes of a NetCDF file, None when it is missing or unreadable."""
    import netCDF4

    try:
        with netCDF4.Dataset(str(path)) as nc:
            return {k: nc.getncattr(k) for k in nc.ncattrs()}
    except (OSError, RuntimeError):
        return None
