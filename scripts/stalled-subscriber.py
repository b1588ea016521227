#!/usr/bin/env python3
"""An MQTT 3.1.1 client that subscribes to every node's uplink and then never reads its socket:
the broker must keep its queue for this client bounded (scripts/memory-test.sh).
Usage: stalled-subscriber.py PORT USER PASSWORD. Runs until killed; exits 1 as soon as the
connection is no longer established (read from the kernel's TCP_INFO, without reading data)."""
import socket
import struct
import sys
import time


def field(b: bytes) -> bytes:
    return struct.pack("!H", len(b)) + b


def packet(kind: int, body: bytes) -> bytes:
    n, length = len(body), b""
    while True:
        byte, n = n % 128, n // 128
        length += bytes([byte | (0x80 if n else 0)])
        if not n:
            return bytes([kind]) + length + body


port, user, password = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port))
# After connecting, so the connection keeps the window it was opened with: with a 4 KiB window
# from the start, the broker's delivery to every other client stalls for tens of seconds (an
# open problem, docs/SECURITY.md "Still open").
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
# CONNECT: protocol MQTT 4, flags user + password + clean session, keep-alive 10 min (the broker
# refuses 0; the test ends long before it would time the client out).
s.sendall(packet(0x10, field(b"MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 600)
                 + field(user + b"-stalled") + field(user) + field(password)))
ack = s.recv(4)
if len(ack) < 4 or ack[0] != 0x20 or ack[3] != 0:
    sys.exit(f"connect refused: {ack!r}")
s.sendall(packet(0x82, struct.pack("!H", 1) + field(b"mostrador/n/+/up") + bytes([1])))
print("subscribed; not reading from now on", flush=True)
TCP_ESTABLISHED = 1
while True:
    time.sleep(1)
    state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    if state != TCP_ESTABLISHED:
        sys.exit(f"the broker closed the stalled subscriber (TCP state {state})")
