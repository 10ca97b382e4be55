"""What the report says and in which order: sections of paragraphs, tables and figures for a single
run, a sweep or a pathway. HTML and Markdown (model.report.html, .markdown) render the same content.

Order for a government reader: title with the region's name and plan period, the one-page
结论与建议, the plan and its costs, chapters per county with the village list, then an appendix
with the run's metadata and the top rows of the shadow-price table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import xarray as xr

from model.report import figures as fg
from model.report import goal_report as gr
from model.report import summary as sm
from model.report import tables as tb
from model.report import villages as vl
from model.report.context import RegionInfo
from model.report.fonts import matplotlib_rc
from model.report.labels import T, swept_name

APPENDIX_ROWS = 15  # shadow-price rows shown in the appendix; all of them are in the workbook


@dataclass
class Block:
    kind: str  # p | ul | ol | table | figure | villages | note | cards | meta | h3
    data: object
    rows: int | None = None  # table rows shown (None: all)


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    page_break: bool = False

    def add(self, kind: str, data, rows: int | None = None) -> "Section":
        if data is not None:
            self.blocks.append(Block(kind, data, rows))
        return self


@dataclass
class Content:
    title: str
    subtitle: list[str]
    sections: list[Section]
    tables: list[tb.Table]  # every table written to CSV and the workbook
    figures: list[tuple[str, str, object]]  # (id, title, Figure)
    running_title: str


def title_lines(ds: xr.Dataset, info: RegionInfo, lang: str) -> tuple[str, list[str]]:
    title = T("title_plan", lang).format(name=info.name(lang)) + gr.title_suffix(ds, lang)
    sub = []
    if info.period(lang):
        sub.append(T("title_period", lang).format(period=info.period(lang)))
    scen = str(ds.attrs.get("scenario", ""))
    if "year_from" in ds.attrs:
        sub.append(T("title_pathway", lang).format(first=ds.attrs["year_from"], last=ds.attrs["year_to"], scenario=scen))
    elif tb.sweep_dims(ds):
        sub.append(T("title_sweep", lang).format(year=ds.attrs.get("year", ""), params=", ".join(swept_name(d, lang) for d in tb.sweep_dims(ds))))
    else:
        sub.append(T("title_run", lang).format(year=ds.attrs.get("year", ""), scenario=scen))
    if gr.subtitle(ds, lang):
        sub[-1] += " · " + gr.subtitle(ds, lang)
    return title, sub


def run_meta(ds: xr.Dataset, lang: str, source: Path, info: RegionInfo, other: xr.Dataset | None = None) -> list[tuple[str, str]]:
    keys = ("region", "year", "year_from", "year_to", "scenario", "status", "mip_gap", "solve_method", "solver",
            "binaries", "inputs_hash", "created")
    meta = [(T(k, lang), f"{float(ds.attrs[k]):.2e}" if k == "mip_gap" else str(ds.attrs[k]))
            for k in keys if k in ds.attrs]
    meta += gr.meta(ds, lang)
    meta.append((T("source_file", lang), source.name))
    if info.folder is not None:
        meta.append((T("inputs_folder", lang), str(info.folder)))
    if info.name_source:
        meta.append((T("region_source", lang), info.name_source))
    if other is not None:
        meta.append((T("other_plan", lang), str(other.attrs.get("scenario", ""))))
    return meta


def _villages_html(t: tb.Table, lang: str) -> tb.Table:
    """The village list as the county chapters show it: no county or id columns (the workbook has them)."""
    drop = [T("county_id", lang), T("county", lang), T("township_id", lang), T("zone_id", lang), T("category", lang)]
    return tb.Table(t.id, t.title, t.df.drop(columns=[c for c in drop if c in t.df.columns]), total_row=t.total_row,
                    key_cols=3)


def county_chapters(ds: xr.Dataset, zones: pd.DataFrame, info: RegionInfo, lang: str, with_year: bool = False) -> Section:
    sec = Section(T("sec_counties", lang), page_break=True)
    sec.add("note", T("village_note", lang))
    if info.region_id in ("jinan", "xinzhou"):
        sec.add("note", T("village_generated_note", lang))
    clean = vl.village_frame(zones, ds, info.townships, lang, "converted_to_clean")
    names = tb.county_labels(ds)
    for c in ds["county"].values.astype(str):
        z = zones[zones["county"] == c]
        if not len(z):
            continue
        sec.add("h3", names.get(c, c))
        sec.add("p", sm.county_sentence(z, lang))
        v = clean[clean["county"] == c]
        if len(v):
            sec.add("villages", _villages_html(vl.village_table(v, "villages", lang, with_year), lang))
        else:
            sec.add("p", T("county_none", lang))
    qc = vl.village_frame(zones, ds, info.townships, lang, "quality_coal")
    if len(qc):
        sec.add("h3", T("quality_coal_townships", lang))
        sec.add("note", T("quality_coal_note", lang))
        sec.add("table", vl.township_summary(qc, "quality_coal_townships", lang))
    return sec


def village_tables(ds: xr.Dataset, zones: pd.DataFrame, info: RegionInfo, lang: str, with_year: bool = False) -> list[tb.Table]:
    clean = vl.village_frame(zones, ds, info.townships, lang, "converted_to_clean")
    qc = vl.village_frame(zones, ds, info.townships, lang, "quality_coal")
    out = [vl.village_table(clean, "villages", lang, with_year)]
    if len(qc):
        out += [vl.village_table(qc, "villages_quality_coal", lang, with_year),
                vl.township_summary(qc, "quality_coal_townships", lang)]
    return out


def _maps(ds: xr.Dataset, info: RegionInfo, lang: str, sec: Section, figures: list) -> None:
    from model.report.maps import MapError, county_maps

    if info.boundaries is None:
        sec.add("note", T("no_maps", lang))
        return
    try:
        with mpl.rc_context(matplotlib_rc()):
            fig, missing = county_maps(ds, info.boundaries, lang)
    except MapError as exc:
        sec.add("note", f"{T('no_maps', lang)} ({exc})")
        return
    figures.append(("maps", T("fig_maps", lang), fig))
    sec.add("figure", "maps")
    sec.add("note", T("map_note", lang))
    if missing:
        sec.add("note", T("map_no_polygon", lang).format(names="、".join(missing) if lang == "zh" else ", ".join(missing)))


def appendix(ds: xr.Dataset, lang: str, source: Path, info: RegionInfo, tables: dict, other=None) -> Section:
    sec = Section(T("sec_appendix", lang), page_break=True)
    sec.add("h3", T("sec_run_meta", lang))
    sec.add("meta", run_meta(ds, lang, source, info, other))
    if "mip_gap" in ds.attrs and not tb.sweep_dims(ds):
        sec.add("p", sm.gap_sentence(ds, lang))
    if "constraints" in tables:
        t = tables["constraints"]
        sec.add("h3", t.title)
        sec.add("table", t, rows=APPENDIX_ROWS)
        sec.add("note", T("appendix_top_rows", lang).format(n=min(APPENDIX_ROWS, len(t.df)), total=len(t.df)))
    for tid in ("plan_routes", "mix_households", "cost_components", "status_floor_area"):
        if tid in tables:
            sec.add("h3", tables[tid].title)
            sec.add("table", tables[tid], rows=tables[tid].html_rows)
    sec.add("h3", T("sec_notes", lang))
    for zh_en in info.notes:
        sec.add("note", zh_en[0 if lang == "zh" else 1])
    sec.add("note", T("payer_note", lang))
    sec.add("note", T("files_note", lang))
    return sec


def build_content(ds: xr.Dataset, lang: str, source: Path, other: xr.Dataset | None = None, *,
                  info: RegionInfo | None = None, sweep: xr.Dataset | None = None) -> Content:
    info = info or RegionInfo(str(ds.attrs.get("region", "")), str(ds.attrs.get("region", "")),
                              str(ds.attrs.get("region", "")))
    from model.report.robust_report import is_monte_carlo, monte_carlo_content

    if is_monte_carlo(ds):  # scripts/robust.py
        return monte_carlo_content(ds, lang, source, info)
    if "alternative" in ds.dims:  # scripts/alternatives.py
        from model.report.alternatives_report import alternatives_content

        return alternatives_content(ds, lang, source, info)
    from model.report.pathway_sweep_report import is_pathway_sweep, pathway_sweep_content

    if is_pathway_sweep(ds):  # scripts/sweep.py --from
        return pathway_sweep_content(ds, lang, source, info)
    title, sub = title_lines(ds, info, lang)
    if "year_from" in ds.attrs:
        from model.report.pathway_report import pathway_content

        return pathway_content(ds, lang, source, info, title, sub)
    if tb.sweep_dims(ds):
        return sweep_content(ds, lang, source, info, title, sub)
    return single_content(ds, lang, source, info, title, sub, other, sweep)


def single_content(ds, lang, source, info, title, sub, other, sweep) -> Content:
    tables = tb.single_run_tables(ds, lang)
    zones = tb.zone_frame(ds)
    tables += village_tables(ds, zones, info, lang)
    if other is not None:
        tables += tb.compare_tables(ds, other, lang)
    by_id = {t.id: t for t in tables}
    with mpl.rc_context(matplotlib_rc()):
        figures = fg.report_figures(ds, lang, other)
    sections = []
    s = Section(T("sec_summary", lang), page_break=False)
    s.add("cards", tb.metrics(ds))
    s.add("h3", T("sec_findings", lang)).add("ul", gr.findings(ds, lang) + sm.findings(ds, lang, sweep))
    s.add("h3", T("sec_recommendations", lang)).add("ol", sm.recommendations(ds, lang))
    sections.append(s)
    o = Section(T("sec_overview", lang), page_break=True)
    o.add("table", by_id["status_households"]).add("figure", "status_by_county")
    o.add("table", by_id["plan_households"]).add("figure", "to_clean_by_county")
    o.add("table", by_id["plan_floor_area"]).add("table", by_id["plan_investment"])
    sections.append(o)
    mp = Section(T("sec_maps", lang), page_break=True)
    _maps(ds, info, lang, mp, figures)
    sections.append(mp)
    c = Section(T("sec_costs", lang), page_break=True)
    c.add("table", by_id["cost_by_status"]).add("figure", "cost_split").add("table", by_id["cost_payers"])
    if "household_bills" in by_id:
        c.add("table", by_id["household_bills"]).add("figure", "bills")  # county x route: the workbook
    sections.append(c)
    if other is not None:
        sections.append(Section(T("sec_compare", lang)).add("table", by_id["compare_summary"])
                        .add("table", by_id["compare_mix"]).add("figure", "compare"))
    sections.append(Section(T("sec_gas", lang), page_break=True).add("table", by_id["gas_balance"]).add("figure", "gas"))
    tr = Section(T("sec_transformers", lang)).add("figure", "transformers").add("table", by_id["transformers"], rows=20)
    tr.add("note", T("more_rows_workbook", lang))
    sections.append(tr)
    hs = Section(T("sec_emissions", lang)).add("table", by_id["emissions"])
    if "heat_sources" in by_id:
        hs.add("table", by_id["heat_sources"], rows=20)
    sections.append(hs)
    sections.append(county_chapters(ds, zones, info, lang))
    sections.append(appendix(ds, lang, source, info, by_id, other))
    return Content(title, sub, sections, tables, figures, f"{title} · {sub[-1]}")


def sweep_content(ds, lang, source, info, title, sub) -> Content:
    tables = tb.sweep_tables(ds, lang)
    by_id = {t.id: t for t in tables}
    with mpl.rc_context(matplotlib_rc()):
        figures = fg.report_figures(ds, lang)
    curve = gr.curve_frame(ds)
    s = Section(T("sec_summary", lang))
    s.add("h3", T("sec_findings", lang)).add("ul", gr.curve_findings(curve, ds, lang) + sm.sweep_findings(ds, lang))
    sections = [s]
    if curve is not None:
        with mpl.rc_context(matplotlib_rc()):
            figures.append(("coverage_budget", gr.L("fig_curve", lang), gr.curve_figure(curve, ds, lang)))
        t = gr.curve_table(curve, lang)
        tables.insert(0, t)
        sections.append(Section(gr.L("sec_curve", lang), page_break=True).add("figure", "coverage_budget").add("table", t))
    sw = Section(T("sec_sweep", lang), page_break=True)
    sw.add("figure", "sweep_cost").add("figure", "sweep_mix").add("figure", "sweep_gas")
    sw.add("table", by_id["sweep_summary"]).add("table", by_id["sweep_mix"])
    tips = [t for t in tables if t.id.startswith("tipping_points")]
    for t in tips:
        sw.add("table", t, rows=30)
    tr = Section(T("sec_transformers", lang), page_break=True).add("figure", "sweep_transformers")
    app = appendix(ds, lang, source, info, {}, None)
    return Content(title, sub, sections + [sw, tr, app], tables, figures, f"{title} · {sub[-1]}")
