# wiretrace — every target bootstraps its own virtual environment.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Dagster's instance lives in the repo by default: dagster.yaml here, SQLite storage in ignored folders.
export DAGSTER_HOME ?= $(CURDIR)
export GX_ANALYTICS_ENABLED := false
export WIRETRACE_INBOX ?= data/sample
export WIRETRACE_WAREHOUSE ?= data/warehouse.duckdb

.PHONY: run test test-fast ui bench bench-clean bench-stories bench-claims bench-pipeline bench-pairs bench-copy-memory bench-story-history export clean-state docs

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,scale]'
	@touch $(STAMP)

venv: $(STAMP)

home:
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## make run: the nightly job on the bundled sample corpus, then a summary of what landed
run: $(STAMP) home
	$(PY) -m orchestration.cli run-nightly

## make test: every test suite (CI runs this)
test: $(STAMP) home
	$(PY) -m pytest -q -p no:cacheprovider

## make test-fast: the quick local loop (skips the suites marked slow)
test-fast: $(STAMP) home
	$(PY) -m pytest -q -m "not slow"

## make ui: the Dagster UI on http://127.0.0.1:3000
ui: $(STAMP) home
	$(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

bench: bench-clean bench-stories bench-claims bench-pipeline bench-pairs bench-copy-memory bench-story-history

bench-clean: $(STAMP)
	$(PY) -m benchmarks.bench_clean

bench-stories: $(STAMP)
	$(PY) -m benchmarks.bench_stories

bench-claims: $(STAMP)
	$(PY) -m benchmarks.bench_claims

## make bench-pairs: pairs of different events at the story thresholds, real text (ECB+) vs the synthetic corpus
bench-pairs: $(STAMP)
	$(PY) -m benchmarks.bench_pairs

## make bench-copy-memory: peak PSS by phase of the copy stage + term vectors on a 300k-article night (SIZE=1m)
bench-copy-memory: $(STAMP)
	$(PY) -m benchmarks.bench_copy_memory --size $(or $(SIZE),300k)

## make bench-story-history: the story stage on ten nights of history vs empty, replayed in memory (EVENT_SOURCES=4: the less repetitive corpus; KEPT_PAIRS=none: every night multiplies its reach)
bench-story-history: $(STAMP)
	$(PY) -m benchmarks.bench_story_history --event-sources $(or $(EVENT_SOURCES),1) --kept-pairs $(or $(KEPT_PAIRS),default)

## make bench-pipeline: every stage + the nightly job on a synthetic 10k-article night (SIZES=10k,100k for more)
bench-pipeline: $(STAMP)
	$(PY) -m benchmarks.bench_pipeline --sizes $(or $(SIZES),10k)

## make docs: regenerate docs/DATA_DICTIONARY.md from the comments in sql/ddl and sql/marts
docs: $(STAMP)
	$(PY) scripts/gen_data_dictionary.py

## make export: every marts view as Parquet and CSV by publication date, with the data dictionary (data/exports)
export: $(STAMP)
	$(PY) -m wiretrace.export

clean-state:
	rm -rf history storage schedules logs .telemetry .nux data/warehouse.duckdb data/warehouse.duckdb.wal data/analytics.duckdb
