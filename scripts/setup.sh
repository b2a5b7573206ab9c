#!/usr/bin/env bash
# Installs the Debian packages capd needs to build, run and test. Idempotent: installs only what is
# missing, so `make run` / `make test` can call it every time. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

packages=(libyaml-dev libpcap-dev libdbus-1-dev libpq-dev libsqlite3-dev zlib1g-dev libssl-dev pkg-config sqlite3)
if [[ "${1:-}" == "--test" ]]; then
    # The test suite starts a throwaway PostgreSQL cluster, captures on `lo`, decodes `capd calls pcap` with
    # tshark and drives the calls web view in headless Chromium (chromium-driver + pip selenium).
    # HEP over TLS from a real agent: Kamailio 5.6 with tls.so and siptrace, calls driven by sipp.
    packages+=(postgresql tcpdump iproute2 tshark chromium chromium-driver python3-pip kamailio kamailio-tls-modules sip-tester)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" ]] && ! python3 -c 'import selenium' >/dev/null 2>&1; then
    echo "setup: installing selenium (pip)" >&2
    python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium
fi

if ! command -v swift >/dev/null 2>&1; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [[ -x "$d/swift" ]] && { echo "setup: swift found in $d (add it to PATH)" >&2; exit 0; }
    done
    echo "setup: no Swift toolchain found; install Swift 6.1 or newer from swift.org and put it on PATH" >&2
    exit 1
fi
