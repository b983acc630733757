# careercoach task runner. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
CC := $(VENV)/bin/careercoach

.PHONY: help install dev run test lint eval bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

install: $(VENV)/.installed  ## create .venv and install the product

# the dev extra with the pinned tools; scripts/test.sh makes the same marker
$(VENV)/.installed-dev: pyproject.toml scripts/constraints-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]" -c scripts/constraints-dev.txt
	touch $(VENV)/.installed $@

dev: $(VENV)/.installed-dev  ## install the product with the test and lint tools

run: install  ## install, index the starter knowledge base, start the web app (offline mode)
	@echo "the command line is $(CC) (or: source $(VENV)/bin/activate, then careercoach)"
	$(CC) serve

test:  ## install test needs (apt packages too) and run every test
	bash scripts/test.sh

lint: dev  ## ruff check, ruff format --check and mypy (the pinned versions)
	bash scripts/lint.sh

eval: install  ## run the evaluation suites on the shipped datasets
	$(CC) eval all

bench: install  ## run the benchmarks and print the figures
	$(CC) bench

clean:  ## remove caches (not the data under CAREERCOACH_HOME)
	rm -rf .pytest_cache .mypy_cache .ruff_cache
