"""What the county studies share: scenario x replicate runs, the dry-run estimate, and the
refusal when every run failed."""

from __future__ import annotations

from ..engine import AnalysisRefused, Run, UserError, estimate, replicate_seeds
from ..engine.store import short
from ..model import one_year, run_on


def scenario_runs(scenarios, replicates: int, seed: int) -> list[Run]:
    """Every scenario x replicate; replicate r has the same seed in every scenario (CRN)."""
    seeds = replicate_seeds(seed, replicates)
    return [Run({"scenario": s.name, "replicate": r}, s.params, sd)
            for s in scenarios for r, sd in enumerate(seeds)]


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
