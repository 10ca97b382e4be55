"""Overrides (model/overrides.py): relative values, table cells by address, their checks, their names.

Each address kind reaches the cell it names (read back from the prepared instance); a relative
override gives the same instance and plan as the absolute value it works out to; every bad
address gets a message that says what exists; ranges and cross-field rules apply after them.
"""
import numpy as np
import pytest

import factory as f
from model.cli import main as solve_main
from model.errors import EXIT_INPUT, InputError
from model.pipeline import solve_data
from model.prepare import prepare, resolve_overrides
from model.validate import check_set_values, load_region

YEAR = 2022


def region(tmp_path, scenarios=None, **kw):
    kw.setdefault("zones", [f.zone("Z1", households=2), f.zone("Z2", area_type="urban", transformer_group="",
                                                             gas_network=0)])
    kw.setdefault("coverage", [dict(year=YEAR, area_type="rural", terrain="plain", min_clean_share=1.0, source="t"),
                               dict(year=YEAR, area_type="urban", terrain="all", min_clean_share=0.0, source="t")])
    kw.setdefault("routes", [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=800.0),
                             f.route("ashp", capex_hh=1000.0, sub_eq=2000.0)])
    kw.setdefault("years", {"subsidy_budget_10k_yuan": 1000.0})
    return load_region(f.write_region(tmp_path / "r", f.tables(**kw), scenarios), YEAR)


def inst_of(data, sets, scenarios=()):
    return prepare(data, YEAR, resolve_overrides(data, list(scenarios), sets))


def route_col(inst, route):
    return list(inst.route_ids).index(route)


# ---------------------------------------------------------------------------------------------
# each address kind reaches its cell

def test_every_address_kind_reaches_its_cell(tmp_path):
    data = region(tmp_path)
    base = inst_of(data, {})
    # a years column by name, and by cell (the year given)
    assert inst_of(data, {"subsidy_budget_10k_yuan": 70.0}).caps["subsidy_budget_10k_yuan"] == 70.0
    assert inst_of(data, {"years[2022].gas_annual_cap_10k_m3": 5.0}).caps["gas_annual_cap_10k_m3"] == 5.0
    # coverage: the year left out (every year) and given; the other group keeps its share
    for name in ("coverage[rural/plain].min_clean_share", "coverage[2022/rural/plain].min_clean_share",
                 "coverage[2022,rural,plain].min_clean_share"):
        shares = dict((label, s) for label, _, s in inst_of(data, {name: 0.6}).coverage)
        assert shares == {"rural/plain": 0.6, "urban/all": 0.0}, name
    # routes: the equipment subsidy of ashp options (2 households in Z1), not of gas options
    inst = inst_of(data, {"routes[ashp].subsidy_equipment_yuan_per_household": 4000})
    ashp = (inst.pair_route == route_col(inst, "ashp")) & inst.pair_converting & (inst.pair_zone == 0)
    gas = (inst.pair_route == route_col(inst, "gas_wall_boiler")) & (inst.pair_zone == 0)
    assert np.allclose(inst.q["subsidy_equipment"][ashp], 4000 * 2 * 1e-4)
    assert np.allclose(inst.q["subsidy_equipment"][gas], base.q["subsidy_equipment"][gas])
    # prices: by name, by fuel (every year) and by year and fuel, all the same cell
    fuel = {n: inst_of(data, {n: 3.0}).cost["fuel"] for n in
            ("gas_price", "prices[gas].price_yuan_per_unit", "prices[2022/gas].price_yuan_per_unit")}
    assert all(np.array_equal(v, fuel["gas_price"]) for v in fuel.values())
    assert not np.array_equal(fuel["gas_price"], base.cost["fuel"])
    # parameters by name and by cell; one left to its default gets a row
    assert inst_of(data, {"parameters[discount_rate].value": 0.05}).params["discount_rate"] == 0.05
    assert inst_of(data, {"storage_rule_from_year": 2030}).params["storage_rule_from_year"] == 2030
    # a zone's households (an int column), a transformer's capacity, a building type's load
    assert inst_of(data, {"zones[Z1].households": 3}).zone_households[0] == 3
    assert inst_of(data, {"transformers[T1].capacity_kva": 50}).group_capacity[0] == 50
    load = inst_of(data, {"building_types[b].design_heat_load_w_per_m2": 100}).q["load_kw"]
    assert np.allclose(load, 2 * base.q["load_kw"])


# ---------------------------------------------------------------------------------------------
# relative = absolute

@pytest.mark.parametrize("relative, absolute", [
    ({"subsidy_budget_10k_yuan": "*0.7"}, {"subsidy_budget_10k_yuan": 700.0}),
    ({"subsidy_budget_10k_yuan": "x70%"}, {"subsidy_budget_10k_yuan": 700.0}),
    ({"gas_price": "+0.5"}, {"gas_price": 2.5}),
    ({"gas_price": "+-0.5"}, {"gas_price": 1.5}),
    ({"coverage[rural/plain].min_clean_share": "*0.5"}, {"coverage[rural/plain].min_clean_share": 0.5}),
    ({"routes[ashp].capex_yuan_per_household": "+500"}, {"routes[ashp].capex_yuan_per_household": 1500}),
    ({"years[2022].gas_annual_cap_10k_m3": "*1.1"}, {"years[2022].gas_annual_cap_10k_m3": 1.1e9}),
])
def test_relative_override_equals_the_absolute_one(tmp_path, relative, absolute):
    data = region(tmp_path)
    a, b = inst_of(data, relative), inst_of(data, absolute)
    assert a.caps == pytest.approx(b.caps, nan_ok=True)
    for k in a.cost:
        assert np.allclose(a.cost[k], b.cost[k])
    for k in a.q:
        assert np.allclose(a.q[k], b.q[k])
    assert [(lbl, pytest.approx(s)) for lbl, _, s in a.coverage] == [(lbl, s) for lbl, _, s in b.coverage]


def test_relative_budget_cut_gives_the_absolute_plan(tmp_path):
    """The budget, 0.4 cut by 40 % to 0.24 (10^4 yuan), binds: Z1 (rural, must be clean) takes gas
    (0.16 of subsidy), Z2 can no longer afford ASHP (0.20) and stays on quality coal; the same plan
    and cost for '*0.6' and 0.24."""
    data = region(tmp_path, years={"subsidy_budget_10k_yuan": 0.4})
    rel = solve_data(data, YEAR, resolve_overrides(data, [], {"subsidy_budget_10k_yuan": "*0.6"})).dataset
    ab = solve_data(data, YEAR, resolve_overrides(data, [], {"subsidy_budget_10k_yuan": 0.24})).dataset
    assert float(rel.subsidy_budget) == pytest.approx(0.24)
    assert list(rel.chosen_route.values) == list(ab.chosen_route.values)
    assert float(rel.objective) == pytest.approx(float(ab.objective))


def test_scenario_then_set_apply_in_order(tmp_path):
    """A scenario's '*0.5' (quoted in YAML) and its '+0.5' (unquoted: stays relative), then --set."""
    folder = f.write_region(tmp_path / "r", f.tables(years={"subsidy_budget_10k_yuan": 1000.0}))
    (folder / "scenarios.yaml").write_text("cut:\n  set:\n    subsidy_budget_10k_yuan: '*0.5'\n    gas_price: +0.5\n",
                                           encoding="utf-8")
    data = load_region(folder, YEAR)
    ov = resolve_overrides(data, ["cut"], {"subsidy_budget_10k_yuan": "*0.5"})
    inst = prepare(data, YEAR, ov)
    assert inst.caps["subsidy_budget_10k_yuan"] == 250.0
    assert ov.describe() == "gas_price=+0.5, subsidy_budget_10k_yuan=*0.5 then *0.5"
    gas = inst.route_ids.tolist().index("gas_wall_boiler")
    assert np.allclose(inst.cost["fuel"][inst.pair_route == gas], 0.12 * 1e4 * 2.5 * 1e-4)
    # a later absolute value replaces what came before
    assert prepare(data, YEAR, resolve_overrides(data, ["cut"], {"subsidy_budget_10k_yuan": 10})).caps[
        "subsidy_budget_10k_yuan"] == 10


# ---------------------------------------------------------------------------------------------
# bad addresses and values: the message says what exists

@pytest.mark.parametrize("name, value, words", [
    ("covrage[rural/plain].min_clean_share", 0.5, ["unknown table 'covrage'", "'coverage'?", "tables: parameters"]),
    ("coverage[rural/plain].min_share", 0.5, ["coverage.csv has no column 'min_share'", "'min_clean_share'?"]),
    ("routes[ashp].name_zh", 1, ["not a number column", "number columns: clean, selectable"]),
    ("coverage[rural/plain].terrain", 1, ["is a key column"]),
    ("coverage[rural].min_clean_share", 0.5, ["keyed by year/area_type/terrain", "<area_type>/<terrain> for every year"]),
    ("coverage[rural/plane].min_clean_share", 0.5, ["no row with terrain 'plane'", "'plain'?", "among the rows with area_type rural", "terrain values: plain"]),
    ("routes[ashpp].capex_yuan_per_household", 1, ["no row with route_id 'ashpp'", "'ashp'?",
                                                   "route_id values: ashp, gas_wall_boiler, quality_coal, scattered_coal"]),
    ("years[2030].gas_annual_cap_10k_m3", 1, ["years.csv has no row with year '2030'", "year values: 2022"]),
    ("years[].gas_annual_cap_10k_m3", 1, ["years.csv is keyed by year: write years[<year>].gas_annual_cap_10k_m3"]),
    ("prices[2022/coal].price_yuan_per_unit", 1, ["no row with fuel_id 'coal'", "fuel_id values: clean_coal"]),
    ("min_clean_share", 0.6, ["unknown parameter", "is a column of coverage.csv",
                              "coverage[rural/plain].min_clean_share"]),
    ("gas_prise", 3, ["unknown parameter (known:", "gas_price"]),
    ("routes[ashp.capex_yuan_per_household", 1, ["expected TABLE[KEY].COLUMN"]),
    ("coverage[rural/plain].min_clean_share", "*1.5", ["coverage[2022/rural/plain].min_clean_share: must be <= 1",
                                                      "got 1.5, from *1.5 on 1"]),
    ("coverage[rural/plain].min_clean_share", 1.5, ["must be <= 1 (got 1.5)"]),
    ("zones[Z1].households", "*0.25", ["zones[Z1].households: must be a whole number (got 0.5, from *0.25 on 2)"]),
    ("zones[Z1].gas_network", 2, ["must be 0 or 1"]),
    ("rural_gas_new_cap_households", "*2", ["'*2' multiplies an empty cell of years[2022].rural_gas_new_cap_households"]),
    ("discount_rate", "+6", ["outside the plausible range", "for discount_rate"]),
    ("gas_price", "*abc", ["is not a number", "*FACTOR or +AMOUNT"]),
    ("transformers[T1].existing_peak_kva", 1e9, ["after these overrides", "transformers.csv",
                                                 "exceeds capacity even with every upgrade unit"]),
    ("zones[Z1].floor_area_10k_m2", 100, ["after these overrides", "m^2 per household", "outside 10-2000"]),
])
def test_bad_override_names_what_exists(tmp_path, capsys, name, value, words):
    """Each bad address or value: exit 2, one error line and the problem under it, nothing written."""
    data = region(tmp_path)
    with pytest.raises(InputError) as exc:
        check = check_set_values({name: value})  # before the data is read: syntax and the registry
        if check:
            raise InputError(check)
        resolve_overrides(data, [], {name: value})
    text = exc.value.message()
    for w in words:
        assert w in text, (w, text)
    assert name in text
    out = tmp_path / "res"
    try:
        rc = solve_main(["--year", "2022", "--region", "r", "--inputs", str(data.folder), "--out", str(out),
                         "--set", f"{name}={value}"])
    except SystemExit as e:
        rc = e.code
    err = capsys.readouterr().err
    assert rc == EXIT_INPUT and "Traceback" not in err and err.startswith("error:")
    assert words[0] in err
    assert not out.exists()


def test_unquoted_multiplier_in_yaml_says_to_quote_it(tmp_path, capsys):
    folder = f.write_region(tmp_path / "r", f.tables())
    (folder / "scenarios.yaml").write_text("cut:\n  set:\n    subsidy_budget_10k_yuan: *0.7\n", encoding="utf-8")
    rc = solve_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(tmp_path / "res"),
                     "--scenario", "cut"])
    err = capsys.readouterr().err
    assert rc == EXIT_INPUT and "must be quoted: '*0.7'" in err


def test_result_named_by_addresses_and_relative_values(tmp_path, capsys):
    """File names cannot hold '/' or '*': the result of a relative override and a cell address is
    named with ',' and 'x'; the attributes keep what was written."""
    folder = f.write_region(tmp_path / "r", f.tables(years={"subsidy_budget_10k_yuan": 1000.0}))
    out = tmp_path / "res"
    rc = solve_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out), "--set",
                     "subsidy_budget_10k_yuan=*0.7", "--set", "coverage[all/all].min_clean_share=0.5"])
    assert rc == 0, capsys.readouterr().err
    import xarray as xr

    path = out / "r" / "2022" / "base+coverage[all,all].min_clean_share=0.5+subsidy_budget_10k_yuan=x0.7.nc"
    with xr.open_dataset(path) as ds:
        assert float(ds.subsidy_budget) == pytest.approx(700.0)
        assert ds.attrs["overrides"] == "coverage[all/all].min_clean_share=0.5, subsidy_budget_10k_yuan=*0.7"
