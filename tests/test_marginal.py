"""What binds in the integer plan, and what one more unit of a binding cap is worth to the MIP."""
import numpy as np
import pytest

import factory as f
from model.marginal import MarginalSpec
from model.pipeline import solve_region

GAS_OR_ASHP = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
               f.route("ashp", capex_hh=1000.0)]


def row(ds, label):
    return ds.sel(constraint=label)


def test_spare_storage_module_is_reported_as_slack(tmp_path):
    """One gas zone uses 0.12 (10^4 m3) a season; averaged over 7 days the 7-day rule asks for 0.12
    of storage; none exists and modules hold 0.05: the plan builds 3 (0.15), 0.03 spare. The row
    (0.12 - 0.15 <= 0) reports activity -0.03, slack 0.03, binding (one module fewer breaks it), and
    storage_built 0.15 against storage_required 0.12."""
    folder = f.write_region(tmp_path / "r", f.tables(
        zones=[f.zone("G1")], params={"storage_averaging_days": 7},
        years={"gas_storage_existing_10k_m3": 0.0, "storage_module_size_10k_m3": 0.05,
               "storage_module_capex_10k_yuan": 0.01}))
    ds = solve_region(folder, 2022).dataset
    st = row(ds, "gas_storage[city]")
    assert int(ds.storage_modules) == 3
    assert float(st.constraint_slack) == pytest.approx(0.03)
    assert float(st.constraint_activity) == pytest.approx(-0.03) and float(st.constraint_bound) == 0.0
    assert int(st.constraint_binding) == 1
    assert float(ds.storage_built - ds.storage_required) == pytest.approx(float(st.constraint_slack))


def test_transformer_slack_is_the_plans_free_kva(tmp_path):
    """Three ASHP zones (5 kVA each: 15) on a 12 kVA transformer buy one 10 kVA unit: 22 kVA, 7 free.
    The LP with units continuous would buy 0.3 unit and show slack 0; the plan's row shows 7, binding
    (one unit fewer breaks it). An urban zone without a transformer group on ASHP loads no group:
    zone_peak_kva 0 there."""
    zones = [f.zone(f"E{i}", gas_network=0) for i in range(3)] + [
        f.zone("U1", gas_network=0, transformer_group="", area_type="urban")]
    folder = f.write_region(tmp_path / "r", f.tables(
        zones=zones, transformers=[f.transformer(capacity_kva=12.0, upgrade_unit_kva=10.0,
                                                 upgrade_unit_capex_yuan=1000.0)]))
    ds = solve_region(folder, 2022).dataset
    tr = row(ds, "transformer_capacity[T1]")
    assert int(ds.transformer_upgrade_units.sel(transformer_group="T1")) == 1
    assert float(tr.constraint_activity) == pytest.approx(15.0 - 10.0)
    assert float(tr.constraint_slack) == pytest.approx(7.0) and int(tr.constraint_binding) == 1
    assert float(tr.shadow_price) == pytest.approx(-0.001)  # LP: unit cost 0.01/a over 10 kVA
    assert str(ds.chosen_route.sel(zone="U1").values) == "ashp"
    assert float(ds.zone_peak_kva.sel(zone="U1")) == 0.0 and float(ds.zone_peak_kva.sel(zone="E0")) == pytest.approx(5.0)
    assert float(ds.zone_peak_kva.sum()) == pytest.approx(float(ds.transformer_load.sum()))


def _gas_cap_region(folder, cap):
    """Three zones; gas 0.12 (10^4 m3) x 2 yuan/m3 = 0.24 (10^4 yuan/a) against ASHP 6,000 kWh x 0.5
    + 1,000 yuan / 10 a = 0.31: gas saves 0.07 a zone, and the cap decides how many take it."""
    return f.write_region(folder, f.tables(zones=[f.zone(f"Z{i}") for i in range(3)], routes=GAS_OR_ASHP,
                                           years={"gas_annual_cap_10k_m3": cap}))


def test_binding_cap_with_lp_dual_zero_has_a_mip_value(tmp_path):
    """Gas cap 0.24 holds two zones on gas. With routes fixed the LP has nothing to move: dual 0. The
    MIP with the cap raised by one zone's gas (the default step: 1 % of the bound is less than the
    smallest change a route choice makes, 0.12) moves the third zone to gas: -0.07 / 0.12 =
    -0.58333 (10^4 yuan/a per 10^4 m3), proven (low = high)."""
    ds = solve_region(_gas_cap_region(tmp_path / "r", 0.24), 2022, marginal=MarginalSpec()).dataset
    g = row(ds, "gas_annual_cap[city]")
    assert int(g.constraint_binding) == 1 and float(g.shadow_price) == 0.0
    assert float(g.marginal_step) == pytest.approx(0.12)
    assert float(g.marginal_value) == pytest.approx(-0.07 / 0.12, rel=1e-6)
    assert float(g.marginal_value_low) == pytest.approx(float(g.marginal_value_high), abs=1e-6)
    assert g.marginal_value.attrs["units"] == "10^4 yuan/a per constraint_unit"
    # not binding, or not asked for: not valued
    assert np.isnan(float(row(ds, "subsidy_budget[city]").marginal_value))
    assert ds.attrs["marginal_families"] == "gas_annual_cap,subsidy_budget,gas_storage"


def test_step_as_share_and_as_amount(tmp_path):
    """A step of 50 % of 0.24 (0.12) moves one zone: as above; a step of 0.06 moves none (half a
    zone's gas does not convert a village): value 0 over that step."""
    folder = _gas_cap_region(tmp_path / "r", 0.24)
    half = solve_region(folder, 2022, marginal=MarginalSpec.parse("gas_annual_cap=50%")).dataset
    assert float(row(half, "gas_annual_cap[city]").marginal_value) == pytest.approx(-0.07 / 0.12, rel=1e-6)
    small = solve_region(folder, 2022, marginal=MarginalSpec.parse("gas_annual_cap=0.06")).dataset
    g = row(small, "gas_annual_cap[city]")
    assert float(g.marginal_step) == pytest.approx(0.06) and float(g.marginal_value) == pytest.approx(0.0, abs=1e-9)


def test_storage_step_is_one_module(tmp_path):
    """The 7-day rule of test_spare_storage_module...: one more module's worth of existing storage
    (0.05) saves one module (0.01 10^4 yuan/a): -0.2 per 10^4 m3, as the LP dual (module cost / size)."""
    folder = f.write_region(tmp_path / "r", f.tables(
        zones=[f.zone("G1")], params={"storage_averaging_days": 7},
        years={"gas_storage_existing_10k_m3": 0.0, "storage_module_size_10k_m3": 0.05,
               "storage_module_capex_10k_yuan": 0.1}))
    ds = solve_region(folder, 2022, marginal=MarginalSpec()).dataset
    st = row(ds, "gas_storage[city]")
    assert float(st.marginal_step) == pytest.approx(0.05)
    assert float(st.marginal_value) == pytest.approx(-0.01 / 0.05) == pytest.approx(float(st.shadow_price))


def test_unknown_family_is_refused(tmp_path):
    from model.errors import InputError

    with pytest.raises(InputError) as err:
        solve_region(_gas_cap_region(tmp_path / "r", 0.24), 2022, marginal=MarginalSpec.parse("gas_cap"))
    assert "--marginal" in err.value.message() and "gas_cap" in err.value.message()
    with pytest.raises(ValueError):
        MarginalSpec.parse("gas_annual_cap=-1")


def test_objective_attrs_say_what_the_gap_is_on(tmp_path):
    ds = solve_region(_gas_cap_region(tmp_path / "r", 0.24), 2022).dataset
    a = ds.attrs
    assert "r (1 + r)^n / ((1 + r)^n - 1)" in a["annuity_formula"]
    assert "base routes' cost" in a["mip_gap_basis"] and "fuel" in a["objective_includes"]
    total = float(ds.objective)
    assert a["mip_gap_total"] == pytest.approx(a["mip_gap_abs_10k_yuan_per_a"] / total)
    assert a["solver_objective_10k_yuan_per_a"] + a["fixed_zones_cost_10k_yuan_per_a"] == pytest.approx(total)


def test_pathway_rows_are_valued_per_year(tmp_path):
    """A 2022-2023 pathway (discount rate 0): the three zones above, all clean by 2023; the gas cap is
    0.24 in 2022 and 0.36 in 2023. Converting early saves (coal 4,320 yuan/a), and a conversion is
    made once: two zones take gas in 2022 and the third heat pumps (a late switch to gas costs
    more in 2022 than it saves in 2023). The 2022 row binds; raised by 0.12 the third zone takes gas
    in 2022 and saves 0.07 a year, twice: -0.14 / 0.12 (10^4 yuan per 10^4 m3, the pathway's
    objective), the row carrying its year; its activity is 2022's gas use."""
    import pandas as pd

    from model.pipeline import solve_data
    from model.prepare import Overrides
    from model.validate import load_region

    tbl = f.tables(zones=[f.zone(f"Z{i}") for i in range(3)], routes=GAS_OR_ASHP,
                   years={"gas_annual_cap_10k_m3": 0.24},
                   coverage=[dict(year=2023, area_type="all", terrain="all", min_clean_share=1.0, source=f.SRC)])
    y = tbl["years"].iloc[0].to_dict()
    tbl["years"] = pd.DataFrame([y, {**y, "year": 2023, "gas_annual_cap_10k_m3": 0.36}])
    tbl["prices"] = pd.concat([tbl["prices"], tbl["prices"].assign(year=2023)], ignore_index=True)
    data = load_region(f.write_region(tmp_path / "r", tbl), 2023)
    ds = solve_data(data, 2023, Overrides(), from_year=2022, marginal=MarginalSpec.parse("gas_annual_cap")).dataset
    g = ds.sel(constraint="gas_annual_cap[city/2022]")
    assert int(g.constraint_year) == 2022 and int(g.constraint_binding) == 1
    assert float(g.constraint_activity) == pytest.approx(float(ds.gas_annual.sel(year=2022))) == pytest.approx(0.24)
    assert float(g.marginal_step) == pytest.approx(0.12)
    assert float(g.marginal_value) == pytest.approx(-0.14 / 0.12, rel=1e-6)
    assert g.marginal_value.attrs["units"] == "10^4 yuan per constraint_unit"
    assert int(ds.sel(constraint="gas_annual_cap[city/2023]").constraint_binding) == 0
