"""juwei from Python: one function per study, keyword arguments, the command line's defaults.

    import juwei
    r = juwei.run("baseline", replicates=5, scale=0.1, levers={"cadre_pay": 800})
    c = juwei.compare("baseline", "separation", ("baseline", {"task_admission": 0.2}),
                      replicates=10, out="results/mine")
    e = juwei.load("results/mine")          # any results folder into pandas

A scenario is a shipped scenario's name, a scenario file (str or Path), a `Scenario` object,
or a base with changes: `("baseline", {"cadre_pay": 800})` or `{"base": "baseline",
"cadre_pay": 800, "name": "better_pay"}`. A design (sweep, sensitivity, calibration) is a
ready-made design's name, a file, or a design object. Folders are str or Path; without `out`,
results go to `results/<study>-<time>/` as with the command. The options of every study are
those of `juwei.engine.Options` (resume, overwrite, executor, workers, scheduler, progress,
allow_code_change). Errors are `juwei.engine.UserError` naming the argument; an interrupt
raises `juwei.engine.Interrupted` (the same call with resume=True finishes the study).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from .engine import DEFAULT_SEED, Options, UserError, check_seed, check_size, load
from .engine.store import short
from .inputs import scenario as scen
from .inputs.files import suggest

__all__ = ["run", "compare", "sweep", "sensitivity", "calibrate", "load", "as_scenario"]

DEFAULT_DRAWS = 20          # posterior draws with an ensemble, as `juwei compare --ensemble`


def as_scenario(s, *, years: int | None = None, scale: float | None = None, county=None,
                levers: dict | None = None) -> scen.Scenario:
    """A Scenario from a name, a file, a Scenario, `(base, {changes})` or `{"base": ...,
    changes..., "name": ...}` (named base+change=value... unless it gives a name); then
    `levers` (as `juwei run --set`: the name stays), `years`, `scale` and `county` applied."""
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
    if levers:
        out = out.with_overrides(levers, "levers")
    for key, value in (("years", years), ("scale", scale)):
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


def _design(design, loader, kind, overrides=None):
    """A design object as it is, else read from its name or file (with `overrides`)."""
    if isinstance(design, (str, Path)):
        return loader(str(design), overrides) if overrides is not None else loader(str(design))
    if dataclasses.is_dataclass(design) and not isinstance(design, type):
        if overrides and any(v is not None for v in overrides.values()):
            raise UserError(f"{kind}: give a design's name or file to override "
                            f"{', '.join(k for k, v in overrides.items() if v is not None)}")
        return design
    raise UserError(f"{kind} {str(design)[:60]!r}: expected a design's name, a file or a "
                    "design object")


def run(scenario="baseline", *, replicates: int = 10, seed: int = DEFAULT_SEED,
        years: int | None = None, scale: float | None = None, county=None,
        levers: dict | None = None, out=None, plots: bool = True, **options):
    """Run one scenario's replicates (`juwei run`): a ScenarioRun with the summary and folder."""
    from .studies import run as study
    s = as_scenario(scenario, years=years, scale=scale, county=county, levers=levers)
    check_size(replicates, "replicates")
    return study.run(s, replicates, check_seed(seed), _options(out, s.name, **options),
                     plots=plots)


def compare(base, *alternatives, replicates: int = 10, seed: int = DEFAULT_SEED,
            years: int | None = None, scale: float | None = None, county=None,
            ensemble=None, draws: int | None = None, lang: str = "en", out=None, **options):
    """Compare scenarios with `base` on common random numbers (`juwei compare`): a Comparison
    (its `table` of paired differences) and report.html. With `ensemble` (a calibration's
    folder), on `draws` posterior draws."""
    from .studies import compare as study
    if not alternatives:
        raise UserError("compare: name at least one scenario to compare with the base")
    scenarios = [as_scenario(s, years=years, scale=scale, county=county)
                 for s in (base, *alternatives)]
    study.check(scenarios, replicates)
    e = _ensemble(ensemble, draws, check_seed(seed))
    check_size(len(scenarios) * replicates * (len(e.draws) if e else 1), "replicates")
    return study.run(scenarios, replicates, seed, _options(out, "compare", **options),
                     ensemble=e, lang=lang)


def sweep(design, *, ensemble=None, draws: int | None = None, out=None, **options):
    """A parameter sweep from a design (`juwei sweep`): a Sweep with the means per point."""
    from .inputs.design import load_sweep
    from .studies import sweep as study
    d = _design(design, load_sweep, "sweep")
    return study.run(d, _options(out, f"sweep-{d.name}", **options),
                     _ensemble(ensemble, draws, d.seed))


def sensitivity(design, *, method: str | None = None, samples: int | None = None,
                replicates: int | None = None, years: int | None = None,
                scale: float | None = None, ensemble=None, draws: int | None = None,
                difference: str | None = None, fn=None, out=None, **options):
    """Rank the levers by global sensitivity analysis (`juwei sensitivity`); `fn` replaces the
    county model by your own run function."""
    from .inputs.design import load_sensitivity
    from .studies import sensitivity as study
    overrides = {"method": method, "samples": samples, "replicates": replicates,
                 "years": years, "scale": scale,
                 "ensemble": str(ensemble) if ensemble is not None else None, "draws": draws,
                 "difference": difference}
    d = _design(design, load_sensitivity, "sensitivity", overrides)
    opts = _options(out, f"sensitivity-{d.name}", **options)
    return study.run(d, opts, fn=fn)


def calibrate(design="calibrate_patterns", *, population: int | None = None,
              generations: int | None = None, replicates: int | None = None,
              years: int | None = None, scale: float | None = None, out=None, **options):
    """Calibrate the model's constants to the patterns by ABC-SMC (`juwei calibrate`): a
    Calibration with the posterior; its folder serves as `ensemble=` for the other studies."""
    from .inputs import calibration
    from .studies import calibrate as study
    overrides = {"population": population, "generations": generations,
                 "replicates": replicates, "years": years, "scale": scale}
    d = _design(design, calibration.load, "calibrate", overrides)
    return study.run(d, _options(out, f"calibrate-{d.name}", **options))
