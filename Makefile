# The two commands of the quick start, and a few helpers.
#   make run   — install missing Debian packages, build, start the terminal backend
#                (simulated devices, SQLite in ./var)
#   make test  — install, build, run every test (the touch UI's in headless Chromium, the Debian
#                package installed and purged on this machine), then fuzz each parser for FUZZ_SECONDS
#   make deb   — the terminal's Debian package, .build/deb/kiosk_<version>_amd64.deb
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: run test browser-test package-test deb fuzz deps build release bench clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build

run: build
	.build/debug/kiosk serve

# At most 16 test cases at once (Swift Testing starts all ~1,060 together otherwise): with all
# of them queued on the two threads of the cooperative pool, a loaded machine starved the pool
# for over two minutes and every deadline measured across it (PostgreSQL operations, time
# limits) expired at once.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH ?= 16

test: deps
	swift build --build-tests
	swift test --skip-build
	Devices/simulators/usb/run-under-umockdev.sh
	Tests/browser/typecheck.sh
	Tests/browser/run.sh
	Tests/install/package-test.sh
	$(MAKE) --no-print-directory fuzz

# The touch UI walked in headless Chromium against the built `kiosk serve` (screenshots kept in
# the directory it prints first).
browser-test: deps
	swift build
	Tests/browser/typecheck.sh
	Tests/browser/run.sh

# The Debian package made from the debug build, installed on this machine with dpkg -i, run as
# the kiosk user (journald, the kiosk browser under a headless cage), removed and purged. As
# root; `make deb` does the same with the release package.
package-test: deps
	swift build
	Tests/install/package-test.sh

# The terminal's package: the release build with the Swift runtime linked in (Depends then names
# system libraries only), packaged by scripts/deb/build.sh with dpkg-deb, checked by the package
# test (contents, lintian, install, serve, purge).
deb: deps
	swift build -c release --static-swift-stdlib
	package=$$(scripts/deb/build.sh .build/release/kiosk .build/deb | tail -n 1) && \
	  echo "deb: $$package" && Tests/install/package-test.sh "$$package"

# libFuzzer with AddressSanitizer on what parses outside input: ID card reader output, form
# files, and JSON (request bodies, `kiosk logic eval` lines). The fuzzers build and run side by
# side for FUZZ_SECONDS each (FUZZ_SECONDS=0 skips them); a crash, leak or hang fails the run,
# and the logs and crashing inputs stay in the directory printed first.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := idcard form json
fuzz:
	@[ "$(FUZZ_SECONDS)" != 0 ] || { echo "fuzz: skipped (FUZZ_SECONDS=0)"; exit 0; }; \
	dir=$$(mktemp -d -t kiosk-fuzz.XXXXXX); \
	echo "fuzz: $(FUZZ_TARGETS), $(FUZZ_SECONDS)s each; logs and crash inputs in $$dir"; \
	for target in $(FUZZ_TARGETS); do \
	  ( KIOSK_FUZZ_DIR=$$dir/$$target Tests/fuzz/run-$$target-fuzz.sh $(FUZZ_SECONDS) >$$dir/$$target.log 2>&1; \
	    echo $$? >$$dir/$$target.status ) & \
	done; \
	wait; failed=0; \
	for target in $(FUZZ_TARGETS); do \
	  if [ "$$(cat $$dir/$$target.status)" = 0 ]; then \
	    echo "fuzz $$target: $$(grep -a '^Done' $$dir/$$target.log)," \
	      "$$(grep -a 'average_exec_per_sec' $$dir/$$target.log | tr -s ' ' | cut -d' ' -f2) exec/s, no crash"; \
	  else \
	    failed=1; tail -n 80 $$dir/$$target.log; \
	    grep -a -m 3 -E 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|error:' $$dir/$$target.log; \
	    echo "fuzz $$target: FAILED; log $$dir/$$target.log, crashing input in $$dir/$$target"; \
	  fi; \
	done; \
	exit $$failed

release: deps
	swift build -c release

# The figures the issues ask for, on the release build.
bench: release
	.build/release/kiosk-bench

clean:
	rm -rf .build var
