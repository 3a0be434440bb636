#!/bin/bash
# SPDX-License-Identifier: MIT
# api/openapi.json against a running pxecore on loopback: every route of the
# document, every answer (errors included) validated against its schema with
# python3-jsonschema (Draft 2020-12); the served routes (route index and
# api/route.c) equal the document's; a second run with plugins disabled for the
# 404/409 answers; then every documented answer must have been seen
# (api/tests/openapi_walk.py).
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
set -u
python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null ||
    skip "python3-jsonschema with Draft 2020-12 is not installed"
WALK="python3 $PXECORE_SRC/api/tests/openapi_walk.py $PXECORE_SRC/api/openapi.json $PXECORE_SRC/api/route.c"

make_image "$T/img"
make_image "$T/img2"
run() { api_start --image "$T/img" --image "second=$T/img2" --set api.max_body=4096 "$@"; }
run
$WALK "$PORT" "$TOKEN" main "$T/coverage.json" || fail "walk against the daemon"
stop_pxecore || fail "daemon exit status"
run --disable-plugin nbd --disable-plugin dhcp --set api.metrics_public=true
$WALK "$PORT" "$TOKEN" disabled "$T/coverage.json" || fail "walk with plugins disabled"
$WALK 0 - final "$T/coverage.json" || fail "coverage"
