"""Unit conversions of the weekly calendar (the only module constants that are not behaviour)."""

STEPS_PER_YEAR = 52        # one step is a week
MONTHS_PER_YEAR = 12
PER_THOUSAND = 1000.0     # indicators and rates per 1,000 residents
