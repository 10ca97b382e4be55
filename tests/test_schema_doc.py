"""inputs/README.md's schema block is generated from the registry and must match it."""
from pathlib import Path

from model.registry import TABLES
from model.schema_doc import render

README = Path(__file__).resolve().parents[1] / "inputs" / "README.md"


def test_schema_doc_in_sync_with_registry():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run: python scripts/schema_doc.py"


def test_every_table_and_column_documented():
    text = README.read_text(encoding="utf-8")
    for t in TABLES.values():
        assert f"`{t.filename}`" in text
        for c in t.columns:
            assert f"`{c.name}`" in text, (t.name, c.name)
