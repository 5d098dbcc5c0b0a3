"""The one-page handout of a comparison (handout.html): bilingual, Chinese first and English
beneath, printable on one A4 page for up to about 20 scenarios.

It holds the verdict on the syndrome per scenario, the change of four headline indicators with
how sure each is (†: a lever the scenario changes enters the indicator's definition), the extra
public money and the cadre hours freed (when the comparison has a cost table), the alternatives
in the order of the ranking on the outcomes with their place (when given one), one figure
embedded as a data: URI, and (in English only: the Chinese text is for officials, with no
commands or file names) the command that reproduces it. No outside
requests: fonts are the reader's own (a CJK font is looked for by name), no scripts.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from ..model import OUTCOMES, SYNDROME_THRESHOLD, syndrome
from . import i18n
from .html import SURE_CSS, fmt, img, reproduce
from .stats import (MIN_REPLICATES, WORKSHOP_INDICATORS, definition_marks, how_sure,
                    scenario_changes)

INDICATORS = WORKSHOP_INDICATORS[:4]   # C twice, T once: a fifth column breaks the A4 page
COSTS = [("extra_yuan", "th_extra_yuan", ",.0f"),
         ("admin_hours_freed_per_cadre_week", "th_hours", ",.1f")]

CSS = """
@page{size:A4 portrait;margin:7mm 9mm}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
 "WenQuanYi Micro Hei","SimHei",system-ui,sans-serif;font-size:9pt;line-height:1.1;color:#111;
 margin:0 auto;max-width:192mm}
h1{font-size:12pt;margin:0;line-height:1.2} h1 .en{font-size:10pt;font-weight:normal;display:block}
p{margin:1mm 0} .en{color:#444} .meta{color:#444}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:1.2mm 0;page-break-inside:avoid}
td,th{border:0.5pt solid #999;padding:0 0.7mm;vertical-align:top;overflow-wrap:anywhere}
th{background:#eee;text-align:left;font-weight:600} th .en{font-weight:normal}
col.scenario{width:50mm} col.verdict{width:30mm} col.cost{width:17mm}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.base td{background:#f4f4f4}
.present{color:#a00000;font-weight:600} .absent{color:#065f1b;font-weight:600}
figure{margin:1mm 0} figure img{width:100%;object-fit:contain}
code{font-family:inherit;overflow-wrap:anywhere}
@media print{body{max-width:none}}
""" + SURE_CSS


# the printed width of the page's text (A4 less margins) and the height the figure may take:
# the rest of the page once the table's rows are laid out (measured in Chromium)
PRINT_WIDTH_MM = 190
FIGURE_FONT_PT = 10          # drawn at print size: ≥ 9 pt on paper


def room(alternatives: int) -> float:
    """The figure's height on the page in mm: large with a few scenarios, a strip with 20."""
    return max(32.0, 150 - 6.2 * alternatives)


def figure(table: pd.DataFrame, scenarios, base: str, path: Path,
           ranking: pd.DataFrame | None = None) -> None:
    """The handout's figure, drawn at the size it prints (PRINT_WIDTH_MM x room) so that its
    words stay FIGURE_FONT_PT on paper. With more than a few scenarios the bars are labelled
    by the table's numbers (the ranking's places), which fit where the titles do not."""
    from . import figures
    names = [s.name for s in scenarios]
    alts = [n for n in names if n != base]
    titles = {s.name: i18n.scenario_title(s, "zh") for s in scenarios}
    ticks = None
    if ranking is not None and len(ranking) and len(alts) > 3:
        place = dict(zip(ranking.scenario, ranking.position))
        names = [base, *sorted(alts, key=lambda n: place.get(n, len(names)))]
        ticks = [i18n.t("handout.base_tick", "zh") if n == base else str(place.get(n, "?"))
                 for n in names]
    inch = 25.4
    figures.plot_htc(table, names, path, lang="zh", titles=titles, ticks=ticks,
                     size=(PRINT_WIDTH_MM / inch, room(len(alts)) / inch),
                     fontsize=FIGURE_FONT_PT, title=False)


def breakable(english: str) -> str:
    """A narrow column head's English as HTML whose long words break between syllables (a
    soft hyphen before its last consonant between vowels: partici-pation), not at any letter
    (participatio/n). No more break points: one more line pushes twenty scenarios onto a
    second page."""
    def word(w: str) -> str:       # the last break point only: one more line at most
        if len(w) < 12:
            return w
        at = [m.start() for m in re.finditer(r"(?<=[aeiou])(?=[b-df-hj-np-tv-z][aeiou])",
                                             w[:-3])]
        return w if not at else w[:at[-1]] + "\u00ad" + w[at[-1]:]
    text = re.sub(r"[A-Za-z]+", lambda m: word(m.group()), english)
    return html.escape(text)


def both(key: str, **fields) -> str:
    """A catalogue text in Chinese with its English under it."""
    return (f"{html.escape(i18n.t(key, 'zh', **fields))}<br><span class='en'>"
            f"{html.escape(i18n.t(key, 'en', **fields))}</span>")


def verdict(table: pd.DataFrame, scenario: str):
    return syndrome(table[table.scenario == scenario].set_index("indicator")["mean"])


def page(scenarios, base: str, table: pd.DataFrame, figure: Path, manifest: dict,
         costs: pd.DataFrame | None = None, ranking: pd.DataFrame | None = None,
         changed: dict | None = None) -> str:
    """The handout as one self-contained HTML page. With a `ranking` (stats.outcome_ranking)
    the alternatives follow its order, each with its place; `changed` (scenario -> levers set
    otherwise than the base) is read from the scenarios when not given."""
    e = html.escape
    design = manifest["design"]
    names = [s.name for s in scenarios]
    alts = [n for n in names if n != base]
    by_name = {s.name: s for s in scenarios}
    marks = definition_marks(INDICATORS, changed if changed is not None
                             else scenario_changes(scenarios, base))
    place = {}
    if ranking is not None and len(ranking):
        place = dict(zip(ranking.scenario, ranking.position))
        names = [base, *sorted(alts, key=lambda n: place.get(n, len(names)))]
    rows = table.set_index(["scenario", "indicator"])
    cost = (costs.set_index("scenario") if costs is not None and len(costs) else None)
    cost_cols = [c for c in COSTS if cost is not None and c[0] in cost.columns]
    county = {lang: (design.get("county", "") if design.get("county_file")
                     else i18n.t("handout.essay_county", lang)) for lang in i18n.LANGS}
    meta = {lang: i18n.t("handout.meta", lang, county=county[lang],
                         replicates=design["replicates"], scale=design["scale"],
                         years=design["years"]) for lang in i18n.LANGS}
    out = [f"<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
           f"<title>{e(i18n.t('handout.page_title', 'zh', n=len(alts), base=i18n.scenario_title(by_name[base], 'zh')))} · "
           f"{e(i18n.t('handout.page_title', 'en', n=len(alts), base=i18n.scenario_title(by_name[base], 'en')))}</title>"
           f"<style>{CSS}</style></head><body>",
           f"<h1>{e(i18n.t('handout.h1', 'zh'))}<span class='en' lang='en'>"
           f"{e(i18n.t('handout.h1', 'en'))}</span></h1>",
           f"<p class='meta'>{e(meta['zh'])}<br><span lang='en'>{e(meta['en'])}</span>"
           f" · {e(str(manifest.get('finished') or manifest.get('started', '')))[:10]}</p>"]

    # the table: one row per scenario
    head = [f"<th>{both('handout.th_ranked', k=len(OUTCOMES)) if place else both('handout.th_scenario')}</th>",
            f"<th>{both('handout.th_syndrome')}</th>"]
    for name in INDICATORS:
        zh, en = i18n.indicator(name, "zh")[0], i18n.indicator(name, "en")[0]
        head.append(f"<th>{e(zh)}<br><span class='en'>{breakable(en)}</span></th>")
    head += [f"<th>{html.escape(i18n.t('handout.' + key, 'zh'))}<br><span class='en'>"
             f"{breakable(i18n.t('handout.' + key, 'en'))}</span></th>" for _, key, _ in cost_cols]
    cols = ("<col class=scenario><col class=verdict>" + "<col>" * len(INDICATORS)
            + "<col class=cost>" * len(cost_cols))
    note = {lang: i18n.too_few_note(table, lang) for lang in ("zh", "en")}
    if note["zh"]:
        out.append(f"<p class='sure-too_few'><b>{e(note['zh'])}<br><span class='en'>"
                   f"{e(note['en'])}</span></b></p>")
    out.append(f"<table><colgroup>{cols}</colgroup><tr>" + "".join(head) + "</tr>")
    for n in names:
        s = by_name[n]
        zh_title, en_title = i18n.scenario_title(s, "zh"), i18n.scenario_title(s, "en")
        v = verdict(table, n)
        kind = i18n.syndrome_word(v, "zh")[0]
        word = (f"<span class='{kind}'>{e(i18n.syndrome_word(v, 'zh', short=True)[1])}<br>"
                f"<span class='en'>{e(i18n.syndrome_word(v, 'en', short=True)[1])}</span>"
                "</span>")
        number = f"{place[n]}. " if n in place else ""
        cells = [f"<td><b>{number}{e(zh_title)}</b><br><span class='en'>{e(en_title)}</span>"
                 "</td>",
                 f"<td class=verdict>{word}</td>"]
        for name in INDICATORS:
            r = rows.loc[(n, name)]
            if n == base:
                cells.append(f"<td class='num'>{fmt(r['mean'], 3)}</td>")
                continue
            sure = how_sure({**r, "indicator": name})        # the one rule
            # too few runs: said once above the table (the page has no room to repeat it)
            word = ("" if sure.key == "too_few" else
                    f"<br>{e(i18n.sure_word(sure, 'zh', needed=False))}")
            cells.append(f"<td class='num sure-{sure.key}'>{r['diff']:+.3f}"
                         f"{'†' if (n, name) in marks else ''}{word}</td>")
        for col, _, spec in cost_cols:
            x = cost.at[n, col] if n in cost.index else None
            cells.append(f"<td class='num'>{'—' if x is None or pd.isna(x) else format(x, spec)}"
                         "</td>")
        out.append(f"<tr{' class=base' if n == base else ''}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    keys = ("better", "worse", "unclear", "too_few")
    # the † note runs on in the legend's paragraph: the page has no room for another
    notes = {lang: i18n.t("handout.dagger", lang) if marks else "" for lang in i18n.LANGS}
    out.append(f"<p><b>{e(i18n.t('handout.sure_h', 'zh'))} · "
               f"{e(i18n.t('handout.sure_h', 'en'))}:</b> " + " · ".join(
                   f"<span class='sure-{k}'>{e(i18n.t('sure.' + k, 'zh'))}</span> <span class='en'>"
                   f"{e(i18n.t('sure.' + k, 'en'))}</span>" for k in keys)
               + f"<br>{e(i18n.t('handout.rows_note', 'zh'))}"
               f"{e(i18n.t('handout.sure_rule', 'zh', min=MIN_REPLICATES))}{e(notes['zh'])}"
               f"<br><span class='en'>{e(i18n.t('handout.rows_note', 'en'))} "
               f"{e(i18n.t('handout.sure_rule', 'en', min=MIN_REPLICATES))}{e(notes['en'])}"
               "</span></p>")

    # the figure
    threshold = f"{SYNDROME_THRESHOLD:g}"
    # as tall as the page leaves room for (figure() drew it at that size)
    picture = img(figure).replace("<img ", f"<img style='max-height:{room(len(alts)):.0f}mm' ",
                                  1)
    drawn = {"ci": "" if note["zh"] else "_ci"}
    out.append(f"<figure>{picture}<figcaption>"
               f"{both('handout.figure_caption' + drawn['ci'], threshold=threshold)}"
               "</figcaption></figure>")

    # caution and reproduce
    out.append(f"<p>{e(i18n.t('handout.caution', 'zh'))}{e(i18n.t('handout.details', 'zh'))}"
               f"<br><span class='en'>{e(i18n.t('handout.caution', 'en'))} "
               f"{e(i18n.t('handout.details', 'en'))}</span></p>")
    # the reproduce line in English only: officials read no commands, code or file names
    code = manifest.get("code", {})
    out.append(f"<p class='en' lang='en'><b>{e(i18n.t('handout.reproduce', 'en'))}:</b> "
               f"<code>{e(reproduce(manifest))}</code> · git "
               f"{e(str(code.get('git_commit', 'unknown'))[:12])}</p>")
    out.append("</body></html>")
    return "\n".join(out)
