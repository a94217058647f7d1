#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Installs it when we may; in CI a missing browser is an error,
# elsewhere the browser tests are skipped with a message.
set -uo pipefail
BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }) || true
fi
if [ -x "$BROWSER" ]; then
    exit 0
fi
if [ "${CI:-}" = "true" ]; then
    echo "Chromium is required in CI for the browser tests but could not be installed at $BROWSER" >&2
    exit 1
fi
echo "== Chromium not found at $BROWSER: the browser tests will be skipped (sudo apt-get install chromium)"
