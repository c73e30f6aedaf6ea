#!/usr/bin/env bash
# The touch UI's ES modules through TypeScript's checker: each starts with `// @ts-check` and
# types what it exports in JSDoc; this checks them all together (imports resolved, DOM types,
# unused names), emitting nothing: the files served stay the files written, no build step.
# Debian's node-typescript gives `tsc` (scripts/install-deps.sh installs it). display.js, the
# call display's own page, is a classic script outside the module graph and is not checked.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
ui=$repo/Sources/KioskServer/Resources/ui
command -v tsc >/dev/null || { echo "typecheck: tsc is missing (scripts/install-deps.sh installs node-typescript)" >&2; exit 1; }
modules=()
for file in "$ui"/*.js; do [ "$(basename "$file")" = display.js ] || modules+=("$file"); done
tsc --noEmit --allowJs --checkJs --noUnusedLocals --noUnusedParameters --target es2022 --module es2022 \
  --moduleResolution node --lib es2022,dom,dom.iterable "${modules[@]}"
echo "typecheck: ${#modules[@]} modules of the touch UI pass tsc $(tsc --version | cut -d' ' -f2)"
