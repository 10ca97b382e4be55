"""The shipped inputs reproduce the seeds' figures and the census, carry the real NBS villages, cite a
source on every row, and are exactly what scripts/build_inputs.py writes from the public extracts in
inputs/sources/ (so all of this runs on a fresh clone). Reads the CSVs with pandas only."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
INPUTS = REPO / "inputs"
SOURCES = INPUTS / "sources"
REGIONS = ("jinan", "xinzhou")
TABLES = ("parameters", "counties", "building_types", "fuels", "routes", "prices", "years", "coverage",
          "transformers", "heat_sources", "zones", "region", "townships", "tariffs")
CENSUS_CODE_FIX = {"370171": "370176", "170971": "140971"}  # census file codes -> NBS 2022 codes


def read(region: str, table: str) -> pd.DataFrame:
    return pd.read_csv(INPUTS / region / f"{table}.csv", dtype=str, keep_default_na=False)


def zones(region: str) -> pd.DataFrame:
    z = read(region, "zones")
    z["households"] = z["households"].astype(int)
    z["floor_area_10k_m2"] = z["floor_area_10k_m2"].astype(float)
    z["demolition"] = z["demolition"].astype(int)
    return z


# --- Jinan 2018 base year (seed §一) -------------------------------------------------
JINAN_2018 = {  # 10^4 m2
    "total": (None, 25619.0),
    "coal district heating": (("chp_dh",), 20642.0),
    "gas": (("gas_boiler_house", "gas_wall_boiler"), 2180.0),
    "electricity": (("ashp", "gshp", "storage_heater"), 814.0),
    "industrial waste heat": (("waste_heat",), 907.0),
    "renewables": (("geothermal_deep", "biomass_boiler", "biomass_chp", "solar_aux"), 166.0),
    "scattered coal": (("scattered_coal",), 910.0),
}


@pytest.mark.parametrize("label", list(JINAN_2018))
def test_jinan_2018_areas(label):
    routes, target = JINAN_2018[label]
    z = zones("jinan")
    got = z["floor_area_10k_m2"].sum() if routes is None else z.loc[z["existing_route"].isin(routes), "floor_area_10k_m2"].sum()
    assert abs(got / target - 1) <= 0.005, f"{label}: {got:.2f} vs seed {target}"


# --- Xinzhou 2022 task (seed §二) ------------------------------------------------------
def xinzhou_task() -> pd.DataFrame:
    z = zones("xinzhou")
    forced = (z["area_type"] == "urban") | (z["terrain"] == "plain")
    return z[(z["existing_route"] == "scattered_coal") & (z["demolition"] == 0) & forced]


def test_xinzhou_task_households():
    assert xinzhou_task()["households"].sum() == 212549


@pytest.mark.parametrize("routes,target", [
    (("chp_dh", "waste_heat"), 151831),
    (("ashp", "storage_heater", "gshp", "solar_aux"), 40342),
    (("gas_boiler_house", "gas_wall_boiler"), 9846),
    (("biomass_chp",), 10530),
])
def test_xinzhou_task_routes(routes, target):
    t = xinzhou_task()
    assert t.loc[t["plan_route"].isin(routes), "households"].sum() == target


def test_xinzhou_every_task_zone_has_a_plan_route_and_no_other_zone_has_one():
    z = zones("xinzhou")
    t = xinzhou_task()
    assert (t["plan_route"] != "").all()
    assert (z.loc[~z.index.isin(t.index), "plan_route"] == "").all()


@pytest.mark.parametrize("area_type,target", [("urban", 202.94), ("rural", 183.45)])
def test_xinzhou_retrofit_areas(area_type, target):
    z = zones("xinzhou")
    got = z.loc[(z["plan_retrofit"] == "1") & (z["area_type"] == area_type), "floor_area_10k_m2"].sum()
    assert abs(got - target) < 0.005, f"{area_type}: {got:.4f} vs {target}"


# --- census ---------------------------------------------------------------------------
@pytest.mark.parametrize("region", REGIONS)
def test_households_match_census(region):
    census = pd.read_csv(SOURCES / "census_2020_county_jinan_xinzhou.csv", dtype={"code": str})
    census["code"] = census["code"].replace(CENSUS_CODE_FIX)
    census = census.set_index("code")["family_households"]
    z = zones(region)
    got = z.groupby("county_id")["households"].sum()
    counties = read(region, "counties")
    assert set(got.index) == set(counties["county_id"])
    for cty, hh in got.items():
        assert abs(hh / census[cty] - 1) <= 0.01, f"{cty}: {hh} vs census {census[cty]}"
    shipped = counties.set_index("county_id")["households"].astype(int)
    assert (shipped == census.reindex(shipped.index)).all()


# --- sources --------------------------------------------------------------------------
@pytest.mark.parametrize("region", REGIONS)
def test_every_row_has_a_source(region):
    for name in TABLES + ("sources",):
        df = read(region, name)
        if "source" not in df.columns:
            assert name == "zones", f"{name}.csv has no source column"
            continue
        empty = df["source"].str.strip() == ""
        assert not empty.any(), f"{region}/{name}.csv: empty source in rows {list(df.index[empty] + 2)}"
    assert list(read(region, "sources").columns) == ["parameter", "value", "unit", "source"]


# --- reproducibility ------------------------------------------------------------------
def test_generator_reproduces_the_shipped_files(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_inputs.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for region in REGIONS:
        shipped = sorted(p.name for p in (INPUTS / region).iterdir() if p.suffix in (".csv", ".yaml", ".geojson"))
        built = sorted(p.name for p in (tmp_path / region).iterdir())
        assert shipped == built, f"{region}: shipped {shipped} vs built {built}"
        for name in built:
            assert (tmp_path / region / name).read_bytes() == (INPUTS / region / name).read_bytes(), f"{region}/{name} differs"


# --- real villages (NBS 2023 village-level codes) -----------------------------------------
CITY = {"jinan": "3701", "xinzhou": "1409"}


def villages(region: str) -> pd.DataFrame:
    v = pd.read_csv(SOURCES / "villages_jinan_xinzhou_2023.csv", dtype=str)
    return v[v["city_code"] == CITY[region]].set_index("village_code")


@pytest.mark.parametrize("region", REGIONS)
def test_every_zone_is_one_whole_nbs_village_or_community(region):
    z = zones(region).set_index("zone_id")
    v = villages(region)
    assert sorted(z.index) == sorted(v.index), "one zone per village-level division, none invented, none split"
    assert (z["township_id"] == v.loc[z.index, "township_code"]).all()
    assert (z["county_id"] == v.loc[z.index, "county_code"]).all()
    nbs = v.loc[z.index, "name_zh"]
    # names are the NBS names without the committee suffix (东大街社区居民委员会 -> 东大街社区)
    assert all(o.startswith(n.removesuffix("社区").removesuffix("村")) for n, o in zip(z["name_zh"], nbs))
    assert not z["name_zh"].str.contains("委员会|委会").any()
    if region == "xinzhou":
        assert z.at["140902001002", "name_zh"] == "东大街社区" and nbs["140902001002"] == "东大街社区居民委员会"
    community = nbs.str.contains("居民委员会|居委会|社区") & ~nbs.str.contains("村民委|村委会")
    assert (z.loc[community, "area_type"] == "urban").all(), "communities are urban zones"
    assert (z.loc[z["area_type"] == "rural", "building_type"] == "rural_house").all()
