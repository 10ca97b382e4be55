"""Starter inputs for a new region (`scripts/new_region.py`).

The technology tables (parameters, building types, fuels, routes, prices) are copied from a
reference region and say so in their `source` column; the county tables (counties, years,
coverage, transformers, heat sources, zones) get their header and one example row, taken from
the reference and marked as an example, so the starter validates, solves and shows what a row
looks like. With `copy_all`, every row of every table is copied (a region into a workbook).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from model.errors import EXIT_INPUT, EXIT_OK, InputError, Problem
from model.registry import QUALITY_COAL, TABLES

REPO = Path(__file__).resolve().parents[1]
TECHNOLOGY_TABLES = ("parameters", "building_types", "fuels", "routes", "prices", "tariffs")
COUNTY_TABLES = ("counties", "years", "coverage", "transformers", "heat_sources", "zones")
# optional tables: the region's name and plan period and its townships' names get an example row, policies none
EXAMPLE_MARK = "示例 example"


def reference_folder(like: str) -> Path:
    path = Path(like)
    return path if path.is_dir() else REPO / "inputs" / like


def _example_zone(zones: pd.DataFrame) -> int:
    """Row of a zone worth copying as the example: a village on scattered coal with a transformer group."""
    undecided = (zones["existing_route"] != QUALITY_COAL) & (zones["demolition"] == "0") & (zones["area_type"] == "rural")
    for mask in (undecided & (zones["transformer_group"] != ""), undecided, zones["zone_id"] != ""):
        if mask.any():
            return int(mask.to_numpy().nonzero()[0][0])
    raise InputError([Problem("zones", None, None, "the reference region has no zones")])


def starter_tables(like: Path, like_name: str, copy_all: bool = False) -> dict[str, pd.DataFrame]:
    """The tables of a new region as text, from the reference region's folder."""
    from model.workbook import folder_tables

    problems: list[Problem] = []
    ref = folder_tables(like, problems)
    if problems:
        raise InputError(problems)
    empty = {t.name: pd.DataFrame(columns=[c.name for c in t.columns]) for t in TABLES.values()}
    ref = {**empty, **ref}
    if copy_all:
        return ref
    out = {}
    for name in TECHNOLOGY_TABLES:
        df = ref[name].copy()
        df["source"] = f"reference region {like_name} (copied by new_region.py; review for your county): " + df["source"]
        out[name] = df
    zones = ref["zones"]
    i = _example_zone(zones)
    zone = zones.iloc[[i]].copy()
    county, group = zone["county_id"].iat[0], zone["transformer_group"].iat[0]
    years = ref["years"]
    last_year = years["year"].astype(int).max()
    picks = {
        "counties": ref["counties"][ref["counties"]["county_id"] == county].head(1),
        "years": years[years["year"].astype(int) == last_year].head(1),
        "coverage": ref["coverage"][ref["coverage"]["year"].astype(int) == last_year].head(1),
        "transformers": ref["transformers"][ref["transformers"]["group_id"] == group].head(1),
        "heat_sources": ref["heat_sources"][ref["heat_sources"]["county_id"] == county].head(1),
        "region": ref["region"].head(1),
        "townships": ref["townships"][ref["townships"]["township_id"] == zone["township_id"].iat[0]].head(1),
        "policies": ref["policies"].head(0),
    }
    note = f"EXAMPLE row copied from reference region {like_name}: replace it with your county's figures ("
    for name, df in picks.items():
        df = df.copy()
        if "source" in df.columns:
            df["source"] = note + df["source"] + ")"
        out[name] = df
    zone["name_zh"] = f"{EXAMPLE_MARK} " + zone["name_zh"]
    zone["plan_route"] = ""  # the reference's plan is not yours
    zone["plan_retrofit"] = ""
    out["zones"] = zone
    return {name: out.get(name, empty[name]).reset_index(drop=True) for name in TABLES}


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def starter_readme(name: str, like_name: str) -> str:
    tech = ", ".join(f"`{t}.csv`" for t in TECHNOLOGY_TABLES)
    county = ", ".join(f"`{t}.csv`" for t in COUNTY_TABLES)
    return f"""# {name}: inputs (starter made by scripts/new_region.py from {like_name})

本文件夹由 `scripts/new_region.py` 生成。技术参数表（{tech}）复制自参考地区 {like_name}，
`source` 列注明了出处，请按本县情况复核；县级表（{county}）各有一行示例（标有 EXAMPLE / 示例），
请替换为本县台账数据。列的含义、单位和规则见仓库的 `inputs/README.md`。

The technology tables ({tech}) are copied from the reference region {like_name} and say so in their
`source` column: review them for your county. The county tables ({county}) hold one example row
each (marked EXAMPLE / 示例): replace it with your ledger. A household ledger can be turned into
`zones.csv` with `scripts/ledger.py`. Every column is explained in the repository's `inputs/README.md`.

    python scripts/solve.py --year {{YEAR}} --inputs inputs/{name} --check   # every problem and warning
    python scripts/solve.py --year {{YEAR}} --inputs inputs/{name}           # results/{name}/...
"""


def copy_uncertainty(ref: Path, target: Path, copy_all: bool = False) -> bool:
    """The reference region's table of uncertain inputs (`uncertainty.csv`, the Monte Carlo's) into
    the new folder: like the technology tables, its rows are about routes and prices, not places,
    and each says where it came from. False when the reference has none."""
    src = ref / "uncertainty.csv"
    if not src.is_file():
        return False
    df = pd.read_csv(src, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if not copy_all and "source" in df.columns:
        df["source"] = f"reference region {ref.name} (copied; review for your county): " + df["source"]
    _write_csv(df, target / "uncertainty.csv")
    return True


def write_starter(name: str, like: str = "xinzhou", out: Path | None = None, xlsx: bool = False,
                  copy_all: bool = False) -> Path:
    """Write inputs for region `name` under `out` (default inputs/): a CSV folder, or with `xlsx` one workbook.
    Refuses to touch anything that exists."""
    from model.validate import load_scenarios
    from model.workbook import write_workbook

    out = out or REPO / "inputs"
    ref = reference_folder(like)
    like_name = ref.name
    if not ref.is_dir():
        raise InputError([Problem("--like", None, None, f"no reference region '{like}' (a folder under inputs/ or a path)")])
    target = out / (f"{name}.xlsx" if xlsx else name)
    if target.exists():
        raise InputError([Problem(str(target), None, None, "already exists: nothing was written (choose another name, "
                                  "or move it away first)")])
    tables = starter_tables(ref, like_name, copy_all)
    problems: list[Problem] = []
    scenarios = load_scenarios(ref, problems) if copy_all else {}
    if problems:
        raise InputError(problems)
    sources = None
    if copy_all and (ref / "sources.csv").exists():
        sources = pd.read_csv(ref / "sources.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if xlsx:
        title = f"{name}: 清洁取暖规划输入 inputs ({'copy of' if copy_all else 'starter from'} {like_name})"
        write_workbook(target, tables, scenarios, sources, title)
        return target
    target.mkdir(parents=True)
    for t in TABLES.values():
        if t.required or len(tables[t.name]):  # an optional table without rows is left out
            _write_csv(tables[t.name], target / t.filename)
    copy_uncertainty(ref, target, copy_all)
    if copy_all:
        for extra in ("scenarios.yaml", "sources.csv", "README.md", "boundaries.geojson"):
            if (ref / extra).exists():
                (target / extra).write_bytes((ref / extra).read_bytes())
    else:
        (target / "README.md").write_text(starter_readme(name, like_name), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="new_region.py", description=(
        "Start the inputs of a new region: technology tables from a reference region, county tables with "
        "one example row. Nothing that exists is overwritten."))
    ap.add_argument("name", help="region id: the new folder inputs/NAME (or workbook inputs/NAME.xlsx)")
    ap.add_argument("--like", default="xinzhou",
                    help="reference region: a folder under inputs/ or a path to a region folder (default: xinzhou)")
    ap.add_argument("--xlsx", action="store_true",
                    help="write one Excel workbook NAME.xlsx (a sheet per table, units row, dropdowns, explanations) "
                         "instead of a folder of CSV files")
    ap.add_argument("--copy", action="store_true",
                    help="copy every row of every table of the reference (e.g. a CSV folder into a workbook)")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default: inputs/)")
    args = ap.parse_args(argv)
    if not args.name or Path(args.name).name != args.name or args.name in (".", ".."):
        print(f"error: '{args.name}' is not a plain name (no folders, no '..')", file=sys.stderr)
        return EXIT_INPUT
    try:
        target = write_starter(args.name, args.like, args.out, args.xlsx, args.copy)
    except InputError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {target}")
    print(f"next: python scripts/solve.py --year YEAR --inputs {target} --check")
    return EXIT_OK
