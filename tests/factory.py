"""Tiny regions with numbers one can follow by hand.

Defaults: full-load hours = 24 * 100 d * (18 - 8) / (18 - (-2)) = 1200 h; a default zone
has 200 m2 at 50 W/m2 = 10 kW design load, so 12,000 kWh = 43.2 GJ of heat a season.
Gas: 0.036 GJ/m3, efficiency 1 -> 1,200 m3 = 0.12 (10^4 m3) a season, design day
10 kW * 24 h = 240 kWh = 0.864 GJ -> 24 m3/d. ASHP: seasonal COP 2 -> 6,000 kWh,
COP at design 2 -> 5 kW = 5 kVA (power factor 1, coincidence 1). Discount rate 0:
annuity = capex / lifetime.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from model.registry import TABLES

SRC = "assumption: test"


def _route(route_id, category, fuel, clean=1, selectable=1, capex_hh=0.0, capex_m2=0.0, capex_zone="", om=0.0, life=10.0,
           eff=1.0, cop=None, charge=24.0, gas_net=0, max_km="", areas="all", terrains="all", btypes="all",
           needs_src=0, sub_eq=0.0, sub_run=0.0, sub_run_low="", valley="", sub_eq_low=""):
    return dict(route_id=route_id, name_zh=route_id, name_en=route_id, category=category, fuel_id=fuel,
                clean=clean, selectable=selectable, capex_yuan_per_household=capex_hh, capex_yuan_per_m2=capex_m2,
                capex_yuan_per_zone=capex_zone,
                fixed_om_yuan_per_household_yr=om, lifetime_yr=life, efficiency=eff,
                cop_design=cop if cop is not None else eff, charge_hours=charge, requires_gas_network=gas_net,
                max_heat_network_km=max_km, area_types=areas, terrains=terrains, building_types=btypes,
                needs_heat_source=needs_src, subsidy_equipment_yuan_per_household=sub_eq,
                subsidy_running_yuan_per_household_yr=sub_run, subsidy_running_low_income_yuan_per_household_yr=sub_run_low,
                subsidy_equipment_low_income_yuan_per_household=sub_eq_low,
                valley_share=valley, source=SRC)


def route(route_id, **kw):
    """A route row with the factory's standard settings for that id, updated by kw."""
    base = {
        "scattered_coal": dict(category="coal", fuel="raw_coal", clean=0, selectable=0, eff=0.5),
        "quality_coal": dict(category="coal", fuel="clean_coal", clean=0, eff=0.6),
        "gas_wall_boiler": dict(category="coal_to_gas", fuel="gas", gas_net=1),
        "gas_boiler_house": dict(category="coal_to_gas", fuel="gas", gas_net=1),
        "ashp": dict(category="coal_to_electricity", fuel="electricity", eff=2.0, cop=2.0),
        "storage_heater": dict(category="coal_to_electricity", fuel="electricity", eff=1.0, cop=1.0, charge=12.0),
        "chp_dh": dict(category="district_heating", fuel="dh_heat", needs_src=1, max_km=3.0),
    }[route_id]
    base.update(kw)
    return _route(route_id, **base)


def zone(zone_id, **kw):
    z = dict(zone_id=zone_id, county_id="C1", township_id="", name_zh=zone_id, area_type="rural", terrain="plain",
             building_type="b", households=1, floor_area_10k_m2=0.02, gas_network=1, heat_network_km=10.0,
             transformer_group="T1", demolition=0, existing_route="scattered_coal", plan_route="", plan_retrofit="")
    z.update(kw)
    return z


def tables(zones=None, routes=None, year=2022, params=None, years=None, prices=None, coverage=None,
           transformers=None, heat_sources=None, building_types=None, tariffs=None) -> dict[str, pd.DataFrame]:
    p = dict(design_temperature_c=-2, indoor_temperature_c=18, heating_season_days=100,
             heating_season_mean_temperature_c=8, discount_rate=0.0, storage_days_required=7,
             storage_averaging_days=365, power_factor=1.0, electric_coincidence_factor=1.0)
    p.update(params or {})
    y = dict(year=year, gas_annual_cap_10k_m3=1e9, gas_peak_day_cap_10k_m3=1e9, gas_other_use_10k_m3=0.0,
             gas_storage_existing_10k_m3=1e9, storage_module_size_10k_m3=1.0, storage_module_capex_10k_yuan=0.0,
             storage_module_lifetime_yr=10.0, subsidy_budget_10k_yuan=1e9, rural_gas_new_cap_households="", source=SRC)
    y.update(years or {})
    pr = dict(raw_coal=1000.0, clean_coal=1000.0, gas=2.0, electricity=0.5, dh_heat=50.0)
    pr.update(prices or {})
    bt = dict(building_type="b", name_zh="b", design_heat_load_w_per_m2=50.0, retrofit_capex_yuan_per_m2="",
              retrofit_saving="", retrofit_lifetime_yr="", source=SRC)
    bt.update(building_types or {})
    tr = dict(group_id="T1", county_id="C1", capacity_kva=1e5, existing_peak_kva=0.0, upgrade_unit_kva=100.0,
              upgrade_unit_capex_yuan=0.0, upgrade_lifetime_yr=10.0, max_upgrade_units=10, source=SRC)
    out = {
        "parameters": pd.DataFrame([dict(name=k, value=v, unit="-", source=SRC) for k, v in p.items()]),
        "counties": pd.DataFrame([dict(county_id="C1", name_zh="县一", name_en="C1", households=1, population=1,
                                       urban_population=0, rural_population=1, source=SRC)]),
        "building_types": pd.DataFrame([bt]),
        "fuels": pd.DataFrame([
            dict(fuel_id="raw_coal", name_zh="散煤", unit="t", energy_gj_per_unit=20.0, co2_kg_per_unit=2000.0,
                 pm25_g_per_unit=3170.0, coal_tce_per_unit=0.7, source=SRC),
            dict(fuel_id="clean_coal", name_zh="洁净煤", unit="t", energy_gj_per_unit=20.0, co2_kg_per_unit=2000.0,
                 pm25_g_per_unit=1000.0, coal_tce_per_unit=0.7, source=SRC),
            dict(fuel_id="gas", name_zh="天然气", unit="m3", energy_gj_per_unit=0.036, co2_kg_per_unit=2.0,
                 pm25_g_per_unit=0.0, coal_tce_per_unit=0.0, source=SRC),
            dict(fuel_id="electricity", name_zh="电", unit="kWh", energy_gj_per_unit=0.0036, co2_kg_per_unit=0.7,
                 pm25_g_per_unit=0.0, coal_tce_per_unit=0.0, source=SRC),
            dict(fuel_id="dh_heat", name_zh="热", unit="GJ", energy_gj_per_unit=1.0, co2_kg_per_unit=100.0,
                 pm25_g_per_unit=0.0, coal_tce_per_unit=0.0, source=SRC),
        ]),
        "routes": pd.DataFrame(routes if routes is not None else
                               [route("scattered_coal"), route("quality_coal"), route("gas_wall_boiler"), route("ashp")]),
        "prices": pd.DataFrame([dict(year=year, fuel_id=f, price_yuan_per_unit=v, source=SRC) for f, v in pr.items()]),
        "years": pd.DataFrame([y]),
        "coverage": pd.DataFrame(coverage if coverage is not None else
                                 [dict(year=year, area_type="all", terrain="all", min_clean_share=1.0, source=SRC)]),
        "transformers": pd.DataFrame(transformers if transformers is not None else [tr]),
        "heat_sources": pd.DataFrame(heat_sources if heat_sources is not None else [],
                                     columns=[c.name for c in TABLES["heat_sources"].columns]),
        "zones": pd.DataFrame(zones if zones is not None else [zone("Z1")]),
    }
    if tariffs:  # (fuel, band, price, up to units per household) in the year
        out["tariffs"] = pd.DataFrame([dict(year=year, fuel_id=fu, band=b, price_yuan_per_unit=v,
                                            up_to_units_per_household=up, source=SRC) for fu, b, v, up in tariffs])
    return out


def transformer(group_id="T1", **kw):
    tr = dict(group_id=group_id, county_id="C1", capacity_kva=1e5, existing_peak_kva=0.0, upgrade_unit_kva=100.0,
              upgrade_unit_capex_yuan=0.0, upgrade_lifetime_yr=10.0, max_upgrade_units=10, source=SRC)
    tr.update(kw)
    return tr


def write_region(folder: Path, tbls: dict[str, pd.DataFrame], scenarios: dict | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tbls.items():
        cols = [c.name for c in TABLES[name].columns]
        df.reindex(columns=cols).to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    if scenarios:
        (folder / "scenarios.yaml").write_text(yaml.safe_dump(scenarios, allow_unicode=True), encoding="utf-8")
    return folder
