"""One registry of input tables, columns and output variables.

It drives validation (`model.validate`), the schema document (`inputs/README.md`,
written by `scripts/schema_doc.py`), Pyomo `doc=` strings and the `units` /
`long_name` attributes of every output variable.
"""
from __future__ import annotations

from dataclasses import dataclass

# Units are written once here; "10^4" is the planner's 万.
U_AREA = "10^4 m^2"
U_GAS = "10^4 m^3"
U_MONEY = "10^4 yuan"
U_MONEY_A = "10^4 yuan/a"
U_BILL = "yuan/(household a)"


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "str" | "int" | "float" | "flag" (0/1) | "list" (semicolon-separated)
    unit: str
    description: str
    required: bool = True  # False: the cell may be empty
    min: float | None = None  # inclusive lower bound
    positive: bool = False  # strictly > 0
    max: float | None = None  # inclusive upper bound
    choices: tuple[str, ...] | None = None
    plausible_max: float | None = None  # larger values are taken as a wrong unit scale


@dataclass(frozen=True)
class Table:
    name: str  # file stem: inputs/<region>/<name>.csv
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Reference:
    """`table.column` values must appear in `ref_table.ref_column` (empty cells allowed if the column is optional)."""

    table: str
    column: str
    ref_table: str
    ref_column: str


# Optional parameters (may be absent from parameters.csv) and the value used when absent.
PARAMETER_DEFAULTS: dict[str, float] = {
    "base_year": float("nan"),  # pathway: costs discounted to this year; default first year - 1
    "clean_from_season_after_conversion": 0.0,  # 1: a zone counts clean from the season after it converts (先立后破)
    "old_stove_cost_yuan_per_household": 0.0,  # cost of keeping the old stove through the first season
    "storage_rule_from_year": 0.0,  # the 7-day storage rule applies from this year (0: every year)
    # pathway: the budget basis of years.csv rows that leave subsidy_budget_basis empty: 1 = to date
    # (spending from the first year on), 0 = annual. A single year compares its conversions with the year's figure
    "subsidy_budget_cumulative": 0.0,
    # household bills (tariffs.csv): a converting household's bill after running subsidy may exceed
    # its base-year (coal) bill by at most this share; NaN (absent) = no affordability rule
    "affordability_margin": float("nan"),
    # 1: the running subsidy of each converting option is designed: the least per household that
    # brings its bill within the margin (0 if no margin is set); replaces routes.csv's figures
    "running_subsidy_design": 0.0,
    # 1: the objective prices electric routes' valley share (routes.valley_share) at the valley
    # tariff (tariffs.csv), the rest at prices.csv; 0: prices.csv only (the default social cost)
    "objective_valley_electricity": 0.0,
}

AREA_TYPES = ("urban", "rural")
# quantities a policies.csv row may bound: the year's state, or what converts in the year
POLICY_STATE_QUANTITIES = ("households", "households_converted", "floor_area", "gas_annual", "gas_peak_day",
                           "electricity", "co2", "pm25", "coal_tce", "clean_households")
POLICY_FLOW_QUANTITIES = ("households_converting", "investment", "subsidy_equipment")
POLICY_QUANTITIES = POLICY_STATE_QUANTITIES + POLICY_FLOW_QUANTITIES
TERRAINS = ("plain", "mountain")
ANY = "all"
SOURCE = Column("source", "str", "-", "Where the row's numbers come from (document and section, URL), or 'assumption: <reasoning>'")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "parameters",
            "Region-wide scalars: climate, finance, grid and storage rules.",
            (
                Column("name", "str", "-", "Parameter name (see the list below)", choices=(
                    "design_temperature_c", "indoor_temperature_c", "heating_season_days",
                    "heating_season_mean_temperature_c", "discount_rate", "storage_days_required",
                    "storage_averaging_days", "power_factor", "electric_coincidence_factor",
                    *PARAMETER_DEFAULTS,
                )),
                Column("value", "float", "see unit", "Value"),
                Column("unit", "str", "-", "Unit of the value"),
                SOURCE,
            ),
            key=("name",),
        ),
        Table(
            "counties",
            "County-level divisions (县/区/县级市) with census figures used for calibration.",
            (
                Column("county_id", "str", "-", "NBS county code"),
                Column("name_zh", "str", "-", "Chinese name"),
                Column("name_en", "str", "-", "English name (pinyin)", required=False),
                Column("households", "int", "households", "Family households, 2020 census", min=0),
                Column("population", "int", "persons", "Population, 2020 census", min=0),
                Column("urban_population", "int", "persons", "Urban population, 2020 census", min=0),
                Column("rural_population", "int", "persons", "Rural population, 2020 census", min=0),
                SOURCE,
            ),
            key=("county_id",),
        ),
        Table(
            "building_types",
            "Building archetypes: design heat load and optional envelope retrofit.",
            (
                Column("building_type", "str", "-", "Archetype id"),
                Column("name_zh", "str", "-", "Chinese label"),
                Column("design_heat_load_w_per_m2", "float", "W/m^2", "Space-heating load at the design temperature", positive=True, plausible_max=300),
                Column("retrofit_capex_yuan_per_m2", "float", "yuan/m^2", "Envelope retrofit cost; empty = no retrofit option", required=False, min=0, plausible_max=2000),
                Column("retrofit_saving", "float", "1", "Share of heat demand a retrofit saves", required=False, min=0, max=0.9),
                Column("retrofit_lifetime_yr", "float", "a", "Retrofit lifetime for the annuity", required=False, positive=True),
                SOURCE,
            ),
            key=("building_type",),
        ),
        Table(
            "fuels",
            "Final energy carriers. 'gas' is what the gas caps count; 'electricity' what transformers carry.",
            (
                Column("fuel_id", "str", "-", "Fuel id; must include 'gas' and 'electricity'"),
                Column("name_zh", "str", "-", "Chinese label"),
                Column("unit", "str", "-", "Physical unit of one fuel unit", choices=("t", "m3", "kWh", "GJ")),
                Column("energy_gj_per_unit", "float", "GJ/unit", "Final energy per unit (lower heating value)", positive=True),
                Column("co2_kg_per_unit", "float", "kg/unit", "CO2 per unit used (grid factor for electricity)", min=0),
                Column("pm25_g_per_unit", "float", "g/unit", "Primary PM2.5 per unit burnt at the zone", min=0),
                Column("coal_tce_per_unit", "float", "tce/unit", "Coal burnt at the zone per unit (0 for non-coal)", min=0),
                SOURCE,
            ),
            key=("fuel_id",),
        ),
        Table(
            "routes",
            "Heating routes (技术路线) and which zones may use them.",
            (
                Column("route_id", "str", "-", "Route id"),
                Column("name_zh", "str", "-", "Chinese label"),
                Column("name_en", "str", "-", "English label"),
                Column("category", "str", "-", "Plan category", choices=(
                    "district_heating", "waste_heat", "coal_to_gas", "coal_to_electricity",
                    "geothermal", "biomass", "solar", "coal")),
                Column("fuel_id", "str", "-", "Fuel the route uses"),
                Column("clean", "flag", "0/1", "Counts as clean heating (清洁取暖)"),
                Column("selectable", "flag", "0/1", "May be chosen for a zone this period (0 for legacy routes such as scattered coal)"),
                Column("capex_yuan_per_household", "float", "yuan/household", "Investment per household (equipment, indoor works, connection)", min=0, plausible_max=200000),
                Column("capex_yuan_per_m2", "float", "yuan/m^2", "Investment per m^2 heated (networks, plant)", min=0, plausible_max=2000),
                Column("capex_yuan_per_zone", "float", "yuan/zone", "Investment per zone served, whatever its size (a "
                       "boiler house's site, building and minimum plant, a trunk line); empty = 0", required=False, min=0,
                       plausible_max=1e8),
                Column("fixed_om_yuan_per_household_yr", "float", "yuan/(household a)", "Fixed operation and maintenance", min=0, plausible_max=20000),
                Column("lifetime_yr", "float", "a", "Economic lifetime for the annuity", positive=True, plausible_max=60),
                Column("efficiency", "float", "1", "Seasonal efficiency: heat delivered per unit final energy (seasonal COP for heat pumps)", positive=True, max=10),
                Column("cop_design", "float", "1", "Efficiency or COP at the design temperature (sets peak electric load)", positive=True, max=10),
                Column("charge_hours", "float", "h/d", "Hours per day the electric load draws power (24 direct/heat pump, ~12 storage heaters)", positive=True, max=24),
                Column("requires_gas_network", "flag", "0/1", "Zone must have gas network access"),
                Column("max_heat_network_km", "float", "km", "Zone must lie within this distance of a heat network; empty = no limit", required=False, min=0),
                Column("area_types", "list", "-", "Allowed area types: urban;rural or all"),
                Column("terrains", "list", "-", "Allowed terrains: plain;mountain or all"),
                Column("building_types", "list", "-", "Allowed building types, or all"),
                Column("needs_heat_source", "flag", "0/1", "Draws on heat_sources capacity of the zone's county for this route"),
                Column("subsidy_equipment_yuan_per_household", "float", "yuan/household", "One-off equipment subsidy (transfer, not a cost)", min=0, plausible_max=100000),
                Column("subsidy_running_yuan_per_household_yr", "float", "yuan/(household a)", "Running subsidy per heating season (transfer)", min=0, plausible_max=20000),
                Column("subsidy_equipment_low_income_yuan_per_household", "float", "yuan/household",
                       "One-off equipment subsidy for a low-income household (zones.low_income_share); empty = as "
                       "subsidy_equipment_yuan_per_household", required=False, min=0, plausible_max=100000),
                Column("subsidy_running_low_income_yuan_per_household_yr", "float", "yuan/(household a)",
                       "Running subsidy per season for a low-income household (zones.low_income_share); empty = "
                       "as subsidy_running_yuan_per_household_yr", required=False, min=0, plausible_max=20000),
                Column("valley_share", "float", "1", "Share of the route's electricity drawn in the valley window of a "
                       "time-of-use tariff (tariffs.csv; storage heaters ~1, heat pumps by their control); empty = "
                       "the household pays the flat tariff", required=False, min=0, max=1),
                SOURCE,
            ),
            key=("route_id",),
        ),
        Table(
            "prices",
            "Fuel prices by year (society's cost of one unit delivered).",
            (
                Column("year", "int", "a", "Year", min=1990, max=2100),
                Column("fuel_id", "str", "-", "Fuel id"),
                Column("price_yuan_per_unit", "float", "yuan/unit", "Price per fuel unit", min=0, plausible_max=5000),
                SOURCE,
            ),
            key=("year", "fuel_id"),
        ),
        Table(
            "tariffs",
            "What households pay (optional), beside the society-cost prices of prices.csv: time-of-use electricity "
            "(valley / peak / flat), tiered gas (tier1 < tier2 < tier3 per household and year) and heat billed per "
            "m^2 and season. A fuel without rows in a year is billed at its prices.csv price.",
            (
                Column("year", "int", "a", "Year", min=1990, max=2100),
                Column("fuel_id", "str", "-", "Fuel id"),
                Column("band", "str", "-", "flat, valley, peak (time-of-use: a route with valley_share pays "
                       "valley_share x valley + the rest x peak, else flat), tier1, tier2, tier3 (annual use per "
                       "household) or per_m2 (per m^2 heated and season)",
                       choices=("flat", "valley", "peak", "tier1", "tier2", "tier3", "per_m2")),
                Column("price_yuan_per_unit", "float", "yuan/unit", "Price per fuel unit; per m^2 and season for per_m2",
                       min=0, plausible_max=5000),
                Column("up_to_units_per_household", "float", "unit/(household a)", "A tier's upper end in annual use "
                       "per household; empty on the highest tier (and on other bands)", required=False, positive=True),
                SOURCE,
            ),
            key=("year", "fuel_id", "band"),
            required=False,
        ),
        Table(
            "years",
            "Caps and budgets by year.",
            (
                Column("year", "int", "a", "Year", min=1990, max=2100),
                Column("gas_annual_cap_10k_m3", "float", U_GAS, "Gas available for space heating in the year (existing + new)", min=0),
                Column("gas_peak_day_cap_10k_m3", "float", U_GAS + "/d", "Gas available for heating on the design day", min=0),
                Column("gas_other_use_10k_m3", "float", U_GAS, "Non-heating gas use counted in the storage rule", min=0),
                Column("gas_storage_existing_10k_m3", "float", U_GAS, "Emergency gas storage in place", min=0),
                Column("storage_module_size_10k_m3", "float", U_GAS, "Size of one buildable storage module", positive=True),
                Column("storage_module_capex_10k_yuan", "float", U_MONEY, "Investment per storage module", min=0),
                Column("storage_module_lifetime_yr", "float", "a", "Storage module lifetime", positive=True),
                Column("subsidy_budget_10k_yuan", "float", U_MONEY, "Subsidy budget for the year (equipment + running)", min=0),
                Column("rural_gas_new_cap_households", "float", "households", "Cap on new rural coal-to-gas conversions (严控新增农村煤改气); empty = no cap", required=False, min=0),
                Column("subsidy_budget_basis", "str", "-", "How a pathway counts the budget: annual = the year's own spending; "
                       "to_date = spending from the first year of the horizon to this one; empty = the parameter "
                       "subsidy_budget_cumulative (0 annual, 1 to date)", required=False, choices=("annual", "to_date")),
                SOURCE,
            ),
            key=("year",),
        ),
        Table(
            "coverage",
            "Minimum clean-heating share of households by area type, terrain and year.",
            (
                Column("year", "int", "a", "Year", min=1990, max=2100),
                Column("area_type", "str", "-", "urban, rural or all", choices=AREA_TYPES + (ANY,)),
                Column("terrain", "str", "-", "plain, mountain or all", choices=TERRAINS + (ANY,)),
                Column("min_clean_share", "float", "1", "Minimum share of households (demolition zones excluded) heated clean", min=0, max=1),
                SOURCE,
            ),
            key=("year", "area_type", "terrain"),
        ),
        Table(
            "transformers",
            "Distribution transformer groups (农村配电网台区).",
            (
                Column("group_id", "str", "-", "Transformer group id"),
                Column("county_id", "str", "-", "County"),
                Column("capacity_kva", "float", "kVA", "Installed capacity", min=0, plausible_max=1e6),
                Column("existing_peak_kva", "float", "kVA", "Winter peak load before new electric heating", min=0),
                Column("upgrade_unit_kva", "float", "kVA", "Capacity added by one upgrade unit", positive=True),
                Column("upgrade_unit_capex_yuan", "float", "yuan", "Investment per upgrade unit", min=0),
                Column("upgrade_lifetime_yr", "float", "a", "Lifetime of an upgrade", positive=True),
                Column("max_upgrade_units", "int", "units", "Most units that can be added this period", min=0),
                SOURCE,
            ),
            key=("group_id",),
        ),
        Table(
            "heat_sources",
            "Spare capacity of heat sources (CHP, waste heat, geothermal, biomass) per county and route.",
            (
                Column("source_id", "str", "-", "Heat source id"),
                Column("county_id", "str", "-", "County it can serve"),
                Column("route_id", "str", "-", "Route that draws on it"),
                Column("name_zh", "str", "-", "Chinese label"),
                Column("spare_capacity_mw", "float", "MW", "Heat capacity available for new connections at design conditions", min=0, plausible_max=1e5),
                SOURCE,
            ),
            key=("source_id",),
        ),
        Table(
            "policies",
            "Policy rules as data (optional): each row bounds a quantity over a filter of zones and routes, "
            "in one year or every year, e.g. a CO2 cap, a county's task (任务分解) or a share limit.",
            (
                Column("policy_id", "str", "-", "Rule id (plain name: letters, digits, _ and -)"),
                Column("name_zh", "str", "-", "Chinese label shown in what-binds tables and the report"),
                Column("quantity", "str", "-", "What is bounded. In the year's state: households, households_converted, "
                       "floor_area, gas_annual, gas_peak_day, electricity, co2, pm25, coal_tce, clean_households; "
                       "converted in the year: households_converting, investment, subsidy_equipment",
                       choices=POLICY_QUANTITIES),
                Column("counties", "list", "-", "County ids (;-separated) or all"),
                Column("area_types", "list", "-", "urban;rural or all"),
                Column("terrains", "list", "-", "plain;mountain or all"),
                Column("routes", "list", "-", "Route ids or route categories (;-separated), or all"),
                Column("sense", "str", "-", "<= (a cap) or >= (a target)", choices=("<=", ">=")),
                Column("bound", "float", "see quantity", "The bound, in the quantity's unit; a share (0-1) with share_of_routes", min=0),
                Column("share_of_routes", "list", "-", "Empty: bound is absolute. Else bound is a share of the same quantity "
                       "over the same counties/areas/terrains on these routes (e.g. all)", required=False),
                Column("year", "int", "a", "Year the rule applies to; empty = every year", required=False, min=1990, max=2100),
                SOURCE,
            ),
            key=("policy_id",),
            required=False,
        ),
        Table(
            "region",
            "The region's name and plan period, for report titles (one row; optional: reports fall back to the folder name).",
            (
                Column("name_zh", "str", "-", "Chinese name of the city or county (e.g. 济南市)"),
                Column("name_en", "str", "-", "English name", required=False),
                Column("plan_first_year", "int", "a", "First year of the plan period", min=1990, max=2100),
                Column("plan_last_year", "int", "a", "Last year of the plan period", min=1990, max=2100),
                SOURCE,
            ),
            key=("name_zh",),
            required=False,
        ),
        Table(
            "townships",
            "Township-level divisions (街道/镇/乡) whose names the village list shows (optional: ids are shown instead).",
            (
                Column("township_id", "str", "-", "NBS township code (as in zones.township_id)"),
                Column("county_id", "str", "-", "County"),
                Column("name_zh", "str", "-", "Chinese name"),
                SOURCE,
            ),
            key=("township_id",),
            required=False,
        ),
        Table(
            "zones",
            "Planning zones: villages (村), communities and urban heating zones. Each converts as a whole.",
            (
                Column("zone_id", "str", "-", "Zone id"),
                Column("county_id", "str", "-", "County"),
                Column("township_id", "str", "-", "Township (街道/镇/乡) NBS code", required=False),
                Column("name_zh", "str", "-", "Chinese name"),
                Column("area_type", "str", "-", "urban or rural", choices=AREA_TYPES),
                Column("terrain", "str", "-", "plain or mountain", choices=TERRAINS),
                Column("building_type", "str", "-", "Building archetype"),
                Column("households", "int", "households", "Households heated", positive=True, plausible_max=200000),
                Column("floor_area_10k_m2", "float", U_AREA, "Heated floor area", positive=True, plausible_max=2000),
                Column("gas_network", "flag", "0/1", "Gas network reaches the zone"),
                Column("heat_network_km", "float", "km", "Distance to the nearest heat network", min=0, plausible_max=500),
                Column("transformer_group", "str", "-", "Transformer group; empty = urban grid, not capacity-constrained", required=False),
                Column("demolition", "flag", "0/1", "Firm demolition plan: keeps quality coal this period"),
                Column("existing_route", "str", "-", "Route heating the zone in the base year"),
                Column("plan_route", "str", "-", "Route the source plan assigns (used by plan scenarios)", required=False),
                Column("plan_retrofit", "flag", "0/1", "The source plan retrofits the envelope (used by plan scenarios)", required=False),
                Column("low_income_share", "float", "1", "Share of the zone's households flagged low-income in the ledger "
                       "(低保/低收入户); empty = not known", required=False, min=0, max=1),
            ),
            key=("zone_id",),
        ),
    ]
}

REFERENCES: tuple[Reference, ...] = (
    Reference("zones", "county_id", "counties", "county_id"),
    Reference("zones", "building_type", "building_types", "building_type"),
    Reference("zones", "transformer_group", "transformers", "group_id"),
    Reference("zones", "existing_route", "routes", "route_id"),
    Reference("zones", "plan_route", "routes", "route_id"),
    Reference("routes", "fuel_id", "fuels", "fuel_id"),
    Reference("prices", "fuel_id", "fuels", "fuel_id"),
    Reference("tariffs", "fuel_id", "fuels", "fuel_id"),
    Reference("transformers", "county_id", "counties", "county_id"),
    Reference("heat_sources", "county_id", "counties", "county_id"),
    Reference("heat_sources", "route_id", "routes", "route_id"),
    Reference("townships", "county_id", "counties", "county_id"),
)

# Chinese labels of the tables and their columns: the workbook's explanation sheet and the starter
# templates read them (`model.workbook`). A column is looked up as "table.column", then "column".
TABLES_ZH: dict[str, str] = {
    "parameters": "全域参数：气候、财务、电网与储气规则",
    "counties": "县（区、县级市）及2020年人口普查户数、人口，用于校核",
    "building_types": "建筑类型：设计热负荷及可选的围护结构节能改造",
    "fuels": "终端能源品种（燃料）",
    "routes": "清洁取暖技术路线及其适用条件",
    "prices": "分年度燃料价格（到户的社会成本）",
    "tariffs": "居民实际支付的价格（可选）：峰谷分时电价、阶梯气价、按面积收取的采暖费",
    "years": "分年度用气上限、储气与补贴预算",
    "coverage": "分年度、分区域类型与地形的清洁取暖率下限",
    "transformers": "配电变压器台区（农村配电网）",
    "heat_sources": "热源（热电联产、工业余热、地热、生物质）可供新增的供热能力",
    "zones": "规划单元：村、社区、城镇供热片区；整村（整片）推进",
    "policies": "以数据表达的政策规则（可选）：对一类村与路线的某个量设上限或下限，如碳排放上限、分县任务",
    "region": "地区名称与规划期，用于报告标题（可选，一行）",
    "townships": "乡镇（街道）名称，村庄清单按此显示（可选）",
}
COLUMNS_ZH: dict[str, str] = {
    "source": "数据来源（文件及章节、网址），或“assumption: 理由”表示假设",
    "name_zh": "中文名称",
    "name_en": "英文名称（拼音）",
    "county_id": "县（区）代码（国家统计局区划代码）",
    "households": "户数",
    "unit": "单位",
    "building_type": "建筑类型编号",
    "fuel_id": "燃料编号",
    "route_id": "技术路线编号",
    "year": "年份",
    "area_type": "区域类型：urban 城镇，rural 农村",
    "terrain": "地形：plain 平原（川区），mountain 山区",
    "parameters.name": "参数名称（见右侧规则中的可选值）",
    "parameters.value": "参数值",
    "parameters.unit": "参数值的单位",
    "counties.households": "家庭户数（2020年第七次人口普查）",
    "population": "常住人口（2020年普查）",
    "urban_population": "城镇人口（2020年普查）",
    "rural_population": "乡村人口（2020年普查）",
    "design_heat_load_w_per_m2": "设计室外温度下的采暖热负荷指标",
    "retrofit_capex_yuan_per_m2": "围护结构节能改造投资；留空表示无改造选项",
    "retrofit_saving": "节能改造减少的采暖需热量比例",
    "retrofit_lifetime_yr": "节能改造使用寿命（计算年金）",
    "fuels.unit": "一个燃料单位的物理单位",
    "energy_gj_per_unit": "每单位燃料的热量（低位发热量）",
    "co2_kg_per_unit": "每单位燃料的二氧化碳排放（电力取电网排放因子）",
    "pm25_g_per_unit": "每单位燃料在村内燃烧产生的一次PM2.5",
    "coal_tce_per_unit": "每单位燃料在村内燃烧的煤量（折标煤；非煤为0）",
    "category": "规划中的路线类别",
    "clean": "是否计为清洁取暖（1 是，0 否）",
    "selectable": "本期可否选择（散煤等存量路线为0）",
    "capex_yuan_per_household": "每户投资（设备、室内工程、入户）",
    "capex_yuan_per_m2": "每平方米采暖面积投资（管网、热源）",
    "capex_yuan_per_zone": "每个规划单元的固定投资，与规模无关（锅炉房场地、建筑与最小设备、干管）；留空为0",
    "fixed_om_yuan_per_household_yr": "每户每年固定运维费",
    "lifetime_yr": "经济寿命（计算年金）",
    "efficiency": "季节效率：单位终端能源供热量（热泵为季节COP）",
    "cop_design": "设计温度下的效率或COP（决定电力尖峰负荷）",
    "charge_hours": "每日用电小时数（直热与热泵24，蓄热约12）",
    "requires_gas_network": "要求村内通天然气管网",
    "max_heat_network_km": "与热网的最大距离；留空表示不限",
    "area_types": "适用区域类型：urban;rural 或 all",
    "terrains": "适用地形：plain;mountain 或 all",
    "building_types": "适用建筑类型（分号分隔）或 all",
    "needs_heat_source": "需占用本县该路线热源的供热能力",
    "subsidy_equipment_yuan_per_household": "一次性设备补贴（转移支付，不计入社会成本）",
    "subsidy_running_yuan_per_household_yr": "每个采暖季的运行补贴（转移支付）",
    "price_yuan_per_unit": "每单位燃料价格",
    "band": "价格档：flat 平段（不分时），valley 谷段，peak 峰段，tier1-tier3 阶梯，per_m2 按面积每采暖季",
    "up_to_units_per_household": "阶梯上限：每户每年用量；最高一档留空",
    "tariffs.price_yuan_per_unit": "居民价格：每单位燃料（per_m2 为每平方米每采暖季）",
    "subsidy_running_low_income_yuan_per_household_yr": "低收入户每个采暖季的运行补贴；留空同普通户",
    "subsidy_equipment_low_income_yuan_per_household": "低收入户一次性设备补贴；留空同普通户",
    "valley_share": "电采暖在谷段的用电比例（蓄热式约1，热泵视控制方式）；留空按平段电价",
    "gas_annual_cap_10k_m3": "当年可用于采暖的天然气总量（存量加新增），以气定改",
    "gas_peak_day_cap_10k_m3": "设计日可用于采暖的天然气量",
    "gas_other_use_10k_m3": "计入储气要求的非采暖用气",
    "gas_storage_existing_10k_m3": "已建应急储气能力",
    "storage_module_size_10k_m3": "一个可新建储气单元的规模",
    "storage_module_capex_10k_yuan": "每个储气单元的投资",
    "storage_module_lifetime_yr": "储气单元寿命",
    "subsidy_budget_10k_yuan": "当年补贴预算（设备补贴加运行补贴）",
    "rural_gas_new_cap_households": "新增农村煤改气户数上限（严控新增农村煤改气）；留空表示不限",
    "coverage.area_type": "区域类型：urban、rural 或 all",
    "coverage.terrain": "地形：plain、mountain 或 all",
    "min_clean_share": "清洁取暖户数占比下限（不含拆迁村）",
    "group_id": "变压器台区编号",
    "transformers.county_id": "所在县（区）",
    "capacity_kva": "已装容量",
    "existing_peak_kva": "新增电采暖前的冬季尖峰负荷",
    "upgrade_unit_kva": "一个增容单元增加的容量",
    "upgrade_unit_capex_yuan": "每个增容单元的投资",
    "upgrade_lifetime_yr": "增容改造寿命",
    "max_upgrade_units": "本期最多可增容单元数",
    "source_id": "热源编号",
    "heat_sources.county_id": "可供热的县（区）",
    "heat_sources.route_id": "使用该热源的技术路线",
    "spare_capacity_mw": "设计工况下可供新增用户的供热能力",
    "zone_id": "规划单元编号（村用12位统计用区划代码）",
    "township_id": "乡镇（街道）代码",
    "zones.households": "采暖户数",
    "floor_area_10k_m2": "采暖建筑面积",
    "gas_network": "天然气管网已通达（1 是，0 否）",
    "heat_network_km": "与最近热网的距离",
    "transformer_group": "所属变压器台区；留空表示城镇电网，不受容量约束",
    "demolition": "有明确拆迁计划：本期保留民用优质燃煤",
    "existing_route": "基准年的取暖方式",
    "plan_route": "原规划指定的路线（规划情景使用）",
    "plan_retrofit": "原规划是否做节能改造（规划情景使用）",
    "low_income_share": "台账中低保、低收入户占本单元户数的比例；留空表示未知",
    "subsidy_budget_basis": "路径优化中补贴预算的口径：annual 当年支出，to_date 自首年起累计支出；留空按参数",
    "policy_id": "规则编号（字母、数字、_ 和 -）",
    "policies.name_zh": "中文名称（在约束表和报告中显示）",
    "quantity": "被约束的量（如户数、用气量、二氧化碳、投资；见右侧规则中的可选值）",
    "counties": "适用的县（区）代码（分号分隔）或 all",
    "routes": "适用的路线编号或路线类别（分号分隔）或 all",
    "sense": "<= 上限，>= 下限（目标）",
    "bound": "限值，单位同被约束的量；配合 share_of_routes 时为比例（0-1）",
    "share_of_routes": "留空：限值为绝对量；否则限值为同范围内这些路线上同一量的比例",
    "policies.year": "规则适用的年份；留空表示每年",
    "plan_first_year": "规划期首年",
    "plan_last_year": "规划期末年",
    "region.name_zh": "城市或县的中文名称（如 济南市）",
    "townships.county_id": "所属县（区）",
}


def column_zh(table: str, column: str) -> str:
    """Chinese meaning of a column ("" if none is registered)."""
    return COLUMNS_ZH.get(f"{table}.{column}", COLUMNS_ZH.get(column, ""))


# Fuels the model's constraints refer to by id.
GAS, ELECTRICITY = "gas", "electricity"
# Route that zones with a demolition plan keep, and the not-converted option.
QUALITY_COAL = "quality_coal"


# Where a zone's households stand after the plan (the `heating_status` dim of the outputs). A move
# to quality coal (demolition zones) is transitional, not a clean conversion: reports count it apart.
HEATING_STATUSES = ("converted_to_clean", "quality_coal", "already_clean", "not_clean")


@dataclass(frozen=True)
class Var:
    dims: tuple[str, ...]
    unit: str
    long_name: str


# Every output variable, its dims, unit and long name. `model.results` refuses to
# write a variable that is not registered here.
OUTPUTS: dict[str, Var] = {
    # per zone
    "route": Var(("zone",), "-", "Chosen heating route"),
    "retrofit": Var(("zone",), "0/1", "Envelope retrofit chosen"),
    "converted": Var(("zone",), "0/1", "Zone converts this period (route differs from the base year)"),
    "decided": Var(("zone",), "0/1", "Zone had more than one eligible option (a decision of the model)"),
    "zone_county": Var(("zone",), "-", "County of the zone"),
    "zone_households": Var(("zone",), "households", "Households in the zone"),
    "zone_floor_area": Var(("zone",), U_AREA, "Heated floor area of the zone"),
    "zone_gas_annual": Var(("zone",), U_GAS, "Annual gas use of the zone"),
    "zone_electricity": Var(("zone",), "10^4 kWh", "Annual electricity use of the zone"),
    "zone_peak_kva": Var(("zone",), "kVA", "Electric heating load on the zone's transformer group at the design "
                         "temperature (0 where the zone has no transformer group: urban grid)"),
    "zone_cost": Var(("zone",), U_MONEY_A, "Annualised cost to society of the zone's heating (new investment, O&M, fuel)"),
    "zone_investment": Var(("zone",), U_MONEY, "Investment for the zone's conversion"),
    "zone_annuity": Var(("zone",), U_MONEY_A, "Annuity of the zone's investment (route and envelope retrofit)"),
    "zone_subsidy_equipment": Var(("zone",), U_MONEY, "Equipment subsidy for the zone's conversion (one-off)"),
    "zone_subsidy_running": Var(("zone",), U_MONEY_A, "Running subsidy for the zone's households per season"),
    "zone_heating_status": Var(("zone",), "-", "converted_to_clean | quality_coal (transitional, demolition zones) | "
                               "already_clean (clean in the base year) | not_clean (base-year coal kept)"),
    # per county x route
    "households": Var(("county", "route"), "households", "Households heated by route"),
    "floor_area": Var(("county", "route"), U_AREA, "Floor area heated by route"),
    "households_converted": Var(("county", "route"), "households", "Households converted this period, by new route"),
    "floor_area_converted": Var(("county", "route"), U_AREA, "Floor area converted this period, by new route"),
    "investment": Var(("county", "route"), U_MONEY, "Investment in conversions (route equipment, networks, retrofits)"),
    "households_to_clean": Var(("county", "route"), "households", "Households converted from coal to a clean route this period, by new route"),
    # per county x heating status
    "households_by_status": Var(("county", "heating_status"), "households", "Households by heating status after the plan"),
    "floor_area_by_status": Var(("county", "heating_status"), U_AREA, "Floor area by heating status after the plan"),
    # per county
    "co2": Var(("county",), "t/a", "CO2 emissions from space heating"),
    "co2_avoided": Var(("county",), "t/a", "CO2 avoided against the base year"),
    "pm25": Var(("county",), "kg/a", "Primary PM2.5 emissions from space heating at the zones"),
    "pm25_avoided": Var(("county",), "kg/a", "Primary PM2.5 avoided against the base year"),
    "coal_displaced": Var(("county",), "tce/a", "Coal burnt at the zones avoided against the base year"),
    "clean_share": Var(("county",), "1", "Share of households heated clean"),
    # gas
    "gas_annual": Var((), U_GAS, "Gas use for space heating"),
    "gas_annual_cap": Var((), U_GAS, "Gas available for space heating"),
    "gas_peak_day": Var((), U_GAS + "/d", "Gas use for space heating on the design day"),
    "gas_peak_day_cap": Var((), U_GAS + "/d", "Gas available on the design day"),
    "storage_required": Var((), U_GAS, "Emergency storage required (days x average daily use)"),
    "storage_existing": Var((), U_GAS, "Emergency storage in place"),
    "storage_modules": Var((), "modules", "Storage modules built"),
    "storage_built": Var((), U_GAS, "Emergency storage built"),
    "rural_gas_new_households": Var((), "households", "New rural coal-to-gas households"),
    # transformers
    "transformer_load": Var(("transformer_group",), "kVA", "Peak load at the design temperature, existing plus electric heating"),
    "transformer_capacity": Var(("transformer_group",), "kVA", "Installed capacity before upgrades"),
    "transformer_upgrade_units": Var(("transformer_group",), "units", "Upgrade units bought"),
    "transformer_capacity_after": Var(("transformer_group",), "kVA", "Capacity after upgrades"),
    # heat sources
    "heat_source_load": Var(("heat_source",), "MW", "New heat load drawn at design conditions (shared among the sources of a county and route)"),
    "heat_source_capacity": Var(("heat_source",), "MW", "Spare heat-source capacity"),
    # subsidy
    "subsidy_equipment": Var((), U_MONEY, "Equipment subsidies for this period's conversions"),
    "subsidy_running": Var((), U_MONEY_A, "Running subsidies for converted households"),
    "subsidy_budget": Var((), U_MONEY, "Subsidy budget of the year"),
    # what binds: the integer plan's rows (model.diagnose.ShadowPriceLP), marginal values of the LP
    # with the plan's routes fixed and of the MIP (model.marginal)
    "constraint_family": Var(("constraint",), "-", "Constraint family of the cap or target"),
    "constraint_key": Var(("constraint",), "-", "Which cap of the family (city, county/route, group, area type)"),
    "constraint_unit": Var(("constraint",), "-", "Unit of the constraint's activity and bound"),
    "constraint_activity": Var(("constraint",), "see constraint_unit",
                               "Constraint activity at the integer plan (its route choices, upgrade units and storage "
                               "modules), constants included"),
    "constraint_bound": Var(("constraint",), "see constraint_unit", "Constraint bound"),
    "constraint_slack": Var(("constraint",), "see constraint_unit",
                            "Room left before the bound at the integer plan (cap: bound - activity; target: activity - bound)"),
    "constraint_binding": Var(("constraint",), "0/1",
                              "The cap or target binds at the integer plan: slack 0, or less than the smallest change one "
                              "route choice makes in the row, or less than one unit of the upgrades or storage modules "
                              "the plan buys in the row"),
    "shadow_price": Var(("constraint",), "10^4 yuan/a per constraint_unit",
                        "Marginal value with routes fixed: d(objective)/d(bound) in the LP of the plan with its route "
                        "choices fixed and upgrade units and storage modules continuous"),
    "marginal_step": Var(("constraint",), "see constraint_unit",
                         "Step by which the bound was moved (one more: cap raised, target raised) to value the row in "
                         "the MIP (nan: not valued)"),
    "marginal_value": Var(("constraint",), "10^4 yuan/a per constraint_unit",
                          "Value of one more unit of the bound over marginal_step, from the MIP re-solved with the bound "
                          "moved: (objective(bound + step) - objective(bound)) / step"),
    "marginal_value_low": Var(("constraint",), "10^4 yuan/a per constraint_unit",
                              "Least marginal_value consistent with the two MIP solves' bounds (gap)"),
    "marginal_value_high": Var(("constraint",), "10^4 yuan/a per constraint_unit",
                               "Greatest marginal_value consistent with the two MIP solves' bounds (gap)"),
    "constraint_name_zh": Var(("constraint",), "-", "Constraint family, Chinese name"),
    "constraint_name_en": Var(("constraint",), "-", "Constraint family, English name"),
    "constraint_kind": Var(("constraint",), "-", "cap (an upper bound), target (a lower bound) or choice"),
    # infeasibility diagnosis (written to <scenario>.diagnosis.nc)
    "relaxed_family": Var(("relaxed",), "-", "Cap or target that had to be relaxed"),
    "relaxed_key": Var(("relaxed",), "-", "Which cap of the family"),
    "relaxed_amount": Var(("relaxed",), "see relaxed_unit",
                          "Least amount by which the row must be relaxed for a plan to exist (the least relaxation: "
                          "fewest families, then least amount per family, then least cost)"),
    "relaxed_unit": Var(("relaxed",), "-", "Unit of relaxed_amount"),
    "relaxed_bound": Var(("relaxed",), "see relaxed_unit", "The row's bound in the inputs"),
    "relaxed_new_bound": Var(("relaxed",), "see relaxed_unit", "The row's bound relaxed by relaxed_amount"),
    "relaxed_year": Var(("relaxed",), "a", "Year of the row in a pathway (0: a single year, or not tied to one year)"),
    "relaxed_zone_count": Var(("relaxed",), "zones", "Zones involved in the relaxed cap"),
    "relaxed_counties": Var(("relaxed",), "-", "Counties of the zones involved (semicolon-separated)"),
    "alternative_families": Var(("alternative",), "-",
                                "Families relaxed by this alternative (each alone restores feasibility; semicolon-separated)"),
    "alternative_amount": Var(("alternative",), "see alternative_unit",
                              "Least total relaxation of the family's rows that makes a plan possible"),
    "alternative_amount_lower": Var(("alternative",), "see alternative_unit",
                                    "Proven lower bound of alternative_amount (equal to it when the search finished)"),
    "alternative_unit": Var(("alternative",), "-", "Unit of alternative_amount"),
    "alternative_text": Var(("alternative",), "-", "The alternative in words"),
    "alternative_is_least": Var(("alternative",), "0/1", "This alternative is the least relaxation"),
    "alternative_cost": Var(("alternative",), U_MONEY_A,
                            "Cost of the cheapest plan under this relaxation (nan: not solved; 10^4 yuan in a pathway)"),
    "iis_row": Var(("iis",), "-", "Rows of an irreducible infeasible set of the LP relaxation"),
    # household bills (tariffs.csv; yuan per household, not 10^4)
    "zone_bill_energy": Var(("zone",), U_BILL, "Household's fuel or heat bill at the tariffs (tariffs.csv; prices.csv "
                            "where a fuel has no tariff)"),
    "zone_bill_before": Var(("zone",), U_BILL, "Household's annual heating bill before running subsidy (fuel or heat "
                            "at the tariffs + fixed O&M)"),
    "zone_bill_after": Var(("zone",), U_BILL, "Household's annual heating bill after running subsidy (ordinary household)"),
    "zone_bill_after_low_income": Var(("zone",), U_BILL, "Low-income household's annual heating bill after its running "
                                      "subsidy tier"),
    "zone_bill_base": Var(("zone",), U_BILL, "Household's annual bill on the zone's base-year heating (the coal "
                          "baseline for zones on coal), before subsidy"),
    "zone_bill_difference": Var(("zone",), U_BILL, "zone_bill_after - zone_bill_base (positive: the household pays "
                                "more than before)"),
    "zone_subsidy_running_per_household": Var(("zone",), U_BILL, "Running subsidy per ordinary household (designed "
                                              "where running_subsidy_design = 1)"),
    "zone_subsidy_running_low_income_per_household": Var(("zone",), U_BILL, "Running subsidy per low-income household"),
    "zone_out_of_pocket_low_income": Var(("zone",), "yuan/household", "One-off out-of-pocket of a low-income "
                                         "household: investment per household - its equipment subsidy tier (>= 0)"),
    "zone_out_of_pocket": Var(("zone",), "yuan/household", "One-off out-of-pocket per household if it bore the "
                              "conversion's investment: investment per household - equipment subsidy (>= 0; for "
                              "network routes an upper bound: the network is usually not charged to households)"),
    "bill_before": Var(("county", "route"), U_BILL, "Annual bill before running subsidy, mean over the households "
                       "converted to the route this period"),
    "bill_after": Var(("county", "route"), U_BILL, "Annual bill after running subsidy (ordinary household), mean over "
                      "the households converted to the route this period"),
    "bill_base": Var(("county", "route"), U_BILL, "Base-year (coal) bill of the households converted to the route, mean"),
    "bill_difference": Var(("county", "route"), U_BILL, "bill_after - bill_base, mean over the households converted "
                           "to the route"),
    "out_of_pocket": Var(("county", "route"), "yuan/household", "One-off out-of-pocket after equipment subsidy, mean "
                         "over the households converted to the route"),
    "subsidy_running_per_household": Var(("county", "route"), U_BILL, "Running subsidy per ordinary household, mean "
                                         "over the households converted to the route"),
    "subsidy_running_uniform": Var(("county", "route"), U_BILL, "Least uniform running subsidy per household that keeps "
                                   "every household converted to the route in the county within (1 + "
                                   "affordability_margin) x its base-year bill (NaN: no margin set or no conversion to it, or "
                                   "not a clean route)"),
    "subsidy_running_uniform_city": Var(("route",), U_BILL, "As subsidy_running_uniform, one rate per route for the "
                                        "whole region"),
    "subsidy_running_uniform_total": Var((), U_MONEY_A, "Running subsidies a season if every household converted to a "
                                         "clean route got its county x route's subsidy_running_uniform (NaN: no margin)"),
    "subsidy_running_uniform_city_total": Var((), U_MONEY_A, "The same with one rate per route for the whole region "
                                              "(subsidy_running_uniform_city)"),
    # costs
    "cost": Var(("cost_component",), U_MONEY_A, "Annualised cost to society by component"),
    "objective": Var((), U_MONEY_A, "Total annualised cost to society (objective)"),
}
# (a run's goal, `model.goals`, is in its attributes: goal, goal_value, goal_unit, goal_bound, ...)


# Pathway runs (--from): the same quantities with a year dimension.
PATHWAY_OUTPUTS: dict[str, Var] = {
    "chosen_route": Var(("zone",), "-", "Route at the end of the horizon"),
    "retrofit": Var(("zone",), "0/1", "Envelope retrofit at the end of the horizon"),
    "conversion_year": Var(("zone",), "a", "Year the zone converts (0: does not convert in the horizon)"),
    "zone_county": Var(("zone",), "-", "County of the zone"),
    "zone_households": Var(("zone",), "households", "Households in the zone"),
    "zone_floor_area": Var(("zone",), U_AREA, "Heated floor area of the zone"),
    "zone_investment": Var(("zone",), U_MONEY, "Investment for the zone's conversion (in its conversion year)"),
    "zone_subsidy_equipment": Var(("zone",), U_MONEY, "Equipment subsidy of the zone's conversion"),
    "zone_subsidy_running": Var(("zone",), U_MONEY_A, "Running subsidy of the zone each season from its conversion on"),
    "zone_heating_status": Var(("zone",), "-", "At the end of the horizon: converted_to_clean | quality_coal "
                               "(transitional) | already_clean | not_clean"),
    "zone_bill_before": Var(("zone",), U_BILL, "Household's annual heating bill before running subsidy, on the route "
                            "held at the end of the horizon, at the last year's tariffs"),
    "zone_bill_after": Var(("zone",), U_BILL, "Household's annual heating bill after running subsidy (ordinary "
                           "household), at the end of the horizon"),
    "zone_bill_base": Var(("zone",), U_BILL, "Household's bill on the base-year heating at the last year's tariffs"),
    "zone_bill_difference": Var(("zone",), U_BILL, "zone_bill_after - zone_bill_base at the end of the horizon"),
    "households_converted": Var(("county", "route", "year"), "households", "Households converting in the year, by new route"),
    "floor_area_converted": Var(("county", "route", "year"), U_AREA, "Floor area converting in the year, by new route"),
    "investment": Var(("year",), U_MONEY, "Investment in the year's conversions"),
    "subsidy_equipment": Var(("year",), U_MONEY, "Equipment subsidies paid in the year"),
    "subsidy_running": Var(("year",), U_MONEY, "Running subsidies paid in the year"),
    "subsidy_spent_to_date": Var(("year",), U_MONEY, "Equipment and running subsidies paid from the first year to this one"),
    "subsidy_budget": Var(("year",), U_MONEY, "Subsidy budget of the year (to date where subsidy_budget_to_date is 1)"),
    "subsidy_budget_to_date": Var(("year",), "0/1", "1: the year's budget bounds spending from the first year on; 0: the year's own"),
    "gas_annual": Var(("year",), U_GAS, "Gas use for space heating"),
    "gas_annual_cap": Var(("year",), U_GAS, "Gas available for space heating"),
    "gas_peak_day": Var(("year",), U_GAS + "/d", "Design-day gas use for space heating"),
    "gas_peak_day_cap": Var(("year",), U_GAS + "/d", "Gas available on the design day"),
    "storage_required": Var(("year",), U_GAS, "Emergency storage required (days x average daily use)"),
    "storage_existing": Var(("year",), U_GAS, "Emergency storage in place before modules"),
    "storage_built": Var(("year",), U_GAS, "Storage built by the model up to the year"),
    "transformer_upgrade_units": Var(("transformer_group", "year"), "units", "Upgrade units bought in the year"),
    "clean_households": Var(("year",), "households", "Households counted clean in the year"),
    "co2": Var(("year",), "t/a", "CO2 emissions from space heating in the year"),
    "discount_factor": Var(("year",), "1", "Discount factor to the base year"),
    "constraint_year": Var(("constraint",), "a", "Year of the row (0: not tied to one year)"),
    "objective": Var((), U_MONEY, "Discounted cost to society over the horizon (objective incl. constants)"),
}


# Sweeps (scripts/sweep.py): per grid point (dims: the swept parameters, written here as "point")
# and per tipping point (a table on the "tipping" dim), beside every per-run variable of OUTPUTS.
SWEEP_OUTPUTS: dict[str, Var] = {
    "point_status": Var(("point",), "-", "Solver status of the point (optimal, time_limit, infeasible, missing)"),
    "point_mode": Var(("point",), "-", "How the point was solved: cold (built from the tables), reused (live model updated) or certified (a neighbour's plan proven within the gap from the bounds of the two solved points around it, no solve)"),
    "point_mip_gap": Var(("point",), "1", "Relative MIP gap of the point's plan"),
    "point_solve_time": Var(("point",), "s", "HiGHS time of the point"),
    "point_goal_value": Var(("point",), "see goal_unit", "The goal's value at the point's plan (the sweep's --goal; NaN "
                            "for min-cost)"),
}
TIPPING_OUTPUTS: dict[str, Var] = {
    "tipping_kind": Var(("tipping",), "-", "zone: the zone's route changes; county: the county's households-per-route vector changes"),
    "tipping_id": Var(("tipping",), "-", "Zone id or county id"),
    "tipping_county": Var(("tipping",), "-", "County (Chinese name) of the zone or county"),
    "tipping_parameter": Var(("tipping",), "-", "Swept parameter along which the change happens"),
    "tipping_before": Var(("tipping",), "see tipping_parameter", "Last value of the parameter with the old route (mix)"),
    "tipping_after": Var(("tipping",), "see tipping_parameter", "First value of the parameter with the new route (mix)"),
    "tipping_from": Var(("tipping",), "-", "Route before (county: the route losing most households)"),
    "tipping_to": Var(("tipping",), "-", "Route after (county: the route gaining most households)"),
    "tipping_households": Var(("tipping",), "households", "Households that change route"),
    "tipping_at": Var(("tipping",), "-", "Values of the other swept parameters (grid sweeps), NAME=VALUE;..."),
    "tipping_reverts": Var(("tipping",), "0/1", "1 if a later switch of the same entity undoes this one (or this one undoes an "
                               "earlier one) along the parameter: a near-tie within the MIP gap, not a tipping point"),
}


# Near-optimal alternatives (scripts/alternatives.py): beside every per-run variable of OUTPUTS,
# which gain an "alternative" dim where they depend on the plan.
ALTERNATIVE_OUTPUTS: dict[str, Var] = {
    "alternative_push": Var(("alternative",), "-", "What the alternative pushed: least-cost, a planner's objective "
                            "(model.alternatives.PUSHES) or spores (as different as possible from the earlier plans)"),
    "alternative_label_zh": Var(("alternative",), "-", "What the alternative pushed, in Chinese"),
    "alternative_label_en": Var(("alternative",), "-", "What the alternative pushed, in English"),
    "alternative_status": Var(("alternative",), "-", "Solver status of the alternative's own objective"),
    "alternative_mip_gap": Var(("alternative",), "1", "Relative MIP gap on the alternative's own objective"),
    "alternative_solve_time": Var(("alternative",), "s", "HiGHS time of the alternative"),
    "alternative_cost_increase": Var(("alternative",), "1", "Cost to society above the least-cost plan's, relative"),
    "alternative_pushed_value": Var(("alternative",), "see quantity_unit",
                                    "The pushed quantity at the alternative's plan (NaN: least-cost, spores)"),
    "alternative_duplicate_of": Var(("alternative",), "-", "An earlier alternative with the same plan ('' if none)"),
    "alternative_households_differ": Var(("alternative", "alternative_other"), "households",
                                         "Households whose route differs between two alternatives"),
    "quantity_value": Var(("alternative", "quantity"), "see quantity_unit",
                          "Each reported quantity at each alternative's plan (cost: total cost to society)"),
    "zone_settled": Var(("zone",), "0/1", "1: the zone takes the same route in every alternative (settled); 0: swing"),
    "zone_routes_taken": Var(("zone",), "routes", "Number of different routes the zone takes over the alternatives"),
    "zone_years_taken": Var(("zone",), "years", "A pathway's alternatives: number of different conversion years the "
                            "zone takes over them (never converting counts as one)"),
}


# Monte Carlo over uncertain inputs (scripts/robust.py, model.robust).
ROBUST_OUTPUTS: dict[str, Var] = {
    "sample_value": Var(("sample", "parameter"), "see parameter_applies", "The sample's draw of each uncertain input (a value, or a factor on the input)"),
    "sample_status": Var(("sample",), "-", "The sample's least-cost plan: solver status"),
    "sample_cost": Var(("sample",), "10^4 yuan/a", "Total cost to society of the sample's least-cost plan"),
    "base_status": Var(("sample",), "-", "The base plan re-evaluated at the sample (routes fixed, upgrades and storage re-optimised): "
                           "status (infeasible: the base plan breaks a cap; unavailable: a route not an option)"),
    "base_cost": Var(("sample",), "10^4 yuan/a", "Total cost to society of the base plan re-evaluated"),
    "sample_bound": Var(("sample",), "10^4 yuan/a", "The solver's bound on the sample's least cost (the plan is "
                        "within the sample gap of it)"),
    "regret": Var(("sample",), "10^4 yuan/a", "The base plan's regret: its cost re-evaluated minus the "
                      "sample's least cost"),
    "regret_upper": Var(("sample",), "10^4 yuan/a", "The most the regret can be: the base plan's cost re-evaluated "
                            "minus the solver's bound on the sample's least cost"),
    "sample_route": Var(("sample", "zone"), "-", "Each zone's route in the sample's least-cost plan"),
    "route_frequency": Var(("zone", "route"), "1", "Share of the samples with a plan in which the zone takes the route"),
    "base_route": Var(("zone",), "-", "Each zone's route in the base plan"),
    "base_route_frequency": Var(("zone",), "1", "Share of the samples whose least-cost plan gives the zone its base-plan route"),
}
