"""Least-cost clean heating plan: python scripts/solve.py --year 2022 [--region jinan] [--scenario NAME] [--set P=V]"""
import sys

if __name__ == "__main__":
    try:  # from here on a Ctrl-C ends with exit code 130 and one line, no traceback
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from model.interrupt import run_script  # light: installs the Ctrl-C/SIGTERM handlers first
    except KeyboardInterrupt:
        print("interrupted (SIGINT)", file=sys.stderr)
        sys.exit(130)
    sys.exit(run_script("model.cli"))
