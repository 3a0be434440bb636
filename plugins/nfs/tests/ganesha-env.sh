# SPDX-License-Identifier: MIT
# Sourced by the ganesha tests after lib.sh, inside their private network +
# mount namespace: a /run tmpfs (rpcbind's socket, a private system bus),
# rpcbind, an image tree and an ISO of it in $T, the admin's ganesha.conf
# including $T/pxecore-ganesha.conf, and helpers:
#   start_dbus, start_ganesha (also as the script $T/start-ganesha),
#   url PATH, wait_log TEXT SECS, $want_kernel (sha256 of the test kernel), $mount_cmd.
PATH=$PATH:/usr/sbin:/sbin
need ganesha.nfsd rpcbind rpcinfo nfs-ls nfs-cat dbus-daemon dbus-send xorriso pkill
SRC=$PXECORE_SRC/plugins/nfs/tests
ip link set lo up
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/dbus /run/ganesha
F=$T/fake
mkdir -p "$F" "$T/img/arch/boot/x86_64" "$T/img/arch/x86_64" "$T/run" "$T/recov"
chmod 755 "$T"
export FAKE_NFS_DIR=$F
head -c 3000000 /dev/urandom >"$T/img/arch/boot/x86_64/vmlinuz-linux"
head -c 500000 /dev/urandom >"$T/img/arch/x86_64/airootfs.sfs"
xorriso -as mkisofs -quiet -V ARCH_TEST -o "$T/rel.iso" "$T/img" 2>/dev/null
if grep -qw iso9660 /proc/filesystems && losetup -f >/dev/null 2>&1; then
    mount_cmd=/usr/bin/mount
else
    echo "note: no iso9660 or loop device here: fake-mount extracts the ISO and bind-mounts it read-only"
    mount_cmd=$SRC/fake-mount
fi
want_kernel=$(sha "$T/img/arch/boot/x86_64/vmlinuz-linux")

# The admin's ganesha.conf: NFSv3 only, no NLM/RQUOTA/krb5, includes pxecore's file.
cat >"$T/ganesha.conf" <<EOF
NFS_CORE_PARAM { Protocols = 3; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryRoot = "$T/recov"; }
NFS_KRB5 { Active_krb5 = false; }
%include "$T/pxecore-ganesha.conf"
EOF
: >"$T/pxecore-ganesha.conf"

rpcbind -w -f &
RPCB=$!
at_exit "kill $RPCB"
at_exit "umount -l $T/run/release 2>/dev/null"
DBUS_PID=""
start_dbus() {
    dbus-daemon --system --fork --print-pid >"$T/dbus.pid"
    DBUS_PID=$(cat "$T/dbus.pid")
    at_exit "kill $DBUS_PID 2>/dev/null"
}
# start-ganesha: background, pid in $T/ganesha.pid.shell; waits until MOUNT v3 answers.
# A script file, so the harness's "sh" step (dash) can run it too.
cat >"$T/start-ganesha" <<EOF
rm -f "$T/ganesha.pid"
ganesha.nfsd -F -f "$T/ganesha.conf" -L "$T/ganesha.log" -p "$T/ganesha.pid" </dev/null >/dev/null 2>&1 &
echo \$! >"$T/ganesha.pid.shell"
i=0
until rpcinfo -T tcp 127.0.0.1 100005 3 >/dev/null 2>&1; do
    i=\$((i + 1)); [ "\$i" -lt 150 ] || { tail -20 "$T/ganesha.log"; echo "ganesha not answering after 30 s"; exit 1; }
    sleep 0.2
done
EOF
start_ganesha() { bash "$T/start-ganesha" || fail "cannot start ganesha"; }
at_exit 'kill -9 $(cat "$T/ganesha.pid.shell" 2>/dev/null) 2>/dev/null'
url() { echo "nfs://127.0.0.1$1?version=3"; }
# wait_log TEXT SECS: until pxecore's log has TEXT (the daemon must stay alive).
wait_log() {
    i=0
    until grep -qF -- "$1" "$T/pxecore.log"; do
        kill -0 "$PXE_PID" 2>/dev/null || fail "pxecore died waiting for: $1"
        i=$((i + 1)); [ "$i" -lt $(($2 * 10)) ] || fail "no log line '$1' after $2 s"
        sleep 0.1
    done
}
