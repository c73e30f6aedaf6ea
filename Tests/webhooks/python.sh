#!/usr/bin/env bash
# Prints the Python that has the Standard Webhooks reference library (PyPI `standardwebhooks`),
# installing it into a virtual environment under the cache directory on first use, the way
# Tests/browser/run.sh installs Playwright. The webhook tests run receiver.py with it.
set -euo pipefail
version=1.3.0
venv=${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-webhook-tests/venv-$version
mkdir -p "$(dirname "$venv")"
# One install at a time: the test process starts several receivers at once, and a second
# first use would remove the environment the first is installing into.
exec 9>"$venv.lock"
flock 9
if ! "$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null; then
  echo "webhook tests: installing standardwebhooks $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$version" >&2
fi
echo "$venv/bin/python"
