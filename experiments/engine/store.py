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

Resume never mixes: each part records the design hash, the code version and its run index, and a
part from another experiment, from other code (unless allowed) or under another run's name is
refused by name; an unreadable part is moved to parts/quarantine/ and its run redone. One writer
at a time: DIR/.lock names the process holding the folder (an flock, freed when it dies).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import inspect
import json
import os
import pkgutil
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UserError, named, option, same_again
from .reading import read_bytes, short
from .runner import Outcome, Run
from .show import Brief

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "SALib", "tqdm",
            "dask", "distributed", "pyabc", "ema_workbench", "scikit-learn")
ROOT = Path(__file__).resolve().parents[2]    # the source checkout, when there is one
MAX_MANIFEST = 1 << 30       # bytes of a manifest.json read at most (it lists every seed)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _package_files(top: str) -> list[Path]:
    """The Python source and TOML data files (shipped scenarios, counties, designs) of package
    `top`, its subpackages and every subpackage already imported, wherever each is mapped (an
    editable install maps some to other folders): an edited data file is a change of code."""
    files, seen = [], set()
    queue = [top] + sorted(m for m, mod in list(sys.modules.items())
                           if m.startswith(top + ".") and hasattr(mod, "__path__"))
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            files += sorted(Path(folder).glob("*.py")) + sorted(Path(folder).glob("*.toml"))
            queue += [f"{name}.{m.name}" for m in pkgutil.iter_modules([folder]) if m.ispkg]
    return sorted(set(files))


def source_hash(files) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(Path(f).name.encode() + b"\0")
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:16]


def code_version(fn=None) -> dict:
    """Package version, the hash of the installed package's source (and of the run function's
    own file when it lies outside the package), and, in a git checkout, the commit and whether
    the tree was dirty. `code_id` is what resume compares."""
    top = __name__.split(".")[0]
    files = _package_files(top)
    info = {"juwei": _version("juwei"), "python": sys.version.split()[0],
            "platform": platform.platform(), "source_hash": source_hash(files),
            "packages": {p: _version(p) for p in PACKAGES}}
    try:
        own = Path(inspect.getsourcefile(fn)).resolve() if fn is not None else None
    except (TypeError, OSError):
        own = None
    if own and own.is_file() and own not in {f.resolve() for f in files}:
        info["run_function_file"] = str(own)
        info["run_function_hash"] = source_hash([own])
    elif fn is not None and getattr(_defining(fn), "__module__", None) == "__main__":
        info["run_function_hash"] = code_hash(_defining(fn))     # a notebook cell's, say
    info["code_id"] = hashlib.sha256(
        f"{info['source_hash']}:{info.get('run_function_hash', '')}".encode()).hexdigest()[:16]
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
            dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                    "model", "experiments", "scenarios", "counties"],
                                   capture_output=True, text=True, timeout=5)
            info["git_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _defining(fn):
    """The function itself, or the class of a callable object."""
    return fn if inspect.isfunction(fn) or inspect.isclass(fn) else type(fn)


def code_hash(obj) -> str:
    """A hash of a function's or class's code where no file holds it (a notebook cell, an
    interactive session): its source text when Python can find it (IPython keeps cells'),
    else its bytecode and constants."""
    try:
        text = inspect.getsource(obj).encode()
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        text = code.co_code + repr(code.co_consts).encode() if code else repr(obj).encode()
    return hashlib.sha256(text).hexdigest()[:16]


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
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):           # a full disk: name the file, not the temporary
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
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


def digest(values) -> str:
    """A content hash of a table (a DataFrame: column names, dtypes and values) or an array,
    for a lazy design's recipe (runner.LazyRuns' identity)."""
    h = hashlib.sha256()
    columns = values.items() if isinstance(values, pd.DataFrame) else [("", values)]
    for name, column in columns:
        array = np.ascontiguousarray(np.asarray(column))     # a column: no copy
        h.update(json.dumps([str(name), str(array.dtype), list(array.shape)]).encode())
        h.update(array.data if array.dtype != object else          # hashed in place
                 json.dumps(array.tolist(), default=_jsonable).encode())
    return h.hexdigest()


def design_hash(runs, fn_name: str) -> str:
    """Identity of an experiment's resolved design: every run's labels, parameters and seed.
    Hashed run by run (the bytes of one JSON list of them all), so a design made lazily is
    never held whole; a lazy design with a recipe (LazyRuns' identity) is hashed from its
    recipe and count, never made run by run (1 ms a run: 17 min for a 10^6-run grid)."""
    recipe = getattr(runs, "identity", None)
    if recipe is not None:
        text = json.dumps(["recipe", fn_name, len(runs), recipe], default=_jsonable,
                          sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
    h = hashlib.sha256(b"[" + json.dumps(fn_name).encode())
    for r in runs:
        h.update(b", " + json.dumps([r.labels, r.params, r.seed], default=_jsonable,
                                    sort_keys=True).encode())
    h.update(b"]")
    return h.hexdigest()[:16]


# --- parts: one finished run each ----------------------------------------------------------------
def write_part(folder: Path, index: int, outcome: Outcome, keep: set[str],
               stamp: dict | None = None) -> None:
    """One finished run, atomically. `stamp` (design hash, code id) says where it belongs."""
    meta = {"index": index, "labels": outcome.run.labels, "seed": outcome.run.seed,
            "error": outcome.error, "seconds": outcome.seconds, "time_axis": outcome.time_axis,
            **(stamp or {})}
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

    meta["digest"] = part_digest(arrays)
    arrays["meta"] = np.array(json.dumps(meta, default=_jsonable))

    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    atomic_write(folder / "parts" / f"{index:06d}.npz", write)


def part_digest(arrays) -> str:
    """A hash of a part's data (every array but its metadata), kept in its metadata: a value
    edited after the run was stored no longer matches it."""
    h = hashlib.sha256()
    for name in sorted(k for k in arrays if k != "meta"):
        a = np.ascontiguousarray(arrays[name])
        h.update(json.dumps([name, str(a.dtype), list(a.shape)]).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:32]


def check_digest(path: Path, meta: dict) -> None:
    """ValueError if the part's data do not match the digest it was stored with (parts stored
    before parts had digests have none to check)."""
    if "digest" not in meta:
        return
    with np.load(path, allow_pickle=False) as z:
        found = part_digest({k: z[k] for k in z.files})
    if found != meta["digest"]:
        raise ValueError("its values differ from those stored (edited after the run)")


def read_meta(path: Path) -> dict:
    """A part's metadata (raises on an unreadable part)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
    if not isinstance(meta, dict) or not isinstance(meta.get("index"), int):
        raise ValueError("no run index in its metadata")
    return meta


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


def non_finite(outcome: Outcome, keep=("series", "breakdown")) -> list[str]:
    """What of an outcome's kept series and breakdown (e.g. its committee table) is not
    finite, in words (empty: all finite)."""
    out = []
    if "series" in keep and outcome.series:
        bad = [k for k, v in outcome.series.items() if not np.all(np.isfinite(v))]
        if bad:
            out.append(f"non-finite values in the series {', '.join(bad)}")
    if "breakdown" in keep and outcome.breakdown:
        entity, values = outcome.breakdown
        bad = [k for k, v in values.items() if not np.all(np.isfinite(v))]
        if bad:
            out.append(f"non-finite values in the {entity} table {', '.join(bad)}")
    return out


# --- tidy tables ----------------------------------------------------------------------------------
def parameter(params, name: str, *missing):
    """One parameter of a run: a field of the county's Parameters, or a key of your own
    model's params (a mapping)."""
    if isinstance(params, Mapping):
        return params.get(name, *missing) if missing else params[name]
    return getattr(params, name, *missing)


def frames(indexed: list[tuple[int, Outcome]], parameters: list[str] | None = None
           ) -> dict[str, pd.DataFrame]:
    """Tidy tables of runs, sorted by run index: runs, series and one per breakdown entity."""
    runs, series, breakdowns = [], [], {}
    for index, o in sorted(indexed, key=lambda x: x[0]):
        base = {"run": index, **o.run.labels, "seed": o.run.seed}
        params = ({k: parameter(o.run.params, k, None) for k in parameters}
                  if parameters and o.run.params is not None else {})
        runs.append({**base, "status": "ok" if o.ok else "failed", "error": o.error,
                     **params, **(o.summary or {})})
        if o.ok and o.series:
            steps = len(next(iter(o.series.values())))
            step = np.arange(steps) + (o.time_axis[2] if o.time_axis and len(o.time_axis) > 2
                                       else 0)
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


def by_index(path: Path) -> tuple[int, str]:
    """Parts in run order (run 1,000,000's name has seven digits, and sorts first by text)."""
    return len(path.stem), path.stem


CHUNK_RUNS = 100          # parts read and tabulated at a time when the tables are made (the
#                           series take about 6 times their size while tabulated)


class Tables(dict):
    """A study's tables by name: the runs table in memory, the others (series, breakdowns, a
    row per run and step or entity: too large to hold for a big design) read from their
    files on first use."""

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if isinstance(value, Path):
            value = pd.read_parquet(value)
            super().__setitem__(name, value)
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]


class ParquetStream:
    """A Parquet table written a chunk at a time into a temporary file, renamed onto `path`
    by close() (readers never see half a table); the first chunk's columns and types are the
    table's. A write error names `path`, never the temporary."""

    def __init__(self, path: Path):
        self.path, self.writer, self.tmp = Path(path), None, None

    def add(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq
        try:
            if self.writer is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                fd, self.tmp = tempfile.mkstemp(dir=self.path.parent,
                                                prefix=f".{self.path.name}.", suffix=".tmp")
                os.close(fd)
                self.writer = pq.ParquetWriter(self.tmp, table.schema)
            else:
                schema = self.writer.schema
                extra = [c for c in frame.columns if c not in schema.names]
                if extra:
                    raise ValueError(f"{self.path.name}: columns {', '.join(map(str, extra))} "
                                     "appear only in later runs")
                table = pa.Table.from_pandas(frame.reindex(columns=schema.names),
                                             schema=schema, preserve_index=False)
            self.writer.write_table(table)
        except OSError as e:
            raise OSError(e.errno, e.strerror or str(e), str(self.path)) from e

    def close(self) -> None:
        if self.writer is None:
            return
        try:
            self.writer.close()
            os.chmod(self.tmp, 0o666 & ~umask())
            os.replace(self.tmp, self.path)
        except OSError as e:
            raise OSError(e.errno, e.strerror or str(e), str(self.path)) from e
        self.writer = self.tmp = None

    def abandon(self) -> None:
        """After an error (or once closed): remove the temporary file, if any."""
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - the file goes anyway
                pass
        if self.tmp and os.path.exists(self.tmp):
            os.unlink(self.tmp)
        self.writer = self.tmp = None


class Lock:
    """One writer per results folder: an flock on DIR/.lock holding the writer's PID and host.
    The kernel frees it when the process dies, so a stale lock is simply taken over."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / ".lock"
        self.fd = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666 & ~umask())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").split()
            os.close(fd)
            pid, host = (holder + ["?", "?"])[:2]
            raise UserError(f"{self.path.parent}: in use by process {pid} on {host}; wait for "
                            f"it to finish (or stop it), or choose another folder "
                            f"({named('--out')})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()} {now()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)           # closing frees the flock
            self.fd = None


class Store:
    """One experiment's folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "manifest.json"
        self.parts = self.folder / "parts"
        self.lock = Lock(self.folder)
        self.stamp: dict = {}
        self.on_finish = None        # called by finish() (batch.guard_until_finished)

    def _entries(self) -> list[str]:
        return [p.name for p in self.folder.iterdir() if p.name != ".lock"] \
            if self.folder.is_dir() else []

    def create(self, manifest: dict, resume: bool, allow_code_change: bool = False,
               overwrite: bool = False) -> None:
        """Start a new experiment, or check that a resumed one asks for the same design and
        runs the same code. The folder is locked first; the manifest is written before any
        run starts, and rebuilt (resume) when it is missing or unreadable. `overwrite` first
        empties a folder that holds an experiment (never one that does not)."""
        out = option("--out", self.folder)
        if overwrite and resume:
            raise UserError(f"{option('--overwrite')} and {option('--resume')}: choose one "
                            "(start the experiment again, or finish it)")
        if self.folder.exists() and not self.folder.is_dir():
            raise UserError(f"{out}: is a file, not a folder")
        experiment = self.manifest_path.exists() or self.parts.exists()
        if not resume and self._entries() and not (overwrite and experiment):
            if experiment:
                raise UserError(f"{out}: holds an experiment already; add {option('--resume')} "
                                f"to finish it or {option('--overwrite')} to start it again, or "
                                "choose another folder")
            raise UserError(f"{out}: already exists and is not empty (and holds no experiment, "
                            f"so {option('--overwrite')} leaves it alone); choose another folder")
        if resume and not self.folder.is_dir():
            raise UserError(f"{option('--resume')} {self.folder}: no experiment there to resume")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except OSError as e:
            raise UserError(f"{out}: cannot write there ({e.strerror})") from None
        try:
            if overwrite and experiment:
                for name in self._entries():            # the lock is ours: nobody else writes
                    path = self.folder / name
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
            self._create(manifest, resume, allow_code_change)
        except BaseException:
            self.lock.release()
            raise

    def _create(self, manifest: dict, resume: bool, allow_code_change: bool) -> None:
        manifest = {"juwei_version": _version("juwei"), **manifest}
        self.stamp = {"design_hash": manifest["design_hash"],
                      "code_id": manifest["code"]["code_id"]}
        self.allow_code_change = allow_code_change
        if resume:
            old = self._old_manifest()
            if old is None:
                print(f"juwei: {self.manifest_path} is missing or unreadable; rebuilding it from "
                      "the design given and the parts", file=sys.stderr)
                manifest = {**manifest, "rebuilt": now()}
            else:
                if old.get("design_hash") != manifest["design_hash"]:
                    raise UserError(f"{option('--resume')} {self.folder}: the design differs "
                                    "from the one started there (parameters, seeds or runs "
                                    f"changed); use another folder ({named('--out')})")
                old_code = (old.get("code") or {}).get("code_id")
                changes = old.get("code_changes", [])
                if old_code != self.stamp["code_id"]:
                    if not allow_code_change:
                        raise UserError(
                            f"{option('--resume')} {self.folder}: the code changed since the "
                            f"experiment started (code {old_code} -> {self.stamp['code_id']}); "
                            "its results would mix two versions. Use another folder "
                            f"({named('--out')}), or {option('--allow-code-change')} if you "
                            "mean it")
                    changes = changes + [{"at": now(), "from": old_code,
                                          "to": self.stamp["code_id"]}]
                manifest = {**manifest, "started": old.get("started", manifest["started"]),
                            "resumed": old.get("resumed", []) + [now()],
                            "code_history": old.get("code_history", [old.get("code")])
                            + ([manifest["code"]] if changes != old.get("code_changes", [])
                               else [])}
                if changes:
                    manifest["code_changes"] = changes
                    manifest["allow_code_change"] = True
        self.manifest = manifest
        self.write_manifest()

    def _old_manifest(self) -> dict | None:
        try:
            old = json.loads(read_bytes(self.manifest_path, MAX_MANIFEST))
        except (UserError, ValueError):
            return None
        return old if isinstance(old, dict) and "design_hash" in old else None

    def write_manifest(self) -> None:
        try:
            write_json(self.manifest_path, self.manifest)
        except OSError as e:
            raise UserError(f"{option('--out', self.folder)}: cannot write there "
                            f"({e.strerror})") from None

    def mark_interrupted(self, why: str) -> None:
        """Say in the manifest that the experiment was interrupted, and why. On a full disk,
        where the atomic rewrite has no room for a second copy, the manifest is rewritten in
        place (a manifest cut even then is rebuilt by --resume)."""
        self.manifest.update(status="interrupted", interrupted=now(), interrupted_by=why)
        try:
            write_json(self.manifest_path, self.manifest)
        except OSError:
            try:
                with open(self.manifest_path, "w", encoding="utf-8") as f:
                    json.dump(self.manifest, f, indent=2, ensure_ascii=False,
                              default=_jsonable)
            except OSError:
                pass

    def check_parts(self, runs: list[Run], quarantine: bool = True) -> dict[int, bool]:
        """Run index -> ok, for every stored part, after checking each belongs here.

        A part of another design, or under another run's name (a stray copy), is refused with a
        UserError naming it; so is one written by other code, unless allowed. An unreadable part
        is moved to parts/quarantine/ (when `quarantine`) and its run is redone."""
        found: dict[int, bool] = {}
        for tmp in self.parts.glob(".*.tmp") if quarantine else ():
            tmp.unlink(missing_ok=True)             # left by a kill during a write
        for path in sorted(self.parts.glob("*.npz")):
            try:
                meta = read_meta(path)
                check_digest(path, meta)
                ok = meta.get("error") is None
                if ok:                      # checked again as when it was stored
                    _, outcome = read_part(path, None)
                    bad = [k for k, v in outcome.summary.items() if not np.isfinite(v)]
                    problems = ([f"non-finite summary values {', '.join(bad)}"] if bad else []) \
                        + non_finite(outcome)
                    if problems:
                        raise ValueError("; ".join(problems))
            except Exception as e:  # noqa: BLE001 - any unreadable part: BadZipFile, EOF, ...
                if quarantine:
                    where = self.parts / "quarantine"
                    where.mkdir(exist_ok=True)
                    shutil.move(str(path), where / path.name)
                    why = short(f"{type(e).__name__}: {e}", 80)
                    print(f"juwei: {path} is unreadable or not finite ({why}); moved to "
                          f"{where}/, its run will be redone", file=sys.stderr)
                continue
            index = meta["index"]
            if meta.get("design_hash") != self.stamp.get("design_hash"):
                raise UserError(f"{path}: belongs to another experiment (design "
                                f"{short(meta.get('design_hash'), 20)}, this one "
                                f"{self.stamp.get('design_hash')}); remove it, or use another "
                                f"folder ({named('--out')})")
            if path.name != f"{index:06d}.npz" or not 0 <= index < len(runs) or index in found:
                raise UserError(f"{path}: holds run {index}, a duplicate or stray copy; remove "
                                "it and resume again")
            run = runs[index]
            if (json.loads(json.dumps(run.labels, default=_jsonable)) != meta.get("labels")
                    or run.seed != meta.get("seed")):
                raise UserError(f"{path}: its labels or seed are not those of run {index}; "
                                f"remove it, or use another folder ({named('--out')})")
            if meta.get("code_id") != self.stamp.get("code_id") and not self.allow_code_change:
                raise UserError(f"{path}: written by other code (code "
                                f"{short(meta.get('code_id'), 20)}, now {self.stamp.get('code_id')}); "
                                f"use another folder ({named('--out')}), or "
                                f"{option('--allow-code-change')} if you mean it")
            found[index] = ok
        return found

    def finished(self, runs: list[Run]) -> dict[int, bool]:
        """Runs already stored successfully (a resumed experiment redoes failed ones)."""
        return {i: ok for i, ok in self.check_parts(runs).items() if ok}

    def write_part(self, index: int, outcome: Outcome, keep: set[str]) -> None:
        write_part(self.folder, index, outcome, keep, self.stamp)

    def all_parts(self, runs: list[Run]) -> list[tuple[int, Outcome]]:
        return [read_part(p, runs) for p in sorted(self.parts.glob("*.npz"), key=by_index)]

    def consolidate(self, runs: list[Run], parameters: list[str] | None, extra,
                    on_part=None) -> dict:
        """Write the Parquet tables from the parts, CHUNK_RUNS parts at a time, so that making
        them holds one chunk of parts, the runs table (one row a run) and no more: the series
        and breakdown tables are streamed to their files and read back only when a study asks
        for them (Tables). `on_part(index, outcome)` sees every part as it is read; `extra`
        (a dict, or a function giving one once every part is read) goes into the manifest,
        which says "tables" until the study has written its figures and report and calls
        finish()."""
        paths = sorted(self.parts.glob("*.npz"), key=by_index)
        runs_frames, streams = [], {}
        try:
            for start in range(0, max(len(paths), 1), CHUNK_RUNS):
                chunk = [read_part(p, runs) for p in paths[start:start + CHUNK_RUNS]]
                for index, outcome in chunk if on_part else ():
                    on_part(index, outcome)
                made = frames(chunk, parameters)
                runs_frames.append(made.pop("runs"))
                for name, frame in made.items():
                    if name not in streams:
                        streams[name] = ParquetStream(self.folder / f"{name}.parquet")
                    streams[name].add(frame)
                del chunk, made
            for stream in streams.values():
                stream.close()
        finally:
            for stream in streams.values():
                stream.abandon()
        table = (pd.concat(runs_frames, ignore_index=True) if len(runs_frames) > 1
                 else runs_frames[0])
        del runs_frames
        write_parquet(self.folder / "runs.parquet", table)
        tables = Tables(runs=table)
        tables.update({name: stream.path for name, stream in streams.items()})
        extra = extra() if callable(extra) else extra
        status = table["status"] if len(table) else pd.Series([], dtype=object)
        self.manifest.update(extra, tables=list(tables), consolidated=now(),
                             done=int((status == "ok").sum()),
                             failed=int((status == "failed").sum()), total=len(runs),
                             status="tables")
        self.write_manifest()
        return tables

    def finish(self, status: str | None = None, **extra) -> None:
        """Mark the experiment "complete" (every run stored, every output written), or
        "incomplete", or `status`; then free the folder."""
        m = self.manifest
        if status is None:
            status = "complete" if m.get("done", 0) + m.get("failed", 0) == m["total"] \
                else "incomplete"
        m.update(extra, status=status, finished=now())
        self.write_manifest()
        self.lock.release()
        if self.on_finish:
            self.on_finish()


def _result_tables(folder: Path, tables: dict) -> dict:
    """`tables` with every other table of the folder by name: its Parquet files, then the CSV
    files that have no Parquet twin (the runs table is apart)."""
    tables = dict(tables)
    for p in sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.csv")):
        if p.stem not in tables and p.stem != "runs":
            tables[p.stem] = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
    return tables


@dataclass(repr=False)
class Experiment(Brief):
    """A stored experiment in pandas (what `load` returns): `runs` holds only successful
    runs; `failed` the others; `tables` the other run tables by name (series, and breakdowns
    such as committees) and the study's results (comparison, points, indices, ...). A
    calibration has no runs: its tables are its results (posterior, generations, predictive,
    constants, checks) and `failed` its failed candidates."""
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
                            f"runs{': ' + names if names else ''}; "
                            f"{same_again(self.folder)} redoes them")


def load(folder) -> Experiment:
    """Load a stored experiment (any study's folder, a calibration's too) into pandas; failed
    runs are kept apart, never as NaN rows.

    `folder`: a results folder (str or Path). Returns an `Experiment`: `manifest` (what ran:
    the call or command, version, seeds, status), `runs` (one row per successful run: its
    labels, seed and every output), `failed` (the others, with their error) and `tables`, by
    name: the run tables (`series`, `committees`, ...) and the study's own results, each
    Parquet or CSV file of the folder (`comparison`, `ranking` and `costs` of a
    comparison, `points` of a sweep, `indices` of a sensitivity analysis, `posterior`,
    `generations`, `constants` and `checks` of a calibration, ...)::

        e = juwei.load("results/compare-20261206-101500")
        e.tables["comparison"]
    """
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.exists():
        raise UserError(f"{folder}: no manifest.json; not a juwei results folder")
    try:
        manifest = json.loads(read_bytes(path, MAX_MANIFEST))
    except (UserError, ValueError) as e:
        raise UserError(f"{path}: unreadable ({short(e, 80)}); "
                        f"{same_again(folder)} rebuilds it") from None
    if not (folder / "runs.parquet").exists():
        if manifest.get("status") != "complete":
            raise UserError(f"{folder}: the experiment did not finish; {same_again(folder)} "
                            "finishes it")
        # a study whose results are other tables (a calibration: posterior, generations, ...)
        return Experiment(folder, manifest, pd.DataFrame(),
                          pd.DataFrame(manifest.get("failed_candidates", [])),
                          _result_tables(folder, {}))
    runs = pd.read_parquet(folder / "runs.parquet")
    tables = {name: pd.read_parquet(folder / f"{name}.parquet")
              for name in manifest.get("tables", []) if name != "runs"}
    tables = _result_tables(folder, tables)
    return Experiment(folder, manifest, runs[runs.status == "ok"].reset_index(drop=True),
                      runs[runs.status == "failed"].reset_index(drop=True), tables)
