"""Near-optimal alternatives (model/alternatives.py, scripts/alternatives.py) on tiny cases.

Common numbers (tests/factory.py): a default zone (200 m^2, 10 kW) costs per year: gas wall boiler
0.24 (10^4 yuan/a), ASHP 0.30 (5 kVA), storage heater 0.60 (20 kVA), quality coal 0.36 (not
clean); gas uses 0.12 (10^4 m^3) a zone. Coverage 100 %: every zone must be clean.
"""
import numpy as np
import pytest
import xarray as xr

import factory as f
import residuals
from model.alternatives import AlternativesSpec, alternatives_dataset, near_optimal
from model.alternatives_cli import main as alt_main
from model.errors import EXIT_INFEASIBLE
from model.pipeline import solve_region
from model.prepare import resolve_overrides
from model.report.cli import main as report_main
from model.solve import SolveOptions
from model.validate import load_region

YEAR = 2022
EXACT = SolveOptions(mip_gap=0.0)


def alternatives(folder, **spec):
    data = load_region(folder, year=YEAR)
    out = near_optimal(data, YEAR, resolve_overrides(data, [], {}), AlternativesSpec(**{"gap": 0.0, **spec}), EXACT)
    return alternatives_dataset(out)


def routes(ds, name):
    return dict(zip(ds.zone.values.tolist(), ds.chosen_route.sel(alternative=name).values.tolist()))


def two_zones(tmp_path):
    return f.write_region(tmp_path / "two", f.tables(zones=[f.zone("Z1", households=1), f.zone("Z2", households=2)]))


@pytest.mark.parametrize("slack, z2, duplicate", [(0.15, "ashp", ""), (0.10, "gas_wall_boiler", "least-cost")])
def test_fewest_gas_households_known_answer(tmp_path, slack, z2, duplicate):
    """Two zones alike in cost (gas 0.24, ASHP 0.30 each), Z1 with 1 household, Z2 with 2. Least cost:
    gas in both, 0.48. A zone moved to ASHP costs 0.06 more: one move (0.54) is within 15 % (0.552),
    two (0.60) are not; the fewest gas households then move Z2 (2 households): 1 household on gas.
    Within 10 % (0.528) no move fits: the alternative is the least-cost plan again.

    SPORES after those two plans (slack 15 %): weights households x times chosen: Z1 gas 1 x 2 = 2,
    Z1 ASHP 0, Z2 gas 2 x 1 = 2, Z2 ASHP 2 x 1 = 2 (at 10 %: Z2 gas 4, ASHP 0). Least weight within
    0.552: Z1 on ASHP (0), Z2 on gas (at 10 %: no move fits, the least-cost plan; weight 2 + 4)."""
    ds = alternatives(two_zones(tmp_path), slack=slack, n=2, pushes=("min-gas-households",))
    assert list(ds.alternative.values) == ["least-cost", "min-gas-households", "spores-1"]
    assert routes(ds, "least-cost") == {"Z1": "gas_wall_boiler", "Z2": "gas_wall_boiler"}
    assert ds.attrs["least_cost_10k_yuan_per_a"] == pytest.approx(0.48)
    assert routes(ds, "min-gas-households") == {"Z1": "gas_wall_boiler", "Z2": z2}
    assert str(ds.alternative_duplicate_of.sel(alternative="min-gas-households").values) == duplicate
    gas_hh = ds.quantity_value.sel(quantity="gas_households")
    assert float(gas_hh.sel(alternative="min-gas-households")) == (1.0 if z2 == "ashp" else 3.0)
    assert float(ds.alternative_pushed_value.sel(alternative="min-gas-households")) == float(
        gas_hh.sel(alternative="min-gas-households"))
    if slack == 0.15:
        assert routes(ds, "spores-1") == {"Z1": "ashp", "Z2": "gas_wall_boiler"}
        assert float(ds.objective.sel(alternative="spores-1")) == pytest.approx(0.54)
        assert int(ds.zone_settled.sum()) == 0 and ds.attrs["zones_swing"] == 2
        assert float(ds.alternative_households_differ.sel(alternative="spores-1", alternative_other="least-cost")) == 1
    else:
        assert routes(ds, "spores-1") == routes(ds, "least-cost")
        assert list(ds.zone_settled.values) == [1, 1] and ds.attrs["households_settled"] == 3


def rich_case(tmp_path):
    """Four zones, caps that bind: gas for two zones (0.25), a transformer of 10 kVA (two ASHPs)
    with upgrades of 100 kVA at 1,000 yuan, a subsidy budget, storage rules, 100 % coverage."""
    zones = [f.zone(f"Z{i}", households=i, floor_area_10k_m2=0.02 * (1 + 0.1 * i)) for i in range(1, 5)]
    rts = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=500.0),
           f.route("ashp", capex_hh=300.0, sub_eq=1000.0), f.route("storage_heater", sub_eq=200.0),
           f.route("chp_dh", category="district_heating", capex_hh=800.0, needs_src=0, max_km=20.0)]
    years = dict(gas_annual_cap_10k_m3=0.29, gas_storage_existing_10k_m3=0.0, storage_module_size_10k_m3=0.002,
                 storage_module_capex_10k_yuan=0.01, subsidy_budget_10k_yuan=0.9)
    tr = f.transformer(capacity_kva=10.0, upgrade_unit_capex_yuan=1000.0, max_upgrade_units=2)
    return f.write_region(tmp_path / "rich", f.tables(zones=zones, routes=rts, years=years, transformers=[tr]))


def test_every_alternative_within_the_slack_meets_every_constraint_and_they_differ(tmp_path):
    """Whatever each alternative pushes, its total cost is at most (1 + slack) x the least cost (the
    least-cost plan is the plain solve's), every cap and target holds when recomputed from the
    outputs and the inputs (tests/residuals.py), and the plans are not all the same."""
    folder = rich_case(tmp_path)
    slack = 0.05
    ds = alternatives(folder, slack=slack, n=7)
    plain = solve_region(folder, YEAR, options=EXACT).dataset
    least = float(plain.objective)
    assert ds.attrs["least_cost_10k_yuan_per_a"] == pytest.approx(least, rel=1e-9)
    assert routes(ds, "least-cost") == dict(zip(plain.zone.values.tolist(), plain.chosen_route.values.tolist()))
    assert len(ds.alternative) == 8 and list(ds.alternative_push.values[1:6]) == [
        "min-gas-households", "min-new-kva", "min-subsidy", "max-district-heating", "min-co2"]
    for name in ds.alternative.values:
        one = ds.sel(alternative=name)
        assert float(one.objective) <= (1 + slack) * least * (1 + 1e-9), name
        residuals.check(one, folder, YEAR)
        # the reported quantities are the plan's (the cost is the dataset's objective)
        assert float(one.quantity_value.sel(quantity="cost")) == pytest.approx(float(one.objective), rel=1e-9)
        assert float(one.quantity_value.sel(quantity="gas")) == pytest.approx(float(one.gas_annual), rel=1e-9)
        assert str(one.alternative_status.values) == "optimal"
    plans = {tuple(ds.chosen_route.sel(alternative=a).values.tolist()) for a in ds.alternative.values}
    assert len(plans) >= 3
    for a in ds.alternative.values[1:]:  # each push reaches at least what the least-cost plan has of it
        push = str(ds.alternative_push.sel(alternative=a).values)
        if push == "spores":
            continue
        qty = {"min-gas-households": "gas_households", "min-new-kva": "transformer_upgrade_kva",
               "min-subsidy": "subsidies", "max-district-heating": "district_heating_households", "min-co2": "co2"}[push]
        at, base = (float(ds.quantity_value.sel(alternative=x, quantity=qty)) for x in (a, "least-cost"))
        assert (at >= base - 1e-9) if push.startswith("max") else (at <= base + 1e-9), (a, at, base)
    # settled: the same route in every alternative
    r = ds.chosen_route.values
    assert list(ds.zone_settled.values) == [int((r[:, z] == r[0, z]).all()) for z in range(r.shape[1])]


def test_zero_slack_gives_plans_of_the_least_cost(tmp_path):
    """Slack 0: every alternative costs what the least-cost plan costs (ties only)."""
    folder = rich_case(tmp_path)
    ds = alternatives(folder, slack=0.0, n=2)
    assert np.allclose(ds.objective.values, ds.attrs["least_cost_10k_yuan_per_a"], rtol=1e-7)


def test_cli_end_to_end_and_report(tmp_path, capsys):
    """scripts/alternatives.py writes <scenario>+slack=<s>.alternatives.nc under --out; report.py
    makes the comparison with the settled and swing villages."""
    folder = two_zones(tmp_path)
    out = tmp_path / "res"
    rc = alt_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out), "--slack", "0.15",
                   "-n", "2", "--push", "min-gas-households", "--gap", "0"])
    assert rc == 0
    path = out / "r" / "2022" / "base+slack=0.15.alternatives.nc"
    text = capsys.readouterr().out
    assert f"wrote {path}" in text and "swing: 2" in text
    with xr.open_dataset(path) as ds:
        assert ds.sizes["alternative"] == 3
        assert ds.quantity_value.attrs["units"] and ds.attrs["alternatives_slack"] == 0.15
        assert ds.attrs["inputs_hash"] and ds.objective.attrs["units"] == "10^4 yuan/a"
    assert report_main([str(path), "--lang", "en"]) == 0
    html = (path.with_name(path.stem + ".report") / "report.html").read_text(encoding="utf-8")
    assert "Swing villages" in html and "min-gas-households" in html and "Z2" in html


def test_cli_bad_flags_exit_2_nothing_written(tmp_path, capsys):
    folder = two_zones(tmp_path)
    out = tmp_path / "res"
    base = ["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out)]
    assert alt_main(base + ["--push", "min-gas,min-co2"]) == 2
    assert "--push: unknown min-gas" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        alt_main(base + ["--slack", "1.5"])
    assert exc.value.code == 2 and "--slack" in capsys.readouterr().err
    assert alt_main(base + ["--set", "gas_price=abc"]) == 2
    assert not out.exists() or not any(out.rglob("*.nc"))


def test_cli_infeasible_exit_4_with_diagnosis(tmp_path, capsys):
    """No plan at least cost: no alternatives, exit 4 and the diagnosis, as solve.py."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler")]
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                                                     years={"gas_annual_cap_10k_m3": 0.12}))
    out = tmp_path / "res"
    rc = alt_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out)])
    assert rc == EXIT_INFEASIBLE
    assert "gas_annual_cap" in capsys.readouterr().err
    assert [x.name for x in out.rglob("*") if x.is_file()] == ["base.diagnosis.nc"]
    with xr.open_dataset(out / "r" / "2022" / "base.diagnosis.nc") as ds:  # the alternatives' rows never relaxed
        assert ds.relaxed_family.values.tolist() == ["gas_annual_cap"]
