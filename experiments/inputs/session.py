"""A workshop session as a file (TOML, read as data, never executed): the scenario, every lever,
seed, population scale and language, so a facilitator can prepare a session and reload it in
the room. Also the levers written out as a complete scenario file, which `juwei compare` reads
from any folder (no `extends`)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ..engine.errors import UserError
from ..model import LEVER_GROUPS, Parameters, levers
from . import scenario as sc
from .county import COUNTY_DIR, check_population
from .files import check_keys, one_line, read_toml, suggest

VERSION = 1
LANGS = ("zh", "en")               # the catalogues' languages (present/catalogue), Chinese first
SEEDS = (1, 100)                   # the app's seed slider
KEYS = {"juwei_session": int, "language": str, "scenario": str, "seed": int,
        "scale": (int, float), "levers": dict}
# the workshop runs the shipped county model, its switches as shipped: its levers are those a
# run of it reads
WORKSHOP = Parameters()
LEVERS = [r["name"] for r in levers(LEVER_GROUPS, WORKSHOP)]


@dataclasses.dataclass(frozen=True)
class Session:
    scenario: str = "baseline"
    levers: dict = dataclasses.field(default_factory=dict)   # every lever name -> value
    seed: int = 1
    scale: float = 0.1
    language: str = "zh"


def of_scenario(s: sc.Scenario, **kw) -> Session:
    """A session on a scenario with its own lever values."""
    return Session(scenario=s.name, levers={k: getattr(s.params, k) for k in LEVERS}, **kw)


def dumps(session: Session) -> str:
    lines = ["# juwei workshop session: `juwei app --session FILE`, or load it in the app",
             f"juwei_session = {VERSION}", f"language = {json.dumps(session.language)}",
             f"scenario = {json.dumps(session.scenario)}", f"seed = {session.seed}",
             f"scale = {session.scale!r}", "", "[levers]"]
    lines += [f"{k} = {v!r}" for k, v in session.levers.items()]
    return "\n".join(lines) + "\n"


def load(path: str | Path, origin: str | None = None, raw: bytes | None = None) -> Session:
    """A session file (or its bytes `raw`, as uploaded), validated: unknown keys (with the
    closest), types, ranges and a known scenario; UserError naming the file (or `origin`) and
    the key."""
    path = Path(path)
    where = origin or str(path)
    try:
        data = read_toml(path, raw)
    except UserError as e:
        raise UserError(str(e).replace(str(path), where, 1)) from None
    check_keys(Path(where), data, KEYS, "session")
    if data.get("juwei_session", VERSION) != VERSION:
        raise UserError(f"{where}: juwei_session: expected {VERSION}, got "
                        f"{data['juwei_session']}")
    language = data.get("language", "zh")
    if language not in LANGS:
        raise UserError(f"{where}: language: expected one of {', '.join(LANGS)}, got "
                        f"{one_line(repr(language), 40)}")
    name = data.get("scenario", "baseline")
    known = [s.stem for s in sc.SCENARIO_DIR.glob("*.toml")]
    if name not in known:
        raise UserError(f"{where}: scenario: no shipped scenario {one_line(repr(name), 60)}"
                        f"{suggest(name, known)} (see `juwei scenarios`)")
    seed = data.get("seed", 1)
    if not SEEDS[0] <= seed <= SEEDS[1]:
        raise UserError(f"{where}: seed: expected {SEEDS[0]} to {SEEDS[1]}, got {seed}")
    scale = sc.safe_coerce("scale", data.get("scale", 0.1), f"{where}: scale")
    scenario = sc.load(name)
    check_population(scenario.county, scale, f"{where}: scale")
    base = of_scenario(scenario)
    values = dict(base.levers)
    for key, value in data.get("levers", {}).items():
        if key not in LEVERS:
            raise UserError(f"{where}: levers: unknown lever {one_line(repr(key), 60)}"
                            f"{suggest(key, LEVERS)} (see `juwei levers`)")
        values[key] = sc.safe_coerce(key, value, f"{where}: levers")
    return Session(scenario=name, levers=values, seed=int(seed), scale=float(scale),
                   language=language)


def loads(data: bytes, origin: str) -> Session:
    """A session from an uploaded file's bytes (validated as load does, named `origin`;
    nothing is written)."""
    return load(origin, origin, bytes(data))


def scenario_toml(s: sc.Scenario, lever_values: dict, description: str, title_zh: str,
                  title_en: str) -> str:
    """A complete scenario file: every lever written out, and any other parameter the scenario
    changes from the defaults (not scale or years: those are run options), and a shipped
    county by name when it is not the essay's (a county of one's own is named in a comment:
    a scenario reads counties only beside it or shipped, so it goes with --county FILE).
    `juwei compare baseline FILE` reads it from any folder."""
    changes = {k: v for k, v in s.changes.items() if k not in LEVERS and k not in
               ("scale", "years")}
    out = [f"description = {json.dumps(description, ensure_ascii=False)}",
           f"title_zh = {json.dumps(title_zh, ensure_ascii=False)}",
           f"title_en = {json.dumps(title_en, ensure_ascii=False)}"]
    if s.county_file:
        county = Path(s.county_file).resolve()
        if county.parent == COUNTY_DIR:
            out.append(f"county = {json.dumps(county.stem)}")
        else:
            out.append(f"# county: {json.dumps(str(county))} (run with --county and this file)")
    out += ["", "# every lever (juwei levers)"]
    out += [f"{k} = {lever_values[k]!r}" for k in LEVERS]
    if changes:
        out += ["", f"# other parameters {s.name} changes"]
        out += [f"{k} = {v!r}" for k, v in changes.items()]
    return "\n".join(out) + "\n"
