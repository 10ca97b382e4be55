"""Caps recomputed from the output dataset and the input CSVs hold (tests/residuals.py)."""
import numpy as np

import factory as f
import residuals
from model.pipeline import solve_region


def mid_region(folder, seed=7, n=40):
    rng = np.random.default_rng(seed)
    zones = [f.zone(f"Z{i}", households=int(rng.integers(5, 200)), floor_area_10k_m2=round(float(rng.uniform(0.05, 2.0)), 3),
                    gas_network=int(rng.random() < 0.5), transformer_group=f"T{i % 5}",
                    area_type=str(rng.choice(["urban", "rural"], p=[0.2, 0.8])),
                    demolition=int(rng.random() < 0.05), building_type=str(rng.choice(["a", "b"])))
             for i in range(n)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f.route("gas_wall_boiler", capex_hh=11000.0, sub_eq=3000.0),
              f.route("ashp", capex_hh=30000.0, sub_eq=8000.0, sub_run=500.0),
              f.route("storage_heater", capex_hh=8000.0, sub_eq=3000.0)]
    trs = [f.transformer(f"T{g}", capacity_kva=400.0, existing_peak_kva=150.0, upgrade_unit_kva=100.0,
                         upgrade_unit_capex_yuan=45000.0, max_upgrade_units=30) for g in range(5)]
    tbl = f.tables(zones=zones, routes=routes, transformers=trs, params={"discount_rate": 0.06},
                   years={"gas_annual_cap_10k_m3": 60.0, "gas_storage_existing_10k_m3": 0.1,
                          "storage_module_size_10k_m3": 0.1, "storage_module_capex_10k_yuan": 50.0,
                          "subsidy_budget_10k_yuan": 2500.0},
                   prices={"gas": 2.6, "electricity": 0.35})
    tbl["building_types"] = tbl["building_types"].iloc[[0, 0]].assign(building_type=["a", "b"], design_heat_load_w_per_m2=[45.0, 80.0],
                                                                      retrofit_capex_yuan_per_m2=["", 120.0], retrofit_saving=["", 0.3],
                                                                      retrofit_lifetime_yr=["", 25.0])
    return f.write_region(folder, tbl)


def test_residuals_mid_instance(tmp_path):
    folder = mid_region(tmp_path / "r")
    ds = solve_region(folder, 2022).dataset
    out = residuals.check(ds, folder, 2022)
    # the caps are meant to shape this plan, not to be slack everywhere
    assert out["transformer_load"] > 0 and out["gas_annual"] > 0
    assert int(ds.transformer_upgrade_units.sum()) > 0
