#!/usr/bin/env bash
# Fuzzes everything that parses ID card reader output (frame decoder, card data, SAM id,
# appended addresses, the reader session) with libFuzzer and AddressSanitizer for a bounded
# time. Exits non-zero on a crash, a leak or a hang; the crashing input is kept in the work
# directory and its path printed.
#   usage: Tests/fuzz/run-idcard-fuzz.sh [SECONDS]        (default 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
work="${KIOSK_FUZZ_DIR:-$(mktemp -d -t kiosk-idcard-fuzz.XXXXXX)}"
mkdir -p "$work/corpus"

# KioskCore as its own (static) module, since IDCard imports it; then IDCard with the entry
# point. Both are instrumented, so coverage guides the fuzzer through both.
# lld: gold warns about every ASan symbol it cannot export.
swiftc -sanitize=fuzzer,address -use-ld=lld -parse-as-library -O -module-name KioskCore \
    -emit-module -emit-module-path "$work/KioskCore.swiftmodule" -emit-library -static \
    -o "$work/libKioskCore.a" Sources/KioskCore/*.swift
swiftc -sanitize=fuzzer,address -use-ld=lld -parse-as-library -O -module-name IDCardFuzz -I "$work" -L "$work" -lKioskCore \
    Sources/IDCard/*.swift Tests/fuzz/IDCardFuzzMain.swift -o "$work/idcard-fuzzer"

# Seeds: a find-card answer and a read answer split differently by the first byte.
printf '\x00\xaa\xaa\xaa\x96\x69\x00\x08\x00\x00\x9f\x00\x00\x00\x00\x97' > "$work/corpus/find-card"
printf '\x03\xaa\xaa\xaa\x96\x69\x00\x04\x00\x00\x90\x94' > "$work/corpus/success"

cd "$work"
# libFuzzer reports the crash and keeps the input; Swift's own backtracer would get in its way.
export SWIFT_BACKTRACE=enable=no
./idcard-fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus
echo "no crash in ${seconds}s; work directory: $work"
