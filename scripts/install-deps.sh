#!/usr/bin/env bash
# Installs the Debian packages kiosk needs to build, run and test, when any is missing.
# As root it installs them with apt-get; otherwise it names them and fails.
set -euo pipefail

# Build: GRDB links the system SQLite, USBTransport libusb, CUPSTransport libcups, ESpeakSynthesis
# libespeak-ng (its voice data comes with it). Test: sox measures the spoken WAV files.
# Run: tzdata for Asia/Shanghai. Test: umockdev (with GObject introspection for Python) emulates
# USB devices for libusb; cups and cups-client run a private scheduler with a capture backend;
# openssl makes a throwaway certificate and curl speaks HTTPS to the server under test;
# postgresql runs a private cluster for the district store's tests (scripts/private-postgres.sh,
# as user nobody when the tests run as root). The touch UI's browser tests drive Debian's
# chromium with Playwright for Python, which Tests/browser/run.sh installs from PyPI into a
# virtual environment (python3-venv); fonts-droid-fallback draws the Chinese screens; the UI's
# modules are type-checked by node-typescript's tsc (Tests/browser/typecheck.sh). The webhook
# tests' receiver checks deliveries with the Standard Webhooks library, which
# Tests/webhooks/python.sh installs from PyPI into a virtual environment the same way.
# Bench: jq is the peer `kiosk bench jsonlogic` measures `kiosk logic eval` against.
# The Debian package: dpkg-dev (dpkg-shlibdeps) and binutils (strip, objdump) build it, jq turns
# the program's help into its manual page, lintian checks it; its test runs systemd-analyze and a
# private systemd-journald (systemd), and the kiosk browser under cage's headless backend (cage
# needs Xwayland) with grim for screenshots, ss (iproute2) and pgrep (procps). gdb gives the
# stacks of a test process whose cooperative pool stalls (KioskTesting's CooperativePoolWatch).
packages=(libsqlite3-dev libusb-1.0-0-dev libcups2-dev libespeak-ng-dev sox tzdata ca-certificates
          umockdev gir1.2-umockdev-1.0 python3-gi cups cups-client openssl curl postgresql
          chromium python3-venv fonts-droid-fallback node-typescript jq
          dpkg-dev binutils lintian systemd adduser init-system-helpers cage xwayland grim python3 iproute2
          procps gdb)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "install-deps: the Swift 6 toolchain is not installed (expected swift on PATH or in /opt/swift)" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
