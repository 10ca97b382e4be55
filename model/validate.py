"""Read and validate a region's input tables against the registry.

Every problem of every file is collected before anything is raised, so a user
fixing a spreadsheet sees them all at once. Files are only ever read.
"""
from __future__ import annotations

import difflib
import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from model.errors import InputError, Problem
from model.registry import ANY, ELECTRICITY, GAS, QUALITY_COAL, REFERENCES, TABLES, Column, Table

NULLS = {"", "nan", "NaN", "NAN", "null", "NULL", "None", "none", "NA", "N/A", "#N/A"}


@dataclass
class RegionData:
    """Validated, typed input tables of one region."""

    region: str
    folder: Path
    tables: dict[str, pd.DataFrame]
    scenarios: dict[str, dict]
    inputs_hash: str
    files: list[str] = field(default_factory=list)

    @property
    def params(self) -> dict[str, float]:
        p = self.tables["parameters"]
        return dict(zip(p["name"], p["value"].astype(float)))


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
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


def read_csv(path: Path, table: Table, problems: list[Problem]) -> pd.DataFrame | None:
    """Read one table as strings; report missing, misspelt and extra columns."""
    file = str(path)
    if not path.exists():
        if table.required:
            problems.append(Problem(file, None, None, "file is missing"))
        return None
    text = _decode(path.read_bytes(), file, problems)
    if text is None:
        return None
    import io

    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # pandas parser errors carry the line number in the text
        problems.append(Problem(file, None, None, f"is not a readable CSV ({exc})"))
        return None
    df.columns = [_normalise(str(c)) for c in df.columns]
    expected = [c.name for c in table.columns]
    bad = False
    for col in expected:
        if col not in df.columns:
            close = difflib.get_close_matches(col, [c for c in df.columns if c not in expected], n=1)
            hint = f" (found '{close[0]}': misspelt?)" if close else ""
            problems.append(Problem(file, None, col, f"required column is missing{hint}"))
            bad = True
    for col in df.columns:
        if col not in expected:
            problems.append(Problem(file, None, col, f"unknown column (allowed: {', '.join(expected)})"))
            bad = True
    if df.columns.duplicated().any():
        problems.append(Problem(file, None, None, "duplicate column names"))
        bad = True
    if bad:
        return None
    return df[expected].map(_normalise)


def _parse_number(s: str) -> float:
    s = s.replace(",", "").replace("_", "")
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    return float(s)


def _check_column(df: pd.DataFrame, col: Column, file: str, problems: list[Problem]) -> pd.Series:
    """Type and rule check of one column; returns the typed column (NaN where bad or empty)."""
    raw = df[col.name]
    rows = df.index.to_numpy() + 2  # header is line 1
    empty = raw.isin(NULLS)
    if col.required:
        for r in rows[empty.to_numpy()]:
            problems.append(Problem(file, int(r), col.name, "value is required but the cell is empty"))
    if col.dtype in ("str", "list"):
        out = raw.where(~empty, "")
        if col.choices:
            values = out.str.split(";") if col.dtype == "list" else out.map(lambda v: [v])
            for r, vals, e in zip(rows, values, empty):
                for v in vals:
                    if not e and v not in col.choices:
                        problems.append(Problem(file, int(r), col.name, f"'{v}' is not one of {', '.join(col.choices)}"))
        return out
    cleaned = raw.str.replace(",", "", regex=False).str.replace("_", "", regex=False)
    pct = cleaned.str.endswith("%")
    num = pd.to_numeric(cleaned.str.rstrip("%").where(~empty, None), errors="coerce").to_numpy(dtype=float)
    num = np.where(pct.to_numpy(), num / 100.0, num)
    e = empty.to_numpy()
    kind = {"int": "a whole number", "flag": "0 or 1", "float": "a number"}[col.dtype]
    checks = [
        (~e & np.isnan(num), lambda s, v: f"'{s}' is not {kind}"),
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


def _typed(df: pd.DataFrame, table: Table, file: str, problems: list[Problem]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        out[col.name] = _check_column(df, col, file, problems)
    dup = out.duplicated(subset=list(table.key), keep="first")
    for idx in out.index[dup]:
        key = ", ".join(f"{k}={df.at[idx, k]}" for k in table.key)
        problems.append(Problem(file, int(idx) + 2, table.key[0], f"duplicate key ({key})"))
    return out


def _check_references(tables: dict[str, pd.DataFrame], files: dict[str, str], problems: list[Problem]) -> None:
    for ref in REFERENCES:
        if ref.table not in tables or ref.ref_table not in tables:
            continue
        known = set(tables[ref.ref_table][ref.ref_column])
        col = tables[ref.table][ref.column]
        for idx, v in col.items():
            if v != "" and v not in known:
                problems.append(Problem(files[ref.table], int(idx) + 2, ref.column,
                                        f"'{v}' is not a {ref.ref_column} in {ref.ref_table}.csv"))


def _check_semantics(tables: dict[str, pd.DataFrame], files: dict[str, str], year: int | None,
                     problems: list[Problem]) -> None:
    """Rules that span tables or rows."""
    if "parameters" in tables:
        names = set(tables["parameters"]["name"])
        choices = TABLES["parameters"].column("name").choices
        for n in choices:
            if n not in names:
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
                        problems.append(Problem(files["routes"], int(idx) + 2, "building_types", f"'{b}' is not a building_type in building_types.csv"))
        for col, allowed in (("area_types", ("urban", "rural")), ("terrains", ("plain", "mountain"))):
            for idx, v in routes[col].items():
                for b in v.split(";"):
                    if v != "" and b != ANY and b not in allowed:
                        problems.append(Problem(files["routes"], int(idx) + 2, col, f"'{b}' is not one of {', '.join(allowed)}, all"))
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


def load_scenarios(folder: Path, problems: list[Problem]) -> dict[str, dict]:
    path = folder / "scenarios.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"is not valid YAML ({exc})"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(path), None, None, "must map scenario names to their overrides"))
        return {}
    for name, spec in data.items():
        if not isinstance(spec, dict) or not set(spec) <= {"description", "set", "fix_plan_routes"}:
            problems.append(Problem(str(path), None, str(name),
                                    "a scenario holds only 'description', 'set' (a mapping) and 'fix_plan_routes'"))
        elif not isinstance(spec.get("set", {}), dict):
            problems.append(Problem(str(path), None, str(name), "'set' must be a mapping NAME: VALUE"))
    return data


def load_region(folder: Path | str, year: int | None = None, region: str | None = None) -> RegionData:
    """Read and validate every table of a region folder; raise InputError with all problems."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, None, "input folder does not exist")])
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    typed: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        path = folder / table.filename
        files[name] = str(path)
        df = read_csv(path, table, problems)
        if df is None:
            continue
        raw[name] = df
        typed[name] = _typed(df, table, str(path), problems)
    _check_references(typed, files, problems)
    _check_semantics(typed, files, year, problems)
    scenarios = load_scenarios(folder, problems)
    if problems:
        raise InputError(problems)
    for name, table in TABLES.items():
        for col in table.columns:
            if col.dtype in ("int", "flag") and col.required:
                typed[name][col.name] = typed[name][col.name].astype(np.int64)
    return RegionData(region or folder.name, folder, typed, scenarios, inputs_hash(folder), list(files.values()))
