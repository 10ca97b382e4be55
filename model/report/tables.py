"""Report tables from a result dataset: pure functions, full precision, labelled per language.

Units are the dataset's (attrs['units']) in the planner's notation: 万m², 万m³, 万kWh, 万元, tce.
The only conversions: shares to %, PM2.5 from kg to t, investment per household from 万元 to 元.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from model.registry import HEATING_STATUSES
from model.report.labels import CATEGORIES, CONSTRAINT_FAMILIES, T, header, unit_label

# Dims of one run's dataset; any other dim of `objective` is a swept parameter.
RUN_DIMS = ("zone", "route", "county", "transformer_group", "heat_source", "cost_component", "constraint")

REQUIRED = ("households", "households_converted", "households_to_clean", "households_by_status", "floor_area_by_status",
            "zone_heating_status", "zone_subsidy_equipment", "zone_subsidy_running", "zone_annuity", "zone_cost", "floor_area_converted", "floor_area", "investment", "objective",
            "cost", "gas_annual", "gas_annual_cap", "gas_peak_day", "gas_peak_day_cap", "storage_required",
            "storage_existing", "storage_built", "storage_modules", "subsidy_equipment", "subsidy_running",
            "subsidy_budget", "transformer_load", "transformer_capacity", "transformer_upgrade_units",
            "transformer_capacity_after", "coal_displaced", "co2_avoided", "pm25_avoided", "clean_share")
REQUIRED_COORDS = ("route_category", "county_name_zh")

# Units used when a variable carries none (datasets from model.results always do).
DEFAULT_UNITS = {"gas_annual": "10^4 m^3", "gas_annual_cap": "10^4 m^3", "gas_peak_day": "10^4 m^3/d",
                 "gas_peak_day_cap": "10^4 m^3/d", "storage_required": "10^4 m^3", "storage_existing": "10^4 m^3",
                 "storage_built": "10^4 m^3", "storage_modules": "modules", "subsidy_equipment": "10^4 yuan",
                 "subsidy_running": "10^4 yuan/a", "subsidy_budget": "10^4 yuan", "objective": "10^4 yuan/a",
                 "investment": "10^4 yuan", "floor_area_converted": "10^4 m^2", "floor_area": "10^4 m^2",
                 "coal_displaced": "tce/a", "co2_avoided": "t/a", "pm25_avoided": "kg/a",
                 "zone_electricity": "10^4 kWh", "transformer_load": "kVA", "heat_source_load": "MW",
                 "cost": "10^4 yuan/a", "households": "households", "rural_gas_new_households": "households"}


@dataclass
class Table:
    """One report table: `df` holds the numbers at full precision with localized headers."""

    id: str
    title: str
    df: pd.DataFrame
    note: str = ""
    html_rows: int | None = None  # show at most this many rows in HTML/Markdown (CSV has all)
    percent_cols: tuple[str, ...] = field(default_factory=tuple)
    total_row: bool = False  # the last row sums the rows above (the workbook writes it as formulas)
    key_cols: int = 2  # leading label columns (repeated when a wide table is split for the page)
    html_hide: tuple[str, ...] = ()  # columns the printed report leaves to the workbook (codes, flags)


def missing_variables(ds: xr.Dataset) -> list[str]:
    """Names the report needs that the dataset lacks."""
    miss = [v for v in REQUIRED if v not in ds.variables]
    return miss + [c for c in REQUIRED_COORDS if c not in ds.coords and c not in ds.variables]


def sweep_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """Swept parameters: the dims of the scalar `objective` (none for a single run)."""
    return tuple(d for d in ds["objective"].dims if d not in RUN_DIMS)


def sweep_points(ds: xr.Dataset) -> list[tuple[str, dict, xr.Dataset]]:
    """(label, {dim: value}, one-run dataset) for every point of a sweep, in order."""
    dims = sweep_dims(ds)
    if not dims:
        return [("", {}, ds)]
    out = []
    for idx in np.ndindex(*[ds.sizes[d] for d in dims]):
        sel = dict(zip(dims, idx))
        point = ds.isel(sel)
        values = {d: point[d].item() if d in point.coords else i for d, i in sel.items()}
        label = ", ".join(f"{d}={_fmt_coord(v)}" for d, v in values.items())
        out.append((label, values, point))
    return out


def _fmt_coord(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def units(ds: xr.Dataset, name: str) -> str:
    u = ds[name].attrs.get("units") if name in ds.variables else None
    return u or DEFAULT_UNITS.get(name, "")


def _f(x) -> float:
    return float(np.nansum(np.asarray(x, dtype=float)))


def _cost(ds: xr.Dataset, comp: str) -> float:
    if comp in ds["cost"].coords.get("cost_component", xr.DataArray([])).values:
        return _f(ds["cost"].sel(cost_component=comp))
    return 0.0


def metrics(ds: xr.Dataset) -> dict[str, tuple[float, str]]:
    """Headline numbers of one run: key -> (value, unit in dataset notation)."""
    m: dict[str, tuple[float, str]] = {}
    hh_county = ds["households"].sum("route")
    hh_total = _f(hh_county)
    conv = _f(ds["households_converted"])
    inv = _f(ds["investment"])
    m["households_total"] = (hh_total, "households")
    status = ds["households_by_status"].sum("county")
    for st in HEATING_STATUSES:
        m[f"households_{st}"] = (float(status.sel(heating_status=st)), "households")
    area = ds["floor_area_by_status"].sum("county")
    m["floor_area_converted_to_clean"] = (float(area.sel(heating_status="converted_to_clean")), units(ds, "floor_area_by_status"))
    m["households_converted"] = (conv, "households")
    m["floor_area_converted"] = (_f(ds["floor_area_converted"]), units(ds, "floor_area_converted"))
    m["clean_share"] = (100.0 * _f(ds["clean_share"] * hh_county) / hh_total if hh_total else 0.0, "%")
    m["investment_total"] = (inv, units(ds, "investment"))
    m["investment_per_household"] = (inv * 1e4 / conv if conv else 0.0, "yuan/household")
    zones = zone_frame(ds)
    clean = zones[zones["status"] == "converted_to_clean"]
    m["investment_to_clean"] = (float(clean["investment"].sum()), units(ds, "investment"))
    m["investment_per_clean_household"] = (float(clean["investment"].sum()) * 1e4 / float(clean["households"].sum())
                                           if len(clean) else 0.0, "yuan/household")
    m["cost_total"] = (_f(ds["objective"]), units(ds, "objective"))
    eq, run, budget = _f(ds["subsidy_equipment"]), _f(ds["subsidy_running"]), _f(ds["subsidy_budget"])
    m["subsidy_equipment"] = (eq, units(ds, "subsidy_equipment"))
    m["subsidy_running"] = (run, units(ds, "subsidy_running"))
    m["subsidy_need"] = (eq + run, units(ds, "subsidy_budget"))
    m["subsidy_budget"] = (budget, units(ds, "subsidy_budget"))
    m["subsidy_budget_share"] = (100.0 * (eq + run) / budget if budget else float("nan"), "%")
    gas, cap = _f(ds["gas_annual"]), _f(ds["gas_annual_cap"])
    m["gas_annual"] = (gas, units(ds, "gas_annual"))
    m["gas_annual_cap"] = (cap, units(ds, "gas_annual_cap"))
    m["gas_annual_share"] = (100.0 * gas / cap if cap else float("nan"), "%")
    m["gas_headroom"] = (cap - gas, units(ds, "gas_annual_cap"))
    m["gas_peak_day"] = (_f(ds["gas_peak_day"]), units(ds, "gas_peak_day"))
    m["gas_peak_day_cap"] = (_f(ds["gas_peak_day_cap"]), units(ds, "gas_peak_day_cap"))
    req, have, built = _f(ds["storage_required"]), _f(ds["storage_existing"]), _f(ds["storage_built"])
    m["storage_required"] = (req, units(ds, "storage_required"))
    m["storage_existing"] = (have, units(ds, "storage_existing"))
    m["storage_built"] = (built, units(ds, "storage_built"))
    m["storage_modules"] = (_f(ds["storage_modules"]), "modules")
    m["storage_surplus"] = (have + built - req, units(ds, "storage_required"))
    if "rural_gas_new_households" in ds:
        m["rural_gas_new_households"] = (_f(ds["rural_gas_new_households"]), "households")
    if "zone_electricity" in ds:
        m["electricity_annual"] = (_f(ds["zone_electricity"]), units(ds, "zone_electricity"))
    tr = transformer_frame(ds)
    m["transformer_groups"] = (float(len(tr)), "groups")
    m["transformer_groups_over"] = (float(tr["over_capacity"].sum()), "groups")
    m["transformer_groups_upgraded"] = (float(tr["upgraded"].sum()), "groups")
    m["transformer_upgrade_units"] = (float(tr["upgrade_units"].sum()), "units")
    m["transformer_capacity_added"] = (float((tr["capacity_after"] - tr["capacity"]).sum()), "kVA")
    m["coal_displaced"] = (_f(ds["coal_displaced"]), units(ds, "coal_displaced"))
    m["co2_avoided"] = (_f(ds["co2_avoided"]), units(ds, "co2_avoided"))
    pm_unit = units(ds, "pm25_avoided")
    pm = _f(ds["pm25_avoided"])
    m["pm25_avoided"] = (pm / 1000.0, "t/a") if pm_unit == "kg/a" else (pm, pm_unit)
    return m


HEADLINE_KEYS = ("households_converted_to_clean", "floor_area_converted_to_clean", "households_quality_coal",
                 "households_already_clean", "households_not_clean", "households_total", "clean_share",
                 "investment_total", "investment_per_clean_household", "cost_total", "subsidy_need", "subsidy_budget",
                 "subsidy_budget_share", "gas_annual", "gas_annual_cap", "gas_annual_share", "storage_required",
                 "storage_existing", "storage_built", "electricity_annual", "transformer_groups_over",
                 "transformer_groups_upgraded", "transformer_upgrade_units", "transformer_capacity_added",
                 "coal_displaced", "co2_avoided", "pm25_avoided")
GAS_KEYS = ("gas_annual", "gas_annual_cap", "gas_annual_share", "gas_headroom", "gas_peak_day", "gas_peak_day_cap",
            "storage_required", "storage_existing", "storage_built", "storage_modules", "storage_surplus",
            "rural_gas_new_households")


def item_frame(m: dict[str, tuple[float, str]], keys, lang: str) -> pd.DataFrame:
    """Rows key / item / value / unit for the keys present in m."""
    rows = [(k, T(k, lang), m[k][0], unit_label(m[k][1], lang)) for k in keys if k in m]
    return pd.DataFrame(rows, columns=[T("key", lang), T("item", lang), T("value", lang), T("unit", lang)])


def code_columns(lang: str) -> tuple[str, ...]:
    """Code columns every table keeps for the workbook and the report leaves out."""
    return (T("key", lang), T("county_id", lang), T("route_id", lang))


def zone_frame(ds: xr.Dataset) -> pd.DataFrame:
    """One row per zone with what the village list and the cost split need (dataset units)."""
    rcat = dict(zip(ds["route"].values.astype(str), ds["route_category"].values.astype(str)))
    route = ds["chosen_route"].values.astype(str)
    return pd.DataFrame({
        "zone": ds["zone"].values.astype(str),
        "name": ds["zone_name_zh"].values.astype(str) if "zone_name_zh" in ds.coords else ds["zone"].values.astype(str),
        "county": ds["zone_county"].values.astype(str),
        "township": ds["township_id"].values.astype(str) if "township_id" in ds.coords else "",
        "area_type": ds["area_type"].values.astype(str) if "area_type" in ds.coords else "",
        "terrain": ds["terrain"].values.astype(str) if "terrain" in ds.coords else "",
        "group": ds["zone_transformer_group"].values.astype(str) if "zone_transformer_group" in ds.coords else "",
        "route": route,
        "category": [rcat.get(r, "") for r in route],
        "status": ds["zone_heating_status"].values.astype(str),
        "converted": np.asarray(ds["converted"].values, dtype=float) > 0.5,
        "retrofit": np.asarray(ds["retrofit"].values, dtype=float) > 0.5,
        "households": np.asarray(ds["zone_households"].values, dtype=float),
        "floor_area": np.asarray(ds["zone_floor_area"].values, dtype=float),
        "investment": np.asarray(ds["zone_investment"].values, dtype=float),
        "subsidy_equipment": np.asarray(ds["zone_subsidy_equipment"].values, dtype=float),
        "subsidy_running": np.asarray(ds["zone_subsidy_running"].values, dtype=float),
        "annuity": np.asarray(ds["zone_annuity"].values, dtype=float),
        "running_cost": np.asarray(ds["zone_cost"].values, dtype=float) - np.asarray(ds["zone_annuity"].values, dtype=float),
    })


def county_labels(ds: xr.Dataset) -> pd.Series:
    return pd.Series(ds["county_name_zh"].values.astype(str), index=ds["county"].values.astype(str))


def by_category(da: xr.DataArray) -> pd.DataFrame:
    """county x route -> county x plan category (all eight categories, zero where none)."""
    cat = np.asarray(da["route_category"].values).astype(str)
    df = pd.DataFrame(np.asarray(da.transpose("county", "route").values, dtype=float),
                      index=da["county"].values.astype(str), columns=cat)
    df = df.T.groupby(level=0).sum().T
    extra = [c for c in df.columns if c not in CATEGORIES]  # a category outside the plan's list still shows
    return df.reindex(columns=list(CATEGORIES) + sorted(extra), fill_value=0.0)


def category_table(ds: xr.Dataset, var: str, table_id: str, lang: str) -> Table:
    """County x category table with a total row and column (categories no county has are left out)."""
    df = by_category(ds[var])
    keep = df.columns[(df != 0).any()]
    df = df[keep] if len(keep) else df.iloc[:, :1]
    df.loc["__total__"] = df.sum()
    df[T("total", lang)] = df.sum(axis=1)
    names = county_labels(ds)
    out = pd.DataFrame({T("county_id", lang): [i if i != "__total__" else "" for i in df.index],
                        T("county", lang): [names.get(i, i) if i != "__total__" else T("total", lang) for i in df.index]})
    for c in df.columns:
        out[T(c, lang)] = df[c].to_numpy()
    return Table(table_id, T(table_id, lang), out, total_row=True)


def zone_category_table(ds: xr.Dataset, zones: pd.DataFrame, value: str, table_id: str, lang: str) -> Table:
    """County x category of a per-zone value (zones already filtered), total row and column."""
    cats = [c for c in CATEGORIES if c in set(zones["category"])] or [CATEGORIES[0]]
    df = zones.pivot_table(index="county", columns="category", values=value, aggfunc="sum", fill_value=0.0)
    df = df.reindex(index=ds["county"].values.astype(str), columns=cats, fill_value=0.0)
    df.loc["__total__"] = df.sum()
    df[T("total", lang)] = df.sum(axis=1)
    names = county_labels(ds)
    out = pd.DataFrame({T("county_id", lang): [i if i != "__total__" else "" for i in df.index],
                        T("county", lang): [names.get(i, i) if i != "__total__" else T("total", lang) for i in df.index]})
    for c in df.columns:
        out[T(c, lang)] = df[c].to_numpy(dtype=float)
    return Table(table_id, T(table_id, lang), out, total_row=True)


def status_table(ds: xr.Dataset, var: str, table_id: str, lang: str) -> Table:
    """County x heating status (converted to clean / quality coal / already clean / not clean), with totals
    and the clean share after the plan."""
    da = ds[var].transpose("county", "heating_status")
    df = pd.DataFrame(np.asarray(da.values, dtype=float), index=da["county"].values.astype(str),
                      columns=da["heating_status"].values.astype(str))
    df = df.reindex(columns=list(HEATING_STATUSES), fill_value=0.0)
    if not df["not_clean"].any():
        df = df.drop(columns="not_clean")
    df.loc["__total__"] = df.sum()
    tot = df.sum(axis=1)
    names = county_labels(ds)
    out = pd.DataFrame({T("county_id", lang): [i if i != "__total__" else "" for i in df.index],
                        T("county", lang): [names.get(i, i) if i != "__total__" else T("total", lang) for i in df.index]})
    for c in df.columns:
        out[T(f"status_{c}", lang)] = df[c].to_numpy()
    out[T("total", lang)] = tot.to_numpy()
    clean = df["converted_to_clean"] + df["already_clean"]
    pct = header("clean_share_after", "%", lang)
    out[pct] = np.where(tot > 0, 100.0 * clean / tot.where(tot > 0, 1), np.nan)
    return Table(table_id, T(table_id, lang), out, percent_cols=(pct,), total_row=True)


def cost_by_status(ds: xr.Dataset, lang: str) -> Table:
    """This period's conversions against the whole region's running cost: one column per heating status."""
    z = zone_frame(ds)
    cols = [st for st in HEATING_STATUSES if (z["status"] == st).any()]
    rows = [("households", "households", lambda g: g["households"].sum()),
            ("investment", units(ds, "investment"), lambda g: g["investment"].sum()),
            ("subsidy_equipment", units(ds, "subsidy_equipment"), lambda g: g["subsidy_equipment"].sum()),
            ("annuity", units(ds, "objective"), lambda g: g["annuity"].sum()),
            ("running_cost", units(ds, "objective"), lambda g: g["running_cost"].sum()),
            ("subsidy_running", units(ds, "subsidy_running"), lambda g: g["subsidy_running"].sum()),
            ("annual_cost", units(ds, "objective"), lambda g: (g["annuity"] + g["running_cost"]).sum()),
            ("annual_cost_per_household", "yuan/(household a)",
             lambda g: (g["annuity"] + g["running_cost"]).sum() * 1e4 / g["households"].sum() if g["households"].sum() else np.nan)]
    data = []
    for key, unit, f in rows:
        vals = [float(f(z[z["status"] == st])) for st in cols]
        total = float(f(z))
        data.append([key, T(f"cost_row_{key}", lang), unit_label(unit, lang), *vals, total])
    for comp in ("transformer_upgrades", "gas_storage"):
        data.append([comp, T(comp, lang), unit_label(units(ds, "cost"), lang), *([np.nan] * len(cols)), _cost(ds, comp)])
    df = pd.DataFrame(data, columns=[T("key", lang), T("item", lang), T("unit", lang),
                                     *[T(f"status_{c}", lang) for c in cols], T("total", lang)])
    return Table("cost_by_status", T("cost_by_status", lang), df, note=T("cost_by_status_note", lang), key_cols=3)


def route_detail(ds: xr.Dataset, lang: str) -> Table:
    """Long table county x route (rows with any households): stock after the plan and conversions."""
    cols = {"households": "households", "floor_area": "floor_area", "households_converted": "households_converted",
            "floor_area_converted": "floor_area_converted", "investment": "investment"}
    df = pd.DataFrame({k: ds[v].transpose("county", "route").to_series() for k, v in cols.items()}).reset_index()
    df = df[df["households"] > 0].reset_index(drop=True)
    names = county_labels(ds)
    rname = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str))) if "route_name_zh" in ds.coords \
        else {}
    rcat = dict(zip(ds["route"].values.astype(str), ds["route_category"].values.astype(str)))
    out = pd.DataFrame({
        T("county_id", lang): df["county"].astype(str),
        T("county", lang): df["county"].astype(str).map(names),
        T("route_id", lang): df["route"].astype(str),
        T("route", lang): df["route"].astype(str).map(lambda r: rname.get(r, r)),
        T("category", lang): df["route"].astype(str).map(lambda r: T(rcat[r], lang)),
    })
    for k in cols:
        out[header(k, units(ds, k), lang)] = df[k].to_numpy(dtype=float)
    return Table("plan_routes", T("plan_routes", lang), out, html_rows=60)


def cost_components(ds: xr.Dataset, lang: str) -> Table:
    s = ds["cost"].to_series()
    total = float(s.sum())
    rows = [(k, T(k, lang), float(v), 100.0 * float(v) / total if total else 0.0) for k, v in s.items()]
    rows.append(("total", T("total", lang), total, 100.0 if total else 0.0))
    df = pd.DataFrame(rows, columns=[T("key", lang), T("component", lang),
                                     header("value", units(ds, "cost"), lang), header("share", "%", lang)])
    return Table("cost_components", T("cost_components", lang), df, percent_cols=(header("share", "%", lang),))


def payers(ds: xr.Dataset) -> dict[str, tuple[float, str]]:
    """Who pays, annual and one-off (see labels TEXT['payer_note'] for the definitions)."""
    inv = _f(ds["investment"])
    annuity = _cost(ds, "annuity_route") + _cost(ds, "annuity_retrofit")
    crf = annuity / inv if inv > 0 else 0.0
    eq, run = _f(ds["subsidy_equipment"]), _f(ds["subsidy_running"])
    society = _f(ds["objective"])
    gov = run + eq * crf
    bill = society - gov
    hh = _f(ds["households"])
    money_a = units(ds, "objective")
    return {
        "society_annual": (society, money_a),
        "government_running": (run, units(ds, "subsidy_running")),
        "government_equipment_annualised": (eq * crf, money_a),
        "government_annual": (gov, money_a),
        "household_bill_annual": (bill, money_a),
        "household_bill_per_household": (bill * 1e4 / hh if hh else 0.0, "yuan/(household a)"),
        "capital_recovery_rate": (crf, "1/a"),
        "investment_total": (inv, units(ds, "investment")),
        "government_equipment": (eq, units(ds, "subsidy_equipment")),
        "investment_net_of_subsidy": (inv - eq, units(ds, "investment")),
    }


BILL_COLUMNS = ("bill_base", "bill_before", "subsidy_running_per_household", "bill_after", "bill_difference",
                "bill_difference_share", "out_of_pocket", "subsidy_running_uniform_city")


def bill_frame(ds: xr.Dataset) -> pd.DataFrame | None:
    """Per route, over the households converted to clean heating on it: households and the
    households-weighted mean bills (yuan per household; `model.results.household_bill_data`);
    None for a dataset without bills (written before tariffs existed)."""
    if "zone_bill_after" not in ds:
        return None
    z = zone_frame(ds)
    on = (z["status"] == "converted_to_clean").to_numpy()
    if not on.any():
        return pd.DataFrame(columns=["route", "households", *BILL_COLUMNS])
    v = {k: np.asarray(ds[f"zone_{k}"].values, dtype=float)[on] for k in
         ("bill_base", "bill_before", "subsidy_running_per_household", "bill_after", "bill_difference", "out_of_pocket")}
    df = pd.DataFrame({"route": z["route"].to_numpy()[on], "households": z["households"].to_numpy()[on], **v})
    w = df["households"]
    out = df.groupby("route", sort=False).apply(
        lambda g: pd.Series({"households": g["households"].sum(),
                             **{k: float(np.average(g[k], weights=g["households"])) for k in v}}),
        include_groups=False).reset_index()
    del w
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bill_difference_share"] = np.where(out["bill_base"] > 0, 100.0 * out["bill_difference"] / out["bill_base"], np.nan)
    uni = ds["subsidy_running_uniform_city"].to_series() if "subsidy_running_uniform_city" in ds else pd.Series(dtype=float)
    out["subsidy_running_uniform_city"] = out["route"].map(uni).astype(float)
    order = {r: i for i, r in enumerate(ds["route"].values.astype(str))}
    return out.sort_values("route", key=lambda r: r.map(order)).reset_index(drop=True)


def household_bills(ds: xr.Dataset, lang: str) -> Table | None:
    """What a household converted to clean heating pays a season on each route, before and after the
    running subsidy, against its base-year (coal) bill, and its one-off out-of-pocket."""
    df = bill_frame(ds)
    if df is None:
        return None
    rname = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str)))
    rcat = dict(zip(ds["route"].values.astype(str), ds["route_category"].values.astype(str)))
    out = pd.DataFrame({T("route_id", lang): df["route"].astype(str),
                        T("route", lang): df["route"].map(lambda r: rname.get(r, r)),
                        T("category", lang): df["route"].map(lambda r: T(rcat.get(r, ""), lang)),
                        header("households_converted_to_clean", "households", lang): df["households"].to_numpy(dtype=float)})
    bill_units = {"out_of_pocket": "yuan/household", "bill_difference_share": "%"}
    cols = [c for c in BILL_COLUMNS if c != "subsidy_running_uniform_city" or df[c].notna().any()]
    for c in cols:
        out[header(c, bill_units.get(c, "yuan/(household a)"), lang)] = df[c].to_numpy(dtype=float)
    return Table("household_bills", T("household_bills", lang), out, note=T("bills_note", lang),
                 percent_cols=(header("bill_difference_share", "%", lang),))


def household_bills_county(ds: xr.Dataset, lang: str) -> Table | None:
    """County x route (rows with conversions): the dataset's per county x route bills."""
    if "bill_after" not in ds:
        return None
    names = ("bill_base", "bill_before", "subsidy_running_per_household", "bill_after", "bill_difference", "out_of_pocket",
             "subsidy_running_uniform")
    df = pd.DataFrame({"households": ds["households_converted"].transpose("county", "route").to_series(),
                       **{k: ds[k].transpose("county", "route").to_series() for k in names}}).reset_index()
    df = df[df["bill_after"].notna() & (df["households"] > 0)].reset_index(drop=True)
    labels = county_labels(ds)
    rname = dict(zip(ds["route"].values.astype(str), ds["route_name_zh"].values.astype(str)))
    out = pd.DataFrame({T("county_id", lang): df["county"].astype(str), T("county", lang): df["county"].astype(str).map(labels),
                        T("route_id", lang): df["route"].astype(str),
                        T("route", lang): df["route"].astype(str).map(lambda r: rname.get(r, r)),
                        header("households_converted", "households", lang): df["households"].to_numpy(dtype=float)})
    for k in names:
        if k == "subsidy_running_uniform" and not df[k].notna().any():
            continue
        out[header(k, units(ds, k), lang)] = df[k].to_numpy(dtype=float)
    return Table("household_bills_county", T("household_bills_county", lang), out, html_rows=40,
                 html_hide=(T("county_id", lang), T("route_id", lang)), key_cols=4)


def cost_payers(ds: xr.Dataset, lang: str) -> Table:
    p = payers(ds)
    return Table("cost_payers", T("cost_payers", lang), item_frame(p, list(p), lang), note=T("payer_note", lang))


def transformer_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Per transformer group: capacity, load and load ratios before/after upgrades (kVA)."""
    cap = np.asarray(ds["transformer_capacity"].values, dtype=float)
    load = np.asarray(ds["transformer_load"].values, dtype=float)
    units_ = np.asarray(ds["transformer_upgrade_units"].values, dtype=float)
    after = np.asarray(ds["transformer_capacity_after"].values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = np.where(cap > 0, load / cap, np.nan)
        r1 = np.where(after > 0, load / after, np.nan)
    groups = ds["transformer_group"].values.astype(str) if "transformer_group" in ds.coords else np.arange(len(cap)).astype(str)
    return pd.DataFrame({"transformer_group": groups, "capacity": cap, "load": load, "load_ratio_before": r0,
                         "over_capacity": (load > cap * (1 + 1e-9)).astype(int), "upgrade_units": units_,
                         "capacity_after": after, "load_ratio_after": r1, "upgraded": (units_ > 0).astype(int)})


def transformers(ds: xr.Dataset, lang: str) -> Table:
    tr = transformer_frame(ds)
    u = {"capacity": "kVA", "load": "kVA", "capacity_after": "kVA", "upgrade_units": "units"}
    # the groups a planner must act on first: over capacity or upgraded, then by loading
    tr = tr.sort_values(["upgraded", "over_capacity", "load_ratio_before"], ascending=False, kind="stable")
    df = pd.DataFrame({header(c, u.get(c, ""), lang): tr[c].to_numpy() for c in tr.columns})
    flags = (header("over_capacity", "", lang), header("upgraded", "", lang))
    return Table("transformers", T("transformers", lang), df.reset_index(drop=True), html_rows=30, html_hide=flags,
                 key_cols=1)


def heat_sources(ds: xr.Dataset, lang: str) -> Table | None:
    if "heat_source_load" not in ds or ds.sizes.get("heat_source", 0) == 0:
        return None
    load = np.asarray(ds["heat_source_load"].values, dtype=float)
    cap = np.asarray(ds["heat_source_capacity"].values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, 100.0 * load / cap, np.nan)
    df = pd.DataFrame({T("heat_source", lang): ds["heat_source"].values.astype(str),
                       header("heat_load", "MW", lang): load, header("heat_capacity", "MW", lang): cap,
                       header("utilisation", "%", lang): util})
    return Table("heat_sources", T("heat_sources", lang), df, html_rows=40)


def emissions(ds: xr.Dataset, lang: str) -> Table:
    names = county_labels(ds)
    pm_unit = units(ds, "pm25_avoided")
    pm = np.asarray(ds["pm25_avoided"].values, dtype=float)
    if pm_unit == "kg/a":
        pm, pm_unit = pm / 1000.0, "t/a"
    df = pd.DataFrame({
        T("county_id", lang): ds["county"].values.astype(str),
        T("county", lang): [names[c] for c in ds["county"].values.astype(str)],
        header("coal_displaced", units(ds, "coal_displaced"), lang): np.asarray(ds["coal_displaced"].values, float),
        header("co2_avoided", units(ds, "co2_avoided"), lang): np.asarray(ds["co2_avoided"].values, float),
        header("pm25_avoided", pm_unit, lang): pm,
        header("clean_share", "%", lang): 100.0 * np.asarray(ds["clean_share"].values, float),
    })
    total = {c: df[c].sum() for c in df.columns[2:5]}
    hh = np.asarray(ds["households"].sum("route").values, float)
    total[df.columns[5]] = float((df[df.columns[5]] * hh).sum() / hh.sum()) if hh.sum() else 0.0
    df.loc[len(df)] = {df.columns[0]: "", df.columns[1]: T("total", lang), **total}
    return Table("emissions", T("emissions", lang), df, percent_cols=(df.columns[5],), total_row=True)


def constraints(ds: xr.Dataset, lang: str) -> Table | None:
    """Every variable on the `constraint` dim; binding ones first, then by |shadow price|."""
    if "constraint" not in ds.dims:
        return None
    names = [v for v in ds.data_vars if ds[v].dims == ("constraint",)]
    if not names:
        return None
    df = ds[names].to_dataframe().reset_index()[["constraint", *names]]  # drop scalar coords (sweep values)
    order = []
    if "constraint_binding" in df:
        order.append(-df["constraint_binding"].fillna(0).astype(float))
    if "shadow_price" in df:
        order.append(-df["shadow_price"].abs().fillna(0))
    if order:
        df = df.assign(**{f"_o{i}": o for i, o in enumerate(order)}).sort_values(
            [f"_o{i}" for i in range(len(order))], kind="stable").drop(columns=[f"_o{i}" for i in range(len(order))])
    named = f"constraint_name_{lang}"
    if "constraint_family" in df and named in df:  # the run's own names: policies and extras included
        df["constraint_family"] = df[named].astype(str).where(df[named].astype(str) != "", df["constraint_family"])
    elif "constraint_family" in df:
        df["constraint_family"] = df["constraint_family"].astype(str).map(
            lambda f: CONSTRAINT_FAMILIES[f][0 if lang == "zh" else 1] if f in CONSTRAINT_FAMILIES else f)
    df = df.drop(columns=[c for c in ("constraint_name_zh", "constraint_name_en") if c in df])
    if "constraint_unit" in df:
        df["constraint_unit"] = df["constraint_unit"].astype(str).map(lambda u: unit_label(u, lang))
    df.columns = [T(c, lang) for c in df.columns]
    return Table("constraints", T("constraints", lang), df.reset_index(drop=True), html_rows=40)


def binding_constraints(ds: xr.Dataset) -> pd.DataFrame:
    """Binding caps/targets with shadow prices (empty frame when the dataset has none)."""
    if "constraint" not in ds.dims or "shadow_price" not in ds:
        return pd.DataFrame()
    names = [v for v in ds.data_vars if ds[v].dims == ("constraint",)]
    df = ds[names].to_dataframe().reset_index()[["constraint", *names]]
    if "constraint_binding" in df:
        df = df[df["constraint_binding"].fillna(0).astype(float) > 0]
    else:
        df = df[df["shadow_price"].fillna(0).abs() > 1e-9]
    return df.reset_index(drop=True)


def single_run_tables(ds: xr.Dataset, lang: str) -> list[Table]:
    m = metrics(ds)
    z = zone_frame(ds)
    to_clean = z[z["status"] == "converted_to_clean"]
    out = [
        Table("headline", T("headline", lang), item_frame(m, HEADLINE_KEYS, lang)),
        status_table(ds, "households_by_status", "status_households", lang),
        status_table(ds, "floor_area_by_status", "status_floor_area", lang),
        zone_category_table(ds, to_clean, "households", "plan_households", lang),
        zone_category_table(ds, to_clean, "floor_area", "plan_floor_area", lang),
        zone_category_table(ds, z[z["converted"]], "investment", "plan_investment", lang),
        category_table(ds, "households", "mix_households", lang),
        route_detail(ds, lang),
        cost_by_status(ds, lang),
        cost_components(ds, lang),
        cost_payers(ds, lang),
        household_bills(ds, lang),
        household_bills_county(ds, lang),
        Table("gas_balance", T("gas_balance", lang), item_frame(m, GAS_KEYS, lang)),
        transformers(ds, lang),
        heat_sources(ds, lang),
        emissions(ds, lang),
        constraints(ds, lang),
    ]
    return [t for t in out if t is not None]


def _with_point(tables_per_point: list[tuple[str, dict, list[Table]]], lang: str) -> list[Table]:
    """Stack each table over the sweep points with the swept values as leading columns."""
    out = []
    for i, first in enumerate(tables_per_point[0][2]):
        frames = []
        for _, values, tabs in tables_per_point:
            match = [t for t in tabs if t.id == first.id]
            if not match:
                continue
            df = match[0].df.copy()
            for j, (d, v) in enumerate(values.items()):
                df.insert(j, d, v)
            frames.append(df)
        out.append(Table(first.id, first.title, pd.concat(frames, ignore_index=True), first.note,
                         None if first.html_rows is None else first.html_rows * 2, first.percent_cols))
    return out


SWEEP_KEYS = ("cost_total", "investment_total", "households_converted_to_clean", "households_quality_coal",
              "subsidy_need", "subsidy_budget",
              "gas_annual", "gas_annual_cap", "gas_peak_day", "storage_built", "transformer_upgrade_units",
              "coal_displaced", "co2_avoided")


# per-point tables stacked into the sweep's workbook (the long per-group tables stay in the points' own runs)
SWEEP_STACKED = ("status_households", "plan_households", "plan_investment", "cost_by_status", "cost_components",
                 "gas_balance", "emissions")


def sweep_tables(ds: xr.Dataset, lang: str) -> list[Table]:
    """Summary and category mix per point, the tipping points if present, then every run table stacked."""
    points = sweep_points(ds)
    rows, mix = [], []
    for _, values, p in points:
        m = metrics(p)
        rows.append({**values, **{header(k, m[k][1], lang): m[k][0] for k in SWEEP_KEYS if k in m}})
        cat = by_category(p["households_to_clean"]).sum()
        cat = cat[[c for c in cat.index if c != "coal"]]
        mix.append({**values, **{T(c, lang): float(v) for c, v in cat.items()}})
    out = [Table("sweep_summary", T("sweep_summary", lang), pd.DataFrame(rows)),
           Table("sweep_mix", T("sweep_mix", lang), pd.DataFrame(mix))]
    out += tipping_tables(ds, lang)
    stacked = _with_point([(lbl, v, [t for t in single_run_tables(p, lang) if t.id in SWEEP_STACKED])
                           for lbl, v, p in points], lang)
    # headline numbers side by side (one column per point) read better than stacked
    wide = None
    for lbl, _, p in points:
        f = item_frame(metrics(p), HEADLINE_KEYS, lang).rename(columns={T("value", lang): lbl})
        wide = f if wide is None else wide.merge(f, on=[T("key", lang), T("item", lang), T("unit", lang)], how="outer",
                                                 sort=False)
    cols = [T("key", lang), T("item", lang), T("unit", lang)] + [lbl for lbl, _, _ in points]
    k = T("key", lang)
    order = [h for h in HEADLINE_KEYS if h in set(wide[k])]
    head = Table("headline", T("headline", lang), wide.set_index(k).loc[order].reset_index()[cols])
    return [head] + out + [t for t in stacked if t.id != "headline"]


def tipping_tables(ds: xr.Dataset, lang: str) -> list[Table]:
    """Variables named like 'tipping*', grouped by their dims, one table per group."""
    names = [v for v in ds.data_vars if "tipping" in v.lower()]
    groups: dict[tuple, list[str]] = {}
    for v in names:
        groups.setdefault(ds[v].dims, []).append(v)
    out = []
    for i, (dims, vs) in enumerate(groups.items()):
        if dims:
            df = ds[vs].to_dataframe().reset_index()
            coords = [c for c in df.columns if c in ds.coords and c not in dims and set(ds[c].dims) <= set(dims)]
            df = df[[*dims, *coords, *vs]]
        else:
            df = pd.DataFrame([{v: ds[v].item() for v in vs}])
        df.columns = [header(c, ds[c].attrs.get("units", "") if c in ds.variables else "", lang) for c in df.columns]
        tid = "tipping_points" if i == 0 else f"tipping_points_{i + 1}"
        out.append(Table(tid, T("tipping_points", lang), df, html_rows=60))
    return out


def compare_tables(ds: xr.Dataset, other: xr.Dataset, lang: str) -> list[Table]:
    """This plan against another run (e.g. the source plan's mix against the least-cost mix)."""
    a_name = f"{T('this_plan', lang)}: {ds.attrs.get('scenario', '')}"
    b_name = f"{T('other_plan', lang)}: {other.attrs.get('scenario', '')}"
    rows = []
    for var in ("households_converted", "floor_area_converted"):
        a, b = by_category(ds[var]).sum(), by_category(other[var]).sum()
        cats = list(dict.fromkeys(list(a.index) + list(b.index)))
        for c in cats:
            va, vb = float(a.get(c, 0.0)), float(b.get(c, 0.0))
            rows.append((var, T(var, lang) + " · " + T(c, lang), c, va, vb, va - vb, unit_label(units(ds, var), lang)))
        rows.append((var, T(var, lang) + " · " + T("total", lang), "total", float(a.sum()), float(b.sum()),
                     float(a.sum() - b.sum()), unit_label(units(ds, var), lang)))
    cols = [T("key", lang), T("item", lang), T("category", lang), a_name, b_name, T("difference", lang), T("unit", lang)]
    mix = pd.DataFrame(rows, columns=cols)
    ma, mb = metrics(ds), metrics(other)
    srows = [(k, T(k, lang), ma[k][0], mb[k][0], ma[k][0] - mb[k][0], unit_label(ma[k][1], lang))
             for k in HEADLINE_KEYS if k in ma and k in mb]
    summary = pd.DataFrame(srows, columns=[T("key", lang), T("item", lang), a_name, b_name, T("difference", lang),
                                           T("unit", lang)])
    return [Table("compare_mix", T("compare_mix", lang), mix), Table("compare_summary", T("compare_summary", lang), summary)]
