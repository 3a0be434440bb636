#!/bin/bash
# SPDX-License-Identifier: MIT
# A real 3-member etcd cluster on loopback and 3 pxecore instances sharing it:
# a profile PUT through A is served by B and C (their iPXE scripts over the real
# HTTP plugin), a method switch too; kill -9 of one member: writes still work;
# kill -9 of a majority: boots are still served from the last known state,
# writes answer 503, /api/v1/status and the log say why, an instance started
# then serves its cache read-only; the members come back: every instance
# converges without a restart.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/etcd/tests/etcd-env.sh"
set -u
MAC=52:54:00:c1:00:01

use_plugins http etcd
make_image "$T/img"
etcd_cluster 3
for i in 0 1 2; do etcd_member_start $i; done
etcd_wait_quorum
for i in 0 1 2; do px_start $i --image "$T/img"; done

serves() { # I TEXT: instance I's iPXE script for MAC has TEXT
    curl -sS -m 10 -o "$T/script" "http://127.0.0.1:${PX_HTTP[$1]}/boot.ipxe?mac=$MAC" &&
        grep -q -- "$2" "$T/script"
}
serves_until() { # I TEXT WHAT: bounded wait (10 s) for serves
    local k=0
    until serves "$1" "$2"; do
        k=$((k + 1)); [ "$k" -lt 100 ] || { cat "$T/script"; fail "$3: instance $1 does not serve '$2'"; }
        sleep 0.1
    done
}
put_ok() { # I PATH JSON WHAT: a write that must succeed (a member election may cost a retry)
    local k=0
    while :; do
        px_req "$1" PUT "$2" "$3"
        case $CODE in 200 | 201) return 0 ;; esac
        k=$((k + 1)); [ "$k" -lt 20 ] || { cat "$T/out"; fail "$4: HTTP $CODE"; }
        sleep 0.5
    done
}

echo "etcd_cluster: 1. a profile and a method switch through A reach B and C (${SECONDS}s)"
put_ok 0 "/api/v1/hosts/$MAC" '{"cmdline_extra":"cluster=one"}' "PUT through A"
serves_until 1 "cluster=one" "profile through A"
serves_until 2 "cluster=one" "profile through A"
put_ok 0 /api/v1/methods/http '{"enabled":false}' "method off through A"
for i in 1 2; do
    px_until $i /api/v1/methods/http "d['enabled'] is False" "method off through A"
done
put_ok 2 /api/v1/methods/http '{"enabled":true}' "method on through C"
for i in 0 1; do
    px_until $i /api/v1/methods/http "d['enabled'] is True" "method on through C"
done

echo "etcd_cluster: 2. one member killed: writes work (${SECONDS}s)"
etcd_member_kill 0
put_ok 1 "/api/v1/hosts/$MAC" '{"cmdline_extra":"cluster=two"}' "PUT with 2 of 3 members"
serves_until 0 "cluster=two" "profile with a member down"
serves_until 2 "cluster=two" "profile with a member down"

echo "etcd_cluster: 3. a majority killed: boots served, writes 503, status says so (${SECONDS}s)"
etcd_member_kill 1
for i in 0 1 2; do
    px_until $i /api/v1/status "d['state']['writable'] is False and '127.0.0.1' in d['state']['reason']" \
        "status after losing the quorum"
done
px_req 0 PUT "/api/v1/hosts/$MAC" '{"cmdline_extra":"cluster=lost"}'
[ "$CODE" = 503 ] || { cat "$T/out"; fail "a write without quorum answered $CODE, not 503"; }
jcheck "d['error']['code']=='state_unavailable'" "503 error shape"
px_req 2 PUT /api/v1/methods/http '{"enabled":false}'
[ "$CODE" = 503 ] || fail "a method switch without quorum answered $CODE, not 503"
for i in 0 1 2; do serves $i "cluster=two" || fail "instance $i stopped serving the last known profile"; done
px_req 1 GET "/api/v1/hosts/$MAC"; jcheck "d['cmdline_extra']=='cluster=two'" "refused write left the profile"
for i in 0 1 2; do
    grep -q "etcd unreachable (.*): serving the last known state, refusing changes" "$T/px$i.log" ||
        fail "instance $i did not log the lost quorum"
done

# an instance started now names the endpoint and the error and serves its (empty) cache read-only
px_start 3 --image "$T/img"
grep -q "etcd unreachable at start (http://127.0.0.1:[0-9]*: .*): serving the local cache read-only" \
    "$T/px3.log" || { cat "$T/px3.log"; fail "start without quorum not logged"; }
px_until 3 /api/v1/status "d['state']['writable'] is False" "started without quorum"

echo "etcd_cluster: 4. members back: converge without restart (${SECONDS}s)"
etcd_member_start 0
etcd_member_start 1
etcd_wait_quorum
for i in 0 1 2 3; do
    px_until $i /api/v1/status "d['state']['writable'] is True" "writable again"
done
put_ok 2 "/api/v1/hosts/$MAC" '{"cmdline_extra":"cluster=back"}' "PUT after the quorum returned"
serves_until 0 "cluster=back" "convergence"
serves_until 1 "cluster=back" "convergence"
serves_until 3 "cluster=back" "convergence of the instance started without quorum"
# a change made straight in etcd (another tool) reaches every instance through the watch
key=$(printf '/pxecore/hosts/52:54:00:c1:00:02' | base64 -w0)
val=$(printf '{"cmdline_extra":"from=etcd"}' | base64 -w0)
curl -sf -m 10 -X POST -d "{\"key\":\"$key\",\"value\":\"$val\"}" "${ETCD_CLIENT[2]}/v3/kv/put" >/dev/null ||
    fail "direct put"
for i in 0 1 2; do px_until_code $i /api/v1/hosts/52:54:00:c1:00:02 200 "a key written in etcd"; done
# a malformed value is skipped and counted, never applied
val=$(printf 'not json' | base64 -w0)
key=$(printf '/pxecore/hosts/52:54:00:c1:00:03' | base64 -w0)
curl -sf -m 10 -X POST -d "{\"key\":\"$key\",\"value\":\"$val\"}" "${ETCD_CLIENT[2]}/v3/kv/put" >/dev/null ||
    fail "direct put"
px_until 0 /api/v1/status "d['state']['etcd_malformed']>=1" "malformed value counted"
px_req 0 GET /api/v1/hosts/52:54:00:c1:00:03; [ "$CODE" = 404 ] || fail "malformed profile applied"
for i in 0 1 2 3; do kill -0 "${PX_PIDS[i]}" || fail "instance $i died"; done
for i in 0 1 2 3; do px_stop $i; done
echo "etcd_cluster: ok (${SECONDS}s)"
