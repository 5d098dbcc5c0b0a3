"""Global sensitivity analysis of a stochastic model: sample (sampling.py), run through the
engine (stored, resumable, any executor), analyse (analysis.py), then tables, figures and the
report (present/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...engine import Options, RunFunction, run_batch
from ...engine.errors import AnalysisRefused
from ...engine.show import Brief
from ...engine.store import atomic_write, write_parquet
from ...inputs.design import SensitivityDesign
from ...inputs.ensemble import load_ensemble
from ...present import sensitivity_figures as figures
from ...present import sensitivity_page as page
from ..common import PairedDifference, county_function
from .analysis import Indices, analyse
from .sampling import build_runs, county_params, sample


@dataclass(repr=False)
class SensitivityStudy(Brief):
    """What `juwei.sensitivity` returns: the folder `out`, the `design`, the `indices` (per
    output: the table, rank probabilities, convergence and noise share), the report's
    `paragraphs` (output -> plain words) and the `manifest`."""
    out: Path
    design: SensitivityDesign
    indices: Indices
    paragraphs: dict[str, str]      # output -> plain words
    manifest: dict

    def to_frame(self):
        """Every output's indices in one table: output, factor, the method's indices with
        their 95% intervals, `above_dummy` (told apart from noise), `rank` and `p_rank`."""
        return self.indices.to_frame()


def ensemble_of(d: SensitivityDesign):
    """The posterior draws every point runs on (a design with `draws`), or None."""
    return load_ensemble(d.ensemble, d.draws, d.seed, f"{d.path}: ensemble:") if d.draws else None


def runs_of(d: SensitivityDesign, make_params=None, ensemble=None):
    """The design matrix and its runs (county parameters unless `make_params` is given), on
    the posterior draws `ensemble` (ensemble_of(d)) when the design has draws."""
    X = sample(d)
    return X, build_runs(d, X, make_params or county_params(d), ensemble,
                         county=make_params is None)


def run_function(d: SensitivityDesign, fn: RunFunction | None = None) -> RunFunction:
    """What each run calls: the county model (or a user's `fn`), or with `difference` the
    remedy's paired effect on it. A resume compares its identity."""
    fn = fn or county_function(d.base.county if d.base else None,
                               d.base.params if d.base else None, summary_only=True)
    if d.difference is not None:
        changes = tuple((k, v) for k, v in d.difference.changes.items()
                        if k not in ("years", "scale", "burn_in_years"))
        fn = PairedDifference(fn, d.difference.name, changes)
    return fn


def run(d: SensitivityDesign, opts: Options, fn: RunFunction | None = None,
        make_params=None) -> SensitivityStudy:
    """Sample, run, analyse; write the tables, figures and report.html into opts.out.

    `fn` and `make_params(row) -> params` run any model (README, "Your own model").
    """
    ensemble = ensemble_of(d)
    X, runs = runs_of(d, make_params, ensemble)
    fn = run_function(d, fn)
    record = {**d.as_dict(), "points": len(X), **(ensemble.record() if ensemble else {})}
    store, tables = run_batch(runs, opts, "sensitivity", record,
                              fn=fn, keep=(), desc=f"{d.method} analysis", outputs=d.outputs,
                              finish=False)
    try:
        indices = analyse(d, X, pd.concat([tables["runs"], tables["failed"]], ignore_index=True))
    except AnalysisRefused:
        store.finish("analysis refused")
        raise
    for name, frame in indices.tables().items():
        write_parquet(opts.out / f"{name}.parquet", frame)
        atomic_write(opts.out / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    images = {"indices": opts.out / "sa-indices.png", "heatmap": opts.out / "sa-heatmap.png",
              "ranks": opts.out / "sa-ranks.png", "convergence": opts.out / "sa-convergence.png"}
    figures.plot_indices(d, indices, images["indices"])
    figures.plot_heatmap(d, indices, images["heatmap"])
    figures.plot_ranks(indices, images["ranks"])
    figures.plot_convergence(d, indices, images["convergence"])
    paragraphs = page.paragraphs(d, indices)
    store.manifest["summary"] = paragraphs
    html = page.sensitivity(d, indices.tables(), paragraphs, images, store.manifest)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    store.finish()
    return SensitivityStudy(opts.out, d, indices, paragraphs, store.manifest)
