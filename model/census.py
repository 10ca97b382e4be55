"""The public extracts shipped in inputs/sources/: 2020 census county table and NBS division codes.

`scripts/build_inputs.py` builds the shipped regions from them and `--check` compares a region's
counties with the census. They are the files of the public data sets, unchanged (see
inputs/sources/README.md); the code quirks of the census file are mended here, in one place.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

SOURCES = Path(__file__).resolve().parents[1] / "inputs" / "sources"
CENSUS_FILE = "census_2020_county_jinan_xinzhou.csv"
COUNTIES_FILE = "counties_jinan_xinzhou_2022.csv"
TOWNSHIPS_FILE = "townships_jinan_xinzhou_2022.csv"
VILLAGES_FILE = "villages_jinan_xinzhou_2023.csv"
# census file codes -> NBS 2022 codes (济南高新区 370171 -> 370176; 五台山风景名胜区 170971 -> 140971)
CENSUS_CODE_FIX = {"370171": "370176", "170971": "140971"}


def census(folder: Path = SOURCES) -> pd.DataFrame:
    """The census county table with NBS 2022 codes in `code` (text)."""
    df = pd.read_csv(folder / CENSUS_FILE, dtype={"code": str})
    df["code"] = df["code"].replace(CENSUS_CODE_FIX)
    return df


def census_households(folder: Path = SOURCES) -> dict[str, int]:
    """Family households of the 2020 census by NBS county code ({} when the extract is not there)."""
    if not (folder / CENSUS_FILE).exists():
        return {}
    df = census(folder)
    return dict(zip(df["code"], df["family_households"].astype(int)))


def divisions(folder: Path = SOURCES) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(counties, townships, villages) with every code as text."""
    counties = pd.read_csv(folder / COUNTIES_FILE, dtype=str)
    towns = pd.read_csv(folder / TOWNSHIPS_FILE, dtype=str)
    villages = pd.read_csv(folder / VILLAGES_FILE, dtype=str)
    return counties, towns, villages


COMMITTEE_SUFFIXES = (("村民委员会", "村"), ("村民委会", "村"), ("村委会", "村"), ("居民委员会", "社区"), ("居委会", "社区"))


def village_kind(name: str) -> str:
    """'community' for a 居民委员会/居委会/社区, else 'village' (村民委员会, and the odd unit such as a farm)."""
    if any(k in name for k in ("村民委员会", "村民委会", "村委会")):
        return "village"
    return "community" if any(k in name for k in ("居民委员会", "居委会", "社区")) else "village"


def short_name(name: str) -> str:
    """The NBS name without the committee suffix: 张庄村村民委员会 -> 张庄村, 东大街社区居民委员会 -> 东大街社区."""
    for suffix, noun in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            rest = name[: -len(suffix)]
            return rest if rest.endswith(("村", "社区")) else rest + noun
    return name
