"""Errors the pipeline raises and the exit codes the CLI maps them to."""
from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INPUT = 2  # bad input: nothing was solved or written
EXIT_NO_SOLUTION = 3  # time limit (or other stop) without any feasible plan
EXIT_INFEASIBLE = 4  # the caps and targets cannot all be met
EXIT_SOLVER = 5  # HiGHS failed
EXIT_WRITE = 6  # a plan was found but could not be written (disk full, no permission)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, the shell convention); no new result written


@dataclass(frozen=True)
class Problem:
    """One input problem, located as a spreadsheet user would look for it."""

    file: str
    row: int | None  # line number in the file (header = line 1); None for whole-file problems
    column: str | None
    rule: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.rule}"


class InputError(Exception):
    """All problems found in the inputs, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.message())

    def message(self, limit: int = 50) -> str:
        lines = [f"{len(self.problems)} input problem(s):"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


class SolveError(Exception):
    """The solver stopped without a usable plan."""

    def __init__(self, message: str, exit_code: int):
        self.exit_code = exit_code
        super().__init__(message)


class CannotWrite(Exception):
    """A result could not be written (disk full, no permission, read-only): exit code 6."""

    def __init__(self, path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"cannot write {path}: {reason}")
