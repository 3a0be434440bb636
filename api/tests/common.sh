# SPDX-License-Identifier: MIT
# Helpers shared by the REST API tests (sourced after tests/integration/lib.sh).
# The daemon loads the fixture plugins of build/api-test-plugins (fake http, nbd, dhcp).
: "${API_TEST_PLUGINS:?API_TEST_PLUGINS not set}"
need curl python3
# The system interpreter when there is one: version-manager shims cost ~0.4 s a call.
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
PXECORE_PLUGINS=$API_TEST_PLUGINS

# A directory image that the core recognises as archiso.
make_image() {
    mkdir -p "$1/arch/boot/x86_64" "$1/arch/x86_64"
    echo kernel >"$1/arch/boot/x86_64/vmlinuz-linux"
    echo initrd >"$1/arch/boot/x86_64/initramfs-linux.img"
    echo rootfs >"$1/arch/x86_64/airootfs.sfs"
}

# api_start ARGS...: starts pxecore with the API on a free port; sets PORT BASE TOKEN.
api_start() {
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    start_pxecore --api-listen "127.0.0.1:$PORT" "$@"
    TOKEN=$(cat "${PXE_STATE_DIR:-$T/state}/api.token" 2>/dev/null || echo none)
}

# req METHOD PATH [curl args...]: sets CODE; body in $T/out, headers in $T/hdr.
req() {
    _m=$1 _p=$2
    shift 2
    if [ "$_m" = HEAD ]; then set -- -I "$@"; else set -- -X "$_m" "$@"; fi
    CODE=$(curl -sS -m 10 -o "$T/out" -D "$T/hdr" -w '%{http_code}' \
        -H "Authorization: Bearer $TOKEN" "$@" "$BASE$_p") || CODE=000
}
# put_json METHOD PATH JSON: a request with a JSON body.
put_json() { req "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"; }

# expect CODE WHAT: the last request answered CODE.
expect() {
    [ "$CODE" = "$1" ] || { echo "--- body:"; cat "$T/out"; fail "$2: HTTP $CODE, expected $1"; }
}
# jv EXPR: evaluates a Python expression on the last JSON body d; prints the result.
jv() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(r if not isinstance(r,(dict,list,bool)) and r is not None else json.dumps(r))' "$T/out" "$1"; }
# jcheck EXPR WHAT: EXPR must be true on the last JSON body.
jcheck() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$T/out" "$1" || { echo "--- body:"; cat "$T/out"; fail "$2: not true: $1"; }
}
# An error answer in the one shape with this code.
expect_error() {
    expect "$1" "$3"
    jcheck "set(d)=={'error'} and set(d['error'])=={'code','message'} and d['error']['code']=='$2' and d['error']['message']" "$3 (error shape)"
    grep -qi '^content-type: application/json' "$T/hdr" || fail "$3: error is not application/json"
}
