# The two commands: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-runtime
export DEBUG ?= 1
DEMO_DB ?= sqlite:///amends.sqlite3
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test install check-install lint typecheck test-sqlite test-postgres test-redis bench-intake bench-batch bench-import bench-inbox bench-analytics bench-incidents messages clean

# The product alone (make demo), or the product with the test and lint tools (make test).
$(RUN_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(RUN_STAMP)
	DATABASE_URL=$(DEMO_DB) $(BIN)/amends migrate --noinput
	DATABASE_URL=$(DEMO_DB) $(BIN)/amends demo_data
	@DATABASE_URL=$(DEMO_DB) bash scripts/serve-demo.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy amends bench

# Unit, API and browser tests on SQLite (database queue), then on PostgreSQL, then the Redis queue.
test: lint typecheck test-sqlite test-postgres test-redis

test-sqlite: install
	DATABASE_URL=sqlite:///test-amends.sqlite3 $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider

test-redis: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest -q -p no:cacheprovider -m redis

# The production install: `pip install .` without dev extras into a clean venv, migrate, check --deploy, serve.
check-install:
	bash scripts/check-install.sh

bench-intake: install
	$(BIN)/python -m bench.intake

# Items/s through POST /api/v1/feedback/batch (100 per request) against single POSTs, in one run (DESIGN.md: 10x).
bench-batch: install
	$(BIN)/python -m bench.batch

# Text model quality per language on ../shared/data (evaluation only) and texts/s; SAMPLE texts per language.
# CORRECTIONS=N then retrains as a business whose agents labelled N other texts per language, and measures again.
SAMPLE ?= 1000
CORRECTIONS ?= 0
bench-textsense: install
	$(BIN)/python -m bench.textsense_quality --sample $(SAMPLE) --corrections $(CORRECTIONS)

bench-incidents: install
	$(BIN)/python -m bench.incidents

bench-import: install
	$(BIN)/python -m bench.import_rate

# Agent inbox p50/p95 at 1,000,000 cases on PostgreSQL against a plain indexed SELECT (DESIGN.md: p95 under 50 ms).
# Loads the database amends_bench once (~2 min); later runs reuse it. INBOX_ARGS: e.g. --reload, --cases 200000.
INBOX_ARGS ?=
bench-inbox: install
	$(BIN)/python -m bench.inbox $(INBOX_ARGS)

# Learn dashboards p50/p95 at 1,000,000 cases on PostgreSQL against a plain aggregate query (issue 6: under 500 ms).
# Loads the database amends_analytics_bench once (a few minutes); later runs reuse it, each times facts_refresh() once.
# ANALYTICS_ARGS: e.g. --reload, --cases 200000, --reps 50, --explain, --skip-refresh.
ANALYTICS_ARGS ?=
bench-analytics: install
	$(BIN)/python -m bench.analytics $(ANALYTICS_ARGS)

messages: install
	cd amends && ../$(BIN)/amends makemessages --all --no-obsolete --ignore 'static/*' && ../$(BIN)/amends compilemessages

clean:
	rm -rf $(VENV) staticfiles *.sqlite3* .mypy_cache .ruff_cache .pytest_cache
