"""Calibration designs (TOML data, validated like the other input files).

    description = "..."
    scenario = "baseline"        # whose constants are calibrated (its county too)
    population = 60              # particles per generation
    generations = 4              # at most this many generations ...
    min_epsilon = 0.0            # ... or until the distance threshold reaches this
    min_acceptance = 0.01        # ... or when fewer candidates than this share are accepted
    replicates = 1               # runs per particle, on the same seeds for every particle (CRN)
    predictive = 20              # posterior draws rerun on fresh seeds for the predictive checks
    years = 5
    scale = 0.1
    seed = 20061

    [constants]                  # what to calibrate, with its prior
    blame_pressure = {}                       # uniform over the schema's range
    quit_base = [0.01, 0.06]                  # uniform over [low, high], inside that range
    participation_bias = { normal = [-4.0, 0.5] }    # mean, sd; cut to the schema's range
    register_per_week = { loguniform = [0.005, 0.1] }

    inference = "interval"       # or "kernel": the targets as a likelihood, ending at
                                 # temperature 1 (studies/calibrate.kernel_for); or "emulator":
                                 # the same likelihood through Gaussian processes fitted to
                                 # waves of `population` runs, at most `generations` waves
                                 # (studies/emulate.py)

    [targets]                    # figures of FIGURES below, each against an interval (a bound)
    admin_share = { interval = [0.85, 1.0], weight = 1.0, source = "pattern 1" }
    burden_paradox = { interval = [0.0, 5.0], scale = 1.0 }   # scale: the figure's unit of gap
    volunteer_rate = { value = 0.0256, sd = 0.005 }           # or a measurement, with its error

    [held_out]                   # checked after the fit, never part of the distance
    cadre_turnover = { interval = [0.15, 0.25], source = "spec §8" }

A particle's distance is the weighted sum over targets of the gap between its figure and the
interval (0 inside), divided by the target's scale (default: the interval's width); for a
measurement, its distance from the value in sd.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..engine.errors import UserError
from ..engine.seeds import DEFAULT_SEED, check_seed
from ..model.params import FIELDS, LEVER_GROUPS, from_sample
from . import scenario as sc
from .design import base_scenario, read_design
from .files import at_least, check_keys, names_overrides, one_line, suggest

KEYS = {"description": str, "scenario": str, "population": int, "generations": int,
        "min_epsilon": (int, float), "min_acceptance": (int, float), "replicates": int,
        "predictive": int, "years": int, "burn_in_years": int, "scale": (int, float),
        "seed": int, "inference": str,
        "constants": dict, "targets": dict, "held_out": dict}
TARGET_KEYS = {"interval": list, "value": (int, float), "sd": (int, float),
               "weight": (int, float), "scale": (int, float), "source": str}
PRIORS = ("uniform", "normal", "loguniform")
INFERENCE = ("interval", "kernel", "emulator")
MAX_POPULATION = 100_000
MAX_GENERATIONS = 100
MAX_REPLICATES = 1_000
MIN_SCALE = 1e-9             # a target's scale: smaller would turn any gap into infinity
DEFAULT_MIN_ACCEPTANCE = 0.01  # a generation stops when fewer candidates are accepted


FIGURES = {  # what a target can name: studies/validate.figures computes them (ODD §9)
    "admin_share": "county administrative share of cadre hours (pattern 1)",
    "admin_high_committees": "share of committees with administrative share >= 0.85 (pattern 1)",
    "participation_rate": "adults taking part in a month (pattern 2)",
    "participation_age_ratio": "participation of 60+ over 18-35 (pattern 2)",
    "volunteer_rate": "registered volunteers, share of residents (pattern 3; 2.56% in 2016)",
    "volunteer_100_share": "volunteers reaching 100 services a year (pattern 3)",
    "burden_paradox": "admin hours/cadre/week with yearly campaigns minus without (pattern 4)",
    "unfunded_share": "share of pushed task hours arriving without money (pattern 5)",
    "seat_gap": "the county seat's service per resident relative to the rest, minus 1 "
                "(pattern 6)",
    "seat_venue_gap": "the same for activity places (pattern 6)",
    "seat_gap_year_1": "the service gap in the first year (pattern 6)",
    "renting": "renting committees' service relative to their peers (pattern 7)",
    "owning": "owning committees' service relative to their peers (pattern 7)",
    "renting_minus_owning": "renting minus owning (pattern 7)",
    "high_school_share": "serving cadres with high school or above (pattern 8)",
    "over_45_share": "serving cadres older than 45 (pattern 8)",
    "push_participation_correlation": "partial correlation of push and participation across "
                                      "committees (pattern 9)",
    "push_trust_correlation": "partial correlation of push and trust (pattern 9)",
    "significant_correlation": "the smallest significantly positive partial correlation "
                               "(pattern 9's bound)",
    "htc_H": "government hot (pattern 10)", "htc_T": "cadres tired (pattern 10)",
    "htc_C": "residents cold (pattern 10)",
    "htc_min": "the smallest of H, T and C (pattern 10)",
    "income_committees": "share of committees running a venture with own income > 10% of "
                         "budget (pattern 11)",
    "income_committees_with_rents": "share of committees with own income > 10% of budget, the "
                                    "county file's shop rents counted (pattern 11 before "
                                    "2026-12-06: an input)",
    "ventures_started": "ventures started in the county over the run (pattern 11)",
    "ventures_alive": "ventures running in the county in the last year (pattern 11)",
    "cadre_turnover": "cadre quits and retirements per seat-year (about 20% a year in "
                      "social work, spec §8)",
    "volunteer_hours_per_year": "hours a registered volunteer serves a year (11.93 h in 2016, "
                                "spec §8)",
    "tasks_per_committee_year": "tasks the departments push to a committee in a year (about "
                                "1,850 in two Hubei committees, spec §8)",
    "drift_per_year": "largest change of H, T, C, exhaustion, admin share and participation "
                      "(each 0-1) over the last year (a settled county: near 0)",
}

PAIRED = "burden_paradox"     # the figure that needs the campaign pair: two more runs


@dataclass(frozen=True)
class Prior:
    """One constant's prior: `kind` in PRIORS with its two numbers (low, high or mean, sd), and
    the schema's range (every prior is cut to it)."""
    name: str
    kind: str
    a: float
    b: float
    low: float
    high: float

    def scipy(self):
        """The prior as a frozen scipy.stats distribution (its pdf for the figures)."""
        from scipy import stats
        if self.kind == "uniform":
            return stats.uniform(self.a, self.b - self.a)
        if self.kind == "loguniform":
            return stats.loguniform(self.a, self.b)
        lo, hi = (self.low - self.a) / self.b, (self.high - self.a) / self.b
        return stats.truncnorm(lo, hi, loc=self.a, scale=self.b)

    def pyabc(self):
        """The same distribution as a pyabc random variable."""
        import pyabc
        if self.kind == "uniform":
            return pyabc.RV("uniform", self.a, self.b - self.a)
        if self.kind == "loguniform":
            return pyabc.RV("loguniform", self.a, self.b)
        lo, hi = (self.low - self.a) / self.b, (self.high - self.a) / self.b
        return pyabc.RV("truncnorm", lo, hi, loc=self.a, scale=self.b)

    def value(self, x) -> int | float:
        """A sampled `x` as the model reads the constant (a toy model's own name: a float)."""
        return from_sample(self.name, x) if self.name in FIELDS else float(x)

    def describe(self) -> str:
        if self.kind == "normal":
            return f"normal({self.a:g}, {self.b:g}) cut to [{self.low:g}, {self.high:g}]"
        return f"{self.kind} [{self.a:g}, {self.b:g}]"


@dataclass(frozen=True)
class Target:
    """A figure against a bound (its interval) or, with `value`, a measurement: the number a
    source gives, with an error `scale` (its sd: the source's uncertainty and the era's
    mismatch); `low` and `high` are then value -+ 2 sd, for the checks. `weight` 0 for a
    held-out check."""
    figure: str
    low: float
    high: float
    weight: float
    scale: float
    source: str
    held_out: bool
    value: float | None = None

    def gap(self, x: float) -> float:
        """How far `x` lies from the target, in units of `scale`: outside the interval (0
        inside) for a bound, from the value for a measurement."""
        if self.value is not None:
            return abs(x - self.value) / self.scale
        return max(0.0, self.low - x, x - self.high) / self.scale


@dataclass
class CalibrationDesign:
    """A calibration design (`load` reads one): the base scenario whose constants are
    calibrated, a prior for each (`priors`), the figures fitted and held out (`targets`), the
    ABC-SMC settings (`population`, `generations`, `min_epsilon`, `min_acceptance`), the
    `replicates` per particle, the posterior `predictive` checks and the root `seed`."""
    path: str
    description: str
    base: sc.Scenario
    population: int
    generations: int
    min_epsilon: float
    min_acceptance: float
    replicates: int
    predictive: int
    seed: int
    priors: list[Prior]
    targets: list[Target]      # fitted first, then the held-out ones
    inference: str = "interval"   # INFERENCE: a distance threshold, or a likelihood kernel

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if not t.held_out]

    @property
    def held_out(self) -> list[Target]:
        return [t for t in self.targets if t.held_out]

    def as_dict(self) -> dict:
        return {"path": self.path, "description": self.description, "scenario": self.base.name,
                "scenario_changes": self.base.changes, "county": self.base.county_name,
                "years": self.base.params.years, "scale": self.base.params.scale,
                "burn_in_years": self.base.params.burn_in_years,
                "population": self.population, "generations": self.generations,
                "min_epsilon": self.min_epsilon, "min_acceptance": self.min_acceptance,
                "replicates": self.replicates, "predictive": self.predictive, "seed": self.seed,
                "priors": [asdict(p) for p in self.priors],
                # a bound has no value, and the distance threshold is the default inference:
                # left out, so the digests of the designs before them stay as they were
                "targets": [{k: v for k, v in asdict(t).items() if k != "value" or v is not None}
                            for t in self.targets],
                **({"inference": self.inference} if self.inference != "interval" else {})}

    def values_at(self, u):
        """Constants at prior quantiles `u` (rows x constants), as the model reads them."""
        import pandas as pd
        return pd.DataFrame({p.name: [p.value(x) for x in p.scipy().ppf(u[:, j])]
                             for j, p in enumerate(self.priors)})

    def quantiles_of(self, values):
        """The constants of `values` (a table) as quantiles of their priors."""
        import numpy as np
        return np.column_stack([p.scipy().cdf(values[p.name].to_numpy(float))
                                for p in self.priors])

    def digest(self) -> str:
        """What a resume must match: everything that decides the posterior."""
        d = self.as_dict()
        d.pop("path")
        d.pop("description")
        d["county_sha256"] = self.base.county.digest if self.base.county else ""
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _number(path, key, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UserError(f"{path}: {key}: expected a finite number, got {one_line(repr(value), 60)}")
    return float(value)


def _pair(path, key, value) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise UserError(f"{path}: {key}: expected two numbers [a, b], got "
                        f"{one_line(repr(value), 60)}")
    return _number(path, key, value[0]), _number(path, key, value[1])


def prior(path, name: str, spec, fixed: dict) -> Prior:
    """One [constants] entry, checked against the schema."""
    key = f"constants.{one_line(name, 60)}"
    if name not in FIELDS:
        raise UserError(f"{path}: {key}: unknown constant{suggest(name, FIELDS)}")
    meta = FIELDS[name].metadata
    if meta["group"] in ("structure",) or name in ("years", "scale"):
        raise UserError(f"{path}: {key}: a structural parameter, not a constant to calibrate")
    if meta["group"] in LEVER_GROUPS:
        raise UserError(f"{path}: {key}: a policy lever, not an uncertain constant; calibrate "
                        "the constants of `juwei levers --all` (tagged [C] or [A])")
    if name in fixed:
        raise UserError(f"{path}: {key}: set by the scenario ({name} = {fixed[name]}); "
                        "calibrate on a scenario that leaves it at the schema's value")
    low, high = float(meta["low"]), float(meta["high"])
    if isinstance(spec, list):
        spec = {"uniform": spec}
    if not isinstance(spec, dict):
        raise UserError(f"{path}: {key}: expected {{}}, [low, high] or {{ normal = [mean, sd] }}, "
                        f"got {one_line(repr(spec), 60)}")
    if not spec:
        return Prior(name, "uniform", low, high, low, high)
    if len(spec) != 1:
        raise UserError(f"{path}: {key}: expected one prior, got {len(spec)}: "
                        f"{one_line(', '.join(map(str, spec)), 60)}")
    if next(iter(spec)) not in PRIORS:
        first = next(iter(spec))
        raise UserError(f"{path}: {key}: expected one of {', '.join(PRIORS)}, got "
                        f"{one_line(repr(first), 40)}{suggest(str(first), PRIORS)}")
    kind, value = next(iter(spec.items()))
    a, b = _pair(path, f"{key}.{kind}", value)
    where = f"{path}: {key}.{kind}"
    if kind == "normal":
        if not b > 0:
            raise UserError(f"{where}: the sd must be > 0, got {b:g}")
        if not low <= a <= high:
            raise UserError(f"{where}: the mean {a:g} is outside the schema's range "
                            f"{low:g}..{high:g} ({meta['unit']})")
    else:
        if not a < b:
            raise UserError(f"{where}: expected low < high, got [{a:g}, {b:g}]")
        if a < low or b > high:
            raise UserError(f"{where}: [{a:g}, {b:g}] is outside the schema's range "
                            f"{low:g}..{high:g} ({meta['unit']})")
        if kind == "loguniform" and a <= 0:
            raise UserError(f"{where}: a log-uniform prior needs low > 0, got {a:g}")
    return Prior(name, kind, a, b, low, high)


def target(path, section: str, name: str, spec) -> Target:
    """One [targets] or [held_out] entry: a known figure and its interval."""
    key = f"{section}.{one_line(name, 60)}"
    if name not in FIGURES:
        raise UserError(f"{path}: {key}: names no figure{suggest(name, FIGURES)} (the figures: "
                        "`juwei calibrate --figures`)")
    if not isinstance(spec, dict):
        raise UserError(f"{path}: {key}: expected {{ interval = [low, high] }}, got "
                        f"{one_line(repr(spec), 60)}")
    check_keys(f"{path}: {key}", spec, TARGET_KEYS, "target")
    if ("interval" in spec) == ("value" in spec):
        raise UserError(f"{path}: {key}: give either interval = [low, high] (a bound) or value "
                        "= x with sd = s (a measurement)")
    held = section == "held_out"
    weight = _number(path, f"{key}.weight", spec.get("weight", 1.0))
    if weight < 0 or (held and "weight" in spec):
        raise UserError(f"{path}: {key}.weight: " + ("a held-out figure has no weight"
                                                     if weight >= 0 else "must be >= 0"))
    weight = 0.0 if held else weight
    if "value" in spec:
        return measurement(path, key, name, spec, weight, held)
    if "sd" in spec:
        raise UserError(f"{path}: {key}.sd: goes with value = x (a measurement), not with an "
                        "interval (whose gap is measured in its scale)")
    low, high = _pair(path, f"{key}.interval", spec["interval"])
    if not low <= high:
        raise UserError(f"{path}: {key}.interval: expected low <= high, got [{low:g}, {high:g}]")
    scale = _number(path, f"{key}.scale", spec.get("scale", 1.0 if held else high - low))
    if not scale >= MIN_SCALE:
        raise UserError(f"{path}: {key}.scale: must be at least {MIN_SCALE:g} (a point "
                        "interval needs a scale)")
    return Target(name, low, high, weight, scale, one_line(spec.get("source", "")), held)


def measurement(path, key: str, name: str, spec: dict, weight: float, held: bool) -> Target:
    """A [targets] or [held_out] entry with value = x and sd = s."""
    if "scale" in spec:
        raise UserError(f"{path}: {key}.scale: a measurement's scale is its sd")
    if "sd" not in spec:
        raise UserError(f"{path}: {key}: sd = s is missing (the source's uncertainty and the "
                        "era's mismatch, in the figure's unit)")
    value = _number(path, f"{key}.value", spec["value"])
    sd = _number(path, f"{key}.sd", spec["sd"])
    if not sd >= MIN_SCALE:
        raise UserError(f"{path}: {key}.sd: must be at least {MIN_SCALE:g}")
    return measured(name, value, sd, weight, one_line(spec.get("source", "")), held)


def measured(figure: str, value: float, sd: float, weight: float = 1.0, source: str = "",
             held: bool = False) -> Target:
    """A measurement target: `value` with its error `sd`, checked within 2 sd."""
    return Target(figure, value - 2 * sd, value + 2 * sd, weight, sd, source, held, value)


@names_overrides
def load(name: str, overrides: dict | None = None) -> CalibrationDesign:
    """Read and validate a calibration design; `overrides` (from the command line) win."""
    path, data = read_design(name, KEYS, "calibrate")
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    base = base_scenario(path, data)
    if base.params.years < 2:
        raise UserError(f"{path}: years: a calibration needs at least 2 (every candidate also "
                        "reports how much its last years drift); set years = 2 or more")
    constants = data.get("constants", {})
    if not constants:
        raise UserError(f"{path}: constants: name at least one constant to calibrate")
    priors = [prior(path, n, s, base.changes) for n, s in constants.items()]
    fitted = [target(path, "targets", n, s) for n, s in data.get("targets", {}).items()]
    if not fitted or not any(t.weight > 0 for t in fitted):
        raise UserError(f"{path}: targets: name at least one figure with a weight > 0")
    held = [target(path, "held_out", n, s) for n, s in data.get("held_out", {}).items()]
    both = {t.figure for t in fitted} & {t.figure for t in held}
    if both:
        raise UserError(f"{path}: held_out.{sorted(both)[0]}: also a target; a held-out figure "
                        "must stay out of the fit")
    predictive = at_least(path, "predictive", data.get("predictive", 20), 0, MAX_POPULATION)
    if predictive == 0 and PAIRED in {t.figure for t in held}:
        raise UserError(f"{path}: held_out.{PAIRED}: held out, only the predictive checks "
                        "compute it (the fit's candidates leave out its campaign pair); set "
                        "predictive = 1 or more")
    try:
        seed = check_seed(data.get("seed", DEFAULT_SEED))
    except ValueError as e:
        raise UserError(f"{path}: seed: {e}") from None
    min_eps = _number(path, "min_epsilon", data.get("min_epsilon", 0.0))
    min_acc = _number(path, "min_acceptance",
                      data.get("min_acceptance", DEFAULT_MIN_ACCEPTANCE))
    inference = data.get("inference", "interval")
    if inference not in INFERENCE:
        raise UserError(f"{path}: inference: expected one of {', '.join(INFERENCE)}, got "
                        f"{one_line(repr(inference), 40)}{suggest(str(inference), INFERENCE)}")
    if inference == "emulator" and "min_acceptance" in data:
        raise UserError(f"{path}: min_acceptance: the emulator's waves accept every run; leave "
                        "it out (its waves stop at `generations` or once the posterior settles)")
    if inference != "interval" and "min_epsilon" in data:
        raise UserError(f"{path}: min_epsilon: the {inference}'s calibration is the posterior "
                        "under the targets' stated errors, with no distance threshold; leave it "
                        "out")
    if min_eps < 0 or not 0 <= min_acc < 1:
        raise UserError(f"{path}: " + ("min_epsilon: must be >= 0" if min_eps < 0
                                       else "min_acceptance: expected 0 <= share < 1"))
    population = at_least(path, "population", data.get("population", 60), 2, MAX_POPULATION)
    if inference == "emulator" and population < 2 * len(priors):
        raise UserError(f"{path}: population: {population} runs a wave cannot teach an emulator "
                        f"of {len(priors)} constants; give at least {2 * len(priors)} (a few "
                        "hundred for a dozen constants)")
    return CalibrationDesign(
        path=str(path), description=one_line(data.get("description", "")), base=base,
        population=population,
        generations=at_least(path, "generations", data.get("generations", 4), 1,
                             MAX_GENERATIONS),
        min_epsilon=min_eps, min_acceptance=min_acc,
        replicates=at_least(path, "replicates", data.get("replicates", 1), 1, MAX_REPLICATES),
        predictive=predictive, seed=seed, priors=priors, targets=fitted + held, inference=inference)
