#!/bin/bash
# SPDX-License-Identifier: MIT
# What a new user runs first: --help-config and --check-config.  Neither
# prints the daemon's "stopped"; --check-config reports every error of a file
# at once (config keys, a plugin's refusal, a core.user that does not exist,
# missing images and roots) and exits 1 on any; --set takes a plugin's
# section as the file spells it (plugins.nfs.KEY) and by name alone (nfs.KEY).
. "$PXECORE_SRC/tests/integration/lib.sh"
use_plugins http nfs

pxe() { "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" "$@" 2>&1; }

echo "## --help-config lists plugin sections as the file and --set spell them"
out=$(pxe --help-config) || fail "--help-config: $out"
echo "$out" | grep -qx '\[plugins.nfs\]' || fail "--help-config: no [plugins.nfs]: $out"
echo "$out" | grep -q '^  backend ' || fail "--help-config: no nfs backend key"
echo "$out" | grep -q 'stopped' && fail "--help-config prints 'stopped'"

echo "## a valid file: one line, no 'stopped'"
echo '{"core":{"state_dir":"'"$T"'/st"},"plugins":{"nfs":{"backend":"ganesha"}}}' >"$T/ok.json"
out=$(pxe --check-config "$T/ok.json") || fail "valid file refused: $out"
[ "$out" = "$T/ok.json: configuration is valid" ] || fail "valid file output: $out"

echo "## every error of a file at once"
mkdir -p "$T/img"
cat >"$T/bad.json" <<JSON
{"core": {"user": "no-such-user-$$", "bogus": 1,
          "images": ["$T/img", "$T/missing.iso"], "roots": ["$T/noroot"]},
 "menu": {"timeout": true},
 "plugins": {"nfs": {"backend": 3, "nope": 1}, "zzz": {}},
 "extra": {}}
JSON
set +e
out=$(pxe --check-config "$T/bad.json"); rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || fail "check-config rc=$rc"
for want in "core.bogus: unknown key" "menu.timeout: must be a number" \
    "plugins.nfs.backend: must be a string" "plugins.nfs.nope: unknown key" \
    "plugins.zzz: no plugin named 'zzz'" "extra: unknown section" \
    "core.user: no user named 'no-such-user-$$'" "image '$T/missing.iso': No such file" \
    "core.roots: '$T/noroot': No such file" "$T/bad.json: 9 error(s)"; do
    echo "$out" | grep -qF -- "$want" || fail "check-config does not report: $want"
done
echo "$out" | grep -q "image '$T/img'" && fail "a good image reported"
echo "$out" | grep -q 'stopped' && fail "--check-config prints 'stopped'"

echo "## a plugin's refusal names its section, and --check-config goes on past it"
set +e
out=$(pxe --check-config "$T/ok.json" --set plugins.nfs.backend=bogus --set core.user=no-such-user-$$)
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "refusal rc=$rc: $out"
echo "$out" | grep -qF '[nfs] backend: "kernel" or "ganesha", not "bogus"' || fail "nfs refusal: $out"
echo "$out" | grep -qF 'plugins.nfs: configuration refused: Invalid argument (the [nfs] lines above name the key, plugins.nfs.KEY)' ||
    fail "refusal line: $out"
echo "$out" | grep -qF "core.user: no user named" || fail "stopped after the plugin's refusal: $out"

echo "## --set: both spellings of a plugin section land in it; the forms messages print work"
for form in plugins.nfs nfs; do
    set +e
    out=$(pxe --check-config "$T/ok.json" --set "$form.backend=bogus"); rc=$?
    set -e
    [ "$rc" -eq 1 ] && echo "$out" | grep -qF 'not "bogus"' || fail "--set $form.backend did not reach nfs: $out"
    out=$(pxe --check-config "$T/ok.json" --set "$form.backend=kernel") || fail "--set $form.backend=kernel: $out"
done
# The NFS warning's fix (plugins/nfs/nfs.c), verbatim.
out=$(pxe --check-config "$T/ok.json" --set plugins.nfs.backend=ganesha --disable-plugin nfs) ||
    fail "the NFS warning's forms: $out"
set +e
out=$(pxe --check-config "$T/ok.json" --set nfs.nope=1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "plugins.nfs.nope: unknown key" || fail "unknown key: $out"
set +e
out=$(pxe --check-config "$T/ok.json" --set plugins.core.user=x); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "SECTION core, menu, api or plugins.NAME" || fail "plugins.core: $out"
echo "## image kinds: a kind file naming file and key; two kinds claiming one image"
mkdir -p "$T/kimg/arch/boot/x86_64" "$T/kinds"
echo kernel >"$T/kimg/arch/boot/x86_64/vmlinuz-linux"
echo '{"kind": "twin", "title": "Twin", "match": [{"kernel": "arch/boot/x86_64/vmlinuz-linux"}],
       "entries": [{"id": "t", "title": "Twin"}]}' >"$T/kinds/twin.json"
set +e
out=$(pxe --check-config "$T/ok.json" --image "k=$T/kimg" --kinds-dir "$T/kinds" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "image 'k' ($T/kimg): claimed by two image kinds, archiso (plugin archiso) and twin (plugin datakinds)" ||
    fail "two kinds: rc=$rc $out"
echo '{"kind": "bad", "title": 3}' >"$T/kinds/bad.json"
set +e
out=$(pxe --check-config "$T/ok.json" --kinds-dir "$T/kinds" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -qF "$T/kinds/bad.json: title: must be a string" ||
    fail "bad kind file: rc=$rc $out"
echo "all check-config checks passed"
