#!/usr/bin/env bash
# Make sure the system libraries WeasyPrint renders reports with are there: Pango (text layout,
# with HarfBuzz and fontconfig), HarfBuzz's subsetter (small PDFs, fast) and a font with broad
# Unicode coverage. pip installs WeasyPrint itself; these come from Debian's packages.
# Installs them when we may (root with apt-get); otherwise says what to install. In CI a
# missing library is an error, elsewhere a warning: only report rendering needs them.
set -uo pipefail
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core)

missing_packages() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    echo "${missing[@]:-}"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "== not a Debian/Ubuntu system: install Pango >= 1.44, HarfBuzz (with its subset"
    echo "   library), fontconfig and the DejaVu fonts for PDF reports (see WeasyPrint's docs)"
    exit 0
fi

MISSING="$(missing_packages)"
if [ -z "$MISSING" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian packages for PDF reports: $MISSING"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    (apt-get install -y -qq --no-install-recommends $MISSING >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $MISSING >/dev/null; }) || true
    MISSING="$(missing_packages)"
    if [ -z "$MISSING" ]; then
        exit 0
    fi
fi
if [ "${CI:-}" = "true" ]; then
    echo "PDF reports need these Debian packages, which could not be installed: $MISSING" >&2
    exit 1
fi
echo "== PDF reports need system libraries that are missing: $MISSING"
echo "   on a fresh Debian/Ubuntu machine: sudo apt-get install $MISSING"
