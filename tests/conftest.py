import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from juwei.model import Parameters, run

SMALL = Parameters(scale=0.03, years=2)


def small(**levers) -> Parameters:
    return dataclasses.replace(SMALL, **levers)


SEEDS = (1, 2, 3)


def summaries(params: Parameters, seeds=SEEDS) -> list[dict[str, float]]:
    """One summary per seed (the same seeds for every arm: paired comparisons)."""
    return [run(params, s).summary for s in seeds]


def mean_summary(params: Parameters, seeds=SEEDS) -> dict[str, float]:
    """Mean summary over a few seeds."""
    results = summaries(params, seeds)
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}


LEVER_SEEDS = tuple(range(1, 7))     # lever effects are judged against replicate noise


@pytest.fixture(scope="session")
def baseline_small_runs():
    return summaries(SMALL, LEVER_SEEDS)


def juwei(*args, timeout=900, **kw) -> subprocess.CompletedProcess:
    """The command line as a user runs it: a subprocess with real exit codes."""
    return subprocess.run([sys.executable, "-m", "juwei", *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def same_tables(a: Path, b: Path, names) -> None:
    """The named Parquet tables of two results folders are equal."""
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"),
                                      pd.read_parquet(b / f"{name}.parquet"))
