"""Reading input files: TOML as data (never executed), names resolved to files, one-line errors
that name the file and the key and suggest the closest known name."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

from .. import scenarios as _scenarios
from ..engine.errors import UserError

SCENARIO_DIR = Path(_scenarios.__file__).resolve().parent      # shipped with the package
DESIGN_DIR = Path(__file__).resolve().parents[1] / "designs"


def suggest(key: str, choices) -> str:
    """"; did you mean 'x'?" for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def find(name: str, folder: Path, what: str, hint: str) -> Path:
    """A file given as a path, or as a bare name of a ready-made file in `folder`."""
    path = Path(name)
    if not path.is_file() and (folder / f"{name}.toml").is_file():
        path = folder / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.toml"))
        raise UserError(f"{name}: no such {what} file{suggest(Path(name).stem, known)} ({hint})")
    return path


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read: {e}") from None


def check_keys(path: Path, data: dict, keys: dict) -> None:
    """Every key known (else the closest is suggested) and of its type (bools are not numbers)."""
    for key, value in data.items():
        if key not in keys:
            raise UserError(f"{path}: unknown key '{key}'{suggest(key, keys)}")
        kind = keys[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            want = kind.__name__ if isinstance(kind, type) else "a number"
            raise UserError(f"{path}: {key}: expected {want}, got {type(value).__name__} "
                            f"{value!r}")


def at_least(path: Path, key: str, value, low=1):
    if value < low:
        raise UserError(f"{path}: {key}: expected at least {low}, got {value}")
    return value
