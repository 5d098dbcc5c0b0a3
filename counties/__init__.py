"""The ready-made county files (TOML data). This file only makes them package data, so that
`juwei run baseline --county small_town` finds them after a plain `pip install`."""
