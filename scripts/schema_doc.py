"""Regenerate the schema tables in inputs/README.md from model/registry.py."""
import sys


def main(argv=None) -> int:
    import os
    from pathlib import Path

    from model.schema_doc import render

    readme = Path(__file__).resolve().parents[1] / "inputs" / "README.md"
    text = render(readme.read_text(encoding="utf-8") if readme.exists() else "")
    tmp = readme.with_name(f".{readme.name}.{os.getpid()}.tmp")
    try:  # written whole or not at all: an interrupt leaves the old README
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, readme)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    try:  # from here on a Ctrl-C ends with exit code 130 and one line, no traceback
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from model.interrupt import run_script  # light: installs the Ctrl-C/SIGTERM handlers first
    except KeyboardInterrupt:
        print("interrupted (SIGINT)", file=sys.stderr)
        sys.exit(130)
    sys.exit(run_script(main))
