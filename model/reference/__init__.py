"""Reference implementation of the juwei county model, for docking (Axtell et al. 1996).

This is a second, independent implementation of the model described in docs/ODD.md, written
from the ODD alone (plus the parameter schema `model/params.py`, the calendar constants and the
county *data* of `model/county.py`), without reading the fast model's rule code. Every
resident, cadre, committee, department, unit and the government is a `mesa.Agent` with its own
methods in plain Python; the weekly schedule follows ODD §3 with Mesa's activation by type.
Clarity over speed: it is orders of magnitude slower than the vectorised model and is meant for
small scales (`scale` 0.02-0.05) and distributional comparison, never for studies.

It is never on the fast path: nothing in `juwei.model` imports it. Where the ODD was ambiguous,
silent or contradictory, the reading taken is listed in AMBIGUITIES.md beside this file.

    from juwei.model import Parameters
    from juwei.model.reference import run
    r = run(Parameters(scale=0.02, years=2), seed=1)
    r.summary["htc_index"], r.series["admin_share"]

Ambiguous passages of the ODD can be switched to their alternative readings with
`run(..., readings={...})` (`DEFAULT_READINGS`). Where docking showed the two implementations
disagreeing on an ambiguous passage, the ODD was fixed and the default follows it.
"""

from .model import DEFAULT_READINGS, ReferenceModel, ReferenceResult, run, summarise

__all__ = ["DEFAULT_READINGS", "ReferenceModel", "ReferenceResult", "run", "summarise"]
