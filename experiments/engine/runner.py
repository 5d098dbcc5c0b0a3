"""One run: a (parameters, seed) pair through any run function, into an `Outcome`.

The engine drives any callable `fn(params, seed)`, not only the county model (README, "Your own
model"). It returns a dict or an object with:

- `summary`: name -> float (required; a non-finite value makes the run a failure);
- `series`: name -> array over steps (optional);
- `time_axis`: (column, steps per unit[, first step]), e.g. ("year", 52, -52): what a step
  means and the number of the first (optional; the series table then gets that column, step /
  steps per unit; a model that records a year before its switch starts at step -52);
- `breakdown`: (entity, {name: array over entities}), e.g. ("committee", {...}): one value per
  member of the run (optional; stored as the table "<entity>s");
- `payload`: any picklable object handed back to the caller as it is, never stored (optional;
  the calibration's particles travel back from the workers this way).

The engine knows nothing else of the model it runs.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

RunFunction = Callable[[Any, int], Any]


@dataclass
class Run:
    """One run to do: where it belongs (labels), its parameters and its seed."""
    labels: dict
    params: Any
    seed: int


class LazyRuns(Sequence):
    """`count` runs made one at a time by `make(i)` when they are needed, never all held: a
    design of a million runs costs its recipe, not a million parameter sets (about 8 KB each),
    before anything runs. Indexing makes run i anew each time.

    `identity`, if given, is the recipe in JSON-able data (base parameters, the points'
    digest, seeds, ...): everything `make` depends on besides the code. The design hash is
    then the recipe's, so a design is not made run by run (about 1 ms a run) before the
    first one starts. `varied`, if given, names the parameters that differ between runs (the
    runs table's columns), which would otherwise take making every run again."""

    def __init__(self, count: int, make: Callable[[int], Run], identity: Any = None,
                 varied: list[str] | None = None):
        self.count, self.make = count, make
        self.identity, self.varied = identity, varied

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.make(k) for k in range(*i.indices(self.count))]
        if not -self.count <= i < self.count:
            raise IndexError(i)
        return self.make(i % self.count)


class Subset(Sequence):
    """The runs of `runs` at `indices`, in that order, made as they are needed."""

    def __init__(self, runs: Sequence, indices: list[int]):
        self.runs, self.indices = runs, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.runs[k] for k in self.indices[i]]
        return self.runs[self.indices[i]]


class Without(Sequence):
    """The numbers 0..count-1 but those `done`, in order, never listed whole: a resumed design
    of a million runs costs the runs stored, not a list of the million left."""

    def __init__(self, count: int, done):
        self.count, self.done = count, sorted(done)

    def __len__(self) -> int:
        return self.count - len(self.done)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        lo, hi = i, i + len(self.done)          # the answer n has n - (done below n) == i
        while lo < hi:
            mid = (lo + hi) // 2
            if mid - bisect.bisect_right(self.done, mid) < i:
                lo = mid + 1
            else:
                hi = mid
        while bisect.bisect_left(self.done, lo) < len(self.done) and \
                self.done[bisect.bisect_left(self.done, lo)] == lo:
            lo += 1
        return lo


@dataclass
class Outcome:
    """What one run gave: its `summary`, `series`, `breakdown` and `time_axis` as the run
    function returned them, or its `error` (a failed run), and the seconds it took."""
    run: Run
    series: dict | None = None
    summary: dict | None = None
    breakdown: tuple[str, dict] | None = None
    time_axis: tuple[str, float] | None = None
    error: str | None = None
    seconds: float = 0.0
    payload: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextlib.contextmanager
def releasing_mesa_models():
    """Forget the Mesa models made inside the block. Mesa 3.3.1 keeps every model alive in
    `Agent._ids`, so a worker that builds thousands of models would otherwise grow without
    limit. Does nothing when Mesa is not imported."""
    mesa = sys.modules.get("mesa")
    before = set(mesa.Agent._ids) if mesa else set()
    try:
        yield
    finally:
        mesa = sys.modules.get("mesa")
        if mesa:
            for key in set(mesa.Agent._ids) - before:
                mesa.Agent._ids.pop(key, None)


def _field(result, name):
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def execute_one(fn: RunFunction, run: Run) -> Outcome:
    """Run one; an exception becomes a recorded failure, never a NaN (top level for workers)."""
    start = time.perf_counter()
    try:
        with releasing_mesa_models():
            result = fn(run.params, run.seed)
        summary = {k: float(v) for k, v in _field(result, "summary").items()}
        bad = [k for k, v in summary.items() if not np.isfinite(v)]
        if bad:
            raise FloatingPointError(f"non-finite summary values: {', '.join(bad)}")
        series = {k: np.asarray(v, dtype=float)
                  for k, v in (_field(result, "series") or {}).items()}
        breakdown = _field(result, "breakdown")
        if breakdown:
            entity, values = breakdown
            breakdown = (str(entity), {k: np.asarray(v, dtype=float) for k, v in values.items()})
        axis = _field(result, "time_axis")
        return Outcome(run, series, summary, breakdown or None,
                       (str(axis[0]), *axis[1:]) if axis else None,
                       seconds=time.perf_counter() - start, payload=_field(result, "payload"))
    except Exception as e:  # noqa: BLE001 - any failure of a user's model is recorded
        last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        where = f" at {os.path.basename(last.filename)}:{last.lineno}" if last else ""
        return Outcome(run, error=f"{type(e).__name__}: {e}{where}",
                       seconds=time.perf_counter() - start)
