# The README's quick start is these two targets:
#   make run   — install, migrate, seed the demo, serve on http://127.0.0.1:8000 (SQLite)
#   make test  — install what the tests need (Python and Debian packages), run them all
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-test system-deps lint test test-fast bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

run: install
	$(BIN)/teranga migrate
	$(BIN)/teranga demo
	$(BIN)/teranga serve --host $(HOST) --port $(PORT)

system-deps:
	./scripts/install-test-deps.sh

install-test: $(BIN)/python system-deps
	$(BIN)/python -m pip install --quiet -e '.[test]'

lint:
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m pytest

test-fast:
	$(BIN)/python -m pytest -m "not slow and not e2e"

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
