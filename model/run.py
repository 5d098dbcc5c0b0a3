"""The one function everything else builds on: (parameters, seed) -> a run's indicators."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..engine.runner import releasing_mesa_models
from ..engine.show import Brief
from .indicators import summarise
from .county import County
from .model import STEPS_PER_YEAR, CountyModel
from .params import Parameters

DIGEST_CHARS = 16      # of a county file's SHA-256 in the run function's identity


@dataclass(repr=False)
class RunResult(Brief):
    """Weekly series (indicator -> array over steps), summary values and per-committee series
    (indicator -> array of steps x committees)."""

    series: dict[str, np.ndarray]
    summary: dict[str, float]
    committee_series: dict[str, np.ndarray]
    time_axis = ("year", STEPS_PER_YEAR)          # for the engine: a step is 1/52 of a year

    @property
    def breakdown(self) -> tuple[str, dict[str, np.ndarray]]:
        """For the engine: each committee's mean over the last simulated year."""
        return "committee", {k: np.asarray(v, dtype=float)[-STEPS_PER_YEAR:].mean(axis=0)
                             for k, v in self.committee_series.items()}


def run(params: Parameters | None = None, seed: int = 0, county: County | None = None
        ) -> RunResult:
    """Simulate the county (default: the essay's) for `params.years` years and return its
    indicators.

    Deterministic: the same parameters, county and seed give bit-identical results.
    """
    params = params or Parameters()
    with releasing_mesa_models():
        model = CountyModel(params, seed=seed, county=county)
        for _ in range(params.years * STEPS_PER_YEAR):
            model.step()
    return RunResult(model.series, summarise(model.series, STEPS_PER_YEAR), model.committee_series)


def one_year(params: Parameters) -> tuple[Parameters, int]:
    """A one-year run of `params` and how many times longer the full run is (for the engine's
    time estimates)."""
    if params.years <= 1:
        return params, 1
    return dataclasses.replace(params, years=1), params.years


@dataclass(frozen=True)
class CountyRun:
    """`run` on another county than the essay's, as the engine's `fn(params, seed)`. It pickles
    (the county travels with it to worker processes and Dask) and names itself by the county's
    name and content hash, so a resume refuses a different county file."""

    county: County

    def __call__(self, params: Parameters | None = None, seed: int = 0) -> RunResult:
        return run(params, seed, self.county)

    @property
    def identity(self) -> str:
        return f"{run.__module__}.run@{self.county.name}:{self.county.digest[:DIGEST_CHARS]}"


def run_on(county: County | None):
    """The run function for `county`: `run` itself for the essay's county (None)."""
    return run if county is None else CountyRun(county)
