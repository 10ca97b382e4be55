"""The Dask layer that sweeps and the Monte Carlo share: a LocalCluster of single-threaded worker
processes started the way the sweeps measured best, or a client of the user's scheduler."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from model.errors import InputError, Problem


def _ensure_importable_on_workers() -> None:
    """Spawned LocalCluster workers import `model` by name: put the repository on PYTHONPATH."""
    repo = str(Path(__file__).resolve().parents[1])
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if repo not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([repo] + parts)


START_METHODS = ("fork", "spawn", "forkserver")


def default_start_method() -> str:
    """How LocalCluster worker processes start: `fork` on Linux, `spawn` elsewhere.

    A forked worker starts with this process's modules already imported (numpy, pandas, xarray,
    highspy, distributed, ours): a LocalCluster of 2 starts in 0.15 s against 1.0-1.2 s spawned,
    and closes in 0.03 s against 0.3 s. That is a sixth of a 21-point Jinan sweep. macOS's system
    libraries are not safe to fork, and Windows cannot; there workers are spawned (Dask's
    default), as they are anywhere with --start-method spawn.
    """
    return "fork" if sys.platform.startswith("linux") else "spawn"


def local_cluster(workers: int | None = None, start_method: str | None = None):
    """A LocalCluster of single-threaded worker processes (HiGHS is the parallelism).

    `start_method`: fork | spawn | forkserver (None: `default_start_method()`). Fork copies
    this process, so it must not run a thread of ours that could hold a lock at that moment:
    `run_sweep` starts its warm-up thread after the cluster. The method applies while the
    cluster starts; a worker the nanny restarts later (after a crash) is spawned, as Dask does by
    default, whatever our threads are doing then.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536: glibc then hands freed heap
    back to the kernel at once, and HiGHS, which allocates and frees large buffers all the time,
    faults it back in. On Jinan 2022 that made re-solves 1.3-1.9x slower (a quarter of their CPU time
    in the kernel), so our workers start with this process's setting (glibc's defaults unless the
    user set one). Workers of a cluster given with --scheduler keep theirs.
    """
    import logging

    import dask
    from distributed import LocalCluster

    method = start_method or default_start_method()
    if method not in START_METHODS:
        raise ValueError(f"start_method {method!r}: expected one of {', '.join(START_METHODS)}")
    _ensure_importable_on_workers()  # spawned workers import `model` by name
    n = workers or max(1, (os.cpu_count() or 1))
    # workers ignore Ctrl-C (the terminal sends it to them too): the sweep's process stops them
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                          "distributed.worker.multiprocessing-method": method,
                          "distributed.worker.preload": ["model.interrupt"]}):
        # no dashboard; the scheduler's HTTP endpoints on a free port, not 8787 (taken by the
        # user's own clusters, and by each other when sweeps run side by side)
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                            scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)


def dask_client(client, scheduler: str | None, workers: int | None, tasks: int, start_method: str | None = None):
    """(client, close): the caller's client, one connected to `scheduler`, or one of a LocalCluster
    of `workers` (default: the CPU count), never more than `tasks`; `close()` closes what was
    opened here. InputError (--scheduler) when the scheduler cannot be reached."""
    from distributed import Client

    own_cluster = own_client = None
    if client is None:
        if scheduler:
            try:
                client = own_client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise InputError([Problem("--scheduler", None, None, f"cannot connect to {scheduler}: {exc}")]) from None
        else:
            own_cluster = local_cluster(workers and min(workers, tasks) or min(tasks, os.cpu_count() or 1), start_method)
            client = own_client = Client(own_cluster)

    def close() -> None:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()

    return client, close


def run_tasks(fn, shared, items, handle, on_error, *, client=None, scheduler: str | None = None,
              workers: int | None = None, start_method: str | None = None, key: str = "task") -> dict:
    """fn(shared, item) for every item as Dask tasks, `shared` scattered once to every worker;
    `handle(result)` runs in this process as each task finishes (in finishing order), and
    `on_error(exc)` for a task that raised or whose worker died too often. The tasks not yet
    finished are cancelled when this returns or raises (Ctrl-C, an error in `handle`). Returns
    each worker's peak resident memory (MB). The Monte Carlo and the pathway sweeps run on it."""
    from distributed import as_completed

    client, close = dask_client(client, scheduler, workers, len(items), start_method)
    futures = []
    try:
        if not client.scheduler_info()["workers"]:
            client.wait_for_workers(1)
        # hash=False: a key of its own each run; a hashed key is the same when the same data is
        # scattered again, and the previous run's release can then forget it (dask/distributed#8576)
        shared_f = client.scatter(shared, broadcast=True, hash=False)
        futures = [client.submit(fn, shared_f, item, pure=False, key=f"{key}-{i}-{time.time_ns()}")
                   for i, item in enumerate(items)]
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # the task raised, or its worker died too often (KilledWorker)
                on_error(exc)
                continue
            handle(res)
        return worker_memory(client)
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
        close()


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def worker_memory(client) -> dict:
    """Each worker's peak resident memory (MB)."""
    try:
        return {k: round(v, 1) for k, v in client.run(_peak_rss_mb).items()}
    except Exception:  # a worker gone: no figure
        return {}
