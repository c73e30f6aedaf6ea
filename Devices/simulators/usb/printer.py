#!/usr/bin/python3
"""An ESC/POS receipt printer on USB (0416:5011, the Xprinter/Zjiang family), emulated with
umockdev, running COMMAND as its child: the child's libusb sees a real-looking printer.

It takes bulk OUT on EP 0x01 and appends every byte to $USBSIM_DIR/capture.bin, answers
`DLE EOT n` (10 04 01..04) with the real-time status byte on bulk IN EP 0x81, and has the
kernel's `usblp` driver bound until a client detaches it. It answers `GS I n` (1D 49 n, transmit
printer ID) for n = 65 (firmware), 66 (manufacturer), 67 (model) with Epson's "printer
information B" (5F, text, 00), unless told it is a clone that ignores GS I.

    usage: /usr/bin/python3 printer.py [--paper-out-after N] [--unplug-after N] [--silent]
                                       [--stall] [--no-identity] -- COMMAND [ARGS...]

The same settings, by their JSON names (paperOutAfter, unplugAfter, silent, stall,
bufferAfterPaperOut, noIdentity), come per test through the control file (see README.md).
"""
import os, sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import usbsim

VENDOR, PRODUCT, RELEASE = 0x0416, 0x5011, 0x0100
OUT, IN = 0x01, 0x81
DLE, EOT = 0x10, 0x04
GS, I = 0x1D, 0x49
# GS I n: printer information B, as an Epson answers it.
IDENTITY = {65: b'ZJ-1.07', 66: b'Zjiang', 67: b'POS-80C'}
# Every real-time status byte has bits 1 and 4 set (Epson ESC/POS reference, DLE EOT).
STATUS_FIXED = 0x12

STRINGS = {1: 'Zjiang', 2: 'POS-80 Printer', 3: 'ZJ20250001'}
# Self-powered; the printer class (7/1), bidirectional (2).
DEVICE = usbsim.usb_device(1, VENDOR, PRODUCT, RELEASE, STRINGS, attributes=0xC0, max_power=50,
                           interface_class=(0x07, 0x01, 0x02), out_ep=OUT, in_ep=IN)


class Printer(usbsim.UsbDevice):
    strings = STRINGS
    kernel_driver = 'usblp'

    def __init__(self, events, unplug_requests, capture_path, settings):
        super().__init__(events, unplug_requests)
        self.capture_path = capture_path
        self.paper_out_after = settings.get('paperOutAfter')
        # A printer out of paper still fills its receive buffer, then NAKs (the host times out).
        self.buffer_after_paper_out = settings.get('bufferAfterPaperOut', 4096)
        self.unplug_after = settings.get('unplugAfter')
        self.silent = settings.get('silent', False)
        self.stall = settings.get('stall', False)
        self.no_identity = settings.get('noIdentity', False)
        self.count = 0
        self.tail = b''   # a status query may be split across two transfers

    def paper_out(self):
        return self.paper_out_after is not None and self.count >= self.paper_out_after

    def received(self, endpoint, data):
        if endpoint != OUT:
            return 'stall'
        if self.stall:
            return 'stall'
        if self.paper_out() and self.count + len(data) - self.paper_out_after > self.buffer_after_paper_out:
            return False
        if self.unplug_after is not None and self.count + len(data) >= self.unplug_after:
            self.capture(data[:self.unplug_after - self.count])
            self.unplug()
            return True
        self.capture(data)
        self.answer_status_queries(data)
        return True

    def capture(self, data):
        with open(self.capture_path, 'ab') as capture:
            capture.write(data)
        self.count += len(data)

    def answer_status_queries(self, data):
        stream = self.tail + data
        for i in range(len(stream) - 2):
            if i + 2 < len(self.tail):
                continue
            if stream[i] == DLE and stream[i + 1] == EOT and 1 <= stream[i + 2] <= 4:
                self.events(f'status {stream[i + 2]}')
                if not self.silent:
                    self.reply(IN, [self.status_byte(stream[i + 2])])
            elif stream[i] == GS and stream[i + 1] == I and stream[i + 2] in IDENTITY:
                self.events(f'identity {stream[i + 2]}')
                if not self.silent and not self.no_identity:
                    self.reply(IN, b'\x5f' + IDENTITY[stream[i + 2]] + b'\x00')
        self.tail = stream[-2:]

    def status_byte(self, kind):
        out = self.paper_out()
        return STATUS_FIXED | {
            1: 0x08 if out else 0,   # offline
            2: 0x20 if out else 0,   # stopped by paper end
            3: 0,                    # no cutter or unrecoverable error
            4: 0x60 if out else 0,   # roll sensor: paper end
        }[kind]


def add_arguments(parser):
    parser.add_argument('--paper-out-after', dest='paperOutAfter', type=int, metavar='N',
                        help='run out of paper after N bytes')
    parser.add_argument('--buffer-after-paper-out', dest='bufferAfterPaperOut', type=int, metavar='N',
                        help='bytes still taken once out of paper (default 4096)')
    parser.add_argument('--unplug-after', dest='unplugAfter', type=int, metavar='N',
                        help='unplug after N bytes')
    parser.add_argument('--silent', action='store_true', default=None, help='never answer status queries')
    parser.add_argument('--no-identity', dest='noIdentity', action='store_true', default=None,
                        help='ignore GS I (transmit printer ID), as many clones do')
    parser.add_argument('--stall', action='store_true', default=None, help='stall the OUT endpoint')


if __name__ == '__main__':
    sys.exit(usbsim.main(Printer, *DEVICE, 'printer', add_arguments))
