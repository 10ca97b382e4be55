"""Report of near-optimal alternatives (`scripts/alternatives.py`): the plans side by side (cost, what
each pushed, the planners' quantities, route mix, caps used) and which villages are settled (the same
route in every alternative) and which swing, by county and village by village.

A pathway's alternatives (`alternatives.py --from`) get the same report over the years: the
discounted cost, the quantities summed over the years, households converted by route over the
horizon, gas, investment and subsidies per year against the caps and budgets, and a village settled
only if it takes the same route in the same year in every alternative (the swing table gives each
alternative's route and year).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from model.report import tables as tb
from model.report.content import Content, Section, appendix
from model.report.figures import style_value_axis
from model.report.fonts import matplotlib_rc
from model.report.labels import unit_label

SWING_ROWS = 60  # swing villages shown in the HTML; the CSV and workbook have all of them

WORDS = {  # (zh, en)
    "title": ("{name}清洁取暖近优备选方案", "{name}: near-optimal clean heating alternatives"),
    "subtitle": ("{year}年 · 情景 {scenario} · 成本不超过最低成本的 {slack:.1%}",
                 "{year} · scenario {scenario} · cost within {slack:.1%} of the least cost"),
    "sec_summary": ("结论", "Findings"),
    "sec_compare": ("备选方案比较", "The alternatives compared"),
    "sec_villages": ("稳定村与摇摆村", "Settled and swing villages"),
    "least": ("最低成本方案每年 {cost:,.1f} 万元；{n} 个备选方案的成本均不超过 {limit:,.1f} 万元（+{slack:.1%}）。",
              "The least-cost plan costs {cost:,.1f} (10^4 yuan/a); each of the {n} alternatives costs at most "
              "{limit:,.1f} (+{slack:.1%})."),
    "push": ("{label}：{qty} {value:,.0f} {unit}（最低成本方案 {base:,.0f}），成本 +{inc:.2%}。",
             "{label}: {qty} {value:,.0f} {unit} (least-cost plan {base:,.0f}), cost +{inc:.2%}."),
    "dup": ("{label}：与“{other}”方案相同。", "{label}: the same plan as '{other}'."),
    "settled": ("{zs:,} 个村（{hs:,.0f} 户）在所有方案中路线相同，为稳定村；{zw:,} 个村（{hw:,.0f} 户）路线随方案变化，为摇摆村。",
                "{zs:,} villages ({hs:,.0f} households) take the same route in every alternative (settled); "
                "{zw:,} villages ({hw:,.0f} households) change route between alternatives (swing)."),
    "settled_note": ("稳定村可先行实施；摇摆村的路线可由规划部门在成本相近的方案间权衡选择。",
                     "Settled villages can go ahead; the routes of swing villages are a choice between plans of "
                     "about the same cost."),
    "t_compare": ("各方案成本与规划指标", "Cost and the planners' quantities of each alternative"),
    "t_mix": ("各方案改造户数（按路线）", "Households converted by route, per alternative"),
    "t_caps": ("各方案约束使用情况", "Caps used by each alternative"),
    "t_county": ("各县稳定村与摇摆村", "Settled and swing villages by county"),
    "t_swing": ("摇摆村及各方案路线", "Swing villages and their route in each alternative"),
    "f_mix": ("各方案改造户数（按路线）", "Households converted by route, per alternative"),
    "f_map": ("各县摇摆户占比", "Share of households in swing villages, by county"),
    "alternative": ("方案", "Alternative"),
    "pushed": ("优化目标", "Pushed"),
    "cost": ("年化社会总成本（万元/年）", "Cost to society (10^4 yuan/a)"),
    "increase": ("比最低成本增加（%）", "Above least cost (%)"),
    "moved": ("与最低成本方案路线不同的户数", "Households on another route than least-cost"),
    "status": ("求解状态", "Status"),
    "route": ("路线", "Route"),
    "county": ("县（区）", "County"),
    "zones_settled": ("稳定村数", "Settled villages"),
    "hh_settled": ("稳定村户数", "Households, settled"),
    "zones_swing": ("摇摆村数", "Swing villages"),
    "hh_swing": ("摇摆村户数", "Households, swing"),
    "swing_share": ("摇摆户占比（%）", "Swing share (%)"),
    "zone": ("村编号", "Village id"),
    "zone_name": ("村名", "Village"),
    "households": ("户数", "Households"),
    "routes_taken": ("路线数", "Routes taken"),
    "gas": ("年用气量（万m³）", "Gas (10^4 m3/a)"),
    "gas_cap": ("年用气上限（万m³）", "Gas cap (10^4 m3/a)"),
    "peak": ("设计日用气（万m³/日）", "Design-day gas (10^4 m3/d)"),
    "storage_built": ("新建储气（万m³）", "Storage built (10^4 m3)"),
    "subsidy": ("补贴支出（万元）", "Subsidies (10^4 yuan)"),
    "budget": ("补贴预算（万元）", "Subsidy budget (10^4 yuan)"),
    "upgrades": ("变压器扩容单元", "Transformer upgrade units"),
    "heat": ("热源负荷（MW）", "Heat-source load (MW)"),
    "least_label": ("最低成本方案", "least-cost plan"),
    # a pathway's alternatives
    "subtitle_pw": ("{y0}–{y1}年 · 情景 {scenario} · 贴现总成本不超过最低的 {slack:.1%}",
                    "{y0}–{y1} · scenario {scenario} · discounted cost within {slack:.1%} of the least"),
    "least_pw": ("最低成本路径贴现总成本 {cost:,.1f} 万元（贴现至{base}年）；{n} 个备选路径均不超过 {limit:,.1f} 万元"
                 "（+{slack:.1%}）。各指标为{y0}–{y1}年逐年之和。",
                 "The least-cost pathway costs {cost:,.1f} (10^4 yuan, discounted to {base}); each of the {n} "
                 "alternatives costs at most {limit:,.1f} (+{slack:.1%}). The quantities are summed over {y0}-{y1}."),
    "settled_pw": ("{zs:,} 个村（{hs:,.0f} 户）在所有方案中路线和改造年份都相同，为稳定村；{zw:,} 个村（{hw:,.0f} 户）"
                   "为摇摆村，其中 {zr:,} 个村路线变化，{zy:,} 个村仅改造年份变化。",
                   "{zs:,} villages ({hs:,.0f} households) take the same route in the same year in every alternative "
                   "(settled); {zw:,} villages ({hw:,.0f} households) swing: {zr:,} change route, {zy:,} only their "
                   "conversion year."),
    "cost_pw": ("贴现总成本（万元）", "Discounted cost (10^4 yuan)"),
    "t_years": ("各方案逐年用气、投资与补贴", "Gas, investment and subsidies per year, per alternative"),
    "t_mix_pw": ("各方案改造户数（按路线，规划期合计）", "Households converted by route over the horizon, per alternative"),
    "year": ("年份", "Year"),
    "investment": ("投资（万元）", "Investment (10^4 yuan)"),
    "clean": ("清洁取暖户数", "Clean households"),
    "years_taken": ("改造年份数", "Conversion years taken"),
    "never": ("不改造", "no conversion"),
    "t_swing_pw": ("摇摆村及各方案路线与改造年份", "Swing villages and their route and year in each alternative"),
}


def W(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "zh" else 1]


def is_alternatives(ds: xr.Dataset) -> bool:
    return "alternative" in ds.dims


def is_pathway(ds: xr.Dataset) -> bool:
    """A pathway's alternatives (`alternatives.py --from`): a year dimension."""
    return "year_from" in ds.attrs


PATHWAY_NEEDS = ("objective", "chosen_route", "conversion_year", "households_converted", "gas_annual", "gas_annual_cap",
                 "investment", "subsidy_equipment", "subsidy_running", "subsidy_spent_to_date", "subsidy_budget",
                 "subsidy_budget_to_date", "storage_built", "clean_households", "zone_households", "zone_settled",
                 "zone_routes_taken", "quantity_value", "alternative_push", "alternative_households_differ")


def missing_pathway_alternatives(ds: xr.Dataset) -> list[str]:
    return [v for v in PATHWAY_NEEDS if v not in ds.variables]


def _labels(ds: xr.Dataset, lang: str) -> list[str]:
    return [str(v) for v in ds[f"alternative_label_{lang}"].values]


def _route_names(ds: xr.Dataset, lang: str) -> dict[str, str]:
    return dict(zip(ds.route.values.astype(str), ds.route_name_zh.values.astype(str))) if lang == "zh" else {
        r: r for r in ds.route.values.astype(str)}


def compare_table(ds: xr.Dataset, lang: str) -> tb.Table:
    names = [str(a) for a in ds.alternative.values]
    df = pd.DataFrame({W("alternative", lang): names, W("pushed", lang): _labels(ds, lang),
                       W("status", lang): ds.alternative_status.values.astype(str),
                       W("cost_pw" if is_pathway(ds) else "cost", lang): ds.objective.values,
                       W("increase", lang): 100 * ds.alternative_cost_increase.values,
                       W("moved", lang): ds.alternative_households_differ.values[:, 0]})
    qname = ds[f"quantity_{lang}"].values.astype(str)
    for i, q in enumerate(ds.quantity.values.astype(str)):
        if q == "cost":
            continue
        unit = unit_label(str(ds.quantity_unit.values[i]), lang)
        df[f"{qname[i]}（{unit}）" if lang == "zh" else f"{qname[i]} ({unit})"] = ds.quantity_value.values[:, i]
    return tb.Table("alternatives", W("t_compare", lang), df, percent_cols=(W("increase", lang),))


def mix_frame(ds: xr.Dataset, lang: str) -> pd.DataFrame:
    """Households converted by route (rows) and alternative (columns); routes no alternative uses left out."""
    hc = ds.households_converted  # county (one year) or year (a pathway) summed out
    conv = hc.sum([d for d in hc.dims if d not in ("route", "alternative")])
    conv = conv.transpose("route", "alternative").to_pandas()
    conv = conv.loc[conv.sum(axis=1) > 0]
    conv.index = [_route_names(ds, lang).get(r, r) for r in conv.index]
    return conv


def mix_table(ds: xr.Dataset, lang: str) -> tb.Table:
    m = mix_frame(ds, lang)
    df = m.reset_index().rename(columns={"index": W("route", lang)})
    df.columns = [str(c) for c in df.columns]
    total = pd.DataFrame([[("合计" if lang == "zh" else "Total")] + m.sum().tolist()], columns=df.columns)
    return tb.Table("alternatives_route_mix", W("t_mix_pw" if is_pathway(ds) else "t_mix", lang),
                    pd.concat([df, total], ignore_index=True),
                    total_row=True, key_cols=1)


def years_table(ds: xr.Dataset, lang: str) -> tb.Table:
    """A pathway: per alternative and year, gas against the cap, investment, subsidies against the
    budget (as the year's budget row counts them), storage built, clean households."""
    to_date = ds.subsidy_budget_to_date.values.astype(bool)
    spent = np.where(to_date, ds.subsidy_spent_to_date.values, (ds.subsidy_equipment + ds.subsidy_running).values)
    n_a, n_y = ds.sizes["alternative"], ds.sizes["year"]
    df = pd.DataFrame({
        W("alternative", lang): np.repeat(ds.alternative.values.astype(str), n_y),
        W("year", lang): np.tile(ds.year.values.astype(str), n_a),  # a label, not a number to format
        W("gas", lang): ds.gas_annual.transpose("alternative", "year").values.ravel(),
        W("gas_cap", lang): np.tile(ds.gas_annual_cap.values, n_a),
        W("investment", lang): ds.investment.transpose("alternative", "year").values.ravel(),
        W("subsidy", lang): spent.reshape(n_a, n_y).ravel(),
        W("budget", lang): np.tile(ds.subsidy_budget.values, n_a),
        W("storage_built", lang): ds.storage_built.transpose("alternative", "year").values.ravel(),
        W("clean", lang): ds.clean_households.transpose("alternative", "year").values.ravel(),
    })
    return tb.Table("alternatives_years", W("t_years", lang), df, key_cols=2)


def caps_table(ds: xr.Dataset, lang: str) -> tb.Table:
    if is_pathway(ds):
        return years_table(ds, lang)
    df = pd.DataFrame({
        W("alternative", lang): ds.alternative.values.astype(str),
        W("gas", lang): ds.gas_annual.values, W("gas_cap", lang): np.broadcast_to(ds.gas_annual_cap.values, ds.alternative.shape),
        W("peak", lang): ds.gas_peak_day.values, W("storage_built", lang): ds.storage_built.values,
        W("subsidy", lang): (ds.subsidy_equipment + ds.subsidy_running).values,
        W("budget", lang): np.broadcast_to(ds.subsidy_budget.values, ds.alternative.shape),
        W("upgrades", lang): ds.transformer_upgrade_units.sum("transformer_group").values,
        W("heat", lang): ds.heat_source_load.sum("heat_source").values,
    })
    return tb.Table("alternatives_caps", W("t_caps", lang), df, key_cols=1)


def _zones(ds: xr.Dataset, info) -> pd.DataFrame:
    county_name = dict(zip(ds.county.values.astype(str), ds.county_name_zh.values.astype(str)))
    z = pd.DataFrame({"zone": ds.zone.values.astype(str), "name": ds.zone_name_zh.values.astype(str),
                      "county": [county_name.get(c, c) for c in ds.zone_county.values.astype(str)],
                      "township": [info.townships.get(t, t) if info is not None else t
                                   for t in ds.township_id.values.astype(str)],
                      "households": ds.zone_households.values, "settled": ds.zone_settled.values.astype(bool),
                      "routes_taken": ds.zone_routes_taken.values})
    if "zone_years_taken" in ds:
        z["years_taken"] = ds.zone_years_taken.values
    return z


def county_table(ds: xr.Dataset, z: pd.DataFrame, lang: str) -> tb.Table:
    g = z.groupby("county", sort=False)
    df = pd.DataFrame({
        W("zones_settled", lang): g["settled"].sum(), W("hh_settled", lang): g.apply(
            lambda x: x.loc[x["settled"], "households"].sum(), include_groups=False),
        W("zones_swing", lang): g["settled"].apply(lambda s: int((~s).sum())),
        W("hh_swing", lang): g.apply(lambda x: x.loc[~x["settled"], "households"].sum(), include_groups=False),
    })
    df[W("swing_share", lang)] = 100 * df[W("hh_swing", lang)] / (df[W("hh_swing", lang)] + df[W("hh_settled", lang)])
    df = df.reset_index().rename(columns={"county": W("county", lang)})
    return tb.Table("alternatives_by_county", W("t_county", lang), df, percent_cols=(W("swing_share", lang),), key_cols=1)


def swing_table(ds: xr.Dataset, z: pd.DataFrame, lang: str) -> tb.Table:
    names = _route_names(ds, lang)
    swing = ~z["settled"].to_numpy()
    df = pd.DataFrame({W("county", lang): z["county"][swing], W("zone", lang): z["zone"][swing],
                       W("zone_name", lang): z["name"][swing], W("households", lang): z["households"][swing],
                       W("routes_taken", lang): z["routes_taken"][swing]})
    if "years_taken" in z:
        df[W("years_taken", lang)] = z["years_taken"][swing]
    for i, a in enumerate(ds.alternative.values.astype(str)):
        route = [names.get(r, r) for r in ds.chosen_route.values[i][swing].astype(str)]
        if is_pathway(ds):  # the route and the year it is taken in
            year = ds.conversion_year.values[i][swing]
            route = [f"{r} {y}" if y > 0 else f"{r} ({W('never', lang)})" for r, y in zip(route, year)]
        df[a] = route
    df = df.sort_values([W("county", lang), W("households", lang)], ascending=[True, False])
    return tb.Table("alternatives_swing_villages", W("t_swing_pw" if is_pathway(ds) else "t_swing", lang),
                    df.reset_index(drop=True),
                    html_rows=SWING_ROWS, key_cols=3)


def findings(ds: xr.Dataset, lang: str) -> list[str]:
    a = ds.attrs
    if is_pathway(ds):
        out = [W("least_pw", lang).format(cost=a["least_cost_10k_yuan"], limit=a["cost_limit_10k_yuan"], base=a["base_year"],
                                          slack=a["alternatives_slack"], n=len(ds.alternative) - 1,
                                          y0=a["year_from"], y1=a["year_to"])]
    else:
        out = [W("least", lang).format(cost=a["least_cost_10k_yuan_per_a"], limit=a["cost_limit_10k_yuan_per_a"],
                                       slack=a["alternatives_slack"], n=len(ds.alternative) - 1)]
    qty = dict(zip(ds.quantity.values.astype(str), range(len(ds.quantity))))
    labels = _labels(ds, lang)
    from model.alternatives import PUSHES

    for i, (name, push) in enumerate(zip(ds.alternative.values.astype(str), ds.alternative_push.values.astype(str))):
        if i == 0:
            continue
        dup = str(ds.alternative_duplicate_of.values[i])
        if dup:
            out.append(W("dup", lang).format(label=f"{name} ({labels[i]})", other=dup))
            continue
        if push not in PUSHES:
            continue
        j = qty[PUSHES[push].quantity]
        out.append(W("push", lang).format(label=labels[i], qty=str(ds[f"quantity_{lang}"].values[j]),
                                          value=float(ds.quantity_value.values[i, j]),
                                          unit=unit_label(str(ds.quantity_unit.values[j]), lang), base=float(ds.quantity_value.values[0, j]),
                                          inc=float(ds.alternative_cost_increase.values[i])))
    if is_pathway(ds):
        out.append(W("settled_pw", lang).format(zs=a["zones_settled"], hs=a["households_settled"], zw=a["zones_swing"],
                                                hw=a["households_swing"], zr=a["zones_swing_route"],
                                                zy=a["zones_swing_year_only"]))
    else:
        out.append(W("settled", lang).format(zs=a["zones_settled"], hs=a["households_settled"], zw=a["zones_swing"],
                                             hw=a["households_swing"]))
    return out


def mix_figure(ds: xr.Dataset, lang: str) -> Figure:
    m = mix_frame(ds, lang).T  # rows: alternatives
    fig = Figure(figsize=(8, 0.45 * len(m) + 1.6), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(m))
    y = np.arange(len(m))
    cmap = mpl.colormaps["tab20"]
    for k, c in enumerate(m.columns):
        ax.barh(y, m[c].to_numpy(), left=left, color=cmap(k % 20), label=str(c))
        left += m[c].to_numpy()
    ax.set_yticks(y, [str(i) for i in m.index], fontsize=8)
    ax.invert_yaxis()
    style_value_axis(ax, "x", nbins=4)
    ax.set_title(W("t_mix_pw" if is_pathway(ds) else "f_mix", lang), fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, frameon=False)
    return fig


def swing_map(ds: xr.Dataset, counties: tb.Table, boundaries: Path, lang: str) -> Figure:
    from model.report.maps import read_boundaries

    g = read_boundaries(boundaries)
    ids = dict(zip(ds.county_name_zh.values.astype(str), ds.county.values.astype(str)))
    share = {ids.get(n, n): v for n, v in zip(counties.df.iloc[:, 0], counties.df[W("swing_share", lang)])}
    g["swing"] = g["county_id"].map(share)
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    g.plot(ax=ax, column="swing", cmap="Oranges", legend=True, edgecolor="white", linewidth=0.6,
           missing_kwds={"color": "#eeeeee"}, vmin=0)
    lat = float(g.geometry.union_all().centroid.y) if len(g) else 35.0
    ax.set_aspect(1.0 / np.cos(np.radians(lat)))
    ax.set_axis_off()
    for _, row in g.iterrows():
        p = row.geometry.representative_point()
        ax.annotate(str(row.get("name_zh", row["county_id"])), (p.x, p.y), ha="center", va="center", fontsize=6)
    ax.set_title(W("f_map", lang) + " (%)", fontsize=10)
    return fig


def alternatives_content(ds: xr.Dataset, lang: str, source: Path, info) -> Content:
    a = ds.attrs
    title = W("title", lang).format(name=info.name(lang))
    if is_pathway(ds):
        sub = [W("subtitle_pw", lang).format(y0=a["year_from"], y1=a["year_to"], scenario=a.get("scenario", ""),
                                             slack=float(a["alternatives_slack"]))]
    else:
        sub = [W("subtitle", lang).format(year=a.get("year", ""), scenario=a.get("scenario", ""),
                                          slack=float(a["alternatives_slack"]))]
    z = _zones(ds, info)
    tables = [compare_table(ds, lang), mix_table(ds, lang), caps_table(ds, lang)]
    counties = county_table(ds, z, lang)
    tables += [counties, swing_table(ds, z, lang)]
    with mpl.rc_context(matplotlib_rc()):
        figs = [("alternatives_mix", W("t_mix_pw" if is_pathway(ds) else "f_mix", lang), mix_figure(ds, lang))]
        if info is not None and info.boundaries is not None and Path(info.boundaries).is_file():
            figs.append(("alternatives_swing_map", W("f_map", lang), swing_map(ds, counties, info.boundaries, lang)))
    s = Section(W("sec_summary", lang)).add("ul", findings(ds, lang)).add("note", W("settled_note", lang))
    c = Section(W("sec_compare", lang), page_break=True)
    c.add("table", tables[0]).add("table", tables[1]).add("figure", "alternatives_mix").add("table", tables[2])
    v = Section(W("sec_villages", lang), page_break=True).add("table", counties)
    if len(figs) > 1:
        v.add("figure", "alternatives_swing_map")
    v.add("table", tables[4], rows=SWING_ROWS)
    sections = [s, c, v, appendix(ds, lang, source, info, {}, None)]
    return Content(title, sub, sections, tables, figs, f"{title} · {sub[-1]}")
