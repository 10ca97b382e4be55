"""MILP optimum == exhaustive enumeration on tiny random instances (<= 6 zones x 4 routes).

The enumeration takes each zone's eligible options from `prepare` and checks every cap
itself, buying the fewest transformer units and storage modules each choice needs
(both cost >= 0, so fewest is cheapest).
"""
import itertools
import math

import numpy as np
import pytest

import factory as f
from model.pipeline import Infeasible, solve_data
from model.prepare import PAIR_COST_COMPONENTS, Overrides, prepare, storage_module_cost
from model.solve import SolveOptions
from model.validate import load_region


def random_region(rng, folder):
    n = int(rng.integers(2, 7))
    zones = []
    for i in range(n):
        zones.append(f.zone(f"Z{i}", households=int(rng.integers(1, 6)), floor_area_10k_m2=round(float(rng.uniform(0.01, 0.05)), 4),
                            gas_network=int(rng.random() < 0.6), area_type=str(rng.choice(["urban", "rural"])),
                            transformer_group=str(rng.choice(["T1", "T2"])), demolition=int(rng.random() < 0.1)))
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f.route("gas_wall_boiler", capex_hh=float(rng.integers(0, 3000)), sub_eq=float(rng.integers(0, 2000))),
              f.route("ashp", capex_hh=float(rng.integers(0, 5000)), sub_eq=float(rng.integers(0, 2000)),
                      sub_run=float(rng.integers(0, 500))),
              f.route("storage_heater", capex_hh=float(rng.integers(0, 2000)))]
    trs = [f.transformer(g, capacity_kva=float(rng.uniform(0, 30)), existing_peak_kva=float(rng.uniform(0, 5)),
                         upgrade_unit_kva=float(rng.choice([5.0, 10.0])), upgrade_unit_capex_yuan=float(rng.integers(0, 3000)),
                         max_upgrade_units=int(rng.integers(0, 4))) for g in ("T1", "T2")]
    years = {
        "gas_annual_cap_10k_m3": float(rng.uniform(0.1, 0.8)),
        "gas_peak_day_cap_10k_m3": float(rng.uniform(0.002, 0.02)),
        "gas_storage_existing_10k_m3": float(rng.uniform(0, 0.2)),
        "storage_module_size_10k_m3": 0.05,
        "storage_module_capex_10k_yuan": float(rng.uniform(0, 0.5)),
        "subsidy_budget_10k_yuan": float(rng.uniform(0.1, 2.0)),
        "rural_gas_new_cap_households": float(rng.integers(0, 10)) if rng.random() < 0.5 else "",
    }
    coverage = [dict(year=2022, area_type="all", terrain="all", min_clean_share=float(rng.uniform(0.3, 1.0)), source=f.SRC)]
    prices = {"clean_coal": float(rng.uniform(200, 1500)), "gas": float(rng.uniform(1.5, 4.0)),
              "electricity": float(rng.uniform(0.3, 0.7))}
    tbl = f.tables(zones=zones, routes=routes, transformers=trs, years=years, coverage=coverage, prices=prices,
                   params={"storage_averaging_days": 7})
    return f.write_region(folder, tbl)


def enumerate_optimum(inst, rule=None):
    """`rule(selected pairs) -> bool`: a rule of the caller's on top of the model's own."""
    p, c = inst.params, inst.caps
    opts = {}
    for i in range(len(inst.pair_zone)):
        opts.setdefault(int(inst.pair_zone[i]), []).append(i)
    cost = sum(inst.cost[k] for k in PAIR_COST_COMPONENTS)
    q = inst.q
    ratio = p["storage_days_required"] / p["storage_averaging_days"]
    best = math.inf
    for combo in itertools.product(*opts.values()):
        s = np.array(combo)
        if q["gas_annual"][s].sum() > c["gas_annual_cap_10k_m3"] + 1e-9:
            continue
        if q["gas_peak_day"][s].sum() > c["gas_peak_day_cap_10k_m3"] + 1e-9:
            continue
        if (q["subsidy_equipment"][s] + q["subsidy_running"][s]).sum() > c["subsidy_budget_10k_yuan"] + 1e-9:
            continue
        if not np.isnan(c["rural_gas_new_cap_households"]) and \
                q["rural_gas_new_households"][s].sum() > c["rural_gas_new_cap_households"] + 1e-9:
            continue
        ok = True
        for label, zmask, share in inst.coverage:
            clean = q["clean_households"][s][zmask[inst.pair_zone[s]]].sum()
            if clean < share * inst.zone_households[zmask].sum() - 1e-9:
                ok = False
        extra = 0.0
        for g in range(len(inst.group_ids)):
            load = inst.group_existing[g] + q["kva"][s][inst.pair_group[s] == g].sum()
            units = max(0, math.ceil((load - inst.group_capacity[g]) / inst.group_unit_kva[g] - 1e-9))
            if units > inst.group_max_units[g]:
                ok = False
            extra += units * inst.group_unit_cost[g]
        if not ok or (rule is not None and not rule(s)):
            continue
        need = ratio * (q["gas_annual"][s].sum() + c["gas_other_use_10k_m3"]) - c["gas_storage_existing_10k_m3"]
        modules = max(0, math.ceil(need / c["storage_module_size_10k_m3"] - 1e-9))
        total = cost[s].sum() + extra + modules * storage_module_cost(inst)
        best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_milp_equals_enumeration(tmp_path, seed):
    rng = np.random.default_rng(seed)
    folder = random_region(rng, tmp_path / "r")
    data = load_region(folder, 2022)
    inst = prepare(data, 2022, Overrides())
    best = enumerate_optimum(inst)
    opts = SolveOptions(mip_gap=0.0)
    if math.isinf(best):
        with pytest.raises(Infeasible):
            solve_data(data, 2022, Overrides(), opts)
        return
    ds = solve_data(data, 2022, Overrides(), opts).dataset
    assert float(ds.objective) == pytest.approx(best, rel=1e-7, abs=1e-7)


def test_dominated_option_is_dropped(tmp_path):
    """Storage heaters (COP 1, 12 h charging: 20 kVA, 12,000 kWh = 6,000 yuan) cost more than ASHP
    (5 kVA, 3,000 yuan) and use more of every cap: dropped. Gas (cheaper, but it uses gas) stays."""
    from model.dominance import dominated_options

    tbl = f.tables(zones=[f.zone("Z1")], routes=[f.route("scattered_coal"), f.route("quality_coal"),
                                                 f.route("gas_wall_boiler"), f.route("ashp"), f.route("storage_heater")])
    inst = prepare(load_region(f.write_region(tmp_path / "r", tbl), 2022), 2022, Overrides())
    drop = dominated_options(inst)
    assert sorted(inst.route_ids[inst.pair_route[drop]]) == ["storage_heater"]


@pytest.mark.parametrize("seed", range(5))
def test_pruning_keeps_the_optimum(tmp_path, seed):
    """Mid-size random instances: the same optimum with and without dominated options (gap 0)."""
    rng = np.random.default_rng(50 + seed)
    zones = []
    for i in range(25):
        hh = int(rng.integers(5, 200))
        zones.append(f.zone(f"Z{i}", households=hh, floor_area_10k_m2=round(hh * float(rng.uniform(60, 130)) / 1e4, 4),
                            gas_network=int(rng.random() < 0.5), transformer_group=f"T{i % 4}",
                            area_type=str(rng.choice(["urban", "rural"], p=[0.2, 0.8]))))
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", capex_hh=11000.0, sub_eq=3000.0),
              f.route("ashp", capex_hh=30000.0, sub_eq=8000.0, sub_run=500.0),
              f.route("storage_heater", capex_hh=8000.0, sub_eq=3000.0)]
    trs = [f.transformer(f"T{g}", capacity_kva=300.0, existing_peak_kva=150.0, upgrade_unit_kva=100.0,
                         upgrade_unit_capex_yuan=45000.0, max_upgrade_units=40) for g in range(4)]
    tbl = f.tables(zones=zones, routes=routes, transformers=trs, params={"discount_rate": 0.06},
                   years={"gas_annual_cap_10k_m3": 20.0, "subsidy_budget_10k_yuan": 1500.0},
                   prices={"gas": 2.6, "electricity": 0.35})
    tbl["building_types"] = tbl["building_types"].assign(retrofit_capex_yuan_per_m2=120.0, retrofit_saving=0.3,
                                                         retrofit_lifetime_yr=25.0)
    data = load_region(f.write_region(tmp_path / "r", tbl), 2022)
    opts = SolveOptions(mip_gap=0.0)
    pruned = solve_data(data, 2022, Overrides(), opts, prune=True)
    full = solve_data(data, 2022, Overrides(), opts, prune=False)
    assert pruned.instance.free.size < full.instance.free.size
    assert float(pruned.dataset.objective) == pytest.approx(float(full.dataset.objective), rel=1e-9, abs=1e-9)
