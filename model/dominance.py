"""Dropping options no plan needs, read from the model's own rows (sound for every family).

Option a dominates option b of the same zone when, in every year k, column x[a,k] is no worse
than x[b,k] in every row of the model and costs no more:
    a <= rows (caps):     coefficient of x[a,k] <= that of x[b,k]
    a >= rows (targets):  coefficient of x[a,k] >= that of x[b,k]
    = and ranged rows:    equal
Replacing x[b,k] by x[a,k] in any feasible plan keeps every row satisfied and costs no more,
so dropping b keeps the optimum. The comparison is made on the standard form, so a family
added anywhere (a policy row, a user's extra family) is respected without being listed: a
quantity it limits is a coefficient like any other. Ties keep the option that comes first.

Comparing coefficients does not depend on costs, so `Dominance` does it once; `dominators(cost)`
then answers for any cost vector (a price sweep).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from model.build import StandardForm


class Dominance:
    def __init__(self, sf: StandardForm, chunk: int = 2048):
        lay = sf.layout
        if lay.form != "conversion" and lay.K > 1:
            raise ValueError("dominance compares conversion columns: build the standard form with form='conversion'")
        self.n_f, self.K = lay.n_f, lay.K
        n_x = lay.n_x
        # features of each x column: its coefficients with signs so that "smaller is better";
        # = and ranged rows give two features (v and -v), so they must be equal
        A = sp.csc_matrix((sf.value, sf.index, sf.start), shape=(sf.n_rows, sf.n_cols))[:, :n_x].tocoo()
        up, lo = np.isfinite(sf.row_upper), np.isfinite(sf.row_lower)
        rows, cols, vals = A.row, A.col, A.data
        parts_r, parts_c, parts_v = [], [], []
        for sign, mask, tag in ((1.0, up, 0), (-1.0, lo, 1)):
            keep = mask[rows]
            parts_r.append(rows[keep] * 2 + tag)
            parts_c.append(cols[keep])
            parts_v.append(sign * vals[keep])
        feat = np.concatenate(parts_r)
        xcol = np.concatenate(parts_c)
        val = np.concatenate(parts_v)
        f_of = xcol // self.K
        zone = np.repeat(np.arange(len(lay.zone_starts)), np.diff(np.r_[lay.zone_starts, self.n_f]))
        z_of = zone[f_of]
        # slot of each (zone, year of the column, feature) within its zone: x[a,k] is compared
        # with x[b,k] row by row, for every k
        per_zone = 2 * max(sf.n_rows, 1) * self.K
        key = z_of.astype(np.int64) * per_zone + (xcol % self.K) * (2 * max(sf.n_rows, 1)) + feat
        uniq, inv = np.unique(key, return_inverse=True)
        uz = uniq // per_zone
        first_of_zone = np.searchsorted(uz, np.arange(len(lay.zone_starts)))
        slot = np.arange(len(uniq)) - first_of_zone[uz]
        n_slots = np.bincount(uz, minlength=len(lay.zone_starts))
        a_all, b_all, strict_all = [], [], []
        starts = lay.zone_starts
        counts = np.diff(np.r_[starts, self.n_f])
        if len(starts):
            order = np.argsort(z_of, kind="stable")  # nonzeros by zone
            nz_start = np.searchsorted(z_of[order], np.arange(len(starts) + 1))
            for s in range(0, len(starts), chunk):
                zs = np.arange(s, min(s + chunk, len(starts)))
                Kz, S = int(counts[zs].max()), max(int(n_slots[zs].max()), 1)
                F = np.zeros((len(zs), Kz, S))
                sel = order[nz_start[zs[0]]:nz_start[zs[-1] + 1]]
                np.add.at(F, (z_of[sel] - s, f_of[sel] - starts[z_of[sel]], slot[inv[sel]]), val[sel])
                valid = np.arange(Kz)[None, :] < counts[zs][:, None]
                le = (F[:, :, None, :] <= F[:, None, :, :]).all(axis=3)
                lt = (F[:, :, None, :] < F[:, None, :, :]).any(axis=3)
                le &= valid[:, :, None] & valid[:, None, :]
                idx = np.arange(Kz)
                le[:, idx, idx] = False
                z, ia, ib = np.nonzero(le)
                a_all.append(starts[zs[z]] + ia)
                b_all.append(starts[zs[z]] + ib)
                strict_all.append(lt[z, ia, ib])
        cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt))
        self.a = cat(a_all, np.int64)  # positions in F
        self.b = cat(b_all, np.int64)
        self.strict = cat(strict_all, bool) | (self.a < self.b)  # a coefficient strictly better, or a first

    def dominators(self, cost: np.ndarray) -> np.ndarray:
        """Per option in F: -1 when no option of its zone dominates it at these column costs
        (length n_f * K, or n_f for one year), else one dominating option that is itself not
        dominated (dominance is transitive, so one exists)."""
        c = np.asarray(cost, dtype=float)[: self.n_f * self.K].reshape(self.n_f, self.K)
        ca, cb = c[self.a], c[self.b]
        dom = (ca <= cb).all(axis=1) & (self.strict | (ca < cb).any(axis=1))
        dominated = np.zeros(self.n_f, dtype=bool)
        dominated[self.b[dom]] = True
        keep = dom & ~dominated[self.a]
        out = np.full(self.n_f, -1, dtype=np.int64)
        out[self.b[keep]] = self.a[keep]
        return out


def dominated(sf: StandardForm) -> np.ndarray:
    """Boolean per option in F: dominated at the model's own costs."""
    return Dominance(sf).dominators(sf.c) >= 0


def dominated_options(model_input, families=None) -> np.ndarray:
    """Boolean over option pairs of an instance (or horizon): dominated at its own costs."""
    from model.build import horizon_of, standard_form
    from model.families import FAMILIES

    hz = horizon_of(model_input)
    drop = np.zeros(len(hz.first.pair_zone), dtype=bool)
    drop[hz.free[dominated(standard_form(hz, families=families or FAMILIES))]] = True
    return drop
