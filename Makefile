# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
STAMP     := $(VENV)/.installed
MODEL     := models/current.tar.gz
DATA      := $(shell find data -name '*.yml' 2>/dev/null)
export PYTHONDONTWRITEBYTECODE := 1
# endpoints.yml and credentials.yml read these; `cim run` sets them too (see bot/cli/stack.py).
export CIM_ACTION_URL   ?= http://127.0.0.1:5055/webhook
export CIM_TRACKER_DB   ?= $(CURDIR)/var/tracker.db
export CIM_CORS_ORIGINS ?= http://127.0.0.1:8000,http://localhost:8000

.PHONY: help install run train seed validate lint test test-unit test-e2e test-deps crossval bench-nlu clean

help:
	@echo "make run       install, train if needed, seed the demo store, serve on http://127.0.0.1:8000/"
	@echo "make test      install, train if needed, run unit and end-to-end tests"
	@echo "make validate  rasa data validate + our own data check"
	@echo "make lint      ruff + mypy"
	@echo "make crossval  5-fold cross-validation of the NLU on data/"
	@echo "make bench-nlu our config.yml against stock Rasa on CLINC150 and Bitext (../shared/datasets)"

# --- install: a Python 3.10 venv with the locked dependencies ------------------------------------
$(STAMP): pyproject.toml requirements.lock scripts/find-python310.sh
	@py=$$(scripts/find-python310.sh) || exit 1; \
	echo "Using $$py"; \
	[ -x $(PY) ] || $$py -m venv $(VENV); \
	$(PY) -m pip install --quiet --upgrade "pip==24.0" && \
	$(PY) -m pip install --quiet -r requirements.lock && \
	$(PY) -m pip install --quiet --no-deps -e . && \
	touch $@

install: $(STAMP)

# --- train only when data, domain or config changed ------------------------------------------------
$(MODEL): $(STAMP) config.yml domain.yml $(DATA) bot/nlu/*.py
	$(RASA) train --config config.yml --domain domain.yml --data data --out models --fixed-model-name current
	@touch $@

train: $(MODEL)

seed: $(STAMP)
	$(VENV)/bin/cim seed

run: $(MODEL)
	$(VENV)/bin/cim run

validate: $(STAMP)
	$(RASA) data validate --config config.yml --domain domain.yml --data data
	$(VENV)/bin/cim check

lint: $(STAMP)
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/mypy bot actions

# --- tests: a fast unit layer, then real processes and a real browser -----------------------------
test-deps: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  { echo "error: could not install chromium (apt-get install -y chromium, as root)"; exit 1; }; }

test-unit: $(STAMP)
	$(PY) -m pytest -m "not e2e" -q

test-e2e: $(MODEL) test-deps
	$(PY) -m pytest -m e2e -q

test: $(MODEL) test-deps validate lint
	$(PY) -m pytest -q

crossval: $(STAMP)
	$(VENV)/bin/cim crossval --folds 5

bench-nlu: $(STAMP)
	nice -n 19 $(VENV)/bin/cim bench nlu --datasets bitext,clinc150

clean:
	rm -rf models/*.tar.gz var results .pytest_cache
