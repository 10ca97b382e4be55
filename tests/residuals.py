"""Recompute caps from a result dataset and the input CSVs, without the model's code.

Formulas follow inputs/README.md, written again here on purpose.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype={"county_id": str, "zone_id": str, "group_id": str,
                                                       "transformer_group": str, "township_id": str})


def _zone_tables(ds, folder: Path):
    """zones (in the dataset's order), routes, fuels, building types and parameters, indexed."""
    return (_read(folder, "zones").set_index("zone_id").loc[ds.zone.values],
            _read(folder, "routes").set_index("route_id"), _read(folder, "fuels").set_index("fuel_id"),
            _read(folder, "building_types").set_index("building_type"),
            _read(folder, "parameters").set_index("name")["value"].astype(float))


def check(ds, folder: Path, year: int, tol: float = 1e-6) -> dict[str, float]:
    """Return recomputed totals; assert every cap holds and the dataset agrees."""
    folder = Path(folder)
    z, routes, fuels, bt, par = _zone_tables(ds, folder)
    yr = _read(folder, "years").set_index("year").loc[year]
    tr = _read(folder, "transformers").set_index("group_id")

    chosen = pd.Series(ds.chosen_route.values, index=z.index)
    retro = pd.Series(ds.retrofit.values.astype(bool), index=z.index)
    r = routes.loc[chosen.values]
    flh = 24 * par["heating_season_days"] * (par["indoor_temperature_c"] - par["heating_season_mean_temperature_c"]) / (
        par["indoor_temperature_c"] - par["design_temperature_c"])
    saving = np.where(retro, bt.loc[z["building_type"], "retrofit_saving"].fillna(0).to_numpy(), 0.0)
    load_kw = z["floor_area_10k_m2"].to_numpy() * 1e4 * bt.loc[z["building_type"], "design_heat_load_w_per_m2"].to_numpy() / 1000 * (1 - saving)
    final_gj = load_kw * flh * 0.0036 / r["efficiency"].to_numpy()
    is_gas = (r["fuel_id"] == "gas").to_numpy()
    lhv = fuels.at["gas", "energy_gj_per_unit"]
    gas = np.where(is_gas, final_gj / lhv, 0).sum() / 1e4
    peak = np.where(is_gas, load_kw * 24 * 0.0036 / r["efficiency"].to_numpy() / lhv, 0).sum() / 1e4
    changed = (chosen != z["existing_route"]).to_numpy() | retro.to_numpy()
    hh = z["households"].to_numpy()
    low = z["low_income_share"].fillna(0).to_numpy() if "low_income_share" in z else np.zeros(len(z))

    def tier(col, low_col):  # per household: ordinary and low-income tiers by the zone's share
        base = r[col].to_numpy(dtype=float)
        lo = r[low_col].to_numpy(dtype=float) if low_col in r else np.full(len(r), np.nan)
        return (1 - low) * base + low * np.where(np.isnan(lo), base, lo)

    if float(par.get("running_subsidy_design", 0)) > 0:  # designed: recomputed in bills()
        run = ds.zone_subsidy_running.values * 1e4 / hh
    else:
        run = tier("subsidy_running_yuan_per_household_yr", "subsidy_running_low_income_yuan_per_household_yr")
    eq = tier("subsidy_equipment_yuan_per_household", "subsidy_equipment_low_income_yuan_per_household")
    subsidy = (np.where(changed, eq + run, 0) * hh).sum() / 1e4
    storage_need = par["storage_days_required"] / par["storage_averaging_days"] * (gas + yr["gas_other_use_10k_m3"])

    out = {"gas_annual": gas, "gas_peak_day": peak, "subsidy": subsidy, "storage_required": storage_need}
    assert gas <= yr["gas_annual_cap_10k_m3"] * (1 + tol) + tol
    assert peak <= yr["gas_peak_day_cap_10k_m3"] * (1 + tol) + tol
    assert subsidy <= yr["subsidy_budget_10k_yuan"] * (1 + tol) + tol
    storage_have = yr["gas_storage_existing_10k_m3"] + float(ds.storage_modules) * yr["storage_module_size_10k_m3"]
    assert storage_have >= storage_need * (1 - tol) - tol
    assert math.isclose(gas, float(ds.gas_annual), rel_tol=1e-6, abs_tol=1e-6)
    assert math.isclose(subsidy, float(ds.subsidy_equipment + ds.subsidy_running), rel_tol=1e-6, abs_tol=1e-6)

    # transformers: new electric load of converting zones on their group
    is_el = (r["fuel_id"] == "electricity").to_numpy() & changed
    kva = np.where(is_el, load_kw / r["cop_design"].to_numpy() * 24 / r["charge_hours"].to_numpy()
                   / par["power_factor"] * par["electric_coincidence_factor"], 0)
    grp = z["transformer_group"].fillna("").to_numpy()
    units = pd.Series(ds.transformer_upgrade_units.values, index=ds.transformer_group.values)
    for g, row in tr.iterrows():
        load = row["existing_peak_kva"] + kva[grp == g].sum()
        cap = row["capacity_kva"] + units.get(g, 0) * row["upgrade_unit_kva"]
        assert load <= cap * (1 + tol) + tol, (g, load, cap)
        assert units.get(g, 0) <= row["max_upgrade_units"]
    out["transformer_load"] = float(kva.sum())

    # coverage targets
    cov = _read(folder, "coverage")
    cov = cov[cov["year"] == year]
    clean = routes.loc[chosen.values, "clean"].to_numpy().astype(bool)
    for _, c in cov.iterrows():
        m = z["demolition"].to_numpy() == 0
        if c["area_type"] != "all":
            m &= (z["area_type"] == c["area_type"]).to_numpy()
        if c["terrain"] != "all":
            m &= (z["terrain"] == c["terrain"]).to_numpy()
        assert (hh * clean)[m].sum() >= c["min_clean_share"] * hh[m].sum() * (1 - tol) - tol
    # demolition zones keep quality coal
    assert set(chosen[(z["demolition"] == 1).to_numpy() & ~routes.loc[z["existing_route"], "clean"].to_numpy().astype(bool)]) <= {"quality_coal"}
    return out


def bills(ds, folder: Path, year: int, tol: float = 1e-6) -> dict[str, np.ndarray]:
    """Household bills recomputed from the input CSVs (inputs/README.md, "Household bills"): each
    zone's bill before subsidy on its chosen route and on its base-year route; the affordability
    rule when affordability_margin is set; designed running subsidies when running_subsidy_design = 1."""
    folder = Path(folder)
    z, routes, fuels, bt, par = _zone_tables(ds, folder)
    prices = _read(folder, "prices")
    prices = prices[prices["year"] == year].set_index("fuel_id")["price_yuan_per_unit"]
    tar = _read(folder, "tariffs") if (folder / "tariffs.csv").exists() else pd.DataFrame(
        columns=["year", "fuel_id", "band", "price_yuan_per_unit", "up_to_units_per_household"])
    tar = tar[tar["year"] == year]
    flh = 24 * par["heating_season_days"] * (par["indoor_temperature_c"] - par["heating_season_mean_temperature_c"]) / (
        par["indoor_temperature_c"] - par["design_temperature_c"])
    retro = ds.retrofit.values.astype(bool)
    hh = z["households"].to_numpy(dtype=float)
    area_hh = z["floor_area_10k_m2"].to_numpy() * 1e4 / hh

    def bill(route_ids, with_retrofit):
        r = routes.loc[route_ids]
        saving = np.where(with_retrofit, bt.loc[z["building_type"], "retrofit_saving"].fillna(0).to_numpy(), 0.0)
        heat_gj = area_hh * bt.loc[z["building_type"], "design_heat_load_w_per_m2"].to_numpy() / 1000 * (1 - saving) * flh * 0.0036
        units = heat_gj / r["efficiency"].to_numpy() / fuels.loc[r["fuel_id"], "energy_gj_per_unit"].to_numpy()
        out = np.empty(len(route_ids))
        for i, (fuel, u) in enumerate(zip(r["fuel_id"], units)):
            t = tar[tar["fuel_id"] == fuel].set_index("band")
            price = t["price_yuan_per_unit"].to_dict()
            share = r["valley_share"].iloc[i] if "valley_share" in r else np.nan
            if "per_m2" in price:
                out[i] = price["per_m2"] * area_hh[i]
            elif "tier1" in price:
                ends = [t.at[b, "up_to_units_per_household"] for b in ("tier1", "tier2", "tier3") if b in price]
                ends[-1] = np.inf
                lo, cost = 0.0, 0.0
                for b, hi in zip(("tier1", "tier2", "tier3"), ends):
                    cost += price[b] * min(max(u - lo, 0.0), hi - lo)
                    lo = hi
                out[i] = cost
            else:
                flat = price.get("flat", prices[fuel])
                if "valley" in price and not np.isnan(share):
                    out[i] = u * (share * price["valley"] + (1 - share) * price.get("peak", flat))
                else:
                    out[i] = u * flat
        return out + r["fixed_om_yuan_per_household_yr"].to_numpy()

    before = bill(ds.chosen_route.values, retro)
    base = bill(z["existing_route"].to_numpy(), np.zeros(len(z), dtype=bool))
    assert np.allclose(before, ds.zone_bill_before.values, rtol=1e-9, atol=1e-6)
    assert np.allclose(base, ds.zone_bill_base.values, rtol=1e-9, atol=1e-6)
    conv_clean = (ds.converted.values == 1) & routes.loc[ds.chosen_route.values, "clean"].to_numpy().astype(bool)
    m = float(par.get("affordability_margin", np.nan))
    if np.isfinite(m):
        after = np.maximum(ds.zone_bill_after.values, ds.zone_bill_after_low_income.values)
        assert (after[conv_clean] <= (1 + m) * base[conv_clean] * (1 + tol) + tol).all()
        if float(par.get("running_subsidy_design", 0)) > 0:
            need = np.maximum(before - (1 + m) * base, 0.0)
            assert np.allclose(ds.zone_subsidy_running_per_household.values[conv_clean], need[conv_clean], atol=1e-6)
    return {"before": before, "base": base}
