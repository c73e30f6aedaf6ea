"""Runs an emulator's own process under umockdev's preload, which its testbed API needs, with
uevent-sendmsg.c before it (a uevent to a monitor that closed meanwhile is dropped, not an abort:
see that file). The command an emulator runs as its child gets the plain preload.

    python3 umockdev_preload.py --self-test    # the shim builds, and drops what it should
"""
import os, shutil, socket, subprocess, sys, tempfile

PRELOAD = 'libumockdev-preload.so.0'
SHIM_NAME = 'uevent-sendmsg.so'
SHIM_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'uevent-sendmsg.c')


def build_shim(directory):
    compiler = shutil.which('cc') or shutil.which('clang')
    if compiler is None:
        sys.exit('umockdev_preload: no C compiler (cc or clang) to build uevent-sendmsg.c')
    shim = os.path.join(directory, SHIM_NAME)
    subprocess.run([compiler, '-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', shim, SHIM_SOURCE, '-ldl'],
                   check=True)
    return shim


def reexec_under_preload():
    """On first entry re-executes this process with the shim and the preload; after that, checks
    the shim is loaded and removes its file (the mapping stays)."""
    preload = os.environ.get('LD_PRELOAD', '')
    if PRELOAD not in preload:
        shim = build_shim(tempfile.mkdtemp(prefix='kiosk-umockdev-'))
        os.environ['LD_PRELOAD'] = f'{shim} {PRELOAD}'
        os.execv(sys.executable, [sys.executable] + sys.argv)
    shim = preload.split()[0]
    if os.path.basename(shim) != SHIM_NAME:
        return   # started under the preload by someone else: their choice
    with open('/proc/self/maps') as maps:
        if shim not in maps.read():
            sys.exit(f'umockdev_preload: {shim} is not loaded')
    shutil.rmtree(os.path.dirname(shim), ignore_errors=True)


def child_environment(extra):
    """The environment of the emulator's child: the preload without the shim, so the command
    under test sees every sendmsg error as it is."""
    env = dict(os.environ)
    env['LD_PRELOAD'] = PRELOAD
    env.update(extra)
    return env


SEND_TO_CLOSED_LISTENER = '''
import os, socket, sys, tempfile
path = os.path.join(tempfile.mkdtemp(), 'event3')
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sender.connect(path)
listener.close()     # the child closes its monitor between umockdev's connect and its sendmsg
try:
    print(sender.sendmsg([b'add@/devices/usb1', b'\\0']))
except ConnectionRefusedError:
    print('refused')
'''


def self_test():
    directory = tempfile.mkdtemp(prefix='kiosk-umockdev-')
    try:
        shim = build_shim(directory)
        def run(preload):
            env = dict(os.environ, LD_PRELOAD=preload) if preload else {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
            return subprocess.run([sys.executable, '-c', SEND_TO_CLOSED_LISTENER], env=env, check=True,
                                  capture_output=True, text=True).stdout.strip()
        plain, shimmed = run(None), run(shim)
        print(f'umockdev_preload self-test: to a closed listener, plain sendmsg: {plain}; with the shim: {shimmed}')
        if plain != 'refused' or shimmed != '18':
            sys.exit('umockdev_preload self-test: FAILED (expected "refused" and 18)')
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == '__main__':
    if sys.argv[1:] != ['--self-test']:
        sys.exit(__doc__)
    self_test()
