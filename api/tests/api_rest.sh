#!/bin/bash
# SPDX-License-Identifier: MIT
# REST API against a running pxecore with curl: auth on every route, every
# route's happy and error paths, the method switch reflected in the served
# pxelinux menu, draining, host profiles, persistence across a restart,
# malformed/oversized requests, caps, /metrics through a Prometheus parser.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
set -u

make_image "$T/img"
make_image "$T/img2"
api_start --image "$T/img" --image "second=$T/img2" --set api.timeout=2s \
    --set api.max_connections=8 --set api.request_timeout=4s
[ -s "$T/state/api.token" ] || fail "no token generated"
[ "$(stat -c %a "$T/state/api.token")" = 600 ] || fail "token file is not 0600"
MAC=52:54:00:12:34:56

# ---- 1. authentication on every route, with every method it serves
echo "api_rest: part 1 at ${SECONDS}s"
ROUTES="GET:/api/v1 GET:/api/v1/status GET:/api/v1/plugins GET:/api/v1/plugins/http
GET:/api/v1/plugins/http/sessions PUT:/api/v1/plugins/nbd/sessions POST:/api/v1/plugins/http/event/$MAC/1
DELETE:/api/v1/plugins/http/x GET:/api/v1/methods GET:/api/v1/methods/http PUT:/api/v1/methods/http
PATCH:/api/v1/methods/http GET:/api/v1/hosts GET:/api/v1/hosts/$MAC PUT:/api/v1/hosts/$MAC DELETE:/api/v1/hosts/$MAC
GET:/api/v1/images GET:/api/v1/images/archiso GET:/api/v1/leases GET:/api/v1/events
GET:/api/v1/clients/$MAC/timeline GET:/api/v1/menus/pxelinux GET:/api/v1/metrics GET:/metrics
GET:/api/v1/nonexistent GET:/ HEAD:/api/v1/status"
for r in $ROUTES; do
    m=${r%%:*} p=${r#*:}
    for tok in "" "wrong-token-0123456789" "${TOKEN}x"; do
        if [ "$m" = HEAD ]; then a=(-I); else a=(-X "$m" -H 'Content-Type: application/json' --data '{"enabled":false}'); fi
        [ "$m" = GET ] && a=(-X GET)
        code=$(curl -sS -m 10 -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${a[@]}" \
            ${tok:+-H "Authorization: Bearer $tok"} "$BASE$p")
        [ "$code" = 401 ] || fail "$m $p with token '$tok': HTTP $code, expected 401"
        grep -qi '^www-authenticate: Bearer' "$T/hdr" || fail "$m $p: no WWW-Authenticate"
        [ "$m" = HEAD ] || grep -q '"code": "unauthorized"' "$T/out" || fail "$m $p: 401 body"
        grep -qi '^content-type: application/json' "$T/hdr" || fail "$m $p: 401 content type"
    done
done
CODE=$(curl -sS -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$BASE/api/v1/status")
expect_error 401 unauthorized "error shape of 401"
# the unauthenticated PUTs above changed nothing
req GET /api/v1/methods/http; expect 200 "GET method"; jcheck "d['enabled'] is True" "http still enabled"
# scheme is case-insensitive, extra spaces tolerated
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: bearer  $TOKEN" "$BASE/api/v1/status")
[ "$code" = 200 ] || fail "lower-case bearer: $code"

# ---- 2. index, status, plugins, images
echo "api_rest: part 2 at ${SECONDS}s"
req GET /api/v1; expect 200 index
jcheck "len(d['routes'])==22 and d['routes'][0]['path']=='/api/v1'" "route index"
req GET /api/v1/status; expect 200 status
jcheck "d['images']==['archiso','second'] and sorted(d['enabled_methods'])==['http','nbd']" status
jcheck "d['counts']['plugins']==4 and d['counts']['methods']==2 and d['abi']==2" "status counts"
req HEAD /api/v1/status; expect 200 "HEAD status"
req GET /api/v1/plugins; expect 200 plugins
jcheck "[p['name'] for p in d['plugins']]==['archiso','dhcp','http','nbd']" "plugin list"
jcheck "[p for p in d['plugins'] if p['name']=='http'][0]['capabilities']==['service','menu','cmdline']" caps
req GET /api/v1/plugins/http; expect 200 plugin
jcheck "d['method'] and d['running'] and d['endpoints'] and isinstance(d['config_schema'],list) and d['status']['method_set_calls']==0" "plugin detail"
req GET /api/v1/plugins/nope; expect_error 404 not_found "unknown plugin"
req GET /api/v1/plugins/NOPE; expect_error 404 not_found "plugin name with capitals"
req GET /api/v1/images; expect 200 images
jcheck "d['images'][0]['kernel']=='arch/boot/x86_64/vmlinuz-linux' and d['images'][0]['initrd']=='arch/boot/x86_64/initramfs-linux.img' and d['images'][0]['rootfs']=='arch/x86_64/airootfs.sfs' and d['images'][0]['is_iso'] is False and d['images'][0]['default'] and d['images'][0]['kind']=='archiso' and d['images'][0]['facts']['basedir']=='arch'" "image detection"
req GET /api/v1/images/second; expect 200 "one image"; jcheck "d['name']=='second' and not d['default']" "image second"
req GET /api/v1/images/nope; expect_error 404 not_found "unknown image"

# ---- 3. methods: enable/disable round trip in the served menu
echo "api_rest: part 3 at ${SECONDS}s"
menu_has() { # FORMAT PATTERN [QUERY]: the API's menu and the served file both contain PATTERN
    req GET "/api/v1/menus/$1${3:-}"; expect 200 "menu $1"
    grep -q -- "$2" "$T/out"
}
served_has() {
    req GET /api/v1/plugins/http/file/pxelinux.cfg/default; expect 200 "served pxelinux.cfg/default"
    python3 -c 'import json,sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1]))["content"] else 1)' "$T/out" "$1"
}
req GET /api/v1/methods; expect 200 methods
jcheck "[(m['name'],m['state']) for m in d['methods']]==[('http','enabled'),('nbd','enabled')]" "method list"
menu_has pxelinux "fake http" || fail "http entry missing before disabling"
served_has "pxe_fake=http" || fail "served menu lacks http before disabling"
put_json PUT /api/v1/methods/http '{"enabled":false}'; expect 200 "disable http"
jcheck "d=={'name':'http','state':'disabled','enabled':False,'active_sessions':0,'running':True,'description':d['description']}" "disable answer"
# same second: no sleep between the PUT and the reads
! served_has "pxe_fake=http" || fail "served pxelinux.cfg/default still has the http entry"
served_has "pxe_fake=nbd" || fail "served menu lost the nbd entry"
! menu_has pxelinux "fake http" || fail "generated menu still has the http entry"
! menu_has ipxe "pxe_fake=http" || fail "ipxe menu still has http"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["methods"]["http"]=={"enabled":False} else 1)' "$T/state/state.json" || fail "state.json lacks the switch"
grep -q "api: 127.0.0.1:[0-9]* PUT /api/v1/methods/http: 200 method http disabled" "$T/pxecore.log" || fail "mutation not logged"
req GET /api/v1/plugins/http; jcheck "d['status']['method_set_calls']==1" "method_set called"
req GET /api/v1/status; jcheck "d['enabled_methods']==['nbd']" "status after disable"
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "enable http"
served_has "pxe_fake=http" || fail "re-enabled http entry missing"
put_json PATCH /api/v1/methods/http '{"enabled":false}'; expect 200 "PATCH disables too"
jcheck "d['enabled'] is False" "PATCH answer"
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "enable again"
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "enable twice is fine"
# draining: live sessions keep a disabled method "draining"
put_json PUT /api/v1/plugins/nbd/sessions '{"count":2}'; expect 200 "set sessions"
put_json PUT /api/v1/methods/nbd '{"enabled":false}'; expect 200 "disable nbd"
jcheck "d['state']=='draining' and d['active_sessions']==2 and d['enabled'] is False" draining
! menu_has pxelinux "pxe_fake=nbd" || fail "draining method still offered"
put_json PUT /api/v1/plugins/nbd/sessions '{"count":0}'; expect 200 "drop sessions"
req GET /api/v1/methods/nbd; jcheck "d['state']=='disabled'" "drained"
put_json PUT /api/v1/methods/nbd '{"enabled":true}'; expect 200 "enable nbd"
# error paths
req GET /api/v1/methods/dhcp; expect_error 404 not_found "not a method"
req GET /api/v1/methods/zzz; expect_error 404 not_found "no such method"
put_json PUT /api/v1/methods/zzz '{"enabled":true}'; expect_error 404 not_found "PUT unknown method"
put_json PUT /api/v1/methods/http '{"enabled":"no"}'; expect_error 400 invalid_field "enabled string"
jcheck "d['error']['message'].startswith('enabled:')" "message names the field"
put_json PUT /api/v1/methods/http '{"enabled":false,"speed":3}'; expect_error 400 invalid_field "unknown field"
jcheck "d['error']['message'].startswith('speed:')" "message names the unknown field"
put_json PUT /api/v1/methods/http '{}'; expect_error 400 invalid_field "missing field"
put_json PUT /api/v1/methods/http '{"enabled":false'; expect_error 400 bad_json "truncated JSON"
put_json PUT /api/v1/methods/http '[false]'; expect_error 400 bad_json "array body"
put_json PUT /api/v1/methods/http '{"enabled":false,"enabled":true}'; expect_error 400 bad_json "duplicate key"
put_json PUT /api/v1/methods/http "$(printf '{"enabled":\xff}')"; expect_error 400 bad_json "invalid UTF-8"
req PUT /api/v1/methods/http; expect_error 415 unsupported_media_type "no body no type"
req PUT /api/v1/methods/http -H 'Content-Type: application/json'; expect_error 400 bad_json "empty body"
req PUT /api/v1/methods/http -H 'Content-Type: text/plain' --data 'enabled=false'; expect_error 415 unsupported_media_type "text body"
req PUT /api/v1/methods/http --data 'enabled=false'; expect_error 415 unsupported_media_type "form body"
req DELETE /api/v1/methods/http; expect_error 405 method_not_allowed "DELETE method"
grep -qi '^allow: GET, HEAD, PUT, PATCH' "$T/hdr" || fail "405 without Allow"
req POST /api/v1/status; expect_error 405 method_not_allowed "POST status"
grep -qi '^allow: GET, HEAD' "$T/hdr" || fail "405 status without Allow"
req GET /api/v1/methods/http; jcheck "d['state']=='enabled'" "errors changed nothing"

# ---- 4. oversized and malformed requests
echo "api_rest: part 4 at ${SECONDS}s"
python3 -c 'print("{\"enabled\":false,\"pad\":\"" + "x"*70000 + "\"}")' >"$T/big.json"
put_json PUT /api/v1/methods/http "@$T/big.json"; expect_error 413 body_too_large "oversized body"
req PUT /api/v1/methods/http -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary "@$T/big.json"; expect_error 413 body_too_large "oversized chunked body"
python3 -c 'print("["*30000 + "]"*30000)' >"$T/deep.json"
req POST /api/v1/plugins/http/x -H 'Content-Type: application/json' --data-binary "@$T/deep.json"
expect_error 400 bad_json "deeply nested JSON"
req GET /api/v1/nonexistent; expect_error 404 not_found "unknown route"
req GET "/api/v1/methods/$(printf 'a%.0s' $(seq 1 200))"; expect_error 404 not_found "long segment"
req GET "/api/v1/$(python3 -c 'print("x"*3000)')"; [ "$CODE" = 404 ] || [ "$CODE" = 414 ] || [ "$CODE" = 431 ] || fail "long path: $CODE"
python3 - "$PORT" "$TOKEN" <<'PY' || fail "raw malformed requests"
import socket, sys
port = int(sys.argv[1])
def raw(data, expect_prefix=b"HTTP/1.1 4"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b: break
            got += b
    except socket.timeout:
        pass
    s.close()
    if not ((got == b"" and expect_prefix is None) or got.startswith(expect_prefix or b"HTTP/1.1 4")):
        sys.exit("%r -> %r" % (data[:40], got[:80]))
raw(b"\x00\x01\x02garbage\r\n\r\n", None)  # dropped without an answer
raw(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 100000 + b"\r\n\r\n")
raw(b"PUT /api/v1/methods/http HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
# an endless chunked body is cut off (16 times api.max_body), at most 8 MB sent here
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"PUT /api/v1/methods/http HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + sys.argv[2].encode()
          + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
try:
    for _ in range(2048):
        s.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")
    sys.exit("an endless body was not cut off")
except (BrokenPipeError, ConnectionResetError):
    pass
PY
kill -0 "$PXE_PID" || fail "daemon died on malformed input"

# ---- 5. host profiles
echo "api_rest: part 5 at ${SECONDS}s"
put_json PUT /api/v1/hosts/52-54-00-AA-BB-CC '{"image":"second","method":"nbd","cmdline_extra":"quiet loglevel=3","boot_once":true}'
expect 201 "create host"
jcheck "d=={'mac':'52:54:00:aa:bb:cc','image':'second','method':'nbd','cmdline_extra':'quiet loglevel=3','boot_once':True,'local_boot':False}" "host answer"
put_json PUT /api/v1/hosts/5254.00aa.bbcc '{"image":"second","method":"nbd","cmdline_extra":"quiet loglevel=3"}'
expect 200 "replace host"
req GET /api/v1/hosts/525400AABBCC; expect 200 "get host"; jcheck "d['boot_once'] is False and d['mac']=='52:54:00:aa:bb:cc'" "host replaced"
req GET /api/v1/hosts; expect 200 hosts; jcheck "len(d['hosts'])==1" "host list"
menu_has pxelinux "loglevel=3" "?mac=52:54:00:aa:bb:cc" || fail "host extras not in its menu"
grep -q "pxe_fake=http" "$T/out" && fail "host menu offers a method other than its own"
grep -q "images/second/" "$T/out" || fail "host menu not using its image"
menu_has pxelinux "pxe_fake=http" || fail "other clients lost the http entry"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"image":"nope"}'; expect_error 409 unknown_image "unknown image"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"method":"dhcp"}'; expect_error 409 unknown_method "not a method"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"boot_once":"yes"}'; expect_error 400 invalid_field "bool field"
jcheck "d['error']['message'].startswith('boot_once:')" "names boot_once"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"cmdline_extra":"a\"b"}'; expect_error 400 invalid_field "quote in cmdline"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"colour":"red"}'; expect_error 400 invalid_field "unknown host field"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cc '{"mac":"52:54:00:aa:bb:cd"}'; expect_error 400 invalid_field "mac mismatch"
put_json PUT /api/v1/hosts/not-a-mac '{}'; expect_error 400 invalid_field "bad MAC"
req GET /api/v1/hosts/52:54:00:aa:bb:cc; jcheck "d['image']=='second'" "errors left the profile alone"
req GET /api/v1/hosts/52:54:00:aa:bb:cd; expect_error 404 not_found "absent host"
put_json PUT /api/v1/hosts/52:54:00:aa:bb:cd '{"local_boot":true}'; expect 201 "local boot host"
req GET "/api/v1/menus/pxelinux?mac=52:54:00:aa:bb:cd"; expect 200 "local boot menu"
grep -q "pxe_fake" "$T/out" && fail "local_boot host still gets network entries"
req DELETE /api/v1/hosts/52-54-00-aa-bb-cd; expect 200 "delete host"; jcheck "d['deleted'] is True" delete
req DELETE /api/v1/hosts/52-54-00-aa-bb-cd; expect_error 404 not_found "delete twice"
# boot_once: once the machine was sent a kernel, it boots locally (checked every second)
put_json PUT /api/v1/hosts/52:54:00:aa:bb:ce '{"boot_once":true}'; expect 201 "boot_once host"
req POST /api/v1/plugins/http/event/52:54:00:aa:bb:ce/3; expect 201 "menu event"
sleep 1.5
req GET /api/v1/hosts/52:54:00:aa:bb:ce; jcheck "d['local_boot'] is False" "boot_once used up by a menu event"
req POST /api/v1/plugins/http/event/52:54:00:aa:bb:ce/4; expect 201 "kernel event"
k=0
while req GET /api/v1/hosts/52:54:00:aa:bb:ce && ! grep -q '"local_boot": true' "$T/out"; do
    k=$((k + 1)); [ "$k" -lt 50 ] || fail "boot_once not used up after 5 s"; sleep 0.1
done
grep -q '"local_boot": true' "$T/state/state.json" || fail "used-up boot_once not saved"
req GET "/api/v1/menus/pxelinux?mac=52:54:00:aa:bb:ce"; grep -q pxe_fake "$T/out" && fail "boot_once host still netboots"
req DELETE /api/v1/hosts/52:54:00:aa:bb:ce; expect 200 "delete boot_once host"
req GET "/api/v1/menus/pxelinux?mac=zz"; expect_error 400 invalid_field "menu bad mac"
req GET "/api/v1/menus/pxelinux?server_ip=1.2.3"; expect_error 400 invalid_field "menu bad server_ip"
req GET "/api/v1/menus/pxelinux?server_ip=192.0.2.1"; expect 200 "menu server_ip"
req GET /api/v1/menus/syslinux; expect_error 404 not_found "unknown menu format"

# ---- 6. leases, events, timelines, plugin endpoints
echo "api_rest: part 6 at ${SECONDS}s"
req GET /api/v1/leases; expect 200 leases; jcheck "len(d['leases'])==2 and d['leases'][0]['ip']=='192.0.2.10'" leases
req POST /api/v1/plugins/http/event/$MAC/4; expect 201 "plugin event"
req POST /api/v1/plugins/http/event/$MAC/2; expect 201 "plugin event 2"
req GET /api/v1/clients/52-54-00-12-34-56/timeline; expect 200 timeline
jcheck "d['mac']=='$MAC' and d['phase']=='kernel' and len(d['events'])==2 and d['events'][0]['offset_s']==0" timeline
req GET /api/v1/clients/52:54:00:00:00:01/timeline; expect 200 "empty timeline"
jcheck "d=={'mac':'52:54:00:00:00:01','phase':'none','events':[]}" "empty timeline shape"
req GET /api/v1/clients/xyz/timeline; expect_error 400 invalid_field "timeline bad mac"
req GET "/api/v1/events?since=0&limit=1000"; expect 200 events
jcheck "any(e['kind']=='method.disabled' for e in d['events']) and any(e['kind']=='host.set' for e in d['events'])" "events have API changes"
LAST=$(jv "d['last_id']")
req GET "/api/v1/events?since=$LAST"; jcheck "d['events']==[] and d['last_id']==$LAST" "since last"
req GET "/api/v1/events?limit=1"; jcheck "len(d['events'])==1 and d['events'][0]['id']==1" limit
req GET "/api/v1/events?since=abc"; expect_error 400 invalid_field "since text"
jcheck "d['error']['message'].startswith('since:')" "names since"
req GET "/api/v1/events?limit=0"; expect_error 400 invalid_field "limit 0"
req GET "/api/v1/events?since=-1"; expect_error 400 invalid_field "since negative"
req GET /api/v1/plugins/http/fail; expect_error 503 plugin_error "plugin error status"
req GET /api/v1/plugins/http/nothing; expect_error 404 not_found "unknown plugin endpoint"
put_json PUT /api/v1/plugins/nbd/sessions '{"count":-1}'; expect_error 400 invalid_request "plugin refuses body"
put_json PUT /api/v1/plugins/nbd/sessions '{"count":'; expect_error 400 bad_json "plugin bad json"
req PUT /api/v1/plugins/nbd/sessions -H 'Content-Type: text/plain' --data x; expect_error 415 unsupported_media_type "plugin text body"
req GET /api/v1/plugins/nope/x; expect_error 404 not_found "plugin call unknown plugin"
req PATCH /api/v1/plugins/http/x; expect_error 405 method_not_allowed "PATCH plugin"

# ---- 7. metrics
echo "api_rest: part 7 at ${SECONDS}s"
req GET /metrics; expect 200 metrics
grep -qi '^content-type: text/plain; version=0.0.4' "$T/hdr" || fail "metrics content type"
PROM_PY=python3
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null && PROM_PY=/usr/bin/python3
$PROM_PY "$PXECORE_SRC/api/tests/promparse.py" <"$T/out" >"$T/samples" || fail "metrics do not parse"
for s in 'pxecore_methods_enabled 2.0' 'pxecore_images 2.0' 'pxecore_plugins 4.0' \
    'pxecore_boot_phase_events_total{phase="kernel"} 2.0' 'pxecore_hosts 1.0' \
    'pxecore_clients_reached{phase="kernel"} 2.0' 'pxecore_clients_reached{phase="initrd"} 0.0'; do
    grep -qxF "$s" "$T/samples" || fail "metrics lack '$s'"
done
grep -q '^pxecore_api_requests_total ' "$T/samples" || fail "no API request counter"
grep -q '^pxecore_api_unauthorized_total ' "$T/samples" || fail "no unauthorized counter"
grep -q '^pxecore_http_api_calls_total ' "$T/samples" || fail "no plugin counter"
grep -q '^pxecore_uptime_seconds ' "$T/samples" || fail "no uptime"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/out" || fail "promtool rejects the metrics"
fi
req GET /api/v1/metrics; expect 200 "metrics under /api/v1"

# ---- 8. caps: connections per client, idle timeout, request time (api.timeout=2s,
# api.request_timeout=4s, max_connections=8)
echo "api_rest: part 8 at ${SECONDS}s"
python3 - "$PORT" "$TOKEN" <<'PY' || fail "connection caps"
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(6)]
time.sleep(0.3)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
try:
    got = s.recv(100)
except (ConnectionResetError, socket.timeout):
    got = b""
if got.startswith(b"HTTP/1.1 200"):
    sys.exit("a connection past the per-client cap was served")
for h in held: h.close()
# an idle connection is closed after the timeout (bounded wait)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
t0 = time.time()
try:
    b = s.recv(1)
except ConnectionResetError:
    b = b""
if b != b"" or time.time() - t0 > 8:
    sys.exit("idle connection not closed by the timeout")
# a request trickling in (a byte a second, never idle for 2 s) is cut after 4 s
s = socket.create_connection(("127.0.0.1", port), timeout=2)
t0 = time.time()
try:
    for c in b"GET /api/v1/status HTTP/1.1\r\nX-Slow: " + b"a" * 30:
        s.send(bytes([c]))
        time.sleep(0.5)
    sys.exit("a request trickling for 15 s was not cut")
except (BrokenPipeError, ConnectionResetError):
    pass
if time.time() - t0 < 3:
    sys.exit("slow request cut before api.request_timeout")
PY
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/status")
[ "$code" = 200 ] || fail "API unusable after the cap test: $code"

# ---- 9. persistence across a restart
echo "api_rest: part 9 at ${SECONDS}s"
put_json PUT /api/v1/methods/http '{"enabled":false}'; expect 200 "disable before restart"
OLD_TOKEN=$TOKEN
stop_pxecore || fail "SIGTERM exit status"
api_start --image "$T/img" --image "second=$T/img2"
[ "$TOKEN" = "$OLD_TOKEN" ] || fail "token changed across restart"
req GET /api/v1/methods/http; expect 200 "after restart"; jcheck "d['state']=='disabled'" "disable survived restart"
req GET /api/v1/plugins/http; jcheck "d['status']['method_set_calls']==0" "disabled before start, no method_set needed"
! menu_has pxelinux "pxe_fake=http" || fail "http entry back after restart"
req GET /api/v1/hosts/52:54:00:aa:bb:cc; expect 200 "host after restart"; jcheck "d['cmdline_extra']=='quiet loglevel=3'" "host survived"
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "re-enable after restart"
stop_pxecore || fail "SIGTERM exit status"

# ---- 10. configuration: metrics_public, configured token, --no-api, bad listen, busy port
echo "api_rest: part 10 at ${SECONDS}s"
api_start --image "$T/img" --set api.metrics_public=true --set api.token=configured-token-0123456789
code=$(curl -s -o "$T/out" -w '%{http_code}' "$BASE/metrics"); [ "$code" = 200 ] || fail "public metrics: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/status"); [ "$code" = 401 ] || fail "status must stay private: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/status")
[ "$code" = 401 ] || fail "file token accepted while api.token is configured"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer configured-token-0123456789" "$BASE/api/v1/status")
[ "$code" = 200 ] || fail "configured token refused: $code"
BUSY=$PORT
"$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state2" --image "$T/img" \
    --api-listen "127.0.0.1:$BUSY" >"$T/busy.log" 2>&1 && fail "started on a busy port"
[ $? = 2 ] || { cat "$T/busy.log"; fail "busy port: exit status not 2"; }
grep -q "api.listen: cannot listen" "$T/busy.log" || fail "busy port message"
stop_pxecore || fail "SIGTERM exit status"
"$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state2" --image "$T/img" \
    --api-listen "localhost:80" >"$T/bad.log" 2>&1 && fail "started with a bad listen address"
grep -q "api.listen: 'localhost:80' is not ADDR:PORT" "$T/bad.log" || fail "bad listen message"
"$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state2" --image "$T/img" \
    --set api.token=short >"$T/bad.log" 2>&1 && fail "started with a short token"
grep -q "api.token: must be" "$T/bad.log" || fail "short token message"
api_start --image "$T/img" --no-api
curl -s -m 3 "$BASE/api/v1/status" >/dev/null && fail "--no-api still listens"
stop_pxecore || fail "SIGTERM exit status"
# after the privilege drop (core.user) changes are still saved
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chmod 711 "$T"
    PXE_STATE_DIR=$T/ustate api_start --image "$T/img" --user nobody
    put_json PUT /api/v1/methods/http '{"enabled":false}'; expect 200 "save as nobody"
    [ "$(stat -c %U "$T/ustate/state.json")" = nobody ] || fail "state.json not owned by core.user"
    stop_pxecore || fail "SIGTERM exit status"
fi
# without a dhcp plugin, /leases says so
mkdir "$T/nodhcp" && ln -s "$API_TEST_PLUGINS/pxecore-http.so" "$T/nodhcp/"
PXECORE_PLUGINS=$T/nodhcp api_start --image "$T/img"
req GET /api/v1/leases; expect_error 404 no_dhcp "leases without dhcp"
jcheck "'dhcp' in d['error']['message']" "leases message names the dhcp plugin"
stop_pxecore || fail "SIGTERM exit status"
# a broken state file stops the start with its position
echo '{"version":1,"methods":' >"$T/state/state.json"
"$PXECORE_BIN" --plugins-dir "$API_TEST_PLUGINS" --state-dir "$T/state" --image "$T/img" \
    --api-listen "127.0.0.1:$(free_port)" >"$T/bad.log" 2>&1 && fail "started with a broken state file"
grep -q "state.json:[0-9]*:[0-9]*: .*(fix or remove the file)" "$T/bad.log" || { cat "$T/bad.log"; fail "broken state message"; }
echo "api_rest: all checks passed"
