"""Constraint families: each declared once, as one `Family` object.

A family names itself, says what kind of row it makes (`choice`: the zones' option rows;
`cap`: an upper bound on what the plan uses; `target`: a lower bound it must reach), its unit,
its labels in Chinese and English, the input column its bound comes from, and builds its rows
over any horizon (`rows(hz, lay) -> Rows`; the equation, index domain and unit are in the
rows function's docstring). Everything else reads the family list: the standard form and the
Pyomo model (`model.build`), the dominance pruning (`model.dominance`, from the rows themselves),
sweeps (row bounds from a rebuild), the diagnosis (caps before targets), the what-binds table
and its labels in the dataset and report. A new family is one `Family(...)` here, in
`policies.csv` (`model.policies`), or in a user's `extra=[...]` (README, "Python API").

Notation: F options with columns, f in F; K years, k in K; state(f,k) = sum_{k' <= k} x[f,k'];
conv(f,k) = x[f,k]; Delta q[f] = q[f] - q[base route of f's zone]; "fixed" = the zones without a
choice plus every free zone's base route (constants). Keys carry "/<year>" in pathways.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from model.horizon import Horizon
from model.layout import Layout, RowBlock, Rows
from model.registry import U_GAS, U_MONEY

KINDS = ("choice", "cap", "target")


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # choice | cap | target
    unit: str
    zh: str
    en: str
    words: str  # plain words for messages ("annual gas for heating")
    rows: Callable[[Horizon, Layout], Rows]
    bound: str = ""  # where the bound comes from (an input column), for the docs
    # optional, for a target that is a share of something: per row key, the quantity its bound
    # is a share of (coverage: the households of the area), so the diagnosis can say "down to x %"
    share_base: Callable[[Horizon], dict[str, float]] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"family {self.name}: kind must be one of {KINDS}, not {self.kind!r}")
        if not self.rows.__doc__:
            raise ValueError(f"family {self.name}: its rows function needs a docstring with the equation and unit")

    @property
    def doc(self) -> str:
        return self.rows.__doc__ or ""

    def block(self, hz: Horizon, lay: Layout) -> RowBlock:
        return self.rows(hz, lay).block(self, lay)


def year_key(hz: Horizon, key: str, k: int) -> str:
    """Row key of year k: the key itself in a single year, '<key>/<year>' in a pathway."""
    return key if hz.K == 1 else f"{key}/{hz.years[k]}"


def yearly_total(hz: Horizon, lay: Layout, quantity: np.ndarray, constant: float, key: str = "city",
                 lower=None, upper=None, years=None) -> Rows:
    """Per year k (of `years`, default all): sum_f quantity[f] state(f,k) + constant within the
    year's bounds (arrays over the horizon's years; NaN = no row that year). The shape of every
    city-wide cap; `quantity` is per option in F (a change against the base route)."""
    rows = Rows()
    f = np.flatnonzero(quantity != 0)
    for k in (range(hz.K) if years is None else years):
        lo = -np.inf if lower is None else lower[k]
        up = np.inf if upper is None else upper[k]
        if np.isnan(lo) or np.isnan(up):
            continue
        rows.add(year_key(hz, key, k), lay.state(0, f, quantity[f], k), constant=constant, lower=lo, upper=up, year=k)
    return rows


# ---------------------------------------------------------------------------------------------
# the families

def one_route_per_zone(hz: Horizon, lay: Layout) -> Rows:
    """Whole-village conversion: per free zone z, sum_{f in z} state(f, K-1) = 1 (it ends the horizon
    on one option; at most one conversion).  [-]"""
    rows = Rows()
    counts = np.diff(np.r_[lay.zone_starts, lay.n_f])
    zone_row = np.repeat(np.arange(len(counts)), counts)
    rows.add([str(z) for z in hz.first.zone_ids[hz.free_zones]],
             lay.state(zone_row, np.arange(lay.n_f), 1.0, hz.K - 1), lower=1.0, upper=1.0)
    return rows


def option_persists(hz: Horizon, lay: Layout) -> Rows:
    """In the state form of the year axis (`Layout.form`): per option f and year k >= 1,
    s[f,k-1] - s[f,k] <= 0 (a conversion is not undone). No rows in the conversion form.  [-]"""
    rows = Rows()
    if lay.form != "state" or hz.K == 1:
        return rows
    f, k = np.divmod(np.arange(lay.n_x), lay.K)
    f, k = f[k > 0], k[k > 0]
    r = np.arange(len(f))
    rows.add([f"{i}/{hz.years[j]}" for i, j in zip(f.tolist(), k.tolist())],
             (r, f * lay.K + k - 1, np.ones(len(f))), (r, f * lay.K + k, -np.ones(len(f))), upper=0.0, year=k)
    return rows


def gas_annual_cap(hz: Horizon, lay: Layout) -> Rows:
    """Annual gas, per year k: sum_f Delta gas_annual[f] state(f,k) + fixed <= gas_annual_cap[k].  [10^4 m^3/a]"""
    return yearly_total(hz, lay, hz.delta("gas_annual"), hz.constant("gas_annual"),
                        upper=hz.cap("gas_annual_cap_10k_m3"))


def gas_peak_day_cap(hz: Horizon, lay: Layout) -> Rows:
    """Design-day gas, per year k: sum_f Delta gas_peak_day[f] state(f,k) + fixed <= gas_peak_day_cap[k].  [10^4 m^3/d]"""
    return yearly_total(hz, lay, hz.delta("gas_peak_day"), hz.constant("gas_peak_day"),
                        upper=hz.cap("gas_peak_day_cap_10k_m3"))


def gas_storage(hz: Horizon, lay: Layout) -> Rows:
    """7-day rule, per year k from storage_rule_from_year:
    days / D * (sum_f Delta gas_annual[f] state(f,k) + fixed + other_use[k]) - size[k] * sum_{k'<=k} n[k']
    <= storage_existing[k].  [10^4 m^3]

    n[k] (modules built in year k) are non-negative integers; D = storage_averaging_days.
    """
    p = hz.first.params
    ratio = p["storage_days_required"] / p["storage_averaging_days"]
    gas = ratio * hz.delta("gas_annual")
    f = np.flatnonzero(gas != 0)
    const = ratio * hz.constant("gas_annual")
    other, size, existing = (hz.cap(c) for c in ("gas_other_use_10k_m3", "storage_module_size_10k_m3",
                                                  "gas_storage_existing_10k_m3"))
    rows = Rows()
    for k in range(hz.K):
        if hz.years[k] >= p["storage_rule_from_year"]:
            rows.add(year_key(hz, "city", k), lay.state(0, f, gas[f], k), lay.modules_to_date(0, -size[k], k),
                     constant=const + ratio * other[k], upper=existing[k], year=k)
    return rows


def transformer_capacity(hz: Horizon, lay: Layout) -> Rows:
    """Per group g and year k: existing_peak[g] + sum_{f in g} kva[f] state(f,k)
    <= capacity[g] + unit_kva[g] * sum_{k'<=k} u[g,k'].  [kVA]

    kva[f] = design load / COP at the design temperature * 24 / charge_hours / power factor *
    coincidence, for conversions only. u[g,k] are integers up to max_upgrade_units[g] in all.
    """
    a = hz.first
    rows = Rows()
    g_all = lay.groups
    if not len(g_all):
        return rows
    row_of_group = np.full(len(a.group_ids), -1)
    row_of_group[g_all] = np.arange(len(g_all))
    grp, kva, constant = transformer_loads(hz)
    f = np.flatnonzero((grp >= 0) & (kva != 0))
    n = len(g_all)
    for k in range(hz.K):
        rows.add([year_key(hz, str(gid), k) for gid in a.group_ids[g_all]],
                 lay.state(row_of_group[grp[f]], f, kva[f], k),
                 lay.upgrades_to_date(np.arange(n), np.arange(n), -a.group_unit_kva[g_all], k),
                 constant=constant[g_all], upper=a.group_capacity[g_all], year=k)
    return rows


def transformer_loads(hz: Horizon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What `transformer_capacity` sums: per option in F its group (-1: none) and Delta kva[f];
    per group (all of inst.group_ids) its constant load, existing_peak + the fixed options' kva.
    Shared with the groups' hull (`model.tighten`), so both read the same loads."""
    a = hz.first
    fg = a.pair_group[hz.fixed]
    fixed_kva = np.bincount(fg[fg >= 0], weights=a.q["kva"][hz.fixed][fg >= 0], minlength=len(a.group_ids))
    return a.pair_group[hz.free], hz.delta("kva"), a.group_existing + fixed_kva


def transformer_upgrade_limit(hz: Horizon, lay: Layout) -> Rows:
    """Per group g, in a pathway: sum_k u[g,k] <= max_upgrade_units[g] (a single year has it as the
    column's bound, no row).  [units]"""
    rows = Rows()
    if hz.K == 1 or not len(lay.groups):
        return rows
    a = hz.first
    n = len(lay.groups)
    rows.add([str(g) for g in a.group_ids[lay.groups]],
             lay.upgrades_to_date(np.arange(n), np.arange(n), 1.0, hz.K - 1), upper=a.group_max_units[lay.groups])
    return rows


def subsidy_budget(hz: Horizon, lay: Layout) -> Rows:
    """Per year k, by the year's budget basis (years.csv subsidy_budget_basis):
    annual:  sum_f eq[f] conv(f,k) + sum_f run[f] state(f,k) + fixed zones <= budget[k];
    to_date: sum_f eq[f] state(f,k) + sum_f run[f] sum_{k'<=k} state(f,k') + fixed zones <= budget[k].  [10^4 yuan]

    Equipment subsidies are paid in the year of conversion, running subsidies every season
    from it on; the fixed zones (demolition zones moving to quality coal) convert in the first
    year. In a single year both bases read: equipment + running <= budget.
    """
    eq, run = hz.delta("subsidy_equipment"), hz.delta("subsidy_running")
    fe, fr = np.flatnonzero(eq != 0), np.flatnonzero(run != 0)
    fixed_eq, fixed_run = hz.fixed_sum("subsidy_equipment"), hz.fixed_sum("subsidy_running")
    budget = hz.cap("subsidy_budget_10k_yuan")
    to_date = budget_to_date(hz)
    rows = Rows()
    for k in range(hz.K):
        if to_date[k]:
            terms = [lay.state(0, fe, eq[fe], k)] + [lay.state(0, fr, run[fr], j) for j in range(k + 1)]
            const = fixed_eq + (k + 1) * fixed_run
        else:
            terms = [lay.conversion(0, fe, eq[fe], k), lay.state(0, fr, run[fr], k)]
            const = fixed_run + (fixed_eq if k == 0 else 0.0)
        rows.add(year_key(hz, "city", k), *terms, constant=const, upper=budget[k], year=k)
    return rows


def budget_to_date(hz: Horizon) -> np.ndarray:
    """Per year: the budget is a total from the first year of the horizon on (spending to date)."""
    return np.array([inst.subsidy_to_date for inst in hz.insts], dtype=bool)


def heat_source_capacity(hz: Horizon, lay: Layout) -> Rows:
    """Per (county, route) key s: sum_{f in s} heat_mw[f] state(f, K-1) + fixed <= spare_capacity[s].  [MW]

    Spare capacity does not change over the horizon and states only grow, so the last year binds.
    """
    a = hz.first
    rows = Rows()
    n = len(a.source_keys)
    if not n:
        return rows
    key = a.pair_source[hz.free]
    heat = hz.delta("heat_mw")
    f = np.flatnonzero((key >= 0) & (heat != 0))
    fk = a.pair_source[hz.fixed]
    const = np.bincount(fk[fk >= 0], weights=a.q["heat_mw"][hz.fixed][fk >= 0], minlength=n)
    rows.add(["/".join(s) for s in a.source_keys], lay.state(key[f], f, heat[f], hz.K - 1), constant=const,
             upper=np.asarray(a.source_capacity, dtype=float))
    return rows


def coverage_target(hz: Horizon, lay: Layout) -> Rows:
    """Per target t of year k: sum_{f in t} Delta clean_hh[f] state(f, k - lag) + fixed >= share[t] * households[t].  [households]

    Households of demolition zones are left out of the target's base. lag = 1 in a pathway
    whose inputs set clean_from_season_after_conversion (先立后破: the old stove stays through
    the first season); a target with nothing that can count yet is a constant row.
    """
    clean = hz.delta("clean_households")
    zf = hz.free_zone
    rows = Rows()
    for k, inst in enumerate(hz.insts):
        for label, zmask, share in inst.coverage:
            f = np.flatnonzero(zmask[zf] & (clean != 0))
            need = share * inst.zone_households[zmask].sum()
            terms = [lay.state(0, f, clean[f], k - hz.lag)] if k - hz.lag >= 0 else []
            rows.add(year_key(hz, label, k), *terms, constant=hz.constant("clean_households", zmask), lower=need, year=k)
    return rows


def coverage_households(hz: Horizon) -> dict[str, float]:
    """Per coverage row key: the households its share applies to (demolition zones left out)."""
    return {year_key(hz, label, k): float(inst.zone_households[zmask].sum())
            for k, inst in enumerate(hz.insts) for label, zmask, _ in inst.coverage}


def rural_gas_control(hz: Horizon, lay: Layout) -> Rows:
    """Per year k with a cap: sum_f rural_gas_new_hh[f] conv(f,k) + fixed zones (first year) <= rural_gas_new_cap[k]
    (严控新增农村煤改气; no row where the cap is empty).  [households]"""
    hh = hz.delta("rural_gas_new_households")
    f = np.flatnonzero(hh != 0)
    cap = hz.cap("rural_gas_new_cap_households")
    fixed = hz.fixed_sum("rural_gas_new_households")
    rows = Rows()
    for k in range(hz.K):
        if not np.isnan(cap[k]):
            rows.add(year_key(hz, "city", k), lay.conversion(0, f, hh[f], k), constant=fixed if k == 0 else 0.0,
                     upper=cap[k], year=k)
    return rows


def affordability(hz: Horizon, lay: Layout) -> Rows:
    """Household bills (parameter affordability_margin m; no rows when it is not set): per county c
    and year k, sum_{f in c} excess_k[f] state(f,k) + fixed <= 0, excess[f] = households x the
    share of a converting clean option's bill after running subsidy above (1 + m) x the zone's
    base-year bill (ordinary and low-income households each by their own subsidy tier; tariffs.csv,
    `prepare.priced`). Every converting household pays at most (1 + m) x its coal bill.  [10^4 yuan/a]"""
    rows = Rows()
    a = hz.first
    if not np.isfinite(a.params["affordability_margin"]):
        return rows
    zf = hz.free_zone
    county = a.zone_county[zf]
    fixed_county = a.zone_county[a.pair_zone[hz.fixed]]
    nc = len(a.county_ids)
    for k, inst in enumerate(hz.insts):
        excess = inst.q["bill_excess"][hz.free] - inst.base_q["bill_excess"][zf]
        f = np.flatnonzero(excess != 0)
        const = np.bincount(fixed_county, weights=inst.q["bill_excess"][hz.fixed], minlength=nc)
        has = np.zeros(nc, dtype=bool)
        has[county[f]] = True
        has |= const > 0
        c = np.flatnonzero(has)
        row_of = np.full(nc, -1)
        row_of[c] = np.arange(len(c))
        rows.add([year_key(hz, str(a.county_ids[i]), k) for i in c], lay.state(row_of[county[f]], f, excess[f], k),
                 constant=const[c], upper=0.0, year=k)
    return rows


FAMILIES: tuple[Family, ...] = (
    Family("one_route_per_zone", "choice", "-", "每村一种路线", "One route per zone", "one route per zone",
           one_route_per_zone),
    Family("option_persists", "choice", "-", "改造不可逆", "Conversions persist", "a conversion persists",
           option_persists),
    Family("gas_annual_cap", "cap", U_GAS + "/a", "年用气上限", "Annual gas cap", "annual gas for heating",
           gas_annual_cap, "years.gas_annual_cap_10k_m3"),
    Family("gas_peak_day_cap", "cap", U_GAS + "/d", "设计日用气上限", "Design-day gas cap", "design-day gas",
           gas_peak_day_cap, "years.gas_peak_day_cap_10k_m3"),
    Family("gas_storage", "cap", U_GAS, "7天应急储气", "7-day gas storage", "7-day emergency gas storage",
           gas_storage, "years.gas_storage_existing_10k_m3"),
    Family("transformer_capacity", "cap", "kVA", "变压器容量", "Transformer capacity", "transformer group capacity",
           transformer_capacity, "transformers.capacity_kva"),
    Family("transformer_upgrade_limit", "cap", "units", "变压器扩容上限", "Transformer upgrade limit",
           "transformer upgrade units", transformer_upgrade_limit, "transformers.max_upgrade_units"),
    Family("subsidy_budget", "cap", U_MONEY, "补贴预算", "Subsidy budget", "subsidy budget", subsidy_budget,
           "years.subsidy_budget_10k_yuan"),
    Family("heat_source_capacity", "cap", "MW", "热源能力", "Heat-source capacity", "heat-source spare capacity",
           heat_source_capacity, "heat_sources.spare_capacity_mw"),
    Family("coverage_target", "target", "households", "清洁取暖率目标", "Coverage target",
           "clean-heating coverage target", coverage_target, "coverage.min_clean_share", coverage_households),
    Family("rural_gas_control", "cap", "households", "农村煤改气控制", "Rural gas control",
           "new rural coal-to-gas households", rural_gas_control, "years.rural_gas_new_cap_households"),
    Family("affordability", "cap", U_MONEY + "/a", "居民取暖费用可承受", "Household affordability",
           "converting households' bills above (1 + margin) x their coal bill", affordability,
           "parameters.affordability_margin"),
)


def by_name(families) -> dict[str, Family]:
    """name -> Family; two families may not share a name."""
    out: dict[str, Family] = {}
    for fam in families:
        if fam.name in out and out[fam.name] is not fam:
            raise ValueError(f"two constraint families are named {fam.name!r}")
        out[fam.name] = fam
    return out


LABELS = {f.name: (f.unit, f.zh, f.en, f.words) for f in FAMILIES}
