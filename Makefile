# The two commands: `make run` (the embedded stack with demo data) and `make test` (the suite on PostgreSQL and Redis).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PORT ?= 8000

# uv: the one on PATH when it works here, otherwise installed once under .data/tools.
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else echo $(CURDIR)/.data/tools/bin/uv; fi)
PYTHON := .venv/bin/python

# Tests: the app role (row-level security applies to it), the ops role (bypasses it), and the owner that creates the
# test database and runs migrations. Override any of them from the environment.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://csm_app:csm_app@localhost:5432/csm)
TEST_DATABASE_OPS_URL ?= $(or $(DATABASE_OPS_URL),postgres://csm_ops:csm_ops@localhost:5432/csm)
TEST_DATABASE_OWNER_URL ?= $(or $(DATABASE_OWNER_URL),postgres://postgres@localhost:5432/postgres)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://localhost:6379/0)

.PHONY: help run test lint format bench install install-dev browser compose clean

help:
	@echo "make run    start the app with demo data on http://localhost:$(PORT)/ (Ctrl-C stops it)"
	@echo "make test   run the whole test suite on PostgreSQL and Redis"
	@echo "make lint   ruff (check and format), mypy, and import-linter (the layering of the apps)"
	@echo "make bench  run the benchmarks under tests/bench"

$(CURDIR)/.data/tools/bin/uv:
	@echo "Installing uv into .data/tools ..."
	@python3 -m pip install --quiet --disable-pip-version-check --target $(CURDIR)/.data/tools uv

uv: $(filter $(CURDIR)/.data/tools/bin/uv,$(UV))

install: uv
	@$(UV) sync --frozen --no-dev --inexact --quiet

install-dev: uv
	@$(UV) sync --frozen --quiet

# Browser tests drive the system Chromium (a test tool's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "Installing chromium ..."; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; }

# `docker compose config` validates docker-compose.yml in the tests; with no compose plugin here, Debian's Compose v2
# goes into .data/compose (best effort: without it those tests skip and say why).
compose:
	@scripts/install-compose.sh

run: install
	@$(PYTHON) manage.py run_local --port $(PORT)

# A full run measures coverage and fails below the floor (the level the suite had when the floor was set: raise it
# as coverage grows, never lower it); a run narrowed with PYTEST_ARGS skips the measure.
COVERAGE_FLOOR ?= 94.5
COVERAGE_ARGS = $(if $(PYTEST_ARGS),,--cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR))

test: install-dev browser compose
	@DJANGO_SETTINGS_MODULE=csm.settings_test \
	DATABASE_URL="$(TEST_DATABASE_URL)" DATABASE_OPS_URL="$(TEST_DATABASE_OPS_URL)" \
	DATABASE_OWNER_URL="$(TEST_DATABASE_OWNER_URL)" REDIS_URL="$(TEST_REDIS_URL)" \
	$(PYTHON) -m pytest $(COVERAGE_ARGS) $(PYTEST_ARGS)

lint: install-dev
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy
	.venv/bin/lint-imports --no-cache

format: install-dev
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

# The benchmarks keep their own test database between runs (--reuse-db): generating the organization of 50,000
# accounts takes a few minutes, so it is done once and again only when it is missing (tests/bench/conftest.py).
bench: install-dev
	@DJANGO_SETTINGS_MODULE=csm.settings_test TEST_DATABASE_NAME="$${BENCH_DATABASE_NAME:-test_csm_bench}" \
	DATABASE_URL="$(TEST_DATABASE_URL)" DATABASE_OPS_URL="$(TEST_DATABASE_OPS_URL)" \
	DATABASE_OWNER_URL="$(TEST_DATABASE_OWNER_URL)" REDIS_URL="$(TEST_REDIS_URL)" \
	$(PYTHON) -m pytest tests/bench -p no:cacheprovider -s --reuse-db $(PYTEST_ARGS)

clean:
	rm -rf .venv .data staticfiles .pytest_cache .mypy_cache .ruff_cache
