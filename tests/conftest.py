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


def mean_summary(params: Parameters, seeds=(1, 2, 3)) -> dict[str, float]:
    """Mean summary over a few seeds (the same seeds for every arm: paired comparisons)."""
    results = [run(params, s).summary for s in seeds]
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}


@pytest.fixture(scope="session")
def baseline_small():
    return mean_summary(SMALL)


def juwei(*args, timeout=900, **kw) -> subprocess.CompletedProcess:
    """The command line as a user runs it: a subprocess with real exit codes."""
    return subprocess.run([sys.executable, "-m", "juwei", *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def same_tables(a: Path, b: Path, names) -> None:
    """The named Parquet tables of two results folders are equal."""
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"),
                                      pd.read_parquet(b / f"{name}.parquet"))
