"""Ctrl-C (SIGINT) and SIGTERM stop every script the same way, with exit code 130.

Schedulers, `docker stop` and `kill` send SIGTERM. It is handled as Ctrl-C is: a
KeyboardInterrupt in the main thread, so the `except KeyboardInterrupt` and `finally` blocks
run (a result is written whole or not at all, temp files go, Dask workers are stopped). highspy
catches that KeyboardInterrupt to stop HiGHS and returns normally, so code that runs a solve asks
`check()` afterwards. The scripts start through `run_script`, which installs the handlers before
the heavy imports and turns an interrupt anywhere into exit code 130 and one line on stderr.
"""
from __future__ import annotations

import importlib
import logging
import os
import signal
import sys

from model.errors import EXIT_INTERRUPTED

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_owner: int | None = None  # the process that installed the handlers (forked children inherit them)
_received: list[int] = []


def _stop(signum, frame) -> None:
    if os.getpid() != _owner:
        _as_worker(signum)
        return
    _received.append(signum)
    raise KeyboardInterrupt


def _as_worker(signum: int) -> None:
    """In a forked Dask worker that inherited `_stop`: the sweep's own process stops the cluster,
    so Ctrl-C (which the terminal sends to every process of the job) is ignored here, and SIGTERM
    ends the worker as it would without our handler."""
    worker_defaults()
    if signum == signal.SIGTERM:
        os.kill(os.getpid(), signal.SIGTERM)


def worker_defaults() -> None:
    """A LocalCluster worker's signals: Ctrl-C ignored (the sweep stops the cluster), SIGTERM ends it."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # not the main thread: leave the worker's signals as they are
        pass


class _QuietHeartbeat(logging.Filter):
    """Drops a LocalCluster worker's 'Failed to communicate with scheduler during heartbeat'
    traceback: the scheduler lives in the sweep's process, so it is gone only when the sweep is
    closing (on Ctrl-C the heartbeat can race the shutdown)."""

    MESSAGE = "Failed to communicate with scheduler during heartbeat"

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.MESSAGE)


def dask_setup(worker=None) -> None:
    """Dask preload hook (`distributed.worker.preload`) of the sweep's LocalCluster workers: the
    signals of `worker_defaults` (spawned workers start with Python's defaults, under which a
    Ctrl-C prints a traceback from every worker), and no heartbeat traceback at shutdown."""
    worker_defaults()
    logging.getLogger("distributed.worker").addFilter(_QuietHeartbeat())


def install() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt in this process (main thread only)."""
    global _owner
    _owner = os.getpid()
    _received.clear()
    for s in SIGNALS:
        signal.signal(s, _stop)


def received() -> str | None:
    """Name of the first signal received since `install`, or None."""
    return signal.Signals(_received[0]).name if _received else None


def check() -> None:
    """Raise KeyboardInterrupt if a signal came while a callee (HiGHS) swallowed it."""
    if _received:
        raise KeyboardInterrupt


def run_script(module, argv: list[str] | None = None) -> int:
    """Install the handlers, import `module` (a name; or a main function) and return its
    main(argv); an interrupt anywhere (imports included) gives exit code 130 and one line on
    stderr, never a traceback."""
    install()
    try:
        main = importlib.import_module(module).main if isinstance(module, str) else module
        code = main(argv)
    except KeyboardInterrupt:
        # main() prints what it kept when it catches the interrupt itself; this is the rest
        print(f"interrupted ({received() or 'SIGINT'})", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit:  # argparse's exit 2, or highspy's exit(1) after five Ctrl-C
        if _received:
            print(f"interrupted ({received()})", file=sys.stderr)
            return EXIT_INTERRUPTED
        raise
    if _received and code != EXIT_INTERRUPTED:
        print(f"interrupted ({received()})", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code
