"""Run functions for engine tests: importable at top level, so process and Dask workers load them."""

import os
import signal
from pathlib import Path

import numpy as np


def analytic(params, seed):
    """A model-shaped test function: y = 2a + b^2 + noise, as series and summary."""
    rng = np.random.default_rng(seed)
    y = 2 * params["a"] + params["b"] ** 2 + rng.normal(0, 0.1, 52)
    return {"series": {"y": y}, "summary": {"y": float(y.mean())}}


def fails_on_odd_seeds(params, seed):
    if seed % 2:
        raise ValueError(f"bad luck with seed {seed}")
    return analytic(params, seed)


def dies_once(params, seed):
    """Kill the worker process the first time each run is tried (marker files in params['dir'])."""
    marker = Path(params["dir"]) / f"{seed}.tried"
    if params.get("always") or not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return analytic(params, seed)
