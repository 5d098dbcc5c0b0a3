"""Parameter sweeps: the design's points, their runs on common random numbers, the mean and sd
at each point, and a figure per output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..engine import Options, Run, replicate_seeds, run_batch
from ..engine.show import Brief
from ..engine.runner import LazyRuns
from ..engine.store import atomic_write, digest, write_parquet
from ..inputs.design import DUMMY, SweepDesign
from ..model.params import FIELDS, from_sample
from ..present.figures import plot_sweep
from .common import check_ensemble_county, county_function, on_draw, refuse_if_all_failed


@dataclass(repr=False)
class Sweep(Brief):
    """What `juwei.sweep` returns: the folder `out`, the `design`, the number of `points`,
    `means` (one row per point: the varied levers, each output's mean and sd) and the
    `manifest`. runs.parquet in the folder has one row per run."""
    out: Path
    design: SweepDesign
    points: int
    means: pd.DataFrame         # one row per point: the levers, each output's mean and sd
    manifest: dict


def points(design: SweepDesign) -> pd.DataFrame:
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
            frame[n] = [from_sample(n, v) for v in frame[n]]
    return frame.drop_duplicates().reset_index(drop=True)


def runs(design: SweepDesign, frame: pd.DataFrame, ensemble=None) -> LazyRuns:
    """Every point x replicate; replicate r uses the same seed at every point; with a
    posterior `ensemble`, each on every draw (what the sweep and its scenario set keep their
    values). Made as they are needed (LazyRuns): a grid of a million runs costs its points
    table, not a million parameter sets, before anything runs."""
    seeds = replicate_seeds(design.seed, design.replicates)
    columns = {n: frame[n].to_numpy() for n in frame.columns}
    own = set(design.levers) | set(design.base.changes)       # what the design sets itself
    draws = len(ensemble.draws) if ensemble is not None else 1

    def make(i: int) -> Run:
        j, k = divmod(i, draws)
        p, r = divmod(j, design.replicates)
        values = {n: from_sample(n, column[p]) for n, column in columns.items()}
        run = Run({"point": p, "replicate": r},
                  dataclasses.replace(design.base.params, **values), seeds[r])
        return run if ensemble is None else on_draw(run, ensemble, k, design.replicates, own)
    return LazyRuns(len(frame) * design.replicates * draws, make,
                    recipe(design.base.params, frame, design.replicates, seeds, ensemble, own,
                           "sweep"),
                    varied(design.base.params, frame, ensemble, own))


def recipe(base, points, replicates: int, seeds, ensemble, own, kind: str) -> dict:
    """What a lazy design's runs are made from besides the code (LazyRuns' identity, the
    design hash): the base parameters, the points (a digest), seeds and the posterior draws."""
    return {"recipe": kind, "base": base, "points": digest(points), "replicates": replicates,
            "seeds": [int(s) for s in seeds],
            "ensemble": None if ensemble is None else {
                "draws": digest(ensemble.draws), "constants": list(ensemble.constants),
                "fixed": sorted(own)}}


def varied(base, points: pd.DataFrame, ensemble, own) -> list[str]:
    """The parameters that differ between a lazy design's runs (batch.varied_parameters
    without making every run again): the points' columns that move, and the posterior's
    constants the design does not set itself."""
    def moves(name, values) -> bool:          # without a value a point (10^6 of them)
        values = np.asarray(values)
        if FIELDS[name].metadata["integer"] and values.dtype.kind == "f":
            values = np.round(values)          # as from_sample rounds (half to even)
        return len(values) > 1 and bool((values != values[0]).any())
    moving = {n for n in points.columns if n != DUMMY and moves(n, points[n])}
    if ensemble is not None:
        moving |= {c for c in ensemble.constants if c not in own
                   and len({from_sample(c, v) for v in ensemble.draws[c]}) > 1}
    return [f.name for f in dataclasses.fields(base) if f.name in moving]


def point_means(runs_table: pd.DataFrame, levers: list[str], outputs: list[str]) -> pd.DataFrame:
    """Mean and sd across replicates at each design point."""
    g = runs_table.groupby("point")
    out = g[levers].first()
    for o in outputs:
        out[f"{o}_mean"] = g[o].mean()
        out[f"{o}_sd"] = g[o].std(ddof=1)
    out["replicates"] = g.size()
    return out.reset_index()


def run(design: SweepDesign, opts: Options, ensemble=None, lang: str = "en") -> Sweep:
    """Run every point x replicate (x posterior draw) into opts.out; write points.csv/.parquet
    and the figures (in `lang`). With an ensemble, a point's sd spans the draws and the
    replicates."""
    frame = points(design)
    keep = ("series",) if design.series else ()
    check_ensemble_county(ensemble, [design.base])
    record = {**design.as_dict(), "points": len(frame),
              **(ensemble.record() if ensemble else {})}
    store, tables = run_batch(runs(design, frame, ensemble), opts, "sweep", record,
                              fn=county_function(design.base.county, design.base.params,
                                                 summary_only=not keep), keep=keep, desc=design.name,
                              outputs=design.outputs, finish=False)
    refuse_if_all_failed(store, tables, "runs of the sweep", "are no means")
    ok = tables["runs"]
    levers = list(design.levers)
    means = point_means(ok, levers, design.outputs)
    write_parquet(opts.out / "points.parquet", means)
    atomic_write(opts.out / "points.csv", lambda tmp: means.to_csv(tmp, index=False))
    plot_sweep(ok, levers, design.outputs, opts.out, lang)
    store.finish()
    return Sweep(opts.out, design, len(frame), means, store.manifest)
