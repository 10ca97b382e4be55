"""The synthetic benchmark generator: reproducible, valid, realistic in structure, solvable."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.generate import COVERAGE, generate, write
from model.pipeline import solve_region
from model.registry import TABLES
from model.solve import SolveOptions
from model.validate import load_region


def _bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    a = _bytes(write(tmp_path / "a", generate(300, seed=7)))
    b = _bytes(write(tmp_path / "b", generate(300, seed=7)))
    c = _bytes(write(tmp_path / "c", generate(300, seed=8)))
    assert set(a) == {f"{name}.csv" for name, t in TABLES.items() if t.required}  # optional ones left out
    assert a == b
    assert a["zones.csv"] != c["zones.csv"]


@pytest.fixture(scope="module")
def region_1k(tmp_path_factory):
    folder = write(tmp_path_factory.mktemp("gen1k"), generate(1000, seed=3))
    return load_region(folder, year=2022)  # raises InputError on any broken rule


def test_generated_region_passes_validation_with_the_advertised_structure(region_1k):
    t = region_1k.tables
    z = t["zones"]
    assert len(z) == 1000
    assert t["counties"]["county_id"].nunique() >= 2
    # most zones are scattered coal in the base year (decisions), a few demolition zones
    assert (z["existing_route"] == "scattered_coal").mean() > 0.7
    assert 0 < z["demolition"].sum() < 0.05 * len(z)
    # gas network reaches about half of the zones
    assert 0.35 < z["gas_network"].mean() < 0.65
    # every route category of the schema, retrofits available
    assert set(t["routes"]["category"]) == set(TABLES["routes"].column("category").choices)
    assert t["building_types"]["retrofit_capex_yuan_per_m2"].notna().sum() >= 2
    # heat sources for district heating and the other source routes
    assert {"chp_dh", "waste_heat", "geothermal_deep", "biomass_boiler"} <= set(t["heat_sources"]["route_id"])
    # villages share transformer groups of a few villages within one county; urban zones are on the urban grid
    rural = z[z["area_type"] == "rural"]
    sizes = rural.groupby("transformer_group").size()
    assert sizes.between(1, 5).all() and sizes.mean() > 1.5
    assert (rural.groupby("transformer_group")["county_id"].nunique() == 1).all()
    assert (z.loc[z["area_type"] == "urban", "transformer_group"] == "").all()
    # coverage targets ask for more clean households than the base year has
    clean = set(t["routes"].loc[t["routes"]["clean"] == 1, "route_id"])
    base = z[z["demolition"] == 0]
    for terrain, share in COVERAGE.items():
        part = base[base["terrain"] == terrain]
        assert part.loc[part["existing_route"].isin(clean), "households"].sum() < share * part["households"].sum()


def test_small_generated_region_solves_and_meets_its_targets(tmp_path):
    folder = write(tmp_path / "g200", generate(200, seed=2))
    res = solve_region(folder, 2022, options=SolveOptions(mip_gap=0.005, time_limit=60))
    ds = res.dataset
    assert ds.attrs["status"] == "optimal"
    assert ds.attrs["mip_gap"] <= 0.005
    assert ds.attrs["zones_decided"] > 150
    # coverage forced conversions to clean routes
    chosen = ds["chosen_route"].values[ds["converted"].values == 1]
    assert len(set(chosen) - {"quality_coal"}) >= 3
    # the gas caps hold, and at least one cap or target binds
    assert float(ds["gas_annual"]) <= float(ds["gas_annual_cap"]) * (1 + 1e-9)
    if "constraint_binding" in ds:
        assert int(ds["constraint_binding"].sum()) >= 1
    else:
        used = np.r_[float(ds["gas_annual"]) / float(ds["gas_annual_cap"]),
                     (ds["heat_source_load"] / ds["heat_source_capacity"]).values]
        assert used.max() > 0.95
