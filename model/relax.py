"""Why a case is infeasible: the least relaxation that makes a plan possible, and its alternatives.

Every cap and target row i (families of kind "cap" or "target", policies and a caller's own
families included) gets an elastic column s_i >= 0 in the row's own unit:

    a_i x - s_i <= b_i   (a cap: the bound is raised by s_i)
    a_i x + s_i >= b_i   (a target: the bound is lowered by s_i)

with the one-route rows, column bounds and integrality kept. The relaxation is chosen
lexicographically, by a sequence of MIP solves on one HiGHS copy of the model (each stage's
optimum is fixed, as a row, before the next stage):

1. the fewest families relaxed, targets only after caps: first the fewest target families,
   then the fewest cap families (one solve with an indicator y_F per family: min
   (n_caps + 1) sum_targets y_F + sum_caps y_F; skipped when one cap alone does);
2. the fewest rows relaxed (an indicator z_i per row, s_i <= M_i z_i, min sum z_i);
3. for the families relaxed, the least amount, sum_{i in F} s_i, in each family's own unit
   (one family after the other, in the order of the family list), with at most that many rows;
4. the cost of the plan (the model's own objective) only to break ties: among sets of
   families of the same size and rows, whose amounts are in different units, the one whose
   cheapest plan (relaxing the rows stage 3 relaxed) costs least is "the" least relaxation.

Stages 1-3 are solved to a MIP gap of 0, so each "short by" is the least amount that makes the
case feasible (a budget of bound + amount admits a plan; any smaller one does not), or, when the
time limit stops a stage, an interval (a plan exists at the amount found; none below the proven
bound). Every family that restores feasibility alone is also reported, by the same rules
restricted to it ("either +X of budget, or coverage down to y %"), caps first. M_i, the most row
i can be violated, comes from the column bounds.

HiGHS's `feasibilityRelaxation` minimises one weighted sum of violations, and its lexicographic
multi-objective mode fixes each objective within tolerances without saying whether a stage was
proven; the stages here keep the elastic columns in the model, fix each optimum as a row and
record each stage's bound, so an amount cut short by the time limit is reported as an interval.

In a single year a transformer group's upgrade limit is the bound of its upgrade column, not a
row: the capacity row of the group (kVA) is relaxed instead, which is the same relief in kVA.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from model.horizon import Horizon
from model.solve import INF, Compiled, layout_values

RELAXABLE = ("cap", "target")
# at most this many sets of families of the least size are compared by their plans' cost
MAX_COMBINATIONS = 16
# a stage's optimum is fixed as sum s <= amount * (1 + REL) + ABS
FIX_REL, FIX_ABS = 1e-9, 1e-6
# a row violated by at most this (times max(1, |bound|)) is within HiGHS's feasibility tolerance
TOLERANCE = 1e-6


def num(x: float) -> str:
    """A figure to quote: two decimals with thousands separators, and at least two significant
    digits below 0.1 (a design-day cap of 0.0024 10^4 m3/d is not '0.00')."""
    d = 2 if abs(x) >= 0.1 or x == 0 or not math.isfinite(x) else max(2, 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{d}f}"


@dataclass
class Relaxation:
    """One row relaxed: by how much, in the row's unit, and the zones and counties involved."""

    family: str
    key: str
    amount: float
    zones: list[str]
    counties: list[str]
    unit: str = ""
    words: str = ""
    kind: str = "cap"
    bound: float = math.nan  # the row's bound, in the planner's terms
    share_base: float = math.nan  # for a share target: what the share is of (households)
    lower: float = math.nan  # proven lower bound of the amount (nan: not known per row)
    year: int = 0  # the row's year in a pathway (0: a single year, or a row not tied to one year)

    def __post_init__(self):
        if not self.unit or not self.words:
            from model.families import LABELS

            unit, _, _, words = LABELS.get(self.family, ("", "", "", self.family))
            self.unit = self.unit or unit
            self.words = self.words or words

    @property
    def new_bound(self) -> float:
        return self.bound + self.amount if self.kind != "target" else self.bound - self.amount

    def change(self) -> str:
        """'bound 60,000.00 -> 69,798.56' (and, for a share target, the share)."""
        if not math.isfinite(self.bound):
            return ""
        return f"{'target' if self.kind == 'target' else 'bound'} {num(self.bound)} -> {num(self.new_bound)}" + (
            f", {self.share()}" if math.isfinite(self.share_base) and self.share_base > 0 else "")

    def share(self) -> str:
        """A share target as shares: '100.00% -> 97.50% of 47,430 households' (more decimals
        where two would not show the change)."""
        a, b = self.bound / self.share_base, self.new_bound / self.share_base
        d = 2
        while d < 6 and f"{a:.{d}%}" == f"{b:.{d}%}":
            d += 1
        return f"{a:.{d}%} -> {b:.{d}%} of {self.share_base:,.0f} {self.unit}"

    def __str__(self) -> str:
        where = f" [{self.key}]" if self.key != "city" else ""
        change = self.change()
        tail = f" ({change})" if change else ""
        if self.zones:
            tail += f"; {len(self.zones)} zone{'s' if len(self.zones) > 1 else ''} involved in " \
                    f"{', '.join(self.counties[:6])}" + (
                " ..." if len(self.counties) > 6 else "")
        return f"{self.words} ({self.family}){where}: short by {num(self.amount)} {self.unit}{tail}"


@dataclass
class Relief:
    """One way to make the case feasible: the families relaxed, each by its least total amount."""

    families: tuple[str, ...]
    rows: list[Relaxation]
    totals: dict[str, float]  # family -> least sum of its rows' relaxations (own unit)
    lower: dict[str, float]  # family -> proven lower bound of that sum (= total when proven)
    cost: float = math.nan  # total objective of the cheapest plan found under this relaxation
    cost_gap: float = math.nan  # MIP gap of that plan
    n_rows: int = 0  # rows relaxed (the fewest that can do, with these families)
    rows_proven: bool = True  # False: the count stopped at the time limit (a fewer-row relief may exist)

    @property
    def proven(self) -> bool:
        return all(self.totals[f] - self.lower[f] <= 1e-6 * max(1.0, abs(self.totals[f])) for f in self.families)

    def describe(self) -> str:
        parts = []
        for fam in self.families:
            mine = [r for r in self.rows if r.family == fam]
            if not mine:
                continue
            r0 = mine[0]
            sign = "-" if r0.kind == "target" else "+"
            amount = f"{sign}{num(self.totals[fam])} {r0.unit}"
            if self.totals[fam] - self.lower[fam] > 1e-6 * max(1.0, abs(self.totals[fam])):
                amount += f" (at least {sign}{num(self.lower[fam])}; the search stopped at its time limit)"
            where = ""
            if len(mine) == 1 and mine[0].key != "city":
                where = f" [{mine[0].key}]"
            elif len(mine) > 1:
                where = f" over {len(mine)} rows" + ("" if self.rows_proven else " (not proven the fewest)")
            shares = [(f"[{r.key}] " if len(mine) > 1 else "") + r.share()
                      for r in mine if math.isfinite(r.share_base) and r.share_base > 0]
            more = f"; ... {len(shares) - 3} more" if len(shares) > 3 else ""
            parts.append(f"{amount} of {r0.words} ({fam}){where}" + (f": {'; '.join(shares[:3])}{more}" if shares else ""))
        return " and ".join(parts)


@dataclass
class Diagnosis:
    least: Relief | None
    alternatives: list[Relief] = field(default_factory=list)  # each family that alone restores feasibility
    notes: list[str] = field(default_factory=list)

    @property
    def relaxations(self) -> list[Relaxation]:
        return list(self.least.rows) if self.least is not None else []

    def lines(self) -> list[str]:
        if self.least is None:
            return ["the caps and targets cannot all be met, and no relaxation of them was found that makes a plan "
                    "possible (without notes below: the zones' options and column bounds conflict)"] + \
                [f"  ({n})" for n in self.notes]
        least = self.least
        out = ["the caps and targets cannot all be met; the least relaxation that makes a plan possible (fewest "
               "families, targets only after caps; then fewest rows; then the least amount in each family's unit; "
               "the plan's cost breaks ties):"]
        out += [f"  - {r}" for r in least.rows]
        if not least.proven:
            out.append("  (the search for the least amount stopped at its time limit: a plan exists with the amounts "
                       "above, and none with less than " + ", ".join(num(least.lower[f]) for f in least.families) + ")")
        alone = [a for a in self.alternatives if len(a.families) == 1]
        sets = [a for a in self.alternatives if len(a.families) > 1]
        if alone:
            out.append(f"each of these alone {'also ' if len(least.families) == 1 else ''}makes a plan possible "
                       "(its least amount):")
            for i, alt in enumerate(alone):
                tag = "  [the least relaxation]" if alt.families == least.families else ""
                out.append(f"  - {'either' if i == 0 else 'or'} {alt.describe()}{tag}")
        elif len(least.families) > 1:
            out.append("no single family alone makes a plan possible")
        if sets:
            out.append(f"other sets of {len(least.families)} families that also make a plan possible:")
            out += [f"  - {alt.describe()}" for alt in sets]
        out += [f"  ({n})" for n in self.notes]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


# ---------------------------------------------------------------------------------------------

class _Elastic:
    """A copy of the model with an elastic column on every cap and target row (bounds [0, 0]
    until a stage opens them) and per-family total rows (free until a stage fixes them); when a
    stage counts families or rows, indicator binaries: z_i per row (s_i <= M_i z_i, M_i the most
    row i can be violated) and y_F per family (z_i <= y_F), and one row sum_i z_i <= r."""

    def __init__(self, comp: Compiled):
        self.comp = comp
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(comp.highs.getModel())
        self.h = h
        lp = h.getLp()
        self.n0 = comp.n_cols
        self.cost0 = np.array(lp.col_cost_, dtype=float)
        self.offset0 = float(lp.offset_)
        self.col_lower0 = np.array(lp.col_lower_, dtype=float)
        self.col_upper0 = np.array(lp.col_upper_, dtype=float)
        self.row_lower0 = np.array(lp.row_lower_, dtype=float)
        self.row_upper0 = np.array(lp.row_upper_, dtype=float)
        fams = comp.families
        self.order = [name for name, fam in fams.items() if fam.kind == "cap"] + \
                     [name for name, fam in fams.items() if fam.kind == "target"]
        slack_row, slack_sign, slack_fam = [], [], []
        for i, (name, _) in enumerate(comp.row_names):
            fam = fams.get(name)
            if fam is None or fam.kind not in RELAXABLE:
                continue
            sense = comp.row_sense[i]
            for sign in ((-1.0,) if sense == 1 else (1.0,) if sense == -1 else (-1.0, 1.0)):
                slack_row.append(i)
                slack_sign.append(sign)
                slack_fam.append(name)
        self.slack_row = np.array(slack_row, dtype=np.int64)
        self.slack_sign = np.array(slack_sign)
        self.slack_fam = np.array(slack_fam, dtype=object)
        n_s = len(slack_row)
        if n_s:
            h.addCols(n_s, np.zeros(n_s), np.zeros(n_s), np.zeros(n_s), n_s, np.arange(n_s, dtype=np.int32),
                      self.slack_row.astype(np.int32), self.slack_sign)
        self.s0 = self.n0
        self.families = [f for f in self.order if (self.slack_fam == f).any()]
        self.fam_slacks = {f: np.flatnonzero(self.slack_fam == f) for f in self.families}
        self.fam_rows = {f: np.unique(self.slack_row[k]) for f, k in self.fam_slacks.items()}
        # a violation the original model tolerates (HiGHS's feasibility tolerance, 1e-6 of the
        # row's scale) is no relaxation: it is not counted as a relaxed row, nor reported
        bound = np.where(self.slack_sign < 0, self.row_upper0[self.slack_row], self.row_lower0[self.slack_row])
        self.tol = TOLERANCE * np.maximum(1.0, np.abs(np.nan_to_num(bound, posinf=0.0, neginf=0.0)))
        # one total row per family: sum of its slacks <= fixed amount (free until fixed)
        self.total_row = {}
        for f in self.families:
            cols = (self.s0 + self.fam_slacks[f]).astype(np.int32)
            self.total_row[f] = h.getNumRow()
            h.addRow(-INF, INF, len(cols), cols, np.ones(len(cols)))
        self.n_cols = self.n0 + n_s
        self.z0 = self.y0 = None  # indicator columns, when made
        self.rows_z: np.ndarray = np.zeros(0, dtype=np.int64)  # model row of each z
        self.count_row = -1

    # -- stages

    def _set(self, open_fams, objective: dict[str, float] | None, fixed: dict[str, float], cost: bool,
             count: str = "", max_rows: float = INF, only: np.ndarray | None = None) -> None:
        """Open the slacks of `open_fams`; objective: family -> weight on its slacks, or the plan's
        cost (`cost`); `fixed`: family -> the most its slacks may sum to; `count`: "families"
        (objective: (caps + 1) x targets + caps relaxed) or "rows" (objective: rows relaxed);
        `max_rows`: the most rows relaxed; `only`: per slack, whether it may open at all."""
        h = self.h
        n_s = len(self.slack_row)
        up = np.zeros(n_s)
        for f in open_fams:
            up[self.fam_slacks[f]] = INF
        if only is not None:
            up[~only] = 0.0
        if n_s:
            h.changeColsBounds(n_s, np.arange(self.s0, self.s0 + n_s, dtype=np.int32), np.zeros(n_s), up)
        n_all = h.getNumCol()
        c = np.zeros(n_all)
        if cost:
            c[: self.n0] = self.cost0
        for f, w in (objective or {}).items():
            c[self.s0 + self.fam_slacks[f]] = w
        indicators = bool(count) or max_rows < INF
        if self.z0 is not None:  # indicators free where a stage counts, else held at 1 (the links then do nothing)
            nz, ny = len(self.rows_z), len(self.families)
            h.changeColsBounds(nz, np.arange(self.z0, self.z0 + nz, dtype=np.int32),
                               np.zeros(nz) if indicators else np.ones(nz), np.ones(nz))
            h.changeColsBounds(ny, np.arange(self.y0, self.y0 + ny, dtype=np.int32),
                               np.zeros(ny) if count == "families" else np.ones(ny), np.ones(ny))
            h.changeRowBounds(self.count_row, -INF, max_rows)
            if count == "families":
                n_caps = sum(self.comp.families[f].kind == "cap" for f in self.families)
                for j, f in enumerate(self.families):
                    c[self.y0 + j] = (n_caps + 1.0) if self.comp.families[f].kind == "target" else 1.0
            elif count == "rows":
                c[self.z0: self.z0 + nz] = 1.0
        h.setOptionValue("mip_feasibility_tolerance", 1e-9 if indicators else 1e-6)
        h.changeColsCost(n_all, np.arange(n_all, dtype=np.int32), c)
        h.changeObjectiveOffset(self.offset0 if cost else 0.0)
        for f, row in self.total_row.items():
            h.changeRowBounds(row, -INF, fixed[f] * (1 + FIX_REL) + FIX_ABS if f in fixed else INF)

    def _run(self, gap: float, time_limit: float, start: np.ndarray | None = None):
        """(status, objective, bound, column values) of one stage; status infeasible | optimal | stopped."""
        h = self.h
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("time_limit", float(max(time_limit, 1.0)))
        if start is not None:
            start = self._with_indicators(start)
            h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
        h.HandleKeyboardInterrupt = True  # solve() runs HiGHS in a thread: Ctrl-C stops it
        h.solve()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInterrupt:
            raise KeyboardInterrupt
        info = h.getInfo()
        if ms in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible) \
                or info.primal_solution_status != 2:
            return "infeasible" if ms != highspy.HighsModelStatus.kTimeLimit else "stopped", math.nan, math.nan, None
        status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "stopped"
        col = np.asarray(h.getSolution().col_value, dtype=float).copy()
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else float(info.objective_function_value)
        return status, float(info.objective_function_value), bound, col

    def _with_indicators(self, col: np.ndarray) -> np.ndarray:
        """A stage's plan as a start for the model as it is now: indicators (when made) set from
        the slacks (z_i = 1 where row i is relaxed, y_F = 1 where a row of F is)."""
        n = self.h.getNumCol()
        out = np.zeros(n)
        m = min(len(col), self.n_cols)
        out[:m] = col[:m]
        if self.z0 is not None and n > self.n_cols:
            relaxed = np.zeros(self.comp.n_rows, dtype=bool)
            relaxed[self.slack_row[out[self.s0: self.s0 + len(self.slack_row)] > self.tol]] = True
            z = relaxed[self.rows_z]
            out[self.z0: self.z0 + len(z)] = z
            out[self.y0: self.y0 + len(self.families)] = [relaxed[self.fam_rows[f]].any() for f in self.families]
        return out

    def least_amount(self, fam: str, open_fams, fixed: dict[str, float], time_limit: float, start=None,
                     max_rows: float = INF):
        """min sum of `fam`'s slacks with the slacks of `open_fams` open, `fixed` totals held and
        at most `max_rows` rows relaxed."""
        if max_rows < INF:
            self._indicators()
        self._set(open_fams, {fam: 1.0}, fixed, cost=False, max_rows=max_rows)
        status, value, bound, col = self._run(0.0, time_limit, start)
        return status, max(value, 0.0), max(min(bound, value), 0.0), col

    def fewest_rows(self, open_fams, time_limit: float, start=None):
        """(status, least number of rows relaxed, its proven lower bound) with `open_fams` open."""
        self._indicators()
        self._set(open_fams, None, {}, cost=False, count="rows")
        status, value, bound, col = self._run(0.0, time_limit, start)
        if col is None:
            return status, math.nan, math.nan
        return status, float(round(value)), float(math.ceil(bound - 1e-6))

    def cheapest(self, open_fams, fixed: dict[str, float], gap: float, time_limit: float, start):
        """The cheapest plan with the slacks of `open_fams` summing to at most `fixed`, on the rows
        the plan `start` relaxes (the fewest: no indicators needed, which keeps this stage as quick
        as the model's own solve)."""
        only = start[self.s0: self.s0 + len(self.slack_row)] > self.tol
        self._set(open_fams, None, fixed, cost=True, only=only)
        return self._run(gap, time_limit, start)

    def fewest_families(self, time_limit: float):
        """(status, chosen families) of min (n_caps + 1) * #targets + #caps relaxed."""
        self._indicators()
        self._set(self.families, None, {}, cost=False, count="families")
        status, _, _, col = self._run(0.0, time_limit)
        if col is None:
            return status, []
        y = col[self.y0: self.y0 + len(self.families)]
        return status, [f for f, v in zip(self.families, y) if v > 0.5]

    def _indicators(self) -> None:
        """z_i binary per relaxable row (s_i <= M_i z_i, M_i the most row i can ever be violated,
        from the column bounds, so z_i = 0 keeps row i hard), y_F per family (z_i <= y_F) and the
        row count sum_i z_i <= r. Made once, at the first stage that counts."""
        if self.z0 is not None:
            return
        h = self.h
        self.rows_z = np.unique(self.slack_row)
        nz, ny = len(self.rows_z), len(self.families)
        z_of_row = {int(i): j for j, i in enumerate(self.rows_z)}
        self.z0 = h.getNumCol()
        self.y0 = self.z0 + nz
        n = nz + ny
        h.addCols(n, np.zeros(n), np.ones(n), np.ones(n), 0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                  np.zeros(0))
        h.changeColsIntegrality(n, np.arange(self.z0, self.z0 + n, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * n))
        big = self._violation_bounds()
        for k, i in enumerate(self.slack_row.tolist()):
            cols = np.array([self.s0 + k, self.z0 + z_of_row[i]], dtype=np.int32)
            h.addRow(-INF, float(self.tol[k]), 2, cols, np.array([1.0, -big[k]]))
        for j, f in enumerate(self.families):
            for i in self.fam_rows[f].tolist():
                cols = np.array([self.z0 + z_of_row[i], self.y0 + j], dtype=np.int32)
                h.addRow(-INF, 0.0, 2, cols, np.array([1.0, -1.0]))
        self.count_row = h.getNumRow()
        h.addRow(-INF, INF, nz, np.arange(self.z0, self.z0 + nz, dtype=np.int32), np.ones(nz))

    def _violation_bounds(self) -> np.ndarray:
        """Per slack: the most its row can be violated over the column bounds (a large finite
        number where a column without an upper bound could push it without limit)."""
        lp = self.comp.highs.getLp()
        a = lp.a_matrix_
        start = np.asarray(a.start_)
        rows, vals = np.asarray(a.index_), np.asarray(a.value_)
        cols = np.repeat(np.arange(self.n0), np.diff(start))
        lo, up = self.col_lower0[cols], self.col_upper0[cols]
        with np.errstate(invalid="ignore"):
            hi_term = np.where(vals > 0, vals * up, vals * lo)
            lo_term = np.where(vals > 0, vals * lo, vals * up)
        n_rows = self.comp.n_rows
        max_act = np.bincount(rows, weights=np.nan_to_num(hi_term, posinf=1e30, neginf=-1e30), minlength=n_rows)
        min_act = np.bincount(rows, weights=np.nan_to_num(lo_term, posinf=1e30, neginf=-1e30), minlength=n_rows)
        out = np.zeros(len(self.slack_row))
        for k, (i, sign) in enumerate(zip(self.slack_row, self.slack_sign)):
            need = max_act[i] - self.row_upper0[i] if sign < 0 else self.row_lower0[i] - min_act[i]
            scale = max(1.0, abs(self.row_upper0[i] if sign < 0 else self.row_lower0[i]))
            out[k] = min(max(need, 0.0), 1e7 * scale) * (1 + 1e-9) + 1e-6
        return out

    # -- reading a stage's plan

    def rows_of(self, col: np.ndarray, fams, hz: Horizon, totals: dict[str, float] | None = None) -> list[Relaxation]:
        """The rows of `fams` relaxed in the plan `col`, with the zones and counties involved; a
        family's rows are scaled to its least total (`totals`: a later stage may use the
        tolerance its fixing row leaves, about 1e-6)."""
        comp = self.comp
        inst = hz.first
        free = hz.free
        x = np.rint(comp.layout.conversions(layout_values(comp, col[: self.n0]))).ravel()
        chosen = free[comp.layout.col_f[x > 0.5]]
        pair_of_col = {int(c): int(p) for c, p in zip(comp.x_col, free[comp.layout.col_f]) if c >= 0}
        lp = comp.highs.getLp()
        a = lp.a_matrix_
        start = np.asarray(a.start_)
        nz_row, nz_col = np.asarray(a.index_), np.repeat(np.arange(self.n0), np.diff(start))
        share = {f: (comp.families[f].share_base(hz) if comp.families[f].share_base else {}) for f in fams}
        clean_zones = set(inst.pair_zone[chosen][inst.q["clean_households"][chosen] > 0].tolist())
        out = []
        amounts: dict[int, float] = {}
        for f in fams:
            v = col[self.s0 + self.fam_slacks[f]]
            total = float(v.sum())
            if totals is not None and f in totals and total > totals[f] > 0:
                v = v * (totals[f] / total)
            for k, vk in zip(self.fam_slacks[f].tolist(), v.tolist()):
                if vk > self.tol[k]:
                    amounts[int(self.slack_row[k])] = amounts.get(int(self.slack_row[k]), 0.0) + vk
        for i in sorted(amounts):
            fam, key = comp.row_names[i]
            family = comp.families[fam]
            used = {pair_of_col[c] for c in nz_col[nz_row == i].tolist() if c in pair_of_col}
            if family.kind == "target":
                zones = sorted({int(inst.pair_zone[p]) for p in used} - clean_zones)
            else:
                zones = sorted(set(inst.pair_zone[np.intersect1d(np.array(sorted(used), dtype=np.int64), chosen)].tolist()))
            counties = sorted({str(inst.county_names[inst.zone_county[z]]) for z in zones})
            sense = comp.row_sense[i]
            bound = (self.row_upper0[i] if sense == 1 else self.row_lower0[i]) + comp.row_offset[i]
            k = int(comp.row_year[i])
            out.append(Relaxation(fam, key, amounts[i], [str(inst.zone_ids[z]) for z in zones], counties,
                                  family.unit, family.words, family.kind, float(bound),
                                  float(share[fam].get(key, math.nan)),
                                  year=int(hz.years[k]) if hz.K > 1 and k >= 0 else 0))
        return out


def least_relaxation(comp: Compiled, hz: Horizon, mip_gap: float = 1e-4, time_limit: float = 600.0) -> Diagnosis:
    """The least relaxation of the caps and targets that makes the model feasible (module doc),
    and every family that alone would. `time_limit` (s) covers all stages; `mip_gap` is the gap
    of the cost stage (the counts and amounts are solved to a gap of 0)."""
    t0 = time.perf_counter()
    left = lambda: time_limit - (time.perf_counter() - t0)  # noqa: E731
    el = _Elastic(comp)
    fams = comp.families
    if not el.families:
        return Diagnosis(None, notes=["the model has no cap or target rows to relax"])
    notes: list[str] = []
    # every family alone: whether it can restore feasibility, and its least amount
    singles: dict[str, tuple] = {}
    for f in el.families:
        status, amount, bound, col = el.least_amount(f, [f], {}, left())
        if col is not None:
            singles[f] = (status, amount, bound, col)
        elif status == "stopped":
            notes.append(f"whether {fams[f].words} ({f}) alone would do was not settled within the time limit")
    # the fewest families: one cap if any does, else as the count MIP says
    cap_singles = [f for f in singles if fams[f].kind == "cap"]
    if cap_singles:
        combos = [(f,) for f in cap_singles]
    else:
        status, chosen = el.fewest_families(left())
        if not chosen:
            return Diagnosis(None, notes=notes + (["the search stopped at its time limit"] if status == "stopped" else []))
        n_t = sum(fams[f].kind == "target" for f in chosen)
        caps = [f for f in el.families if fams[f].kind == "cap"]
        targets = [f for f in el.families if fams[f].kind == "target"]
        combos = [tuple(chosen)]
        for cs in itertools.combinations(caps, len(chosen) - n_t):
            for ts in itertools.combinations(targets, n_t):
                combo = tuple(f for f in el.families if f in cs + ts)
                if combo not in combos:
                    combos.append(combo)
        if len(combos) > MAX_COMBINATIONS:
            notes.append(f"{len(combos)} sets of {len(chosen)} families could each be the least; the first "
                         f"{MAX_COMBINATIONS} were compared")
            combos = combos[:MAX_COMBINATIONS]
    candidates = [r for r in (_relief(el, combo, singles, hz, mip_gap, left) for combo in combos) if r is not None]
    if not candidates:
        return Diagnosis(None, notes=notes)
    # then the fewest rows, then (amounts being in different units) the cheapest plan
    least = min(candidates, key=lambda r: (r.n_rows, r.cost if math.isfinite(r.cost) else math.inf))
    alternatives = []
    for f in el.families:
        if f not in singles:
            continue
        same = next((r for r in candidates if r.families == (f,)), None)
        alternatives.append(same if same is not None else _relief(el, (f,), singles, hz, mip_gap, left, cost=False))
    alternatives = [r for r in alternatives if r is not None]
    alternatives.sort(key=lambda r: (r is not least, fams[r.families[0]].kind != "cap"))
    if len(least.families) > 1:
        alternatives += [r for r in candidates if r is not least]
    return Diagnosis(least, alternatives, notes)


def _relief(el: _Elastic, combo: tuple[str, ...], singles: dict, hz: Horizon, mip_gap: float, left,
            cost: bool = True) -> Relief | None:
    """The families of `combo` relaxed: the fewest rows, then the least amount of each family in
    turn, then (`cost`) the cheapest plan."""
    fixed: dict[str, float] = {}
    lower: dict[str, float] = {}
    start = singles[combo[0]][3] if len(combo) == 1 and combo[0] in singles else None
    n_rows, rows_proven = INF, True
    slacks = el.fam_slacks[combo[0]]
    if start is not None and int((start[el.s0 + slacks] > el.tol[slacks]).sum()) <= 1:
        n_rows = 1.0  # the least amount needs one row: no fewer rows can do
    else:
        status, n_rows, least_rows = el.fewest_rows(combo, left(), start)
        if not math.isfinite(n_rows):
            return None
        rows_proven = least_rows >= n_rows
    for f in combo:
        if len(combo) == 1 and f in singles and n_rows == 1.0 and start is not None:
            status, amount, bound, col = singles[f]
        else:
            status, amount, bound, col = el.least_amount(f, combo, fixed, left(), start, max_rows=n_rows)
        if col is None:
            return None
        fixed[f], lower[f], start = amount, bound, col
    total_cost, gap = math.nan, math.nan
    if cost:
        status, value, _, col = el.cheapest(combo, fixed, mip_gap, left(), start)
        if col is None:  # the cost stage stopped without a plan: report the amounts' plan
            col = start
        else:
            total_cost, gap = value + hz.fixed_cost(), float(el.h.getInfo().mip_gap)
    else:
        col = start
    return Relief(combo, el.rows_of(col, combo, hz, fixed), fixed, lower, total_cost, gap, n_rows=int(n_rows),
                  rows_proven=rows_proven)
