# The helpline's two commands: `make run` and `make test`. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
BIN       := $(VENV)/bin
# Pip's own output is noise here; errors still show.
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: help setup run test lint i18n i18n-compile model db bench clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- environments (rebuilt only when their requirements change) -------------
$(VENV)/.installed: pyproject.toml
	@py=$$(scripts/find-python app) || exit 1; \
	  echo "==> .venv: the application ($$py)"; \
	  [ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) -e '.[dev]'
	@touch $@

$(RASA_VENV)/.installed: nlu/requirements.txt nlu/constraints.txt
	@py=$$(scripts/find-python rasa) || exit 1; \
	  echo "==> .venv-rasa: the Rasa engine ($$py); the first time takes a few minutes"; \
	  [ -x $(RASA_VENV)/bin/python ] || $$py -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) -r nlu/requirements.txt -c nlu/constraints.txt
	@touch $@

setup: $(VENV)/.installed $(RASA_VENV)/.installed i18n-compile db  ## create both environments, catalogs and database

# --- translations --------------------------------------------------------------
i18n: $(VENV)/.installed  ## extract the registry, update every catalog, compile
	$(BIN)/pybabel extract --no-default-keywords -k N_:1c,2 -k NP_:1c,2,3 \
	  -F babel.cfg --sort-by-file --no-wrap --project=helpline -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-wrap --ignore-obsolete
	$(MAKE) i18n-compile

i18n-compile: $(VENV)/.installed  ## compile the catalogs (.mo files are build output)
	@$(BIN)/pybabel compile -d locales -D messages --statistics 2>&1 | grep -v "^$$" || true

# --- data and model ------------------------------------------------------------
db: $(VENV)/.installed  ## migrate the database to the latest schema
	@$(BIN)/helpline db upgrade

model: $(VENV)/.installed $(RASA_VENV)/.installed  ## train the Rasa model if its inputs changed
	@$(BIN)/helpline train

# --- the two commands ------------------------------------------------------------
run: setup model  ## run the helpline (console chat without HELPLINE_TELEGRAM_TOKEN)
	$(BIN)/helpline run

test: setup model lint  ## the whole test suite, Rasa's own checks included
	$(BIN)/pytest

lint: $(VENV)/.installed  ## ruff and mypy
	$(BIN)/ruff check bot actions tests
	$(BIN)/mypy

bench: setup model  ## speed and memory benchmark
	$(BIN)/python -m tests.bench

clean:  ## remove environments, model and build output (keeps var/)
	rm -rf $(VENV) $(RASA_VENV) models nlu/.rasa
	find locales -name '*.mo' -delete
