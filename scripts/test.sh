#!/usr/bin/env bash
# The whole suite: lint, then unit, service (SQLite and PostgreSQL), AppTest and browser tests.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check . || exit 1
exec bash scripts/with-postgres.sh .venv/bin/python -m pytest -p no:cacheprovider "$@"
