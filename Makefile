# Two commands matter: `make run` (the product) and `make test` (the whole suite). Both install what they need.
# Rasa 3.6 lives in its own Python 3.10 environment; the application (api, actions, kb) in Python 3.11.

SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_VENV := .venvs/rasa
APP_VENV  := .venvs/app
TOOLS_VENV := .venvs/tools
UV        := $(TOOLS_VENV)/bin/uv
RASA      := $(RASA_VENV)/bin/rasa
APP_PY    := $(APP_VENV)/bin/python
MODEL     := models/gbo.tar.gz
DOMAIN    := build/domain
RASA_ENV  := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
BOT_DATA  := bot/data nlu_data
NODE_STAMP := node_modules/.installed
CHROMIUM  := /usr/bin/chromium

TRAINING_INPUTS := bot/config.yml $(shell find bot/domain bot/catalog bot/data nlu_data -name '*.yml' 2>/dev/null) \
                   scripts/build_domain.py $(wildcard bot/components/*.py)

.PHONY: help install run train warm lint validate story-test nlu-test test bench lock clean

help:
	@echo "make run    install if needed, train if needed, start Rasa + action server + API"
	@echo "make test   install if needed, train if needed, lint, validate the bot data, run pytest"
	@echo "make bench  benchmarks (slow; they measure, not check)"

install: $(RASA_VENV)/.installed $(APP_VENV)/.installed $(NODE_STAMP) $(CHROMIUM)

# The widget's browser packages (socket.io-client, served at /widget/vendor/) and the browser tests' ones.
$(NODE_STAMP): package.json package-lock.json
	@echo "installing the widget's npm packages (node_modules)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
$(CHROMIUM):
	@echo "installing chromium (apt-get)"
	@DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

# Python packages are installed by uv (pinned in requirements/tools.lock): the same pinned locks as pip would
# install, about ten times faster (the Rasa environment in ~30 s instead of several minutes). It reads the
# machine's local wheel folders when they exist (pip reads them from pip.conf; uv does not).
UV_SOURCES := $(if $(wildcard /opt/wheels),--find-links /opt/wheels) \
              $(foreach index,$(wildcard /opt/pypi/simple /opt/pypi-more/simple),--extra-index-url file://$(index)) \
              --index-strategy unsafe-best-match
$(UV): requirements/tools.lock
	@python=$$(scripts/find-python.sh 3.11) || exit 1; \
	  $$python -m venv $(TOOLS_VENV) && \
	  $(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/tools.lock
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock | $(UV)
	@python=$$(scripts/find-python.sh 3.10) || exit 1; \
	  echo "creating the Rasa environment ($(RASA_VENV), $$python)"; \
	  $$python -m venv $(RASA_VENV) && \
	  $(UV) pip install --quiet --python $(RASA_VENV)/bin/python $(UV_SOURCES) -r requirements/rasa.lock
	@touch $@

$(APP_VENV)/.installed: requirements/app.lock | $(UV)
	@python=$$(scripts/find-python.sh 3.11) || exit 1; \
	  echo "creating the application environment ($(APP_VENV), $$python)"; \
	  $$python -m venv $(APP_VENV) && \
	  $(UV) pip install --quiet --python $(APP_VENV)/bin/python $(UV_SOURCES) -r requirements/app.lock
	@touch $@

# The domain Rasa sees: bot/domain plus responses generated from the per-language catalogs.
$(DOMAIN)/responses.yml: $(APP_VENV)/.installed $(filter bot/domain/% bot/catalog/%,$(TRAINING_INPUTS)) scripts/build_domain.py
	@$(APP_PY) scripts/build_domain.py $(DOMAIN)

# Retrained only when the data, the catalogs or the config changed.
$(MODEL): $(RASA_VENV)/.installed $(DOMAIN)/responses.yml $(TRAINING_INPUTS)
	@echo "training the Rasa model ..."
	@$(RASA_ENV) $(RASA) train --config bot/config.yml --domain $(DOMAIN) --data $(BOT_DATA) \
	  --out models --fixed-model-name gbo --quiet
	@touch $@

train: $(MODEL)

run: install train warm
	@$(APP_PY) -m api run --rasa $(RASA)

# The need matcher's caches (var/cache/), built once with every core before any process needs them: a few
# minutes on a fresh clone (two encoders over some 17 000 texts), seconds when nothing changed.
warm: $(APP_VENV)/.installed
	@$(APP_PY) -m kb warm-matcher

# ruff, and the architecture contracts of pyproject.toml ([tool.importlinter]: layers, no import cycles).
lint: $(APP_VENV)/.installed
	@$(APP_VENV)/bin/ruff check .
	@mkdir -p build && $(APP_VENV)/bin/lint-imports --no-cache > build/lint-imports.log 2>&1 || { cat build/lint-imports.log; exit 1; }
	@grep -E '^Contracts: ' build/lint-imports.log

validate: $(RASA_VENV)/.installed $(DOMAIN)/responses.yml
	@$(RASA_ENV) $(RASA) data validate --domain $(DOMAIN) --data $(BOT_DATA) --config bot/config.yml --quiet

# The trained model against tests/test_conversations.yml: NLU in both languages and the predicted actions.
story-test: $(MODEL)
	@$(RASA_ENV) $(RASA) test core --model $(MODEL) --stories tests/test_conversations.yml \
	  --fail-on-prediction-errors --out build/rasa-test > build/rasa-test.log 2>&1 \
	  || { tail -n 30 build/rasa-test.log; cat build/rasa-test/failed_test_stories.yml 2>/dev/null; exit 1; }
	@echo "rasa test core: all stories in tests/test_conversations.yml passed"

# The trained model against tests/test_nlu.yml: intent F1 as a whole, and every odd input out_of_scope (a rule).
nlu-test: $(MODEL)
	@$(RASA_ENV) $(RASA) test nlu --model $(MODEL) --nlu tests/test_nlu.yml --out build/rasa-nlu-test --no-plot \
	  > build/rasa-nlu-test.log 2>&1 || { tail -n 30 build/rasa-nlu-test.log; exit 1; }
	@$(APP_PY) scripts/check_nlu_report.py build/rasa-nlu-test

# Each step timed; where the time went is printed at the end (build/test-times.txt).
STEP = scripts/timed-step.sh build/test-times.txt
# Two pytest workers, a whole test file at a time (--dist loadfile): a file's tests share module-scoped
# servers and some build on the test before them.
PYTEST_WORKERS ?= 2
test:
	@mkdir -p build && rm -f build/test-times.txt
	@$(STEP) install $(MAKE) --no-print-directory install
	@$(STEP) train $(MAKE) --no-print-directory train
	@$(STEP) warm $(MAKE) --no-print-directory warm
	@$(STEP) lint $(MAKE) --no-print-directory lint
	@$(STEP) validate $(MAKE) --no-print-directory validate
	@$(STEP) story-test $(MAKE) --no-print-directory story-test
	@$(STEP) nlu-test $(MAKE) --no-print-directory nlu-test
	@$(STEP) pytest $(APP_PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15
	@echo "where the time went:" && cat build/test-times.txt

bench: install train warm
	@for script in bench/*.py; do echo "== $$script"; $(APP_PY) $$script || exit 1; done

# Re-resolve the pinned environments from pyproject.toml and requirements/rasa.in.
lock:
	@rm -rf .venvs/lock-app .venvs/lock-rasa
	@$$(scripts/find-python.sh 3.11) -m venv .venvs/lock-app && .venvs/lock-app/bin/pip install --quiet ".[dev]" \
	  && .venvs/lock-app/bin/pip freeze --exclude gbo-intake > requirements/app.lock
	@$$(scripts/find-python.sh 3.10) -m venv .venvs/lock-rasa && .venvs/lock-rasa/bin/pip install --quiet \
	  -r requirements/rasa.in && .venvs/lock-rasa/bin/pip freeze > requirements/rasa.lock
	@rm -rf .venvs/lock-app .venvs/lock-rasa

clean:
	rm -rf build models var .pytest_cache
