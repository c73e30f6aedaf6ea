#!/usr/bin/env bash
# The touch UI in headless Chromium (Debian's `chromium`) against the built `kiosk serve`:
# Playwright for Python drives it, installed from PyPI into a virtual environment under the
# cache directory on first use (no browser download: Debian's chromium is used).
# Screenshots of every screen go to the directory printed first (KIOSK_UI_ARTEFACTS to choose it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
binary=${KIOSK_BINARY:-$repo/.build/debug/kiosk}
chromium=${CHROMIUM:-/usr/bin/chromium}
playwright_version=1.65.2
venv=${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-browser-tests/venv-$playwright_version

[ -x "$binary" ] || { echo "browser tests: $binary is not built (swift build first)" >&2; exit 1; }
[ -x "$chromium" ] || { echo "browser tests: $chromium is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
if ! "$venv/bin/python" -c 'import playwright' 2>/dev/null; then
  echo "browser tests: installing playwright $playwright_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$venv/bin/pip" install --quiet --disable-pip-version-check "playwright==$playwright_version"
fi
artefacts=${KIOSK_UI_ARTEFACTS:-$(mktemp -d -t kiosk-ui-screens.XXXXXX)}
echo "browser tests: screenshots in $artefacts"
# kiosk reads KIOSK_* variables as configuration: these two are this script's alone.
unset KIOSK_BINARY KIOSK_UI_ARTEFACTS
exec "$venv/bin/python" "$repo/Tests/browser/test_ui.py" --binary "$binary" --chromium "$chromium" --artefacts "$artefacts" "$@"
