"""What one more unit of a binding cap is worth: the MIP re-solved with the bound moved by a step.

The LP dual with the plan's routes fixed (`shadow_price`, `model.diagnose.ShadowPriceLP`) says
what the bound is worth while no zone changes route: 0 for the gas cap or the budget, whatever
moving them would let the plan do. Here the whole MIP is re-solved with the row's bound moved by
a step Delta (a cap raised, a target raised: "one more"), from the plan as a start, on a copy of
the model (the run's live model and plan are left as they are):

    marginal_value = (z(b + Delta) - z(b)) / Delta      [10^4 yuan/a per unit of the row; 10^4 yuan
                                                         per unit in a pathway, discounted]

z(b) is the optimum at the bound b, re-solved from the plan to the same tight gap as z(b + Delta)
(default 1e-6) and node limit (default 1,000 branch-and-bound nodes, a limit of work, so the
values do not depend on the machine's speed), so the two are compared alike. Each solve proves
an interval [bound, objective];
`marginal_value_low` and `marginal_value_high` are the least and greatest value consistent with
both intervals, (bound(b + Delta) - objective(b)) / Delta and (objective(b + Delta) - bound(b)) /
Delta (for a cap, at most 0: more of it never costs more), so a value is quotable to the width
of its interval when a re-solve stops before its gap.

The step (`--marginal FAMILY=STEP`, a number in the row's unit or a percentage of its bound)
defaults to one unit of the purchases the row holds (a storage module's size, an upgrade unit's
kVA), and otherwise to 1 % of the bound, or the smallest change one route choice makes in the
row if that is larger. Only binding rows are valued; by default those of the annual gas cap, the
subsidy budget and the 7-day storage rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from model.errors import Problem
from model.solve import Compiled, Solution, SolveOptions

DEFAULT_FAMILIES = ("gas_annual_cap", "subsidy_budget", "gas_storage")
COLUMNS = ("marginal_step", "marginal_value", "marginal_value_low", "marginal_value_high")
DEFAULT_GAP = 1e-6
# each re-solve stops at this many branch-and-bound nodes: a limit of work, not of time, so the
# same inputs give the same values on any machine (HiGHS on one thread is deterministic)
DEFAULT_NODES = 1000
# and, as a safety, at this many seconds (a stop there depends on the machine's speed)
DEFAULT_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class MarginalSpec:
    """Which binding rows to value, by family, and the step of each family (family -> "12.5" in
    the row's unit, or "2%" of the bound; absent: the default step)."""

    families: tuple[str, ...] = DEFAULT_FAMILIES
    steps: tuple[tuple[str, str], ...] = ()
    gap: float = DEFAULT_GAP
    nodes: int = DEFAULT_NODES  # branch-and-bound nodes per re-solve
    time_limit: float = DEFAULT_TIME_LIMIT  # s per re-solve (and at most the run's --time-limit)

    @classmethod
    def parse(cls, text: str, gap: float = DEFAULT_GAP, nodes: int | None = None,
              time_limit: float | None = None) -> "MarginalSpec":
        """'gas_annual_cap,subsidy_budget=1%,gas_storage=500' -> a spec; 'none' values nothing.
        Raises ValueError with the rule broken (the CLI makes it an exit-2 message)."""
        text = text.strip()
        limits = (gap, DEFAULT_NODES if nodes is None else int(nodes),
                  DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit))
        if text.lower() in ("none", ""):
            return cls((), (), *limits)
        fams, steps = [], []
        for item in text.split(","):
            name, _, step = item.strip().partition("=")
            name = name.strip()
            if not name:
                raise ValueError(f"empty family name in {text!r}")
            if step:
                try:
                    _parse_step(step.strip())
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
                steps.append((name, step.strip()))
            fams.append(name)
        return cls(tuple(dict.fromkeys(fams)), tuple(steps), *limits)


def _parse_step(text: str) -> tuple[float, bool]:
    """(value, relative): '2%' -> (0.02, True); '12.5' -> (12.5, False). Must be > 0 and finite."""
    rel = text.endswith("%")
    try:
        value = float(text[:-1] if rel else text)
    except ValueError:
        raise ValueError(f"step {text!r} is not a number (write e.g. 100 or 1%)") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"step {text!r} must be a positive number")
    return (value / 100.0, True) if rel else (value, False)


def check(spec: MarginalSpec | None, families: dict) -> list[Problem]:
    """Every family named must be a cap or target of this run (built-in, policies.csv or extra)."""
    if spec is None:
        return []
    known = [name for name, fam in families.items() if fam.kind in ("cap", "target")]
    bad = [name for name in spec.families if name not in known]
    return [Problem("--marginal", None, None, f"{name!r} is not a cap or target family of this run; one of: "
                    f"{', '.join(known)}") for name in bad]


def _nonzeros(comp: Compiled):
    a = comp.highs.getLp().a_matrix_
    start = np.asarray(a.start_)
    return np.asarray(a.index_), np.repeat(np.arange(comp.n_cols), np.diff(start)), np.asarray(a.value_)


def default_steps(comp: Compiled, rows: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Per row: one unit of the purchases it holds (smallest |coefficient| of an upgrade or module
    column), else max(1 % of |bound|, smallest |coefficient| of a route choice), else 1."""
    nz_row, nz_col, nz_val = _nonzeros(comp)
    is_x = np.zeros(comp.n_cols, dtype=bool)
    is_x[comp.x_col[comp.x_col >= 0]] = True
    out = np.ones(len(rows))
    for j, (i, b) in enumerate(zip(rows.tolist(), bounds.tolist())):
        mine = (nz_row == i) & (nz_val != 0)
        buy = mine & ~is_x[nz_col]
        if buy.any():
            out[j] = float(np.abs(nz_val[buy]).min())
            continue
        x = np.abs(nz_val[mine & is_x[nz_col]])
        step = max(0.01 * abs(b), float(x.min()) if len(x) else 0.0)
        out[j] = step if step > 0 else 1.0
    return out


def values(comp: Compiled, sol: Solution, table: pd.DataFrame, spec: MarginalSpec, options: SolveOptions,
           start: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """The what-binds table with COLUMNS added (nan where a row is not valued), and attributes
    for the dataset (the gap and time limit of the re-solves, the base optimum, the time)."""
    out = table.copy()
    for c in COLUMNS:
        out[c] = np.nan
    attrs = {"marginal_families": ",".join(spec.families) or "none", "marginal_mip_gap": float(spec.gap)}
    if out.empty or not spec.families:
        return out, attrs
    kinds = {name: fam.kind for name, fam in comp.families.items()}
    row_of = {name: i for i, name in enumerate(comp.row_names)}  # rows without a column are not in the model
    row = np.array([row_of.get((f, k), -1) for f, k in zip(out["family"], out["key"])], dtype=np.int64)
    pick = (out["binding"].astype(bool) & out["family"].isin(spec.families) & (row >= 0)
            & out["family"].map(lambda f: kinds.get(f) in ("cap", "target"))).to_numpy()
    idx = np.flatnonzero(pick)
    if not len(idx):
        return out, attrs
    rows = row[idx]
    bounds = out["bound"].to_numpy(dtype=float)[idx]
    steps = default_steps(comp, rows, bounds)
    given = dict(spec.steps)
    for j, fam in enumerate(out["family"].to_numpy()[idx]):
        if fam in given:
            value, rel = _parse_step(given[fam])
            if not rel:
                steps[j] = value
            elif bounds[j] != 0:  # a share of a bound of 0 is no step: the default one stays
                steps[j] = value * abs(bounds[j])
    limit = float(min(spec.time_limit, options.time_limit))
    attrs.update(marginal_max_nodes=int(spec.nodes), marginal_time_limit_s=limit)

    from model.diagnose import plan_columns

    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    h.passModel(comp.highs.getModel())
    for key, value in (("mip_rel_gap", float(spec.gap)), ("time_limit", limit), ("mip_max_nodes", int(spec.nodes)),
                       ("threads", int(options.threads)), ("random_seed", int(options.random_seed))):
        h.setOptionValue(key, value)
    lp = h.getLp()
    lower, upper = np.array(lp.row_lower_, dtype=float), np.array(lp.row_upper_, dtype=float)
    col = plan_columns(comp, sol) if start is None else start

    def solve(start_col):
        h.setSolution(len(start_col), np.arange(len(start_col), dtype=np.int32), start_col)
        h.HandleKeyboardInterrupt = True
        h.solve()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInterrupt:
            raise KeyboardInterrupt
        info = h.getInfo()
        if info.primal_solution_status != 2:
            return math.nan, math.nan, None
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else -math.inf
        return float(info.objective_function_value), bound, np.asarray(h.getSolution().col_value, dtype=float).copy()

    z_b, lb_b, best = solve(col)
    if best is None:
        return out, attrs
    z_b = min(z_b, float(sol.objective)) if math.isfinite(sol.objective) else z_b
    if math.isfinite(sol.bound):
        lb_b = max(lb_b, float(sol.bound))
    attrs.update(marginal_base_objective=z_b, marginal_base_bound=lb_b)
    sense = comp.row_sense
    res = np.full((len(idx), 4), np.nan)
    for j, (i, step) in enumerate(zip(rows.tolist(), steps.tolist())):
        if sense[i] == 0:  # an equality (a policy row "="): no "one more" to value
            continue
        cap = sense[i] == 1
        lo, up = (lower[i], upper[i] + step) if cap else (lower[i] + step, upper[i])
        h.changeRowBounds(i, lo, up)
        z_s, lb_s, _ = solve(best)
        h.changeRowBounds(i, lower[i], upper[i])
        res[j, 0] = step
        if not math.isfinite(z_s):  # a target raised beyond reach (or no plan within the time limit)
            continue
        low, high = (lb_s - z_b) / step, (z_s - lb_b) / step
        value = (z_s - z_b) / step
        if cap:  # more of a cap never costs more
            high, value = min(high, 0.0), min(value, 0.0)
        else:  # more of a target never costs less
            low, value = max(low, 0.0), max(value, 0.0)
        res[j, 1:] = value, low, high
    for k, c in enumerate(COLUMNS):
        values_ = out[c].to_numpy(dtype=float, copy=True)
        values_[idx] = res[:, k]
        out[c] = values_
    return out, attrs
