"""`solve.py --check`: every problem and every plausibility warning, exit 2 on problems, 0 otherwise.

Tiny regions (tests/factory.py): a default zone has 200 m2 at 50 W/m2 and 1,200 full-load hours,
43.2 GJ a season; on scattered coal (efficiency 0.5, 20 GJ/t) that is 4.32 t of coal a household.
"""
import subprocess
import sys
from pathlib import Path

import factory as f
from model.check import check_region

REPO = Path(__file__).resolve().parents[1]


def plausible(**kw) -> dict:
    """Two zones of 1 household each, a county of 2 households, 5 kVA per household: no warning."""
    kw.setdefault("transformers", [f.transformer(capacity_kva=10.0)])
    t = f.tables(zones=[f.zone("Z1"), f.zone("Z2")], **kw)
    t["counties"].loc[0, "households"] = 2
    return t


def kinds(folder, year=2022):
    problems, warnings, _ = check_region(folder, year)
    assert problems == []
    return sorted(w.kind for w in warnings), warnings


def test_plausible_region_has_no_warning(tmp_path):
    assert kinds(f.write_region(tmp_path / "r", plausible()))[0] == []


def test_households_against_counties_and_census(tmp_path):
    t = plausible()
    t["counties"].loc[0, "households"] = 3  # zones hold 2: -33 %
    # a real county code: 定襄县 had 72,605 family households in the 2020 census (inputs/sources/)
    t["counties"].loc[1] = dict(t["counties"].loc[0], county_id="140921", name_zh="定襄县", households=1000)
    t["zones"].loc[2] = dict(t["zones"].loc[0], zone_id="Z3", county_id="140921", households=1000, floor_area_10k_m2=10.0,
                             transformer_group="")
    got, warnings = kinds(f.write_region(tmp_path / "r", t))
    assert got == ["households_vs_census", "households_vs_counties"]
    text = {w.kind: str(w) for w in warnings}
    assert "counties.csv, row 2, column 'households'" in text["households_vs_counties"] and "-33.3%" in text["households_vs_counties"]
    assert "counties.csv, row 3" in text["households_vs_census"] and "72,605" in text["households_vs_census"]


def test_coal_per_household_outside_1_to_6_t(tmp_path):
    t = plausible()
    t["zones"].loc[1, "floor_area_10k_m2"] = 0.06  # 600 m2: 12.96 t of coal
    t["zones"].loc[0, "floor_area_10k_m2"] = 0.004  # 40 m2: 0.86 t
    got, warnings = kinds(f.write_region(tmp_path / "r", t))
    assert got == ["coal_per_household"]
    assert "2 of 2 zones on scattered_coal" in str(warnings[0]) and "0.9-13.0 t" in str(warnings[0])
    assert "rows 2, 3" in str(warnings[0])


def test_transformer_kva_per_household(tmp_path):
    t = plausible(transformers=[f.transformer(capacity_kva=1e5), f.transformer("T2", capacity_kva=400.0)])
    got, warnings = kinds(f.write_region(tmp_path / "r", t))
    assert got == ["transformer_kva_per_household"] * 2
    msgs = sorted(str(w) for w in warnings)
    assert "transformers.csv, row 2, column 'capacity_kva': group T1: 100,000 kVA for 2 households" in msgs[0]
    assert "row 3, column 'group_id': group T2: no zone names this transformer group" in msgs[1]


def test_zone_with_no_clean_option(tmp_path):
    t = plausible()
    # no gas network, no transformer group, rural: neither gas nor heat pumps may go there
    t["zones"].loc[1, ["gas_network", "transformer_group"]] = [0, ""]
    got, warnings = kinds(f.write_region(tmp_path / "r", t))
    assert got == ["no_clean_option"]
    assert "zones.csv, row 3, column 'zone_id': zone Z2 has no clean route" in str(warnings[0])


def test_problems_and_warnings_are_listed_together_by_the_cli(tmp_path):
    t = plausible()
    t["counties"].loc[0, "households"] = 3
    t["zones"].loc[1, "gas_network"] = 7
    folder = f.write_region(tmp_path / "bad", t)
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", "2022", "--inputs", str(folder),
                        "--check"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 2, p.stderr
    assert "zones.csv, row 3, column 'gas_network': '7' must be 0 or 1" in p.stderr
    assert "[households_vs_counties]" in p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "results").exists()


def test_cli_check_exit_0_with_every_warning_kind_and_writes_nothing(tmp_path):
    t = plausible(transformers=[f.transformer(capacity_kva=1e5)])
    t["counties"].loc[0, "households"] = 3
    t["counties"].loc[1] = dict(t["counties"].loc[0], county_id="140921", households=10)
    t["zones"].loc[2] = dict(t["zones"].loc[0], zone_id="Z3", county_id="140921", households=10, floor_area_10k_m2=0.9,
                             gas_network=0, transformer_group="")
    folder = f.write_region(tmp_path / "warn", t)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    p = subprocess.run([sys.executable, str(REPO / "scripts" / "solve.py"), "--year", "2022", "--inputs", str(folder),
                        "--check", "--out", str(tmp_path / "res")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for kind in ("households_vs_counties", "households_vs_census", "coal_per_household",
                 "transformer_kva_per_household", "no_clean_option"):
        assert f"[{kind}]" in p.stdout, kind
    assert "0 problem(s), 5 warning(s)" in p.stdout
    assert not (tmp_path / "res").exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
