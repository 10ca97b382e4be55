"""Household ledger -> region inputs: python scripts/ledger.py LEDGER.xlsx --villages VILLAGES.csv --out inputs/NAME [--like xinzhou]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.ledger import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
