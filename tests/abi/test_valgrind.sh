#!/bin/bash
# A start/stop cycle under valgrind: no definite leaks and no memory errors
# from the core (plugins are the ABI fixtures, which allocate nothing).
. "$PXECORE_SRC/tests/integration/lib.sh"
need valgrind
ldd "$PXECORE_BIN" | grep -q libasan && skip "sanitizer build"
set -e
mkdir -p "$T/img/arch/boot/x86_64"
echo k >"$T/img/arch/boot/x86_64/vmlinuz-linux"
PXECORE_PLUGINS=$PXECORE_BUILD/abi/ok
cat >"$T/vg.sh" <<VG
#!/bin/sh
exec valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    --log-file="$T/valgrind.log" "$PXECORE_BIN" "\$@"
VG
chmod +x "$T/vg.sh"
PXECORE_BIN=$T/vg.sh
# start_pxecore waits for the pidfile; valgrind is slow, so give it the same bound.
start_pxecore --no-api --image "$T/img" --menu-timeout 3s
sleep 0.5
set +e
stop_pxecore
rc=$?
set -e
cat "$T/valgrind.log"
[ "$rc" -eq 0 ] || fail "exit status $rc under valgrind (99 = errors or leaks)"
grep -q "SIGTERM: shutting down" "$T/pxecore.log" || fail "no clean shutdown"
echo "valgrind: clean start/stop cycle"
