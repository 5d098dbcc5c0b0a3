"""One driver for every batch command: store, resume, executors, interruption, dry runs."""

from __future__ import annotations

import array
import contextlib
import dataclasses
import errno
import faulthandler
import contextvars
import inspect
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from .errors import (LOST_STATUS, SIGNAL_STATUS, WRITE_STATUS, Interrupted, SchedulerLost,
                     Stop, UserError, in_command, named, option, same_again)
from .executors import (EXECUTORS, SCHEDULER_TIMEOUT, check_loadable, check_scheduler,
                        default_workers, execute)
from .runner import Outcome, Run, RunFunction, Subset, Without, execute_one
from .store import Store, code_version, design_hash, non_finite, now, parameter, short

# The run cap, from measured memory: what grows with a design is about 1 KB a run (the runs
# table's row, its run time, the stored parts' index on resume; the design is a recipe and the
# series and breakdown tables are streamed), measured by benchmarks/bench_memory.py (968 bytes
# a run with the county's 50 indicators); a batch may take 2 GB of it.
BYTES_PER_RUN = 1_000
MEMORY_BUDGET = 2_000_000_000
MAX_RUNS = MEMORY_BUDGET // BYTES_PER_RUN    # a design larger is refused before anything is built
# what stops a batch as a full disk does (exit WRITE_STATUS, the manifest 'interrupted')
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


@dataclasses.dataclass
class Options:
    """How to run a batch (the common command-line options).

    out: the experiment's folder (a str or Path); resume: finish the experiment there;
    overwrite: start it again, emptying a folder that holds an experiment; executor:
    "processes", "inprocess" or "dask"; workers: how many (default all cores); scheduler: an
    existing Dask scheduler's address; progress: a progress bar, None (default) on a terminal
    or in a notebook, True always, False never; allow_code_change: with resume, accept runs
    stored by other code."""
    out: Path
    resume: bool = False
    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    progress: bool | None = None
    allow_code_change: bool = False
    scheduler_timeout: float = SCHEDULER_TIMEOUT
    overwrite: bool = False

    def __post_init__(self):
        if not isinstance(self.out, (str, os.PathLike)) or not str(self.out).strip() \
                or "\0" in str(self.out):
            raise UserError(f"out={short(repr(self.out), 60)}: expected a folder (a str or "
                            "a Path)")
        self.out = Path(self.out)
        if self.executor not in EXECUTORS:
            raise UserError(f"executor={short(repr(self.executor), 40)}: expected one of "
                            f"{', '.join(map(repr, EXECUTORS))}")
        if self.allow_code_change and not self.resume:
            raise UserError(f"{option('--allow-code-change')} goes with {option('--resume')}")


def check_size(total: int, what: str = "the design") -> int:
    """Refuse a batch of more than MAX_RUNS runs (counted before any is built)."""
    if total > MAX_RUNS:
        raise UserError(f"{what}: {total:,} runs is more than the {MAX_RUNS:,} juwei runs in one "
                        "experiment; use fewer samples, levels or replicates")
    return total


def varied_parameters(runs: list[Run]) -> list[str]:
    """Parameter names whose value differs between runs (the columns worth a runs table), in
    one pass over the runs (each made once when they are made lazily), or as a lazy design's
    recipe says (LazyRuns' varied), without making them."""
    if getattr(runs, "varied", None) is not None:
        return list(runs.varied)
    if not len(runs):
        return []
    if dataclasses.is_dataclass(runs[0].params):
        names = [f.name for f in dataclasses.fields(runs[0].params)]
    elif isinstance(runs[0].params, Mapping):       # your own model's params, {input: value}
        names = list(runs[0].params)
    else:
        return []
    first = {n: parameter(runs[0].params, n) for n in names}
    same, varied = set(names), set()
    for r in runs:
        moved = {n for n in same if parameter(r.params, n, None) != first[n]}
        same -= moved
        varied |= moved
    return [n for n in names if n in varied]


def function_name(fn: RunFunction) -> str:
    """The run function as module.name (or a callable object's own `identity`), part of an
    experiment's identity."""
    if isinstance(getattr(fn, "identity", None), str):
        return fn.identity
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


_ASKED_AS: contextvars.ContextVar[list | None] = contextvars.ContextVar("asked_as", default=None)


@contextlib.contextmanager
def asked_as(command: list[str]):
    """Within: experiments started here were asked for as this `juwei` command (its words),
    as the workshop's comparison records the command that runs it again in a terminal."""
    token = _ASKED_AS.set(list(command))
    try:
        yield
    finally:
        _ASKED_AS.reset(token)


def invocation(depth: int = 1) -> dict:
    """How an experiment was asked for, for its manifest and report: the `juwei` command's
    words ({"command": [...]}: the process's, or those given with `asked_as`), or from Python
    the call into juwei that started it ({"call": "juwei.studies.compare.run(...)"}, the
    outermost juwei function on the stack above the caller `depth` frames up, with its
    arguments) — never a notebook kernel's argv."""
    if _ASKED_AS.get() is not None:
        return {"command": _ASKED_AS.get()}
    if in_command():
        return {"command": ["juwei", *sys.argv[1:]]}
    top = __name__.split(".")[0]
    callers = {f"{top}.app", f"{top}.cli", f"{top}.__main__"}     # callers like a user's code

    def library(f) -> bool:
        name = f.f_globals.get("__name__", "")
        return name.split(".")[0] == top and name not in callers
    frame = entry = sys._getframe(depth)
    while frame is not None and library(frame):
        entry, frame = frame, frame.f_back
    return {"call": call_text(entry)}


def call_text(frame, limit: int = 1000) -> str:
    """A frame's function call as text, as it could be typed: arguments that are not None or
    their default by keyword (positionally before a *args, which follows them)."""
    code, values = frame.f_code, frame.f_locals
    fn = frame.f_globals.get(code.co_name)
    params = (inspect.signature(fn).parameters
              if getattr(fn, "__code__", None) is code else {})
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    star = code.co_varnames[len(names)] if code.co_flags & inspect.CO_VARARGS else None
    extra = code.co_varnames[len(names) + bool(star)] \
        if code.co_flags & inspect.CO_VARKEYWORDS else None
    parts = [argument(values.get(n)) for n in names[:code.co_argcount]] if star else []
    parts += [argument(v) for v in values.get(star, ())] if star else []
    for name in names[code.co_argcount if star else 0:]:
        value = values.get(name)
        default = params[name].default if name in params else inspect.Parameter.empty
        if value is not None and not _same(value, default):
            parts.append(f"{name}={argument(value)}")
    parts += [f"{k}={argument(v)}" for k, v in (values.get(extra) or {}).items()] if extra else []
    return short(f"{frame.f_globals.get('__name__')}.{code.co_name}({', '.join(parts)})", limit)


def _same(a, b) -> bool:
    try:
        return a is b or bool(a == b)
    except Exception:  # noqa: BLE001 - tables, arrays: not a default
        return False


def argument(value) -> str:
    """An argument for call_text: options by what they change, named objects by name."""
    if isinstance(value, (list, tuple)):
        more = f", … {len(value)} in all" if len(value) > 8 else ""
        inner = ", ".join(argument(v) for v in value[:8 if more else None]) + more
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {argument(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Path):
        return repr(str(value))
    if isinstance(getattr(value, "name", None), str) and not isinstance(value, type):
        return f"<{type(value).__name__} {value.name!r}>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = [f"{f.name}={argument(getattr(value, f.name))}"
                   for f in dataclasses.fields(value)
                   if f.default is dataclasses.MISSING or getattr(value, f.name) != f.default]
        return f"{type(value).__name__}({', '.join(changed)})"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    return short(repr(value), 60)


def checked(outcome: Outcome, outputs, keep) -> Outcome:
    """An outcome is ok only if every declared output is present and finite in its summary
    and, when series or breakdowns (committee tables) are kept, every kept value is finite
    and the series hold the declared outputs."""
    if not outcome.ok:
        return outcome
    problems = []
    summary = outcome.summary or {}
    if not summary:
        problems.append("an empty summary")
    missing = [o for o in outputs or () if o not in summary]
    if missing:
        problems.append(f"no {', '.join(missing)} in the summary")
    if "series" in keep and outcome.series:
        absent = [o for o in outputs or () if o not in outcome.series]
        if absent:
            problems.append(f"no {', '.join(absent)} in the series")
    problems += non_finite(outcome, keep)
    if not problems:
        return outcome
    return Outcome(outcome.run, error="ValueError: the result has " + "; ".join(problems),
                   seconds=outcome.seconds)


STOP_GRACE_SECONDS = 60.0    # after a stop signal, cleaning up may take this long at most


def exit_if_stuck(status: int, grace: float | None = None) -> None:
    """After a stop signal: if the process still runs `grace` seconds later (cleanup stuck,
    e.g. on a process pool's internal lock), print every thread's stack to stderr and exit
    with `status` anyway, so an interrupted command always gives the shell back. What was
    stored before the signal stays stored; the stacks tell a maintainer where it hung."""
    grace = STOP_GRACE_SECONDS if grace is None else grace

    def watch():
        time.sleep(grace)
        try:
            print(f"juwei: stopping took over {grace:g} s; leaving now (stacks follow, please "
                  "report them)", file=sys.stderr, flush=True)
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            sys.stderr.flush()
        finally:                     # even when stderr cannot take the stacks (no fileno)
            os._exit(status)
    threading.Thread(target=watch, daemon=True, name="exit-if-stuck").start()


@contextlib.contextmanager
def stopping_on_signals(on_stop=None):
    """SIGTERM and SIGHUP stop a batch as Ctrl-C does (raise Stop); restored afterwards.
    In the `juwei` command (as_command) any of the three also arms exit_if_stuck (a Ctrl-C
    ignored by the shell stays ignored). `on_stop(signum)`, if given, runs in the handler
    itself, before any library's own cleanup (which can hang, e.g. pyabc's closing commit
    waiting on a lock): the place to record the stop so that even exit_if_stuck leaves it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def record(signum):
        if on_stop is not None:
            try:
                on_stop(signum)
            except Exception:  # noqa: BLE001 - the stop itself must still happen
                pass

    def handler(signum, frame):
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)     # one stop is enough: finish cleaning up
        if in_command():
            exit_if_stuck(SIGNAL_STATUS[signum])
        record(signum)
        raise Stop(signum)

    def interrupt(signum, frame):
        if in_command():
            exit_if_stuck(SIGNAL_STATUS[signal.SIGINT])
        record(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.default_int_handler)   # a second Ctrl-C as usual
        raise KeyboardInterrupt

    old = {signal.SIGINT: signal.getsignal(signal.SIGINT)}
    if old[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupt)
    old.update({s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)})
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


_GUARDED: list[Store] = []      # the store whose study is writing its outputs (at most one)


def write_error(e: BaseException) -> OSError | None:
    """The write error (a full disk, a quota, ...) behind `e`, if any: `e` itself, or what it
    was raised from or during (a UserError saying a folder cannot be written)."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in WRITE_ERRORS:
            return e
        e = e.__cause__ or e.__context__
    return None


def abandon_guarded(e: BaseException) -> str | None:
    """After a write error while a study writes its outputs (guard_until_finished): mark the
    manifest interrupted, free the folder, and say what happened in one line (None: no study
    was writing, or `e` is no write error)."""
    error = write_error(e)
    if not _GUARDED or error is None:
        return None
    store = _GUARDED[-1]
    why = f"cannot write {error.filename or store.folder} ({error.strerror or error})"
    if store.on_finish:
        store.on_finish()
    store.mark_interrupted(why)
    store.lock.release()
    return (f"{why}: the runs and tables are kept in {store.folder}; once there is room, the "
            f"same command with --resume --out {store.folder} writes the rest")


def guard_until_finished(store: Store) -> None:
    """From now until store.finish(): Ctrl-C, SIGTERM or SIGHUP while the study writes its
    tables, figures and report marks the manifest interrupted (the runs and tables are kept;
    --resume writes the rest), frees the folder and stops as in a batch (raise Stop, whose
    status the command line exits with). finish() restores the handlers."""
    if threading.current_thread() is not threading.main_thread():
        return
    del _GUARDED[:]                # one study writes its outputs at a time
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    old = {s: signal.getsignal(s) for s in stops}

    def restore():
        for s, h in old.items():
            signal.signal(s, h)
        store.on_finish = None
        if store in _GUARDED:
            _GUARDED.remove(store)

    def handler(signum, frame):
        restore()
        if store.lock.fd is not None:          # not finished: say so in the manifest
            store.mark_interrupted(f"interrupted by {signal.Signals(signum).name} while the "
                                   "tables, figures and report were written")
            store.lock.release()
        raise Stop(signum)

    for s in stops:
        signal.signal(s, handler)
    store.on_finish = restore
    _GUARDED.append(store)


def run_batch(runs: list[Run], opts: Options, kind: str, design: dict, fn: RunFunction,
              keep=("series", "breakdown"), desc: str = "runs", on_outcome=None,
              outputs=None, finish: bool = True):
    """Run (or finish) an experiment into opts.out; return its store and consolidated tables.

    `keep` names what of each result is stored besides its summary: "series", "breakdown".
    `outputs` names the outputs every run must give, finite (else it is stored as failed).
    on_outcome(index, outcome), if given, is told of each run as it is stored (progress).
    Each finished run is stored at once; Ctrl-C, SIGTERM, SIGHUP or a kill loses at most the
    runs in flight, and the same call with resume=True does only what is missing or failed.
    tables["runs"] holds the successful runs, tables["failed"] the others with their errors.
    With finish=False the manifest stays "tables" until the caller, having written its own
    outputs, calls store.finish().
    """
    check_size(len(runs))
    keep = tuple(keep)
    if opts.scheduler:
        check_scheduler(opts.scheduler, opts.scheduler_timeout)     # before anything is written
    elif opts.executor == "processes":
        check_loadable(fn)
    workers = max(1, min(opts.workers or default_workers(), len(runs)))
    fn_name = function_name(fn)
    store = Store(opts.out)
    store.create({
        "kind": kind, "design": design, "design_hash": design_hash(runs, fn_name),
        "run_function": fn_name, "total": len(runs), "keep": list(keep),
        "outputs": list(outputs) if outputs else None,
        "executor": "dask" if opts.scheduler else opts.executor,
        "workers": workers, "scheduler": opts.scheduler,
        "started": now(), "status": "running", "code": code_version(fn),
        **invocation(),
    }, opts.resume, opts.allow_code_change, opts.overwrite)
    t0 = time.perf_counter()
    try:
        with stopping_on_signals():
            done = store.finished(runs) if opts.resume else {}
            todo = Without(len(runs), done)       # never a list of every run left
            if opts.resume:
                print(f"resuming {opts.out}: {len(done)} of {len(runs)} runs already stored",
                      file=sys.stderr)
            if store.manifest.get("status") != "running":
                store.manifest.update(status="running")
                store.write_manifest()

            def stored(i, o):
                o = checked(o, outputs, keep)
                store.write_part(i, o, set(keep))
                if on_outcome:
                    on_outcome(i, o)
            execute(Subset(runs, todo), fn, opts.executor, min(workers, max(len(todo), 1)),
                    opts.scheduler, on_outcome=stored, progress=opts.progress, desc=desc,
                    indices=todo, keep_outcomes=False)
            seconds, errors = array.array("d"), []

            def seen(i, o):
                seconds.append(o.seconds)
                if not o.ok:
                    errors.append({"run": i, **o.run.labels, "seed": o.run.seed,
                                   "error": o.error})
            varied = varied_parameters(runs)      # the runs table's parameter columns
            tables = store.consolidate(runs, varied, lambda: {
                "parameters": varied,
                "wall_seconds": round(time.perf_counter() - t0, 3),
                "run_seconds_median": round(statistics.median(seconds), 4) if seconds else None,
                "errors": errors,
            }, on_part=seen)
    except (KeyboardInterrupt, SchedulerLost, OSError, UserError) as e:
        full = write_error(e) if isinstance(e, (OSError, UserError)) else None
        if isinstance(e, (OSError, UserError)) and full is None:
            store.lock.release()
            raise
        stored = sum(store.check_parts(runs, quarantine=False).values())
        then = ""
        if isinstance(e, SchedulerLost):
            why, status = f"the Dask scheduler was lost ({e})", LOST_STATUS
        elif full is not None:                  # a full disk: which file, and what is kept
            why = f"cannot write {full.filename or opts.out} ({full.strerror or full})"
            status, then = WRITE_STATUS, "once there is room, "
        else:
            signum = e.signum if isinstance(e, Stop) else signal.SIGINT
            why, status = f"interrupted by {signal.Signals(signum).name}", SIGNAL_STATUS[signum]
        store.mark_interrupted(why)
        store.lock.release()
        raise Interrupted(f"{why}: {stored} of {len(runs)} runs are stored in {opts.out}; "
                          f"{then}{same_again(opts.out)} finishes the rest", status) from None
    except BaseException:
        store.lock.release()
        raise
    if finish:
        store.finish()
    else:
        guard_until_finished(store)
    everything = tables["runs"]
    tables["runs"] = everything[everything.status == "ok"].reset_index(drop=True)
    tables["failed"] = everything[everything.status != "ok"].reset_index(drop=True)
    return store, tables


def remaining(runs: list[Run], fn: RunFunction, folder: Path) -> int:
    """How many runs a --resume of `folder` would do (for --resume --dry-run); reads only."""
    fn_name = function_name(fn)
    store = Store(folder)
    if not store.folder.is_dir():
        raise UserError(f"{option('--resume')} {folder}: no experiment there to resume")
    store.stamp = {"design_hash": design_hash(runs, fn_name), "code_id": None}
    store.allow_code_change = True
    old = store._old_manifest()
    if old is not None and old.get("design_hash") != store.stamp["design_hash"]:
        raise UserError(f"{option('--resume')} {folder}: the design differs from the one "
                        f"started there; use another folder ({named('--out')})")
    done = store.check_parts(runs, quarantine=False)
    return len(runs) - sum(done.values())


def estimate(runs: list[Run], fn: RunFunction, workers: int | None, shorten=None,
             total: int | None = None, say=None) -> str:
    """A dry run's answer: how many runs, and a time estimate from one timed run.

    `shorten(params) -> (shorter params, how many times longer the full run is)`, if given,
    makes the timed run a short one (the county model times one year of a longer horizon).
    `total`, if given, is the number of runs, and `runs` need only hold the probe run (a
    design too large to build just to count). `say(count, per_run, seconds, workers, error)`,
    if given, words the answer (another language); else it is in English.
    """
    workers = workers or default_workers()
    probe = runs[0]
    count = len(runs) if total is None else total
    if count == 0:
        return say(0, 0.0, 0.0, 0, None) if say else "0 runs left to do"
    params, factor = shorten(probe.params) if shorten else (probe.params, 1)
    outcome = execute_one(fn, Run(probe.labels, params, probe.seed))
    per_run = outcome.seconds * factor
    seconds = per_run * count / min(workers, count) / 0.9   # ~90% parallel efficiency
    if say:
        return say(count, per_run, seconds, min(workers, count),
                   None if outcome.ok else outcome.error)
    status = "" if outcome.ok else f" (the probe run failed: {outcome.error})"
    return (f"{count} runs; one run takes about {per_run:.2f} s here, so about "
            f"{duration(seconds)} on {min(workers, count)} worker(s){status}")


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
