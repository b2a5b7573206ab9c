#!/usr/bin/env python3
"""Per-second sampling, summaries and plots for capd's sustained benchmark runs (scripts/bench.sh, scripts/soak.sh).

  sample     samples capd once a second into a CSV until the run is drained (or a bound is hit)
  summarize  one run's CSV + sender output + database counts -> one JSON summary (with goal verdicts)
  report     JSON summaries -> a markdown table
  plot       one run's CSV -> PNG (stored rows/s, spool MB, RSS MB over time); skipped if no plotter exists

Everything it reads is local: capd's /metrics on 127.0.0.1, /proc/PID/{status,stat}, /proc/net/udp{,6}.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

HZ = os.sysconf("SC_CLK_TCK")
COLUMNS = ["t", "unix", "rows_stored", "received", "queue_depth", "spool_bytes", "kernel_drops", "capd_drops",
           "rss_kb", "cpu_ticks", "wal_bytes", "pg_up", "udp_rx_queue"]


def metrics(admin):
    """capd's /metrics as {name: sum over labels} plus {'drops': {reason: value}}; None if unreachable."""
    try:
        with urllib.request.urlopen(f"http://{admin}/metrics", timeout=2) as response:
            text = response.read().decode("utf-8", "replace")
    except Exception:
        return None
    sums, drops = {}, {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        try:
            key, value = line.rsplit(" ", 1)
            value = float(value)
        except ValueError:
            continue
        name = key.split("{", 1)[0]
        sums[name] = sums.get(name, 0.0) + value
        if name == "capd_drops_total" and 'reason="' in key:
            reason = key.split('reason="', 1)[1].split('"', 1)[0]
            drops[reason] = drops.get(reason, 0.0) + value
    sums["drops"] = drops
    return sums


def udp_drops(port):
    """The `drops` column of /proc/net/udp{,6} summed over sockets bound to `port`."""
    return udp_socket(port)[0]


def udp_socket(port):
    """(drops, rx_queue bytes) of /proc/net/udp{,6}, summed over sockets bound to `port`."""
    total = queued = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if len(fields) >= 13 and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        total += int(fields[-1])
                        queued += int(fields[4].split(":")[1], 16)
        except (OSError, StopIteration, ValueError):
            pass
    return total, queued


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15 of stat)
    except (OSError, IndexError, ValueError):
        return 0


def path_bytes(path):
    if not path:
        return 0
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def sample(args):
    start = time.time()
    end_seen = None
    last_change = start
    previous = None
    wrote_final = False
    with open(args.csv, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        tick = 0
        while True:
            now = time.time()
            alive = os.path.exists(f"/proc/{args.pid}")
            m = metrics(args.admin) if alive else None
            pg_up = 1
            if args.pg_pid_file:
                pg_up = 1 if os.path.exists(args.pg_pid_file) else 0
            row = [round(now - start, 3), round(now, 3)]
            if m is not None:
                row += [int(m.get("capd_rows_stored_total", 0)), int(m.get("capd_packets_received_total", 0)),
                        int(m.get("capd_store_queue_depth", 0)), int(m.get("capd_spool_bytes", 0))]
            else:
                row += ["", "", "", ""]
            drops, rx_queue = udp_socket(args.udp_port)
            row += [drops, int(m.get("capd_drops_total", 0)) if m else "",
                    rss_kb(args.pid), cpu_ticks(args.pid), path_bytes(args.wal), pg_up, rx_queue]
            writer.writerow(row)
            out.flush()
            if m is not None:
                with open(args.metrics_out, "w") as f:
                    json.dump(m, f)
                wrote_final = True
                state = (row[2], row[3])
                if state != previous:
                    previous = state
                    last_change = now
            if not alive:
                break
            if end_seen is None and os.path.exists(args.end_file):
                end_seen = now
            if end_seen is not None and m is not None:
                drained = row[4] == 0 and row[5] == 0 and now - last_change >= args.idle_seconds
                if drained or now - end_seen > args.drain_timeout:
                    break
            if now - start > args.max_seconds:
                break
            tick += 1
            time.sleep(max(0.0, start + tick * args.interval - time.time()))
    if not wrote_final:
        with open(args.metrics_out, "w") as f:
            json.dump({"drops": {}}, f)


def load_csv(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["rows_stored"] == "":
                continue
            rows.append({k: float(v) if v != "" else 0.0 for k, v in r.items()})
    return rows


def parse_blast(path):
    fields = {}
    with open(path) as f:
        for token in f.read().split():
            if "=" in token:
                k, v = token.split("=", 1)
                fields[k] = v
    return fields


def rate_between(rows, t0, t1):
    """Stored rows/s between unix times t0 and t1 (from the nearest samples)."""
    inside = [r for r in rows if t0 <= r["unix"] <= t1]
    if len(inside) < 2:
        return None
    span = inside[-1]["unix"] - inside[0]["unix"]
    return (inside[-1]["rows_stored"] - inside[0]["rows_stored"]) / span if span > 0 else None


def summarize(args):
    rows = load_csv(args.csv)
    blast = parse_blast(args.blast_out)
    final = json.load(open(args.metrics_final)) if os.path.exists(args.metrics_final) else {"drops": {}}
    sent = int(blast.get("sent", 0))
    first_packet = float(blast.get("started_unix", 0))
    last_packet = first_packet + float(blast.get("elapsed_s", 0))
    stored = args.stored
    C = args.ceiling
    received = int(final.get("capd_packets_received_total", rows[-1]["received"] if rows else 0))
    kernel_drops = int(rows[-1]["kernel_drops"] - rows[0]["kernel_drops"]) if rows else 0
    final_stored = rows[-1]["rows_stored"] if rows else 0
    last_row_unix = next((r["unix"] for r in rows if r["rows_stored"] >= final_stored), last_packet)
    # backlog: rows received and not yet stored nor dropped, more than half a second of the ceiling
    threshold = max(1000.0, C / 2)
    backlog_cpu = backlog_rows = calm_cpu = calm_rows = 0.0
    backlog_seconds = 0
    backlog_rate_rows = backlog_rate_time = 0.0
    for a, b in zip(rows, rows[1:]):
        d_rows = b["rows_stored"] - a["rows_stored"]
        d_cpu = b["cpu_ticks"] - a["cpu_ticks"]
        pending = b["received"] - b["rows_stored"] - b["capd_drops"]
        if pending > threshold or b["spool_bytes"] > 0:
            backlog_cpu += d_cpu
            backlog_rows += d_rows
            backlog_seconds += 1
            backlog_rate_rows += d_rows
            backlog_rate_time += b["unix"] - a["unix"]
        elif d_rows > 0:
            calm_cpu += d_cpu
            calm_rows += d_rows
    us_per_row = lambda cpu, n: round(cpu / HZ * 1e6 / n, 2) if n > 0 else None
    total_cpu = (rows[-1]["cpu_ticks"] - rows[0]["cpu_ticks"]) if rows else 0
    drain_span = last_row_unix - first_packet
    after = last_row_unix - last_packet
    rows_after = final_stored - next((r["rows_stored"] for r in rows if r["unix"] >= last_packet), final_stored)
    s = {
        "store": args.store, "label": args.label, "factor": args.factor, "seconds": args.seconds,
        "ceiling": round(C), "offered_rate": int(blast.get("offered_rate", 0)),
        "achieved_rate": int(blast.get("achieved_rate", 0)), "sent": sent, "received": received,
        "stored": stored, "distinct": args.distinct, "duplicates": stored - args.distinct if args.distinct >= 0 else None,
        "lost": sent - stored, "kernel_drops": kernel_drops,
        "drops_by_reason": {k: int(v) for k, v in final.get("drops", {}).items() if v},
        "max_spool_mb": round(max((r["spool_bytes"] for r in rows), default=0) / 1e6, 1),
        "max_queue_depth": int(max((r["queue_depth"] for r in rows), default=0)),
        "max_rss_mb": round(max((r["rss_kb"] for r in rows), default=0) / 1024, 1),
        "max_wal_mb": round(max((r["wal_bytes"] for r in rows), default=0) / 1e6, 1),
        "max_udp_rx_queue_mb": round(max((r.get("udp_rx_queue", 0) for r in rows), default=0) / 1e6, 1),
        "last_packet_to_last_row_s": round(after, 1),
        "end_to_end_rows_s": round(final_stored / drain_span) if drain_span > 0 else None,
        "drain_after_last_packet_rows_s": round(rows_after / after) if after > 1 and rows_after > 0 else None,
        "backlog_seconds": backlog_seconds,
        "rows_s_while_backlogged": round(backlog_rate_rows / backlog_rate_time) if backlog_rate_time > 0 else None,
        "cpu_us_per_row": us_per_row(total_cpu, final_stored),
        "cpu_us_per_row_backlog": us_per_row(backlog_cpu, backlog_rows),
        "cpu_us_per_row_no_backlog": us_per_row(calm_cpu, calm_rows),
        "load_start": args.load_start, "load_end": args.load_end, "drained": args.drained,
    }
    if args.seconds >= 300:
        s["rows_s_first_minute"] = rate_between(rows, first_packet, first_packet + 60)
        s["rows_s_last_minute"] = rate_between(rows, last_packet - 60, last_packet)
        early = [r["rss_kb"] for r in rows if first_packet + 60 <= r["unix"] <= first_packet + 120]
        late = [r["rss_kb"] for r in rows if last_packet - 60 <= r["unix"] <= last_packet]
        s["rss_mb_minute2"] = round(max(early) / 1024, 1) if early else None
        s["rss_mb_last_minute"] = round(max(late) / 1024, 1) if late else None
    s["goals"] = goals(s)
    json.dump(s, open(args.out, "w"), indent=1)
    print(json.dumps(s))


def goals(s):
    """Issue 10's goals for this run, each (name, measured, pass)."""
    C = s["ceiling"] or 1
    g = []
    ratio = lambda x: round(x / C, 2) if x is not None else None
    if s["label"] == "steady":
        g.append(("0 loss", s["lost"], s["lost"] == 0))
        g.append(("spool never touched (max MB)", s["max_spool_mb"], s["max_spool_mb"] == 0))
        g.append(("last row ≤ 15 s after last packet (s)", s["last_packet_to_last_row_s"],
                  s["last_packet_to_last_row_s"] <= 15))
    elif s["label"] == "overload":
        g.append(("0 kernel drops", s["kernel_drops"], s["kernel_drops"] == 0))
        g.append(("every accepted row stored (received − stored)", s["received"] - s["stored"],
                  s["received"] == s["stored"]))
        e2e = s["end_to_end_rows_s"]
        g.append(("end-to-end drain ≥ 0.9 C (× C)", ratio(e2e), e2e is not None and e2e >= 0.9 * C))
        b = s["rows_s_while_backlogged"]
        g.append(("stored rows/s with a backlog ≥ 0.9 C (× C)", ratio(b), b is not None and b >= 0.9 * C))
        cb, cn = s["cpu_us_per_row_backlog"], s["cpu_us_per_row_no_backlog"]
        if cb is not None and cn:
            g.append(("CPU/row with backlog ≤ 1.2 × without (ratio)", round(cb / cn, 2), cb <= 1.2 * cn))
    elif s["label"] == "soak":
        g.append(("0 loss", s["lost"], s["lost"] == 0))
        g.append(("RSS ≤ 150 MB (max MB)", s["max_rss_mb"], s["max_rss_mb"] <= 150))
        f, l = s.get("rows_s_first_minute"), s.get("rows_s_last_minute")
        if f and l:
            g.append(("last minute within 10 % of first (ratio)", round(l / f, 3), abs(l - f) <= 0.1 * f))
    return g


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {n:,}" for k, n in sorted(v.items())) or "0"
    return str(v)


def report(args):
    runs = [json.load(open(p)) for p in args.json]
    rows = [
        ("offered msg/s (× C)", lambda s: f"{s['offered_rate']:,} ({s['factor']} C) × {s['seconds']} s"),
        ("C rows/s (same run)", lambda s: fmt(s["ceiling"])),
        ("sender achieved msg/s", lambda s: fmt(s["achieved_rate"])),
        ("sent", lambda s: fmt(s["sent"])),
        ("received", lambda s: fmt(s["received"])),
        ("stored (distinct ids)", lambda s: f"{s['stored']:,} ({fmt(s['distinct'])})"),
        ("lost (sent − stored)", lambda s: fmt(s["lost"])),
        ("kernel drops (/proc/net/udp)", lambda s: fmt(s["kernel_drops"])),
        ("capd drops by reason", lambda s: fmt(s["drops_by_reason"])),
        ("max spool MB", lambda s: fmt(s["max_spool_mb"])),
        ("max queue depth", lambda s: fmt(s["max_queue_depth"])),
        ("max RSS MB", lambda s: fmt(s["max_rss_mb"])),
        ("max WAL MB", lambda s: fmt(s["max_wal_mb"])),
        ("max socket receive queue MB", lambda s: fmt(s.get("max_udp_rx_queue_mb"))),
        ("last packet → last row s", lambda s: fmt(s["last_packet_to_last_row_s"])),
        ("end-to-end stored rows/s (× C)", lambda s: ratio_cell(s, s["end_to_end_rows_s"])),
        ("drain rows/s after last packet (× C)", lambda s: ratio_cell(s, s["drain_after_last_packet_rows_s"])),
        ("stored rows/s while backlogged (× C)", lambda s: ratio_cell(s, s["rows_s_while_backlogged"])),
        ("seconds with a backlog", lambda s: fmt(s["backlog_seconds"])),
        ("stored rows/s first / last minute", lambda s: minute_cell(s)),
        ("capd CPU µs/row: all / backlog / no backlog",
         lambda s: f"{fmt(s['cpu_us_per_row'])} / {fmt(s['cpu_us_per_row_backlog'])} / {fmt(s['cpu_us_per_row_no_backlog'])}"),
        ("load average start → end", lambda s: f"{s['load_start']} → {s['load_end']}"),
        ("goals (issue 10)", lambda s: "<br>".join(
            f"{'PASS' if ok else '**FAIL**'} {name}: {fmt(v)}" for name, v, ok in s["goals"]) or "–"),
    ]
    out = []
    out.append("| | " + " | ".join(f"{s['store']} {s['label']} {s['factor']:g} × C {s['seconds']} s" for s in runs) + " |")
    out.append("|---" * (len(runs) + 1) + "|")
    for name, cell in rows:
        out.append(f"| {name} | " + " | ".join(cell(s) for s in runs) + " |")
    text = "\n".join(out) + "\n"
    if args.md:
        open(args.md, "w").write(text)
    print(text)


def ratio_cell(s, v):
    if v is None:
        return "–"
    return f"{v:,} ({v / (s['ceiling'] or 1):.2f})"


def minute_cell(s):
    f, l = s.get("rows_s_first_minute"), s.get("rows_s_last_minute")
    if f is None or l is None:
        return "–"
    return f"{f:,.0f} / {l:,.0f}"


def plot(args):
    rows = load_csv(args.csv)
    if len(rows) < 2:
        return
    t = [r["t"] for r in rows[1:]]
    rate = [(b["rows_stored"] - a["rows_stored"]) / max(1e-3, b["unix"] - a["unix"]) for a, b in zip(rows, rows[1:])]
    recv = [(b["received"] - a["received"]) / max(1e-3, b["unix"] - a["unix"]) for a, b in zip(rows, rows[1:])]
    spool = [r["spool_bytes"] / 1e6 for r in rows[1:]]
    rss = [r["rss_kb"] / 1024 for r in rows[1:]]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        fig, axes = plt.subplots(3, 1, figsize=(8, 6.5), sharex=True)
        axes[0].plot(t, recv, label="received/s", color="tab:gray", linewidth=0.8)
        axes[0].plot(t, rate, label="stored rows/s", color="tab:blue")
        if args.ceiling:
            axes[0].axhline(args.ceiling, color="tab:red", linestyle="--", linewidth=0.8, label="C")
        axes[0].set_ylabel("rows/s")
        axes[0].legend(loc="upper right", fontsize=7)
        axes[1].plot(t, spool, color="tab:orange")
        axes[1].set_ylabel("spool MB")
        axes[2].plot(t, rss, color="tab:green")
        axes[2].set_ylabel("RSS MB")
        axes[2].set_xlabel("seconds")
        axes[0].set_title(args.title, fontsize=9)
        fig.tight_layout()
        fig.savefig(args.out, dpi=80)
        return
    if shutil.which("gnuplot"):
        data = args.out + ".dat"
        with open(data, "w") as f:
            for row in zip(t, rate, spool, rss):
                f.write(" ".join(f"{x:.3f}" for x in row) + "\n")
        script = f"""set terminal png size 640,520; set output '{args.out}'; set multiplot layout 3,1 title '{args.title}'
plot '{data}' using 1:2 with lines title 'stored rows/s'
plot '{data}' using 1:3 with lines title 'spool MB'
plot '{data}' using 1:4 with lines title 'RSS MB'
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script.encode(), check=False)
        os.remove(data)
        return
    print("bench_sustained: no matplotlib or gnuplot, plot skipped", file=sys.stderr)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("sample")
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--admin", required=True)
    a.add_argument("--udp-port", type=int, required=True)
    a.add_argument("--csv", required=True)
    a.add_argument("--metrics-out", required=True)
    a.add_argument("--end-file", required=True)
    a.add_argument("--wal", default="")
    a.add_argument("--pg-pid-file", default="")
    a.add_argument("--interval", type=float, default=1.0)
    a.add_argument("--idle-seconds", type=float, default=3.0)
    a.add_argument("--drain-timeout", type=float, default=180.0)
    a.add_argument("--max-seconds", type=float, default=1500.0)
    a = sub.add_parser("summarize")
    for name in ("csv", "blast-out", "metrics-final", "store", "label", "out", "load-start", "load-end", "drained"):
        a.add_argument("--" + name, required=True)
    a.add_argument("--factor", type=float, required=True)
    a.add_argument("--seconds", type=int, required=True)
    a.add_argument("--ceiling", type=float, required=True)
    a.add_argument("--stored", type=int, required=True)
    a.add_argument("--distinct", type=int, default=-1)
    a = sub.add_parser("report")
    a.add_argument("--md", default="")
    a.add_argument("json", nargs="+")
    a = sub.add_parser("plot")
    a.add_argument("--csv", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--title", default="")
    a.add_argument("--ceiling", type=float, default=0)
    args = p.parse_args()
    {"sample": sample, "summarize": summarize, "report": report, "plot": plot}[args.command](args)


if __name__ == "__main__":
    main()
