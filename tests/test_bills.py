"""Household bills, tariffs, affordability and subsidy design (issue 21), on a two-zone case.

Hand derivation (tests/factory.py: a household of 200 m2 needs 43.2 GJ of heat a season):
coal stove (efficiency 0.5, 20 GJ/t, 500 yuan/t): 4.32 t = 2,160 yuan, the base-year bill.
Z1 has gas and 4 households (800 m2); Z2 has no gas and 1 household (200 m2).
Gas wall boiler (efficiency 1, 0.036 GJ/m3): 1,200 m3 per household. Tariff tier 1 2.0 yuan/m3 up
to 1,000 m3, tier 2 5.0: 2,000 + 200 x 5 = 3,000 yuan; running subsidy 300 -> 2,700 after (+540 on
coal); low-income tier 800 -> 2,200. Capex 5,000, equipment subsidy 3,000 -> 2,000 out of pocket.
ASHP (COP 2): 6,000 kWh; valley_share 0.5 at valley 0.3 / peak 0.6 -> 0.45 yuan/kWh = 2,700 yuan;
running subsidy 200 -> 2,500 (+340); capex 20,000, subsidy 3,000 -> 17,000 out of pocket.
Cost to society (prices.csv: gas 2.0, electricity 0.5; annuities over 10 years at 0 %):
gas 2,400 + 500 = 2,900 per household, ASHP 3,000 + 2,000 = 5,000. Least cost: Z1 gas, Z2 ASHP,
objective 4 x 2,900 + 5,000 = 16,600 yuan = 1.66 (10^4 yuan/a); the tariffs do not change it.
"""
import numpy as np
import pytest

import factory as f
import residuals
from model.errors import InputError
from model.pipeline import solve_region
from model.validate import load_region

TARIFFS = [("electricity", "valley", 0.3, ""), ("electricity", "peak", 0.6, ""),
           ("gas", "tier1", 2.0, 1000.0), ("gas", "tier2", 5.0, "")]


def case(params=None, years=None, low=None, tariffs=TARIFFS, gas_eq_low=""):
    zones = [f.zone("Z1", households=4, floor_area_10k_m2=0.08, low_income_share="" if low is None else low),
             f.zone("Z2", gas_network=0)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f.route("gas_wall_boiler", capex_hh=5000.0, sub_eq=3000.0, sub_run=300.0, sub_run_low=800.0,
                      sub_eq_low=gas_eq_low),
              f.route("ashp", capex_hh=20000.0, sub_eq=3000.0, sub_run=200.0, valley=0.5)]
    return f.tables(zones=zones, routes=routes, prices={"raw_coal": 500.0}, params=params, years=years,
                    tariffs=tariffs)


def solve(tmp_path, sets=None, **kw):
    """Solve the case; every plan's caps and bills are recomputed from the CSVs (tests/residuals.py)."""
    folder = f.write_region(tmp_path / "r", case(**kw))
    ds = solve_region(folder, 2022, sets=sets).dataset
    if not sets:
        residuals.check(ds, folder, 2022)
        residuals.bills(ds, folder, 2022)
    return ds


def plan(ds):
    return dict(zip(ds.zone.values, ds.chosen_route.values))


def test_bills_at_the_tariffs_by_hand(tmp_path):
    ds = solve(tmp_path)
    assert plan(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(1.66)
    z = ds.sel(zone=["Z1", "Z2"])
    assert z.zone_bill_before.values == pytest.approx([3000.0, 2700.0])
    assert z.zone_bill_after.values == pytest.approx([2700.0, 2500.0])
    assert z.zone_bill_after_low_income.values == pytest.approx([2200.0, 2500.0])
    assert z.zone_bill_base.values == pytest.approx([2160.0, 2160.0])
    assert z.zone_bill_difference.values == pytest.approx([540.0, 340.0])
    assert z.zone_out_of_pocket.values == pytest.approx([2000.0, 17000.0])
    cr = ds.sel(county="C1")
    assert float(cr.bill_after.sel(route="gas_wall_boiler")) == pytest.approx(2700.0)
    assert float(cr.bill_difference.sel(route="ashp")) == pytest.approx(340.0)
    assert np.isnan(float(cr.bill_after.sel(route="quality_coal")))  # nobody converted to it
    assert ds.zone_bill_after.attrs["units"] == "yuan/(household a)" and ds.bill_after.attrs["long_name"]
    assert np.isnan(ds.subsidy_running_uniform.values).all()  # no margin set
    assert np.isnan(float(ds.subsidy_running_uniform_total))


def test_without_tariffs_bills_use_prices(tmp_path):
    """No tariffs.csv: gas 1,200 x 2.0 = 2,400, ASHP 6,000 x 0.5 = 3,000 (prices.csv), same plan and objective."""
    ds = solve(tmp_path, tariffs=None)
    assert ds.sel(zone=["Z1", "Z2"]).zone_bill_before.values == pytest.approx([2400.0, 3000.0])
    assert float(ds.objective) == pytest.approx(1.66)


def test_affordability_not_binding(tmp_path):
    """Margin 30 %: the cap is 2,160 x 1.3 = 2,808 >= 2,700 and 2,500: the least-cost plan stands.
    The least uniform running subsidy that keeps a route within 30 % is max(0, before - cap):
    gas 3,000 - 2,808 = 192 (less than the 300 paid), ASHP 0 (2,700 <= 2,808); 4 x 192 = 768 yuan in all."""
    ds = solve(tmp_path, params={"affordability_margin": 0.3})
    assert plan(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(1.66)
    u = ds.subsidy_running_uniform.sel(county="C1")
    assert float(u.sel(route="gas_wall_boiler")) == pytest.approx(192.0)
    assert float(u.sel(route="ashp")) == pytest.approx(0.0)
    assert float(ds.subsidy_running_uniform_city.sel(route="gas_wall_boiler")) == pytest.approx(192.0)
    assert np.isnan(float(u.sel(route="quality_coal")))  # nobody converted to it (and it is not clean)
    # what those rates would cost a season: Z1's 4 households x 192 + Z2 x 0 = 768 yuan
    assert float(ds.subsidy_running_uniform_total) == pytest.approx(0.0768)
    assert float(ds.subsidy_running_uniform_city_total) == pytest.approx(0.0768)


def test_affordability_binding_moves_z1_to_heat_pumps(tmp_path):
    """Margin 20 %: cap 2,592. Gas after subsidy 2,700 is over by 108 per household (432 for Z1's 4);
    ASHP's 2,500 is within. Z1 takes ASHP: objective 4 x 5,000 + 5,000 = 25,000 yuan = 2.5."""
    ds = solve(tmp_path, params={"affordability_margin": 0.2})
    assert plan(ds) == {"Z1": "ashp", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(2.5)
    assert (ds.zone_bill_after.values <= 2592.0 + 1e-9).all()
    row = ds.constraint_key.values == "C1"
    fam = ds.constraint_family.values == "affordability"
    assert (row & fam).sum() == 1 and float(ds.constraint_activity.values[row & fam][0]) == pytest.approx(0.0)


def test_affordability_that_nothing_meets_is_diagnosed(tmp_path):
    """Margin -10 %: the cap 1,944 is below both clean bills: no plan; the diagnosis names the family."""
    from model.pipeline import Infeasible

    with pytest.raises(Infeasible) as exc:
        solve(tmp_path, params={"affordability_margin": -0.1})
    assert "affordability" in {r.family for r in exc.value.relaxations}


def test_designed_running_subsidies(tmp_path):
    """running_subsidy_design with margin 10 %: cap 2,376. Designed subsidy per household = before - cap:
    gas 3,000 - 2,376 = 624, ASHP 2,700 - 2,376 = 324; every bill after subsidy is 2,376.
    Spending: equipment 4 x 3,000 + 3,000 = 15,000; running 4 x 624 + 324 = 2,820 -> 1.782 (10^4 yuan).
    With a budget of 1.70, Z1 on ASHP spends 4 x (3,000 + 324) = 13,296 < 14,496 on gas: the plan is
    ASHP everywhere (16,620 <= 17,000), objective 2.5."""
    params = {"affordability_margin": 0.1, "running_subsidy_design": 1}
    ds = solve(tmp_path / "a", params=params)
    assert plan(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    z = ds.sel(zone=["Z1", "Z2"])
    assert z.zone_subsidy_running_per_household.values == pytest.approx([624.0, 324.0])
    assert z.zone_bill_after.values == pytest.approx([2376.0, 2376.0])
    assert float(ds.subsidy_running) == pytest.approx(0.282)
    assert float(ds.subsidy_running + ds.subsidy_equipment) == pytest.approx(1.782)
    tight = solve(tmp_path / "b", params=params, years={"subsidy_budget_10k_yuan": 1.70})
    assert plan(tight) == {"Z1": "ashp", "Z2": "ashp"}
    assert float(tight.objective) == pytest.approx(2.5)
    assert float(tight.subsidy_running + tight.subsidy_equipment) == pytest.approx(1.662)


def test_low_income_tier_changes_the_budget_by_the_derived_amount(tmp_path):
    """Z1: one of its 4 households is low-income (share 0.25) with 800 instead of 300 yuan a season:
    running subsidy 4 x (0.75 x 300 + 0.25 x 800) = 1,700 instead of 1,200: +500 yuan = 0.05.
    Spending 15,000 + 1,700 + 200 = 16,900 = 1.69 (1.64 without). A budget of 1.65 then moves Z1
    to ASHP (4 x 3,200 + 3,200 = 16,000)."""
    ds0, ds1 = solve(tmp_path / "a"), solve(tmp_path / "b", low=0.25)
    assert float(ds1.subsidy_running - ds0.subsidy_running) == pytest.approx(0.05)
    assert float(ds1.subsidy_running + ds1.subsidy_equipment) == pytest.approx(1.69)
    assert float(ds1.zone_bill_after_low_income.sel(zone="Z1")) == pytest.approx(2200.0)
    budget = {"subsidy_budget_10k_yuan": 1.65}
    assert plan(solve(tmp_path / "c", years=budget)) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert plan(solve(tmp_path / "d", years=budget, low=0.25)) == {"Z1": "ashp", "Z2": "ashp"}


def test_low_income_equipment_tier(tmp_path):
    """Gas equipment subsidy 5,000 for a low-income household (3,000 ordinary): Z1 gets
    4 x (0.75 x 3,000 + 0.25 x 5,000) = 14,000 instead of 12,000: +0.2 (10^4 yuan); a low-income
    household's one-off out-of-pocket is 5,000 - 5,000 = 0, an ordinary one's 2,000."""
    ds0 = solve(tmp_path / "a", low=0.25)
    ds1 = solve(tmp_path / "b", low=0.25, gas_eq_low=5000.0)
    assert float(ds1.subsidy_equipment - ds0.subsidy_equipment) == pytest.approx(0.2)
    z1 = ds1.sel(zone="Z1")
    assert (float(z1.zone_out_of_pocket), float(z1.zone_out_of_pocket_low_income)) == pytest.approx((2000.0, 0.0))
    assert float(ds1.zone_subsidy_equipment.sel(zone="Z1")) == pytest.approx(1.4)


def test_valley_tariff_in_the_objective_is_an_option(tmp_path):
    """objective_valley_electricity = 1: ASHP's electricity costs society 0.5 x 0.3 + 0.5 x 0.5 = 0.4 yuan/kWh:
    2,400 + 2,000 = 4,400 for Z2; Z1 stays on gas. Objective 4 x 2,900 + 4,400 = 16,000 = 1.60.
    Bills do not change (they always use the tariffs)."""
    ds = solve(tmp_path, params={"objective_valley_electricity": 1})
    assert plan(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(1.60)
    assert float(ds.zone_bill_before.sel(zone="Z2")) == pytest.approx(2700.0)


def test_tariff_override_reaches_bills(tmp_path):
    """--set tariffs[electricity/valley].price_yuan_per_unit=0.2: ASHP 6,000 x (0.1 + 0.3) = 2,400."""
    ds = solve(tmp_path, sets={"tariffs[electricity/valley].price_yuan_per_unit": 0.2})
    assert float(ds.zone_bill_before.sel(zone="Z2")) == pytest.approx(2400.0)


# --- validation: one test per rule -------------------------------------------------

def problems_of(tmp_path, tariffs=TARIFFS, routes=None):
    t = case(tariffs=tariffs)
    if routes is not None:
        t["routes"] = routes(t["routes"])
    folder = f.write_region(tmp_path / "v", t)
    with pytest.raises(InputError) as exc:
        load_region(folder, 2022)
    return [str(p) for p in exc.value.problems]


def test_tariff_kinds_may_not_mix(tmp_path):
    msgs = problems_of(tmp_path, TARIFFS + [("gas", "flat", 3.0, "")])
    assert any("tariffs.csv, row" in m and "column 'band'" in m and "gas in 2022 mixes tiers and time-of-use" in m
               for m in msgs), msgs


def test_tiers_start_at_tier1_without_gaps(tmp_path):
    msgs = problems_of(tmp_path, [("gas", "tier1", 2.0, 1000.0), ("gas", "tier3", 5.0, "")])
    assert any("tiers start at tier1 without gaps" in m for m in msgs), msgs


def test_tier_ends_needed_and_increasing(tmp_path):
    msgs = problems_of(tmp_path, [("gas", "tier1", 2.0, ""), ("gas", "tier2", 5.0, "")])
    assert any("column 'up_to_units_per_household'" in m and "needs an upper end" in m for m in msgs), msgs
    msgs = problems_of(tmp_path / "b", [("gas", "tier1", 2.0, 1000.0), ("gas", "tier2", 3.0, 900.0),
                                        ("gas", "tier3", 4.0, "")])
    assert any("tiers must increase" in m for m in msgs), msgs


def test_only_tiers_have_an_upper_end(tmp_path):
    msgs = problems_of(tmp_path, [("electricity", "valley", 0.3, 100.0)])
    assert any("only a tier has an upper end" in m for m in msgs), msgs


def test_valley_share_is_a_share(tmp_path):
    def bad(r):
        r.loc[r["route_id"] == "ashp", "valley_share"] = 1.5
        return r
    msgs = problems_of(tmp_path, routes=bad)
    assert any("routes.csv, row" in m and "column 'valley_share'" in m and "must be <= 1" in m for m in msgs), msgs


def test_sweep_over_a_gas_tier_finds_the_tipping_point(tmp_path, capsys):
    """Affordability margin 20 % (cap 2,592): gas tier 2 at 4.0 gives Z1 a bill of 2,000 + 200 x 4 - 300 =
    2,500 (gas stays, objective 1.66); at 5.0, 2,700 (Z1 moves to ASHP, 2.5). The sweep's address is the
    same as --set's; both points are solved (the second from the first's model: tariffs only reprice)."""
    import glob

    import xarray as xr

    from model.sweep import main

    t = case(params={"affordability_margin": 0.2})
    folder = f.write_region(tmp_path / "inp", t)
    args = ["--year", "2022", "--inputs", str(folder), "--out", str(tmp_path / "res"), "--serial", "--gap", "0",
            "--no-duals", "--set", "tariffs[gas/tier2].price_yuan_per_unit=4.0,5.0"]
    assert main(args) == 0, capsys.readouterr().err
    nc = [p for p in glob.glob(str(tmp_path / "res" / "inp" / "2022" / "sweep_*.nc")) if "tipping" not in p]
    with xr.open_dataset(nc[0]) as ds:
        assert ds.objective.values.ravel() == pytest.approx([1.66, 2.5])
        routes = ds.chosen_route.sel(zone="Z1").values.ravel().astype(str).tolist()
    assert routes == ["gas_wall_boiler", "ashp"]


def test_report_table_figure_and_sheet(tmp_path):
    """The per-route table holds the hand-derived bills (gas +540 = 25 % of 2,160; ASHP +340 = 15.7 %);
    the figure is drawn and the workbook gets both bill sheets."""
    from model.report import figures as fg
    from model.report import tables as tb
    from model.report.workbook import write_xlsx

    ds = solve(tmp_path, params={"affordability_margin": 0.3})
    tables = {t.id: t for t in tb.single_run_tables(ds, "en")}
    df = tables["household_bills"].df.set_index("Route id")
    assert df.filter(like="Bill after subsidy").squeeze().to_dict() == pytest.approx(
        {"gas_wall_boiler": 2700.0, "ashp": 2500.0})
    assert df.filter(like="After subsidy vs coal").squeeze().to_dict() == pytest.approx(
        {"gas_wall_boiler": 25.0, "ashp": 100 * 340 / 2160})
    assert df.filter(like="Uniform running subsidy").squeeze().to_dict() == pytest.approx(
        {"gas_wall_boiler": 192.0, "ashp": 0.0})
    assert len(tables["household_bills_county"].df) == 2
    assert fg.bills(ds, "zh").axes[0].patches  # bars drawn
    sheets = write_xlsx([tables["household_bills"], tables["household_bills_county"]], tmp_path / "t.xlsx", "zh", "test")
    assert set(sheets.values()) == {"居民取暖费用", "居民取暖费用（分县）"}


def test_cli_bad_tariff_exits_2_without_traceback(tmp_path):
    """A tier without an upper end below another tier: the message names file, row, column and rule."""
    import subprocess
    import sys
    from pathlib import Path

    folder = f.write_region(tmp_path / "inp", case(tariffs=[("gas", "tier1", 2.0, ""), ("gas", "tier2", 5.0, "")]))
    p = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "scripts" / "solve.py"), "--year", "2022",
                        "--inputs", str(folder), "--out", str(tmp_path / "res")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert "tariffs.csv, row 2, column 'up_to_units_per_household'" in p.stderr and "needs an upper end" in p.stderr


def test_affordability_holds_in_a_pathway(tmp_path):
    """The same family over 2021-2022 (the same prices and tariffs each year): with margin 20 % Z1 never
    takes gas (its bill 2,700 > 2,592), without it Z1 ends on gas. One affordability row per year."""
    import pandas as pd

    def two_years(params):
        t = case(params=params)
        for name in ("years", "prices", "coverage", "tariffs"):
            t[name] = pd.concat([t[name].assign(year=2021), t[name]], ignore_index=True)
        return t

    out = {}
    for label, params in (("free", None), ("rule", {"affordability_margin": 0.2})):
        folder = f.write_region(tmp_path / label, two_years(params))
        out[label] = solve_region(folder, 2022, from_year=2021).dataset
    assert dict(zip(out["free"].zone.values, out["free"].chosen_route.values))["Z1"] == "gas_wall_boiler"
    assert dict(zip(out["rule"].zone.values, out["rule"].chosen_route.values))["Z1"] == "ashp"
    keys = out["rule"].constraint_key.values[out["rule"].constraint_family.values == "affordability"]
    assert sorted(keys.tolist()) == ["C1/2021", "C1/2022"]
    bills = out["rule"].zone_bill_after.sel(zone=["Z1", "Z2"]).values
    assert bills == pytest.approx([2500.0, 2500.0]) and out["rule"].zone_bill_after.attrs["units"] == "yuan/(household a)"


def test_cost_per_zone_sends_small_villages_to_wall_boilers(tmp_path):
    """routes.capex_yuan_per_zone (issue 21, route-cost plausibility): a boiler house costs 3,000 yuan a
    household + 60 yuan/m2 + 20,000 yuan per village served; a wall boiler 12,000 a household; the same
    efficiency, 10 years, 0 %. Households of 100 m2 (21.6 GJ, 600 m3 = 1,200 yuan of gas each).
    Small village (1 household): boiler house 9,000 + 20,000 = 29,000 > 12,000 -> wall boiler.
    Large village (10): 90,000 + 20,000 = 110,000 < 120,000 -> boiler house.
    Objective (1,200 + 1,200) + (12,000 + 11,000) = 25,400 yuan = 2.54; without the per-village cost both
    take the boiler house: (1,200 + 900) + (12,000 + 9,000) = 23,100 = 2.31."""
    def run(folder, capex_zone):
        routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=12000.0),
                  f.route("gas_boiler_house", capex_hh=3000.0, capex_m2=60.0, capex_zone=capex_zone)]
        zones = [f.zone("small", households=1, floor_area_10k_m2=0.01), f.zone("large", households=10, floor_area_10k_m2=0.1)]
        ds = solve_region(f.write_region(folder, f.tables(zones=zones, routes=routes)), 2022).dataset
        return plan(ds), float(ds.objective)

    assert run(tmp_path / "a", 20000.0) == ({"small": "gas_wall_boiler", "large": "gas_boiler_house"}, pytest.approx(2.54))
    assert run(tmp_path / "b", "") == ({"small": "gas_boiler_house", "large": "gas_boiler_house"}, pytest.approx(2.31))


def test_summary_sentence_on_bills(tmp_path):
    """The findings name the cheapest and dearest route after subsidy and the routes above coal:
    ASHP 2,500 and gas 2,700 against 2,160 for coal (both above)."""
    from model.report.summary import bill_findings

    ds = solve(tmp_path)
    text = bill_findings(ds, "en")[0]
    assert "from 2,500 yuan a season (ashp) to 2,700 (gas_wall_boiler), against about 2,160 for coal" in text
    assert "On gas_wall_boiler, ashp it still pays more than for coal." in text


def test_override_that_breaks_the_tier_order_is_refused(tmp_path):
    """--set moving tier 1's end above tier 2's: the cross-field rule names the override and the row."""
    from model.overrides import resolve_overrides

    tiers = [("gas", "tier1", 2.0, 1000.0), ("gas", "tier2", 5.0, 2000.0), ("gas", "tier3", 6.0, "")]
    data = load_region(f.write_region(tmp_path / "r", case(tariffs=tiers)), 2022)
    with pytest.raises(InputError) as exc:
        resolve_overrides(data, [], {"tariffs[gas/tier1].up_to_units_per_household": 3000.0})
    msg = str(exc.value)
    assert "--set" in msg and "gas tier2 in 2022 ends at 2000, not above tier1's 3000: tiers must increase" in msg
