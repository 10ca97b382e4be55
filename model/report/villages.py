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
