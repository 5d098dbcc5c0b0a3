"""A finished calibration read back: its posterior, K draws from it for a study's --ensemble,
and its constants' posterior ranges for a sensitivity analysis (studies/calibrate.py writes
the folder)."""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.errors import UserError
from ..engine.seeds import derived_seed
from ..engine.store import MAX_MANIFEST, short
from ..model.params import FIELDS, from_sample
from .files import read_bytes

POSTERIOR = "posterior.parquet"
ENSEMBLE_STREAM = 2            # the stream that picks a study's posterior draws


def quantile(values, weights, q) -> float:
    """Weighted quantile (the inverse of the weighted empirical distribution)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[min(np.searchsorted(cum, q), len(v) - 1)])


def draws(posterior: pd.DataFrame, k: int, seed: int) -> pd.DataFrame:
    """k posterior draws by systematic resampling of the weights (deterministic given seed);
    a draw keeps its particle's number."""
    w = posterior.weight.to_numpy(float)
    w = w / w.sum()
    u = (np.random.default_rng(seed).random() + np.arange(k)) / k
    picks = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(w) - 1)
    return posterior.iloc[picks].reset_index(drop=True)


@dataclass
class Ensemble:
    """K posterior draws of a finished calibration, for the studies' --ensemble."""
    folder: Path
    draws: pd.DataFrame          # one row per draw: particle, weight, the constants
    constants: list[str]
    county_sha256: str           # "" for the essay's county
    scale: float | None = None   # what the calibration ran at
    years: int | None = None

    def params(self, base, k: int, fixed=()) -> object:
        """Draw k's constants on `base` parameters; constants in `fixed` (set by the
        scenario itself) keep the scenario's value."""
        row = self.draws.iloc[k]
        return dataclasses.replace(base, **{c: from_sample(c, row[c]) for c in self.constants
                                            if c not in fixed})

    def notes(self, params) -> list[str]:
        """What a user should know before reading a study on these draws: a study at another
        scale or horizon than the calibration's, and draws that repeat particles."""
        out = []
        if (self.scale, self.years) not in ((params.scale, params.years), (None, None)):
            out.append(f"note: the ensemble was calibrated at scale {self.scale}, {self.years} "
                       f"years; this study runs at scale {params.scale}, {params.years} years "
                       "(the constants are scale-free, but the patterns were judged at the "
                       "calibration's horizon)")
        distinct = self.draws.particle.nunique()
        if distinct < len(self.draws):
            out.append(f"note: the {len(self.draws)} posterior draws hold {distinct} distinct "
                       "particles (heavy weights repeat); more draws than that add seeds, not "
                       "plausible models")
        return out

    def record(self) -> dict:
        return {"ensemble": str(self.folder.resolve()), "ensemble_draws": len(self.draws),
                "ensemble_particles": [int(p) for p in self.draws.particle],
                "ensemble_constants": self.constants}


MAX_POSTERIOR = 500_000_000        # bytes of its posterior.parquet


def read_posterior(folder: str, where: str = "--ensemble") -> tuple[dict, pd.DataFrame,
                                                                    list[str]]:
    """A finished calibration's manifest, its posterior checked before any use, and the
    calibrated constants' names. Every file goes through the safe reader; a posterior that is
    empty, lacks a column, holds a value that is not finite, a negative weight, weights
    summing to 0, or a constant outside its schema range is refused in one line naming the
    file (it would otherwise pick particle 0 silently, or fail later with a traceback)."""
    path = Path(folder)
    try:
        m = json.loads(read_bytes(path / "manifest.json", MAX_MANIFEST))
        constants = [p["name"] for p in m["design"]["priors"]] if m.get("kind") == \
            "calibrate" else []
        if not all(isinstance(c, str) for c in constants):
            raise TypeError
    except UserError:
        raise UserError(f"{where} {folder}: no calibration there (no readable "
                        "manifest.json); give the folder `juwei calibrate` wrote") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(f"{where} {folder}: manifest.json is not a calibration's manifest; "
                        "give the folder `juwei calibrate` wrote") from None
    if m.get("kind") != "calibrate":
        raise UserError(f"{where} {folder}: holds a {m.get('kind', 'unknown')} experiment, "
                        "not a calibration")
    if m.get("status") != "complete":
        raise UserError(f"{where} {folder}: the calibration is {m.get('status')}; finish it "
                        f"with `juwei calibrate ... --resume --out {folder}`")
    file = path / POSTERIOR
    if not file.exists():
        raise UserError(f"{where} {folder}: {POSTERIOR} is missing; rerun the calibration "
                        "into a new folder")
    try:
        posterior = pd.read_parquet(io.BytesIO(read_bytes(file, MAX_POSTERIOR)))
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable Parquet: ArrowInvalid, OSError, ...
        raise UserError(f"{file}: not a readable posterior ({type(e).__name__}); rerun the "
                        "calibration into a new folder") from None
    check_posterior(file, posterior, constants)
    return m, posterior, constants


def check_posterior(file, posterior: pd.DataFrame, constants: list[str]) -> None:
    """UserError naming `file` unless the posterior can be drawn from (read_posterior)."""
    def refuse(why: str):
        raise UserError(f"{file}: {why}; rerun the calibration into a new folder")
    if not constants:
        refuse("the calibration calibrated no constants")
    missing = [c for c in ["particle", "weight", *constants] if c not in posterior.columns]
    if missing:
        refuse(f"no column {short(missing[0], 60)}")
    if posterior.empty:
        refuse("no particles (empty)")
    for c in ["weight", *constants]:
        values = pd.to_numeric(posterior[c], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            refuse(f"{c}: {int((~np.isfinite(values)).sum())} values are missing or not finite")
        if c == "weight":
            if (values < 0).any():
                refuse(f"weight: {int((values < 0).sum())} negative weights")
            if not values.sum() > 0:
                refuse("weight: the weights sum to 0")
        elif c in FIELDS:
            low, high = FIELDS[c].metadata["low"], FIELDS[c].metadata["high"]
            out = (values < low) | (values > high)
            if out.any():
                refuse(f"{c}: {int(out.sum())} values outside its range {low:g}..{high:g}")
        else:
            refuse(f"{short(c, 60)}: not a parameter of the model")


def load_ensemble(folder: str, k: int, seed: int, where: str = "--ensemble") -> Ensemble:
    """The posterior of the calibration in `folder` (read_posterior: checked), as k draws
    (systematic resampling, from `seed`: the same draws for every scenario of a study)."""
    m, posterior, constants = read_posterior(folder, where)
    chosen = draws(posterior, k, derived_seed(seed, ENSEMBLE_STREAM))
    return Ensemble(Path(folder), chosen[["particle", "weight", *constants]], constants,
                    m["design"].get("county_sha256", ""), m["design"].get("scale"),
                    m["design"].get("years"))


def posterior_ranges(folder: str, where: str) -> tuple[dict, str]:
    """The calibrated constants' posterior 5-95% ranges (weighted) in a finished calibration,
    and its county's digest: the factors of a sensitivity analysis over what the patterns
    leave open. A constant the patterns pin to one value gets a range of one step either side
    of it. `where` names the key in errors."""
    m, post, constants = read_posterior(folder, where)
    w = post.weight.to_numpy(float)
    out = {}
    for c in constants:
        lo, hi = (quantile(post[c].to_numpy(float), w, q) for q in (0.05, 0.95))
        if not lo < hi:
            meta = FIELDS[c].metadata
            step = max(abs(lo) * 0.01, 1e-9)
            lo, hi = max(lo - step, meta["low"]), min(hi + step, meta["high"])
        out[c] = (lo, hi)
    return out, m["design"].get("county_sha256", "")
