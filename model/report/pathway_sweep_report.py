"""Report of a pathway sweep (`sweep.py --from`, model/sweep_pathway.py): how the multi-year plan
moves with the swept inputs. The discounted total cost, spending, gas against its cap and
households converted at each point and year, and the villages whose final route or conversion
year is not the same at every point (the villages that swing with, say, the gas price).

The combined file holds per point the yearly totals, each zone's final route and conversion year,
and the zone and route names. Counties, townships, households, route categories and English
route names come from the run's input folder when it is there. Without it the report shows ids,
and a note says so.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from model.report import tables as tb
from model.report.content import Content, Section, run_meta
from model.report.figures import _cat_color, _no_data, _small_multiples, number, style_value_axis
from model.report.fonts import matplotlib_rc
from model.report.labels import CATEGORIES, T, header, swept_label, swept_name, unit_label
from model.report.villages import places, route_categories, route_names, village_names, with_places

REQUIRED = ("objective", "point_status", "point_mip_gap", "investment", "subsidy_equipment", "subsidy_running",
            "gas_annual", "gas_annual_cap", "clean_households", "households_converted", "chosen_route",
            "conversion_year", "zones_route_changed", "zones_year_changed")
VILLAGE_ROWS = 200  # swing villages printed in the HTML; the CSV and workbook have all of them
BINDS = 1e-5  # gas use within this share of its cap is at the cap (whole households leave it a hair under)


def is_pathway_sweep(ds: xr.Dataset) -> bool:
    from model.sweep_pathway import POINT_FORMAT

    return "point" in ds.dims and ds.attrs.get("point_format") == POINT_FORMAT


def missing_variables(ds: xr.Dataset) -> list[str]:
    return [v for v in REQUIRED if v not in ds.variables]


def swept(ds: xr.Dataset) -> list[str]:
    """The swept inputs in grid order (the last one varies fastest along the `point` dim)."""
    names = [n for n in str(ds.attrs.get("swept", "")).split(",") if n and n in ds.coords]
    return names or [str(c) for c in ds.coords if c != "point" and ds[c].dims == ("point",)]


def _v(x) -> str:
    return f"{float(x):g}"


def _unit(ds: xr.Dataset, name: str, lang: str) -> str:
    from model.report.labels import SWEPT_LABELS

    u = str(ds[name].attrs.get("units", "")) or SWEPT_LABELS.get(name, ("", "", ""))[2]
    u = unit_label(u, lang).replace("m3", "m³")
    return f" {u}" if u else ""


def point_label(ds: xr.Dataset, j: int, lang: str, units: bool = False) -> str:
    """'气价 2.5' (the point's swept values, as a planner names the inputs; `units`: '气价 2.5 元/m³')."""
    return ("，" if lang == "zh" else ", ").join(
        f"{swept_name(n, lang)} {_v(ds[n].values[j])}{_unit(ds, n, lang) if units else ''}" for n in swept(ds))


def step_label(ds: xr.Dataset, j: int, lang: str) -> tuple[str, str]:
    """The step from point j-1 to j of a line: ('气价 2.5 元/m³', '3.5 元/m³'); the other inputs named once."""
    last = swept(ds)[-1]
    return point_label(ds, j - 1, lang, units=True), f"{_v(ds[last].values[j])}{_unit(ds, last, lang)}"


def has_plan(ds: xr.Dataset) -> np.ndarray:
    return np.isfinite(np.asarray(ds["objective"].values, dtype=float))


def _years(ds: xr.Dataset) -> list[int]:
    return [int(y) for y in ds["year"].values]


def _status(s: str, lang: str) -> str:
    key = f"ps_status_{s}"
    label = T(key, lang)
    return s if label == key else label


# ------------------------------------------------------------------ what swings

def swings(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per zone: (final route differs between points with a plan, conversion year differs)."""
    ok = has_plan(ds)
    route = ds["chosen_route"].values.astype(str)[ok]
    year = np.asarray(ds["conversion_year"].values)[ok]
    if len(route) == 0:
        n = ds.sizes["zone"]
        return np.zeros(n, bool), np.zeros(n, bool)
    return (route != route[0]).any(axis=0), (year != year[0]).any(axis=0)


# ------------------------------------------------------------------ tables

def _swept_columns(ds: xr.Dataset, idx, lang: str) -> dict[str, np.ndarray]:
    return {swept_label(n, str(ds[n].attrs.get("units", "")), lang): np.asarray(ds[n].values, dtype=float)[idx]
            for n in swept(ds)}


def _in_year(key: str, year: int, unit: str, lang: str) -> str:
    label = T(key, lang).format(year=year)
    u = unit_label(unit, lang)
    return label if not u else (f"{label}（{u}）" if lang == "zh" else f"{label} ({u})")


def _changed(ds: xr.Dataset, name: str) -> np.ndarray:
    v = np.asarray(ds[name].values, dtype=float)
    return np.where(v < 0, np.nan, v)  # -1: first point of a line or no plan


def points_table(ds: xr.Dataset, lang: str) -> tb.Table:
    n = ds.sizes["point"]
    last = _years(ds)[-1]
    fin = {v: np.asarray(ds[v].isel(year=-1).values, dtype=float) for v in ("gas_annual", "gas_annual_cap",
                                                                          "clean_households")}
    total = {v: np.asarray(ds[v].sum("year", min_count=1).values, dtype=float)
             for v in ("investment", "subsidy_equipment", "subsidy_running")}
    cols = _swept_columns(ds, slice(None), lang)
    cols[T("status", lang)] = [_status(s, lang) for s in ds["point_status"].values.astype(str)]
    # as text: a gap of 1e-4 would print as 0.0 in a percent column and in sci notation as a number
    cols[T("mip_gap", lang)] = ["–" if not np.isfinite(g) else f"{g:.2%}" for g in
                                np.asarray(ds["point_mip_gap"].values, dtype=float)]
    cols[header("ps_col_cost", tb.units(ds, "objective"), lang)] = np.asarray(ds["objective"].values, dtype=float)
    cols[header("ps_col_investment", tb.units(ds, "investment"), lang)] = total["investment"]
    cols[header("ps_col_sub_eq", tb.units(ds, "subsidy_equipment"), lang)] = total["subsidy_equipment"]
    cols[header("ps_col_sub_run", tb.units(ds, "subsidy_running"), lang)] = total["subsidy_running"]
    cols[_in_year("ps_col_gas", last, tb.units(ds, "gas_annual"), lang)] = fin["gas_annual"]
    cols[_in_year("ps_col_cap", last, tb.units(ds, "gas_annual_cap"), lang)] = fin["gas_annual_cap"]
    cols[_in_year("ps_col_clean", last, "households", lang)] = fin["clean_households"]
    cols[T("ps_col_route_changed", lang)] = _changed(ds, "zones_route_changed")
    cols[T("ps_col_year_changed", lang)] = _changed(ds, "zones_year_changed")
    df = pd.DataFrame(cols, index=range(n))
    note = T("ps_units_note", lang).format(first=_years(ds)[0], last=last) + " " + \
        T("ps_changed_note", lang).format(param=swept_name(swept(ds)[-1], lang))
    return tb.Table("pathway_sweep_points", T("pathway_sweep_points", lang), df, note=note, key_cols=len(swept(ds)))


def _converted_columns(ds: xr.Dataset, cats: dict[str, str], lang: str) -> list[tuple[str, np.ndarray, str]]:
    """(label, point x year households, category or '') per route category, or per route when the
    categories are unknown; columns all zero left out."""
    hc = ds["households_converted"].transpose("point", "route", "year")
    routes = ds["route"].values.astype(str)
    vals = np.asarray(hc.values, dtype=float)
    out = []
    if cats and all(r in cats for r in routes):
        for c in [c for c in CATEGORIES if c in set(cats.values())] + sorted(set(cats.values()) - set(CATEGORIES)):
            m = np.array([cats[r] == c for r in routes])
            label = T("transitional_short", lang) if c == "coal" else T(c, lang)
            out.append((label, vals[:, m, :].sum(axis=1), c))
    else:
        names = route_names(ds, None, lang)
        out = [(names[r], vals[:, k, :], "") for k, r in enumerate(routes)]
    return [(label, v, c) for label, v, c in out if np.nansum(v) > 0]


def years_table(ds: xr.Dataset, cats: dict[str, str], lang: str) -> tb.Table:
    years = _years(ds)
    n, ny = ds.sizes["point"], len(years)
    pi = np.repeat(np.arange(n), ny)
    yi = np.tile(np.arange(ny), n)
    cols = _swept_columns(ds, pi, lang)
    cols[T("year", lang)] = [str(years[k]) for k in yi]
    for v in ("gas_annual", "gas_annual_cap", "investment"):
        cols[header(v, tb.units(ds, v), lang)] = np.asarray(ds[v].transpose("point", "year").values, float)[pi, yi]
    conv = _converted_columns(ds, cats, lang)
    ok = has_plan(ds)[pi]
    for label, v, _ in conv:
        cols[header("ps_col_conv", "households", lang).format(what=label)] = np.where(ok, v[pi, yi], np.nan)
    if conv:
        tot = sum(v for _, v, _ in conv)
        cols[header("ps_col_conv_total", "households", lang)] = np.where(ok, tot[pi, yi], np.nan)
    note = "" if cats else T("ps_by_route_note", lang)
    return tb.Table("pathway_sweep_years", T("pathway_sweep_years", lang), pd.DataFrame(cols), note=note,
                    key_cols=len(swept(ds)) + 1)


def _cell(route: str, year: int, ok: bool, names: dict[str, str], lang: str) -> str:
    if not ok:
        return T("ps_cell_no_plan", lang)
    if year <= 0:
        return T("ps_cell_none", lang).format(route=names.get(route, route))
    return T("ps_cell", lang).format(route=names.get(route, route), year=int(year))


def swing_frame(ds: xr.Dataset, info) -> pd.DataFrame:
    """The zones whose final route or conversion year is not the same at every point with a plan,
    with their place, name and households, sorted by county then zone (row: index into `zone`)."""
    r, y = swings(ds)
    sel = np.flatnonzero(r | y)
    f = places(ds, info).iloc[sel].copy()
    f["name"] = village_names(ds, info)[sel]
    f["route_changes"], f["year_changes"], f["row"] = r[sel], y[sel], sel
    return f.sort_values(["county", "zone"], kind="stable").reset_index(drop=True)


def villages_table(ds: xr.Dataset, f: pd.DataFrame, info, lang: str) -> tb.Table:
    """The swing villages (`swing_frame`): place, name, households, what changes, and per point its
    route and year."""
    names = route_names(ds, info.data if info is not None else None, lang)
    route = ds["chosen_route"].values.astype(str)
    year = np.asarray(ds["conversion_year"].values)
    ok = has_plan(ds)
    dash = "–"
    cols = {}
    if with_places(ds, info):
        cols[T("county_id", lang)] = f["county"].replace("", dash)
        cols[T("county", lang)] = f["county_name"].replace("", dash)
        cols[T("township", lang)] = f["township_name"].replace("", dash)
    cols[T("zone_id", lang)] = f["zone"]
    cols[T("zone_name", lang)] = f["name"]
    if with_places(ds, info):
        cols[T("households", lang)] = f["households"].to_numpy(dtype=float)
    rc, yc = f["route_changes"].to_numpy(bool), f["year_changes"].to_numpy(bool)
    cols[T("ps_changes", lang)] = np.where(rc & yc, T("ps_change_both", lang),
                                           np.where(rc, T("ps_change_route", lang), T("ps_change_year", lang)))
    for j in range(ds.sizes["point"]):
        cols[point_label(ds, j, lang)] = [_cell(route[j, z], year[j, z], bool(ok[j]), names, lang) for z in f["row"]]
    keys = 5 if with_places(ds, info) else 2  # the place and name repeat when a wide table is split
    return tb.Table("pathway_sweep_villages", T("pathway_sweep_villages", lang), pd.DataFrame(cols),
                    note=T("ps_village_note", lang), html_rows=VILLAGE_ROWS, key_cols=keys)


def county_table(f: pd.DataFrame, lang: str) -> tb.Table:
    """Swing villages per county: how many, how many change route, year, and their households."""
    g = f.groupby(["county", "county_name"], sort=True)
    df = pd.DataFrame({T("county_id", lang): [k[0] for k in g.groups],
                       T("county", lang): [k[1] or "–" for k in g.groups],
                       T("ps_col_swing", lang): g.size().to_numpy(dtype=float),
                       T("ps_col_swing_route", lang): g["route_changes"].sum().to_numpy(dtype=float),
                       T("ps_col_swing_year", lang): g["year_changes"].sum().to_numpy(dtype=float),
                       T("households", lang): g["households"].sum(min_count=1).to_numpy(dtype=float)})
    total = {c: float(df[c].sum()) for c in df.columns[2:]}
    df = pd.concat([df, pd.DataFrame([{T("county_id", lang): "", T("county", lang): T("total", lang), **total}])],
                   ignore_index=True)
    return tb.Table("pathway_sweep_counties", T("pathway_sweep_counties", lang), df, total_row=True)


def county_parts(t: tb.Table, lang: str) -> list[tb.Table]:
    """The swing list as the report prints it: one table per county, titled with the county, without
    the county columns (with them, two points' routes do not fit the A4 width); rows shared out when
    the list is long (the CSV and workbook have all)."""
    cid, cname = T("county_id", lang), T("county", lang)
    if cid not in t.df.columns:
        return [t]
    groups = list(t.df.groupby(cid, sort=False))
    per = None if len(t.df) <= VILLAGE_ROWS else max(10, VILLAGE_ROWS // len(groups))
    out = []
    for _, part in groups:
        title = T("ps_county_villages", lang).format(county=part[cname].iloc[0], n=len(part))
        out.append(tb.Table(t.id, title, part.drop(columns=[cid, cname]).reset_index(drop=True),
                            html_rows=per, key_cols=t.key_cols - 2))
    return out


# ------------------------------------------------------------------ findings

def findings(ds: xr.Dataset, info, lang: str) -> list[str]:
    from model.report.render import fmt  # the tables' format: separators, decimals only for small numbers

    n = ds.sizes["point"]
    ok = has_plan(ds)
    years = _years(ds)
    names = swept(ds)
    out = []
    cost = np.asarray(ds["objective"].values, dtype=float)
    cu = unit_label(tb.units(ds, "objective"), lang)
    params = ("、" if lang == "zh" else ", ").join(swept_name(s, lang) for s in names)
    span = dict(first=years[0], last=years[-1], cu=cu)
    if ok.sum() >= 2:
        i0, i1 = int(np.nanargmin(cost)), int(np.nanargmax(cost))
        pct = 100.0 * (cost[i1] / cost[i0] - 1) if cost[i0] else 0.0
        out.append(T("ps_cost", lang).format(n=n, params=params, c0=fmt(cost[i0]), p0=point_label(ds, i0, lang, True),
                                             c1=fmt(cost[i1]), p1=point_label(ds, i1, lang, True),
                                             d=fmt(cost[i1] - cost[i0]), pct=pct, **span))
    elif ok.sum() == 1:
        i = int(np.flatnonzero(ok)[0])
        out.append(T("ps_cost_one", lang).format(p=point_label(ds, i, lang, True), c=fmt(cost[i]), **span))
    if ok.any():
        g = np.asarray(ds["gas_annual"].isel(year=-1).values, dtype=float)[ok]
        cap = np.asarray(ds["gas_annual_cap"].isel(year=-1).values, dtype=float)[ok]
        same = np.ptp(cap) <= 1e-9 * max(1.0, abs(cap.max()))
        caps = fmt(cap.min()) if same else f"{fmt(cap.min())}–{fmt(cap.max())}"
        use, lim = (np.asarray(ds[v].transpose("point", "year").values, dtype=float)[ok]
                    for v in ("gas_annual", "gas_annual_cap"))
        at = use >= lim * (1 - BINDS)
        sep = "、" if lang == "zh" else ", "
        binds = sep.join(T("ps_gas_year", lang).format(year=y, k=int(at[:, i].sum()), n=int(ok.sum()))
                         for i, y in enumerate(years) if at[:, i].any())
        out.append(T("ps_gas", lang).format(year=years[-1], g0=fmt(g.min()), g1=fmt(g.max()), cap=caps,
                                            gu=unit_label(tb.units(ds, "gas_annual"), lang),
                                            binds=T("ps_gas_binds", lang).format(years=binds) if binds else ""))
    rc, yc = _changed(ds, "zones_route_changed"), _changed(ds, "zones_year_changed")
    if np.isfinite(rc).any() and np.nanmax(rc) > 0:
        j = int(np.nanargmax(rc))
        p0, p1 = step_label(ds, j, lang)
        out.append(T("ps_change_most", lang).format(p0=p0, p1=p1, nr=int(rc[j]), ny=int(yc[j])))
    elif np.isfinite(yc).any() and np.nanmax(yc) > 0:
        j = int(np.nanargmax(yc))
        p0, p1 = step_label(ds, j, lang)
        out.append(T("ps_change_years_only", lang).format(p0=p0, p1=p1, ny=int(yc[j])))
    r, y = swings(ds)
    if (r | y).any():
        hh = places(ds, info)["households"].to_numpy(dtype=float)[r | y]
        hh_text = T("ps_swing_hh", lang).format(h=float(np.nansum(hh))) if np.isfinite(hh).all() else ""
        out.append(T("ps_swing", lang).format(n=int((r | y).sum()), hh=hh_text, nr=int(r.sum()), ny=int(y.sum()),
                                              table=T("pathway_sweep_villages", lang)))
    elif ok.sum() >= 2:
        out.append(T("ps_change_none", lang))
    status = ds["point_status"].values.astype(str)
    gap = np.asarray(ds["point_mip_gap"].values, dtype=float)
    bad = [j for j in range(n) if status[j] != "optimal"]
    if not bad:
        out.append(T("ps_status_ok", lang).format(n=n, gap=float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.0))
    else:
        sep = "；" if lang == "zh" else "; "
        parts = [T("ps_point_status" if ok[j] else "ps_point_no_plan", lang).format(
                 p=point_label(ds, j, lang, True), status=_status(status[j], lang), gap=f"{gap[j]:.2%}") for j in bad]
        out.append(T("ps_status_bad", lang).format(n=n, k=len(bad), points=sep.join(parts)))
    return out


# ------------------------------------------------------------------ figures

def cost_figure(ds: xr.Dataset, lang: str) -> Figure:
    """Discounted total cost against the last swept input; one panel per combination of the others."""
    names = swept(ds)
    x_name, others = names[-1], names[:-1]
    x = np.asarray(ds[x_name].values, dtype=float)
    cost = np.asarray(ds["objective"].values, dtype=float)
    optimal = ds["point_status"].values.astype(str) == "optimal"
    keys = [tuple(float(ds[o].values[j]) for o in others) for j in range(ds.sizes["point"])]
    lines = list(dict.fromkeys(keys))
    xlabel = swept_label(x_name, str(ds[x_name].attrs.get("units", "")), lang)
    if len(lines) == 1:
        fig = Figure(figsize=(8, 3.4), layout="constrained")
        axes = [fig.subplots()]
    else:
        fig, axes = _small_multiples(len(lines), 3, panel_w=2.9, panel_h=2.1)
    for ax, key in zip(axes, lines):
        m = np.array([k == key for k in keys]) & np.isfinite(cost)
        if others:
            ax.set_title(("，" if lang == "zh" else ", ").join(f"{swept_name(o, lang)} {_v(v)}"
                                                              for o, v in zip(others, key)), fontsize=8)
        if not m.any():
            _no_data(ax, lang)
            continue
        ax.plot(x[m], cost[m], "-", color="#4c72b0", lw=1.5)
        ax.plot(x[m & optimal], cost[m & optimal], "o", color="#4c72b0", ms=4)
        if (m & ~optimal).any():  # a point not proven optimal: hollow
            ax.plot(x[m & ~optimal], cost[m & ~optimal], "o", mfc="white", mec="#c44e52", ms=5,
                    label=T("ps_not_optimal", lang))
            ax.legend(fontsize=7)
        if len(lines) == 1:
            for xi, ci in zip(x[m], cost[m]):
                ax.annotate(number(ci), (xi, ci), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
            ax.margins(x=0.08, y=0.18)
        style_value_axis(ax)
        if len(np.unique(x)) <= 12:  # ticks at the swept values themselves
            ax.set_xticks(np.unique(x))
        ax.xaxis.set_major_formatter(lambda v, _p: f"{v:g}")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    u = unit_label(tb.units(ds, "objective"), lang)
    if len(lines) > 1:
        fig.supxlabel(xlabel, fontsize=8)
        fig.supylabel(u, fontsize=8)
    else:
        axes[0].set_xlabel(xlabel, fontsize=8)
        axes[0].set_ylabel(u, fontsize=8)
    fig.suptitle(T("fig_ps_cost", lang), fontsize=10)
    return fig


def _point_colors(n: int) -> list:
    cmap = mpl.colormaps["viridis"]
    return [cmap(0.1 + 0.75 * k / max(n - 1, 1)) for k in range(n)]


def gas_figure(ds: xr.Dataset, lang: str) -> Figure:
    """Heating gas per year, one line per point with a plan, and the cap (one dashed line when every
    point has the same cap, else one per point in its colour; said in words when far above use)."""
    years = _years(ds)
    ok = np.flatnonzero(has_plan(ds))
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.set_title(T("fig_ps_gas", lang), fontsize=10)
    use = np.asarray(ds["gas_annual"].transpose("point", "year").values, dtype=float)
    cap = np.asarray(ds["gas_annual_cap"].transpose("point", "year").values, dtype=float)
    if not len(ok) or (use[ok].max() <= 0 and cap[ok].max() <= 0):
        _no_data(ax, lang, "all_zero" if len(ok) else "no_data")
        return fig
    colors = _point_colors(len(ok))
    for c, j in zip(colors, ok):
        ax.plot(years, use[j], "-o", ms=3, color=c, label=point_label(ds, j, lang))
    top = max(float(use[ok].max()), 0.0) * 1.25
    same = np.allclose(cap[ok], cap[ok[0]], rtol=1e-9, equal_nan=True)
    if float(cap[ok].max()) <= max(top, 1e-9) * 5 or use[ok].max() <= 0:
        if same:
            ax.plot(years, cap[ok[0]], "--", color="#c44e52", lw=1.2, label=T("cap", lang))
        else:
            for c, j in zip(colors, ok):
                ax.plot(years, cap[j], "--", color=c, lw=1)
            ax.plot([], [], "--", color="#777777", label=T("cap", lang))
        top = None  # use and cap are close: from zero they would be one line; the axis says where it starts
    else:  # a cap far above use would flatten the lines: say it
        caps = number(float(cap[ok].min())) if same else f"{number(float(cap[ok].min()))}–{number(float(cap[ok].max()))}"
        ax.text(0.5, 0.93, f"{T('cap', lang)} {caps}", transform=ax.transAxes, ha="center", color="#c44e52", fontsize=8)
    if top is not None:
        ax.set_ylim(0, top if top > 0 else 1)
    else:
        ax.margins(y=0.15)
    style_value_axis(ax)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel(unit_label(tb.units(ds, "gas_annual"), lang), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def mix_figure(ds: xr.Dataset, cats: dict[str, str], lang: str) -> Figure:
    """Households converted over the whole horizon per point, stacked by route category (or route)."""
    ok = np.flatnonzero(has_plan(ds))
    labels = [point_label(ds, j, lang) for j in ok]
    fig = Figure(figsize=(8, max(2.4, 0.42 * len(ok) + 1.4)), layout="constrained")
    ax = fig.subplots()
    ax.set_title(T("fig_ps_mix", lang), fontsize=10)
    conv = _converted_columns(ds, cats, lang)
    if not len(ok) or not conv:
        _no_data(ax, lang, "all_zero" if len(ok) else "no_data")
        return fig
    left = np.zeros(len(ok))
    y = np.arange(len(ok))
    cmap = mpl.colormaps["tab20"]
    for k, (label, v, c) in enumerate(conv):
        w = v[ok].sum(axis=1)
        ax.barh(y, w, left=left, color=_cat_color(c) if c else cmap(k % 20), label=label)
        left += w
    for yi, v in zip(y, left):
        ax.text(v, yi, " " + number(v), va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.12 if left.max() > 0 else 1)
    style_value_axis(ax, "x", nbins=4)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(T("households_axis", lang), fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# ------------------------------------------------------------------ the report

def pathway_sweep_content(ds: xr.Dataset, lang: str, source: Path, info) -> Content:
    data = info.data if info is not None else None
    years = _years(ds)
    params = ("、" if lang == "zh" else ", ").join(swept_name(n, lang) for n in swept(ds))
    title = T("title_plan", lang).format(name=info.name(lang))
    sub = [T("title_period", lang).format(period=info.period(lang))] if info.period(lang) else []
    line = T("title_pathway_sweep", lang).format(first=years[0], last=years[-1], params=params)
    if str(ds.attrs.get("scenario", "")):
        line += T("title_scenario", lang).format(scenario=ds.attrs["scenario"])
    sub.append(line)
    cats = route_categories(ds, data)
    swing = swing_frame(ds, info)
    pts, yrs, vil = points_table(ds, lang), years_table(ds, cats, lang), villages_table(ds, swing, info, lang)
    tables = [pts, yrs, vil]
    with mpl.rc_context(matplotlib_rc()):
        figs = [("pathway_sweep_cost", T("fig_ps_cost", lang), cost_figure(ds, lang)),
                ("pathway_sweep_mix", T("fig_ps_mix", lang), mix_figure(ds, cats, lang)),
                ("pathway_sweep_gas", T("fig_ps_gas", lang), gas_figure(ds, lang))]
    s = Section(T("sec_summary", lang))
    s.add("h3", T("sec_findings", lang)).add("ul", findings(ds, info, lang))
    p = Section(T("sec_ps_points", lang), page_break=True)
    p.add("figure", "pathway_sweep_cost").add("table", pts).add("figure", "pathway_sweep_mix")
    y = Section(T("sec_ps_years", lang), page_break=True).add("figure", "pathway_sweep_gas").add("table", yrs)
    v = Section(T("sec_ps_villages", lang).format(params=params), page_break=True)
    unknown = int((~places(ds, info)["found"]).sum())
    shown = with_places(ds, info)
    if not shown:
        v.add("note", T("ps_no_places", lang))
    elif unknown:
        v.add("note", T("ps_some_places_missing", lang).format(n=unknown))
    if len(vil.df) and shown:
        counties = county_table(swing, lang)
        tables.append(counties)
        v.add("table", counties).add("h3", vil.title).add("note", vil.note)
        for part in county_parts(vil, lang):
            v.add("table", part, rows=part.html_rows)
    elif len(vil.df):  # no counties to split by: the list as it is
        v.add("table", vil, rows=VILLAGE_ROWS)
    else:
        v.add("p", T("ps_villages_none", lang))
    app = Section(T("sec_appendix", lang), page_break=True).add("h3", T("sec_run_meta", lang))
    app.add("meta", run_meta(ds, lang, source, info) + [(T("ps_swept", lang), ", ".join(swept(ds)))])
    app.add("h3", T("sec_notes", lang))
    for zh_en in info.notes:
        app.add("note", zh_en[0 if lang == "zh" else 1])
    app.add("note", T("files_note", lang))
    return Content(title, sub, [s, p, y, v, app], tables, figs, f"{title} · {sub[-1]}")
