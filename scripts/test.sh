#!/usr/bin/env bash
# Install what the tests need (Debian packages when missing, the Python dev extras with the pinned
# tools), run ruff and mypy, then every test.
# This is the README's test command (`make test`) and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
# a CJK font, so browser screenshots show Chinese rather than empty boxes
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy\|noto sans cjk" || need_apt+=(fonts-wqy-microhei)
# an emoji font, so 👍/👎 show in screenshots; npm, for axe-core (the accessibility check)
fc-list 2>/dev/null | grep -qi "emoji" || need_apt+=(fonts-noto-color-emoji)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
apt_install() {
  echo "installing Debian packages: $*"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}
if [ ${#need_apt[@]} -gt 0 ]; then apt_install "${need_apt[@]}"; fi

VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  # Debian's python3 makes no venv without its python3-venv package
  python3 -m venv "$VENV" 2>/dev/null || { rm -rf "$VENV"; apt_install python3-venv; python3 -m venv "$VENV"; }
fi
if [ ! -f "$VENV/.installed-dev" ] || [ pyproject.toml -nt "$VENV/.installed-dev" ] \
   || [ scripts/constraints-dev.txt -nt "$VENV/.installed-dev" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[dev]" -c scripts/constraints-dev.txt
  touch "$VENV/.installed" "$VENV/.installed-dev"
fi

# axe-core for the browser tests, from the npm registry into tests/browser/node_modules (the
# tests inject this local copy; nothing is fetched at test time)
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --silent
fi

# lint first: seconds, and a failure here needs no test run to be seen
VENV="$VENV" bash scripts/lint.sh

export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
# one thread per process for the embedding model: the tests run a server, a refresh worker and a
# browser beside pytest on 2 cores, and onnxruntime's own pool then oversubscribes them (a query
# measured 6 s instead of 0.24 s on a loaded machine). An OMP_NUM_THREADS already set is kept.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "$VENV/bin/python" -m pytest "$@"
