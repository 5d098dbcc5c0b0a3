"""Docking (Axtell, Axelrod, Epstein & Cohen 1996): the vectorised model against the
one-object-per-agent reference (`model/reference`, written separately from docs/ODD.md), on the
same scenarios. Each indicator's two distributions are compared by an equivalence test (TOST)
against a stated margin and a Kolmogorov-Smirnov test; so are the remedies' paired effects,
which matter more than the levels (ODD §12).

The two arms run on independent seeds (the tests assume independent samples); within an arm,
every scenario shares the replicate seeds, so its remedy effects are paired as in `compare`.
`against="vectorised"` docks the vectorised model with itself on other seeds: the false-alarm
check. `perturb` changes one constant in the second arm only: the suite must then fail (its
power).

Docking warm-starts like every other study (ODD §7.1): both arms burn in under the levers of
the docking's base scenario (the first), with each scenario's own constants, and switch the
scenario's levers on at a budget year's start (§7.11); the levels are the horizon's last year
and the early features its first 13 weeks after the switch. The reference's burn-in of a seed
is simulated once and shared by every scenario of that seed (`studies.common.settled`, the
settled-county cache, under its own key), as the vectorised studies share theirs.

`juwei dock` burns in the scenarios' own `burn_in_years` (the schema's 6, the settling
criterion's, BURN_IN = None): docking should check the models in the state every study
compares them in. The price is the reference's: over the default 5 years, 4 scenarios and 30
replicates, the shared 6-year burn-in adds 6 reference-years per seed to 20 (about 30%, ODD
§12). The test suite docks with `--burn-in 1` over 1 year (tests/test_docking.py): one burn-in
year is enough to exercise the switch (the yearly levers acting at it, the calendar, the kept
state), and it adds only a quarter to the slow suite's reference work (5 reference-years per
seed instead of 4; about 4-5 min on 2 free cores)."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import (AnalysisRefused, Options, Run, UserError, derived_seed, replicate_seeds,
                      run_batch)
from ..engine import revision
from ..engine.errors import given, in_command, same_again
from ..engine.show import Brief
from ..engine.store import atomic_write, short
from ..inputs.files import suggest
from ..model import HEADLINE, STEPS_PER_YEAR, Parameters, switched_on
from ..model import run as vectorised_run
from ..model.params import FIELDS, from_sample, needed, read_by
from ..present.stats import equivalence
from .common import cache_dir, county_record, one_county, settled

IMPLEMENTATIONS = ("vectorised", "reference")
COMMIT = "commit:"           # --against commit:REV: the vectorised model of another commit
SCENARIOS = ("baseline", "separation", "unit_sharing", "combined_reform")
# final-year means (ODD §4.10): the levels docked
LEVELS = ["participation_rate", "volunteer_rate", "trust", "awareness", "admin_share",
          "cadre_hours_per_week", "exhaustion", "cadre_turnover", "service_hours_per_1000",
          "unmet_need", "htc_H", "htc_T", "htc_C", "htc_index"]
# trajectory summaries: the first quarter's mean (13 weeks), where a rule's speed shows
# before the county settles
EARLY = ["participation_rate", "trust", "exhaustion", "htc_index"]
EARLY_WEEKS = 13
EFFECTS = HEADLINE           # the remedies' paired effects docked, on final-year means
ALPHA = 0.05                 # TOST level of each row (all rows must pass: no correction)
KS_ALPHA = 0.01              # family-wise level of the KS tests, Bonferroni over the rows
MARGIN = 0.05                # a level docks within 5% of the vectorised mean ...
EFFECT_MARGIN = 0.20         # ... an effect within 20% of the vectorised effect ...
SD_MARGIN = 2.0              # ... or 2 sd of the replicates (both arms pooled), if larger: a
                             # row of two identical models then fails about 1 in 100,000 times
                             # with 30 replicates, 6 in 10,000 with 20 (every row must pass;
                             # simulated, the sd being estimated); at 1.5 sd, 1 in 1,600 and
                             # 1 in 90; at 1 sd, 4 and 18 in 100
MIN_REPLICATES = 20          # fewer cannot show equivalence within the sd margin
FLOOR = 0.01                 # an effect near zero: within this much in the indicator's unit
SCALE = 0.02                 # default population scale of `juwei dock` (the reference is slow)
BURN_IN = None               # default burn-in: None, the scenarios' own (schema: 6 years; the
                             # module's docstring says why, and what it costs)
SECOND_ARM_STREAM = 7        # the second arm's seeds: derived_seed(seed, this)


class Arm(NamedTuple):
    """One run's implementation and parameters (the engine's params of a docking run);
    `perturbed`: the run's arm carries the perturbation."""
    implementation: str
    params: Parameters
    perturbed: bool = False


# NamedTuple makes __new__ in a namespace of its own, where the postponed annotation
# "Parameters" names nothing; the object itself lets the API reference (pdoc) read it
Arm.__new__.__annotations__["params"] = Parameters


@dataclass(frozen=True)
class Docked:
    """The engine's run function of a docking study: either implementation on the arm's
    parameters, reduced to the docked features, warm-started under `base`'s levers (the
    docking's base scenario; ODD §7.1) when the parameters ask for a burn-in. `perturb` =
    (parameter, factor) multiplies one constant in the perturbed arm (the power check), in its
    burn-in too. `other`: the PYTHONPATH of another commit's juwei (engine.revision), the
    implementation of a `commit:` arm."""
    perturb: tuple = ()
    base: Parameters | None = None
    other: str = ""

    def __call__(self, arm: Arm, seed: int) -> dict:
        params, base = arm.params, self.base
        if self.perturb and arm.perturbed:
            name, factor = self.perturb
            params, base = (None if p is None else dataclasses.replace(
                p, **{name: from_sample(name, getattr(p, name) * factor)})
                for p in (params, base))
        if arm.implementation == "reference":
            result = reference_run(params, seed, base)
        elif arm.implementation.startswith(COMMIT):
            result = commit_run(self.other, params, seed, base)
        else:
            result = vectorised_run(params, seed, base=base)
        return {"summary": features(result.series, result.summary,
                                    getattr(result, "first_step", 0), docked_levels(params))}

    @property
    def identity(self) -> str:
        return "juwei.studies.dock" + (":{}x{}".format(*self.perturb) if self.perturb else "")


# Another commit's model, in a subprocess under that commit's code: the parameters it knows
# (a field it lacks is left out, and refused where it is not at this code's default), its own
# burn-in (not this code's settled-county cache, whose states are this code's pickles), the
# series and summary the features need, as JSON.
COMMIT_RUN = """
import dataclasses, inspect, json, sys
from juwei.model import Parameters, run
asked = json.load(sys.stdin)
known = {f.name for f in dataclasses.fields(Parameters)}
def build(d):
    if d is None:
        return None
    lost = [k for k, v in d.items() if k not in known and v != asked["defaults"][k]]
    if lost:          # a mechanism that commit lacks: its run would not be the one asked for
        sys.exit(f"that commit has no parameter {lost[0]} (set to {d[lost[0]]!r} here)")
    return Parameters(**{k: v for k, v in d.items() if k in known})
extra = {"base": build(asked["base"])} if "base" in inspect.signature(run).parameters else {}
r = run(build(asked["params"]), asked["seed"], **extra)
json.dump({"series": {k: [float(x) for x in r.series[k]] for k in asked["series"]},
           "summary": {k: float(r.summary[k]) for k in asked["summary"]},
           "first_step": getattr(r, "first_step", 0)}, sys.stdout)
"""


def commit_run(path: str, params: Parameters, seed: int, base: Parameters | None = None):
    """The vectorised model of the commit whose juwei `path` imports (engine.revision), on
    `params`, warm-started under `base`'s levers: what `features` reads of its run."""
    import json
    import os
    import subprocess
    import sys
    from types import SimpleNamespace

    asked = {"params": dataclasses.asdict(params), "seed": int(seed),
             "base": None if base is None else dataclasses.asdict(base),
             "series": EARLY, "summary": docked_levels(params),
             "defaults": dataclasses.asdict(Parameters())}
    out = subprocess.run([sys.executable, "-c", COMMIT_RUN], input=json.dumps(asked),
                         capture_output=True, text=True, cwd=path,
                         env={**os.environ, "PYTHONPATH": path})
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"the other commit's model failed: {last}")
    r = json.loads(out.stdout)
    return SimpleNamespace(series={k: np.asarray(v) for k, v in r["series"].items()},
                           summary=r["summary"], first_step=r["first_step"])


def docked_levels(params: Parameters) -> list[str]:
    """The final-year means docked: LEVELS, and the indicators of the mechanisms `params`
    switch on (the sham share where cadres choose, ODD §7.3a; the unowned share with
    buck-passing, §7.7a)."""
    return LEVELS + switched_on(params)


def features(series: dict, summary: dict, first_step: int = 0,
             levels: list[str] = LEVELS) -> dict[str, float]:
    """The docked numbers of one run: final-year means of `levels` and first-quarter means
    (the first 13 weeks of the horizon: after the switch, when the series begin `-first_step`
    weeks before it)."""
    out = {name: float(summary[name]) for name in levels}
    early = slice(-first_step, -first_step + EARLY_WEEKS)
    out.update({f"{name}_early": float(np.mean(series[name][early])) for name in EARLY})
    return out


def _settle_reference(burn: Parameters, seed: int, county) -> bytes:
    from ..model import reference
    return reference.dumps(reference.settle(burn, seed, county, base=burn))


def reference_run(params: Parameters, seed: int, base: Parameters | None = None):
    """The reference on `params`, warm-started under `base`'s levers; a seed's burn-in is
    simulated once for every scenario that shares it (the settled-county cache)."""
    from ..model import reference          # never on the fast path
    if not params.burn_in_years:
        return reference.run(params, seed)
    burn = reference.burn_in_params(params, base)
    state = settled(burn, seed, None, cache_dir(), _settle_reference, "reference")
    try:
        county = reference.loads(state)
    except Exception:                      # a state that cannot be read: simulate it here
        county = None
    return reference.run(params, seed, base=base, settled=county)


@dataclass(repr=False)
class Docking(Brief):
    """A docking study (`juwei.dock`, `juwei dock`): the vectorised model against a second arm
    (the per-agent reference, or itself on other seeds). `levels`: one row per scenario and
    feature, both arms' means, the equivalence margin and whether it `docks` (TOST) with the
    KS test beside it; `effects`: one row per remedy and headline indicator, the paired
    effect in each arm and whether it docks; `runs`: every run's summary; `docks`: all of
    them do. The folder holds docking.csv, effects.csv, runs.parquet and report.html."""
    out: Path
    arms: tuple[str, str]
    levels: pd.DataFrame         # one row per scenario and feature
    effects: pd.DataFrame        # one row per remedy and headline indicator
    runs: pd.DataFrame
    manifest: dict

    @property
    def docks(self) -> bool:
        return bool(self.levels.docks.all() and self.effects.docks.all())


def parse_perturb(text: str | None) -> tuple[str, float] | None:
    """--perturb NAME=FACTOR (from Python: `perturb="NAME=FACTOR"`, `(name, factor)` or
    `{name: factor}`) -> (name, factor); a UserError naming the flag or argument otherwise."""
    if isinstance(text, dict) and len(text) == 1:
        text = "=".join(map(str, next(iter(text.items()))))
    elif isinstance(text, (tuple, list)) and len(text) == 2:
        text = f"{text[0]}={text[1]}"
    elif text is not None and not isinstance(text, str):
        raise UserError(f"{given('--perturb', short(repr(text), 60))}: expected "
                        "PARAMETER=FACTOR, e.g. trust_rate=1.5")
    if text is None:
        return None
    name, sep, factor = text.partition("=")
    if not sep or name not in FIELDS:
        hint = suggest(name, FIELDS) if name and sep else ""
        raise UserError(f"{given('--perturb', repr(text))}: expected PARAMETER=FACTOR with a "
                        f"model parameter, e.g. trust_rate=1.5{hint}")
    if name in ("years", "scale", "burn_in_years"):
        raise UserError(f"{given('--perturb', repr(text))}: {name} is the run's size, not a "
                        "rule; perturb a rule's constant, e.g. trust_rate=1.5")
    try:
        value = float(factor)
    except ValueError:
        raise UserError(f"{given('--perturb', repr(text))}: the factor {factor!r} is not a "
                        "number") from None
    if not np.isfinite(value) or value <= 0:
        raise UserError(f"{given('--perturb', repr(text))}: the factor must be a positive "
                        "number")
    return name, value


def check(scenarios, replicates: int, against: str, perturb) -> None:
    """What a docking study refuses before anything runs (a dry run checks it too)."""
    if replicates < MIN_REPLICATES:
        raise UserError(f"{given('--replicates', replicates)}: docking needs at least "
                        f"{MIN_REPLICATES} replicates per arm to show equivalence within its "
                        "margins")
    if against.startswith(COMMIT):
        commit = revision.resolve(against[len(COMMIT):])       # UserError if it names no commit
        lacking(commit, scenarios, against)
    elif against not in IMPLEMENTATIONS:
        raise UserError(f"{given('--against', repr(against))}: choose one of "
                        f"{', '.join(IMPLEMENTATIONS)}, or {COMMIT}REV (another commit's "
                        f"model){suggest(against, IMPLEMENTATIONS)}")
    if one_county(scenarios) is not None:
        raise UserError("docking runs on the essay's county; " + (
            "drop --county" if in_command() else "use scenarios without a county"))
    if perturb:
        name, factor = perturb
        if not all(read_by(name, s.params) for s in scenarios):     # it could not fail
            raise UserError(f"{given('--perturb', f'{name}={factor:g}')}: {name} is not read "
                            f"by these runs (only with {needed(name)}), so the power check "
                            "could not fail")
        for s in scenarios:
            try:
                dataclasses.replace(s.params, **{name: from_sample(
                    name, getattr(s.params, name) * factor)})
            except ValueError as e:          # ParameterError: out of the schema's range
                raise UserError(f"{given('--perturb', f'{name}={factor:g}')}: {e}") from None


def lacking(commit: str, scenarios, against: str) -> None:
    """Refuse, before anything runs, a scenario that sets a parameter the commit's model does
    not have (a mechanism added since, switched on here): that arm would run without it."""
    import json
    import subprocess
    import sys
    path = revision.importable(commit, cache_dir() / "commits")
    out = subprocess.run([sys.executable, "-c", "import dataclasses, json; from juwei.model "
                          "import Parameters; print(json.dumps([f.name for f in "
                          "dataclasses.fields(Parameters)]))"], capture_output=True, text=True,
                         cwd=path, env={**os.environ, "PYTHONPATH": path})
    if out.returncode != 0:
        return                              # its runs will say what fails
    known = set(json.loads(out.stdout))
    for s in scenarios:
        for name, value in s.changes.items():
            if name not in known:
                raise UserError(f"{given('--against', against)}: that commit's model has no "
                                f"parameter {name} (set to {value!r} in {s.name}), so its arm "
                                "would run without it")


def plan(scenarios, replicates: int, seed: int, against: str = "reference",
         perturb: tuple[str, float] | None = None) -> tuple[tuple[str, str], list[Run], Docked]:
    """The two arms' names, every run (arm x scenario x replicate) and the run function (for
    a `commit:` arm, with that commit's code laid out in the cache folder)."""
    other = ""
    if against.startswith(COMMIT):
        commit = revision.resolve(against[len(COMMIT):])
        against = COMMIT + commit
        other = revision.importable(commit, cache_dir() / "commits")
        second = f"commit {commit[:7]}"
    else:
        second = "reference" if against == "reference" else "vectorised (again)"
    arms = ("vectorised", second)
    implementation = {arms[0]: "vectorised", arms[1]: against}
    seeds = {arms[0]: replicate_seeds(seed, replicates),
             arms[1]: replicate_seeds(derived_seed(seed, SECOND_ARM_STREAM), replicates)}
    runs = [Run({"arm": arm, "scenario": s.name, "replicate": r},
                Arm(implementation[arm], s.params, bool(perturb) and arm == arms[1]), sd)
            for arm in arms for s in scenarios for r, sd in enumerate(seeds[arm])]
    return arms, runs, Docked(tuple(perturb) if perturb else (), scenarios[0].params, other)


def seconds_per_run(params: Parameters, implementation: str, weeks: int = 2,
                    sharing: int = 1) -> float:
    """About how long one run of `implementation` takes: its build and `weeks` weeks timed,
    the rest of the burn-in and horizon extrapolated (for a dry run; the reference is slow);
    the reference's burn-in is shared by `sharing` scenarios."""
    import time

    if implementation == "reference":
        from ..model.reference import ReferenceModel as cls
    else:
        from ..model import CountyModel as cls
    t0 = time.perf_counter()
    m = cls(params, seed=0)
    t1 = time.perf_counter()
    for _ in range(weeks):
        m.step()
    burn_in = params.burn_in_years / (sharing if implementation == "reference" else 1)
    return (t1 - t0 + (time.perf_counter() - t1) / weeks
            * (burn_in + params.years) * STEPS_PER_YEAR)


def run(scenarios, replicates: int, seed: int, opts: Options, against: str = "reference",
        perturb: tuple[str, float] | None = None, margin: float = MARGIN,
        effect_margin: float = EFFECT_MARGIN) -> Docking:
    """Dock the vectorised model with `against` on `scenarios` (the first is the base), with
    `perturb` = (parameter, factor) applied to the second arm only; write runs.parquet,
    docking.csv, effects.csv, one figure per feature and report.html."""
    check(scenarios, replicates, against, perturb)
    if against.startswith(COMMIT):        # the design names the commit, not HEAD~1: a resume
        against = COMMIT + revision.resolve(against[len(COMMIT):])   # after a commit agrees
    arms, runs, fn = plan(scenarios, replicates, seed, against, perturb)
    p = scenarios[0].params
    design = {"base": scenarios[0].name, "scenarios": [s.name for s in scenarios],
              "changes": {s.name: s.changes for s in scenarios},
              "arms": list(arms), "against": against, "replicates": replicates, "seed": seed,
              "scale": p.scale, "years": p.years, "burn_in_years": p.burn_in_years,
              "perturb": list(perturb) if perturb else None,
              "margin": margin, "effect_margin": effect_margin, "sd_margin": SD_MARGIN,
              "floor": FLOOR, "alpha": ALPHA, "ks_alpha": KS_ALPHA,
              **county_record(scenarios[0])}
    store, tables = run_batch(runs, opts, "dock", design, fn=fn, keep=(), desc="docking",
                              outputs=docked_levels(p), finish=False)
    data = tables["runs"]
    if len(tables["failed"]):
        store.finish("failed")
        first = tables["failed"].error.iloc[0]
        raise AnalysisRefused(f"{len(tables['failed'])} docking runs failed, so the arms "
                              f"cannot be compared; the first: {first[:300]} (all in "
                              f"{opts.out / 'manifest.json'}; {same_again(opts.out)} redoes "
                              "them)")
    names = [s.name for s in scenarios]
    levels = levels_table(data, arms, names, margin, docked_levels(p))
    effects = effects_table(data, arms, names, effect_margin)
    atomic_write(opts.out / "docking.csv", lambda tmp: levels.to_csv(tmp, index=False))
    atomic_write(opts.out / "effects.csv", lambda tmp: effects.to_csv(tmp, index=False))
    from ..present import dock_page
    dock_page.write(opts.out, data, arms, names, levels, effects, store.manifest)
    store.finish()
    return Docking(opts.out, arms, levels, effects, data, store.manifest)


def margin_of(x: np.ndarray, y: np.ndarray, relative: float, floor: float = 0.0
              ) -> tuple[float, str]:
    """The equivalence margin of a feature whose arms' values are `x` (the vectorised) and
    `y`, and what set it: the largest of `relative` x |mean of x|, SD_MARGIN pooled sds,
    and `floor`."""
    sd = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    options = {f"{relative:.0%} of the mean": relative * abs(float(x.mean())),
               f"{SD_MARGIN:g} sd": SD_MARGIN * sd, "floor": floor}
    by = max(options, key=options.get)
    return options[by], by


def levels_table(data: pd.DataFrame, arms, scenarios, margin: float,
                 levels: list[str] = LEVELS) -> pd.DataFrame:
    """Each scenario and docked feature: both arms' means and sds, the difference, its margin,
    the TOST and KS p-values, whether it docks (the means equivalent within the margin) and
    whether KS finds the distributions different at KS_ALPHA over the number of rows (a
    difference of shape, or a shift too small to matter for features with little noise:
    reported, not failed)."""
    cols = levels + [f"{n}_early" for n in EARLY]
    rows = []
    for s in scenarios:
        a, b = (data[(data.arm == arm) & (data.scenario == s)] for arm in arms)
        for c in cols:
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            bound, by = margin_of(x, y, margin)
            rows.append({"scenario": s, "feature": c, "mean_a": x.mean(), "mean_b": y.mean(),
                         "sd_a": x.std(ddof=1), "sd_b": y.std(ddof=1),
                         "difference": y.mean() - x.mean(), "margin": bound, "margin_by": by,
                         "p_tost": equivalence(y, x, bound),
                         "p_ks": float(stats.ks_2samp(x, y).pvalue)})
    t = pd.DataFrame(rows)
    t["docks"] = t.p_tost < ALPHA
    t["ks_differs"] = t.p_ks < KS_ALPHA / len(t)
    return t


def effects_table(data: pd.DataFrame, arms, scenarios, effect_margin: float) -> pd.DataFrame:
    """Each remedy and headline indicator: its paired effect (remedy minus base, on the same
    seed) in both arms, the difference of the effects, its margin, the TOST p-value, whether
    the signs agree, and whether it docks (equivalent within the margin)."""
    base, rows = scenarios[0], []
    for s in scenarios[1:]:
        for name in EFFECTS:
            d = []
            for arm in arms:
                own = data[data.arm == arm].set_index(["scenario", "replicate"])[name]
                d.append((own.loc[s] - own.loc[base]).dropna().to_numpy(float))
            x, y = d
            bound, by = margin_of(x, y, effect_margin, FLOOR)
            rows.append({"remedy": s, "indicator": name, "effect_a": x.mean(),
                         "effect_b": y.mean(), "difference": y.mean() - x.mean(),
                         "margin": bound, "margin_by": by, "p_tost": equivalence(y, x, bound),
                         "same_sign": bool(np.sign(x.mean()) == np.sign(y.mean()))})
    t = pd.DataFrame(rows, columns=["remedy", "indicator", "effect_a", "effect_b", "difference",
                                    "margin", "margin_by", "p_tost", "same_sign"])
    t["docks"] = t.p_tost < ALPHA           # (no remedy docked: an empty table, not a crash)
    return t
