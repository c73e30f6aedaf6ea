#!/usr/bin/python3
"""systemd's notification socket, stood in for by the test: binds a unix datagram socket at
SOCKET (writable by every user, so `kiosk serve` run as the kiosk user can send to it) and
prints each assignment it receives as `SECONDS_SINCE_START ASSIGNMENT`, until STOPPING=1
arrives or nothing comes for TIMEOUT seconds.

    notify-listener.py SOCKET [TIMEOUT]
"""
import os
import socket
import sys
import time

path = sys.argv[1]
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 120
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
os.chmod(path, 0o666)
listener.settimeout(timeout)
start = time.monotonic()
print(f"0.000 LISTENING={path}", flush=True)
try:
    while True:
        datagram = listener.recv(65536).decode()
        for assignment in datagram.split("\n"):
            print(f"{time.monotonic() - start:.3f} {assignment}", flush=True)
        if "STOPPING=1" in datagram.split("\n"):
            break
except socket.timeout:
    pass
finally:
    listener.close()
    os.unlink(path)
