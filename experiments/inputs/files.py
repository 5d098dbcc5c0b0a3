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


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):        # a name too long, a NUL byte
        return False


def find(name: str, folder: Path, what: str, hint: str) -> Path:
    """A file given as a path, or as a bare name of a ready-made file in `folder`."""
    if "\0" in name or len(name) > 4096:
        raise UserError(f"{one_line(repr(name), 100)}: not a file name")
    path = Path(name)
    if not is_file(path) and is_file(folder / f"{name}.toml"):
        path = folder / f"{name}.toml"
    if not is_file(path):
        known = sorted(p.stem for p in folder.glob("*.toml"))
        raise UserError(f"{one_line(name, 100)}: no such {what} file"
                        f"{suggest(Path(name).stem, known)} ({hint})")
    return path


MAX_BYTES = 1_000_000       # an input file larger than this is refused unread
MAX_DEPTH = 8               # tables and arrays nested deeper than this are refused
MAX_TEXT = 200              # descriptions are cut to this many characters


def one_line(text, limit: int = MAX_TEXT) -> str:
    """Text on one line, cut to `limit` characters (descriptions, names in messages)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _depth(value, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level + 1)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level + 1)
    return level


def read_toml(path: Path) -> dict:
    """A TOML file as data: at most MAX_BYTES, nested at most MAX_DEPTH deep."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise UserError(f"{path}: {size:,} bytes; input files are limited to {MAX_BYTES:,}")
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {one_line(e)}") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read: {one_line(e)}") from None
    if _depth(data) > MAX_DEPTH:
        raise UserError(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def check_keys(path: Path, data: dict, keys: dict) -> None:
    """Every key known (else the closest is suggested) and of its type (bools are not numbers)."""
    for key, value in data.items():
        if key not in keys:
            raise UserError(f"{path}: unknown key {one_line(repr(key), 60)}"
                            f"{suggest(key, keys)}")
        kind = keys[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            want = kind.__name__ if isinstance(kind, type) else "a number"
            raise UserError(f"{path}: {key}: expected {want}, got {type(value).__name__} "
                            f"{one_line(repr(value), 60)}")


def at_least(path: Path, key: str, value, low=1, high=None):
    if value < low:
        raise UserError(f"{path}: {key}: expected at least {low}, got {value}")
    if high is not None and value > high:
        raise UserError(f"{path}: {key}: expected at most {high:,}, got {value:,}")
    return value
