"""Report of a Monte Carlo run (`scripts/robust.py`, model/robust.py): how robust the plan is to
prices, COPs and demand. The samples' least cost against the base plan's cost, how often the
base plan breaks a cap, its regret where it holds (with the bound the sample gap leaves), and
which villages keep their base-plan route over the samples, by county and village by village.

The combined file holds per sample the draws, costs, statuses and routes, per zone the route
frequencies, and the table of uncertain inputs as coordinates. Counties, townships and households
come from the run's input folder when it is there (as for a pathway sweep); without it the
village list shows ids and names, and a note says so.
"""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from model.report import tables as tb
from model.report.content import Content, Section, run_meta
from model.report.figures import _no_data, number, style_value_axis
from model.report.fonts import matplotlib_rc
from model.report.labels import T, header, swept_name, unit_label
from model.report.villages import places, route_names, village_names, with_places

REQUIRED = ("sample_value", "sample_status", "sample_cost", "sample_bound", "base_status", "base_cost", "regret",
            "regret_upper", "sample_route", "route_frequency", "base_route", "base_route_frequency")
VILLAGE_ROWS = 200  # least-robust villages printed in the HTML; the CSV and workbook have all of them
HIGH, LOW = 0.95, 0.5  # a village keeps its base route in at least HIGH of the samples / in fewer than LOW
COST_UNIT = "10^4 yuan/a"


def is_monte_carlo(ds: xr.Dataset) -> bool:
    return "sample" in ds.dims and ("regret" in ds or "robust_seed" in ds.attrs)


def missing_variables(ds: xr.Dataset) -> list[str]:
    return [v for v in REQUIRED if v not in ds.variables]


def _a(ds: xr.Dataset, name: str) -> np.ndarray:
    return np.asarray(ds[name].values, dtype=float)


def has_plan(ds: xr.Dataset) -> np.ndarray:
    return np.isfinite(_a(ds, "sample_cost"))


def base_cost(ds: xr.Dataset) -> float:
    """The base plan's cost at the inputs as they are."""
    return float(ds.attrs.get("base_cost_10k_yuan_per_a", np.nan))


def stats(v: np.ndarray) -> dict[str, float]:
    """Mean, quantiles and extremes of the finite values (robust.robust_dataset's quantiles)."""
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return {k: np.nan for k in ("n", "mean", "min", "p05", "p50", "p95", "max")} | {"n": 0}
    return {"n": len(v), "mean": float(v.mean()), "min": float(v.min()), "p05": float(np.quantile(v, 0.05)),
            "p50": float(np.quantile(v, 0.5)), "p95": float(np.quantile(v, 0.95)), "max": float(v.max())}


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


# ------------------------------------------------------------------ the uncertain inputs

_ROUTE_CELL = re.compile(r"^routes\[(?P<key>[^\]]+)\]\.(?P<col>\w+)$")
_BT_CELL = re.compile(r"^building_types\[(?P<key>[^\]]+)\]\.(?P<col>\w+)$")


def parameter_label(p: str, ds: xr.Dataset, data, lang: str) -> str:
    """What an override address means to a planner ('空气源热泵 季节能效（COP）'); else the address."""
    if swept_name(p, lang) != p:
        return swept_name(p, lang)
    m = _ROUTE_CELL.match(p)
    if m:
        route = route_names(ds, data, lang).get(m["key"], m["key"]) if "route" in ds.dims else m["key"]
        col = T(f"mc_col_{m['col']}", lang)
        return f"{route} {col}" if not col.startswith("mc_col_") else p
    m = _BT_CELL.match(p)
    if m:
        name = m["key"]
        if lang == "zh" and data is not None and "name_zh" in data.tables["building_types"]:
            bt = data.tables["building_types"]
            name = dict(zip(bt["building_type"].astype(str), bt["name_zh"].astype(str))).get(name, name)
        col = T(f"mc_col_{m['col']}", lang)
        return f"{name} {col}" if not col.startswith("mc_col_") else p
    return p


def uncertain_inputs(ds: xr.Dataset, info) -> tuple[list[dict], str]:
    """The table of uncertain inputs the run drew from, one dict a parameter (parameter, distribution,
    params, applies, source; '' where unknown), and where it was found: 'file' (the dataset's own
    coordinates: what the run used), 'csv' (the input folder's uncertainty.csv, whose table hash is
    the run's) or 'names' (only the parameter names)."""
    params = [str(p) for p in ds["parameter"].values]
    if "parameter_distribution" in ds.coords:
        def col(name):
            return [str(v) for v in ds[name].values] if name in ds.coords else [""] * len(params)

        rows = [{"parameter": p, "distribution": d, "params": tuple(float(x) for x in s.split(",") if x.strip()),
                 "applies": a, "source": src}
                for p, d, s, a, src in zip(params, col("parameter_distribution"), col("parameter_params"),
                                           col("parameter_applies"), col("parameter_source"))]
        return rows, "file"
    folder = getattr(info, "folder", None)
    if folder is not None and (Path(folder) / "uncertainty.csv").is_file():
        from model.errors import InputError
        from model.robust import read_uncertainty, table_hash

        try:
            table = read_uncertainty(Path(folder) / "uncertainty.csv")
        except InputError:
            table = ()
        if table and table_hash(table) == str(ds.attrs.get("robust_table", "")) and \
                [u.parameter for u in table] == params:
            return [{"parameter": u.parameter, "distribution": u.distribution, "params": u.params,
                     "applies": u.applies, "source": u.source} for u in table], "csv"
    return [{"parameter": p, "distribution": "", "params": (), "applies": "", "source": ""} for p in params], "names"


def inputs_table(ds: xr.Dataset, info, lang: str) -> tuple[tb.Table, str]:
    rows, found = uncertain_inputs(ds, info)
    data = info.data if info is not None else None
    vals = _a(ds, "sample_value")
    fin = np.isfinite(vals)
    with np.errstate(all="ignore"):
        lo = np.where(fin.any(0), np.nanmin(np.where(fin, vals, np.inf), axis=0), np.nan)
        hi = np.where(fin.any(0), np.nanmax(np.where(fin, vals, -np.inf), axis=0), np.nan)
        mean = np.where(fin.any(0), np.nansum(np.where(fin, vals, 0), axis=0) / np.maximum(fin.sum(0), 1), np.nan)

    def par(r, k):
        return r["params"][k] if len(r["params"]) > k else np.nan

    df = pd.DataFrame({
        T("mc_parameter", lang): [parameter_label(r["parameter"], ds, data, lang) for r in rows],
        T("mc_address", lang): [r["parameter"] for r in rows],
        T("mc_distribution", lang): [T(f"mc_dist_{r['distribution']}", lang) if r["distribution"] else "–"
                                     for r in rows],
        "a": [par(r, 0) for r in rows], "b": [par(r, 1) for r in rows], "c": [par(r, 2) for r in rows],
        T("mc_applies", lang): [T(f"mc_applies_{r['applies']}", lang) if r["applies"] else "–" for r in rows],
        T("mc_draw_min", lang): lo, T("mc_draw_mean", lang): mean, T("mc_draw_max", lang): hi,
        T("mc_source", lang): [r["source"] or "–" for r in rows],
    })
    note = T("mc_inputs_note", lang)
    if found == "names":
        note += " " + T("mc_inputs_names_only", lang)
    # the address is exact but long and the sources are sentences: the page has the planner's name
    # and lists the sources under the table (`sources`), the workbook has every column
    return tb.Table("robust_inputs", T("robust_inputs", lang), df, note=note, key_cols=1,
                    html_hide=(T("mc_address", lang), T("mc_source", lang))), found


def sources(t: tb.Table, lang: str) -> list[str]:
    """'气价：assumption: ...' per input with a source, for the page."""
    df = t.df
    sep = "：" if lang == "zh" else ": "
    return [f"{n}{sep}{s}" for n, s in zip(df[T("mc_parameter", lang)], df[T("mc_source", lang)]) if s != "–"]


# ------------------------------------------------------------------ per zone

def zone_frame(ds: xr.Dataset, info) -> pd.DataFrame:
    """Per zone: place and households (from the input folder), name, base route, the share of the
    samples with a plan that keep it, and the route most often taken instead with its share."""
    f = places(ds, info)
    f["name"] = village_names(ds, info)
    f["base_route"] = ds["base_route"].values.astype(str)
    f["freq"] = _a(ds, "base_route_frequency")
    routes = ds["route"].values.astype(str)
    rf = np.asarray(ds["route_frequency"].transpose("zone", "route").values, dtype=float).copy()
    base_idx = np.array([np.flatnonzero(routes == r)[0] if r in routes else -1 for r in f["base_route"]])
    rows = np.flatnonzero(base_idx >= 0)
    rf[rows, base_idx[rows]] = -1.0  # the route taken instead: any but the base route
    alt = rf.argmax(axis=1) if rf.shape[1] else np.zeros(len(f), dtype=int)
    alt_freq = rf[np.arange(len(f)), alt] if rf.shape[1] else np.zeros(len(f))
    f["alt_route"] = np.where(alt_freq > 0, routes[alt] if len(routes) else "", "")
    f["alt_freq"] = np.where(alt_freq > 0, alt_freq, 0.0)
    f["row"] = np.arange(len(f))
    return f


def least_robust(z: pd.DataFrame) -> pd.DataFrame:
    """The zones that leave their base route in some sample: by share kept ascending, then the larger
    villages first, then id."""
    f = z[z["freq"] < 1].copy()
    f["_hh"] = f["households"].fillna(-1.0)
    return f.sort_values(["freq", "_hh", "zone"], ascending=[True, False, True], kind="stable") \
        .drop(columns="_hh").reset_index(drop=True)


def villages_table(ds: xr.Dataset, f: pd.DataFrame, info, lang: str) -> tb.Table:
    names = route_names(ds, info.data if info is not None else None, lang)
    dash = "–"
    cols = {T("zone_id", lang): f["zone"], T("zone_name", lang): f["name"]}
    if with_places(ds, info):
        cols[T("county_id", lang)] = f["county"].replace("", dash)
        cols[T("county", lang)] = f["county_name"].replace("", dash)
        cols[T("township", lang)] = f["township_name"].replace("", dash)
        cols[T("households", lang)] = f["households"].to_numpy(dtype=float)
    cols[T("mc_base_route", lang)] = [names.get(r, r) for r in f["base_route"]]
    cols[T("mc_col_keeps", lang)] = 100 * f["freq"].to_numpy(dtype=float)
    cols[T("mc_alt_route", lang)] = [names.get(r, r) if r else dash for r in f["alt_route"]]
    cols[T("mc_col_alt", lang)] = 100 * f["alt_freq"].to_numpy(dtype=float)
    pct = (T("mc_col_keeps", lang), T("mc_col_alt", lang))
    return tb.Table("robust_villages", T("robust_villages", lang), pd.DataFrame(cols).reset_index(drop=True),
                    note=T("mc_villages_note", lang), html_rows=VILLAGE_ROWS, percent_cols=pct, key_cols=2)


def printed_villages(t: tb.Table, lang: str) -> tb.Table:
    """The list as the page prints it: county and township in one cell, the other route with its
    share in one, no village code (nine columns do not fit A4; the workbook has them all)."""
    df = t.df
    if T("county", lang) not in df:  # no places to print (villages_table left them out)
        return t
    place = [f"{c} {w}".strip() if c != "–" or w != "–" else "–"
             for c, w in zip(df[T("county", lang)], df[T("township", lang)])]
    alt = [f"{r}（{v:.1f}%）" if lang == "zh" else f"{r} ({v:.1f} %)" if r != "–" else r
           for r, v in zip(df[T("mc_alt_route", lang)], df[T("mc_col_alt", lang)])]
    out = pd.DataFrame({T("zone_name", lang): df[T("zone_name", lang)], T("mc_place", lang): place,
                        T("households", lang): df[T("households", lang)],
                        T("mc_base_route", lang): df[T("mc_base_route", lang)],
                        T("mc_col_keeps", lang): df[T("mc_col_keeps", lang)], T("mc_alt_with_share", lang): alt})
    return tb.Table(t.id, t.title, out, note=t.note, html_rows=t.html_rows, percent_cols=(T("mc_col_keeps", lang),),
                    key_cols=1)


def county_frame(z: pd.DataFrame) -> pd.DataFrame:
    """Per county (id order): villages, households, households in villages keeping their base route
    in >= HIGH / < LOW of the samples, and the households-weighted share of samples kept."""
    z = z.assign(hh=z["households"].fillna(0.0), hi=z["freq"] >= HIGH, lo=z["freq"] < LOW)
    g = z.groupby(["county", "county_name"], sort=True)
    out = pd.DataFrame({"villages": g.size(), "households": g["hh"].sum(),
                        "hh_high": g.apply(lambda x: x.loc[x["hi"], "hh"].sum(), include_groups=False),
                        "hh_low": g.apply(lambda x: x.loc[x["lo"], "hh"].sum(), include_groups=False),
                        "kept": g.apply(lambda x: (x["hh"] * x["freq"]).sum(), include_groups=False)})
    out["share"] = np.where(out["households"] > 0, out["kept"] / out["households"].where(out["households"] > 0, 1),
                            np.nan)
    return out.reset_index()


def county_table(c: pd.DataFrame, lang: str) -> tb.Table:
    hh = "households"
    df = pd.DataFrame({T("county_id", lang): c["county"].replace("", "–"),
                       T("county", lang): c["county_name"].replace("", "–"),
                       T("mc_col_villages", lang): c["villages"].to_numpy(dtype=float),
                       header("households", hh, lang): c["households"].to_numpy(dtype=float),
                       header("mc_col_hh_high", hh, lang): c["hh_high"].to_numpy(dtype=float),
                       header("mc_col_hh_low", hh, lang): c["hh_low"].to_numpy(dtype=float),
                       T("mc_col_share", lang): 100 * c["share"].to_numpy(dtype=float)})
    tot_hh = float(c["households"].sum())
    total = {col: float(df[col].sum()) for col in df.columns[2:-1]}
    total[T("mc_col_share", lang)] = 100 * float(c["kept"].sum()) / tot_hh if tot_hh > 0 else np.nan
    df = pd.concat([df, pd.DataFrame([{T("county_id", lang): "", T("county", lang): T("total", lang), **total}])],
                   ignore_index=True)
    return tb.Table("robust_counties", T("robust_counties", lang), df, total_row=True,
                    percent_cols=(T("mc_col_share", lang),), note=T("mc_counties_note", lang))


# ------------------------------------------------------------------ cost and regret

def stats_table(ds: xr.Dataset, lang: str) -> tb.Table:
    rows = [("mc_row_cost", _a(ds, "sample_cost")), ("mc_row_base", _a(ds, "base_cost")),
            ("mc_row_regret", _a(ds, "regret")), ("mc_row_regret_upper", _a(ds, "regret_upper"))]
    st = [stats(v) for _, v in rows]
    u = unit_label(COST_UNIT, lang)  # in the title: eight columns with it in each header do not fit A4
    df = pd.DataFrame({T("mc_quantity", lang): [T(k, lang) for k, _ in rows],
                       T("mc_col_n", lang): [float(s["n"]) for s in st]})
    for k in ("mean", "min", "p05", "p50", "p95", "max"):
        df[T("mc_stat_" + k, lang)] = [s[k] for s in st]
    note = T("mc_stats_note", lang).format(base=number(base_cost(ds)), u=u,
                                           gap=_pct(float(ds.attrs.get("sample_gap", np.nan))))
    return tb.Table("robust_stats", T("robust_stats", lang), df, note=note, key_cols=1)


def _pct(g: float) -> str:
    return "–" if not np.isfinite(g) else f"{100 * g:g}%"


def samples_table(ds: xr.Dataset, info, lang: str) -> tb.Table:
    """Every sample (CSV and workbook only): statuses, costs, regret and the draws."""
    data = info.data if info is not None else None
    cu = COST_UNIT
    df = pd.DataFrame({T("mc_sample", lang): ds["sample"].values,
                       T("mc_col_status", lang): [_status(s, lang) for s in ds["sample_status"].values.astype(str)],
                       header("mc_col_cost", cu, lang): _a(ds, "sample_cost"),
                       header("mc_col_bound", cu, lang): _a(ds, "sample_bound"),
                       T("mc_col_base_status", lang): [_status(s, lang) for s in ds["base_status"].values.astype(str)],
                       header("mc_col_base_cost", cu, lang): _a(ds, "base_cost"),
                       header("mc_row_regret", cu, lang): _a(ds, "regret"),
                       header("mc_row_regret_upper", cu, lang): _a(ds, "regret_upper")})
    vals = _a(ds, "sample_value")
    for k, p in enumerate(ds["parameter"].values.astype(str)):
        df[parameter_label(p, ds, data, lang)] = vals[:, k]
    return tb.Table("robust_samples", T("robust_samples", lang), df, key_cols=1)


def _status(s: str, lang: str) -> str:
    key = f"mc_status_{s}"
    label = T(key, lang)
    return s if label == key else label


# ------------------------------------------------------------------ findings

def findings(ds: xr.Dataset, z: pd.DataFrame, counties: pd.DataFrame | None, lang: str) -> list[str]:
    from model.report.render import fmt

    n = ds.sizes["sample"]
    ok = has_plan(ds)
    status = ds["sample_status"].values.astype(str)
    bstatus = ds["base_status"].values.astype(str)
    u = unit_label(COST_UNIT, lang)
    base = base_cost(ds)
    out = [T("mc_samples", lang).format(n=n, k=ds.sizes["parameter"], seed=ds.attrs.get("robust_seed", ""),
                                       ok=int(ok.sum()), inf=int((status == "infeasible").sum()),
                                       miss=int((status == "missing").sum()))]
    c = stats(_a(ds, "sample_cost"))
    if c["n"]:
        d = 100 * (c["mean"] / base - 1) if np.isfinite(base) and base else np.nan
        out.append(T("mc_cost", lang).format(mean=fmt(c["mean"]), p05=fmt(c["p05"]), p50=fmt(c["p50"]),
                                             p95=fmt(c["p95"]), base=fmt(base), u=u, d=d))
    breaks = bstatus == "infeasible"
    unavailable = int((bstatus == "unavailable").sum())
    text = T("mc_breaks", lang).format(b=int(breaks.sum()), n=n, nb=int((breaks & ~ok).sum()))
    if unavailable:
        text += T("mc_unavailable", lang).format(k=unavailable)
    out.append(text)
    r, ru = stats(_a(ds, "regret")), stats(_a(ds, "regret_upper"))
    if r["n"]:
        share = 100 * r["mean"] / base if np.isfinite(base) and base else np.nan
        out.append(T("mc_regret", lang).format(k=r["n"], mean=fmt(r["mean"]), p50=fmt(r["p50"]), p95=fmt(r["p95"]),
                                               max=fmt(r["max"]), u=u, share=share, umean=fmt(ru["mean"]),
                                               umax=fmt(ru["max"]),
                                               gap=_pct(float(ds.attrs.get("sample_gap", np.nan)))))
        # the regret covers only the samples where the base plan holds; say how those differ
        held = np.isfinite(_a(ds, "regret"))
        broke = breaks & ok
        if held.any() and broke.any():
            cost = _a(ds, "sample_cost")
            out[-1] += T("mc_regret_which", lang).format(ch=fmt(float(cost[held].mean())),
                                                         cb=fmt(float(cost[broke].mean())), u=u)
    else:
        out.append(T("mc_regret_none", lang))
    if ok.any():
        always = z["freq"] >= 1
        half = z["freq"] < LOW
        hh = z["households"].to_numpy(dtype=float)
        known = np.isfinite(hh).all() and len(hh)
        out.append(T("mc_villages", lang).format(
            a=int(always.sum()), n=len(z), ha=T("mc_hh", lang).format(h=float(np.nansum(hh[always]))) if known else "",
            lo=int(half.sum()), hl=T("mc_hh", lang).format(h=float(np.nansum(hh[half]))) if known else "",
            pct=int(LOW * 100), table=T("robust_villages", lang)))
    if counties is not None and len(counties) > 1 and counties["share"].notna().any():
        w = counties.loc[counties["share"].idxmin()]
        if w["share"] < 1:
            out.append(T("mc_county_least", lang).format(county=w["county_name"] or w["county"],
                                                         share=100 * float(w["share"])))
    return out


# ------------------------------------------------------------------ figures

def _hist(ax, v: np.ndarray, marks: list[tuple[float, str, str, str]], lang: str, xlabel: str) -> None:
    v = v[np.isfinite(v)]
    if not len(v):
        _no_data(ax, lang)
        return
    lo = min([float(v.min())] + [m[0] for m in marks if np.isfinite(m[0])])
    hi = max([float(v.max())] + [m[0] for m in marks if np.isfinite(m[0])])
    if hi <= lo:  # every sample the same: one bar of some width around it
        pad = max(abs(lo) * 0.01, 1e-6)
        lo, hi = lo - pad, hi + pad
    bins = np.histogram_bin_edges(v, bins=min(30, max(5, int(np.ceil(2 * np.sqrt(len(v)))))), range=(lo, hi))
    ax.hist(v, bins=bins, color="#4c72b0", alpha=0.85, edgecolor="white", linewidth=0.5)
    for x, label, color, ls in marks:
        if np.isfinite(x):
            ax.axvline(x, color=color, ls=ls, lw=1.4, label=f"{label} {number(x)}")
    style_value_axis(ax, "x", nbins=5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(T("mc_axis_samples", lang), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, axis="y")
    if marks:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def cost_figure(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.set_title(T("fig_mc_cost", lang), fontsize=10)
    v = _a(ds, "sample_cost")
    marks = [(base_cost(ds), T("mc_mark_base", lang), "#c44e52", "-")]
    if np.isfinite(v).any():
        marks.append((float(np.nanmean(v)), T("mc_mark_mean", lang), "#333333", "--"))
    _hist(ax, v, marks, lang, unit_label(COST_UNIT, lang))
    return fig


def regret_figure(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(8, 3.0), layout="constrained")
    ax = fig.subplots()
    ax.set_title(T("fig_mc_regret", lang), fontsize=10)
    v = _a(ds, "regret")
    marks = [(float(np.nanmean(v)), T("mc_mark_mean", lang), "#333333", "--")] if np.isfinite(v).any() else []
    _hist(ax, v, marks, lang, unit_label(COST_UNIT, lang))
    return fig


def county_figure(c: pd.DataFrame, lang: str) -> Figure:
    """Per county, the households-weighted share of the samples in which its villages keep their base
    route: a dot per county (dots need no zero baseline, so the axis spans the counties' values,
    which sit near 100 % when few villages move)."""
    fig = Figure(figsize=(8, max(2.2, 0.3 * len(c) + 1.2)), layout="constrained")
    ax = fig.subplots()
    ax.set_title(T("fig_mc_counties", lang), fontsize=10)
    s = 100 * c["share"].to_numpy(dtype=float)
    if not np.isfinite(s).any():
        _no_data(ax, lang)
        return fig
    y = np.arange(len(c))
    colors = ["#55a868" if v >= 100 * HIGH else "#dd8452" if v >= 100 * LOW else "#c44e52" for v in np.nan_to_num(s)]
    ax.hlines(y, np.nan_to_num(s, nan=100.0), 100, color="#bbbbbb", lw=1)
    ax.scatter(np.where(np.isfinite(s), s, np.nan), y, color=colors, s=28, zorder=3)
    lo = float(np.nanmin(s))
    span = max(100 - lo, 0.5)
    for yi, v in zip(y, s):
        if np.isfinite(v):
            ax.annotate(f"{v:.1f}%", (v, yi), textcoords="offset points", xytext=(-5, 0), ha="right", va="center",
                        fontsize=7)
    ax.set_yticks(y, [n or k or "–" for k, n in zip(c["county"], c["county_name"])], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(max(0.0, lo - 0.35 * span), 100 + 0.05 * span)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.xaxis.set_major_formatter(lambda v, _p: f"{v:g}")
    if lo < 100 * HIGH:
        ax.axvline(100 * HIGH, color="#777777", lw=0.8, ls=":")
    ax.set_xlabel(T("mc_axis_share", lang), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(alpha=0.3, axis="x")
    return fig


def county_map(c: pd.DataFrame, boundaries: Path, lang: str) -> Figure:
    """County choropleth of the households-weighted share of samples off the base route (darker:
    less robust; counties whose villages always keep it grey)."""
    from model.report.maps import _labels, _numeric, read_boundaries

    g = read_boundaries(boundaries)
    off = dict(zip(c["county"].astype(str), 100 * (1 - c["share"].to_numpy(dtype=float))))
    g["off"] = g["county_id"].map(off)
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.subplots()
    _numeric(ax, g, "off", T("fig_mc_map", lang), "Oranges", lang)
    lat = float(g.geometry.union_all().centroid.y) if len(g) else 35.0
    ax.set_aspect(1.0 / np.cos(np.radians(lat)))
    ax.set_axis_off()
    _labels(ax, g)
    return fig


# ------------------------------------------------------------------ the report

def monte_carlo_content(ds: xr.Dataset, lang: str, source: Path, info) -> Content:
    data = info.data if info is not None else None
    a = ds.attrs
    title = T("title_plan", lang).format(name=info.name(lang))
    sub = [T("title_period", lang).format(period=info.period(lang))] if info.period(lang) else []
    sub.append(T("title_mc", lang).format(year=a.get("year", ""), n=ds.sizes["sample"], k=ds.sizes["parameter"],
                                          seed=a.get("robust_seed", ""), scenario=a.get("scenario", "base")))
    z = zone_frame(ds, info)
    ok = has_plan(ds)
    counties = county_frame(z) if data is not None else None
    inputs, found = inputs_table(ds, info, lang)
    st = stats_table(ds, lang)
    weak = least_robust(z) if ok.any() else z.iloc[:0]
    vil = villages_table(ds, weak, info, lang)
    tables = [inputs, st]
    figs = []
    with mpl.rc_context(matplotlib_rc()):
        figs += [("robust_cost", T("fig_mc_cost", lang), cost_figure(ds, lang)),
                 ("robust_regret", T("fig_mc_regret", lang), regret_figure(ds, lang))]
        if counties is not None and ok.any():
            figs.append(("robust_counties", T("fig_mc_counties", lang), county_figure(counties, lang)))
    s = Section(T("sec_summary", lang))
    s.add("h3", T("sec_findings", lang)).add("ul", findings(ds, z, counties, lang))
    s.add("note", T("mc_method_note", lang).format(gap=_pct(float(a.get("sample_gap", np.nan))),
                                                    base_gap=_pct(float(a.get("mip_gap", np.nan)))))
    i = Section(T("sec_mc_inputs", lang), page_break=True).add("table", inputs)
    if sources(inputs, lang):
        i.add("h3", T("mc_source", lang)).add("ul", sources(inputs, lang))
    if found == "csv":
        i.add("note", T("mc_inputs_from_csv", lang))
    c = Section(T("sec_mc_cost", lang), page_break=True)
    c.add("table", st).add("figure", "robust_cost").add("figure", "robust_regret")
    v = Section(T("sec_mc_villages", lang), page_break=True)
    unknown = int((~z["found"]).sum())
    if data is None:
        v.add("note", T("ps_no_places", lang))
    elif unknown:
        v.add("note", T("ps_some_places_missing", lang).format(n=unknown))
    if not ok.any():
        v.add("p", T("mc_villages_no_plan", lang))
    else:
        if counties is not None:
            ct = county_table(counties, lang)
            tables.append(ct)
            v.add("figure", "robust_counties")
            if info.boundaries is not None:
                from model.report.maps import MapError

                try:
                    with mpl.rc_context(matplotlib_rc()):
                        figs.append(("robust_map", T("fig_mc_map", lang), county_map(counties, info.boundaries, lang)))
                    v.add("figure", "robust_map")
                except MapError as exc:
                    v.add("note", f"{T('no_maps', lang)} ({exc})")
            v.add("table", ct)
        if len(vil.df):
            v.add("table", printed_villages(vil, lang), rows=VILLAGE_ROWS)
        else:
            v.add("p", T("mc_villages_all_keep", lang))
    tables += [vil, samples_table(ds, info, lang)]
    app = Section(T("sec_appendix", lang), page_break=True).add("h3", T("sec_run_meta", lang))
    extra = [(T(f"mc_meta_{k}", lang), str(a[k])) for k in ("robust_seed", "robust_samples", "sample_gap", "robust_table",
                                               "time_total_s") if k in a]
    app.add("meta", run_meta(ds, lang, source, info) + extra)
    app.add("h3", T("sec_notes", lang))
    for zh_en in info.notes:
        app.add("note", zh_en[0 if lang == "zh" else 1])
    app.add("note", T("mc_samples_table_note", lang))
    app.add("note", T("files_note", lang))
    return Content(title, sub, [s, i, c, v, app], tables, figs, f"{title} · {sub[-1]}")
