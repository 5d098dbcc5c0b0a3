"""What every HTML report shares: style, embedded images, number formats, caveats and footer.
Reports are self-contained (images embedded, no external assets) and readable on a projector."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

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
"""

CAVEATS = [
    "The model is calibrated to qualitative patterns from the essay and national figures, not "
    "fitted to data from one county; read differences as directions and rough sizes, not "
    "forecasts.",
    "Many numbers are plausible assumptions (marked [A] in docs/ODD.md); the sensitivity "
    "analysis shows which of them matter.",
    "Residents do not age, move, or change households over the horizon; only the shift from "
    "work-unit people to society people changes their employment.",
    "Departments and the county government follow fixed rules: they do not learn or adapt the "
    "levers during a run; politics, leadership and personalities are absent.",
    "NGOs, property companies and owners' committees are not modelled; stationed staff are hours, "
    "not people.",
    "Money is a simple yearly budget in yuan of the mid-2000s; no prices, debt or inflation.",
    "Intervals describe the model's own randomness across replicates, not uncertainty about its "
    "assumptions, unless the study ran on a calibration's posterior ensemble (--ensemble): then "
    "its section says how much of each effect's spread comes from the unknown constants.",
]


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


def footer(manifest: dict) -> str:
    """Caveats and how to reproduce the page, closing the document."""
    code = manifest["code"]
    packages = " · ".join(f"{p} {code['packages'].get(p)}" for p in ("mesa", "numpy", "SALib"))
    return ("<h2>What the model does not capture</h2><ul>"
            + "".join(f"<li>{html.escape(c)}</li>" for c in CAVEATS) + "</ul>"
            "<h2>Reproduce</h2><p class='muted'><code>"
            + html.escape(" ".join(manifest["command"])) + "</code><br>git commit "
            f"{html.escape(str(code.get('git_commit', 'unknown')))}"
            f"{' (with local changes)' if code.get('git_dirty') else ''} · Python "
            f"{code['python']} · {packages} · design hash {manifest['design_hash']}</p>"
            "</body></html>")
