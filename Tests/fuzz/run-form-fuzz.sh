#!/usr/bin/env bash
# Fuzzes the form loader (Yams' libyaml and Swift layers, the node reader, the static checks, a
# session started on any form that passes them) and the `kiosk logic eval` line evaluator with
# libFuzzer and AddressSanitizer for a bounded time. Exits non-zero on a crash, a leak or a
# hang; the crashing input is kept in the work directory and its path printed.
#   usage: Tests/fuzz/run-form-fuzz.sh [SECONDS]        (default 30)
# Needs the Yams checkout SwiftPM makes (`swift build` or `swift package resolve`).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
work="${KIOSK_FUZZ_DIR:-$(mktemp -d -t kiosk-form-fuzz.XXXXXX)}"
mkdir -p "$work/corpus" "$work/cyaml"
echo "form fuzzer work directory: $work"

yams=.build/checkouts/Yams
[[ -d $yams/Sources/CYaml ]] || swift package resolve
# lld: gold warns about every ASan symbol it cannot export.
flags=(-sanitize=fuzzer,address -parse-as-library -O -use-ld=lld -I "$work" -L "$work")

# libyaml instrumented too, so coverage guides the fuzzer through the scanner and parser.
for source in "$yams"/Sources/CYaml/src/*.c; do
    clang -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/Sources/CYaml/include" \
        "$source" -o "$work/cyaml/$(basename "$source" .c).o"
done
ar rcs "$work/libCYaml.a" "$work"/cyaml/*.o
swiftc "${flags[@]}" -module-name Yams -DSWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC -I "$yams/Sources/CYaml/include" \
    -emit-module -emit-module-path "$work/Yams.swiftmodule" -emit-library -static -o "$work/libYams.a" \
    "$yams"/Sources/Yams/*.swift
# Our modules in the language mode and with the features Package.swift gives them.
strict=(-swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility)
for module in KioskCore JSONLogic Booking; do
    swiftc "${flags[@]}" "${strict[@]}" -module-name "$module" \
        -emit-module -emit-module-path "$work/$module.swiftmodule" -emit-library -static \
        -o "$work/lib$module.a" Sources/"$module"/*.swift
done
swiftc "${flags[@]}" "${strict[@]}" -module-name FormFuzz -I "$yams/Sources/CYaml/include" \
    -lYams -lCYaml -lBooking -lJSONLogic -lKioskCore \
    Sources/FormEngine/*.swift Tests/fuzz/FormFuzzMain.swift -o "$work/form-fuzzer"

# Seeds: the shipped filings, and rule lines of the JSONLogic conformance suite.
cp Forms/*.yaml "$work/corpus/"
Tests/fuzz/conformance-seeds.py Tests/JSONLogicTests/Fixtures/jsonlogic-tests.json "$work/corpus"

cd "$work"
# libFuzzer reports the crash and keeps the input; Swift's own backtracer would get in its way.
export SWIFT_BACKTRACE=enable=no
./form-fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus
echo "no crash in ${seconds}s; work directory: $work"
