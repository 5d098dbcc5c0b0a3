"""Search designs: many-objective robust search over reform packages (TOML data, validated
like the other designs; studies/search.py runs one).

    description = "..."
    scenario = "baseline"        # the base: its levers stay fixed unless named below, and the
                                 # county settles under it before a package switches on
    population = 8               # packages per generation
    generations = 6
    replicates = 2               # seeds per package, the same for every package (CRN)
    years = 3
    burn_in_years = 4
    scale = 0.02
    seed = 20061
    robustness = "mean"          # mean | satisficing | regret (README "Searching reform packages")
    budget_yuan = 3_000_000      # constraint: extra public money a year, at most
    min_p_absent = 0.5           # constraint: P(syndrome absent), at least
    tolerance = 0.01             # hypervolume change below which the search has converged
    assumptions = 32             # optional: the units are samples of the assumed constants
    spread = 0.5                 # ... each within its value x (1 +- spread), as `juwei audit`

    [levers]                     # the decision variables: [low, high] or { values = [...] }
    task_admission = [0.0, 0.9]
    inspections_per_year = [0, 52]          # integer levers stay whole numbers
    service_stations = { values = [0.0, 0.5, 1.0] }

    [objectives]                 # each named; {} or { satisfice = X } (robustness = satisficing)
    extra_yuan = {}
    p_syndrome_absent = {}
    unmet_need = {}              # with robustness = "satisficing": { satisfice = 0.3 }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..engine.batch import check_size
from ..engine.errors import UserError
from ..engine.seeds import DEFAULT_SEED
from ..model import INDICATORS, LEVER_GROUPS
from ..model.indicators import BETTER
from ..model.params import FIELDS, SWITCHES
from . import scenario as sc
from .design import (MAX_REPLICATES, SWITCH_WHERE, _seed, base_scenario, lever_specs,
                     read_design, refuse_switched_off)
from .files import at_least, names_overrides, one_line, suggest

ROBUSTNESS = ("mean", "satisficing", "regret")
# objectives made from two runs on the same seed (the package's and the base's) or from every
# unit at once; any indicator with a better way (BETTER) is an objective too, as it is
DERIVED = {"extra_yuan": -1,              # yuan a year: the package's public money - the base's
           "admin_hours_freed": 1,        # hours a year: the base's admin hours - the package's
           "p_syndrome_absent": 1}        # share of units (draws, else seeds) without syndrome
OBJECTIVE_KEYS = {"satisfice"}
SEARCH_KEYS = {"description": str, "scenario": str, "population": int, "generations": int,
               "replicates": int, "years": int, "burn_in_years": int, "scale": (int, float),
               "seed": int, "robustness": str, "budget_yuan": (int, float),
               "min_p_absent": (int, float), "tolerance": (int, float), "levers": dict,
               "objectives": dict, "assumptions": int, "spread": (int, float)}
MAX_ASSUMPTIONS = 10_000
MIN_PACKAGES = 4              # a generation of NSGA-II needs at least four packages
MAX_POPULATION = 10_000
MAX_GENERATIONS = 10_000


@dataclass(frozen=True)
class Objective:
    """One objective: its `name`, `sense` (+1 more is better, -1 less) and, for robustness
    "satisficing", the value it must reach in a unit (`satisfice`)."""
    name: str
    sense: int
    satisfice: float | None = None


@dataclass
class SearchDesign:
    """A search design (`load_search` reads one; `own_search` makes one for a run function of
    one's own): the `levers` searched (name -> ("range", low, high) or ("values", [...])) on
    the `base` scenario, the `objectives`, the `robustness` measure over the units (posterior
    draws, else replicate seeds), the constraints (`budget_yuan`, `min_p_absent`), NSGA-II's
    (NSGA-III's beyond 3 objectives) `population` and `generations`, `replicates` per
    package and unit, the root `seed`, and the hypervolume `tolerance`."""
    path: str
    description: str
    base: sc.Scenario | None          # None: a run function of one's own
    levers: dict
    objectives: list[Objective]
    robustness: str = "mean"
    budget_yuan: float | None = None
    min_p_absent: float | None = None
    population: int = 8
    generations: int = 4
    replicates: int = 2
    seed: int = DEFAULT_SEED
    tolerance: float = 0.01
    integer: dict = field(default_factory=dict)     # lever -> whole numbers only
    assumptions: int = 0      # > 0: the units are samples of the assumed constants (the audit's)
    spread: float = 0.5       # ... each within its value x (1 +- spread)

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def county(self) -> bool:
        """A search of the county model (with its base runs, costs and syndrome)."""
        return self.base is not None

    def run_count(self, draws: int = 1) -> int:
        """Runs at most: every package of every generation, and the base, on every unit."""
        packages = self.population * self.generations + (1 if self.county else 0)
        if self.assumptions:
            return packages * self.assumptions
        return packages * self.replicates * max(draws, 1)

    def as_dict(self) -> dict:
        d = {"path": self.path, "description": self.description,
             "levers": self.levers, "integer": self.integer,
             "objectives": [{"name": o.name, "sense": o.sense, "satisfice": o.satisfice}
                            for o in self.objectives],
             "robustness": self.robustness, "budget_yuan": self.budget_yuan,
             "min_p_absent": self.min_p_absent, "population": self.population,
             "generations": self.generations, "replicates": self.replicates,
             "seed": self.seed, "tolerance": self.tolerance}
        if self.assumptions:
            d.update(assumptions=self.assumptions, spread=self.spread)
        if self.base is not None:
            p = self.base.params
            d.update(scenario=self.base.name, scenario_changes=self.base.changes,
                     county=self.base.county_name, years=p.years, scale=p.scale,
                     burn_in_years=p.burn_in_years)
        return d


def objectives_of(path, given: dict, robustness: str, known) -> list[Objective]:
    """The design's objectives, each checked: a known name (the closest suggested), {} or
    { satisfice = X }, a threshold for each under robustness = "satisficing"."""
    if not given or len(given) < 2:
        raise UserError(f"{path}: objectives: name at least two (e.g. extra_yuan = {{}} and "
                        "p_syndrome_absent = {})")
    out = []
    for name, spec in given.items():
        key = f"{path}: objectives.{one_line(name, 60)}"
        if name not in known:
            raise UserError(f"{key}: unknown objective{suggest(name, known)}")
        if not isinstance(spec, dict):
            raise UserError(f"{key}: expected {{}} or {{ satisfice = X }}")
        for k in spec:
            if k not in OBJECTIVE_KEYS:
                raise UserError(f"{key}: unknown key {one_line(repr(k), 40)}"
                                f"{suggest(k, OBJECTIVE_KEYS)}")
        level = spec.get("satisfice")
        if level is not None and (isinstance(level, bool) or not isinstance(level, (int, float))):
            raise UserError(f"{key}.satisfice: expected a number, got {one_line(repr(level), 40)}")
        if level is not None and robustness != "satisficing":     # it would be ignored
            raise UserError(f"{key}.satisfice: read only with robustness = \"satisficing\" "
                            f"(this design's is {robustness!r})")
        if robustness == "satisficing" and level is None and name != "p_syndrome_absent":
            raise UserError(f"{key}: robustness = \"satisficing\" needs {{ satisfice = X }}, "
                            "the value a package must reach in a unit")
        out.append(Objective(name, known[name], None if level is None else float(level)))
    return out


def check_common(path, data: dict) -> dict:
    """The keys every search design shares, checked: robustness, constraints, sizes."""
    robustness = data.get("robustness", "mean")
    if robustness not in ROBUSTNESS:
        raise UserError(f"{path}: robustness: expected one of {', '.join(ROBUSTNESS)}, got "
                        f"{one_line(repr(robustness), 40)}{suggest(str(robustness), ROBUSTNESS)}")
    p_min = data.get("min_p_absent")
    if p_min is not None and not 0 <= p_min <= 1:
        raise UserError(f"{path}: min_p_absent: expected a probability in [0, 1], got {p_min}")
    tolerance = data.get("tolerance", 0.01)
    if not 0 < tolerance < 1:
        raise UserError(f"{path}: tolerance: expected a share in (0, 1), got {tolerance}")
    return {"robustness": robustness, "budget_yuan": data.get("budget_yuan"),
            "min_p_absent": p_min, "tolerance": float(tolerance),
            "population": at_least(path, "population", data.get("population", 8),
                                   MIN_PACKAGES, MAX_POPULATION),
            "generations": at_least(path, "generations", data.get("generations", 4), 1,
                                    MAX_GENERATIONS),
            "replicates": at_least(path, "replicates", data.get("replicates", 2), 1,
                                   MAX_REPLICATES),
            "seed": _seed(path, data)}


def county_objectives() -> dict:
    """What a county search can optimise: the derived objectives and every indicator with a
    better way, name -> sense."""
    return {**DERIVED, **{n: s for n, s in BETTER.items() if n in INDICATORS and s}}


@names_overrides
def load_search(name: str, overrides: dict | None = None) -> SearchDesign:
    """Read and validate a search design; errors name the file and the key. `overrides`
    (`population`, `generations`, `replicates`, `years`, `scale`, `burn_in_years` from the
    command line or Python) win over the file's."""
    path, data = read_design(name, SEARCH_KEYS, "search")
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    both = "assumptions" in data and "replicates" in data or \
        "assumptions" in given and "replicates" in given
    if "assumptions" in given:          # the samples replace the file's replicate seeds
        data.pop("replicates", None)
    data.update(given)
    common = check_common(path, data)
    base = base_scenario(path, data)
    specs = lever_specs(path, data.get("levers", {}), "grid", base.params)
    for n in specs:
        if n in SWITCHES:
            raise UserError(f"{path}: levers.{n}: a switch, not a lever to search: "
                            f"{SWITCH_WHERE.format(setting=f'{n} = 1')}; its levers can then be "
                            "searched")
        if FIELDS[n].metadata.get("group") not in LEVER_GROUPS:
            raise UserError(f"{path}: levers.{n}: not a lever the county can change (a "
                            f"{FIELDS[n].metadata.get('group')} parameter); `juwei levers` "
                            "lists those it can")
        if specs[n][0] == "values" and len(specs[n][1]) < 2:
            raise UserError(f"{path}: levers.{n}: one value is a constant; it belongs in the "
                            "scenario")
    assumptions = at_least(path, "assumptions", data.get("assumptions", 0), 0, MAX_ASSUMPTIONS)
    spread = data.get("spread", 0.5)
    if not 0 < spread < 1:
        raise UserError(f"{path}: spread: expected a share in (0, 1), got {spread}")
    if assumptions and both:
        raise UserError(f"{path}: replicates: with assumptions = {assumptions} each package "
                        "runs once on each sample of the assumed constants, each on its own "
                        "seed (as the audit does); leave replicates out")
    if data.get("budget_yuan") is not None and data["budget_yuan"] < 0:
        raise UserError(f"{path}: budget_yuan: expected at least 0, got {data['budget_yuan']}")
    design = SearchDesign(
        path=str(path), description=one_line(data.get("description", "")), base=base,
        levers=specs, objectives=objectives_of(path, data.get("objectives", {}),
                                               common["robustness"], county_objectives()),
        integer={n: bool(FIELDS[n].metadata["integer"]) for n in specs},
        assumptions=assumptions, spread=float(spread), **common)
    refuse_switched_off(f"{path}: objectives", [o.name for o in design.objectives],
                        base.params)
    check_size(design.run_count(), str(path))
    return design


def own_search(levers: dict, objectives: dict, *, name: str = "own",
               satisfice: dict | None = None, **keys) -> SearchDesign:
    """A search of a run function of one's own (whose summary gives each objective): `levers`
    name -> (low, high), `objectives` name -> "min" or "max", `satisfice` name -> the value
    an objective must reach in a unit (robustness "satisficing"); `keys` as in a design file
    (population, generations, replicates, seed, robustness, tolerance). Errors name the
    argument."""
    if not isinstance(levers, dict) or not levers:
        raise UserError("levers=: expected a dict of name -> (low, high)")
    specs = {}
    for k, v in levers.items():
        if not (isinstance(v, (tuple, list)) and len(v) == 2 and v[0] < v[1]):
            raise UserError(f"levers={{{k!r}: {v!r}}}: expected (low, high) with low < high")
        specs[k] = ("range", float(v[0]), float(v[1]))
    senses = {"min": -1, "max": 1}
    if not isinstance(objectives, dict) or any(s not in senses for s in objectives.values()):
        raise UserError("objectives=: expected a dict of name -> 'min' or 'max'")
    for key in ("budget_yuan", "min_p_absent"):
        if keys.get(key) is not None:
            raise UserError(f"{key}=: a constraint on the county's money or syndrome; a model "
                            "of one's own has neither")
    common = check_common("search", keys)
    given = {n: {} if n not in (satisfice or {}) else {"satisfice": satisfice[n]}
             for n in objectives}
    design = SearchDesign(path=name, description="", base=None, levers=specs,
                          objectives=objectives_of("objectives=", given, common["robustness"],
                                                   {n: senses[s] for n, s in objectives.items()}),
                          integer={n: False for n in specs}, **common)
    return design
