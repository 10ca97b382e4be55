"""Start a new region's inputs: python scripts/new_region.py NAME [--like xinzhou] [--xlsx] [--copy] [--out DIR]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.templates import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
