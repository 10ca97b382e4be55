"""Report figures (matplotlib, no pyplot state). Each function takes a dataset and returns a Figure.

Axes read as a planner writes numbers: thousands separators, no scientific notation or offsets,
at most a handful of ticks, zero-valued axes said in words, one small-multiples figure where
there would otherwise be one figure per county or per sweep point.
"""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from model.registry import HEATING_STATUSES
from model.report import tables as tb
from model.report.labels import CATEGORY_COLORS, T, swept_label, unit_label

GREY = "#7f7f7f"
STATUS_COLORS = {"converted_to_clean": "#2ca02c", "quality_coal": "#8c6d31", "already_clean": "#9ecae1",
                 "not_clean": "#444444"}
COST_COLORS = ["#4c72b0", "#8172b3", "#64b5cd", "#dd8452", "#55a868", "#ccb974"]


def number(x: float, _pos=None) -> str:
    """Tick label: thousands separators, no exponent; decimals only where the step needs them."""
    if not math.isfinite(x):
        return ""
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:,.1f}"
    return f"{x:.2g}"


def style_value_axis(ax, axis: str = "y", nbins: int = 5) -> None:
    """Thousands separators, few ticks, no offset or sci-notation on the value axis."""
    loc = MaxNLocator(nbins=nbins, min_n_ticks=2)
    fmt = FuncFormatter(number)
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(loc)
    target.set_major_formatter(fmt)


def _cat_color(c: str) -> str:
    return CATEGORY_COLORS.get(c, GREY)


def _no_data(ax, lang, key="no_data"):
    ax.text(0.5, 0.5, T(key, lang), ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def _nonzero_top(values, pad=1.12) -> float | None:
    top = float(np.nanmax(values)) if np.size(values) else 0.0
    return top * pad if top > 0 else None


def _stacked_barh(ax, df: pd.DataFrame, colors: dict, labels: dict, lang: str, title: str, xlabel: str):
    """df: rows = bars, columns = stacks; all-zero columns left out, all zero said in words."""
    df = df.loc[:, df.sum() > 0]
    ax.set_title(title, fontsize=10)
    if df.empty:
        _no_data(ax, lang, "all_zero")
        return
    left = np.zeros(len(df))
    y = np.arange(len(df))
    for c in df.columns:
        ax.barh(y, df[c].to_numpy(), left=left, color=colors.get(c, GREY), label=labels.get(c, c))
        left += df[c].to_numpy()
    ax.set_yticks(y, list(df.index), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_xlim(0, left.max() * 1.05)
    style_value_axis(ax, "x", nbins=4)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, loc="lower right", frameon=True)


def status_by_county(ds: xr.Dataset, lang: str) -> Figure:
    """Per county: converted to clean, quality coal (transitional) and already clean, side by side."""
    names = tb.county_labels(ds)
    da = ds["households_by_status"].transpose("county", "heating_status")
    df = pd.DataFrame(np.asarray(da.values, float), index=[names[c] for c in da["county"].values.astype(str)],
                      columns=da["heating_status"].values.astype(str))
    h = max(3.2, 0.32 * len(df) + 1.6)
    fig = Figure(figsize=(10, h), layout="constrained")
    a, b = fig.subplots(1, 2)
    labels = {s: T(f"status_{s}", lang) for s in HEATING_STATUSES}
    works = [s for s in ("converted_to_clean", "quality_coal") if s in df]
    _stacked_barh(a, df[works], STATUS_COLORS, labels, lang, T("fig_mix_converted", lang), T("households_axis", lang))
    _stacked_barh(b, df[[s for s in HEATING_STATUSES if s in df]], STATUS_COLORS, labels, lang, T("fig_mix_all", lang),
                  T("households_axis", lang))
    b.set_yticklabels([])
    fig.suptitle(T("fig_status_county", lang), fontsize=11)
    return fig


def to_clean_by_county(ds: xr.Dataset, lang: str) -> Figure:
    names = tb.county_labels(ds)
    df = tb.by_category(ds["households_to_clean"]).rename(index=names)
    df = df[[c for c in df.columns if c != "coal"]]
    h = max(3.0, 0.32 * len(df) + 1.4)
    fig = Figure(figsize=(8, h), layout="constrained")
    ax = fig.subplots()
    _stacked_barh(ax, df, CATEGORY_COLORS, {c: T(c, lang) for c in df.columns}, lang, T("fig_to_clean_county", lang),
                  T("households_axis", lang))
    return fig


def cost_split(ds: xr.Dataset, lang: str) -> Figure:
    """Annual cost by heating status: the conversions' annuity and running cost beside the region's running cost."""
    z = tb.zone_frame(ds)
    cols = [s for s in HEATING_STATUSES if (z["status"] == s).any()]
    ann = [float(z.loc[z["status"] == s, "annuity"].sum()) for s in cols]
    run = [float(z.loc[z["status"] == s, "running_cost"].sum()) for s in cols]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    a, b = fig.subplots(1, 2, width_ratios=[3, 2])
    x = np.arange(len(cols))
    a.bar(x, ann, color="#4c72b0", label=T("cost_row_annuity", lang))
    a.bar(x, run, bottom=ann, color="#dd8452", label=T("cost_row_running_cost", lang))
    for i in x:
        a.text(i, ann[i] + run[i], number(ann[i] + run[i]), ha="center", va="bottom", fontsize=7)
    a.set_xticks(x, [T(f"status_{s}", lang) for s in cols], fontsize=7, wrap=True)
    top = _nonzero_top(np.add(ann, run), 1.15)
    if top:
        a.set_ylim(0, top)
    style_value_axis(a)
    a.set_ylabel(unit_label("10^4 yuan/a", lang), fontsize=8)
    a.legend(fontsize=7)
    a.set_title(T("fig_cost_split", lang), fontsize=10)
    p = tb.payers(ds)
    vals = [p["society_annual"][0], p["government_annual"][0], p["household_bill_annual"][0]]
    labels = [T("payer_society", lang), T("payer_government", lang), T("payer_household", lang)]
    b.bar(labels, vals, color=["#4c72b0", "#dd8452", "#55a868"])
    for i, v in enumerate(vals):
        b.text(i, v, number(v), ha="center", va="bottom", fontsize=7)
    top = _nonzero_top(vals, 1.15)
    if top:
        b.set_ylim(0, top)
    style_value_axis(b)
    b.tick_params(axis="x", labelsize=8)
    b.set_title(T("cost_payers", lang), fontsize=10)
    return fig


def bills(ds: xr.Dataset, lang: str) -> Figure:
    """Per route: a converted household's base-year (coal) bill, its bill before and after the running
    subsidy (yuan per household and season; `tables.bill_frame`)."""
    df = tb.bill_frame(ds)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    if df is None or not len(df):
        _no_data(ax, lang)
        return fig
    rname = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str)))
    x = np.arange(len(df))
    series = (("bill_base", "#8c8c8c"), ("bill_before", "#dd8452"), ("bill_after", "#4c72b0"))
    for i, (k, color) in enumerate(series):
        ax.bar(x + (i - 1) * 0.27, df[k], width=0.27, color=color, label=T(k, lang))
    for xi, v in zip(x, df["bill_after"]):
        ax.text(xi + 0.27, v, number(v), ha="center", va="bottom", fontsize=6)
    names = [rname.get(r, r) if lang == "zh" else r for r in df["route"]]
    ax.set_xticks(x, ["\n".join(textwrap.wrap(n, 6 if lang == "zh" else 14)) for n in names], fontsize=7)
    style_value_axis(ax)
    ax.set_ylabel(unit_label("yuan/(household a)", lang), fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(T("fig_bills", lang), fontsize=10)
    return fig


def _use_vs_cap(ax, use, cap, title, unit, lang):
    ax.set_title(title, fontsize=10)
    if use <= 0 and cap <= 0:
        _no_data(ax, lang, "all_zero")
        return
    ax.bar([T("use", lang)], [use], color="#4c72b0")
    top = max(use, 0.0) * 1.6
    if cap <= max(top, 1e-9) * 5 or use <= 0:
        ax.bar([T("cap", lang)], [cap], color="#c44e52", alpha=0.6)
        ax.text(1, cap, number(cap), ha="center", va="bottom", fontsize=8)
        top = max(top, cap * 1.15)
    else:  # a cap far above use would flatten the bar: say it instead of drawing it
        ax.text(0.5, 0.92, f"{T('cap', lang)} {number(cap)}", transform=ax.transAxes, ha="center", color="#c44e52",
                fontsize=8)
    ax.set_ylim(0, top)
    ax.text(0, use, number(use), ha="center", va="bottom", fontsize=8)
    style_value_axis(ax)
    ax.set_ylabel(unit, fontsize=8)


def gas(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    m = tb.metrics(ds)
    _use_vs_cap(a, m["gas_annual"][0], m["gas_annual_cap"][0], T("gas_annual_short", lang),
                unit_label(m["gas_annual"][1], lang), lang)
    _use_vs_cap(b, m["gas_peak_day"][0], m["gas_peak_day_cap"][0], T("gas_peak_short", lang),
                unit_label(m["gas_peak_day"][1], lang), lang)
    req, have, built = m["storage_required"][0], m["storage_existing"][0], m["storage_built"][0]
    c.set_title(T("storage_short", lang), fontsize=10)
    if req <= 0 and have + built <= 0:
        _no_data(c, lang, "all_zero")
    else:
        c.bar([T("storage_need", lang)], [req], color="#4c72b0")
        c.bar([T("storage_have", lang)], [have], color="#8172b3", label=T("storage_existing", lang))
        c.bar([T("storage_have", lang)], [built], bottom=[have], color="#ccb974", label=T("storage_built", lang))
        c.text(0, req, number(req), ha="center", va="bottom", fontsize=8)
        c.text(1, have + built, number(have + built), ha="center", va="bottom", fontsize=8)
        c.legend(fontsize=7, loc="lower right")
        c.set_ylim(0, max(req, have + built) * 1.18)
        style_value_axis(c)
        c.set_ylabel(unit_label(m["storage_required"][1], lang), fontsize=8)
    fig.suptitle(T("fig_gas", lang), fontsize=11)
    return fig


def _loading_hist(ax, tr: pd.DataFrame, lang: str, title: str, bins, legend: bool):
    r0 = tr["load_ratio_before"].dropna().to_numpy()
    r1 = tr["load_ratio_after"].dropna().to_numpy()
    ax.set_title(title, fontsize=8)
    if len(r0) == 0:
        _no_data(ax, lang)
        return
    ax.hist(r0, bins=bins, alpha=0.6, color="#c44e52", label=T("before_upgrade", lang))
    ax.hist(r1, bins=bins, alpha=0.6, color="#55a868", label=T("after_upgrade", lang))
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.1f}"))
    style_value_axis(ax, "y", nbins=3)
    ax.tick_params(labelsize=7)
    if legend:
        ax.legend(fontsize=7)


def _small_multiples(n: int, ncols: int, panel_w: float = 2.4, panel_h: float = 1.7):
    rows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(min(ncols, n) * panel_w + 0.6, rows * panel_h + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, min(ncols, n), sharex=True, sharey=True, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def _bins(frames: list[pd.DataFrame]):
    vals = np.concatenate([f[["load_ratio_before", "load_ratio_after"]].to_numpy().ravel() for f in frames] or [np.zeros(1)])
    vals = vals[np.isfinite(vals)]
    hi = max(1.2, float(vals.max()) * 1.05) if len(vals) else 1.2
    return np.linspace(0, hi, 21)


def transformers_by_county(ds: xr.Dataset, lang: str) -> Figure:
    """Load ratio before and after upgrades: one small panel per county with transformer groups."""
    tr = tb.transformer_frame(ds)
    gcounty = _group_county(ds)
    tr["county"] = tr["transformer_group"].map(gcounty).fillna("")
    names = tb.county_labels(ds)
    counties = [c for c in ds["county"].values.astype(str) if (tr["county"] == c).any()]
    if not counties:
        fig = Figure(figsize=(6, 2.5), layout="constrained")
        ax = fig.subplots()
        _no_data(ax, lang)
        ax.set_title(T("fig_transformers_county", lang))
        return fig
    frames = [tr[tr["county"] == c] for c in counties]
    fig, axes = _small_multiples(len(counties), 5)
    bins = _bins(frames)
    for i, (c, f) in enumerate(zip(counties, frames)):
        _loading_hist(axes[i], f, lang, f"{names.get(c, c)} ({len(f)})", bins, legend=i == 0)
    fig.supxlabel(T("load_ratio", lang), fontsize=8)
    fig.supylabel(T("n_groups", lang), fontsize=8)
    fig.suptitle(T("fig_transformers_county", lang), fontsize=11)
    return fig


def _group_county(ds: xr.Dataset) -> dict[str, str]:
    """Transformer group -> county, from the zones it serves."""
    if "zone_transformer_group" not in ds.coords:
        return {}
    g = ds["zone_transformer_group"].values.astype(str)
    c = ds["zone_county"].values.astype(str)
    if g.ndim > 1:
        g, c = g.reshape(-1, g.shape[-1])[0], c.reshape(-1, c.shape[-1])[0]
    return dict(zip(g, c))


# ---------------------------------------------------------------- sweeps

def _sweep_line(ds: xr.Dataset, lang: str = "zh"):
    """Points of a sweep along its last swept dim (the first value of any other), as (x, axis label,
    points, the other swept values)."""
    dims = tb.sweep_dims(ds)
    xdim = dims[-1]
    line = ds.isel({d: 0 for d in dims[:-1]})
    points = [line.isel({xdim: i}) for i in range(line.sizes[xdim])]
    x = np.asarray(line[xdim].values, dtype=float)
    fixed = ", ".join(f"{d}={tb._fmt_coord(ds[d].values[0])}" for d in dims[:-1])
    return x, swept_label(xdim, str(ds[xdim].attrs.get("units", "")), lang), points, fixed


def _ok(p: xr.Dataset) -> bool:
    return bool(np.isfinite(float(p["objective"])))


def _line_axes(ax, x, xname, fixed):
    ax.set_xlabel(xname + (f"  ({fixed})" if fixed else ""), fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def sweep_cost(ds: xr.Dataset, lang: str) -> Figure:
    """Annual cost to society against the swept value: the total as a line, components stacked below it."""
    x, xname, points, fixed = _sweep_line(ds, lang)
    ok = [i for i, p in enumerate(points) if _ok(p)]
    comps = [str(c) for c in points[ok[0]]["cost"]["cost_component"].values] if ok else []
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.subplots()
    if not ok:
        _no_data(ax, lang)
        return fig
    xs = x[ok]
    vals = np.array([[float(points[i]["cost"].sel(cost_component=c)) for c in comps] for i in ok])
    keep = vals.sum(axis=0) > 0
    ax.stackplot(xs, vals[:, keep].T, colors=[COST_COLORS[j % len(COST_COLORS)] for j in np.flatnonzero(keep)],
                 labels=[T(c, lang) for c, k in zip(comps, keep) if k], alpha=0.75)
    total = vals.sum(axis=1)
    ax.plot(xs, total, "k-o", ms=3, lw=1.5, label=T("cost_total", lang))
    ax.set_ylim(0, total.max() * 1.1 if total.max() > 0 else 1)
    style_value_axis(ax)
    ax.set_ylabel(unit_label(tb.units(ds, "objective"), lang), fontsize=8)
    _line_axes(ax, xs, xname, fixed)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(T("fig_sweep_cost_line", lang), fontsize=10)
    return fig


def sweep_mix(ds: xr.Dataset, lang: str) -> Figure:
    """Households converted to clean by category, and to quality coal, against the swept value."""
    x, xname, points, fixed = _sweep_line(ds, lang)
    ok = [i for i, p in enumerate(points) if _ok(p)]
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.subplots()
    if not ok:
        _no_data(ax, lang)
        return fig
    mix = pd.DataFrame([tb.by_category(points[i]["households_to_clean"]).sum() for i in ok], index=x[ok])
    mix = mix.loc[:, (mix > 0).any()]
    for c in mix.columns:
        ax.plot(mix.index, mix[c], "-o", ms=3, color=_cat_color(c), label=T(c, lang))
    qc = [float(points[i]["households_by_status"].sel(heating_status="quality_coal").sum()) for i in ok]
    if max(qc) > 0:
        ax.plot(x[ok], qc, "--", color=STATUS_COLORS["quality_coal"], label=T("transitional_short", lang))
    ax.set_ylim(bottom=0)
    style_value_axis(ax)
    ax.set_ylabel(T("households_axis", lang), fontsize=8)
    _line_axes(ax, x[ok], xname, fixed)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(T("fig_sweep_mix", lang), fontsize=10)
    return fig


def sweep_gas(ds: xr.Dataset, lang: str) -> Figure:
    x, xname, points, fixed = _sweep_line(ds, lang)
    ok = [i for i, p in enumerate(points) if _ok(p)]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    if not ok:
        _no_data(ax, lang)
        return fig
    use = np.array([float(points[i]["gas_annual"]) for i in ok])
    cap = np.array([float(points[i]["gas_annual_cap"]) for i in ok])
    ax.set_title(T("fig_sweep_gas", lang), fontsize=10)
    if use.max() <= 0 and cap.max() <= 0:
        _no_data(ax, lang, "all_zero")
        return fig
    ax.plot(x[ok], use, "o-", ms=3, color="#4c72b0", label=T("gas_annual", lang))
    top = max(float(use.max()), 0.0) * 1.6
    if float(cap.max()) <= max(top, 1e-9) * 5 or use.max() <= 0:
        ax.plot(x[ok], cap, "--", color="#c44e52", label=T("gas_annual_cap", lang))
        top = max(top, float(cap.max()) * 1.15)
    else:
        ax.text(0.5, 0.92, f"{T('gas_annual_cap', lang)} {number(float(cap.max()))}", transform=ax.transAxes,
                ha="center", fontsize=8)
    ax.set_ylim(0, top)
    style_value_axis(ax)
    ax.set_ylabel(unit_label(tb.units(ds, "gas_annual"), lang), fontsize=8)
    _line_axes(ax, x[ok], xname, fixed)
    ax.legend(fontsize=7)
    return fig


def sweep_transformers(ds: xr.Dataset, lang: str) -> Figure:
    """Transformer loading at every sweep point: one small panel per point (not one figure each)."""
    x, xname, points, fixed = _sweep_line(ds, lang)
    ok = [i for i, p in enumerate(points) if _ok(p)]
    frames = [tb.transformer_frame(points[i]) for i in ok]
    if not frames:
        fig = Figure(figsize=(6, 2.5), layout="constrained")
        _no_data(fig.subplots(), lang)
        return fig
    fig, axes = _small_multiples(len(frames), 7, panel_w=1.45, panel_h=1.3)
    bins = _bins(frames)
    for j, (i, f) in enumerate(zip(ok, frames)):
        _loading_hist(axes[j], f, lang, f"{xname}={x[i]:g}", bins, legend=False)
    fig.supxlabel(T("load_ratio", lang) + (f"  ({fixed})" if fixed else ""), fontsize=8)
    fig.supylabel(T("n_groups", lang), fontsize=8)
    fig.suptitle(T("fig_transformers_sweep", lang), fontsize=11)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=7)
    return fig


def compare_mix(ds: xr.Dataset, other: xr.Dataset, lang: str) -> Figure:
    a = tb.by_category(ds["households_to_clean"]).sum()
    b = tb.by_category(other["households_to_clean"]).sum()
    cats = [c for c in a.index if a[c] > 0 or b.get(c, 0) > 0] or list(a.index)
    x = np.arange(len(cats))
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.bar(x - 0.2, [a[c] for c in cats], 0.4, color="#4c72b0",
           label=f"{T('this_plan', lang)}: {ds.attrs.get('scenario', '')}")
    ax.bar(x + 0.2, [b.get(c, 0.0) for c in cats], 0.4, color="#dd8452",
           label=f"{T('other_plan', lang)}: {other.attrs.get('scenario', '')}")
    ax.set_xticks(x, [T(c, lang) for c in cats], fontsize=8)
    style_value_axis(ax)
    ax.set_ylabel(T("households_axis", lang), fontsize=8)
    ax.set_title(T("fig_compare", lang), fontsize=10)
    ax.legend(fontsize=7)
    return fig


def report_figures(ds: xr.Dataset, lang: str, other: xr.Dataset | None = None) -> list[tuple[str, str, Figure]]:
    """(id, title, figure) in report order."""
    if tb.sweep_dims(ds):
        return [("sweep_cost", T("fig_sweep_cost_line", lang), sweep_cost(ds, lang)),
                ("sweep_mix", T("fig_sweep_mix", lang), sweep_mix(ds, lang)),
                ("sweep_gas", T("fig_sweep_gas", lang), sweep_gas(ds, lang)),
                ("sweep_transformers", T("fig_transformers_sweep", lang), sweep_transformers(ds, lang))]
    figs = [("status_by_county", T("fig_status_county", lang), status_by_county(ds, lang)),
            ("to_clean_by_county", T("fig_to_clean_county", lang), to_clean_by_county(ds, lang)),
            ("cost_split", T("fig_cost_split", lang), cost_split(ds, lang)),
            *([("bills", T("fig_bills", lang), bills(ds, lang))] if "zone_bill_after" in ds else []),
            ("gas", T("fig_gas", lang), gas(ds, lang)),
            ("transformers", T("fig_transformers_county", lang), transformers_by_county(ds, lang))]
    if other is not None:
        figs.append(("compare", T("fig_compare", lang), compare_mix(ds, other, lang)))
    return figs
