"""County choropleths (geopandas + matplotlib): main route, conversions, investment per household,
transformer upgrades. Boundaries come from the region's `boundaries.geojson` (county_id, name_zh).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from model.report import tables as tb
from model.report.figures import number
from model.report.labels import CATEGORY_COLORS, T


class MapError(Exception):
    pass


def read_boundaries(path: Path):
    """The county polygons; MapError (with the file name) if the file is not a usable GeoJSON."""
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for a broken file
        raise MapError(f"{path}: cannot be read as GeoJSON ({type(exc).__name__}: {exc})") from None
    if "county_id" not in gdf.columns:
        raise MapError(f"{path}: features need a property 'county_id' (the county codes of counties.csv)")
    gdf["county_id"] = gdf["county_id"].astype(str)
    return gdf


def county_values(ds: xr.Dataset) -> pd.DataFrame:
    """Per county: main route category of the clean conversions, households converted to clean,
    investment per converted household (yuan), transformer upgrade units."""
    z = tb.zone_frame(ds)
    clean = z[z["status"] == "converted_to_clean"]
    by_cat = clean.groupby(["county", "category"])["households"].sum().unstack(fill_value=0.0)
    dominant = by_cat.idxmax(axis=1) if len(by_cat) else pd.Series(dtype=str)
    conv = z[z["converted"]].groupby("county")[["households", "investment"]].sum()
    tr = tb.transformer_frame(ds)
    gc = dict(zip(z["group"], z["county"]))
    tr["county"] = tr["transformer_group"].map(gc)
    counties = ds["county"].values.astype(str)
    out = pd.DataFrame(index=pd.Index(counties, name="county_id"))
    out["dominant"] = dominant.reindex(counties).fillna("")
    out["to_clean"] = clean.groupby("county")["households"].sum().reindex(counties).fillna(0.0)
    inv = conv["investment"].reindex(counties).fillna(0.0)
    hh = conv["households"].reindex(counties).fillna(0.0)
    out["inv_per_hh"] = np.where(hh > 0, inv * 1e4 / hh.where(hh > 0, 1), np.nan)
    out["upgrades"] = tr.groupby("county")["upgrade_units"].sum().reindex(counties).fillna(0.0)
    return out


def county_maps(ds: xr.Dataset, boundaries: Path, lang: str) -> tuple[Figure, list[str]]:
    """Four panels; returns the figure and the names of counties without a polygon."""
    gdf = read_boundaries(boundaries)
    vals = county_values(ds)
    g = gdf.merge(vals, left_on="county_id", right_index=True, how="left")
    names = tb.county_labels(ds)
    missing = [names.get(c, c) for c in vals.index if c not in set(gdf["county_id"])]
    lat = float(g.geometry.union_all().centroid.y) if len(g) else 35.0
    fig = Figure(figsize=(10, 8.2), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    _categorical(axes[0], g, lang)
    _numeric(axes[1], g, "to_clean", T("map_to_clean", lang), "Greens", lang)
    _numeric(axes[2], g, "inv_per_hh", T("map_inv_per_hh", lang), "Oranges", lang)
    _numeric(axes[3], g, "upgrades", T("map_upgrades", lang), "Purples", lang)
    for ax in axes:
        ax.set_aspect(1.0 / np.cos(np.radians(lat)))  # lon/lat degrees: keep shapes at this latitude
        ax.set_axis_off()
        _labels(ax, g)
    fig.suptitle(T("fig_maps", lang), fontsize=11)
    return fig, missing


def _labels(ax, g):
    for _, row in g.iterrows():
        p = row.geometry.representative_point()
        ax.annotate(str(row.get("name_zh", row["county_id"])), (p.x, p.y), ha="center", va="center", fontsize=6,
                    color="#222")


def _categorical(ax, g, lang):
    cats = [c for c in dict.fromkeys(g["dominant"].fillna("")) if c]
    colors = {c: CATEGORY_COLORS.get(c, "#999999") for c in cats}
    g.plot(ax=ax, color=[colors.get(c, "#eeeeee") if c else "#eeeeee" for c in g["dominant"].fillna("")],
           edgecolor="white", linewidth=0.6)
    handles = [Patch(color=colors[c], label=T(c, lang)) for c in cats]
    if (g["dominant"].fillna("") == "").any():
        handles.append(Patch(color="#eeeeee", label=T("map_none", lang)))
    ax.legend(handles=handles, fontsize=7, loc="lower left", bbox_to_anchor=(0.92, 0.0), frameon=False)
    ax.set_title(T("map_dominant", lang), fontsize=10)


def _numeric(ax, g, col, title, cmap, lang):
    v = g[col].astype(float)
    ax.set_title(title, fontsize=10)
    if not np.isfinite(v).any() or np.nanmax(v.to_numpy()) <= 0:
        g.plot(ax=ax, color="#eeeeee", edgecolor="white", linewidth=0.6)
        ax.text(0.5, 0.02, T("all_zero", lang), transform=ax.transAxes, ha="center", fontsize=8, color="#666")
        return
    # five classes by value; the legend shows their ranges with thousands separators
    edges = np.unique(np.nanquantile(v[v > 0], np.linspace(0, 1, 6)))
    if len(edges) < 2:  # every county the same: one class from 0
        edges = np.array([0.0, edges[0]])
    edges[0] = min(edges[0], 0.0)
    cls = np.clip(np.digitize(v.fillna(-1).to_numpy(), edges[1:-1], right=True), 0, len(edges) - 2)
    base = matplotlib.colormaps[cmap]
    palette = [to_hex(base(0.25 + 0.7 * i / max(1, len(edges) - 2))) for i in range(len(edges) - 1)]
    colors = [palette[c] if val > 0 else "#eeeeee" for c, val in zip(cls, v.fillna(0).to_numpy())]
    g.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.6)
    handles = [Patch(color=palette[i], label=f"{number(edges[i])} – {number(edges[i + 1])}") for i in range(len(palette))]
    if (v.fillna(0) <= 0).any():
        handles.append(Patch(color="#eeeeee", label="0"))
    ax.legend(handles=handles, fontsize=7, loc="lower left", bbox_to_anchor=(0.92, 0.0), frameon=False)
