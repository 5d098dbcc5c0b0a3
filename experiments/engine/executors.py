"""Executors: many runs in one process, a local process pool, or Dask. All give identical
outcomes, because a run's result depends only on its parameters and seed."""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import pickle
import re
import sys
import threading
import time
import types
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Sequence
from typing import Callable, Iterable

from .errors import SchedulerLost, UserError, option
from .runner import Outcome, Run, RunFunction, execute_one

EXECUTORS = ("processes", "inprocess", "dask")
MAX_ATTEMPTS = 3            # a run whose worker dies is tried this many times in all
IN_FLIGHT = 4               # runs submitted to a process pool at a time, per worker
DASK_IN_FLIGHT = 10_000     # runs submitted to Dask at a time (a cluster may grow meanwhile)
SCHEDULER_TIMEOUT = 10.0    # seconds to reach a --scheduler before giving up
ADDRESS = re.compile(r"(tcp|tls)://[A-Za-z0-9._\-\[\]:]+:\d{1,5}")


def watch_parent(parent: int, every: float = 0.5) -> None:
    """Worker initializer: exit when the parent process is gone (killed, even by SIGKILL)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """A malformed or unreachable scheduler is a UserError within `timeout` seconds."""
    if not ADDRESS.fullmatch(address or ""):
        raise UserError(f"{option('--scheduler', address[:80])}: expected tcp://HOST:PORT, "
                        "e.g. tcp://10.0.0.5:8786")
    from dask.distributed import Client
    try:
        Client(address, timeout=f"{timeout}s").close()
    except Exception as e:  # noqa: BLE001 - OSError, TimeoutError, CommClosedError...
        raise UserError(f"{option('--scheduler', address)}: cannot reach the scheduler within "
                        f"{timeout:g} s ({type(e).__name__})") from None


def _rerun_by_workers(obj) -> bool:
    """Whether spawned workers define `obj` (a function or class of __main__) too: they run
    the main script again, but a notebook cell or an interactive session has none."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path or not os.path.isfile(path):
        return False
    code = getattr(obj, "__code__", None)
    if isinstance(obj, type):
        code = next((f.__code__ for f in vars(obj).values() if hasattr(f, "__code__")), None)
    return code is None or os.path.realpath(code.co_filename) == os.path.realpath(path)


class _FindUnloadable(pickle.Pickler):
    """Pickles into the void, noting any function or class of __main__ workers lack."""

    def __init__(self):
        super().__init__(io.BytesIO())
        self.found = None

    def reducer_override(self, obj):
        if (self.found is None and isinstance(obj, (types.FunctionType, type))
                and getattr(obj, "__module__", None) == "__main__" and not _rerun_by_workers(obj)):
            self.found = obj
        return NotImplemented


def check_loadable(fn: RunFunction, name: str = "the run function") -> None:
    """Refuse, in one line and before any worker starts, a run function that worker
    processes cannot load: one defined in a notebook cell or an interactive session (or using
    something defined there), or one that cannot be pickled at all (a lambda, a local
    function). Dask ships such a function by value and the in-process executor ships nothing,
    so only the process pool needs this."""
    finder = _FindUnloadable()
    try:
        finder.dump(fn)
    except Exception as e:  # noqa: BLE001 - PicklingError, AttributeError, TypeError...
        if finder.found is None:
            raise UserError(f"{name} {short_name(fn)} cannot be sent to worker processes "
                            f"({type(e).__name__}: {str(e)[:120]}): define it at the top level "
                            'of a module, or use executor="inprocess"') from None
    if finder.found is not None:
        what = short_name(finder.found)
        uses = "" if finder.found is fn else f" uses {what}, which"
        raise UserError(f"{name} {short_name(fn)}{uses} is defined in a notebook cell or an "
                        "interactive session (module __main__), which worker processes cannot "
                        "import: move it into a module (a .py file next to the notebook) and "
                        'import it from there, or use executor="inprocess" (one process) or '
                        'executor="dask"')


def short_name(obj) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__qualname__


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where stderr is no terminal, yet a bar shows)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(total: int, desc: str, progress: bool | None):
    """A tqdm bar: in a notebook a widget (tqdm.auto), else on stderr. `progress` None shows
    it on a terminal or in a notebook, True always, False never."""
    notebook = in_notebook()
    if notebook:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    disable = (not progress) if progress is not None else (None if not notebook else False)
    return tqdm(total=total, desc=desc, unit="run", disable=disable, dynamic_ncols=True,
                file=sys.stderr)


def default_workers() -> int:
    """The workers a pool starts when `workers` is not given: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Workers:
    """Workers kept for many batches: one local process pool, or one Dask client (and
    LocalCluster), started at the first batch and ended on leaving the `with` block. A study
    of many small batches (a calibration's generations) passes it to execute(..., pool=) and
    so starts its workers once, not once per batch. A pool broken by a dying worker is
    replaced at the next batch."""

    def __init__(self, executor: str = "processes", workers: int | None = None,
                 scheduler: str | None = None):
        self.executor, self.scheduler = executor, scheduler
        self.workers = max(1, workers or default_workers())
        self._pool: ProcessPoolExecutor | None = None
        self._client = self._cluster = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind, value, tb) -> None:
        # A pool still here is idle (a batch interrupted in flight has ended its own): shut it
        # down gently; terminating idle workers can leave the executor's queue threads hanging
        # at interpreter exit.
        self.close()

    def process_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None and getattr(self._pool, "_broken", False):
            self.drop_pool()             # a worker died between batches
        if self._pool is None:
            self._pool = _spawn_pool(self.workers)
        return self._pool

    def drop_pool(self) -> None:
        """End the process pool now and forget it (broken, or interrupted in flight)."""
        if self._pool is not None:
            end_pool(self._pool)
            self._pool = None

    def dask_client(self):
        if self._client is None:
            self._client, self._cluster = _dask_client(self.workers, self.scheduler)
        return self._client

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None


def execute(runs: Iterable[Run], fn: RunFunction, executor: str = "processes",
            workers: int | None = None, scheduler: str | None = None,
            on_outcome: Callable[[int, Outcome], None] | None = None,
            progress: bool | None = None,
            desc: str = "runs", indices: list[int] | None = None,
            pool: Workers | None = None, keep_outcomes: bool = True) -> list[Outcome]:
    """Do the runs; return their outcomes in the order given.

    on_outcome(index, outcome) is called as each run finishes (in completion order), e.g. to
    store it. `indices` labels the runs for on_outcome (default 0..n-1). With `pool`, the
    runs go to its workers (and its executor, worker count and scheduler replace the
    arguments), which stay up for the next call. `runs` may be a Sequence that makes its runs
    as they are needed (runner.LazyRuns): in one process and in a process pool, only the runs
    in flight are held. With keep_outcomes=False nothing is kept (on_outcome has stored them)
    and the list returned is empty.
    """
    if pool is not None:
        executor, workers, scheduler = pool.executor, pool.workers, pool.scheduler
    runs = runs if isinstance(runs, Sequence) else list(runs)
    indices = range(len(runs)) if indices is None else indices
    outcomes: list[Outcome | None] = [None] * len(runs) if keep_outcomes else []
    bar = progress_bar(len(runs), desc, progress)
    failed = 0

    def done(i: int, outcome: Outcome) -> None:
        nonlocal failed
        if keep_outcomes:
            outcomes[i] = outcome
        failed += not outcome.ok
        if on_outcome:
            on_outcome(indices[i], outcome)
        bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    workers = max(1, min(workers or default_workers(), len(runs)))
    try:
        if executor == "dask" or scheduler:
            _dask(runs, fn, workers, scheduler, done, pool)
        elif executor == "inprocess" or workers == 1 or len(runs) <= 1:
            for i, run in enumerate(runs):
                done(i, execute_one(fn, run))
        elif executor == "processes":
            check_loadable(fn)
            _processes(runs, fn, workers, done, pool)
        else:
            raise ValueError(f"unknown executor {executor!r}; choose one of {EXECUTORS}")
    finally:
        bar.close()
    return outcomes  # type: ignore[return-value]


def _processes(runs, fn, workers, done, shared: Workers | None = None) -> None:
    """A spawn pool that survives dead workers.

    When a worker dies the pool breaks and every unfinished run comes back. The pool takes runs
    first in, first out, so only the first `workers + 1` unfinished runs can have been running:
    those are retried alone, one per single-worker pool, where a death is surely theirs and
    counts as an attempt; the others are simply resubmitted. A run that kills its worker
    MAX_ATTEMPTS times alone is recorded as failed. `shared` workers, if given, do the first
    round (and the resubmitted runs) instead of a pool of their own.
    """
    attempts: dict[int, int] = {}
    todo, suspects = range(len(runs)), []
    while todo or suspects:
        if todo:
            lost = _round(runs, fn, workers, todo, done, shared)
            suspects += lost[: workers + 1]
            todo = lost[workers + 1:]
        else:
            i = suspects.pop(0)
            if _round(runs, fn, 1, [i], done):
                attempts[i] = attempts.get(i, 0) + 1
                if attempts[i] >= MAX_ATTEMPTS:
                    done(i, Outcome(runs[i], error=f"worker died {MAX_ATTEMPTS} times running "
                                                   "this run"))
                else:
                    suspects.append(i)


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    # No max_tasks_per_child: it deadlocks on Python 3.11 (CPython gh-115634); execute_one
    # releases each run's Mesa models instead, so workers do not grow.
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=watch_parent,
                               initargs=(os.getpid(),))


def _round(runs, fn, workers, todo, done, shared: Workers | None = None) -> list[int]:
    """Submit `todo` to a fresh pool (or to `shared` workers), at most IN_FLIGHT per worker
    at a time, in order (a design made lazily is made only as it runs); return the runs lost
    to a broken pool, then those never submitted, in order."""
    pool = shared.process_pool() if shared else _spawn_pool(min(workers, len(todo)))
    window = IN_FLIGHT * (shared.workers if shared else min(workers, len(todo)))
    queue = iter(todo)
    pending, lost = {}, []
    try:
        for i in itertools.islice(queue, window):
            pending[pool.submit(execute_one, fn, runs[i])] = i
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = pending.pop(fut)
                try:
                    done(i, fut.result())
                except BrokenProcessPool:
                    lost.append(i)
            if not lost:                   # a broken pool takes nothing more
                for i in itertools.islice(queue, window - len(pending)):
                    pending[pool.submit(execute_one, fn, runs[i])] = i
    except BaseException:          # Ctrl-C, a signal: end the workers, runs in flight and all
        shared.drop_pool() if shared else end_pool(pool)
        raise
    if not shared:
        pool.shutdown(wait=True)
    elif lost:
        shared.drop_pool()             # broken: the next round starts a new one
    order = None if isinstance(todo, range) else {i: k for k, i in enumerate(todo)}.get
    return sorted(lost, key=order) + list(queue)


def end_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what waits, end every worker process and wait for them.

    A worker ended while it sent a result leaves half a message in the results pipe, and the
    pool's manager thread waits on the rest for ever; interpreter exit joins that thread, so the
    command would hang after saying it was interrupted. With every worker gone, closing our own
    write end of that pipe gives the thread end-of-file: it finds the pool broken and ends.
    (A worker killed from outside mid-result while a batch waits is CPython's to mend.)"""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)         # shutdown() forgets it
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join(1)
    writer = getattr(results, "_writer", None)       # CPython's SimpleQueue (3.11-3.13)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
    if manager is not None:
        manager.join(5)


def _dask_client(workers: int, scheduler: str | None):
    """A client of `scheduler`, or of a new LocalCluster on loopback: (client, cluster)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - dask is a dependency
        raise RuntimeError("the dask executor needs dask[distributed]") from e
    if scheduler:
        return Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT}s"), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    return Client(cluster), cluster


def _dask(runs, fn, workers, scheduler, done, shared: Workers | None = None) -> None:
    """Dask distributed: an existing scheduler, or a LocalCluster on loopback for this batch.

    The scheduler reschedules the runs of a worker that dies (up to its allowed-failures); a run
    that still cannot finish (KilledWorker) is recorded as failed. Any other error of a future
    means the cluster is gone (scheduler lost): SchedulerLost, so the batch is interrupted and
    can be resumed, never stored as failed.
    """
    client, cluster = (shared.dask_client(), None) if shared else _dask_client(workers, scheduler)
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker
    try:
        queue = enumerate(runs)            # submitted DASK_IN_FLIGHT at a time, in order
        futures = {client.submit(execute_one, fn, run, pure=False): i
                   for i, run in itertools.islice(queue, DASK_IN_FLIGHT)}
        flow = as_completed(futures)
        for fut in flow:
            i = futures.pop(fut)
            try:
                done(i, fut.result())
            except KilledWorker as e:
                done(i, Outcome(runs[i], error=f"{type(e).__name__}: {e}"))
            except Exception as e:  # noqa: BLE001 - cancelled, comm closed: the scheduler is gone
                raise SchedulerLost(f"{type(e).__name__}: {e}") from None
            for k, run in itertools.islice(queue, 1):
                new = client.submit(execute_one, fn, run, pure=False)
                futures[new] = k
                flow.add(new)
    finally:
        if not shared:
            client.close()
            if cluster is not None:
                cluster.close()
