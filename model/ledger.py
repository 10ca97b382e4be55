"""A county's household ledger (台账) -> zones.csv and the county tables (`scripts/ledger.py`).

Inputs:

- the household ledger, .xlsx (first sheet, or a sheet named 台账/ledger) or .csv, one row per
  household, columns named by the English id or the Chinese label of `LEDGER_COLUMNS`;
- the village attribute table, .csv or .xlsx, one row per village or community (`VILLAGES`).

Each household is checked on its own; a row that breaks a rule is *rejected* with its reason
(`REASONS`) and left out, the others are *merged*: one zone per village, or, where the village's
households heat in different ways today, one zone per present route (the model converts a zone
as a whole, so a village with some households already on heat pumps becomes two zones). A
problem with the files themselves (unreadable, a column missing, a bad village row) stops the
run with every problem listed (exit 2), and nothing is written.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.census import census, divisions, short_name, village_kind
from model.errors import EXIT_INPUT, EXIT_OK, InputError, Problem
from model.registry import AREA_TYPES, TABLES, TERRAINS, Column, Table

LEDGER_AREA_M2 = (10.0, 1000.0)  # building area of one household outside this: a typo or a unit slip (10^4 m^2, cm)
YEARS = (1990, 2100)
ELECTRIC_KVA_PER_HOUSEHOLD = 6.0  # assumption for default transformer rows: an electrically heated household
BASE_KVA_PER_HOUSEHOLD = 2.0  # 2020 rural grid target: >= 2 kVA distribution capacity per household (SPEC, V)


@dataclass(frozen=True)
class LedgerColumn:
    name: str
    zh: str
    description: str
    required: bool = True
    aliases: tuple[str, ...] = ()


LEDGER_COLUMNS = (
    LedgerColumn("household_id", "户编号", "Household id, unique in the ledger", aliases=("户号", "户主编号", "编号")),
    LedgerColumn("county", "县区", "County: NBS code or name (may be empty when the village is given by its code)",
                 required=False, aliases=("县", "县（区）", "县(区)", "区县")),
    LedgerColumn("township", "乡镇", "Township (乡/镇/街道): NBS code or name; tells villages of the same name apart",
                 required=False, aliases=("乡镇（街道）", "乡镇(街道)", "乡镇街道", "街道")),
    LedgerColumn("village", "村", "Village or community: 12-digit NBS code or name", aliases=("村（社区）", "村(社区)", "村社区", "村庄", "行政村")),
    LedgerColumn("building_area_m2", "建筑面积", "Heated building area of the household, m^2",
                 aliases=("建筑面积（平方米）", "建筑面积(平方米)", "采暖面积", "面积")),
    LedgerColumn("building_type", "建筑类型", "Building type: an id or Chinese name of building_types.csv"),
    LedgerColumn("current_heating", "现取暖方式", "Present heating: a route id or Chinese name of routes.csv",
                 aliases=("取暖方式", "现有取暖方式")),
    LedgerColumn("year_converted", "改造年份", "Year the household converted to its present clean heating, if it did",
                 required=False, aliases=("改造年度", "完成改造年份")),
    LedgerColumn("low_income", "低收入户", "1 for a low-income household (低保/低收入), else 0",
                 required=False, aliases=("低保户", "低收入", "是否低收入户")),
)

# The village attribute table: typed and checked like an input table.
VILLAGES = Table(
    "villages", "Village attributes for scripts/ledger.py: one row per village or community of the ledger.",
    (
        Column("village_code", "str", "-", "12-digit NBS village code (统计用区划代码)"),
        Column("name_zh", "str", "-", "Village or community name"),
        Column("county_id", "str", "-", "County code; empty = the first 6 digits of the village code", required=False),
        Column("township_id", "str", "-", "Township code; empty = the first 9 digits of the village code", required=False),
        Column("area_type", "str", "-", "urban or rural; empty = urban for a 居委会/社区, rural otherwise", required=False,
               choices=AREA_TYPES),
        Column("terrain", "str", "-", "plain or mountain", choices=TERRAINS),
        Column("gas_network", "flag", "0/1", "Gas network reaches the village"),
        Column("heat_network_km", "float", "km", "Distance to the nearest heat network", min=0, plausible_max=500),
        Column("transformer_group", "str", "-", "Transformer group (台区); empty = urban grid", required=False),
        Column("demolition", "flag", "0/1", "Firm demolition plan; empty = 0", required=False),
    ),
    key=("village_code",),
)

MISSING_ID = "missing household id"
DUPLICATE_ID = "duplicate household id"
UNKNOWN_VILLAGE = "unknown village"
AMBIGUOUS_VILLAGE = "village name matches several villages"
COUNTY_MISMATCH = "county is not the village's county"
AREA_OUT_OF_RANGE = "area out of range"
UNKNOWN_HEATING = "unknown heating"
UNKNOWN_BUILDING_TYPE = "unknown building type"
BAD_LOW_INCOME = "low-income flag not 0 or 1"
BAD_YEAR = "bad year converted"
REASONS = (MISSING_ID, DUPLICATE_ID, UNKNOWN_VILLAGE, AMBIGUOUS_VILLAGE, COUNTY_MISMATCH, AREA_OUT_OF_RANGE,
           UNKNOWN_HEATING, UNKNOWN_BUILDING_TYPE, BAD_LOW_INCOME, BAD_YEAR)
YES, NO = {"1", "是", "y", "yes", "true", "低保", "低收入"}, {"0", "否", "n", "no", "false", ""}
CODE12 = re.compile(r"^\d{12}$")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def _key(text: str) -> str:
    """Header cell -> comparable key: NFKC, no spaces, no brackets, lower case."""
    return re.sub(r"[\s()（）\[\]]", "", _norm(text)).lower()


def sheet_records(path: Path, problems: list[Problem], sheet_names=("台账", "ledger")) -> tuple[list, list, str] | None:
    """(records, row numbers, label) of a CSV file or of a workbook's ledger sheet (else its first)."""
    from model import workbook
    from model.validate import csv_records, decode_text

    if workbook.is_workbook(path):
        sheets = workbook.read_workbook(path, problems)
        if sheets is None:
            return None
        name = next((s for s in sheets if s.lower() in sheet_names), next(iter(sheets), None))
        if name is None:
            problems.append(Problem(str(path), None, None, "has no sheet"))
            return None
        records, rows = sheets[name]
        return records, rows, workbook.sheet_label(path, name)
    if not path.is_file():
        problems.append(Problem(str(path), None, None, "file does not exist"))
        return None
    text = decode_text(path.read_bytes(), str(path), problems)
    parsed = None if text is None else csv_records(text, str(path), problems)
    if parsed is None:
        return None
    return parsed[0], parsed[1], str(path)


def read_ledger(path: Path, problems: list[Problem]) -> tuple[pd.DataFrame, str] | None:
    """The ledger as text columns named by `LEDGER_COLUMNS` ids, with `row` (the spreadsheet row)."""
    got = sheet_records(path, problems)
    if got is None:
        return None
    records, rows, label = got
    if not records:
        problems.append(Problem(label, None, None, "is empty: the first row must be the header"))
        return None
    header = [_key(h) for h in records[0]]
    where: dict[str, int] = {}
    for col in LEDGER_COLUMNS:
        names = {_key(n) for n in (col.name, col.zh, *col.aliases)}
        hits = [i for i, h in enumerate(header) if h in names or col.name in h]
        if len(hits) > 1:
            problems.append(Problem(label, rows[0], col.name, f"{len(hits)} columns can be '{col.name}' ({col.zh}): keep one"))
        elif hits:
            where[col.name] = hits[0]
        elif col.required:
            problems.append(Problem(label, rows[0], col.name, f"required column is missing: name it '{col.name}' or "
                                    f"'{col.zh}' ({col.description})"))
    if any(p.file == label for p in problems):
        return None
    body = pd.DataFrame(records[1:], dtype=object)  # short rows end with None
    data = {}
    for col in LEDGER_COLUMNS:
        j = where.get(col.name)
        if j is None or j not in body.columns:
            data[col.name] = pd.Series("", index=body.index, dtype=object)
            continue
        codes, uniq = pd.factorize(body[j].fillna(""))  # each distinct cell normalised once
        data[col.name] = pd.Series(np.array([_norm(u) for u in uniq], dtype=object)[codes] if len(uniq) else "",
                                   index=body.index, dtype=object)
    df = pd.DataFrame(data)
    df["row"] = np.asarray(rows[1:], dtype=np.int64)
    blank = (df[[c.name for c in LEDGER_COLUMNS]] == "").all(axis=1)
    return df.loc[~blank].reset_index(drop=True), label


def read_villages(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """The village attribute table, typed and checked like an input table."""
    from model.validate import table_frame, typed_table

    got = sheet_records(path, problems, sheet_names=("villages", "村"))
    if got is None:
        return None
    records, rows, label = got
    df = table_frame(records, rows, label, VILLAGES, problems, what="sheet" if ", sheet '" in label else "file")
    if df is None:
        return None
    typed = typed_table(df, VILLAGES, label, problems)
    bad = ~typed["village_code"].str.match(CODE12)
    for i in typed.index[bad]:
        problems.append(Problem(label, int(i) + 2, "village_code", f"'{typed.at[i, 'village_code']}' is not a 12-digit "
                                "NBS village code"))
    typed = typed.reset_index(drop=True)
    codes = typed["village_code"]
    typed["county_id"] = typed["county_id"].where(typed["county_id"] != "", codes.str[:6])
    typed["township_id"] = typed["township_id"].where(typed["township_id"] != "", codes.str[:9])
    kind = typed["name_zh"].map(village_kind)
    typed["area_type"] = typed["area_type"].where(typed["area_type"] != "", np.where(kind == "community", "urban", "rural"))
    typed["demolition"] = typed["demolition"].fillna(0).astype(int)
    return typed


@dataclass
class Aggregate:
    zones: pd.DataFrame
    rejected: pd.DataFrame  # row, household_id, reason, value
    rows_read: int
    villages_split: int
    villages_without_households: list[str]
    converted_by_year: dict[int, int] = field(default_factory=dict)


def _lookup(values: pd.Series, table: pd.DataFrame, id_col: str) -> pd.Series:
    """Ledger words -> ids of a technology table, by id or by Chinese name (NaN when neither)."""
    index = {_key(i): i for i in table[id_col]}
    index.update({_key(n): i for n, i in zip(table["name_zh"], table[id_col]) if _key(n) not in index})
    keys = values.map(_key)
    return keys.map(index)


def _resolve_villages(led: pd.DataFrame, vill: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(village code or NaN, reason or '') per ledger row, from a 12-digit code or a name (+ township, county)."""
    known = set(vill["village_code"])
    v = led["village"]
    is_code = v.str.match(CODE12)
    code = pd.Series(np.where(is_code & v.isin(known), v, None), index=led.index, dtype=object)
    reason = pd.Series(np.where(is_code & ~v.isin(known), UNKNOWN_VILLAGE, ""), index=led.index, dtype=object)
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(vill["name_zh"]):
        for k in {_key(n), _key(short_name(n))}:
            by_name.setdefault(k, []).append(i)
    _, towns, _ = divisions()
    town_names = dict(zip(towns["code"], towns["name"]))
    names = led.loc[~is_code]
    for (name, town), grp in names.groupby([names["village"].map(_key), names["township"]], sort=False):
        cand = by_name.get(name, []) or by_name.get(_key(short_name(grp["village"].iat[0])), [])
        if town and len(cand) > 1:
            cand = [i for i in cand if town in (vill.at[i, "township_id"], town_names.get(vill.at[i, "township_id"], ""))]
        if len(cand) == 1:
            code[grp.index] = vill.at[cand[0], "village_code"]
        else:
            reason[grp.index] = UNKNOWN_VILLAGE if not cand else AMBIGUOUS_VILLAGE
    return code, reason


def aggregate(led: pd.DataFrame, vill: pd.DataFrame, routes: pd.DataFrame, building_types: pd.DataFrame) -> Aggregate:
    """Check every household row, then merge the good ones into zones (one per village and present route)."""
    from model.validate import parse_number

    n = len(led)
    reason = pd.Series("", index=led.index, dtype=object)
    value = pd.Series("", index=led.index, dtype=object)

    def reject(mask, why, col):
        new = mask & (reason == "")
        reason[new] = why
        value[new] = led.loc[new, col] if col else ""

    hid = led["household_id"]
    reject(hid == "", MISSING_ID, None)
    reject(hid.duplicated(keep="first") & (hid != ""), DUPLICATE_ID, "household_id")
    code, why = _resolve_villages(led, vill)
    for w in (UNKNOWN_VILLAGE, AMBIGUOUS_VILLAGE):
        reject(why == w, w, "village")
    vi = vill.set_index("village_code")
    cty = code.map(vi["county_id"])
    counties, _, _ = divisions()
    county_name = dict(zip(counties["code"], counties["name"]))
    given = led["county"]
    ok_county = (given == "") | (given == cty) | (given == cty.map(county_name)) | code.isna()
    reject(~ok_county, COUNTY_MISMATCH, "county")
    area = led["building_area_m2"].map(lambda s: parse_number(s) if s else None).astype(float)
    lo, hi = LEDGER_AREA_M2
    reject(~((area >= lo) & (area <= hi)), AREA_OUT_OF_RANGE, "building_area_m2")
    route = _lookup(led["current_heating"], routes, "route_id")
    reject(route.isna(), UNKNOWN_HEATING, "current_heating")
    btype = _lookup(led["building_type"], building_types, "building_type")
    reject(btype.isna(), UNKNOWN_BUILDING_TYPE, "building_type")
    flag = led["low_income"].str.lower()
    low = pd.Series(np.where(flag.isin(YES), 1.0, np.where(flag == "", np.nan, 0.0)), index=led.index)
    reject(~flag.isin(YES | NO), BAD_LOW_INCOME, "low_income")
    year = led["year_converted"].map(lambda s: parse_number(s) if s else np.nan).astype(float)
    clean = route.map(dict(zip(routes["route_id"], routes["clean"].astype(str)))) == "1"
    bad_year = (led["year_converted"] != "") & ~((year >= YEARS[0]) & (year <= YEARS[1]) & (year == np.round(year)) & clean)
    reject(bad_year, BAD_YEAR, "year_converted")

    good = reason == ""
    h = pd.DataFrame({"village": code[good], "route": route[good], "btype": btype[good], "area": area[good],
                      "low": low[good], "year": year[good]})
    groups = h.groupby(["village", "route"], sort=True)
    z = groups.agg(households=("area", "size"), area=("area", "sum"), low=("low", "mean")).reset_index()
    by_type = h.groupby(["village", "route", "btype"], sort=True)["area"].sum().reset_index()
    main = by_type.sort_values(["village", "route", "area", "btype"], ascending=[True, True, False, True], kind="mergesort")
    main = main.drop_duplicates(["village", "route"]).set_index(["village", "route"])["btype"]
    z["building_type"] = [main[(v, r)] for v, r in zip(z["village"], z["route"])]
    routes_per_village = z.groupby("village")["route"].transform("size")
    z["zone_id"] = np.where(routes_per_village > 1, z["village"] + "-" + z["route"], z["village"])
    route_zh = dict(zip(routes["route_id"], routes["name_zh"]))
    attrs = vi.loc[z["village"]]
    name = attrs["name_zh"].map(short_name).to_numpy()
    z["name_zh"] = np.where(routes_per_village > 1, name + "·" + z["route"].map(route_zh).to_numpy(), name)
    zones = pd.DataFrame({
        "zone_id": z["zone_id"], "county_id": attrs["county_id"].to_numpy(), "township_id": attrs["township_id"].to_numpy(),
        "name_zh": z["name_zh"], "area_type": attrs["area_type"].to_numpy(), "terrain": attrs["terrain"].to_numpy(),
        "building_type": z["building_type"], "households": z["households"].astype(int),
        "floor_area_10k_m2": (z["area"] / 1e4).round(4), "gas_network": attrs["gas_network"].astype(int).to_numpy(),
        "heat_network_km": attrs["heat_network_km"].to_numpy(), "transformer_group": attrs["transformer_group"].to_numpy(),
        "demolition": attrs["demolition"].astype(int).to_numpy(), "existing_route": z["route"], "plan_route": "",
        "plan_retrofit": "", "low_income_share": z["low"].round(4),
    })
    rejected = pd.DataFrame({"row": led["row"], "household_id": hid, "reason": reason, "value": value})[~good]
    years = h["year"].dropna().astype(int).value_counts().sort_index()
    return Aggregate(zones.sort_values("zone_id", kind="mergesort").reset_index(drop=True), rejected.reset_index(drop=True),
                     n, int((z.groupby("village").size() > 1).sum()),
                     sorted(set(vill["village_code"]) - set(z["village"])), {int(k): int(v) for k, v in years.items()})


def county_rows(zones: pd.DataFrame, ledger_names: dict[str, str]) -> pd.DataFrame:
    """counties.csv: census figures where the county is in inputs/sources/, else the ledger's count and empty
    census cells for the planner to fill in (the run refuses empty cells, so nothing is invented)."""
    cen = census().set_index("code")
    counties, _, _ = divisions()
    names = dict(zip(counties["code"], counties["name"]))
    rows = []
    for cid, hh in zones.groupby("county_id")["households"].sum().items():
        if cid in cen.index:
            r = cen.loc[cid]
            rows.append(dict(county_id=cid, name_zh=names.get(cid, r["county"]), name_en="",
                             households=int(r["family_households"]), population=int(r["population"]),
                             urban_population=int(r["urban_population"]), rural_population=int(r["rural_population"]),
                             source="7th national census 2020, county tables (inputs/sources/census_2020_county_jinan_"
                                    "xinzhou.csv, from GitHub leiii/census)"))
        else:
            rows.append(dict(county_id=cid, name_zh=names.get(cid, ledger_names.get(cid, cid)), name_en="",
                             households=int(hh), population="", urban_population="", rural_population="",
                             source="households: counted in the household ledger (scripts/ledger.py); population: "
                                    "fill in from the county's 2020 census table"))
    return pd.DataFrame(rows, columns=[c.name for c in TABLES["counties"].columns])


def transformer_rows(zones: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """Default transformer groups (assumptions, marked) for the groups the village table names."""
    electric = set(routes.loc[routes["fuel_id"] == "electricity", "route_id"])
    z = zones[zones["transformer_group"] != ""]
    rows = []
    unit_kva, kva_cost, life = 315.0, 450.0, 25.0
    for gid, g in z.groupby("transformer_group", sort=True):
        hh = int(g["households"].sum())
        el = int(g.loc[g["existing_route"].isin(electric), "households"].sum())
        peak = 0.5 * BASE_KVA_PER_HOUSEHOLD * hh + ELECTRIC_KVA_PER_HOUSEHOLD * el
        cap = max(BASE_KVA_PER_HOUSEHOLD * hh, math.ceil(peak / 0.85))
        units = max(2, math.ceil(ELECTRIC_KVA_PER_HOUSEHOLD * (hh - el) / unit_kva) + 1)
        rows.append(dict(group_id=gid, county_id=g["county_id"].iat[0], capacity_kva=round(cap, 1),
                         existing_peak_kva=round(peak, 1), upgrade_unit_kva=unit_kva,
                         upgrade_unit_capex_yuan=unit_kva * kva_cost, upgrade_lifetime_yr=life, max_upgrade_units=units,
                         source=f"assumption (scripts/ledger.py default; replace with the grid company's 台区 data): "
                                f"capacity {BASE_KVA_PER_HOUSEHOLD:g} kVA per household (2020 rural target, SPEC V) or "
                                f"the present peak at 85 %; peak half the base capacity plus {ELECTRIC_KVA_PER_HOUSEHOLD:g} "
                                f"kVA per electrically heated household; upgrades {unit_kva:g} kVA at {kva_cost:g} yuan/kVA "
                                "(SPEC 300-600, E), enough for every other household on electric heating"))
    return pd.DataFrame(rows, columns=[c.name for c in TABLES["transformers"].columns])


def township_rows(zones: pd.DataFrame) -> pd.DataFrame:
    """townships.csv: the NBS names of the zones' townships (those the list in inputs/sources/ holds)."""
    _, towns, _ = divisions()
    towns = towns.set_index("code")
    ids = sorted(set(zones["township_id"]) & set(towns.index))
    return pd.DataFrame({"township_id": ids, "county_id": [towns.at[i, "county_code"] for i in ids],
                         "name_zh": [towns.at[i, "name"] for i in ids],
                         "source": "NBS division codes 2022-10-31 (inputs/sources/townships_jinan_xinzhou_2022.csv)"},
                        columns=[c.name for c in TABLES["townships"].columns])


def region_row(counties: pd.DataFrame, years: pd.DataFrame, like: str) -> pd.DataFrame:
    """region.csv: the county's name (report titles) and a plan period to review (the years table's)."""
    first, last = int(years["year"].astype(int).min()), int(years["year"].astype(int).max())
    return pd.DataFrame([dict(name_zh="、".join(counties["name_zh"]), name_en="", plan_first_year=first, plan_last_year=last,
                              source=f"name: counties.csv; plan period: the years of years.csv (an EXAMPLE row copied from "
                                     f"reference region {like}): replace with your plan's")],
                        columns=[c.name for c in TABLES["region"].columns])


def summary(agg: Aggregate, label: str) -> str:
    z = agg.zones
    villages = z["zone_id"].str[:12].nunique()
    lines = [f"read {agg.rows_read:,} household rows from {label}",
             f"merged {int(z['households'].sum()):,} households into {len(z):,} zones: {villages:,} villages and "
             f"communities, {agg.villages_split:,} of them split by present heating into "
             f"{int(z['zone_id'].str.contains('-').sum()):,} zones"]
    if len(agg.rejected):
        lines.append(f"rejected {len(agg.rejected):,} rows (listed in ledger_report/rejected_rows.csv):")
        for why, g in agg.rejected.groupby("reason", sort=False):
            rows = ", ".join(str(r) for r in g["row"].head(5))
            more = f" and {len(g) - 5:,} more" if len(g) > 5 else ""
            lines.append(f"  {why}: {len(g):,} (rows {rows}{more})")
    else:
        lines.append("rejected 0 rows")
    if agg.villages_without_households:
        lines.append(f"{len(agg.villages_without_households):,} villages of the village table have no household in the "
                     f"ledger (no zone made): {', '.join(agg.villages_without_households[:10])}"
                     + (" ..." if len(agg.villages_without_households) > 10 else ""))
    if agg.converted_by_year:
        lines.append("households converted by year: " + ", ".join(f"{y} {n:,}" for y, n in agg.converted_by_year.items()))
    return "\n".join(lines)


def _readme(out: Path, ledger: Path, villages: Path, like: str, text: str) -> str:
    return f"""# {out.name}: inputs built from a household ledger

Built by `python scripts/ledger.py {ledger.name} --villages {villages.name} --out {out.name} --like {like}`.
`zones.csv`, `counties.csv` and `transformers.csv` come from the ledger and the village table (the
transformer rows are marked defaults: replace them with the grid company's figures); the other tables
are copied from the reference region {like} and say so in their `source` column (`years.csv`,
`coverage.csv`: one example row each, to replace). Rejected rows: `ledger_report/rejected_rows.csv`.

```
{text}
```
"""


def build(ledger: Path, villages: Path, out: Path, like: str = "xinzhou") -> tuple[Aggregate, str]:
    """Read, check and merge; write the region folder `out` (which must not exist or be empty)."""
    from model.templates import copy_uncertainty, reference_folder, starter_tables

    problems: list[Problem] = []
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError([Problem(str(out), None, None, "already exists and is not empty: nothing was written "
                                  "(choose a new folder)")])
    ref = reference_folder(like)
    if not ref.is_dir():
        raise InputError([Problem("--like", None, None, f"no reference region '{like}' (a folder under inputs/ or a path)")])
    got = read_ledger(ledger, problems)
    vill = read_villages(villages, problems)
    if problems:
        raise InputError(problems)
    led, label = got
    tables = starter_tables(ref, ref.name)
    agg = aggregate(led, vill, tables["routes"], tables["building_types"])
    if agg.zones.empty:
        raise InputError([Problem(label, None, None, f"no household row could be used ({len(agg.rejected):,} rejected: "
                                  + ", ".join(f"{k} {v:,}" for k, v in agg.rejected["reason"].value_counts().items()) + ")")])
    # county names the ledger uses for counties the NBS list in inputs/sources/ does not hold
    named = led.loc[~led["county"].str.match(r"^\d{6}$") & (led["county"] != ""), ["village", "county"]]
    ledger_names = {str(v)[:6]: c for v, c in zip(named["village"], named["county"]) if CODE12.match(str(v))}
    tables["zones"] = agg.zones
    tables["counties"] = county_rows(agg.zones, ledger_names)
    tables["transformers"] = transformer_rows(agg.zones, tables["routes"])
    ref_sources = pd.read_csv(ref / "heat_sources.csv", dtype=str, keep_default_na=False)
    hs = ref_sources[ref_sources["county_id"].isin(set(agg.zones["county_id"]))].copy()
    hs["source"] = f"reference region {ref.name} (its rows for this county; review): " + hs["source"]
    tables["heat_sources"] = hs
    tables["townships"] = township_rows(agg.zones)
    tables["region"] = region_row(tables["counties"], tables["years"], ref.name)
    text = summary(agg, label)
    unknown = tables["counties"].loc[tables["counties"]["population"] == "", "county_id"].tolist()
    if unknown:
        text += (f"\ncounties.csv: {', '.join(unknown)} are not in the census extract (inputs/sources/): fill in "
                 "population, urban_population and rural_population from the county's 2020 census table")
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES.values():
        if t.required or len(tables[t.name]):
            tables[t.name].reindex(columns=[c.name for c in t.columns]).to_csv(
                out / t.filename, index=False, lineterminator="\n", encoding="utf-8")
    copy_uncertainty(ref, out)
    report = out / "ledger_report"
    report.mkdir()
    agg.rejected.to_csv(report / "rejected_rows.csv", index=False, lineterminator="\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(out, ledger, villages, ref.name, text), encoding="utf-8")
    return agg, text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ledger.py", description=(
        "Turn a household ledger (台账, one row per household) and a village attribute table into a region's "
        "zones.csv and county tables; technology tables come from a reference region. Nothing is overwritten."))
    ap.add_argument("ledger", type=Path, help="household ledger, .xlsx or .csv")
    ap.add_argument("--villages", type=Path, required=True, help="village attribute table, .csv or .xlsx")
    ap.add_argument("--out", type=Path, required=True, help="new region folder, e.g. inputs/my_county")
    ap.add_argument("--like", default="xinzhou", help="reference region for the technology tables (default: xinzhou)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        _, text = build(args.ledger, args.villages, args.out, args.like)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    print(text)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    print(f"next: python scripts/solve.py --year YEAR --inputs {args.out} --check")
    return EXIT_OK
