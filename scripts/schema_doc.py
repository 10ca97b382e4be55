"""Regenerate the schema tables in inputs/README.md from model/registry.py."""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.schema_doc import render  # noqa: E402

readme = Path(__file__).resolve().parents[1] / "inputs" / "README.md"
readme.write_text(render(readme.read_text(encoding="utf-8") if readme.exists() else ""), encoding="utf-8")
print(f"wrote {readme}")
