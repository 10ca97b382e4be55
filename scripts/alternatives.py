"""Near-optimal alternatives: python scripts/alternatives.py --year 2022 [--from 2019] [--slack 0.02] [-n 8] [--region jinan]"""
import sys

if __name__ == "__main__":
    try:  # from here on a Ctrl-C ends with exit code 130 and one line, no traceback
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from model.interrupt import run_script  # light: installs the Ctrl-C/SIGTERM handlers first
    except KeyboardInterrupt:
        print("interrupted (SIGINT)", file=sys.stderr)
        sys.exit(130)
    sys.exit(run_script("model.alternatives_cli"))
