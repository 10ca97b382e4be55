"""Gas-price (or any scalar) sweep: python scripts/sweep.py --year 2022 --gas-price 2.0:4.0:0.1 [--set P=SPEC] [--serial]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    try:
        from model.interrupt import run_script  # noqa: E402  (light: installs the Ctrl-C/SIGTERM handlers)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(run_script("model.sweep"))
