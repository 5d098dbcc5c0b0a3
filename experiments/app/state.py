"""What the workshop's components share: the county of one browser session (County), the
page's reactive state (State), the first session and language, and the few constants every tab
uses."""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import re
import threading

import numpy as np
import solara
import solara.lab

from ..engine import UserError
from ..inputs import scenario as sc
from ..inputs import session as sessions
from ..model import STEPS_PER_YEAR, YEARLY_LEVERS
from ..model.indicators import MONEY_ITEMS
from ..model.run import burn_in_params
from ..present import i18n
from ..present.i18n import t
from ..studies.common import cache_dir, settled

SCALES = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
DEFAULT_SCALE = 0.1
LEVERS = sessions.LEVERS
# the money meter's series: public money by item and in all (yuan a year), cadre hours on
# administration (a serving cadre's week, the county's year)
MONEY_SHOWN = (*MONEY_ITEMS, "public_yuan", "admin_hours_per_cadre", "admin_hours_per_year")


def _fmt(v) -> str:
    return f"{v:d}" if isinstance(v, int) else f"{v:g}"


def file_name(*words: str, ext: str = "") -> str:
    """A download's or saved session's name from its words (scenario titles, what it is, a
    date), joined by '-': whatever a name typed or shipped holds, characters no file system
    or browser takes (/ \\ : * ? " < > | and control characters) are dropped, spaces become
    '_', no leading dot, at most 80 characters before the extension."""
    joined = "-".join(w.strip() for w in words if w and w.strip())
    kept = "".join(ch for ch in joined if ch.isprintable() and ch not in '/\\:*?"<>|')
    kept = re.sub(r"\s+", "_", kept).lstrip(".-_")[:80].rstrip(".")
    return f"{kept}.{ext}" if ext and kept else kept


def read_only() -> bool:
    """`juwei app --read-only` (JUWEI_READ_ONLY): the page touches no server file on a
    browser's behalf (no session saved, listed, loaded or uploaded, no comparison run, no file
    of the results store sent); exploring the county in memory stays."""
    return os.environ.get("JUWEI_READ_ONLY") == "1"


def refuse_in_read_only(what: str) -> None:
    """The server's own refusal, whatever the page shows: a UserError in read-only mode."""
    if read_only():
        raise UserError(f"read-only mode: {what} is not allowed on this server")


# --- the county of one browser session ------------------------------------------------------
@functools.cache
def load_scenario(name: str) -> sc.Scenario:
    """A shipped scenario, on the county `juwei app --county FILE` chose (if any); read once
    per server, since titles, sliders and the status line ask for it at every redraw."""
    s = sc.load(name)
    return s.with_county(os.environ["JUWEI_COUNTY"]) if os.environ.get("JUWEI_COUNTY") else s


class County:
    """One county under a scenario and lever values, switched on after the burn-in under the
    baseline's levers (ODD §7.1), so the workshop sees the scenario act on a county that has
    settled, as a comparison does; a lock keeps stepping and mid-run lever changes apart."""

    def __init__(self, scenario: str, lever_values: dict, scale: float, seed: int,
                 assumptions: dict | None = None):
        self.scenario = load_scenario(scenario)
        self.levers, self.scale, self.seed = dict(lever_values), scale, seed
        params = self.params(self.scenario, lever_values, scale, assumptions)
        self.settled = settled(burn_in_params(params), seed, self.scenario.county, cache_dir(),
                               store=not read_only())   # read-only: the cache is only read
        self.model = pickle.loads(self.settled)
        # the settled county's last year under the baseline's levers: what the money meter
        # compares with (the model's own accounts, indicators.public_money)
        self.before = {k: float(np.mean(self.model.series[k][-STEPS_PER_YEAR:]))
                       for k in MONEY_SHOWN}
        self.model.switch(params, keep_year_before=False)
        self.lock = threading.Lock()
        self.applied: list[tuple[str, object, int]] = []     # (lever, value, from week)
        self.twin_model = None
        self.twin_params = dataclasses.replace(load_scenario("baseline").params, scale=scale,
                                               **(assumptions or {}))

    def differs(self) -> bool:
        """Whether this county runs otherwise than the baseline would (another scenario, or a
        lever moved)."""
        return self.scenario.name != "baseline" or bool(self.applied) or any(
            getattr(self.model.p, k) != getattr(self.twin_params, k) for k in self.levers)

    def twin(self, name: str) -> np.ndarray:
        """The baseline on the same settled county and random numbers, run as far as this
        county (presenter mode's faint line): `name`'s series so far."""
        with self.lock:
            if self.twin_model is None:
                self.twin_model = pickle.loads(self.settled)
                self.twin_model.switch(self.twin_params, keep_year_before=False)
            m = self.twin_model
            while max(0, m.steps - m.warm_up_weeks) < self.week:
                m.step()
            return m.series[name][:self.week]

    @staticmethod
    def params(scenario: sc.Scenario, lever_values: dict, scale: float,
               assumptions: dict | None = None):
        """The scenario's parameters with the sliders' levers, the scale and any changed
        assumptions: exactly the scenario's own when the sliders show its values."""
        return dataclasses.replace(scenario.params, scale=scale, **(assumptions or {}),
                                   **lever_values)

    @property
    def horizon(self) -> int:
        return len(self.model.series["htc_index"])

    @property
    def week(self) -> int:
        """Weeks shown so far (after the warm-up)."""
        m = self.model
        return max(0, min(m.steps - m.warm_up_weeks, self.horizon))

    def step(self, weeks: int = 1) -> None:
        with self.lock:
            for _ in range(min(weeks, self.horizon - self.week)):
                self.model.step()

    def set_lever(self, name: str, value) -> int:
        """Apply a lever from the next week (YEARLY_LEVERS: the next budget year); return the
        week from which it acts."""
        with self.lock:
            self.model.set_params(dataclasses.replace(self.model.p, **{name: value}))
            self.levers[name] = value
            week = self.week
            if name in YEARLY_LEVERS:
                week = -(-week // STEPS_PER_YEAR) * STEPS_PER_YEAR
            self.applied.append((name, value, week + 1))
            return week + 1

    def latest(self, name: str) -> float:
        """The last week's value (money: the yearly rate the week's accounts give); read under
        the lock, so a week being stepped is not read before its values are written."""
        with self.lock:
            t = self.week
            return float(self.model.series[name][t - 1]) if t else float("nan")

    def recent(self, name: str, weeks: int = 4) -> float:
        with self.lock:
            t = self.week
            return float(np.mean(self.model.series[name][max(0, t - weeks):t])) if t else \
                float("nan")


def said(message, lang: str) -> str:
    """A status line in `lang`. Lines are kept as (catalogue key, fields), a field possibly a
    function of the language (a scenario's title, a lever's label), not as text: a switch of
    language then re-words them instead of leaving them in the old language."""
    if not message:
        return ""
    if isinstance(message, str):
        return message
    key, fields = message
    return t(key, lang, **{k: v(lang) if callable(v) else v for k, v in fields.items()})


def refusal(error: Exception):
    """A refused input as a status line's field: its kind said in the page's language, then
    the message (i18n.error_line), re-worded when the language changes."""
    text = str(error)                   # not the exception: its frames may hold tables
    return lambda lang: i18n.error_line(text, lang, lead=False)


# --- state shared by the components of one page ---------------------------------------------
@dataclasses.dataclass
class State:
    lang: solara.Reactive
    scenario: solara.Reactive
    levers: solara.Reactive
    scale: solara.Reactive
    seed: solara.Reactive
    county: solara.Reactive
    week: solara.Reactive
    playing: solara.Reactive
    notice: solara.Reactive
    assumptions: solara.Reactive
    presenter: solara.Reactive      # presenter mode on the projector
    zoom: solara.Reactive           # presenter mode's font size, a factor

    def tr(self, key: str, **fields) -> str:
        return t(key, self.lang.value, **fields)

    def say(self, key: str, **fields) -> None:
        """Set the page's note (`said`: kept as key and fields, worded when shown)."""
        self.notice.set((key, fields))

    def titled(self, name: str):
        """A scenario's title as a field of a kept line: worded in the language shown."""
        def title(lang: str) -> str:
            try:
                return i18n.scenario_title(load_scenario(name), lang)
            except UserError:
                return name
        return title

    def title(self, name: str) -> str:
        try:
            return i18n.scenario_title(load_scenario(name), self.lang.value)
        except UserError:
            return name

    def rebuild(self) -> None:
        self.playing.set(False)
        self.county.set(County(self.scenario.value, self.levers.value, self.scale.value,
                               self.seed.value, self.assumptions.value))
        self.week.set(self.county.value.week)

    def session(self) -> sessions.Session:
        return sessions.Session(self.scenario.value, dict(self.levers.value), self.seed.value,
                                self.scale.value, self.lang.value)

    def restore(self, s: sessions.Session) -> None:
        self.assumptions.set({})                # a session holds levers, not assumptions
        self.lang.set(s.language)
        self.scenario.set(s.scenario)
        self.levers.set(dict(s.levers))
        self.scale.set(s.scale)
        self.seed.set(s.seed)
        self.rebuild()

    def modified(self) -> dict:
        """Levers that differ from the chosen scenario's values."""
        base = load_scenario(self.scenario.value).params
        return {k: v for k, v in self.levers.value.items() if v != getattr(base, k)}


def initial_session() -> sessions.Session:
    """`juwei app --session FILE` (checked by the CLI), else the baseline in the --lang."""
    path = os.environ.get("JUWEI_SESSION")
    if path:
        return sessions.load(path)
    return sessions.of_scenario(sc.load("baseline"), scale=DEFAULT_SCALE)


def initial_lang(chosen: str | None) -> str:
    """--lang, else the browser's Accept-Language, else Chinese."""
    if os.environ.get("JUWEI_LANG") in i18n.LANGS:
        return os.environ["JUWEI_LANG"]
    if chosen:
        return chosen
    headers = solara.lab.headers.value or {}
    asked = headers.get("accept-language") or headers.get("Accept-Language") or [""]
    return i18n.pick(asked[0] if isinstance(asked, list) else asked)
