"""The shipped runs against tests/regression/expected.json.

Expected values change only with a reason: regenerate with `python tests/regression/update.py`
and add a line to the file's "why" list saying what changed and why.
"""
import functools
import json
from pathlib import Path

import pytest

from regression.update import RUNS, figures

EXPECTED = json.loads((Path(__file__).parent / "regression" / "expected.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def run(name: str) -> dict:
    region, *scenarios = name.split("+")
    return figures(region, scenarios)


@pytest.mark.parametrize("name", ["+".join([r] + s) for r, s in RUNS])
def test_shipped_run_matches_expected(name):
    exp = EXPECTED["runs"][name]
    tol = EXPECTED["tolerance"]
    got = run(name)
    assert got["status"] == "optimal"
    assert got["objective_10k_yuan_per_a"] == pytest.approx(exp["objective_10k_yuan_per_a"], rel=tol["objective_rel"])
    assert got["households_converted"] == exp["households_converted"]
    assert set(got["by_category"]) == set(exp["by_category"])
    assert got["binding_families"] == exp["binding_families"]
    for cat, hh in exp["by_category"].items():
        assert got["by_category"][cat] == pytest.approx(hh, rel=tol["by_category_rel"], abs=50), cat


def test_jinan_reports_binding_caps_with_duals():
    """Jinan 2022: the gas contract and the 7-day storage rule bind; storage is priced by its modules."""
    fams = run("jinan")["binding_families"]
    assert "gas_annual_cap" in fams and "gas_storage" in fams


def test_xinzhou_plan_mix_carries_the_plan_and_costs_more():
    """The headline of the Xinzhou case: the plan's route mix (煤改气 9,846, 煤改电 40,342, 生物质热电
    10,530 households) costs more a year than the least-cost mix under the same caps."""
    plan, least = run("xinzhou+plan_mix"), run("xinzhou")
    assert plan["by_category"]["coal_to_gas"] == 9846
    assert plan["by_category"]["coal_to_electricity"] == 40342
    assert plan["by_category"]["biomass"] == 10530
    assert plan["objective_10k_yuan_per_a"] > least["objective_10k_yuan_per_a"]
