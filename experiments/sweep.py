"""Parameter sweeps from design files (TOML data, validated like scenarios).

    description = "..."
    scenario = "baseline"          # base scenario: a name, or a path relative to this file
    sampling = "lhs"               # grid | lhs | sobol
    samples = 32                   # points for lhs and sobol (sobol: a power of 2)
    levels = 3                     # grid points per [low, high] range
    replicates = 2                 # per point, on common random numbers
    years = 5
    scale = 0.1
    seed = 1
    outputs = ["participation_rate", "trust", "admin_share", "htc_index"]
    series = false                 # keep weekly series (large for big sweeps)

    [levers]                       # each lever: [low, high] or { values = [...] } (grid only)
    task_admission = [0.0, 0.9]
    cadre_pay = [200, 1500]
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model import INDICATORS
from model.params import FIELDS, ParameterError, coerce

from . import scenario as sc
from .plots import panels, save
from .runner import Run, replicate_seeds
from .scenario import UserError, suggest

DESIGN_DIR = Path(__file__).resolve().parent / "designs"
SAMPLINGS = ("grid", "lhs", "sobol")
KEYS = {"description": str, "scenario": str, "sampling": str, "samples": int, "levels": int,
        "replicates": int, "years": int, "scale": (int, float), "seed": int, "outputs": list,
        "series": bool, "levers": dict}
DEFAULT_OUTPUTS = ["participation_rate", "trust", "admin_share", "exhaustion", "cadre_turnover",
                   "htc_index"]


@dataclass
class Design:
    path: str
    description: str
    base: sc.Scenario
    sampling: str
    samples: int
    levels: int
    replicates: int
    seed: int
    outputs: list[str]
    series: bool
    levers: dict           # name -> ("range", low, high) or ("values", [...])

    def as_dict(self) -> dict:
        return {"path": self.path, "description": self.description, "scenario": self.base.name,
                "scenario_changes": self.base.changes, "sampling": self.sampling,
                "samples": self.samples, "levels": self.levels, "replicates": self.replicates,
                "seed": self.seed, "years": self.base.params.years, "scale": self.base.params.scale,
                "outputs": self.outputs, "levers": self.levers}


def resolve_design(name: str) -> Path:
    path = Path(name)
    if not path.is_file() and (DESIGN_DIR / f"{name}.toml").is_file():
        path = DESIGN_DIR / f"{name}.toml"
    if not path.is_file():
        known = [p.stem for p in DESIGN_DIR.glob("*.toml")]
        raise UserError(f"{name}: no such design file{suggest(Path(name).stem, known)} "
                        f"(ready-made designs: {', '.join(sorted(known))})")
    return path


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read: {e}") from None


def check_keys(path: Path, data: dict, keys: dict) -> None:
    for key, value in data.items():
        if key not in keys:
            raise UserError(f"{path}: unknown key '{key}'{suggest(key, keys)}")
        kind = keys[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            want = kind.__name__ if isinstance(kind, type) else "a number"
            raise UserError(f"{path}: {key}: expected {want}, got {type(value).__name__} "
                            f"{value!r}")


def positive(path, key, value, low=1):
    if value < low:
        raise UserError(f"{path}: {key}: expected at least {low}, got {value}")
    return value


def lever_specs(path: Path, levers: dict, sampling: str) -> dict:
    specs = {}
    if not levers:
        raise UserError(f"{path}: levers: name at least one lever to vary")
    for name, spec in levers.items():
        if name not in FIELDS:
            raise UserError(f"{path}: levers.{name}: unknown parameter{suggest(name, FIELDS)}")
        key = f"{path}: levers.{name}"
        try:
            if isinstance(spec, dict):
                if set(spec) != {"values"} or not isinstance(spec["values"], list) \
                        or not spec["values"]:
                    raise UserError(f"{key}: expected {{ values = [...] }} or [low, high]")
                if sampling != "grid":
                    raise UserError(f"{key}: a values list needs sampling = \"grid\"")
                specs[name] = ("values", [coerce(name, v) for v in spec["values"]])
            elif isinstance(spec, list) and len(spec) == 2:
                low, high = (coerce(name, v) for v in spec)
                if not low < high:
                    raise UserError(f"{key}: expected low < high, got {spec}")
                specs[name] = ("range", low, high)
            else:
                raise UserError(f"{key}: expected [low, high] or {{ values = [...] }}")
        except ParameterError as e:
            raise UserError(f"{path}: levers.{e}") from None
    return specs


def base_and_outputs(path: Path, data: dict) -> tuple[sc.Scenario, list[str]]:
    """A design's base scenario (a name, or a path relative to the design) with its years and
    scale, and its validated outputs."""
    name = data.get("scenario", "baseline")
    beside = path.parent / name
    base = sc.load(str(beside) if beside.is_file() else name)
    overrides = {k: data[k] for k in ("years", "scale") if k in data}
    if overrides:
        base = base.with_overrides(overrides, str(path))
    outputs = data.get("outputs", DEFAULT_OUTPUTS)
    for o in outputs:
        if o not in INDICATORS:
            raise UserError(f"{path}: outputs: unknown indicator {o!r}"
                            f"{suggest(str(o), INDICATORS)}")
    return base, list(outputs)


def load(name: str, keys: dict = KEYS) -> Design:
    """Read and validate a design file; errors name the file and the key."""
    path = resolve_design(name)
    data = read_toml(path)
    check_keys(path, data, keys)
    sampling = data.get("sampling", "lhs")
    if sampling not in SAMPLINGS:
        raise UserError(f"{path}: sampling: expected one of {', '.join(SAMPLINGS)}, got "
                        f"{sampling!r}{suggest(sampling, SAMPLINGS)}")
    base, outputs = base_and_outputs(path, data)
    return Design(
        path=str(path), description=data.get("description", ""), base=base, sampling=sampling,
        samples=positive(path, "samples", data.get("samples", 16)),
        levels=positive(path, "levels", data.get("levels", 3), 2),
        replicates=positive(path, "replicates", data.get("replicates", 2)),
        seed=data.get("seed", 20061), outputs=outputs, series=data.get("series", False),
        levers=lever_specs(path, data.get("levers", {}), sampling),
    )


def points(design: Design) -> pd.DataFrame:
    """The design points: one row per point, one column per varied lever."""
    names = list(design.levers)
    if design.sampling == "grid":
        axes = []
        for n in names:
            spec = design.levers[n]
            axes.append(spec[1] if spec[0] == "values"
                        else list(np.linspace(spec[1], spec[2], design.levels)))
        mesh = np.meshgrid(*axes, indexing="ij")
        frame = pd.DataFrame({n: m.ravel() for n, m in zip(names, mesh)})
    else:
        d = len(names)
        if design.sampling == "lhs":
            unit = qmc.LatinHypercube(d=d, seed=design.seed).random(design.samples)
        else:
            unit = qmc.Sobol(d=d, scramble=True, seed=design.seed).random(design.samples)
        lows = np.array([design.levers[n][1] for n in names], float)
        highs = np.array([design.levers[n][2] for n in names], float)
        frame = pd.DataFrame(qmc.scale(unit, lows, highs), columns=names)
    for n in names:
        if FIELDS[n].metadata["integer"]:
            frame[n] = frame[n].round().astype(int)
    return frame.drop_duplicates().reset_index(drop=True)


def runs(design: Design, frame: pd.DataFrame) -> list[Run]:
    """Every point x replicate; replicate r uses the same seed at every point."""
    seeds = replicate_seeds(design.seed, design.replicates)
    out = []
    for p, row in enumerate(frame.to_dict("records")):
        values = {k: (int(v) if FIELDS[k].metadata["integer"] else float(v))
                  for k, v in row.items()}
        params = dataclasses.replace(design.base.params, **values)
        out += [Run({"point": p, "replicate": r}, params, s) for r, s in enumerate(seeds)]
    return out


def point_means(runs_table: pd.DataFrame, levers: list[str], outputs: list[str]) -> pd.DataFrame:
    """Mean and sd across replicates at each design point."""
    g = runs_table.groupby("point")
    out = g[levers].first()
    for o in outputs:
        out[f"{o}_mean"] = g[o].mean()
        out[f"{o}_sd"] = g[o].std(ddof=1)
    out["replicates"] = g.size()
    return out.reset_index()


def plot(runs_table: pd.DataFrame, levers: list[str], outputs: list[str], folder: Path) -> list:
    """One figure per output: the output against each varied lever."""
    paths = []
    means = runs_table.groupby("point")[levers + outputs].mean()
    for o in outputs:
        fig, axes, _ = panels(len(levers), 4, 3.6, 3.0)
        for ax, lever in zip(axes, levers):
            ax.scatter(runs_table[lever], runs_table[o], s=6, alpha=0.25, color="tab:grey",
                       label="replicates")
            ax.scatter(means[lever], means[o], s=14, color="tab:blue", label="point mean")
            ax.set_xlabel(f"{lever} ({FIELDS[lever].metadata['unit']})", fontsize=8)
            ax.set_ylabel(o, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        path = folder / f"sweep-{o}.png"
        save(fig, path, f"{o}: {INDICATORS[o][1]}", rect=(0, 0, 1, 0.97))
        paths.append(path)
    return paths

