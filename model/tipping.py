"""Tipping points of a sweep: where each zone's route, and each county's route mix, changes along a
swept parameter (`model.sweep` builds the combined dataset they are read from)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import xarray as xr

from model.registry import TIPPING_OUTPUTS
from model.sweep_points import FEASIBLE


def tipping_points(ds: xr.Dataset, names: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Where routes change along each swept parameter (other parameters held at each of their values).

    Zones: the chosen route differs between consecutive points with a plan. Counties: the
    households-per-route vector differs; `from` is the route losing most households, `to` the one
    gaining most. With a MIP gap > 0 near-ties may flip back and forth; use --gap 0 for exact points.
    """
    cols = [k.replace("tipping_", "") for k in TIPPING_OUTPUTS]
    rows = []
    if "chosen_route" not in ds:
        return pd.DataFrame(columns=cols)
    county_name = dict(zip(ds["county"].values.astype(str), ds["county_name_zh"].values.astype(str)))
    feasible = np.argwhere(np.isin(ds["point_status"].values.astype(str), FEASIBLE))
    if not len(feasible):
        return pd.DataFrame(columns=cols)
    first = dict(zip(ds["point_status"].dims, feasible[0]))
    zone_county = ds["zone_county"].isel(first).values.astype(str)
    zone_hh = ds["zone_households"].max([n for n in names]).values
    zones = ds["zone"].values.astype(str)
    counties = ds["county"].values.astype(str)
    routes = ds["route"].values.astype(str)
    for p in names:
        others = [n for n in names if n != p]
        for combo in itertools.product(*(ds[o].values for o in others)):
            sel = dict(zip(others, combo))
            sub = ds.sel(sel) if sel else ds
            at = ";".join(f"{k}={v:g}" for k, v in sel.items())
            pv = sub[p].values
            ok = np.isin(sub["point_status"].values.astype(str), FEASIBLE)
            idx = np.flatnonzero(ok)
            chosen = sub["chosen_route"].transpose(p, "zone").values.astype(str)
            hh = sub["households"].transpose(p, "county", "route").values.astype(float)
            for a, b in zip(idx[:-1], idx[1:]):
                for z in np.flatnonzero(chosen[a] != chosen[b]):
                    c = zone_county[z]
                    rows.append(("zone", zones[z], county_name.get(c, c), p, pv[a], pv[b], chosen[a, z],
                                 chosen[b, z], float(zone_hh[z]), at))
                diff = hh[b] - hh[a]
                tol = 1e-6 * np.maximum(1.0, np.abs(hh[a]))
                for c in np.flatnonzero((np.abs(diff) > tol).any(axis=1)):
                    d = diff[c]
                    rows.append(("county", counties[c], county_name.get(counties[c], counties[c]), p, pv[a], pv[b],
                                 routes[int(np.argmin(d))], routes[int(np.argmax(d))], float(d[d > 0].sum()), at))
    df = pd.DataFrame(rows, columns=[c for c in cols if c != "reverts"])
    df["reverts"] = _reverts(df)
    return df.sort_values(["kind", "parameter", "at", "before", "id"], ascending=[True, True, True, True, True],
                          key=lambda s: s.map({"county": 0, "zone": 1}) if s.name == "kind" else s).reset_index(drop=True)


def _reverts(df: pd.DataFrame) -> np.ndarray:
    """1 for a switch A -> B of an entity that a later switch B -> A undoes (both rows), along the
    same parameter with the same other values."""
    out = np.zeros(len(df), dtype=np.int8)
    for _, g in df.groupby(["kind", "id", "parameter", "at"], sort=False):
        if len(g) < 2:
            continue
        g = g.sort_values("before")
        pos = [df.index.get_loc(ix) for ix in g.index]
        frm, to = g["from"].to_numpy(), g["to"].to_numpy()
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                if frm[j] == to[i] and to[j] == frm[i]:
                    out[pos[i]] = out[pos[j]] = 1
    return out


def tipping_dataset(df: pd.DataFrame, units: dict[str, str]) -> xr.Dataset:
    """The tipping table as variables on a 'tipping' dim."""
    out = {}
    unit_of = {p: units.get(p, "-") for p in df["parameter"].unique()} if len(df) else {}
    for var, spec in TIPPING_OUTPUTS.items():
        unit, long = spec.unit, spec.long_name
        col = df[var.replace("tipping_", "")]
        if var == "tipping_reverts":
            arr = col.to_numpy(dtype=np.int8)
        elif var in ("tipping_before", "tipping_after", "tipping_households"):
            arr = col.to_numpy(dtype=float)
        else:
            arr = col.astype(str).to_numpy(dtype=str)
        if unit == "see tipping_parameter" and len(unit_of) == 1:
            unit = next(iter(unit_of.values()))
        out[var] = xr.Variable(("tipping",), arr, attrs={"units": unit, "long_name": long})
    return xr.Dataset(out, coords={"tipping": np.arange(len(df))})


def format_tipping(df: pd.DataFrame, max_zone_rows: int = 40) -> str:
    """The tipping table for the terminal: lasting switches; switches that revert are counted only."""
    if df.empty:
        return "No tipping points: every zone keeps its route over the swept range."
    show = df.copy()
    show["households"] = show["households"].round(0).astype(int)
    drop = ["kind", "reverts"] + (["at"] if (show["at"] == "").all() else [])
    parts = []
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 500):
        for kind, title, limit in (("county", "by county: the households-per-route mix changes (from = route losing "
                                              "most households, to = route gaining most)", None),
                                   ("zone", "by zone: the zone's route changes", max_zone_rows)):
            rows = show[show["kind"] == kind]
            lasting = rows[rows["reverts"] == 0]
            parts.append(f"Tipping points {title}: {len(lasting)}")
            if len(lasting):
                table = lasting.drop(columns=drop)
                parts.append((table.head(limit) if limit else table).to_string(index=False))
                if limit and len(lasting) > limit:
                    parts.append(f"  ... and {len(lasting) - limit} more (variables tipping_* in the sweep dataset)")
            n_rev = int((rows["reverts"] == 1).sum())
            if n_rev:
                parts.append(f"  (+ {n_rev} switches undone elsewhere in the sweep: near-ties within the MIP gap, "
                             f"tipping_reverts = 1 in the dataset)")
            parts.append("")
    return "\n".join(parts).rstrip()


# ---------------------------------------------------------------------------------------------
# the sweep
