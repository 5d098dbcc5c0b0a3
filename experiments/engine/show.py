"""Short reprs for result objects: one line naming each field's size or value (a dataclass's
own repr printed whole tables: a county run's was 100,633 characters), and a compact HTML table
for notebooks."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import numpy as np
import pandas as pd

SHOWN = 3           # items of a long dict or list named before "…"


def brief(value, limit: int = 80) -> str:
    """A few words for `value`: a table's shape, an array's, a dict's first entries."""
    if isinstance(value, pd.DataFrame):
        return f"<table: {len(value)} rows × {value.shape[1]} columns>"
    if isinstance(value, pd.Series):
        return brief(value.to_dict(), limit)
    if isinstance(value, np.ndarray):
        return f"<array {'×'.join(map(str, value.shape))}>"
    if isinstance(value, dict):
        items = list(value.items())
        if items and all(isinstance(v, np.ndarray) for _, v in items):
            shapes = {'×'.join(map(str, v.shape)) for _, v in items}
            of = f" of {shapes.pop()}" if len(shapes) == 1 else ""
            return f"<{len(items)} arrays{of}: {', '.join(k for k, _ in items[:SHOWN])}" \
                   + (", …>" if len(items) > SHOWN else ">")
        shown = ", ".join(f"{k}: {_inner(v)}" for k, v in items[:SHOWN])
        more = f", … {len(items)} in all" if len(items) > SHOWN else ""
        return "{" + _cut(shown, limit) + more + "}"
    if isinstance(value, (list, tuple)) and len(value) > SHOWN:
        shown = ", ".join(_inner(v) for v in value[:SHOWN])
        return f"[{_cut(shown, limit)}, … {len(value)} in all]"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    if isinstance(value, Path):
        return repr(str(value))
    name = getattr(value, "name", None)
    if isinstance(name, str) and not isinstance(value, (str, type)):
        return f"<{type(value).__name__} {name!r}>"
    return _cut(repr(value), limit)


def _inner(value) -> str:
    """An item inside a dict or list: nested containers as an ellipsis."""
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, (list, tuple)) and len(value) > SHOWN:
        return "[…]"
    return brief(value, 20)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Brief:
    """Mixin for result dataclasses (declare them with repr=False): a one-line repr and a
    compact `_repr_html_`, each field shown by `brief`."""

    def _fields(self) -> list[tuple[str, str]]:
        return [(f.name, brief(getattr(self, f.name))) for f in dataclasses.fields(self)
                if f.repr]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self._fields())})"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in self._fields())
        return (f"<table><caption style='text-align:left'><b>{type(self).__name__}</b>"
                f"</caption>{rows}</table>")
