# Babblefish: `make demo` runs the monitor and Home Assistant on an embedded recording; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: setup test lint lint-addon format demo bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.synced: $(UV) pyproject.toml uv.lock addon/monitor/pyproject.toml training/pyproject.toml
	$(UV) sync --frozen
	touch $@

setup: $(VENV)/.synced

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy addon/monitor/src custom_components/babblefish training/src scripts bench
	STRICT=1 scripts/lint_addon.sh

lint-addon: setup
	STRICT=1 scripts/lint_addon.sh

format: setup
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

# Lint first (ruff, mypy --strict, the add-on checks), then every test.
test: lint
	$(UV) run --frozen pytest

demo: setup
	$(UV) run --frozen python scripts/demo.py

bench: setup
	$(UV) run --frozen python bench/frontend_bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
