"""County files: TOML data describing towns, committees, departments and the population,
checked by the model's `County.from_data` and answered, when wrong, in one line that names the
file, the row and the key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import counties as _counties
from ..engine.errors import UserError
from ..model.county import ESSAY_COUNTY, TOP, County, CountyError
from .files import find, one_line, read_bytes, read_toml, refuse_foreign

COUNTY_DIR = Path(_counties.__file__).resolve().parent       # shipped with the package
NOT_COUNTIES = ("template",)                                   # shipped, but not a county to run


def load(name: str, origin: str = "--county") -> tuple[County, Path]:
    """A county file (a path, or a shipped county's name) checked, and its path."""
    path = find(name, COUNTY_DIR, "county", f"{origin}; see `juwei counties`")
    text = read_bytes(path)                 # read once: what is checked is what is hashed
    data = read_toml(path, text)
    refuse_foreign(path, data, TOP, "county")
    try:
        county = County.from_data(data, hashlib.sha256(text).hexdigest())
    except CountyError as e:
        raise UserError(f"{path}: {one_line(e, 300)}") from None
    return county, path


def is_essay(path: Path) -> bool:
    return path.resolve() == (COUNTY_DIR / f"{ESSAY_COUNTY}.toml").resolve()


def available() -> list[tuple[County, Path]]:
    """The shipped counties, the essay's first."""
    paths = sorted((p for p in COUNTY_DIR.glob("*.toml") if p.stem not in NOT_COUNTIES),
                   key=lambda p: (p.stem != ESSAY_COUNTY, p.stem))
    return [load(str(p)) for p in paths]


def describe(county: County) -> str:
    """A few lines: committees by town, residents, seats, departments."""
    seats = county.seats()
    lines = [f"{county.name}: {one_line(county.description, 200)}"]
    for town in county.towns:
        rows = [i for i, c in enumerate(county.committees) if c.town == town.name]
        residents = (town.residents if town.residents is not None
                     else sum(county.committees[i].residents for i in rows))
        lines.append(f"  {town.name}{' (county seat)' if town.name == county.seat else ''}: "
                     f"{len(rows)} committees, {residents:,.0f} residents, "
                     f"{int(seats[rows].sum())} cadre seats")
    lines.append(f"  {len(county.departments)} departments: {', '.join(county.departments)}")
    return "\n".join(lines)
