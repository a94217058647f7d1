# Boomerang: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/boomerang
LOCAL := .local
STAMP := $(VENV)/.installed
# Test processes per run (pytest-xdist); 0 runs the suite in this process, in order. An idle
# worker takes tests queued for the other (worksteal), so a few long browser tests at the end
# do not leave one core waiting.
PYTEST_WORKERS ?= 2
PYTEST_XDIST := -n $(PYTEST_WORKERS) $(if $(filter 0,$(PYTEST_WORKERS)),,--dist worksteal)

.PHONY: help install run test test-sqlite test-postgres lint format migrate demo clean browser

help:
	@echo "make run      install, migrate, load demo data (first run) and serve on http://127.0.0.1:$(PORT)"
	@echo "make test     lint and run the whole test suite on SQLite and PostgreSQL"
	@echo "make install  create $(VENV) and install Boomerang with its development extras"
	@echo "make format   apply ruff's formatting and safe fixes"
	@echo "make fuzz     a long schemathesis campaign over every API operation"
	@echo "make bench-load  gunicorn + PostgreSQL under a mixed load, then a consistency check"
	@echo "make bench    the benchmark suite: 1,000 vs BENCH_ORDERS (100,000) orders, targets met?"
	@echo "make bench-quick  the same with 1,000 vs 20,000 orders, in a few minutes"

$(STAMP): pyproject.toml
	@bash scripts/ensure_system_libs.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

$(LOCAL)/secret_key:
	@mkdir -p $(LOCAL)
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install $(LOCAL)/secret_key
	@export DEBUG=true SECRET_KEY="$$(cat $(LOCAL)/secret_key)" \
		BOOMERANG_BASE_URL="$${BOOMERANG_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/python manage.py migrate --no-input && \
	$(BIN)/python manage.py setup_site && \
	exec $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

migrate: install $(LOCAL)/secret_key
	DEBUG=true SECRET_KEY="$$(cat $(LOCAL)/secret_key)" $(BIN)/python manage.py migrate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

browser:
	@bash scripts/ensure_browser.sh

test-sqlite: install browser
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The browser tests check what the pages look like and do in Chromium (scripts, layout,
# accessibility), which does not depend on the database: they run in the SQLite pass, and on
# PostgreSQL only those that need it (marked `postgres`). Every other test runs on both. This
# keeps `make test` within CI's time budget; PG_SELECTION= runs them all on PostgreSQL too.
PG_SELECTION ?= -m "not e2e or postgres"

test-postgres: install
	@if $(BIN)/python scripts/pg_reachable.py "$(TEST_DATABASE_URL)"; then \
		echo "== tests on PostgreSQL ($(TEST_DATABASE_URL))"; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest $(PYTEST_XDIST) $(PG_SELECTION) $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is required in CI but is not reachable at $(TEST_DATABASE_URL)" >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): skipping the PostgreSQL run"; \
	fi

test: lint test-sqlite test-postgres

# Fuzzing campaign: the fuzz tests of `make test` (schemathesis over every API operation, as a
# superuser, a viewer and anonymously) with many more examples and the coverage phase
# (boundary values). FUZZ_EXAMPLES per operation and actor (default 200), FUZZ_SEED for other
# inputs, FUZZ_COVERAGE=false to skip boundary values; DATABASE_URL=postgres://... fuzzes
# PostgreSQL.
FUZZ_EXAMPLES ?= 200

.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES="$(FUZZ_EXAMPLES)" FUZZ_COVERAGE="$${FUZZ_COVERAGE:-true}" \
		$(BIN)/pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

# Load benchmark: gunicorn (config/gunicorn.py, several workers) on a throwaway PostgreSQL
# database under a mixed locust workload, then a consistency check. Loopback only.
# BENCH_DURATION (seconds, default 60), BENCH_USERS, BENCH_WORKERS, BENCH_DATABASE_URL.
BENCH_DATABASE_URL ?= $(TEST_DATABASE_URL)

.PHONY: bench-load
bench-load: install
	$(BIN)/pip install --quiet ".[bench]"
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/load.py

# Benchmark suite: seeds 1,000 and BENCH_ORDERS orders into throwaway databases on the
# PostgreSQL server of BENCH_DATABASE_URL, serves each with gunicorn, measures latency, queries,
# throughput and memory against reference views, and writes bench/results/latest.md. Exits
# non-zero when a target is missed. BENCH_ARGS for more options (`python -m bench --help`).
BENCH_ORDERS ?= 100000

.PHONY: bench bench-quick
bench: install
	$(BIN)/pip install --quiet ".[bench]"
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_ORDERS="$(BENCH_ORDERS)" \
		$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: install
	$(BIN)/pip install --quiet ".[bench]"
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
