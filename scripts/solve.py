"""Least-cost clean heating plan: python scripts/solve.py --year 2022 [--region jinan] [--scenario NAME] [--set P=V]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    try:
        from model.interrupt import run_script  # noqa: E402  (light: installs the Ctrl-C/SIGTERM handlers)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(run_script("model.cli"))
