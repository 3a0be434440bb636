#!/bin/bash
# Installs pxecore to a temporary prefix, builds examples/plugins/memtest out of
# tree with nothing but that prefix's pkg-config data, and loads it.
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
echo "example plugin built with the installed SDK and loaded"
