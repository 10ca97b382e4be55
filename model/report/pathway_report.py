"""Pathway reports (`solve.py --from`): conversions, spending and gas year by year, and the village
list with each village's conversion year.

The pathway dataset holds county x route x year totals and each zone's final route, retrofit and
conversion year; names, townships, households and each village's investment and subsidies come
from the run's input folder, through the model's own `prepare` (the same numbers the solve used).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from model.report import tables as tb
from model.report.content import Content, Section, appendix, county_chapters
from model.report.figures import _cat_color, _no_data, style_value_axis
from model.report.fonts import matplotlib_rc
from model.report.labels import CATEGORIES, T, header, unit_label

PATHWAY_REQUIRED = ("households_converted", "conversion_year", "chosen_route", "investment", "subsidy_equipment",
                    "subsidy_running", "subsidy_budget", "gas_annual", "gas_annual_cap", "storage_required",
                    "storage_existing", "storage_built", "transformer_upgrade_units", "clean_households", "objective")


class PathwayInputsError(Exception):
    pass


def missing_pathway_variables(ds: xr.Dataset) -> list[str]:
    return [v for v in PATHWAY_REQUIRED if v not in ds.variables]


def _overrides(data, label: str):
    """The run's scenario label ('base', 'a+b', 'a+gas_price=3') back to the overrides it names."""
    from model.prepare import resolve_overrides

    import re

    names, sets = [], {}
    for part in re.split(r"\+(?![-\d.])", label):  # '+' before a number is a relative value ('gas_price=+0.5')
        if "=" in part:
            k, v = part.split("=", 1)
            sets[k] = v
        elif part and part != "base":
            names.append(part)
    return resolve_overrides(data, names, sets)


def zone_frame(ds: xr.Dataset, data) -> pd.DataFrame:
    """Per zone, as model.report.tables.zone_frame, plus the conversion year: from the pathway
    dataset's own zone variables, or (older pathway files) from the run's inputs."""
    if all(v in ds.variables for v in DATASET_ZONE_VARIABLES):
        return _zone_frame_of(ds)
    from model.prepare import prepare

    zones = data.tables["zones"].set_index("zone_id")
    ids = ds["zone"].values.astype(str)
    if set(ids) != set(zones.index):
        raise PathwayInputsError(f"{data.folder / 'zones.csv'}: its zones are not the pathway's zones (the inputs "
                                 "changed after the run): pass the run's own input folder with --inputs")
    inst = prepare(data, int(ds.attrs["year_from"]), _overrides(data, str(ds.attrs.get("scenario", "base"))))
    pos = {z: i for i, z in enumerate(inst.zone_ids.astype(str))}
    zi = np.array([pos[z] for z in ids])
    route_pos = {r: i for i, r in enumerate(inst.route_ids.astype(str))}
    ri = np.array([route_pos[r] for r in ds["chosen_route"].values.astype(str)])
    retro = np.asarray(ds["retrofit"].values, dtype=bool) if "retrofit" in ds else np.zeros(len(ids), bool)
    key = {(z, r, bool(e)): f for f, (z, r, e) in enumerate(zip(inst.pair_zone, inst.pair_route, inst.pair_retrofit))}
    pair = np.array([key[(z, r, e)] for z, r, e in zip(zi, ri, retro)])
    routes = data.tables["routes"].set_index("route_id")
    route = ds["chosen_route"].values.astype(str)
    existing = zones.loc[ids, "existing_route"].to_numpy().astype(str)
    clean_now = routes.loc[route, "clean"].to_numpy() > 0
    clean_before = routes.loc[existing, "clean"].to_numpy() > 0
    changed = route != existing
    status = np.select([clean_now & ~clean_before, ~clean_now & changed, clean_before & clean_now],
                       ["converted_to_clean", "quality_coal", "already_clean"], default="not_clean")
    q = inst.q
    return pd.DataFrame({
        "zone": ids, "name": zones.loc[ids, "name_zh"].astype(str).to_numpy(),
        "county": zones.loc[ids, "county_id"].astype(str).to_numpy(),
        "township": zones.loc[ids, "township_id"].fillna("").astype(str).to_numpy(),
        "area_type": zones.loc[ids, "area_type"].astype(str).to_numpy(),
        "terrain": zones.loc[ids, "terrain"].astype(str).to_numpy(),
        "group": zones.loc[ids, "transformer_group"].fillna("").astype(str).to_numpy(),
        "route": route, "category": routes.loc[route, "category"].astype(str).to_numpy(), "status": status,
        "converted": changed | retro, "retrofit": retro,
        "households": q["households"][pair], "floor_area": q["area"][pair], "investment": q["investment"][pair],
        "subsidy_equipment": q["subsidy_equipment"][pair], "subsidy_running": q["subsidy_running"][pair],
        "annuity": np.zeros(len(ids)), "running_cost": np.zeros(len(ids)),
        "year": np.asarray(ds["conversion_year"].values, dtype=float),
    })


DATASET_ZONE_VARIABLES = ("zone_name_zh", "township_id", "zone_households", "zone_floor_area", "zone_investment",
                          "zone_subsidy_equipment", "zone_subsidy_running", "zone_heating_status", "route_category")


def _zone_frame_of(ds: xr.Dataset) -> pd.DataFrame:
    route = ds["chosen_route"].values.astype(str)
    cat = dict(zip(ds["route"].values.astype(str), ds["route_category"].values.astype(str)))
    retro = np.asarray(ds["retrofit"].values, dtype=bool) if "retrofit" in ds else np.zeros(len(route), bool)
    year = np.asarray(ds["conversion_year"].values, dtype=float)
    return pd.DataFrame({
        "zone": ds["zone"].values.astype(str), "name": ds["zone_name_zh"].values.astype(str),
        "county": ds["zone_county"].values.astype(str), "township": ds["township_id"].values.astype(str),
        "area_type": ds["area_type"].values.astype(str), "terrain": ds["terrain"].values.astype(str),
        "group": ds["zone_transformer_group"].values.astype(str),
        "route": route, "category": [cat[r] for r in route], "status": ds["zone_heating_status"].values.astype(str),
        "converted": year > 0, "retrofit": retro,
        "households": ds["zone_households"].values.astype(float), "floor_area": ds["zone_floor_area"].values.astype(float),
        "investment": ds["zone_investment"].values.astype(float),
        "subsidy_equipment": ds["zone_subsidy_equipment"].values.astype(float),
        "subsidy_running": ds["zone_subsidy_running"].values.astype(float),
        "annuity": np.zeros(len(route)), "running_cost": np.zeros(len(route)), "year": year,
    })


def _categories(ds: xr.Dataset, data) -> np.ndarray:
    if "route_category" in ds.coords:
        return ds["route_category"].values.astype(str)
    if data is None:
        return np.array(["" for _ in ds["route"].values])
    routes = data.tables["routes"].set_index("route_id")
    return routes.loc[ds["route"].values.astype(str), "category"].astype(str).to_numpy()


def year_tables(ds: xr.Dataset, cats: np.ndarray, lang: str) -> list[tb.Table]:
    years = [int(y) for y in ds["year"].values]
    names = tb.county_labels(ds)
    hh = ds["households_converted"].sum("route").transpose("county", "year").to_pandas()
    hh = hh.loc[hh.sum(axis=1) > 0]
    df = pd.DataFrame({T("county_id", lang): list(hh.index) + [""],
                       T("county", lang): [names.get(c, c) for c in hh.index] + [T("total", lang)]})
    for y in years:
        df[str(y)] = list(hh[y].to_numpy(dtype=float)) + [float(hh[y].sum())]
    df[T("total", lang)] = df[[str(y) for y in years]].sum(axis=1)
    by_county = tb.Table("pathway_households", T("pathway_households", lang), df, total_row=True)
    hc = ds["households_converted"].sum("county").transpose("route", "year").values
    cat_rows = []
    for c in [c for c in CATEGORIES if c in set(cats)]:
        vals = hc[cats == c].sum(axis=0)
        if vals.sum() > 0:
            cat_rows.append([T("transitional_short", lang) if c == "coal" else T(c, lang), *vals.astype(float)])
    cdf = pd.DataFrame(cat_rows, columns=[T("category", lang), *[str(y) for y in years]])
    total = {T("category", lang): T("total", lang), **{str(y): float(cdf[str(y)].sum()) for y in years}}
    cdf = pd.concat([cdf, pd.DataFrame([total])], ignore_index=True)
    cdf[T("total", lang)] = cdf[[str(y) for y in years]].sum(axis=1)
    by_cat = tb.Table("pathway_categories", T("pathway_categories", lang), cdf, total_row=True, key_cols=1)
    to_date = bool(ds.attrs.get("subsidy_budget_cumulative", 0))
    rows = {T("year", lang): [str(y) for y in years]}
    for v in ("investment", "subsidy_equipment", "subsidy_running", "subsidy_spent_to_date", "subsidy_budget",
              "gas_annual", "gas_annual_cap", "storage_required", "clean_households"):
        if v in ds:
            rows[header(v, tb.units(ds, v), lang)] = np.asarray(ds[v].values, dtype=float)
    rows[header("storage_have_total", "10^4 m^3", lang)] = np.asarray((ds["storage_existing"] + ds["storage_built"]).values, float)
    rows[header("transformer_upgrade_units", "units", lang)] = np.asarray(
        ds["transformer_upgrade_units"].sum("transformer_group").values, float)
    ydf = pd.DataFrame(rows)
    note = T("budget_to_date_note" if to_date else "budget_per_year_note", lang)
    return [by_county, by_cat, tb.Table("pathway_years", T("pathway_years", lang), ydf, note=note, key_cols=1)]


def figures(ds: xr.Dataset, cats: np.ndarray, lang: str) -> list[tuple[str, str, Figure]]:
    years = [int(y) for y in ds["year"].values]
    x = np.arange(len(years))
    hc = ds["households_converted"].sum("county").transpose("route", "year").values
    f1 = Figure(figsize=(8, 3.6), layout="constrained")
    ax = f1.subplots()
    bottom = np.zeros(len(years))
    for c in [c for c in CATEGORIES if c in set(cats)]:
        vals = hc[cats == c].sum(axis=0)
        if vals.sum() > 0:
            ax.bar(x, vals, bottom=bottom, color=_cat_color(c),
                   label=T("transitional_short", lang) if c == "coal" else T(c, lang))
            bottom += vals
    if bottom.sum() > 0:
        for i, v in enumerate(bottom):
            ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)
        ax.set_ylim(0, bottom.max() * 1.15)
        style_value_axis(ax)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        _no_data(ax, lang, "all_zero")
    ax.set_xticks(x, [str(y) for y in years])
    ax.set_ylabel(T("households_axis", lang), fontsize=8)
    ax.set_title(T("fig_pathway_households", lang), fontsize=10)
    out = [("pathway_households", T("fig_pathway_households", lang), f1)]
    to_date = bool(ds.attrs.get("subsidy_budget_cumulative", 0))
    spent = ds["subsidy_spent_to_date"] if to_date and "subsidy_spent_to_date" in ds else \
        ds["subsidy_equipment"] + ds["subsidy_running"]
    for fid, use, cap, unit, lbl_use, lbl_cap in (
            ("pathway_gas", ds["gas_annual"], ds["gas_annual_cap"], tb.units(ds, "gas_annual"), T("use", lang), T("cap", lang)),
            ("pathway_subsidy", spent, ds["subsidy_budget"], tb.units(ds, "subsidy_budget"), T("spent", lang), T("budget", lang))):
        f = Figure(figsize=(8, 3.2), layout="constrained")
        ax = f.subplots()
        u, c = np.asarray(use.values, float), np.asarray(cap.values, float)
        if max(u.max(), c.max()) <= 0:
            _no_data(ax, lang, "all_zero")
        else:
            ax.bar(x - 0.2, u, 0.4, color="#4c72b0", label=lbl_use)
            ax.bar(x + 0.2, c, 0.4, color="#c44e52", alpha=0.6, label=lbl_cap)
            ax.set_ylim(0, max(u.max(), c.max()) * 1.15)
            style_value_axis(ax)
            ax.legend(fontsize=7)
        ax.set_xticks(x, [str(y) for y in years])
        ax.set_ylabel(unit_label(unit, lang), fontsize=8)
        title = T("fig_" + fid, lang)
        ax.set_title(title, fontsize=10)
        out.append((fid, title, f))
    return out


def pathway_findings(ds: xr.Dataset, cats: np.ndarray, lang: str) -> list[str]:
    from model.report.summary import S

    out = []
    hc = ds["households_converted"].sum("county").transpose("route", "year").values
    clean_cols = np.array([c != "coal" for c in cats])
    for k, y in enumerate(ds["year"].values):
        n = float(hc[clean_cols, k].sum())
        qc = float(hc[~clean_cols, k].sum())
        gas, cap = float(ds["gas_annual"][k]), float(ds["gas_annual_cap"][k])
        out.append(S("pathway_year", lang, year=int(y), n=n, qc=qc, inv=float(ds["investment"][k]), gas=gas, cap=cap,
                     binds=S("pathway_gas_binds", lang) if cap > 0 and gas >= cap * (1 - 1e-6) else ""))
    out.append(S("pathway_total", lang, cost=float(ds["objective"]), base=ds.attrs.get("base_year", ""),
                 rate=100.0 * float(ds.attrs.get("discount_rate", 0.0))))
    return out


def pathway_content(ds: xr.Dataset, lang: str, source: Path, info, title: str, sub: list[str]) -> Content:
    data = info.data
    cats = _categories(ds, data)
    tables = year_tables(ds, cats, lang)
    with mpl.rc_context(matplotlib_rc()):
        figs = figures(ds, cats, lang)
    s = Section(T("sec_summary", lang))
    from model.report.goal_report import findings as goal_findings

    s.add("h3", T("sec_findings", lang)).add("ul", goal_findings(ds, lang) + pathway_findings(ds, cats, lang))
    p = Section(T("sec_pathway", lang), page_break=True)
    p.add("table", tables[0]).add("figure", "pathway_households").add("table", tables[1])
    p.add("table", tables[2]).add("figure", "pathway_gas").add("figure", "pathway_subsidy")
    sections = [s, p]
    if data is not None or all(v in ds.variables for v in DATASET_ZONE_VARIABLES):
        from model.report.content import village_tables

        zones = zone_frame(ds, data)
        tables += village_tables(ds, zones, info, lang, with_year=True)
        sections.append(county_chapters(ds, zones, info, lang, with_year=True))
    else:
        p.add("note", T("pathway_no_inputs", lang))
    sections.append(appendix(ds, lang, source, info, {}, None))
    return Content(title, sub, sections, tables, figs, f"{title} · {sub[-1]}")
