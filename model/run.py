"""The one function everything else builds on: (parameters, seed) -> a run's indicators."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from dataclasses import dataclass

import numpy as np

from ..engine.runner import releasing_mesa_models
from ..engine.show import Brief
from .indicators import summarise
from .county import County
from .model import STEPS_PER_YEAR, CountyModel
from .params import LEVER_GROUPS, Parameters

DIGEST_CHARS = 16      # of a county file's SHA-256 in the run function's identity


@dataclass(repr=False)
class RunResult(Brief):
    """Weekly series (indicator -> array over steps), summary values and per-committee series
    (indicator -> array of steps x committees). After a warm start the series begin with the
    last year before the switch (`first_step` = -52: year -1 to 0), then the horizon; a
    `summary_only` run leaves the horizon's rows before its last year NaN (not recorded)."""

    series: dict[str, np.ndarray]
    summary: dict[str, float]
    committee_series: dict[str, np.ndarray]
    first_step: int = 0

    @property
    def time_axis(self) -> tuple[str, int, int]:
        """For the engine: a step is 1/52 of a year, and the first is `first_step`."""
        return ("year", STEPS_PER_YEAR, self.first_step)

    @property
    def breakdown(self) -> tuple[str, dict[str, np.ndarray]]:
        """For the engine: each committee's mean over the last simulated year."""
        return "committee", {k: np.asarray(v, dtype=float)[-STEPS_PER_YEAR:].mean(axis=0)
                             for k, v in self.committee_series.items()}


LEVERS = tuple(f.name for f in dataclasses.fields(Parameters)
               if f.metadata["group"] in LEVER_GROUPS)


def burn_in_params(params: Parameters, base: Parameters | None = None) -> Parameters:
    """What the burn-in runs under: `params` (its constants, county structure and scale) with
    the levers of `base` (default: the schema's, the essay's county as it is), for
    `params.burn_in_years` years."""
    base = base or Parameters()
    return dataclasses.replace(params, **{k: getattr(base, k) for k in LEVERS},
                               years=max(params.burn_in_years, 1))


def settle(burn: Parameters, seed: int, county: County | None = None) -> bytes:
    """The county after `burn.burn_in_years` years under `burn` (burn_in_params), pickled at
    the switch, with the last year's weekly series: the state every arm of a warm start
    continues from. Deterministic: the same arguments give the same bytes' state."""
    years = burn.burn_in_years
    with releasing_mesa_models():
        model = CountyModel(dataclasses.replace(burn, years=1), seed=seed,
                            warm_up_years=years - 1, county=county)
        for _ in range(years * STEPS_PER_YEAR):
            model.step()
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def resume(state: bytes, params: Parameters, summary_only: bool = False) -> RunResult:
    """Continue a settled county (`settle`) under `params` for `params.years` years (with
    `summary_only`, recording only the last year: the summary's, see `run`)."""
    with releasing_mesa_models():
        model = pickle.loads(state)
        model.switch(params)
        model.record_last_year_only(summary_only)
        for _ in range(params.years * STEPS_PER_YEAR):
            model.step()
    return RunResult(model.series, summarise(model.series, STEPS_PER_YEAR),
                     model.committee_series, first_step=-model.switch_row)


def run(params: Parameters | None = None, seed: int = 0, county: County | None = None,
        base: Parameters | None = None, summary_only: bool = False) -> RunResult:
    """Simulate the county (default: the essay's): `params.burn_in_years` years under the
    levers of `base` (default: the essay's county as it is), then `params.years` years under
    `params`' own (ODD §7.1), and return its indicators.

    Deterministic: the same parameters, base, county and seed give bit-identical results.
    With `burn_in_years = 0` the levers act from week 0 on an unsettled county. With
    `summary_only` the indicators are recorded in the last year only (earlier rows of the
    series stay NaN): the summary, and everything else, is the same bit for bit, at less cost
    for a study that keeps summaries alone.
    """
    params = params or Parameters()
    if params.burn_in_years > 0:
        return resume(settle(burn_in_params(params, base), seed, county), params, summary_only)
    with releasing_mesa_models():
        model = CountyModel(params, seed=seed, county=county)
        model.record_last_year_only(summary_only)
        for _ in range(params.years * STEPS_PER_YEAR):
            model.step()
    return RunResult(model.series, summarise(model.series, STEPS_PER_YEAR), model.committee_series)


def one_year(params: Parameters) -> tuple[Parameters, int]:
    """A one-year run of `params` with no burn-in, and how many times longer the full run is,
    burn-in included (for the engine's time estimates; a burn-in that arms share costs less)."""
    full = params.years + params.burn_in_years
    if full <= 1:
        return params, 1
    return dataclasses.replace(params, years=1, burn_in_years=0), full


def _lever_digest(base: Parameters) -> str:
    text = json.dumps({k: getattr(base, k) for k in LEVERS}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


@dataclass(frozen=True)
class CountyRun:
    """`run` on a county (None: the essay's) with its burn-in under the levers of `base` (None:
    the schema's), as the engine's `fn(params, seed)`. It pickles (the county travels with it to
    worker processes and Dask) and names itself by the county's name and content hash and by
    the base's levers, so a resume refuses a different county file or base."""

    county: County | None = None
    base: Parameters | None = None

    def __call__(self, params: Parameters | None = None, seed: int = 0) -> RunResult:
        return run(params, seed, self.county, self.base)

    @property
    def identity(self) -> str:
        where = (f"@{self.county.name}:{self.county.digest[:DIGEST_CHARS]}"
                 if self.county is not None else "")
        return (f"{run.__module__}.run{where}"
                + (f"|base:{_lever_digest(self.base)}" if self.base is not None else ""))


def run_on(county: County | None, base: Parameters | None = None):
    """The run function for `county` whose burn-in runs under `base`'s levers: `run` itself for
    the essay's county and the schema's levers."""
    if base is not None and _lever_digest(base) == _lever_digest(Parameters()):
        base = None
    return run if county is None and base is None else CountyRun(county, base)
