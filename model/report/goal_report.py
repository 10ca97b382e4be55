"""What the report says about a run's goal (`model.goals`), and the coverage-vs-budget curve of a
sweep over the subsidy budget: how many more households each extra 1,000 万元 heats clean.

Every number is read from the dataset; the sentences are (zh, en) templates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from model.report import tables as tb
from model.report.figures import _line_axes, _no_data, number, style_value_axis

STEP = 1000.0  # 10^4 yuan: the curve's marginal value is per 1,000 万元

TEXT = {
    "goal": ("优化目标", "Goal"),
    "goal_title": ("（{goal}方案）", " ({goal})"),
    "goal_sub": ("优化目标：{goal}", "goal: {goal}"),
    "min-budget": ("完成全部目标最少需要补贴预算 {v:,.2f} 万元（输入的预算 {b} 万元未作为约束）；在此预算下取社会成本最低的方案。",
                   "Meeting every target needs a subsidy budget of at least {v:,.2f} × 10⁴ yuan (the input budget, "
                   "{b} × 10⁴ yuan, was not a constraint); the plan is the least-cost one within that budget."),
    "max-coverage": ("现有气量、电网、热源和补贴预算下最多 {v:,.0f} 户清洁取暖（清洁取暖率 {share:.1f}%，本期转为清洁取暖 {conv:,.0f} 户）；"
                     "清洁取暖率目标不作为约束，而是优化目标；户数相同的方案中取社会成本最低者。",
                     "Within the gas, grid, heat-source caps and the subsidy budget at most {v:,.0f} households can be "
                     "heated clean ({share:.1f} %; {conv:,.0f} convert this period); the coverage targets are what is "
                     "maximised, not constraints; among plans heating as many, the least-cost one."),
    "max-share": ("各类地区（清洁取暖率目标所列）清洁取暖率按等权计最高：等权清洁取暖户数 {v:,.0f}（各类地区清洁取暖率之和乘以各类地区平均户数）；"
                  "清洁取暖率目标不作为约束；在此基础上取社会成本最低的方案。",
                  "The coverage groups' clean shares, each group counting alike, are as high as they go: "
                  "{v:,.0f} share-weighted clean households (the sum of the groups' shares times their mean size); the "
                  "coverage targets are maximised, not constraints; among such plans, the least-cost one."),
    "min-gas": ("完成全部目标最少需要采暖用气 {v:,.1f} 万m³（用气上限 {cap:,.1f} 万m³）；在此用气量下取社会成本最低的方案。",
                "Meeting every target needs at least {v:,.1f} × 10⁴ m³ of gas for heating (cap {cap:,.1f}); the plan "
                "is the least-cost one at that gas use."),
    "goal_not_proven": ("（目标求解在 {status} 停止，距最优最多 {gap:.2%}）", " (the goal's solve stopped at {status}, within {gap:.2%} of the best)"),
    "tolerance": ("目标允许让步 {tol:.2%} 以降低成本。", "The goal may give way by {tol:.2%} for a lower cost."),
    # the curve
    "sec_curve": ("补贴预算与清洁取暖户数", "Coverage against the subsidy budget"),
    "fig_curve": ("补贴预算与转为清洁取暖户数", "Households converted to clean heating against the subsidy budget"),
    "tab_curve": ("补贴预算—清洁取暖户数曲线", "Coverage-budget curve"),
    "budget": ("补贴预算（万元）", "Subsidy budget (10⁴ yuan)"),
    "clean": ("规划后清洁取暖户数（户）", "Households heated clean after the plan"),
    "converted": ("本期转为清洁取暖（户）", "Converted to clean this period"),
    "share": ("清洁取暖率（%）", "Clean share (%)"),
    "subsidy": ("使用补贴（万元）", "Subsidies used (10⁴ yuan)"),
    "cost": ("年化社会成本（万元/年）", "Annual cost to society (10⁴ yuan/a)"),
    "marginal": ("每增加1,000万元多改造（户）", "More households per extra 1,000 × 10⁴ yuan"),
    "axis_converted": ("转为清洁取暖户数", "Households converted to clean"),
    "axis_marginal": ("每1,000万元多改造户数", "Households per extra 1,000 × 10⁴ yuan"),
    "curve_finding": ("补贴预算由 {b0:,.0f} 万元增至 {b1:,.0f} 万元，转为清洁取暖户数由 {h0:,.0f} 户增至 {h1:,.0f} 户，"
                      "平均每增加 1,000 万元多改造 {avg:,.0f} 户；每 1,000 万元的边际效果由 {m0:,.0f} 户降至 {m1:,.0f} 户。",
                      "From a subsidy budget of {b0:,.0f} to {b1:,.0f} × 10⁴ yuan, households converted to clean heating "
                      "rise from {h0:,.0f} to {h1:,.0f}: {avg:,.0f} more per extra 1,000 × 10⁴ yuan on average, "
                      "{m0:,.0f} in the first step and {m1:,.0f} in the last."),
    "curve_full": ("预算达到 {b:,.0f} 万元后清洁取暖户数不再增加（{h:,.0f} 户）：更多预算买不到更多清洁取暖。",
                   "From {b:,.0f} × 10⁴ yuan on, the households heated clean no longer rise ({h:,.0f}): more budget "
                   "buys no more clean heating."),
    "curve_goal_note": ("本扫描的目标为“{goal}”：每个预算下求最多清洁取暖户数，再取其中社会成本最低的方案。",
                        "Goal of this sweep: {goal}. At each budget the most households are heated clean, then the "
                        "least-cost such plan is taken."),
}


def L(key: str, lang: str, **kw) -> str:
    text = TEXT[key][0 if lang == "zh" else 1]
    return text.format(**kw) if kw else text


def goal_label(ds: xr.Dataset, lang: str) -> str:
    return str(ds.attrs.get("goal_zh" if lang == "zh" else "goal_en", ds.attrs.get("goal", "")))


def is_goal(ds: xr.Dataset) -> bool:
    return str(ds.attrs.get("goal", "min-cost")) != "min-cost"


def title_suffix(ds: xr.Dataset, lang: str) -> str:
    return L("goal_title", lang, goal=goal_label(ds, lang)) if is_goal(ds) else ""


def subtitle(ds: xr.Dataset, lang: str) -> str | None:
    return L("goal_sub", lang, goal=goal_label(ds, lang)) if is_goal(ds) else None


def _clean(ds: xr.Dataset) -> tuple[float, float, float]:
    """(households clean after the plan, converted to clean this period, all households)."""
    if "households_by_status" in ds:
        st = ds["households_by_status"].sum("county")
        conv = float(st.sel(heating_status="converted_to_clean"))
        return conv + float(st.sel(heating_status="already_clean")), conv, float(st.sum())
    clean = float(ds["clean_households"].values[-1])  # a pathway: the last year
    return clean, float(ds["households_converted"].sum()), float(ds["zone_households"].sum())


def findings(ds: xr.Dataset, lang: str) -> list[str]:
    """The goal's answer, first on page one (nothing for min-cost)."""
    g = str(ds.attrs.get("goal", "min-cost"))
    if g == "min-cost" or "goal_value" not in ds.attrs:
        return []
    v = float(ds.attrs["goal_value"])
    if g == "min-budget":
        b = ", ".join(f"{x:,.0f}" for x in np.atleast_1d(ds.attrs.get("subsidy_budget_input", [np.nan])))
        text = L(g, lang, v=v, b=b)
    elif g == "max-coverage":
        clean, conv, total = _clean(ds)
        text = L(g, lang, v=clean, share=100.0 * clean / max(total, 1.0), conv=conv)
    elif g == "max-share":
        text = L(g, lang, v=v)
    elif g == "min-gas":
        text = L(g, lang, v=v, cap=float(np.nanmax(np.atleast_1d(ds["gas_annual_cap"].values))))
    else:
        text = f"{goal_label(ds, lang)}: {v:,.4g} {ds.attrs.get('goal_unit', '')}"
    if ds.attrs.get("goal_status", "optimal") != "optimal" or float(ds.attrs.get("goal_mip_gap", 0.0)) > 0:
        text += L("goal_not_proven", lang, status=ds.attrs.get("goal_status"), gap=float(ds.attrs.get("goal_mip_gap", 0)))
    out = [text]
    if float(ds.attrs.get("goal_tolerance", 0.0)) > 0:
        out.append(L("tolerance", lang, tol=float(ds.attrs["goal_tolerance"])))
    return out


def meta(ds: xr.Dataset, lang: str) -> list[tuple[str, str]]:
    if "goal" not in ds.attrs:
        return []
    rows = [(L("goal", lang), f"{ds.attrs['goal']} ({goal_label(ds, lang)})")]
    for k in ("goal_value", "goal_bound", "goal_mip_gap", "goal_tolerance"):
        if k in ds.attrs:
            rows.append((k, f"{float(ds.attrs[k]):,.6g}" + (f" {ds.attrs.get('goal_unit', '')}" if k in ("goal_value", "goal_bound") else "")))
    return rows


# ---------------------------------------------------------------------------------------------
# the coverage-vs-budget curve of a sweep

def budget_dim(ds: xr.Dataset) -> str | None:
    """The swept dim that is the subsidy budget (`subsidy_budget_10k_yuan` or a years cell of it)."""
    for d in tb.sweep_dims(ds):
        if d == "subsidy_budget_10k_yuan" or d.endswith(".subsidy_budget_10k_yuan"):
            return d
    return None


def curve_frame(ds: xr.Dataset) -> pd.DataFrame | None:
    """Per budget (the other swept dims at their first value): households clean and converted,
    the clean share, subsidies used, cost, and the households an extra 1,000 万元 converts
    between consecutive points with a plan (None: no budget dim)."""
    d = budget_dim(ds)
    if d is None:
        return None
    line = ds.isel({o: 0 for o in tb.sweep_dims(ds) if o != d})
    rows = []
    for i in range(line.sizes[d]):
        p = line.isel({d: i})
        if not np.isfinite(float(p["objective"])):
            continue
        clean, conv, total = _clean(p)
        rows.append({"budget": float(p[d]), "clean": clean, "converted": conv, "share": 100.0 * clean / max(total, 1.0),
                     "subsidy": float(p["subsidy_equipment"] + p["subsidy_running"]), "cost": float(p["objective"])})
    df = pd.DataFrame(rows, columns=["budget", "clean", "converted", "share", "subsidy", "cost"])
    step = np.diff(df["budget"].to_numpy())
    gain = np.diff(df["converted"].to_numpy())
    df["marginal"] = np.r_[np.nan, np.where(step > 0, gain / np.where(step > 0, step, 1.0) * STEP, np.nan)]
    return df


def curve_table(df: pd.DataFrame, lang: str) -> tb.Table:
    out = df.rename(columns={k: L(k, lang) for k in df.columns})
    return tb.Table("coverage_budget", L("tab_curve", lang), out, key_cols=1)


def curve_figure(df: pd.DataFrame, ds: xr.Dataset, lang: str) -> Figure:
    """Households converted to clean against the budget (top) and what each extra 1,000 万元 buys
    between consecutive points (bottom, one bar per interval)."""
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    if df is None or len(df) == 0:
        _no_data(top, lang)
        return fig
    x = df["budget"].to_numpy()
    top.plot(x, df["converted"], "o-", ms=3, color="#2ca02c")
    top.set_ylabel(L("axis_converted", lang), fontsize=8)
    top.set_ylim(bottom=0)
    style_value_axis(top)
    top.set_title(L("fig_curve", lang), fontsize=10)
    top.grid(alpha=0.3)
    if len(df) > 1:
        mids, widths = (x[1:] + x[:-1]) / 2, np.diff(x)
        bottom.bar(mids, df["marginal"].to_numpy()[1:], width=widths * 0.85, color="#9ecae1", edgecolor="#4c72b0")
    style_value_axis(bottom)
    bottom.set_ylabel(L("axis_marginal", lang), fontsize=8)
    _line_axes(bottom, x, L("budget", lang), "")
    bottom.xaxis.set_major_formatter(lambda v, _p: number(v))
    return fig


def curve_findings(df: pd.DataFrame | None, ds: xr.Dataset, lang: str) -> list[str]:
    if df is None or len(df) < 2:
        return []
    b0, b1 = float(df["budget"].iloc[0]), float(df["budget"].iloc[-1])
    h0, h1 = float(df["converted"].iloc[0]), float(df["converted"].iloc[-1])
    m = df["marginal"].to_numpy()[1:]
    out = [L("curve_finding", lang, b0=b0, b1=b1, h0=h0, h1=h1, avg=(h1 - h0) / max(b1 - b0, 1e-9) * STEP,
             m0=float(m[0]), m1=float(m[-1]))]
    first = int(np.argmax(df["clean"].to_numpy() >= df["clean"].max() - 0.5))
    if first < len(df) - 1:  # the curve is flat from there on
        out.append(L("curve_full", lang, b=float(df["budget"].iloc[first]), h=float(df["clean"].iloc[first])))
    if is_goal(ds):
        out.append(L("curve_goal_note", lang, goal=goal_label(ds, lang)))
    return out
