"""Scenario files: TOML data mapped one-to-one onto the model's `Parameters`, validated, never
executed.

A scenario has a `description`, optionally `extends` (a path relative to the file) and any
parameter keys; it overrides only what it changes.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..engine.errors import UserError
from ..model.params import FIELDS, ParameterError, Parameters, coerce
from .files import SCENARIO_DIR, find, read_toml, suggest

META_KEYS = ("description", "extends")


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    description: str
    params: Parameters
    changes: dict  # parameter -> value, where it differs from the baseline defaults

    def with_overrides(self, overrides: dict, origin: str = "--set") -> "Scenario":
        values = dataclasses.asdict(self.params)
        values.update(validate_values(overrides, origin))
        params = Parameters(**values)
        return dataclasses.replace(self, params=params, changes=changes_from_default(params))


def validate_values(values: dict, origin: str) -> dict:
    """Coerce parameter values, raising UserError that names the origin and the key."""
    out = {}
    for key, value in values.items():
        if key not in FIELDS:
            raise UserError(f"{origin}: unknown parameter '{key}'{suggest(key, FIELDS)}"
                            " (see `juwei levers --all`)")
        try:
            out[key] = coerce(key, value)
        except ParameterError as e:
            raise UserError(f"{origin}: {e}") from None
    return out


def changes_from_default(params: Parameters) -> dict:
    default = Parameters()
    return {k: getattr(params, k) for k in FIELDS if getattr(params, k) != getattr(default, k)}


def _read(path: Path, chain: tuple = ()) -> tuple[dict, str]:
    if path.resolve() in chain:
        raise UserError(f"{path}: extends itself through {' -> '.join(p.name for p in chain)}")
    data = read_toml(path)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise UserError(f"{path}: description: expected a string")
    for key, value in data.items():
        if isinstance(value, dict):
            raise UserError(f"{path}: {key}: tables are not used in scenarios; write keys at "
                            "the top level")
    values = {k: v for k, v in data.items() if k not in META_KEYS}
    values = validate_values(values, str(path))
    parent = data.get("extends")
    if parent is None:
        return values, description
    if not isinstance(parent, str):
        raise UserError(f"{path}: extends: expected a file name string")
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise UserError(f"{path}: extends: no such file {parent_path}")
    base, _ = _read(parent_path, chain + (path.resolve(),))
    return {**base, **values}, description


def load(name: str) -> Scenario:
    """Load and validate a scenario file (path or bare name)."""
    path = find(name, SCENARIO_DIR, "scenario", "see `juwei scenarios`")
    values, description = _read(path)
    try:
        params = Parameters(**values)
    except ParameterError as e:  # pragma: no cover - values were checked one by one
        raise UserError(f"{path}: {e}") from None
    return Scenario(path.stem, str(path), description, params, changes_from_default(params))


def available() -> list[Scenario]:
    """Every scenario in the scenarios folder, baseline first."""
    paths = sorted(SCENARIO_DIR.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
    return [load(str(p)) for p in paths]


def parse_set(items: list[str]) -> dict:
    """`--set lever=value` pairs, values read as TOML (numbers, booleans are rejected later)."""
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--set {item}: expected lever=value")
        try:
            out[key] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = raw.strip()   # a bare word: the type check will name it
    return out
