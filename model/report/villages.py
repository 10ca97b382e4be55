"""The village list (整村推进清单): every zone that converts, by county and township.

Converting to clean heating and moving to quality coal (demolition zones, transitional) are two
lists; households of each sum to the plan's figures for that status.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from model.report.labels import T, header
from model.report.tables import Table, county_labels, units

# (column key, unit) of the list after the label columns; "year" only for pathways
VALUE_COLS = (("households", "households"), ("floor_area", "10^4 m^2"), ("investment", "10^4 yuan"),
              ("subsidy_equipment", "10^4 yuan"), ("subsidy_running", "10^4 yuan/a"))


def village_frame(zones: pd.DataFrame, ds: xr.Dataset, townships: dict[str, str], lang: str,
                  status: str) -> pd.DataFrame:
    """Zones of one heating status, sorted by county, township and zone, with display labels."""
    z = zones[zones["status"] == status].copy()
    names = county_labels(ds)
    rname = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str)))
    if lang == "en" and "route_name_en" in ds.coords:
        rname = dict(zip(ds["route"].values.astype(str), ds["route_name_en"].values.astype(str)))
    z["county_name"] = z["county"].map(names).fillna(z["county"])
    z["township_name"] = [townships.get(t, t) if t else T("no_township", lang) for t in z["township"]]
    z["route_name"] = z["route"].map(lambda r: rname.get(r, r))
    z["category_name"] = z["category"].map(lambda c: T(c, lang))
    z["area_type_name"] = z["area_type"].map(lambda a: T(f"area_{a}", lang) if a else "")
    sort = ["county", "township", "zone"] + (["year"] if "year" in z else [])
    return z.sort_values(sort, kind="stable").reset_index(drop=True)


def village_table(v: pd.DataFrame, table_id: str, lang: str, with_year: bool = False) -> Table:
    """The list as a report table (ids and names, values in the dataset's units), total row last."""
    cols = {
        T("county_id", lang): v["county"], T("county", lang): v["county_name"],
        T("township_id", lang): v["township"], T("township", lang): v["township_name"],
        T("zone_id", lang): v["zone"], T("zone_name", lang): v["name"],
        T("area_type", lang): v["area_type_name"],
        T("route", lang): v["route_name"], T("category", lang): v["category_name"],
    }
    if with_year:
        cols[T("conversion_year", lang)] = v["year"].astype(float)
    for key, unit in VALUE_COLS:
        cols[header(key, unit, lang)] = v[key].astype(float)
    cols[T("transformer_group", lang)] = v["group"].replace("", "–")
    df = pd.DataFrame(cols)
    total = {c: "" for c in df.columns}
    total[T("county", lang)] = T("total", lang)
    for key, unit in VALUE_COLS:
        total[header(key, unit, lang)] = float(v[key].sum())
    if with_year:
        total[T("conversion_year", lang)] = np.nan
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    return Table(table_id, T(table_id, lang), df, total_row=True, key_cols=6)


def township_summary(v: pd.DataFrame, table_id: str, lang: str) -> Table:
    """Villages and households per county and township (for the quality-coal list in the report body)."""
    g = v.groupby(["county", "county_name", "township", "township_name"], sort=True).agg(
        zones=("zone", "size"), households=("households", "sum"), floor_area=("floor_area", "sum")).reset_index()
    df = pd.DataFrame({T("county", lang): g["county_name"], T("township", lang): g["township_name"],
                       header("zones", "zones", lang): g["zones"].astype(float),
                       header("households", "households", lang): g["households"],
                       header("floor_area", "10^4 m^2", lang): g["floor_area"]})
    total = {c: "" for c in df.columns}
    total[T("county", lang)] = T("total", lang)
    for c in df.columns[2:]:
        total[c] = float(df[c].sum())
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    return Table(table_id, T(table_id, lang), df, total_row=True)


def units_ok(ds: xr.Dataset) -> bool:
    """The village list labels its columns with these units; a dataset in others would mislabel them."""
    want = {"zone_households": "households", "zone_floor_area": "10^4 m^2", "zone_investment": "10^4 yuan"}
    return all(units(ds, k) == u for k, u in want.items() if k in ds)


# ---------------------------------------------------------------------------------------------
# where each zone lies, for the files that keep only ids and names (pathway sweeps, Monte Carlo):
# from the file's own coordinates when it has them, else from the run's input folder

def file_has_places(ds: xr.Dataset) -> bool:
    return all(v in ds.variables for v in ("zone_county", "zone_households", "township_id", "county_name_zh"))


def with_places(ds: xr.Dataset, info) -> bool:
    """Counties, townships and households can be shown: the file has them, or the input folder is there."""
    return file_has_places(ds) or (info is not None and info.data is not None)


def route_names(ds: xr.Dataset, data, lang: str) -> dict[str, str]:
    """Route id -> name in the report's language (the file's Chinese names; English from the input folder)."""
    ids = ds["route"].values.astype(str)
    if lang == "zh" and "route_name_zh" in ds.coords:
        return dict(zip(ids, ds["route_name_zh"].values.astype(str)))
    if lang == "en" and data is not None:
        r = data.tables["routes"].set_index(data.tables["routes"]["route_id"].astype(str))
        return {i: str(r.at[i, "name_en"]) if i in r.index and str(r.at[i, "name_en"]).strip() else i for i in ids}
    return {i: i for i in ids}


def route_categories(ds: xr.Dataset, data) -> dict[str, str]:
    """Route -> plan category, from the file (newer files) or the input folder; {} when neither has it."""
    ids = ds["route"].values.astype(str)
    if "route_category" in ds.coords:
        return dict(zip(ids, ds["route_category"].values.astype(str)))
    if data is None:
        return {}
    r = data.tables["routes"]
    known = dict(zip(r["route_id"].astype(str), r["category"].astype(str)))
    return {i: known[i] for i in ids if i in known}


def places(ds: xr.Dataset, info) -> pd.DataFrame:
    """Per zone of a sweep or Monte Carlo file: county and township (id, name) and households, from the file itself
    (sweeps since the places were kept) else from the input folder ('' where neither has the
    zone), `found` where they were there. Township names come from the input folder only."""
    ids = ds["zone"].values.astype(str)
    out = pd.DataFrame({"zone": ids, "county": "", "county_name": "", "township": "", "township_name": "",
                        "households": np.nan, "found": False})
    towns = info.townships if info is not None else {}
    if file_has_places(ds):
        cname = dict(zip(ds["county"].values.astype(str), ds["county_name_zh"].values.astype(str)))
        out["county"] = ds["zone_county"].values.astype(str)
        out["county_name"] = [cname.get(k, k) for k in out["county"]]
        out["township"] = ds["township_id"].values.astype(str)
        out["township_name"] = [towns.get(t, t) for t in out["township"]]
        out["households"] = np.asarray(ds["zone_households"].values, dtype=float)
        out["found"] = True
        return out
    data = info.data if info is not None else None
    if data is None:
        return out
    z = data.tables["zones"]
    z = z.set_index(z["zone_id"].astype(str))
    c = data.tables["counties"]
    cname = dict(zip(c["county_id"].astype(str), c["name_zh"].astype(str)))
    found = np.array([i in z.index for i in ids])
    rows = z.reindex(ids)
    out["found"] = found
    out["county"] = np.where(found, rows["county_id"].astype(str), "")
    out["county_name"] = [cname.get(k, k) for k in out["county"]]
    town = rows["township_id"].fillna("").astype(str)
    out["township"] = np.where(found, town, "")
    out["township_name"] = [towns.get(t, t) for t in out["township"]]
    out["households"] = pd.to_numeric(rows["households"], errors="coerce").to_numpy(dtype=float)
    return out


def village_names(ds: xr.Dataset, info) -> np.ndarray:
    """Each zone's name: the file's own, else the input folder's, else its id."""
    if "zone_name_zh" in ds.coords:
        return ds["zone_name_zh"].values.astype(str)
    data = info.data if info is not None else None
    ids = ds["zone"].values.astype(str)
    if data is None:
        return ids
    z = data.tables["zones"]
    names = dict(zip(z["zone_id"].astype(str), z["name_zh"].astype(str)))
    return np.array([names.get(i, i) for i in ids])
