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


def worker_pid(params, seed):
    """The process that did the run, as its summary."""
    return {"summary": {"pid": float(os.getpid())}, "series": {}}


def linear(params, seed):
    """y = 4 x1 + 2 x2 + x3 + N(0, 0.3): Morris mu* = (4, 2, 1) on [0, 1]."""
    noise = np.random.default_rng(seed).normal(0, 0.3)
    return {"summary": {"y": 4 * params["x1"] + 2 * params["x2"] + params["x3"] + noise},
            "series": {}}


def ishigami(params, seed):
    """Ishigami (a=7, b=0.1) + N(0, 0.1): ST = (0.558, 0.442, 0.244), S1 = (0.314, 0.442, 0)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)
    return {"summary": {"y": float(y + np.random.default_rng(seed).normal(0, 0.1))}, "series": {}}


def slow(params, seed):
    """analytic, taking params.get("sleep", 0.3) s: long enough to stop a batch midway."""
    import time
    time.sleep(params.get("sleep", 0.3))
    return analytic(params, seed)


def misses_an_output(params, seed):
    """Odd seeds return a summary without "y"; seed % 3 == 0: a NaN in the series."""
    r = analytic(params, seed)
    if seed % 2:
        r["summary"] = {"z": 1.0}
    elif seed % 3 == 0:
        r["series"]["y"][5] = np.nan
    return r


def always_fails(params, seed):
    raise RuntimeError("the model broke")
