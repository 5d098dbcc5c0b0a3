"""The parameter schema as the Markdown tables of docs/ODD.md §8 (`juwei levers --markdown`).

The ODD's tables are this output, pasted between its markers; a test regenerates them, so the
document and the schema cannot drift apart.
"""

from __future__ import annotations

from ..model.params import LEVER_GROUPS, SUBMODELS, needed


def _number(v) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:,.10g}"


def _row(r: dict, *first: str) -> str:
    source = f"**[{r['tag']}]**" + (f" {r['source']}" if r["source"] else "")
    only = f" (read only with `{needed(r['name'])}`)" if r["needs"] else ""
    cells = [f"`{r['name']}`", *first, _number(r["baseline"]),
             f"{_number(r['low'])} to {_number(r['high'])}", r["unit"], r["meaning"] + only,
             source]
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def schema_tables(rows: list[dict]) -> str:
    """Levers (with their group and the essay's term), the structure, then the uncertain
    constants of each submodel."""
    head = "| parameter | baseline | range | unit | meaning | source |\n|---|---|---|---|---|---|\n"
    out = ["Levers:\n\n",
           "| lever | group | term | baseline | range | unit | meaning | source |\n"
           "|---|---|---|---|---|---|---|---|\n"]
    out += [_row(r, r["group"], r["zh"]) + "\n" for r in rows if r["group"] in LEVER_GROUPS]
    for group in ("structure",) + SUBMODELS:
        mine = [r for r in rows if r["group"] == group]
        if mine:
            title = "Structure" if group == "structure" else f"Uncertain constants: {group}"
            out += [f"\n{title}:\n\n", head] + [_row(r) + "\n" for r in mine]
    return "".join(out)
