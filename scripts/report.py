"""Planning report from a result: python scripts/report.py results/<region>/<year>/<scenario>.nc [--lang en]."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.report.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
