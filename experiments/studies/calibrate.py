"""Calibration by approximate Bayesian computation, sequential Monte Carlo (pyabc's ABCSMC).

The patterns of spec §7 and the figures of spec §8 become distances: a particle (a value of each
calibrated constant) runs the validation batch (the scenario and the campaign pair, `replicates`
each), and its distance is the weighted sum of its figures' gaps outside their intervals
(inputs/calibration.py), on the same seeds for every particle (common random numbers). Under the
likelihood kernel each candidate runs on its own seeds instead, so that the kernel's acceptance
averages over the model's noise (ParticleModel).

Determinism. pyabc's own samplers accept particles in completion order and reseed from entropy.
`SeededSampler` instead evaluates candidates in batches through juwei's executors (processes,
or Dask with --scheduler): candidate i of generation t draws its proposal from
SeedSequence(seed, spawn_key=(t + 1, i)), and the generation keeps the first n accepted by index,
so the posterior does not depend on the executor, the number of workers or the order runs
finish in. An interrupted calibration resumes from the last generation in history.db and redoes
only the generation it was in, with the same seeds, so the posterior is bit-identical to an
uninterrupted run's (tests/test_calibrate.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import math
import random
import shutil
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import AnalysisRefused, Interrupted, Options, Run, execute
from ..engine.batch import guard_until_finished, invocation, stopping_on_signals, write_error
from ..engine.errors import (LOST_STATUS, SIGNAL_STATUS, WRITE_STATUS, SchedulerLost, Stop,
                             UserError, same_again)
from ..engine.executors import Workers, check_scheduler, default_workers
from ..engine.seeds import derived_seed
from ..engine.show import Brief
from ..engine.store import Store, atomic_write, code_version, now, short, write_parquet
from ..inputs.calibration import PAIRED
from ..inputs.ensemble import POSTERIOR, draws
from ..model.params import from_sample
from . import validate
from .common import county_function, county_record

HISTORY = "history.db"
FAILED = "failed"              # a candidate whose runs failed: its figures hold only this key
PREDICTIVE_STREAM = 1          # the stream of the fresh seeds of the predictive checks
BATCH_MARGIN = 1.1             # candidates per batch: those the acceptance rate needs, x this
MIN_RATE = 0.05                # ... sized as if at least this share will be accepted
MAX_DROPPED = 0.05             # infinite weights in more than this share of a generation: refuse


@dataclass(frozen=True)
class ParticleModel:
    """The calibrated constants -> the figures (FIGURES), averaged over the replicates; the
    campaign pair runs only when burden_paradox is wanted. Every particle runs on the same
    replicate seeds of `seed` (common random numbers: an interval filter compares particles,
    not seeds), unless `per_candidate`: then each call draws its seed from numpy's global
    generator, which every candidate seeds from its own seed (Candidate), so the likelihood
    kernel integrates over the model's noise (pseudo-marginal) instead of conditioning on one
    set of random numbers, which makes a posterior too narrow and centred on that set's luck."""
    base: object                 # Parameters of the scenario
    names: tuple[str, ...]
    replicates: int
    seed: int
    fn: object                   # the run function of the scenario's county
    figures: tuple[str, ...]
    per_candidate: bool = False

    def params(self, values) -> object:
        return dataclasses.replace(self.base, **{n: from_sample(n, values[n]) for n in self.names})

    def __call__(self, values) -> dict:
        seed = int(np.random.randint(2**63 - 1, dtype=np.int64)) if self.per_candidate \
            else self.seed
        tables = validate.batch(self.params(values), self.replicates, seed,
                                executor="inprocess", progress=False, fn=self.fn,
                                pair=PAIRED in self.figures)
        return validate.figures(tables)[list(self.figures)].mean().to_dict()


@dataclass(frozen=True)
class Guarded:
    """pyabc's model: any `model(values) -> {figure: number}`, with failures caught. A model
    that raises, or gives a figure that is missing or not finite, yields {FAILED: message},
    which IntervalDistance puts at infinity: the candidate is rejected and recorded in the
    manifest, never turned into a NaN."""
    model: object
    figures: tuple[str, ...]

    def __call__(self, values) -> dict:
        try:
            f = self.model(values)
            out = {k: float(f[k]) for k in self.figures}
        except Exception as e:  # noqa: BLE001 - a failed run is a rejected, recorded candidate
            return {FAILED: short(f"{type(e).__name__}: {e}", 300)}
        bad = [k for k, v in out.items() if not math.isfinite(v)]
        return {FAILED: f"non-finite figures: {', '.join(bad)}"} if bad else out


@dataclass(frozen=True)
class IntervalDistance:
    """The weighted sum of the targets' gaps outside their intervals (0: every target inside);
    infinite for a failed candidate. Held-out targets weigh 0."""
    targets: tuple

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        if FAILED in x:
            return math.inf
        return float(sum(t.weight * t.gap(x[t.figure]) for t in self.targets if t.weight > 0))


def kernel_for(targets):
    """The likelihood kernel of `inference = "kernel"`: log density -1/2 x the weighted sum of
    the targets' squared gaps (a measurement's gap from its value in sd; a bound's outside its
    interval in its scale, flat inside), -inf for a failed candidate. Its maximum is 0, so
    pyabc's stochastic acceptor accepts with probability exp(log density / temperature); at
    temperature 1 the particles are the posterior under the targets' stated errors (Wilkinson
    2013, exact ABC with model error)."""
    from pyabc.distance import SCALE_LOG, StochasticKernel

    class GapKernel(StochasticKernel):
        def __init__(self):
            super().__init__(ret_scale=SCALE_LOG, keys=[t.figure for t in targets], pdf_max=0.0)

        def __call__(self, x: dict, x_0: dict, t: int = None, par: dict = None) -> float:
            if FAILED in x:
                return -math.inf
            return -0.5 * float(sum(g.weight * g.gap(x[g.figure]) ** 2 for g in targets
                                    if g.weight > 0))

    return GapKernel()


@dataclass(frozen=True)
class Candidate:
    """One candidate particle as an engine run function: seed numpy's and Python's global
    generators from the run's seed (pyabc draws proposals from them), call pyabc's
    simulate_one, hand the particle back as the payload. The caller's generators are left as
    they were, so the in-process executor gives the same candidates as a pool."""
    simulate_one: bytes          # cloudpickled

    def __call__(self, params, seed: int) -> dict:
        with seeded_globals(seed):
            particle = _loaded(self.simulate_one)()
        error = particle.sum_stat.get(FAILED) if isinstance(particle.sum_stat, dict) else None
        return {"summary": {"accepted": float(bool(particle.accepted))}, "payload":
                (particle, error)}


@functools.lru_cache(maxsize=2)
def _loaded(blob: bytes):
    """pyabc's simulate_one, unpickled once per batch and worker rather than per candidate
    (it was most of a cheap model's time); every call reseeds the globals it draws from."""
    import cloudpickle
    return cloudpickle.loads(blob)


_GLOBALS = threading.RLock()   # one holder of the process's global generators at a time


@contextlib.contextmanager
def seeded_globals(seed: int):
    """Within: numpy's and Python's global generators seeded from `seed` (pyabc, and a toy
    model, draw from them); after: as they were, so in-process runs match a pool's. The
    generators are the process's, so threads take turns (a Dask worker with several threads
    runs its candidates one at a time, and each still draws only its own numbers)."""
    with _GLOBALS:
        saved_np, saved_py = np.random.get_state(), random.getstate()
        np.random.seed(np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32))
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(saved_np)
            random.setstate(saved_py)


def candidate_seed(root: int, t: int, i: int) -> int:
    """Candidate i of generation t (t = -1: pyabc's calibration sample from the prior)."""
    state = np.random.SeedSequence(root, spawn_key=(t + 1, i)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def master_seed(root: int, t: int) -> int:
    """What the main process's generators are set to after generation t, so that anything
    pyabc draws between generations is the same in a resumed run."""
    return candidate_seed(root, t, 2**31) % 2**32


def _sampler_class():
    from pyabc.sampler.base import Sampler

    class SeededSampler(Sampler):
        """Candidates in batches through juwei's executors; the first n accepted by index."""

        def __init__(self, root: int, opts: Options, on_failure, on_batch,
                     pool: Workers | None = None):
            super().__init__()
            self.root, self.opts, self.pool = root, opts, pool
            self.on_failure, self.on_batch = on_failure, on_batch
            self.workers = opts.workers or default_workers()
            self.rate = 1.0              # the last generation's acceptance: the first guess
            self.busy_seconds = 0.0      # candidates' own run time, summed (vs wall x workers)

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle
            task = Candidate(cloudpickle.dumps(simulate_one))
            sample = self._create_empty_sample()
            accepted = evaluated = start = dropped = 0
            while accepted < n and evaluated < max_eval:
                rate = accepted / evaluated if evaluated else self.rate
                size = math.ceil(BATCH_MARGIN * (n - accepted) / max(rate, MIN_RATE))
                size = -(-size // self.workers) * self.workers      # whole rounds of workers
                if max_eval < np.inf:
                    size = max(1, min(size, int(max_eval) - evaluated))
                runs = [Run({"generation": t, "candidate": i}, None,
                            candidate_seed(self.root, t, i)) for i in range(start, start + size)]
                desc = "prior sample" if t < 0 else f"generation {t}"
                outcomes = execute(runs, task, self.opts.executor, self.workers,
                                   self.opts.scheduler, progress=self.opts.progress, desc=desc,
                                   pool=self.pool)
                start += size
                self.busy_seconds += sum(o.seconds or 0.0 for o in outcomes)
                for o in outcomes:
                    if accepted >= n or evaluated >= max_eval:
                        break                     # beyond the n-th accepted: not counted
                    evaluated += 1
                    if not o.ok:                  # the candidate's worker died, or a bug
                        self.on_failure(t, o.run, o.error)
                        continue
                    particle, error = o.payload
                    if error:                     # failed runs: recorded, never accepted
                        self.on_failure(t, o.run, error)
                        continue
                    if particle.accepted and not math.isfinite(particle.weight):
                        # the proposal density underflowed to 0 (a degenerate population):
                        # an infinite weight would make the whole generation NaN
                        self.on_failure(t, o.run, "non-finite importance weight (the proposal "
                                        "density underflowed); left out")
                        dropped += 1
                        if dropped > MAX_DROPPED * n:
                            raise AnalysisRefused(
                                f"generation {t}: {dropped} accepted candidates had infinite "
                                "importance weights: the population has degenerated onto a few "
                                "particles. Use a larger population or fewer constants")
                        continue
                    sample.append(particle)
                    accepted += bool(particle.accepted)
                self.on_batch(t, evaluated, accepted, n)
                if accepted == 0 and evaluated >= 4 * n and all(not o.ok or o.payload[1]
                                                                for o in outcomes):
                    raise AnalysisRefused(f"every candidate of generation {t} so far failed; "
                                          "the first error is in the manifest")
            self.nr_evaluations_ = evaluated
            self.rate = accepted / evaluated if evaluated else 1.0
            sample.ok = accepted >= n
            np.random.seed(master_seed(self.root, t))
            random.seed(master_seed(self.root, t))
            return sample

    return SeededSampler


@dataclass(repr=False)
class Calibration(Brief):
    """What `juwei.calibrate` returns: the folder `out` (give it as `ensemble=` to the other
    studies), the `design`, the `posterior` (the last generation: each constant, weight,
    distance and figure), the `generations` (epsilon, candidates, acceptance, effective
    sample size), the `predictive` checks (posterior draws rerun on fresh seeds) and the
    `manifest`. constants.csv, checks.csv and report.html are in the folder."""
    out: Path
    design: object
    posterior: pd.DataFrame          # the last generation: constants, weight, distance, figures
    generations: pd.DataFrame        # t, epsilon, samples, accepted, acceptance
    predictive: pd.DataFrame         # fresh-seed reruns of posterior draws: draw, particle,
                                     # seed, constants, failed, figures
    manifest: dict


def county_model(design, seed: int, per_candidate: bool = False,
                 candidates: bool = False) -> ParticleModel:
    """The design's figures of the county model (`candidates`: those a candidate needs), on
    the replicate seeds of `seed` (or, with `per_candidate`, each call's own: ParticleModel).
    A candidate's burn-in is its own (its constants are), so it is kept in memory for its
    campaign pair and never written to the machine's cache, where it would push useful states
    out."""
    fn = dataclasses.replace(county_function(design.base.county, design.base.params),
                             folder=None)
    return ParticleModel(design.base.params, tuple(p.name for p in design.priors),
                         design.replicates, seed, fn, figures_of(design, candidates),
                         per_candidate)


def figures_of(design, candidates: bool = False) -> tuple[str, ...]:
    """The figures a design reads (the predictive checks compute them all); with `candidates`,
    those each candidate of the fit needs: a held-out figure that needs the campaign pair is
    left to the predictive checks, so it does not triple every candidate's runs."""
    return tuple(dict.fromkeys(t.figure for t in design.targets
                               if not (candidates and t.held_out and t.figure == PAIRED)))


def abc_for(design, opts: Options, on_failure, on_batch, model=None,
            pool: Workers | None = None):
    """The pyabc ABCSMC object of a design (nothing run, nothing stored); `model` (values ->
    figures) defaults to the county model; candidates run on `pool` if given."""
    import pyabc
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    kernel = design.inference == "kernel"
    model = Guarded(model or county_model(design, design.seed, per_candidate=kernel,
                                          candidates=True), figures_of(design, candidates=True))
    priors = pyabc.Distribution(**{p.name: p.pyabc() for p in design.priors})
    sampler = _sampler_class()(design.seed, opts, on_failure, on_batch, pool)
    if kernel:
        return pyabc.ABCSMC(model, priors, kernel_for(tuple(design.targets)),
                            population_size=design.population, sampler=sampler,
                            eps=pyabc.Temperature(), acceptor=pyabc.StochasticAcceptor())
    return pyabc.ABCSMC(model, priors, IntervalDistance(tuple(design.targets)),
                        population_size=design.population, sampler=sampler,
                        eps=pyabc.QuantileEpsilon(alpha=0.5))


def final_epsilon(design) -> float:
    """Where the calibration ends: the design's distance threshold, or temperature 1 (the
    posterior under the targets' errors) for a kernel."""
    return 1.0 if design.inference == "kernel" else design.min_epsilon


def run(design, opts: Options, model=None, report: bool = True) -> Calibration:
    """Calibrate into opts.out (history.db, posterior.parquet, figures, report.html);
    --resume continues from the last finished generation. `model(values) -> {figure: number}`
    replaces the county model (a toy for tests; it must pickle for worker processes).
    `report=False` leaves out the figures and report.html (a coverage check's many fits).
    A design with inference = "emulator" is studies/emulate.py's (studies/fit.py chooses)."""
    if design.inference == "emulator":
        raise ValueError("an emulator design is fitted by juwei.studies.fit.run (emulate.run)")
    if opts.scheduler:
        check_scheduler(opts.scheduler, opts.scheduler_timeout)
    store = Store(opts.out)
    manifest = {"kind": "calibrate", "design": {**design.as_dict(), **county_record(design.base)},
                "design_hash": design.digest(), "run_function": "juwei.studies.calibrate",
                "executor": "dask" if opts.scheduler else opts.executor,
                "workers": opts.workers or default_workers(), "scheduler": opts.scheduler,
                "started": now(), "status": "running", "code": code_version(),
                **invocation(), "failed_candidates": [],
                "generations_done": 0}
    old = store._old_manifest() if opts.resume else None
    store.create(manifest, opts.resume, opts.allow_code_change, opts.overwrite)
    m = store.manifest
    # a history with no finished generation is started over (the same seeds redo it); a
    # foreign one is refused (the manifest left as it was), an unreadable one quarantined
    identity = {"design_hash": design.digest(), "seed": str(design.seed),
                "code_id": m["code"]["code_id"]}
    try:
        resumed = opts.resume and resumable(opts.out / HISTORY, identity,
                                            opts.allow_code_change)
    except BaseException:
        if old is not None:
            store.manifest = old
            store.write_manifest()
        store.lock.release()
        raise
    sampled = bool((old or {}).get("sampled"))      # abc.run returned: nothing left to sample
    db = "sqlite:///" + str((opts.out / HISTORY).resolve())
    t0 = time.perf_counter()
    earlier = (old or {}).get("wall_seconds", 0.0)   # earlier sessions' time, as candidate_seconds

    def wall() -> float:
        """Wall time spent on this calibration folder so far, every session counted."""
        return round(earlier + time.perf_counter() - t0, 3)

    def on_failure(t, run_, error):
        m["failed_candidates"].append({"generation": t, "candidate": run_.labels["candidate"],
                                       "seed": run_.seed, "error": error})
        store.write_manifest()

    def on_batch(t, evaluated, accepted, n):
        what = "prior sample (sets the first epsilon)" if t < 0 else f"generation {t}"
        print(f"  {what}: {accepted} of {n} accepted after {evaluated} candidates",
              file=sys.stderr)

    stop = None

    def record_stop(e, quick: bool = False) -> Interrupted:
        """Mark the manifest interrupted. Called first from the signal handler itself (quick:
        a plain read of history.db that gives up on a lock), before pyabc's own cleanup and
        the workers' shutdown, which can hang, so that even a cleanup cut short by
        exit_if_stuck leaves the manifest right; then again once the stop has unwound."""
        path = opts.out / HISTORY
        finished = (0 if not path.exists() else _stored_quickly(path) if quick else _stored(db))
        why, status = stop_reason(e)
        m.update(status="interrupted", interrupted=now(), interrupted_by=why,
                 generations_done=int(max(finished, 0)), wall_seconds=wall())
        store.write_manifest()
        return Interrupted(f"{why}: {max(finished, 0)} of {design.generations} generations are "
                           f"stored in {opts.out}; {same_again(opts.out)} continues from there",
                           status)

    try:
        with stopping_on_signals(lambda signum: record_stop(Stop(signum), quick=True)), \
                Workers(opts.executor, opts.workers, opts.scheduler) as pool:
            try:
                abc = abc_for(design, opts, on_failure, on_batch, model, pool)
                if resumed:
                    done = _stored(db)
                    stamp_history(opts.out / HISTORY, identity)   # the code it goes on with
                    abc.load(db, 1)
                    np.random.seed(master_seed(design.seed, done - 1))
                    random.seed(master_seed(design.seed, done - 1))
                    print(f"resuming {opts.out}: {done} of {design.generations} generations "
                          "already stored", file=sys.stderr)
                else:
                    quarantine(opts.out / HISTORY, "is not resumed")
                    done = 0
                    observed = {t.figure: (t.low + t.high) / 2 for t in design.targets}
                    abc.new(db, observed)
                    stamp_history(opts.out / HISTORY, identity)
                # failures of the generations to be redone are recorded again as they recur
                kept = (old or {}).get("failed_candidates", [])
                m.update(status="running", failed_candidates=[
                    f for f in kept if done > 0 and f["generation"] < done])
                store.write_manifest()
                left = design.generations - done
                if left > 0 and not sampled and not _converged(abc.history, design):
                    abc.run(minimum_epsilon=final_epsilon(design), max_nr_populations=left,
                            min_acceptance_rate=design.min_acceptance)
                m["sampled"] = True
                m["candidate_seconds"] = round((old or {}).get("candidate_seconds", 0.0)
                                               + abc.sampler.busy_seconds, 3)
                history = abc.history
                m["generations_done"] = int(history.max_t + 1)
                store.write_manifest()
                predictive = (predictive_checks(design, opts, posterior_table(history, design),
                                                model, pool) if history.max_t >= 0
                              else pd.DataFrame())
            except (KeyboardInterrupt, SchedulerLost) as e:
                stop = record_stop(e)
                raise
    except (KeyboardInterrupt, SchedulerLost) as e:
        stop = stop or record_stop(e)
        store.lock.release()
        raise stop from None
    except BaseException as e:
        full = disk_full(e, opts.out / HISTORY)
        if full:                     # kept as an interruption: --resume continues later
            finished = max(_stored(db), 0)
            m.update(generations_done=finished, wall_seconds=wall())
            store.mark_interrupted(full)
            store.lock.release()
            raise Interrupted(f"{full}: {finished} of {design.generations} generations are "
                              f"stored in {opts.out}; once there is room, the same command "
                              f"with --resume --out {opts.out} continues from there",
                              WRITE_STATUS) from None
        m.update(status="failed", error=short(f"{type(e).__name__}: {e}", 500),
                 wall_seconds=wall())
        store.write_manifest()
        store.lock.release()
        raise
    guard_until_finished(store)           # a stop while the outputs are written says so
    posterior = posterior_table(history, design)
    generations = generation_table(history)
    write_parquet(opts.out / POSTERIOR, posterior)
    atomic_write(opts.out / "generations.csv", lambda tmp: generations.to_csv(tmp, index=False))
    write_parquet(opts.out / "predictive.parquet", predictive)
    if report:
        from ..present import calibration_page
        calibration_page.write(opts.out, design, posterior, generations, predictive, m)
    total = wall()
    store.finish("complete", wall_seconds=total, session_seconds=round(total - earlier, 3))
    return Calibration(opts.out, design, posterior, generations, predictive, store.manifest)


def stop_reason(e: BaseException) -> tuple[str, int]:
    """Why a calibration stopped (a signal, or a lost Dask scheduler), and its exit status."""
    if isinstance(e, SchedulerLost):
        return f"the Dask scheduler was lost ({e})", LOST_STATUS
    signum = e.signum if isinstance(e, Stop) else signal.SIGINT
    return f"interrupted by {signal.Signals(signum).name}", SIGNAL_STATUS[signum]


IDENTITY = "juwei_identity"      # history.db's own table: the calibration it belongs to


def stamp_history(path: Path, identity: dict) -> None:
    """Write the calibration's identity (design hash, seed, code) into its history.db."""
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.execute(f"CREATE TABLE IF NOT EXISTS {IDENTITY} (key TEXT PRIMARY KEY, value TEXT)")
        con.executemany(f"INSERT OR REPLACE INTO {IDENTITY} VALUES (?, ?)",
                        [(k, str(v)) for k, v in identity.items()])


def history_identity(path: Path) -> dict | None:
    """The identity stamped into a history.db (None: none); sqlite3.DatabaseError when the file
    is not a readable SQLite database."""
    with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro",
                                            uri=True)) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table'")}
        if IDENTITY not in tables:
            return None
        return dict(con.execute(f"SELECT key, value FROM {IDENTITY}").fetchall())


def quarantine(path: Path, why: str) -> None:
    """Move a history that cannot be resumed to quarantine/ (never deleted), saying so."""
    if not path.exists():
        return
    where = path.parent / "quarantine"
    where.mkdir(exist_ok=True)
    stem = f"{path.stem}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}"
    for f in [path, *path.parent.glob(path.name + "-*")]:      # its -journal, -wal, -shm
        shutil.move(str(f), where / (stem + f.name[len(path.stem):]))
    print(f"juwei: {path} {why}; moved to {where}/, the calibration starts over",
          file=sys.stderr)


def refuse_foreign_history(path: Path, found: dict, identity: dict,
                           allow_code_change: bool = False) -> None:
    """UserError unless the stamp `found` is `identity`'s (its keys: design_hash, seed and,
    when given, code_id; another code only with --allow-code-change)."""
    for key, what in (("design_hash", "design"), ("seed", "seed"), ("code_id", "code")):
        if key in identity and found.get(key) != identity[key] \
                and not (key == "code_id" and allow_code_change):
            raise UserError(f"{path}: belongs to another calibration ({what} "
                            f"{short(found.get(key), 20)}, this one {identity[key]}); move it "
                            "away, or use a new --out" + (", or --allow-code-change if you mean "
                                                          "it" if key == "code_id" else ""))


def resumable(path: Path, identity: dict, allow_code_change: bool) -> bool:
    """Whether history.db holds finished generations of this calibration (design hash, seed
    and code as stamped; other code only with --allow-code-change). Another calibration's
    history, or an unstamped one with generations, is refused in one line; an unreadable one,
    or one without a finished generation, is moved to quarantine/ (the run starts over)."""
    if not path.exists():
        return False
    try:
        found = history_identity(path)
    except sqlite3.DatabaseError as e:
        quarantine(path, f"is unreadable ({short(e, 60)})")
        return False
    done = _stored_quickly(path)       # read only: pyabc's reader writes its schema into it
    if found is None:
        if done > 0:
            raise UserError(f"{path}: holds {done} generations but no juwei stamp: another "
                            "calibration's or another tool's history; move it away, or use a "
                            "new --out")
        quarantine(path, "has no finished generation")
        return False
    refuse_foreign_history(path, found, identity, allow_code_change)
    if done == 0:
        quarantine(path, "has no finished generation")
    return done > 0


def disk_full(e: BaseException, history: Path) -> str | None:
    """What could not be written, when `e` comes from a full disk (a file, or the SQLite
    history saying 'database or disk is full'); else None."""
    error = write_error(e)
    if error is not None:
        return f"cannot write {error.filename or history.parent} ({error.strerror or error})"
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, sqlite3.OperationalError) and "full" in str(e):
            return f"cannot write {history} ({e})"
        e = e.__cause__ or e.__context__
    return None


def stored_generations(folder: Path, design=None) -> int:
    """Generations finished in a calibration folder (for --resume --dry-run); with `design`,
    another calibration's history is refused as a resume would refuse it (read only)."""
    db = folder / HISTORY
    if not db.exists():
        return 0
    if design is not None:
        try:
            found = history_identity(db)
        except sqlite3.DatabaseError:
            return 0                          # a resume moves it to quarantine/
        if found is not None:
            refuse_foreign_history(db, found, {"design_hash": design.digest(),
                                               "seed": str(design.seed)})
    return _stored("sqlite:///" + str(db.resolve()))


def _stored(db: str) -> int:
    """Generations finished in a history database (0 when none, or when it is unreadable)."""
    from pyabc import History
    try:
        return max(int(History(db).max_t) + 1, 0)
    except Exception:  # noqa: BLE001 - a history cut while being created: start over
        return 0


def _stored_quickly(path: Path) -> int:
    """Generations finished in a history database, read without pyabc and without waiting
    more than a second on a lock (0 when it cannot be read): safe inside a signal handler."""
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                                                timeout=1.0)) as con:
            return int(con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0")
                       .fetchone()[0])
    except sqlite3.Error:
        return 0


def _converged(history, design) -> bool:
    """The last stored generation already met a stopping rule (a resume has nothing to do)."""
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    last = pops[pops.t == history.max_t].iloc[0]
    return bool(last.epsilon <= final_epsilon(design))


def posterior_table(history, design, t: int | None = None) -> pd.DataFrame:
    """Generation t (default the last) as one row per particle: the constants (as the model
    reads them), weight, distance and every figure, each row from one stored particle."""
    t = history.max_t if t is None else t
    rows = []
    for k, p in enumerate(history.get_population(t=t).particles):
        values = {c.name: c.value(p.parameter[c.name]) for c in design.priors}
        rows.append({"particle": k, **values, "weight": float(p.weight),
                     "distance": float(p.distance),
                     **{f: float(v) for f, v in p.sum_stat.items()}})
    return pd.DataFrame(rows)


def generation_table(history) -> pd.DataFrame:
    """Per generation: epsilon, candidates, accepted, acceptance rate and the effective sample
    size of the weights (Kish): a posterior resting on a few heavy particles shows a small
    one."""
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    weights = [np.asarray(history.get_distribution(m=0, t=int(t))[1], float) for t in pops.t]
    accepted = np.array([len(w) for w in weights])
    return pd.DataFrame({"generation": pops.t.astype(int).to_numpy(),
                         "epsilon": pops.epsilon.to_numpy(float),
                         "candidates": pops.samples.astype(int).to_numpy(),
                         "accepted": accepted,
                         "acceptance": accepted / pops.samples.to_numpy(float),
                         "ess": [w.sum() ** 2 / (w ** 2).sum() for w in weights]})


def predictive_checks(design, opts: Options, post: pd.DataFrame, model=None,
                      pool: Workers | None = None) -> pd.DataFrame:
    """Draws of the posterior `post` rerun, each on its own fresh seeds (not the
    calibration's): every figure, held-out ones included, as a check that the fit does not
    rest on one set of random numbers; the draws' spread is the posterior predictive's, noise
    included."""
    if design.predictive == 0:
        return pd.DataFrame()
    chosen = draws(post, design.predictive, derived_seed(design.seed, PREDICTIVE_STREAM))
    fresh = derived_seed(design.seed, PREDICTIVE_STREAM, 1)
    model = Guarded(county_model(design, fresh, per_candidate=True) if model is None else model,
                    figures_of(design))
    names = [p.name for p in design.priors]
    runs = [Run({"draw": i, "particle": int(row.particle)}, {n: row[n] for n in names},
                derived_seed(fresh, i)) for i, row in chosen.iterrows()]
    return figure_table(runs, model, opts, pool, "predictive")


def figure_table(runs: list[Run], model: Guarded, opts: Options, pool: Workers | None,
                 desc: str) -> pd.DataFrame:
    """The runs' labels, seeds, constants and figures, one row each (a failed run: its error
    in `failed` and NaN figures, which no analysis reads)."""
    outcomes = execute(runs, _Predictive(model), opts.executor, opts.workers, opts.scheduler,
                       progress=opts.progress, desc=desc, pool=pool)
    rows = []
    for o in outcomes:
        f = o.payload if o.ok else {FAILED: o.error}
        rows.append({**o.run.labels, "seed": o.run.seed, **o.run.params,
                     "failed": f.get(FAILED), **{k: f.get(k, math.nan) for k in model.figures}})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class _Predictive:
    """A posterior draw's figures on its fresh seeds, as an engine run function (the draw's
    constants are the run's parameters): the model draws them from the global generators the
    run's seed sets (the county model per_candidate, as under the kernel)."""
    model: Guarded

    def __call__(self, values: dict, seed: int) -> dict:
        with seeded_globals(seed):
            return {"summary": {"done": 1.0}, "payload": self.model(values)}


