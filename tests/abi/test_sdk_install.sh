#!/bin/bash
# Installs pxecore to a temporary prefix, builds examples/plugins/memtest (a boot
# method) and examples/plugins/tinycore (an image kind) out of tree with nothing
# but that prefix's pkg-config data, and loads them.
. "$PXECORE_SRC/tests/integration/lib.sh"
need make pkg-config cc
set -e
cmake --install "$PXECORE_BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "install"; }
PC=$(dirname "$(find "$T/prefix" -name pxecore.pc | head -n1)")
[ -n "$PC" ] || fail "pxecore.pc not installed"
export PKG_CONFIG_PATH="$PC"
plugindir=$(pkg-config --variable=plugindir pxecore)
[ -f "$plugindir/pxecore-tftp.so" ] || fail "in-tree plugins not installed in $plugindir"
[ -f "$(pkg-config --variable=includedir pxecore)/pxecore/plugin.h" ] || fail "header not installed"

cp -r "$PXECORE_SRC/examples/plugins/memtest" "$T/ex"
make -C "$T/ex" >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "example build"; }
grep -q -- "-I$T/prefix" "$T/make.log" || grep -q -- "-I$PC/../../include" "$T/make.log" || fail "example not built against the installed SDK: $(cat "$T/make.log")"
cp "$T/ex/pxecore-memtest.so" "$plugindir/"

PXECORE_BIN="$T/prefix/bin/pxecore"
"$PXECORE_BIN" --dump-plugin "$plugindir/pxecore-memtest.so" >"$T/dump.txt"
grep -qx "name=memtest" "$T/dump.txt" && grep -qx "has_menu_entries=1" "$T/dump.txt" || fail "dump: $(cat "$T/dump.txt")"

mkdir -p "$T/img/arch/boot/x86_64" "$T/boot"
echo kernel >"$T/img/arch/boot/x86_64/vmlinuz-linux"
echo memtest >"$T/boot/memtest86+x64.bin"
# Only the example in the plugins dir: the in-tree servers would bind real ports.
mkdir "$T/only"
cp "$T/ex/pxecore-memtest.so" "$T/only/"
PXECORE_PLUGINS=$T/only
start_pxecore --no-api --image "$T/img" --root "$T/boot" --memtest-file memtest86+x64.bin
grep -q "plugin memtest 1.0 running" "$T/pxecore.log" || fail "memtest plugin not listed as running"
stop_pxecore || fail "stop"

# The example image kind: built the same way, it recognises a Tiny Core tree through the
# core's file API and names its kernel; an Arch tree is not its kind and the log says what
# it looked for.
cp -r "$PXECORE_SRC/examples/plugins/tinycore" "$T/kind"
make -C "$T/kind" >"$T/make-kind.log" 2>&1 || { cat "$T/make-kind.log"; fail "example kind build"; }
"$PXECORE_BIN" --dump-plugin "$T/kind/pxecore-tinycore.so" >"$T/dump-kind.txt"
grep -qx "caps=kind" "$T/dump-kind.txt" && grep -qx "abi_version=2" "$T/dump-kind.txt" ||
    fail "dump: $(cat "$T/dump-kind.txt")"
cp "$T/kind/pxecore-tinycore.so" "$T/only/"
mkdir -p "$T/tc/boot"
echo kernel >"$T/tc/boot/vmlinuz64"
echo initrd >"$T/tc/boot/corepure64.gz"
start_pxecore --no-api --image "tc=$T/tc" --image "arch=$T/img"
grep -q "image 'tc': directory $T/tc, kind tinycore (Tiny Core Linux x86_64), kernel boot/vmlinuz64" \
    "$T/pxecore.log" || fail "Tiny Core tree not recognised: $(cat "$T/pxecore.log")"
grep -q "image 'arch' .*no image kind recognised it.*tinycore looked for boot/vmlinuz64" \
    "$T/pxecore.log" || fail "no line saying what the kind looked for"
stop_pxecore || fail "stop"
echo "example plugins (a boot method, an image kind) built with the installed SDK and loaded"
