"""What the county studies share: scenario x replicate runs, the dry-run estimate, and the
refusal when every run failed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..engine import AnalysisRefused, Run, UserError, estimate, replicate_seeds
from ..engine.store import short
from ..model import one_year, run_on


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


def dry_run(runs: list[Run], workers: int | None, total: int | None = None, county=None) -> str:
    """How many runs (`total`, or len(runs)), and about how long, from one timed year of the
    first (on `county`, default the essay's)."""
    return estimate(runs, run_on(county), workers, shorten=one_year, total=total)


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
        raise UserError(f"--ensemble {ensemble.folder}: calibrated on another county than "
                        f"{scenarios[0].county_name}; calibrate on this county first")


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
