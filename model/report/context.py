"""What a report needs from the run's input folder: the region's name and plan period, township
names, county boundaries, and (for pathways) the zone and route tables.

The folder is `--inputs`, else the run's `inputs_folder` attribute, else `inputs/<region>` of this
repository. A folder that is gone leaves a report with ids instead of names and no maps (each
said in a note); a folder whose tables break a rule is an input error (exit 2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

REPO = Path(__file__).resolve().parents[2]
BOUNDARIES = "boundaries.geojson"


@dataclass
class RegionInfo:
    region_id: str
    name_zh: str
    name_en: str
    plan_first_year: int | None = None
    plan_last_year: int | None = None
    name_source: str = ""
    folder: Path | None = None
    townships: dict[str, str] = field(default_factory=dict)  # township_id -> name
    boundaries: Path | None = None
    data: object | None = None  # model.validate.RegionData when the folder was read
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en) things the reader should know
    hash_matches: bool = False

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else (self.name_en or self.name_zh)

    def period(self, lang: str) -> str:
        a, b = self.plan_first_year, self.plan_last_year
        if a is None or b is None:
            return ""
        if lang == "zh":
            return f"{a}年" if a == b else f"{a}—{b}年"
        return str(a) if a == b else f"{a}-{b}"


def input_folder(ds: xr.Dataset, inputs: Path | None) -> Path | None:
    candidates = [inputs] if inputs is not None else []
    if ds.attrs.get("inputs_folder"):
        candidates.append(Path(str(ds.attrs["inputs_folder"])))
    if ds.attrs.get("region"):
        candidates.append(REPO / "inputs" / str(ds.attrs["region"]))
    for c in candidates:
        if c.is_dir():
            return c
    return None


def region_info(ds: xr.Dataset, inputs: Path | None = None) -> RegionInfo:
    """Read the run's input folder (validated as a solve would); raises model.errors.InputError."""
    from model.validate import load_region

    region_id = str(ds.attrs.get("region", ""))
    info = RegionInfo(region_id, region_id, region_id)
    folder = input_folder(ds, inputs)
    if inputs is not None and folder != inputs:
        raise FileNotFoundError(f"--inputs {inputs}: no such folder")
    if folder is None:
        info.notes.append((f"未找到本次计算的输入文件夹（inputs/{region_id}）：报告以代码代替地区与乡镇名称，不含地图。",
                           f"The run's input folder (inputs/{region_id}) was not found: the report shows ids instead "
                           "of region and township names, and no maps."))
        return info
    data = load_region(folder, region=region_id or None)
    info.folder, info.data = folder, data
    info.hash_matches = data.inputs_hash == ds.attrs.get("inputs_hash")
    if not info.hash_matches:
        info.notes.append((f"输入文件夹 {folder} 在本次计算之后有改动（inputs_hash 不同）：名称取自当前文件。",
                           f"The input folder {folder} changed after this run (inputs_hash differs): names are "
                           "taken from the files as they are now."))
    reg = data.tables["region"]
    if len(reg):
        row = reg.iloc[0]
        info.name_zh = str(row["name_zh"])
        info.name_en = str(row["name_en"]) if pd.notna(row["name_en"]) and str(row["name_en"]) else info.name_zh
        info.plan_first_year, info.plan_last_year = int(row["plan_first_year"]), int(row["plan_last_year"])
        info.name_source = str(row["source"])
    else:
        info.notes.append(("输入文件夹没有 region.csv：标题使用文件夹名称。",
                           "The input folder has no region.csv: the title shows the folder name."))
    tw = data.tables["townships"]
    info.townships = dict(zip(tw["township_id"].astype(str), tw["name_zh"].astype(str)))
    geo = folder / BOUNDARIES
    if geo.is_file():
        info.boundaries = geo
    else:
        info.notes.append((f"输入文件夹没有县界文件 {BOUNDARIES}：本报告不含地图。",
                           f"The input folder has no county boundary file {BOUNDARIES}: this report has no maps."))
    return info
