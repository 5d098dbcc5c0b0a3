"""One driver for every batch command: store, resume, executors, interruption, dry runs."""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

from .errors import Interrupted
from .executors import default_workers, execute
from .runner import Run, RunFunction, execute_one
from .store import Store, code_version, design_hash, now, write_json


@dataclasses.dataclass
class Options:
    """How to run a batch (the common command-line options)."""
    out: Path
    resume: bool = False
    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True


def varied_parameters(runs: list[Run]) -> list[str]:
    """Parameter names whose value differs between runs (the columns worth a runs table)."""
    if not runs or not dataclasses.is_dataclass(runs[0].params):
        return []
    names = [f.name for f in dataclasses.fields(runs[0].params)]
    return [n for n in names if len({getattr(r.params, n) for r in runs}) > 1]


def run_batch(runs: list[Run], opts: Options, kind: str, design: dict, fn: RunFunction,
              keep=("series", "breakdown"), desc: str = "runs", on_outcome=None):
    """Run (or finish) an experiment into opts.out; return its store and consolidated tables.

    `keep` names what of each result is stored besides its summary: "series", "breakdown".
    on_outcome(index, outcome), if given, is told of each run as it is stored (progress).
    Each finished run is stored at once; Ctrl-C or a kill loses at most the runs in flight, and
    the same call with resume=True does only what is missing or failed.
    """
    fn_name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    store = Store(opts.out)
    store.create({
        "kind": kind, "design": design, "design_hash": design_hash(runs, fn_name),
        "run_function": fn_name, "total": len(runs), "keep": list(keep),
        "executor": "dask" if opts.scheduler else opts.executor,
        "workers": opts.workers or default_workers(), "scheduler": opts.scheduler,
        "started": now(), "status": "running", "code": code_version(),
        "command": ["juwei", *sys.argv[1:]],
    }, opts.resume)
    done = store.finished(runs) if opts.resume else {}
    todo = [i for i in range(len(runs)) if i not in done]
    if opts.resume:
        print(f"resuming {opts.out}: {len(done)} of {len(runs)} runs already stored",
              file=sys.stderr)
    t0 = time.perf_counter()
    try:
        def stored(i, o):
            store.write_part(i, o, set(keep))
            if on_outcome:
                on_outcome(i, o)
        execute([runs[i] for i in todo], fn, opts.executor, opts.workers, opts.scheduler,
                on_outcome=stored, progress=opts.progress, desc=desc, indices=todo)
    except KeyboardInterrupt:
        stored = len(store.finished(runs))
        store.manifest.update(status="interrupted", interrupted=now())
        write_json(store.manifest_path, store.manifest)
        raise Interrupted(f"interrupted: {stored} of {len(runs)} runs are stored in {opts.out}; "
                          f"the same command with --resume --out {opts.out} finishes the "
                          "rest") from None
    parts = store.all_parts(runs)
    seconds = [o.seconds for _, o in parts]
    tables = store.consolidate(runs, varied_parameters(runs), {
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "run_seconds_median": round(statistics.median(seconds), 4) if seconds else None,
        "errors": [{"run": i, **o.run.labels, "seed": o.run.seed, "error": o.error}
                   for i, o in parts if not o.ok],
    })
    return store, tables


def estimate(runs: list[Run], fn: RunFunction, workers: int | None, shorten=None) -> str:
    """A dry run's answer: how many runs, and a time estimate from one timed run.

    `shorten(params) -> (shorter params, how many times longer the full run is)`, if given,
    makes the timed run a short one (the county model times one year of a longer horizon).
    """
    workers = workers or default_workers()
    probe = runs[0]
    params, factor = shorten(probe.params) if shorten else (probe.params, 1)
    outcome = execute_one(fn, Run(probe.labels, params, probe.seed))
    per_run = outcome.seconds * factor
    total = per_run * len(runs) / min(workers, len(runs)) / 0.9   # ~90% parallel efficiency
    status = "" if outcome.ok else f" (the probe run failed: {outcome.error})"
    return (f"{len(runs)} runs; one run takes about {per_run:.2f} s here, so about "
            f"{_duration(total)} on {min(workers, len(runs))} worker(s){status}")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
