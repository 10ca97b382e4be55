"""Multi-year pathway: the year each zone converts, under each year's caps and budget.

Index domains: F = options of zones with a choice (as in the single-year model), K = years of
the horizon. x[f,k] = 1 if the zone of option f converts to it in year k; each zone converts at
most once and stays converted. The state of a zone in year k is s[f,k] = sum_{k' <= k} x[f,k'];
before it converts a zone heats with its base-year route ("base"). Upgrade units u[g,k] and
storage modules n[k] are bought in a year and persist.

Costs are discounted to the base year, d_k = (1 + r)^-(year_k - base_year); a conversion pays
its annuity (and O&M and fuel at each year's prices) in every year of the horizon from its
year on. Annuities after the horizon are not counted (no salvage value): an investment late in
the horizon is charged only for the years it serves inside it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from model.build import _lin
from model.errors import EXIT_INFEASIBLE, InputError, Problem, SolveError
from model.prepare import PAIR_COST_COMPONENTS, Instance, Overrides, prepare, storage_module_cost
from model.registry import PATHWAY_OUTPUTS
from model.solve import SolveOptions, compile_model, run
from model.validate import RegionData


@dataclass
class Pathway:
    years: list[int]
    insts: list[Instance]  # one per year: same options, that year's prices, caps and targets
    discount: np.ndarray  # d_k
    base_year: int

    @property
    def first(self) -> Instance:
        return self.insts[0]

    @property
    def free(self) -> np.ndarray:
        """Options that convert a zone (timing is a choice even when the route is not);
        demolition zones move to quality coal in the first year and zones heated clean stay."""
        a = self.insts[0]
        return np.flatnonzero(a.pair_converting & ~a.zone_demolition[a.pair_zone])

    @property
    def fixed(self) -> np.ndarray:
        a = self.insts[0]
        return np.flatnonzero(~(a.pair_converting & ~a.zone_demolition[a.pair_zone]))


def prepare_pathway(data: RegionData, years: list[int], ov: Overrides) -> Pathway:
    problems = []
    for name in ("years", "prices"):
        have = set(data.tables[name]["year"].astype(int))
        problems += [Problem(str(data.folder / f"{name}.csv"), None, "year", f"has no row for {y} (pathway {years[0]}-{years[-1]})")
                     for y in years if y not in have]
    if problems:
        raise InputError(problems)
    insts = [prepare(data, y, ov) for y in years]
    a = insts[0]
    for inst in insts[1:]:
        if not (np.array_equal(inst.pair_zone, a.pair_zone) and np.array_equal(inst.pair_route, a.pair_route)
                and np.array_equal(inst.pair_retrofit, a.pair_retrofit)):
            raise InputError([Problem(str(data.folder), None, None, "zone options differ between years")])
    base = a.params["base_year"]
    base_year = int(base) if np.isfinite(base) else years[0] - 1
    d = (1.0 + a.params["discount_rate"]) ** -(np.array(years, dtype=float) - base_year)
    return Pathway(list(years), insts, d, base_year)


def _free_delta(pw: Pathway, quantity: str) -> np.ndarray:
    """Per free option: its quantity minus the zone's base-route quantity (the change on converting)."""
    a = pw.first
    F = pw.free
    return a.q[quantity][F] - a.base_q[quantity][a.pair_zone[F]]


def _constant(pw: Pathway, quantity: str, mask_zone: np.ndarray | None = None) -> float:
    """Fixed zones' options plus the base route of every zone with a choice."""
    a = pw.first
    fixed = pw.fixed
    zones_free = np.unique(a.pair_zone[pw.free])
    fz = a.pair_zone[fixed]
    if mask_zone is None:
        return float(a.q[quantity][fixed].sum() + a.base_q[quantity][zones_free].sum())
    return float(a.q[quantity][fixed][mask_zone[fz]].sum() + a.base_q[quantity][zones_free][mask_zone[zones_free]].sum())


def create_pathway_model(pw: Pathway) -> pyo.ConcreteModel:
    """Sets, variables, one function per constraint family, objective."""
    m = pyo.ConcreteModel(name=f"clean_heating_pathway_{pw.first.region}_{pw.years[0]}_{pw.years[-1]}")
    m.pw = pw
    a = pw.first
    nF, K = len(pw.free), len(pw.years)
    m.nF, m.K = nF, K
    m.free_pairs = np.arange(nF * K)  # x index j = f * K + k
    m.X = pyo.RangeSet(0, nF * K - 1) if nF else pyo.Set(initialize=[])
    m.x = pyo.Var(m.X, within=pyo.Binary, doc="1 if the zone converts to option f in year k [-]")
    groups = np.flatnonzero(np.isin(np.arange(len(a.group_ids)), np.unique(a.pair_group[(a.pair_group >= 0) & (a.q["kva"] > 0)]))
                            | (a.group_existing > a.group_capacity))
    m.groups = groups
    m.G = pyo.Set(initialize=[(int(g), k) for g in groups for k in range(K)], dimen=2)
    m.upgrade = pyo.Var(m.G, within=pyo.NonNegativeIntegers, doc="transformer upgrade units bought in year k [units]")
    m.Kset = pyo.RangeSet(0, K - 1)
    m.modules_built = pyo.Var(m.Kset, within=pyo.NonNegativeIntegers, doc="gas storage modules built in year k [modules]")
    m.labels = {}
    for family in PATHWAY_FAMILIES:
        family(m, pw)
    add_pathway_objective(m, pw)
    m.row_key = lambda con: m.labels.get(con.parent_component().local_name, lambda idx: (con.parent_component().local_name, str(idx)))(con.index())
    return m


def _cum_vars(m, f_idx: np.ndarray, coefs: np.ndarray, k: int):
    """Coefficients and variables of sum_{k' <= k} coef[f] x[f,k']."""
    K = m.K
    js = (f_idx[:, None] * K + np.arange(k + 1)[None, :]).ravel()
    cs = np.repeat(coefs, k + 1)
    return cs, [m.x[int(j)] for j in js]


def _rows(m, name: str, rows: list, doc: str, label):
    """Add rows (Pyomo relations, None skipped) as an indexed constraint with its labels."""
    keep = [(i, r) for i, r in enumerate(rows) if r is not None]
    setattr(m, name, pyo.Constraint(range(len(keep)), rule=lambda m, i: keep[i][1], doc=doc))
    keys = [label(i) for i, _ in keep]
    m.labels[name] = lambda idx, keys=keys, name=name: (name, keys[idx])


def at_most_once(m, pw: Pathway) -> None:
    """Per zone z with a choice: sum_{f in z} sum_k x[f,k] <= 1.  [-]"""
    a = pw.first
    zf = a.pair_zone[pw.free]
    zones, starts = np.unique(zf, return_index=True)
    ends = list(starts[1:]) + [len(zf)]
    rows = []
    for s, e in zip(starts, ends):
        js = (np.arange(s, e)[:, None] * m.K + np.arange(m.K)[None, :]).ravel()
        rows.append(_lin(np.ones(len(js)), [m.x[int(j)] for j in js]) <= 1)
    _rows(m, "at_most_once", rows, at_most_once.__doc__, lambda i: str(a.zone_ids[zones[i]]))


def _yearly_cap(m, pw, name, quantity, cap_key, doc):
    delta = _free_delta(pw, quantity)
    f = np.flatnonzero(delta != 0)
    const = _constant(pw, quantity)
    rows = []
    for k, inst in enumerate(pw.insts):
        c, v = _cum_vars(m, f, delta[f], k)
        rows.append(_lin(c, v, const) <= inst.caps[cap_key] if v or const > inst.caps[cap_key] else None)
    _rows(m, name, rows, doc, lambda k: str(pw.years[k]))


def gas_annual_cap(m, pw: Pathway) -> None:
    """Per year k: sum_f gas_annual[f] s[f,k] + base and fixed zones <= gas_annual_cap[k].  [10^4 m^3/a]"""
    _yearly_cap(m, pw, "gas_annual_cap", "gas_annual", "gas_annual_cap_10k_m3", gas_annual_cap.__doc__)


def gas_peak_day_cap(m, pw: Pathway) -> None:
    """Per year k: sum_f gas_peak_day[f] s[f,k] + base and fixed zones <= gas_peak_day_cap[k].  [10^4 m^3/d]"""
    _yearly_cap(m, pw, "gas_peak_day_cap", "gas_peak_day", "gas_peak_day_cap_10k_m3", gas_peak_day_cap.__doc__)


def gas_storage(m, pw: Pathway) -> None:
    """Per year k from storage_rule_from_year: days / D * (gas[k] + other_use[k]) - size[k] * sum_{k'<=k} n[k']
    <= storage_existing[k].  [10^4 m^3]"""
    a = pw.first
    ratio = a.params["storage_days_required"] / a.params["storage_averaging_days"]
    delta = _free_delta(pw, "gas_annual")
    f = np.flatnonzero(delta != 0)
    const = _constant(pw, "gas_annual")
    rows = []
    for k, inst in enumerate(pw.insts):
        if pw.years[k] < a.params["storage_rule_from_year"]:
            rows.append(None)
            continue
        c, v = _cum_vars(m, f, ratio * delta[f], k)
        c = np.append(c, [-inst.caps["storage_module_size_10k_m3"]] * (k + 1))
        v = v + [m.modules_built[i] for i in range(k + 1)]
        rows.append(_lin(c, v, ratio * (const + inst.caps["gas_other_use_10k_m3"])) <= inst.caps["gas_storage_existing_10k_m3"])
    _rows(m, "gas_storage", rows, gas_storage.__doc__, lambda k: str(pw.years[k]))


def transformer_capacity(m, pw: Pathway) -> None:
    """Per group g and year k: existing[g] + sum_{f in g} kva[f] s[f,k] <= capacity[g] + unit_kva[g] * sum_{k'<=k} u[g,k'];
    and sum_k u[g,k] <= max_units[g].  [kVA]"""
    a = pw.first
    F = pw.free
    grp = a.pair_group[F]
    kva = a.q["kva"][F]
    fixed = pw.fixed
    fixed_kva = np.bincount(a.pair_group[fixed][a.pair_group[fixed] >= 0],
                            weights=a.q["kva"][fixed][a.pair_group[fixed] >= 0], minlength=len(a.group_ids))
    rows, labels, max_rows = [], [], []
    for g in m.groups:
        f = np.flatnonzero((grp == g) & (kva > 0))
        for k in range(m.K):
            c, v = _cum_vars(m, f, kva[f], k)
            c = np.append(c, [-a.group_unit_kva[g]] * (k + 1))
            v = v + [m.upgrade[int(g), i] for i in range(k + 1)]
            rows.append(_lin(c, v, a.group_existing[g] + fixed_kva[g]) <= a.group_capacity[g])
            labels.append(f"{a.group_ids[g]}/{pw.years[k]}")
        max_rows.append(_lin(np.ones(m.K), [m.upgrade[int(g), i] for i in range(m.K)]) <= a.group_max_units[g])
    _rows(m, "transformer_capacity", rows, transformer_capacity.__doc__, lambda i: labels[i])
    _rows(m, "transformer_max_units", max_rows, "sum_k u[g,k] <= max_upgrade_units[g]  [units]",
          lambda i: str(a.group_ids[m.groups[i]]))


def subsidy_budget(m, pw: Pathway) -> None:
    """Per year k: sum_f equipment[f] x[f,k] + sum_f running[f] s[f,k] + fixed zones <= budget[k].  [10^4 yuan]

    With subsidy_budget_cumulative = 1 the budgets of years.csv are totals from the first year of
    the horizon on (spending to date, unspent money carried forward):
    sum_{j <= k} sum_f (equipment[f] + (k - j + 1) running[f]) x[f,j] + fixed zones <= budget[k].
    Equipment subsidies are paid in the year of conversion, running subsidies every season from
    it on; fixed zones (demolition zones moving to quality coal) are paid in the first year.
    """
    a = pw.first
    F = pw.free
    eq = a.q["subsidy_equipment"][F]
    run_ = a.q["subsidy_running"][F]
    fixed = pw.fixed
    fixed_eq, fixed_run = a.q["subsidy_equipment"][fixed].sum(), a.q["subsidy_running"][fixed].sum()
    to_date = subsidy_budget_cumulative(pw)
    paid = np.flatnonzero((eq > 0) | (run_ > 0))
    rows = []
    for k, inst in enumerate(pw.insts):
        if to_date:
            j = np.arange(k + 1)
            coefs = (eq[paid, None] + (k - j[None, :] + 1) * run_[paid, None]).ravel()
            variables = [m.x[int(f * m.K + jj)] for f in paid for jj in j]
            const = fixed_eq + (k + 1) * fixed_run
        else:
            c1, v1 = _cum_vars(m, np.flatnonzero(run_ > 0), run_[run_ > 0], k)
            fe = np.flatnonzero(eq > 0)
            coefs, variables = np.append(c1, eq[fe]), v1 + [m.x[int(f * m.K + k)] for f in fe]
            const = fixed_run + (fixed_eq if k == 0 else 0.0)
        rows.append(_lin(coefs, variables, const) <= inst.caps["subsidy_budget_10k_yuan"])
    _rows(m, "subsidy_budget", rows, subsidy_budget.__doc__, lambda k: str(pw.years[k]))


def subsidy_budget_cumulative(pw: Pathway) -> bool:
    """The budgets of years.csv are totals to date (parameter subsidy_budget_cumulative = 1)."""
    return bool(pw.first.params["subsidy_budget_cumulative"] > 0)


def heat_source_capacity(m, pw: Pathway) -> None:
    """Per (county, route) key: sum_f heat_mw[f] s[f,K-1] + fixed <= spare_capacity.  [MW]

    Capacity does not change over the horizon and states only grow, so the last year binds.
    """
    a = pw.first
    F = pw.free
    rows = []
    for key in range(len(a.source_keys)):
        mask = (a.pair_source[F] == key) & (a.q["heat_mw"][F] > 0)
        f = np.flatnonzero(mask)
        c, v = _cum_vars(m, f, a.q["heat_mw"][F][f], m.K - 1)
        const = float(a.q["heat_mw"][pw.fixed][a.pair_source[pw.fixed] == key].sum())
        rows.append(_lin(c, v, const) <= float(a.source_capacity[key]) if v else None)
    _rows(m, "heat_source_capacity", rows, heat_source_capacity.__doc__, lambda i: "/".join(a.source_keys[i]))


def coverage_target(m, pw: Pathway) -> None:
    """Per target t of year k: clean households >= share * households (demolition zones left out).  [households]

    A zone counts clean in year k if it converted in a year <= k - lag, lag = 1 when the inputs set
    clean_from_season_after_conversion (先立后破: the old stove stays through the first season).
    """
    a = pw.first
    lag = int(a.params["clean_from_season_after_conversion"] > 0)
    delta = _free_delta(pw, "clean_households")
    zf = a.pair_zone[pw.free]
    rows, labels = [], []
    for k, inst in enumerate(pw.insts):
        for label, zmask, share in inst.coverage:
            f = np.flatnonzero(zmask[zf] & (delta != 0))
            need = share * inst.zone_households[zmask].sum()
            const = _constant(pw, "clean_households", zmask)
            if k - lag >= 0:
                c, v = _cum_vars(m, f, delta[f], k - lag)
            else:
                c, v = np.zeros(0), []
            if not v:
                if const < need - 1e-9:
                    raise SolveError(f"coverage target {label} in {pw.years[k]} asks for {need:,.0f} clean households; "
                                     f"only {const:,.0f} can be clean by then", EXIT_INFEASIBLE)
                continue
            rows.append(_lin(c, v, const) >= need)
            labels.append(f"{label}/{pw.years[k]}")
    _rows(m, "coverage_target", rows, coverage_target.__doc__, lambda i: labels[i])


def rural_gas_control(m, pw: Pathway) -> None:
    """Per year k: sum_f rural_gas_new_hh[f] x[f,k] <= rural_gas_new_cap[k].  [households]"""
    a = pw.first
    hh = a.q["rural_gas_new_households"][pw.free]
    f = np.flatnonzero(hh > 0)
    rows = []
    for k, inst in enumerate(pw.insts):
        cap = inst.caps["rural_gas_new_cap_households"]
        rows.append(None if np.isnan(cap) or not len(f) else
                    _lin(hh[f], [m.x[int(i * m.K + k)] for i in f]) <= cap)
    _rows(m, "rural_gas_control", rows, rural_gas_control.__doc__, lambda k: str(pw.years[k]))


PATHWAY_FAMILIES = [at_most_once, gas_annual_cap, gas_peak_day_cap, gas_storage, transformer_capacity,
                    subsidy_budget, heat_source_capacity, coverage_target, rural_gas_control]


def option_year_cost(pw: Pathway) -> np.ndarray:
    """[f, k]: discounted cost change of converting to option f in year k (10^4 yuan, base year):
    sum_{k' >= k} d_k' (cost_k'[f] - base_cost_k'[zone]) + d_k * old-stove cost (first season)."""
    a = pw.first
    F = pw.free
    zf = a.pair_zone[F]
    per_year = np.stack([sum(inst.cost[c][F] - inst.base_cost[c][zf] for c in PAIR_COST_COMPONENTS)
                         for inst in pw.insts], axis=1) * pw.discount[None, :]
    tail = np.cumsum(per_year[:, ::-1], axis=1)[:, ::-1]  # sum over k' >= k
    stove = a.params["old_stove_cost_yuan_per_household"] * 1e-4 * a.q["households"][F] * a.pair_converting[F]
    return tail + stove[:, None] * pw.discount[None, :]


def add_pathway_objective(m, pw: Pathway) -> None:
    """min sum_{f,k} c[f,k] x[f,k] + sum_{g,k} (sum_{k'>=k} d_k' unit_cost[g]) u[g,k]
    + sum_k (sum_{k'>=k} d_k' module_cost[k]) n[k]; base-route and fixed-zone costs are constants.  [10^4 yuan]"""
    a = pw.first
    c = option_year_cost(pw).ravel()
    tail_d = np.cumsum(pw.discount[::-1])[::-1]
    ug = [(g, k) for (g, k) in m.G]
    uc = [a.group_unit_cost[g] * tail_d[k] for g, k in ug]
    nc = [storage_module_cost(pw.insts[k]) * tail_d[k] for k in range(m.K)]
    m.objective = pyo.Objective(expr=_lin(np.concatenate([c, uc, nc]),
                                          [m.x[j] for j in range(len(c))] + [m.upgrade[i] for i in ug]
                                          + [m.modules_built[k] for k in range(m.K)]),
                                sense=pyo.minimize, doc=add_pathway_objective.__doc__)


def constant_cost(pw: Pathway) -> float:
    """Discounted cost of the base routes and fixed zones over the horizon (10^4 yuan)."""
    a = pw.first
    zones_free = np.unique(a.pair_zone[pw.free])
    total = 0.0
    for d, inst in zip(pw.discount, pw.insts):
        total += d * sum(inst.cost[c][pw.fixed].sum() + inst.base_cost[c][zones_free].sum() for c in PAIR_COST_COMPONENTS)
    return float(total)


@dataclass
class PathwayResult:
    pathway: Pathway
    x: np.ndarray  # [f, k]
    upgrades: np.ndarray  # [group, k]
    modules: np.ndarray  # [k]
    status: str
    mip_gap: float
    objective: float  # discounted, incl. constants


def solve_pathway(pw: Pathway, options: SolveOptions | None = None):
    """Build, hand off and solve; returns (PathwayResult, model, compiled)."""
    m = create_pathway_model(pw)
    comp = compile_model(m, options)
    try:
        sol = run(comp, options)
    except SolveError as exc:
        if exc.exit_code == EXIT_INFEASIBLE:
            from model.diagnose import elastic_rows
            raise SolveError(str(exc) + elastic_rows(comp), EXIT_INFEASIBLE) from None
        raise
    col = np.asarray(comp.highs.getSolution().col_value)
    for v, val in zip(comp.columns, col):
        v.set_value(float(val), skip_validation=True)
    a = pw.first
    x = np.rint([pyo.value(m.x[j]) if m.x[j].value is not None else 0.0 for j in range(m.nF * m.K)]).reshape(m.nF, m.K)
    ups = np.zeros((len(a.group_ids), m.K))
    for g, k in m.G:
        ups[g, k] = round(m.upgrade[g, k].value or 0)
    mods = np.array([round(m.modules_built[k].value or 0) for k in range(m.K)], dtype=float)
    obj = sol.objective + constant_cost(pw)
    return PathwayResult(pw, x, ups, mods, sol.status, sol.mip_gap, obj), m, comp


def pathway_dataset(res: PathwayResult, attrs: dict | None = None) -> xr.Dataset:
    """Conversions by county x route x year, spending and gas against each year's budget and caps."""
    pw = res.pathway
    a = pw.first
    K = len(pw.years)
    F = pw.free
    nz, nr, nc = len(a.zone_ids), len(a.route_ids), len(a.county_ids)
    f_idx, k_idx = np.nonzero(res.x > 0.5)
    pairs = F[f_idx]
    zone_year = np.zeros(nz, dtype=np.int64)
    zone_year[a.pair_zone[pairs]] = np.array(pw.years)[k_idx]
    # final-state option per zone: conversions, fixed options, else the base route
    final_route = a.zone_existing.copy()
    final_retro = np.zeros(nz, dtype=np.int8)
    final_route[a.pair_zone[pw.fixed]] = a.pair_route[pw.fixed]
    final_route[a.pair_zone[pairs]] = a.pair_route[pairs]
    final_retro[a.pair_zone[pairs]] = a.pair_retrofit[pairs]
    county = a.zone_county[a.pair_zone[pairs]]
    cr = (county * nr + a.pair_route[pairs]) * K + k_idx
    hh_conv = np.bincount(cr, weights=a.q["households"][pairs], minlength=nc * nr * K).reshape(nc, nr, K)
    area_conv = np.bincount(cr, weights=a.q["area"][pairs], minlength=nc * nr * K).reshape(nc, nr, K)
    invest = np.bincount(k_idx, weights=a.q["investment"][pairs], minlength=K)

    def state_sum(q: str) -> np.ndarray:
        """Per year: total of quantity q over all zones in their state that year."""
        out = np.full(K, _constant(pw, q))
        delta = a.q[q][pairs] - a.base_q[q][a.pair_zone[pairs]]
        for k in range(K):
            out[k] += delta[k_idx <= k].sum()
        return out

    gas = state_sum("gas_annual")
    ratio = a.params["storage_days_required"] / a.params["storage_averaging_days"]
    cap = lambda key: np.array([inst.caps[key] for inst in pw.insts])  # noqa: E731
    eq = np.bincount(k_idx, weights=a.q["subsidy_equipment"][pairs], minlength=K)
    eq[0] += a.q["subsidy_equipment"][pw.fixed].sum()
    running = np.array([a.q["subsidy_running"][pairs][k_idx <= k].sum() for k in range(K)]) + a.q["subsidy_running"][pw.fixed].sum()
    to_date = subsidy_budget_cumulative(pw)
    lag = int(a.params["clean_from_season_after_conversion"] > 0)
    clean = np.full(K, _constant(pw, "clean_households"))
    dclean = a.q["clean_households"][pairs] - a.base_q["clean_households"][a.pair_zone[pairs]]
    for k in range(K):
        clean[k] += dclean[k_idx <= k - lag].sum()
    data = {
        "chosen_route": (("zone",), a.route_ids[final_route].astype(str)),
        "retrofit": (("zone",), final_retro),
        "conversion_year": (("zone",), zone_year),
        "households_converted": (("county", "route", "year"), hh_conv),
        "floor_area_converted": (("county", "route", "year"), area_conv),
        "investment": (("year",), invest),
        "subsidy_equipment": (("year",), eq),
        "subsidy_running": (("year",), running),
        "subsidy_spent_to_date": (("year",), np.cumsum(eq + running)),
        "subsidy_budget": (("year",), cap("subsidy_budget_10k_yuan")),
        "gas_annual": (("year",), gas),
        "gas_annual_cap": (("year",), cap("gas_annual_cap_10k_m3")),
        "gas_peak_day": (("year",), state_sum("gas_peak_day")),
        "gas_peak_day_cap": (("year",), cap("gas_peak_day_cap_10k_m3")),
        "storage_required": (("year",), ratio * (gas + cap("gas_other_use_10k_m3"))),
        "storage_existing": (("year",), cap("gas_storage_existing_10k_m3")),
        "storage_built": (("year",), np.cumsum(res.modules) * cap("storage_module_size_10k_m3")),
        "transformer_upgrade_units": (("transformer_group", "year"), res.upgrades),
        "clean_households": (("year",), clean),
        "discount_factor": (("year",), pw.discount),
        "objective": ((), res.objective),
    }
    ds = xr.Dataset(
        {k: xr.Variable(dims, np.asarray(v), attrs={"units": PATHWAY_OUTPUTS[k].unit, "long_name": PATHWAY_OUTPUTS[k].long_name})
         for k, (dims, v) in data.items()},
        coords={"zone": a.zone_ids.astype(str), "route": a.route_ids.astype(str), "county": a.county_ids.astype(str),
                "year": np.array(pw.years), "transformer_group": a.group_ids.astype(str),
                "route_name_zh": ("route", a.route_names.astype(str)), "county_name_zh": ("county", a.county_names.astype(str))})
    ds.attrs.update({
        "title": f"Clean heating pathway, {a.region} {pw.years[0]}-{pw.years[-1]}",
        "region": a.region, "year_from": pw.years[0], "year_to": pw.years[-1], "base_year": pw.base_year,
        "discount_rate": float(a.params["discount_rate"]), "scenario": a.overrides.label,
        "status": res.status, "mip_gap": float(res.mip_gap), "objective_10k_yuan": float(res.objective),
        "salvage": "none: annuities counted only for the years inside the horizon",
        "clean_from_season_after_conversion": lag,
        "subsidy_budget_cumulative": int(to_date),
        "subsidy_budget_basis": "to date: subsidy_spent_to_date <= subsidy_budget" if to_date
        else "per year: subsidy_equipment + subsidy_running <= subsidy_budget",
    })
    ds.attrs.update(attrs or {})
    return ds
