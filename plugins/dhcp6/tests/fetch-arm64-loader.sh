#!/bin/bash
# SPDX-License-Identifier: MIT
# Puts Debian's signed GRUB network image for arm64 (package grub-efi-arm64-signed, file
# /usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed) at CACHE/arm64/grubnetaa64.efi.
# On this amd64 machine the arm64 package is fetched with apt's ordinary client, against a
# private arm64 package list under CACHE/arm64/apt (the system's dpkg architectures and apt
# lists are not touched).  Exit 0 when the file is there, 77 when it cannot be had.
# Usage: fetch-arm64-loader.sh CACHE_DIR
set -eu
CACHE=$1
OUT=$CACHE/arm64/grubnetaa64.efi
[ -s "$OUT" ] && exit 0
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || exit 77
D=$CACHE/arm64/apt
mkdir -p "$D/lists/partial" "$D/cache/archives/partial" "$D/deb"
exec 9>"$CACHE/arm64/.lock"
flock -w 600 9 || exit 77
[ -s "$OUT" ] && exit 0
A=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "Dir::State::Lists=$D/lists"
   -o "Dir::Cache=$D/cache" -o Dir::State::Status=/dev/null -o Debug::NoDropPrivs=1
   -o APT::Sandbox::User=root)
timeout 300 apt-get -q "${A[@]}" update >"$D/update.log" 2>&1 || { tail -n 5 "$D/update.log"; exit 77; }
( cd "$D/deb" && timeout 300 apt-get -q "${A[@]}" download grub-efi-arm64-signed ) \
    >"$D/download.log" 2>&1 || { tail -n 5 "$D/download.log"; exit 77; }
rm -rf "$D/x"
dpkg-deb -x "$D"/deb/grub-efi-arm64-signed_*_arm64.deb "$D/x"
cp "$D/x/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
dpkg-deb -f "$D"/deb/grub-efi-arm64-signed_*_arm64.deb Version >"$CACHE/arm64/VERSION"
