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
