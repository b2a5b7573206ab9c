#!/usr/bin/env python3
"""Streams one HEPv3 frame file over TCP or TLS at a fixed rate (benchmarks): --rate frames per second for
--seconds, in 10 ms batches. Prints {"sent": N, "seconds": elapsed} (frames written to the socket)."""
import argparse
import json
import socket
import ssl
import time

parser = argparse.ArgumentParser()
parser.add_argument("--transport", choices=["tcp", "tls"], required=True)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--ca")
parser.add_argument("--frame", required=True, help="file holding one HEPv3 frame")
parser.add_argument("--rate", type=int, default=20000)
parser.add_argument("--seconds", type=float, default=10)
args = parser.parse_args()

frame = open(args.frame, "rb").read()
sock = socket.create_connection(("127.0.0.1", args.port), timeout=30)
if args.transport == "tls":
    ctx = ssl.create_default_context(cafile=args.ca)
    sock = ctx.wrap_socket(sock, server_hostname="127.0.0.1")
tick = 0.01
per_tick = max(1, int(args.rate * tick))
batch = frame * per_tick
total = int(args.rate * args.seconds)
sent = 0
start = time.monotonic()
while sent < total:
    n = min(per_tick, total - sent)
    sock.sendall(batch if n == per_tick else frame * n)
    sent += n
    delay = start + (sent / args.rate) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
elapsed = time.monotonic() - start
sock.close()
print(json.dumps({"sent": sent, "seconds": round(elapsed, 3)}))
