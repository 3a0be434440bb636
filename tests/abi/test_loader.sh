#!/bin/bash
# Loader and ABI rules, through the real daemon: each fixture directory is a
# plugins dir; refusals must name the file and the rule, with exit status 5.
. "$PXECORE_SRC/tests/integration/lib.sh"
ABI=$PXECORE_BUILD/abi

# refused DIR PATTERN: pxecore must exit 5 and print PATTERN.
refused() {
    set +e
    out=$("$PXECORE_BIN" --plugins-dir "$ABI/$1" --state-dir "$T/st" --no-api 2>&1)
    rc=$?
    set -e
    [ "$rc" -eq 5 ] || fail "$1: exit status $rc, expected 5; output: $out"
    echo "$out" | grep -qF -- "$2" || fail "$1: expected '$2' in: $out"
    echo "ok: $1 refused: $(echo "$out" | grep -F -- "$2")"
}
set -e

refused wrong_abi "pxecore-wrongabi.so: plugin ABI version 99, but this pxecore supports ABI version 1..2"
refused no_symbol "pxecore-nosymbol.so: missing entry symbol 'pxe_plugin_init'"
refused bad_name "pxecore-badname.so: invalid plugin name 'Bad_Name'"
refused missing_cb "pxecore-nomenu.so: missing required callback 'menu_entries' for caps MENU"
refused bad_kind "pxecore-badkind.so: missing required callback 'kind_entries' for caps KIND"
refused bad_kind_v1 "pxecore-badkind.so: unknown capability bits 0x20 for plugin ABI version 1"
refused bad_config "pxecore-badconfig.so: bad config table: port: offset 64 outside the config struct"
refused dup_name "pxecore-dup-b.so: duplicate plugin name 'dup' (already loaded from pxecore-dup-a.so)"
set +e
out=$("$PXECORE_BIN" --plugins-dir "$ABI/load_fails" --state-dir "$T/st" --no-api 2>&1); rc=$?
set -e
[ "$rc" -eq 5 ] && echo "$out" | grep -qF "pxecore-loadfails.so: load failed: Input/output error" ||
    fail "load_fails: rc=$rc out=$out"

# The good directory: current, older (smaller) and newer (bigger) descriptors all load,
# in sorted order, and a non-plugin file name is ignored.
start_pxecore --plugins-dir "$ABI/ok" --no-api
grep -q "plugin big 2 running" "$T/pxecore.log" || fail "big_struct plugin not running"
grep -q "plugin ok 1 running" "$T/pxecore.log" || fail "ok plugin not running"
grep -q "plugin small 1 running" "$T/pxecore.log" || fail "small_struct plugin not running"
[ "$(grep -o 'plugin [a-z]* [0-9]* running' "$T/pxecore.log" | cut -d' ' -f2 | tr '\n' ' ')" = "big ok small " ] ||
    fail "plugins not in sorted order"
kill -HUP "$PXE_PID"
sleep 0.2
kill -0 "$PXE_PID" || fail "SIGHUP killed the daemon"
grep -q "SIGHUP: reloading plugins" "$T/pxecore.log" || fail "no reload on SIGHUP"
stop_pxecore || fail "SIGTERM: non-zero exit"
grep -q "SIGTERM: shutting down" "$T/pxecore.log" || fail "no shutdown message"
[ ! -e "$T/pxecore.pid" ] || fail "pidfile left behind after a clean stop"

# --user: the daemon runs as that user once started (needs root to switch).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod 755 "$T"
    start_pxecore --plugins-dir "$ABI/ok" --no-api --user nobody
    uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$PXE_PID/status")
    [ "$uid" = "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" ] ||
        fail "still running with uid $uid after --user nobody"
    grep -q "running as user 'nobody'" "$T/pxecore.log" || fail "no privilege-drop message"
    stop_pxecore || fail "stop after --user"
fi
"$PXECORE_BIN" --dump-plugin "$ABI/ok/pxecore-small.so" >"$T/small.txt"
grep -qx "struct_size=[0-9]*" "$T/small.txt" && ! grep -q "has_rootfs_prepare" "$T/small.txt" ||
    fail "small struct: callbacks past its size must read as absent"

# --dump-plugin on every in-tree plugin.
n=0
for so in "$PXECORE_PLUGINS"/pxecore-*.so; do
    "$PXECORE_BIN" --dump-plugin "$so" >"$T/dump.txt" || fail "dump $so"
    name=$(basename "$so" .so); name=${name#pxecore-}
    grep -qx "name=$name" "$T/dump.txt" || fail "$so: no name=$name"
    grep -qx "abi_version=2" "$T/dump.txt" || fail "$so: no abi_version=2"
    grep -qx "version=.*" "$T/dump.txt" || fail "$so: no version="
    grep -qx "has_load=1" "$T/dump.txt" || fail "$so: no has_load=1"
    n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "expected at least 5 in-tree plugins, found $n"

# Config errors name the key; --check-config exits 1 on them and 0 on a valid file.
echo '{"plugins":{"ok":{"nosuch":1}}}' >"$T/bad.json"
set +e
out=$("$PXECORE_BIN" --plugins-dir "$ABI/ok" --check-config "$T/bad.json" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "plugins.ok.nosuch: unknown key" || fail "check-config: rc=$rc $out"
echo '{"core":{"state_dir":"'"$T"'/st"},"menu":{"timeout":"3s"},"plugins":{"ok":{}}}' >"$T/good.json"
"$PXECORE_BIN" --plugins-dir "$ABI/ok" --check-config "$T/good.json" | grep -q "configuration is valid" ||
    fail "valid config refused"
echo '{"menu":{"timeout":true}}' >"$T/bad2.json"
set +e
out=$("$PXECORE_BIN" --plugins-dir "$ABI/ok" --check-config "$T/bad2.json" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "menu.timeout: must be a number of seconds" || fail "type error: $out"
set +e
out=$("$PXECORE_BIN" --plugins-dir "$ABI/ok" --no-such-flag 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "unknown option --no-such-flag" || fail "unknown flag: $out"
set +e
out=$("$PXECORE_BIN" --plugins-dir "$ABI/ok" --state-dir "$T/st" --no-api --image /nonexistent 2>&1); rc=$?
set -e
[ "$rc" -eq 3 ] && echo "$out" | grep -qF "image '/nonexistent': No such file or directory" || fail "missing image: rc=$rc $out"
echo "all loader checks passed"
