"""The comparison report: one self-contained HTML page, in English or Chinese (`lang`).

Every visible word comes from the catalogues' [report] and [sure] sections (i18n.t); indicator,
lever and scenario names from i18n. The figures are PNGs in the page's language when a font with
Chinese glyphs is found (figures.cjk_font), else in English; the captions under them are in the
page's language.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from ..model import (HEADLINE, INDICATORS, OUTCOMES, SYNDROME_THRESHOLD, Syndrome, describe,
                     syndrome)
from ..model.indicators import MONEY_ITEMS
from . import i18n
from .html import CSS, fmt, footer, img, interval
from .stats import (COST_EFFECTS, MIN_REPLICATES, definition_marks, how_sure, outcome_ranking,
                    scenario_changes, shown_indicators, significant, switched_in)

PROCESS = {"H": "htc_H", "T": "htc_T", "index": "htc_index"}   # the syndrome table's columns

COST_YUAN = [*MONEY_ITEMS, "public_yuan", "extra_yuan"]
COST_HOURS = ["admin_hours_freed_per_year", "admin_hours_freed_per_cadre_week"]
COST_PER_10K = [f"per_10k_{k}" for k in COST_EFFECTS]
CJK = re.compile(r"[\u3400-\u9fff\uff08-\uff1f、，。：；“”‘’→·]+")


def _verdict(table: pd.DataFrame, scenario: str) -> Syndrome:
    return syndrome(table[table.scenario == scenario].set_index("indicator")["mean"])


def verdict_word(v: Syndrome, lang: str) -> str:
    """The verdict in words, naming the parts still above the threshold (i18n.syndrome_word),
    in a span of its kind's class."""
    kind, word = i18n.syndrome_word(v, lang)
    return f"<span class='{kind}'>{html.escape(word)}</span>"


def sure_word(r, lang: str) -> str:
    """How sure a row's paired difference is, in words (stats.how_sure: the one rule)."""
    s = how_sure(r)
    return f"<span class='sure-{s.key}'>{html.escape(i18n.sure_word(s, lang))}</span>"


def still_sentence(table: pd.DataFrame, alts: list[str], lang: str) -> str:
    """How many alternatives leave the syndrome standing, said naturally (none, all, k of n)."""
    still = sum(_verdict(table, a).present for a in alts)
    key = "still_none" if still == 0 else "still_all" if still == len(alts) else "still_some"
    return i18n.t(f"report.{key}", lang, still=still, n=len(alts))


def too_few_note(table: pd.DataFrame, lang: str) -> str:
    """One paragraph when the comparison has too few runs for the rule, else nothing."""
    note = i18n.too_few_note(table, lang)
    return f"<p class='flag'>{html.escape(note)}</p>" if note else ""


def cost_label(column: str, lang: str) -> str:
    """A cost column's heading from the [cost] catalogue, else the column's name."""
    key = f"cost.{column}"
    return i18n.t(key, lang) if i18n.has(key, lang) or i18n.has(key, "en") else column


def scenario_text(s, lang: str) -> str:
    """What a scenario is, in `lang`; in Chinese without a description_zh, the essay's terms
    that its English description quotes (e.g. 政事分离), else nothing."""
    text = i18n.scenario_description(s, lang)
    if lang != "en" and text == s.description:
        return "、".join(t.strip("（）()、，。：；") for t in CJK.findall(text)
                        if re.search(r"[\u3400-\u9fff]", t)) or "—"
    return text


def scenario_cell(s, lang: str) -> str:
    """The scenario's title in `lang`, and in English its file name under it when they differ
    (the Chinese report is read by officials: names, not keys)."""
    title = i18n.scenario_title(s, lang)
    return (f"<b>{html.escape(title)}</b>" + (f"<br><span class='muted'>{html.escape(s.name)}"
                                              "</span>" if title != s.name and lang == "en"
                                              else ""))


def indicator_cell(name: str, lang: str) -> str:
    shown, _, _ = i18n.indicator(name, lang)
    return name if lang == "en" else html.escape(shown)      # in Chinese: names, not keys


def dagger(marked: bool) -> str:
    return "<sup>†</sup>" if marked else ""


def dagger_notes(marks: dict, scenarios: list[str], indicators, title: dict, lang: str) -> str:
    """One paragraph naming, per scenario, the indicators marked † and the levers that enter
    their definitions; empty when nothing is marked."""
    colon, semi, comma, open_, close = ((": ", "; ", ", ", " (", ")") if lang == "en"
                                        else ("：", "；", "、", "（", "）"))
    lines = []
    for s in scenarios:
        parts = [html.escape(i18n.indicator(k, lang)[0]) + open_
                 + comma.join(html.escape(i18n.lever(describe(v), lang)["label"])
                              for v in marks[(s, k)]) + close
                 for k in indicators if (s, k) in marks]
        if parts:
            lines.append(html.escape(title.get(s, s)) + colon + semi.join(parts))
    return (f"<p class='muted'>{i18n.t('report.dagger', lang)} " + " · ".join(lines) + "</p>"
            if lines else "")


def ranking_table(ranking: pd.DataFrame, marks: dict, title: dict, lang: str,
                  table_class: str = "", codes: bool = True) -> str:
    """The ranking's table (stats.outcome_ranking): position, scenario, each outcome's rank (†
    where a lever the alternative changes enters its definition: `marks`,
    stats.definition_marks), the mean rank and the extra money (yuan a year, as in every
    table). One rendering for the report and the workshop page (`table_class` its look;
    `codes`: the indicators' codes under their Chinese names, as the report has them)."""
    e = html.escape

    def R(key, **fields):
        return i18n.t(f"report.{key}", lang, **fields)

    def head(o):
        return indicator_cell(o, lang) if codes else e(i18n.indicator(o, lang)[0])

    out = [f"<table class='{table_class}'><tr><th>{R('th_position')}</th><th>{R('th_scenario')}"
           "</th>" + "".join(f"<th>{head(o)}</th>" for o in OUTCOMES)
           + f"<th>{R('th_mean_rank')}</th><th>{e(cost_label('extra_yuan', lang))}</th></tr>"]
    for r in ranking.to_dict("records"):
        s = r["scenario"]
        extra = "—" if pd.isna(r["extra_yuan"]) else f"{r['extra_yuan']:+,.0f}"
        out.append(f"<tr><td class='num'>{r['position']}</td><td>{e(title.get(s, s))}</td>"
                   + "".join(f"<td class='num'>{r['rank_' + o]:g}{dagger((s, o) in marks)}</td>"
                             for o in OUTCOMES)
                   + f"<td class='num'><b>{r['mean_rank']:.2f}</b></td>"
                   f"<td class='num'>{extra}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def ranking_section(ranking: pd.DataFrame, marks: dict, base: str, title: dict, lang: str
                    ) -> str:
    """The headline ranking on the outcomes (ranking_table), with its note and the † notes."""
    note = i18n.t("report.ranking_note", lang, base=html.escape(title.get(base, base)),
                  k=len(OUTCOMES))
    return "\n".join([f"<h2>{i18n.t('report.ranking_h', lang)}</h2><p>{note}</p>",
                      ranking_table(ranking, marks, title, lang),
                      dagger_notes(marks, list(ranking.scenario), OUTCOMES, title, lang)])


def mechanism_notes(scenarios, lang: str = "en", titles: dict | None = None) -> list[str]:
    """A scenario that switches a mechanism on or off against the base (first) measures the
    mechanism with its levers, not the levers alone: one note each in `lang` (the terminal and
    the report), saying how to compare remedies under the mechanism instead."""
    from ..model.params import FIELDS, switch_of
    switches = sorted({switch_of(k) for k in FIELDS} - {""})
    base = scenarios[0].params
    return [i18n.t("report.mechanism_note", lang, scenario=(titles or {}).get(s.name, s.name),
                   switch=k, value=getattr(s.params, k), base_value=getattr(base, k))
            for s in scenarios[1:] for k in switches
            if getattr(s.params, k) != getattr(base, k)]


def comparison(scenarios, base: str, table: pd.DataFrame, images: dict[str, Path],
               manifest: dict, dropped: list, ensemble: dict | None = None,
               lang: str = "en", costs: pd.DataFrame | None = None,
               ranking: pd.DataFrame | None = None, changed: dict | None = None) -> str:
    """The comparison report as one HTML page in `lang` ('en' or 'zh'). `changed` (scenario ->
    levers set otherwise than the base) and `ranking` (stats.outcome_ranking) are worked out
    here when not given."""
    e = html.escape
    changed = changed if changed is not None else scenario_changes(scenarios, base)
    if ranking is None:
        ranking = outcome_ranking(table, base, changed, costs)
    marks = definition_marks({*HEADLINE, *OUTCOMES, *PROCESS.values()}, changed)

    def R(key, **fields):
        return i18n.t(f"report.{key}", lang, **fields)

    names = [s.name for s in scenarios]
    by_name = {s.name: s for s in scenarios}
    title = {n: i18n.scenario_title(by_name[n], lang) for n in names}
    alts = [n for n in names if n != base]
    design = manifest["design"]
    county = (design.get("county", "") if design.get("county_file") else R("essay_county"))
    notes = mechanism_notes(scenarios, lang, title)
    out = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
           f"<title>{e(R('page_title', base=title[base]))}</title><style>{CSS}</style></head>"
           "<body>",
           "<h1>" + (R("h1_one", base=e(title[base])) if len(alts) == 1 else
                     R("h1", base=e(title[base]), n=len(alts))) + "</h1>",
           "<p class='muted'>" + R("meta_county", county=e(str(county)))
           + (f" ({e(design['county_file'])})" if design.get("county_file") else "")
           + f" · juwei {e(str(manifest['code'].get('juwei')))} · "
           + R("meta_replicates", replicates=design["replicates"])
           + (R("meta_draws", draws=design["ensemble_draws"]) if design.get("ensemble_draws")
              else "")
           + " · " + R("meta_design", scale=design["scale"], years=design["years"],
                       seed=design["seed"])
           + f" · {manifest.get('finished', '')}</p>"]

    # headline paragraph
    v = _verdict(table, base)
    best = ranking.iloc[0] if len(ranking) > 1 else None   # one alternative ranks first alone
    out.append(f"<h2>{R('in_short')}</h2><p>")
    out.append(R("verdict_base", base=e(title[base]), word=verdict_word(v, lang),
                 H=f"{v.H:.2f}", T=f"{v.T:.2f}", C=f"{v.C:.2f}",
                 threshold=f"{SYNDROME_THRESHOLD:g}") + ("" if lang == "zh" else " "))
    if best is not None:
        out.append(R("best", scenario=f"<b>{e(title[best.scenario])}</b>", k=len(OUTCOMES),
                     rank=f"{best.mean_rank:.2f}", n=len(alts))
                   + still_sentence(table, alts, lang))
    out.append("</p>")
    if dropped:
        out.append(f"<p class='flag'>{R('dropped', dropped=dropped)}</p>")
    out += [f"<p class='flag'>{e(note)}</p>" for note in notes]

    # scenarios
    out.append(f"<h2>{R('scenarios_h')}</h2><table><tr><th>{R('th_scenario')}</th>"
               f"<th>{R('th_what')}</th><th>{R('th_levers')}</th></tr>")
    for s in scenarios:
        changes = "; ".join(lever_change(k, v, lang)
                            for k, v in s.changes.items() if k not in ("scale", "years"))
        out.append(f"<tr><td>{scenario_cell(s, lang)}</td><td>{e(scenario_text(s, lang))}"
                   f"</td><td>{changes or R('none')}</td></tr>")
    out.append("</table>")

    # syndrome
    out.append(f"<h2>{R('syndrome_h')}</h2>")
    out.append(f"<figure>{img(images['htc'])}<figcaption>"
               f"{R('htc_caption', threshold=f'{SYNDROME_THRESHOLD:g}')}</figcaption></figure>")
    out.append(f"<table><tr><th>{R('th_scenario')}</th><th>H</th><th>T</th><th>C</th>"
               f"<th>{R('th_index')}</th><th>{R('th_syndrome')}</th></tr>")
    for n in names:
        v = _verdict(table, n)
        out.append(f"<tr><td>{scenario_cell(by_name[n], lang)}</td>" + "".join(
            f"<td class='num'>{getattr(v, k):.2f}{dagger((n, PROCESS.get(k)) in marks)}</td>"
            for k in ("H", "T", "C", "index"))
            + "<td>" + verdict_word(v, lang)
            + ("" if lang == "zh" else f" · {verdict_word(v, 'zh')}") + "</td></tr>")
    out.append("</table>")
    out.append(dagger_notes(marks, alts, PROCESS.values(), title, lang))
    out.append(f"<p class='muted'>{R('process_note')}</p>")
    if len(alts) > 1:                   # a ranking of one says nothing
        out.append(ranking_section(ranking, marks, base, title, lang))

    if ensemble:
        out.append(ensemble_section(ensemble, base, alts, design, lang, title))

    # differences
    out.append(f"<h2>{R('differences_h', base=e(title[base]))}</h2>")
    out.append(too_few_note(table, lang))
    out.append(f"<figure>{img(images['differences'])}<figcaption>{R('differences_caption')}"
               "</figcaption></figure>")
    out.append(f"<table><tr><th>{R('th_indicator')}</th><th>{R('th_scenario')}</th>"
               f"<th>{R('th_change')}</th><th>{R('th_interval')}</th><th>{R('th_sure')}</th>"
               f"<th>{R('th_relative')}</th><th>{R('th_d')}</th></tr>")
    shown = shown_indicators(table, switched_in(scenarios))
    for name in shown:
        for a in alts:
            r = table[(table.indicator == name) & (table.scenario == a)].iloc[0]
            s = how_sure(r)
            rel = "—" if r.relative is None or pd.isna(r.relative) else f"{r.relative:+.0%}"
            out.append(f"<tr><td>{indicator_cell(name, lang)}</td><td>{e(title[a])}</td>"
                       f"<td class='num sure-{s.key}'>{r['diff']:+.3f}"
                       f"{dagger((a, name) in marks)}</td><td class='num'>"
                       f"{interval(s.low, s.high)}</td><td>{sure_word(r, lang)}</td>"
                       f"<td class='num'>{rel}</td><td class='num'>{fmt(r.cohens_d, 2)}</td>"
                       "</tr>")
    out.append("</table>")
    out.append(dagger_notes(marks, alts, shown, title, lang))

    if costs is not None and len(costs):
        out.append(cost_section(costs, names, title, lang))

    # over time
    out.append(f"<h2>{R('over_time_h')}</h2>")
    out.append(f"<figure>{img(images['series'])}<figcaption>{R('series_caption')}"
               "</figcaption></figure>")

    # all indicators
    out.append(f"<h2>{R('all_h')}</h2><p class='muted'>{R('all_note', min=MIN_REPLICATES)}</p><table><tr>"
               f"<th>{R('th_indicator')}</th><th>{R('th_unit')}</th>"
               + "".join(f"<th>{e(title[n])}</th>" for n in names) + "</tr>")
    for name in INDICATORS:
        shown, meaning, unit = i18n.indicator(name, lang)
        cells = []
        for n in names:
            r = table[(table.indicator == name) & (table.scenario == n)].iloc[0]
            cls = (f" class='num sure-{how_sure(r).key}'" if n != base else " class='num'")
            digits = 0 if abs(r["mean"]) >= 1000 else 3        # yuan, hours a year: whole
            # a level's interval only from MIN_REPLICATES runs, as its change's (how_sure)
            units = r["units"] if "units" in r and pd.notna(r["units"]) else r.get("n", 0)
            shown_ci = (interval(r.ci95_low, r.ci95_high, digits) if units >= MIN_REPLICATES
                        else "—")
            cells.append(f"<td{cls}>{fmt(r['mean'], digits)}<br><span class='muted'>"
                         f"{shown_ci}</span></td>")
        head = (f"{name} · {INDICATORS[name].zh}" if lang == "en"
                else e(shown))
        out.append(f"<tr><td title='{e(meaning)}'>{head}<br><span class='muted'>"
                   f"{e(meaning)}</span></td><td>{e(unit)}</td>" + "".join(cells) + "</tr>")
    out.append("</table>")

    # reading and caveats
    draws = design.get("ensemble_draws")
    out.append(f"<h2>{R('read_h')}</h2><ul><li>{R('read_crn')}</li><li>"
               + (R("read_boot_draws", draws=draws, replicates=design["replicates"]) if draws
                  else R("read_boot", replicates=design["replicates"]))
               + R("read_d") + f"</li><li>{i18n.t('sure.rule', lang, min=MIN_REPLICATES)}</li>"
               f"<li>{R('read_odd')}</li></ul>")
    out.append(footer(manifest, lang))
    return "\n".join(out)


def lever_change(name: str, value, lang: str) -> str:
    """'lever baseline → value (unit)' in `lang`."""
    r = describe(name)
    shown = i18n.lever(r, lang)
    if lang == "en":
        return (f"{name} {r['baseline']} → {value} <span class='muted'>"
                f"({html.escape(r['zh'] or r['unit'])})</span>")
    return (f"{html.escape(shown['label'])} {r['baseline']} → {value} <span class='muted'>"
            f"({html.escape(shown['unit_shown'])})</span>")


def cost_section(costs: pd.DataFrame, names: list[str], title: dict, lang: str) -> str:
    """Public money a year by item, the extra over the base, cadre hours freed, and the effect
    per 10,000 extra yuan: one row per scenario."""
    e = html.escape
    c = costs.set_index("scenario")
    rows = [n for n in names if n in c.index]

    def number(x, show):
        return "—" if x is None or pd.isna(x) else show(x)

    def block(columns, show):
        columns = [k for k in columns if k in c.columns]
        if not columns:
            return ""
        out = [f"<table><tr><th>{i18n.t('report.th_scenario', lang)}</th>"
               + "".join(f"<th>{e(cost_label(k, lang))}</th>" for k in columns) + "</tr>"]
        for n in rows:
            out.append(f"<tr><td>{e(title[n])}</td>" + "".join(
                f"<td class='num'>{number(c.at[n, k], show)}</td>" for k in columns) + "</tr>")
        return "".join(out) + "</table>"

    return (f"<h2>{i18n.t('report.cost_h', lang)}</h2><p class='muted'>"
            f"{i18n.t('report.cost_note', lang)}</p>"
            + block(COST_YUAN, lambda x: f"{x:,.0f}") + block(COST_HOURS, lambda x: f"{x:,.1f}")
            + block(COST_PER_10K, lambda x: significant(x, 2, signed=True)))


ENSEMBLE_FEW_DRAWS = 10    # fewer posterior draws: rough ranges, probabilities in coarse steps


def ensemble_section(ensemble: dict, base: str, alts: list[str], design: dict,
                     lang: str = "en", title: dict | None = None) -> str:
    """Effects over the posterior ensemble: how sure, which unknown, which remedy ranks first."""
    e = html.escape
    title = title or {}

    def R(key, **fields):
        return i18n.t(f"report.{key}", lang, **fields)

    def name(s):
        return e(title.get(s, s))

    effects, breaks, ranks = ensemble["effects"], ensemble["syndrome"], ensemble["ranks"]
    k = design["ensemble_draws"]
    out = [f"<h2>{R('ens_h', k=k)}</h2>",
           "<p>" + R("ens_intro", k=k, ensemble=f"<code>{e(design['ensemble'])}</code>",
                     replicates=design["replicates"]) + "</p>"]
    if k < ENSEMBLE_FEW_DRAWS:              # shares move in steps of 1/k: say so first
        out.append(f"<p class='flag'>{R('ens_few', k=k, min=ENSEMBLE_FEW_DRAWS)}</p>")
    b = breaks.set_index("scenario").p_syndrome_absent
    first = ranks[ranks.indicator == "htc_index"].set_index("scenario")[1]   # rank 1
    out.append(f"<table><tr><th>{R('th_scenario')}</th><th>{R('th_p_absent')}</th>"
               f"<th>{R('th_ranks_first')}</th></tr>")
    out.append(f"<tr><td>{name(base)}</td><td class='num'>{b[base]:.0%}</td><td></td></tr>")
    htc = effects[effects.indicator == "htc_index"].set_index("scenario").effect
    for a in sorted(alts, key=lambda a: (-first.get(a, 0), htc.get(a, 0))):
        out.append(f"<tr><td>{name(a)}</td><td class='num'>{b[a]:.0%}</td>"
                   f"<td class='num'>{first.get(a, 0):.0%}</td></tr>")
    out.append("</table>")
    best = max(alts, key=lambda a: first.get(a, 0))
    out.append("<p>" + R("ens_best", best=name(best), share=f"{first.get(best, 0):.0%}")
               + "</p>")
    out.append(f"<table><tr><th>{R('th_indicator')}</th><th>{R('th_scenario')}</th>"
               f"<th>{R('th_effect')}</th><th>{R('th_range')}</th><th>{R('th_constants')}</th>"
               f"<th>{R('th_p_improves')}</th></tr>")
    for _, r in effects.iterrows():
        share = "—" if r.parametric_share is None or pd.isna(r.parametric_share) \
            else f"{r.parametric_share:.0%}"
        out.append(f"<tr><td>{indicator_cell(r.indicator, lang)}</td><td>{name(r.scenario)}"
                   f"</td><td class='num'>{r.effect:+.3f}</td><td class='num'>"
                   f"{interval(r.draws_low, r.draws_high)}</td><td class='num'>{share}</td>"
                   f"<td class='num'>{r.p_improves:.0%}</td></tr>")
    out.append(f"</table><p class='muted'>{R('ens_note')}</p>")
    return "\n".join(out)
