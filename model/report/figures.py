"""Report figures (matplotlib, no pyplot state): route mix, costs, gas against caps, transformer loading.

Each function takes one run's dataset (or a sweep) and returns a Figure; labels come from labels.T.
"""
from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from model.report import tables as tb
from model.report.labels import CATEGORY_COLORS, T, unit_label

GREY = "#7f7f7f"


def _cat_color(c: str) -> str:
    return CATEGORY_COLORS.get(c, GREY)


def _no_data(ax, lang):
    ax.text(0.5, 0.5, T("no_data", lang), ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def _stacked_barh(ax, df, lang, title):
    """df: rows = bars, columns = categories."""
    df = df.loc[:, df.sum() > 0]
    if df.empty or float(df.to_numpy().sum()) == 0:
        _no_data(ax, lang)
        ax.set_title(title)
        return
    left = np.zeros(len(df))
    y = np.arange(len(df))
    for c in df.columns:
        ax.barh(y, df[c].to_numpy(), left=left, color=_cat_color(c), label=T(c, lang))
        left += df[c].to_numpy()
    ax.set_yticks(y, list(df.index))
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(T("households_axis", lang))
    ax.legend(fontsize=8, loc="lower right")


def mix_by_county(ds: xr.Dataset, lang: str) -> Figure:
    names = tb.county_labels(ds)
    conv = tb.by_category(ds["households_converted"]).rename(index=names)
    allh = tb.by_category(ds["households"]).rename(index=names)
    h = max(3.0, 0.45 * len(conv) + 1.5)
    fig = Figure(figsize=(11, h), layout="constrained")
    a, b = fig.subplots(1, 2)
    _stacked_barh(a, conv, lang, T("fig_mix_converted", lang))
    _stacked_barh(b, allh, lang, T("fig_mix_all", lang))
    fig.suptitle(T("fig_mix_county", lang))
    return fig


def costs(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(11, 4), layout="constrained")
    a, b = fig.subplots(1, 2, width_ratios=[3, 2])
    s = ds["cost"].to_series()
    y = np.arange(len(s))
    a.barh(y, s.to_numpy(), color="#4c72b0")
    a.set_yticks(y, [T(k, lang) for k in s.index])
    a.invert_yaxis()
    unit = unit_label(tb.units(ds, "cost"), lang)
    a.set_xlabel(unit)
    a.set_title(T("cost_components", lang))
    p = tb.payers(ds)
    vals = [p["society_annual"][0], p["government_annual"][0], p["household_bill_annual"][0]]
    labels = [T("payer_society", lang), T("payer_government", lang), T("payer_household", lang)]
    b.bar(labels, vals, color=["#4c72b0", "#dd8452", "#55a868"])
    for i, v in enumerate(vals):
        b.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    b.set_ylabel(unit)
    b.set_title(T("cost_payers", lang))
    fig.suptitle(T("fig_costs", lang))
    return fig


def _use_vs_cap(ax, use, cap, title, unit, lang):
    ax.bar([T("use", lang)], [use], color="#4c72b0")
    top = max(use, 1e-12) * 1.6
    if cap <= top * 5:
        ax.bar([T("cap", lang)], [cap], color="#c44e52", alpha=0.6)
        top = max(top, cap * 1.15)
    else:  # a cap far above use would flatten the bar: say it instead of drawing it
        ax.text(0.5, 0.92, f"{T('cap', lang)} {cap:,.4g}", transform=ax.transAxes, ha="center", color="#c44e52")
    ax.set_ylim(0, top)
    ax.text(0, use, f"{use:,.4g}", ha="center", va="bottom", fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(unit)


def gas(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    m = tb.metrics(ds)
    _use_vs_cap(a, m["gas_annual"][0], m["gas_annual_cap"][0], T("gas_annual_short", lang),
                unit_label(m["gas_annual"][1], lang), lang)
    _use_vs_cap(b, m["gas_peak_day"][0], m["gas_peak_day_cap"][0], T("gas_peak_short", lang),
                unit_label(m["gas_peak_day"][1], lang), lang)
    req, have, built = m["storage_required"][0], m["storage_existing"][0], m["storage_built"][0]
    c.bar([T("storage_need", lang)], [req], color="#4c72b0")
    top = max(req, 1e-12) * 1.6
    if have + built <= top * 5:
        c.bar([T("storage_have", lang)], [have], color="#8172b3", label=T("storage_existing", lang))
        c.bar([T("storage_have", lang)], [built], bottom=[have], color="#ccb974", label=T("storage_built", lang))
        c.legend(fontsize=8)
        top = max(top, (have + built) * 1.15)
    else:
        c.text(0.5, 0.92, f"{T('storage_have', lang)} {have + built:,.4g}", transform=c.transAxes, ha="center")
    c.set_ylim(0, top)
    c.set_title(T("storage_short", lang))
    c.set_ylabel(unit_label(m["storage_required"][1], lang))
    fig.suptitle(T("fig_gas", lang))
    return fig


def transformer_loading(ds: xr.Dataset, lang: str) -> Figure:
    fig = Figure(figsize=(8, 3.8), layout="constrained")
    ax = fig.subplots()
    tr = tb.transformer_frame(ds)
    r0 = tr["load_ratio_before"].dropna().to_numpy()
    r1 = tr["load_ratio_after"].dropna().to_numpy()
    if len(r0) == 0:
        _no_data(ax, lang)
    else:
        hi = max(1.2, float(np.max(np.concatenate([r0, r1]))) * 1.05)
        bins = np.linspace(0, hi, 25)
        ax.hist(r0, bins=bins, alpha=0.6, color="#c44e52", label=T("before_upgrade", lang))
        ax.hist(r1, bins=bins, alpha=0.6, color="#55a868", label=T("after_upgrade", lang))
        ax.axvline(1.0, color="k", lw=1, ls="--")
        ax.set_xlabel(T("load_ratio", lang))
        ax.set_ylabel(T("n_groups", lang))
        ax.legend(fontsize=8)
    ax.set_title(T("fig_transformers", lang))
    return fig


def _sweep_x(ds: xr.Dataset):
    """Positions and tick labels of the sweep points."""
    points = tb.sweep_points(ds)
    dims = tb.sweep_dims(ds)
    labels = [lbl if len(dims) > 1 else tb._fmt_coord(list(v.values())[0]) for lbl, v, _ in points]
    return points, np.arange(len(points)), labels, (dims[0] if len(dims) == 1 else "")


def sweep_mix(ds: xr.Dataset, lang: str) -> Figure:
    points, x, labels, xname = _sweep_x(ds)
    mix = np.array([tb.by_category(p["households_converted"]).sum().to_numpy() for _, _, p in points])
    cats = list(tb.by_category(points[0][2]["households_converted"]).columns)
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(x))
    for j, c in enumerate(cats):
        if mix[:, j].sum() > 0:
            ax.bar(x, mix[:, j], bottom=bottom, color=_cat_color(c), label=T(c, lang))
            bottom += mix[:, j]
    ax.set_xticks(x, labels)
    ax.set_xlabel(xname)
    ax.set_ylabel(T("households_axis", lang))
    ax.set_title(T("fig_sweep_mix", lang))
    if bottom.sum() > 0:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def sweep_cost(ds: xr.Dataset, lang: str) -> Figure:
    points, x, labels, xname = _sweep_x(ds)
    comps = [str(c) for c in points[0][2]["cost"]["cost_component"].values]
    vals = np.array([[float(p["cost"].sel(cost_component=c)) for c in comps] for _, _, p in points])
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(x))
    colors = ["#4c72b0", "#8172b3", "#64b5cd", "#dd8452", "#55a868", "#ccb974"]
    for j, c in enumerate(comps):
        ax.bar(x, vals[:, j], bottom=bottom, color=colors[j % len(colors)], label=T(c, lang))
        bottom += vals[:, j]
    ax.set_xticks(x, labels)
    ax.set_xlabel(xname)
    ax.set_ylabel(unit_label(tb.units(ds, "cost"), lang))
    ax.set_title(T("fig_sweep_cost", lang))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def sweep_gas(ds: xr.Dataset, lang: str) -> Figure:
    points, x, labels, xname = _sweep_x(ds)
    use = np.array([tb.metrics(p)["gas_annual"][0] for _, _, p in points])
    cap = np.array([tb.metrics(p)["gas_annual_cap"][0] for _, _, p in points])
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, use, "o-", color="#4c72b0", label=T("gas_annual", lang))
    top = max(float(use.max()), 1e-12) * 1.6
    if float(cap.max()) <= top * 5:
        ax.plot(x, cap, "s--", color="#c44e52", label=T("gas_annual_cap", lang))
        top = max(top, float(cap.max()) * 1.15)
    else:
        ax.text(0.5, 0.92, f"{T('gas_annual_cap', lang)} {float(cap.max()):,.4g}", transform=ax.transAxes, ha="center")
    ax.set_ylim(0, top)
    ax.set_xticks(x, labels)
    ax.set_xlabel(xname)
    ax.set_ylabel(unit_label(tb.units(ds, "gas_annual"), lang))
    ax.set_title(T("fig_sweep_gas", lang))
    ax.legend(fontsize=8)
    return fig


def compare_mix(ds: xr.Dataset, other: xr.Dataset, lang: str) -> Figure:
    a = tb.by_category(ds["households_converted"]).sum()
    b = tb.by_category(other["households_converted"]).sum()
    cats = [c for c in a.index if a[c] > 0 or b.get(c, 0) > 0] or list(a.index)
    x = np.arange(len(cats))
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    ax.bar(x - 0.2, [a[c] for c in cats], 0.4, color="#4c72b0",
           label=f"{T('this_plan', lang)}: {ds.attrs.get('scenario', '')}")
    ax.bar(x + 0.2, [b.get(c, 0.0) for c in cats], 0.4, color="#dd8452",
           label=f"{T('other_plan', lang)}: {other.attrs.get('scenario', '')}")
    ax.set_xticks(x, [T(c, lang) for c in cats])
    ax.set_ylabel(T("households_axis", lang))
    ax.set_title(T("fig_compare", lang))
    ax.legend(fontsize=8)
    return fig


def report_figures(ds: xr.Dataset, lang: str, other: xr.Dataset | None = None) -> list[tuple[str, str, Figure]]:
    """(id, title, figure) in report order."""
    if tb.sweep_dims(ds):
        figs = [("sweep_mix", T("fig_sweep_mix", lang), sweep_mix(ds, lang)),
                ("sweep_cost", T("fig_sweep_cost", lang), sweep_cost(ds, lang)),
                ("sweep_gas", T("fig_sweep_gas", lang), sweep_gas(ds, lang))]
        for i, (lbl, _, p) in enumerate(tb.sweep_points(ds)):
            figs.append((f"transformers_{i + 1}", f"{T('fig_transformers', lang)} ({lbl})", transformer_loading(p, lang)))
        return figs
    figs = [("mix_by_county", T("fig_mix_county", lang), mix_by_county(ds, lang)),
            ("costs", T("fig_costs", lang), costs(ds, lang)),
            ("gas", T("fig_gas", lang), gas(ds, lang)),
            ("transformers", T("fig_transformers", lang), transformer_loading(ds, lang))]
    if other is not None:
        figs.append(("compare", T("fig_compare", lang), compare_mix(ds, other, lang)))
    return figs
