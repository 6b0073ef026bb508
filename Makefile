# Herald — developer entry points. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip
export HERALD_DATA_DIR ?= .herald

.PHONY: help venv install install-test system-deps console console-test migrate seed demo serve lint test test-fast bench clean

help:
	@echo "make demo   install, build the console, migrate, seed demo data, serve on :8000"
	@echo "make test   install test needs and run every check and test"
	@echo "make lint   ruff, mypy (strict), import-linter"
	@echo "make bench  run the benchmarks and write bench/RESULTS.md"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(BIN)/python

install: venv
	$(PIP) install --quiet -e .

install-test: venv
	$(PIP) install --quiet -e '.[test]'

system-deps:
	bash scripts/system-deps.sh

console:
	@if [ -f frontend/package.json ]; then bash scripts/build-console.sh; fi

console-test: console
	cd frontend && npm test --silent

migrate: install
	$(BIN)/herald db upgrade

seed: migrate
	$(BIN)/herald seed

demo: install console seed
	$(BIN)/herald serve --host 127.0.0.1 --port 8000

serve: install
	$(BIN)/herald serve

lint: install-test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: system-deps install-test console console-test lint
	$(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

test-fast: install-test
	$(BIN)/pytest -x -q $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .herald herald.db herald.db-* .mypy_cache .ruff_cache .pytest_cache
