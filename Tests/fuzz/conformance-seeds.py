#!/usr/bin/env python3
# Seeds for the fuzzers that read `kiosk logic eval` request lines: the JSONLogic conformance
# suite's cases as {"rule": R, "data": D} lines, 16 a file (as many as the form fuzzer
# evaluates from one input).
#   usage: Tests/fuzz/conformance-seeds.py Tests/JSONLogicTests/Fixtures/jsonlogic-tests.json CORPUS_DIR
import json, sys

cases = [case for case in json.load(open(sys.argv[1])) if isinstance(case, list)]
lines = [json.dumps({"rule": rule, "data": data}, ensure_ascii=False) for rule, data, _ in cases]
for start in range(0, len(lines), 16):
    with open(f"{sys.argv[2]}/jsonlogic-{start // 16:02}", "w") as seed:
        seed.write("\n".join(lines[start:start + 16]) + "\n")
