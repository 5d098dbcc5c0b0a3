"""Reading input files: TOML as data (never executed), names resolved to files, one-line errors
that name the file and the key and suggest the closest known name."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from pathlib import Path

from .. import scenarios as _scenarios
from ..engine.errors import UserError, given
from ..engine.reading import read_bytes as _read_bytes

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
    if not is_file(path) and (path / "manifest.json").is_file():
        raise UserError(f"{one_line(name, 100)}: a results folder, not a {what} file; give the "
                        f"{what} (its manifest.json names it) and this folder as --out, with "
                        "--resume to finish it")
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


# tomllib's messages that quote the file's own text (a key, a character), in words of our own
_QUOTING = {"Cannot declare": "a key or table declared twice",
            "Cannot mutate": "a key redefined", "Cannot redefine": "a key redefined",
            "Duplicate inline table key": "a key given twice in an inline table",
            "Illegal character": "an illegal character",
            "Found invalid character": "an invalid character"}


def _toml_error(e: tomllib.TOMLDecodeError) -> str:
    """tomllib's message, never quoting the file: the words and the position only."""
    m = re.fullmatch(r"(.*?)\s*(\((?:at line \d+, column \d+|at end of document)\))?",
                     str(e), re.S)
    words, where = (m.group(1), m.group(2) or "") if m else ("", "")
    for prefix, said in _QUOTING.items():
        if words.startswith(prefix):
            words = said
    return one_line(f"{words} {where}".strip(), 120)


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """An input file's bytes through the engine's one safe reader (engine/reading.py)."""
    return _read_bytes(path, limit)


def read_toml(path: Path, data: bytes | None = None) -> dict:
    """A TOML file as data (its bytes read by read_bytes, unless given): at most MAX_BYTES,
    nested at most MAX_DEPTH deep. Errors never quote the file's text."""
    raw = read_bytes(path) if data is None else data
    if len(raw) > MAX_BYTES:
        raise UserError(f"{path}: over {MAX_BYTES:,} bytes; input files are limited to "
                        f"{MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start:,})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {_toml_error(e)}") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    if _depth(data) > MAX_DEPTH:
        raise UserError(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def refuse_foreign(path, data: dict, known, kind: str, recognised=lambda key, value: False
                   ) -> None:
    """Refuse a file that is not of its `kind`, without quoting it: when some key is neither
    known, nor close to a known one (a misspelling, named with its suggestion later), nor
    `recognised(key, value)`, nothing of the file is shown, not even that key."""
    strange = [k for k, v in data.items() if k not in known and not recognised(k, v)
               and not difflib.get_close_matches(k, list(known), n=1, cutoff=0.6)]
    if strange:
        raise UserError(f"{path}: not a {kind} file: {len(strange)} of its {len(data)} "
                        f"top-level keys {'is' if len(strange) == 1 else 'are'} unknown to a "
                        f"{kind} and not close to a known key (they are not shown)")


def check_keys(path: Path, data: dict, keys: dict, kind: str = "juwei input") -> None:
    """A file of its kind (refuse_foreign), every key known (else the closest is suggested)
    and of its type (bools are not numbers)."""
    refuse_foreign(path, data, keys, kind)
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


def names_overrides(load):
    """A design loader, `load(name, overrides)`, whose refusal of a value the caller gave
    names that option and value (`--replicates 0` in the command, `replicates=0` from
    Python), not the design file it overrode."""
    @functools.wraps(load)
    def loader(name, overrides=None):
        try:
            return load(name, overrides)
        except UserError as e:
            text = str(e)
            for key, value in (overrides or {}).items():
                said = re.match(rf"^.*?: {re.escape(key)}: ", text)
                if value is not None and said:
                    raise UserError(f"{given('--' + key.replace('_', '-'), value)}: "
                                    f"{text[said.end():]}") from None
            raise
    return loader
