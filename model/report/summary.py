"""结论与建议: the one-page summary, written from the run's numbers (no number is typed here).

Each sentence is a (zh, en) template in SENTENCES; `findings` and `recommendations` pick the ones
the results call for and fill them in.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr

from model.report import tables as tb
from model.report.labels import T, swept_name, unit_label

SENTENCES = {
    "converts": ("本期共有 {n:,.0f} 户（{area:,.1f} 万m²）由散煤改为清洁取暖：{mix}。",
                 "{n:,.0f} households ({area:,.1f} × 10⁴ m²) convert from raw coal to clean heating: {mix}."),
    "transitional": ("另有 {qc:,.0f} 户本期改用民用优质燃煤，属过渡措施，不计入清洁取暖；{already:,.0f} 户在规划前已清洁取暖。"
                     "规划后清洁取暖率（按户）为 {share:.1f}%。",
                     "A further {qc:,.0f} households move to quality civil coal, a transitional step that is not clean "
                     "heating; {already:,.0f} households were heated clean before the plan. After the plan "
                     "{share:.1f} % of households are heated clean."),
    "no_transitional": ("{already:,.0f} 户在规划前已清洁取暖；规划后清洁取暖率（按户）为 {share:.1f}%。",
                        "{already:,.0f} households were heated clean before the plan; after it {share:.1f} % are."),
    "investment": ("本期改造投资 {inv:,.0f} 万元（转为清洁取暖户均 {per_hh:,.0f} 元），其中政府设备补贴 {eq:,.0f} 万元；"
                   "运行补贴每采暖季 {run:,.0f} 万元。补贴合计 {need:,.0f} 万元，占补贴预算 {budget:,.0f} 万元的 {share:.1f}%。",
                   "This period's conversions invest {inv:,.0f} × 10⁴ yuan ({per_hh:,.0f} yuan per household converted "
                   "to clean), of which the government pays {eq:,.0f} × 10⁴ yuan in equipment subsidies; running "
                   "subsidies cost {run:,.0f} × 10⁴ yuan a season. Subsidies total {need:,.0f} × 10⁴ yuan, {share:.1f} % "
                   "of the {budget:,.0f} × 10⁴ yuan budget."),
    "household_cost": ("转为清洁取暖的住户每户每年取暖费用（投资年金、运维与燃料）约 {cost:,.0f} 元，政府补贴约 {gov:,.0f} 元，住户自付约 {bill:,.0f} 元。"
                       "全市所有住户的采暖运行费用（燃料与运维，含规划前已清洁取暖户）每年 {city:,.0f} 万元，不属于本期改造费用。",
                       "A household converted to clean heating pays about {cost:,.0f} yuan a year for heating "
                       "(annuity, O&M and fuel); the government covers about {gov:,.0f} yuan of it, the household "
                       "{bill:,.0f} yuan. The running cost of every household in the region (fuel and O&M, including "
                       "those already clean) is {city:,.0f} × 10⁴ yuan a year; it is not a cost of this plan."),
    "bills": ("按居民支付的价格（tariffs.csv；无居民价格的燃料按 prices.csv），转为清洁取暖的住户补贴后每年取暖费用从{lo_route} {lo:,.0f} 元到"
              "{hi_route} {hi:,.0f} 元（户均），原燃煤取暖费用约 {coal:,.0f} 元。{above}",
              "At the prices households pay (tariffs.csv; prices.csv for fuels without a tariff), a household converted to "
              "clean heating pays after running subsidy from {lo:,.0f} yuan a season ({lo_route}) to {hi:,.0f} "
              "({hi_route}), against about {coal:,.0f} for coal. {above}"),
    "bills_above": ("{routes}补贴后仍高于原燃煤费用。", "On {routes} it still pays more than for coal."),
    "bills_below": ("各路线补贴后均不高于原燃煤费用。", "On every route it pays no more than for coal."),
    "bills_negative": ("{routes}的运行补贴超过住户全部取暖费用，可下调。",
                       "On {routes} the running subsidy exceeds the household's whole bill and could be lowered."),
    "affordability_binds": ("居民可承受约束起作用：补贴后取暖费用超过原燃煤费用（1 + 允许幅度）的路线不能选用。",
                            "The affordability rule binds: routes whose bill after subsidy exceeds (1 + margin) × the coal "
                            "bill are ruled out."),
    "binds_gas": ("以气定改：年用气上限起作用（用气 {use:,.0f} / 上限 {cap:,.0f} 万m³）。{worth}",
                  "Gas decides: the annual gas cap binds ({use:,.0f} of {cap:,.0f} × 10⁴ m³). {worth}"),
    "binds_peak": ("设计日用气上限起作用（{use:,.1f} / {cap:,.1f} 万m³/日）。{worth}",
                   "The design-day gas cap binds ({use:,.1f} of {cap:,.1f} × 10⁴ m³/d). {worth}"),
    "storage": ("7天应急储气需求 {req:,.0f} 万m³：已有 {have:,.0f} 万m³，需新建 {built:,.0f} 万m³（{mods:,.0f} 个储气模块）。{worth}",
                "The 7-day emergency storage rule needs {req:,.0f} × 10⁴ m³: {have:,.0f} are in place, {built:,.0f} "
                "must be built ({mods:,.0f} modules). {worth}"),
    "storage_ok": ("7天应急储气需求 {req:,.0f} 万m³，已有 {have:,.0f} 万m³，无需新建。",
                   "The 7-day emergency storage rule needs {req:,.0f} × 10⁴ m³; {have:,.0f} are in place, none must be built."),
    "transformers": ("农村配电网：{over:,.0f} 个变压器组在增容前超载，{upg:,.0f} 个组需增容，共 {units:,.0f} 个增容单元（新增 {kva:,.0f} kVA）。{worth}",
                     "Rural grid: {over:,.0f} transformer groups would be overloaded, {upg:,.0f} are upgraded with "
                     "{units:,.0f} units ({kva:,.0f} kVA). {worth}"),
    "budget_binds": ("补贴预算起作用。{worth}", "The subsidy budget binds. {worth}"),
    "coverage_binds": ("清洁取暖率目标起作用：目标决定了改造规模。{worth}", "The coverage target binds: it sets how much converts. {worth}"),
    "heat_binds": ("{n} 处热源能力用尽（集中供热、余热、地热等不能再接入更多村庄）。",
                   "{n} heat sources are at capacity (no further villages can join district heating, waste heat or geothermal there)."),
    "worth_neg": ("每增加 1 {unit}，年化社会成本可减少约 {v} 元。", "One more {unit} saves about {v} yuan a year."),
    "worth_pos": ("每提高 1 {unit}，年化社会成本增加约 {v} 元。", "One more {unit} costs about {v} yuan a year."),
    "worth_zero": ("整村改造不可分：再多 1 {unit} 也不足以多改一个村，影子价格为0；其价值需用情景扫描衡量。",
                   "Villages convert whole: one more {unit} is not enough for another village, so its shadow price is "
                   "0; a sweep measures what more is worth."),
    "gas_risk": ("气价风险：气价由 {p0:g} 元/m³ 升至 {p1:g} 元/m³，年化社会成本由 {c0:,.0f} 万元升至 {c1:,.0f} 万元（{pct:+.1f}%），"
                 "煤改气户数由 {g0:,.0f} 变为 {g1:,.0f}。{tip}",
                 "Gas-price risk: from {p0:g} to {p1:g} yuan/m³ the annual cost to society moves from {c0:,.0f} to "
                 "{c1:,.0f} × 10⁴ yuan ({pct:+.1f} %) and coal-to-gas households from {g0:,.0f} to {g1:,.0f}. {tip}"),
    "gas_tip": ("气价在 {a:g}—{b:g} 元/m³ 之间时，首批村庄改变路线。", "The first villages change route between {a:g} and {b:g} yuan/m³."),
    "gas_no_tip": ("扫描范围内各村路线不变。", "No village changes route within the swept range."),
    "gas_risk_none": ("未提供气价扫描：运行 scripts/sweep.py --gas-price 2.0:4.0:0.1，并以 --sweep 传给本报告，可评估气价风险。",
                      "No gas-price sweep was given: run scripts/sweep.py --gas-price 2.0:4.0:0.1 and pass it with "
                      "--sweep to assess the gas-price risk."),
    "gap": ("方案为最优解（MIP相对间隙 {gap:.2%}）：其他方案的成本最多低 {gap:.2%}，热源类路线之间可能互换。",
            "The plan is optimal within a relative MIP gap of {gap:.2%}: no plan costs more than {gap:.2%} less; "
            "near-tied heat-source routes may swap."),
    "county": ("本县（区）本期 {n:,.0f} 户转为清洁取暖（{mix}），投资 {inv:,.0f} 万元，设备补贴 {eq:,.0f} 万元，"
               "运行补贴每季 {run:,.0f} 万元。{qc}",
               "{n:,.0f} households convert to clean heating ({mix}); investment {inv:,.0f} × 10⁴ yuan, equipment "
               "subsidies {eq:,.0f} × 10⁴ yuan, running subsidies {run:,.0f} × 10⁴ yuan a season. {qc}"),
    "county_qc": ("另有 {qc:,.0f} 户改用民用优质燃煤（过渡）。", "{qc:,.0f} households move to quality coal (transitional)."),
    "sweep_range": ("{n} 个扫描点（{dims}）：年化社会成本 {c0:,.0f}—{c1:,.0f} 万元；转为清洁取暖户数 {h0:,.0f}—{h1:,.0f} 户。",
                    "{n} sweep points ({dims}): annual cost to society {c0:,.0f} to {c1:,.0f} × 10⁴ yuan; households "
                    "converted to clean {h0:,.0f} to {h1:,.0f}."),
    "sweep_failed": ("{n} 个扫描点没有可行方案（见工作簿“扫描结果汇总”）。", "{n} sweep points have no plan (see the sweep summary)."),
    "pathway_year": ("{year}年：{n:,.0f} 户转为清洁取暖（另有 {qc:,.0f} 户过渡用优质煤），投资 {inv:,.0f} 万元；采暖用气 {gas:,.0f} / 上限 {cap:,.0f} 万m³{binds}。",
                     "{year}: {n:,.0f} households convert to clean heating ({qc:,.0f} more to quality coal), investment "
                     "{inv:,.0f} × 10⁴ yuan; gas {gas:,.0f} of {cap:,.0f} × 10⁴ m³{binds}."),
    "pathway_gas_binds": ("（用气上限起作用）", " (the gas cap binds)"),
    "pathway_total": ("全期折现社会成本 {cost:,.0f} 万元（折现到 {base} 年，折现率 {rate:.1f}%）。",
                      "Discounted cost to society over the horizon: {cost:,.0f} × 10⁴ yuan (to {base}, at {rate:.1f} %)."),
    # recommendations
    "rec_gas": ("落实新增气源合同后方可扩大煤改气（以气定改、先立后破）；气源不足的村庄按方案转向电能或集中供热。",
                "Widen coal-to-gas only after more gas is contracted (no conversion without supply); villages without "
                "gas go to electricity or district heating as planned."),
    "rec_storage": ("在采暖季前建成新增储气 {built:,.0f} 万m³，满足平均7天用气量的应急储气要求。",
                    "Build {built:,.0f} × 10⁴ m³ of emergency gas storage before the heating season (7-day rule)."),
    "rec_grid": ("电网改造前置：{upg:,.0f} 个台区增容（{kva:,.0f} kVA）须在煤改电村庄通电采暖前完成，台区清单见工作簿。",
                 "Upgrade the grid first: {upg:,.0f} transformer groups ({kva:,.0f} kVA) must be reinforced before "
                 "their villages heat electrically; the list is in the workbook."),
    "rec_budget_tight": ("补贴需求已达预算的 {share:.1f}%：预算需留出余量，或调整补贴标准。",
                         "Subsidies need {share:.1f} % of the budget: keep a reserve or revise the subsidy rates."),
    "rec_budget_room": ("补贴预算尚余 {left:,.0f} 万元，可用于运行补贴延续或下一期改造。",
                        "{left:,.0f} × 10⁴ yuan of the subsidy budget remain for running subsidies or the next period."),
    "rec_quality_coal": ("对 {qc:,.0f} 户过渡期使用民用优质燃煤的住户，保障优质煤供应，并明确其后续改造或搬迁时间。",
                         "Secure quality-coal supply for the {qc:,.0f} transitional households and set when they "
                         "convert or relocate."),
    "rec_villages": ("按附表整村推进清单组织实施，各县（区）核对村庄台账后上报。",
                     "Implement village by village from the list in the county chapters; counties check it against their ledgers."),
}


def S(key: str, lang: str, **kw) -> str:
    return SENTENCES[key][0 if lang == "zh" else 1].format(**kw)


def _mix(zones: pd.DataFrame, lang: str) -> str:
    g = zones[zones["status"] == "converted_to_clean"].groupby("category")["households"].sum()
    g = g[g > 0].sort_values(ascending=False)
    sep, unit = ("、", " 户") if lang == "zh" else (", ", "")
    parts = [f"{T(c, lang)} {v:,.0f}{unit}" for c, v in g.items()]
    return sep.join(parts) if parts else ("无" if lang == "zh" else "none")


def _worth(sp: float, unit: str, lang: str) -> str:
    """Shadow price (10^4 yuan/a per unit of the bound) as what one more unit is worth, in yuan a year."""
    u = unit_label(unit, lang) or unit
    if not math.isfinite(sp) or abs(sp) < 1e-9:
        return S("worth_zero", lang, unit=u)
    v = abs(sp) * 1e4
    v_txt = f"{v:,.0f}" if v >= 10 else f"{v:,.2f}"
    return S("worth_neg" if sp < 0 else "worth_pos", lang, unit=u, v=v_txt)


def _value(rows: pd.DataFrame, how=lambda v: v.iloc[0]) -> float:
    """What one more unit is worth: the MIP's value over its step where the run valued the row
    (model.marginal), else the marginal value with routes fixed (LP dual)."""
    if "marginal_value" in rows and np.isfinite(rows["marginal_value"].to_numpy(dtype=float)).any():
        return float(how(rows["marginal_value"].dropna()))
    return float(how(rows["shadow_price"]))


def _family(binding: pd.DataFrame, fam: str) -> pd.DataFrame:
    if binding.empty or "constraint_family" not in binding:
        return pd.DataFrame()
    return binding[binding["constraint_family"].astype(str) == fam]


def household_costs(ds: xr.Dataset) -> dict[str, float]:
    """Per household converted to clean: annual cost, government share, own bill (yuan/a); the region's running cost."""
    z = tb.zone_frame(ds)
    c = z[z["status"] == "converted_to_clean"]
    hh = float(c["households"].sum())
    crf = tb.payers(ds)["capital_recovery_rate"][0]
    cost = float((c["annuity"] + c["running_cost"]).sum())
    gov = float(c["subsidy_running"].sum() + crf * c["subsidy_equipment"].sum())
    return {"cost": cost * 1e4 / hh if hh else 0.0, "gov": gov * 1e4 / hh if hh else 0.0,
            "bill": (cost - gov) * 1e4 / hh if hh else 0.0, "city": float(z["running_cost"].sum())}


def findings(ds: xr.Dataset, lang: str, sweep: xr.Dataset | None = None) -> list[str]:
    m = tb.metrics(ds)
    z = tb.zone_frame(ds)
    v = {k: x for k, (x, _) in m.items()}
    out = [S("converts", lang, n=v["households_converted_to_clean"], area=v["floor_area_converted_to_clean"], mix=_mix(z, lang))]
    share = v["clean_share"]
    if v["households_quality_coal"] > 0:
        out.append(S("transitional", lang, qc=v["households_quality_coal"], already=v["households_already_clean"], share=share))
    else:
        out.append(S("no_transitional", lang, already=v["households_already_clean"], share=share))
    out.append(S("investment", lang, inv=v["investment_total"], per_hh=v["investment_per_clean_household"],
                 eq=v["subsidy_equipment"], run=v["subsidy_running"], need=v["subsidy_need"], budget=v["subsidy_budget"],
                 share=v["subsidy_budget_share"] if math.isfinite(v["subsidy_budget_share"]) else 0.0))
    hc = household_costs(ds)
    if v["households_converted_to_clean"] > 0:
        out.append(S("household_cost", lang, **hc))
    out += bill_findings(ds, lang)
    binding = tb.binding_constraints(ds)
    if len(_family(binding, "affordability")):
        out.append(S("affordability_binds", lang))
    gas = _family(binding, "gas_annual_cap")
    if len(gas):
        out.append(S("binds_gas", lang, use=v["gas_annual"], cap=v["gas_annual_cap"],
                     worth=_worth(_value(gas), "10^4 m^3", lang)))
    peak = _family(binding, "gas_peak_day_cap")
    if len(peak):
        out.append(S("binds_peak", lang, use=v["gas_peak_day"], cap=v["gas_peak_day_cap"],
                     worth=_worth(_value(peak), "10^4 m^3/d", lang)))
    st = _family(binding, "gas_storage")
    if v["storage_built"] > 0:
        worth = _worth(_value(st), "10^4 m^3", lang) if len(st) else ""
        out.append(S("storage", lang, req=v["storage_required"], have=v["storage_existing"], built=v["storage_built"],
                     mods=v["storage_modules"], worth=worth))
    elif v["storage_required"] > 0:
        out.append(S("storage_ok", lang, req=v["storage_required"], have=v["storage_existing"]))
    if v["transformer_groups_upgraded"] > 0 or v["transformer_groups_over"] > 0:
        tr = _family(binding, "transformer_capacity")
        worth = _worth(float(tr["shadow_price"].median()), "kVA", lang) if len(tr) else ""
        out.append(S("transformers", lang, over=v["transformer_groups_over"], upg=v["transformer_groups_upgraded"],
                     units=v["transformer_upgrade_units"], kva=v["transformer_capacity_added"], worth=worth))
    bud = _family(binding, "subsidy_budget")
    if len(bud):
        out.append(S("budget_binds", lang, worth=_worth(_value(bud), "10^4 yuan", lang)))
    cov = _family(binding, "coverage_target")
    if len(cov):
        out.append(S("coverage_binds", lang, worth=_worth(float(cov["shadow_price"].max()), "households", lang)))
    heat = _family(binding, "heat_source_capacity")
    if len(heat):
        out.append(S("heat_binds", lang, n=len(heat)))
    out.append(gas_risk(sweep, lang) if sweep is not None else S("gas_risk_none", lang))
    return out


def bill_findings(ds: xr.Dataset, lang: str) -> list[str]:
    """One sentence on households' bills per route against coal (tables.bill_frame); none without bills."""
    df = tb.bill_frame(ds)
    if df is None or not len(df):
        return []
    names = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str)))
    name = (lambda r: names.get(r, r)) if lang == "zh" else (lambda r: r)
    lo, hi = df.loc[df["bill_after"].idxmin()], df.loc[df["bill_after"].idxmax()]
    coal = float(np.average(df["bill_base"], weights=df["households"]))
    above = df[df["bill_difference"] > 0]
    sep = "、" if lang == "zh" else ", "
    more = S("bills_above", lang, routes=sep.join(name(r) for r in above["route"])) if len(above) else S("bills_below", lang)
    negative = df[df["bill_after"] < 0]
    if len(negative):
        more += ("" if lang == "zh" else " ") + S("bills_negative", lang, routes=sep.join(name(r) for r in negative["route"]))
    return [S("bills", lang, lo_route=name(lo["route"]), lo=float(lo["bill_after"]), hi_route=name(hi["route"]),
              hi=float(hi["bill_after"]), coal=coal, above=more)]


def recommendations(ds: xr.Dataset, lang: str) -> list[str]:
    m = {k: x for k, (x, _) in tb.metrics(ds).items()}
    binding = tb.binding_constraints(ds)
    out = []
    if len(_family(binding, "gas_annual_cap")) or len(_family(binding, "gas_peak_day_cap")):
        out.append(S("rec_gas", lang))
    if m["storage_built"] > 0:
        out.append(S("rec_storage", lang, built=m["storage_built"]))
    if m["transformer_groups_upgraded"] > 0:
        out.append(S("rec_grid", lang, upg=m["transformer_groups_upgraded"], kva=m["transformer_capacity_added"]))
    share = m["subsidy_budget_share"]
    if math.isfinite(share) and share >= 90:
        out.append(S("rec_budget_tight", lang, share=share))
    elif math.isfinite(share):
        out.append(S("rec_budget_room", lang, left=m["subsidy_budget"] - m["subsidy_need"]))
    if m["households_quality_coal"] > 0:
        out.append(S("rec_quality_coal", lang, qc=m["households_quality_coal"]))
    out.append(S("rec_villages", lang))
    return out


def gas_risk(sweep: xr.Dataset, lang: str) -> str:
    """The gas-price sentence from a sweep over gas_price (other swept values at their first point)."""
    if "gas_price" not in tb.sweep_dims(sweep):
        return S("gas_risk_none", lang)
    line = sweep.isel({d: 0 for d in tb.sweep_dims(sweep) if d != "gas_price"})
    ok = np.isfinite(np.asarray(line["objective"].values, dtype=float))
    line = line.isel(gas_price=np.flatnonzero(ok))
    if line.sizes["gas_price"] < 2:
        return S("gas_risk_none", lang)
    prices = np.asarray(line["gas_price"].values, dtype=float)
    cost = np.asarray(line["objective"].values, dtype=float)
    cat = line["route_category"].values.astype(str)
    if cat.ndim > 1:
        cat = cat[0]
    gas_hh = (line["households_to_clean"] if "households_to_clean" in line else line["households_converted"]) \
        .isel(route=np.flatnonzero(cat == "coal_to_gas")).sum(("county", "route")).values
    routes = line["chosen_route"].values.astype(str)
    change = [i for i in range(1, len(prices)) if (routes[i] != routes[i - 1]).any()]
    tip = S("gas_tip", lang, a=prices[change[0] - 1], b=prices[change[0]]) if change else S("gas_no_tip", lang)
    return S("gas_risk", lang, p0=prices[0], p1=prices[-1], c0=cost[0], c1=cost[-1],
             pct=100.0 * (cost[-1] / cost[0] - 1) if cost[0] else 0.0, g0=float(gas_hh[0]), g1=float(gas_hh[-1]), tip=tip)


def county_sentence(zones: pd.DataFrame, lang: str) -> str:
    """One county's conversions in a sentence (zones of that county only)."""
    c = zones[zones["status"] == "converted_to_clean"]
    w = zones[zones["converted"]]
    qc = float(zones.loc[zones["status"] == "quality_coal", "households"].sum())
    return S("county", lang, n=float(c["households"].sum()), mix=_mix(zones, lang), inv=float(w["investment"].sum()),
             eq=float(w["subsidy_equipment"].sum()), run=float(w["subsidy_running"].sum()),
             qc=S("county_qc", lang, qc=qc) if qc > 0 else "")


def sweep_findings(sweep: xr.Dataset, lang: str) -> list[str]:
    """Range of cost and conversions over the points, failed points, and the gas-price risk."""
    dims = tb.sweep_dims(sweep)
    cost = np.asarray(sweep["objective"].values, dtype=float).ravel()
    hh = np.asarray(sweep["households_by_status"].sel(heating_status="converted_to_clean").sum("county").values,
                    dtype=float).ravel()
    ok = np.isfinite(cost)
    out = []
    if ok.any():
        out.append(S("sweep_range", lang, n=int(ok.sum()), dims=", ".join(swept_name(d, lang) for d in dims), c0=cost[ok].min(), c1=cost[ok].max(),
                     h0=hh[ok].min(), h1=hh[ok].max()))
    if (~ok).any():
        out.append(S("sweep_failed", lang, n=int((~ok).sum())))
    if "gas_price" in dims:
        out.append(gas_risk(sweep, lang))
    return out


def gap_sentence(ds: xr.Dataset, lang: str) -> str:
    return S("gap", lang, gap=float(ds.attrs.get("mip_gap", 0.0)))
