#!/bin/bash
# SPDX-License-Identifier: MIT
# Acceptance 2 with the real http plugin: PUT /api/v1/methods/http
# {"enabled":false} removes the HTTP entry from pxelinux.cfg/default as curl
# fetches it over HTTP, in the same second; enabling brings it back; the switch
# survives a restart.  Skipped only if the http plugin carries no boot method.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
set -u

PXECORE_PLUGINS=${API_REAL_PLUGINS:-$PXECORE_PLUGINS_ALL}
SO=$PXECORE_PLUGINS/pxecore-http.so
[ -f "$SO" ] || skip "no http plugin"
"$PXECORE_BIN" --dump-plugin "$SO" | grep -Eq '^caps=.*(menu|transport)' || skip "the http plugin is not a boot method"
PXECORE_PLUGINS_ALL=$PXECORE_PLUGINS
use_plugins http
make_image "$T/img"
HPORT=$(free_port)
MENU="http://127.0.0.1:$HPORT/pxelinux.cfg/default"
run() { api_start --image "$T/img" --set http.port="$HPORT" --set http.address=127.0.0.1; }
# served_http: does the menu served over HTTP have an entry of the http method?
served_http() {
    curl -sS -m 10 -o "$T/menu" "$MENU" || fail "cannot fetch $MENU"
    grep -q 'archiso_http_srv=' "$T/menu"
}

run
served_http || { cat "$T/menu"; fail "no HTTP entry in the served menu at start"; }
put_json PUT /api/v1/methods/http '{"enabled":false}'; expect 200 "disable http"
jcheck "d['enabled'] is False and d['state'] in ('disabled','draining')" "disabled"
! served_http || { cat "$T/menu"; fail "HTTP entry still served after disabling"; }
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "enable http"
served_http || fail "HTTP entry not back after enabling"
put_json PUT /api/v1/methods/http '{"enabled":false}'; expect 200 "disable http again"
stop_pxecore || fail "SIGTERM exit status"
run
! served_http || fail "HTTP entry back after a restart"
req GET /api/v1/methods/http; expect 200 "method after restart"; jcheck "d['enabled'] is False" "still disabled"
put_json PUT /api/v1/methods/http '{"enabled":true}'; expect 200 "enable after restart"
served_http || fail "HTTP entry not back after enabling post-restart"
echo "api_real_http: the served menu follows the switch, across a restart"
