"""Planning report: numbers equal the dataset, files are complete and atomic, the HTML renders in Chromium.

The region: two counties, 16 zones, gas / heat pumps / storage heaters / district heating, tight
transformers (upgrades) and a gas cap; solved at gas 2.0 and 4.0 yuan/m3 (the sweep is their
xr.concat along a new dim `gas_price`).
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
from model.report.labels import CATEGORIES, T
from model.results import write_results

REPO = Path(__file__).resolve().parents[1]


def two_county_region(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    zones = []
    for i in range(16):
        zones.append(f.zone(f"Z{i:02d}", county_id="C1" if i < 8 else "C2", households=int(rng.integers(20, 300)),
                            floor_area_10k_m2=round(float(rng.uniform(0.2, 3.0)), 3),
                            gas_network=int(rng.random() < 0.5), transformer_group=f"T{i % 4}",
                            heat_network_km=float(rng.choice([1.0, 20.0])),
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
    return f.write_region(folder, tbl)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Result files (base at gas 2.0, other at gas 4.0, sweep of both) and their reports."""
    root = tmp_path_factory.mktemp("report")
    folder = two_county_region(root / "in")
    res = root / "results" / "r" / "2022"
    dss = [solve_region(folder, 2022, sets={"gas_price": gp}).dataset for gp in (2.0, 4.0)]
    write_results(dss[0], res / "base.nc")
    write_results(dss[1], res / "high_gas.nc")
    sweep = xr.concat(dss, dim=pd.Index([2.0, 4.0], name="gas_price"))
    sweep.to_netcdf(res / "sweep_gas.nc")
    assert report_main([str(res / "base.nc"), "--compare", str(res / "high_gas.nc")]) == 0
    assert report_main([str(res / "high_gas.nc"), "--lang", "en"]) == 0
    assert report_main([str(res / "sweep_gas.nc")]) == 0
    return {"res": res, "base": dss[0], "high": dss[1], "sweep": sweep}


def read_csv(folder: Path, table_id: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{table_id}.csv", encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""])


def zone_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Per zone: county, plan category of the chosen route, households, area, converted, investment."""
    cat = dict(zip(ds.route.values, ds.route_category.values))
    return pd.DataFrame({"county": ds.zone_county.values, "cat": [cat[r] for r in ds.chosen_route.values],
                         "hh": ds.zone_households.values, "area": ds.zone_floor_area.values,
                         "conv": ds.converted.values.astype(bool), "inv": ds.zone_investment.values})


# ---------------------------------------------------------------- numbers

def test_plan_table_equals_zone_sums(runs):
    """The county x category plan table equals households summed from the zones' own routes
    (an independent path from zone rows to the table), and its totals add up."""
    ds, folder = runs["base"], runs["res"] / "base.report"
    z = zone_frame(ds)
    want = z[z.conv].groupby(["county", "cat"])["hh"].sum()
    got = read_csv(folder, "plan_households")
    body = got[got[T("county", "zh")] != T("total", "zh")]
    assert len(body) == ds.sizes["county"]
    for _, row in body.iterrows():
        for c in CATEGORIES:
            assert row[T(c, "zh")] == pytest.approx(want.get((row[T("county_id", "zh")], c), 0.0))
    total = got[got[T("county", "zh")] == T("total", "zh")].iloc[0]
    assert total[T("total", "zh")] == pytest.approx(z.loc[z.conv, "hh"].sum())
    assert total[T("total", "zh")] > 0 and (want > 0).sum() >= 3  # the plan mixes routes
    area = read_csv(folder, "plan_floor_area")
    area_total = area[area[T("county", "zh")] == T("total", "zh")].iloc[0][T("total", "zh")]
    assert area_total == pytest.approx(z.loc[z.conv, "area"].sum())


def test_headline_equals_dataset(runs):
    ds, folder = runs["base"], runs["res"] / "base.report"
    h = read_csv(folder, "headline").set_index(T("key", "zh"))[T("value", "zh")]
    z = zone_frame(ds)
    assert h["households_converted"] == pytest.approx(z.loc[z.conv, "hh"].sum())
    assert h["floor_area_converted"] == pytest.approx(z.loc[z.conv, "area"].sum())
    assert h["investment_total"] == pytest.approx(z["inv"].sum())
    assert h["investment_per_household"] == pytest.approx(z["inv"].sum() * 1e4 / z.loc[z.conv, "hh"].sum())
    assert h["subsidy_need"] == pytest.approx(float(ds.subsidy_equipment + ds.subsidy_running))
    assert h["gas_annual"] == pytest.approx(float(ds.zone_gas_annual.sum()))
    assert h["gas_annual_cap"] == pytest.approx(40.0)
    assert h["storage_required"] == pytest.approx(float(ds.storage_required))
    assert h["transformer_upgrade_units"] == pytest.approx(float(ds.transformer_upgrade_units.sum()))
    assert h["transformer_groups_over"] == int((ds.transformer_load > ds.transformer_capacity).sum())
    assert h["transformer_upgrade_units"] > 0
    assert h["coal_displaced"] == pytest.approx(float(ds.coal_displaced.sum()))
    assert h["co2_avoided"] == pytest.approx(float(ds.co2_avoided.sum()))
    assert h["pm25_avoided"] == pytest.approx(float(ds.pm25_avoided.sum()) / 1000.0)  # kg -> t
    # the HTML shows the same numbers, formatted
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert f"{h['households_converted']:,.0f}" in page and f"{h['investment_total']:,.0f}" in page


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


def test_english_report(runs):
    ds, folder = runs["high"], runs["res"] / "high_gas.report"
    h = read_csv(folder, "headline").set_index("Key")["Value"]
    assert h["households_converted"] == pytest.approx(float(ds.households_converted.sum()))
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "Households converted" in md and "本期改造户数" not in md
    assert f"- Solve method (direct: whole model; county: by county): {ds.attrs['solve_method']}" in md
    assert "Coal to electricity" in read_csv(folder, "plan_households").columns


# ---------------------------------------------------------------- sweep and comparison

def test_sweep_report(runs):
    sw, folder = runs["sweep"], runs["res"] / "sweep_gas.report"
    summ = read_csv(folder, "sweep_summary")
    assert list(summ["gas_price"]) == [2.0, 4.0]
    obj = [c for c in summ.columns if c.startswith(T("cost_total", "zh"))][0]
    assert list(summ[obj]) == pytest.approx([float(runs["base"].objective), float(runs["high"].objective)])
    mix = read_csv(folder, "sweep_mix").set_index("gas_price")
    for gp, ds in ((2.0, runs["base"]), (4.0, runs["high"])):
        z = zone_frame(ds)
        want = z[z.conv].groupby("cat")["hh"].sum()
        for c in CATEGORIES:
            assert mix.loc[gp, T(c, "zh")] == pytest.approx(want.get(c, 0.0))
    # gas at 4 yuan/m3 costs more than heat pumps: the coal-to-gas households move
    assert mix.loc[2.0, T("coal_to_gas", "zh")] > mix.loc[4.0, T("coal_to_gas", "zh")]
    plan = read_csv(folder, "plan_households")
    assert set(plan["gas_price"]) == {2.0, 4.0}
    figs = json.loads((folder / "report.json").read_text(encoding="utf-8"))["figures"]
    assert {"sweep_mix", "sweep_cost", "sweep_gas"} <= set(figs)
    assert int(sw.sizes["gas_price"]) == 2


def test_sweep_tipping_points_table(runs, tmp_path):
    """A tipping-point variable in a sweep file becomes its own table, values unchanged."""
    sw = runs["sweep"].copy()
    sw["tipping_gas_price"] = xr.DataArray([2.7, np.nan], dims="county", coords={"county": sw.county},
                                           attrs={"units": "yuan/m3", "long_name": "Gas price at which the county switches"})
    t = [t for t in tables.sweep_tables(sw, "en") if t.id == "tipping_points"]
    assert len(t) == 1
    df = t[0].df
    assert list(df.iloc[:, 0]) == ["C1", "C2"] and df.iloc[0, -1] == 2.7 and np.isnan(df.iloc[1, -1])


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


# ---------------------------------------------------------------- files

def test_xlsx_sheets_match_csv(runs):
    from openpyxl import load_workbook

    for name in ("base", "sweep_gas"):
        folder = runs["res"] / f"{name}.report"
        man = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        wb = load_workbook(folder / "tables.xlsx", read_only=True)
        assert set(wb.sheetnames) == {t["sheet"] for t in man["tables"].values()}
        for tid, t in man["tables"].items():
            csv = pd.read_csv(folder / t["csv"], encoding="utf-8-sig", dtype=object, keep_default_na=False)
            rows = list(wb[t["sheet"]].iter_rows(values_only=True))
            assert [str(c) for c in rows[0]] == list(csv.columns), tid
            assert len(rows) - 1 == len(csv), tid
            for xr_row, (_, cr) in zip(rows[1:], csv.iterrows()):
                for xv, cv in zip(xr_row, cr):
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
    only_costs = lambda d, lang, other=None: [("costs", "costs", render.fg.costs(d, lang))]  # noqa: E731
    monkeypatch.setattr(render.fg, "report_figures", only_costs)
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
    assert "本期改造户数" in (first / "report.md").read_text(encoding="utf-8")
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


def test_cjk_font_covers_every_label():
    """Every character of every Chinese label has a glyph in the font the figures and HTML use."""
    from fontTools.ttLib import TTFont

    from model.report import labels
    from model.report.fonts import cjk_font

    font = cjk_font()
    cmap = TTFont(str(font.path), fontNumber=0, lazy=True).getBestCmap()
    texts = [v[0] for tbl in (labels.TEXT, labels.ITEMS, labels.TABLE_TITLES, labels.CATEGORY_LABELS,
                              labels.COST_LABELS, labels.CONSTRAINT_FAMILIES) for v in tbl.values()]
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
