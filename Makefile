# regwatch — every command a user needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Prefect: keep its state inside the project, no telemetry, patient ephemeral start-up.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_LOGGING_LEVEL ?= WARNING

DB ?= warehouse/regwatch.duckdb
PYTEST_ARGS ?=

.PHONY: help setup run demo test lint bench serve clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(BIN)/regwatch: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(BIN)/regwatch ## create .venv with everything (idempotent)

run: setup ## one nightly run against the live services into $(DB)
	$(BIN)/regwatch run --db $(DB)

demo: setup ## the same run, fully offline, on the sample data in demo/
	$(BIN)/regwatch demo --db warehouse/demo.duckdb

test: setup ## the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup ## ruff + mypy --strict on src/
	$(BIN)/ruff check src tests flows benchmarks
	$(BIN)/ruff format --check src tests flows benchmarks
	$(BIN)/mypy --strict src

bench: setup ## benchmarks (parse throughput, warehouse diffs, CSL ingest, no-op nightly run)
	$(BIN)/python -m benchmarks

serve: setup ## local Prefect server + the scheduled nightly deployment on 127.0.0.1
	$(BIN)/python flows/serve.py

clean: ## remove the virtualenv, caches and local warehouse files
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .prefect warehouse/*.duckdb warehouse/raw
