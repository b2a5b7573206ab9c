#!/usr/bin/env python3
"""Scale-out benchmark (`BENCH_SCALEOUT=1 make bench`, issue 13): aggregate stored rows/s with 1, 2 and 3 capture
nodes behind one relay node, against 1 and 2 PostgreSQL shards, next to one capd node fed directly.

Same topology as scripts/scaleout_test.py (nodes in network namespaces behind veths, shards as throwaway
clusters on Unix sockets). Every run offers the same packets (calls of 8 packets, unique Call-IDs) at a fixed
rate and counts rows until the count stops moving: stored rows/s = rows / (last row - first packet).
On a 2-core machine every process shares the same two cores, so more nodes cannot add capacity: the figures
show the shape and the cost of the relay hop, not what N machines would do.

Usage: scripts/scaleout_bench.py --capd .build/release/capd [--packets 200000] [--rate 40000] [--out FILE]
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaleout_test import (NODES, NODE_PORT, PER_CALL, MESSAGES, Capd, Shard, free_port, hep3, log, run, sip,  # noqa: E402
                           tcp_open, wait_for)


def packets(count):
    out = []
    for i in range(count // PER_CALL):
        call_id = f"bench-{i:07d}@scaleout.test"
        for j in range(PER_CALL):
            if j < len(MESSAGES):
                payload, src, dst = sip(MESSAGES[j], call_id, i)
                out.append(hep3(payload, call_id, 1, src, dst))
            else:
                out.append(hep3(b'{"type":200}', call_id, 5, ("10.0.0.1", 4000), ("10.0.0.2", 4002)))
    return out


def blast(data, rate, target):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    t0 = time.monotonic()
    for n, packet in enumerate(data):
        if n % 256 == 0:
            ahead = t0 + n / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        try:
            sock.sendto(packet, target)
        except BlockingIOError:
            pass
    return t0


def node_yaml(work, name, ip, shard_urls):
    path = os.path.join(work, f"{name}.yaml")
    shards = ", ".join(f"'{u}'" for u in shard_urls)
    store = f"shards: [{shards}]" if len(shard_urls) > 1 else f"url: '{shard_urls[0]}'"
    with open(path, "w") as f:
        f.write(f"""capture: {{ node: {name} }}
listen: [udp://{ip}:{NODE_PORT}, tcp://{ip}:{NODE_PORT}]
store:
  {store}
  spool: {work}/{name}-spool
admin: {{ listen: off }}
hep_route: sip
routes:
  main:
    - when: {{ not: {{ hep.proto_type: SIP }} }}
      do: [report, stop]
    - do: [capture]
""")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capd", default=".build/release/capd")
    ap.add_argument("--packets", type=int, default=200_000)
    ap.add_argument("--rate", type=int, default=40_000)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("needs root (network namespaces); skipped")
        return 0
    work = tempfile.mkdtemp(prefix="capd-scaleout-bench.")
    os.chmod(work, 0o755)
    shards, namespaces, results = [], [], []
    data = packets(args.packets)
    try:
        for name, host_ip, node_ip in NODES:
            ns = f"capd-sb-{name}"
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            subprocess.run(["ip", "link", "del", f"sb-{name}-h"], capture_output=True)
            run(["ip", "netns", "add", ns])
            namespaces.append(ns)
            run(["ip", "link", "add", f"sb-{name}-h", "type", "veth", "peer", "name", f"sb-{name}-n"])
            run(["ip", "link", "set", f"sb-{name}-n", "netns", ns])
            run(["ip", "addr", "add", f"{host_ip}/30", "dev", f"sb-{name}-h"])
            run(["ip", "link", "set", f"sb-{name}-h", "up"])
            for cmd in (["ip", "addr", "add", f"{node_ip}/30", "dev", f"sb-{name}-n"],
                        ["ip", "link", "set", f"sb-{name}-n", "up"], ["ip", "link", "set", "lo", "up"]):
                run(["ip", "netns", "exec", ns] + cmd)
        shards = [Shard("a", work), Shard("b", work)]
        runs = [(1, 1, False), (1, 1, True), (2, 1, True), (3, 1, True), (1, 2, True), (2, 2, True), (3, 2, True)]
        for node_count, shard_count, relayed in runs:
            for s in shards:
                s.query("DROP TABLE IF EXISTS sip_capture, rtcp_capture, capd_batches")
            used = shards[:shard_count]
            daemons = []
            for name, _, ip in NODES[:node_count]:
                d = Capd(f"{name}-{node_count}x{shard_count}", node_yaml(work, f"{name}-{node_count}x{shard_count}", ip,
                                                                         [s.url for s in used]),
                         args.capd, work, netns=f"capd-sb-{name}")
                d.start()
                daemons.append(d)
            target = (NODES[0][2], NODE_PORT)
            if relayed:
                port = free_port()
                members = ", ".join(f"udp://{ip}:{NODE_PORT}" for _, _, ip in NODES[:node_count])
                cfg = os.path.join(work, f"relay-{node_count}x{shard_count}.yaml")
                with open(cfg, "w") as f:
                    f.write(f"""capture: {{ node: relay }}
listen: [udp://127.0.0.1:{port}]
relay:
  tier: {{ to: [{members}], hash: call_id }}
store: {{ url: sqlite://{work}/relay.db, spool: {work}/relay-spool }}
admin: {{ listen: off }}
routes:
  main:
    - do: [{{ relay: tier }}]
""")
                relay = Capd(f"relay-{node_count}x{shard_count}", cfg, args.capd, work)
                relay.start()
                daemons.append(relay)
                target = ("127.0.0.1", port)
            wait_for(lambda: all(tcp_open(ip, NODE_PORT) for _, _, ip in NODES[:node_count]), 60)
            time.sleep(1.5)
            t0 = blast(data, args.rate, target)

            def stored():
                return sum(s.count("bench") or 0 for s in used)
            last, last_change, count = -1, time.monotonic(), 0
            while time.monotonic() - last_change < 3 and time.monotonic() - t0 < 300:
                count = stored()
                if count != last:
                    last, last_change = count, time.monotonic()
                if count >= len(data):
                    break
                time.sleep(0.25)
            elapsed = last_change - t0
            label = f"{node_count} node{'s' if node_count > 1 else ''}, {shard_count} shard{'s' if shard_count > 1 else ''}" \
                + (" via relay" if relayed else " direct (single-node baseline)")
            results.append((label, len(data), count, count / elapsed if elapsed > 0 else 0))
            log(f"{label}: {count} of {len(data)} rows, {results[-1][3]:,.0f} rows/s")
            for d in daemons:
                d.kill(15)
    finally:
        for s in shards:
            try:
                s.stop()
            except Exception as error:
                log(f"cleanup: {error}")
        for name, _, _ in NODES:
            subprocess.run(["ip", "link", "del", f"sb-{name}-h"], capture_output=True)
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", work])
    lines = [f"### Scale-out ({args.packets:,} packets offered at {args.rate:,}/s, {os.cpu_count()} cores)", "",
             "| topology | offered | stored | stored rows/s |", "|---|---:|---:|---:|"]
    lines += [f"| {label} | {sent:,} | {got:,} | {rate:,.0f} |" for label, sent, got, rate in results]
    lines += ["", "Every process shares the same cores: the point is the shape and the relay hop's cost, not linear growth."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
