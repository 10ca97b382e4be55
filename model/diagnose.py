"""Why a plan is infeasible, what binds, and what one more unit is worth.

- `presolve_checks`: the obvious, before the solver (coverage out of reach, budget below
  the least subsidy any plan needs).
- `elastic`: re-solve with a penalised slack on every cap and target; report what had to be
  relaxed, by how much, and the zones and counties involved.
- `iis`: an irreducible infeasible set of the LP relaxation (HiGHS), in plain words.
- `shadow_prices`: fix the route choices at the MILP optimum, solve the LP (upgrade units and
  storage modules continuous) and read the duals of the caps.
"""
from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import xarray as xr

from model.prepare import Instance
from model.registry import CONSTRAINT_FAMILIES
from model.solve import INF, Compiled, Solution

ROUTE_ROWS = "one_route_per_zone"

# family -> (unit of the row, plain words), from the registry's one table
FAMILIES = {fam: (unit, words) for fam, (unit, _zh, _en, words) in CONSTRAINT_FAMILIES.items()}


class PresolveInfeasible(Exception):
    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("the inputs cannot be met by any plan:\n" + "\n".join(f"  - {line}" for line in lines))


def presolve_checks(inst: Instance) -> None:
    """Catch targets no plan can reach before the solver does."""
    lines = []
    clean_opt = inst.q["clean_households"] > 0
    zone_can_be_clean = np.zeros(len(inst.zone_ids), dtype=bool)
    zone_can_be_clean[inst.pair_zone[clean_opt]] = True
    must_be_clean = np.zeros(len(inst.zone_ids), dtype=bool)
    for label, zmask, share in inst.coverage:
        need = share * inst.zone_households[zmask].sum()
        reach = inst.zone_households[zmask & zone_can_be_clean].sum()
        if need > reach + 1e-9:
            stuck = zmask & ~zone_can_be_clean
            lines.append(f"coverage target {label} asks for {need:,.0f} clean households but the allowed routes reach "
                         f"only {reach:,.0f}: {int(stuck.sum())} zones have no clean route "
                         f"(e.g. {', '.join(inst.zone_ids[stuck][:5])})")
        if share >= 1.0:
            must_be_clean |= zmask
    # least subsidy: every zone that must be clean takes its least-subsidised clean option
    subsidy = inst.q["subsidy_equipment"] + inst.q["subsidy_running"]
    least = np.full(len(inst.zone_ids), np.inf)
    np.minimum.at(least, inst.pair_zone[clean_opt], subsidy[clean_opt])
    floor = least[must_be_clean & zone_can_be_clean].sum()
    budget = inst.caps["subsidy_budget_10k_yuan"]
    if floor > budget + 1e-9:
        lines.append(f"subsidy budget {budget:,.1f} 10^4 yuan is below the least any plan needs, {floor:,.1f} 10^4 yuan "
                     f"(zones that must be clean, each on its least-subsidised clean route)")
    if lines:
        raise PresolveInfeasible(lines)


def _copy(comp: Compiled) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(comp.highs.getModel())
    return h


@dataclass
class Relaxation:
    family: str
    key: str
    amount: float
    zones: list[str]
    counties: list[str]

    @property
    def unit(self) -> str:
        return FAMILIES.get(self.family, ("", ""))[0]

    def __str__(self) -> str:
        words = FAMILIES.get(self.family, ("", self.family))[1]
        where = f" [{self.key}]" if self.key != "city" else ""
        tail = ""
        if self.zones:
            tail = f"; {len(self.zones)} zones involved in {', '.join(self.counties[:6])}" + (
                " ..." if len(self.counties) > 6 else "")
        return f"{words} ({self.family}){where}: short by {self.amount:,.2f} {self.unit}{tail}"


TARGETS = {"coverage_target"}  # policy targets give way only when no cap relaxation helps


def elastic(comp: Compiled, inst: Instance, penalty: float = 1e4, target_weight: float = 1e3,
            time_limit: float = 120.0) -> list[Relaxation]:
    """Penalised slack on every cap and target row (one-route rows stay hard).

    Minimises sum_i w_i s_i with w_i = penalty / scale_i, scale_i = max(1, |bound_i|, sum_j |a_ij|):
    a relaxation is weighed by how far it moves the row in proportion to the row's size, not by
    its unit. Targets (coverage) weigh target_weight times more than caps, so the diagnosis says
    which supply, grid or budget cap is short before it says a target cannot be met.
    """
    h = _copy(comp)
    lp = comp.highs.getLp()
    lower, upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    nz_row, nz_col, nz_val = _nonzeros(comp)
    row_size = np.bincount(nz_row, weights=np.abs(nz_val), minlength=comp.n_rows)
    rows = [i for i, (fam, _) in enumerate(comp.row_names) if fam != ROUTE_ROWS]
    for i in rows:
        bound = upper[i] if comp.row_sense[i] == 1 else lower[i]
        coef = -1.0 if comp.row_sense[i] == 1 else 1.0
        weight = penalty / max(1.0, abs(bound), row_size[i])
        if comp.row_names[i][0] in TARGETS:
            weight *= target_weight
        h.addCol(weight, 0.0, INF, 1, np.array([i], dtype=np.int32), np.array([coef]))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return []
    col = np.asarray(h.getSolution().col_value)
    slack = col[comp.n_cols:comp.n_cols + len(rows)]
    x = np.rint(col[comp.x_col])
    chosen = inst.free[x > 0.5]
    out = []
    for i, s in zip(rows, slack):
        if s <= 1e-6:
            continue
        fam, key = comp.row_names[i]
        cols_in_row = set(nz_col[nz_row == i].tolist())
        if fam == "coverage_target":
            # zones of the target that stay unclean
            free_zone_cols = {c: z for c, z in zip(comp.x_col, inst.pair_zone[inst.free])}
            zones_in = {free_zone_cols[c] for c in cols_in_row if c in free_zone_cols}
            clean = set(inst.pair_zone[chosen][inst.q["clean_households"][chosen] > 0])
            zones = sorted(zones_in - clean)
        else:
            used = [p for p, c in zip(inst.free, comp.x_col) if c in cols_in_row]
            zones = sorted(set(inst.pair_zone[np.intersect1d(used, chosen)]))
        counties = sorted({str(inst.county_names[inst.zone_county[z]]) for z in zones})
        out.append(Relaxation(fam, key, float(s), [str(inst.zone_ids[z]) for z in zones], counties))
    return out


def elastic_rows(comp: Compiled) -> str:
    """Elastic re-solve reported per row label only (models without zone bookkeeping, e.g. pathways)."""
    h = _copy(comp)
    lp = comp.highs.getLp()
    lower, upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    rows = [i for i, (fam, _) in enumerate(comp.row_names) if fam not in (ROUTE_ROWS, "at_most_once")]
    for i in rows:
        bound = upper[i] if comp.row_sense[i] == 1 else lower[i]
        weight = 1e4 / max(1.0, abs(bound)) * (1e3 if comp.row_names[i][0] in TARGETS else 1.0)
        h.addCol(weight, 0.0, INF, 1, np.array([i], dtype=np.int32), np.array([-1.0 if comp.row_sense[i] == 1 else 1.0]))
    h.setOptionValue("time_limit", 120.0)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return ""
    slack = np.asarray(h.getSolution().col_value)[comp.n_cols:comp.n_cols + len(rows)]
    lines = [f"\n  - {FAMILIES.get(comp.row_names[i][0], ('', comp.row_names[i][0]))[1]} ({comp.row_names[i][0]}) "
             f"[{comp.row_names[i][1]}]: short by {s:,.2f} {FAMILIES.get(comp.row_names[i][0], ('', ''))[0]}"
             for i, s in zip(rows, slack) if s > 1e-6]
    return "; to find a plan these had to be relaxed:" + "".join(lines) if lines else ""


def _nonzeros(comp: Compiled) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of every nonzero of the live model's matrix."""
    a = comp.highs.getLp().a_matrix_
    start = np.asarray(a.start_)
    return np.asarray(a.index_), np.repeat(np.arange(comp.n_cols), np.diff(start)), np.asarray(a.value_)


def iis(comp: Compiled, time_limit: float = 60.0) -> list[str]:
    """Rows of an irreducible infeasible set of the LP relaxation, in plain words (may be empty
    when only the integer model is infeasible)."""
    h = _copy(comp)
    h.setOptionValue("time_limit", float(time_limit))
    n = comp.n_cols
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.array([highspy.HighsVarType.kContinuous] * n))
    h.setOptionValue("iis_strategy", 2)  # the full IIS from the LP (the default only runs a cheap bounds test)
    status, result = h.getIis()
    if status == highspy.HighsStatus.kError or not result.valid_:
        return []
    lines = []
    for r in result.row_index_:
        fam, key = comp.row_names[r]
        words = FAMILIES.get(fam, ("", fam))[1]
        lines.append(f"{words} ({fam}) [{key}]")
    return lines


_TABLE_COLUMNS = ["family", "key", "unit", "activity", "bound", "slack", "shadow_price"]


class ShadowPriceLP:
    """The LP of the shadow prices: route choices fixed at a plan, integers relaxed.

    Upgrade units and storage modules become continuous, so a transformer group that bought
    units is priced at unit cost / unit kVA, and storage at module cost / module size. Caps
    that only route choices can move (gas, budget, coverage, heat sources) price at zero in
    this LP unless the relaxed integers make them marginal; `shadow_price` is
    d(objective)/d(bound) in 10^4 yuan/a per unit of the row. The LP is a copy of the model;
    a sweep keeps it alive, changes its costs and caps with the model's (`apply`) and re-solves
    it from the last basis (about 1 ms instead of a copy and a cold solve).
    """

    def __init__(self, comp: Compiled):
        h = _copy(comp)
        n = comp.n_cols
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * n))
        self.h = h
        lp = h.getLp()
        self.lower, self.upper = np.array(lp.row_lower_, dtype=float), np.array(lp.row_upper_, dtype=float)
        self.has_col = comp.x_col >= 0
        self.x_cols = comp.x_col[self.has_col].astype(np.int32)
        self.rows = np.array([i for i, (fam, _) in enumerate(comp.row_names) if fam != ROUTE_ROWS], dtype=int)
        self.family = np.array([comp.row_names[i][0] for i in self.rows], dtype=object)
        self.key = np.array([comp.row_names[i][1] for i in self.rows], dtype=object)
        self.unit = np.array([FAMILIES[f][0] for f in self.family], dtype=object)
        self.upper_row = comp.row_sense[self.rows] == 1
        self.offset = comp.row_offset[self.rows]
        # in the integer sense a cap binds when no further option fits in what is left: slack below
        # the smallest coefficient of a route choice in the row
        nz_row, nz_col, nz_val = _nonzeros(comp)
        is_x = np.zeros(n, dtype=bool)
        is_x[self.x_cols] = True
        keep = is_x[nz_col] & (nz_val != 0)
        smallest = np.full(comp.n_rows, np.inf)
        np.minimum.at(smallest, nz_row[keep], np.abs(nz_val[keep]))
        self.smallest = smallest[self.rows]

    def apply(self, cols: np.ndarray, costs: np.ndarray, rows: np.ndarray, upper: np.ndarray) -> None:
        """The model's new column costs and row upper bounds (a sweep's update)."""
        if len(cols):
            self.h.changeColsCost(len(cols), cols, costs)
        if len(rows):
            self.upper[rows] = upper
            self.h.changeRowsBounds(len(rows), rows, self.lower[rows], upper)

    def prices(self, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
        """The table of every cap and target row at this plan: activity, bound, slack, shadow price, binding."""
        vals = sol.x[self.has_col].astype(float)
        if len(self.x_cols):
            self.h.changeColsBounds(len(self.x_cols), self.x_cols, vals, vals)
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return pd.DataFrame(columns=_TABLE_COLUMNS)
        s = self.h.getSolution()
        act = np.asarray(s.row_value)[self.rows]
        dual = np.asarray(s.row_dual)[self.rows]
        bound = np.where(self.upper_row, self.upper[self.rows], self.lower[self.rows])
        slack = np.where(self.upper_row, bound - act, act - bound)
        df = pd.DataFrame({"family": self.family, "key": self.key, "unit": self.unit, "activity": act + self.offset,
                           "bound": bound + self.offset, "slack": slack, "shadow_price": dual})
        if df.empty:
            return df
        tol = rel_tol * np.maximum(1.0, np.abs(bound + self.offset))
        df["binding"] = (np.abs(slack) <= tol) | (np.abs(dual) > 1e-9) | (slack < self.smallest)
        return df


def shadow_prices(comp: Compiled, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
    """Duals of the caps in the LP with route choices fixed at the plan `sol` (see ShadowPriceLP)."""
    return ShadowPriceLP(comp).prices(sol, rel_tol)


def binding_table(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["binding"]].reset_index(drop=True) if len(df) else df


def shadow_dataset(df: pd.DataFrame) -> xr.Dataset:
    """The 'what binds' table as variables on a `constraint` dim (every cap row, binding flagged)."""
    from model.registry import OUTPUTS

    labels = [f"{f}[{k}]" for f, k in zip(df.get("family", []), df.get("key", []))]
    data = {
        "constraint_family": df.get("family", pd.Series(dtype=str)).astype(str).to_numpy(),
        "constraint_key": df.get("key", pd.Series(dtype=str)).astype(str).to_numpy(),
        "constraint_unit": df.get("unit", pd.Series(dtype=str)).astype(str).to_numpy(),
        "constraint_activity": df.get("activity", pd.Series(dtype=float)).to_numpy(dtype=float),
        "constraint_bound": df.get("bound", pd.Series(dtype=float)).to_numpy(dtype=float),
        "constraint_slack": df.get("slack", pd.Series(dtype=float)).to_numpy(dtype=float),
        "constraint_binding": df.get("binding", pd.Series(dtype=bool)).to_numpy(dtype=np.int8),
        "shadow_price": df.get("shadow_price", pd.Series(dtype=float)).to_numpy(dtype=float),
    }
    return xr.Dataset({k: xr.Variable(("constraint",), v, attrs={"units": OUTPUTS[k].unit, "long_name": OUTPUTS[k].long_name})
                       for k, v in data.items()}, coords={"constraint": np.array(labels, dtype=str)})


def diagnosis_dataset(relaxed: list[Relaxation], iis_rows: list[str], attrs: dict) -> xr.Dataset:
    """What had to be relaxed, per cap, with the zones and counties involved."""
    from model.registry import OUTPUTS

    def var(name, values, dims=("relaxed",)):
        return xr.Variable(dims, values, attrs={"units": OUTPUTS[name].unit, "long_name": OUTPUTS[name].long_name})

    ds = xr.Dataset({
        "relaxed_family": var("relaxed_family", np.array([r.family for r in relaxed], dtype=str)),
        "relaxed_key": var("relaxed_key", np.array([r.key for r in relaxed], dtype=str)),
        "relaxed_amount": var("relaxed_amount", np.array([r.amount for r in relaxed], dtype=float)),
        "relaxed_unit": var("relaxed_unit", np.array([r.unit for r in relaxed], dtype=str)),
        "relaxed_zone_count": var("relaxed_zone_count", np.array([len(r.zones) for r in relaxed], dtype=np.int64)),
        "relaxed_counties": var("relaxed_counties", np.array([";".join(r.counties) for r in relaxed], dtype=str)),
        "iis_row": var("iis_row", np.array(iis_rows, dtype=str), dims=("iis",)),
    }, coords={"relaxed": np.array([f"{r.family}[{r.key}]" for r in relaxed], dtype=str)})
    ds.attrs.update(attrs)
    return ds
