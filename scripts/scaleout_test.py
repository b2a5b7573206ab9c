#!/usr/bin/env python3
"""Scale-out cluster test (issue 13), for real on this machine, bounded to ~2-3 minutes.

Topology: a load generator on loopback -> 1 relay capd (host namespace, relay group `capture-tier`, hash
call_id) -> 3 capture capd nodes, each in its own network namespace behind a veth pair (198.18.1.0/24,
RFC 2544 test addresses) -> 2 PostgreSQL shards (throwaway clusters, reached over their Unix sockets, which
every namespace shares through the file system).

Phases (each with its own Call-IDs):
  A steady   2 000 calls of 7 SIP messages + 1 RTCP report: every message stored exactly once, every call
             (with its report) on one node and one shard, total rows = messages sent.
  B node     2 000 calls; capture node n2 is SIGKILLed a third of the way in and restarted two thirds in:
             calls started after the move settled are whole on one node and none reach n2 while it is down,
             calls after its return reach it again; rows lost <= what was in flight to n2, as the relay counts it
             (capd_relay_member_unconfirmed_total).
  C shard    2 000 calls while shard B's PostgreSQL is stopped for 20 s: shard A keeps storing during the
             outage, shard B's rows spool and arrive once it is back, exactly once.

Usage: scripts/scaleout_test.py [--capd .build/debug/capd] [--keep]   (root: namespaces and veths)
Exit status 0 when every check passes. Everything it creates (namespaces, veths, clusters, processes,
its temporary directory) is removed on exit.
"""
import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = [("n1", "198.18.1.1", "198.18.1.2"), ("n2", "198.18.1.5", "198.18.1.6"), ("n3", "198.18.1.9", "198.18.1.10")]
NODE_PORT = 9060
MESSAGES = ["INVITE", "100", "180", "200", "ACK", "BYE", "200B"]
PER_CALL = len(MESSAGES) + 1   # + one RTCP report
failures = []


def log(msg):
    print(f"scaleout: {msg}", file=sys.stderr, flush=True)


def check(ok, what):
    log(("PASS " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- HEP load generator

def chunk(ctype, body):
    return struct.pack("!HHH", 0, ctype, 6 + len(body)) + body


def hep3(payload, call_id, proto_type, src, dst, capture_id=2001):
    now = time.time()
    body = b"".join([
        chunk(1, b"\x02"), chunk(2, b"\x11"),
        chunk(3, socket.inet_aton(src[0])), chunk(4, socket.inet_aton(dst[0])),
        chunk(7, struct.pack("!H", src[1])), chunk(8, struct.pack("!H", dst[1])),
        chunk(9, struct.pack("!I", int(now))), chunk(10, struct.pack("!I", int((now % 1) * 1e6))),
        chunk(11, bytes([proto_type])), chunk(12, struct.pack("!I", capture_id)),
        chunk(15, payload),
    ] + ([chunk(17, call_id.encode())] if proto_type != 1 else []))
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def sip(kind, call_id, seq):
    a, b = ("10.0.0.1", 5060), ("10.0.0.2", 5060)
    if kind in ("INVITE", "ACK", "BYE"):
        cseq = "1 INVITE" if kind != "BYE" else "2 BYE"
        if kind == "ACK":
            cseq = "1 ACK"
        first = f"{kind} sip:bob@example.com SIP/2.0"
        src, dst = a, b
    else:
        code = {"100": "100 Trying", "180": "180 Ringing", "200": "200 OK", "200B": "200 OK"}[kind]
        cseq = "2 BYE" if kind == "200B" else "1 INVITE"
        first = f"SIP/2.0 {code}"
        src, dst = b, a
    text = (f"{first}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{seq}\r\n"
            f"From: <sip:alice@example.com>;tag=a{seq}\r\nTo: <sip:bob@example.com>;tag=b{seq}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    return text.encode(), src, dst


def send_calls(prefix, calls, rate_calls, target, events=None):
    """Sends `calls` calls, starting `rate_calls` per second; each call's 8 packets are 50 ms apart.
    `events` maps a fraction of the run (0..1) to a callable run once that far in. Returns the start time of
    every call (monotonic) and the number of packets sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    schedule = []
    for i in range(calls):
        start = i / rate_calls
        for j in range(PER_CALL):
            schedule.append((start + j * 0.05, i, j))
    schedule.sort()
    pending = sorted((events or {}).items())
    t0 = time.monotonic()
    starts = {}
    sent = 0
    total = schedule[-1][0]
    for at, i, j in schedule:
        while pending and at >= pending[0][0] * total:
            pending.pop(0)[1]()
        delay = t0 + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        call_id = f"{prefix}-{i:05d}@scaleout.test"
        if j == 0:
            starts[call_id] = time.monotonic()
        if j < len(MESSAGES):
            payload, src, dst = sip(MESSAGES[j], call_id, i)
            packet = hep3(payload, call_id, 1, src, dst)
        else:
            report = b'{"type":200,"ssrc":1,"report_count":0}'
            packet = hep3(report, call_id, 5, ("10.0.0.1", 4000), ("10.0.0.2", 4002))
        sock.sendto(packet, target)
        sent += 1
    for _, fn in pending:
        fn()
    sock.close()
    return starts, sent


# ---------------------------------------------------------------- cluster pieces

class Shard:
    def __init__(self, name, work):
        self.name = name
        self.state = os.path.join(work, f"pg-{name}.state")
        env = dict(os.environ, CAPD_PG_STATE=self.state)
        out = run([os.path.join(ROOT, "scripts/pg-test-cluster.sh"), "start"], env=env).stdout
        values = dict(line.replace("export ", "").split("=", 1) for line in out.splitlines() if line.startswith("export "))
        self.url = values["CAPD_TEST_PG_URL"].strip("'")

    def ctl(self, action):
        run([os.path.join(ROOT, "scripts/pg-test-cluster.sh"), action], env=dict(os.environ, CAPD_PG_STATE=self.state))

    def query(self, sql):
        out = subprocess.run(["psql", self.url, "-AtF", "|", "-c", sql], capture_output=True, text=True)
        if out.returncode != 0:
            return None
        return [line.split("|") for line in out.stdout.splitlines() if line]

    def rows(self, prefix):
        """(table, callid, node) of every row of a phase."""
        result = []
        for table, column in (("sip_capture", "callid"), ("rtcp_capture", "correlation_id")):
            got = self.query(f"SELECT {column}, node FROM {table} WHERE {column} LIKE '{prefix}-%'") or []
            result += [(table, r[0], r[1].split(":")[0]) for r in got]
        return result

    def count(self, prefix):
        got = self.query(f"SELECT (SELECT count(*) FROM sip_capture WHERE callid LIKE '{prefix}-%')"
                         f" + (SELECT count(*) FROM rtcp_capture WHERE correlation_id LIKE '{prefix}-%')")
        return int(got[0][0]) if got else None

    def stop(self):
        run([os.path.join(ROOT, "scripts/pg-test-cluster.sh"), "stop"], env=dict(os.environ, CAPD_PG_STATE=self.state))


class Capd:
    def __init__(self, name, config, binary, work, netns=None):
        self.name, self.config, self.binary, self.work, self.netns = name, config, binary, work, netns
        self.proc = None

    def start(self):
        cmd = [self.binary, "run", "-c", self.config]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        logf = open(os.path.join(self.work, f"{self.name}.log"), "a")
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=logf)

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            values[key] = float(value)
    return values


def wait_for(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_open(host, port):
    try:
        socket.create_connection((host, port), timeout=0.3).close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- checks

def placement(shards, prefix):
    """call id -> list of (shard, table, node) over every shard."""
    calls = {}
    for shard in shards:
        for table, call_id, node in shard.rows(prefix):
            calls.setdefault(call_id, []).append((shard.name, table, node))
    return calls


def check_whole(calls, starts, label, expect_complete=True):
    total = sum(len(v) for v in calls.values())
    complete = [c for c in starts if len(calls.get(c, [])) == PER_CALL]
    duplicated = [c for c, rows in calls.items() if len(rows) > PER_CALL
                  or sum(1 for r in rows if r[1] == "rtcp_capture") > 1]
    split_node = [c for c, rows in calls.items() if len({r[2] for r in rows}) > 1]
    split_shard = [c for c, rows in calls.items() if len({r[0] for r in rows}) > 1]
    check(not duplicated, f"{label}: no message stored twice ({len(duplicated)} calls with extra rows)")
    check(not split_shard, f"{label}: every call (and its report) on one shard ({len(split_shard)} split)")
    if expect_complete:
        check(total == len(starts) * PER_CALL, f"{label}: rows stored = messages sent ({total} of {len(starts) * PER_CALL})")
        check(len(complete) == len(starts), f"{label}: every call complete ({len(complete)} of {len(starts)})")
        check(not split_node, f"{label}: every call on one capture node ({len(split_node)} split)")
    return total, split_node


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capd", default=os.path.join(ROOT, ".build/debug/capd"))
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("needs root (network namespaces); skipped")
        return 77
    work = tempfile.mkdtemp(prefix="capd-scaleout.")
    os.chmod(work, 0o755)
    shards, daemons, namespaces = [], [], []
    started = time.monotonic()
    try:
        # Namespaces: host side .1/.5/.9, node side .2/.6/.10.
        for i, (name, host_ip, node_ip) in enumerate(NODES):
            ns = f"capd-so-{name}"
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            subprocess.run(["ip", "link", "del", f"so-{name}-h"], capture_output=True)
            run(["ip", "netns", "add", ns])
            namespaces.append(ns)
            run(["ip", "link", "add", f"so-{name}-h", "type", "veth", "peer", "name", f"so-{name}-n"])
            run(["ip", "link", "set", f"so-{name}-n", "netns", ns])
            run(["ip", "addr", "add", f"{host_ip}/30", "dev", f"so-{name}-h"])
            run(["ip", "link", "set", f"so-{name}-h", "up"])
            run(["ip", "netns", "exec", ns, "ip", "addr", "add", f"{node_ip}/30", "dev", f"so-{name}-n"])
            run(["ip", "netns", "exec", ns, "ip", "link", "set", f"so-{name}-n", "up"])
            run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
        for name in ("a", "b"):
            shards.append(Shard(name, work))
        log(f"shards: {shards[0].url} {shards[1].url}")

        shard_list = ", ".join(f"'{s.url}'" for s in shards)
        nodes = {}
        for name, _, node_ip in NODES:
            path = os.path.join(work, f"{name}.yaml")
            with open(path, "w") as f:
                f.write(f"""capture: {{ node: {name} }}
listen: [udp://{node_ip}:{NODE_PORT}, tcp://{node_ip}:{NODE_PORT}]
store:
  shards: [{shard_list}]
  shard_by: call_id
  spool: {work}/{name}-spool
  flush_ms: 100
admin: {{ listen: 127.0.0.1:9096 }}
hep_route: sip
routes:
  main:
    - when: {{ not: {{ hep.proto_type: SIP }} }}
      do: [report, stop]
    - do: [capture]
""")
            nodes[name] = Capd(name, path, args.capd, work, netns=f"capd-so-{name}")
        relay_port, relay_admin = free_port(), free_port()
        members = ", ".join(f"udp://{ip}:{NODE_PORT}" for _, _, ip in NODES)
        relay_cfg = os.path.join(work, "relay.yaml")
        with open(relay_cfg, "w") as f:
            f.write(f"""capture: {{ node: relay }}
listen: [udp://127.0.0.1:{relay_port}]
relay:
  capture-tier: {{ to: [{members}], hash: call_id }}
store: {{ url: sqlite://{work}/relay.db, spool: {work}/relay-spool }}
admin: {{ listen: 127.0.0.1:{relay_admin} }}
hep_route: sip
routes:
  main:
    - do: [{{ relay: capture-tier }}]
""")
        check(subprocess.run([args.capd, "check", relay_cfg], capture_output=True).returncode == 0,
              "capd check accepts the relay group configuration")
        relay = Capd("relay", relay_cfg, args.capd, work)
        for d in list(nodes.values()) + [relay]:
            d.start()
            daemons.append(d)
        ok = wait_for(lambda: all(tcp_open(ip, NODE_PORT) for _, _, ip in NODES), 60)
        ok = ok and wait_for(lambda: tcp_open("127.0.0.1", relay_admin), 30)
        check(ok, "relay and capture nodes listening")
        up = lambda: metrics(relay_admin)
        check(wait_for(lambda: all(up().get(f'capd_relay_member_up{{group="capture-tier",member="udp://{ip}:{NODE_PORT}"}}') == 1
                                   for _, _, ip in NODES), 10), "every member up")
        target = ("127.0.0.1", relay_port)

        def drained(prefix, expected):
            return wait_for(lambda: sum(s.count(prefix) or 0 for s in shards) >= expected, 60, 0.5)

        # ---- Phase A: steady
        starts, sent = send_calls("A", args.calls, 200, target)
        drained("A", sent)
        calls = placement(shards, "A")
        check_whole(calls, starts, "A steady")
        per_node = {n: sum(1 for rows in calls.values() if rows[0][2] == n) for n, _, _ in NODES}
        per_shard = {s.name: sum(1 for rows in calls.values() if rows[0][0] == s.name) for s in shards}
        log(f"A: calls per node {per_node}, per shard {per_shard}")
        check(all(v > args.calls / 6 for v in per_node.values()), "A: every node took a share of the calls")
        size = shards[0].query("SELECT pg_total_relation_size('sip_capture'), count(*), avg(length(msg)) FROM sip_capture")
        if size:
            total_bytes, rows, msg = int(size[0][0]), int(size[0][1]), float(size[0][2])
            log(f"A: sip_capture on shard a: {total_bytes} bytes for {rows} rows = {total_bytes / rows:.0f} bytes/row "
                f"with indexes (messages average {msg:.0f} bytes): overhead {total_bytes / rows - msg:.0f} bytes/row")
        check(all(v > args.calls / 4 for v in per_shard.values()), "A: every shard took a share of the calls")

        # ---- Phase B: kill n2 a third in, restart it two thirds in
        times = {}
        failed_before = up().get(f'capd_relay_failed_total{{target="capture-tier/udp://198.18.1.6:{NODE_PORT}"}}', 0)
        unconfirmed_key = f'capd_relay_member_unconfirmed_total{{group="capture-tier",member="udp://198.18.1.6:{NODE_PORT}"}}'
        unconfirmed_before = up().get(unconfirmed_key, 0)

        def kill_n2():
            times["kill"] = time.monotonic()
            nodes["n2"].kill(signal.SIGKILL)

        def restart_n2():
            times["restart"] = time.monotonic()
            nodes["n2"].start()

        starts_b, sent_b = send_calls("B", args.calls, 200, target, {0.33: kill_n2, 0.66: restart_n2})
        wait_for(lambda: tcp_open("198.18.1.6", NODE_PORT), 30)
        drained("B", sent_b)
        time.sleep(2)
        m = up()
        failed_n2 = m.get(f'capd_relay_failed_total{{target="capture-tier/udp://198.18.1.6:{NODE_PORT}"}}', 0) - failed_before
        calls_b = placement(shards, "B")
        total_b, split_b = check_whole(calls_b, starts_b, "B node loss", expect_complete=False)
        lost = sent_b - total_b
        unconfirmed = int(m.get(unconfirmed_key, 0) - unconfirmed_before)
        # The relay counts what it routed to n2 in the last second before a probe found it down (and while it
        # was down): the most n2 can have taken with it. It must cover the loss, and stay near one second of
        # n2's third of the traffic (200 calls/s x PER_CALL packets / 3), not grow with the run.
        one_second = 200 * PER_CALL // 3
        log(f"B: sent {sent_b}, stored {total_b}, lost {lost}; relay counted {unconfirmed} packets unconfirmed and "
            f"{int(failed_n2)} failed sends to n2; {len(split_b)} calls split across nodes (all spanning a move)")
        check(0 <= lost <= unconfirmed + int(failed_n2),
              f"B: loss only of what was in flight to n2, counted ({lost} <= {unconfirmed} unconfirmed + {int(failed_n2)} failed)")
        check(unconfirmed <= 3 * one_second, f"B: the unconfirmed count is about a second of n2's traffic ({unconfirmed} <= {3 * one_second})")
        settle = 1.5
        during = [c for c, t in starts_b.items() if times["kill"] + settle <= t and t + PER_CALL * 0.05 < times["restart"]]
        after = [c for c, t in starts_b.items() if t >= times["restart"] + settle + 1.0]
        check(all(len(calls_b.get(c, [])) == PER_CALL and len({r[2] for r in calls_b[c]}) == 1
                  and all(r[2] != "n2" for r in calls_b[c]) for c in during),
              f"B: {len(during)} calls while n2 was down are whole on n1/n3")
        broken = [c for c in after if len(calls_b.get(c, [])) != PER_CALL or len({r[2] for r in calls_b[c]}) != 1]
        for c in broken[:5]:
            log(f"B: {c} started {starts_b[c] - times['restart']:.2f} s after the restart: {sorted(calls_b.get(c, []))}")
        check(not broken, f"B: {len(after)} calls after n2 returned are whole on one node ({len(broken)} not)")
        back = sum(1 for c in after if calls_b[c][0][2] == "n2")
        check(back > len(after) / 6, f"B: traffic returned to n2 ({back} of {len(after)} calls)")
        check(m.get(f'capd_relay_member_transitions_total{{group="capture-tier",member="udp://198.18.1.6:{NODE_PORT}"}}', 0) >= 2,
              "B: n2 went down and came back up in the relay's view")

        # ---- Phase C: shard b stopped for 20 s
        times_c = {}
        flow = {}

        def stop_b():
            times_c["stop"] = time.monotonic()
            shards[1].ctl("server-stop")
            flow["a0"] = shards[0].count("C")

        def mid_b():
            flow["a1"] = shards[0].count("C")
            flow["t1"] = time.monotonic()

        starts_c, sent_c = send_calls("C", args.calls, 80, target, {0.05: stop_b, 0.75: mid_b})
        # The generator runs ~25 s; shard b comes back 20 s after it stopped.
        remaining = times_c["stop"] + 20 - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        shards[1].ctl("server-start")
        log(f"C: shard a stored {flow['a1'] - flow['a0']} rows in {flow['t1'] - times_c['stop']:.1f} s of shard b's outage")
        check(flow["a1"] - flow["a0"] > 0.3 * sent_c * 0.7, "C: shard a kept flowing while shard b was down")
        drained("C", sent_c)
        calls_c = placement(shards, "C")
        for c in [c for c in starts_c if len(calls_c.get(c, [])) != PER_CALL][:5]:
            log(f"C: {c} incomplete: {sorted(calls_c.get(c, []))}")
        check_whole(calls_c, starts_c, "C shard outage")
    finally:
        for d in daemons:
            d.kill(signal.SIGTERM)
        for shard in shards:
            try:
                shard.stop()
            except Exception as error:  # keep cleaning up
                log(f"cleanup: {error}")
        for name, _, _ in NODES:
            subprocess.run(["ip", "link", "del", f"so-{name}-h"], capture_output=True)
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if args.keep:
            log(f"kept {work}")
        else:
            subprocess.run(["rm", "-rf", work])
    log(f"{'FAILED' if failures else 'passed'} in {time.monotonic() - started:.0f} s ({len(failures)} failed checks)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
