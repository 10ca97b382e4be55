"""A pathway's results: when each zone converts, and every year's caps, budget and spending.

The pathway is the model over a horizon of several years (`model.horizon`, `model.families`,
`model.build`); this module turns its plan into one dataset with a `year` dimension. Costs are
discounted to the base year, d_k = (1 + r)^-(year_k - base_year); a conversion pays its annuity
(and O&M and fuel at each year's prices) in every year of the horizon from its year on.
Annuities after the horizon are not counted (no salvage value): an investment late in the
horizon is charged only for the years it serves inside it.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from model.families import budget_to_date
from model.horizon import Horizon
from model.layout import layout
from model.registry import HEATING_STATUSES, PATHWAY_OUTPUTS
from model.results import heating_status
from model.solve import Solution


def conversions(hz: Horizon, sol: Solution) -> tuple[np.ndarray, np.ndarray]:
    """(pair, year index) of every conversion in the plan: the free zones' chosen options that
    change the base route, and the fixed zones' conversions (in the first year)."""
    x = sol.x.reshape(len(hz.free), hz.K)
    f_idx, k_idx = np.nonzero(x > 0.5)
    pairs = hz.free[f_idx]
    a = hz.first
    fixed_conv = hz.fixed[a.pair_converting[hz.fixed]]
    keep = a.pair_converting[pairs]
    return np.r_[pairs[keep], fixed_conv], np.r_[k_idx[keep], np.zeros(len(fixed_conv), dtype=np.int64)]


def final_options(hz: Horizon, sol: Solution) -> np.ndarray:
    """Per zone: the option it holds at the end of the horizon (-1: its base route, not an option)."""
    a = hz.first
    out = np.full(len(a.zone_ids), -1, dtype=np.int64)
    out[a.pair_zone[hz.fixed]] = hz.fixed
    x = sol.x.reshape(len(hz.free), hz.K)
    chosen = hz.free[np.nonzero(x > 0.5)[0]]
    out[a.pair_zone[chosen]] = chosen
    return out


def pathway_dataset(hz: Horizon, sol: Solution, attrs: dict | None = None) -> xr.Dataset:
    """Conversions by county x route x year, spending and gas against each year's budget and caps."""
    a = hz.first
    K = hz.K
    nz, nr, nc = len(a.zone_ids), len(a.route_ids), len(a.county_ids)
    pairs, k_idx = conversions(hz, sol)
    zones = a.pair_zone[pairs]
    zone_year = np.zeros(nz, dtype=np.int64)
    zone_year[zones] = np.array(hz.years)[k_idx]
    final = final_options(hz, sol)
    has = final >= 0
    final_route = a.zone_existing.copy()
    final_route[has] = a.pair_route[final[has]]
    final_retro = np.zeros(nz, dtype=np.int8)
    final_retro[has] = a.pair_retrofit[final[has]]
    county = a.zone_county[zones]
    cr = (county * nr + a.pair_route[pairs]) * K + k_idx
    hh_conv = np.bincount(cr, weights=a.q["households"][pairs], minlength=nc * nr * K).reshape(nc, nr, K)
    area_conv = np.bincount(cr, weights=a.q["area"][pairs], minlength=nc * nr * K).reshape(nc, nr, K)
    invest = np.bincount(k_idx, weights=a.q["investment"][pairs], minlength=K)
    zone_invest = np.zeros(nz)
    zone_invest[zones] = a.q["investment"][pairs]
    zone_subsidy = np.zeros(nz)
    zone_subsidy[zones] = a.q["subsidy_equipment"][pairs]
    zone_running = np.zeros(nz)
    zone_running[zones] = a.q["subsidy_running"][pairs]
    final_clean = np.where(has, a.q["clean_households"][np.maximum(final, 0)], a.base_q["clean_households"])
    status = heating_status(a, final_route, final_clean)

    def state_sum(q: str, lag: int = 0) -> np.ndarray:
        """Per year: quantity q over all zones in their state that year (conversions count `lag`
        seasons after their year)."""
        base = a.base_q[q][zones]
        delta = a.q[q][pairs] - base
        start = float(a.base_q[q].sum())
        return np.array([start + delta[k_idx <= k - lag].sum() for k in range(K)])

    gas = state_sum("gas_annual")
    p = a.params
    ratio = p["storage_days_required"] / p["storage_averaging_days"]
    eq = np.bincount(k_idx, weights=a.q["subsidy_equipment"][pairs], minlength=K)
    running = np.array([a.q["subsidy_running"][pairs][k_idx <= k].sum() for k in range(K)])
    lay_n = len(hz.free) * K
    n_groups = (len(sol.values) - lay_n) // K - 1
    upgrades_k = sol.values[lay_n: lay_n + n_groups * K].reshape(n_groups, K)
    modules_k = sol.values[lay_n + n_groups * K:]
    upgrades = np.zeros((len(a.group_ids), K))
    upgrades[layout(hz).groups] = upgrades_k
    to_date = budget_to_date(hz)
    last = hz.insts[-1]  # household bills at the last year's tariffs, on the route held then
    bill = {k: np.where(has, last.bills[k][np.maximum(final, 0)], last.base_bills[k]) for k in ("before", "after")}
    data = {
        "chosen_route": (("zone",), a.route_ids[final_route].astype(str)),
        "retrofit": (("zone",), final_retro),
        "conversion_year": (("zone",), zone_year),
        "zone_county": (("zone",), a.county_ids[a.zone_county].astype(str)),
        "zone_households": (("zone",), a.zone_households),
        "zone_floor_area": (("zone",), a.zone_area),
        "zone_investment": (("zone",), zone_invest),
        "zone_subsidy_equipment": (("zone",), zone_subsidy),
        "zone_subsidy_running": (("zone",), zone_running),
        "zone_heating_status": (("zone",), np.array(HEATING_STATUSES)[status].astype(str)),
        "zone_bill_before": (("zone",), bill["before"]),
        "zone_bill_after": (("zone",), bill["after"]),
        "zone_bill_base": (("zone",), last.base_bills["before"]),
        "zone_bill_difference": (("zone",), bill["after"] - last.base_bills["before"]),
        "households_converted": (("county", "route", "year"), hh_conv),
        "floor_area_converted": (("county", "route", "year"), area_conv),
        "investment": (("year",), invest),
        "subsidy_equipment": (("year",), eq),
        "subsidy_running": (("year",), running),
        "subsidy_spent_to_date": (("year",), np.cumsum(eq + running)),
        "subsidy_budget": (("year",), hz.cap("subsidy_budget_10k_yuan")),
        "subsidy_budget_to_date": (("year",), to_date.astype(np.int8)),
        "gas_annual": (("year",), gas),
        "gas_annual_cap": (("year",), hz.cap("gas_annual_cap_10k_m3")),
        "gas_peak_day": (("year",), state_sum("gas_peak_day")),
        "gas_peak_day_cap": (("year",), hz.cap("gas_peak_day_cap_10k_m3")),
        "storage_required": (("year",), ratio * (gas + hz.cap("gas_other_use_10k_m3"))),
        "storage_existing": (("year",), hz.cap("gas_storage_existing_10k_m3")),
        "storage_built": (("year",), np.cumsum(modules_k * hz.cap("storage_module_size_10k_m3"))),
        "transformer_upgrade_units": (("transformer_group", "year"), upgrades),
        "clean_households": (("year",), state_sum("clean_households", hz.lag)),
        "co2": (("year",), state_sum("co2")),
        "discount_factor": (("year",), hz.discount),
        "objective": ((), float(sol.objective + hz.fixed_cost())),
    }
    ds = xr.Dataset(
        {k: xr.Variable(dims, np.asarray(v), attrs={"units": PATHWAY_OUTPUTS[k].unit, "long_name": PATHWAY_OUTPUTS[k].long_name})
         for k, (dims, v) in data.items()},
        coords={"zone": a.zone_ids.astype(str), "route": a.route_ids.astype(str), "county": a.county_ids.astype(str),
                "year": np.array(hz.years), "transformer_group": a.group_ids.astype(str),
                "zone_name_zh": ("zone", a.zone_names.astype(str)), "township_id": ("zone", a.zone_township.astype(str)),
                "area_type": ("zone", a.zone_area_type.astype(str)), "terrain": ("zone", a.zone_terrain.astype(str)),
                "zone_transformer_group": ("zone", a.zone_group.astype(str)),
                "route_name_zh": ("route", a.route_names.astype(str)),
                "route_category": ("route", a.route_category.astype(str)),
                "county_name_zh": ("county", a.county_names.astype(str))})
    ds.attrs.update({
        "title": f"Clean heating pathway, {a.region} {hz.years[0]}-{hz.years[-1]}",
        "region": a.region, "year_from": hz.years[0], "year_to": hz.years[-1], "base_year": hz.base_year,
        "discount_rate": float(p["discount_rate"]), "scenario": a.overrides.label,
        "overrides": a.overrides.describe(),
        "solver": sol.solver, "status": sol.status, "mip_gap": float(sol.mip_gap),
        "objective_10k_yuan": float(sol.objective + hz.fixed_cost()),
        "solver_objective_10k_yuan": float(sol.objective),
        "mip_gap_basis": "the solver's objective: the discounted cost of the zones with a choice "
                         "(their base routes included), without the fixed zones' cost",
        "salvage": "none: annuities counted only for the years inside the horizon",
        "clean_from_season_after_conversion": hz.lag,
        "subsidy_budget_cumulative": int(to_date.all()),
        "subsidy_budget_basis": ", ".join(f"{y}: {'to date' if t else 'annual'}" for y, t in zip(hz.years, to_date)),
        "zones": int(nz), "zones_decided": int(len(hz.zone_starts)), "binaries": int(len(hz.free) * K),
    })
    ds.attrs.update(attrs or {})
    return ds
