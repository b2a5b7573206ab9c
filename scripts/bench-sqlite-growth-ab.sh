#!/usr/bin/env bash
# SQLite under sustained load, capd binaries side by side (issue 10): each binary gets a fresh SQLite file and
# the same `capd-bench blast` traffic at RATE msg/s for SECONDS; capd's stored-row counter is sampled every
# second until the queue and spool are empty (at most DRAIN s). Reports rows stored per second over each
# third of the run (the table grows, so a store that slows with it shows in the last third), the time to
# drain after the last packet, the spool's peak and capd's peak RSS. Runs alternate between the binaries.
#
#   scripts/bench-sqlite-growth-ab.sh LABEL=PATH [LABEL=PATH ...]
#   knobs: SG_RATE (20000), SG_SECONDS (60), SG_DRAIN (240), SG_RUNS (1), SG_BENCH (.build/release/capd-bench),
#          SG_OUT (.build/bench/sqlite-growth-<UTC time>.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-capd.sh

RATE="${SG_RATE:-20000}"
SECONDS_SENT="${SG_SECONDS:-60}"
DRAIN="${SG_DRAIN:-240}"
RUNS="${SG_RUNS:-1}"
BENCH="${SG_BENCH:-.build/release/capd-bench}"
OUT="${SG_OUT:-.build/bench/sqlite-growth-$(date -u +%Y%m%dT%H%M%SZ).md}"
[ $# -ge 1 ] || { echo "usage: $0 LABEL=PATH [LABEL=PATH ...]" >&2; exit 2; }
WORK=$(mktemp -d /tmp/capd-sg.XXXXXX)
CAPD_PID=""
trap '[ -n "$CAPD_PID" ] && kill -TERM "$CAPD_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

mkdir -p "$(dirname "$OUT")"
{
    echo "# SQLite sustained: $RATE msg/s for $SECONDS_SENT s into a fresh file"
    echo
    echo "| binary | run | stored rows/s 1st third | 2nd third | last third | sent | stored | drain s | spool peak MB | RSS peak MB | load |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"

n=0
for run in $(seq 1 "$RUNS"); do
    for pair in "$@"; do
        n=$((n + 1)); label=${pair%%=*}; binary=${pair#*=}
        dir="$WORK/run$n"; mkdir -p "$dir/spool"
        port=$(bench_free_port); admin=$(bench_free_port)
        bench_start_capd "$binary" "$dir" "$port" "$admin" "sqlite://$dir/capd.db"
        load=$(cut -d' ' -f1 /proc/loadavg)
        python3 - "$CAPD_PID" "$admin" "$dir/samples" "$dir/sent" "$DRAIN" <<'PY' &
import sys, time, urllib.request, os
pid, admin, out, sent, drain = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
deadline = None
with open(out, "w") as f:
    while True:
        now = time.time()
        try:
            stored = depth = spool = 0
            for line in urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=2).read().decode().splitlines():
                if line.startswith("capd_rows_stored_total"): stored += float(line.split()[-1])
                elif line.startswith("capd_store_queue_depth "): depth = float(line.split()[1])
                elif line.startswith("capd_spool_bytes "): spool = float(line.split()[1])
            rss = 0
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"): rss = int(line.split()[1]) * 1024
            f.write(f"{now:.2f} {int(stored)} {int(depth)} {int(spool)} {rss} {int(os.path.exists(sent))}\n"); f.flush()
        except Exception:
            pass
        if os.path.exists(sent):
            deadline = deadline or now + drain
            if (depth == 0 and spool == 0) or now > deadline: break
        time.sleep(1)
PY
        sampler=$!
        "$BENCH" blast --to "udp://127.0.0.1:$port" --rate "$RATE" --count $((RATE * SECONDS_SENT)) \
            --seconds $((SECONDS_SENT + 5)) --seed "$n" --pool 0 >"$dir/blast.out"
        touch "$dir/sent"
        wait "$sampler" || true
        kill -TERM "$CAPD_PID"; wait "$CAPD_PID" || true; CAPD_PID=""
        python3 - "$dir/samples" "$label" "$run" "$((RATE * SECONDS_SENT))" "$load" "$SECONDS_SENT" >>"$OUT" <<'PY'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
label, run, sent, load, secs = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
t0 = rows[0][0]
def stored_at(t):
    best = rows[0]
    for r in rows:
        if r[0] - t0 <= t: best = r
    return best[1], best[0] - t0
thirds = []
for a, b in ((0, secs / 3), (secs / 3, 2 * secs / 3), (2 * secs / 3, secs)):
    sa, ta = stored_at(a); sb, tb = stored_at(b)
    thirds.append((sb - sa) / (tb - ta) if tb > ta else 0)
end_send = next((r[0] for r in rows if r[5] == 1), rows[-1][0])
last = rows[-1]
drain = last[0] - end_send
print(f"| {label} | {run} | {thirds[0]:.0f} | {thirds[1]:.0f} | {thirds[2]:.0f} | {sent} | {int(last[1])} | {drain:.0f} | "
      f"{max(r[3] for r in rows)/1e6:.0f} | {max(r[4] for r in rows)/1e6:.0f} | {load} |")
PY
        tail -1 "$OUT"
    done
done
echo "results: $OUT"
