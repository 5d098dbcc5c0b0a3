"""The ready-made scenario files (TOML data). This file only makes them package data, so that
`juwei run baseline` finds them after a plain `pip install`."""
