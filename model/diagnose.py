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

from model.families import FAMILIES as BUILT_IN
from model.horizon import Horizon
from model.solve import INF, Compiled, Solution, layout_values

# family -> (unit of the row, plain words) of the built-in families; a run's own families
# (policies, extras) travel with the compiled model (`Compiled.families`)
FAMILIES = {f.name: (f.unit, f.words) for f in BUILT_IN}


def _choice_rows(comp: Compiled) -> set[str]:
    return {name for name, fam in comp.families.items() if fam.kind == "choice"}


def _words(comp: Compiled | None, family: str) -> tuple[str, str]:
    """(unit, plain words) of a family."""
    fam = comp.families.get(family) if comp is not None else None
    return (fam.unit, fam.words) if fam is not None else FAMILIES.get(family, ("", family))


class PresolveInfeasible(Exception):
    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("the inputs cannot be met by any plan:\n" + "\n".join(f"  - {line}" for line in lines))


def presolve_checks(hz: Horizon) -> None:
    """Catch targets no plan can reach before the solver does (every year of the horizon)."""
    lines = []
    for inst in hz.insts:
        lines += _presolve_year(inst, hz.K > 1 and not inst.subsidy_to_date, f" in {inst.year}" if hz.K > 1 else "")
    if lines:
        raise PresolveInfeasible(lines)


def _presolve_year(inst, skip_budget: bool, when: str) -> list[str]:
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
            lines.append(f"coverage target {label}{when} asks for {need:,.0f} clean households but the allowed routes "
                         f"reach only {reach:,.0f}: {int(stuck.sum())} zones have no clean route "
                         f"(e.g. {', '.join(inst.zone_ids[stuck][:5])})")
        if share >= 1.0:
            must_be_clean |= zmask
    if skip_budget:  # an annual budget of a pathway year may leave conversions to other years
        return lines
    # least subsidy: every zone that must be clean takes its least-subsidised clean option
    subsidy = inst.q["subsidy_equipment"] + inst.q["subsidy_running"]
    least = np.full(len(inst.zone_ids), np.inf)
    np.minimum.at(least, inst.pair_zone[clean_opt], subsidy[clean_opt])
    floor = least[must_be_clean & zone_can_be_clean].sum()
    budget = inst.caps["subsidy_budget_10k_yuan"]
    if floor > budget + 1e-9:
        lines.append(f"subsidy budget{when} {budget:,.1f} 10^4 yuan is below the least any plan needs, {floor:,.1f} "
                     "10^4 yuan (zones that must be clean, each on its least-subsidised clean route)")
    return lines


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
    unit: str = ""
    words: str = ""

    def __post_init__(self):
        unit, words = FAMILIES.get(self.family, ("", self.family))
        self.unit = self.unit or unit
        self.words = self.words or words

    def __str__(self) -> str:
        words = self.words
        where = f" [{self.key}]" if self.key != "city" else ""
        tail = ""
        if self.zones:
            tail = f"; {len(self.zones)} zones involved in {', '.join(self.counties[:6])}" + (
                " ..." if len(self.counties) > 6 else "")
        return f"{words} ({self.family}){where}: short by {self.amount:,.2f} {self.unit}{tail}"


def elastic(comp: Compiled, hz: Horizon, penalty: float = 1e4, target_weight: float = 1e3,
            time_limit: float = 120.0) -> list[Relaxation]:
    """Penalised slack on every cap and target row (one-route rows stay hard).

    Minimises sum_i w_i s_i with w_i = penalty / scale_i, scale_i = max(1, |bound_i|, sum_j |a_ij|):
    a relaxation is weighed by how far it moves the row in proportion to the row's size, not by
    its unit. Targets (families of kind "target") weigh target_weight times more than caps, so the
    diagnosis says which supply, grid or budget cap is short before it says a target cannot be met.
    """
    inst = hz.first
    free = hz.free
    h = _copy(comp)
    lp = comp.highs.getLp()
    lower, upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    nz_row, nz_col, nz_val = _nonzeros(comp)
    row_size = np.bincount(nz_row, weights=np.abs(nz_val), minlength=comp.n_rows)
    choice = _choice_rows(comp)
    rows = [i for i, (fam, _) in enumerate(comp.row_names) if fam not in choice]
    for i in rows:
        bound = upper[i] if comp.row_sense[i] == 1 else lower[i]
        coef = -1.0 if comp.row_sense[i] == 1 else 1.0
        weight = penalty / max(1.0, abs(bound), row_size[i])
        if comp.families[comp.row_names[i][0]].kind == "target":
            weight *= target_weight
        h.addCol(weight, 0.0, INF, 1, np.array([i], dtype=np.int32), np.array([coef]))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return []
    col = np.asarray(h.getSolution().col_value)
    slack = col[comp.n_cols:comp.n_cols + len(rows)]
    x = np.rint(comp.layout.conversions(layout_values(comp, col))).ravel()
    chosen = free[comp.layout.col_f[x > 0.5]]
    pair_of_col = {c: p for c, p in zip(comp.x_col, free[comp.layout.col_f])}
    out = []
    for i, s in zip(rows, slack):
        if s <= 1e-6:
            continue
        fam, key = comp.row_names[i]
        cols_in_row = set(nz_col[nz_row == i].tolist())
        used = {pair_of_col[c] for c in cols_in_row if c in pair_of_col}
        if comp.families[fam].kind == "target":
            # zones of the target that stay unclean
            clean = set(inst.pair_zone[chosen][inst.q["clean_households"][chosen] > 0])
            zones = sorted({int(inst.pair_zone[p]) for p in used} - clean)
        else:
            zones = sorted(set(inst.pair_zone[np.intersect1d(sorted(used), chosen)]))
        counties = sorted({str(inst.county_names[inst.zone_county[z]]) for z in zones})
        unit, words = _words(comp, fam)
        out.append(Relaxation(fam, key, float(s), [str(inst.zone_ids[z]) for z in zones], counties, unit, words))
    return out


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
        words = _words(comp, fam)[1]
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
        self.layout = comp.layout
        self.has_col = comp.x_col >= 0
        self.x_cols = comp.x_col[self.has_col].astype(np.int32)
        choice = _choice_rows(comp)
        self.rows = np.array([i for i, (fam, _) in enumerate(comp.row_names) if fam not in choice], dtype=int)
        self.family = np.array([comp.row_names[i][0] for i in self.rows], dtype=object)
        self.key = np.array([comp.row_names[i][1] for i in self.rows], dtype=object)
        self.unit = np.array([_words(comp, f)[0] for f in self.family], dtype=object)
        self.year = comp.row_year[self.rows] if len(self.rows) else np.zeros(0, dtype=np.int64)
        self.multi_year = comp.layout.K > 1
        self.constant = list(comp.constant_rows)
        self.kinds = {name: fam.kind for name, fam in comp.families.items()}
        self.units = {name: _words(comp, name)[0] for name in comp.families}
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
        smallest[~np.isfinite(smallest)] = 0.0  # a row without route choices binds only at its bound
        self.smallest = smallest[self.rows]

    def apply(self, cols: np.ndarray, costs: np.ndarray, rows: np.ndarray, lower: np.ndarray,
              upper: np.ndarray) -> None:
        """The model's new column costs and row bounds (a sweep's update)."""
        if len(cols):
            self.h.changeColsCost(len(cols), cols, costs)
        if len(rows):
            self.lower[rows], self.upper[rows] = lower, upper
            self.h.changeRowsBounds(len(rows), rows, lower, upper)

    def prices(self, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
        """The table of every cap and target row at this plan: activity, bound, slack, shadow price, binding."""
        vals = self.layout.option_columns(sol.x.reshape(self.layout.n_f, self.layout.K))[self.has_col]
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
        if self.multi_year:
            df["year_index"] = self.year
        if self.constant:  # rows no plan choice enters: the zones without a choice decide them
            c = pd.DataFrame(self.constant, columns=["family", "key", "year_index", "activity", "lower", "upper"])
            c = c[c["family"].map(lambda f: self.kinds.get(f, "cap") != "choice")]
            upper_row = np.isfinite(c["upper"].to_numpy(dtype=float))
            c["bound"] = np.where(upper_row, c["upper"], c["lower"])
            c["slack"] = np.where(upper_row, c["bound"] - c["activity"], c["activity"] - c["bound"])
            c["unit"] = c["family"].map(self.units)
            c["shadow_price"] = 0.0
            df = pd.concat([df, c[[*df.columns]]], ignore_index=True)
        if df.empty:
            return df
        n = len(self.rows)
        smallest = np.r_[self.smallest, np.zeros(len(df) - n)]
        tol = rel_tol * np.maximum(1.0, np.abs(df["bound"].to_numpy(dtype=float)))
        slack_all, dual_all = df["slack"].to_numpy(dtype=float), df["shadow_price"].to_numpy(dtype=float)
        df["binding"] = (np.abs(slack_all) <= tol) | (np.abs(dual_all) > 1e-9) | (slack_all < smallest)
        return df


def shadow_prices(comp: Compiled, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
    """Duals of the caps in the LP with route choices fixed at the plan `sol` (see ShadowPriceLP)."""
    return ShadowPriceLP(comp).prices(sol, rel_tol)


def binding_table(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["binding"]].reset_index(drop=True) if len(df) else df


def shadow_dataset(df: pd.DataFrame, comp: Compiled | None = None, hz: Horizon | None = None) -> xr.Dataset:
    """The 'what binds' table as variables on a `constraint` dim (every cap row, binding flagged),
    with each family's Chinese and English name (policies and extras included) and, in a
    pathway, the year of each row."""
    from model.registry import OUTPUTS, PATHWAY_OUTPUTS

    fams = comp.families if comp is not None else {f.name: f for f in BUILT_IN}
    names = [fams[f] if f in fams else None for f in df.get("family", [])]
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
        "constraint_name_zh": np.array([f.zh if f else "" for f in names], dtype=str),
        "constraint_name_en": np.array([f.en if f else "" for f in names], dtype=str),
        "constraint_kind": np.array([f.kind if f else "" for f in names], dtype=str),
    }
    if hz is not None and hz.K > 1:
        k = df.get("year_index", pd.Series(dtype=np.int64)).to_numpy(dtype=np.int64)
        data["constraint_year"] = np.where(k >= 0, np.asarray(hz.years)[np.maximum(k, 0)], 0)
    specs = {**PATHWAY_OUTPUTS, **OUTPUTS}
    return xr.Dataset({k: xr.Variable(("constraint",), v, attrs={"units": specs[k].unit, "long_name": specs[k].long_name})
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
