"""juwei's simulation layer: one county of the essay as a Mesa model. No I/O, no plotting."""

from .indicators import INDICATORS, SYNDROME_THRESHOLD, htc, syndrome_present
from .model import STEPS_PER_YEAR, CountyModel
from .params import LEVER_GROUPS, ParameterError, Parameters, describe, levers
from .run import RunResult, run

__all__ = [
    "INDICATORS", "SYNDROME_THRESHOLD", "htc", "syndrome_present", "STEPS_PER_YEAR",
    "CountyModel", "LEVER_GROUPS", "ParameterError", "Parameters", "describe", "levers",
    "RunResult", "run",
]
