"""Read and validate a region's input tables against the registry.

Every problem of every file is collected before anything is raised, so a user
fixing a spreadsheet sees them all at once. Files are only ever read.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError, Problem
from model.registry import PARAMETER_DEFAULTS, ANY, ELECTRICITY, GAS, QUALITY_COAL, REFERENCES, TABLES, Column, Table

# Cells read as empty. Excel's error values are not here: they are reported.
NULLS = {"", "nan", "NaN", "NAN", "null", "NULL", "None", "none", "NA", "N/A"}
# What Excel writes into a CSV where a formula failed.
EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
# Tables a region cannot do without a data row of (the others may hold only a header).
NEEDS_ROWS = ("parameters", "counties", "building_types", "fuels", "routes", "prices", "years", "zones")
# Floor area per household outside this range (m^2) means a unit slip in the zone row.
AREA_PER_HOUSEHOLD_M2 = (10.0, 2000.0)
# Plausible range of each parameter: a value outside is a unit slip (6 for 6 %, K for degC, ...).
# (low, high, low_inclusive)
PARAMETER_RANGES: dict[str, tuple[float, float, bool]] = {
    "design_temperature_c": (-45.0, 10.0, True),
    "indoor_temperature_c": (10.0, 30.0, True),
    "heating_season_days": (0.0, 366.0, False),
    "heating_season_mean_temperature_c": (-30.0, 15.0, True),
    "discount_rate": (0.0, 0.3, True),
    "storage_days_required": (0.0, 60.0, True),
    "storage_averaging_days": (0.0, 366.0, False),
    "power_factor": (0.0, 1.0, False),
    "electric_coincidence_factor": (0.0, 1.0, False),
    "base_year": (1990.0, 2100.0, True),
    "clean_from_season_after_conversion": (0.0, 1.0, True),
    "old_stove_cost_yuan_per_household": (0.0, 20000.0, True),
    "storage_rule_from_year": (0.0, 2100.0, True),
    "subsidy_budget_cumulative": (0.0, 1.0, True),
    "affordability_margin": (-0.9, 5.0, True),
    "running_subsidy_design": (0.0, 1.0, True),
    "objective_valley_electricity": (0.0, 1.0, True),
}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?%?$")
_EXCEL_SCI_ID = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
MAX_ROW_PROBLEMS = 20  # per file and kind of structural problem; the rest are counted


@dataclass
class RegionData:
    """Validated, typed input tables of one region."""

    region: str
    folder: Path
    tables: dict[str, pd.DataFrame]
    scenarios: dict[str, dict]
    inputs_hash: str
    files: list[str] = field(default_factory=list)
    # where each table's rows came from: table -> (file or "<workbook>, sheet '<name>'", row of each typed row)
    locations: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)

    def where(self, table: str, index: int) -> tuple[str, int | None]:
        """(file or sheet label, row a spreadsheet user sees) of row `index` of a typed table."""
        label, rows = self.locations.get(table, (str(self.folder / f"{table}.csv"), None))
        if rows is None or not 0 <= index < len(rows):
            return label, index + 2
        return label, int(rows[index])

    @property
    def params(self) -> dict[str, float]:
        p = self.tables["parameters"]
        return dict(zip(p["name"], p["value"].astype(float)))


def decode_text(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else GBK/GB18030."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        problems.append(Problem(file, None, None, "is an Excel workbook, not a CSV file: in Excel use "
                                "'Save As' > 'CSV UTF-8 (comma delimited)'"))
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        problems.append(Problem(file, None, None, "is a binary file, not CSV text: save it as 'CSV UTF-8' from Excel"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # Excel in China saves GBK; gb18030 is its superset
    except UnicodeDecodeError:
        problems.append(Problem(file, None, None, "cannot be decoded as UTF-8 or GBK: save it as 'CSV UTF-8' from Excel"))
        return None


def _normalise(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def csv_records(text: str, file: str, problems: list[Problem]) -> tuple[list[list[str]], list[int]] | None:
    """Split CSV text into records with the line each starts on; a broken quote stops the file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            hint = ("a quote (\") opened here is never closed" if "end of data" in str(exc)
                    else f"broken quoting ({exc}): a cell with a quote or comma must be enclosed in quotes, quotes doubled")
            problems.append(Problem(file, start, None, f"is not a readable CSV: {hint}"))
            return None
        rows.append(row)
        lines.append(start)
    return rows, lines


def read_csv(path: Path, table: Table, problems: list[Problem]) -> pd.DataFrame | None:
    """Read one table as normalised strings; report structure, missing, misspelt and extra columns.

    The returned frame's index is the file line of each row minus 2 (so that index + 2 is
    the line a spreadsheet user sees, header = line 1); rows with every cell empty are dropped.
    """
    file = str(path)
    if not path.exists():
        if table.required:
            problems.append(Problem(file, None, None, "file is missing"))
        return None
    if not path.is_file():
        problems.append(Problem(file, None, None, "is not a file"))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(file, None, None, f"cannot be read ({exc.strerror or exc})"))
        return None
    text = decode_text(raw, file, problems)
    if text is None:
        return None
    parsed = csv_records(text, file, problems)
    if parsed is None:
        return None
    records, lines = parsed
    return table_frame(records, lines, file, table, problems)


def table_frame(records: list[list[str]], lines: list[int], file: str, table: Table, problems: list[Problem],
                what: str = "file", skip_units_row: bool = False) -> pd.DataFrame | None:
    """Records of one table (header first) -> a frame of normalised strings, or None.

    `lines` holds the line (CSV) or row (worksheet) of each record, so messages point at it.
    `what` is "file" or "sheet" (for the messages). With `skip_units_row`, a second record
    that holds the registry's units of its columns (as written by `model.workbook`) is skipped.
    """
    if not records or not any(str(c).strip() for c in records[0]):
        problems.append(Problem(file, None, None, f"{what} is empty: the first {'line' if what == 'file' else 'row'} "
                                f"must be the header ({', '.join(c.name for c in table.columns)})"))
        return None
    header = [_normalise(c) for c in records[0]]
    body = [[_normalise(c) for c in r] for r in records[1:]]
    body_lines = list(lines[1:])
    if skip_units_row and body and is_units_row(header, body[0], table):
        body, body_lines = body[1:], body_lines[1:]
    # Excel writes trailing empty columns when cells right of the table were ever formatted
    while header and header[-1] == "" and all(len(r) < len(header) or r[len(header) - 1] == "" for r in body):
        header.pop()
    expected = [c.name for c in table.columns]
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "';'" if ";" in header[0] else "tabs"
        problems.append(Problem(file, 1, None, f"columns are separated by {sep}, not commas: save it as "
                                "'CSV UTF-8 (comma delimited)'"))
        return None
    bad = False
    for i, col in enumerate(header):
        if col == "":
            problems.append(Problem(file, 1, None, f"column {i + 1} of the header has no name"))
            bad = True
    dups = sorted({c for c in header if c and header.count(c) > 1})
    for col in dups:
        problems.append(Problem(file, 1, col, f"column appears {header.count(col)} times in the header"))
        bad = True
    absent = []  # optional columns left out: read as empty cells
    for col in table.columns:
        if col.name not in header:
            close = difflib.get_close_matches(col.name, [c for c in header if c not in expected], n=1)
            if not col.required and not close:
                absent.append(col.name)
                continue
            hint = f" (found '{close[0]}': misspelt?)" if close else ""
            problems.append(Problem(file, None, col.name, f"{'required ' if col.required else ''}column is missing{hint}"))
            bad = True
    for col in header:
        if col and col not in expected:
            problems.append(Problem(file, None, col, f"unknown column (allowed: {', '.join(expected)})"))
            bad = True
    # ragged rows: a comma inside an unquoted cell, or a row cut short
    keep, keep_lines, ragged = [], [], 0
    n = len(header)
    for row, line in zip(body, body_lines):
        if not any(row):
            continue  # blank line or a row of empty cells
        if len(row) > n and not any(row[n:]):
            row = row[:n]
        if len(row) < n and what == "sheet":
            row = row + [""] * (n - len(row))  # a worksheet row ends at its last filled cell
        if len(row) != n:
            ragged += 1
            if ragged <= MAX_ROW_PROBLEMS:
                more = "more" if len(row) > n else "fewer"
                problems.append(Problem(file, line, None, f"has {len(row)} cells, {more} than the {n} columns of the "
                                        "header (a comma inside a value needs the value in quotes)"))
            continue
        keep.append(row)
        keep_lines.append(line)
    if ragged > MAX_ROW_PROBLEMS:
        problems.append(Problem(file, None, None, f"... and {ragged - MAX_ROW_PROBLEMS} more rows with the wrong number of cells"))
    if bad:
        return None
    df = pd.DataFrame(keep, columns=header, dtype=object, index=pd.Index(np.asarray(keep_lines, dtype=np.int64) - 2))
    for name in absent:
        df[name] = ""
    if df.empty and table.name in NEEDS_ROWS:
        problems.append(Problem(file, None, None, "has a header but no data rows"))
    if ragged:
        return None  # ragged rows reported; cell checks on a shifted row would only add noise
    return df[expected].astype(str)


def is_units_row(header: list[str], row: list[str], table: Table) -> bool:
    """True if `row` holds the registry unit of every named column of `header` (a workbook's units row)."""
    units = {c.name: c.unit for c in table.columns}
    pairs = [(h, v) for h, v in zip(header, row) if h in units]
    return bool(pairs) and all(v == units[h] for h, v in pairs) and any(v for _, v in pairs)


def parse_number(text: str) -> float | None:
    """A spreadsheet number -> float, or None if it is not one.

    Accepts full-width digits, thousands separators (1,200 or 1，200 in groups of three),
    underscores, a trailing % and exponents. A comma anywhere else (0,5) is refused rather
    than read as 5: it is a decimal comma or two values in one cell.
    """
    s = _normalise(str(text))
    if "," in s and not _THOUSANDS.match(s):
        return None
    s = s.replace(",", "").replace("_", "")
    scale = 1.0
    if s.endswith("%"):
        s, scale = s[:-1], 0.01
    try:
        return float(s) * scale
    except ValueError:
        return None


def _is_code_column(col: Column) -> bool:
    return col.dtype == "str" and not col.choices and (
        col.name.endswith("_id") or col.name in ("transformer_group", "building_type", "existing_route", "plan_route"))


def _check_column(df: pd.DataFrame, col: Column, file: str, problems: list[Problem]) -> pd.Series:
    """Type and rule check of one column; returns the typed column (NaN where bad or empty)."""
    raw = df[col.name]
    rows = df.index.to_numpy() + 2  # header is line 1 (read_csv keeps each row's line in the index)
    excel_error = raw.isin(EXCEL_ERRORS).to_numpy()
    for r, v in zip(rows[excel_error], raw[excel_error]):
        problems.append(Problem(file, int(r), col.name, f"Excel error value '{v}': fix the formula in the spreadsheet"))
    empty = raw.isin(NULLS)
    if col.required:
        for r in rows[empty.to_numpy()]:
            problems.append(Problem(file, int(r), col.name, "value is required but the cell is empty"))
    if col.dtype in ("str", "list"):
        out = raw.where(~empty & ~excel_error, "")
        if col.choices:
            values = out.str.split(";") if col.dtype == "list" else out.map(lambda v: [v])
            for r, vals, e in zip(rows, values, empty.to_numpy() | excel_error):
                for v in vals:
                    if not e and v not in col.choices:
                        problems.append(Problem(file, int(r), col.name, f"'{v}' is not one of {', '.join(col.choices)}"))
        if _is_code_column(col):
            sci = out.str.match(_EXCEL_SCI_ID).to_numpy()
            for r, v in zip(rows[sci], out[sci]):
                problems.append(Problem(file, int(r), col.name, f"'{v}' looks like a long code that Excel turned into a "
                                        "number: format the column as Text and enter the codes again"))
        return out
    skip = empty.to_numpy() | excel_error
    num = np.array([np.nan if k else (lambda x: np.nan if x is None else x)(parse_number(v))
                    for v, k in zip(raw.to_numpy(), skip)], dtype=float)
    e = skip
    kind = {"int": "a whole number", "flag": "0 or 1", "float": "a number"}[col.dtype]

    def not_number(s, v):
        if "," in s:
            return f"'{s}' is not {kind} (a comma is only allowed between groups of three digits; use '.' for decimals)"
        return f"'{s}' is not {kind}"

    checks = [
        (~e & np.isnan(num), not_number),
        (~e & np.isinf(num), lambda s, v: f"'{s}' is not a finite number"),
    ]
    ok = np.isfinite(num)
    if col.dtype == "flag":
        checks.append((ok & ~np.isin(num, (0.0, 1.0)), lambda s, v: f"'{s}' must be 0 or 1"))
    if col.dtype == "int":
        checks.append((ok & (num != np.round(num)), lambda s, v: f"'{s}' must be a whole number"))
    if col.positive:
        checks.append((ok & (num <= 0), lambda s, v: f"must be > 0 (got {s})"))
    if col.min is not None:
        checks.append((ok & (num < col.min), lambda s, v: f"must be >= {col.min:g} (got {s})"))
    if col.max is not None:
        checks.append((ok & (num > col.max), lambda s, v: f"must be <= {col.max:g} (got {s})"))
    if col.plausible_max is not None:
        checks.append((ok & (num > col.plausible_max), lambda s, v:
                       f"{s} {col.unit} is implausibly large (> {col.plausible_max:g}): wrong unit scale?"))
    bad = np.zeros(len(num), dtype=bool)
    for mask, message in checks:
        mask = mask & ~bad  # one problem per cell: the first rule it breaks
        for i in np.flatnonzero(mask):
            problems.append(Problem(file, int(rows[i]), col.name, message(raw.iloc[i], num[i])))
        bad |= mask
    vals = np.where(bad, np.nan, num)
    return pd.Series(vals, index=df.index)


def typed_table(df: pd.DataFrame, table: Table, file: str, problems: list[Problem]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        out[col.name] = _check_column(df, col, file, problems)
    dup = out.duplicated(subset=list(table.key), keep="first")
    for idx in out.index[dup]:
        key = ", ".join(f"{k}={df.at[idx, k]}" for k in table.key)
        problems.append(Problem(file, int(idx) + 2, table.key[0], f"duplicate key ({key})"))
    return out


def _table_word(files: dict[str, str], table: str) -> str:
    """How a message names another table: 'counties.csv' in a folder, "sheet 'counties'" in a workbook."""
    return f"{table}.csv" if files.get(table, "").endswith(".csv") else f"sheet '{table}'"


def _check_references(tables: dict[str, pd.DataFrame], files: dict[str, str], problems: list[Problem]) -> None:
    for ref in REFERENCES:
        if ref.table not in tables or ref.ref_table not in tables:
            continue
        known = set(tables[ref.ref_table][ref.ref_column])
        col = tables[ref.table][ref.column]
        for idx, v in col.items():
            if v != "" and v not in known:
                problems.append(Problem(files[ref.table], int(idx) + 2, ref.column,
                                        f"'{v}' is not a {ref.ref_column} in {_table_word(files, ref.ref_table)}"))


# switches: 0 (off) or 1 (on)
FLAG_PARAMETERS = ("clean_from_season_after_conversion", "subsidy_budget_cumulative", "running_subsidy_design",
                   "objective_valley_electricity")


def _range_rule(name: str, value: float) -> str | None:
    """The broken plausibility rule of one parameter value, or None."""
    if name in FLAG_PARAMETERS and value not in (0.0, 1.0):
        return f"{value:g} for {name}: must be 0 or 1"
    lo, hi, lo_incl = PARAMETER_RANGES[name]
    if (value < lo if lo_incl else value <= lo) or value > hi:
        low = f"{'>=' if lo_incl else '>'} {lo:g}"
        hint = " (a share: write 0.06 or 6%, not 6)" if hi <= 1 and value > 1 else ""
        return f"{value:g} is outside the plausible range ({low} and <= {hi:g}) for {name}{hint}: wrong unit?"
    return None


TEMPERATURES = ("design_temperature_c", "heating_season_mean_temperature_c", "indoor_temperature_c")


def temperature_rule(values: dict, origin: dict[str, str] | None = None) -> str | None:
    """The broken cross-field rule of the climate parameters, or None: the degree-day method needs
    design < heating-season mean < indoor temperature (positive degree-days, no division by 0).
    `origin`: where each value came from, named in the message."""
    t = [float(values.get(k, np.nan)) for k in TEMPERATURES]
    if not np.isfinite(t).all() or t[0] < t[1] < t[2]:
        return None
    if origin is None:
        return f"needs {' < '.join(TEMPERATURES)} so that heating degree-days are positive (got {t[0]:g}, {t[1]:g}, {t[2]:g})"
    got = ", ".join(f"{k} {v:g} ({origin.get(k, 'parameters.csv')})" for k, v in zip(TEMPERATURES, t))
    return f"needs {' < '.join(TEMPERATURES)} so that heating degree-days are positive; this run has {got}"


def check_overridden(params: dict[str, float], overrides: dict[str, float], origin: dict[str, str]) -> list[Problem]:
    """Cross-field rules on the parameters a run uses: the table's values with the overrides
    (scenarios, --set, a sweep point) applied. `origin`: override name -> where it was set."""
    if not set(overrides) & set(TEMPERATURES):
        return []
    rule = temperature_rule({**params, **overrides}, origin)
    if rule is None:
        return []
    names = [k for k in TEMPERATURES if k in overrides]
    return [Problem(" and ".join(dict.fromkeys(origin.get(k, "--set") for k in names)), None, ", ".join(names), rule)]


def _check_unit_scale(tables: dict[str, pd.DataFrame], files: dict[str, str], problems: list[Problem]) -> None:
    """Values that are valid numbers but wrong by a unit factor."""
    if "parameters" in tables:
        par = tables["parameters"]
        for idx, name, value in zip(par.index, par["name"], par["value"]):
            if name in PARAMETER_RANGES and np.isfinite(value):
                rule = _range_rule(name, float(value))
                if rule:
                    problems.append(Problem(files["parameters"], int(idx) + 2, "value", rule))
        rule = temperature_rule(dict(zip(par["name"], par["value"])))
        if rule:
            problems.append(Problem(files["parameters"], None, "value", rule))
    if "zones" in tables:
        z = tables["zones"]
        per_hh = z["floor_area_10k_m2"] * 1e4 / z["households"]
        lo, hi = AREA_PER_HOUSEHOLD_M2
        for idx in z.index[(per_hh < lo) | (per_hh > hi)]:
            problems.append(Problem(files["zones"], int(idx) + 2, "floor_area_10k_m2",
                                    f"{per_hh[idx]:,.1f} m^2 per household (floor_area_10k_m2 x 10^4 / households) is outside "
                                    f"{lo:g}-{hi:g}: floor area in m^2 instead of 10^4 m^2, or households in 10^4?"))


def _check_policies(tables: dict[str, pd.DataFrame], files: dict[str, str], problems: list[Problem]) -> None:
    """policies.csv: ids are plain names, list entries name existing counties, routes or route
    categories, and a share is between 0 and 1."""
    pol, file = tables["policies"], files["policies"]
    known = {
        "counties": set(tables["counties"]["county_id"]) if "counties" in tables else set(),
        "area_types": {"urban", "rural"},
        "terrains": {"plain", "mountain"},
        "routes": (set(tables["routes"]["route_id"]) | set(tables["routes"]["category"])) if "routes" in tables else set(),
    }
    known["share_of_routes"] = known["routes"]
    for idx, row in pol.iterrows():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", str(row["policy_id"])):
            problems.append(Problem(file, int(idx) + 2, "policy_id", f"'{row['policy_id']}' must be a plain name "
                                    "(letters, digits, _ and -)"))
        for col, allowed in known.items():
            v = row[col]
            if not isinstance(v, str) or v == "":
                continue
            for item in v.split(";"):
                if item != ANY and item not in allowed:
                    problems.append(Problem(file, int(idx) + 2, col, f"'{item}' is not one of {', '.join(sorted(allowed))}, all"))
        if isinstance(row["share_of_routes"], str) and row["share_of_routes"] and not 0 <= row["bound"] <= 1:
            problems.append(Problem(file, int(idx) + 2, "bound", f"{row['bound']:g} is a share (share_of_routes is set): "
                                    "must be between 0 and 1"))


TIERS = ("tier1", "tier2", "tier3")
TIME_OF_USE = ("flat", "valley", "peak")


def _check_tariffs(tar: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """tariffs.csv, per fuel and year: one kind of tariff (per_m2, tiers or time-of-use bands);
    tiers start at tier1 without gaps, every tier but the highest has an upper end and the ends
    increase; only tiers have an upper end."""
    for (year, fuel), rows in tar.groupby(["year", "fuel_id"], sort=False):
        bands = set(rows["band"])
        kinds = [k for k, members in (("per_m2", ("per_m2",)), ("tiers", TIERS), ("time-of-use", TIME_OF_USE))
                 if bands & set(members)]
        if len(kinds) > 1:
            problems.append(Problem(file, int(rows.index[-1]) + 2, "band",
                                    f"{fuel} in {year:g} mixes {' and '.join(kinds)}: one kind of tariff per fuel and year"))
            continue
        for idx, row in rows.iterrows():
            if row["band"] not in TIERS and pd.notna(row["up_to_units_per_household"]):
                problems.append(Problem(file, int(idx) + 2, "up_to_units_per_household",
                                        f"only a tier has an upper end (band is {row['band']}): leave it empty"))
        if kinds != ["tiers"]:
            continue
        tiers = rows.set_index("band").reindex([t for t in TIERS if t in bands])
        have = list(tiers.index)
        if have != list(TIERS[:len(have)]):
            problems.append(Problem(file, int(rows.index[-1]) + 2, "band",
                                    f"{fuel} in {year:g} has tiers {', '.join(have)}: tiers start at tier1 without gaps"))
            continue
        ends = tiers["up_to_units_per_household"].to_numpy(dtype=float)
        where = dict(zip(rows["band"], rows.index))
        for i, band in enumerate(have[:-1]):
            if np.isnan(ends[i]):
                problems.append(Problem(file, int(where[band]) + 2, "up_to_units_per_household",
                                        f"{fuel} {band} in {year:g} needs an upper end (only the highest tier is open)"))
            elif i and np.isfinite(ends[i - 1]) and ends[i] <= ends[i - 1]:
                problems.append(Problem(file, int(where[band]) + 2, "up_to_units_per_household",
                                        f"{fuel} {band} in {year:g} ends at {ends[i]:g}, not above {have[i - 1]}'s "
                                        f"{ends[i - 1]:g}: tiers must increase"))
        last = have[-1]
        if len(have) > 1 and np.isfinite(ends[-1]) and np.isfinite(ends[-2]) and ends[-1] <= ends[-2]:
            problems.append(Problem(file, int(where[last]) + 2, "up_to_units_per_household",
                                    f"{fuel} {last} in {year:g} ends at {ends[-1]:g}, not above {have[-2]}'s "
                                    f"{ends[-2]:g}: tiers must increase"))


def _check_semantics(tables: dict[str, pd.DataFrame], files: dict[str, str], year: int | None,
                     problems: list[Problem]) -> None:
    """Rules that span tables or rows."""
    _check_unit_scale(tables, files, problems)
    if "region" in tables:
        reg = tables["region"]
        if len(reg) > 1:
            problems.append(Problem(files["region"], 3, None, f"has {len(reg)} rows; one row names the region"))
        for idx, row in reg.iterrows():
            if pd.notna(row["plan_first_year"]) and pd.notna(row["plan_last_year"]) and \
                    row["plan_first_year"] > row["plan_last_year"]:
                problems.append(Problem(files["region"], int(idx) + 2, "plan_last_year",
                                        f"{row['plan_last_year']:g} is before plan_first_year {row['plan_first_year']:g}"))
    if "parameters" in tables:
        names = set(tables["parameters"]["name"])
        choices = TABLES["parameters"].column("name").choices
        for n in choices:
            if n not in names and n not in PARAMETER_DEFAULTS:
                problems.append(Problem(files["parameters"], None, "name", f"parameter '{n}' is missing"))
    if "fuels" in tables:
        fuels = set(tables["fuels"]["fuel_id"])
        for f in (GAS, ELECTRICITY):
            if f not in fuels:
                problems.append(Problem(files["fuels"], None, "fuel_id", f"fuel '{f}' must be defined"))
    if "routes" in tables:
        routes = tables["routes"]
        if QUALITY_COAL not in set(routes["route_id"]):
            problems.append(Problem(files["routes"], None, "route_id", f"route '{QUALITY_COAL}' must be defined (demolition zones keep it)"))
        if "building_types" in tables:
            btypes = set(tables["building_types"]["building_type"])
            for idx, v in routes["building_types"].items():
                for b in v.split(";"):
                    if v != "" and b != ANY and b not in btypes:
                        problems.append(Problem(files["routes"], int(idx) + 2, "building_types", f"'{b}' is not a building_type in {_table_word(files, 'building_types')}"))
        for col, allowed in (("area_types", ("urban", "rural")), ("terrains", ("plain", "mountain"))):
            for idx, v in routes[col].items():
                for b in v.split(";"):
                    if v != "" and b != ANY and b not in allowed:
                        problems.append(Problem(files["routes"], int(idx) + 2, col, f"'{b}' is not one of {', '.join(allowed)}, all"))
    if "policies" in tables and len(tables["policies"]):
        _check_policies(tables, files, problems)
    if "tariffs" in tables and len(tables["tariffs"]):
        _check_tariffs(tables["tariffs"], files["tariffs"], problems)
    if "building_types" in tables:
        bt = tables["building_types"]
        has_cost = bt["retrofit_capex_yuan_per_m2"].notna()
        for c in ("retrofit_saving", "retrofit_lifetime_yr"):
            for idx in bt.index[has_cost & bt[c].isna()]:
                problems.append(Problem(files["building_types"], int(idx) + 2, c, "required when retrofit_capex_yuan_per_m2 is given"))
    if year is not None:
        for name in ("years", "prices"):
            if name in tables and year not in set(tables[name]["year"].dropna().astype(int)):
                problems.append(Problem(files[name], None, "year", f"has no row for the run year {year}"))
        if "prices" in tables and "fuels" in tables and year in set(tables["prices"]["year"].dropna().astype(int)):
            pr = tables["prices"]
            have = set(pr.loc[pr["year"] == year, "fuel_id"])
            for f in tables["fuels"]["fuel_id"]:
                if f not in have:
                    problems.append(Problem(files["prices"], None, "fuel_id", f"no price for fuel '{f}' in {year}"))
    if "transformers" in tables:
        tr = tables["transformers"]
        for idx in tr.index[tr["existing_peak_kva"] > tr["capacity_kva"] + tr["max_upgrade_units"] * tr["upgrade_unit_kva"]]:
            problems.append(Problem(files["transformers"], int(idx) + 2, "existing_peak_kva",
                                    "exceeds capacity even with every upgrade unit"))


def inputs_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        if p.is_file() and (p.suffix in (".csv", ".yaml", ".yml")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


SCENARIO_KEYS = {"description", "set", "fix_plan_routes"}


def _shown(name: object, width: int = 60) -> str:
    """A name for a one-line message: invisible characters escaped, long names cut."""
    text = str(name) if str(name).isprintable() else repr(str(name))[1:-1]
    return text if len(text) <= width else text[:width - 3] + "..."


def load_scenarios(folder: Path, problems: list[Problem]) -> dict[str, dict]:
    """scenarios.yaml: scenario name -> {description, set: {NAME: VALUE}, fix_plan_routes: true|false}.

    Read within a size and alias-expansion limit (`model.safe_yaml`); names must be plain names
    (they name result files) and fix_plan_routes a YAML boolean, not the text "false"."""
    from model import paths, safe_yaml

    path = folder / "scenarios.yaml"
    if not path.exists():
        return {}
    if not path.is_file():  # a device or a pipe may never end (or never start)
        problems.append(Problem(str(path), None, None, "is not a regular file"))
        return {}
    try:
        data = safe_yaml.load(path)
    except safe_yaml.YamlLimitError as exc:
        problems.append(Problem(str(path), None, None, str(exc)))
        return {}
    except OSError as exc:
        problems.append(Problem(str(path), None, None, f"cannot be read ({exc.strerror or exc})"))
        return {}
    return check_scenarios(data or {}, str(path), problems)


def check_scenarios(data, file: str, problems: list[Problem], rows: dict[str, int] | None = None) -> dict[str, dict]:
    """Scenario specs (from scenarios.yaml or a workbook's scenarios sheet) follow the rules; `rows` locates them."""
    from model import paths
    if not isinstance(data, dict):
        problems.append(Problem(file, None, None, "must map scenario names to their overrides"))
        return {}
    rows = rows or {}
    for name, spec in data.items():
        row = rows.get(str(name))
        named = paths.check_name(name, file, column=_shown(name))
        problems += [Problem(p.file, row, p.column, f"scenario {p.rule}") for p in named]
        if not isinstance(spec, dict) or not set(spec) <= SCENARIO_KEYS:
            problems.append(Problem(file, row, _shown(name),
                                    "a scenario holds only 'description', 'set' (a mapping) and 'fix_plan_routes'"))
            continue
        if "fix_plan_routes" in spec and not isinstance(spec["fix_plan_routes"], bool):
            problems.append(Problem(file, row, f"{_shown(name)}.fix_plan_routes",
                                    f"must be true or false without quotes, got {spec['fix_plan_routes']!r}"))
        if not isinstance(spec.get("set") or {}, dict):
            problems.append(Problem(file, row, _shown(name), "'set' must be a mapping NAME: VALUE"))
        else:
            for p in check_set_values(spec.get("set") or {}, file):
                problems.append(Problem(p.file, row, f"{_shown(name)}.set.{_shown(p.column)}", p.rule))
    return data


def check_set_values(values: dict, file: str = "--set") -> list[Problem]:
    """Overrides (from --set, scenarios.yaml or a sweep) must name a scalar or a number cell
    (TABLE[KEY].COLUMN) and give a finite number, `*FACTOR` or `+AMOUNT`, an absolute value
    inside its column's rules (`model.overrides.check_values`).

    Unknown fuels' prices and key values are left to `model.overrides.resolve_overrides`, which
    has the region's tables.
    """
    from model.overrides import check_values

    return check_values(values, file)


def region_id(path: Path | str) -> str:
    """The region id a folder or workbook stands for: its name (a workbook's without the suffix)."""
    path = Path(path)
    from model.workbook import is_workbook

    return path.stem if is_workbook(path) else path.resolve().name


def resolve_inputs(region: str | None, inputs: Path | None, shipped: Path) -> tuple[Path, str]:
    """(input folder or workbook, region id) from --region and --inputs.

    The region id names the results folder, so it defaults to the name of --inputs (a workbook's
    without .xlsx) and a run never writes under another region's name: --region naming a shipped
    region under `shipped` is refused with --inputs pointing elsewhere.
    """
    if inputs is None:
        return shipped / (region or "jinan"), region or "jinan"
    inputs = Path(inputs)
    if region is None:
        return inputs, region_id(inputs)
    other = shipped / region
    if other.exists() and other.resolve() != inputs.resolve():
        raise InputError([Problem("--region", None, None, f"'{region}' is the region of {other}, but --inputs is {inputs}: "
                                  f"results would land in {region}'s folder. Drop --region (results go under "
                                  f"'{region_id(inputs)}') or give another name")])
    return inputs, region


def _empty_table(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object if c.dtype in ("str", "list") else float) for c in table.columns})


def _read_folder(folder: Path, problems: list[Problem]):
    raw: dict[str, pd.DataFrame | None] = {}
    labels = {}
    for name, table in TABLES.items():
        path = folder / table.filename
        labels[name] = str(path)
        raw[name] = read_csv(path, table, problems)
        if raw[name] is None and not table.required and not path.exists():
            raw[name] = "absent"
    scenarios = load_scenarios(folder, problems)
    return raw, labels, scenarios, inputs_hash(folder)


def _read_workbook(path: Path, problems: list[Problem]):
    from model import workbook as wbk

    raw: dict[str, pd.DataFrame | None] = {name: None for name in TABLES}
    labels = {name: wbk.sheet_label(path, name) for name in TABLES}
    sheets = wbk.read_workbook(path, problems)
    if sheets is None:
        return raw, labels, {}, ""
    wbk.table_sheet_problems(sheets, path, problems)
    for name, table in TABLES.items():
        if name not in sheets:
            raw[name] = None if table.required else "absent"
            continue
        records, rows = sheets[name]
        raw[name] = table_frame(records, rows, labels[name], table, problems, what="sheet", skip_units_row=True)
    scenarios = {}
    if wbk.SCENARIOS_SHEET in sheets:
        records, rows = sheets[wbk.SCENARIOS_SHEET]
        label = wbk.sheet_label(path, wbk.SCENARIOS_SHEET)
        scenarios = wbk.scenarios_from_records(records, rows, label, problems)
        where = {}
        for cells, row in zip(records[1:], rows[1:]):
            if cells:
                where.setdefault(cells[0].strip(), row)
        scenarios = check_scenarios(scenarios, label, problems, where)
    h = hashlib.sha256(path.name.encode())
    h.update(path.read_bytes())
    return raw, labels, scenarios, h.hexdigest()


def read_region(folder: Path | str, year: int | None = None, region: str | None = None) -> tuple[RegionData, list[Problem]]:
    """Read and check every table of a region folder or workbook (.xlsx); never raises.

    Returns the data and every problem found. With problems, the tables are partial: a table
    that could not be read is left out, and cells that break a rule are NaN (or empty text).
    """
    folder = Path(folder)
    problems: list[Problem] = []
    from model.workbook import is_workbook

    if is_workbook(folder):
        raw, files, scenarios, digest = _read_workbook(folder, problems)
    elif not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "input folder does not exist" if not folder.exists() else
                                "is neither a folder of CSV files nor an .xlsx workbook"))
        return RegionData(region or region_id(folder), folder, {}, {}, ""), problems
    else:
        raw, files, scenarios, digest = _read_folder(folder, problems)
    typed: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        df = raw[name]
        if isinstance(df, str):  # an optional table left out: no rows
            typed[name] = _empty_table(table)
        elif df is not None:
            typed[name] = typed_table(df, table, files[name], problems)
    _check_references(typed, files, problems)
    _check_semantics(typed, files, year, problems)
    locations = {}
    for name, df in typed.items():
        locations[name] = (files[name], df.index.to_numpy() + 2)
        typed[name] = df.reset_index(drop=True)  # line numbers were only for messages
    if not problems:
        for name, table in TABLES.items():
            for col in table.columns:
                if col.dtype in ("int", "flag") and col.required:
                    typed[name][col.name] = typed[name][col.name].astype(np.int64)
    return RegionData(region or region_id(folder), folder, typed, scenarios, digest, list(files.values()), locations), problems


def load_region(folder: Path | str, year: int | None = None, region: str | None = None) -> RegionData:
    """Read and validate every table of a region folder or workbook (.xlsx); raise InputError with all problems."""
    data, problems = read_region(folder, year, region)
    if problems:
        raise InputError(problems)
    return data
