"""The model's columns over the year axis, and rows as numpy arrays.

Columns, in this order (a single year is K = 1):
    x[f,k]   option f of F is taken in year k (binary)            f * K + k
    u[g,k]   transformer upgrade units bought in year k (integer)  n_x + g * K + k
    n[k]     gas storage modules built in year k (integer)         n_x + n_groups * K + k
Upgrades and modules persist: the capacity in year k counts everything bought up to k.

Families never address columns directly. They write their rows with two primitives of the
layout: `state` (option f holds in year k: sum_{k' <= k} x[f,k']) and `conversion` (option f is
taken in year k: x[f,k]), plus `upgrades_to_date` and `modules_to_date`. So a family is written
once for any horizon, and another formulation of the year axis changes only this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from model.horizon import Horizon

if TYPE_CHECKING:
    from model.families import Family

INF = float("inf")


FORMS = ("conversion", "state")


@dataclass
class Layout:
    n_f: int  # options with columns (F)
    K: int  # years
    groups: np.ndarray  # transformer groups with upgrade columns (index into inst.group_ids)
    zone_starts: np.ndarray  # first f of each free zone
    stay: np.ndarray  # per f: the zone's base route (no conversion year: only its last-year column is open)
    # what the option columns mean: "conversion" x[f,k] (taken in year k) or "state" s[f,k]
    # (held in year k: s[f,k] = sum_{k' <= k} x[f,k'], with s[f,k-1] <= s[f,k]); the same for one year
    form: str = "conversion"

    @property
    def n_x(self) -> int:
        return self.n_f * self.K

    @property
    def n_cols(self) -> int:
        return self.n_x + (len(self.groups) + 1) * self.K

    def x(self, f, k) -> np.ndarray:
        return np.asarray(f) * self.K + np.asarray(k)

    def upgrade(self, g_pos, k=0) -> np.ndarray:
        return self.n_x + np.asarray(g_pos) * self.K + np.asarray(k)

    def modules(self, k=0):
        return self.n_x + len(self.groups) * self.K + np.asarray(k)

    @property
    def col_f(self) -> np.ndarray:
        """Option (position in F) of every x column."""
        return np.repeat(np.arange(self.n_f), self.K)

    @property
    def col_year(self) -> np.ndarray:
        """Year index of every column."""
        return np.r_[np.tile(np.arange(self.K), self.n_f + len(self.groups) + 1)].astype(np.int64)

    @property
    def col_zone_ordinal(self) -> np.ndarray:
        """Free-zone ordinal (0 .. zones-1) of every x column."""
        counts = np.diff(np.r_[self.zone_starts, self.n_f])
        return np.repeat(np.repeat(np.arange(len(self.zone_starts)), counts), self.K)

    # -- the primitives families write rows with

    def state(self, row, f, coef, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terms coef * (option f holds in year k) = coef * sum_{k' <= k} x[f,k'] (= coef * s[f,k])
        of rows `row`; arrays broadcast. Returns (row, column, coefficient) triplets."""
        row, f, coef, k = (np.atleast_1d(np.asarray(v)) for v in np.broadcast_arrays(row, f, coef, k))
        if self.form == "state":
            return row.astype(np.int64), (f * self.K + k).astype(np.int64), coef.astype(float)
        n = k.astype(np.int64) + 1  # k' = 0 .. k
        starts = np.repeat(np.cumsum(n) - n, n)
        kk = np.arange(int(n.sum())) - starts
        rep = lambda v: np.repeat(v, n)  # noqa: E731
        return rep(row).astype(np.int64), (rep(f) * self.K + kk).astype(np.int64), rep(coef).astype(float)

    def conversion(self, row, f, coef, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terms coef * x[f,k] (option f taken in year k; = coef * (s[f,k] - s[f,k-1]))."""
        row, f, coef, k = (np.atleast_1d(np.asarray(v)) for v in np.broadcast_arrays(row, f, coef, k))
        now = (row.astype(np.int64), (f * self.K + k).astype(np.int64), coef.astype(float))
        if self.form != "state":
            return now
        before = k > 0
        return (np.r_[now[0], row[before]].astype(np.int64), np.r_[now[1], f[before] * self.K + k[before] - 1],
                np.r_[now[2], -coef[before]].astype(float))

    def conversions(self, values: np.ndarray) -> np.ndarray:
        """[f, k]: 1 where option f is taken in year k, from the x/s columns' values."""
        v = np.asarray(values, dtype=float)[: self.n_x].reshape(self.n_f, self.K)
        return np.diff(v, axis=1, prepend=0.0) if self.form == "state" else v

    def option_columns(self, conversions: np.ndarray) -> np.ndarray:
        """The x/s columns' values (flat) of a plan given as conversions [f, k]."""
        c = np.asarray(conversions, dtype=float).reshape(self.n_f, self.K)
        return (np.cumsum(c, axis=1) if self.form == "state" else c).ravel()

    def column_costs(self, conversion_cost: np.ndarray) -> np.ndarray:
        """Costs of the x/s columns from the cost of converting to f in year k ([f, k])."""
        c = np.asarray(conversion_cost, dtype=float).reshape(self.n_f, self.K)
        if self.form == "state":
            c = c - np.concatenate([c[:, 1:], np.zeros((self.n_f, 1))], axis=1)  # C[f,k] - C[f,k+1]
        return c.ravel()

    def upgrades_to_date(self, row, g_pos, coef, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terms coef * sum_{k' <= k} u[g,k']."""
        row, g_pos, coef, k = (np.atleast_1d(np.asarray(v)) for v in np.broadcast_arrays(row, g_pos, coef, k))
        n = k.astype(np.int64) + 1
        kk = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        return (np.repeat(row, n).astype(np.int64), self.upgrade(np.repeat(g_pos, n), kk).astype(np.int64),
                np.repeat(coef, n).astype(float))

    def modules_to_date(self, row, coef, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terms coef * sum_{k' <= k} n[k']."""
        row, coef, k = (np.atleast_1d(np.asarray(v)) for v in np.broadcast_arrays(row, coef, k))
        n = k.astype(np.int64) + 1
        kk = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        return np.repeat(row, n).astype(np.int64), self.modules(kk).astype(np.int64), np.repeat(coef, n).astype(float)


def layout(hz: Horizon, form: str = "conversion") -> Layout:
    """F from the horizon; G: groups that a conversion or the existing load can overload."""
    a = hz.first
    loaded = np.zeros(len(a.group_ids), dtype=bool)
    has = (a.pair_group >= 0) & (a.q["kva"] > 0)
    loaded[np.unique(a.pair_group[has])] = True
    loaded |= a.group_existing > a.group_capacity
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, not {form!r}")
    return Layout(n_f=len(hz.free), K=hz.K, groups=np.flatnonzero(loaded), zone_starts=hz.zone_starts,
                  stay=hz.stay, form=form if hz.K > 1 else "conversion")


# ---------------------------------------------------------------------------------------------
# rows

@dataclass
class BrokenCap:
    """A cap already broken by constants alone (no variable can mend it)."""

    family: str
    key: str
    excess: float
    unit: str


@dataclass
class RowBlock:
    """Rows `lower <= constant + sum_j coef_j * col_j <= upper` of one family, in CSR form."""

    family: "Family"
    keys: list[str]
    year: np.ndarray  # year index of each row (-1: not tied to one year)
    indptr: np.ndarray  # row r's terms are cols/coefs[indptr[r]:indptr[r+1]]
    cols: np.ndarray
    coefs: np.ndarray
    constant: np.ndarray
    lower: np.ndarray  # -inf: none
    upper: np.ndarray  # +inf: none
    broken: list[BrokenCap] = field(default_factory=list)
    # rows left without a column (their constant decides them; reported in what-binds tables):
    # (key, year, constant, lower, upper)
    constant_rows: list[tuple[str, int, float, float, float]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def unit(self) -> str:
        return self.family.unit


class Rows:
    """Collects a family's rows: `add` one row (or a vector of rows) and its terms; `block` makes
    the RowBlock. Terms are (row, column, coefficient) triplets from the layout's primitives,
    with row numbers relative to the rows the same `add` call makes."""

    def __init__(self):
        self.keys: list[str] = []
        self.years: list[np.ndarray] = []
        self.constant: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, keys, *terms, constant=0.0, lower=-INF, upper=INF, year=-1) -> None:
        keys = [keys] if isinstance(keys, str) else list(keys)
        n, base = len(keys), len(self.keys)
        self.keys += keys
        for store, value in ((self.years, year), (self.constant, constant), (self.lower, lower), (self.upper, upper)):
            store.append(np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy())
        for row, col, coef in terms:
            self.triplets.append((np.asarray(row, dtype=np.int64) + base, col, coef))

    def block(self, family: "Family", lay: Layout) -> RowBlock:
        cat = lambda parts, dt=float: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt)  # noqa: E731
        row = cat([t[0] for t in self.triplets], np.int64)
        col = cat([t[1] for t in self.triplets], np.int64)
        coef = cat([t[2] for t in self.triplets])
        return make_block(family, self.keys, cat(self.years).astype(np.int64), row, col, coef, cat(self.constant),
                          cat(self.lower), cat(self.upper), lay.n_cols)


def make_block(family, keys: list[str], year, row, col, coef, constant, lower, upper, n_cols: int) -> RowBlock:
    """Rows from coordinate triplets. Terms of the same row and column are summed and zero
    coefficients dropped; rows left without a column are dropped too: their constant alone
    decides them, and a broken one is recorded in `broken`."""
    n = len(keys)
    year = np.broadcast_to(np.asarray(year, dtype=np.int64), (n,))
    constant, lower, upper = (np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for v in (constant, lower, upper))
    row, col, coef = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64), np.asarray(coef, dtype=float)
    if len(row) and ((col < 0).any() or (col >= n_cols).any()):
        raise ValueError(f"family {family.name}: a term addresses a column outside the layout")
    key = row * max(n_cols, 1) + col
    uniq, inv = np.unique(key, return_inverse=True)  # sorted by row, then column
    summed = np.bincount(inv, weights=coef, minlength=len(uniq))
    keep = summed != 0
    row, col, coef = (uniq[keep] // max(n_cols, 1)), (uniq[keep] % max(n_cols, 1)), summed[keep]
    lens = np.bincount(row, minlength=n)
    broken = []
    for r in np.flatnonzero(lens == 0).tolist():
        if constant[r] > upper[r] + 1e-9:
            broken.append(BrokenCap(family.name, keys[r], constant[r] - upper[r], family.unit))
        if constant[r] < lower[r] - 1e-9:
            broken.append(BrokenCap(family.name, keys[r], lower[r] - constant[r], family.unit))
    live = lens > 0
    fixed = [(keys[r], int(year[r]), float(constant[r]), float(lower[r]), float(upper[r]))
             for r in np.flatnonzero(~live).tolist()]
    return RowBlock(family=family, keys=[k for k, ok in zip(keys, live.tolist()) if ok], year=year[live],
                    indptr=np.r_[0, np.cumsum(lens[live])].astype(np.int64), cols=col, coefs=coef,
                    constant=constant[live], lower=lower[live], upper=upper[live], broken=broken,
                    constant_rows=fixed)
