# SPDX-License-Identifier: MIT
# Helpers for the TFTP integration tests (sourced after tests/integration/lib.sh).

# make_image DIR: an archiso-like tree of random files.
make_image() {
    mkdir -p "$1/arch/boot/x86_64" "$1/boot/syslinux" "$1/sub/dir"
    head -c 3145781 /dev/urandom >"$1/arch/boot/x86_64/vmlinuz-linux"
    head -c 5242880 /dev/urandom >"$1/arch/boot/x86_64/initramfs-linux.img"
    head -c 43210 /dev/urandom >"$1/boot/syslinux/lpxelinux.0"
    head -c 1468 /dev/urandom >"$1/sub/dir/one-block-1468"
    head -c 1024 /dev/urandom >"$1/sub/dir/exact-1024"
    : >"$1/sub/empty"
    printf 'DEFAULT arch\nLABEL arch\r\n  KERNEL x\n' >"$1/sub/text.cfg"
}

# start_tftp ARGS...: pxecore with only the tftp plugin, listening on 127.0.0.1:$PORT.
start_tftp() {
    use_plugins tftp
    start_pxecore --no-api --tftp-port "$PORT" --set tftp.address=127.0.0.1 "$@"
}

# same_file A B: fail unless A and B have the same sha256.
same_file() {
    [ -f "$2" ] || fail "$2 was not written ($3)"
    [ "$(sha "$1")" = "$(sha "$2")" ] || fail "sha256 of $2 differs from $1 ($3)"
}
