"""County files: TOML data describing towns, committees, departments and the population,
checked by the model's `County.from_data` and answered, when wrong, in one line that names the
file, the row and the key."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np

from .. import counties as _counties
from ..engine.errors import UserError
from ..model.county import ESSAY_COUNTY, TOP, County, CountyError, essay_county
from .files import find, one_line, read_bytes, read_toml, refuse_foreign

COUNTY_DIR = Path(_counties.__file__).resolve().parent       # shipped with the package
NOT_COUNTIES = ("template",)                                   # shipped, but not a county to run
# per-capita figures (per 1,000 residents, participation of a committee's adults) are defined
# only on committees of at least this many residents, and simulated by at least this many rows
MIN_COMMITTEE_RESIDENTS = 100
MIN_SIMULATED = 5


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
    name, size = smallest_committee(county)
    if size < MIN_COMMITTEE_RESIDENTS:
        raise UserError(f"{path}: committee {one_line(name, 60)}: residents: about {size:,.0f}; "
                        f"its figures per 1,000 residents need at least "
                        f"{MIN_COMMITTEE_RESIDENTS} residents a committee")
    return county, path


def smallest_committee(county: County) -> tuple[str, float]:
    """The committee with the fewest residents, and how many: given ones as they are, the
    others their town's remaining residents shared evenly (what the draws average)."""
    sizes = []
    for town in county.towns:
        mine = [c for c in county.committees if c.town == town.name]
        open_rows = [c for c in mine if c.residents is None]
        share = ((town.residents - sum(c.residents for c in mine if c.residents is not None))
                 / len(open_rows)) if open_rows else 0.0
        sizes += [(c.name, c.residents if c.residents is not None else share) for c in mine]
    return min(sizes, key=lambda x: x[1])


def check_population(county: County | None, scale: float, origin: str) -> None:
    """Refuse a scale at which the smallest committee would be simulated by fewer than
    MIN_SIMULATED residents: its per-capita figures would be undefined (no adults) or noise."""
    name, size = smallest_committee(county or essay_county())
    if size * scale < MIN_SIMULATED:
        raise UserError(f"{origin}: scale {scale:g}: the smallest committee ({one_line(name, 40)}, "
                        f"about {size:,.0f} residents) would be simulated by "
                        f"{size * scale:.1f}; its per-capita figures need at least "
                        f"{MIN_SIMULATED} (use a scale of at least "
                        f"{math.ceil(MIN_SIMULATED / size * 1000) / 1000:g})")


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
    names, served_by = county.townships()
    served = ", ".join(f"{name} {k}" for name, k in zip(names, np.bincount(served_by)))
    lines.append(f"  township governments (read with township_agent=1), committees each: "
                 f"{served}")
    return "\n".join(lines)
