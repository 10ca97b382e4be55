"""report.py on a Monte Carlo run (scripts/robust.py; model/report/robust_report.py), on tiny regions.

Numbers (tests/factory.py, as tests/test_robust.py): a zone needs 1,200 m^3 of gas a season with a
gas wall boiler (gas 2.0 yuan/m^3: 0.24 10^4 yuan/a) or 6,000 kWh with an ASHP (0.5 yuan/kWh: 0.30);
costs do not depend on households here, so the zones' households only weigh the county figures.
Four zones: 甲村 (C1, 1 household), 乙村 (C1, 2), 丙村 (C2, 3) on the gas network, 丁村 (C2, 4)
off it (ASHP at any price). Gas x 1.5 in every sample: the base plan (gas in three zones, ASHP in
one: 1.02) re-evaluated costs 3 x 0.36 + 0.30 = 1.38, the least cost is ASHP everywhere, 1.20:
regret 0.18, and the three gas zones leave their base route in every sample.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from model.report.cli import main as report_main
from model.report.labels import T, header
from model.report.render import fmt
from model.robust_cli import main as robust_main
from test_report import check_a4_width, read_csv

HEADER = "parameter,distribution,a,b,c,applies,source\n"
KNOWN = "gas_price,triangular,1.5,1.5,1.5,factor,assumption: test\n"
# the gas price across the tie (gas = ASHP at x1.25) and the heat demand around a gas cap the base
# plan meets exactly: some samples move routes, in some the base plan breaks the cap
SPREAD = ("gas_price,uniform,0.6,1.8,,factor,assumption: test gas\n"
          "building_types[b].design_heat_load_w_per_m2,normal,1,0.1,,factor,assumption: test demand\n")
ZONES = (("Z1", "C1", "T1", "甲村", 1, {}), ("Z2", "C1", "T1", "乙村", 2, {}), ("Z3", "C2", "T2", "丙村", 3, {}),
         ("Z4", "C2", "T2", "丁村", 4, {"gas_network": 0}))


def region(folder, rows: str, gas_cap: float = 1e9):
    zones = [f.zone(z, county_id=c, township_id=t, name_zh=n, households=h, **kw) for z, c, t, n, h, kw in ZONES]
    t = f.tables(zones=zones, routes=[f.route("scattered_coal"), f.route("quality_coal"), f.route("gas_wall_boiler"),
                         f.route("ashp")],
                 years={"gas_annual_cap_10k_m3": gas_cap})
    t["counties"] = pd.concat([t["counties"], t["counties"].assign(county_id="C2", name_zh="县二", name_en="C2")])
    t["townships"] = pd.DataFrame([dict(township_id="T1", county_id="C1", name_zh="甲镇", source=f.SRC),
                                   dict(township_id="T2", county_id="C2", name_zh="乙镇", source=f.SRC)])
    t["region"] = pd.DataFrame([dict(name_zh="稳健市", name_en="Robustville", plan_first_year=2022,
                                     plan_last_year=2022, source=f.SRC)])
    folder = f.write_region(folder, t)
    (folder / "uncertainty.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def monte_carlo(root, rows, samples, gas_cap=1e9, seed=1):
    """robust.py --serial on the region (it writes the combined file); the file's path."""
    folder = region(root / "in", rows, gas_cap)
    out = root / "res"
    assert robust_main(["--year", "2022", "--region", "r", "--inputs", str(folder), "--out", str(out), "--samples",
                        str(samples), "--seed", str(seed), "--gap", "0", "--sample-gap", "0", "--serial"]) == 0
    return out / "r" / "2022" / f"robust_seed{seed}.nc"


def load(path) -> xr.Dataset:
    with xr.open_dataset(path) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust_known")
    path = monte_carlo(root, KNOWN, 2)
    assert report_main([str(path)]) == 0
    return {"path": path, "ds": load(path), "zh": path.with_name(path.stem + ".report")}


@pytest.fixture(scope="module")
def spread(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust_spread")
    path = monte_carlo(root, SPREAD, 12, gas_cap=0.36)  # gas in three zones at the base: 0.36 10^4 m^3
    assert report_main([str(path)]) == 0
    assert report_main([str(path), "--lang", "en", "--out", str(root / "en.report")]) == 0
    return {"path": path, "ds": load(path), "zh": path.with_name(path.stem + ".report"), "en": root / "en.report",
            "root": root}


def findings(folder) -> list[str]:
    md = (folder / "report.md").read_text(encoding="utf-8")
    head = md.split("\n## ")[1]  # the first section: conclusions
    return [ln[2:] for ln in head.splitlines() if ln.startswith("- ")]


def test_known_regret_and_every_gas_village_leaves(known):
    """The module docstring's numbers: regret 0.18 in both samples, the three gas villages keep
    their base route in none (ASHP in every sample), 丁村 keeps it in all."""
    ds = known["ds"]
    assert ds.regret.values.tolist() == pytest.approx([0.18, 0.18])
    lines = findings(known["zh"])
    assert lines[0].startswith("2 个样本（1 个不确定输入，随机种子 1）中，2 个有可行方案，0 个无可行解")
    assert "均值 1.20 万元/年" in lines[1] and "现有输入下的成本为 1.02 万元/年" in lines[1]
    assert lines[2].startswith("基准方案（路线固定，变压器增容与储气重新优化）在 2 个样本中的 0 个突破某项上限")
    assert lines[3].startswith("在基准方案可行的 2 个样本中，其遗憾值（基准方案成本 − 该样本最低成本）均值 0.18 万元/年")
    assert "按 0% 的MIP间隙求解，遗憾值至多为均值 0.18、最大 0.18" in lines[3]
    assert lines[4] == ("4 个村庄（片区）中，1 个（4 户）在所有有方案的样本中都保持基准方案的路线；"
                        "3 个（6 户）在不到 50% 的样本中保持（见“路线最不稳健的村庄”）。")
    st = read_csv(known["zh"], "robust_stats").set_index(T("mc_quantity", "zh"))
    assert st.loc[T("mc_row_regret", "zh"), T("mc_stat_mean", "zh")] == pytest.approx(0.18)
    assert st.loc[T("mc_row_base", "zh"), T("mc_stat_max", "zh")] == pytest.approx(1.38)
    assert st.loc[T("mc_row_cost", "zh"), T("mc_stat_p05", "zh")] == pytest.approx(1.20)
    v = read_csv(known["zh"], "robust_villages")
    assert v[T("zone_id", "zh")].tolist() == ["Z3", "Z2", "Z1"]  # all at 0 %: the larger villages first
    assert v[T("county", "zh")].tolist() == ["县二", "县一", "县一"]
    assert v[T("township", "zh")].tolist() == ["乙镇", "甲镇", "甲镇"]
    assert v[T("mc_base_route", "zh")].tolist() == ["gas_wall_boiler"] * 3  # the factory's routes have id names
    assert v[T("mc_col_keeps", "zh")].tolist() == [0, 0, 0]
    assert v[T("mc_alt_route", "zh")].tolist() == ["ashp"] * 3 and v[T("mc_col_alt", "zh")].tolist() == [100] * 3
    c = read_csv(known["zh"], "robust_counties")
    hh = "households"
    assert c[T("mc_col_villages", "zh")].tolist() == [2, 2, 4]
    assert c[header("households", hh, "zh")].tolist() == [3, 7, 10]
    assert c[header("mc_col_hh_high", hh, "zh")].tolist() == [0, 4, 4]
    assert c[header("mc_col_hh_low", hh, "zh")].tolist() == [3, 3, 6]
    assert c[T("mc_col_share", "zh")].tolist() == pytest.approx([0.0, 400 / 7, 40.0])


def test_headline_numbers_are_the_datasets(spread):
    """Every number on page one from the file: samples with a plan, the cost's mean and quantiles,
    the base plan's breaks, the regret where it holds and its bound, the villages always on their route."""
    ds = spread["ds"]
    n = ds.sizes["sample"]
    breaks = int((ds.base_status.values.astype(str) == "infeasible").sum())
    regret = ds.regret.values[np.isfinite(ds.regret.values)]
    assert 0 < breaks < n and len(regret) >= 2  # the case is built to have both
    cost = ds.sample_cost.values[np.isfinite(ds.sample_cost.values)]
    a = ds.attrs
    assert cost.mean() == pytest.approx(a["cost_mean_10k_yuan_per_a"]) and regret.mean() == pytest.approx(
        a["regret_mean_10k_yuan_per_a"])
    lines = findings(spread["zh"])
    assert lines[0].startswith(f"{n} 个样本（2 个不确定输入，随机种子 1）中，{len(cost)} 个有可行方案")
    q = lambda v, p: fmt(float(np.quantile(v, p)))  # noqa: E731
    assert lines[1] == (f"各样本的最低年化社会成本：均值 {fmt(cost.mean())} 万元/年，5% 分位 {q(cost, 0.05)}，"
                        f"中位数 {q(cost, 0.5)}，95% 分位 {q(cost, 0.95)}；基准方案在现有输入下的成本为 "
                        f"{fmt(a['base_cost_10k_yuan_per_a'])} 万元/年（样本均值与之相差 "
                        f"{100 * (cost.mean() / a['base_cost_10k_yuan_per_a'] - 1):+.1f}%）。")
    assert lines[2].startswith(f"基准方案（路线固定，变压器增容与储气重新优化）在 {n} 个样本中的 {breaks} 个突破某项上限")
    up = ds.regret_upper.values[np.isfinite(ds.regret_upper.values)]
    assert lines[3].startswith(f"在基准方案可行的 {len(regret)} 个样本中，其遗憾值（基准方案成本 − 该样本最低成本）均值 "
                               f"{fmt(regret.mean())} 万元/年")
    assert f"中位数 {q(regret, 0.5)}，95% 分位 {q(regret, 0.95)}，最大 {fmt(regret.max())}" in lines[3]
    assert f"遗憾值至多为均值 {fmt(up.mean())}、最大 {fmt(up.max())}" in lines[3]
    held = np.isfinite(ds.regret.values)
    broke = (ds.base_status.values.astype(str) == "infeasible") & np.isfinite(ds.sample_cost.values)
    assert broke.any()  # the least cost where the base plan breaks the cap, beside where it holds
    assert lines[3].endswith(f"这些样本的最低成本均值为 {fmt(ds.sample_cost.values[held].mean())} 万元/年，基准方案突破"
                             f"上限的样本为 {fmt(ds.sample_cost.values[broke].mean())} 万元/年。")
    always = int((ds.base_route_frequency.values == 1).sum())
    assert always == a["zones_always_base_route"]
    assert lines[4].startswith(f"4 个村庄（片区）中，{always} 个")
    en = findings(spread["en"])
    assert en[2].startswith(f"The base plan (its routes fixed, transformer upgrades and storage re-optimised) breaks "
                            f"a cap in {breaks} of the {n} samples")
    assert f"has mean {fmt(regret.mean())} 10⁴ yuan/a" in en[3]


def test_least_robust_list_is_computed_from_the_frequencies(spread):
    """The list is every zone with base_route_frequency < 1, by that share ascending then households
    descending; the other route is the most frequent one but the base route, with its share."""
    ds = spread["ds"]
    hh = dict(zip([z[0] for z in ZONES], [z[4] for z in ZONES]))
    freq = dict(zip(ds.zone.values.astype(str), ds.base_route_frequency.values))
    expect = sorted([z for z in freq if freq[z] < 1], key=lambda z: (freq[z], -hh[z], z))
    assert expect  # the case moves routes
    v = read_csv(spread["zh"], "robust_villages")
    assert v[T("zone_id", "zh")].tolist() == expect
    np.testing.assert_allclose(v[T("mc_col_keeps", "zh")], [100 * freq[z] for z in expect])
    rf = ds.route_frequency.to_pandas()
    base = dict(zip(ds.zone.values.astype(str), ds.base_route.values.astype(str)))
    for z, alt, share in zip(expect, v[T("mc_alt_route", "zh")], v[T("mc_col_alt", "zh")]):
        others = rf.loc[z].drop(base[z])
        assert alt == others.idxmax() and share == pytest.approx(100 * others.max())
        # the shares count samples with a plan: recount them from the routes of each sample
        routes = ds.sample_route.sel(zone=z).values.astype(str)
        routes = routes[routes != ""]
        assert freq[z] == pytest.approx(np.mean(routes == base[z]))


def test_county_table_sums(spread):
    ds = spread["ds"]
    c = read_csv(spread["zh"], "robust_counties")
    body, total = c.iloc[:-1], c.iloc[-1]
    assert body[T("county_id", "zh")].tolist() == ["C1", "C2"]
    for col in c.columns[2:-1]:
        assert total[col] == pytest.approx(body[col].sum()), col
    assert total[header("households", "households", "zh")] == sum(z[4] for z in ZONES)
    freq = dict(zip(ds.zone.values.astype(str), ds.base_route_frequency.values))
    for cid, row in zip(body[T("county_id", "zh")], body.itertuples(index=False)):
        zs = [z for z in ZONES if z[1] == cid]
        high = sum(z[4] for z in zs if freq[z[0]] >= 0.95)
        low = sum(z[4] for z in zs if freq[z[0]] < 0.5)
        share = 100 * sum(z[4] * freq[z[0]] for z in zs) / sum(z[4] for z in zs)
        r = dict(zip(c.columns, row))
        assert r[header("mc_col_hh_high", "households", "zh")] == high
        assert r[header("mc_col_hh_low", "households", "zh")] == low
        assert r[T("mc_col_share", "zh")] == pytest.approx(share)


def test_inputs_table_and_the_draws(spread):
    ds = spread["ds"]
    t = read_csv(spread["zh"], "robust_inputs")
    assert t[T("mc_address", "zh")].tolist() == ["gas_price", "building_types[b].design_heat_load_w_per_m2"]
    assert t[T("mc_parameter", "zh")].tolist() == ["气价", "b 设计热负荷"]
    assert t[T("mc_distribution", "zh")].tolist() == ["均匀", "正态"]
    assert t["a"].tolist() == [0.6, 1.0] and t["b"].tolist() == [1.8, 0.1] and t["c"].isna().all()
    assert t[T("mc_applies", "zh")].tolist() == ["倍数", "倍数"]
    assert t[T("mc_source", "zh")].tolist() == ["assumption: test gas", "assumption: test demand"]
    v = ds.sample_value.values
    np.testing.assert_allclose(t[T("mc_draw_min", "zh")], v.min(axis=0))
    np.testing.assert_allclose(t[T("mc_draw_mean", "zh")], v.mean(axis=0))
    np.testing.assert_allclose(t[T("mc_draw_max", "zh")], v.max(axis=0))
    s = read_csv(spread["zh"], "robust_samples")
    np.testing.assert_allclose(s["气价"], v[:, 0])
    np.testing.assert_allclose(s[header("mc_row_regret", "10^4 yuan/a", "zh")], ds.regret.values)


def test_zh_and_en_render_with_figures(spread):
    for lang, folder, words in (("zh", spread["zh"], ("稳健市冬季清洁取暖规划报告", "不确定输入的蒙特卡洛分析",
                                                      "路线最不稳健的村庄", "assumption: test gas")),
                                ("en", spread["en"], ("Robustville winter clean heating plan report",
                                                      "Monte Carlo over uncertain inputs", "The least robust villages"))):
        page = (folder / "report.html").read_text(encoding="utf-8")
        assert all(w in page for w in words), lang
        man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert man["figures"] == ["robust_cost", "robust_regret", "robust_counties"]  # no boundaries: no map
        for fid in man["figures"]:
            assert f'data-figure="{fid}"' in page and (folder / "figures" / f"{fid}.png").stat().st_size > 5000
        assert set(man["tables"]) == {"robust_inputs", "robust_stats", "robust_counties", "robust_villages",
                                      "robust_samples"}
    from openpyxl import load_workbook

    assert load_workbook(spread["en"] / "tables.xlsx").sheetnames == ["Uncertain inputs", "Cost and regret",
                                                                      "Robustness by county", "Least robust villages",
                                                                      "Samples"]


def test_without_the_input_folder_ids_and_a_note(spread, tmp_path):
    ds = spread["ds"].copy()
    ds.attrs.update(inputs_folder=str(tmp_path / "gone"), region="no_such_region")
    path = tmp_path / "robust_seed1.nc"
    ds.to_netcdf(path)
    assert report_main([str(path)]) == 0
    folder = path.with_name(path.stem + ".report")
    assert T("ps_no_places", "zh") in (folder / "report.md").read_text(encoding="utf-8")
    v = read_csv(folder, "robust_villages")
    assert T("county", "zh") not in v.columns and len(v) == int((ds.base_route_frequency.values < 1).sum())
    assert not (folder / "tables" / "robust_counties.csv").exists()


def _truncated(src, dst):
    dst.write_bytes(src.read_bytes()[:300])


def _without(var):
    def make(src, dst):
        load(src).drop_vars(var).to_netcdf(dst)
    return make


@pytest.mark.parametrize("make, words", [
    (_truncated, ("cannot be read as a NetCDF result",)),
    (_without("route_frequency"), ("a Monte Carlo result of scripts/robust.py without the variables route_frequency",)),
])
def test_damaged_files_exit_2_and_write_nothing(known, tmp_path, capsys, make, words):
    path = tmp_path / "robust_seed1.nc"
    make(known["path"], path)
    assert report_main([str(path)]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_nothing_wider_than_the_a4_page(spread, tmp_path):
    check_a4_width(spread["zh"], tmp_path)
