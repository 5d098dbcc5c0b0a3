# Quick start: `make run` (set up, then run the main job) and `make test` (set up, then test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test test-fast validate calibrate doses audit bench docs api-reference clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "juwei needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[app,test]"
	touch $@

ALTERNATIVES := separation power_funding_follow_tasks fewer_inspections_meetings \
	burden_campaigns transparency_supervision cadre_pay_recruitment volunteer_rewards \
	welfare_volunteer_duty unit_sharing infrastructure_enterprise poor_community_aid \
	service_stations publicity_activities health_and_safety paid_services \
	cadre_rotation_reserve unit_to_society facilities_association combined_reform

run: setup            ## the main job: the baseline against the essay's remedies, with a report
	$(BIN)/juwei compare baseline $(ALTERNATIVES) --out results/compare-remedies-$$(date +%Y%m%d-%H%M%S)

# the test files on every core (up to 4), each file whole in one worker (its fixtures built once)
PYTEST := $(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile

test: setup           ## every test, slow ones included (what CI runs)
	$(PYTEST)

test-fast: setup      ## skip the tests marked slow
	$(PYTEST) -m "not slow"

validate: setup       ## the patterns of the spec at full scale, 30 replicates (2 min)
	$(BIN)/juwei validate --replicates 30

calibrate: setup      ## the [C] constants' posterior under the measured targets (about 15 min on 2 cores)
	$(BIN)/juwei calibrate calibrate_measured --out results/calibrate-$$(date +%Y%m%d-%H%M%S)

doses: setup         ## each remedy over its levers' whole range, and at equal cost (scale 0.1)
	$(BIN)/juwei compare baseline $(filter-out combined_reform,$(ALTERNATIVES)) --dose-response --scale 0.1 --replicates 4 --out results/doses-$$(date +%Y%m%d-%H%M%S)

audit: setup         ## the assumption audit: which assumed constants decide the ranking (scale 0.05)
	$(BIN)/juwei audit --out results/audit-$$(date +%Y%m%d-%H%M%S)

bench: setup          ## speed and memory figures
	$(BIN)/python benchmarks/bench_model.py

# the API reference: every module of the package and the model, but the command line and the
# dashboard (the app extra); tests/test_notebooks.py runs `api-reference` into a temporary folder
DOCS_OUT    ?= build/api
API_MODULES := juwei juwei.model !juwei.cli !juwei.app

docs: setup           ## the API reference from the docstrings: build/api/index.html (pdoc)
	$(MAKE) --no-print-directory api-reference BIN=$(BIN) DOCS_OUT=$(DOCS_OUT)
	@echo "open $(DOCS_OUT)/index.html"

api-reference:        ## the same without setup (BIN= the environment's bin folder)
	$(BIN)/pdoc -o $(DOCS_OUT) $(API_MODULES)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info build/api
