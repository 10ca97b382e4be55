"""Where results go: user-supplied names checked as plain file names, folders checked as writable.

Every name a user supplies that becomes part of a result path (`--region`, scenario names in
scenarios.yaml and `--scenario`, `sweep.py --name`) passes `name_problem`, and result paths are
built by `result_file`, so a result never lands outside `--out` (no separators, no `..`, no
absolute names). Folders the user picks (`--out`, `report.py --out`) may be anywhere, but are
checked before any work (`cannot_write`). Symbolic links the user placed under `--out` are
followed: they are the user's own redirection, not a name we were handed.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import unicodedata
from pathlib import Path

from model.errors import InputError, Problem

# A name's UTF-8 bytes. File names may hold 255 bytes; the rest is left for the suffixes
# (".from2019.diagnosis.nc") and the temporary name a result is first written to
# (".<name>.<host>-<pid>.<random>.tmp").
MAX_NAME_BYTES = 120
# A result's stem joins names (scenarios, --set values); with the longest suffix
# (".diagnosis.nc", ".from2019.nc", ".plan.csv") and a temporary name's decoration (host name
# up to 64 bytes) it stays within 255.
MAX_STEM_BYTES = 150
# Characters Windows refuses in file names (a results folder may be shared with Windows).
_FORBIDDEN = set('/\\<>:"|?*')
_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _shown(name: str, width: int = 40) -> str:
    """The name quoted for a one-line message: escapes for invisible characters, long ones cut."""
    text = name if name.isprintable() else repr(name)[1:-1]
    return f"'{text}'" if len(text) <= width else f"'{text[:width]}...'"


def name_problem(name: object, max_bytes: int = MAX_NAME_BYTES) -> str | None:
    """Why `name` cannot be one file or folder name inside the results folder, or None."""
    if not isinstance(name, str):
        return f"{name!r} is not text (in YAML, quote it)"
    if name == "":
        return "the name is empty"
    shown = _shown(name)
    if name in (".", ".."):
        return f"{shown} points to a folder, not a name"
    bad = sorted({c for c in name if c in _FORBIDDEN})
    if bad:
        return f"{shown} contains {' '.join(bad)}: a plain name has no path separators or {''.join(sorted(_FORBIDDEN))}"
    # control, format (zero-width, right-to-left override), surrogate (undecodable bytes) characters
    hidden = sorted({c for c in name if unicodedata.category(c).startswith("C")})
    if hidden:
        return f"{shown} contains invisible or undecodable characters ({', '.join(f'U+{ord(c):04X}' for c in hidden)})"
    if name.startswith((".", "-")):
        return f"{shown} starts with '{name[0]}': a plain name starts with a letter, a digit or '_'"
    if name != name.strip() or name.endswith("."):
        return f"{shown} starts or ends with a space, or ends with a dot"
    if name.split(".")[0].lower() in _DEVICE_NAMES:
        return f"{shown} is a reserved device name on Windows"
    size = len(name.encode("utf-8"))
    if size > max_bytes:
        return f"{shown} is {size} bytes long (at most {max_bytes} in UTF-8)"
    return None


def check_name(name: object, where: str, column: str | None = None, row: int | None = None,
               max_bytes: int = MAX_NAME_BYTES) -> list[Problem]:
    """[] or the one Problem of a name (file or flag `where`, its row and column)."""
    why = name_problem(name, max_bytes)
    return [] if why is None else [Problem(where, row, column, f"must be a plain name: {why}")]


def plain_name(text: str) -> str:
    """argparse type: a plain name (argparse turns the error into exit code 2)."""
    why = name_problem(text)
    if why:
        raise argparse.ArgumentTypeError(f"must be a plain name: {why}")
    return text


def plain_names(text: str) -> list[str]:
    """argparse type: a comma-separated list of plain names ('' is no name)."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    for n in names:
        plain_name(n)
    return names


def result_file(out: Path, region: str, year: int, stem: str, suffix: str = ".nc") -> Path:
    """<out>/<region>/<year>/<stem><suffix>, each part a plain name; InputError otherwise (exit 2).

    The stem (the scenario label, e.g. 'high_gas+gas_price=3.2', or 'sweep_<name>') may be longer
    than one name: up to MAX_STEM_BYTES."""
    problems = check_name(region, "--region") + check_name(stem, "result name", max_bytes=MAX_STEM_BYTES)
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(Problem("--year", None, None, f"{year!r} is not a whole year"))
    if problems:
        raise InputError(problems)
    return Path(out) / region / str(year) / f"{stem}{suffix}"


def cannot_write(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (made if missing), or None. Creates nothing."""
    p = Path(os.path.abspath(folder))
    while not p.exists() and not p.is_symlink():
        p = p.parent
    if p.is_symlink() and not p.exists():
        return f"{p} is a broken symbolic link"
    if not p.is_dir():
        return f"{p} is a file, not a folder"
    if not os.access(p, os.W_OK | os.X_OK):
        reason = "the file system is read-only" if _read_only(p) else "no permission to write"
        return f"{reason} in {p}"
    return None


# What a failed write raises: OSError from Python's own files, RuntimeError from the netCDF/HDF5
# library ("NetCDF: HDF error" on a full disk).
WRITE_ERRORS = (OSError, RuntimeError)


def write_failure(exc: BaseException, folder: Path) -> str:
    """Why a write into `folder` failed, in words: the OS's reason, or for the netCDF library's
    generic error, a full disk when the folder's file system has (almost) no space left."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < 1 << 20:
        return f"No space left on device ({free // 1024} kB free; the netCDF library said: {exc})"
    return str(exc)


def _read_only(p: Path) -> bool:
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def folder_lock(folder: Path):
    """Exclusive advisory lock on a folder (flock on its descriptor) while a set of files in it is
    replaced, so two runs writing the same result never leave one's .nc beside the other's
    .plan.csv. A no-op where flock is missing (Windows) or the folder cannot be opened."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (some network mounts): write unlocked
            pass
        yield
    finally:
        os.close(fd)  # closing releases the lock
