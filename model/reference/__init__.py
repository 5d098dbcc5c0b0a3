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
    r = run(Parameters(scale=0.02, years=2, burn_in_years=0), seed=1)
    r.summary["htc_index"], r.series["admin_share"]

A warm start (ODD §7.1) is `burn_in_years` > 0: the burn-in under `base`'s levers (default
the schema's), then the switch to the run's own levers (§7.11) and `years` years from it:
`run(params, seed, base=baseline_params)`. `settle` returns the county at the switch, so the
scenarios of one seed can share it (`run(..., settled=loads(dumps(county)))`).

With `cadres_choose` = 1 every cadre chooses (ODD §7.3a: `Committee.choose`,
`ReferenceModel.look_into`) and the `sham_share` series records the inspected work made only to
look done; with 0 the run is the team rule's, bit for bit as before the choice was added.

With `buck_passing` = 1 problems that need a department and the committee arrive each week
and are handled or passed (ODD §7.7a: `ReferenceModel.joint_problems`, the separation lists of
the `responsibility_lists` lever) and the `unowned_share` series records what no one handled
(两不管); with 0 no draw is made, `unowned_share` is 0.0 and every other series is bit for bit
as before the submodel was added.

With `township_agent` = 1 a township government stands between the departments and its
committees (ODD §7.1a: a `Township` agent per township of the county file, `Township.choose`,
`ReferenceModel.townships_choose`, `ReferenceModel.township_tasks`): each budget year after the
first it chooses how far to direct them (Luce's rule over `township_stances` shares, by the
county's assessment, less a cost of moving from last year's share: `clear_functions` lowers
the credit for directed activity), and the share
sets its own tasks (越位), the part of the committees' transfers it keeps (缺位) and whether its
linked cadres (`township_liaison`) check or help; the `township_directing` series records the
mean share. With 0 no township exists, no draw is made, `township_directing` is 0.0 and every
other series is bit for bit as before the submodel was added. This switch and `cadres_choose`
are fixed for a run (ODD §7.11): `ReferenceModel.switch` refuses a change of either.

Ambiguous passages of the ODD can be switched to their alternative readings with
`run(..., readings={...})` (`DEFAULT_READINGS`). Where docking showed the two implementations
disagreeing on an ambiguous passage, the ODD was fixed and the default follows it.
"""

from .model import (DEFAULT_READINGS, LEVERS, YEARLY_LEVERS, ReferenceModel, ReferenceResult,
                    burn_in_params, dumps, loads, run, settle, summarise)

__all__ = ["DEFAULT_READINGS", "LEVERS", "YEARLY_LEVERS", "ReferenceModel", "ReferenceResult",
           "burn_in_params", "dumps", "loads", "run", "settle", "summarise"]
