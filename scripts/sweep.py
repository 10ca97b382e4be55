"""Gas-price (or any scalar) sweep: python scripts/sweep.py --year 2022 --gas-price 2.0:4.0:0.1 [--set P=SPEC] [--serial]"""
import sys

if __name__ == "__main__":
    try:  # from here on a Ctrl-C ends with exit code 130 and one line, no traceback
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from model.interrupt import run_script  # light: installs the Ctrl-C/SIGTERM handlers first
    except KeyboardInterrupt:
        print("interrupted (SIGINT)", file=sys.stderr)
        sys.exit(130)
    sys.exit(run_script("model.sweep_cli"))
