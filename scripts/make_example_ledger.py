#!/usr/bin/env python
"""Write the SYNTHETIC example household ledger of 岢岚县 (Kelan, Xinzhou) for scripts/ledger.py.

    python scripts/make_example_ledger.py [--out inputs/examples/kelan_ledger]

Nothing in it is a real household. It is derived, deterministically (fixed seed), from the
shipped zones of county 140929 in inputs/xinzhou/zones.csv, which are themselves the real NBS
villages and communities of the county with generated attributes:

- `villages.csv`: one row per village and community (NBS code and full name, terrain, gas network,
  heat-network distance, transformer group, demolition plan), as the village table of a county;
- `ledger.xlsx`: one row per household of those zones (29,095), in Chinese column names, with the
  zone's present heating, building type and a building area drawn around the zone's mean; in every
  MIX_EVERY-th village still on scattered coal, MIX_SHARE of the households already converted to air-source
  heat pumps (2020-2021), so ledger.py splits it in two zones; every NAME_EVERY-th village is named
  instead of coded; 8 % of rural and 3 % of urban households are flagged low-income;
- then one bad row of each kind a real ledger has (BAD_ROWS): a duplicate household id, an unknown
  village code, an area typed in the wrong unit, a heating nobody defined.

The openpyxl file carries its save time, so re-running gives the same cells, not the same bytes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from model.census import divisions, short_name  # noqa: E402

COUNTY = "140929"  # 岢岚县
SEED = 20221015
MIX_EVERY = 6  # every 6th scattered-coal village (by code) has converted part of its households
MIX_SHARE = 0.25
NAME_EVERY = 10  # every 10th village is written by name, not by code
AREA_SIGMA = 0.25
BAD_ROWS = ("duplicate household id", "unknown village", "area out of range", "unknown heating")
HEADER = ("户编号 household_id", "县区 county", "乡镇 township", "村 village", "建筑面积 building_area_m2",
          "建筑类型 building_type", "现取暖方式 current_heating", "改造年份 year_converted", "低收入户 low_income")


def example(root: Path = REPO, counties: tuple[str, ...] = (COUNTY,)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(villages table, ledger rows) of the example, from the shipped Xinzhou inputs (other counties of
    Xinzhou make larger synthetic ledgers, e.g. for benchmarks/bench_ledger.py)."""
    rng = np.random.default_rng(SEED)
    z = pd.read_csv(root / "inputs" / "xinzhou" / "zones.csv", dtype=str, keep_default_na=False)
    z = z[z["county_id"].isin(counties)].sort_values("zone_id").reset_index(drop=True)
    routes = pd.read_csv(root / "inputs" / "xinzhou" / "routes.csv", dtype=str, keep_default_na=False).set_index("route_id")
    btypes = pd.read_csv(root / "inputs" / "xinzhou" / "building_types.csv", dtype=str, keep_default_na=False)
    btypes = btypes.set_index("building_type")
    _, towns, villages = divisions(root / "inputs" / "sources")
    nbs = villages.set_index("village_code")["name_zh"]
    town_name = towns.set_index("code")["name"]
    county_name = divisions(root / "inputs" / "sources")[0].set_index("code")["name"]
    vt = pd.DataFrame({"village_code": z["zone_id"], "name_zh": z["zone_id"].map(nbs), "county_id": z["county_id"],
                       "township_id": z["township_id"], "area_type": z["area_type"], "terrain": z["terrain"],
                       "gas_network": z["gas_network"], "heat_network_km": z["heat_network_km"],
                       "transformer_group": z["transformer_group"], "demolition": z["demolition"]})
    short = vt["name_zh"].map(short_name)
    unique_name = ~short.duplicated(keep=False)
    rows = []
    coal_villages = 0
    for k, zone in z.iterrows():
        n = int(zone["households"])
        mean = float(zone["floor_area_10k_m2"]) * 1e4 / n
        area = np.clip(np.round(mean * rng.lognormal(-AREA_SIGMA ** 2 / 2, AREA_SIGMA, n), 1), 15.0, 600.0)
        heating = np.full(n, zone["existing_route"], dtype=object)
        year = np.full(n, "", dtype=object)
        if zone["existing_route"] == "scattered_coal" and zone["area_type"] == "rural" and zone["demolition"] == "0":
            if coal_villages % MIX_EVERY == 0 and n >= 8:
                mixed = rng.permutation(n)[: int(round(MIX_SHARE * n))]
                heating[mixed] = "ashp"
                year[mixed] = rng.choice(["2020", "2021"], len(mixed))
            coal_villages += 1
        elif zone["existing_route"] in ("ashp", "storage_heater", "solar_aux", "gas_wall_boiler", "biomass_boiler"):
            year[:] = rng.choice(["2017", "2018", "2019", "2020", "2021"], n)
        low = (rng.random(n) < (0.08 if zone["area_type"] == "rural" else 0.03)).astype(int)
        village = short[k] if k % NAME_EVERY == 0 and unique_name[k] else zone["zone_id"]
        bt_label = btypes.at[zone["building_type"], "name_zh"]
        for i in range(n):
            rows.append((f"{zone['zone_id']}{i + 1:05d}", county_name[zone["county_id"]], town_name[zone["township_id"]], village, area[i],
                         bt_label, routes.at[heating[i], "name_zh"], year[i], int(low[i])))
    led = pd.DataFrame(rows, columns=HEADER)
    first = led.iloc[0]
    base = str(first.iloc[0])[:12]
    bad = [
        (first.iloc[0], *first.iloc[1:4], 88.0, *first.iloc[5:]),  # duplicate household id
        (f"{counties[0]}99999900001", first.iloc[1], first.iloc[2], f"{counties[0]}999999", 70.0, *first.iloc[5:]),  # unknown village
        (f"{base}90001", *first.iloc[1:4], 8500.0, *first.iloc[5:]),  # area in the wrong unit
        (f"{base}90002", *first.iloc[1:6], "烧炕", "", 0),  # heating nobody defined
    ]
    led = pd.concat([led, pd.DataFrame(bad, columns=HEADER)], ignore_index=True)
    return vt, led


def write(out: Path, root: Path = REPO, counties: tuple[str, ...] = (COUNTY,)) -> tuple[Path, Path]:
    from openpyxl import Workbook

    vt, led = example(root, counties)
    out.mkdir(parents=True, exist_ok=True)
    villages = out / "villages.csv"
    vt.to_csv(villages, index=False, lineterminator="\n", encoding="utf-8")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(list(HEADER))
    for row in led.itertuples(index=False):
        ws.append([None if v == "" else v for v in row])
    ledger = out / "ledger.xlsx"
    wb.save(ledger)
    return ledger, villages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "inputs" / "examples" / "kelan_ledger")
    args = ap.parse_args(argv)
    ledger, villages = write(args.out)
    print(f"wrote {ledger} and {villages}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
