#!/usr/bin/env bash
# Makes a throwaway PKI for the HEP-over-TLS tests and benchmarks (never commit what it writes):
#   ca.pem/ca.key              agents' and server's CA
#   server.pem/server.key      server certificate for 127.0.0.1, ::1 and localhost (chain: leaf + intermediate)
#   client.pem/client.key      agent certificate signed by ca
#   other-ca.pem, other-client.pem/.key   a second CA and an agent certificate it signed (wrong CA)
#   expired-client.pem/.key    agent certificate signed by ca that expired in 2020
#   server-encrypted.key       server.key under a passphrase (capd must refuse it)
#   server2.pem/server2.key    a second server certificate (rotation)
# Usage: make-test-pki.sh DIR
set -euo pipefail
dir=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }

ca() {   # name subject
    quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {   # name subject issuer extensions-file
    quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
    quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 825 \
        -extfile "$4" -out "$1.pem"
    rm -f "$1.csr"
}

cat > server.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
X
cat > client.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=clientAuth
X
cat > intermediate.ext <<'X'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
X

ca ca "capd test CA"
ca other-ca "some other CA"
# The server certificate hangs off an intermediate, so that server.pem is a chain (leaf, intermediate).
leaf intermediate "capd test intermediate" ca intermediate.ext
leaf server-leaf "capd test server" intermediate server.ext
cat server-leaf.pem intermediate.pem > server.pem
mv server-leaf.key server.key
leaf server2-leaf "capd test server (rotated)" intermediate server.ext
cat server2-leaf.pem intermediate.pem > server2.pem
mv server2-leaf.key server2.key
rm -f server-leaf.pem server2-leaf.pem
leaf client "agent-1" ca client.ext
leaf other-client "agent-of-another-ca" other-ca client.ext

# An expired agent certificate: `openssl ca` takes explicit start and end dates.
mkdir -p ca-db
: > ca-db/index.txt
echo 1000 > ca-db/serial
cat > ca-db/ca.cnf <<X
[ca]
default_ca = test
[test]
database = $PWD/ca-db/index.txt
serial = $PWD/ca-db/serial
new_certs_dir = $PWD/ca-db
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
X
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=agent-expired" \
    -keyout expired-client.key -out expired-client.csr
quiet openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired-client.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -extfile client.ext -out expired-client.pem -notext
rm -f expired-client.csr

quiet openssl pkey -in server.key -aes256 -passout pass:secret -out server-encrypted.key
chmod 600 ./*.key
