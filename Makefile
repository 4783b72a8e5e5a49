# HEK Service-Portal. Two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PORT  ?= 8501

.PHONY: run test lint format bench install system-deps clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv
	@$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

## make run: set up, migrate, seed demo data when empty, serve on http://localhost:$(PORT)
run: install
	@HEK_MODE=demo $(PY) -m core migrate
	@HEK_MODE=demo $(PY) -m core seed --if-empty --members 200
	@HEK_MODE=demo $(PY) -m core demo-logins
	@echo "Portal: http://localhost:$(PORT)"
	@HEK_MODE=demo $(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address 0.0.0.0

## make test: install what is missing (incl. chromium and PostgreSQL) and run the whole suite
test: install system-deps
	@bash scripts/test.sh

system-deps:
	@bash scripts/system-deps.sh

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

## make bench: run every benchmark under bench/ and rewrite BENCHMARKS.md
bench: install system-deps
	@bash scripts/with-postgres.sh $(PY) -m bench

clean:
	rm -rf $(VENV) data/*.db data/*.db-* .pytest_cache

## make load: concurrent sessions against one portal process (bench/load.py, a few minutes):
## Streamlit's websocket protocol by default, real browsers with LOAD_ARGS="--client browser";
## e.g. make load LOAD_ARGS="--users 50 --minutes 5 --idle 0"
.PHONY: load
load: install system-deps
	@bash scripts/with-postgres.sh $(PY) -m bench.load $(LOAD_ARGS)

## make bundle: rebuild web/dist/health_crypto.js from web/src with the npm packages pinned in
## web/package-lock.json (npm ci, no install scripts); commit the result
.PHONY: bundle
bundle:
	@cd web && npm ci --ignore-scripts --no-audit --no-fund && npm run build
