# Beredskapsvarsling — every target bootstraps what it needs; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
PORT ?= 8000
# Parallel pytest workers for `make test`; most tests wait on sockets and child processes, so
# more workers than cores pay off (measured in docs/decisions/0018-parallel-tests.md).
TEST_WORKERS ?= 4

OIDC_PROVIDER := tests/oidc/node_modules/oidc-provider/package.json

.PHONY: help install run test test-unit test-provider lint format bench screenshots clean i18n-extract i18n-update i18n-compile i18n-check i18n-status i18n-approve

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/dispatch: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(BIN)/dispatch ## Create .venv with the locked dependencies

run: install ## Start the service with demo data on http://127.0.0.1:8000 (SQLite, embedded defaults); PORT=8001 make run for another port
	$(BIN)/dispatch run --host 127.0.0.1 --port $(PORT)

test: install test-provider ## Run the whole suite: in TEST_WORKERS (4) parallel workers, then the `alone` tests one by one (PostgreSQL and Redis tests skip if those are down, fail under CI=true)
	status=0; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not alone" || status=$$?; \
	$(BIN)/pytest -m alone || status=$$?; \
	exit $$status

test-provider: ## Install the OpenID provider the sign-in tests run (oidc-provider from npm, into tests/oidc)
	@if [ -f $(OIDC_PROVIDER) ]; then :; \
	elif command -v npm >/dev/null; then npm ci --prefix tests/oidc --no-audit --no-fund; \
	else echo "npm is missing: the single sign-on tests will skip (and fail under CI=true)"; fi

test-unit: install ## Run only the unit tests (no servers needed)
	$(BIN)/pytest tests/unit

lint: install ## ruff check, ruff format --check, mypy --strict, import-linter contracts, catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m translations check

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Run the benchmarks (tests/bench, ~10 min; BENCH_PROFILE=1 for flame graphs) and write bench-results.json
	$(BIN)/python -m tests.bench

screenshots: install ## Remake the README's screenshots (docs/screenshots/) in Chromium
	$(BIN)/pytest -q -p no:cacheprovider tests/e2e/docs_screenshots.py

i18n-extract: install ## Extract translatable strings into translations/messages.pot
	$(BIN)/python -m translations extract

i18n-update: install ## Merge messages.pot into every language's .po file
	$(BIN)/python -m translations update

i18n-compile: install ## Compile .po catalogs to .mo (the service also does it at start)
	$(BIN)/python -m translations compile

i18n-check: install ## Fail on a stale .pot, a missing member-facing string or a broken placeholder
	$(BIN)/python -m translations check

i18n-status: install ## Print each language's coverage, review status and approved system words
	$(BIN)/python -m translations status

i18n-approve: install ## Record a reviewer's approval of the system's own words: make i18n-approve LANGS="so ti" BY="name"
	@test -n "$(LANGS)" -a -n "$(BY)" || { echo 'usage: make i18n-approve LANGS="so ti" BY="name"'; exit 2; }
	$(BIN)/python -m translations approve $(LANGS) --by "$(BY)"

clean: ## Remove the environments and local data
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
