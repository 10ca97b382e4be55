"""One tiny case per constraint family, each optimum derived by hand in the docstring.

Common numbers (tests/factory.py): a default zone needs 43.2 GJ of heat a season.
gas wall boiler (eff 1, 2 yuan/m3): 1,200 m3 = 0.12 (10^4 m3), 2,400 yuan/a, design day 24 m3.
ASHP (COP 2, 0.5 yuan/kWh): 6,000 kWh, 3,000 yuan/a, 5 kVA at the design temperature.
Objective values are in 10^4 yuan/a.
"""
import pytest

import factory as f
from model.pipeline import Infeasible, solve_region


def solve(tmp_path, **kw):
    scen = kw.pop("scenarios", None)
    folder = f.write_region(tmp_path / "r", f.tables(**kw), scen)
    return solve_region(folder, 2022, **({"scenarios": list(scen)} if scen else {})).dataset


def routes_of(ds):
    return dict(zip(ds.zone.values, ds.chosen_route.values))


def test_cheapest_route_per_zone(tmp_path):
    """Z1 has gas: gas 2,400 < ASHP 3,000 yuan -> gas. Z2 has no gas network -> ASHP.
    Objective 0.24 + 0.30 = 0.54."""
    ds = solve(tmp_path, zones=[f.zone("Z1"), f.zone("Z2", gas_network=0)])
    assert routes_of(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(0.54)


def test_fixed_and_demolition_zones(tmp_path):
    """Z1 already heats with ASHP (clean): kept, no investment. Z2 has a demolition plan:
    quality coal. Coverage excludes demolition zones, so 100 % is met by Z1 alone."""
    ds = solve(tmp_path, zones=[f.zone("Z1", existing_route="ashp"), f.zone("Z2", demolition=1)],
               routes=[f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
                       f.route("ashp", capex_hh=1000.0)])
    assert routes_of(ds) == {"Z1": "ashp", "Z2": "quality_coal"}
    assert ds.converted.sel(zone="Z1") == 0 and ds.decided.sum() == 0
    assert float(ds.zone_investment.sel(zone="Z1")) == 0.0


def test_gas_cap_sends_third_zone_to_heat_pumps(tmp_path):
    """Three zones of equal heat; ASHP costs 1,000 yuan/household over 10 years = 100 yuan/(hh a).
    Households 1, 2, 3 -> gas saves 700, 800, 900 yuan/a against ASHP. The cap 0.24 (10^4 m3)
    allows two gas zones: Z3 and Z2 take gas, Z1 (smallest saving) takes ASHP.
    Objective = 2 * 2,400 + 3,000 + 100 = 7,900 yuan = 0.79."""
    zones = [f.zone(f"Z{h}", households=h) for h in (1, 2, 3)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
              f.route("ashp", capex_hh=1000.0)]
    free = solve(tmp_path / "a", zones=zones, routes=routes)
    assert set(routes_of(free).values()) == {"gas_wall_boiler"}
    ds = solve(tmp_path / "b", zones=zones, routes=routes, years={"gas_annual_cap_10k_m3": 0.24})
    assert routes_of(ds) == {"Z1": "ashp", "Z2": "gas_wall_boiler", "Z3": "gas_wall_boiler"}
    assert float(ds.objective) == pytest.approx(0.79)
    assert float(ds.gas_annual) == pytest.approx(0.24)


def test_peak_day_cap(tmp_path):
    """Each gas zone draws 24 m3 on the design day; a cap of 0.0048 (10^4 m3/d) = 48 m3 allows two.
    Three identical zones: two gas, one ASHP. Objective 2 * 0.24 + 0.30 = 0.78."""
    ds = solve(tmp_path, zones=[f.zone(f"Z{i}") for i in range(3)], years={"gas_peak_day_cap_10k_m3": 0.0048})
    assert sorted(routes_of(ds).values()) == ["ashp", "gas_wall_boiler", "gas_wall_boiler"]
    assert float(ds.gas_peak_day) == pytest.approx(0.0048)
    assert float(ds.objective) == pytest.approx(0.78)


def test_storage_modules_round_up(tmp_path):
    """7-day rule with averaging over 7 days: required = gas use + other use = 0.12 + 0.
    No existing storage, modules of 0.05: ceil(0.12 / 0.05) = 3 modules, 0.15 built.
    Module 0.01 (10^4 yuan) over 10 years -> 0.001 each. Objective 0.24 + 0.003 = 0.243."""
    ds = solve(tmp_path, zones=[f.zone("Z1")], params={"storage_averaging_days": 7},
               years={"gas_storage_existing_10k_m3": 0.0, "storage_module_size_10k_m3": 0.05,
                      "storage_module_capex_10k_yuan": 0.01})
    assert int(ds.storage_modules) == 3
    assert float(ds.storage_built) == pytest.approx(0.15)
    assert float(ds.storage_required) == pytest.approx(0.12)
    assert float(ds.objective) == pytest.approx(0.243)


@pytest.mark.parametrize("n_zones, units", [(2, 0), (3, 1)])
def test_transformer_upgrade_only_when_load_crosses_capacity(tmp_path, n_zones, units):
    """No gas: ASHP only (coverage 100 %), 5 kVA per zone on a 12 kVA transformer.
    Two zones: 10 <= 12, no upgrade. Three zones: 15 > 12, one 10 kVA unit (1,000 yuan over
    10 years = 100 yuan/a). Objective 0.30 * n + 0.01 * units."""
    ds = solve(tmp_path, zones=[f.zone(f"Z{i}", gas_network=0) for i in range(n_zones)],
               transformers=[f.transformer(capacity_kva=12.0, upgrade_unit_kva=10.0, upgrade_unit_capex_yuan=1000.0)])
    assert int(ds.transformer_upgrade_units.sum()) == units
    assert float(ds.transformer_load.sum()) == pytest.approx(5.0 * n_zones)
    assert float(ds.objective) == pytest.approx(0.30 * n_zones + 0.01 * units)


def test_binding_budget_switches_route(tmp_path):
    """Gas subsidy 1,000 yuan/household, ASHP 500. Two zones of 1 household; budget 0.15 (10^4 yuan)
    = 1,500 yuan: both on gas would need 2,000, so one zone switches to ASHP (1,000 + 500).
    Objective 0.24 + 0.30 = 0.54 (subsidies are transfers, not costs)."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0),
              f.route("ashp", sub_eq=500.0)]
    ds = solve(tmp_path, zones=[f.zone("Z1"), f.zone("Z2")], routes=routes, years={"subsidy_budget_10k_yuan": 0.15})
    assert sorted(routes_of(ds).values()) == ["ashp", "gas_wall_boiler"]
    assert float(ds.subsidy_equipment) == pytest.approx(0.15)
    assert float(ds.objective) == pytest.approx(0.54)


def test_heat_source_capacity(tmp_path):
    """District heat at 50 yuan/GJ: 43.2 GJ -> 2,160 yuan/a, cheaper than gas. Each zone adds 10 kW
    = 0.01 MW; the county's CHP has 0.015 MW spare: one zone on DH, the other on gas.
    Objective 0.216 + 0.24 = 0.456."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"), f.route("ashp"),
              f.route("chp_dh")]
    hs = [dict(source_id="H1", county_id="C1", route_id="chp_dh", name_zh="热电厂", spare_capacity_mw=0.015, source=f.SRC)]
    ds = solve(tmp_path, zones=[f.zone("Z1", heat_network_km=1.0), f.zone("Z2", heat_network_km=1.0)],
               routes=routes, heat_sources=hs)
    assert sorted(routes_of(ds).values()) == ["chp_dh", "gas_wall_boiler"]
    assert float(ds.heat_source_load.sum()) == pytest.approx(0.01)
    assert float(ds.objective) == pytest.approx(0.456)


@pytest.mark.parametrize("share, n_clean, objective", [(0.0, 0, 0.216), (0.5, 1, 0.348), (1.0, 2, 0.48)])
def test_coverage_target(tmp_path, share, n_clean, objective):
    """Quality coal at 300 yuan/t: 43.2 GJ / 0.6 = 72 GJ = 3.6 t -> 1,080 yuan/a, cheaper than gas.
    Share 0: both stay on coal (0.216); 0.5: one converts (0.108 + 0.24 = 0.348); 1: both gas (0.48)."""
    ds = solve(tmp_path, zones=[f.zone("Z1"), f.zone("Z2")], prices={"clean_coal": 300.0},
               coverage=[dict(year=2022, area_type="all", terrain="all", min_clean_share=share, source=f.SRC)])
    assert list(routes_of(ds).values()).count("gas_wall_boiler") == n_clean
    assert float(ds.objective) == pytest.approx(objective)


def test_rural_gas_control(tmp_path):
    """At most 1 new rural coal-to-gas household: of two gas-eligible zones one takes ASHP.
    Objective 0.24 + 0.30 = 0.54."""
    ds = solve(tmp_path, zones=[f.zone("Z1"), f.zone("Z2")], years={"rural_gas_new_cap_households": 1})
    assert sorted(routes_of(ds).values()) == ["ashp", "gas_wall_boiler"]
    assert float(ds.rural_gas_new_households) == 1
    assert float(ds.objective) == pytest.approx(0.54)


def test_rural_gas_control_counts_a_zone_without_a_choice(tmp_path):
    """Z1 has no transformer group and quality coal is for urban zones only, so gas is its only route
    (no choice, a constant of the row): it already uses the cap of 1 new rural gas household, and
    Z2 takes ASHP. 0.24 + 0.30 = 0.54."""
    routes = [f.route("scattered_coal"), f.route("quality_coal", areas="urban"), f.route("gas_wall_boiler"), f.route("ashp")]
    ds = solve(tmp_path, zones=[f.zone("Z1", transformer_group=""), f.zone("Z2")], routes=routes,
               years={"rural_gas_new_cap_households": 1})
    assert routes_of(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert ds.decided.sel(zone="Z1") == 0
    assert float(ds.objective) == pytest.approx(0.54)


def test_retrofit_pays_when_it_saves_more_than_it_costs(tmp_path):
    """Retrofit 10 yuan/m2 on 200 m2 = 2,000 yuan over 10 years = 200 yuan/a, halving heat:
    gas 1,200 yuan/a + 200 = 1,400 < 2,400. Objective 0.14."""
    ds = solve(tmp_path, zones=[f.zone("Z1")],
               building_types={"retrofit_capex_yuan_per_m2": 10.0, "retrofit_saving": 0.5, "retrofit_lifetime_yr": 10.0})
    assert int(ds.retrofit.sel(zone="Z1")) == 1
    assert float(ds.objective) == pytest.approx(0.14)


def test_plan_scenario_fixes_routes(tmp_path):
    """The plan puts Z1 on ASHP although gas is cheaper: 0.30 instead of 0.24."""
    ds = solve(tmp_path, zones=[f.zone("Z1", plan_route="ashp")],
               scenarios={"plan_mix": {"description": "plan", "fix_plan_routes": True}})
    assert routes_of(ds) == {"Z1": "ashp"}
    assert float(ds.objective) == pytest.approx(0.30)
    assert ds.attrs["scenario"] == "plan_mix"


def test_set_overrides_gas_price(tmp_path):
    """At 3 yuan/m3 gas costs 3,600 > ASHP 3,000: the zone takes ASHP."""
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1")]))
    ds = solve_region(folder, 2022, sets={"gas_price": 3.0}).dataset
    assert routes_of(ds) == {"Z1": "ashp"}
    assert ds.attrs["scenario"] == "base+gas_price=3"


def test_infeasible_names_the_cap(tmp_path):
    """Gas cap 0 with gas the only clean route and 100 % coverage: the elastic re-solve must
    relax either the gas cap by 0.12 (10^4 m3) or coverage by 1 household; the penalty per unit
    picks the gas cap (0.12 < 1)."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1")], routes=routes,
                                                     years={"gas_annual_cap_10k_m3": 0.0}))
    with pytest.raises(Infeasible) as err:
        solve_region(folder, 2022)
    relaxed = {fam: amount for fam, _, amount in err.value.relaxed}
    assert relaxed == {"gas_annual_cap": pytest.approx(0.12)}
    assert "gas_annual_cap" in str(err.value)
