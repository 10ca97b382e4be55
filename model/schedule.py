"""Which grid point of a sweep each worker slot solves next: a pure function of the points to
solve, the slots and the outcomes reported so far (no files, no Dask, no solver).

`Dispatcher` hands points out one at a time (`next`) and hears back what each gave (`done`): it
walks each slot along a line of the grid (the last parameter varies) so that its live model moves
one step at a time, strides ahead while the plan holds, hands a point left between two solved
neighbours out with their plans (a `Bracket`, which may prove the point without a solve) and lets
an idle slot help another's stretch. `help_threshold` says, from the solve times so far, how long
a stretch must be to repay a helper's distant start. `model.sweep` runs it, serially or on Dask.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from model.certify import Bracket
from model.sweep_points import PointPlan

# where a point is: left, handed out, back with a plan, back without one
_TODO, _RUNNING, _DONE, _FAILED = range(4)
# a stretch between two different plans this short is walked from one end, not bisected
WALK_WITHIN = 8
# a slot's first stride, and its stride after a change of plan: over a stretch where the plan
# holds, 2 saves a solve; where it changes, the point skipped is re-solved from a plan one step
# away, as it would have been
FIRST_STRIDE = 2


def same_plan(a: PointPlan, b: PointPlan) -> bool:
    """The same decisions (routes, retrofits, upgrades, storage modules), whatever the bounds and
    shadow prices."""
    return (a.modules == b.modules and np.array_equal(a.route, b.route) and np.array_equal(a.retrofit, b.retrofit)
            and np.array_equal(a.upgrade, b.upgrade))


class Dispatcher:
    """Which point each worker slot (one per worker thread) solves next, and with which bracket.

    The points lie on lines: the grid's last parameter varies, the others are fixed. Each slot
    starts at the beginning of its share of the points and walks up its line, so consecutive
    points re-use its live model. With `gallop` it strides: steps of 2 points (`FIRST_STRIDE`),
    doubled after each point whose plan is the plan it came from (2, 4, 8, ...), back to 2 when
    the plan changes. A point left between two solved points of its line goes out with them as
    its bracket (first, to the slot nearest to it): the worker proves one of their plans within
    the gap there without a solve when it can (`model.certify`), else re-solves it.

    The client hands a slot its next point only when the last one is back, so Dask never has
    queued points to steal: a stolen point lands on a model built for a distant price, and that
    re-solve can cost more than a cold solve (5.7 s against 0.5 s on Jinan). A slot with no point
    left ahead of it helps the longest stretch of points left from its far end, walking back.
    With `gallop`, every point goes out with the nearest solved plans on its line, and the worker
    starts from the cheapest of them and its own, so a helper's first point is not a distant
    start: it helps any stretch, even a single point at a line's end beside a running one.
    Without, it helps only when the stretch is long enough to repay the distant start: more
    points than a cold solve takes re-solves (`help_after`). When nothing else is running a slot
    always helps.
    """

    def __init__(self, todo: list[dict], slots: list, gallop: bool = True):
        self.todo = todo
        self.gallop = gallop
        self.state = [_TODO] * len(todo)
        self.plan: list[PointPlan | None] = [None] * len(todo)
        self.name = list(todo[0])[-1] if todo else ""
        lines: dict[tuple, list[int]] = {}
        for i, v in enumerate(todo):
            lines.setdefault(tuple((k, x) for k, x in v.items() if k != self.name), []).append(i)
        self.lines = [sorted(ix, key=lambda i: todo[i][self.name]) for ix in lines.values()]
        self.line_of, self.pos_of = {}, {}
        for n, line in enumerate(self.lines):
            for p, i in enumerate(line):
                self.line_of[i], self.pos_of[i] = n, p
        order = [i for line in self.lines for i in line]
        per = math.ceil(len(order) / max(1, len(slots)))
        self.start = {slot: order[k * per] if k * per < len(order) else None for k, slot in enumerate(slots)}
        self.at: dict = {slot: None for slot in slots}  # the point the slot's live model was last moved to
        self.dir = {slot: 1 for slot in slots}
        self.stride = {slot: FIRST_STRIDE for slot in slots}
        self.came_from: dict = {}  # point -> (slot, the point it strode from)

    # -- what to hand out ----------------------------------------------------------------------
    def next(self, slot, help_after: float = math.inf) -> tuple[int, dict, Bracket | None] | None:
        """The slot's next point: (its index in the todo list, its values, the bracket it goes out
        with, None without `gallop`); None when the slot has nothing to do now (it may have once
        other points are back). `help_after`: see `help_threshold`."""
        if self.gallop:
            i = self._nearest_bracketed(slot)
            if i is not None:
                return self._hand(i)
        if self.at[slot] is None:
            i = self.start[slot]
            if i is not None and self.state[i] == _TODO:
                return self._move(slot, i, 1)
        else:
            i = self._ahead(slot)
            if i is not None:
                return self._move(slot, i, self.dir[slot])
        block = self._longest_open_block()
        running = _RUNNING in self.state
        if self.gallop:
            help_after = 0  # its first point starts from the nearest plan solved, not a distant one
        if block is None or (len(block) <= help_after and running):
            if running or _TODO not in self.state:
                return None
            block = [self.state.index(_TODO)]
        first, last = block[0], block[-1]
        line = self.lines[self.line_of[first]]
        untouched = self.pos_of[first] == 0 and self.pos_of[last] == len(line) - 1
        self.stride[slot] = FIRST_STRIDE
        return self._move(slot, first, 1) if untouched else self._move(slot, last, -1)

    def _move(self, slot, i: int, direction: int) -> tuple[int, dict, Bracket | None]:
        self.came_from[i] = (slot, self.at[slot])
        self.at[slot], self.dir[slot] = i, direction
        return self._hand(i)

    def _hand(self, i: int) -> tuple[int, dict, Bracket | None]:
        self.state[i] = _RUNNING
        return i, self.todo[i], self._bracket(i) if self.gallop else None

    def _ahead(self, slot) -> int | None:
        """The point `stride` steps ahead of the slot on its line, within the points left there."""
        i = self.at[slot]
        line, pos, d = self.lines[self.line_of[i]], self.pos_of[i], self.dir[slot]
        k = 0
        while 0 <= pos + d * (k + 1) < len(line) and self.state[line[pos + d * (k + 1)]] == _TODO:
            k += 1
        if k == 0:
            return None
        step = min(self.stride[slot], k) if self.gallop else 1
        return line[pos + d * step]

    def _blocks(self):
        """Stretches of points left on each line: (points, state before, state after; None at a line end)."""
        for line in self.lines:
            p = 0
            while p < len(line):
                if self.state[line[p]] != _TODO:
                    p += 1
                    continue
                q = p
                while q + 1 < len(line) and self.state[line[q + 1]] == _TODO:
                    q += 1
                yield (line[p:q + 1], self.state[line[p - 1]] if p else None,
                       self.state[line[q + 1]] if q + 1 < len(line) else None)
                p = q + 1

    def _nearest_bracketed(self, slot) -> int | None:
        """A point of the stretch left between two solved points with plans nearest to the slot's
        model: its middle (bisection: when the two plans cannot prove it, its own plan splits the
        stretch), but in a short stretch between two different plans, where the plan changes
        and the points are likely re-solved, the point next to the end nearest to the slot (a
        re-solve then starts one step away, and near-equal plans alternate less)."""
        at = self.at[slot]
        best, key = None, None
        for block, before, after in self._blocks():
            if before != _DONE or after != _DONE:
                continue
            line = self.lines[self.line_of[block[0]]]
            lo, hi = self.plan[line[self.pos_of[block[0]] - 1]], self.plan[line[self.pos_of[block[-1]] + 1]]
            if lo is None or hi is None:
                continue
            i = block[(len(block) - 1) // 2]
            if len(block) <= WALK_WITHIN and not same_plan(lo, hi):
                near_hi = at is not None and self.line_of[at] == self.line_of[block[0]] and self.pos_of[at] > self.pos_of[block[-1]]
                i = block[-1] if near_hi else block[0]
            k = (0, abs(self.pos_of[i] - self.pos_of[at])) if at is not None and self.line_of[at] == self.line_of[i] \
                else (1, self.line_of[i], self.pos_of[i])
            if key is None or k < key:
                best, key = i, k
        return best

    def _bracket(self, i: int) -> Bracket | None:
        """The nearest solved points with a plan on each side of point i on its line (the plans
        a worker may start from, and, with both sides, prove the point from)."""
        line, p = self.lines[self.line_of[i]], self.pos_of[i]
        lo = next((line[q] for q in range(p - 1, -1, -1) if self.plan[line[q]] is not None), None)
        hi = next((line[q] for q in range(p + 1, len(line)) if self.plan[line[q]] is not None), None)
        if lo is None and hi is None:
            return None
        return Bracket(self.name, None if lo is None else self.todo[lo], None if hi is None else self.todo[hi],
                       None if lo is None else self.plan[lo], None if hi is None else self.plan[hi])

    def _longest_open_block(self) -> list[int] | None:
        """The longest stretch of points left that is not waiting to be bracketed (solved or
        running points on both sides)."""
        waiting = {_DONE, _RUNNING} if self.gallop else set()
        best = None
        for block, before, after in self._blocks():
            if before in waiting and after in waiting:
                continue
            if best is None or len(block) > len(best):
                best = block
        return best

    # -- what came back ----------------------------------------------------------------------
    def done(self, i: int, plan: PointPlan | None) -> None:
        """Point i is back: with its plan, or None (failed, infeasible: it brackets nothing)."""
        self.state[i] = _DONE if plan is not None else _FAILED
        self.plan[i] = None if plan is None else replace(plan, constraints=None)  # travels in brackets
        slot, prev = self.came_from.pop(i, (None, None))
        if slot is None:
            return
        same = plan is not None and prev is not None and self.plan[prev] is not None and same_plan(self.plan[prev], plan)
        self.stride[slot] = self.stride[slot] * 2 if same else FIRST_STRIDE


def help_threshold(results) -> float:
    """Points a run must still have for an idle slot to help it: a cold solve in re-solves (none
    while either time is unknown). `results`: the points back so far (`mode` cold or reused,
    `times["solve"]` in s), e.g. `model.sweep.PointResult`s."""
    cold = [r.times["solve"] for r in results if r.mode == "cold" and "solve" in r.times]
    reused = [r.times["solve"] for r in results if r.mode == "reused" and "solve" in r.times]
    if not cold or not reused:
        return math.inf
    return float(np.median(cold) / max(np.median(reused), 1e-3))
