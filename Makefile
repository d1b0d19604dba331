# liuquan: `make run` serves the demo city; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck check install messages bench clean

$(BIN)/liuquan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/liuquan

run: install
	$(BIN)/liuquan migrate --no-input -v0
	$(BIN)/liuquan demo
	@echo "Serving http://$(HOST):$(PORT)/  (console: /console/, API: /api/v1/openapi.json)"
	$(BIN)/liuquan runserver --noreload $(HOST):$(PORT)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check liuquan tests bench
	$(BIN)/ruff format --check liuquan tests bench

typecheck: install
	$(BIN)/mypy liuquan tests bench

check: lint typecheck test

# Re-extract and compile translations (needs GNU gettext; the compiled .mo files are committed).
messages: install
	cd liuquan && LIUQUAN_VAR_DIR=$$(mktemp -d) ../$(BIN)/liuquan makemessages -l zh_Hans --no-obsolete --no-location
	cd liuquan && LIUQUAN_VAR_DIR=$$(mktemp -d) ../$(BIN)/liuquan compilemessages -l zh_Hans

# Benchmarks against peers measured in the same run (pymerkle, SpiffWorkflow and PM4Py are
# benchmark/test-only dependencies, never runtime ones).
bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/cases_floor.py
	$(BIN)/python bench/supervision.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
