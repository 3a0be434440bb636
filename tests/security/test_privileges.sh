#!/bin/bash
# SPDX-License-Identifier: MIT
# Least privilege, as root in private network namespaces: the daemon binds
# DHCP (67), TFTP (69) and HTTP (80), then runs as --user nobody.  After the
# start /proc/PID/status shows no capability at all (CapEff, CapPrm, CapAmb 0)
# and every uid and gid is nobody's; state_dir is 0700, api.token and
# state.json 0600, all owned by nobody; a lease, a TFTP and an HTTP download
# still work; requests that leave the image ("..", a symlink out of the tree)
# are refused over HTTP and TFTP.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (privilege drop)"
getent passwd nobody >/dev/null || skip "no user nobody"
in_netns "$@"
use_plugins dhcp tftp http
need busybox curl ip nsenter
client_ns
cli_exec ip addr add 192.0.2.2/24 dev cli0
chmod 755 "$T"
mkdir -p "$T/img/boot/syslinux" "$T/state-parent"
chmod 755 "$T/state-parent"
head -c 100000 /dev/urandom >"$T/img/file"
head -c 4000 /dev/urandom >"$T/img/boot/syslinux/lpxelinux.0"
echo secret >"$T/outside"
chmod 644 "$T/outside"
ln -s "$T/outside" "$T/img/leak"
ln -s ../../outside "$T/img/boot/rel-leak"
want=$(sha "$T/img/file")
S=$T/state-parent/state
PXE_STATE_DIR=$S
PORT=$(free_port)
start_pxecore --user nobody --api-listen "127.0.0.1:$PORT" --image "$T/img" --interface srv0 \
    --dhcp-range 192.0.2.50,192.0.2.99,12h --set http.port=80 --set tftp.port=69
uid=$(id -u nobody) gid=$(id -g nobody)

echo "## capabilities and ids after the start"
st=/proc/$PXE_PID/status
grep -E '^(Uid|Gid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' "$st"
for c in CapEff CapPrm CapAmb; do
    [ "$(sed -n "s/^$c:[[:space:]]*//p" "$st")" = 0000000000000000 ] || fail "$c is not empty"
done
[ "$(sed -n 's/^Uid:[[:space:]]*//p' "$st" | tr -s '\t ' ' ')" = "$uid $uid $uid $uid" ] || fail "uids"
[ "$(sed -n 's/^Gid:[[:space:]]*//p' "$st" | tr -s '\t ' ' ')" = "$gid $gid $gid $gid" ] || fail "gids"
[ "$(sed -n 's/^Groups:[[:space:]]*//p' "$st" | tr -d ' \t')" = "" ] || fail "supplementary groups kept"

echo "## files"
TOKEN=$(cat "$S/api.token")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data '{"cmdline_extra":"x=1"}' \
    "http://127.0.0.1:$PORT/api/v1/hosts/52:54:00:00:00:09")
case $code in 200 | 201) ;; *) fail "PUT host as nobody: $code" ;; esac
check_mode() { # PATH MODE
    got=$(stat -c '%a %u %g' "$1")
    [ "$got" = "$2 $uid $gid" ] || fail "$1: mode/owner '$got', expected '$2 $uid $gid'"
    echo "$1: $got"
}
check_mode "$S" 700
check_mode "$S/api.token" 600
check_mode "$S/state.json" 600

echo "## served after the drop"
udhcpc_run lease -V PXEClient:Arch:00000:UNDI:002001 || fail "no lease after the drop"
[ "$(cli_exec curl -s -m 20 tftp://192.0.2.1/file | sha256sum | cut -c1-64)" = "$want" ] || fail "TFTP"
[ "$(cli_exec curl -s -m 20 http://192.0.2.1/file | sha256sum | cut -c1-64)" = "$want" ] || fail "HTTP"

echo "## confined to the image"
for p in leak boot/rel-leak ../outside boot/../../outside %2e%2e/outside; do
    body=$(cli_exec curl -s --path-as-is -m 5 "http://192.0.2.1/$p" || true)
    [ "$body" != secret ] || fail "HTTP served $p from outside the image"
    body=$(cli_exec curl -s -m 5 "tftp://192.0.2.1/$p" 2>/dev/null || true)
    [ "$body" != secret ] || fail "TFTP served $p from outside the image"
done
echo "refused: symlinks out of the tree and '..' over HTTP and TFTP"
stop_pxecore || fail "exit status"
