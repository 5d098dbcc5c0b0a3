"""The words a person reads, in Chinese and English: one catalogue per language
(catalogue/zh.toml, catalogue/en.toml), shared by the workshop app and the reports.

Names and meanings of levers and indicators in English come from the schema and the indicator
table (where they are defined); their Chinese names too (`zh`), and their Chinese meanings and
units from the zh catalogue. A key missing from a catalogue falls back to English at run time
and fails the catalogue test (tests/test_i18n.py).
"""

from __future__ import annotations

import numbers
import re
import tomllib
from functools import cache
from pathlib import Path

from ..inputs.session import LANGS

DEFAULT_LANG = LANGS[0]        # the workshop's officials read Chinese
HERE = Path(__file__).resolve().parent / "catalogue"


@cache
def catalogue(lang: str) -> dict:
    """The flat catalogue of `lang`: dotted key -> text."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    with open(HERE / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def _flatten(table: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        out.update(_flatten(v, key + ".") if isinstance(v, dict) else {key: v})
    return out


# the nouns the English catalogue counts after a field: "{years} years" with years = 1 reads
# "1 year" (an adjective between them is kept: "1 posterior draw", "1 settling year")
_COUNTED = (r"(?:(year|replicate|scenario|draw|run|week|lever|objective|generation|package"
            r"|seed|alternative|committee|sample|point|pair|dose|outcome|model|unit|constant"
            r"|target|wave|township)s|remedies)\b")


def _agree(text: str, fields: dict) -> str:
    """The English template `text` with each counted noun right after a field that is 1 made
    singular; only the template's own words change, never a field's text."""
    for name, value in fields.items():
        if isinstance(value, bool) or not (isinstance(value, numbers.Integral) and value == 1
                                            or value == "1"):
            continue
        text = re.sub(r"(\{" + re.escape(name) + r"(?:![rsa])?(?::[^{}]*)?\} (?:[a-z]+ )?)"
                      + _COUNTED, lambda m: m.group(1) + (m.group(2) or "remedy"), text)
    return text


def t(key: str, lang: str = DEFAULT_LANG, **fields) -> str:
    """The text of `key` in `lang`, with {fields} filled in (English if `lang` lacks it)."""
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en").get(key)
        if text is None:
            raise KeyError(f"no text {key!r} in the catalogue")
    if not fields:
        return text
    if lang == "en" or not has(key, lang):
        text = _agree(text, fields)
    return text.format(**fields)


def has(key: str, lang: str = "en") -> bool:
    return key in catalogue(lang)


def pick(accept_language: str | None, default: str = DEFAULT_LANG) -> str:
    """The language a browser asks for first among ours (an HTTP Accept-Language header)."""
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGS and weight > 0:
            ranked.append((-weight, i, code))
    return min(ranked)[2] if ranked else default


def unit(text: str, lang: str = DEFAULT_LANG) -> str:
    """A unit as shown ('hours/week' -> '小时/周' in Chinese)."""
    return catalogue(lang).get(f"unit.{text}", text) if lang != "en" else text


def lever(r: dict, lang: str = DEFAULT_LANG) -> dict:
    """A lever's (or constant's) row from the schema with name, meaning and unit in `lang`."""
    if lang == "en":
        return {**r, "label": r["name"].replace("_", " "), "meaning_shown": r["meaning"],
                "unit_shown": r["unit"]}
    meaning = catalogue(lang).get(f"lever.{r['name']}", r["meaning"])
    return {**r, "label": r["zh"] or meaning, "meaning_shown": meaning,
            "unit_shown": unit(r["unit"], lang)}


def indicator(name: str, lang: str = DEFAULT_LANG) -> tuple[str, str, str]:
    """(name, meaning, unit) of an indicator in `lang`."""
    from ..model.indicators import INDICATORS
    unit_, meaning, zh, _ = INDICATORS[name]
    if lang == "en":
        return name.replace("_", " "), meaning, unit_
    return zh, catalogue(lang).get(f"indicator.{name}", meaning), unit(unit_, lang)


def words(text: str) -> set[str]:
    """The English words of a text (for the no-English-in-Chinese check)."""
    return set(re.findall(r"[A-Za-z]{3,}", text))


def scenario_title(s, lang: str = DEFAULT_LANG) -> str:
    """A scenario's title in `lang` (its file's title_zh / title_en), else its name."""
    return getattr(s, f"title_{lang}", "") or getattr(s, "title_en", "") or s.name


def scenario_description(s, lang: str = DEFAULT_LANG) -> str:
    """A scenario's description in `lang` (description_zh in Chinese), else the English one."""
    return (getattr(s, "description_zh", "") if lang == "zh" else "") or s.description


def sure_word(s, lang: str = DEFAULT_LANG, needed: bool = True) -> str:
    """A change's sureness (a stats.Sure) in words, the same on every page: its key's word,
    and, with `needed`, the replicates the rule would need when it cannot tell yet."""
    word = t(f"sure.{s.key}", lang)
    if needed and s.needed and s.key in ("unclear", "too_few"):
        open_, close = ("（", "）") if lang == "zh" else (" (", ")")
        key = "sure.needed_draws" if s.unit == "draw" else "sure.needed"
        word += open_ + t(key, lang, n=s.needed) + close
    return word


def too_few_note(table, lang: str = DEFAULT_LANG) -> str:
    """The line said once when a comparison has too few independent units for the rule of how
    sure ("" when it has enough): replicates, or in an ensemble posterior draws (each with its
    replicates one unit), where more replicates do not help but more draws do."""
    from .stats import MIN_REPLICATES
    units = table["units"].dropna() if "units" in table else ()
    if not len(units) or int(min(units)) >= MIN_REPLICATES:
        return ""
    draws = "unit" in table and (table["unit"] == "draw").any()
    return t("sure.too_few_draws_note" if draws else "sure.too_few_note", lang,
             n=int(min(units)), min=MIN_REPLICATES)


def syndrome_parts(v, lang: str = DEFAULT_LANG) -> str:
    """The names of the syndrome's parts above the threshold (a Syndrome's `above`), joined."""
    names = [t(f"app.htc.{k}.name", lang) for k in v.above]
    return ("、" if lang == "zh" else ", ").join(names)


def syndrome_word(v, lang: str = DEFAULT_LANG, short: bool = False) -> tuple[str, str]:
    """A verdict on the syndrome (a Syndrome) for a table: its kind (present, partial: some of
    H, T, C above the threshold but not all, absent: none) and its words, which name the
    parts still above the threshold as the Explore tab's verdict does. `short`: for the
    one-page handout (in English the parts by their letters)."""
    kind = "present" if v.present else "partial" if v.above else "absent"
    if short and kind == "partial":
        parts = syndrome_parts(v, lang) if lang == "zh" else ", ".join(v.above)
        return kind, t("syndrome.partial_short", lang, parts=parts)
    return kind, t(f"syndrome.{kind}", lang, parts=syndrome_parts(v, lang))


def duration(seconds: float, lang: str = DEFAULT_LANG) -> str:
    """About how long, in seconds, minutes or hours (as engine.batch.duration, in `lang`)."""
    if seconds < 90:
        return t("terminal.seconds", lang, n=f"{seconds:.0f}")
    if seconds < 5400:
        return t("terminal.minutes", lang, n=f"{seconds / 60:.0f}")
    return t("terminal.hours", lang, n=f"{seconds / 3600:.1f}")


def place_name(name: str, lang: str = DEFAULT_LANG) -> str:
    """A town's or committee's name as the page shows it, made in this one place: a county file
    names them in English, so in Chinese the name in its brackets ("Xinhua Street (新华街)"),
    else the catalogues' [place] ("Township-4" -> 乡镇社区4, "other towns" -> 其他乡镇), else
    the name as given (a proper name the catalogue does not know)."""
    if lang == "en":
        return name
    bracket = re.search(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)", name)
    if bracket:
        return bracket.group(1).strip()
    numbered = re.fullmatch(r"(.+?)-(\d+)", name)
    if numbered and has(f"place.{numbered.group(1)}", lang):
        return t("place.numbered", lang, town=t(f"place.{numbered.group(1)}", lang),
                 n=numbered.group(2))
    return t(f"place.{name}", lang) if has(f"place.{name}", lang) else name


# the kinds of refused input (engine.UserError's messages), by the words the messages use; they
# are read with the leading file name and every quoted value taken out, so a user's folder
# named "unknown" or a value 'abc' does not decide the kind
ERROR_KINDS = (
    ("range", re.compile(r"is outside|expected at (?:least|most)|expected -?[\d.]+ ?(?:to|-) ?[\d.]|"
                         r"expected a (?:share|probability)|expected low <|must be at least|"
                         r"needs at least|at most \d")),
    ("unknown", re.compile(r"unknown (?:key|parameter|objective|constant|indicator|lever|"
                           r"name|executor|language)|unrecognized argument|names no figure")),
    ("missing", re.compile(r"no such |no shipped |no calibration there|no manifest|"
                           r"no experiment there")),
    ("required", re.compile(r"arguments? (?:is|are) required")),
    ("choice", re.compile(r"expected one of|invalid choice|expected 'en' or|not a lever")),
    ("type", re.compile(r"expected (?:a |an )?(?:whole number|number|finite|string|int\b|float|"
                        r"bool|table|list|dict|name|file name)|got (?:str|bool|list|dict|int)\b")))
_MEANT = re.compile(r"did you mean '([^']+)'")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PATH = re.compile(r"^[^\s:]*[/.\\][^\s:]*: ")            # a leading file or folder name


def error_kind(message: str) -> str:
    """The kind of a refused input (a key of the catalogues' [error]), from its message."""
    said = _PATH.sub("", _QUOTED.sub("", message))         # no file name, no quoted values
    return next((k for k, pattern in ERROR_KINDS if pattern.search(said)), "other")


def error_line(message: str, lang: str, lead: bool = True) -> str:
    """A refused input's line in `lang`: "error: " and the message in English; in Chinese the
    kind of mistake in words (and the closest name, if the message suggests one), then the
    message, which names the file and the key. Without `lead`, for a line that already says
    what failed (the workshop's "会话未载入：…"), no "error" word."""
    if lang == "en" or lang not in LANGS:         # English, or no language given
        return f"{t('error.lead', 'en')}: {message}" if lead else message
    meant = _MEANT.search(message)
    said = t("error." + error_kind(message), lang) + (
        t("error.did_you_mean", lang, name=meant.group(1)) if meant else "")
    return f"{t('error.lead', lang)}（{said}）：{message}" if lead else f"{said}：{message}"
