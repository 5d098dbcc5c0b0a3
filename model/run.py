"""The one function everything else builds on: (parameters, seed) -> a run's indicators."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from .indicators import summarise
from .model import STEPS_PER_YEAR, CountyModel
from .params import Parameters


@dataclass
class RunResult:
    """Weekly series (indicator -> array over steps), summary values and per-committee series."""

    series: dict[str, np.ndarray]
    summary: dict[str, float]
    committee_series: dict[str, np.ndarray]


def run(params: Parameters | None = None, seed: int = 0) -> RunResult:
    """Simulate the county for `params.years` years and return its indicators.

    Deterministic: the same parameters and seed give bit-identical results.
    """
    params = params or Parameters()
    model = CountyModel(params, seed=seed)
    try:
        for _ in range(params.years * STEPS_PER_YEAR):
            model.step()
    finally:
        mesa.Agent._ids.pop(model, None)     # Mesa 3.3.1 keeps every model alive otherwise
    return RunResult(model.series, summarise(model.series, STEPS_PER_YEAR), model.committee_series)
