"""Scenario files: TOML data mapped one-to-one onto the model's `Parameters`, validated, never
executed.

A scenario has a `description`, optionally a short title in Chinese and English and the
description in Chinese (`title_zh`, `title_en`, `description_zh`: each file's own, never
inherited through `extends`; shown to the workshop's officials), optionally `dose` (where the
remedy's lever values come from, opening with its source tag: "[E]" the essay, "[P]" a policy
document, "[A]" an assumption, then the reason; also never inherited), optionally `extends` (a path
relative to the file, to a file in the same folder or below it, or a shipped scenario's file name
such as "baseline.toml" or its name, "baseline": nothing else is read),
optionally `county` (a county file relative to the scenario, or a shipped county's name; default
the essay's; a scenario that extends another keeps its county unless it names its own) and any
parameter keys; it overrides only what it changes.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..engine.errors import UserError
from ..model.county import County
from ..model.params import FIELDS, ParameterError, Parameters, coerce, needed, read_by
from . import county as counties
from .files import SCENARIO_DIR, find, is_file, one_line, read_toml, refuse_foreign, suggest

TEXT_KEYS = ("description", "title_zh", "title_en", "description_zh", "dose")   # each file's own
DOSE_TAGS = {"[E]": "the essay", "[P]": "a policy document", "[A]": "an assumption"}
META_KEYS = TEXT_KEYS + ("extends", "county")


@dataclass(frozen=True)
class Scenario:
    """A scenario: a name, the model's `params` (`juwei.model.Parameters`), the levers it
    `changes` from the baseline's defaults, and its county (None: the essay's). Read from a
    file or a shipped name with `load`, or made from Python with `juwei.api.as_scenario`;
    `with_overrides({lever: value})` and `with_county(name)` give changed copies."""
    name: str
    path: str
    description: str
    params: Parameters
    changes: dict  # parameter -> value, where it differs from the baseline defaults
    county: County | None = None     # None: the essay's county
    county_file: str = ""            # where the county was read from ("" for the essay's)
    title_zh: str = ""               # a short title in Chinese (the essay's term), for officials
    title_en: str = ""               # a short title in English
    description_zh: str = ""         # the description in Chinese
    dose: str = ""                   # where the lever values come from: "[E] ...", "[P]", "[A]"

    def with_county(self, name: str, origin: str = "--county") -> "Scenario":
        """The scenario on another county (a file, or a shipped county's name)."""
        county, path = counties.load(name, origin)
        if counties.is_essay(path):
            return dataclasses.replace(self, county=None, county_file="")
        return dataclasses.replace(self, county=county, county_file=str(path.resolve()))

    @property
    def county_name(self) -> str:
        return self.county.name if self.county else "the essay's county"

    def with_overrides(self, overrides: dict, origin: str = "--set") -> "Scenario":
        """A copy with parameters changed (`{"cadre_pay": 800}`), each checked against the
        schema; `origin` names where they came from in an error."""
        values = dataclasses.asdict(self.params)
        values.update(validate_values(overrides, origin))
        params = Parameters(**values)
        return dataclasses.replace(self, params=params, changes=changes_from_default(params))


RUN_SIZE = ("years", "scale", "burn_in_years")     # a run's size: set by its own flag


def with_sets(s: Scenario, sets: dict, origin: str, size_as) -> Scenario:
    """`s` with the parameters of `--set` (or the API's `levers=`) changed. The run's size has
    its own place (`size_as(field)` names it), and a parameter the run would not read (its
    mechanism switched off), set here or by the scenario, is refused: its value would do
    nothing."""
    for field in RUN_SIZE:
        if field in sets:
            raise UserError(f"{origin} {field}: give it as {size_as(field)}")
    if sets:
        s = s.with_overrides(sets, origin)
    for key in [*sets, *s.changes]:
        if not read_by(key, s.params):
            named = s.path and Path(s.path).stem == s.name       # the file's own values
            where = origin if key in sets else f"{s.path if named else 'scenario ' + s.name}:"
            raise UserError(f"{where} {key}: not read by this run (only with {needed(key)})")
    return s


def validate_values(values: dict, origin: str) -> dict:
    """Coerce parameter values, raising UserError that names the origin and the key."""
    out = {}
    for key, value in values.items():
        if key not in FIELDS:
            raise UserError(f"{origin}: unknown parameter {one_line(repr(key), 60)}"
                            f"{suggest(key, FIELDS)}"
                            " (see `juwei levers --all`)")
        out[key] = safe_coerce(key, value, origin)
    return out


def safe_coerce(key: str, value, origin: str):
    """The model's coerce, with every refusal (also inf and nan) a one-line UserError."""
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"{origin}: {key}: expected a finite number, got {value}")
    try:
        return coerce(key, value)
    except (ParameterError, OverflowError, ValueError, TypeError) as e:
        raise UserError(f"{origin}: {one_line(e, 200)}") from None


def changes_from_default(params: Parameters) -> dict:
    default = Parameters()
    return {k: getattr(params, k) for k in FIELDS if getattr(params, k) != getattr(default, k)}


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _read(path: Path, chain: tuple = (), home: Path | None = None
          ) -> tuple[dict, dict, tuple[str, str] | None]:
    """The file's parameter values over its parents', its own texts (description, titles: never
    inherited), and the county it or its nearest parent names (the name and the file that names
    it)."""
    home = home or path.parent
    if path.resolve() in chain:
        raise UserError(f"{path}: extends itself through {' -> '.join(p.name for p in chain)}")
    data = read_toml(path)
    refuse_foreign(path, data, list(FIELDS) + list(META_KEYS), "scenario",
                   lambda key, value: isinstance(value, dict) and all(k in FIELDS for k in value))
    texts = {}
    for key in TEXT_KEYS:
        text = data.get(key, "")
        if not isinstance(text, str):
            raise UserError(f"{path}: {key}: expected a string")
        texts[key] = one_line(text)
    if texts["dose"] and texts["dose"][:3] not in DOSE_TAGS:
        raise UserError(f"{path}: dose: start with its source tag, one of "
                        f"{', '.join(DOSE_TAGS)} ({', '.join(DOSE_TAGS.values())})")
    for key, value in data.items():
        if isinstance(value, dict):
            raise UserError(f"{path}: {one_line(key, 60)}: tables are not used in scenarios; "
                            "write keys at the top level")
    values = {k: v for k, v in data.items() if k not in META_KEYS}
    for key in values:
        if key not in FIELDS:       # a misspelt title or description is suggested too
            raise UserError(f"{path}: unknown parameter {one_line(repr(key), 60)}"
                            f"{suggest(key, list(FIELDS) + list(META_KEYS))}"
                            " (see `juwei levers --all`)")
    values = validate_values(values, str(path))
    county = data.get("county")
    if county is not None and not (isinstance(county, str) and county.strip()):
        raise UserError(f"{path}: county: expected a county file name or a shipped county's "
                        "name (see `juwei counties`)")
    named = (county, str(path)) if county is not None else None
    parent = data.get("extends")
    if parent is None:
        return values, texts, named
    if not isinstance(parent, str):
        raise UserError(f"{path}: extends: expected a file name string")
    if "\0" in parent:
        raise UserError(f"{path}: extends: not a file name")
    # beside the file, else a shipped scenario (from a file kept elsewhere, or from a file of
    # the same name: `baseline.toml` of one's own extends the shipped one); a bare name, as
    # the commands take one ("baseline"), is its .toml file
    tries = [parent] + ([f"{parent}.toml"] if not parent.endswith(".toml") else [])
    parent_path = next((d / n for n in tries for d in (path.parent, SCENARIO_DIR)
                        if is_file(d / n) and (d / n).resolve() != path.resolve()),
                       path.parent / parent)
    if not any(_inside(parent_path, d) for d in (SCENARIO_DIR, home, path.parent)):
        raise UserError(f"{path}: extends: {one_line(parent, 80)} is outside the scenario "
                        f"folders ({home} and the shipped scenarios); it is not read")
    if not is_file(parent_path):
        known = [f.stem for d in (path.parent, SCENARIO_DIR) for f in d.glob("*.toml")]
        raise UserError(f"{path}: extends: no such file {one_line(parent_path, 120)}"
                        f"{suggest(Path(parent).stem, known)}")
    base, _, inherited = _read(parent_path, chain + (path.resolve(),), home)
    return {**base, **values}, texts, named or inherited


def load(name: str) -> Scenario:
    """Load and validate a scenario file (path or bare name)."""
    path = find(name, SCENARIO_DIR, "scenario", "see `juwei scenarios`")
    values, texts, county = _read(path)
    try:
        params = Parameters(**values)
    except ParameterError as e:  # pragma: no cover - values were checked one by one
        raise UserError(f"{path}: {e}") from None
    s = Scenario(path.stem, str(path), texts["description"], params,
                 changes_from_default(params), title_zh=texts["title_zh"],
                 title_en=texts["title_en"], description_zh=texts["description_zh"],
                 dose=texts["dose"])
    if county is None:
        return s
    name, named_in = county
    # next to the scenario (or below it), else a shipped county by name or file name; never
    # the current folder, so a scenario means the same county wherever it is run from, and
    # never a file outside those folders (an absolute path or ../ reads nothing)
    beside = Path(named_in).resolve().parent
    for path in (beside / name, counties.COUNTY_DIR / name,
                 counties.COUNTY_DIR / f"{name}.toml"):
        if is_file(path):
            if not any(_inside(path, d) for d in (beside, counties.COUNTY_DIR)):
                raise UserError(f"{named_in}: county: {one_line(name, 80)} is outside the "
                                f"scenario's folder ({beside}) and the shipped counties; it "
                                "is not read (give it with --county FILE)")
            try:
                return s.with_county(str(path))
            except UserError as e:
                raise UserError(f"{named_in}: county: {e}") from None
    known = sorted(p.stem for p in counties.COUNTY_DIR.glob("*.toml"))
    raise UserError(f"{named_in}: county: {one_line(name, 100)}: no such county file next to "
                    f"the scenario or shipped{suggest(Path(name).stem, known)} (see `juwei "
                    "counties`)")


def available() -> list[Scenario]:
    """Every scenario in the scenarios folder, baseline first."""
    paths = sorted(SCENARIO_DIR.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
    return [load(str(p)) for p in paths]


def parse_set(items: list[str]) -> dict:
    """`--set parameter=value` pairs, values read as TOML (numbers, booleans are rejected later)."""
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--set {item}: expected parameter=value")
        if key in out:                     # the last would win silently
            raise UserError(f"--set {key}: given twice; give each parameter once")
        try:
            out[key] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = raw.strip()   # a bare word: the type check will name it
    return out
