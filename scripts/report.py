"""Planning report from a result: python scripts/report.py results/<region>/<year>/<scenario>.nc [--lang en]."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    try:
        from model.interrupt import run_script  # noqa: E402  (light: installs the Ctrl-C/SIGTERM handlers)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(run_script("model.report.cli"))
