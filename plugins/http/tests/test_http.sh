#!/bin/bash
# SPDX-License-Identifier: MIT
# The http plugin in the real daemon, driven by curl and wget on 127.0.0.1:
# GET + sha256, HEAD, every Range form, conditional requests, 404/403/405,
# traversal, a sparse file > 4 GiB, 100 concurrent downloads, the generated
# menus' HTTP entry, the access log line, copytoram=n refusal, port fallback.
set -u
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl wget sha256sum truncate python3

IMG=$T/img
mkdir -p "$IMG/arch/x86_64" "$IMG/arch/boot/x86_64" "$IMG/EFI/BOOT" "$T/state"
head -c $((8 * 1024 * 1024 + 123)) /dev/urandom >"$IMG/arch/x86_64/airootfs.sfs"
(cd "$IMG/arch/x86_64" && sha512sum airootfs.sfs >airootfs.sha512)
head -c 100000 /dev/urandom >"$IMG/arch/boot/x86_64/vmlinuz-linux"
head -c 200000 /dev/urandom >"$IMG/arch/boot/x86_64/initramfs-linux.img"
echo efi >"$IMG/EFI/BOOT/BOOTx64.EFI"
echo iso >"$IMG/small.iso"
truncate -s 5G "$IMG/big.img"
printf 'beyond-4-GiB-marker' | dd of="$IMG/big.img" bs=1 seek=$((4 * 1024 * 1024 * 1024 + 12345)) conv=notrunc status=none
echo "top secret" >"$T/secret.txt"
ROOTFS=$IMG/arch/x86_64/airootfs.sfs
SIZE=$(stat -c %s "$ROOTFS")

PORT=$(free_port)
U=http://127.0.0.1:$PORT
use_plugins http
run_pxecore() {
    start_pxecore --no-api --http-port "$PORT" --image "$IMG" "$@"
}
# code URL [curl args...]: the HTTP status curl sees
code() { u=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$u"; }
hdr() { grep -i "^$1:" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

run_pxecore

# Full GET: curl and wget, byte for byte.
curl -sf -o "$T/get.curl" "$U/arch/x86_64/airootfs.sfs" || fail "curl GET"
[ "$(sha "$T/get.curl")" = "$(sha "$ROOTFS")" ] || fail "curl GET sha256 differs"
wget -q -O "$T/get.wget" "$U/images/archiso/arch/x86_64/airootfs.sfs" || fail "wget GET"
[ "$(sha "$T/get.wget")" = "$(sha "$ROOTFS")" ] || fail "wget GET sha256 differs"

# busybox wget (HTTP/1.0-style client of small initramfs images), when present.
if command -v busybox >/dev/null 2>&1 && busybox wget --help >/dev/null 2>&1; then
    busybox wget -q -O "$T/get.bb" "$U/arch/x86_64/airootfs.sfs" || fail "busybox wget GET"
    [ "$(sha "$T/get.bb")" = "$(sha "$ROOTFS")" ] || fail "busybox wget sha256 differs"
fi

# HEAD: headers of the full body, no body.
curl -sI "$U/arch/x86_64/airootfs.sfs" >"$T/head"
grep -q '^HTTP/1.1 200' "$T/head" || fail "HEAD status: $(head -n1 "$T/head")"
[ "$(hdr Content-Length <"$T/head")" = "$SIZE" ] || fail "HEAD Content-Length"
[ "$(hdr Accept-Ranges <"$T/head")" = bytes ] || fail "HEAD Accept-Ranges"
ETAG=$(hdr ETag <"$T/head")
LASTMOD=$(hdr Last-Modified <"$T/head")
[ -n "$ETAG" ] && [ -n "$LASTMOD" ] || fail "HEAD lacks ETag/Last-Modified"
# HEAD then GET on one connection: the GET's status line must follow the HEAD's
# headers directly (no body after HEAD; keep-alive kept), for a file sent with
# sendfile and for a small one.
for f in arch/x86_64/airootfs.sfs small.iso; do
    python3 - "$PORT" "$f" <<'PY' || fail "HEAD of $f sent a body or closed the connection"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
path = "/" + sys.argv[2]
s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\nGET /small.iso HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
data = b""
while data.count(b"\r\n\r\n") < 2 or not data.endswith(b"iso\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
first_end = data.index(b"\r\n\r\n") + 4
sys.exit(0 if data[first_end:].startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\niso\n") else 1)
PY
done

# Content types.
[ "$(curl -sI "$U/EFI/BOOT/BOOTx64.EFI" | hdr Content-Type)" = application/efi ] || fail "efi type"
[ "$(curl -sI "$U/small.iso" | hdr Content-Type)" = application/vnd.efi-iso ] || fail "iso type"

# Ranges: archiso's probe (curl -r 0-0), closed, open, suffix, unsatisfiable.
check_range() { # curl-range expected-offset expected-length
    curl -s -D "$T/rh" -o "$T/r" -r "$1" "$U/arch/x86_64/airootfs.sfs"
    grep -q '^HTTP/1.1 206' "$T/rh" || fail "range $1: $(head -n1 "$T/rh")"
    dd if="$ROOTFS" of="$T/want" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none
    cmp -s "$T/r" "$T/want" || fail "range $1: wrong bytes"
    [ "$(hdr Content-Range <"$T/rh")" = "bytes $2-$(($2 + $3 - 1))/$SIZE" ] || fail "range $1: Content-Range"
}
check_range 0-0 0 1
check_range 100-199 100 100
check_range 1000- 1000 $((SIZE - 1000))
check_range -4096 $((SIZE - 4096)) 4096
check_range 5-99999999999 5 $((SIZE - 5))
curl -s -D "$T/rh" -o /dev/null -r "$SIZE-" "$U/arch/x86_64/airootfs.sfs"
grep -q '^HTTP/1.1 416' "$T/rh" || fail "unsatisfiable range: $(head -n1 "$T/rh")"
[ "$(hdr Content-Range <"$T/rh")" = "bytes */$SIZE" ] || fail "416 Content-Range"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -r 0-1,5-6)" = 200 ] || fail "multi-range not ignored"
# wget resumes a cut download with an open range.
head -c 3000000 "$ROOTFS" >"$T/resume"
wget -q -c -O "$T/resume" "$U/arch/x86_64/airootfs.sfs" || fail "wget -c"
[ "$(sha "$T/resume")" = "$(sha "$ROOTFS")" ] || fail "wget -c result differs"

# Conditional requests.
[ "$(code "$U/arch/x86_64/airootfs.sfs" -H "If-None-Match: $ETAG")" = 304 ] || fail "If-None-Match"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -H 'If-None-Match: "nope"')" = 200 ] || fail "If-None-Match other"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -H "If-Modified-Since: $LASTMOD")" = 304 ] || fail "If-Modified-Since"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT')" = 200 ] ||
    fail "If-Modified-Since old"
touch -d '+1 hour' "$T/get.curl" # curl -z sends the file's mtime as If-Modified-Since
[ "$(code "$U/arch/x86_64/airootfs.sfs" -z "$T/get.curl")" = 304 ] || fail "curl -z newer copy"
touch -d '2001-01-01' "$T/get.curl"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -z "$T/get.curl")" = 200 ] || fail "curl -z older copy"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -r 0-9 -H "If-Range: $ETAG")" = 206 ] || fail "If-Range match"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -r 0-9 -H 'If-Range: "stale"')" = 200 ] || fail "If-Range stale"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -r 0-9 -H "If-Range: $LASTMOD")" = 206 ] || fail "If-Range date"

# Long headers within the per-connection memory (16 KiB) are fine, and a long
# User-Agent is cut to 256 bytes in the log; far too long ones are refused.
LONG=$(printf 'u%.0s' $(seq 1 6000))
[ "$(code "$U/small.iso" -A "$LONG")" = 200 ] || fail "6000-byte User-Agent"
grep -q "\"GET /small.iso\" 200 4 \"\" \"$(printf 'u%.0s' $(seq 1 256))\"$" "$T/pxecore.log" ||
    fail "long User-Agent not cut to 256 bytes in the log"
HUGE=$(printf 'u%.0s' $(seq 1 40000))
case $(code "$U/small.iso" -A "$HUGE") in 4* | 000) ;; *) fail "40000-byte header accepted" ;; esac
kill -0 "$PXE_PID" || fail "pxecore died on a huge header"

# Errors and confinement.
[ "$(code "$U/nothere")" = 404 ] || fail "missing file"
[ "$(code "$U/arch/x86_64/")" = 404 ] || fail "directory listing"
[ "$(code "$U/arch/x86_64/airootfs.sfs" -X POST -d x)" = 405 ] || fail "POST"
for bad in "/../secret.txt" "/images/archiso/../../secret.txt" "/%2e%2e/secret.txt" \
    "/%2E%2E%2Fsecret.txt" "/arch/..%5c..%5csecret.txt" "/a%00b" "//etc/passwd" \
    "/images/archiso/../../../../../etc/passwd"; do
    c=$(curl -s --path-as-is -o "$T/bad" -w '%{http_code}' "$U$bad")
    case $c in 400 | 403 | 404) ;; *) fail "traversal $bad answered $c" ;; esac
    ! grep -q -e 'top secret' -e 'root:' "$T/bad" || fail "traversal $bad leaked a file"
done

# A sparse file over 4 GiB: size and a range beyond 4 GiB.
[ "$(curl -sI "$U/big.img" | hdr Content-Length)" = 5368709120 ] || fail "5 GiB Content-Length"
OFF=$((4 * 1024 * 1024 * 1024 + 12345))
[ "$(curl -sf -r "$OFF-$((OFF + 18))" "$U/big.img")" = beyond-4-GiB-marker ] || fail "range beyond 4 GiB"
[ "$(curl -sf -r -5 "$U/big.img" | od -An -tx1 | tr -d ' \n')" = 0000000000 ] || fail "suffix of 5 GiB"

# 100 concurrent downloads.
seq 1 100 | xargs -P 100 -I{} curl -sf -o "$T/c{}" "$U/arch/x86_64/airootfs.sfs" || fail "concurrent curl"
want=$(sha "$ROOTFS")
for i in $(seq 1 100); do [ "$(sha "$T/c$i")" = "$want" ] || fail "concurrent download $i differs"; done
rm -f "$T"/c*

# Clients that give up mid-transfer: counted, logged, and the server carries on.
big=$IMG/arch/x86_64/airootfs.sfs
for _ in 1 2 3 4 5; do curl -s -o /dev/null -m 0.2 --limit-rate 200k "$U/arch/x86_64/airootfs.sfs"; done
curl -sf -o "$T/after" "$U/arch/x86_64/airootfs.sfs" || fail "GET after aborted transfers"
[ "$(sha "$T/after")" = "$(sha "$big")" ] || fail "GET after aborted transfers differs"
kill -0 "$PXE_PID" || fail "pxecore died"

# The generated menus carry the HTTP entry with archiso_http_srv.
SRV="archiso_http_srv=http://127.0.0.1:$PORT/images/archiso/"
curl -sf "$U/pxelinux.cfg/default" >"$T/pxelinux" || fail "pxelinux.cfg/default"
grep -q 'MENU LABEL Arch Linux x86_64 (HTTP)' "$T/pxelinux" || fail "no HTTP entry in pxelinux menu"
grep -q "APPEND .*archisobasedir=arch .*$SRV" "$T/pxelinux" || fail "pxelinux cmdline: $(grep APPEND "$T/pxelinux")"
curl -sf "$U/boot.ipxe?mac=52:54:00:12:34:56" >"$T/ipxe" || fail "boot.ipxe"
grep -q '^item .*-http Arch Linux x86_64 (HTTP)' "$T/ipxe" || fail "no HTTP item in boot.ipxe"
grep -q "^kernel .*$SRV" "$T/ipxe" || fail "boot.ipxe cmdline"
wget -q -O "$T/ipxe.wget" "$U/boot.ipxe" || fail "wget boot.ipxe"
grep -q "$SRV" "$T/ipxe.wget" || fail "wget boot.ipxe content"

# darkhttpd's access log line.
grep -Eq "^pxecore\[[0-9]+\]: info: \[http\] [0-9]{10} 127\.0\.0\.1 \"GET /arch/x86_64/airootfs.sfs\" 200 $SIZE \"\" \"curl/[0-9.]+\"$" \
    "$T/pxecore.log" || fail "access log line"
grep -q '"GET /arch/x86_64/airootfs.sfs" 206 1 ' "$T/pxecore.log" || fail "probe log line"
stop_pxecore || fail "pxecore exit status $?"

# The Combined Log Format on request: a real date (UTC, within a minute of now),
# the request line with its version, "-" for an absent Referer and for 0 bytes.
: >"$T/pxecore.log"
run_pxecore --http-access-log-format combined
curl -sf -o /dev/null "$U/arch/x86_64/airootfs.sfs" || fail "curl GET (combined log)"
curl -sf -o /dev/null -I -e http://example.invalid/ref "$U/arch/x86_64/airootfs.sfs" || fail "curl HEAD"
stop_pxecore || fail "pxecore exit status $?"
python3 - "$T/pxecore.log" "$SIZE" <<'PY' || fail "combined access log lines"
import datetime, re, sys
log, size = open(sys.argv[1]).read(), sys.argv[2]
rx = (r'^pxecore\[\d+\]: info: \[http\] 127\.0\.0\.1 - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d) \+0000\] '
      r'"(GET|HEAD) /arch/x86_64/airootfs\.sfs HTTP/1\.1" 200 (\d+|-) "([^"]*)" "curl/[\d.]+"$')
lines = [m for m in (re.match(rx, l) for l in log.splitlines()) if m]
assert [m.group(2) for m in lines] == ["GET", "HEAD"], log
get, head = lines
assert get.group(3) == size and get.group(4) == "-", get.group(0)
assert head.group(3) == "-" and head.group(4) == "http://example.invalid/ref", head.group(0)
for m in lines:
    t = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    age = (datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()
    assert -5 < age < 60, "date %s is %d s from now" % (m.group(1), age)
print("combined log lines:", len(lines))
PY
echo '{}' >"$T/empty.json"
out=$("$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --check-config "$T/empty.json" \
    --set core.state_dir="$T/st" --set plugins.http.access_log_format=clf 2>&1)
echo "$out" | grep -qF 'access_log_format: "darkhttpd" or "combined", not "clf"' || fail "bad format accepted: $out"

# copytoram=n is refused for the HTTP entry, with the reason in the log.
run_pxecore --copytoram n
curl -sf "$U/boot.ipxe" >"$T/ipxe2" || fail "boot.ipxe (copytoram=n)"
! grep -q archiso_http_srv "$T/ipxe2" || fail "HTTP entry offered with copytoram=n"
grep -q 'refused: menu.copytoram=n conflicts with the http method: copytoram=n cannot be used with the HTTP boot method' "$T/pxecore.log" ||
    fail "no refusal reason logged"
stop_pxecore || fail "pxecore exit status $?"

# Port in use: fails clearly (exit 2) without a fallback, falls back with one.
# The blocker retries for up to 10 s: the last daemon's closed connections
# (FIN_WAIT) can hold the port for a moment on a loaded machine.
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for i in range(100):
    try: s.bind(("0.0.0.0", int(sys.argv[1]))); break
    except OSError: time.sleep(0.1)
s.listen(); open(sys.argv[2], "w").close(); time.sleep(60)' "$PORT" "$T/blocker.ready" &
BLOCKER=$!
at_exit "kill $BLOCKER 2>/dev/null"
i=0
until [ -e "$T/blocker.ready" ]; do
    kill -0 "$BLOCKER" 2>/dev/null || fail "cannot make port $PORT busy for the test"
    i=$((i + 1)); [ "$i" -lt 150 ] || fail "blocker not listening after 15 s"
    sleep 0.1
done
timeout 30 "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state" --no-api \
    --http-port "$PORT" --image "$IMG" >"$T/busy.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "busy port: exit $rc, want 2"
grep -q "cannot bind 0.0.0.0:$PORT: Address already in use" "$T/busy.log" || fail "busy port message"
FB=$(free_port)
run_pxecore --set "http.port_fallback=$FB"
grep -q "cannot bind 0.0.0.0:$PORT (Address already in use); falling back to port $FB" "$T/pxecore.log" ||
    fail "fallback warning"
curl -sf "http://127.0.0.1:$FB/pxelinux.cfg/default" | grep -q "archiso_http_srv=http://127.0.0.1:$FB/" ||
    fail "fallback port not used in menus"
stop_pxecore || fail "pxecore exit status $?"
kill "$BLOCKER" 2>/dev/null
wait "$BLOCKER" 2>/dev/null # the port must be free before the next run binds it

# The connection cap: with 2 idle connections open, a third is not served
# (MHD leaves it in the listen backlog) until one of them closes.
run_pxecore --set http.max_connections=2 --set http.threads=1
python3 - "$PORT" <<'PY' || fail "connection cap not enforced"
import socket, sys
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
third = socket.create_connection(("127.0.0.1", port))
third.settimeout(1)
third.sendall(b"GET /small.iso HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
try:
    third.recv(100)
    sys.exit("answered over the cap")
except socket.timeout:
    pass
idle[0].close()
third.settimeout(10)
data = third.recv(100)
sys.exit(0 if data.startswith(b"HTTP/1.1 200") else "not answered after a slot freed")
PY
[ "$(code "$U/small.iso")" = 200 ] || fail "serving after the cap was hit"
stop_pxecore || fail "pxecore exit status $?"

# The per-address cap: a second connection from 127.0.0.1 is closed at once.
run_pxecore --set http.max_connections_per_ip=1
python3 - "$PORT" "$T/held" <<'PY' &
import socket, sys, time, os
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
time.sleep(30)
PY
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
for _ in $(seq 1 50); do [ -e "$T/held" ] && break; sleep 0.1; done
sleep 0.3
[ "$(code "$U/small.iso")" = 000 ] || fail "per-address cap not enforced"
grep -q 'connection limit reached (max_connections 1024, max_connections_per_ip 1)' "$T/pxecore.log" ||
    fail "per-address cap not logged"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
[ "$(code "$U/small.iso")" = 200 ] || fail "serving after the per-address cap"
stop_pxecore || fail "pxecore exit status $?"

# IPv6: listening on :: serves [::1] and 127.0.0.1; menus bracket the address.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    n0=$(wc -l <"$T/pxecore.log")
    run_pxecore --http-address ::
    [ "$(code "http://[::1]:$PORT/small.iso" -g)" = 200 ] || fail "GET over IPv6"
    [ "$(code "$U/small.iso")" = 200 ] || fail "GET over IPv4 on ::"
    # The loader's URLs are IPv6; archiso's initramfs is IPv4-only, so its server is the
    # IPv4 address beside ::1 (docs/ipv6.md).
    curl -sfg "http://[::1]:$PORT/boot.ipxe" >"$T/v6.ipxe" || fail "boot.ipxe over IPv6"
    grep -q "^kernel http://\[::1\]:$PORT/images/archiso/" "$T/v6.ipxe" || fail "IPv6 kernel URL"
    grep -q "archiso_http_srv=http://127.0.0.1:$PORT/images/archiso/" "$T/v6.ipxe" ||
        fail "archiso_http_srv beside [::1]"
    tail -n +$((n0 + 1)) "$T/pxecore.log" >"$T/v6.log"
    grep -q '\[http\] [0-9]* ::1 "GET /small.iso" 200' "$T/v6.log" || fail "IPv6 peer in the log"
    grep -q '\[http\] [0-9]* 127.0.0.1 "GET /small.iso" 200' "$T/v6.log" || fail "v4-mapped peer in the log"
    stop_pxecore || fail "pxecore exit status $?"
fi
echo "ok"
