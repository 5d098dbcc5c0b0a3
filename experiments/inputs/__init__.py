"""Input files, read as data and validated: scenarios, sweep and sensitivity designs."""
