#!/usr/bin/env bash
# Runs the USB transport tests a second time, beside each emulated device (and the scanner tests
# beside the emulated input device of Devices/simulators/input/scanner.py): the emulator
# starts a umockdev testbed and runs `swift test` as its child under the umockdev preload,
# so libusb in the test process sees the emulated printer (then the reader) as real USB.
# Needs an earlier `swift build --build-tests`. Extra arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
/usr/bin/python3 Devices/simulators/umockdev_preload.py --self-test
for device in printer reader touchscreen; do
    echo "== USBTransportTests beside the emulated $device"
    /usr/bin/python3 "Devices/simulators/usb/$device.py" -- swift test --skip-build --no-parallel --filter 'USBTransportTests|CardReaderTests.EmulatedReaderTests|ReceiptPrinterTests.USBPrinterTests|ReceiptPrinterTests.ForeignDeviceTests|KioskCLITests.EmulatedPrinterCLITests' "$@"
done
echo "== CodeScannerTests beside the emulated keyboard-mode scanner"
/usr/bin/python3 Devices/simulators/input/scanner.py -- swift test --skip-build --no-parallel --filter 'CodeScannerTests' "$@"
