"""juwei (居委): an agent-based simulator of community governance in a Chinese county.

From Python: `juwei.run`, `juwei.compare`, `juwei.sweep`, `juwei.sensitivity`,
`juwei.calibrate` and `juwei.load` (module `api`, loaded on first use so that `import juwei`
and `juwei.model` stay light); `help(juwei.api)` says what each takes.

Layers, each importing only those before it:

- `engine`: runs any `fn(params, seed)` and keeps its results (knows no model);
- `model`: the county as a Mesa model; `model.run(params, seed)` is the run function;
- `inputs`: scenario and design files (TOML data, validated);
- `present`: statistics, figures and HTML pages;
- `studies`: run, compare, sweep, sensitivity, validate, each a whole pipeline;
- `api`, `cli` and `app`: call a study from Python, or parse or show, call a study, print.

In a source checkout the folders `experiments/` (this package), `model/` and `scenarios/` are
mapped onto `juwei`, `juwei.model` and `juwei.scenarios` by pyproject.toml.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("juwei")
except _metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "unknown"

API = ("run", "compare", "sweep", "sensitivity", "calibrate", "load", "as_scenario")


def __getattr__(name: str):
    """The Python API (api.py), imported on first use."""
    if name in API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'juwei' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(API))
