#!/usr/bin/env bash
# ruff and mypy with the versions pinned in scripts/constraints-dev.txt; `make lint` and
# scripts/test.sh (the README's test command) both run it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check bot ui evals tests
"$VENV/bin/ruff" format --check bot ui evals tests
"$VENV/bin/mypy"
