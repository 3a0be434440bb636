#!/bin/bash
# SPDX-License-Identifier: MIT
# STARTTLS: libnbd clients (nbdinfo, nbdcopy) over nbds:// against the plugin
# with tls=require and tls=on (run by nbd_host), a plain client refused when TLS
# is required, a bad TLS handshake leaves the server serving, and a missing
# certificate fails at start.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need nbdinfo nbdcopy openssl python3 sha256sum
: "${NBD_HOST:?}" "${NBD_PLUGIN:?}"
grep -q gnutls_handshake "$NBD_PLUGIN" 2>/dev/null || skip "plugin built without GnuTLS"

# A CA and a server certificate for localhost (libnbd checks the host name).
P=$T/pki
mkdir "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pxecore-test-ca \
    -keyout "$P/ca-key.pem" -out "$P/ca-cert.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$P/server-key.pem" \
    -out "$P/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$P/ext"
openssl x509 -req -in "$P/server.csr" -CA "$P/ca-cert.pem" -CAkey "$P/ca-key.pem" \
    -CAcreateserial -days 2 -extfile "$P/ext" -out "$P/server-cert.pem" 2>/dev/null
mkdir "$T/client"
cp "$P/ca-cert.pem" "$T/client/"

head -c $((8 << 20)) /dev/urandom >"$T/arch.iso"

# "localhost" may resolve to ::1 first: listen on both when the host has IPv6.
ADDR=127.0.0.1
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null && ADDR=::
# start_host NAME ARGS...: runs nbd_host, waits for its port in $T/NAME.port.
start_host() {
    local name=$1
    shift
    "$NBD_HOST" "$NBD_PLUGIN" "$T/$name.port" --image archiso="$T/arch.iso" \
        address=$ADDR port=0 "$@" >"$T/$name.out" 2>>"$T/pxecore.log" &
    eval "${name}_PID=$!"
    at_exit "kill $! 2>/dev/null"
    for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
    [ -s "$T/$name.port" ] || fail "nbd_host $name did not start"
}

start_host req tls=require tls_certificate="$P/server-cert.pem" tls_key="$P/server-key.pem"
PR=$(cat "$T/req.port")
U="nbds://localhost:$PR/archiso?tls-certificates=$T/client"
[ "$(nbdinfo --size "$U")" = $((8 << 20)) ] || fail "nbdinfo over TLS"
nbdinfo --list "nbds://localhost:$PR/?tls-certificates=$T/client" | grep -q 'export="archiso"' ||
    fail "nbdinfo --list over TLS"
[ "$(nbdcopy "$U" - | sha256sum | cut -d' ' -f1)" = "$(sha "$T/arch.iso")" ] ||
    fail "nbdcopy over TLS differs"
nbdcopy --connections=1 "$U" "$T/copy"
cmp "$T/copy" "$T/arch.iso" || fail "nbdcopy --connections=1 over TLS differs"
if nbdinfo --size "nbd://127.0.0.1:$PR/archiso" >/dev/null 2>&1; then
    fail "plain client served although TLS is required"
fi
echo "ok tls=require"

# Raw protocol: TLS required before GO; a STARTTLS followed by garbage is closed.
python3 - "$PR" <<'EOF' || fail "raw STARTTLS cases"
import socket, struct, sys
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.recv(18, socket.MSG_WAITALL)
    s.sendall(struct.pack(">I", 3))
    return s
def opt(s, o, d=b""):
    s.sendall(struct.pack(">QII", 0x49484156454F5054, o, len(d)) + d)
    h = s.recv(20, socket.MSG_WAITALL)
    n = struct.unpack(">I", h[16:20])[0]
    if n:
        s.recv(n, socket.MSG_WAITALL)
    return struct.unpack(">I", h[12:16])[0]
s = conn()
assert opt(s, 7, struct.pack(">I", 7) + b"archiso" + b"\0\0") == 2**31 + 5, "GO before TLS"
assert opt(s, 3) == 2**31 + 5, "LIST before TLS"
assert opt(s, 5, b"x") == 2**31 + 3, "STARTTLS with data"
assert opt(s, 5) == 1, "STARTTLS ACK"
s.sendall(b"this is not a TLS client hello" * 10)
s.settimeout(15)
try:
    while s.recv(4096):
        pass
except (ConnectionResetError, socket.timeout):
    pass
s = conn()
s.sendall(struct.pack(">QII", 0x49484156454F5054, 1, 7) + b"archiso")
assert s.recv(1) == b"", "EXPORT_NAME before TLS must close"
print("ok raw STARTTLS cases")
EOF
[ "$(nbdinfo --size "$U")" = $((8 << 20)) ] || fail "nbdinfo over TLS after bad handshakes"

start_host opt tls=on tls_certificate="$P/server-cert.pem" tls_key="$P/server-key.pem"
PO=$(cat "$T/opt.port")
[ "$(nbdinfo --size "nbds://localhost:$PO/archiso?tls-certificates=$T/client")" = $((8 << 20)) ] ||
    fail "tls=on: TLS client"
[ "$(nbdinfo --size "nbd://127.0.0.1:$PO/archiso")" = $((8 << 20)) ] || fail "tls=on: plain client"
echo "ok tls=on"

# A missing key fails at start; tls without a certificate is a config error.
if "$NBD_HOST" "$NBD_PLUGIN" "$T/bad.port" address=127.0.0.1 port=0 tls=require \
    tls_certificate="$P/server-cert.pem" tls_key="$T/nonexistent.pem" 2>>"$T/pxecore.log"; then
    fail "start with a missing TLS key"
fi
if "$NBD_HOST" "$NBD_PLUGIN" "$T/bad.port" address=127.0.0.1 port=0 tls=on \
    2>>"$T/pxecore.log"; then
    fail "tls=on without a certificate accepted"
fi
grep -q "tls: needs tls_certificate and tls_key" "$T/pxecore.log" || fail "config error message"

for h in req opt; do
    eval "kill -TERM \$${h}_PID; wait \$${h}_PID" || fail "nbd_host $h exited with $?"
done
grep -q '^metric errors [1-9]' "$T/req.out" || fail "TLS refusals not counted"
echo "PASS"
