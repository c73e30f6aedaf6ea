#!/usr/bin/python3
"""A touch controller on USB that shares its vendor id with receipt printers: STMicroelectronics
0483:91d1, one HID interface (class 3) with `usbhid` bound, emulated with umockdev, running
COMMAND as its child. The generic ESC/POS profile names the vendor 0483, so this is the device
the terminal must leave alone: never matched as a printer, its `usbhid` never detached.

    usage: /usr/bin/python3 touchscreen.py -- COMMAND [ARGS...]

Every byte it receives on the OUT endpoint lands in $KIOSK_USBSIM_DIR/capture.bin, and a
detach would show in events.log (`detach 0 usbhid`), as with the printer (see README.md).
"""
import os, sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import usbsim

VENDOR, PRODUCT, RELEASE = 0x0483, 0x91D1, 0x0200
OUT, IN = 0x01, 0x81

STRINGS = {1: 'STMicroelectronics', 2: 'Touch Controller', 3: 'TC0001'}
# Bus-powered; HID (3), no boot subclass, no protocol.
DEVICE = usbsim.usb_device(3, VENDOR, PRODUCT, RELEASE, STRINGS, attributes=0x80, max_power=100,
                           interface_class=(0x03, 0x00, 0x00), out_ep=OUT, in_ep=IN)


class TouchController(usbsim.UsbDevice):
    strings = STRINGS
    kernel_driver = 'usbhid'

    def __init__(self, events, unplug_requests, capture_path, settings):
        super().__init__(events, unplug_requests)
        self.capture_path = capture_path

    def received(self, endpoint, data):
        with open(self.capture_path, 'ab') as capture:
            capture.write(data)
        return True


if __name__ == '__main__':
    sys.exit(usbsim.main(TouchController, *DEVICE, 'touchscreen', lambda parser: None))
