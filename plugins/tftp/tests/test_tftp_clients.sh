#!/bin/bash
# SPDX-License-Identifier: MIT
# Real TFTP clients (curl, tftp-hpa, atftp) against pxecore's tftp plugin on loopback:
# block sizes, windowsize, tsize, pxelinux "::" paths, netascii, missing files,
# traversal, write requests.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need curl tftp atftp python3
set -u

PORT=$(free_port)
IMG=$T/img
K=arch/boot/x86_64/vmlinuz-linux
I=arch/boot/x86_64/initramfs-linux.img
make_image "$IMG"
start_tftp --image "$IMG"
U=tftp://127.0.0.1:$PORT
cd "$T" || exit 1

# curl at the three block sizes the issue names; curl -v prints the tsize it parsed.
for b in 512 1468 65464; do
    for f in $K $I boot/syslinux/lpxelinux.0 sub/dir/one-block-1468 sub/dir/exact-1024 sub/empty; do
        rm -f out
        curl -sS --tftp-blksize "$b" -o out "$U/$f" || fail "curl blksize $b $f: exit $?"
        same_file "$IMG/$f" out "curl blksize $b $f"
    done
done
curl -sv --tftp-blksize 1468 -o out "$U/$I" 2>curl.err || fail "curl -v"
size=$(stat -c %s "$IMG/$I")
grep -q "tsize parsed from OACK ($size)" curl.err || { cat curl.err; fail "curl saw no tsize $size"; }
grep -q "blksize parsed from OACK (1468)" curl.err || { cat curl.err; fail "curl saw no blksize 1468"; }
echo "ok - curl 512/1468/65464, tsize $size"

# pxelinux absolute path prefix, '\' and '//' in names (curl sends the URL path without its first '/').
curl -sS -o out "$U/::/$K" || fail "curl ::/ path"
same_file "$IMG/$K" out "::/ path"
atftp -g -r '::arch/boot/x86_64/vmlinuz-linux' -l out2 127.0.0.1 "$PORT" || fail "atftp :: path"
same_file "$IMG/$K" out2 ":: path"
rm -f out2
atftp -g -r 'arch\boot\x86_64\vmlinuz-linux' -l out2 127.0.0.1 "$PORT" || fail "atftp backslash path"
same_file "$IMG/$K" out2 "backslash path"
rm -f out2
atftp -g -r '/arch//boot///x86_64/vmlinuz-linux' -l out2 127.0.0.1 "$PORT" || fail "atftp // path"
same_file "$IMG/$K" out2 "// path"
echo "ok - :: prefix, backslashes, repeated slashes"

# tftp-hpa, binary and netascii.
rm -f out
tftp -m binary 127.0.0.1 "$PORT" -c get "$I" out >hpa.out 2>&1 || fail "tftp-hpa get"
same_file "$IMG/$I" out "tftp-hpa binary"
rm -f out
tftp -m netascii 127.0.0.1 "$PORT" -c get sub/text.cfg out >hpa.out 2>&1 || fail "tftp-hpa netascii"
same_file "$IMG/sub/text.cfg" out "tftp-hpa netascii (the client converts back)"
rm -f out
tftp -m binary 127.0.0.1 "$PORT" -c get does/not/exist out >hpa.out 2>&1
grep -q "Error code 1" hpa.out || { cat hpa.out; fail "tftp-hpa: missing file not answered with error 1"; }
echo "local" >up
tftp -m binary 127.0.0.1 "$PORT" -c put up uploaded >hpa.out 2>&1
grep -q "Error code 2" hpa.out || { cat hpa.out; fail "tftp-hpa: write request not refused with error 2"; }
[ ! -e "$IMG/uploaded" ] || fail "a write request created a file"
echo "ok - tftp-hpa binary, netascii, missing file, write refused"

# atftp with blksize, windowsize and tsize options.
# (4 x 65464-byte blocks overflow atftp's socket buffer: every window then waits a timeout.)
for combo in "512 1" "512 8" "512 32" "1468 1" "1468 4" "1468 8" "1468 32" "1468 64" "65464 1" "65464 2"; do
    set -- $combo
    opt="blksize $1"
    w=$2
    {
        rm -f out
        atftp --option "$opt" --option "windowsize $w" --option "tsize 0" -g -r "$I" -l out \
            127.0.0.1 "$PORT" >atftp.out 2>&1 || { cat atftp.out; fail "atftp $opt windowsize $w"; }
        same_file "$IMG/$I" out "atftp $opt windowsize $w"
    }
done
echo "ok - atftp blksize 512/1468/65464 with windowsize 1..64"

# Missing files and traversal are refused and write nothing.
curl -sS -o out3 "$U/nope/missing.bin" 2>curl.err
rc=$?
[ "$rc" -eq 68 ] || { cat curl.err; fail "curl missing file: exit $rc, expected 68 (TFTP file not found)"; }
echo secret >"$T/secret"
rm -f out4
atftp -g -r ../secret -l out4 127.0.0.1 "$PORT" >atftp.out 2>&1 && fail "atftp traversal succeeded"
grep -q "secret" out4 2>/dev/null && fail "atftp traversal leaked the file"
python3 "$PXECORE_SRC/plugins/tftp/tests/tftp_raw.py" "$PORT" "$IMG" traversal || fail "traversal"

echo "ok - missing file (curl 68), traversal refused"

# Generated menus from the core, through the same file interface.
for f in pxelinux.cfg/default pxelinux.cfg/01-52-54-00-12-34-56 boot.ipxe grub/grub.cfg; do
    rm -f out
    curl -sS -o out "$U/$f" 2>curl.err || { cat curl.err; fail "generated $f not served"; }
    [ -s out ] || fail "generated $f is empty"
done
grep -q "sent (generated)" "$T/pxecore.log" || grep -q "sent .*pxelinux.cfg/default to 127.0.0.1" \
    "$T/pxecore.log" || fail "no log line for the generated menu"
echo "ok - generated pxelinux.cfg/default, per-MAC pxelinux.cfg, boot.ipxe, grub/grub.cfg"
grep -q "sent $IMG/$K to 127.0.0.1" "$T/pxecore.log" ||
    grep -Eq "sent .*/?$K to 127.0.0.1" "$T/pxecore.log" || fail "no 'sent ... to 127.0.0.1' log line"
grep -q "does/not/exist" "$T/pxecore.log" || fail "missing file not logged"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - clean shutdown"
