#!/bin/bash
# SPDX-License-Identifier: MIT
# HTTPS for the REST API (api.tls_certificate, api.tls_key): curl with the CA
# gets the status with the token over TLS, plain HTTP on that port gets no
# answer, a wrong token is still 401; one key without the other, or an
# unreadable file, refuses to start (exit 1) naming the key.  Loopback only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
need openssl curl
make_image "$T/img"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null ||
    skip "openssl cannot make a certificate"
chmod 600 "$T/key.pem"
api_start --image "$T/img" --set "api.tls_certificate=$T/cert.pem" --set "api.tls_key=$T/key.pem"
grep -q "api: listening on .* port $PORT, HTTPS" "$T/pxecore.log" || fail "no HTTPS listen line"
code=$(curl -s -m 10 --cacert "$T/cert.pem" -o "$T/out" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$PORT/api/v1/status")
[ "$code" = 200 ] || fail "HTTPS status: $code"
grep -q '"version"' "$T/out" || fail "HTTPS status body: $(cat "$T/out")"
code=$(curl -s -m 10 --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer wrong" "https://127.0.0.1:$PORT/api/v1/status")
[ "$code" = 401 ] || fail "HTTPS with a wrong token: $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/api/v1/status" || true)
[ "$code" != 200 ] || fail "plain HTTP answered on the HTTPS port"
echo "HTTPS: status 200 with the token, 401 without; plain HTTP: ${code:-no answer}"
stop_pxecore || fail "exit status"

run_bad() { # WHAT ARGS...: must exit 1 naming WHAT
    if "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state" \
        --api-listen 127.0.0.1:0 --image "$T/img" "${@:2}" >"$T/bad.log" 2>&1; then
        fail "started with $1"
    fi
    grep -q "$1" "$T/bad.log" || { cat "$T/bad.log"; fail "refusal does not name $1"; }
}
run_bad "api.tls_key: needs api.tls_certificate" --set "api.tls_key=$T/key.pem"
run_bad "api.tls_certificate: needs api.tls_key" --set "api.tls_certificate=$T/cert.pem"
run_bad "api.tls_key: cannot read" --set "api.tls_certificate=$T/cert.pem" --set "api.tls_key=$T/nope"
echo "test_api_tls: ok"
