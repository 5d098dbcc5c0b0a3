"""juwei (居委): an agent-based simulator of community governance in a Chinese county.

From Python, every study is a function of `juwei` with the command's defaults as keyword
arguments (defined in `juwei.api`, imported on first use so that `import juwei` and
`juwei.model` stay light):

- `juwei.api.run`: one scenario's replicates (`juwei run`);
- `juwei.api.compare`: scenarios against a base on common random numbers (`juwei compare`);
- `juwei.api.doses`: each remedy over its levers' whole range, and costly remedies at equal
  cost (`juwei compare --dose-response`);
- `juwei.api.sweep`: a parameter sweep from a design (`juwei sweep`);
- `juwei.api.sensitivity`: global sensitivity analysis of the county model or of your own
  run function (`juwei sensitivity`);
- `juwei.api.search`: many-objective robust search over reform packages (`juwei search`);
- `juwei.api.calibrate`: ABC-SMC of the hand-tuned constants (`juwei calibrate`);
- `juwei.api.screen`: before a calibration, which targets its constants can move (`juwei
  calibrate --screen`);
- `juwei.api.coverage`: simulation-based calibration of a calibration design, its posteriors'
  coverage of known truths (`juwei calibrate --check`);
- `juwei.api.validate`: a scenario against the patterns of spec §7 (`juwei validate`);
- `juwei.api.dock`: the vectorised model against the per-agent reference (`juwei dock`);
- `juwei.api.audit`: which assumed constants decide the remedies' ranking (`juwei audit`);
- `juwei.api.discover`: where, among an ensemble study's unknowns, a remedy fails
  (scenario discovery, `juwei discover`);
- `juwei.api.load`: any results folder back into its tables (pandas);
- `juwei.api.as_scenario`: a scenario from a name, a file or a base with changes.

The model itself is `juwei.model.run(params, seed)` with `juwei.model.Parameters`; the engine
that runs any `fn(params, seed)` is `juwei.engine`. Example notebooks are in the repository's
`docs/notebooks/`.

Layers, each importing only those before it:

- `engine`: runs any `fn(params, seed)` and keeps its results (knows no model);
- `model`: the county as a Mesa model; `model.run(params, seed)` is the run function;
- `inputs`: scenario and design files (TOML data, validated);
- `present`: statistics, figures and HTML pages;
- `studies`: run, compare, doses, sweep, sensitivity, search, calibrate, validate, dock,
  audit and discover, each a whole pipeline;
- `api`, `cli` and `app`: call a study from Python, or parse or show, call a study, print.

In a source checkout the folders `experiments/` (this package), `model/` and `scenarios/` are
mapped onto `juwei`, `juwei.model` and `juwei.scenarios` by pyproject.toml.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("juwei")
except _metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "unknown"

API = ("run", "compare", "doses", "sweep", "sensitivity", "search", "calibrate", "screen",
       "coverage", "validate", "dock", "audit", "discover", "load", "as_scenario")


def __getattr__(name: str):
    """The Python API (api.py), imported on first use; `juwei.api` itself too (for help())."""
    if name in API or name == "api":
        import importlib
        api = importlib.import_module(".api", __name__)   # not `from . import`: it asks here
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'juwei' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(API))
