#!/usr/bin/env python3
"""A HEP-over-TLS agent for tests: Python's ssl module against a capd tls:// listener.

Modes (one JSON line on stdout, exit status 0 unless the arguments are wrong):
  send      handshake, send the bytes of --frames (HEPv3 frames back to back), wait --linger seconds for the
            server to refuse us (mTLS failures surface after a TLS 1.3 handshake), close.
            -> {"ok": true, "version": "TLSv1.3", "peer_sha256": "..."} or {"ok": false, "error": "..."}
  stall     TCP connect, send --prefix bytes of a ClientHello (0 = nothing), wait for the server to close.
            -> {"closed_after": seconds} or {"closed_after": null} when it stayed open for --wait seconds
  garbage   TCP connect, send bytes that are not TLS, wait for the server to close.
            -> {"closed_after": seconds, "reply": hex}
"""
import argparse
import hashlib
import json
import socket
import ssl
import sys
import time

VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if args.ca:
        ctx.load_verify_locations(args.ca)
    if args.no_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.max_version:
        # Old versions need the lowest security level, else the client itself refuses to offer them.
        if args.max_version in ("1.0", "1.1"):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = VERSIONS[args.max_version] if args.max_version in ("1.0", "1.1") else ctx.minimum_version
        ctx.maximum_version = VERSIONS[args.max_version]
    return ctx


def wait_closed(sock, seconds):
    """Seconds until the peer closed (EOF or reset), None if it stayed open."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            data = sock.recv(4096)
            if not data:
                return time.monotonic() - start, b""
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start, b""
    return None, b""


def send(args):
    ctx = context(args)
    raw = socket.create_connection((args.host, args.port), timeout=10)
    try:
        tls = ctx.wrap_socket(raw, server_hostname=args.server_name or args.host)
    except (ssl.SSLError, OSError) as error:
        return {"ok": False, "error": str(error), "stage": "handshake"}
    result = {"ok": True, "version": tls.version(),
              "peer_sha256": hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()}
    try:
        if args.frames:
            with open(args.frames, "rb") as f:
                data = f.read()
            if args.rate:
                # Paced: one HEPv3 frame (length in bytes 4-5 of its header) every 1/rate seconds.
                start = time.monotonic()
                offset = 0
                index = 0
                while offset < len(data):
                    length = int.from_bytes(data[offset + 4:offset + 6], "big")
                    delay = start + index / args.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    tls.sendall(data[offset:offset + length])
                    offset += length
                    index += 1
            else:
                tls.sendall(data)
        if args.linger > 0:
            tls.settimeout(args.linger)
            try:
                reply = tls.recv(1)
                if reply == b"":
                    result = {"ok": False, "error": "server closed the connection", "stage": "after_handshake"}
            except socket.timeout:
                pass
            except (ssl.SSLError, OSError) as error:
                result = {"ok": False, "error": str(error), "stage": "after_handshake"}
    except (ssl.SSLError, OSError) as error:
        result = {"ok": False, "error": str(error), "stage": "send"}
    finally:
        try:
            tls.close()
        except OSError:
            pass
    return result


# The first bytes of a TLS 1.2 ClientHello record (type 22, version 3.1, length 512): enough to start a
# handshake the server then waits on.
CLIENT_HELLO_PREFIX = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + bytes(32)


def stall(args):
    sock = socket.create_connection((args.host, args.port), timeout=10)
    if args.prefix:
        sock.sendall(CLIENT_HELLO_PREFIX[:args.prefix])
    closed, _ = wait_closed(sock, args.wait)
    sock.close()
    return {"closed_after": closed}


def garbage(args):
    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.sendall(b"HEP3 this is not a TLS ClientHello\r\n" * 8)
    start = time.monotonic()
    sock.settimeout(0.2)
    reply = b""
    closed = None
    while time.monotonic() - start < args.wait:
        try:
            data = sock.recv(4096)
            if not data:
                closed = time.monotonic() - start
                break
            reply += data
        except socket.timeout:
            continue
        except OSError:
            closed = time.monotonic() - start
            break
    sock.close()
    return {"closed_after": closed, "reply": reply.hex()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["send", "stall", "garbage"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-name")
    parser.add_argument("--ca")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--max-version", choices=sorted(VERSIONS))
    parser.add_argument("--frames")
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--linger", type=float, default=0.5)
    parser.add_argument("--prefix", type=int, default=0)
    parser.add_argument("--wait", type=float, default=15)
    args = parser.parse_args()
    result = {"send": send, "stall": stall, "garbage": garbage}[args.mode](args)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
