"""juwei's simulation layer: one county of the essay as a Mesa model. No I/O, no plotting."""

from .indicators import (BETTER, CANONICAL, OUTCOMES, HEADLINE, INDICATORS, SYNDROME_THRESHOLD,
                         Syndrome, htc, label, settling_year, summary_window, switched_on,
                         syndrome)
from .calendar import STEPS_PER_YEAR
from .model import EVENT_LEVERS, YEARLY_LEVERS, CountyModel
from .params import LEVER_GROUPS, OTHER_GROUPS, ParameterError, Parameters, describe, levers
from .county import County, CountyError, essay_county
from .run import CountyRun, RunResult, one_year, run, run_on

__all__ = [
    "BETTER", "OUTCOMES", "settling_year", "summary_window", "CANONICAL", "HEADLINE", "INDICATORS", "SYNDROME_THRESHOLD", "Syndrome", "htc", "label",
    "syndrome", "switched_on", "STEPS_PER_YEAR", "YEARLY_LEVERS", "EVENT_LEVERS", "CountyModel", "LEVER_GROUPS", "OTHER_GROUPS",
    "ParameterError", "Parameters", "describe", "levers", "RunResult", "one_year", "run",
    "County", "CountyError", "essay_county", "CountyRun", "run_on",
]
