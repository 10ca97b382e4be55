"""Constraint families as objects: a family added from outside the package (the `extra` seam),
policy rules as data (policies.csv), each with a hand-derived optimum, in a single year, a
pathway and a sweep; the pruning keeps the optimum whatever the families.

Numbers (tests/factory.py): a default zone needs 43.2 GJ of heat a season; scattered coal
(eff 0.5, 20 GJ/t, 1,000 yuan/t, 2 t CO2/t) costs 4,320 yuan/a and emits 8.64 t CO2.
Two routes with fuels of their own:
  LPG boiler (eff 0.9; LPG 46 GJ/t, 2,000 yuan/t, 3 t CO2/t): 48 GJ = 1.0435 t -> 2,086.96 yuan/a, 3.1304 t CO2;
  pellet boiler (eff 0.8; pellets 17 GJ/t, 1,000 yuan/t, no CO2): 54 GJ = 3.1765 t -> 3,176.47 yuan/a.
Gas (eff 1, 2 yuan/m3): 2,400 yuan/a; ASHP (COP 2, 0.5 yuan/kWh): 3,000 yuan/a. Objective values
in 10^4 yuan(/a).
"""
import io
import math

import numpy as np
import pandas as pd
import pytest

import factory as f
from model.errors import InputError
from model.families import Family, yearly_total
from model.pipeline import Infeasible, solve_data
from model.prepare import Overrides, resolve_overrides
from model.solve import SolveOptions
from model.validate import load_region

EXACT = SolveOptions(mip_gap=0.0)
LPG = 43.2 / 0.9 / 46 * 2000
PELLET = 43.2 / 0.8 / 17 * 1000
LPG_CO2 = 43.2 / 0.9 / 46 * 3.0  # t


def co2_cap_rows(hz, lay):
    """CO2 from space heating, per year k: sum_f Delta co2[f] state(f,k) + fixed <= 4 t.  [t/a]"""
    return yearly_total(hz, lay, hz.delta("co2"), hz.constant("co2"), upper=np.full(hz.K, 4.0))


CO2_CAP = Family("co2_cap", "cap", "t/a", "二氧化碳上限", "CO2 cap", "CO2 from heating", co2_cap_rows)


def lpg_region(folder, years=(2022,), coverage=None, **kw):
    """Two zones, no gas network; LPG (cheap, CO2) or pellets (dearer, no CO2)."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f._route("lpg_boiler", "coal_to_gas", "lpg", eff=0.9),
              f._route("pellet_boiler", "biomass", "pellet", eff=0.8)]
    parts = []
    for y in years:
        t = f.tables(year=y, zones=[f.zone("Z1", gas_network=0), f.zone("Z2", gas_network=0)], routes=routes,
                     coverage=(coverage or {}).get(y), **kw)
        t["fuels"] = pd.concat([t["fuels"], pd.DataFrame([
            dict(fuel_id="lpg", name_zh="液化气", unit="t", energy_gj_per_unit=46.0, co2_kg_per_unit=3000.0,
                 pm25_g_per_unit=0.0, coal_tce_per_unit=0.0, source=f.SRC),
            dict(fuel_id="pellet", name_zh="颗粒", unit="t", energy_gj_per_unit=17.0, co2_kg_per_unit=0.0,
                 pm25_g_per_unit=0.0, coal_tce_per_unit=0.0, source=f.SRC)])], ignore_index=True)
        t["prices"] = pd.concat([t["prices"], pd.DataFrame([
            dict(year=y, fuel_id="lpg", price_yuan_per_unit=2000.0, source=f.SRC),
            dict(year=y, fuel_id="pellet", price_yuan_per_unit=1000.0, source=f.SRC)])], ignore_index=True)
        parts.append(t)
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    return f.write_region(folder, t)


def routes_of(ds):
    return dict(zip(ds.zone.values.tolist(), ds.chosen_route.values.tolist()))


# ---------------------------------------------------------------------------------------------
# a family from outside the package

@pytest.mark.parametrize("prune", [True, False])
def test_extra_family_single_year(tmp_path, prune):
    """Without the cap both zones take LPG (2 x 2,086.96 yuan, 6.26 t). A 4 t cap lets one: the other
    takes pellets: 2,086.96 + 3,176.47 = 5,263.43 yuan. LPG dominates pellets in every built-in
    row (cheaper, neither uses gas, grid, subsidy or heat sources), so a pruning that knew only
    the built-in caps would drop pellets and call the capped case infeasible."""
    data = load_region(lpg_region(tmp_path / "r"), 2022)
    free = solve_data(data, 2022, Overrides(), EXACT, prune=prune).dataset
    assert float(free.objective) == pytest.approx(2 * LPG * 1e-4)
    res = solve_data(data, 2022, Overrides(), EXACT, prune=prune, extra=[CO2_CAP])
    ds = res.dataset
    assert sorted(routes_of(ds).values()) == ["lpg_boiler", "pellet_boiler"]
    assert float(ds.objective) == pytest.approx((LPG + PELLET) * 1e-4)
    row = ds.sel(constraint="co2_cap[city]")
    assert float(row.constraint_activity) == pytest.approx(LPG_CO2) and row.constraint_name_zh.item() == "二氧化碳上限"
    assert int(row.constraint_binding) == 1 and row.constraint_unit.item() == "t/a"


def test_extra_family_pathway(tmp_path):
    """2021 (coverage 0) and 2022 (100 %), discount 0. Converting saves (4,320 - 2,086.96) or
    (4,320 - 3,176.47) yuan a year, so both convert in 2021; the 4 t cap holds in both years (the
    coal of 2021 would break it), so one LPG, one pellets in 2021: 2 x 5,263.43 yuan."""
    cov = {2021: [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]}
    data = load_region(lpg_region(tmp_path / "r", years=(2021, 2022), coverage=cov), 2022)
    ds = solve_data(data, 2022, Overrides(), EXACT, from_year=2021, extra=[CO2_CAP]).dataset
    assert ds.conversion_year.values.tolist() == [2021, 2021]
    assert sorted(ds.chosen_route.values.tolist()) == ["lpg_boiler", "pellet_boiler"]
    assert float(ds.objective) == pytest.approx(2 * (LPG + PELLET) * 1e-4)
    assert ds.constraint_year.sel(constraint="co2_cap[city/2022]").item() == 2022


def test_extra_family_sweep(tmp_path):
    """LPG at 2,000 and 2,500 yuan/t (2,608.70 a zone) stays below pellets: one zone on each under the
    cap; at 3,500 (3,652.17) pellets win outright: both zones on pellets, 2 x 3,176.47."""
    from model.sweep import Grid, RunSpec, forget_live_model, run_sweep

    data = load_region(lpg_region(tmp_path / "r"), 2022)
    forget_live_model()
    res = run_sweep(data, Grid(("lpg_price",), ((2000.0, 2500.0, 3500.0),)), RunSpec(2022, options=EXACT, extra=(CO2_CAP,)),
                    tmp_path / "out", serial=True, progress_stream=io.StringIO())
    obj = res.dataset.objective.values.tolist()
    lpg = 43.2 / 0.9 / 46
    assert obj == pytest.approx([(LPG + PELLET) * 1e-4, (lpg * 2500 + PELLET) * 1e-4, 2 * PELLET * 1e-4])


def test_family_names_must_be_unique_and_documented():
    with pytest.raises(ValueError, match="docstring"):
        Family("x", "cap", "t", "x", "x", "x", lambda hz, lay: None)
    with pytest.raises(ValueError, match="kind"):
        Family("x", "limit", "t", "x", "x", "x", co2_cap_rows)
    from model.build import standard_form
    from model.prepare import prepare

    data = load_region(lpg_region(Path_tmp()), 2022)
    inst = prepare(data, 2022, Overrides())
    twin = Family("gas_annual_cap", "cap", "t/a", "x", "x", "x", co2_cap_rows)
    with pytest.raises(ValueError, match="named 'gas_annual_cap'"):
        standard_form(inst, families=[*__import__("model.families").families.FAMILIES, twin])


def Path_tmp():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / "r"


@pytest.mark.parametrize("seed", range(6))
def test_pruning_keeps_the_optimum_with_an_extra_family(tmp_path, seed):
    """Random CO2 caps on the LPG/pellet/gas/ASHP region: the same optimum (or the same
    infeasibility) with and without dominated options, against enumeration."""
    from test_bruteforce import enumerate_optimum

    rng = np.random.default_rng(seed)
    cap = float(rng.uniform(0, 12))

    def rows(hz, lay):
        """CO2, per year: sum_f Delta co2[f] state(f,k) + fixed <= cap.  [t/a]"""
        return yearly_total(hz, lay, hz.delta("co2"), hz.constant("co2"), upper=np.full(hz.K, cap))

    fam = Family("co2_cap", "cap", "t/a", "x", "x", "x", rows)
    folder = lpg_region(tmp_path / "r")
    z = pd.read_csv(folder / "zones.csv")
    z["gas_network"] = rng.integers(0, 2, len(z))
    z["households"] = rng.integers(1, 4, len(z))
    z.to_csv(folder / "zones.csv", index=False)
    data = load_region(folder, 2022)
    results = []
    for prune in (True, False):
        try:
            results.append(float(solve_data(data, 2022, Overrides(), EXACT, prune=prune, extra=[fam]).dataset.objective))
        except Infeasible:
            results.append(math.inf)
    assert results[0] == pytest.approx(results[1], rel=1e-9, abs=1e-9)
    from model.prepare import prepare

    inst = prepare(data, 2022, Overrides())
    best = enumerate_optimum(inst, rule=lambda sel: inst.q["co2"][sel].sum() <= cap + 1e-9)
    assert results[0] == pytest.approx(best, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# policies.csv

def with_policies(folder, rows):
    pd.DataFrame([{**dict(counties="all", area_types="all", terrains="all", routes="all", share_of_routes="", year="",
                           source=f.SRC), **r} for r in rows]).to_csv(folder / "policies.csv", index=False)
    return folder


def test_policy_co2_cap_equals_the_extra_family(tmp_path):
    folder = with_policies(lpg_region(tmp_path / "r"), [dict(policy_id="co2", name_zh="碳排放上限", quantity="co2",
                                                             sense="<=", bound=4.0)])
    ds = solve_data(load_region(folder, 2022), 2022, Overrides(), EXACT).dataset
    assert float(ds.objective) == pytest.approx((LPG + PELLET) * 1e-4)
    row = ds.sel(constraint="policy_co2[co2]")
    assert row.constraint_name_zh.item() == "碳排放上限" and int(row.constraint_binding) == 1
    assert row.constraint_kind.item() == "cap"


def test_policy_task_assignment(tmp_path):
    """Z1 (1 household) and Z2 (2), equal heat: gas (2,400) beats ASHP (3,000). The city's task
    'at least 2 households of C1 to coal-to-electricity in 2022' puts Z2 on ASHP: 0.54."""
    tbl = f.tables(zones=[f.zone("Z1", households=1), f.zone("Z2", households=2)])
    folder = with_policies(f.write_region(tmp_path / "r", tbl), [
        dict(policy_id="task_c1", name_zh="县一煤改电任务", quantity="households_converted", counties="C1",
             routes="coal_to_electricity", sense=">=", bound=2, year=2022)])
    ds = solve_data(load_region(folder, 2022), 2022, Overrides(), EXACT).dataset
    assert routes_of(ds) == {"Z1": "gas_wall_boiler", "Z2": "ashp"}
    assert float(ds.objective) == pytest.approx(0.54)
    row = ds.sel(constraint="policy_task_c1[task_c1]")
    assert row.constraint_kind.item() == "target" and float(row.constraint_activity) == 2


@pytest.mark.parametrize("share, routes, objective", [(0.5, {"Z1": "gas_wall_boiler", "Z2": "ashp"}, 1.14),
                                                      (0.8, {"Z1": "ashp", "Z2": "gas_wall_boiler"}, 1.02),
                                                      (1.0, {"Z1": "gas_wall_boiler", "Z2": "gas_wall_boiler"}, 0.96)])
def test_policy_gas_share(tmp_path, share, routes, objective):
    """Z1: 1 household, 200 m2; Z2: 3 households, 600 m2. Gas 2,400 / 7,200, ASHP 3,000 / 9,000 yuan.
    'At most x of the county's converted households on gas': 0.5 allows 2 -> Z1 gas, Z2 ASHP
    (11,400); 0.8 allows 3.2 -> Z2 gas, Z1 ASHP (10,200); 1.0 both gas (9,600)."""
    tbl = f.tables(zones=[f.zone("Z1", households=1), f.zone("Z2", households=3, floor_area_10k_m2=0.06)])
    folder = with_policies(f.write_region(tmp_path / "r", tbl), [
        dict(policy_id="gas_share", name_zh="煤改气比例上限", quantity="households_converted", counties="C1",
             routes="coal_to_gas", sense="<=", bound=share, share_of_routes="all")])
    ds = solve_data(load_region(folder, 2022), 2022, Overrides(), EXACT).dataset
    assert routes_of(ds) == routes
    assert float(ds.objective) == pytest.approx(objective)


def test_policy_conversions_per_year_in_a_pathway(tmp_path):
    """At most one household converting a year, 100 % clean by 2022 (0 in 2021): one zone converts in
    2021 (the saving starts a year early), the other in 2022."""
    parts = [f.tables(year=y, zones=[f.zone("Z1"), f.zone("Z2")],
                      coverage=[dict(year=y, area_type="all", terrain="all", min_clean_share=s, source=f.SRC)])
             for y, s in ((2021, 0.0), (2022, 1.0))]
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    folder = with_policies(f.write_region(tmp_path / "r", t), [
        dict(policy_id="pace", name_zh="年度改造上限", quantity="households_converting", sense="<=", bound=1)])
    ds = solve_data(load_region(folder, 2022), 2022, Overrides(), EXACT, from_year=2021).dataset
    assert sorted(ds.conversion_year.values.tolist()) == [2021, 2022]
    # 2021: one gas zone + one coal zone; 2022: two gas zones
    assert float(ds.objective) == pytest.approx((2400 + 4320 + 2 * 2400) * 1e-4)


@pytest.mark.parametrize("row, column, words", [
    (dict(counties="C9"), "counties", "'C9' is not one of"),
    (dict(routes="coal_to_moon"), "routes", "'coal_to_moon' is not one of"),
    (dict(share_of_routes="all", bound=1.5), "bound", "is a share"),
    (dict(policy_id="../x"), "policy_id", "must be a plain name"),
    (dict(quantity="happiness"), "quantity", "happiness"),
    (dict(sense="<"), "sense", "'<'"),
])
def test_policy_row_errors_name_file_row_and_column(tmp_path, row, column, words):
    base = dict(policy_id="p1", name_zh="规则", quantity="co2", sense="<=", bound=4.0)
    folder = with_policies(lpg_region(tmp_path / "r"), [{**base, **row}])
    with pytest.raises(InputError) as err:
        load_region(folder, 2022)
    msgs = [str(p) for p in err.value.problems]
    assert any("policies.csv" in m and "row 2" in m and f"column '{column}'" in m and words in m for m in msgs), msgs


def test_scenario_override_still_resolves_with_policies(tmp_path):
    """A policy table does not change how --set names resolve."""
    folder = with_policies(lpg_region(tmp_path / "r"), [dict(policy_id="co2", name_zh="x", quantity="co2", sense="<=",
                                                             bound=4.0)])
    data = load_region(folder, 2022)
    ds = solve_data(data, 2022, resolve_overrides(data, [], {"lpg_price": 3500.0}), EXACT).dataset
    assert float(ds.objective) == pytest.approx(2 * PELLET * 1e-4)
