"""The workshop page (`juwei app`): Chinese first, English one click away, readable on a
projector, controls that tell the truth.

One module per tab and one for what they share, so each tab can be changed alone:

- state: the county of one browser session (County), the page's reactive State, the first
  session and language;
- widgets: the page's CSS and the ECharts widget (echart.vue);
- controls: the drawer (scenario, scale, seed, the lever sliders, sessions);
- explore: the Explore tab (verdict and gauges, player, charts, the committees' map);
- compare: the Compare tab (prepared and new comparisons and their results);
- levers: the Levers tab (every lever, and the model's assumptions);
- about: the About tab;
- page: the page itself (access token, app bar, tabs), and the Layout.

`juwei app --read-only` (JUWEI_READ_ONLY, state.read_only) keeps the exploring and drops what
would touch a server file for a browser: the sessions' save, list, load and upload, a new
comparison and a comparison's file downloads, each refused by its function (UserError), not
only left off the page.

Every visible word comes from the catalogues (present/catalogue/*.toml); charts are drawn in the
browser (present/charts). `solara run juwei.app` (what `juwei app` starts) serves `routes`: the
one page, with its Layout (without them Solara would make a page of every module here).
"""

import solara

from .compare import (COMPARE_REPLICATES, WORKSHOP_INDICATORS, effect_label, prepared,
                      read_comparison)
from .controls import (SLIDERS, _saved_sessions, save_session, saved_session, sessions_folder,
                       uploaded)
from .explore import DOUBLE_CLICK
from .page import Layout, Page, allowed
from .state import LEVERS, County, State, file_name

routes = [solara.Route(path="/", component=Page, layout=Layout)]

__all__ = ["COMPARE_REPLICATES", "DOUBLE_CLICK", "LEVERS", "SLIDERS", "WORKSHOP_INDICATORS",
           "County", "Layout", "Page", "State", "_saved_sessions", "allowed", "effect_label",
           "file_name", "prepared", "read_comparison", "save_session", "saved_session",
           "sessions_folder", "uploaded", "routes"]
