# careercoach task runner. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
CC := $(VENV)/bin/careercoach

.PHONY: help install run test lint typecheck eval bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

install: $(VENV)/.installed  ## create .venv and install the product

run: install  ## install, index the starter knowledge base, start the web app (offline mode)
	$(CC) serve

test:  ## install test needs (apt packages too) and run every test
	bash scripts/test.sh

lint:  ## ruff and mypy
	$(VENV)/bin/ruff check bot ui evals tests
	$(VENV)/bin/ruff format --check bot ui evals tests
	$(VENV)/bin/mypy

eval: install  ## run the evaluation suites on the shipped datasets
	$(CC) eval all

bench: install  ## run the benchmarks and print the figures
	$(CC) bench

clean:  ## remove caches (not the data under CAREERCOACH_HOME)
	rm -rf .pytest_cache .mypy_cache .ruff_cache
