"""Running many (parameters, seed) pairs: seeds, executors, progress.

Any callable `fn(params, seed) -> result` with `.series` (name -> weekly array) and `.summary`
(name -> float) can be driven, not only the county model (see README, "Your own model").
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
from tqdm import tqdm

import model

RunFunction = Callable[[Any, int], Any]


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Replicate seeds spawned from one root (SeedSequence); the same for every scenario."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> 1) for c in children]


@dataclass
class Run:
    """One run to do: where it belongs (labels), its parameters and its seed."""
    labels: dict
    params: Any
    seed: int


@dataclass
class Outcome:
    run: Run
    series: dict | None = None
    summary: dict | None = None
    error: str | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def execute_one(fn: RunFunction, run: Run) -> Outcome:
    """Run one; an exception becomes a recorded failure, never a NaN (top level for workers)."""
    start = time.perf_counter()
    try:
        result = fn(run.params, run.seed)
        series = {k: np.asarray(v, dtype=float) for k, v in result.series.items()}
        summary = {k: float(v) for k, v in result.summary.items()}
        bad = [k for k, v in summary.items() if not np.isfinite(v)]
        if bad:
            raise FloatingPointError(f"non-finite summary values: {', '.join(bad)}")
        extra = {}
        cs = getattr(result, "committee_series", None)
        if cs:
            extra["committees"] = {k: np.asarray(v)[-model.STEPS_PER_YEAR:].mean(axis=0)
                                   for k, v in cs.items()}
        return Outcome(run, series, summary, seconds=time.perf_counter() - start, extra=extra)
    except Exception as e:  # noqa: BLE001 - any failure of a user's model is recorded
        last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        where = f" at {os.path.basename(last.filename)}:{last.lineno}" if last else ""
        return Outcome(run, error=f"{type(e).__name__}: {e}{where}",
                       seconds=time.perf_counter() - start)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def execute(runs: Iterable[Run], fn: RunFunction = model.run, executor: str = "processes",
            workers: int | None = None, on_outcome: Callable[[Outcome], None] | None = None,
            progress: bool = True, desc: str = "runs") -> list[Outcome]:
    """Do the runs and return their outcomes in the order given.

    executor: "inprocess" or "processes" (a local pool of `workers`, default all cores).
    on_outcome is called as each run finishes (in completion order), e.g. to store it.
    """
    runs = list(runs)
    outcomes: list[Outcome | None] = [None] * len(runs)
    bar = tqdm(total=len(runs), desc=desc, unit="run", disable=None if progress else True,
               dynamic_ncols=True)
    failed = 0

    def done(i: int, outcome: Outcome) -> None:
        nonlocal failed
        outcomes[i] = outcome
        failed += not outcome.ok
        if on_outcome:
            on_outcome(outcome)
        bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    try:
        workers = workers or default_workers()
        if executor == "inprocess" or workers == 1 or len(runs) <= 1:
            for i, run in enumerate(runs):
                done(i, execute_one(fn, run))
        elif executor == "processes":
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(runs)), mp_context=ctx,
                                     max_tasks_per_child=50) as pool:
                pending = {pool.submit(execute_one, fn, run): i for i, run in enumerate(runs)}
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        done(pending.pop(fut), fut.result())
        else:
            raise ValueError(f"unknown executor {executor!r}")
    finally:
        bar.close()
    return outcomes  # type: ignore[return-value]
