"""The experiment engine: runs any `fn(params, seed)` many times and keeps every result.

It knows no model: the county is one run function among others (README, "Your own model").

- `runner`: one run into an Outcome (failures recorded, never NaN); the Mesa release;
- `executors`: in one process, a local process pool, or Dask;
- `store`: the results folder, written atomically as runs finish, and its tables;
- `batch`: the driver every study uses (store, resume, interruption, dry runs);
- `seeds`: root and replicate seeds (SeedSequence); `errors`: what stops an experiment;
- `show`: short reprs of result objects (one line, and a small table in notebooks).
"""

from .batch import MAX_RUNS, Options, check_size, estimate, remaining, run_batch
from .errors import AnalysisRefused, Interrupted, UserError
from .executors import EXECUTORS, default_workers, execute
from .runner import Outcome, Run, RunFunction, execute_one, releasing_mesa_models
from .seeds import DEFAULT_SEED, check_seed, derived_seed, replicate_seeds
from .store import Experiment, load

__all__ = [
    "MAX_RUNS", "Options", "check_size", "estimate", "remaining", "run_batch", "AnalysisRefused", "Interrupted", "UserError",
    "EXECUTORS", "default_workers", "execute", "Outcome", "Run", "RunFunction", "execute_one",
    "releasing_mesa_models", "DEFAULT_SEED", "check_seed", "derived_seed", "replicate_seeds",
    "Experiment", "load",
]
