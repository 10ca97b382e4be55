"""Why a plan is infeasible, what binds, and what one more unit is worth.

- `presolve_checks`: the obvious, before the solver (coverage out of reach, budget below
  a floor any plan needs).
- `model.relax`: the least relaxation of the caps and targets that makes an infeasible case
  feasible, and each family that alone would; `diagnosis_dataset` writes it.
- `iis`: an irreducible infeasible set of the LP relaxation (HiGHS), in plain words.
- `shadow_prices` (`ShadowPriceLP`): activity, slack and binding status of every cap and target
  row at the integer plan, and the duals of the LP with the plan's routes fixed.
- `model.marginal`: what one more unit of a binding cap is worth to the MIP (re-solves).
"""
from __future__ import annotations

import dataclasses

import highspy
import numpy as np
import pandas as pd
import xarray as xr

from model.families import FAMILIES as BUILT_IN
from model.horizon import Horizon
from model.relax import Relaxation, Relief  # noqa: F401  (Relaxation: re-exported)
from model.solve import Compiled, Solution

# the MIP's value of one more unit of a binding cap (`model.marginal`), on the constraint dim
MARGINAL_COLUMNS = ("marginal_step", "marginal_value", "marginal_value_low", "marginal_value_high")

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


def presolve_checks(hz: Horizon) -> list[str]:
    """Catch what no plan can meet before the solver does (every year of the horizon).

    A coverage target the allowed routes cannot reach raises PresolveInfeasible (no cap
    relaxation helps; its figures are exact). A subsidy budget below a floor any plan needs
    (the zones that must be clean, each on its least-subsidised clean route) is returned: the
    case is infeasible, and `model.relax` finds the exact least budget (the floor ignores the
    other caps, so it may be less)."""
    lines, budget = [], []
    for inst in hz.insts:
        reach, short = _presolve_year(inst, hz.K > 1 and not inst.subsidy_to_date, f" in {inst.year}" if hz.K > 1 else "")
        lines += reach
        budget += short
    if lines:
        raise PresolveInfeasible(lines)
    return budget


def _presolve_year(inst, skip_budget: bool, when: str) -> tuple[list[str], list[str]]:
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
        return lines, []
    # least subsidy: every zone that must be clean takes its least-subsidised clean option
    subsidy = inst.q["subsidy_equipment"] + inst.q["subsidy_running"]
    least = np.full(len(inst.zone_ids), np.inf)
    np.minimum.at(least, inst.pair_zone[clean_opt], subsidy[clean_opt])
    floor = least[must_be_clean & zone_can_be_clean].sum()
    budget = inst.caps["subsidy_budget_10k_yuan"]
    short = []
    if floor > budget + 1e-9:
        short.append(f"subsidy budget{when} {budget:,.1f} 10^4 yuan is below {floor:,.1f} 10^4 yuan, which the zones "
                     "that must be clean need at least (each on its least-subsidised clean route)")
    return lines, short


def _copy(comp: Compiled) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(comp.highs.getModel())
    return h


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


_TABLE_COLUMNS = ["family", "key", "unit", "activity", "bound", "slack", "shadow_price", "binding"]


def plan_columns(comp: Compiled, sol: Solution) -> np.ndarray:
    """The plan as values of the compiled model's columns: route choices (0/1), upgrade units and
    storage modules as the integers the plan buys (`Solution.values` when the solver gave them,
    else rebuilt from x, upgrades and modules: a single year)."""
    lay = comp.layout
    if sol.values is not None:
        vals = np.asarray(sol.values, dtype=float)
    else:
        vals = np.zeros(lay.n_cols)
        vals[: lay.n_x] = lay.option_columns(np.asarray(sol.x, dtype=float).reshape(lay.n_f, lay.K))
        for pos, g in enumerate(lay.groups.tolist()):
            vals[lay.upgrade(pos, lay.K - 1)] = sol.upgrade.get(int(g), 0)
        vals[lay.modules(lay.K - 1)] = sol.modules
    col = np.zeros(comp.n_cols)
    has = comp.col_of >= 0
    col[comp.col_of[has]] = vals[has]
    return col


class ShadowPriceLP:
    """What binds in a plan, and the marginal values of the LP with the plan's routes fixed.

    Activity, slack and binding status of every cap and target row are the integer plan's own:
    activity_i = sum_j a_ij x_j + constant_i with x the plan's route choices (0/1), upgrade units
    and storage modules (integers), in the row's unit; slack = bound - activity for a cap,
    activity - bound for a target. A row binds when
      - its slack is 0 (within rel_tol of the bound), or
      - its slack is less than the smallest change any one route choice makes in the row (no
        further option fits in what is left), or
      - it holds purchases the plan makes (upgrade units, storage modules) and its slack is less
        than one unit of them (the row sets how many are bought: one fewer breaks it).

    `shadow_price` is the dual of the LP of the plan: route choices fixed at the plan, upgrade
    units and storage modules continuous; d(objective)/d(bound) in 10^4 yuan/a per unit of the
    row ("marginal value with routes fixed"). A transformer group that bought units prices at
    unit cost / unit kVA, storage at module cost / module size; caps that only route choices can
    move (gas, budget, coverage, heat sources) price at 0 in this LP, whatever moving them is
    worth to the MIP (`model.marginal` re-solves the MIP for that). The LP is a copy of the model;
    a sweep keeps it alive, changes its costs and caps with the model's (`apply`) and re-solves
    it from the last basis (about 1 ms instead of a copy and a cold solve).
    """

    def __init__(self, comp: Compiled):
        h = _copy(comp)
        n = comp.n_cols
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * n))
        self.h = h
        self.comp = comp
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
        # the rows' terms, for activities at a plan
        nz_row, nz_col, nz_val = _nonzeros(comp)
        pos = np.full(comp.n_rows, -1)
        pos[self.rows] = np.arange(len(self.rows))
        mine = pos[nz_row] >= 0
        self.nz_pos, self.nz_col, self.nz_val = pos[nz_row[mine]], nz_col[mine], nz_val[mine]
        # in the integer sense a row binds when no further option fits in what is left: slack below
        # the smallest coefficient of a route choice in the row
        is_x = np.zeros(n, dtype=bool)
        is_x[self.x_cols] = True
        keep = is_x[self.nz_col] & (self.nz_val != 0)
        smallest = np.full(len(self.rows), np.inf)
        np.minimum.at(smallest, self.nz_pos[keep], np.abs(self.nz_val[keep]))
        smallest[~np.isfinite(smallest)] = 0.0  # a row without route choices binds only at its bound
        self.smallest = smallest
        self.purchase = ~is_x[self.nz_col] & (self.nz_val != 0)  # terms of upgrade units and storage modules

    def apply(self, cols: np.ndarray, costs: np.ndarray, rows: np.ndarray, lower: np.ndarray,
              upper: np.ndarray) -> None:
        """The model's new column costs and row bounds (a sweep's update)."""
        if len(cols):
            self.h.changeColsCost(len(cols), cols, costs)
        if len(rows):
            self.lower[rows], self.upper[rows] = lower, upper
            self.h.changeRowsBounds(len(rows), rows, lower, upper)

    def prices(self, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
        """Every cap and target row at the plan `sol`: activity, bound, slack and binding (the
        integer plan's), and the marginal value with routes fixed (`shadow_price`)."""
        col = plan_columns(self.comp, sol)
        n = len(self.rows)
        act = np.bincount(self.nz_pos, weights=self.nz_val * col[self.nz_col], minlength=n)
        vals = self.layout.option_columns(sol.x.reshape(self.layout.n_f, self.layout.K))[self.has_col]
        if len(self.x_cols):
            self.h.changeColsBounds(len(self.x_cols), self.x_cols, vals, vals)
        self.h.run()
        if self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            dual = np.asarray(self.h.getSolution().row_dual)[self.rows]
        else:  # the LP of the plan failed: no marginal values, the plan's rows still stand
            dual = np.full(n, np.nan)
        bound = np.where(self.upper_row, self.upper[self.rows], self.lower[self.rows])
        slack = np.where(self.upper_row, bound - act, act - bound)
        # one unit fewer of a purchase in the row would break it
        bought = self.purchase & (np.rint(col[self.nz_col]) > 0)
        unit = np.full(n, np.inf)
        np.minimum.at(unit, self.nz_pos[bought], np.abs(self.nz_val[bought]))
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
            return df.assign(binding=pd.Series(dtype=bool))
        extra = len(df) - n
        smallest = np.r_[self.smallest, np.zeros(extra)]
        unit = np.r_[unit, np.full(extra, np.inf)]
        tol = rel_tol * np.maximum(1.0, np.abs(df["bound"].to_numpy(dtype=float)))
        slack_all = df["slack"].to_numpy(dtype=float)
        sets_purchases = np.isfinite(unit) & (slack_all < unit - tol)
        df["binding"] = (np.abs(slack_all) <= tol) | (slack_all < smallest) | sets_purchases
        return df


def shadow_prices(comp: Compiled, sol: Solution, rel_tol: float = 1e-6) -> pd.DataFrame:
    """What binds in the plan `sol`, with the duals of the LP with its routes fixed (see ShadowPriceLP)."""
    return ShadowPriceLP(comp).prices(sol, rel_tol)


def objective_attrs(hz: Horizon, sol: Solution) -> dict:
    """What the objective includes, the annuity formula and the MIP gap's basis (dataset attrs),
    with the gap measured on the total objective as well.

    HiGHS's relative gap is (objective - bound) / objective on its own objective: the cost of
    the zones with a choice, whole (their base routes' cost is its constant), plus upgrades and
    storage modules. The total adds the zones without a choice (a constant outside the solver),
    so on the total the same absolute gap is a smaller share:
        mip_gap_total = (objective - bound) / (objective + fixed zones' cost).
    """
    single = hz.K == 1
    unit = "10^4 yuan/a" if single else "10^4 yuan"
    fixed = hz.fixed_cost()
    total = float(sol.objective) + fixed
    out = {
        "objective_includes": (
            "every zone's heating (decided or not): annuities of route and envelope-retrofit investments, fixed O&M, "
            "fuel at the year's prices; transformer upgrade units and gas storage modules as annuities. Subsidies are "
            "transfers: budget-constrained and reported, not costed"
            + ("" if single else f"; discounted at discount_rate to base year {hz.base_year}, annuities counted "
                                 "only for the years inside the horizon (no salvage value)")),
        "annuity_formula": "annuity = capex * r (1 + r)^n / ((1 + r)^n - 1), r = discount_rate, n = lifetime_yr "
                           "(capex / n when r = 0)",
        "mip_gap_basis": ("mip_gap = (objective - bound) / objective on HiGHS's objective: the zones with a choice, "
                          "their whole cost (their base routes' cost is the objective's constant), plus upgrades and "
                          f"storage; the zones without a choice ({fixed:,.1f} {unit}) are added after the solve; "
                          "mip_gap_total is the same absolute gap on the total objective"),
    }
    gap_abs = float(sol.objective) - float(sol.bound)
    if np.isfinite(gap_abs) and total != 0:
        key = "mip_gap_abs_10k_yuan_per_a" if single else "mip_gap_abs_10k_yuan"
        out.update({key: max(gap_abs, 0.0), "mip_gap_total": max(gap_abs, 0.0) / abs(total)})
    out["fixed_zones_cost_10k_yuan_per_a" if single else "fixed_zones_cost_10k_yuan"] = fixed
    return out


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
    for name in MARGINAL_COLUMNS:  # the MIP's step values (model.marginal), where the run asked for them
        if name in df:
            data[name] = df[name].to_numpy(dtype=float)
    specs = {**PATHWAY_OUTPUTS, **OUTPUTS}
    if hz is not None and hz.K > 1:  # a pathway's objective is a discounted total: values per unit in 10^4 yuan
        specs.update({k: dataclasses.replace(OUTPUTS[k], unit=OUTPUTS[k].unit.replace("yuan/a", "yuan"))
                      for k in ("shadow_price", *MARGINAL_COLUMNS[1:])})
    return xr.Dataset({k: xr.Variable(("constraint",), v, attrs={"units": specs[k].unit, "long_name": specs[k].long_name})
                       for k, v in data.items()}, coords={"constraint": np.array(labels, dtype=str)})


def diagnosis_dataset(relaxed: list[Relaxation], iis_rows: list[str], attrs: dict,
                      alternatives: list[Relief] = ()) -> xr.Dataset:
    """The least relaxation (`relaxed` dim: per row, its amount and bound, the zones and counties
    involved) and every family that alone restores feasibility (`alternative` dim)."""
    from model.registry import OUTPUTS

    def var(name, values, dims=("relaxed",)):
        return xr.Variable(dims, values, attrs={"units": OUTPUTS[name].unit, "long_name": OUTPUTS[name].long_name})

    def alt(name, values):
        return var(name, values, ("alternative",))

    least = attrs.get("least_relaxation_families", "")
    ds = xr.Dataset({
        "relaxed_family": var("relaxed_family", np.array([r.family for r in relaxed], dtype=str)),
        "relaxed_key": var("relaxed_key", np.array([r.key for r in relaxed], dtype=str)),
        "relaxed_amount": var("relaxed_amount", np.array([r.amount for r in relaxed], dtype=float)),
        "relaxed_unit": var("relaxed_unit", np.array([r.unit for r in relaxed], dtype=str)),
        "relaxed_bound": var("relaxed_bound", np.array([r.bound for r in relaxed], dtype=float)),
        "relaxed_new_bound": var("relaxed_new_bound", np.array([r.new_bound for r in relaxed], dtype=float)),
        "relaxed_year": var("relaxed_year", np.array([r.year for r in relaxed], dtype=np.int64)),
        "relaxed_zone_count": var("relaxed_zone_count", np.array([len(r.zones) for r in relaxed], dtype=np.int64)),
        "relaxed_counties": var("relaxed_counties", np.array([";".join(r.counties) for r in relaxed], dtype=str)),
        "alternative_families": alt("alternative_families", np.array([";".join(a.families) for a in alternatives], dtype=str)),
        "alternative_amount": alt("alternative_amount", np.array([sum(a.totals.values()) if len(a.families) == 1 else np.nan
                                                                  for a in alternatives], dtype=float)),
        "alternative_amount_lower": alt("alternative_amount_lower", np.array(
            [sum(a.lower.values()) if len(a.families) == 1 else np.nan for a in alternatives], dtype=float)),
        "alternative_unit": alt("alternative_unit", np.array([a.rows[0].unit if a.rows else "" for a in alternatives],
                                                             dtype=str)),
        "alternative_text": alt("alternative_text", np.array([a.describe() for a in alternatives], dtype=str)),
        "alternative_is_least": alt("alternative_is_least", np.array([";".join(a.families) == least
                                                                      for a in alternatives], dtype=np.int8)),
        "alternative_cost": alt("alternative_cost", np.array([a.cost for a in alternatives], dtype=float)),
        "iis_row": var("iis_row", np.array(iis_rows, dtype=str), dims=("iis",)),
    }, coords={"relaxed": np.array([f"{r.family}[{r.key}]" for r in relaxed], dtype=str),
               "alternative": np.arange(len(alternatives))})
    ds.attrs.update(attrs)
    return ds
