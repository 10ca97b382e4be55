"""model.schedule: which grid point each worker slot solves next, driven directly (no solver,
no Dask): points handed out once each, walks along the line, brackets from finished
neighbours only, helping, and the help threshold from solve times."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from model.schedule import FIRST_STRIDE, Dispatcher, help_threshold, same_plan
from model.sweep_points import PointPlan


def plan(route: int, constraints=None) -> PointPlan:
    return PointPlan(np.array([route], dtype=np.int16), np.zeros(1, dtype=np.int8), np.zeros(0, dtype=np.int32), 0,
                     "optimal", 0.0, 0.0, 0.0, "test", constraints)


def line(n: int) -> list[dict]:
    return [{"p": float(i)} for i in range(n)]


def grid(rows: int, cols: int) -> list[dict]:
    """Grid order as `model.sweep.Grid.points` gives it: the last name varies fastest."""
    return [{"q": float(r), "p": float(c)} for r, c in itertools.product(range(rows), range(cols))]


def drive(d: Dispatcher, todo, slots, plan_of, rng, help_after=math.inf):
    """Run the dispatcher as `model.sweep` does: every slot asks, a random running point comes
    back, then every idle slot asks again. Checks each bracket when it is handed out against
    what has been reported so far; returns the points in the order handed out."""
    reported: dict[int, PointPlan | None] = {}
    running: dict = {}
    handed: list[int] = []
    idle = list(slots)
    while True:
        asking, idle = idle, []
        for slot in asking:
            item = d.next(slot, help_after)
            if item is None:
                idle.append(slot)
                continue
            i, values, bracket = item
            assert values == todo[i]
            check_bracket(d, todo, i, bracket, reported)
            handed.append(i)
            running[slot] = i
        if not running:
            break
        slot = list(running)[rng.integers(len(running))]
        i = running.pop(slot)
        reported[i] = plan_of(todo[i])
        d.done(i, reported[i])
        idle.append(slot)
    return handed


def on_line_of(todo, i):
    return {k: v for k, v in todo[i].items() if k != "p"}


def check_bracket(d, todo, i, bracket, reported):
    """A bracket names the nearest points of i's line on each side that came back with a plan,
    and carries those plans; None when there is none on either side (or without gallop)."""
    same_line = [j for j in range(len(todo)) if on_line_of(todo, j) == on_line_of(todo, i)]
    with_plan = [j for j in same_line if reported.get(j) is not None]
    below = [j for j in with_plan if todo[j]["p"] < todo[i]["p"]]
    above = [j for j in with_plan if todo[j]["p"] > todo[i]["p"]]
    if not d.gallop or not (below or above):
        assert bracket is None
        return
    lo = max(below, key=lambda j: todo[j]["p"], default=None)
    hi = min(above, key=lambda j: todo[j]["p"], default=None)
    assert bracket.name == "p"
    assert bracket.lower == (None if lo is None else todo[lo])
    assert bracket.upper == (None if hi is None else todo[hi])
    for side, j in ((bracket.lower_plan, lo), (bracket.upper_plan, hi)):
        assert (side is None) == (j is None)
        if j is not None:
            assert same_plan(side, reported[j]) and side.constraints is None


def plan_by_thirds(values):
    return plan(int(values["p"] // 3) + 10 * int(values.get("q", 0)))


@pytest.mark.parametrize("gallop", [True, False])
@pytest.mark.parametrize("n_slots", [1, 2, 3, 5])
@pytest.mark.parametrize("rows,cols", [(1, 1), (1, 17), (3, 7), (4, 2)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_point_handed_out_once_with_brackets_from_finished_neighbours(gallop, n_slots, rows, cols, seed):
    todo = grid(rows, cols) if rows > 1 else line(cols)
    rng = np.random.default_rng(seed)
    fails = set(rng.choice(len(todo), size=len(todo) // 5, replace=False).tolist())

    def plan_of(values):
        return None if todo.index(values) in fails else plan_by_thirds(values)

    slots = [f"s{k}" for k in range(n_slots)]
    d = Dispatcher(todo, slots, gallop=gallop)
    handed = drive(d, todo, slots, plan_of, rng, help_after=float(rng.integers(0, 4)))
    assert sorted(handed) == list(range(len(todo)))  # each once, none left behind
    assert all(d.next(s) is None for s in slots)


def test_one_slot_without_gallop_walks_each_line_in_order():
    todo = grid(3, 4)
    d = Dispatcher(todo, ["a"], gallop=False)
    order = []
    while (item := d.next("a")) is not None:
        i, values, bracket = item
        assert bracket is None
        order.append(i)
        d.done(i, plan(1))
    assert order == list(range(12))  # q = 0 line by p, then q = 1, then q = 2


def test_the_todo_order_does_not_matter_only_the_values():
    """Points given out of order still go out along their line by the swept value."""
    todo = line(6)[::-1]
    d = Dispatcher(todo, ["a"], gallop=False)
    values = []
    while (item := d.next("a")) is not None:
        values.append(item[1]["p"])
        d.done(item[0], plan(1))
    assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_one_slot_gallops_while_the_plan_holds_and_fills_in_from_brackets():
    """Steps of 2, 4, 8 while the plan is the same; a point between two solved points goes out
    first, the middle of its stretch, the nearest to the slot among several stretches."""
    todo = line(9)
    d = Dispatcher(todo, ["a"])
    order, brackets = [], {}
    while (item := d.next("a")) is not None:
        i, _, bracket = item
        order.append(i)
        brackets[i] = None if bracket is None else (bracket.lower and bracket.lower["p"],
                                                     bracket.upper and bracket.upper["p"])
        d.done(i, plan(1))
    assert order == [0, 2, 1, 6, 4, 5, 3, 8, 7]
    assert brackets == {0: None, 2: (0.0, None), 1: (0.0, 2.0), 6: (2.0, None), 4: (2.0, 6.0),
                        5: (4.0, 6.0), 3: (2.0, 4.0), 8: (6.0, None), 7: (6.0, 8.0)}


@pytest.mark.parametrize("lo,hi,first", [(1, 1, 2), (1, 2, 4)])
def test_a_short_stretch_is_bisected_between_equal_plans_and_walked_from_the_slot_between_different_ones(lo, hi, first):
    d = Dispatcher(line(10), ["a", "b"])
    assert d.next("a")[0] == 0 and d.next("b")[0] == 5
    d.done(0, plan(lo))
    d.done(5, plan(hi))
    i, _, bracket = d.next("b")  # 1..4 lie between 0 and 5; b stands at 5
    assert i == first and (bracket.lower, bracket.upper) == ({"p": 0.0}, {"p": 5.0})


def test_a_long_stretch_between_different_plans_is_bisected():
    d = Dispatcher(line(20), ["a", "b"])
    assert d.next("a")[0] == 0 and d.next("b")[0] == 10
    d.done(0, plan(1))
    d.done(10, plan(2))
    assert d.next("b")[0] == 5  # 9 points > WALK_WITHIN: the middle, not the end next to b


def test_a_change_of_plan_resets_the_stride():
    todo = line(20)
    d = Dispatcher(todo, ["a"])
    assert d.next("a")[0] == 0
    d.done(0, plan(1))
    assert d.next("a")[0] == 2
    d.done(2, plan(1))
    assert d.next("a")[0] == 1  # between 0 and 2
    d.done(1, plan(1))
    assert d.next("a")[0] == 6  # stride 4
    d.done(6, plan(2))  # changed: back to the first stride
    assert d.stride["a"] == FIRST_STRIDE
    i = d.next("a")[0]
    assert i in (3, 4, 5)  # first the stretch between the two solved plans
    while i in (3, 4, 5):
        d.done(i, plan(1 if i < 5 else 2))
        i = d.next("a")[0]
    assert i == 6 + FIRST_STRIDE


def test_brackets_skip_running_and_failed_points():
    todo = line(5)
    d = Dispatcher(todo, ["a", "b", "c"])
    assert [d.next(s)[0] for s in "abc"] == [0, 2, 4]  # ceil(5 / 3) points a share
    d.done(0, plan(1))
    i, _, bracket = d.next("a")  # on along its share; 2 is still running: no plan above
    assert i == 1 and (bracket.lower, bracket.upper) == ({"p": 0.0}, None)
    d.done(2, None)  # failed
    d.done(4, plan(2))
    i, _, bracket = d.next("c")  # 3 is left: below it 2 failed and 1 runs, so 0's plan
    assert i == 3 and (bracket.lower, bracket.upper) == ({"p": 0.0}, {"p": 4.0})
    assert same_plan(bracket.lower_plan, plan(1)) and same_plan(bracket.upper_plan, plan(2))
    assert d.next("b") is None


def test_brackets_stay_on_their_line():
    todo = grid(2, 3)  # lines q=0: 0,1,2 and q=1: 3,4,5
    d = Dispatcher(todo, ["a", "b"])
    assert d.next("a")[0] == 0 and d.next("b")[0] == 3
    d.done(0, plan(1))
    d.done(3, plan(1))
    i, values, bracket = d.next("a")
    assert i == 2 and bracket.lower == {"q": 0.0, "p": 0.0} and bracket.upper is None
    d.done(2, plan(1))
    i, values, bracket = d.next("a")
    assert i == 1 and (bracket.lower, bracket.upper) == ({"q": 0.0, "p": 0.0}, {"q": 0.0, "p": 2.0})


def test_slots_start_at_their_share():
    todo = line(10)
    d = Dispatcher(todo, ["a", "b", "c"])
    assert [d.next(s)[0] for s in "abc"] == [0, 4, 8]  # ceil(10 / 3) points a share


def test_more_slots_than_points():
    d = Dispatcher(line(2), ["a", "b", "c", "d"])
    assert d.next("a")[0] == 0 and d.next("b")[0] == 1
    assert d.next("c") is None and d.next("d") is None


def test_nothing_to_do():
    d = Dispatcher([], ["a", "b"])
    assert d.next("a") is None and d.next("b") is None


def test_a_slot_helps_a_long_stretch_from_its_far_end_without_gallop():
    todo = line(10)
    d = Dispatcher(todo, ["a", "b"], gallop=False)
    assert d.next("a")[0] == 0 and d.next("b")[0] == 5
    for i in range(1, 5):
        d.done(i - 1, plan(1))
        assert d.next("a")[0] == i
    d.done(4, plan(1))
    # b still runs 5; 6..9 are left: a helps only when that is more than help_after points
    assert d.next("a", help_after=4) is None
    assert d.next("a", help_after=3)[0] == 9
    d.done(9, plan(1))
    assert d.next("a", help_after=99)[0] == 8  # once helping, it walks down whatever help_after
    d.done(5, plan(1))
    assert d.next("b", help_after=99)[0] == 6  # b walks up to meet it
    d.done(8, plan(1))
    assert d.next("a", help_after=99)[0] == 7
    d.done(6, plan(1))
    assert d.next("b", help_after=99) is None  # 7 runs: nothing left
    d.done(7, plan(1))
    assert d.next("a") is None and d.next("b") is None


def test_help_threshold_is_a_cold_solve_in_re_solves():
    class Result:
        def __init__(self, mode, solve=None):
            self.mode, self.times = mode, {} if solve is None else {"solve": solve}

    assert help_threshold([]) == math.inf
    assert help_threshold([Result("cold", 3.0), Result("cold", 5.0)]) == math.inf
    assert help_threshold([Result("cold", 4.0), Result("reused", 1.0), Result("reused", 3.0),
                           Result("certified", 0.0), Result("reused")]) == 2.0  # medians 4 / 2
    assert help_threshold([Result("cold", 1.0), Result("reused", 0.0)]) == 1000.0  # a re-solve counts 1 ms at least


def test_same_plan():
    assert same_plan(plan(1), plan(1, constraints=object()))  # the plan, not the shadow prices
    assert not same_plan(plan(1), plan(2))
