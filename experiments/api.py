"""juwei from Python: one function per study, keyword arguments, the command line's defaults.

    import juwei
    r = juwei.run("baseline", replicates=5, scale=0.1, levers={"cadre_pay": 800})
    c = juwei.compare("baseline", "separation", ("baseline", {"task_admission": 0.2}),
                      replicates=10, out="results/mine")
    e = juwei.load("results/mine")          # any results folder into pandas
    v = juwei.validate(replicates=5, scale=0.1)           # the patterns of spec §7
    d = juwei.doses("baseline", "separation", "cadre_pay_recruitment", doses=2)
    s = juwei.search("search_packages", generations=2)    # reform packages on many objectives

The checks of the model are functions too: `validate` (the patterns), `dock` (against the
per-agent reference), `audit` (the assumed constants that decide the ranking) and `doses`
(the dose-response study, `juwei compare --dose-response`); `discover` reads an ensemble
study back and finds where its remedies fail (scenario discovery, `juwei discover`).

A scenario is a shipped scenario's name, a scenario file (str or Path), a `Scenario` object,
or a base with changes: `("baseline", {"cadre_pay": 800})` or `{"base": "baseline",
"cadre_pay": 800, "name": "better_pay"}`. A design (sweep, sensitivity, search,
calibration) is a ready-made design's name, a file, or a design object. Folders are str or
Path; without `out`, results go to `results/<study>-<time>/` as with the command. The options
of every study are those of `juwei.engine.Options` (resume, overwrite, executor, workers,
scheduler, progress, allow_code_change). Errors are `juwei.engine.UserError` naming the
argument; an interrupt raises `juwei.engine.Interrupted` (the same call with resume=True
finishes the study).
"""

from __future__ import annotations

import dataclasses
import numbers
from datetime import datetime
from pathlib import Path

from .engine import DEFAULT_SEED, Options, UserError, check_seed, check_size, load
from .engine.store import short
from .inputs import scenario as scen
from .inputs.files import suggest

__all__ = ["run", "compare", "doses", "sweep", "sensitivity", "search", "calibrate", "screen",
           "coverage", "validate", "dock", "audit", "discover", "load", "as_scenario"]

DEFAULT_DRAWS = 20          # posterior draws with an ensemble, as `juwei compare --ensemble`


def as_scenario(s, *, years: int | None = None, scale: float | None = None,
                burn_in_years: int | None = None, county=None,
                levers: dict | None = None) -> scen.Scenario:
    """A Scenario from a name, a file, a Scenario, `(base, {changes})` or `{"base": ...,
    changes..., "name": ...}` (named base+change=value... unless it gives a name); then
    `levers` (as `juwei run --set`: the name stays; the run's size goes to `years`, `scale`
    and `burn_in_years`), `years`, `scale`, `burn_in_years` and `county` applied.

        juwei.as_scenario(("baseline", {"cadre_pay": 800}), scale=0.1).params.cadre_pay
    """
    changes, name = {}, None
    if isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], dict):
        s, changes = s
    elif isinstance(s, dict):
        changes = dict(s)
        s, name = changes.pop("base", "baseline"), changes.pop("name", None)
    if isinstance(s, scen.Scenario):
        out = s
    elif isinstance(s, (str, Path)) and str(s).strip():
        out = scen.load(str(s))
    else:
        raise UserError(f"scenario {short(repr(s), 60)}: expected a scenario's name, a file, a "
                        "Scenario, (base, {changes}) or {'base': ..., changes...}")
    if changes:
        out = out.with_overrides(changes, "scenario")
        name = name or "+".join([out.name] + [f"{k}={v}" for k, v in changes.items()])
    if name:
        out = dataclasses.replace(out, name=name)
    if levers is not None and not isinstance(levers, dict):
        raise UserError(f"levers=: expected a dict of parameters and values, got "
                        f"{short(repr(levers), 60)}")
    out = scen.with_sets(out, levers or {}, "levers=", lambda field: f"{field}=")
    for key, value in (("years", years), ("scale", scale), ("burn_in_years", burn_in_years)):
        if value is not None:
            out = out.with_overrides({key: value}, key)
    return out.with_county(str(county), "county") if county is not None else out


def _options(out, what: str, **options) -> Options:
    """The study's Options; `out` defaults to results/<what>-<time>/ as in the command."""
    fields = [f.name for f in dataclasses.fields(Options) if f.name != "out"]
    for key in options:
        if key not in fields:
            raise UserError(f"{key}=: not an option{suggest(key, fields)} (options: "
                            f"{', '.join(fields)})")
    if out is None:
        out = f"results/{what}-{datetime.now():%Y%m%d-%H%M%S}"
    return Options(out=out, **options)


def _ensemble(folder, draws, seed):
    if folder is None:
        if draws is not None:
            raise UserError("draws= goes with ensemble= (a calibration's folder)")
        return None
    from .inputs.ensemble import load_ensemble
    return load_ensemble(str(folder), draws or DEFAULT_DRAWS, seed, where="ensemble=")


WHOLE = ("population", "generations", "replicates", "years", "burn_in_years", "samples",
         "draws")                       # the overrides that are whole numbers (scale: any number)


def _design(design, loader, kind, overrides=None):
    """A design object as it is, else read from its name or file (with `overrides`, which
    win over the file's; an error about one names the argument, not the file)."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    for key, value in given.items():
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if key in WHOLE and not (number and float(value).is_integer()):
            raise UserError(f"{key}={short(repr(value), 40)}: expected a whole number")
        if key == "scale" and not number:
            raise UserError(f"scale={short(repr(value), 40)}: expected a number")
        if key in WHOLE:
            given[key] = int(value)
    if isinstance(design, (str, Path)):     # the loader names an override that it refuses
        return loader(str(design), {**overrides, **given}) if overrides is not None \
            else loader(str(design))
    if dataclasses.is_dataclass(design) and not isinstance(design, type):
        if given:
            raise UserError(f"{kind}: give a design's name or file to override "
                            f"{', '.join(given)}")
        return design
    raise UserError(f"{kind} {str(design)[:60]!r}: expected a design's name, a file or a "
                    "design object")


def run(scenario="baseline", *, replicates: int = 10, seed: int = DEFAULT_SEED,
        years: int | None = None, scale: float | None = None,
        burn_in_years: int | None = None, county=None, levers: dict | None = None,
        out=None, plots: bool = True, **options):
    """Run one scenario's replicates, as `juwei run` does.

    `scenario`: a shipped scenario's name, a file, a Scenario or a base with changes (see
    `as_scenario`). `replicates` runs on seeds spawned from the root `seed`; `years` after a
    burn-in of `burn_in_years` (default 6) under the baseline's levers, at population
    `scale` (0.1 = 22,000 residents), on `county` (a county file or a shipped county's
    name); `levers` changes levers and keeps the scenario's name (`juwei run --set`).
    `plots=False` skips the figures. `out`: the results folder (default
    `results/<scenario>-<time>/`); `**options`: the engine's (`juwei.engine.Options`).

    Returns a `juwei.studies.run.ScenarioRun`: `summary[indicator]` holds the last year's
    mean, ci95_low, ci95_high, sd and n over the replicates::

        r = juwei.run("baseline", replicates=5, scale=0.1, levers={"cadre_pay": 800})
        r.summary["exhaustion"]["mean"]
    """
    from .studies import run as study
    s = as_scenario(scenario, years=years, scale=scale, burn_in_years=burn_in_years,
                    county=county, levers=levers)
    check_size(replicates, "replicates")
    return study.run(s, replicates, _seed(seed), _options(out, s.name, **options),
                     plots=plots)


def compare(base, *alternatives, replicates: int = 10, seed: int = DEFAULT_SEED,
            years: int | None = None, scale: float | None = None,
            burn_in_years: int | None = None, county=None, ensemble=None,
            draws: int | None = None, lang: str = "en", out=None, **options):
    """Compare scenarios with `base` on common random numbers, as `juwei compare` does.

    `base` and each of `alternatives`: a scenario's name, a file, a Scenario or a base with
    changes (`("baseline", {"task_admission": 0.5})`, see `as_scenario`). Replicate *r* runs
    on the same seed in every scenario, so the differences are paired. `years`, `scale`,
    `burn_in_years` and `county` apply to every scenario; the county settles under the base's
    levers before each scenario's levers switch on. With `ensemble` (a calibration's folder,
    see `calibrate`), every scenario runs on `draws` (default 20) posterior draws ×
    `replicates`. `lang`: the report's language, "en" or "zh". `out`: the results folder
    (default `results/compare-<time>/`); `**options`: the engine's (`juwei.engine.Options`).

    Returns a `juwei.studies.compare.Comparison`: `table` (every indicator and scenario: mean
    and 95% interval, the paired difference `diff` from the base with `diff_low`,
    `diff_high` and `flagged`), `ranking` (the alternatives on the six outcomes), `costs`,
    and with an ensemble `ensemble["effects"]`, `["syndrome"]` and `["ranks"]`. The folder
    holds report.html and handout.html::

        c = juwei.compare("baseline", "separation", ("baseline", {"cadre_pay": 800}),
                          replicates=10, scale=0.1)
        c.table[c.table.indicator == "exhaustion"]
    """
    from .studies import compare as study
    if "dose_response" in options or "doses" in options or "budget" in options:
        raise UserError(f"{next(k for k in ('dose_response', 'doses', 'budget') if k in options)}"
                        "=: the dose-response study is juwei.doses(base, *remedies, doses=, "
                        "budget=)")
    if not alternatives:
        raise UserError("compare: name at least one scenario to compare with the base")
    scenarios = [as_scenario(s, years=years, scale=scale, burn_in_years=burn_in_years,
                             county=county)
                 for s in (base, *alternatives)]
    study.check(scenarios, replicates)
    seed = _seed(seed)
    e = _ensemble(ensemble, draws, seed)
    check_size(len(scenarios) * replicates * (len(e.draws) if e else 1), "replicates")
    return study.run(scenarios, replicates, seed, _options(out, "compare", **options),
                     ensemble=e, lang=lang)


def sweep(design, *, replicates: int | None = None, years: int | None = None,
          scale: float | None = None, burn_in_years: int | None = None, ensemble=None,
          draws: int | None = None, out=None, **options):
    """A parameter sweep, as `juwei sweep` does: every point of a design × its replicates.

    `design`: a ready-made sweep design's name (`juwei designs`: quick, autonomy_grid, ...),
    a design file (TOML, README "Sweeps") or a `juwei.inputs.design.SweepDesign`;
    `replicates`, `years`, `scale` and `burn_in_years` override the file's. With `ensemble`
    (a calibration's folder), every point runs on `draws` posterior draws. `out`: the
    results folder (default `results/sweep-<design>-<time>/`); `**options`: the engine's.

    Returns a `juwei.studies.sweep.Sweep`: `means` has one row per point, the varied levers
    and each output's mean and sd; the folder holds runs.parquet (one row per run)::

        s = juwei.sweep("quick", scale=0.01)
        s.means
    """
    from .inputs.design import load_sweep
    from .studies import sweep as study
    overrides = {"replicates": replicates, "years": years, "scale": scale,
                 "burn_in_years": burn_in_years}
    d = _design(design, load_sweep, "sweep", overrides)
    return study.run(d, _options(out, f"sweep-{d.name}", **options),
                     _ensemble(ensemble, draws, d.seed))


def search(design="search_packages", *, population: int | None = None,
           generations: int | None = None, replicates: int | None = None,
           years: int | None = None, scale: float | None = None,
           burn_in_years: int | None = None, ensemble=None, draws: int | None = None,
           assumptions: int | None = None, lang: str = "en", out=None, **options):
    """A many-objective robust search over reform packages, as `juwei search` does (NSGA-II,
    NSGA-III beyond three objectives; README "Searching reform packages").

    `design`: a ready-made search design's name (`search_packages`), a design file (TOML) or
    a `juwei.inputs.search.SearchDesign`; `population`, `generations`, `replicates`,
    `years`, `scale` and `burn_in_years` override the file's. With `ensemble` (a
    calibration's folder), every package runs on the same `draws` posterior draws, and
    robustness is over them; without, over the replicate seeds only. With `assumptions` (a
    number of samples), every package runs on the same samples of the assumed constants, as
    `juwei audit` draws them (each on its own seed, and posterior draw with `ensemble`): the
    assumption ensemble, robustness over both kinds of unknown. `lang`: the report's
    language ("en" or "zh"). `out`: the results folder (default
    `results/search-<design>-<time>/`); `**options`: the engine's (resume=True goes on from
    the last stored generation, to the same Pareto set).

    Returns a `juwei.studies.search.Search`: `pareto` (one row per package: levers,
    objectives, robustness), `evaluations`, `hypervolume` by generation, `converged` and
    `targets` (the cheapest package reaching P(syndrome absent) 50% and 90%)::

        s = juwei.search("search_packages", population=4, generations=2, scale=0.02)
        s.pareto
    """
    from .inputs.search import load_search
    from .studies import search as study
    if lang not in ("en", "zh"):
        raise UserError(f"lang={short(repr(lang), 40)}: expected 'en' or 'zh'")
    overrides = {"population": population, "generations": generations,
                 "replicates": replicates, "years": years, "scale": scale,
                 "burn_in_years": burn_in_years, "assumptions": assumptions}
    d = _design(design, load_search, "search", overrides)
    ens = _ensemble(ensemble, draws, d.seed)
    if ens is not None:
        from .studies.common import check_ensemble_county
        check_ensemble_county(ens, [d.base])
    return study.run(d, _options(out, f"search-{d.name}", **options), ens, lang=lang)


def sensitivity(design=None, *, method: str | None = None, samples: int | None = None,
                replicates: int | None = None, years: int | None = None,
                scale: float | None = None, burn_in_years: int | None = None,
                ensemble=None, draws: int | None = None,
                difference: str | None = None, fn=None, factors: dict | None = None,
                outputs=None, levels: int | None = None, seed: int | None = None,
                make_params=None, out=None, **options):
    """Rank the inputs of a model by global sensitivity analysis (`juwei sensitivity`): a
    SensitivityStudy (`to_frame()`: the indices with their intervals) and report.html.

    The county model: `design` is a ready-made design's name (`juwei designs`), a design
    file (TOML, README "Sensitivity analysis") or a
    `juwei.inputs.design.SensitivityDesign`; `method`, `samples`, `replicates`, `years`,
    `scale`, `burn_in_years`, `ensemble` (a calibration's folder: its constants become
    factors, or with `draws` every point runs on posterior draws) and `difference` (a
    remedy: analyse its paired effect instead of the level) override the file's.

    Your own model: no design, but `fn` (a run function `fn(params, seed)` returning a
    summary), `factors` (each input's name and range, `{"step_size": (0.5, 2.0)}`) and
    `outputs` (the summary's figures to analyse); with `method` (morris, sobol or pawn;
    default morris), `samples` (default 20; a power of 2 for sobol and pawn), `levels`
    (Morris, default 4), `replicates` (default 2) and `seed`. Each run gets
    `params = {factor: value}` (or `make_params(row)` when given). A dummy factor the
    function never sees measures what noise alone produces::

        from walk import run                # your model, in walk.py
        study = juwei.sensitivity(fn=run, factors={"step_size": (0.5, 2.0)},
                                  outputs=["spread"], samples=10, out="results/walk-sa")
        study.to_frame()

    A function defined in a notebook cell needs `executor="inprocess"` (worker processes
    cannot import it). `out`: the results folder (default
    `results/sensitivity-<design or function>-<time>/`); `**options`: the engine's.
    Returns a `juwei.studies.sensitivity.SensitivityStudy`: `to_frame()`, `paragraphs`
    (the report's words per output) and report.html in its folder.

    `fn` also replaces the county model in a design's runs (the design's levers then go to
    `make_params(row)`, which is required).
    """
    from .inputs.design import load_sensitivity, own_design
    from .studies import sensitivity as study
    if design is None:
        if fn is None or factors is None or outputs is None:
            raise UserError("sensitivity: give a design (a ready-made design's name, a file or "
                            "a design object), or your own model as fn=, factors= and outputs=")
        extra = {"years": years, "scale": scale, "burn_in_years": burn_in_years,
                 "ensemble": ensemble, "draws": draws, "difference": difference}
        if any(v is not None for v in extra.values()):
            raise UserError(f"{next(k for k, v in extra.items() if v is not None)}=: goes with "
                            "a design of the county model, not with your own fn=")
        given = {k: v for k, v in (("method", method), ("samples", samples),
                                   ("levels", levels), ("replicates", replicates),
                                   ("seed", seed)) if v is not None}
        d = own_design(factors, outputs, name=getattr(fn, "__name__", "own"), **given)
        params_of = make_params or _factor_values   # (a new name: the manifest records the call)
    else:
        if factors is not None or outputs is not None or levels is not None or seed is not None:
            raise UserError("factors=, outputs=, levels= and seed= go with your own fn= and no "
                            "design; a design file sets them for the county model")
        if fn is not None and make_params is None:
            raise UserError("fn= with a design: give make_params=, which turns a row of the "
                            "design into your function's params")
        overrides = {"method": method, "samples": samples, "replicates": replicates,
                     "years": years, "scale": scale, "burn_in_years": burn_in_years,
                     "ensemble": str(ensemble) if ensemble is not None else None,
                     "draws": draws, "difference": difference}
        d = _design(design, load_sensitivity, "sensitivity", overrides)
        params_of = make_params
    opts = _options(out, f"sensitivity-{d.name}", **options)
    return study.run(d, opts, fn=fn, make_params=params_of)


def _factor_values(row: dict) -> dict:
    """A design row as a run's params: every factor but the dummy."""
    from .inputs.design import DUMMY
    return {k: v for k, v in row.items() if k != DUMMY}


def calibrate(design="calibrate_measured", *, population: int | None = None,
              generations: int | None = None, replicates: int | None = None,
              years: int | None = None, scale: float | None = None,
              burn_in_years: int | None = None, out=None, **options):
    """Calibrate the model's hand-tuned constants to the patterns and measurements, as
    `juwei calibrate` does.

    `design`: a ready-made calibration design's name (`calibrate_measured`, sixteen constants
    by the emulated likelihood, about 15 minutes on two cores; `calibrate_patterns`, the
    interval filter of before, about an hour; `calibrate_all`, all nineteen [C] constants on
    the full county, for a cluster), a design file
    (TOML, README "Calibration and the posterior ensemble") or a
    `juwei.inputs.calibration.CalibrationDesign`;
    `population`, `generations`, `replicates`, `years`, `scale` and `burn_in_years` override
    the file's. `out`: the results folder (default `results/calibrate-<design>-<time>/`);
    `**options`: the engine's (`resume=True` continues from the last finished generation).

    Returns a `juwei.studies.calibrate.Calibration`: `posterior` (the last generation: each
    constant, weight, distance and figure), `generations` and `predictive`; the folder
    holds constants.csv (what the patterns pin down), checks.csv and report.html. Pass the
    folder as `ensemble=` to `compare`, `sweep` or `sensitivity` to run on posterior draws::

        cal = juwei.calibrate("my_calibration.toml")
        juwei.compare("baseline", "separation", ensemble=cal.out, draws=20, replicates=2)
    """
    from .inputs import calibration
    from .studies import fit
    overrides = {"population": population, "generations": generations,
                 "replicates": replicates, "years": years, "scale": scale,
                 "burn_in_years": burn_in_years}
    d = _design(design, calibration.load, "calibrate", overrides)
    return fit.run(d, _options(out, f"calibrate-{d.name}", **options))


def screen(design="calibrate_measured", *, draws: int = 64, replicates: int = 2,
           years: int | None = None, scale: float | None = None,
           burn_in_years: int | None = None, out=None, **options):
    """The prior-predictive screen of a calibration design, as `juwei calibrate DESIGN
    --screen` does: run before a fit, it names the targets the calibrated constants cannot
    move and the constants no target moves.

    `design` as in `calibrate`; `draws` particles from the priors (a Latin hypercube), each on
    `replicates` (at least 2) of the calibration's own seeds. Returns a
    `juwei.studies.screen.Screen`: `targets` (each figure's spread over the prior, the seeds'
    share of its variance, `flat`, `noisy`, `movable`), `constants` (the target each moves
    most, `moved`), `dropped` and `unmoved`; the folder holds screen_targets.csv and
    screen_constants.csv."""
    from .inputs import calibration
    from .studies import screen as study
    overrides = {"years": years, "scale": scale, "burn_in_years": burn_in_years}
    d = _design(design, calibration.load, "calibrate", overrides)
    return study.run(d, _options(out, f"screen-{d.name}", **options), draws, replicates)


def coverage(design="calibrate_measured", *, truths: int = 20, model=None, out=None,
             **options):
    """Simulation-based calibration of a calibration design, as `juwei calibrate DESIGN
    --check` does: are its posteriors honest?

    It draws `truths` values of the constants from the priors, simulates their figures on fresh
    seeds with each target's error added, calibrates to them by the design's likelihood (each in
    `out`/truths/<k>/, resumable) and reports where each truth falls in its posterior.
    `model(values) -> {figure: number}` replaces the county model (a toy, to test the
    inference itself). Returns a `juwei.studies.coverage.Coverage`: `ranks` (each truth's rank
    in its posterior, and whether the central 50% and 90% intervals hold it) and `coverage`
    (the share held, per constant and over all; calibrated: 50% and 90%)."""
    from .inputs import calibration
    from .studies import coverage as study
    d = _design(design, calibration.load, "calibrate")
    return study.run(d, _options(out, f"check-{d.name}", **options), truths, model)


def doses(base, *remedies, doses: int = 4, budget: float | None = None,
          replicates: int = 10, seed: int = DEFAULT_SEED, years: int | None = None,
          scale: float | None = None, burn_in_years: int | None = None, county=None,
          lang: str = "en", out=None, **options):
    """Each remedy over its levers' whole range, and the remedies that cost money compared at
    equal cost, as `juwei compare --dose-response` does.

    `base` and each of `remedies`: a scenario's name, a file, a Scenario or a base with
    changes (see `as_scenario`); each remedy must change a lever of the base. A remedy's dose
    d moves every lever it changes d of the way from the base's value to the end of the
    lever's documented range; it runs at `doses` levels (default 4: 1/4, 1/2, 3/4 and the
    whole range) and at its scenario file's own dose, `replicates` each on common random
    numbers with the base. `budget`: the extra public money a year (yuan) at which costly
    remedies are compared (default the median of their costs at their files' doses).
    `years`, `scale`, `burn_in_years`, `county` and `lang` as in `compare`. `out`: the
    results folder (default `results/doses-<time>/`); `**options`: the engine's.

    Returns a `juwei.studies.doses.DoseResponse`: `table` (remedy, dose, indicator, paired
    difference with its interval), `equal_cost` and `reversals`; the folder holds doses.csv,
    equal-cost.csv and report.html::

        d = juwei.doses("baseline", "separation", "cadre_pay_recruitment", doses=2,
                        replicates=2, scale=0.05)
        d.equal_cost
    """
    from .studies import compare, doses as study
    if not remedies:
        raise UserError("doses: name at least one remedy to vary against the base")
    levels = _whole("doses", doses, 1)
    if budget is not None and not (isinstance(budget, numbers.Real)
                                   and not isinstance(budget, bool)):
        raise UserError(f"budget={short(repr(budget), 40)}: expected a number of yuan a year")
    scenarios = [as_scenario(s, years=years, scale=scale, burn_in_years=burn_in_years,
                             county=county) for s in (base, *remedies)]
    compare.check(scenarios, _whole("replicates", replicates, 1))
    seed = _seed(seed)
    runs, _ = study.plan(scenarios, levels, replicates, seed)
    check_size(len(runs), "doses= and replicates=")
    return study.run(scenarios, replicates, seed, _options(out, "doses", **options), levels,
                     None if budget is None else float(budget), lang=lang)


def validate(scenario="baseline", *, replicates: int = 5, seed: int = DEFAULT_SEED,
             years: int | None = None, scale: float | None = None,
             burn_in_years: int | None = None, county=None, levers: dict | None = None,
             breakers: bool = False, out=None, **options):
    """Check a scenario against the patterns of spec §7 (pattern-oriented modelling), as
    `juwei validate` does.

    `scenario`: a scenario's name (default the baseline), a file, a Scenario or a base with
    changes (see `as_scenario`), with `levers`, `years`, `scale`, `burn_in_years` and
    `county` as in `run`. Each pattern is checked in each of `replicates` runs (and a pair
    of runs with and without yearly campaigns, for the burden paradox) and holds when it
    holds in at least 90% of them. `breakers=True` also runs each pattern's breaker, a
    setting within the documented ranges under which the pattern must fail, on the same
    seeds. `out`: the results folder, where every run is stored (default
    `results/validate-<scenario>-<time>/`); `**options`: the engine's.

    Returns a `juwei.studies.validate.Validation`: `ok`, `verdict`, `patterns` and
    `table()` (one row per pattern: label, what it rests on, share of replicates where it
    held, main figure with its 95% interval, breaker), `spread` (how much committees
    differ, with and without the spreads the model draws) and `bounds` (what held residents'
    taking part down, by kind of committee); the folder holds patterns.csv,
    heterogeneity.csv, constraints.csv and runs.parquet::

        v = juwei.validate(replicates=5, scale=0.1)
        v.table()[["pattern", "title", "holds", "held_share"]]
    """
    from .studies import validate as study
    s = as_scenario(scenario, years=years, scale=scale, burn_in_years=burn_in_years,
                    county=county, levers=levers)
    check_size(study.run_count(_whole("replicates", replicates, 1), bool(breakers)),
               "replicates")
    opts = _options(out, f"validate-{s.name}", **options)
    return study.run(s, replicates, _seed(seed), opts.executor, opts.workers, bool(breakers),
                     opts=opts)


def dock(*scenarios, against: str = "reference", perturb=None, margin: float | None = None,
         effect_margin: float | None = None, replicates: int = 30, seed: int = DEFAULT_SEED,
         years: int | None = None, scale: float | None = None,
         burn_in_years: int | None = None, out=None, **options):
    """Dock the vectorised model against the per-agent reference (model/reference), as
    `juwei dock` does: are the levels and the remedies' effects equivalent?

    `scenarios`: the base, then the remedies (names, files, Scenarios or bases with changes;
    default baseline, separation, unit_sharing and combined_reform), on the essay's county.
    `against`: "reference" (default) or "vectorised" (the model against itself on other
    seeds: the false-alarm check). `perturb`: one constant multiplied in the second arm only,
    `"trust_rate=1.5"`, `("trust_rate", 1.5)` or `{"trust_rate": 1.5}` (the suite should then
    fail). A level docks within `margin` (default 0.05) of the vectorised mean, an effect
    within `effect_margin` (default 0.2) of the vectorised effect (or two sd, if larger).
    `replicates` per arm and scenario (at least 20; default 30), at `scale` (default 0.02:
    the reference is slow), `years` and `burn_in_years`. `out`: the results folder (default
    `results/dock-<time>/`); `**options`: the engine's.

    Returns a `juwei.studies.dock.Docking`: `docks`, `levels` and `effects` (one row per
    feature or effect: both arms' values, the margin and whether it docks); the folder holds
    docking.csv, effects.csv and report.html::

        d = juwei.dock("baseline", "separation", against="vectorised", years=1)
        d.levels[~d.levels.docks]
    """
    from .studies import dock as study
    names = scenarios or study.SCENARIOS
    s = [as_scenario(n, years=years, burn_in_years=burn_in_years if burn_in_years is not None
                     else study.BURN_IN, scale=scale if scale is not None else study.SCALE)
         for n in names]
    if len({x.name for x in s}) < len(s):
        raise UserError(f"dock: a scenario is named twice: {' '.join(x.name for x in s)}")
    limits = {}
    for key, value, default in (("margin", margin, study.MARGIN),
                                ("effect_margin", effect_margin, study.EFFECT_MARGIN)):
        if value is None:
            value = default
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                and 0 < value <= 1):
            raise UserError(f"{key}={short(repr(value), 40)}: expected a share above 0 and at "
                            "most 1")
        limits[key] = float(value)
    change = study.parse_perturb(perturb)
    check_size(2 * len(s) * _whole("replicates", replicates, 1), "replicates")
    study.check(s, replicates, against, change)
    return study.run(s, replicates, _seed(seed), _options(out, "dock", **options), against,
                     change, limits["margin"], limits["effect_margin"])


def audit(*scenarios, samples: int = 64, noise_samples: int = 16, spread: float = 0.5,
          seed: int = DEFAULT_SEED, years: int | None = None, scale: float | None = None,
          burn_in_years: int | None = None, county=None, ensemble=None,
          draws: int | None = None, out=None, **options):
    """The assumption audit, as `juwei audit` does: which assumed constants decide the
    remedies' effects and their ranking.

    `scenarios`: the base, then at least two remedies (names, files, Scenarios or bases with
    changes; default the baseline and the essay's remedies but the combined reform). Each of
    `samples` (default 64; at least 8) draws every assumed constant from a Latin hypercube
    over its value x (1 ± `spread`) within its range; `noise_samples` (default 16; at least
    4) keep every constant and vary only the seed: what noise alone does to the ranking.
    `years`, `scale` (default 0.05), `burn_in_years` and `county` apply to every scenario;
    with `ensemble` (a calibration's folder) each sample also takes one of `draws` posterior
    draws. `out`: the results folder (default `results/audit-<time>/`); `**options`: the
    engine's.

    Returns a `juwei.studies.audit.Audit`: `reference` (the ranking from noise alone),
    `ranks` (P(rank) per remedy), `tau` (Kendall tau per sample) and `pairs` (each adjacent
    pair's flip share and the constants that decide it); the folder holds tau.csv,
    ranks.csv, pairs.csv, effects.parquet and report.html::

        a = juwei.audit("baseline", "separation", "unit_sharing", "cadre_pay_recruitment",
                        samples=16, noise_samples=8)
        a.pairs
    """
    from .studies import audit as study
    names = scenarios or ["baseline", *study.REMEDIES]
    s = [as_scenario(n, years=years, scale=scale if scale is not None else study.SCALE,
                     burn_in_years=burn_in_years, county=county) for n in names]
    if len({x.name for x in s}) < len(s):
        raise UserError(f"audit: a scenario is named twice: {' '.join(x.name for x in s)}")
    samples = _whole("samples", samples, 1)
    noise_samples = _whole("noise_samples", noise_samples, 1)
    if not (isinstance(spread, numbers.Real) and not isinstance(spread, bool)):
        raise UserError(f"spread={short(repr(spread), 40)}: expected a share between 0 and 1")
    seed = _seed(seed)
    check_size(len(s) * (samples + noise_samples), "samples")
    return study.run(s, samples, seed, _options(out, "audit", **options), float(spread),
                     _ensemble(ensemble, draws, seed), noise_samples)


def discover(study, *, scenarios=None, fail: str = "syndrome", margin: float = 0.05,
             min_density: float = 0.5, lang: str = "en", out=None):
    """Scenario discovery, as `juwei discover` does: where, among the unknowns an ensemble
    study varied, a remedy fails to end the syndrome or does harm. Nothing is run: the
    study's runs are read back.

    `study`: the folder of an ensemble study (`juwei.compare(..., ensemble=...)`,
    `juwei.audit`, or any study whose runs pair a base and remedies over varied
    parameters). `scenarios`: the remedies to look at (a name or a list; default all the
    study's). `fail`: "syndrome" (the syndrome still present after the remedy: H, T and C
    all above the threshold) or "harm" (a headline outcome worse than the base's on the same
    unit by more than `margin` of the base's value). `min_density`: a region is reported
    when at least that share of its units fail. `lang`: "en" or "zh" for the sentences and
    the report. `out`: the results folder (default beside the study, `<study>-discover`).

    Returns a `juwei.studies.discover.Discovery`: `sentences` (remedy -> one plain sentence
    per failure region), `found` (remedy -> its regions with coverage, density, mass and
    bounds, PRIM's peeling trajectory and the CART check) and `measure` (the constants that
    bound the regions: what to measure next); the folder holds boxes.csv, trajectory.csv,
    cart.csv, the figures and report.html::

        d = juwei.discover("results/audit-20261206-094400", scenarios="separation")
        d.sentences["separation"]
    """
    from .studies import discover as study_
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    if scenarios is not None and not (isinstance(scenarios, (list, tuple))
                                      and all(isinstance(x, str) for x in scenarios)):
        raise UserError(f"scenarios={short(repr(scenarios), 40)}: expected a remedy's name or "
                        "a list of names")
    if lang not in ("en", "zh"):
        raise UserError(f"lang={short(repr(lang), 20)}: expected 'en' or 'zh'")
    return study_.run(study, tuple(scenarios or ()), fail, margin, min_density, out, lang)


def _whole(name: str, value, least: int) -> int:
    """A whole number of at least `least`, or an error naming `name=`."""
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and float(value).is_integer()):
        raise UserError(f"{name}={short(repr(value), 40)}: expected a whole number")
    if value < least:
        raise UserError(f"{name}={value!r}: expected at least {least}")
    return int(value)


def _seed(seed) -> int:
    """A root seed, or an error naming `seed=`."""
    try:
        return check_seed(seed)
    except ValueError as e:
        raise UserError(f"seed={seed!r}: {e}") from None
