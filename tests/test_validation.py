"""One test per validation rule: file, row, column and rule are named; all problems at once."""
import pandas as pd
import pytest

import factory as f
from model.errors import InputError
from model.validate import load_region


def problems(tmp_path, tbl=None, mutate=None, year=2022):
    tbl = tbl or f.tables()
    folder = f.write_region(tmp_path / "r", tbl)
    if mutate:
        mutate(folder)
    with pytest.raises(InputError) as err:
        load_region(folder, year)
    return [str(p) for p in err.value.problems]


def zones_with(**kw):
    return f.tables(zones=[f.zone("Z1"), f.zone("Z2", **kw)])


def test_missing_file(tmp_path):
    msgs = problems(tmp_path, mutate=lambda d: (d / "routes.csv").unlink())
    assert any("routes.csv: file is missing" in m for m in msgs)


def test_misspelt_column_is_named_with_hint(tmp_path):
    def mutate(d):
        df = pd.read_csv(d / "zones.csv", dtype=str).rename(columns={"households": "houshold"})
        df.to_csv(d / "zones.csv", index=False)
    msgs = problems(tmp_path, mutate=mutate)
    assert any("column 'households': required column is missing (found 'houshold': misspelt?)" in m for m in msgs)
    assert any("column 'houshold': unknown column" in m for m in msgs)


def test_wrong_type(tmp_path):
    msgs = problems(tmp_path, zones_with(households="many"))
    assert msgs == [f"{tmp_path}/r/zones.csv, row 3, column 'households': 'many' is not a whole number"]


def test_empty_required_cell_and_nan(tmp_path):
    msgs = problems(tmp_path, f.tables(zones=[f.zone("Z1", county_id=""), f.zone("Z2", floor_area_10k_m2="NaN")]))
    assert any("row 2, column 'county_id': value is required" in m for m in msgs)
    assert any("row 3, column 'floor_area_10k_m2': value is required" in m for m in msgs)


def test_negative_and_zero(tmp_path):
    msgs = problems(tmp_path, f.tables(zones=[f.zone("Z1", households=0), f.zone("Z2", heat_network_km=-1)]))
    assert any("row 2, column 'households': must be > 0 (got 0)" in m for m in msgs)
    assert any("row 3, column 'heat_network_km': must be >= 0 (got -1" in m for m in msgs)


def test_duplicate_zone_ids(tmp_path):
    msgs = problems(tmp_path, f.tables(zones=[f.zone("Z1"), f.zone("Z1")]))
    assert any("zones.csv, row 3, column 'zone_id': duplicate key (zone_id=Z1)" in m for m in msgs)


def test_unknown_county_group_and_route(tmp_path):
    msgs = problems(tmp_path, f.tables(zones=[f.zone("Z1", county_id="X9", transformer_group="T9", existing_route="magic")]))
    assert any("column 'county_id': 'X9' is not a county_id in counties.csv" in m for m in msgs)
    assert any("column 'transformer_group': 'T9' is not a group_id in transformers.csv" in m for m in msgs)
    assert any("column 'existing_route': 'magic' is not a route_id in routes.csv" in m for m in msgs)


def test_implausible_magnitude_flags_wrong_unit(tmp_path):
    """200 m2 typed in m2 where 10^4 m2 is expected."""
    msgs = problems(tmp_path, zones_with(floor_area_10k_m2=20000))
    assert any("column 'floor_area_10k_m2': 20000.0 10^4 m^2 is implausibly large" in m and "wrong unit scale" in m for m in msgs)


def test_choice_and_flag(tmp_path):
    msgs = problems(tmp_path, zones_with(area_type="town", gas_network=2))
    assert any("column 'area_type': 'town' is not one of urban, rural" in m for m in msgs)
    assert any("column 'gas_network': '2' must be 0 or 1" in m for m in msgs)


def test_parameter_switch_must_be_0_or_1(tmp_path):
    msgs = problems(tmp_path, f.tables(params={"subsidy_budget_cumulative": 0.5}))
    assert any("parameters.csv" in m and "column 'value'" in m and "0.5 for subsidy_budget_cumulative: must be 0 or 1" in m
               for m in msgs), msgs


def test_all_problems_of_all_files_at_once(tmp_path):
    tbl = zones_with(households="x")
    tbl["routes"].loc[2, "efficiency"] = -1
    msgs = problems(tmp_path, tbl)
    assert len(msgs) == 2 and any("routes.csv" in m for m in msgs) and any("zones.csv" in m for m in msgs)


def test_gbk_bom_and_fullwidth_digits_are_read(tmp_path):
    """Excel in China saves GBK; full-width digits and thousands commas are normalised."""
    folder = f.write_region(tmp_path / "r", f.tables(zones=[f.zone("Z1", name_zh="张庄村", households="１,２００", floor_area_10k_m2=12.0)]))
    raw = (folder / "zones.csv").read_text(encoding="utf-8")
    (folder / "zones.csv").write_bytes(raw.encode("gbk"))
    (folder / "routes.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "routes.csv").read_bytes())
    data = load_region(folder, 2022)
    assert data.tables["zones"]["households"].tolist() == [1200]
    assert data.tables["zones"]["name_zh"].tolist() == ["张庄村"]


def test_missing_year_and_prices(tmp_path):
    msgs = problems(tmp_path, year=2030)
    assert any("years.csv, column 'year': has no row for the run year 2030" in m for m in msgs)


def test_inputs_are_not_modified(tmp_path):
    folder = f.write_region(tmp_path / "r", f.tables())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    load_region(folder, 2022)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_optional_table_left_out_reads_as_empty(tmp_path, monkeypatch):
    """A table declared optional (required=False) may be absent: it reads as a table with its
    columns and no rows, and the region loads (it used to crash load_region)."""
    import dataclasses

    from model import registry, validate

    tables = dict(registry.TABLES)
    tables["heat_sources"] = dataclasses.replace(tables["heat_sources"], required=False)
    monkeypatch.setattr(validate, "TABLES", tables)
    folder = f.write_region(tmp_path / "r", f.tables())
    (folder / "heat_sources.csv").unlink()
    data = load_region(folder, 2022)
    hs = data.tables["heat_sources"]
    assert len(hs) == 0 and list(hs.columns) == [c.name for c in tables["heat_sources"].columns]


def test_optional_column_left_out_reads_as_empty(tmp_path):
    """An optional column (cells may be empty) may be left out of the header altogether: older
    files without a newer optional column still load, and it reads as empty."""
    folder = f.write_region(tmp_path / "r", f.tables())
    y = pd.read_csv(folder / "years.csv", dtype=str, keep_default_na=False)
    y.drop(columns=["subsidy_budget_basis"], errors="ignore").to_csv(folder / "years.csv", index=False)
    data = load_region(folder, 2022)
    assert (data.tables["years"]["subsidy_budget_basis"].fillna("") == "").all()
    msgs = problems(tmp_path / "x", mutate=lambda d: pd.read_csv(d / "zones.csv", dtype=str, keep_default_na=False)
                    .drop(columns=["households"]).to_csv(d / "zones.csv", index=False))
    assert any("zones.csv" in m and "households" in m and "required column is missing" in m for m in msgs)
