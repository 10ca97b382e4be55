"""Least-cost clean heating plan: python scripts/solve.py --year 2022 [--region jinan] [--scenario NAME] [--set P=V]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
