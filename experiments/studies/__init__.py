"""Studies: each owns one whole pipeline (runs, tables, figures, report) and returns a result
object that the command line and the dashboard only print or show.

- `run`: one scenario's replicates; `compare`: scenarios against a base, paired;
- `sweep`: a design of lever values; `sensitivity`: global sensitivity analysis;
- `validate`: the patterns of the spec on a scenario.
"""
