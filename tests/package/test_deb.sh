#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package, as a sysadmin gets it: builds pxecore and pxecore-dev
# from this tree with dpkg-buildpackage -us -uc -b, runs lintian, installs
# both with apt-get, runs the INSTALLED binary with the INSTALLED plugins and
# no --plugins-dir (inside a private network namespace: TFTP/DHCP never face a
# real interface) against a test tree, checks the unit with systemd-analyze
# and builds a plugin against the installed SDK, then purges both and checks
# that nothing is left but what policy keeps (the system user).
# Needs root; skipped when pxecore is already installed (never clobbered).
. "$PXECORE_SRC/tests/integration/lib.sh"
need dpkg-buildpackage dh apt-get unshare curl python3 cc pkg-config
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install of the package)"
dpkg -s pxecore >/dev/null 2>&1 && skip "a pxecore package is installed on this machine already"
unshare --net true 2>/dev/null || skip "cannot create network namespaces"

S=$T/src/pxecore
mkdir -p "$S"
if git -C "$PXECORE_SRC" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$PXECORE_SRC" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' | tar --null -T - -cf -) | tar -C "$S" -xf -
else
    (cd "$PXECORE_SRC" && tar --exclude='./build*' --exclude=./tests/e2e/cache -cf - .) | tar -C "$S" -xf -
fi
(cd "$S" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$T/build.log" 2>&1 ||
    { tail -n 40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
debs=("$T"/src/pxecore_*.deb "$T"/src/pxecore-dev_*.deb)
[ -f "${debs[0]}" ] && [ -f "${debs[1]}" ] || fail "no .deb files: $(ls "$T/src")"
echo "built: $(cd "$T/src" && ls ./*.deb | tr '\n' ' ')"
if command -v lintian >/dev/null; then
    lintian --fail-on error "${debs[@]}" >"$T/lintian.log" 2>&1 || { cat "$T/lintian.log"; fail "lintian errors"; }
    echo "lintian: $(grep -c '^[WE]:' "$T/lintian.log") warnings/errors (no error)"
    grep -q 'no-manual-page' "$T/lintian.log" && fail "lintian: a program without a manual page"
    sed 's/^/  /' "$T/lintian.log"
fi

purge() { apt-get purge -y -q pxecore pxecore-dev >"$T/purge.log" 2>&1; }
at_exit purge
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${debs[@]}" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "apt-get install failed"; }
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PD=/usr/lib/$multi/pxecore/plugins
[ -x /usr/bin/pxecore ] || fail "no /usr/bin/pxecore"
[ -f /etc/pxecore/pxecore.json ] || fail "no /etc/pxecore/pxecore.json"
dpkg-query -W -f='${Conffiles}\n' pxecore | grep -q /etc/pxecore/pxecore.json || fail "config is not a conffile"
[ -f "$PD/pxecore-http.so" ] && [ -f "$PD/pxecore-dhcp.so" ] || fail "plugins not in $PD"
getent passwd pxecore >/dev/null || fail "no pxecore system user"
[ -f /lib/systemd/system/pxecore.service ] || fail "no pxecore.service"
for m in man8/pxecore.8 man5/pxecore.json.5 man3/pxecore-plugin.3; do
    [ -f "/usr/share/man/$m.gz" ] || fail "no manual page /usr/share/man/$m.gz"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["openapi"].startswith("3.1") else 1)' \
    /usr/share/pxecore/openapi.json || fail "no OpenAPI document in /usr/share/pxecore"
zcat /usr/share/man/man5/pxecore.json.5.gz | grep -q '^\.SS plugins\.nfs$' ||
    fail "pxecore.json(5) lacks the plugins' keys"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/pxecore.service >"$T/verify.log" 2>&1 ||
        { cat "$T/verify.log"; fail "systemd-analyze verify"; }
    echo "systemd-analyze verify: ok"
fi
/usr/bin/pxecore --check-config /etc/pxecore/pxecore.json | grep -q 'configuration is valid' ||
    fail "the shipped configuration is not valid"

# The installed daemon, its installed plugins (no --plugins-dir), the shipped
# configuration, in a network namespace with loopback only.
mkdir -p "$T/tree/arch/boot/x86_64" "$T/tree/arch/x86_64"
head -c 300000 /dev/urandom >"$T/tree/arch/boot/x86_64/vmlinuz-linux"
head -c 100000 /dev/urandom >"$T/tree/arch/boot/x86_64/initramfs-linux.img"
head -c 200000 /dev/urandom >"$T/tree/arch/x86_64/airootfs.sfs"
cat >"$T/run.sh" <<RUN
set -e
ip link set lo up
/usr/bin/pxecore --config /etc/pxecore/pxecore.json --image "$T/tree" --state-dir "$T/state" \
    --no-api --set http.port=8080 --pidfile "$T/pxe.pid" >"$T/pxecore.log" 2>&1 &
pid=\$!
i=0
until [ -s "$T/pxe.pid" ]; do
    kill -0 \$pid 2>/dev/null || { echo "pxecore exited"; exit 1; }
    i=\$((i + 1)); [ \$i -lt 150 ] || { echo "not ready"; exit 1; }
    sleep 0.1
done
curl -fsS -o "$T/got" http://127.0.0.1:8080/arch/x86_64/airootfs.sfs
curl -fsS -o "$T/got.tftp" tftp://127.0.0.1/arch/boot/x86_64/vmlinuz-linux
kill -TERM \$pid
wait \$pid
RUN
unshare --net bash "$T/run.sh" || { cat "$T/pxecore.log"; fail "the installed pxecore did not serve"; }
cmp -s "$T/got" "$T/tree/arch/x86_64/airootfs.sfs" || fail "HTTP file differs"
cmp -s "$T/got.tftp" "$T/tree/arch/boot/x86_64/vmlinuz-linux" || fail "TFTP file differs"
grep -q "plugin http .* running" "$T/pxecore.log" || fail "http plugin not running"
echo "installed pxecore served HTTP and TFTP with $(grep -c 'plugin .* running' "$T/pxecore.log") plugins from $PD"

# pxecore-dev: a plugin built against the installed header alone.
cc -shared -fPIC -O2 $(pkg-config --cflags pxecore) -o "$T/pxecore-memtest.so" \
    "$PXECORE_SRC"/examples/plugins/memtest/*.c || fail "SDK build"
/usr/bin/pxecore --dump-plugin "$T/pxecore-memtest.so" | grep -q '^name=memtest' || fail "SDK plugin"
echo "pxecore-dev: an out-of-tree plugin builds and loads"

purge || { cat "$T/purge.log"; fail "apt-get purge failed"; }
for p in /usr/bin/pxecore /etc/pxecore "$PD" /usr/include/pxecore /var/lib/pxecore \
    "/usr/lib/$multi/pkgconfig/pxecore.pc" /lib/systemd/system/pxecore.service \
    /usr/share/man/man8/pxecore.8.gz /usr/share/man/man5/pxecore.json.5.gz \
    /usr/share/man/man3/pxecore-plugin.3.gz; do
    [ ! -e "$p" ] || fail "left after purge: $p"
done
dpkg -s pxecore >/dev/null 2>&1 && fail "pxecore still known to dpkg"
echo "purged: nothing left but the pxecore system user (kept, as policy says)"
