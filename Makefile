# Quick start: `make run` (set up, then run the main job) and `make test` (set up, then test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test test-fast validate bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "juwei needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: setup            ## the main job on the embedded defaults
	$(BIN)/juwei run scenarios/baseline.toml

test: setup           ## every test, slow ones included (what CI runs)
	$(BIN)/python -m pytest

test-fast: setup      ## skip the tests marked slow
	$(BIN)/python -m pytest -m "not slow"

validate: setup       ## the patterns of the spec at full scale
	$(BIN)/juwei validate

bench: setup          ## speed and memory figures
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
