"""scripts/ledger.py: a household ledger and a village table -> zones and county tables."""
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from model.check import check_region
from model.errors import InputError
from model.ledger import (AREA_OUT_OF_RANGE, BAD_LOW_INCOME, BAD_YEAR, COUNTY_MISMATCH, DUPLICATE_ID, MISSING_ID,
                          UNKNOWN_BUILDING_TYPE, UNKNOWN_HEATING, UNKNOWN_VILLAGE, AMBIGUOUS_VILLAGE, build)
from model.validate import load_region
from model.workbook import read_workbook

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inputs" / "examples" / "kelan_ledger"
sys.path.insert(0, str(REPO / "scripts"))


def village_rows():
    """Three villages: two of one name (in two townships) and a community."""
    return pd.DataFrame([
        dict(village_code="140929100200", name_zh="东街村村民委员会", terrain="plain", gas_network=1, heat_network_km=1.5,
             transformer_group="T1", demolition=""),
        dict(village_code="140929200201", name_zh="王家村村民委员会", terrain="mountain", gas_network=0, heat_network_km=9,
             transformer_group="T2", demolition=0),
        dict(village_code="140929201202", name_zh="王家村村民委员会", terrain="mountain", gas_network=0, heat_network_km=12,
             transformer_group="T2", demolition=0),
        dict(village_code="140929100001", name_zh="东关社区居民委员会", terrain="plain", gas_network=1, heat_network_km=0.5,
             transformer_group="", demolition=0),
    ])


def ledger_row(hid, village, area=80, heating="散煤取暖", btype="农村住宅(砖混平房)", county="岢岚县", township="",
               year="", low="0"):
    return {"户编号": hid, "县区": county, "乡镇": township, "村": village, "建筑面积": area, "建筑类型": btype,
            "现取暖方式": heating, "改造年份": year, "低收入户": low}


def write_inputs(tmp_path, rows, villages=None, xlsx=True):
    (villages if villages is not None else village_rows()).to_csv(tmp_path / "villages.csv", index=False)
    df = pd.DataFrame(rows)
    if xlsx:
        wb = Workbook()
        ws = wb.active
        ws.title = "台账"
        ws.append(list(df.columns))
        for r in df.itertuples(index=False):
            ws.append([None if v == "" else v for v in r])
        wb.save(tmp_path / "ledger.xlsx")
        return tmp_path / "ledger.xlsx", tmp_path / "villages.csv"
    df.to_csv(tmp_path / "ledger.csv", index=False)
    return tmp_path / "ledger.csv", tmp_path / "villages.csv"


def test_each_kind_of_bad_row_gets_its_reason(tmp_path):
    rows = [
        ledger_row("H1", "140929100200"),                                    # row 2: good
        ledger_row("H1", "140929100200"),                                    # 3: duplicate id
        ledger_row("", "140929100200"),                                      # 4: no id
        ledger_row("H3", "140929999999"),                                    # 5: code not in the village table
        ledger_row("H4", "李家庄"),                                            # 6: name not in it
        ledger_row("H5", "王家村"),                                            # 7: two 王家村, no township
        ledger_row("H6", "140929100200", county="定襄县"),                    # 8: another county
        ledger_row("H7", "140929100200", area=8500),                          # 9: m2 out of range
        ledger_row("H8", "140929100200", area="八十"),                          # 10: not a number
        ledger_row("H9", "140929100200", heating="烧炕"),                      # 11
        ledger_row("H10", "140929100200", btype="窑洞"),                       # 12
        ledger_row("H11", "140929100200", low="maybe"),                      # 13
        ledger_row("H12", "140929100200", year="2021"),                      # 14: converted, but still on coal
        ledger_row("H13", "140929100200", heating="空气源热泵", year="20211"),  # 15: not a year
        ledger_row("H14", "140929100200", heating="ashp", year="2021"),       # 16: good (route id)
    ]
    ledger, villages = write_inputs(tmp_path, rows)
    agg, text = build(ledger, villages, tmp_path / "out")
    got = dict(zip(agg.rejected["row"], agg.rejected["reason"]))
    assert got == {3: DUPLICATE_ID, 4: MISSING_ID, 5: UNKNOWN_VILLAGE, 6: UNKNOWN_VILLAGE, 7: AMBIGUOUS_VILLAGE,
                   8: COUNTY_MISMATCH, 9: AREA_OUT_OF_RANGE, 10: AREA_OUT_OF_RANGE, 11: UNKNOWN_HEATING,
                   12: UNKNOWN_BUILDING_TYPE, 13: BAD_LOW_INCOME, 14: BAD_YEAR, 15: BAD_YEAR}
    assert agg.zones["households"].sum() == 2
    report = pd.read_csv(tmp_path / "out" / "ledger_report" / "rejected_rows.csv", dtype=str, keep_default_na=False)
    assert report.loc[report["row"] == "9", "value"].tolist() == ["8500"]
    assert f"{AREA_OUT_OF_RANGE}: 2 (rows 9, 10)" in text


def test_mixed_villages_split_by_present_heating_with_low_income_share(tmp_path):
    rows = [ledger_row(f"A{i}", "140929100200", area=50 + i, low="1" if i < 3 else "0") for i in range(8)]
    rows += [ledger_row(f"B{i}", "140929100200", area=100, heating="空气源热泵", year="2020", low="是" if i == 0 else "否")
             for i in range(4)]
    rows += [ledger_row(f"C{i}", "王家村", township="140929201", area=55) for i in range(5)]  # by name, told apart by township
    rows += [ledger_row(f"D{i}", "140929100001", heating="chp_dh", btype="urban_old") for i in range(3)]
    ledger, villages = write_inputs(tmp_path, rows, xlsx=False)
    agg, _ = build(ledger, villages, tmp_path / "out")
    z = pd.read_csv(tmp_path / "out" / "zones.csv", dtype={"zone_id": str, "township_id": str, "county_id": str},
                    keep_default_na=False).set_index("zone_id")
    assert sorted(z.index) == ["140929100001", "140929100200-ashp", "140929100200-scattered_coal", "140929201202"]
    coal, hp = z.loc["140929100200-scattered_coal"], z.loc["140929100200-ashp"]
    assert (coal["households"], hp["households"]) == (8, 4)
    assert coal["floor_area_10k_m2"] == pytest.approx(sum(50 + i for i in range(8)) / 1e4)
    assert (coal["low_income_share"], hp["low_income_share"]) == (0.375, 0.25)
    assert coal["name_zh"] == "东街村·散煤取暖" and coal["terrain"] == "plain" and coal["transformer_group"] == "T1"
    assert z.loc["140929100001", "area_type"] == "urban" and z.loc["140929201202", "area_type"] == "rural"
    assert z.loc["140929201202", "township_id"] == "140929201"
    assert agg.villages_split == 1 and agg.villages_without_households == ["140929200201"]
    assert agg.converted_by_year == {2020: 4}
    # the folder is a region: it validates, --check finds no problem, and it solves
    data = load_region(tmp_path / "out", 2022)
    assert data.tables["counties"]["county_id"].tolist() == ["140929"]
    problems, warnings, _ = check_region(tmp_path / "out", 2022)
    assert problems == []
    assert {w.kind for w in warnings} == {"households_vs_counties"}  # 20 households of a county of 29,095


def test_example_ledger_aggregates_to_the_documented_zone_counts(tmp_path):
    led = pd.read_excel(EXAMPLE / "ledger.xlsx", dtype=str).fillna("")
    good = led.iloc[:-4]  # the last four rows are the bad ones (README)
    heat_per_village = good.groupby("村 village")["现取暖方式 current_heating"].nunique()
    villages, split = len(heat_per_village), int((heat_per_village > 1).sum())
    zones = int(heat_per_village.sum())
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    documented = re.search(r"([\d,]+) households merged into\s+(\d+) zones\*\* — (\d+) villages and communities, "
                           r"\*\*(\d+) of them split by present heating into (\d+) zones", readme)
    assert documented, "the README states the counts"
    assert [int(x.replace(",", "")) for x in documented.groups()] == [len(good), zones, villages, split,
                                                                        int(heat_per_village[heat_per_village > 1].sum())]
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "ledger.py"), str(EXAMPLE / "ledger.xlsx"), "--villages",
                        str(EXAMPLE / "villages.csv"), "--out", str(tmp_path / "kelan")], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert (f"merged {len(good):,} households into {zones} zones: {villages} villages and communities, {split} of them "
            f"split by present heating into {int(heat_per_village[heat_per_village > 1].sum())} zones") in p.stdout
    rejected = pd.read_csv(tmp_path / "kelan" / "ledger_report" / "rejected_rows.csv")
    assert rejected["reason"].tolist() == [DUPLICATE_ID, UNKNOWN_VILLAGE, AREA_OUT_OF_RANGE, UNKNOWN_HEATING]
    assert rejected["row"].tolist() == list(range(len(led) - 2, len(led) + 2))
    z = pd.read_csv(tmp_path / "kelan" / "zones.csv", dtype=str, keep_default_na=False)
    assert len(z) == zones and z["households"].astype(int).sum() == len(good)
    problems, warnings, _ = check_region(tmp_path / "kelan", 2022)
    assert problems == [] and warnings == []
    # the reference's uncertain inputs come along, so robust.py runs on the new county as it is
    from model.robust import read_uncertainty
    from model.validate import load_region

    assert len(read_uncertainty(tmp_path / "kelan" / "uncertainty.csv", load_region(tmp_path / "kelan", 2022))) > 0


def test_example_is_what_its_script_writes(tmp_path):
    import make_example_ledger

    ledger, villages = make_example_ledger.write(tmp_path)
    assert read_workbook(ledger, []) == read_workbook(EXAMPLE / "ledger.xlsx", [])
    assert villages.read_bytes() == (EXAMPLE / "villages.csv").read_bytes()


def test_bad_village_table_and_existing_folder_stop_with_exit_2(tmp_path):
    v = village_rows()
    v.loc[1, "terrain"] = "hilly"
    v.loc[2, "village_code"] = "1409292012"
    ledger, villages = write_inputs(tmp_path, [ledger_row("H1", "140929100200")], v)
    with pytest.raises(InputError) as err:
        build(ledger, villages, tmp_path / "out")
    msgs = [str(p) for p in err.value.problems]
    assert f"{villages}, row 3, column 'terrain': 'hilly' is not one of plain, mountain" in msgs
    assert f"{villages}, row 4, column 'village_code': '1409292012' is not a 12-digit NBS village code" in msgs
    assert not (tmp_path / "out").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "zones.csv").write_text("mine", encoding="utf-8")
    ledger, villages = write_inputs(tmp_path, [ledger_row("H1", "140929100200")])
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "ledger.py"), str(ledger), "--villages", str(villages),
                        "--out", str(mine)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "already exists" in p.stderr and "Traceback" not in p.stderr
    assert (mine / "zones.csv").read_text(encoding="utf-8") == "mine"


def test_missing_ledger_column_is_named(tmp_path):
    rows = [ledger_row("H1", "140929100200")]
    for r in rows:
        del r["建筑面积"]
    ledger, villages = write_inputs(tmp_path, rows)
    with pytest.raises(InputError) as err:
        build(ledger, villages, tmp_path / "out")
    assert any("column 'building_area_m2': required column is missing: name it 'building_area_m2' or '建筑面积'" in str(p)
               for p in err.value.problems)
    assert not (tmp_path / "out").exists()


def test_a_county_outside_the_census_extract_gets_no_invented_population(tmp_path):
    v = pd.DataFrame([dict(village_code="410102001001", name_zh="测试村村民委员会", terrain="plain", gas_network=1,
                           heat_network_km=2.0, transformer_group="T9", demolition=0)])
    ledger, villages = write_inputs(tmp_path, [ledger_row(f"H{i}", "410102001001", county="", area=60) for i in range(3)], v)
    agg, text = build(ledger, villages, tmp_path / "out")
    counties = pd.read_csv(tmp_path / "out" / "counties.csv", dtype=str, keep_default_na=False)
    assert counties[["county_id", "households", "population"]].values.tolist() == [["410102", "3", ""]]
    assert "410102 are not in the census extract" in text
    problems, _, _ = check_region(tmp_path / "out", 2022)
    assert {(p.column, p.rule) for p in problems if "counties.csv" in p.file} == {
        (c, "value is required but the cell is empty") for c in ("population", "urban_population", "rural_population")}
