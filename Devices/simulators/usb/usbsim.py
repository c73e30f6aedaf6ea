"""Shared machinery of the project's emulated USB devices (umockdev ioctl handler API).

A device model subclasses `UsbDevice` and answers bulk OUT data; this module does the usbfs
part the way the kernel would: URB submit/reap/discard, string descriptors over control
transfers, claim/release, kernel driver detach/attach, and an unplug. `run()` starts the
testbed, runs a command as its child under the preload, and applies the control file the
child writes (see README.md in this folder).

Debian 12 (umockdev 0.17.16, libusb 1.0.26), x86_64 ioctl numbers.
"""
import argparse, collections, errno, json, os, queue, shutil, struct, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from umockdev_preload import child_environment, reexec_under_preload

import gi
gi.require_version('UMockdev', '1.0')
from gi.repository import GLib, UMockdev

# linux/usbdevice_fs.h on x86_64
SUBMITURB, DISCARDURB = 0x8038550a, 0x550b
REAPURB, REAPURBNDELAY = 0x4008550c, 0x4008550d
CLAIMINTERFACE, RELEASEINTERFACE = 0x8004550f, 0x80045510
GET_CAPABILITIES, CLEAR_HALT, RESET = 0x8004551a, 0x80045515, 0x5514
GETDRIVER, DISCONNECT_CLAIM, USBFS_IOCTL = 0x41045508, 0x8108551b, 0xc0105512
IOCTL_DISCONNECT, IOCTL_CONNECT = 0x5516, 0x5517
DISCONNECT_CLAIM_IF_DRIVER, DISCONNECT_CLAIM_EXCEPT_DRIVER = 0x01, 0x02
URB_TYPE_CONTROL = 2
URB_SIZE, OFF_STATUS, OFF_BUFFER, OFF_LENGTH, OFF_ACTUAL = 56, 4, 16, 24, 28
SETUP_SIZE = 8
GET_DESCRIPTOR, STRING_DESCRIPTOR = 0x06, 0x03
US_ENGLISH = b'\x04\x03\x09\x04'


def usb_device(bus, vendor, product, release, strings, attributes, max_power, interface_class, out_ep, in_ep):
    """A one-interface, two-bulk-endpoint USB device on bus `bus` as umockdev records it: the
    sysfs record (with the raw descriptors), the device node and the sysfs path."""
    device = struct.pack('<BBHBBBBHHHBBBB', 18, 1, 0x0200, 0, 0, 0, 64, vendor, product, release, 1, 2, 3, 1)
    config = (struct.pack('<BBHBBBBB', 9, 2, 32, 1, 1, 0, attributes, max_power)
              + struct.pack('<BBBBBBBBB', 9, 4, 0, 0, 2, *interface_class, 0)
              + struct.pack('<BBBBHB', 7, 5, out_ep, 2, 64, 0)
              + struct.pack('<BBBBHB', 7, 5, in_ep, 2, 64, 0))
    devnode = f'/dev/bus/usb/{bus:03d}/001'
    sysfs = f'''P: /devices/usb{bus}
N: bus/usb/{bus:03d}/001
E: SUBSYSTEM=usb
E: DRIVER=usb
E: BUSNUM={bus:03d}
E: DEVNUM=001
E: DEVNAME={devnode}
E: DEVTYPE=usb_device
E: PRODUCT={vendor:x}/{product:x}/{release:x}
A: bConfigurationValue=1\\n
A: busnum={bus}\\n
A: devnum=1\\n
A: speed=12\\n
A: manufacturer={strings[1]}\\n
A: product={strings[2]}\\n
A: serial={strings[3]}\\n
H: descriptors={(device + config).hex().upper()}
'''
    return sysfs, devnode, f'/sys/devices/usb{bus}'


class UsbDevice(UMockdev.IoctlBase):
    """One emulated device. Runs in umockdev's worker thread; every entry point takes the lock.

    Subclasses set `strings` ({index: text}) and `kernel_driver` (the driver bound to
    interface 0 at plug time, or None) and implement `received(endpoint, data)`, which returns
    True when the device takes the bytes (it may `reply()` on an IN endpoint or `unplug()`),
    False to leave the URB pending with no side effect, as a device that NAKs does, or
    'stall' to halt the endpoint.
    """

    strings = {}
    kernel_driver = None

    def __init__(self, events, unplug_requests):
        super().__init__()
        self.lock = threading.Lock()
        self.events = events                     # callable(str): records what a test may check
        self.unplug_requests = unplug_requests   # queue the main thread empties (testbed calls)
        self.replies = collections.defaultdict(collections.deque)   # IN endpoint -> bytes
        self.pending = collections.deque()       # URBs not completed yet (IN waiting, OUT held)
        self.done = collections.deque()          # completed URBs, ready to be reaped
        self.unplugged = False
        self.drivers = {0: self.kernel_driver} if self.kernel_driver else {}
        self.claimed = set()

    # --- for device models (called with the lock held) ---------------------------------
    def reply(self, endpoint, data):
        self.replies[endpoint].append(bytes(data))

    def unplug(self):
        """The cable is pulled: in-flight URBs end as the kernel ends them, later ioctls fail."""
        if self.unplugged:
            return
        self.unplugged = True
        while self.pending:
            self._finish(self.pending.popleft(), -errno.ESHUTDOWN)
        self.events('unplug')
        self.unplug_requests.put(self)

    def received(self, endpoint, data):
        raise NotImplementedError

    # --- usbfs -----------------------------------------------------------------------
    def _finish(self, urb, status, payload=None, length=0, offset=0):
        if payload is not None:
            urb.resolve(OFF_BUFFER, 0).update(offset, payload)
            length = len(payload)
        urb.update(OFF_STATUS, struct.pack('i', status))
        urb.update(OFF_ACTUAL, struct.pack('i', length))
        self.done.append(urb)

    @staticmethod
    def _header(urb):
        raw = bytes(urb.retrieve())
        return raw[0], raw[1], struct.unpack_from('i', raw, OFF_LENGTH)[0]

    def _progress(self):
        """Completes whatever pending URB can complete now, in submission order per endpoint."""
        for urb in list(self.pending):
            _, endpoint, length = self._header(urb)
            if endpoint & 0x80:
                if self.replies[endpoint]:
                    data = self.replies[endpoint].popleft()
                    if len(data) > length:    # the rest waits for the next IN transfer
                        self.replies[endpoint].appendleft(data[length:])
                    self.pending.remove(urb)
                    self._finish(urb, 0, data[:length])
            elif not self._out(urb):
                break                         # a held OUT URB blocks the ones behind it

    def _out(self, urb):
        _, endpoint, length = self._header(urb)
        buffer = urb.resolve(OFF_BUFFER, length)
        data = bytes(buffer.retrieve()) if buffer is not None and length else b''
        taken = self.received(endpoint, data)
        if self.unplugged or not taken:
            return self.unplugged
        self.pending.remove(urb)
        if taken == 'stall':
            self._finish(urb, -errno.EPIPE)
        else:
            self._finish(urb, 0, length=len(data))
        return True

    def _control(self, urb, length):
        buffer = urb.resolve(OFF_BUFFER, length)
        setup = bytes(buffer.retrieve())[:SETUP_SIZE]
        request_type, request, value, index, w_length = struct.unpack('<BBHHH', setup)
        if request_type == 0x80 and request == GET_DESCRIPTOR and value >> 8 == STRING_DESCRIPTOR:
            string_index = value & 0xFF
            if string_index == 0:
                descriptor = US_ENGLISH
            elif string_index in self.strings:
                text = self.strings[string_index].encode('utf-16-le')
                descriptor = bytes([2 + len(text), STRING_DESCRIPTOR]) + text
            else:
                descriptor = None
            if descriptor is not None:
                self._finish(urb, 0, descriptor[:w_length], offset=SETUP_SIZE)
                return
        self._finish(urb, -errno.EPIPE)       # what a device does with a request it lacks

    def do_handle_ioctl(self, client):
        request, arg = client.get_request(), client.get_arg()
        with self.lock:
            if self.unplugged and request != DISCARDURB and not (request in (REAPURB, REAPURBNDELAY) and self.done):
                client.complete(-1, errno.ENODEV)
            elif request == GET_CAPABILITIES:
                arg.resolve(0, 4).update(0, struct.pack('I', 0))
                client.complete(0, 0)
            elif request == SUBMITURB:
                urb = arg.resolve(0, URB_SIZE)
                kind, endpoint, length = self._header(urb)
                if kind == URB_TYPE_CONTROL:
                    self._control(urb, length)
                else:
                    urb.resolve(OFF_BUFFER, length)
                    self.pending.append(urb)
                    self._progress()
                client.complete(0, 0)
            elif request in (REAPURB, REAPURBNDELAY):
                if self.done:
                    arg.resolve(0, 8).set_ptr(0, self.done.popleft())
                    client.complete(0, 0)
                else:
                    # libusb polls an always-ready node: answer "nothing yet" after 2 ms, from
                    # umockdev's worker context, instead of letting it spin a core.
                    source = GLib.timeout_source_new(2)
                    source.set_callback(lambda *_: client.complete(-1, errno.EAGAIN) or False)
                    source.attach(GLib.MainContext.get_thread_default())
            elif request == DISCARDURB:
                address = struct.unpack('Q', bytes(arg.retrieve()))[0]
                urb = next((u for u in self.pending if u.client_addr == address), None)
                if urb is None:
                    client.complete(-1, errno.EINVAL)
                else:
                    self.pending.remove(urb)
                    self._finish(urb, -errno.ENOENT)
                    self.events('discard')
                    client.complete(0, 0)
            elif request in (CLAIMINTERFACE, RELEASEINTERFACE):
                interface = struct.unpack('I', bytes(arg.resolve(0, 4).retrieve()))[0]
                self._claim_or_release(client, request, interface)
            elif request == DISCONNECT_CLAIM:
                raw = bytes(arg.resolve(0, 264).retrieve())   # interface, flags, driver[256]
                interface, flags = struct.unpack_from('II', raw)
                driver_name = raw[8:].split(b'\0')[0].decode()
                bound = self.drivers.get(interface)
                keep = (flags & DISCONNECT_CLAIM_EXCEPT_DRIVER and bound == driver_name) or \
                       (flags & DISCONNECT_CLAIM_IF_DRIVER and bound != driver_name)
                if bound and not keep:
                    del self.drivers[interface]
                    self.events(f'detach {interface} {bound}')
                self._claim_or_release(client, CLAIMINTERFACE, interface)
            elif request == GETDRIVER:
                getdriver = arg.resolve(0, 260)                # interface, driver[256]
                interface = struct.unpack_from('I', bytes(getdriver.retrieve()))[0]
                bound = self.drivers.get(interface)
                if bound:
                    getdriver.update(4, bound.encode() + b'\0')
                    client.complete(0, 0)
                else:
                    client.complete(-1, errno.ENODATA)
            elif request == USBFS_IOCTL:
                interface, code = struct.unpack_from('ii', bytes(arg.resolve(0, 16).retrieve()))
                self._driver_ioctl(client, interface, code)
            elif request in (CLEAR_HALT, RESET):
                client.complete(0, 0)
            else:
                self.events(f'unhandled {request:#x}')
                client.complete(-1, errno.ENOTTY)
        return True

    def _claim_or_release(self, client, request, interface):
        if request == CLAIMINTERFACE:
            if self.drivers.get(interface):
                client.complete(-1, errno.EBUSY)   # a kernel driver holds it
                return
            self.claimed.add(interface)
            self.events(f'claim {interface}')
        else:
            self.claimed.discard(interface)
            self.events(f'release {interface}')
        client.complete(0, 0)

    def _driver_ioctl(self, client, interface, code):
        if code == IOCTL_DISCONNECT:
            bound = self.drivers.pop(interface, None)
            if bound is None:
                client.complete(-1, errno.ENODATA)
                return
            self.events(f'detach {interface} {bound}')
            client.complete(0, 0)
        elif code == IOCTL_CONNECT:
            if interface in self.claimed:
                client.complete(-1, errno.EBUSY)
            elif self.kernel_driver and interface == 0:
                self.drivers[interface] = self.kernel_driver
                self.events(f'attach {interface} {self.kernel_driver}')
                client.complete(1, 0)             # the kernel returns 1 when a driver bound
            else:
                client.complete(0, 0)
        else:
            client.complete(-1, errno.ENOTTY)


class Harness:
    """The testbed, the child command and the control file between them.

    The child writes `control.json` ({"id": N, ...settings}) atomically into $USBSIM_DIR;
    the harness then replugs the device fresh, empties the capture and event log, applies the
    settings and writes N to `ack`. Setting names are the device model's.
    """

    def __init__(self, model, sysfs, devnode, syspath, settings):
        self.model, self.sysfs, self.devnode, self.syspath = model, sysfs, devnode, syspath
        self.defaults = dict(settings)
        self.testbed = UMockdev.Testbed.new()
        self.directory = tempfile.mkdtemp(prefix='kiosk-usbsim-')
        self.unplug_requests = queue.Queue()
        self.event_lock = threading.Lock()
        self.device = None
        self.control_seen = None

    def path(self, name):
        return os.path.join(self.directory, name)

    def record(self, line):
        with self.event_lock, open(self.path('events.log'), 'a') as log:
            log.write(line + '\n')

    def plug(self, settings):
        for name in ('capture.bin', 'events.log'):
            open(self.path(name), 'wb').close()
        self.device = self.model(self.record, self.unplug_requests, self.path('capture.bin'), settings)
        self.testbed.attach_ioctl(self.devnode, self.device)   # before adding, as libusb's tests do
        self.testbed.add_from_string(self.sysfs)

    def remove(self):
        self.testbed.uevent(self.syspath, 'remove')   # remove_device alone sends no uevent
        self.testbed.remove_device(self.syspath)
        self.testbed.detach_ioctl(self.devnode)

    def apply_control(self):
        try:
            with open(self.path('control.json')) as file:
                control = json.load(file)
        except (FileNotFoundError, json.JSONDecodeError):
            return
        if control.get('id') == self.control_seen:
            return
        self.control_seen = control.get('id')
        if self.device is not None:
            with self.device.lock:
                self.device.unplug()
            self.drain_unplugs()
        self.plug({**self.defaults, **control})
        with open(self.path('ack.tmp'), 'w') as ack:
            ack.write(str(self.control_seen))
        os.replace(self.path('ack.tmp'), self.path('ack'))

    def drain_unplugs(self):
        while not self.unplug_requests.empty():
            if self.unplug_requests.get() is self.device:
                self.remove()
                self.device = None

    def run(self, command, device_kind):
        self.plug(self.defaults)
        # Testbed.new() set UMOCKDEV_DIR in C; Python's os.environ is a stale copy.
        env = child_environment({'UMOCKDEV_DIR': self.testbed.get_root_dir(),
                                 'USBSIM_DIR': self.directory, 'USBSIM_DEVICE': device_kind})
        child = subprocess.Popen(command, env=env)
        try:
            while child.poll() is None:
                self.drain_unplugs()
                self.apply_control()
                time.sleep(0.005)
        finally:
            if child.poll() is None:
                child.terminate()
            shutil.rmtree(self.directory, ignore_errors=True)
        return child.returncode


def main(model, sysfs, devnode, syspath, device_kind, add_arguments):
    """Command line: [OPTIONS] -- COMMAND [ARGS...]; OPTIONS come from `add_arguments`."""
    # The harness process itself must run under the preload: testbed.uevent() resolves the
    # syspath with libudev in this process.
    reexec_under_preload()
    argv = sys.argv[1:]
    if '--' not in argv:
        sys.exit(f'usage: {sys.argv[0]} [OPTIONS] -- COMMAND [ARGS...]')
    split = argv.index('--')
    parser = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0]))
    add_arguments(parser)
    settings = {key: value for key, value in vars(parser.parse_args(argv[:split])).items() if value is not None}
    command = argv[split + 1:]
    if not command:
        sys.exit('no command to run after --')
    return Harness(model, sysfs, devnode, syspath, settings).run(command, device_kind)
