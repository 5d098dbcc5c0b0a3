"""Small statistics shared by reports: means with t intervals across replicates."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def mean_ci(values, level: float = 0.95) -> tuple[float, float | None, float | None]:
    """Mean and its t-based confidence interval; no interval from fewer than two values."""
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, None, None
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half


def summary_table(frame, indicators) -> dict[str, dict]:
    """For each indicator: mean, 95% interval of the mean, sd and n across replicates."""
    out = {}
    for name in indicators:
        x = frame[name].to_numpy(dtype=float)
        m, lo, hi = mean_ci(x)
        out[name] = {"mean": m, "ci95_low": lo, "ci95_high": hi,
                     "sd": float(x.std(ddof=1)) if x.size > 1 else None, "n": int(x.size)}
    return out
