import dataclasses

import numpy as np
import pytest

from model import Parameters, run

SMALL = Parameters(scale=0.03, years=2)


def small(**levers) -> Parameters:
    return dataclasses.replace(SMALL, **levers)


def mean_summary(params: Parameters, seeds=(1, 2, 3)) -> dict[str, float]:
    """Mean summary over a few seeds (the same seeds for every arm: paired comparisons)."""
    results = [run(params, s).summary for s in seeds]
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}


@pytest.fixture(scope="session")
def baseline_small():
    return mean_summary(SMALL)
