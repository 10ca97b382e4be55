"""Overrides of input values for one run: scalars by name, any numeric cell by address, absolute or relative.

What `--set`, a scenario's `set:` block in `scenarios.yaml` and a sweep's swept parameters accept:

    NAME=VALUE                       a scalar: a parameter (`discount_rate`), a fuel's price
                                     (`gas_price`) or a `years.csv` column (`subsidy_budget_10k_yuan`)
    TABLE[KEY].COLUMN=VALUE          one numeric cell of any input table, e.g.
                                     coverage[rural/plain].min_clean_share=0.6
                                     routes[ashp].subsidy_equipment_yuan_per_household=4000
                                     years[2022].gas_annual_cap_10k_m3=*1.1
                                     prices[2022/gas].price_yuan_per_unit=3.2

KEY is the row's key values in the table's key order (`inputs/README.md`), separated by `/` (or
`,`); in a table keyed by year and more (coverage, prices) the year may be left out, which
addresses that row in every year (`coverage[rural/plain]`, `prices[gas]`). A scalar is the same
as its cell address with the year left out: `gas_price` is `prices[gas].price_yuan_per_unit`,
`subsidy_budget_10k_yuan` is that column of `years.csv` in every year, `discount_rate` is
`parameters[discount_rate].value`.

VALUE is a number (sets the cell), `*F` (multiplies it by F; `x` also works, and `*70%` is 0.7)
or `+D` (adds D, which may be negative: `+-0.5`). A plain negative number is a value
(`design_temperature_c=-12`). Overrides apply in order: scenarios as listed, then `--set`; a
relative one applies to the value the earlier ones left. In `scenarios.yaml` quote a
multiplier (`'*0.7'`: an unquoted `*` starts a YAML alias).

After the overrides the tables must still obey the rules of `model.validate`: every overridden
cell its column's range (registry), parameters their plausible ranges, and the cross-field
rules (temperatures in order, transformer loads within capacity, floor area per household, ...);
each problem names the override and where it was set.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.errors import InputError, Problem
from model.registry import PARAMETER_DEFAULTS, TABLES, Column

NUMERIC = ("int", "float", "flag")
OPS = {"=": "sets", "*": "multiplies", "+": "adds"}
_ADDRESS = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[(.*)\]\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
MAX_LISTED = 20  # known values listed in a message before "... (N in all)"


@dataclass(frozen=True)
class Address:
    """A set of cells: `table`'s rows whose key columns equal `key` (columns not given match every
    row), column `column`. `text` is the address as written (canonical form)."""

    table: str
    key: tuple[tuple[str, object], ...]
    column: str
    text: str

    @property
    def safe(self) -> str:
        """The address as part of a file or variable name: '/' between key values becomes ','."""
        return self.text.replace("/", ",")


@dataclass(frozen=True)
class Edit:
    """One override: `op` ('=' set, '*' multiply, '+' add) `value` on the cells of `address`.
    `name` and `spec` are as written (a sweep's swept name, the command line); `origin` where."""

    address: Address
    op: str
    value: float
    name: str
    spec: str
    origin: str

    @property
    def table(self) -> str:
        return self.address.table


@dataclass
class Overrides:
    scenarios: tuple[str, ...] = ()
    # name -> value as written, the last one per name: a number (sets it) or a relative spec ('*0.7', '+0.5')
    set: dict[str, float | str] = field(default_factory=dict)
    fix_plan_routes: bool = False
    cli_set: tuple[str, ...] = ()  # names set on the command line (they name the result)
    edits: tuple[Edit, ...] = ()  # every override, in the order it applies (resolve_overrides)

    @property
    def label(self) -> str:
        """The result's name: scenarios, then the command line's overrides (file-name safe)."""
        parts = list(self.scenarios) or ["base"]
        parts += [f"{safe_name(k)}={safe_spec(self.set[k])}" for k in sorted(self.cli_set) if k in self.set]
        return "+".join(parts)

    def describe(self) -> str:
        """The overrides as applied, for a result's attributes: NAME=VALUE, sorted by name; a name
        changed more than once shows each change in order ('gas_price=3 then +0.5')."""
        if not self.edits:
            return ", ".join(f"{k}={spec_text(v)}" for k, v in sorted(self.set.items())) or "none"
        by_name: dict[str, list[str]] = {}
        for e in self.edits:
            chain = by_name.setdefault(e.address.text, [])
            if e.op == "=":
                chain.clear()
            chain.append(e.spec)
        names = {e.address.text: e.name for e in self.edits}
        return ", ".join(f"{names[a]}={' then '.join(c)}" for a, c in sorted(by_name.items(), key=lambda kv: names[kv[0]]))


# ---------------------------------------------------------------------------------------------
# values

def spec_text(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value).strip()


def safe_spec(value) -> str:
    """A value as part of a file name: '*0.7' -> 'x0.7' (a '*' is not allowed in file names)."""
    text = spec_text(value)
    return "x" + text[1:] if text[:1] in ("*", "×") else text


def safe_name(name: str) -> str:
    """A name or address as part of a file name: '/' between key values -> ','."""
    return str(name).replace("/", ",")


def parse_spec(raw) -> tuple[str, float] | None:
    """A value as written -> (op, number), op '=' (set), '*' (multiply) or '+' (add); None if not
    a number. Numbers as spreadsheets write them (`model.validate.parse_number`)."""
    from model.validate import parse_number

    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return "=", float(raw)
    text = str(raw).strip()
    op = "="
    if text[:1] in ("*", "x", "X", "×"):
        op, text = "*", text[1:]
    elif text[:1] == "+":
        op, text = "+", text[1:]
    number = parse_number(text) if text.strip() else None
    return None if number is None else (op, float(number))


def _apply_op(op: str, old: np.ndarray, value: float) -> np.ndarray:
    if op == "*":
        return old * value
    if op == "+":
        return old + value
    return np.full(len(old), value, dtype=float)


# ---------------------------------------------------------------------------------------------
# addresses

def _fuel_names(data) -> set[str]:
    return set(data.tables["fuels"]["fuel_id"]) if data is not None else set()


def _years_numeric() -> list[str]:
    return [c.name for c in TABLES["years"].columns if c.dtype in NUMERIC and c.name != "year"]


def _parameter_names(data) -> set[str]:
    names = set(TABLES["parameters"].column("name").choices) | set(PARAMETER_DEFAULTS)
    if data is not None:
        names |= set(data.tables["parameters"]["name"])
    return names


def scalar_names(data) -> list[str]:
    """Every name a bare NAME=VALUE accepts for this region."""
    return sorted(_parameter_names(data) | set(_years_numeric()) | {f"{f}_price" for f in _fuel_names(data)})


def _listed(values, limit: int = MAX_LISTED) -> str:
    values = [str(v) for v in values]
    if len(values) <= limit:
        return ", ".join(values) or "none"
    return ", ".join(values[:limit]) + f", ... ({len(values)} in all)"


def _numeric_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns if c.dtype in NUMERIC and c.name not in TABLES[table].key]


def _tables_with_numbers() -> list[str]:
    return [t for t in TABLES if _numeric_columns(t)]


def parse_address(name: str, data=None) -> Address:
    """NAME or TABLE[KEY].COLUMN -> Address; raises ValueError with the rule broken (what exists).

    Without `data` only the registry is checked (table, column, number of key values); with
    it, scalar names against the region's fuels and key values against the table's rows."""
    name = str(name).strip()
    m = _ADDRESS.match(name)
    if m is None:
        if "[" in name or "]" in name:
            raise ValueError("expected TABLE[KEY].COLUMN, e.g. coverage[rural/plain].min_clean_share or "
                             "routes[ashp].subsidy_equipment_yuan_per_household")
        return _scalar_address(name, data)
    table, key_text, column = m.group(1), m.group(2), m.group(3)
    if table not in TABLES:
        close = difflib.get_close_matches(table, list(TABLES), n=1)
        hint = f" ('{close[0]}'?)" if close else ""
        raise ValueError(f"unknown table '{table}'{hint} (tables: {', '.join(_tables_with_numbers())})")
    tbl = TABLES[table]
    numeric = _numeric_columns(table)
    if column not in numeric:
        if column in [c.name for c in tbl.columns]:
            why = "is a key column" if column in tbl.key else "is not a number column"
            raise ValueError(f"column '{column}' of {table}.csv {why}: only numbers can be overridden "
                             f"(number columns: {_listed(numeric)})")
        close = difflib.get_close_matches(column, numeric, n=1)
        hint = f" ('{close[0]}'?)" if close else ""
        raise ValueError(f"{table}.csv has no column '{column}'{hint} (number columns: {_listed(numeric)})")
    values = [v.strip() for v in re.split(r"[/,]", key_text)] if key_text.strip() else []
    key_cols = list(tbl.key)
    if len(values) == len(key_cols):
        given = key_cols
    elif "year" in key_cols and len(values) == len(key_cols) - 1 and len(key_cols) > 1:
        given = [c for c in key_cols if c != "year"]  # the year left out: every year
    else:
        example = "/".join(f"<{c}>" for c in key_cols)
        alt = (f", or {'/'.join(f'<{c}>' for c in key_cols if c != 'year')} for every year"
               if "year" in key_cols and len(key_cols) > 1 else "")
        raise ValueError(f"{table}.csv is keyed by {'/'.join(key_cols)}: write {table}[{example}].{column}{alt} "
                         f"(got {len(values)} key value{'s' if len(values) != 1 else ''})")
    key = []
    for col, v in zip(given, values):
        if tbl.column(col).dtype in ("int", "float"):
            try:
                num = float(v)
            except ValueError:
                raise ValueError(f"key '{col}' of {table}.csv is a number, got '{v}'") from None
            key.append((col, int(num) if tbl.column(col).dtype == "int" and num == int(num) else num))
        else:
            key.append((col, v))
    text = f"{table}[{'/'.join(str(v) for _, v in key)}].{column}"
    addr = Address(table, tuple(key), column, text)
    if data is not None:
        _check_rows(addr, data)
    return addr


def _scalar_address(name: str, data) -> Address:
    if name in _parameter_names(data):
        return Address("parameters", (("name", name),), "value", name)
    if name in _years_numeric():
        return Address("years", (), name, name)
    fuels = _fuel_names(data)
    if name.endswith("_price") and (data is None or name[: -len("_price")] in fuels):
        return Address("prices", (("fuel_id", name[: -len("_price")]),), "price_yuan_per_unit", name)
    if data is None:  # the region's fuels may make it a price, and its rows make the better example
        raise _Unknown(name)
    # a column of a table: say how to address its cells
    holders = [t for t in _tables_with_numbers() if name in _numeric_columns(t)]
    if holders:
        t = holders[0]
        keys = "/".join(f"<{c}>" for c in TABLES[t].key if not (c == "year" and len(TABLES[t].key) > 1))
        raise ValueError(f"unknown parameter: '{name}' is a column of {t}.csv; address its cells as "
                         f"{t}[{keys}].{name} (e.g. {_example(t, name, data)})")
    raise ValueError(f"unknown parameter (known: {', '.join(scalar_names(data))}; a cell of a table: "
                     "TABLE[KEY].COLUMN, e.g. routes[ashp].subsidy_equipment_yuan_per_household)")


class _Unknown(ValueError):
    """A bare name that may be a fuel's price: only the region's data can tell."""


def _example(table: str, column: str, data) -> str:
    tbl = TABLES[table]
    cols = [c for c in tbl.key if not (c == "year" and len(tbl.key) > 1)]
    if data is not None and len(data.tables[table]):
        row = data.tables[table].iloc[0]
        return f"{table}[{'/'.join(str(row[c]) for c in cols)}].{column}"
    return f"{table}[{'/'.join(f'<{c}>' for c in cols)}].{column}"


def _rows_of(addr: Address, df: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(df), dtype=bool)
    for col, v in addr.key:
        mask &= (df[col].to_numpy() == v)
    return np.flatnonzero(mask)


def _check_rows(addr: Address, data) -> None:
    """ValueError unless the address matches a row (a parameter with a default may have none)."""
    df = data.tables[addr.table]
    if len(_rows_of(addr, df)):
        return
    if addr.table == "parameters":
        name = addr.key[0][1]
        if name in PARAMETER_DEFAULTS:
            return
        raise ValueError(f"unknown parameter '{name}' (parameters: {_listed(sorted(_parameter_names(data)))})")
    if not addr.key:
        raise ValueError(f"{addr.table}.csv has no rows")
    # the first key value no row has, with what exists for it
    mask = np.ones(len(df), dtype=bool)
    for col, v in addr.key:
        have = df[col].to_numpy()[mask]
        if v not in set(have.tolist()):
            known = sorted({str(x) for x in have.tolist()})
            close = difflib.get_close_matches(str(v), known, n=1)
            hint = f" ('{close[0]}'?)" if close else ""
            where = "" if mask.all() else " among the rows with " + ", ".join(
                f"{c} {x}" for c, x in addr.key[: [c for c, _ in addr.key].index(col)])
            raise ValueError(f"{addr.table}.csv has no row with {col} '{v}'{hint}{where} ({col} values: {_listed(known)})")
        mask &= df[col].to_numpy() == v
    raise ValueError(f"{addr.table}.csv has no row {addr.text}")  # pragma: no cover (each value exists alone)


# ---------------------------------------------------------------------------------------------
# checks before the data is read (syntax and the registry's rules) and after (the cells)

def column_rule(col: Column, value: float, raw) -> str | None:
    """The registry rule an overridden cell breaks, or None."""
    if not math.isfinite(value):
        return f"'{raw}' is not a finite number"
    if col.dtype == "flag" and value not in (0.0, 1.0):
        return f"must be 0 or 1 (got {raw})"
    if col.dtype == "int" and value != round(value):
        return f"must be a whole number (got {raw})"
    if col.positive and value <= 0:
        return f"must be > 0 (got {raw})"
    if col.min is not None and value < col.min:
        return f"must be >= {col.min:g} (got {raw})"
    if col.max is not None and value > col.max:
        return f"must be <= {col.max:g} (got {raw})"
    if col.plausible_max is not None and value > col.plausible_max:
        return f"{raw} {col.unit} is implausibly large (> {col.plausible_max:g}): wrong unit scale?"
    return None


def value_rule(addr: Address, value: float, raw) -> str | None:
    """The range rule a cell of `addr` set to `value` breaks (parameters: their plausible range)."""
    from model.validate import PARAMETER_RANGES, _range_rule

    if addr.table == "parameters":
        name = addr.key[0][1]
        if not math.isfinite(value):
            return f"'{raw}' is not a finite number"
        return _range_rule(name, value) if name in PARAMETER_RANGES else None
    return column_rule(TABLES[addr.table].column(addr.column), value, raw)


def check_values(values: dict, file: str = "--set") -> list[Problem]:
    """Overrides as written (--set, scenarios.yaml, a sweep point), before the data is read: each
    name a scalar or an address of a number column, each value a finite number, `*F` or `+D`, an
    absolute value within its column's rules. Key values and the names of fuels' prices are
    checked by `resolve_overrides`, which has the region's tables."""
    problems = []
    for name, raw in values.items():
        name = str(name)
        spec = parse_spec(raw)
        if spec is None:
            problems.append(Problem(file, None, name, f"'{raw}' is not a number (write a number, *FACTOR or +AMOUNT, "
                                                      "e.g. 2.6, *0.7, +0.5)"))
            continue
        op, value = spec
        if not math.isfinite(value):
            problems.append(Problem(file, None, name, f"'{raw}' is not a finite number"))
            continue
        try:
            addr = parse_address(name)
        except _Unknown:
            continue
        except ValueError as exc:
            problems.append(Problem(file, None, name, str(exc)))
            continue
        if op == "=":
            rule = value_rule(addr, value, raw)
            if rule:
                problems.append(Problem(file, None, name, rule))
    return problems


# ---------------------------------------------------------------------------------------------
# resolving and applying

def parse_edits(data, sets: dict, origin: str) -> tuple[list[Edit], list[Problem]]:
    """NAME -> VALUE pairs as written -> edits against this region's tables, and the problems."""
    edits, problems = [], []
    for name, raw in sets.items():
        name = str(name)
        spec = parse_spec(raw)
        if spec is None:
            problems.append(Problem(origin, None, name, f"'{raw}' is not a number"))
            continue
        try:
            addr = parse_address(name, data)
        except ValueError as exc:
            problems.append(Problem(origin, None, name, str(exc)))
            continue
        edits.append(Edit(addr, spec[0], spec[1], name, spec_text(raw), origin))
    return edits, problems


def apply_edits(tables: dict[str, pd.DataFrame], edits, copy: bool = True) -> dict[str, pd.DataFrame]:
    """The tables with the edits applied in order (copies of the tables edited; the rest shared)."""
    out = dict(tables)
    copied: set[str] = set()
    for e in edits:
        t = e.table
        if copy and t not in copied:
            out[t] = out[t].copy()
            copied.add(t)
        df = out[t]
        rows = _rows_of(e.address, df)
        if not len(rows) and t == "parameters":  # a parameter left to its default: add its row
            name = e.address.key[0][1]
            df = pd.concat([df, pd.DataFrame([{"name": name, "value": PARAMETER_DEFAULTS[name], "unit": "",
                                               "source": e.origin}])], ignore_index=True)
            out[t] = df
            rows = _rows_of(e.address, df)
        name = e.address.column
        new = _apply_op(e.op, df[name].to_numpy(dtype=float)[rows], e.value)
        if np.issubdtype(df[name].dtype, np.integer):
            if np.all(np.isfinite(new) & (new == np.round(new))):
                new = new.astype(df[name].dtype)
            else:  # a whole-number column given a fraction: the range check reports it
                df[name] = df[name].astype(float)
        df.iloc[rows, df.columns.get_loc(name)] = new
    return out


def _edited_cells(data, edits) -> list[Problem]:
    """Apply the edits one by one and check every cell each changes against its column's rules
    (the message names the override, where it was set, and the row it reached)."""
    problems = []
    working = {t: data.tables[t] for t in {e.table for e in edits}}
    for e in edits:
        before = working[e.table]
        rows = _rows_of(e.address, before)
        if len(rows):
            base = before.iloc[rows][e.address.column].to_numpy(dtype=float)
        else:  # a parameter left to its default
            base = np.array([PARAMETER_DEFAULTS.get(e.address.key[0][1], np.nan)], dtype=float)
        working = apply_edits(working, [e])
        df = working[e.table]
        rows = _rows_of(e.address, df)
        new = df.iloc[rows][e.address.column].to_numpy(dtype=float)
        if e.op != "=" and np.isnan(base).any():
            problems.append(Problem(e.origin, None, e.name, f"'{e.spec}' {OPS[e.op]} an empty cell of "
                                    f"{_row_text(e, df, rows[np.isnan(base)][0])}: give a value instead"))
            continue
        for r, v, b in zip(rows, new, base):
            raw = f"{v:g}" if e.op == "=" else f"{v:g}, from {e.spec} on {b:g}"
            rule = value_rule(e.address, float(v), raw)
            if rule:
                problems.append(Problem(e.origin, None, e.name, f"{_row_text(e, df, r)}: {rule}"))
                break
    return problems


def _row_text(e: Edit, df: pd.DataFrame, r: int) -> str:
    key = TABLES[e.table].key
    return f"{e.table}[{'/'.join(str(df.iloc[r][c]) for c in key)}].{e.address.column}"


# tables whose numbers only enter prices and caps: no cross-field rule reads them
_NO_CROSS_RULES = ("prices", "years", "coverage", "parameters")


def _cross_field(data, edits) -> list[Problem]:
    """Rules across cells and tables (`model.validate`) that the overridden tables break and the
    inputs did not (the temperatures' rule has its own message: `validate.check_overridden`)."""
    from model.validate import _check_semantics

    touched = {e.table for e in edits} - set(_NO_CROSS_RULES)
    if not touched:
        return []
    files = {name: str(data.folder / TABLES[name].filename) for name in TABLES}
    before, after = [], []
    _check_semantics(data.tables, files, None, before)
    _check_semantics(apply_edits(data.tables, edits), files, None, after)
    seen = {str(p) for p in before}
    origins = " and ".join(dict.fromkeys(e.origin for e in edits if e.table in touched))
    names = ", ".join(dict.fromkeys(e.name for e in edits if e.table in touched))
    return [Problem(origins, None, names, f"after these overrides, {p}") for p in after if str(p) not in seen]


def resolve_overrides(data, scenarios: list[str], sets: dict) -> Overrides:
    """Combine named scenarios (in order) and --set values (applied last) into the run's overrides;
    InputError with every problem (unknown scenario, name, table, key or column; a value outside
    its column's rules; a cross-field rule the overridden tables break)."""
    from model.validate import check_overridden

    problems: list[Problem] = []
    edits: list[Edit] = []
    merged: dict[str, float | str] = {}
    fix = False
    for name in scenarios:
        if name not in data.scenarios:
            known = ", ".join(sorted(data.scenarios)) or "none"
            problems.append(Problem(str(data.folder / "scenarios.yaml"), None, name, f"unknown scenario (known: {known})"))
            continue
        spec = data.scenarios[name]
        block = spec.get("set") or {}
        more, bad = parse_edits(data, block, f"{data.folder / 'scenarios.yaml'} scenario '{name}'")
        edits += more
        problems += bad
        merged.update({str(k): as_written(v) for k, v in block.items()})
        fix = fix or spec.get("fix_plan_routes", False) is True  # YAML true only (validate refuses "false")
    more, bad = parse_edits(data, sets, "--set")
    edits += more
    problems += bad
    merged.update({str(k): as_written(v) for k, v in sets.items()})
    if not problems:
        problems = _edited_cells(data, edits)
    if not problems:  # cross-field rules hold after the overrides too
        params = {e.address.key[0][1]: e for e in edits if e.table == "parameters"}
        if params:
            final = apply_edits({"parameters": data.tables["parameters"]}, [e for e in edits if e.table == "parameters"])
            values = dict(zip(final["parameters"]["name"], final["parameters"]["value"].astype(float)))
            origin = {k: e.origin for k, e in params.items()}
            problems = check_overridden({**PARAMETER_DEFAULTS, **data.params}, {k: values[k] for k in params}, origin)
    if not problems:
        problems = _cross_field(data, edits)
    if problems:
        raise InputError(problems)
    return Overrides(tuple(scenarios), merged, fix, tuple(str(k) for k in sets), tuple(edits))


def as_written(v) -> float | str:
    """A --set or scenario value as the run's label and attributes hold it: a plain number as a
    float, anything else (an edit such as '*0.7' or '+1', a text) as its text."""
    spec = parse_spec(v)
    if spec is not None and spec[0] == "=":
        return spec[1]
    return spec_text(v)


def edits_of(data, ov: Overrides) -> tuple[Edit, ...]:
    """The overrides' edits (an Overrides made by hand with only `set` gets them from the names)."""
    if ov.edits or not ov.set:
        return ov.edits
    edits, problems = parse_edits(data, ov.set, "--set")
    if problems:
        raise InputError(problems)
    return tuple(edits)


def apply_overrides(data, year: int, ov: Overrides) -> dict[str, pd.DataFrame]:
    """Copies of the tables with the overrides applied (the inputs stay untouched). `year` is the
    year being prepared: an address without a year reaches every year's row, so the result is the
    same for every year of a pathway."""
    t = apply_edits(data.tables, edits_of(data, ov))
    return {k: (v.copy() if v is data.tables[k] else v) for k, v in t.items()}


def touched_tables(edits) -> set[str]:
    return {e.table for e in edits}
