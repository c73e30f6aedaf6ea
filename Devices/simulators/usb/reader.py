#!/usr/bin/python3
"""A resident ID card reader on USB (0400:c35a) speaking the GA 467 SAM protocol, emulated
with umockdev, running COMMAND as its child.

Request frames arrive on bulk OUT EP 0x02, response frames leave on bulk IN EP 0x81. A test
card lies on the reader unless told otherwise: find card answers 9F (80 without a card),
select 90 (81), read text and photo 90 with the 256-byte text block and 1024 photo bytes;
SAM status 90, SAM id 90 with 16 bytes, reset SAM 90; a bad checksum 10; any other command 21.

    usage: /usr/bin/python3 reader.py [--no-card] [--silent] -- COMMAND [ARGS...]

Per test, the control file (see README.md) sets `card` (true/false), `silent`, `samStatus` (a
status byte, e.g. 96 = 0x60, that every command but reset SAM gets while set) and
`unplugOnRead` (the cable is pulled when a read command arrives). While the device stays
plugged, `live.json` in the same folder (written atomically, read before each command) changes
`card`, `silent` and `samStatus`: a card is placed or taken off without a replug.
"""
import json, os, struct, sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import usbsim

VENDOR, PRODUCT, RELEASE = 0x0400, 0xC35A, 0x0100
OUT, IN = 0x02, 0x81
PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])

STRINGS = {1: 'Kiosk Test', 2: 'ID Card Reader', 3: 'SAM0001'}
# Bus-powered, vendor-specific class.
DEVICE = usbsim.usb_device(2, VENDOR, PRODUCT, RELEASE, STRINGS, attributes=0x80, max_power=100,
                           interface_class=(0xFF, 0, 0), out_ep=OUT, in_ep=IN)


def ucs2(text, length):
    """A card field: UCS-2LE, space padded."""
    data = text.encode('utf-16-le')
    assert len(data) <= length
    return data + ' '.encode('utf-16-le') * ((length - len(data)) // 2)


# A made-up resident card whose number has a valid GB 11643 check digit.
TEXT = (ucs2('张三', 30) + ucs2('1', 2) + ucs2('01', 4) + ucs2('19491231', 16)
        + ucs2('北京市朝阳区某某路1号', 70) + ucs2('110105194912310011', 36)
        + ucs2('北京市公安局朝阳分局', 30) + ucs2('20200101', 16) + ucs2('20400101', 16) + ucs2('', 36))
PHOTO = bytes((i * 7) & 0xFF for i in range(1024))
assert len(TEXT) == 256


def checksum(data):
    value = 0
    for byte in data:
        value ^= byte
    return value


def response(sw3, data=b''):
    body = struct.pack('>H', 3 + len(data) + 1) + bytes([0, 0, sw3]) + data
    return PREAMBLE + body + bytes([checksum(body)])


class Reader(usbsim.UsbDevice):
    strings = STRINGS

    def __init__(self, events, unplug_requests, capture_path, settings):
        super().__init__(events, unplug_requests)
        self.capture_path = capture_path
        self.card = settings.get('card', True)
        self.silent = settings.get('silent', False)
        self.sam_status = settings.get('samStatus')
        self.unplug_on_read = settings.get('unplugOnRead', False)
        self.buffer = b''
        self.live_path = os.path.join(os.path.dirname(capture_path), 'live.json')
        if os.path.exists(self.live_path):   # a fresh device starts from its settings
            os.remove(self.live_path)

    def apply_live(self):
        try:
            with open(self.live_path) as file:
                live = json.load(file)
        except (FileNotFoundError, json.JSONDecodeError):
            return
        self.card = live.get('card', self.card)
        self.silent = live.get('silent', self.silent)
        self.sam_status = live.get('samStatus', self.sam_status)

    def received(self, endpoint, data):
        if endpoint != OUT:
            return 'stall'
        with open(self.capture_path, 'ab') as capture:
            capture.write(data)
        self.buffer += data
        while True:
            start = self.buffer.find(PREAMBLE)
            if start < 0:
                self.buffer = self.buffer[-(len(PREAMBLE) - 1):]
                break
            self.buffer = self.buffer[start:]
            if len(self.buffer) < 7:
                break
            length = struct.unpack_from('>H', self.buffer, 5)[0]
            if len(self.buffer) < 7 + length:
                break
            frame, self.buffer = self.buffer[:7 + length], self.buffer[7 + length:]
            self.apply_live()
            if self.unplug_on_read and frame[7:9] == b'\x30\x01':
                self.unplug()
                return True
            answer = self.answer(frame)
            self.events(f'command {frame[7:-1].hex()} -> {answer[9]:02x}')
            if not self.silent:
                self.reply(IN, answer)
        return True

    def answer(self, frame):
        if checksum(frame[5:-1]) != frame[-1]:
            return response(0x10)
        command = frame[7:-1]
        if command == b'\x10\xff':
            self.sam_status = None
            return response(0x90)
        if self.sam_status is not None:
            return response(self.sam_status)
        if command == b'\x11\xff':
            return response(0x90)
        if command == b'\x12\xff':
            return response(0x90, bytes([5, 0, 1, 0, 0xF5, 0xFD, 0x34, 0x01, 1, 0, 0, 0, 42, 0, 0, 0]))
        if command == b'\x20\x01':
            return response(0x9F, bytes(4)) if self.card else response(0x80)
        if command == b'\x20\x02':
            return response(0x90, bytes(8)) if self.card else response(0x81)
        if command == b'\x30\x01':
            if not self.card:
                return response(0x41)
            return response(0x90, struct.pack('>HH', len(TEXT), len(PHOTO)) + TEXT + PHOTO)
        return response(0x21)


def add_arguments(parser):
    parser.add_argument('--no-card', dest='card', action='store_false', default=None, help='no card on the reader')
    parser.add_argument('--silent', action='store_true', default=None, help='never answer')


if __name__ == '__main__':
    sys.exit(usbsim.main(Reader, *DEVICE, 'reader', add_arguments))
