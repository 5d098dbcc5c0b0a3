"""Results on disk: a folder per experiment with manifest.json and Parquet tables.

Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from model import STEPS_PER_YEAR

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "SALib", "tqdm")
ROOT = Path(__file__).resolve().parent.parent


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def code_version() -> dict:
    """Package version and, in a git checkout, the commit and whether the tree was dirty."""
    info = {"juwei": _version("juwei"), "python": sys.version.split()[0],
            "platform": platform.platform(),
            "packages": {p: _version(p) for p in PACKAGES}}
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
            dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                    "model", "experiments", "scenarios"],
                                   capture_output=True, text=True, timeout=5)
            info["git_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path) then rename onto path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())      # mkstemp's 0600 would hide results from others
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: Path, data) -> None:
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False, default=_jsonable)
            f.write("\n")
    atomic_write(path, write)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _jsonable(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def frames(outcomes) -> dict[str, pd.DataFrame]:
    """Tidy tables of finished runs: one row per run; one row per run and week; per committee."""
    runs, series, committees = [], [], []
    for o in outcomes:
        base = {**o.run.labels, "seed": o.run.seed}
        runs.append({**base, "status": "ok" if o.ok else "failed", "error": o.error,
                     "seconds": o.seconds, **(o.summary or {})})
        if o.ok:
            steps = len(next(iter(o.series.values())))
            week = np.arange(steps)
            series.append(pd.DataFrame({**{k: [v] * steps for k, v in base.items()},
                                        "step": week, "year": week / STEPS_PER_YEAR,
                                        **o.series}))
            cs = o.extra.get("committees")
            if cs:
                n = len(next(iter(cs.values())))
                committees.append(pd.DataFrame({**{k: [v] * n for k, v in base.items()},
                                                "committee": np.arange(n), **cs}))
    out = {"runs": pd.DataFrame(runs)}
    if series:
        out["series"] = pd.concat(series, ignore_index=True)
    if committees:
        out["committees"] = pd.concat(committees, ignore_index=True)
    return out
