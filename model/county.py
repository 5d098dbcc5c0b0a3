"""A county as data, and the draws that turn it into a concrete initial county (ODD §5).

A county file (`counties/*.toml`, read by `juwei.inputs.county`) describes towns, committees,
departments and the population's composition; `County.from_data` checks it and keeps it as a
frozen value that pickles to worker processes and Dask. Where a committee row leaves a fact out
(its residents, whether it rents its office, whether it is new), the fact is drawn from the
county's shares, in a fixed order, so one seed always gives the same county. The rules that
change state week by week live in residents.py, workload.py, cadres.py, finance.py and agents.py.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .params import FIELDS

AGE_BANDS = ("0-17", "18-35", "36-59", "60+")
CHILD_AGE, YOUNG, MIDDLE_AGED, SENIOR = range(len(AGE_BANDS))        # age band codes
EMPLOYMENT = ("unit", "social", "laid_off", "retired")
UNIT, SOCIAL, LAID_OFF, RETIRED = range(len(EMPLOYMENT))            # employment codes (adults)
CHILD = len(EMPLOYMENT)                                              # no employment: a child
PREFERENCES = ("free_rider", "conditional", "unconditional")
FREE_RIDER, CONDITIONAL, UNCONDITIONAL = range(len(PREFERENCES))
OVER_45 = 45.0               # the essay's statistic: "45岁以上" cadres (69.2%)

MAX_SEATS = 9                # 城市居民委员会组织法 art. 7: five to nine members
MAX_COMMITTEES = 2_000
MAX_RESIDENTS = 3_000_000    # a county's residents (memory: about 60 bytes a resident at scale 1)
ESSAY_COUNTY = "essay_county"
# reading county files (not behaviour): a key's closest match, tolerances, message length
SUGGEST_CUTOFF = 0.6         # difflib similarity at which a known key is suggested
SHARE_TOLERANCE = 1e-9       # shares that must sum to 1 may miss by this (numpy's draws
                             # accept about 1.5e-8)
RESIDENT_TOLERANCE = 0.5     # a town's total may differ from its committees' sum by this
SHOWN_CHARS = 60             # a wrong value is quoted up to this many characters


class CountyError(ValueError):
    """A county file's value that cannot be used: `where` names the row ("committee 5 'Xinhua'")
    or is empty for a top-level key, `key` names the key."""

    def __init__(self, where: str, key: str, message: str):
        self.where, self.key, self.detail = where, key, message
        super().__init__(" ".join(x for x in (where, f"{key}:" if key else "", message) if x))


# --- the keys a county file may hold: type, lowest, highest, required (None: any size) ------------
NUMBER, WHOLE, TEXT, FLAG = (int, float), int, str, bool
TOP = {"name": (TEXT, None, None, True), "description": (TEXT, None, None, False),
       "seat": (TEXT, None, None, True),
       "size_spread": (NUMBER, 0.0, 2.0, False), "residents_per_group": (NUMBER, 1.0, 1e6, True),
       "renting_share": (NUMBER, 0.0, 1.0, False), "new_share": (NUMBER, 0.0, 1.0, False),
       "cadres_over_45_share": (NUMBER, 0.0, 1.0, True),
       "cadres_high_school_share": (NUMBER, 0.0, 1.0, True),
       "population": (dict, None, None, True), "department": (list, None, None, True),
       "town": (list, None, None, True), "committee": (list, None, None, True)}
POPULATION = {"age_shares": (list, 4, None, True), "employment_seat": (list, 3, None, True),
              "township_unit_factor": (NUMBER, 0.0, 1.0, True),
              "low_income_base": (NUMBER, 0.0, 1.0, True),
              "low_income_laid_off": (NUMBER, 0.0, 1.0, True),
              "party_by_age": (list, 4, None, True), "disabled_by_age": (list, 4, None, True),
              "preference_shares": (list, 3, None, True)}
DEPARTMENT = {"name": (TEXT, None, None, True), "weight": (NUMBER, 0.0, 100.0, True)}
TOWN = {"name": (TEXT, None, None, True), "residents": (NUMBER, 0.0, MAX_RESIDENTS, False),
        "groups": (WHOLE, 1, 100_000, False), "seats": (WHOLE, 1, MAX_SEATS, True)}
COMMITTEE = {"name": (TEXT, None, None, True), "town": (TEXT, None, None, True),
             "residents": (NUMBER, 1.0, MAX_RESIDENTS, False),
             "groups": (WHOLE, 1, 10_000, False), "seats": (WHOLE, 1, MAX_SEATS, False),
             "office": (TEXT, None, None, False), "new": (FLAG, None, None, False),
             "venue_places": (NUMBER, 0.0, 10_000.0, False), "units": (WHOLE, 0, 100, False),
             "unit_places": (NUMBER, 0.0, 1_000.0, False),
             "own_income_yuan": (NUMBER, 0.0, 1e8, False),
             "demonstration": (FLAG, None, None, False),
             "township": (TEXT, None, None, False)}
OFFICES = ("owned", "rented")


def _suggest(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=SUGGEST_CUTOFF)
    return f"; did you mean '{close[0]}'?" if close else ""


def _checked(data: dict, keys: dict, where: str) -> dict:
    """`data`'s keys known, required ones present, values of their type and range."""
    if not isinstance(data, dict):
        raise CountyError(where, "", f"expected a table, got {type(data).__name__}")
    for key, value in data.items():
        if key not in keys:
            hint = _suggest(key, keys)
            if not hint and key in FIELDS:
                hint = (" (a model parameter, not a county fact: set it in a scenario file or "
                        "with --set)")
            raise CountyError(where, "", f"unknown key {key!r}{hint}")
        kind, low, high, _ = keys[key]
        if isinstance(value, bool) and kind is not FLAG or not isinstance(value, kind):
            want = {NUMBER: "a number", WHOLE: "a whole number", TEXT: "a string",
                    FLAG: "true or false", dict: "a table", list: "a list"}[kind]
            raise CountyError(where, key, f"expected {want}, got {type(value).__name__} "
                                          f"{str(value)[:SHOWN_CHARS]!r}")
        if kind is NUMBER and not math.isfinite(value):
            raise CountyError(where, key, f"expected a finite number, got {value}")
        if kind in (NUMBER, WHOLE) and low is not None and not low <= value <= high:
            raise CountyError(where, key, f"{value!r} is outside {_number(low)} to "
                                          f"{_number(high)}")
        if kind is list and low is not None and len(value) != low:
            raise CountyError(where, key, f"expected {low} entries, got {len(value)}")
        if kind is TEXT and not value.strip():
            raise CountyError(where, key, "expected a non-empty string")
    for key, (*_, required) in keys.items():
        if required and key not in data:
            raise CountyError(where, key, "missing")
    return data


def _number(x) -> str:
    """3000000 as "3,000,000", 0.5 as "0.5"."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _shares(values, where: str, key: str, total: bool = True) -> np.ndarray:
    """A list of shares in 0..1 (summing to 1 when `total`)."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise CountyError(where, key, "expected a list of numbers")
    a = np.array(values, dtype=float)
    if not (np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all()):
        raise CountyError(where, key, f"expected shares between 0 and 1, got {values}")
    if total and abs(a.sum() - 1.0) > SHARE_TOLERANCE:
        raise CountyError(where, key, f"the shares sum to {a.sum():.6g}, not 1")
    return a


@dataclass(frozen=True, eq=False)
class Committee:
    """One row of the county file; None means "drawn from the county's shares"."""

    name: str
    town: str
    residents: float | None = None
    groups: int | None = None
    seats: int | None = None
    renting: bool | None = None
    new: bool | None = None
    venue_places: float | None = None
    units: int | None = None
    unit_places: float | None = None
    own_income_yuan: float = 0.0
    demonstration: bool = False
    township: str | None = None       # the township government (乡镇) serving it; None: its town


@dataclass(frozen=True, eq=False)
class Town:
    name: str
    seats: int
    residents: float | None = None    # all its residents; those its committees do not give are
    groups: int | None = None         # split among the others, as are its resident groups


@dataclass(frozen=True, eq=False)
class Population:
    """The residents' composition (census and survey shares)."""

    age_shares: np.ndarray            # by AGE_BANDS
    employment_seat: np.ndarray       # adult bands (rows 18-35, 36-59, 60+) x EMPLOYMENT, seat
    township_unit_factor: float       # unit-attached share outside the seat, relative to it
    low_income_base: float
    low_income_laid_off: float
    party_by_age: np.ndarray
    disabled_by_age: np.ndarray
    preference_shares: np.ndarray     # by PREFERENCES


@dataclass(frozen=True, eq=False)
class County:
    """A county's fixed facts: what a county file says, checked."""

    name: str
    description: str
    seat: str                          # the county seat's town (县城)
    departments: tuple[str, ...]
    department_weights: np.ndarray     # relative push of each department
    towns: tuple[Town, ...]
    committees: tuple[Committee, ...]
    population: Population
    size_spread: float                 # lognormal sd of drawn committee sizes
    residents_per_group: float         # for committees whose town gives no group total
    renting_share: float               # of committees that do not say whether they rent
    new_share: float                   # of township committees that do not say whether new
    cadres_over_45_share: float
    cadres_high_school_share: float
    digest: str = ""                   # sha256 of the file's text (manifests, resume)

    # --- reading ----------------------------------------------------------------------------
    @classmethod
    def from_data(cls, data: dict, digest: str = "") -> "County":
        """Check a parsed county file; raise CountyError naming the row and key. `digest`
        identifies the county (the file's SHA-256); without one it is the data's."""
        digest = digest or hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        _checked(data, TOP, "")
        pop = _checked(data["population"], POPULATION, "population")
        employment = pop["employment_seat"]
        if not all(isinstance(r, list) and len(r) == len(EMPLOYMENT) for r in employment):
            raise CountyError("population", "employment_seat",
                              "expected 3 rows (18-35, 36-59, 60+) of 4 shares "
                              "(unit, social, laid off, retired)")
        population = Population(
            age_shares=_shares(pop["age_shares"], "population", "age_shares"),
            employment_seat=np.array([_shares(r, "population", "employment_seat")
                                      for r in employment]),
            township_unit_factor=float(pop["township_unit_factor"]),
            low_income_base=float(pop["low_income_base"]),
            low_income_laid_off=float(pop["low_income_laid_off"]),
            party_by_age=_shares(pop["party_by_age"], "population", "party_by_age", False),
            disabled_by_age=_shares(pop["disabled_by_age"], "population", "disabled_by_age",
                                    False),
            preference_shares=_shares(pop["preference_shares"], "population",
                                      "preference_shares"))
        departments = [_checked(d, DEPARTMENT, f"department {i + 1}")
                       for i, d in enumerate(data["department"])]
        _unique([d["name"] for d in departments], "department")
        if not departments:
            raise CountyError("", "department", "a county needs at least one department")
        if sum(d["weight"] for d in departments) <= 0:
            raise CountyError("", "department", "the departments' weights sum to 0")
        towns = [_checked(t, TOWN, f"town {i + 1}") for i, t in enumerate(data["town"])]
        town_names = [t["name"] for t in towns]
        _unique(town_names, "town")
        if data["seat"] not in town_names:
            raise CountyError("", "seat", f"{data['seat']!r} is not a town of the file"
                                          f"{_suggest(data['seat'], town_names)}")
        rows = data["committee"]
        if not rows:
            raise CountyError("", "committee", "a county needs at least one committee")
        if len(rows) > MAX_COMMITTEES:
            raise CountyError("", "committee", f"{len(rows)} committees; at most "
                                               f"{MAX_COMMITTEES:,}")
        committees = []
        for i, row in enumerate(rows):
            where = f"committee {i + 1}" + (f" {row['name']!r}" if isinstance(row, dict)
                                            and isinstance(row.get("name"), str) else "")
            row = dict(_checked(row, COMMITTEE, where))
            if row["town"] not in town_names:
                raise CountyError(where, "town", f"{row['town']!r} is not a town of the file"
                                                 f"{_suggest(row['town'], town_names)}")
            office = row.pop("office", None)
            if office is not None and office not in OFFICES:
                raise CountyError(where, "office", f"expected \"owned\" or \"rented\", got "
                                                   f"{office!r}")
            for key in ("residents", "venue_places", "unit_places", "own_income_yuan"):
                if key in row:
                    row[key] = float(row[key])
            committees.append(Committee(renting=None if office is None else office == "rented",
                                        **row))
        _unique([c.name for c in committees], "committee")
        town_objs = []
        for where, t in ((f"town {i + 1} {t['name']!r}", t) for i, t in enumerate(towns)):
            mine = [c for c in committees if c.town == t["name"]]
            if not mine:
                raise CountyError(where, "name", "no committee is in this town")
            open_rows = [c for c in mine if c.residents is None]
            if open_rows and "residents" not in t:
                raise CountyError(where, "residents", f"missing: {len(open_rows)} of its "
                                  "committees give no residents, so the town's total is needed")
            given = sum(c.residents for c in mine if c.residents is not None)
            if "residents" in t and open_rows and t["residents"] - given < len(open_rows):
                raise CountyError(where, "residents", f"{_number(t['residents'])}, but its "
                                  f"committees give {_number(given)} and {len(open_rows)} more "
                                  "need at least one resident each")
            if ("residents" in t and not open_rows
                    and abs(t["residents"] - given) > RESIDENT_TOLERANCE):
                raise CountyError(where, "residents", f"{t['residents']:g}, but its committees "
                                  f"give {given:g}")
            no_groups = [c for c in mine if c.groups is None]
            given_groups = sum(c.groups for c in mine if c.groups is not None)
            if "groups" in t and no_groups and t["groups"] - given_groups < len(no_groups):
                raise CountyError(where, "groups", f"{t['groups']} leaves fewer than one group "
                                  f"each for the {len(no_groups)} committees that give none")
            if "groups" in t and not no_groups and t["groups"] != given_groups:
                raise CountyError(where, "groups", f"{t['groups']}, but its committees give "
                                  f"{given_groups}")
            town_objs.append(Town(t["name"], t["seats"], t.get("residents"), t.get("groups")))
        total = sum(t.residents if t.residents is not None else
                    sum(c.residents for c in committees if c.town == t.name)
                    for t in town_objs)
        if total > MAX_RESIDENTS:
            raise CountyError("", "committee", f"{total:,.0f} residents; at most "
                                               f"{MAX_RESIDENTS:,} (use --scale for fewer rows)")
        return cls(
            name=data["name"], description=data.get("description", ""), seat=data["seat"],
            departments=tuple(d["name"] for d in departments),
            department_weights=np.array([float(d["weight"]) for d in departments]),
            towns=tuple(town_objs), committees=tuple(committees), population=population,
            size_spread=float(data.get("size_spread", 0.0)),
            residents_per_group=float(data["residents_per_group"]),
            renting_share=float(data.get("renting_share", 0.0)),
            new_share=float(data.get("new_share", 0.0)),
            cadres_over_45_share=float(data["cadres_over_45_share"]),
            cadres_high_school_share=float(data["cadres_high_school_share"]), digest=digest)

    # --- facts by committee -------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.committees)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.committees]

    @property
    def in_seat(self) -> np.ndarray:
        """Committees in the county seat (县城): the essay's urban communities."""
        return np.array([c.town == self.seat for c in self.committees])

    def townships(self) -> tuple[list[str], np.ndarray]:
        """The township governments (乡镇, ODD §7.1a) in order of first appearance, and each
        committee's index among them (a committee without a `township` is served by its
        town's)."""
        served_by = [c.township or c.town for c in self.committees]
        names = list(dict.fromkeys(served_by))
        return names, np.array([names.index(t) for t in served_by])

    def _town(self, name: str) -> Town:
        return next(t for t in self.towns if t.name == name)

    def seats(self) -> np.ndarray:
        return np.array([c.seats or self._town(c.town).seats for c in self.committees])

    def column(self, key: str, default) -> np.ndarray:
        """A committee fact, `default` (an array by committee) where a row does not give it."""
        given = [getattr(c, key) for c in self.committees]
        return np.array([d if g is None else g for g, d in zip(given, default)])

    # --- draws (in this order, so one seed gives one county) ----------------------------------
    def committee_sizes(self, rng: np.random.Generator) -> np.ndarray:
        """Residents per committee: given ones as they are; each town's remaining residents
        split among its other committees with a lognormal spread."""
        sizes = np.array([c.residents or 0.0 for c in self.committees])
        for town in self.towns:
            rows = [i for i, c in enumerate(self.committees)
                    if c.town == town.name and c.residents is None]
            if rows:
                w = rng.lognormal(0.0, self.size_spread, len(rows))
                given = sum(c.residents for c in self.committees
                            if c.town == town.name and c.residents is not None)
                sizes[rows] = (town.residents - given) * w / w.sum()
        return sizes

    def resident_groups(self, sizes: np.ndarray) -> np.ndarray:
        """Resident groups (居民小组) per committee: as given; a town's total shared by size
        (largest remainder); elsewhere one per `residents_per_group` residents."""
        groups = np.maximum(1, np.round(sizes / self.residents_per_group)).astype(int)
        for town in self.towns:
            rows = np.array([i for i, c in enumerate(self.committees)
                             if c.town == town.name and c.groups is None], dtype=int)
            if town.groups is None or not rows.size:
                continue
            total = town.groups - sum(c.groups for c in self.committees
                                      if c.town == town.name and c.groups is not None)
            share = sizes[rows] / sizes[rows].sum()
            base = np.floor(total * share).astype(int)
            short = total - base.sum()
            base[np.argsort(-(total * share - base))[:short]] += 1
            groups[rows] = np.maximum(base, 1)          # a small committee still has one
        return self.column("groups", groups).astype(int)

    def offices(self, rng: np.random.Generator) -> np.ndarray:
        """Whether each committee rents its office: as given, else a `renting_share` of the
        others drawn at random."""
        open_rows = np.array([i for i, c in enumerate(self.committees) if c.renting is None],
                             dtype=int)
        drawn = np.zeros(self.n, bool)
        if open_rows.size:
            k = open_rows.size
            drawn[open_rows[rng.choice(k, round(self.renting_share * k), replace=False)]] = True
        return self.column("renting", drawn).astype(bool)

    def new_communities(self, rng: np.random.Generator) -> np.ndarray:
        """Township communities "just starting" (才开始起步): as given, else drawn with
        `new_share`; the seat's communities are old unless their row says otherwise."""
        drawn = np.zeros(self.n, bool)
        if any(c.new is None and c.town != self.seat for c in self.committees):
            drawn = ~self.in_seat & (rng.random(self.n) < self.new_share)
        return self.column("new", drawn).astype(bool)

    def initial_cadres(self, rng: np.random.Generator, p) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
        """Seats' committee, cadre ages and education, with the file's shares as exact counts
        (ages uniform within the schema's bounds, on either side of 45)."""
        committee = np.repeat(np.arange(self.n), self.seats())
        n = committee.size
        over_45 = np.zeros(n, bool)
        over_45[rng.choice(n, round(self.cadres_over_45_share * n), replace=False)] = True
        age = np.where(over_45, rng.uniform(p.initial_old_age_min, p.initial_old_age_max, n),
                       rng.uniform(p.initial_young_age_min, OVER_45, n))
        educated = np.zeros(n, bool)
        educated[rng.choice(n, round(self.cadres_high_school_share * n), replace=False)] = True
        return committee, age, educated


def _unique(names: list[str], what: str) -> None:
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            raise CountyError(f"{what} {i + 1}", "name", f"{name!r} is named twice")
        seen.add(name)


_ESSAY: County | None = None


def essay_county() -> County:
    """The essay's county, read once from the shipped `counties/essay_county.toml`."""
    global _ESSAY
    if _ESSAY is None:
        raw = (resources.files("juwei.counties") / f"{ESSAY_COUNTY}.toml").read_bytes()
        _ESSAY = County.from_data(tomllib.loads(raw.decode("utf-8")),
                                  hashlib.sha256(raw).hexdigest())
    return _ESSAY


def draw_residents(rng: np.random.Generator, county: County, sizes: np.ndarray,
                   groups_per_committee: np.ndarray, p) -> dict[str, np.ndarray]:
    """Per-resident initial state (struct of arrays): the county's composition, and the
    schema's motivation, trust and awareness priors. Each row stands for 1/scale residents."""
    pop = county.population
    counts = np.maximum(1, np.round(sizes * p.scale)).astype(np.int64)
    n = int(counts.sum())
    committee = np.repeat(np.arange(county.n), counts).astype(np.int16)
    seat = county.in_seat[committee]
    # resident groups: consecutive ids, residents spread evenly over their committee's groups
    first_group = np.concatenate([[0], np.cumsum(groups_per_committee)[:-1]])
    within = np.concatenate([np.arange(c) * g // c for c, g in zip(counts, groups_per_committee)])
    group = (first_group[committee] + within).astype(np.int32)

    age = rng.choice(len(AGE_BANDS), size=n, p=pop.age_shares).astype(np.int8)
    employment = np.full(n, CHILD, dtype=np.int8)
    u = rng.random(n)
    for band in (YOUNG, MIDDLE_AGED, SENIOR):
        for in_seat in (True, False):
            shares = pop.employment_seat[band - 1].copy()
            if not in_seat:
                moved = shares[UNIT] * (1 - pop.township_unit_factor)
                shares[UNIT] -= moved
                shares[SOCIAL] += moved
            rows = (age == band) & (seat == in_seat)
            employment[rows] = np.searchsorted(np.cumsum(shares), u[rows] * shares.sum())
    adult = age > 0
    low_income = adult & (rng.random(n) < pop.low_income_base + pop.low_income_laid_off
                          * (employment == LAID_OFF))
    party = rng.random(n) < pop.party_by_age[age]
    disabled = rng.random(n) < pop.disabled_by_age[age]
    preference = rng.choice(len(PREFERENCES), size=n, p=pop.preference_shares)
    # thresholds (Granovetter): free riders never follow, conditional cooperators follow a share
    threshold = np.where(preference == FREE_RIDER, 1.0,
                         np.where(preference == CONDITIONAL,
                                  rng.uniform(0.0, p.conditional_threshold_max, n), 0.0))
    intrinsic = np.where(preference == FREE_RIDER, rng.uniform(0.0, p.intrinsic_free_rider_max, n),
                         np.where(preference == CONDITIONAL,
                                  rng.uniform(p.intrinsic_conditional_min,
                                              p.intrinsic_conditional_max, n),
                                  rng.uniform(p.intrinsic_unconditional_min, 1.0, n)))
    trust = rng.beta(p.initial_trust_a, p.initial_trust_b, n)
    awareness = (rng.beta(p.initial_awareness_a, p.initial_awareness_b, n)
                 * np.where(employment == UNIT, p.unit_awareness_factor, 1.0))
    f32 = np.float32
    return dict(
        committee=committee, group=group, age=age, employment=employment, adult=adult,
        low_income=low_income, party=party, disabled=disabled,
        threshold=threshold.astype(f32), intrinsic=intrinsic.astype(f32),
        trust=trust.astype(f32), awareness=awareness.astype(f32),
        represented=(sizes / counts).astype(f32),     # residents one row stands for, per committee
    )

