#!/usr/bin/python3
"""A 2D code scanner in HID keyboard mode (Symbol/Zebra 05e0:1200, "Symbol Bar Code Scanner"),
emulated with umockdev as the Linux input device /dev/input/event5, running COMMAND as its
child: the child sees the device in /sys/class/input, opens and grabs (EVIOCGRAB) its node,
and reads the key events of each code typed (US layout, Enter after each), as evemu replays
them from when the node is opened.

    usage: /usr/bin/python3 scanner.py [--code TEXT]... -- COMMAND [ARGS...]

The child gets SCANSIM_CODES (the codes typed, one per line) so a test knows what to expect.
Default codes: a filing receipt's progress code, and a code of no hall.
"""
import argparse, os, subprocess, sys, tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from umockdev_preload import child_environment, reexec_under_preload

# The harness itself runs under the preload, as umockdev's API needs.
reexec_under_preload()
import gi
gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev

PARENT = '/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/0003:05E0:1200.0001/input/input5'
SYSFS = f'''P: {PARENT}
E: SUBSYSTEM=input
E: PRODUCT=3/5e0/1200/110
E: NAME="Symbol Bar Code Scanner"
A: name=Symbol Bar Code Scanner
A: id/bustype=0003
A: id/vendor=05e0
A: id/product=1200
A: id/version=0110

P: {PARENT}/event5
N: input/event5
E: DEVNAME=/dev/input/event5
E: SUBSYSTEM=input
E: ID_INPUT=1
E: ID_INPUT_KEY=1
E: ID_INPUT_KEYBOARD=1
A: dev=13:69
'''

EV_SYN, EV_KEY = 0, 1
KEY_LEFTSHIFT, KEY_ENTER = 42, 28
# linux/input-event-codes.h, US layout: character -> (key code, shift)
KEYS = {}
for code, plain, shifted in [(2, '1', '!'), (3, '2', '@'), (4, '3', '#'), (5, '4', '$'), (6, '5', '%'), (7, '6', '^'),
                             (8, '7', '&'), (9, '8', '*'), (10, '9', '('), (11, '0', ')'), (12, '-', '_'), (13, '=', '+'),
                             (39, ';', ':'), (52, '.', '>'), (53, '/', '?'), (57, ' ', ' ')]:
    KEYS[plain] = (code, False)
    KEYS.setdefault(shifted, (code, True))
for start, letters in [(16, 'qwertyuiop'), (30, 'asdfghjkl'), (44, 'zxcvbnm')]:
    for offset, letter in enumerate(letters):
        KEYS[letter] = (start + offset, False)
        KEYS[letter.upper()] = (start + offset, True)


def evemu(codes):
    """The events of typing each code and Enter, 2 ms a key, in evemu's text format."""
    lines, time = [], 0.2
    def event(kind, code, value):
        lines.append(f'E: {time:.6f} {kind:04x} {code:04x} {value}')
    def key(code, shift):
        nonlocal time
        if shift:
            event(EV_KEY, KEY_LEFTSHIFT, 1)
        for value in (1, 0):
            event(EV_KEY, code, value)
            event(EV_SYN, 0, 0)
            time += 0.001
        if shift:
            event(EV_KEY, KEY_LEFTSHIFT, 0)
    for text in codes:
        for character in text:
            key(*KEYS[character])
        key(KEY_ENTER, False)
        time += 0.05
    return '\n'.join(lines) + '\n'


def main():
    argv = sys.argv[1:]
    if '--' not in argv:
        sys.exit(f'usage: {sys.argv[0]} [--code TEXT]... -- COMMAND [ARGS...]')
    split = argv.index('--')
    parser = argparse.ArgumentParser(prog='scanner.py')
    parser.add_argument('--code', action='append', dest='codes', metavar='TEXT', help='a code to type (repeatable)')
    options = parser.parse_args(argv[:split])
    codes = options.codes or ['P1:S01-20261129-0001:abcdefghijkl', 'https://example.com/not-ours']
    command = argv[split + 1:]
    testbed = UMockdev.Testbed.new()
    testbed.add_from_string(SYSFS)
    directory = tempfile.mkdtemp(prefix='kiosk-scansim-')
    events = os.path.join(directory, 'scan.evemu')
    with open(events, 'w') as file:
        file.write(evemu(codes))
    testbed.load_evemu_events('/dev/input/event5', events)
    # Testbed.new() set UMOCKDEV_DIR in C only.
    env = child_environment({'UMOCKDEV_DIR': testbed.get_root_dir(), 'SCANSIM_CODES': '\n'.join(codes)})
    return subprocess.call(command, env=env)


if __name__ == '__main__':
    sys.exit(main())
