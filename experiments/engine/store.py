"""The results store: a folder per experiment, written so that nothing finished is ever lost.

    DIR/manifest.json            what was asked (design, seeds), code and package versions, status
    DIR/parts/000042.npz         one finished run (data only: arrays + JSON metadata), atomic
    DIR/runs.parquet             consolidated at the end: one row per run, parameters + summary
    DIR/series.parquet           one row per run and step (when the design keeps series)
    DIR/<entity>s.parquet        one row per run and entity of the run's breakdown, e.g.
                                 committees.parquet (when the design keeps breakdowns)

Each run's part is written by rename as soon as the run finishes, so an interrupted experiment
loses at most the runs in flight; `--resume` reads the parts and does only what is missing or
failed. The consolidated tables are sorted by run index, so they do not depend on the order runs
finished in, nor on the executor.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UserError
from .runner import Outcome, Run

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "SALib", "tqdm",
            "dask", "distributed")
ROOT = Path(__file__).resolve().parents[2]    # the source checkout, when there is one


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
    """Call write(tmp_path) then rename onto path, so readers never see half a file."""
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
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "__dataclass_fields__"):
        return x.__dict__
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def design_hash(runs: list[Run], fn_name: str) -> str:
    """Identity of an experiment's resolved design: every run's labels, parameters and seed."""
    text = json.dumps([fn_name] + [[r.labels, r.params, r.seed] for r in runs],
                      default=_jsonable, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- parts: one finished run each ----------------------------------------------------------------
def _params_dict(params) -> dict:
    return dict(params.__dict__) if hasattr(params, "__dict__") else dict(params)


def write_part(folder: Path, index: int, outcome: Outcome, keep: set[str]) -> None:
    meta = {"index": index, "labels": outcome.run.labels, "seed": outcome.run.seed,
            "error": outcome.error, "seconds": outcome.seconds, "time_axis": outcome.time_axis}
    arrays = {"meta": np.array(json.dumps(meta, default=_jsonable))}
    if outcome.ok:
        arrays["summary_names"] = np.array(list(outcome.summary))
        arrays["summary"] = np.array(list(outcome.summary.values()), dtype=float)
        if "series" in keep and outcome.series:
            arrays["series_names"] = np.array(list(outcome.series))
            arrays["series"] = np.stack(list(outcome.series.values()))
        if "breakdown" in keep and outcome.breakdown:
            entity, values = outcome.breakdown
            arrays["breakdown_entity"] = np.array(entity)
            arrays["breakdown_names"] = np.array(list(values))
            arrays["breakdown"] = np.stack(list(values.values()))

    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    atomic_write(folder / "parts" / f"{index:06d}.npz", write)


def read_part(path: Path, runs: list[Run] | None = None) -> tuple[int, Outcome]:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        index = meta["index"]
        run = runs[index] if runs is not None else Run(meta["labels"], None, meta["seed"])
        if meta["error"] is not None:
            return index, Outcome(run, error=meta["error"], seconds=meta["seconds"])
        summary = dict(zip(z["summary_names"].tolist(), z["summary"].tolist()))
        series = (dict(zip(z["series_names"].tolist(), z["series"])) if "series" in z else None)
        breakdown = ((str(z["breakdown_entity"]),
                      dict(zip(z["breakdown_names"].tolist(), z["breakdown"])))
                     if "breakdown" in z else None)
    axis = meta.get("time_axis")
    return index, Outcome(run, series=series, summary=summary, breakdown=breakdown,
                          time_axis=tuple(axis) if axis else None, seconds=meta["seconds"])


# --- tidy tables ----------------------------------------------------------------------------------
def frames(indexed: list[tuple[int, Outcome]], parameters: list[str] | None = None
           ) -> dict[str, pd.DataFrame]:
    """Tidy tables of runs, sorted by run index: runs, series and one per breakdown entity."""
    runs, series, breakdowns = [], [], {}
    for index, o in sorted(indexed, key=lambda x: x[0]):
        base = {"run": index, **o.run.labels, "seed": o.run.seed}
        params = ({k: getattr(o.run.params, k) for k in parameters}
                  if parameters and o.run.params is not None else {})
        runs.append({**base, "status": "ok" if o.ok else "failed", "error": o.error,
                     **params, **(o.summary or {})})
        if o.ok and o.series:
            steps = len(next(iter(o.series.values())))
            step = np.arange(steps)
            time = {o.time_axis[0]: step / o.time_axis[1]} if o.time_axis else {}
            series.append(pd.DataFrame({**{k: [v] * steps for k, v in base.items()},
                                        "step": step, **time, **o.series}))
        if o.ok and o.breakdown:
            entity, values = o.breakdown
            n = len(next(iter(values.values())))
            breakdowns.setdefault(f"{entity}s", []).append(pd.DataFrame(
                {**{k: [v] * n for k, v in base.items()}, entity: np.arange(n), **values}))
    out = {"runs": pd.DataFrame(runs)}
    if series:
        out["series"] = pd.concat(series, ignore_index=True)
    for name, parts in breakdowns.items():
        out[name] = pd.concat(parts, ignore_index=True)
    return out


class Store:
    """One experiment's folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "manifest.json"

    def create(self, manifest: dict, resume: bool) -> None:
        """Start a new experiment, or check that a resumed one asks for the same design."""
        if self.manifest_path.exists():
            if not resume:
                raise UserError(f"--out {self.folder}: holds an experiment already; add --resume "
                                "to finish it, or choose another folder")
            old = json.loads(self.manifest_path.read_text())
            if old.get("design_hash") != manifest["design_hash"]:
                raise UserError(f"--resume {self.folder}: the design differs from the one "
                                "started there (parameters, seeds or runs changed); use a new "
                                "--out")
            manifest = {**manifest, "started": old.get("started", manifest["started"]),
                        "resumed": old.get("resumed", []) + [now()]}
        elif self.folder.exists() and any(self.folder.iterdir()):
            raise UserError(f"--out {self.folder}: already exists and is not empty; choose "
                            "another folder")
        elif resume:
            raise UserError(f"--resume {self.folder}: no experiment there to resume")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manifest = manifest
        write_json(self.manifest_path, manifest)

    def finished(self, runs: list[Run]) -> dict[int, Outcome]:
        """Runs already stored successfully (a resumed experiment redoes failed ones)."""
        done = {}
        for path in sorted((self.folder / "parts").glob("*.npz")):
            index, outcome = read_part(path, runs)
            if outcome.ok:
                done[index] = outcome
        return done

    def write_part(self, index: int, outcome: Outcome, keep: set[str]) -> None:
        write_part(self.folder, index, outcome, keep)

    def all_parts(self, runs: list[Run]) -> list[tuple[int, Outcome]]:
        return [read_part(p, runs) for p in sorted((self.folder / "parts").glob("*.npz"))]

    def consolidate(self, runs: list[Run], parameters: list[str] | None, extra: dict) -> dict:
        """Write the Parquet tables from the parts and finish the manifest."""
        tables = frames(self.all_parts(runs), parameters)
        for name, frame in tables.items():
            write_parquet(self.folder / f"{name}.parquet", frame)
        status = tables["runs"]["status"]
        self.manifest.update(extra, tables=list(tables), finished=now(),
                             done=int((status == "ok").sum()),
                             failed=int((status == "failed").sum()), total=len(runs),
                             status="complete" if len(status) == len(runs) else "incomplete")
        write_json(self.manifest_path, self.manifest)
        return tables


@dataclass
class Experiment:
    """A stored experiment in pandas: `runs` holds only successful runs; `failed` the others;
    `tables` the other run tables by name (series, and breakdowns such as committees)."""
    folder: Path
    manifest: dict
    runs: pd.DataFrame
    failed: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    @property
    def series(self) -> pd.DataFrame | None:
        return self.tables.get("series")

    def require_complete(self) -> None:
        """Refuse analysis on an experiment with failed or missing runs, naming them."""
        missing = self.manifest.get("total", 0) - len(self.runs) - len(self.failed)
        if len(self.failed) or missing:
            names = ", ".join(f"run {r.run} ({r.error})" for r in self.failed.head(5).itertuples())
            raise UserError(f"{self.folder}: {len(self.failed)} failed and {missing} missing "
                            f"runs{': ' + names if names else ''}; rerun the same command with "
                            "--resume to redo them")


def load(folder) -> Experiment:
    """Load a stored experiment into pandas (failed runs are kept apart, never as NaN rows)."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.exists():
        raise UserError(f"{folder}: no manifest.json; not a juwei results folder")
    manifest = json.loads(path.read_text())
    if not (folder / "runs.parquet").exists():
        raise UserError(f"{folder}: the experiment did not finish; rerun it with --resume")
    runs = pd.read_parquet(folder / "runs.parquet")
    tables = {name: pd.read_parquet(folder / f"{name}.parquet")
              for name in manifest.get("tables", []) if name != "runs"}
    return Experiment(folder, manifest, runs[runs.status == "ok"].reset_index(drop=True),
                      runs[runs.status == "failed"].reset_index(drop=True), tables)
