"""Near-optimal alternatives of a pathway (`alternatives.py --from`, model/alternatives.py) on tiny
two-year regions (tests/test_pathway.py's helpers).

Factory numbers: a default zone costs a year gas 0.24 (10^4 yuan/a) or ASHP 0.30; coverage 100 %
in both years makes every zone convert in 2021; discount rate 0, so a pathway costs 2 x the year's.
"""
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.alternatives import AlternativesSpec, run_alternatives
from model.alternatives_cli import main as alt_main
from model.horizon import prepare_horizon
from model.prepare import PAIR_COST_COMPONENTS, Overrides, resolve_overrides, storage_module_cost
from model.solve import SolveOptions
from model.validate import load_region
from test_pathway import YEARS, random_pathway, two_years

EXACT = SolveOptions(mip_gap=0.0)


def alternatives(folder, **spec):
    data = load_region(folder, YEARS[-1])
    out = run_alternatives(data, YEARS[-1], resolve_overrides(data, [], {}), AlternativesSpec(**{"gap": 0.0, **spec}),
                           EXACT, from_year=YEARS[0])
    return out, out.dataset


def two_zones(tmp_path):
    return two_years(tmp_path / "two", zones=[f.zone("Z1", households=1), f.zone("Z2", households=2)])


def plan(ds, name):
    one = ds.sel(alternative=name)
    return {z: (str(r), int(y)) for z, r, y in zip(ds.zone.values.tolist(), one.chosen_route.values, one.conversion_year.values)}


@pytest.mark.parametrize("slack, moved", [(0.15, True), (0.10, False)])
def test_fewest_gas_households_moves_the_larger_zone(tmp_path, slack, moved):
    """Least cost: gas in both zones from 2021, 2 x 2 x 0.24 = 0.96. A zone on ASHP costs 2 x 0.06 =
    0.12 more: one move (1.08) is within 15 % (1.104), two (1.20) are not; the fewest gas
    household-years then move Z2 (2 households): 1 household on gas in each year = 2. Within 10 %
    (1.056) nothing moves: the push is the least-cost plan again (3 households x 2 years = 6)."""
    out, ds = alternatives(two_zones(tmp_path), slack=slack, n=2, pushes=("min-gas-households",))
    assert ds.attrs["least_cost_10k_yuan"] == pytest.approx(0.96)
    assert plan(ds, "least-cost") == {"Z1": ("gas_wall_boiler", 2021), "Z2": ("gas_wall_boiler", 2021)}
    push = plan(ds, "min-gas-households")
    assert push == {"Z1": ("gas_wall_boiler", 2021), "Z2": ("ashp" if moved else "gas_wall_boiler", 2021)}
    assert float(ds.alternative_pushed_value.sel(alternative="min-gas-households")) == (2.0 if moved else 6.0)
    assert float(ds.objective.sel(alternative="min-gas-households")) == pytest.approx(1.08 if moved else 0.96)
    assert ds.quantity_unit.sel(quantity="gas_households").item() == "household-years"
    # the yearly figures follow the plan: Z2 on ASHP burns no gas, 0.12 (10^4 m^3) a year for Z1
    gas = ds.gas_annual.sel(alternative="min-gas-households").values.tolist()
    assert gas == pytest.approx([0.12, 0.12] if moved else [0.24, 0.24])
    conv = ds.households_converted.sel(alternative="min-gas-households")
    assert conv.sel(route="ashp").values.tolist() == ([2.0, 0.0] if moved else [0.0, 0.0])
    if moved:  # SPORES then moves Z1 instead (weight 0 on Z1's ASHP): three plans, every zone swings
        assert plan(ds, "spores-1") == {"Z1": ("ashp", 2021), "Z2": ("gas_wall_boiler", 2021)}
        assert ds.attrs["zones_swing"] == 2 and ds.attrs["zones_swing_route"] == 2
        assert len({tuple(sorted(plan(ds, a).items())) for a in ds.alternative.values}) == 3
    else:
        assert str(ds.alternative_duplicate_of.sel(alternative="min-gas-households").values) == "least-cost"
        assert ds.zone_settled.values.tolist() == [1, 1]


def test_spores_moves_the_conversion_year_when_routes_cannot_change(tmp_path):
    """A budget of one conversion a year (test_pathway's first case): one zone converts in 2021, the
    other in 2022, gas both (1.152 either way). At slack 0 the only other plan swaps the years: a
    SPORES round finds it (weight 0 on each zone's other year), both zones swing on their year only."""
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0)]
    cov0 = [dict(year=2021, area_type="all", terrain="all", min_clean_share=0.0, source=f.SRC)]
    folder = two_years(tmp_path / "r", zones=[f.zone("Z1"), f.zone("Z2")], routes=routes,
                       years={"subsidy_budget_10k_yuan": 0.1}, per_year={2021: {"coverage": cov0}})
    _, ds = alternatives(folder, slack=0.0, n=1, pushes=())
    first, other = plan(ds, "least-cost"), plan(ds, "spores-1")
    assert sorted(y for _, y in first.values()) == [2021, 2022]
    assert {z: (r, 4043 - y) for z, (r, y) in first.items()} == other  # the years swapped
    assert ds.objective.values.tolist() == pytest.approx([1.152, 1.152])
    a = ds.attrs
    assert (a["zones_settled"], a["zones_swing"], a["zones_swing_route"], a["zones_swing_year_only"]) == (0, 2, 0, 2)
    assert ds.zone_years_taken.values.tolist() == [2, 2] and ds.zone_routes_taken.values.tolist() == [1, 1]


# ---------------------------------------------------------------------------------------------
# every plan of a random pathway, evaluated from the prepared instances (not the model's rows)

def _choices(pw):
    a = pw.first
    zones, opts, stay = [], {}, {}
    for i in pw.free:
        z = int(a.pair_zone[i])
        if z not in opts:
            zones.append(z)
            opts[z] = []
        if a.pair_converting[i]:
            opts[z].append(int(i))
        else:
            stay[z] = True
    return zones, [([None] if stay.get(z) else []) + [(p, k) for p in opts[z] for k in range(pw.K)] for z in zones]


def evaluate(pw, zones, combo, units=None, modules=None):
    """A plan (per free zone: None = keep the base route, or (pair, year index)) over the years:
    whether every cap and target holds, its discounted total cost, gas household-years and
    subsidies summed over the years. `units`/`modules` per year: the plan's purchases (None: the
    fewest that fit)."""
    a = pw.first
    ratio = a.params["storage_days_required"] / a.params["storage_averaging_days"]
    tail = np.cumsum(pw.discount[::-1])[::-1]
    gas_on = a.q["gas_annual"] > 0
    ok, total, gas_hh, subsidies, spent = True, 0.0, 0.0, 0.0, 0.0
    units_to_date = modules_to_date = 0
    for k, inst in enumerate(pw.insts):
        fx = pw.fixed
        gas = inst.q["gas_annual"][fx].sum()
        kva = a.group_existing[0] + inst.q["kva"][fx].sum()
        subsidy = inst.q["subsidy_running"][fx].sum() + (inst.q["subsidy_equipment"][fx].sum() if k == 0 else 0)
        clean = inst.q["clean_households"][fx].sum()
        hh_gas = float((a.q["households"][fx] * gas_on[fx]).sum())
        rural_new = 0.0
        cost = sum(inst.cost[c][fx].sum() for c in PAIR_COST_COMPONENTS)
        for z, ch in zip(zones, combo):
            if ch is not None and ch[1] <= k:
                p = ch[0]
                gas += inst.q["gas_annual"][p]
                kva += inst.q["kva"][p]
                subsidy += inst.q["subsidy_running"][p] + (inst.q["subsidy_equipment"][p] if ch[1] == k else 0)
                clean += inst.q["clean_households"][p]
                rural_new += inst.q["rural_gas_new_households"][p] if ch[1] == k else 0
                hh_gas += a.q["households"][p] * gas_on[p]
                cost += sum(inst.cost[c][p] for c in PAIR_COST_COMPONENTS)
            else:
                gas += inst.base_q["gas_annual"][z]
                clean += inst.base_q["clean_households"][z]
                hh_gas += a.base_q["households"][z] * (a.base_q["gas_annual"][z] > 0)
                cost += sum(inst.base_cost[c][z] for c in PAIR_COST_COMPONENTS)
        c = inst.caps
        spent += subsidy
        subsidies += subsidy
        gas_hh += hh_gas
        ok &= gas <= c["gas_annual_cap_10k_m3"] + 1e-9
        ok &= (spent if inst.subsidy_to_date else subsidy) <= c["subsidy_budget_10k_yuan"] + 1e-9
        if not np.isnan(c["rural_gas_new_cap_households"]):
            ok &= rural_new <= c["rural_gas_new_cap_households"] + 1e-9
        for _, zmask, share in inst.coverage:
            ok &= clean >= share * inst.zone_households[zmask].sum() - 1e-9
        need_units = max(0, math.ceil((kva - a.group_capacity[0]) / a.group_unit_kva[0] - 1e-9))
        new_units = max(0, need_units - units_to_date) if units is None else int(units[k])
        units_to_date += new_units
        ok &= units_to_date >= need_units
        need_mod = max(0, math.ceil((ratio * (gas + c["gas_other_use_10k_m3"]) - c["gas_storage_existing_10k_m3"])
                                    / c["storage_module_size_10k_m3"] - 1e-9))
        new_mod = max(0, need_mod - modules_to_date) if modules is None else int(modules[k])
        modules_to_date += new_mod
        ok &= modules_to_date >= need_mod
        total += (pw.discount[k] * cost + new_units * a.group_unit_cost[0] * tail[k]
                  + new_mod * storage_module_cost(inst) * tail[k])
    ok &= units_to_date <= a.group_max_units[0]
    return bool(ok), total, gas_hh, subsidies


def alternative_plan(out, alt, pw, zones):
    """An alternative's plan in the unpruned horizon's terms: per zone None or (pair, year index),
    and its purchases per year."""
    hz, lay = out.run.horizon, out.run.compiled.layout
    a, b = hz.first, pw.first
    key = lambda inst, p: (int(inst.pair_zone[p]), str(inst.route_ids[inst.pair_route[p]]), int(inst.pair_retrofit[p]))  # noqa: E731
    where = {key(b, p): int(p) for p in range(len(b.pair_zone))}
    chosen = {}
    conv = np.rint(lay.conversions(alt.solution.values))
    for fi, k in zip(*np.nonzero(conv > 0.5)):
        p = int(hz.free[fi])
        if a.pair_converting[p]:
            chosen[int(a.pair_zone[p])] = (where[key(a, p)], int(k))
    for p in hz.fixed:  # zones the pruning fixed to one converting option: in the first year
        if a.pair_converting[p]:
            chosen[int(a.pair_zone[p])] = (where[key(a, p)], 0)
    v = alt.solution.values
    units = np.zeros(pw.K)
    if 0 in lay.groups:
        units = np.array([v[lay.upgrade(int(np.flatnonzero(lay.groups == 0)[0]), k)] for k in range(pw.K)])
    modules = np.array([v[lay.modules(k)] for k in range(pw.K)])
    return tuple(chosen.get(z) for z in zones), units, modules


# seeds of test_pathway.random_pathway with a plan and several plans within 10 % of the least cost
@pytest.mark.parametrize("seed", [4, 5, 6, 7, 12, 19, 27, 30, 39])
def test_every_alternative_is_feasible_within_the_slack_and_pushes_reach_their_best(tmp_path, seed):
    """Random two-year pathways, every plan enumerated: the least cost is the enumeration's; every
    alternative's plan with its own purchases meets every cap and target in every year, costs what
    the dataset says and at most (1 + slack) x the least; each push reaches the best of its quantity
    (summed over the years) among the plans within the slack."""
    rng = np.random.default_rng(100 + seed)
    folder = random_pathway(rng, tmp_path / "r")
    data = load_region(folder, YEARS[-1])
    pw = prepare_horizon(data, YEARS, Overrides())
    zones, choices = _choices(pw)
    plans = [(combo, evaluate(pw, zones, combo)) for combo in itertools.product(*choices)]
    feasible = [(c, e) for c, e in plans if e[0]]
    assert feasible
    least = min(e[1] for _, e in feasible)
    slack = 0.1
    out, ds = alternatives(folder, slack=slack, n=4, pushes=("min-gas-households", "min-subsidy"))
    assert ds.attrs["least_cost_10k_yuan"] == pytest.approx(least, rel=1e-7, abs=1e-9)
    limit = (1 + slack) * least
    within = [e for _, e in feasible if e[1] <= limit * (1 + 1e-7) + 1e-9]
    best = {"min-gas-households": min(e[2] for e in within), "min-subsidy": min(e[3] for e in within)}
    for alt in out.alternatives:
        combo, units, modules = alternative_plan(out, alt, pw, zones)
        ok, cost, gas_hh, subsidies = evaluate(pw, zones, combo, units, modules)
        assert ok, alt.name
        assert cost == pytest.approx(float(ds.objective.sel(alternative=alt.name)), rel=1e-7, abs=1e-9)
        assert cost <= limit * (1 + 1e-7) + 1e-9, alt.name
        q = ds.quantity_value.sel(alternative=alt.name)
        assert float(q.sel(quantity="gas_households")) == pytest.approx(gas_hh, abs=1e-7)
        assert float(q.sel(quantity="subsidies")) == pytest.approx(subsidies, rel=1e-7, abs=1e-9)
        if alt.push in best:
            assert float(ds.alternative_pushed_value.sel(alternative=alt.name)) == pytest.approx(
                best[alt.push], rel=1e-7, abs=1e-7)
    # the dataset's yearly figures against the caps and budgets it holds
    assert (ds.gas_annual <= ds.gas_annual_cap + 1e-9).all()
    spent = xr.where(ds.subsidy_budget_to_date == 1, ds.subsidy_spent_to_date, ds.subsidy_equipment + ds.subsidy_running)
    assert (spent <= ds.subsidy_budget + 1e-9).all()
    r, y = ds.chosen_route.values, ds.conversion_year.values
    assert ds.zone_settled.values.tolist() == [int((r[:, z] == r[0, z]).all() and (y[:, z] == y[0, z]).all())
                                               for z in range(r.shape[1])]


def test_cli_end_to_end_and_bad_combinations(tmp_path, capsys):
    """alternatives.py --from writes <scenario>+slack=<s>.from<FROM>.alternatives.nc with units and
    long names on every variable; --from without years.csv rows, or not before --year: exit 2,
    nothing written."""
    folder = two_zones(tmp_path)
    out = tmp_path / "res"
    base = ["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out)]
    rc = alt_main(base + ["--from", "2021", "--slack", "0.15", "-n", "2", "--push", "min-gas-households", "--gap", "0"])
    assert rc == 0
    path = out / "r" / "2022" / "base+slack=0.15.from2021.alternatives.nc"
    text = capsys.readouterr().out
    assert f"wrote {path}" in text and "of which 2 change route and 0 only their conversion year" in text
    with xr.open_dataset(path) as ds:
        assert ds.sizes["alternative"] == 3 and ds.year.values.tolist() == YEARS
        for v in ds.data_vars:
            assert ds[v].attrs.get("units") and ds[v].attrs.get("long_name"), v
        assert ds.objective.attrs["units"] == "10^4 yuan" and ds.attrs["year_from"] == 2021
        assert ds.households_converted.dims == ("alternative", "route", "year")
    for bad, words in ((["--from", "2019"], "years.csv, column 'year': has no row for 2019, 2020"),
                       (["--from", "2022"], "--from: 2022 must be before --year")):
        assert alt_main(base + bad + ["--out", str(tmp_path / "bad")]) == 2
        assert words in capsys.readouterr().err
    assert not (tmp_path / "bad").exists() or not any((tmp_path / "bad").rglob("*.nc"))


def test_report_of_a_pathways_alternatives(tmp_path):
    """report.py renders the pathway's alternatives: cost and quantities, route mix, gas and budgets
    per year, and the swing villages with each alternative's route and year."""
    from model.report.cli import main as report_main

    out = tmp_path / "res"
    assert alt_main(["--year", "2022", "--from", "2021", "--region", "r", "--inputs", str(two_zones(tmp_path)),
                     "--out", str(out), "--slack", "0.15", "-n", "2", "--push", "min-gas-households", "--gap", "0"]) == 0
    path = out / "r" / "2022" / "base+slack=0.15.from2021.alternatives.nc"
    folder = path.with_name(path.stem + ".report")
    assert report_main([str(path), "--lang", "zh"]) == 0
    assert "贴现总成本" in (folder / "report.html").read_text(encoding="utf-8")
    assert report_main([str(path), "--lang", "en"]) == 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Swing villages and their route and year" in html and "min-gas-households" in html
    assert "Discounted cost" in html and "ashp 2021" in html  # Z2's route and year under the push
    assert "2 change route, 0 only their conversion year" in html
    years = pd.read_csv(folder / "tables" / "alternatives_years.csv")
    assert len(years) == 3 * 2 and years.iloc[:, 1].astype(str).tolist()[:2] == ["2021", "2022"]
