"""report.py on a pathway sweep (sweep.py --from; model/report/pathway_sweep_report.py), on a tiny
region built to swing with the gas price.

Per zone and year (10^4 yuan per household, discount rate 0, tests/factory.py): raw coal 0.432,
gas 0.12 g, ASHP 0.30 + 0.15 annuity = 0.45 (flat land only). Coverage is 0 in 2021 and 100 % in
2022, so a zone converts in 2021 when its route is cheaper than coal and in 2022 otherwise. At gas
2 and 3 the gas-network zones take gas in 2021. At 4 (0.48) the flat ones take ASHP in 2022
(route and year swing) and the mountain one keeps gas but waits for 2022 (year only). Zones
without gas take ASHP in 2022 at every price (settled). Costs: 70 x 0.24 x 2 + 80 x (0.432 +
0.45) = 104.16 at g = 2; 120.96 at 3; 30 x 0.882 + 40 x (0.432 + 0.48) + 70.56 = 133.5 at 4.
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.report.cli import main as report_main
from model.report.labels import T, header, swept_label
from model.solve import SolveOptions
from model.sweep_grid import Grid
from model.sweep_pathway import PathwaySweep, run_pathway_sweep
from model.validate import load_region
from test_report import check_a4_width, read_csv

EXACT = SolveOptions(mip_gap=0.0)
PRICES = (2.0, 3.0, 4.0)


def swing_region(folder):
    zones = [f.zone(z, county_id=c, township_id=t, name_zh=n, households=h, floor_area_10k_m2=0.02 * h, **kw)
             for z, c, t, n, h, kw in (("Z01", "C1", "T1", "甲村", 10, {}), ("Z02", "C2", "T2", "乙村", 20, {}),
                                       ("Z03", "C1", "T1", "丙村", 30, {"gas_network": 0}),
                                       ("Z04", "C2", "T2", "丁村", 40, {"terrain": "mountain"}),
                                       ("Z05", "C2", "T2", "戊村", 50, {"gas_network": 0}))]
    routes = [f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
              f.route("ashp", capex_hh=15000.0, terrains="plain")]
    parts = [f.tables(year=y, zones=zones, routes=routes,
                      coverage=[dict(year=y, area_type="all", terrain="all", min_clean_share=0.0 if y == 2021 else 1.0,
                                     source=f.SRC)]) for y in (2021, 2022)]
    t = parts[-1]
    for name in ("years", "prices", "coverage"):
        t[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    t["counties"] = pd.concat([t["counties"], t["counties"].assign(county_id="C2", name_zh="县二", name_en="C2")])
    t["townships"] = pd.DataFrame([dict(township_id="T1", county_id="C1", name_zh="甲镇", source=f.SRC),
                                   dict(township_id="T2", county_id="C2", name_zh="乙镇", source=f.SRC)])
    t["region"] = pd.DataFrame([dict(name_zh="摇摆市", name_en="Swingville", plan_first_year=2021, plan_last_year=2022,
                                     source=f.SRC)])
    return f.write_region(folder, t)


def sweep_of(data, out, names=("gas_price",), values=(PRICES,)):
    rep = run_pathway_sweep(data, Grid(tuple(names), tuple(values)), PathwaySweep(2022, 2021, (), EXACT), out,
                            serial=True)
    return rep.combined_path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("pathway_sweep_report")
    folder = swing_region(root / "in")
    data = load_region(folder, 2022)
    path = sweep_of(data, root / "res")
    assert report_main([str(path)]) == 0
    assert report_main([str(path), "--lang", "en", "--out", str(root / "en.report")]) == 0
    with xr.open_dataset(path) as ds:
        ds = ds.load()
    return {"root": root, "in": folder, "data": data, "path": path, "ds": ds,
            "zh": path.with_name(path.stem + ".report"), "en": root / "en.report"}


def findings(folder) -> list[str]:
    md = (folder / "report.md").read_text(encoding="utf-8")
    head = md.split("\n## ")[1]  # the first section: conclusions
    return [ln[2:] for ln in head.splitlines() if ln.startswith("- ")]


def test_points_table_is_the_dataset(sweep):
    ds = sweep["ds"]
    df = read_csv(sweep["zh"], "pathway_sweep_points")
    assert df[swept_label("gas_price", "yuan/m3", "zh")].tolist() == list(PRICES)
    cost = df[header("ps_col_cost", ds.objective.attrs["units"], "zh")].to_numpy()
    np.testing.assert_allclose(cost, ds.objective.values, rtol=1e-12)
    assert cost.tolist() == pytest.approx([104.16, 120.96, 133.5])  # the module docstring's costs
    np.testing.assert_allclose(df[header("ps_col_investment", "10^4 yuan", "zh")], ds.investment.sum("year"))
    np.testing.assert_allclose(df["2022年采暖用气（万m³）"], ds.gas_annual.isel(year=-1))
    np.testing.assert_allclose(df["2022年采暖用气上限（万m³）"], ds.gas_annual_cap.isel(year=-1))
    np.testing.assert_allclose(df["2022年清洁取暖户数（户）"], ds.clean_households.isel(year=-1))
    assert df[T("ps_col_route_changed", "zh")].fillna(-1).tolist() == [-1, 0, 2]
    assert df[T("ps_col_year_changed", "zh")].fillna(-1).tolist() == [-1, 0, 3]
    # per point and year: gas and households converted, which sum to the dataset's
    yrs = read_csv(sweep["zh"], "pathway_sweep_years")
    assert len(yrs) == 3 * 2
    np.testing.assert_allclose(yrs[header("gas_annual", "10^4 m^3", "zh")], ds.gas_annual.values.ravel())
    np.testing.assert_allclose(yrs[header("ps_col_conv_total", "households", "zh")],
                               ds.households_converted.sum("route").values.ravel())
    np.testing.assert_allclose(yrs["煤改电改造户数"], ds.households_converted.sel(route="ashp").values.ravel())


def test_swing_list_is_exactly_the_zones_that_differ(sweep):
    ds = sweep["ds"]
    route, year = ds.chosen_route.values.astype(str), ds.conversion_year.values
    expect = {z for k, z in enumerate(ds.zone.values.astype(str))
              if len(set(route[:, k])) > 1 or len(set(year[:, k])) > 1}
    assert expect == {"Z01", "Z02", "Z04"}
    df = read_csv(sweep["zh"], "pathway_sweep_villages")
    assert df[T("zone_id", "zh")].tolist() == ["Z01", "Z02", "Z04"]  # by county, then zone
    assert df[T("county", "zh")].tolist() == ["县一", "县二", "县二"]
    assert df[T("township", "zh")].tolist() == ["甲镇", "乙镇", "乙镇"]
    assert df[T("zone_name", "zh")].tolist() == ["甲村", "乙村", "丁村"]
    assert df[T("households", "zh")].tolist() == [10, 20, 40]
    assert df[T("ps_changes", "zh")].tolist() == ["路线与年份", "路线与年份", "年份"]
    z04 = df.iloc[2]
    assert [z04["气价 2"], z04["气价 3"], z04["气价 4"]] == ["gas_wall_boiler，2021年", "gas_wall_boiler，2021年",
                                                           "gas_wall_boiler，2022年"]
    assert df.iloc[0]["气价 4"] == "ashp，2022年"
    counties = read_csv(sweep["zh"], "pathway_sweep_counties")
    assert counties[T("ps_col_swing", "zh")].tolist() == [1, 2, 3]  # C1, C2, total
    assert counties[T("households", "zh")].tolist() == [10, 60, 70]
    # the page prints one table per county, each titled with it
    md = (sweep["zh"] / "report.md").read_text(encoding="utf-8")
    assert "### 县一（1 个村庄）" in md and "### 县二（2 个村庄）" in md


def test_headline_numbers(sweep):
    """104.16 to 133.5 (the module docstring): 29.34 apart, 28.2 %; the routes move between gas 3 and 4."""
    lines = findings(sweep["zh"])
    assert len(lines) == 5, lines
    assert lines[0] == ("3 个扫描点（气价）中，2021—2022年改造路径的折现总成本在 104 万元（气价 2 元/m³）至 "
                        "134 万元（气价 4 元/m³）之间，相差 29.34 万元（28.2%）。")
    assert lines[1].startswith("2022年采暖用气 4.80—8.40 万m³，上限 1,000,000,000 万m³")
    assert lines[2] == "气价 3 元/m³升至 4 元/m³ 时路线变化最多：2 个村庄（片区）最终路线不同，3 个改造年份不同。"
    assert lines[3].startswith("共有 3 个村庄（片区）（70 户）在各扫描点间最终路线或改造年份不同：2 个路线不同，3 个改造年份不同")
    assert lines[4].startswith("全部 3 个扫描点均求得最优解")
    en = findings(sweep["en"])
    assert en[2] == "Routes change most from Gas price 3 yuan/m³ to 4 yuan/m³: 2 villages end on another route and " \
                    "3 convert in another year."
    assert en[3].startswith("3 villages (70 households) take another final route or conversion year")


def test_points_without_a_proven_plan_are_named(sweep, tmp_path):
    """Point 2 stopped at the time limit (gap 2 %), point 3 infeasible (as combine writes it: NaN
    figures, no routes): both named with status and gap; the swing list only compares points with
    a plan (here none swings), and the tables show '–' for the missing point."""
    ds = sweep["ds"].copy(deep=True)
    ds["point_status"] = ("point", np.array(["optimal", "time_limit", "infeasible"]))
    ds["point_mip_gap"].values[1:] = [0.02, np.nan]
    for v in ("objective", "investment", "gas_annual", "households_converted", "clean_households"):
        ds[v].values[2] = np.nan
    ds["chosen_route"].values[2] = ""
    ds["conversion_year"].values[2] = -1
    ds["zones_route_changed"].values[2] = ds["zones_year_changed"].values[2] = -1
    path = tmp_path / "sweep_gas_price_from2021.nc"
    ds.to_netcdf(path)
    assert report_main([str(path)]) == 0
    folder = path.with_name(path.stem + ".report")
    lines = findings(folder)
    assert lines[-1] == ("3 个扫描点中 2 个未求得最优解：气价 3 元/m³（达到求解时限，MIP间隙 2.00%）；"
                         "气价 4 元/m³（无可行解，无方案）。")
    assert "没有摇摆村庄" in (folder / "report.md").read_text(encoding="utf-8")
    assert read_csv(folder, "pathway_sweep_villages").empty
    pts = read_csv(folder, "pathway_sweep_points")
    assert np.isnan(pts[header("ps_col_cost", "10^4 yuan", "zh")].iloc[2])
    assert pts[T("status", "zh")].tolist() == ["最优", "达到求解时限", "无可行解"]


def test_zh_and_en_render_with_figures_embedded(sweep):
    for lang, folder, words in (("zh", sweep["zh"], ("摇摆市冬季清洁取暖规划报告", "折现总成本", "随气价变化的村庄")),
                                ("en", sweep["en"], ("Swingville winter clean heating plan report",
                                                     "Discounted total cost", "Villages that swing with Gas price"))):
        page = (folder / "report.html").read_text(encoding="utf-8")
        assert all(w in page for w in words), lang
        man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert man["figures"] == ["pathway_sweep_cost", "pathway_sweep_mix", "pathway_sweep_gas"]
        for fid in man["figures"]:
            assert f'data-figure="{fid}"' in page and (folder / "figures" / f"{fid}.png").stat().st_size > 5000
            assert (folder / "figures" / f"{fid}.svg").exists()
        assert page.count("data:image/png;base64,") == 3 and "@@IMG" not in page
        assert set(man["tables"]) == {"pathway_sweep_points", "pathway_sweep_years", "pathway_sweep_villages",
                                      "pathway_sweep_counties"}
        for t in man["tables"].values():
            assert (folder / t["csv"]).exists()
        assert (folder / "tables.xlsx").exists() and (folder / "report.md").exists()
    from openpyxl import load_workbook

    assert load_workbook(sweep["en"] / "tables.xlsx").sheetnames == ["Points", "Points by year", "Swing villages",
                                                                      "Swing villages by county"]


def report_without_inputs(ds, tmp_path):
    """The sweep file moved away from its input folder, reported: (report folder, its Markdown)."""
    ds.attrs.update(inputs_folder=str(tmp_path / "gone"), region="no_such_region")
    path = tmp_path / "sweep_gas_price_from2021.nc"
    ds.to_netcdf(path)
    assert report_main([str(path)]) == 0
    folder = path.with_name(path.stem + ".report")
    md = (folder / "report.md").read_text(encoding="utf-8")
    return folder, md


def test_without_the_input_folder_the_file_names_the_places(sweep, tmp_path):
    """The run's input folder gone: the file's own coordinates give each swinging village its
    county, township id and households, and the routes their categories (no note needed)."""
    folder, md = report_without_inputs(sweep["ds"].copy(), tmp_path)
    assert T("ps_no_places", "zh") not in md and T("ps_by_route_note", "zh") not in md
    v = read_csv(folder, "pathway_sweep_villages")
    zones = sweep["data"].tables["zones"].set_index("zone_id")
    assert v[T("zone_id", "zh")].tolist() == ["Z01", "Z02", "Z04"]
    assert v[T("county_id", "zh")].tolist() == zones.loc[["Z01", "Z02", "Z04"], "county_id"].astype(str).tolist()
    assert v[T("households", "zh")].tolist() == zones.loc[["Z01", "Z02", "Z04"], "households"].astype(float).tolist()
    yrs = read_csv(folder, "pathway_sweep_years")
    assert "煤改电改造户数" in yrs.columns


def test_an_older_file_without_places_and_no_input_folder_ids_and_a_note(sweep, tmp_path):
    """A sweep file written before the places were kept, its input folder gone: villages by id and
    name only (no county, township or households), households converted by route instead of
    category, each said in a note."""
    from model.sweep_pathway import PLACE_VARIABLES

    ds = sweep["ds"].drop_vars([*PLACE_VARIABLES, "route_category", "township_id", "county", "county_name_zh"])
    folder, md = report_without_inputs(ds, tmp_path)
    assert T("ps_no_places", "zh") in md and T("ps_by_route_note", "zh") in md
    v = read_csv(folder, "pathway_sweep_villages")
    assert v[T("zone_id", "zh")].tolist() == ["Z01", "Z02", "Z04"] and T("county", "zh") not in v.columns
    yrs = read_csv(folder, "pathway_sweep_years")
    assert "ashp改造户数" in yrs.columns and "煤改电改造户数" not in yrs.columns


def test_a_grid_of_two_inputs(sweep):
    """Electricity x gas price: one column per input, the changes counted along each gas-price line,
    one cost panel per electricity price."""
    from model.report.pathway_sweep_report import cost_figure

    path = sweep_of(sweep["data"], sweep["root"] / "grid", ("electricity_price", "gas_price"), ((0.5, 0.6), (2.0, 4.0)))
    assert report_main([str(path)]) == 0
    folder = path.with_name(path.stem + ".report")
    pts = read_csv(folder, "pathway_sweep_points")
    assert pts[swept_label("electricity_price", "yuan/kWh", "zh")].tolist() == [0.5, 0.5, 0.6, 0.6]
    assert pts[swept_label("gas_price", "yuan/m3", "zh")].tolist() == [2.0, 4.0, 2.0, 4.0]
    assert findings(folder)[2].startswith("电价 0.5 元/kWh，气价 2 元/m³升至 4 元/m³ 时路线变化最多：2 个村庄")
    with xr.open_dataset(path) as ds:
        fig = cost_figure(ds.load(), "zh")
    assert [a.get_title() for a in fig.axes if a.get_visible()] == ["电价 0.5", "电价 0.6"]


def _truncated(src, dst):
    dst.write_bytes(src.read_bytes()[:300])


def _without(var):
    def make(src, dst):
        with xr.open_dataset(src) as ds:
            ds.load().drop_vars(var).to_netcdf(dst)
    return make


def _no_plan(src, dst):
    with xr.open_dataset(src) as ds:
        d = ds.load()
        keep = ["point_status", "point_mip_gap", "point_solve_time", "zones_route_changed", "zones_year_changed"]
        d = d[keep]
        d["point_status"] = ("point", np.array(["infeasible"] * d.sizes["point"]))
        d.to_netcdf(dst)


def _monte_carlo(src, dst):
    xr.Dataset({"regret": ("sample", [1.0, 2.0])}).to_netcdf(dst)


@pytest.mark.parametrize("make, words", [
    (_truncated, ("cannot be read as a NetCDF result",)),
    (_without("chosen_route"), ("missing variables: chosen_route",)),
    (_no_plan, ("none of whose points has a plan", "infeasible")),
    (_monte_carlo, ("a Monte Carlo result of scripts/robust.py without the variables", "route_frequency")),
])
def test_damaged_or_other_files_exit_2_and_write_nothing(sweep, tmp_path, capsys, make, words):
    path = tmp_path / "sweep_gas_price_from2021.nc"
    make(sweep["path"], path)
    assert report_main([str(path)]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no report folder, no temporary one


def test_pathway_sweep_is_no_gas_price_risk_sweep(sweep, tmp_path, capsys):
    """--sweep is the gas-price risk of a single run; a pathway sweep there (or as the result) is refused."""
    copy = tmp_path / "copy.nc"
    shutil.copy(sweep["path"], copy)
    assert report_main([str(copy), "--sweep", str(sweep["path"])]) == 2
    err = capsys.readouterr().err
    assert "--sweep takes a single-year gas-price sweep" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.nc"]


def test_nothing_wider_than_the_a4_page(sweep, tmp_path):
    check_a4_width(sweep["zh"], tmp_path)
