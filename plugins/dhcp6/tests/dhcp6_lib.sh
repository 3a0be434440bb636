# SPDX-License-Identifier: MIT
# Helpers for DHCPv6 tests with ISC dhclient -6 (sourced after tests/integration/lib.sh and
# client_ns): dhc6 runs one exchange on cli0 in the client namespace.
# dhclient -6 ARCH NAME [-S]: one exchange; the script's environment lands in $T/NAME.env.
# (dhclient clears the environment: the output file is written into the script.)
script6() {
    printf '#!/bin/sh\necho "reason $reason" >>"%s.reasons"; case "$reason" in BOUND6|INFORM6|RENEW6) env | sort >"%s" ;; esac\nexit 0\n' \
        "$T/$1" "$T/$1.env" >"$T/$1.sh"
    chmod +x "$T/$1.sh"
}
dhc6() {
    arch=$1 n=$2; shift 2
    cat >"$T/$n.conf" <<C
send dhcp6.client-arch-type $arch;
request dhcp6.bootfile-url;
C
    rm -f "$T/$n.env"
    script6 "$n"
    cli_exec timeout 30 dhclient -6 -1 -v "$@" -cf "$T/$n.conf" \
        -sf "$T/$n.sh" -lf "$T/${LF:-$n}.leases" -pf "$T/$n.pid" cli0 >>"$T/dhclient.log" 2>&1 ||
        { cat "$T/dhclient.log"; fail "dhclient -6 ($n) failed"; }
    [ -s "$T/$n.env" ] || { cat "$T/dhclient.log"; fail "dhclient -6 ($n): no BOUND6/INFORM6/RENEW6 ($(cat "$T/$n.reasons" 2>/dev/null))"; }
}

