"""juwei (居委): an agent-based simulator of community governance in a Chinese county.

Layers, each importing only those before it:

- `engine`: runs any `fn(params, seed)` and keeps its results (knows no model);
- `model`: the county as a Mesa model; `model.run(params, seed)` is the run function;
- `inputs`: scenario and design files (TOML data, validated);
- `present`: statistics, figures and HTML pages;
- `studies`: run, compare, sweep, sensitivity, validate, each a whole pipeline;
- `cli` and `app`: parse or show, call a study, print.

In a source checkout the folders `experiments/` (this package), `model/` and `scenarios/` are
mapped onto `juwei`, `juwei.model` and `juwei.scenarios` by pyproject.toml.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("juwei")
except _metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "unknown"
