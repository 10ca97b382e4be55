"""The README's examples run as written: the Python API example (a family of one's own) and the
policies.csv example (validated against Jinan's tables)."""
import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def block(section: str, lang: str) -> str:
    body = README[README.index(section):]
    return re.search(rf"```{lang}\n(.*?)```", body, re.S).group(1)


@pytest.mark.slow
def test_python_api_example_runs_and_prints_what_the_readme_shows():
    code = block("## Python API", "python")
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
    finally:
        os.chdir(cwd)
    printed = out.getvalue().strip()
    assert printed.startswith("CO2 ") and "t/a, cost" in printed
    assert printed in README  # the README shows the output of this very code
    before, after = (float(v.replace(",", "")) for v in re.findall(r"CO2 ([\d,]+) -> ([\d,]+) t/a", printed)[0])
    assert after <= 10.14e6 < before  # the cap binds


def test_policies_example_is_valid_input(tmp_path):
    from model.validate import load_region

    folder = tmp_path / "jinan"
    shutil.copytree(REPO / "inputs" / "jinan", folder)
    (folder / "policies.csv").write_text(block("## Policy rules as data", "csv"), encoding="utf-8")
    data = load_region(folder, 2022)
    assert data.tables["policies"]["policy_id"].tolist() == ["co2_2022", "task_370124", "gas_share"]
