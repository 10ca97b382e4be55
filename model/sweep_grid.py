"""The grid of a sweep: the swept inputs and their values (`Grid`), read from the command line
(`parse_values`, `grid_from_args`), and where its points are written (`point_stem`, `sweep_paths`).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.errors import InputError, Problem
from model.overrides import safe_name
from model.sweep_points import run_paths


def parse_values(spec: str, option: str) -> tuple[float, ...]:
    """'start:stop:step' (stop included within rounding) or 'a,b,c' -> sorted unique floats."""
    spec = spec.strip()

    def bad(rule: str) -> InputError:
        return InputError([Problem(option, None, None, f"'{spec}': {rule}")])

    try:
        if ":" in spec:
            parts = [float(s) for s in spec.split(":")]
            if len(parts) != 3:
                raise bad("expected START:STOP:STEP, e.g. 2.0:4.0:0.1")
            start, stop, step = parts
            if not step > 0:
                raise bad("STEP must be > 0")
            if stop < start:
                raise bad("STOP must be >= START")
            n = int(math.floor((stop - start) / step + 1e-9))
            # 12 significant digits drop float noise such as 2.3000000000000003
            values = [float(f"{start + k * step:.12g}") for k in range(n + 1)]
        else:
            values = [float(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise bad("not a number; expected START:STOP:STEP or a comma list") from None
    if not values:
        raise bad("no values")
    if not all(np.isfinite(values)):
        raise bad("values must be finite")
    if len(values) > 100_000:
        raise bad(f"{len(values)} points is too many for one sweep")
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class Grid:
    """Swept parameters and their values; points are the cartesian product (last name fastest)."""

    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]

    def points(self) -> list[dict[str, float]]:
        return [dict(zip(self.names, combo)) for combo in itertools.product(*self.values)]

    def __len__(self) -> int:
        return int(np.prod([len(v) for v in self.values]))

    def default_name(self) -> str:
        return "+".join(self.names)


def point_stem(values: dict[str, float]) -> str:
    """File stem of a point, named by its values (stable when the grid grows)."""
    return "point_" + "_".join(f"{k}={v:.12g}" for k, v in values.items())


def sweep_paths(out: Path, region: str, year: int, name: str) -> tuple[Path, Path]:
    """(folder of the point files, combined dataset path); InputError unless the names are plain."""
    return run_paths(out, region, year, "sweep", name, "--name (sweep name)")


def grid_from_args(args) -> Grid:
    """The grid of the command line: `--gas-price SPEC` and each `--set NAME=SPEC`, in that order."""
    specs: list[tuple[str, str, str]] = []
    if args.gas_price is not None:
        specs.append(("gas_price", args.gas_price, "--gas-price"))
    for item in args.set:
        if "=" not in item:
            raise InputError([Problem("--set", None, item, "expected NAME=SPEC, e.g. --set electricity_price=0.3,0.4,0.5")])
        k, v = item.split("=", 1)
        k = safe_name(k.strip())  # a cell address's '/' would split file and variable names
        specs.append((k, v, f"--set {k}"))
    if not specs:
        raise InputError([Problem("--gas-price/--set", None, None, "nothing to sweep: give --gas-price SPEC or --set NAME=SPEC")])
    names = [s[0] for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError([Problem("--set", None, d, "parameter given twice") for d in dup])
    return Grid(tuple(names), tuple(parse_values(v, opt) for _, v, opt in specs))
