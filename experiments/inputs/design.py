"""Design files of sweeps and sensitivity analyses (TOML data, validated like scenarios).

A sweep:

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

A sensitivity analysis: the same `scenario`, `outputs`, `replicates`, `years`, `scale`, `seed`
and `levers` (ranges only, any schema parameter; default: every lever over its documented
range, or none with `ensemble`), plus

    method = "morris"          # morris | sobol | pawn
    samples = 20               # morris: trajectories; sobol: base samples; pawn: points
    levels = 4                 # morris grid levels
    groups = false             # true: rank the lever groups (autonomy, incentives, resources)
    spread = false             # also analyse each output's sd across replicates
    bootstrap = 500            # resamples for rank probabilities (and PAWN intervals)
    ensemble = "results/calibrate-..."   # also vary a calibration's constants over their
                                         # posterior 5-95% ranges (relative to this file)
    draws = 10                 # with ensemble: the constants are not factors; every design
                               # point runs on these posterior draws (the same everywhere)
                               # and the levers are ranked on the mean over draws
    difference = "separation"  # analyse a remedy's paired effect (it minus the scenario on
                               # the same seed), not the level: which unknown moves it
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..engine.batch import check_size
from ..engine.errors import UserError
from ..engine.seeds import DEFAULT_SEED, check_seed
from ..model import INDICATORS, LEVER_GROUPS, OUTCOMES, levers
from ..model.params import FIELDS, ParameterError, Parameters, needed, read_by, switch_of
from ..model.indicators import SWITCHED
from . import scenario as sc
from .county import check_population
from .files import (DESIGN_DIR, at_least, check_keys, find, names_overrides, one_line,
                    read_toml, suggest)

SAMPLINGS = ("grid", "lhs", "sobol")
METHODS = ("morris", "sobol", "pawn")
MAIN_INDEX = {"morris": "mu_star", "sobol": "ST", "pawn": "median"}   # what ranks the factors
DUMMY = "dummy"              # the factor the model never reads: the level of noise
COMMON_KEYS = {"description": str, "scenario": str, "samples": int, "levels": int,
               "replicates": int, "years": int, "burn_in_years": int, "scale": (int, float),
               "seed": int,
               "outputs": list, "levers": dict}
SWEEP_KEYS = {**COMMON_KEYS, "sampling": str, "series": bool}
SENSITIVITY_KEYS = {**COMMON_KEYS, "method": str, "groups": bool, "spread": bool,
                    "bootstrap": int, "ensemble": str, "draws": int,
                    "difference": str}
MAX_LEVELS = 1000            # grid and Morris levels
# where a design switches a mechanism on: its base scenario (a design has no --set)
SWITCH_WHERE = ("set {setting} in the base scenario's file (a scenario file extending "
                "\"baseline\", named by the design's `scenario`)")
MAX_SAMPLES = 1 << 20        # samples (points, trajectories, base samples)
MAX_REPLICATES = 10_000
MAX_BOOTSTRAP = 100_000
# the outcomes the headline ranking reads, and the index as a process measure (ODD §4.10)
DEFAULT_OUTPUTS = [*OUTCOMES, "htc_index"]


def ready_made() -> list[tuple[str, str, str]]:
    """The ready-made designs: (name, command, description)."""
    out = []
    for path in sorted(DESIGN_DIR.glob("*.toml")):
        d = read_toml(path)
        out.append((path.stem, command_of(d), d.get("description", "")))
    return out


def command_of(design: dict) -> str:
    """The command a design's keys are for (calibrate, search, sensitivity or sweep)."""
    return ("calibrate" if "targets" in design else "search" if "objectives" in design
            else "sensitivity" if "method" in design else "sweep")


def read_design(name: str, keys: dict, command: str) -> tuple[Path, dict]:
    """A design file by path or ready-made name, read as data, its keys checked; a design
    for another command is refused naming that command."""
    known = ", ".join(sorted(p.stem for p in DESIGN_DIR.glob("*.toml")))
    path = find(name, DESIGN_DIR, "design", f"ready-made designs: {known}")
    data = read_toml(path)
    try:
        check_keys(path, data, keys, "design")
    except UserError:
        other = command_of(data) if isinstance(data, dict) else command
        if other == command:
            raise
        raise UserError(f"{path}: a {other} design, not a {command} one: run `juwei {other} "
                        f"{name}`") from None
    return path, data


def _seed(path: Path, data: dict) -> int:
    try:
        return check_seed(data.get("seed", DEFAULT_SEED))
    except ValueError as e:
        raise UserError(f"{path}: seed: {e}") from None


def lever_specs(path: Path, levers_: dict, sampling: str, base: Parameters) -> dict:
    """name -> ("range", low, high) or ("values", [...]), each value checked against the schema;
    a parameter runs on `base` would not read (its mechanism switched off, and the switch not
    varied too) is refused: varying it would vary nothing."""
    specs = {}
    if not levers_:
        raise UserError(f"{path}: levers: name at least one lever to vary")
    for name, spec in levers_.items():
        if name not in FIELDS:
            raise UserError(f"{path}: levers.{one_line(name, 60)}: unknown parameter"
                            f"{suggest(name, FIELDS)}")
        key = f"{path}: levers.{name}"
        try:
            if isinstance(spec, dict):
                if set(spec) != {"values"} or not isinstance(spec["values"], list) \
                        or not spec["values"]:
                    raise UserError(f"{key}: expected {{ values = [...] }} or [low, high]")
                if sampling != "grid":
                    raise UserError(f"{key}: a values list needs sampling = \"grid\"")
                if len(spec["values"]) > MAX_LEVELS:
                    raise UserError(f"{key}: at most {MAX_LEVELS} values")
                values = [sc.safe_coerce(name, v, f"{path}: levers") for v in spec["values"]]
                specs[name] = ("values", list(dict.fromkeys(values)))     # repeats dropped
            elif isinstance(spec, list) and len(spec) == 2:
                low, high = (sc.safe_coerce(name, v, f"{path}: levers") for v in spec)
                if not low < high:
                    raise UserError(f"{key}: expected low < high, got {one_line(spec, 60)}")
                specs[name] = ("range", low, high)
            else:
                raise UserError(f"{key}: expected [low, high] or {{ values = [...] }}")
        except ParameterError as e:
            raise UserError(f"{path}: levers.{e}") from None
    for name in specs:
        if not read_by(name, base) and switch_of(name) not in specs:
            raise UserError(f"{path}: levers.{name}: not read by this design's runs; to "
                            f"vary it, {SWITCH_WHERE.format(setting=needed(name))}")
    return specs


def scenario_of(path: Path, name: str, key: str = "scenario") -> sc.Scenario:
    """A scenario a design names under `key`: a path relative to the design, or a shipped
    one's name. A name found nowhere is refused naming the design and the key."""
    beside = path.parent / name
    if "\0" not in name and sc.is_file(beside):
        return sc.load(str(beside))
    try:
        return sc.load(name)
    except UserError as e:
        if "no such scenario file" not in str(e):
            raise                          # a fault inside the scenario file names that file
        raise UserError(f"{path}: {key}: {e}") from None


def base_scenario(path: Path, data: dict) -> sc.Scenario:
    """A design's base scenario with the design's years, burn-in and scale."""
    base = scenario_of(path, data.get("scenario", "baseline"))
    overrides = {k: data[k] for k in ("years", "scale", "burn_in_years") if k in data}
    base = base.with_overrides(overrides, str(path)) if overrides else base
    check_population(base.county, base.params.scale, str(path))
    return base


def base_and_outputs(path: Path, data: dict) -> tuple[sc.Scenario, list[str]]:
    """A design's base scenario (base_scenario) and its validated outputs."""
    base = base_scenario(path, data)
    outputs = data.get("outputs", DEFAULT_OUTPUTS)
    if not outputs:
        raise UserError(f"{path}: outputs: name at least one indicator")
    for o in outputs:
        if not isinstance(o, str) or o not in INDICATORS:
            raise UserError(f"{path}: outputs: unknown indicator {one_line(repr(o), 60)}"
                            f"{suggest(str(o), INDICATORS)}")
    if len(set(outputs)) < len(outputs):
        raise UserError(f"{path}: outputs: an indicator is named twice")
    return base, list(outputs)


def refuse_switched_off(where: str, names, params, varied=()) -> None:
    """A switched mechanism's indicator (SWITCHED) is 0 in every run while its switch is off:
    as a design's output or objective it is refused unless `params` (or a lever the design
    varies) switch the mechanism on."""
    for n in names:
        if n in SWITCHED and not getattr(params, SWITCHED[n]) and SWITCHED[n] not in varied:
            raise UserError(f"{where}: {n} is 0 in every run unless the scenario sets "
                            f"{SWITCHED[n]} = 1")


# --- sweeps ---------------------------------------------------------------------------------------
@dataclass
class SweepDesign:
    """A sweep design (`load_sweep` reads one): the base scenario, the `levers` varied
    (name -> ("range", low, high) or ("values", [...])), how they are sampled (`sampling`:
    grid, lhs or sobol; `samples` or `levels`), the `replicates` per point on common random
    numbers, the root `seed` and the `outputs` tabulated."""
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

    @property
    def name(self) -> str:
        return Path(self.path).stem

    def point_count(self) -> int:
        """Design points, counted without building them (lhs and sobol: at most this many,
        as points that round to the same integer levers are merged)."""
        if self.sampling != "grid":
            return self.samples
        count = 1
        for spec in self.levers.values():
            count *= len(spec[1]) if spec[0] == "values" else self.levels
        return count

    def as_dict(self) -> dict:
        return {"path": self.path, "description": self.description, "scenario": self.base.name,
                "scenario_changes": self.base.changes, "county": self.base.county_name,
                "sampling": self.sampling,
                # a grid has levels, lhs and sobol samples: the other is not part of the design
                "samples": None if self.sampling == "grid" else self.samples,
                "levels": self.levels if self.sampling == "grid" and any(
                    spec[0] == "range" for spec in self.levers.values()) else None,
                "replicates": self.replicates,
                "seed": self.seed, "years": self.base.params.years, "scale": self.base.params.scale,
                "burn_in_years": self.base.params.burn_in_years,
                "outputs": self.outputs, "levers": self.levers}


@names_overrides
def load_sweep(name: str, overrides: dict | None = None) -> SweepDesign:
    """Read and validate a sweep design; errors name the file and the key. `overrides`
    (`replicates`, `years`, `scale`, `burn_in_years`, ... from Python) win over the file's."""
    path, data = read_design(name, SWEEP_KEYS, "sweep")
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    sampling = data.get("sampling", "lhs")
    if sampling not in SAMPLINGS:
        raise UserError(f"{path}: sampling: expected one of {', '.join(SAMPLINGS)}, got "
                        f"{sampling!r}{suggest(sampling, SAMPLINGS)}")
    # a size of the other sampling would be ignored: say so (lhs, the default, has samples)
    if "levels" in data and sampling != "grid":
        raise UserError(f"{path}: levels: read only with sampling = \"grid\" (this design "
                        f"samples by {sampling}{'' if 'sampling' in data else ', the default'}"
                        ", with `samples` points)")
    if "samples" in data and sampling == "grid":
        raise UserError(f"{path}: samples: read only with lhs or sobol sampling (a grid has "
                        "`levels` per lever)")
    samples = at_least(path, "samples", data.get("samples", 16), 1, MAX_SAMPLES)
    base, outputs = base_and_outputs(path, data)
    specs = lever_specs(path, data.get("levers", {}), sampling, base.params)
    # a lever of one value (or one value repeated) is a constant of the sweep's scenario
    constants = {n: s[1][0] for n, s in specs.items() if s[0] == "values" and len(s[1]) == 1}
    if len(constants) == len(specs):
        raise UserError(f"{path}: levers: each lever has one value; name one that varies (a "
                        "constant belongs in the scenario)")
    if constants:
        base = base.with_overrides(constants, f"{path}: levers")
    refuse_switched_off(f"{path}: outputs", outputs, base.params, varied=specs)
    design = SweepDesign(
        path=str(path), description=one_line(data.get("description", "")), base=base,
        sampling=sampling, samples=samples,
        levels=at_least(path, "levels", data.get("levels", 3), 2, MAX_LEVELS),
        replicates=at_least(path, "replicates", data.get("replicates", 2), 1, MAX_REPLICATES),
        seed=_seed(path, data), outputs=outputs, series=data.get("series", False),
        levers={n: s for n, s in specs.items() if n not in constants},
    )
    check_size(design.point_count() * design.replicates, str(path))
    return design


# --- sensitivity analyses -----------------------------------------------------------------------
@dataclass
class Factors:
    """The factors of an analysis: levers (or any named inputs) plus the dummy, last."""
    names: list[str]
    bounds: list[tuple[float, float]]
    groups: list[str] | None = None

    @classmethod
    def with_dummy(cls, bounds: dict, groups: dict | None = None) -> "Factors":
        names = list(bounds) + [DUMMY]
        return cls(names, [tuple(map(float, bounds[n])) for n in bounds] + [(0.0, 1.0)],
                   [groups[n] for n in bounds] + [DUMMY] if groups else None)

    def problem(self) -> dict:
        """SALib's problem dictionary."""
        p = {"num_vars": len(self.names), "names": self.names, "bounds": self.bounds}
        if self.groups:
            p["groups"] = self.groups
        return p

    @property
    def labels(self) -> list[str]:
        """What is ranked: the factors, or their groups."""
        return list(dict.fromkeys(self.groups)) if self.groups else self.names


@dataclass
class SensitivityDesign:
    """A sensitivity design (`load_sensitivity` reads one; `own_design` makes one for a
    user's own run function): the `method` (morris, sobol or pawn) and its `samples` and
    `levels`, the `factors` and their ranges (with the dummy), the `replicates` per point,
    the root `seed`, the `outputs` ranked, and for the county model its `base` scenario and
    optionally a remedy's `difference` or a calibration's `ensemble`."""
    description: str
    method: str
    samples: int
    levels: int
    replicates: int
    seed: int
    outputs: list[str]
    spread: bool
    bootstrap: int
    factors: Factors
    base: sc.Scenario | None = None      # None for a user's own run function
    path: str = ""
    difference: sc.Scenario | None = None     # analyse this remedy's paired effect
    ensemble: str = ""                   # the calibration whose constants are factors
    draws: int = 0                       # or, when > 0, whose posterior draws every point runs on

    @property
    def varies_constants(self) -> bool:
        """The calibration's constants are factors (an ensemble without draws)."""
        return bool(self.ensemble) and not self.draws

    @property
    def runs_per_point(self) -> int:
        """Replicates, times the posterior draws when there are any."""
        return self.replicates * max(self.draws, 1)

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def main_index(self) -> str:
        return MAIN_INDEX[self.method]

    def point_count(self) -> int:
        """Rows of the design matrix, counted without building it."""
        if self.method == "pawn":
            return self.samples
        return self.samples * (len(self.factors.labels) + (1 if self.method == "morris" else 2))

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("base")
        d.pop("difference")
        if self.difference:
            d.update(difference=self.difference.name, difference_changes=self.difference.changes)
        d["factors"] = dataclasses.asdict(self.factors)
        if self.base:
            d.update(scenario=self.base.name, scenario_changes=self.base.changes,
                     county=self.base.county_name,
                     years=self.base.params.years, scale=self.base.params.scale,
                     burn_in_years=self.base.params.burn_in_years)
        return d


@names_overrides
def load_sensitivity(name: str, overrides: dict | None = None) -> SensitivityDesign:
    """Read and validate a sensitivity design; `overrides` (from the command line) win."""
    path, data = read_design(name, SENSITIVITY_KEYS, "sensitivity")
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    method = data.get("method", "morris")
    if method not in METHODS:
        raise UserError(f"{path}: method: expected one of {', '.join(METHODS)}, got "
                        f"{method!r}{suggest(str(method), METHODS)}")
    base, outputs = base_and_outputs(path, data)
    ensemble, constants, draws = "", {}, 0
    if "draws" in data:
        draws = at_least(path, "draws", data["draws"], 1, MAX_REPLICATES)
        if not data.get("ensemble"):
            raise UserError(f"{path}: draws: goes with ensemble (a calibration's folder; "
                            "--ensemble DIR on the command line)")
    if data.get("ensemble"):
        from .ensemble import load_ensemble, posterior_ranges
        where = Path(data["ensemble"])
        given = (overrides or {}).get("ensemble") is not None     # on the command line
        ensemble = str(where if where.is_absolute() or given else path.parent / where)
        if draws:
            county = load_ensemble(ensemble, 1, 0, f"{path}: ensemble:").county_sha256
        else:
            constants, county = posterior_ranges(ensemble, f"{path}: ensemble:")
        if county != (base.county.digest if base.county else ""):
            raise UserError(f"{path}: ensemble: calibrated on another county than the "
                            f"scenario's ({base.county_name})")
    if data.get("levers"):
        specs = lever_specs(path, data["levers"], "lhs", base.params)
        bounds = {n: (s[1], s[2]) for n, s in specs.items()}
    elif constants:
        bounds = {}
    else:
        bounds = {r["name"]: (r["low"], r["high"]) for r in levers(LEVER_GROUPS, base.params)}
    bounds.update({n: r for n, r in constants.items() if n not in bounds})
    difference = None
    if data.get("difference"):
        name = data["difference"]
        difference = scenario_of(path, name, "difference")
        if not difference.changes:
            raise UserError(f"{path}: difference: {name} changes nothing from the schema's "
                            "baseline, so its effect is 0")
    groups = None
    if data.get("groups", False):
        if method == "pawn":
            raise UserError(f"{path}: groups: lever groups work with morris and sobol")
        groups = {n: FIELDS[n].metadata["group"] for n in bounds}
    samples = at_least(path, "samples", data.get("samples", 20), 2, MAX_SAMPLES)
    if method in ("sobol", "pawn") and samples & (samples - 1):
        raise UserError(f"{path}: samples: {method} needs a power of 2, got {samples} "
                        f"(try {1 << (samples - 1).bit_length()})")
    design = SensitivityDesign(
        description=one_line(data.get("description", "")), method=method, samples=samples,
        levels=at_least(path, "levels", data.get("levels", 4), 2, MAX_LEVELS),
        replicates=at_least(path, "replicates", data.get("replicates", 2), 1, MAX_REPLICATES),
        seed=_seed(path, data), outputs=outputs, spread=data.get("spread", False),
        bootstrap=at_least(path, "bootstrap", data.get("bootstrap", 500), 50, MAX_BOOTSTRAP),
        factors=Factors.with_dummy(bounds, groups), base=base, path=str(path),
        difference=difference, ensemble=ensemble, draws=draws)
    check_size(design.point_count() * design.runs_per_point, str(path))
    return design


def own_design(factors: dict, outputs, *, method: str = "morris", samples: int = 20,
               levels: int = 4, replicates: int = 2, seed: int = DEFAULT_SEED,
               bootstrap: int = 500, spread: bool = False, name: str = "own",
               description: str = "") -> SensitivityDesign:
    """A sensitivity design of a user's own run function, from keyword arguments
    (`juwei.sensitivity(fn=..., factors=..., outputs=...)`): `factors` maps each input's
    name to its (low, high) range, `outputs` names what the function's summary returns.
    Errors name the argument."""
    if not isinstance(factors, dict) or not factors:
        raise UserError("factors=: expected a dict of at least one name -> (low, high), e.g. "
                        "{'step_size': (0.5, 2.0)}")
    bounds = {}
    for key, value in factors.items():
        ok = (isinstance(key, str) and key and key != DUMMY and isinstance(value, (tuple, list))
              and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
        if not ok or not value[0] < value[1]:
            raise UserError(f"factors={{{one_line(repr(key), 40)}: "
                            f"{one_line(repr(value), 40)}}}: expected a name (not {DUMMY!r}) "
                            "and a range (low, high) with low < high")
        bounds[key] = (float(value[0]), float(value[1]))
    if isinstance(outputs, str):
        outputs = [outputs]
    if (not isinstance(outputs, (list, tuple)) or not outputs
            or not all(isinstance(o, str) and o for o in outputs)):
        raise UserError(f"outputs={one_line(repr(outputs), 60)}: expected the names of one or "
                        "more figures the function's summary returns, e.g. ['spread']")
    if len(set(outputs)) < len(outputs):
        raise UserError("outputs=: a name is given twice")
    if method not in METHODS:
        raise UserError(f"method={method!r}: expected one of {', '.join(METHODS)}"
                        f"{suggest(str(method), METHODS)}")
    for key, value in (("samples", samples), ("levels", levels), ("replicates", replicates),
                       ("bootstrap", bootstrap)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"{key}={value!r}: expected a whole number")
    for key, value, low, high in (("samples", samples, 2, MAX_SAMPLES),
                                  ("levels", levels, 2, MAX_LEVELS),
                                  ("replicates", replicates, 1, MAX_REPLICATES),
                                  ("bootstrap", bootstrap, 50, MAX_BOOTSTRAP)):
        if not low <= value <= high:
            raise UserError(f"{key}={value}: expected {low} to {high:,}")
    if method in ("sobol", "pawn") and samples & (samples - 1):
        raise UserError(f"samples={samples}: {method} needs a power of 2 (try "
                        f"{1 << (samples - 1).bit_length()})")
    try:
        seed = check_seed(seed)
    except ValueError as e:
        raise UserError(f"seed={seed!r}: {e}") from None
    design = SensitivityDesign(
        description=one_line(description), method=method, samples=samples, levels=levels,
        replicates=replicates, seed=seed, outputs=list(outputs), spread=bool(spread),
        bootstrap=bootstrap, factors=Factors.with_dummy(bounds), path=name)
    check_size(design.point_count() * design.runs_per_point, "factors=")
    return design
