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


def check(ds, folder: Path, year: int, tol: float = 1e-6) -> dict[str, float]:
    """Return recomputed totals; assert every cap holds and the dataset agrees."""
    folder = Path(folder)
    z = _read(folder, "zones").set_index("zone_id").loc[ds.zone.values]
    routes = _read(folder, "routes").set_index("route_id")
    fuels = _read(folder, "fuels").set_index("fuel_id")
    bt = _read(folder, "building_types").set_index("building_type")
    par = _read(folder, "parameters").set_index("name")["value"].astype(float)
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
    subsidy = (np.where(changed, r["subsidy_equipment_yuan_per_household"].to_numpy() + r["subsidy_running_yuan_per_household_yr"].to_numpy(), 0) * hh).sum() / 1e4
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
