"""What the county studies share: scenario x replicate runs, the dry-run estimate, and the
refusal when every run failed."""

from __future__ import annotations

import collections
import dataclasses
import fcntl
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..engine import AnalysisRefused, Run, UserError, estimate, replicate_seeds
from ..engine.errors import named
from ..engine.store import _package_files, atomic_write, short, source_hash
from ..model import one_year, run_on
from ..model.run import burn_in_params, resume, run, settle


def scenario_runs(scenarios, replicates: int, seed: int, ensemble=None) -> list[Run]:
    """Every scenario x replicate; replicate r has the same seed in every scenario (CRN); with
    a posterior `ensemble`, each on every draw (over_ensemble)."""
    seeds = replicate_seeds(seed, replicates)
    runs = [Run({"scenario": s.name, "replicate": r}, s.params, sd)
            for s in scenarios for r, sd in enumerate(seeds)]
    fixed = {s.name: set(s.changes) for s in scenarios}
    return over_ensemble(runs, ensemble, replicates, lambda run: fixed[run.labels["scenario"]])


def over_ensemble(runs: list[Run], ensemble, replicates: int, fixed=lambda run: ()
                  ) -> list[Run]:
    """Each run on every draw of a posterior `ensemble` (studies/calibrate.Ensemble), with the
    same seed: the same draws and seeds in every scenario or design point, so differences stay
    paired. `replicate` then numbers the (draw, replicate) pairs; `seed_replicate` keeps the
    replicate, `draw` and `particle` the draw. `fixed(run)`: parameters the run sets itself,
    which keep their value. Without an ensemble, the runs as they are."""
    if ensemble is None:
        return runs
    return [on_draw(run, ensemble, k, replicates, fixed(run))
            for run in runs for k in range(len(ensemble.draws))]


def on_draw(run: Run, ensemble, k: int, replicates: int, fixed=()) -> Run:
    """`run` on draw k of a posterior `ensemble` (over_ensemble)."""
    return Run({**run.labels, "draw": k, "particle": int(ensemble.draws.particle.iloc[k]),
                "seed_replicate": run.labels["replicate"],
                "replicate": k * replicates + run.labels["replicate"]},
               ensemble.params(run.params, k, fixed), run.seed)


@dataclass(frozen=True)
class PairedDifference:
    """A run function whose outputs are a remedy's paired effect: `fn` on the parameters with
    the remedy's `changes` applied, minus `fn` on the parameters as given, on the same seed.
    A sensitivity analysis of it ranks what moves the remedy's effect, not the level."""
    fn: object
    remedy: str
    changes: tuple            # (name, value) pairs

    def __call__(self, params, seed: int) -> dict:
        base = self.fn(params, seed).summary
        after = self.fn(dataclasses.replace(params, **dict(self.changes)), seed).summary
        return {"summary": {k: after[k] - base[k] for k in base}}

    @property
    def identity(self) -> str:
        from ..engine.batch import function_name
        return f"difference:{self.remedy}:{function_name(self.fn)}"


STATES_IN_MEMORY = 4      # settled counties a process keeps (21 MB each at full scale)
CACHE_BYTES = 2 * 1024 ** 3   # the settled-county cache's size before the oldest go
DIGEST_BYTES = 32             # a stored state opens with its SHA-256: a damaged one is redone
_states: collections.OrderedDict = collections.OrderedDict()


def cache_dir() -> Path:
    """Where settled counties are kept between runs and studies: $JUWEI_CACHE_DIR, else
    $XDG_CACHE_HOME/juwei/settled, else ~/.cache/juwei/settled."""
    if os.environ.get("JUWEI_CACHE_DIR"):
        return Path(os.environ["JUWEI_CACHE_DIR"])
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "juwei" / "settled"


@functools.lru_cache(maxsize=1)
def _source() -> str:
    return source_hash(_package_files("juwei"))


def _state_key(burn, seed: int, county, kind: str = "") -> str:
    text = json.dumps([dataclasses.asdict(burn), seed, county.digest if county else "",
                       _source()] + ([kind] if kind else []), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _trim(folder: Path) -> None:
    """Drop the least recently used states while the cache is over CACHE_BYTES."""
    states = sorted(folder.glob("*.state"), key=lambda f: f.stat().st_mtime)
    total = sum(f.stat().st_size for f in states)
    for f in states:
        if total <= CACHE_BYTES:
            break
        total -= f.stat().st_size
        f.unlink(missing_ok=True)


def settled(burn, seed: int, county, folder: Path | None, simulate=settle, kind: str = "",
            store: bool = True) -> bytes:
    """The settled county for a burn-in (model.run.settle), simulated once: kept in memory for
    the process's next arms and, when `folder` can be written, stored there for every other
    worker, study and session on this machine (a lock per state, so two workers never simulate
    the same one). The key is the burn-in's parameters, seed, county and juwei's source, so
    other code never reuses a state. A state is pickled model state that only this function
    writes, behind its SHA-256; one whose digest does not match is simulated again. `simulate(burn, seed, county)` makes
    the state (another implementation's, e.g. the docking reference's, with its own `kind` in
    the key). With store=False (`juwei app --read-only`) a stored state is read but nothing is
    written in `folder`, not even a lock."""
    key = _state_key(burn, seed, county, kind)
    if key in _states:
        _states.move_to_end(key)
        return _states[key]
    state = None
    if folder is not None and not store:
        try:                    # states are written atomically: a stored one is whole
            path = folder / f"{key}.state"
            stored = path.read_bytes() if path.is_file() else b""
            digest, state = stored[:DIGEST_BYTES], stored[DIGEST_BYTES:]
            if not state or hashlib.sha256(state).digest() != digest:
                state = None
        except OSError:
            state = None
    elif folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{key}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                path = folder / f"{key}.state"
                stored = path.read_bytes() if path.is_file() else b""
                digest, state = stored[:DIGEST_BYTES], stored[DIGEST_BYTES:]
                if state and hashlib.sha256(state).digest() == digest:
                    os.utime(path)
                else:                   # none yet, or damaged: simulate it (again)
                    state = simulate(burn, seed, county)
                    atomic_write(path, lambda tmp: Path(tmp).write_bytes(
                        hashlib.sha256(state).digest() + state))
                    _trim(folder)
        except OSError:          # a cache this worker cannot write: simulate here
            state = None
    state = state or simulate(burn, seed, county)
    _states[key] = state
    while len(_states) > STATES_IN_MEMORY:
        _states.popitem(last=False)
    return state


@dataclass(frozen=True)
class SharedBurnIn:
    """The county's run function `fn` (model.run_on) with each burn-in simulated once per
    (burn-in parameters, seed) and shared by every arm that starts from it: the scenarios of a
    comparison, the points of a sweep or a sensitivity design, and later studies of the same
    county (ODD §7.1). Results are bit-identical to `fn`'s, which continues from the pickled
    state too; only the cost differs. States are kept in `folder` (cache_dir())."""
    fn: object
    folder: str | None = None
    summary_only: bool = False   # record the last year alone (a study that keeps summaries)

    def __call__(self, params, seed: int):
        county, base = getattr(self.fn, "county", None), getattr(self.fn, "base", None)
        if params.burn_in_years == 0:
            return run(params, seed, county, base, self.summary_only)
        burn = burn_in_params(params, base)
        state = settled(burn, seed, county, Path(self.folder) if self.folder else None)
        return resume(state, params, self.summary_only)

    @property
    def identity(self) -> str:
        from ..engine.batch import function_name
        return function_name(self.fn)


def county_function(county, base=None, summary_only: bool = False) -> SharedBurnIn:
    """What a county study's runs call: the county model on `county`, its burn-in under
    `base`'s levers (the comparison's base, the design's scenario; None: the baseline), each
    burn-in shared through the settled-county cache; with `summary_only` (a study that keeps
    neither series nor committees) only the last year is recorded."""
    return SharedBurnIn(run_on(county, base), str(cache_dir()), summary_only)


def dry_run(runs: list[Run], workers: int | None, total: int | None = None, county=None,
            lang: str = "en", burn_ins: int | None = None) -> str:
    """How many runs (`total`, or len(runs)), and about how long, from one timed year of the
    first (on `county`, default the essay's); in `lang` (the catalogues' [terminal]).
    `burn_ins`: how many settlings the runs share (one per seed where the arms differ only
    in levers, SharedBurnIn); None: one each. The kernels are loaded first, untimed: a
    fresh process's first run pays for them once, not each run."""
    from ..model import CountyModel, Parameters
    from ..present import i18n

    CountyModel(Parameters(scale=0.003, years=1, burn_in_years=0), seed=0).step()
    count = len(runs) if total is None else total

    def shorten(params):
        short, full = one_year(params)
        if burn_ins is None or not count or full <= 1:
            return short, full
        return short, params.years + params.burn_in_years * min(burn_ins, count) / count

    def say(count, per_run, seconds, workers, error):
        if not count:
            return i18n.t("terminal.dry_none", lang)
        return i18n.t("terminal.dry_estimate", lang, n=count, per_run=f"{per_run:.2f}",
                      total=i18n.duration(seconds, lang), workers=workers) + (
            i18n.t("terminal.dry_failed", lang, error=error) if error else "")
    return estimate(runs, run_on(county), workers, shorten=shorten, total=total,
                    say=None if lang == "en" else say)


def county_record(s) -> dict:
    """What a manifest says of a scenario's county: its name, file and content hash."""
    if s.county is None:
        return {"county": "the essay's county (counties/essay_county.toml)"}
    return {"county": s.county.name, "county_file": s.county_file,
            "county_sha256": s.county.digest}


def check_ensemble_county(ensemble, scenarios) -> None:
    """An ensemble calibrated on one county is used on that county only."""
    if ensemble is None:
        return
    here = scenarios[0].county.digest if scenarios[0].county else ""
    if ensemble.county_sha256 != here:
        raise UserError(f"{named('--ensemble')} {ensemble.folder}: calibrated on another "
                        f"county than {scenarios[0].county_name}; calibrate on this county "
                        "first")


def one_county(scenarios):
    """The county every scenario of a study runs on; UserError if they name different ones."""
    digests = {s.county.digest if s.county else "" for s in scenarios}
    if len(digests) > 1:
        named = ", ".join(f"{s.name}: {s.county_name}" for s in scenarios)
        raise UserError(f"the scenarios run on different counties ({named}); a comparison is "
                        "paired on one county: give --county FILE")
    return scenarios[0].county


def refuse_if_all_failed(store, tables: dict, what: str, missing: str) -> None:
    """Mark the experiment failed and stop with one line when no run succeeded."""
    if len(tables["runs"]):
        return
    first = tables["failed"].error.iloc[0]
    store.finish("failed")
    raise AnalysisRefused(f"all {len(tables['failed'])} {what} failed, so there {missing}; the "
                          f"first: {short(first, 200)} (all errors in "
                          f"{store.folder / 'manifest.json'})")
