#!/bin/bash
# SPDX-License-Identifier: MIT
# boot-once consumed exactly once across instances: one real etcd member, two
# pxecore instances sharing it.  Each race gives a fresh MAC a boot_once
# profile (through A or B in turn), waits until both instances know it, then
# asks both at the same moment for the machine's iPXE script over the real
# HTTP plugin (the request that decides a network boot: files_open -> the
# boot-once claim, an etcd txn comparing mod_revisions -> the menu).  Exactly
# one of the two answers may carry the kernel, every time, and each instance
# keeps its answer when asked again.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/etcd/tests/etcd-env.sh"
set -u
RACES=${ETCD_RACES:-100}

use_plugins http etcd
make_image "$T/img"
etcd_cluster 1
etcd_member_start 0
etcd_wait_quorum
px_start 0 --image "$T/img"
px_start 1 --image "$T/img"
px_req 0 GET /api/v1/status
jcheck "d['state']['backend']=='etcd' and d['state']['writable']" "A uses etcd"

script() { # I MAC: the iPXE script instance I serves the machine, into $T/s$I
    curl -sS -m 10 -o "$T/s$1" "http://127.0.0.1:${PX_HTTP[$1]}/boot.ipxe?mac=$2"
}
# a plain client gets the kernel: the marker a network boot is recognised by
px_req 0 GET "/api/v1/menus/ipxe"
grep -q vmlinuz-linux "$T/out" || { cat "$T/out"; fail "no kernel in the plain iPXE menu"; }

start=$SECONDS
for ((n = 0; n < RACES; n++)); do
    mac=$(printf '52:54:00:ee:%02x:%02x' $((n / 256)) $((n % 256)))
    px_req $((n % 2)) PUT "/api/v1/hosts/$mac" '{"boot_once":true}'
    [ "$CODE" = 201 ] || { cat "$T/out"; fail "race $n: PUT answered $CODE"; }
    px_until_code $(((n + 1) % 2)) "/api/v1/hosts/$mac" 200 "race $n: the profile reaches the other"
    script 0 "$mac" &
    a=$!
    script 1 "$mac" &
    b=$!
    wait "$a" || fail "race $n: A did not answer"
    wait "$b" || fail "race $n: B did not answer"
    boots=0
    for i in 0 1; do grep -q vmlinuz-linux "$T/s$i" && boots=$((boots + 1)) && winner=$i; done
    [ "$boots" = 1 ] || { head -5 "$T/s0" "$T/s1"; fail "race $n ($mac): $boots network boots"; }
    # the winner keeps its decision for this boot; the loser still says local
    script "$winner" "$mac"; grep -q vmlinuz-linux "$T/s$winner" || fail "race $n: the winner changed its mind"
    script $((1 - winner)) "$mac"; grep -q vmlinuz-linux "$T/s$((1 - winner))" && fail "race $n: the loser netboots it now"
    wins[winner]=$((${wins[winner]:-0} + 1))
done
echo "etcd_bootonce_race: $RACES races in $((SECONDS - start)) s, A won ${wins[0]:-0}, B won ${wins[1]:-0}"

px_stop 0
px_stop 1
echo "etcd_bootonce_race: ok"
