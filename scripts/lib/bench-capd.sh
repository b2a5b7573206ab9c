# Shared by the bench scripts (bench.sh and bench-sustained.sh, soak.sh, bench-backlog-memory.sh,
# bench-sqlite-growth-ab.sh): a capd that captures every SIP packet of one UDP listener into one store, started
# and waited for.

# A loopback port free for UDP and TCP (the listener and the admin endpoint each take one).
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]; t=socket.socket(); t.bind(("127.0.0.1",p)); print(p)'
}

# bench_start_capd BINARY DIR PORT ADMIN STORE_URL [SPOOL_DIR] [NODE] -> sets CAPD_PID; config and log in DIR,
# spool in SPOOL_DIR (DIR/spool), capture node NODE (bench).
bench_start_capd() {
    local binary=$1 dir=$2 port=$3 admin=$4 url=$5 spool=${6:-$2/spool} node=${7:-bench}
    mkdir -p "$spool"
    cat >"$dir/capd.yaml" <<YAML
capture:
  enabled: true
  node: $node
listen:
  - udp://127.0.0.1:$port
store:
  url: $url
  schema: homer5
admin:
  listen: 127.0.0.1:$admin
hep_route: sip
routes:
  main:
    - name: capture-everything
      do: [capture]
YAML
    "$binary" run -c "$dir/capd.yaml" --spool "$spool" 2>"$dir/capd.log" &
    CAPD_PID=$!
    local _
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$admin/metrics" -o /dev/null && return 0
        kill -0 "$CAPD_PID" 2>/dev/null || { cat "$dir/capd.log" >&2; echo "capd did not start" >&2; return 1; }
        sleep 0.1
    done
    echo "capd did not answer on $admin" >&2
    return 1
}
