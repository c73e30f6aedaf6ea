#!/usr/bin/env bash
# Fuzzes the JSON parser, writer and `kiosk logic eval`'s line evaluator (Sources/JSONLogic)
# with libFuzzer and AddressSanitizer for a bounded time, against a second, plain reading of
# RFC 8259 (see Tests/fuzz/JSONFuzzMain.swift). Exits non-zero on a crash, a leak, a hang or a
# disagreement; the offending input is kept in the work directory and its path printed.
#   usage: Tests/fuzz/run-json-fuzz.sh [SECONDS]        (default 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
work="${KIOSK_FUZZ_DIR:-$(mktemp -d -t kiosk-json-fuzz.XXXXXX)}"
mkdir -p "$work/corpus"
echo "json fuzzer work directory: $work"

# One module of the parser and the harness, so the harness reaches the parser's internals and
# coverage guides the fuzzer through both. lld: gold warns about every ASan symbol it cannot export.
swiftc -sanitize=fuzzer,address -use-ld=lld -parse-as-library -O -swift-version 6 \
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility \
    -module-name JSONFuzz Sources/JSONLogic/*.swift Tests/JSONLogicTests/GeneralPath.swift Tests/fuzz/JSONFuzzMain.swift \
    -o "$work/json-fuzzer"

# Seeds: request lines of the JSONLogic conformance suite (16 a file), and documents that reach
# escapes, surrogate pairs, non-ASCII text, exponents and deep nesting.
Tests/fuzz/conformance-seeds.py Tests/JSONLogicTests/Fixtures/jsonlogic-tests.json "$work/corpus"
python3 - "$work/corpus" <<'PYTHON'
import sys
documents = [
    '{"a":[1,-2.5e-3,1E+22,0.1e-7,12345678901234567890],"b":{"c":null,"d":true,"e":false}}',
    '["\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\ud83d\\ude00","申请人\u2028😀"]',
    '{"rule":{"try":[{"throw":{"val":"e"}},{"??":[{"val":"type"},{"exists":["x","y"]}]}]},"data":{"e":{"type":"x"}}}',
    '[' * 200 + ']' * 200,
]
for number, document in enumerate(documents):
    with open(f"{sys.argv[1]}/document-{number}", "w") as seed:
        seed.write(document)
PYTHON

cd "$work"
# libFuzzer reports the crash and keeps the input; Swift's own backtracer would get in its way.
export SWIFT_BACKTRACE=enable=no
./json-fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 corpus
echo "no crash in ${seconds}s; work directory: $work"
