"""What every HTML report shares: style, embedded images, number formats, caveats and footer.
Reports are self-contained (images embedded, no external assets) and readable on a projector."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from . import i18n
from .stats import BAD, GOOD, GREY

# one colour meaning (present/stats): green better for the county, red worse, grey neither
SURE_CSS = (f".sure-better{{color:{GOOD};font-weight:600}} .sure-worse{{color:{BAD};font-weight:600}}"
            f" .sure-unclear,.sure-too_few,.sure-higher,.sure-lower,.sure-unknown{{color:{GREY}}}"
            " .partial{color:#9a5b00;font-weight:600}")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 max-width:1150px;margin:2em auto;padding:0 1em;font-size:18px;line-height:1.5;color:#222}
h1{font-size:1.7em;margin-bottom:.2em} h2{font-size:1.35em;margin-top:1.6em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em} td,th{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f3f3;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#b00;font-weight:600} .muted{color:#666;font-size:.85em} figure{margin:1em 0}
img{max-width:100%;border:1px solid #eee} figcaption{font-size:.85em;color:#444}
.present{color:#b00;font-weight:600} .absent{color:#070;font-weight:600}
code{background:#f5f5f5;padding:0 .2em}
""" + SURE_CSS

CAVEAT_KEYS = [f"report.caveat_{i}" for i in range(1, 8)]   # words: the catalogues' [report]


def caveats(lang: str = "en") -> list[str]:
    """What the model does not capture, in `lang`."""
    return [i18n.t(k, lang) for k in CAVEAT_KEYS]


def img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return "—"
    return f"{x:,.{digits}f}"


def percent(x, missing="—") -> str:
    """A share as a whole percentage, or `missing` when there is none (None or NaN)."""
    return missing if x is None or pd.isna(x) else f"{x:.0%}"


def interval(lo, hi, digits=3) -> str:
    return "—" if lo is None or pd.isna(lo) else f"[{fmt(lo, digits)}, {fmt(hi, digits)}]"


def reproduce(manifest: dict) -> str:
    """What reproduces an experiment: its `juwei` command, or the Python call that ran it."""
    if manifest.get("command"):
        return " ".join(manifest["command"])
    return manifest.get("call") or "?"


def footer(manifest: dict, lang: str = "en") -> str:
    """Caveats and how to reproduce the page, closing the document (words in `lang`). The
    caveats are the county model's: a study of your own model (a run function outside juwei)
    gets none."""
    code = manifest["code"]
    packages = " · ".join(f"{p} {code['packages'].get(p)}" for p in ("mesa", "numpy", "SALib"))
    county = str(manifest.get("run_function") or "juwei").split(".")[0] == "juwei"
    return ((f"<h2>{i18n.t('report.caveats_h', lang)}</h2><ul>"
             + "".join(f"<li>{html.escape(c)}</li>" for c in caveats(lang)) + "</ul>"
             if county else "")
            + f"<h2>{i18n.t('report.reproduce_h', lang)}</h2><p class='muted'><code>"
            + html.escape(reproduce(manifest)) + "</code><br>"
            + i18n.t("report.git_commit", lang,
                     commit=html.escape(str(code.get("git_commit")
                                            or i18n.t("report.no_commit", lang))))
            + (i18n.t("report.local_changes", lang) if code.get("git_dirty") else "")
            + f" · Python {code['python']} · {packages} · "
            + i18n.t("report.design_hash", lang, hash=manifest["design_hash"]) + "</p>"
            "</body></html>")
