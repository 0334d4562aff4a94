# Babblefish: `make demo` runs the monitor and Home Assistant on an embedded recording; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: setup test test-main test-current-ha docker-engine lint lint-addon format demo bench clean

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

# Lint first (ruff, mypy --strict, the add-on checks), then every test on the main environment
# (Home Assistant 2025.4.4, the declared minimum, on Python 3.13; the add-on image tests need the
# Docker engine that docker-engine starts), then the integration's tests on the current Home Assistant.
test: lint docker-engine test-main test-current-ha

test-main: setup
	$(UV) run --frozen pytest

# tests/ha and tests/contract on Home Assistant 2026.10.4 / Python 3.14, in a cached Debian sid chroot
# (root needed: debootstrap, chroot). The first run builds it; later runs start in seconds.
test-current-ha: setup
	scripts/current_ha.sh

# A Docker engine and aarch64 emulation for tests/addon/test_addon_image.py (root; never fails).
docker-engine:
	scripts/docker_engine.sh

# HA=current: today's Home Assistant (2026.10.4, Python 3.14 chroot; root); HA=minimum: 2025.4.4 from
# the main environment; HA=auto (default): current where the machine allows it, else minimum, saying why.
HA ?= auto
demo: setup
	$(UV) run --frozen python scripts/demo.py --ha $(HA)

bench: setup
	$(UV) run --frozen python bench/frontend_bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .cache
