"""The statistics of juwei's tables: means with t intervals across replicates, and paired
differences between scenarios with bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..model import INDICATORS

BOOTSTRAP = 4000            # resamples of replicates for a difference's interval
BOOTSTRAP_SEED = 20061      # fixed: the same runs always give the same table (not a run seed)


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


def differences(runs: pd.DataFrame, base: str, scenarios: list[str],
                indicators=tuple(INDICATORS)) -> pd.DataFrame:
    """One row per indicator and scenario (the base included, with no difference).

    `runs` holds one row per scenario and replicate; replicate r of every scenario shares a
    seed, so differences are paired. Each row: the scenario's mean with a t interval; its
    paired difference from the base with a percentile bootstrap 95% interval, the relative
    difference, Cohen's d (difference over the pooled replicate sd) and `flagged` when the
    interval excludes zero.
    """
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    wide = {s: runs[runs.scenario == s].sort_values("replicate") for s in scenarios}
    n = len(wide[base])
    resample = rng.integers(0, n, size=(BOOTSTRAP, n)) if n > 1 else None
    for name in indicators:
        b = wide[base][name].to_numpy(float)
        for s in scenarios:
            x = wide[s][name].to_numpy(float)
            mean, lo, hi = mean_ci(x)
            row = dict(indicator=name, scenario=s, mean=mean, ci95_low=lo, ci95_high=hi,
                       sd=float(x.std(ddof=1)) if n > 1 else None, n=n)
            if s != base:
                d = x - b
                diff = float(d.mean())
                pooled = float(np.sqrt((x.var(ddof=1) + b.var(ddof=1)) / 2)) if n > 1 else 0.0
                if resample is not None:
                    boot = d[resample].mean(axis=1)
                    dlo, dhi = (float(v) for v in np.percentile(boot, [2.5, 97.5]))
                else:
                    dlo = dhi = None
                row.update(diff=diff, diff_low=dlo, diff_high=dhi,
                           relative=diff / abs(b.mean()) if b.mean() else None,
                           cohens_d=diff / pooled if pooled > 0 else (0.0 if diff == 0 else None),
                           flagged=bool(dlo is not None and (dlo > 0 or dhi < 0)))
            rows.append(row)
    return pd.DataFrame(rows)
