# SPDX-License-Identifier: MIT
# Helpers for the DHCP integration tests (sourced after tests/integration/lib.sh).
# Everything here runs inside the test's own network namespaces.

DHCPC="python3 $PXECORE_SRC/plugins/dhcp/tests/dhcpc.py"

# need_http_service: the daemon runs with the dhcp and http plugins (iPXE and
# HTTPClient answers need an "http" service).
need_http_service() { use_plugins dhcp http; }

# api_port: the daemon's REST API port, from its log.
api_port() { sed -n 's/.*api: listening on .* port \([0-9]*\).*/\1/p' "$T/pxecore.log" | tail -n 1; }

# api METHOD PATH [BODY]: a REST call to the daemon with its token; prints the body.
api() {
    tok=$(cat "${PXE_STATE_DIR:-$T/state}/api.token")
    curl -sf -X "$1" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        ${3:+--data "$3"} "http://127.0.0.1:$(api_port)$2"
}

# dhcp_metric NAME: the plugin's metric NAME from the daemon's API (needs
# --set api.metrics_public=true).
dhcp_metric() {
    curl -s "http://127.0.0.1:$(api_port)/api/v1/metrics" | sed -n "s/^pxecore_dhcp_$1 //p"
}

# http_args PORT: arguments that make an "http" service exist on PORT.
http_args() { echo "--set http.port=$1"; }

# udhcpc_run NAME ARGS...: busybox udhcpc in the client namespace; on a lease its
# environment lands in $T/NAME.env.  Returns udhcpc's status.
udhcpc_run() {
    n=$1; shift
    rm -f "$T/$n.env"
    cat >"$T/udhcpc.sh" <<'S'
#!/bin/sh
[ "$1" = bound ] && env | sort >"$OUT"
exit 0
S
    chmod +x "$T/udhcpc.sh"
    cli_exec env OUT="$T/$n.env" timeout 20 busybox udhcpc -i cli0 -f -q -n -t 3 -T 1 \
        -s "$T/udhcpc.sh" "$@" >>"$T/udhcpc.log" 2>&1
}

# envval NAME VAR: value of VAR in $T/NAME.env.
envval() { sed -n "s/^$2=//p" "$T/$1.env"; }

# expect_env NAME VAR VALUE
expect_env() {
    got=$(envval "$1" "$2")
    [ "$got" = "$3" ] || fail "$1: $2 is '$got', expected '$3'"
}

# wait_for FILE PATTERN: up to 5 s for PATTERN (grep -E) to appear in FILE.
wait_for() {
    i=0
    until grep -Eq "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 50 ] || fail "'$2' not in $1 after 5 s"
        sleep 0.1
    done
}

# no_match FILE PATTERN
no_match() { ! grep -Eq "$2" "$1" || fail "unexpected '$2' in $1"; }
