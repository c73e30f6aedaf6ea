# The two commands of the quick start, and a few helpers.
#   make run   — install missing Debian packages, build, start the terminal backend
#                (simulated devices, SQLite in ./var)
#   make test  — install, build, run every test
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: run test deps build release bench clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build

run: build
	.build/debug/kiosk serve

test: deps
	swift build --build-tests
	swift test --skip-build
	Devices/simulators/usb/run-under-umockdev.sh

release: deps
	swift build -c release

# The figures the issues ask for, on the release build.
bench: release
	.build/release/kiosk bench

clean:
	rm -rf .build var
