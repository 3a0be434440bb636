#!/bin/sh
# Installs the build dependencies and the real clients the test suite drives.
# Debian 12 (bookworm); needs root.
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    build-essential cmake pkg-config git ca-certificates \
    libmicrohttpd-dev libjansson-dev \
    iproute2 util-linux procps psmisc python3 valgrind clang libclang-rt-dev \
    busybox curl tftp-hpa atftp isc-dhcp-client dnsmasq-base nginx-light wrk kea-admin \
    libnbd-bin nbdkit qemu-utils libnfs-utils xorriso \
    wget \
    nfs-ganesha nfs-ganesha-vfs rpcbind dbus \
    qemu-system-x86 seabios ipxe-qemu ovmf cpio squashfs-tools kmod nbd-client tcpdump \
    python3-prometheus-client \
    libgnutls28-dev openssl \
    libcurl4-openssl-dev etcd-server \
    ipxe \
    pxelinux syslinux-common debian-installer-12-netboot-amd64 memtest86+ \
    debhelper dpkg-dev lintian fakeroot systemd \
    qemu-system-arm qemu-efi-aarch64 groff-base \
    python3-jsonschema chromium chromium-driver python3-selenium \
    shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed sbsigntool \
    nfs-common dmsetup klibc-utils e2fsprogs
