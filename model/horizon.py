"""The planning horizon: one year (a single-year plan) or several (a pathway), as one object.

A horizon holds one prepared `Instance` per year (the same zones and options; that year's
prices, caps, budgets and coverage targets), the discount factors, and which options get a
column. Every constraint family and the objective are written once over it (`model.families`,
`model.build`); a single-year run is the horizon of length one.

Index domains: F = options (zone x route x retrofit) of the zones with a choice, K = the years.
A zone with a choice ends the horizon on exactly one of its options: it converts to option f in
year k (x[f,k] = 1), or keeps its base-year route where that is one of its options (the
"stay" option, which has no conversion year). Before it converts a zone heats with its base-year
route. Zones without a choice (one option; in a pathway, one option that is not a conversion or
a demolition zone's quality coal) are constants from the first year.

A route with `selectable = 0` (scattered coal) is not an option: a zone heated by it must
convert by the end of the horizon, in a pathway as in a single year.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from model.errors import InputError, Problem
from model.prepare import PAIR_COST_COMPONENTS, Instance, Overrides, prepare, without_options
from model.validate import RegionData


@dataclass
class Horizon:
    years: list[int]
    insts: list[Instance]  # one per year: the same options; that year's prices, caps and targets
    discount: np.ndarray  # d_k = (1 + r)^-(year_k - base_year); 1.0 for a single year
    base_year: int
    free: np.ndarray  # pair positions of the options with columns, zone by zone (F)
    fixed: np.ndarray  # pair positions of the zones without a choice (their one option)

    # -- sizes and shorthands

    @property
    def first(self) -> Instance:
        return self.insts[0]

    @property
    def K(self) -> int:
        return len(self.years)

    @property
    def region(self) -> str:
        return self.first.region

    @property
    def lag(self) -> int:
        """Seasons after its conversion before a zone counts clean (先立后破); a single year has none."""
        return int(self.first.params["clean_from_season_after_conversion"] > 0) if self.K > 1 else 0

    @property
    def free_zone(self) -> np.ndarray:
        """Zone of each option in F."""
        return self.first.pair_zone[self.free]

    @property
    def stay(self) -> np.ndarray:
        """Per option in F: it keeps the zone's base-year route (no conversion)."""
        return ~self.first.pair_converting[self.free]

    @property
    def zone_starts(self) -> np.ndarray:
        """Position in F of each free zone's first option (a zone's options are contiguous)."""
        z = self.free_zone
        return np.flatnonzero(np.r_[True, z[1:] != z[:-1]]) if len(z) else np.zeros(0, dtype=np.int64)

    @property
    def free_zones(self) -> np.ndarray:
        return self.free_zone[self.zone_starts]

    # -- quantities of the rows

    def delta(self, quantity: str) -> np.ndarray:
        """Per option in F: the quantity minus the zone's base-route quantity (the change on converting)."""
        a = self.first
        return a.q[quantity][self.free] - a.base_q[quantity][self.free_zone]

    def constant(self, quantity: str, zone_mask: np.ndarray | None = None) -> float:
        """The fixed zones' options plus the base route of every free zone (optionally of masked zones only)."""
        a = self.first
        fixed_q, base_q = a.q[quantity][self.fixed], a.base_q[quantity][self.free_zones]
        if zone_mask is None:
            return float(fixed_q.sum() + base_q.sum())
        return float(fixed_q[zone_mask[a.pair_zone[self.fixed]]].sum() + base_q[zone_mask[self.free_zones]].sum())

    def fixed_sum(self, quantity: str) -> float:
        return float(self.first.q[quantity][self.fixed].sum())

    def cap(self, name: str) -> np.ndarray:
        """A `years.csv` column over the horizon's years."""
        return np.array([inst.caps[name] for inst in self.insts], dtype=float)

    def conversion_cost(self) -> np.ndarray:
        """[f, k]: discounted cost change of converting to option f in year k (10^4 yuan; 10^4 yuan/a
        for a single year): sum_{k' >= k} d_k' (cost_k'[f] - base_cost_k'[zone]), plus in a pathway
        d_k x the old stove kept through the conversion season (先立后破)."""
        zf = self.free_zone
        per_year = np.stack([sum(inst.cost[c][self.free] - inst.base_cost[c][zf] for c in PAIR_COST_COMPONENTS)
                             for inst in self.insts], axis=1) * self.discount[None, :]
        tail = np.cumsum(per_year[:, ::-1], axis=1)[:, ::-1]
        if self.K == 1:
            return tail
        a = self.first
        stove = a.params["old_stove_cost_yuan_per_household"] * 1e-4 * a.q["households"][self.free] * ~self.stay
        return tail + stove[:, None] * self.discount[None, :]

    def year_cost(self, k: int) -> np.ndarray:
        """Per option in F: its cost change against the base route in year k alone, at year k's
        prices (annualised, undiscounted; the myopic planner's view)."""
        inst = self.insts[k]
        return sum(inst.cost[c][self.free] - inst.base_cost[c][self.free_zone] for c in PAIR_COST_COMPONENTS)

    def base_cost(self) -> float:
        """Discounted cost of every free zone's base route over the horizon: the solver's
        objective offset, so that the MIP gap is measured on the decided zones' whole cost."""
        zones = self.free_zones
        return float(sum(d * sum(inst.base_cost[c][zones].sum() for c in PAIR_COST_COMPONENTS)
                         for d, inst in zip(self.discount, self.insts)))

    def fixed_cost(self) -> float:
        """Discounted cost of the zones without a choice over the horizon (outside the solver)."""
        return float(sum(d * sum(inst.cost[c][self.fixed].sum() for c in PAIR_COST_COMPONENTS)
                         for d, inst in zip(self.discount, self.insts)))

    def without(self, drop: np.ndarray) -> "Horizon":
        """The horizon without the dropped options (the same mask in every year)."""
        insts = [without_options(inst, drop) for inst in self.insts]
        return _with_columns(dataclasses.replace(self, insts=insts))


def _with_columns(hz: Horizon) -> Horizon:
    """Which options get columns: every option of a zone with two or more; in a pathway also a
    single option that converts (its year is a choice), except a demolition zone's."""
    a = hz.first
    n_opts = np.bincount(a.pair_zone, minlength=len(a.zone_ids))
    has_choice = n_opts >= 2
    if hz.K > 1:
        converts = np.zeros(len(a.zone_ids), dtype=bool)
        converts[a.pair_zone[a.pair_converting]] = True
        has_choice |= converts & ~a.zone_demolition
    on = has_choice[a.pair_zone]
    return dataclasses.replace(hz, free=np.flatnonzero(on), fixed=np.flatnonzero(~on))


def single_year(inst: Instance) -> Horizon:
    """The horizon of one year: undiscounted, annualised costs (base year = the year)."""
    return _with_columns(Horizon([int(inst.year)], [inst], np.ones(1), int(inst.year), np.zeros(0, dtype=np.int64),
                                 np.zeros(0, dtype=np.int64)))


def prepare_horizon(data: RegionData, years: list[int], ov: Overrides | None = None) -> Horizon:
    """One instance per year; costs discounted to `base_year` (default: the year before the first)."""
    ov = ov or Overrides()
    if len(years) == 1:
        return single_year(prepare(data, years[0], ov))
    problems = []
    for name in ("years", "prices"):
        have = set(data.tables[name]["year"].astype(int))
        problems += [Problem(data.where(name, 0)[0], None, "year",
                             f"has no row for {y} (pathway {years[0]}-{years[-1]})") for y in years if y not in have]
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
    return _with_columns(Horizon(list(years), insts, d, base_year, np.zeros(0, dtype=np.int64),
                                 np.zeros(0, dtype=np.int64)))
