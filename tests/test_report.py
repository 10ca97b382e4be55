"""Planning report: numbers equal the dataset, files are complete and atomic, the page prints on A4 in
headless Chromium, the workbook is formatted.

The region: two counties, 16 zones (two in demolition zones), gas / heat pumps / storage heaters /
district heating, tight transformers (upgrades) and a gas cap, with a name, townships and county
squares as boundaries; solved at gas 2.0, 3.0 and 4.0 yuan/m3 (the sweep is their xr.concat along a
new dim `gas_price`). The pathway: four villages over 2021-2022.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.pipeline import solve_region
from model.report import render, tables
from model.report.cli import main as report_main
from model.report.labels import CATEGORIES, T, header
from model.results import write_results

REPO = Path(__file__).resolve().parents[1]


def two_county_region(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    zones = []
    for i in range(16):
        zones.append(f.zone(f"Z{i:02d}", county_id="C1" if i < 8 else "C2", households=int(rng.integers(20, 300)),
                            township_id=f"T{'1' if i < 8 else '2'}{i % 2}", name_zh=f"测试村{i:02d}",
                            floor_area_10k_m2=round(float(rng.uniform(0.2, 3.0)), 3),
                            gas_network=int(rng.random() < 0.5), transformer_group=f"T{i % 4}",
                            heat_network_km=float(rng.choice([1.0, 20.0])), demolition=int(i in (5, 12)),
                            existing_route="ashp" if i == 0 else "scattered_coal"))
    routes = [f.route("scattered_coal"), f.route("quality_coal"),
              f.route("gas_wall_boiler", capex_hh=11000.0, sub_eq=3000.0),
              f.route("ashp", capex_hh=30000.0, sub_eq=8000.0, sub_run=500.0),
              f.route("storage_heater", capex_hh=8000.0, sub_eq=3000.0),
              f.route("chp_dh", capex_m2=100.0)]
    trs = [f.transformer(f"T{g}", county_id="C1" if g < 2 else "C2", capacity_kva=400.0, existing_peak_kva=150.0,
                         upgrade_unit_kva=100.0, upgrade_unit_capex_yuan=45000.0, max_upgrade_units=60)
           for g in range(4)]
    hs = [dict(source_id="H1", county_id="C1", route_id="chp_dh", name_zh="热电厂", spare_capacity_mw=2.0, source=f.SRC)]
    tbl = f.tables(zones=zones, routes=routes, transformers=trs, heat_sources=hs, params={"discount_rate": 0.06},
                   years={"gas_annual_cap_10k_m3": 40.0, "gas_storage_existing_10k_m3": 0.1,
                          "storage_module_size_10k_m3": 0.1, "storage_module_capex_10k_yuan": 50.0,
                          "subsidy_budget_10k_yuan": 5000.0},
                   prices={"gas": 2.6, "electricity": 0.35})
    tbl["counties"] = pd.concat([tbl["counties"], tbl["counties"].assign(county_id="C2", name_zh="县二", name_en="C2")])
    tbl["coverage"] = pd.DataFrame([dict(year=2022, area_type="all", terrain="all", min_clean_share=0.8, source=f.SRC)])
    tbl["region"] = pd.DataFrame([dict(name_zh="测试市", name_en="Testville", plan_first_year=2021, plan_last_year=2022,
                                       source=f.SRC)])
    tbl["townships"] = pd.DataFrame([dict(township_id=t, county_id=c, name_zh=n, source=f.SRC) for t, c, n in
                                     (("T10", "C1", "甲镇"), ("T11", "C1", "乙镇"), ("T20", "C2", "丙镇"), ("T21", "C2", "丁乡"))])
    folder = f.write_region(folder, tbl)
    square = lambda x0: [[[x0, 36.0], [x0 + 0.5, 36.0], [x0 + 0.5, 36.5], [x0, 36.5], [x0, 36.0]]]  # noqa: E731
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"county_id": c, "name_zh": n}, "geometry": {"type": "Polygon", "coordinates": square(x)}}
        for c, n, x in (("C1", "县一", 117.0), ("C2", "县二", 117.5))]}
    (folder / "boundaries.geojson").write_text(json.dumps(geo, ensure_ascii=False), encoding="utf-8")
    return folder


def pathway_region(folder: Path) -> Path:
    """Two years, four villages in one county; the budget lets two convert each year."""
    zones = [f.zone(f"P{i}", households=10 + i, township_id="T10", name_zh=f"路径村{i}", gas_network=i % 2)
             for i in range(4)]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler", sub_eq=1000.0),
              f.route("ashp", capex_hh=20000.0, sub_eq=2000.0)]
    parts = [f.tables(year=y, zones=zones, routes=routes, years={"subsidy_budget_10k_yuan": 6.0},
                      coverage=[dict(year=y, area_type="all", terrain="all", min_clean_share=0.4 if y == 2021 else 1.0,
                                     source=f.SRC)]) for y in (2021, 2022)]
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    t["region"] = pd.DataFrame([dict(name_zh="路径县", name_en="Pathway county", plan_first_year=2021,
                                     plan_last_year=2022, source=f.SRC)])
    t["townships"] = pd.DataFrame([dict(township_id="T10", county_id="C1", name_zh="甲镇", source=f.SRC)])
    return f.write_region(folder, t)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Result files (base at gas 2.0, other at gas 4.0, a sweep of 2.0/3.0/4.0, a pathway) and their reports."""
    from model.pipeline import solve_data
    from model.prepare import Overrides
    from model.results import to_netcdf
    from model.solve import SolveOptions
    from model.validate import load_region

    root = tmp_path_factory.mktemp("report")
    folder = two_county_region(root / "in")
    res = root / "results" / "r" / "2022"
    dss = [solve_region(folder, 2022, sets={"gas_price": gp}).dataset for gp in (2.0, 3.0, 4.0)]
    write_results(dss[0], res / "base.nc")
    write_results(dss[2], res / "high_gas.nc")
    sweep = xr.concat(dss, dim=pd.Index([2.0, 3.0, 4.0], name="gas_price"))
    sweep.to_netcdf(res / "sweep_gas.nc")
    pfolder = pathway_region(root / "pin")
    data = load_region(pfolder, 2022)
    pds = solve_data(data, 2022, Overrides(), SolveOptions(mip_gap=0.0), from_year=2021).dataset
    to_netcdf(pds, res / "base.from2021.nc")
    assert report_main([str(res / "base.nc"), "--compare", str(res / "high_gas.nc"), "--sweep", str(res / "sweep_gas.nc"),
                        "--pdf"] if chromium_or_none() else
                       [str(res / "base.nc"), "--compare", str(res / "high_gas.nc"), "--sweep", str(res / "sweep_gas.nc")]) == 0
    assert report_main([str(res / "high_gas.nc"), "--lang", "en"]) == 0
    assert report_main([str(res / "sweep_gas.nc")]) == 0
    assert report_main([str(res / "base.from2021.nc"), "--inputs", str(pfolder)]) == 0
    return {"res": res, "base": dss[0], "high": dss[2], "sweep": sweep, "pathway": pds, "in": folder, "pin": pfolder}


def chromium_or_none():
    from model.report.pdf import find_chromium

    return find_chromium()


def read_csv(folder: Path, table_id: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{table_id}.csv", encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""])


def zone_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Per zone: county, plan category of the chosen route, households, area, converted, investment, status."""
    cat = dict(zip(ds.route.values, ds.route_category.values))
    return pd.DataFrame({"county": ds.zone_county.values, "cat": [cat[r] for r in ds.chosen_route.values],
                         "hh": ds.zone_households.values, "area": ds.zone_floor_area.values,
                         "conv": ds.converted.values.astype(bool), "inv": ds.zone_investment.values,
                         "status": ds.zone_heating_status.values.astype(str), "zone": ds.zone.values.astype(str)})


def body(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A table without its total row."""
    return df[df[T("county", lang)] != T("total", lang)] if T("county", lang) in df else df.iloc[:-1]


# ---------------------------------------------------------------- numbers

def test_plan_table_equals_zone_sums(runs):
    """The county x category table of clean conversions equals households summed from the zones' own
    routes and statuses (an independent path from zone rows to the table); quality coal is not in it."""
    ds, folder = runs["base"], runs["res"] / "base.report"
    z = zone_frame(ds)
    clean = z[z.status == "converted_to_clean"]
    want = clean.groupby(["county", "cat"])["hh"].sum()
    got = read_csv(folder, "plan_households")
    rows = body(got)
    assert len(rows) == ds.sizes["county"]
    for _, row in rows.iterrows():
        for c in CATEGORIES:
            if T(c, "zh") in got.columns:
                assert row[T(c, "zh")] == pytest.approx(want.get((row[T("county_id", "zh")], c), 0.0))
    assert T("coal", "zh") not in got.columns  # quality coal is not a clean conversion
    total = got[got[T("county", "zh")] == T("total", "zh")].iloc[0]
    assert total[T("total", "zh")] == pytest.approx(clean["hh"].sum())
    assert total[T("total", "zh")] > 0 and (want > 0).sum() >= 3  # the plan mixes routes
    area = read_csv(folder, "plan_floor_area")
    area_total = area[area[T("county", "zh")] == T("total", "zh")].iloc[0][T("total", "zh")]
    assert area_total == pytest.approx(clean["area"].sum())


def test_statuses_partition_households(runs):
    """Converted to clean + quality coal + already clean (+ not clean) = every household, per county;
    the quality-coal zones are the demolition zones, which the headline does not count as converted."""
    ds, folder = runs["base"], runs["res"] / "base.report"
    z = zone_frame(ds)
    st = read_csv(folder, "status_households")
    for _, row in body(st).iterrows():
        zc = z[z.county == row[T("county_id", "zh")]]
        for s in ("converted_to_clean", "quality_coal", "already_clean"):
            assert row[T(f"status_{s}", "zh")] == pytest.approx(zc.loc[zc.status == s, "hh"].sum())
        assert row[T("total", "zh")] == pytest.approx(zc["hh"].sum())
    assert {"Z05", "Z12"} <= set(z.loc[z.status == "quality_coal", "zone"])  # the demolition zones
    assert z.loc[z.zone == "Z00", "status"].item() == "already_clean"  # on a heat pump in the base year


def test_headline_equals_dataset(runs):
    ds, folder = runs["base"], runs["res"] / "base.report"
    h = read_csv(folder, "headline").set_index(T("key", "zh"))[T("value", "zh")]
    z = zone_frame(ds)
    clean = z[z.status == "converted_to_clean"]
    assert h["households_converted_to_clean"] == pytest.approx(clean["hh"].sum())
    assert h["households_quality_coal"] == pytest.approx(z.loc[z.status == "quality_coal", "hh"].sum())
    assert h["households_quality_coal"] > 0
    assert h["households_converted_to_clean"] < z.loc[z.conv, "hh"].sum()  # the quality-coal zones are left out
    assert h["floor_area_converted_to_clean"] == pytest.approx(clean["area"].sum())
    assert h["investment_total"] == pytest.approx(z["inv"].sum())
    assert h["investment_per_clean_household"] == pytest.approx(clean["inv"].sum() * 1e4 / clean["hh"].sum())
    assert h["subsidy_need"] == pytest.approx(float(ds.subsidy_equipment + ds.subsidy_running))
    assert h["gas_annual"] == pytest.approx(float(ds.zone_gas_annual.sum()))
    assert h["gas_annual_cap"] == pytest.approx(40.0)
    assert h["storage_required"] == pytest.approx(float(ds.storage_required))
    assert h["transformer_upgrade_units"] == pytest.approx(float(ds.transformer_upgrade_units.sum()))
    assert h["transformer_groups_over"] == int((ds.transformer_load > ds.transformer_capacity).sum())
    assert h["transformer_upgrade_units"] > 0
    assert h["coal_displaced"] == pytest.approx(float(ds.coal_displaced.sum()))
    assert h["pm25_avoided"] == pytest.approx(float(ds.pm25_avoided.sum()) / 1000.0)  # kg -> t
    # the summary says the same numbers, formatted, and names the region and period in the title
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert f"{h['households_converted_to_clean']:,.0f} 户" in page and f"{h['investment_total']:,.0f}" in page
    assert "<h1>测试市冬季清洁取暖规划报告</h1>" in page and "规划期 2021—2022年" in page
    assert page.index("结论与建议") < page.index(T("sec_run_meta", "zh"))  # findings before solver metadata


@pytest.fixture(scope="module")
def shipped():
    return {r: solve_region(REPO / "inputs" / r, 2022).dataset for r in ("jinan", "xinzhou")}


@pytest.mark.parametrize("region", ["jinan", "xinzhou"])
def test_shipped_headline_excludes_quality_coal(shipped, region):
    """On both shipped regions the headline's converted count is the households whose route turns clean
    (recomputed from zones.csv and routes.csv), not every zone with works: quality coal is apart."""
    from model.report import summary

    ds = shipped[region]
    zones = pd.read_csv(REPO / "inputs" / region / "zones.csv", dtype=str).set_index("zone_id")
    routes = pd.read_csv(REPO / "inputs" / region / "routes.csv", dtype=str).set_index("route_id")
    clean = routes["clean"].astype(int).astype(bool)
    now = pd.Series(ds.chosen_route.values.astype(str), index=ds.zone.values.astype(str))
    before = zones.loc[now.index, "existing_route"]
    hh = zones.loc[now.index, "households"].astype(float)
    to_clean = float(hh[clean.loc[now].to_numpy() & ~clean.loc[before].to_numpy()].sum())
    to_coal = float(hh[(now == "quality_coal").to_numpy() & (now != before).to_numpy()].sum())
    m = tables.metrics(ds)
    assert m["households_converted_to_clean"][0] == to_clean
    assert m["households_quality_coal"][0] == to_coal > 0
    assert to_clean + to_coal == float(ds.households_converted.sum())
    text = summary.findings(ds, "zh")[0]
    assert f"{to_clean:,.0f} 户" in text and f"{to_clean + to_coal:,.0f}" not in text


def test_village_list_sums_to_the_plan(runs):
    """整村推进清单: every clean conversion once, households and investment summing to the plan's (per
    county too), township names from townships.csv; the quality-coal villages are a list of their own."""
    ds, folder = runs["base"], runs["res"] / "base.report"
    z = zone_frame(ds)
    v = read_csv(folder, "villages")
    rows = v[v[T("county", "zh")] != T("total", "zh")]
    clean = z[z.status == "converted_to_clean"]
    assert sorted(rows[T("zone_id", "zh")]) == sorted(clean["zone"])
    hh_col = header("households", "households", "zh")
    plan = read_csv(folder, "plan_households")
    assert rows[hh_col].sum() == pytest.approx(plan.iloc[-1][T("total", "zh")])
    assert rows[hh_col].sum() == pytest.approx(float(ds.households_by_status.sel(heating_status="converted_to_clean").sum()))
    for c, g in rows.groupby(T("county_id", "zh")):
        assert g[hh_col].sum() == pytest.approx(clean.loc[clean.county == c, "hh"].sum())
    assert set(rows[T("township", "zh")]) <= {"甲镇", "乙镇", "丙镇", "丁乡"}
    inv = header("investment", "10^4 yuan", "zh")
    assert rows[inv].sum() == pytest.approx(clean["inv"].sum())
    qc = read_csv(folder, "villages_quality_coal")
    qc_rows = qc[qc[T("county", "zh")] != T("total", "zh")]
    assert sorted(qc_rows[T("zone_id", "zh")]) == sorted(z.loc[z.status == "quality_coal", "zone"])
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "甲镇（" in page and "测试村" in page  # township headings and village names in the county chapters


def test_costs_and_constraints_tables(runs):
    ds, folder = runs["base"], runs["res"] / "base.report"
    comp = read_csv(folder, "cost_components").set_index(T("key", "zh"))
    val = [c for c in comp.columns if c.startswith(T("value", "zh"))][0]
    for k in ds.cost_component.values:
        assert comp.loc[k, val] == pytest.approx(float(ds.cost.sel(cost_component=k)))
    assert comp.loc["total", val] == pytest.approx(float(ds.objective))
    pay = read_csv(folder, "cost_payers").set_index(T("key", "zh"))[T("value", "zh")]
    assert pay["society_annual"] == pytest.approx(float(ds.objective))
    assert pay["household_bill_annual"] == pytest.approx(pay["society_annual"] - pay["government_annual"])
    # this period's conversions apart from the region's running cost; together they are the objective
    split = read_csv(folder, "cost_by_status").set_index(T("key", "zh"))
    z = zone_frame(ds)
    assert split.loc["investment", T("status_converted_to_clean", "zh")] == pytest.approx(
        z.loc[z.status == "converted_to_clean", "inv"].sum())
    assert split.loc["annual_cost", T("total", "zh")] + split.loc["transformer_upgrades", T("total", "zh")] + \
        split.loc["gas_storage", T("total", "zh")] == pytest.approx(float(ds.objective))
    if "shadow_price" in ds:
        con = read_csv(folder, "constraints")
        assert len(con) == ds.sizes["constraint"]
        sp = dict(zip(con[T("constraint", "zh")], con[T("shadow_price", "zh")]))
        for c in ds.constraint.values:
            assert sp[c] == pytest.approx(float(ds.shadow_price.sel(constraint=c)), abs=1e-12)


def test_payers_known_answer(tmp_path):
    """One household, no gas network -> ASHP: capex 1,000 yuan over 10 a at 0 % -> 100 yuan/a;
    6,000 kWh x 0.5 = 3,000 yuan fuel. Society 3,100 yuan/a = 0.31 (10^4 yuan/a).
    Capital recovery rate = 100 / 1,000 = 0.1/a. Government: running 50 + equipment 400 x 0.1 = 90 yuan/a.
    Household bill 3,100 - 90 = 3,010 yuan/a = 0.301 (10^4 yuan/a), 3,010 yuan per household."""
    folder = f.write_region(tmp_path / "r", f.tables(
        zones=[f.zone("Z1", gas_network=0)],
        routes=[f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
                f.route("ashp", capex_hh=1000.0, sub_eq=400.0, sub_run=50.0)]))
    ds = solve_region(folder, 2022).dataset
    p = {k: v for k, (v, _) in tables.payers(ds).items()}
    assert p["society_annual"] == pytest.approx(0.31)
    assert p["capital_recovery_rate"] == pytest.approx(0.1)
    assert p["government_annual"] == pytest.approx(0.009)
    assert p["household_bill_annual"] == pytest.approx(0.301)
    assert p["household_bill_per_household"] == pytest.approx(3010.0)
    from model.report.summary import household_costs

    hc = household_costs(ds)  # the summary's per-household sentence: the same 3,100 / 90 / 3,010 yuan
    assert (hc["cost"], hc["gov"], hc["bill"]) == pytest.approx((3100.0, 90.0, 3010.0))


def test_english_report(runs):
    ds, folder = runs["high"], runs["res"] / "high_gas.report"
    h = read_csv(folder, "headline").set_index("Key")["Value"]
    assert h["households_converted_to_clean"] == pytest.approx(
        float(ds.households_by_status.sel(heating_status="converted_to_clean").sum()))
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "Households converted to clean heating" in md and "本期转为清洁取暖户数" not in md
    assert "# Testville winter clean heating plan report" in md
    assert f"- Solve method (direct: whole model; county: by county): {ds.attrs['solve_method']}" in md
    assert "Coal to electricity" in read_csv(folder, "plan_households").columns


def test_gas_price_risk_from_a_sweep(runs):
    """With --sweep, the summary gives the cost at the lowest and highest gas price of the sweep."""
    page = (runs["res"] / "base.report" / "report.html").read_text(encoding="utf-8")
    lo, hi = (float(runs["sweep"].objective.sel(gas_price=p)) for p in (2.0, 4.0))
    assert "气价风险：气价由 2 元/m³ 升至 4 元/m³" in page
    assert f"{lo:,.0f} 万元升至 {hi:,.0f} 万元" in page
    en = (runs["res"] / "high_gas.report" / "report.html").read_text(encoding="utf-8")
    assert "No gas-price sweep was given" in en


# ---------------------------------------------------------------- sweep, pathway and comparison

def test_sweep_report(runs):
    sw, folder = runs["sweep"], runs["res"] / "sweep_gas.report"
    summ = read_csv(folder, "sweep_summary")
    assert list(summ["gas_price"]) == [2.0, 3.0, 4.0]
    obj = [c for c in summ.columns if c.startswith(T("cost_total", "zh"))][0]
    assert list(summ[obj]) == pytest.approx([float(sw.objective.sel(gas_price=p)) for p in (2.0, 3.0, 4.0)])
    mix = read_csv(folder, "sweep_mix").set_index("gas_price")
    for gp, ds in ((2.0, runs["base"]), (4.0, runs["high"])):
        z = zone_frame(ds)
        want = z[z.status == "converted_to_clean"].groupby("cat")["hh"].sum()
        for c in CATEGORIES:
            if T(c, "zh") in mix.columns:
                assert mix.loc[gp, T(c, "zh")] == pytest.approx(want.get(c, 0.0))
    # gas at 4 yuan/m3 costs more than heat pumps: the coal-to-gas households move
    assert mix.loc[2.0, T("coal_to_gas", "zh")] > mix.loc[4.0, T("coal_to_gas", "zh")]
    figs = json.loads((folder / "report.json").read_text(encoding="utf-8"))["figures"]
    # one cost-vs-price line and one small-multiples transformer figure, not one figure per point
    assert figs == ["sweep_cost", "sweep_mix", "sweep_gas", "sweep_transformers"]
    assert int(sw.sizes["gas_price"]) == 3


def test_sweep_tipping_points_table(runs, tmp_path):
    """A tipping-point variable in a sweep file becomes its own table, values unchanged."""
    sw = runs["sweep"].copy()
    sw["tipping_gas_price"] = xr.DataArray([2.7, np.nan], dims="county", coords={"county": sw.county},
                                           attrs={"units": "yuan/m3", "long_name": "Gas price at which the county switches"})
    t = [t for t in tables.sweep_tables(sw, "en") if t.id == "tipping_points"]
    assert len(t) == 1
    df = t[0].df
    assert list(df.iloc[:, 0]) == ["C1", "C2"] and df.iloc[0, -1] == 2.7 and np.isnan(df.iloc[1, -1])


def test_pathway_report(runs):
    """Year by year: conversions per county and year equal the pathway's; the village list carries each
    village's year, and its investment per year adds up to the pathway's investment that year."""
    ds, folder = runs["pathway"], runs["res"] / "base.from2021.report"
    per_year = read_csv(folder, "pathway_households")
    tot = per_year[per_year[T("county", "zh")] == T("total", "zh")].iloc[0]
    for y in (2021, 2022):
        assert tot[str(y)] == pytest.approx(float(ds.households_converted.sel(year=y).sum()))
    assert tot["2021"] > 0 and tot["2022"] > 0  # the budget spreads the conversions over both years
    v = read_csv(folder, "villages")
    rows = v[v[T("county", "zh")] != T("total", "zh")]
    year, inv = T("conversion_year", "zh"), header("investment", "10^4 yuan", "zh")
    for y in (2021, 2022):
        assert rows.loc[rows[year] == y, inv].sum() == pytest.approx(float(ds.investment.sel(year=y)))
    assert set(rows[T("zone_name", "zh")]) <= {f"路径村{i}" for i in range(4)}
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "路径县冬季清洁取暖规划报告" in page and "2021—2022年逐年改造路径" in page
    figs = json.loads((folder / "report.json").read_text(encoding="utf-8"))["figures"]
    assert figs == ["pathway_households", "pathway_gas", "pathway_subsidy"]


def test_compare_table(runs):
    folder = runs["res"] / "base.report"
    cmp_ = read_csv(folder, "compare_mix")
    a, b = runs["base"], runs["high"]
    rows = cmp_[cmp_[T("key", "zh")] == "households_converted"].set_index(T("category", "zh"))
    cols = [c for c in cmp_.columns if c.startswith(T("this_plan", "zh"))] + \
           [c for c in cmp_.columns if c.startswith(T("other_plan", "zh"))]
    for ds, col in zip((a, b), cols):
        z = zone_frame(ds)
        for c, v in z[z.conv].groupby("cat")["hh"].sum().items():
            assert rows.loc[c, col] == pytest.approx(v)
    assert (rows[T("difference", "zh")] == rows[cols[0]] - rows[cols[1]]).all()


# ---------------------------------------------------------------- maps and figures

def test_maps_from_the_boundary_file_or_a_note(runs, tmp_path):
    man = json.loads((runs["res"] / "base.report" / "report.json").read_text(encoding="utf-8"))
    assert "maps" in man["figures"]
    from model.report.maps import county_values

    vals = county_values(runs["base"])
    z = zone_frame(runs["base"])
    for c in ("C1", "C2"):
        assert vals.loc[c, "to_clean"] == pytest.approx(z[(z.county == c) & (z.status == "converted_to_clean")]["hh"].sum())
    # the same region without boundaries.geojson: a report all the same, without maps, saying so
    folder = tmp_path / "in"
    shutil.copytree(runs["in"], folder)
    (folder / "boundaries.geojson").unlink()
    nc = tmp_path / "base.nc"
    shutil.copy(runs["res"] / "base.nc", nc)
    assert report_main([str(nc), "--inputs", str(folder)]) == 0
    man = json.loads((tmp_path / "base.report" / "report.json").read_text(encoding="utf-8"))
    assert "maps" not in man["figures"]
    assert "本报告不含地图" in (tmp_path / "base.report" / "report.html").read_text(encoding="utf-8")


def _tick_texts(fig) -> list[str]:
    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [ax.xaxis.get_offset_text().get_text(), ax.yaxis.get_offset_text().get_text()]
    return out


def test_figure_axes_read_as_numbers(runs):
    """Thousands separators, no scientific notation or offset, ticks that do not overlap; a zero gas
    axis says so in words instead of drawing a 1e-12 scale."""
    import matplotlib as mpl

    from model.report import figures as fg
    from model.report.fonts import matplotlib_rc

    big = runs["base"].copy()
    for v in ("zone_households", "households_by_status", "households_to_clean"):
        big[v] = big[v] * 1000.0  # a city of millions
    zero = runs["base"].copy()
    for v in ("gas_annual", "gas_annual_cap", "gas_peak_day", "gas_peak_day_cap", "storage_required",
              "storage_existing", "storage_built"):
        zero[v] = zero[v] * 0.0
    with mpl.rc_context(matplotlib_rc()):
        for i, fig in enumerate((fg.status_by_county(big, "zh"), fg.to_clean_by_county(big, "en"),
                                 fg.sweep_cost(runs["sweep"], "zh"))):
            texts = [t for t in _tick_texts(fig) if t]
            assert texts and not [t for t in texts if "e+" in t or "e-" in t or "×10" in t], texts
            assert i == 2 or any("," in t for t in texts), texts  # households in thousands: 100,000
            fig.canvas.draw()
            for ax in fig.axes:  # neighbouring tick labels never overlap
                boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
                assert all(a.x1 <= b.x0 + 1 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in ax.get_xticklabels()]
        # the swept input is named as a planner says it, with its unit, not by its code
        assert fg.sweep_cost(runs["sweep"], "zh").axes[0].get_xlabel() == "气价（元/m³）"
        assert fg.sweep_mix(runs["sweep"], "en").axes[0].get_xlabel() == "Gas price (yuan/m³)"
        texts = _tick_texts(fg.gas(zero, "zh"))
        assert not [t for t in texts if "e-" in t], texts
        fig = fg.gas(zero, "zh")
        assert any(t.get_text() == T("all_zero", "zh") for ax in fig.axes for t in ax.texts)


# ---------------------------------------------------------------- files

def test_xlsx_is_formatted(runs):
    """Chinese sheet names, title and units rows, frozen header, autofilter, number formats, column
    widths and the total row as formulas that give the CSV's totals; English names with --lang en."""
    from openpyxl import load_workbook

    from model.report.workbook import FIRST_DATA_ROW, HEADER_ROW

    folder = runs["res"] / "base.report"
    wb = load_workbook(folder / "tables.xlsx")
    assert {"整村推进清单", "主要指标", "转为清洁取暖户数"} <= set(wb.sheetnames)
    ws = wb["转为清洁取暖户数"]
    csv = read_csv(folder, "plan_households")
    assert ws.cell(1, 1).value == T("plan_households", "zh") and "单位" in ws.cell(2, 1).value
    assert ws.freeze_panes == "C4" and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert [ws.cell(HEADER_ROW, j + 1).value for j in range(len(csv.columns))] == list(csv.columns)
    last = FIRST_DATA_ROW + len(csv) - 1  # the total row
    col = list(csv.columns).index(T("total", "zh")) + 1
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(col)
    assert ws.cell(last, col).value == f"=SUBTOTAL(109,{letter}{FIRST_DATA_ROW}:{letter}{last - 1})"
    body_vals = [ws.cell(r, col).value for r in range(FIRST_DATA_ROW, last)]
    assert sum(body_vals) == pytest.approx(csv.iloc[-1][T("total", "zh")])
    assert ws.cell(FIRST_DATA_ROW, col).number_format == "#,##0"
    v = wb["整村推进清单"]
    name_col = get_column_letter([c.value for c in v[HEADER_ROW]].index(T("zone_name", "zh")) + 1)
    assert v.column_dimensions[name_col].width >= 10  # "测试村00": three CJK characters and two digits
    hh = header("households", "households", "zh")
    j = [c.value for c in v[HEADER_ROW]].index(hh) + 1
    assert str(v.cell(v.max_row, j).value).startswith("=SUBTOTAL(109,")
    assert v.auto_filter.ref == f"A{HEADER_ROW}:{get_column_letter(v.max_column)}{v.max_row - 1}"
    pct = wb["分县户数（按状态）"]
    k = [c.value for c in pct[HEADER_ROW]].index(header("clean_share_after", "%", "zh")) + 1
    assert pct.cell(FIRST_DATA_ROW, k).number_format == '0.0"%"'
    en = load_workbook(runs["res"] / "high_gas.report" / "tables.xlsx", read_only=True)
    assert "Village list" in en.sheetnames and not any(ord(ch) > 0x2E7F for n in en.sheetnames for ch in n)


def test_xlsx_sheets_match_csv(runs):
    from openpyxl import load_workbook

    from model.report.workbook import FIRST_DATA_ROW, HEADER_ROW

    for name in ("base", "sweep_gas", "base.from2021"):
        folder = runs["res"] / f"{name}.report"
        man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        wb = load_workbook(folder / "tables.xlsx", read_only=True)
        assert set(wb.sheetnames) == {t["sheet"] for t in man["tables"].values()}
        for tid, t in man["tables"].items():
            csv = pd.read_csv(folder / t["csv"], encoding="utf-8-sig", dtype=object, keep_default_na=False)
            rows = list(wb[t["sheet"]].iter_rows(values_only=True))
            assert [str(c) for c in rows[HEADER_ROW - 1][:len(csv.columns)]] == list(csv.columns), tid
            data = rows[FIRST_DATA_ROW - 1:]
            assert len(data) == len(csv), tid
            for xr_row, (_, cr) in zip(data, csv.iterrows()):
                for xv, cv in zip(xr_row, cr):
                    if isinstance(xv, str) and xv.startswith("=SUBTOTAL("):
                        continue  # the total row's formulas (checked against the CSV above)
                    if isinstance(xv, (int, float)):  # Excel keeps 15 significant digits
                        assert float(cv) == pytest.approx(xv, rel=1e-14, abs=1e-300), (tid, cv, xv)
                    else:
                        assert ("" if xv is None else str(xv)) == cv, (tid, cv, xv)


def test_report_folder_contents(runs):
    folder = runs["res"] / "base.report"
    man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    for rel in man["files"]:
        assert (folder / rel).stat().st_size > 0, rel
    for fid in man["figures"]:
        assert (folder / "figures" / f"{fid}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in (folder / "figures" / f"{fid}.svg").read_bytes()[:2000]
    page = (folder / "report.html").read_text(encoding="utf-8")
    # self-contained: every figure inline, no external reference
    assert page.count("data:image/png;base64,") == len(man["figures"])
    assert "@font-face" in page and "src=\"http" not in page and "href=" not in page
    assert not list(folder.parent.glob(".*.tmp")) and not list(folder.parent.glob(".*.old-*"))


def test_failed_report_leaves_previous_intact(runs, tmp_path, monkeypatch):
    src = runs["res"] / "base.nc"
    nc = tmp_path / "base.nc"
    shutil.copy(src, nc)
    ds = xr.open_dataset(nc).load()
    # folder semantics only: one small figure keeps this test fast
    from model.report import content

    only_gas = lambda d, lang, other=None: [("gas", "gas", content.fg.gas(d, lang))]  # noqa: E731
    monkeypatch.setattr(content.fg, "report_figures", only_gas)
    first = render.write_report(ds, nc, "en")
    before = (first / "report.html").read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    real_md = render.render_md
    monkeypatch.setattr(render, "render_md", boom)
    with pytest.raises(RuntimeError):
        render.write_report(ds, nc, "zh")
    assert (first / "report.html").read_bytes() == before  # old report untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.nc", "base.report"]  # no temp folders left
    monkeypatch.setattr(render, "render_md", real_md)
    render.write_report(ds, nc, "zh")  # an earlier report is replaced
    assert "本期转为清洁取暖户数" in (first / "report.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.nc", "base.report"]


def test_user_folder_is_never_overwritten(runs, tmp_path, capsys):
    nc = tmp_path / "base.nc"
    shutil.copy(runs["res"] / "base.nc", nc)
    user = tmp_path / "base.report"
    user.mkdir()
    (user / "notes.txt").write_text("mine", encoding="utf-8")
    assert report_main([str(nc)]) == 2
    assert "not an earlier report" in capsys.readouterr().err
    assert (user / "notes.txt").read_text(encoding="utf-8") == "mine" and len(list(user.iterdir())) == 1


def test_cli_bad_inputs(tmp_path, capsys):
    """Exit 2 and a message naming the file; the script itself prints no traceback."""
    bad = tmp_path / "x.nc"
    bad.write_text("not netcdf", encoding="utf-8")
    wrong = tmp_path / "wrong.nc"
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(wrong)
    cases = [([str(tmp_path / "missing.nc")], "no such file"), ([str(bad)], "cannot be read"),
             ([str(wrong)], "missing variables")]
    for argv, msg in cases:
        assert report_main(argv) == 2
        err = capsys.readouterr().err
        assert msg in err and argv[0] in err
    p = subprocess.run([os.sys.executable, str(REPO / "scripts" / "report.py"), str(wrong)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and "missing variables" in p.stderr and "Traceback" not in p.stderr


def test_region_file_with_two_rows_is_refused(runs, tmp_path, capsys):
    """A broken region.csv is an input error naming the file and row (exit 2), and nothing is written."""
    folder = tmp_path / "in"
    shutil.copytree(runs["in"], folder)
    reg = pd.read_csv(folder / "region.csv")
    pd.concat([reg, reg.assign(name_zh="另一市")]).to_csv(folder / "region.csv", index=False)
    nc = tmp_path / "base.nc"
    shutil.copy(runs["res"] / "base.nc", nc)
    assert report_main([str(nc), "--inputs", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "region.csv" in err and "one row names the region" in err and "Traceback" not in err
    assert not (tmp_path / "base.report").exists()


def test_pdf_without_chromium_says_how_to_install(runs, tmp_path, monkeypatch, capsys):
    from model.report import pdf

    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    nc = tmp_path / "base.nc"
    shutil.copy(runs["res"] / "base.nc", nc)
    assert report_main([str(nc), "--pdf"]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert not (tmp_path / "base.report").exists()


def test_cjk_font_covers_every_label():
    """Every character of every Chinese label has a glyph in the font the figures and HTML use."""
    from fontTools.ttLib import TTFont

    from model.report import labels
    from model.report.fonts import cjk_font

    font = cjk_font()
    cmap = TTFont(str(font.path), fontNumber=0, lazy=True).getBestCmap()
    from model.report.summary import SENTENCES

    texts = [v[0] for tbl in (labels.TEXT, labels.ITEMS, labels.TABLE_TITLES, labels.CATEGORY_LABELS,
                              labels.COST_LABELS, labels.CONSTRAINT_FAMILIES, labels.SHEET_NAMES, SENTENCES)
             for v in tbl.values()]
    texts += [labels.unit_label(u, "zh") for u in ("10^4 m^2", "10^4 m^3/a", "10^4 m^3/d", "10^4 kWh", "10^4 yuan/a",
                                                   "tce/a", "t/a", "yuan/(household a)", "households", "kVA")]
    missing = {ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"{font.path.name} lacks {sorted(missing)}"


# ---------------------------------------------------------------- the page in a browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (CI must run: apt-get install -y chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs this test")


def run_chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    exe = chromium()
    return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


# Injected after <head>: records script errors and failed loads, then draws text in the page's own
# font on a canvas to tell glyphs from tofu (missing glyphs all draw the same box).
HARNESS = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)))), true);
window.addEventListener('load', async () => {
  const h1 = document.querySelector('h1');
  const fam = getComputedStyle(h1).fontFamily;
  await document.fonts.load('40px ' + fam, '清洁取暖');
  await document.fonts.ready;
  const draw = s => { const c = document.createElement('canvas'); c.width = 400; c.height = 60;
    const x = c.getContext('2d'); x.font = '40px ' + fam; x.fillStyle = '#000'; x.fillText(s, 0, 45);
    return {data: Array.from(x.getImageData(0, 0, 400, 60).data.filter((v, i) => i % 4 == 3)), width: x.measureText(s).width}; };
  const a = draw('清洁取暖'), b = draw('暖取洁清'), t = draw('\\uFFFF\\uFFFF\\uFFFF\\uFFFF');
  const diff = (p, q) => p.data.reduce((s, v, i) => s + (v != q.data[i] ? 1 : 0), 0);
  const faces = []; document.fonts.forEach(f => faces.push(f.family.replace(/['"]/g, '') + ':' + f.status));
  const out = document.createElement('pre'); out.id = '__harness';
  out.textContent = JSON.stringify({errors: window.__errors, family: fam, faces: faces,
    ink: a.data.filter(v => v > 0).length, diff_reordered: diff(a, b), diff_tofu: diff(a, t)});
  document.body.appendChild(out);
});
</script>"""


def test_html_renders_in_chromium(runs, tmp_path):
    from PIL import Image

    page = runs["res"] / "base.report" / "report.html"
    shot = tmp_path / "shot.png"
    p = run_chromium(["--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.exists(), p.stderr[-2000:]
    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.std() > 20, "screenshot is (nearly) blank"
    assert (img < 128).mean() > 0.01  # there is dark ink: text, tables, figures
    # the report has no scripts: any console message at all is an error of the page
    assert console_lines(p.stderr) == [], console_lines(p.stderr)


def test_console_errors_are_detected(tmp_path):
    """The console scan of the test above catches a page that logs an error (a positive control)."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>x</p><script>console.error('boom-report');</script></body></html>", encoding="utf-8")
    p = run_chromium(["--dump-dom", bad.as_uri()], tmp_path)
    assert any("boom-report" in ln for ln in console_lines(p.stderr))


def test_chinese_renders_as_glyphs(runs, tmp_path):
    page = (runs["res"] / "base.report" / "report.html").read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + HARNESS, 1), encoding="utf-8")
    p = run_chromium(["--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], tmp_path)
    dom = p.stdout
    start = dom.find('<pre id="__harness">')
    assert start >= 0, p.stderr[-2000:]
    import html as _html

    res = json.loads(_html.unescape(dom[start + len('<pre id="__harness">'):dom.find("</pre>", start)]))
    assert res["errors"] == []
    assert "ReportCJK:loaded" in res["faces"], res["faces"]  # the embedded font decoded and loaded
    assert res["ink"] > 200  # something was drawn
    assert res["diff_reordered"] > 100  # different characters draw differently: glyphs, not boxes
    assert res["diff_tofu"] > 100  # and unlike the missing-glyph box


# Injected after <head> of a copy whose print stylesheet applies on screen, at the A4 text width: lists
# every element that reaches past the page's right edge, and every figure that did not load.
PRINT_HARNESS = """<script>
window.addEventListener('load', () => {
  const right = document.body.getBoundingClientRect().right;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > right + 1) wide.push(el.tagName + ':' + Math.round(r.right - right) + 'px:' +
      (el.textContent || '').slice(0, 40));
  }
  const figs = Array.from(document.querySelectorAll('figure img')).map(i => i.complete && i.naturalWidth > 0);
  const out = document.createElement('pre'); out.id = '__print';
  out.textContent = JSON.stringify({wide: wide.slice(0, 20), n_wide: wide.length, figures: figs,
    body: right, fonts: document.fonts.size});
  document.body.appendChild(out);
});
</script><style>html{width:182mm}body{margin:0}</style>"""


@pytest.mark.parametrize("name", ["base", "sweep_gas", "base.from2021", "high_gas"])
def test_nothing_wider_than_the_a4_page(runs, tmp_path, name):
    """At the A4 text width (210 mm less 2 x 14 mm margins) with the print stylesheet, no element reaches
    past the right edge, and every figure of the manifest is in the page and loads."""
    check_a4_width(runs["res"] / f"{name}.report", tmp_path)


def check_a4_width(folder: Path, tmp_path: Path) -> None:
    """The check above for the report in `folder` (also used by tests/test_report_pathway_sweep.py)."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<style media="print" id="print-css">' in page
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace('media="print" id="print-css"', 'media="all"').replace("<head>", "<head>" + PRINT_HARNESS, 1),
                     encoding="utf-8")
    p = run_chromium(["--window-size=688,1200", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], tmp_path)
    dom = p.stdout
    start = dom.find('<pre id="__print">')
    assert start >= 0, p.stderr[-2000:]
    import html as _html

    res = json.loads(_html.unescape(dom[start + len('<pre id="__print">'):dom.find("</pre>", start)]))
    assert 680 <= res["body"] <= 700  # the page really was laid out at the A4 text width
    assert res["n_wide"] == 0, res["wide"]
    man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert len(res["figures"]) == len(man["figures"]) and all(res["figures"])
    for fid in man["figures"]:
        assert f'data-figure="{fid}"' in page


def test_pdf_is_a4_with_page_numbers(runs):
    """report.py --pdf: Chromium prints A4 pages, each numbered '第 i 页 / 共 n 页' in its footer (text
    read back from the PDF), and the summary is on the first page."""
    from pypdf import PdfReader

    chromium()  # skips (or fails on CI) without it
    reader = PdfReader(runs["res"] / "base.report" / "report.pdf")
    n = len(reader.pages)
    assert n >= 3
    for i, pg in enumerate(reader.pages, start=1):
        assert abs(float(pg.mediabox.width) - 595.3) < 2 and abs(float(pg.mediabox.height) - 841.9) < 2
        text = pg.extract_text()
        assert f"第 {i} 页 / 共 {n} 页" in text, (i, text[-200:])
    first = reader.pages[0].extract_text()
    assert "测试市冬季清洁取暖规划报告" in first and "结论与建议" in first
