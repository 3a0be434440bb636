#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Crafted DHCP client for the pxecore DHCP tests (stdlib only).

Runs inside the test's client network namespace.  Sends hand-built requests
through a UDP socket bound to the interface and receives every UDP datagram
to the client port through an AF_PACKET socket, so replies unicast to an
address the interface does not have are seen too.

  dhcpc.py IFACE SCENARIO [args]   exit 0 when every check of SCENARIO passed
"""
import os
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
SO_BINDTODEVICE = 25
COOKIE = bytes([99, 130, 83, 99])
PXE_VC = b"PXEClient:Arch:00000:UNDI:002001"
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures += 1


def opt(code, value):
    return bytes([code, len(value)]) + value


def packet(mtype, mac, opts=b"", xid=None, flags=0x8000, ciaddr="0.0.0.0", giaddr="0.0.0.0",
           hops=0, file_field=b"", sname=b"", hlen=6, with_end=True):
    xid = xid if xid is not None else int.from_bytes(os.urandom(4), "big")
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, hlen, hops, xid, 0, flags,
                      socket.inet_aton(ciaddr), bytes(4), bytes(4), socket.inet_aton(giaddr),
                      mac.ljust(16, b"\0"), sname.ljust(64, b"\0"),
                      file_field.ljust(128, b"\0"))
    body = COOKIE + (opt(53, bytes([mtype])) if mtype else b"") + opts
    return hdr + body + (b"\xff" if with_end else b""), xid


def parse(data):
    """Parses a BOOTREPLY into a dict (options: code -> bytes)."""
    if len(data) < 240 or data[236:240] != COOKIE:
        return None
    r = {"op": data[0], "xid": struct.unpack("!I", data[4:8])[0],
         "flags": struct.unpack("!H", data[10:12])[0],
         "ciaddr": socket.inet_ntoa(data[12:16]), "yiaddr": socket.inet_ntoa(data[16:20]),
         "siaddr": socket.inet_ntoa(data[20:24]), "giaddr": socket.inet_ntoa(data[24:28]),
         "chaddr": data[28:34], "file": data[108:236].split(b"\0")[0].decode(),
         "len": len(data), "raw": data, "opts": {}, "order": []}
    i = 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        code, n = data[i], data[i + 1]
        r["opts"][code] = data[i + 2:i + 2 + n]
        r["order"].append(code)
        i += 2 + n
    r["type"] = r["opts"].get(53, b"\0")[0]
    return r


class Client:
    def __init__(self, iface, sport=68, dport=67, listen=68):
        self.iface = iface
        self.listen = listen
        self.dport = dport
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tx.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.tx.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode() + b"\0")
        self.tx.bind(("0.0.0.0", sport))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        self.rx.bind((iface, ETH_P_IP))

    def send(self, data, dst="255.255.255.255", dport=None):
        self.tx.sendto(data, (dst, dport or self.dport))

    def recv(self, xid, timeout=2.0, want=1):
        """Replies with this xid to the listen port within timeout (stops after want)."""
        out, end = [], time.monotonic() + timeout
        while len(out) < want:
            left = end - time.monotonic()
            if left <= 0:
                break
            if not select.select([self.rx], [], [], left)[0]:
                break
            pkt = self.rx.recv(4096)
            ihl = (pkt[0] & 15) * 4
            if pkt[9] != 17:
                continue
            sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
            if dport != self.listen:
                continue
            r = parse(pkt[ihl + 8:])
            if r and r["op"] == 2 and r["xid"] == xid:
                r["src"] = socket.inet_ntoa(pkt[12:16])
                r["dst"] = socket.inet_ntoa(pkt[16:20])
                r["sport"] = sport
                out.append(r)
        return out

    def exchange(self, data, xid, timeout=2.0, want=1, **kw):
        self.send(data, **kw)
        return self.recv(xid, timeout, want)


def arch(n):
    return opt(93, struct.pack("!H", n))


def mac_of(n):
    return bytes([0x02, 0x00, 0x00, 0x00, 0x10, n])


def mac_str(m):
    return ":".join("%02x" % b for b in m)


def discover(c, mac, opts, **kw):
    p, xid = packet(1, mac, opts, **kw)
    r = c.exchange(p, xid)
    return r[0] if r else None


def expect_opts(r, want, what):
    """want: {code: bytes or None (must be absent)}."""
    for code, val in want.items():
        got = r["opts"].get(code)
        if val is None:
            check(got is None, "%s: option %d absent" % (what, code))
        else:
            check(got == val, "%s: option %d == %r (got %r)" % (what, code, val, got))


def scenario_clients(iface, server, http):
    """Full mode: BIOS, UEFI x64 (7, 9), ARM64, iPXE, HTTPClient, NAK, relay, 57, 82, 97."""
    c = Client(iface)
    srv = socket.inet_aton(server)
    url = "http://%s%s/" % (server, "" if http == "80" else ":" + http)
    guid = bytes([0]) + bytes(range(16))

    m = mac_of(1)
    r = discover(c, m, opt(60, PXE_VC) + arch(0) + opt(97, guid) + opt(55, bytes([1, 3, 6, 66, 67])))
    check(r is not None and r["type"] == 2, "BIOS: OFFER")
    if r:
        check(r["file"] == "boot/syslinux/lpxelinux.0", "BIOS: file field " + r["file"])
        check(r["siaddr"] == server, "BIOS: siaddr")
        check(r["flags"] == 0x8000 and r["dst"] == "255.255.255.255", "BIOS: broadcast reply")
        check(r["order"][:2] == [53, 54], "BIOS: 53 and 54 first")
        expect_opts(r, {53: b"\x02", 54: srv, 60: b"PXEClient", 66: server.encode(),
                        67: b"boot/syslinux/lpxelinux.0", 43: bytes([6, 1, 8, 255]),
                        209: b"pxelinux.cfg/default", 210: b"boot/syslinux/",
                        97: guid, 51: struct.pack("!I", 43200), 58: struct.pack("!I", 21600),
                        59: struct.pack("!I", 37800), 1: socket.inet_aton("255.255.255.0"),
                        28: socket.inet_aton("192.0.2.255")}, "BIOS")
        check(r["len"] <= 548, "BIOS: reply within 576-byte datagram")
        ip = r["yiaddr"]
        # REQUEST for the offered address -> ACK; for another one -> NAK.
        p, xid = packet(3, m, opt(60, PXE_VC) + arch(0) + opt(50, socket.inet_aton(ip)) +
                        opt(54, srv))
        a = c.exchange(p, xid)
        check(bool(a) and a[0]["type"] == 5 and a[0]["yiaddr"] == ip, "BIOS: ACK " + ip)
        p, xid = packet(3, m, opt(60, PXE_VC) + opt(50, socket.inet_aton("192.0.2.7")))
        a = c.exchange(p, xid)
        check(bool(a) and a[0]["type"] == 6 and a[0]["dst"] == "255.255.255.255",
              "REQUEST outside the range: NAK broadcast")
        if a:
            expect_opts(a[0], {51: None, 60: None, 54: srv}, "NAK")
            check(a[0]["yiaddr"] == "0.0.0.0" and a[0]["siaddr"] == "0.0.0.0", "NAK: no addresses")
        # Another client asking for this one's address is refused.
        p, xid = packet(3, mac_of(9), opt(60, PXE_VC) + opt(50, socket.inet_aton(ip)))
        a = c.exchange(p, xid)
        check(bool(a) and a[0]["type"] == 6, "REQUEST for a bound address by another MAC: NAK")
        # DECLINE: the address is quarantined, the client is offered another one.
        p, xid = packet(4, m, opt(50, socket.inet_aton(ip)) + opt(54, srv))
        c.send(p)
        time.sleep(0.2)
        r = discover(c, m, opt(60, PXE_VC) + arch(0))
        check(r is not None and r["yiaddr"] not in (ip, "0.0.0.0"),
              "after DECLINE of %s: another address (%s)" % (ip, r and r["yiaddr"]))

    for a_ in (7, 9):
        r = discover(c, mac_of(a_), opt(60, b"PXEClient:Arch:%05d:UNDI:003016" % a_) + arch(a_))
        check(r is not None and r["file"] == "snponly.efi", "UEFI x64 arch %d: snponly.efi" % a_)
        if r:
            # Full mode: no option 60 (with it OVMF looks for a boot server on 4011).
            expect_opts(r, {60: None, 43: None, 209: None, 210: None}, "UEFI %d" % a_)

    r = discover(c, mac_of(11), opt(60, b"PXEClient:Arch:00011:UNDI:003000") + arch(11))
    check(r is not None and r["file"] == "arm64/snp.efi", "ARM64: arm64/snp.efi")

    m = mac_of(0x20)
    r = discover(c, m, opt(60, PXE_VC) + arch(0) + opt(77, b"iPXE") + opt(175, b"\x13\x01\x01"))
    want = url + "boot.ipxe?mac=" + mac_str(m)
    check(r is not None and r["file"] == want, "iPXE: script URL %s" % (r and r["file"]))
    if r:
        expect_opts(r, {60: b"PXEClient", 209: None, 43: None, 66: None}, "iPXE")

    r = discover(c, mac_of(0x21), opt(60, b"HTTPClient:Arch:00016:UNDI:003001") + arch(16))
    check(r is not None and r["file"] == url + "snponly.efi", "HTTPClient: URL %s" % (r and r["file"]))
    if r:
        expect_opts(r, {60: b"HTTPClient", 43: None}, "HTTPClient")

    # Unknown architecture: no boot file, still an address, no crash.
    r = discover(c, mac_of(0x22), opt(60, PXE_VC) + arch(0x3f00))
    check(r is not None and r["file"] == "" and r["yiaddr"] != "0.0.0.0",
          "unknown arch: address, no boot file")

    # Option 57 lets a long domain through; without it the reply stays within 576.
    r = discover(c, mac_of(0x23), opt(60, PXE_VC) + arch(7) + opt(57, struct.pack("!H", 1500)))
    check(r is not None, "option 57: answered")

    # Relay: giaddr set, option 82 echoed last, reply to the relay's port 67.
    relay_info = opt(1, b"port7") + opt(2, b"relay-1")
    r2 = Client(iface, sport=67, listen=67)
    p, xid = packet(1, mac_of(0x30), opt(60, PXE_VC) + arch(0) + opt(82, relay_info),
                    giaddr=RELAY_IP, hops=1, flags=0)
    a = r2.exchange(p, xid, dst=server)
    check(bool(a) and a[0]["dst"] == RELAY_IP and a[0]["sport"] == 67,
          "relay: reply to giaddr:67")
    if a:
        check(a[0]["order"][-1] == 82 and a[0]["opts"][82] == relay_info, "relay: 82 echoed last")
        check(a[0]["giaddr"] == RELAY_IP, "relay: giaddr copied")

    # Plain client (no PXE vendor class) is ignored with pxe_only.
    p, xid = packet(1, mac_of(0x40), opt(60, b"udhcp 1.35.0"))
    check(not c.exchange(p, xid, timeout=1.0), "non-PXE client ignored (pxe_only)")

    # INFORM from a configured client: ACK with boot info, no lease time, unicast to ciaddr.
    p, xid = packet(8, mac_of(0x41), opt(60, PXE_VC) + arch(0), ciaddr=RELAY_IP, flags=0)
    a = c.exchange(p, xid)
    check(bool(a) and a[0]["type"] == 5 and a[0]["dst"] == RELAY_IP, "INFORM: ACK to ciaddr")
    if a:
        expect_opts(a[0], {51: None}, "INFORM")
        check(a[0]["yiaddr"] == "0.0.0.0" and a[0]["file"].endswith("lpxelinux.0"),
              "INFORM: no yiaddr, boot file")

    # DISCOVER with the broadcast flag clear: unicast to the offered address.
    r = discover(c, mac_of(0x42), opt(60, PXE_VC) + arch(0), flags=0)
    check(r is not None and r["dst"] == r["yiaddr"], "flag clear: unicast to yiaddr (%s)" %
          (r and r["dst"]))


def scenario_malformed(iface, server):
    """Four malformed datagrams dropped, then a valid DISCOVER still answered."""
    c = Client(iface)
    m = mac_of(0x50)
    good, xid = packet(1, m, opt(60, PXE_VC) + arch(0))
    c.send(good[:200])                                          # short
    c.send(good[:236] + b"\x63\x82\x53\x62" + good[240:])        # bad cookie
    c.send(good[:-1] + b"\x3c\x40PXEClient")                     # option past the end
    loop, _ = packet(1, m, opt(52, b"\x01") + opt(60, PXE_VC), file_field=bytes([52, 1, 3, 255]))
    c.send(loop)                                                  # overload loop
    time.sleep(0.3)
    r = c.exchange(good, xid)
    check(bool(r) and r[0]["type"] == 2, "valid DISCOVER after garbage: OFFER")
    # Options overloaded into file/sname are read.
    ov, xid = packet(1, mac_of(0x51), opt(52, b"\x03"), file_field=opt(60, PXE_VC) + b"\xff",
                     sname=arch(7) + b"\xff")
    r = c.exchange(ov, xid)
    check(bool(r) and r[0]["file"] == "snponly.efi", "overloaded options parsed (arch 7)")


def scenario_proxy(iface, proxy_ip, site_ip, http):
    """Beside a site DHCP server: its offer has the address, ours the boot file; 4011 ACK."""
    c = Client(iface)
    guid = bytes([0]) + bytes(range(16))
    m = mac_of(0x60)
    p, xid = packet(1, m, opt(60, PXE_VC) + arch(0) + opt(97, guid))
    offers = c.exchange(p, xid, timeout=3.0, want=2)
    site = [o for o in offers if o["opts"].get(54) == socket.inet_aton(site_ip)]
    ours = [o for o in offers if o["opts"].get(54) == socket.inet_aton(proxy_ip)]
    check(len(site) == 1 and site[0]["yiaddr"] != "0.0.0.0", "site server offers an address")
    check(len(ours) == 1, "proxy offers boot information")
    if ours:
        o = ours[0]
        check(o["yiaddr"] == "0.0.0.0" and o["siaddr"] == proxy_ip, "proxy: yiaddr 0, siaddr us")
        check(o["src"] == proxy_ip and o["sport"] == 67, "proxy: sent from %s:67" % proxy_ip)
        check(o["file"] == "boot/syslinux/lpxelinux.0", "proxy BIOS file " + o["file"])
        expect_opts(o, {60: b"PXEClient", 97: guid, 43: bytes([6, 1, 8, 255]), 51: None, 1: None,
                        3: None, 209: b"pxelinux.cfg/default"}, "proxy BIOS")
    if site:
        ip = site[0]["yiaddr"]
        p, xid2 = packet(3, m, opt(60, PXE_VC) + opt(50, socket.inet_aton(ip)) +
                         opt(54, socket.inet_aton(site_ip)))
        acks = c.exchange(p, xid2, timeout=2.0, want=2)
        check(len(acks) == 1 and acks[0]["yiaddr"] == ip,
              "REQUEST to the site server: only the site server ACKs (%d replies)" % len(acks))
    # UEFI: offer without option 43, then the boot server ACK on 4011.
    m = mac_of(0x61)
    p, xid = packet(1, m, opt(60, b"PXEClient:Arch:00007:UNDI:003016") + arch(7) + opt(97, guid))
    offers = c.exchange(p, xid, timeout=3.0, want=2)
    ours = [o for o in offers if o["opts"].get(54) == socket.inet_aton(proxy_ip)]
    check(len(ours) == 1 and 43 not in ours[0]["opts"] and ours[0]["file"] == "snponly.efi",
          "proxy UEFI offer: snponly.efi, no option 43")
    p, xid = packet(3, m, opt(60, b"PXEClient:Arch:00007:UNDI:003016") + arch(7) + opt(97, guid),
                    ciaddr=CLIENT_IP, flags=0)
    a = c.exchange(p, xid, dst=proxy_ip, dport=4011)
    check(bool(a) and a[0]["type"] == 5 and a[0]["file"] == "snponly.efi" and
          a[0]["dst"] == CLIENT_IP, "4011: boot server ACK unicast to the client")
    if a:
        expect_opts(a[0], {60: b"PXEClient", 97: guid, 43: None, 51: None}, "4011 ACK")
    # iPXE through the proxy: the script URL.
    m = mac_of(0x62)
    p, xid = packet(1, m, opt(60, PXE_VC) + arch(0) + opt(77, b"iPXE"))
    offers = c.exchange(p, xid, timeout=3.0, want=2)
    ours = [o for o in offers if o["opts"].get(54) == socket.inet_aton(proxy_ip)]
    want = "http://%s%s/boot.ipxe?mac=%s" % (proxy_ip, "" if http == "80" else ":" + http,
                                             mac_str(m))
    check(len(ours) == 1 and ours[0]["file"] == want, "proxy iPXE: " + want)
    # Not a PXE client: only the site server answers.
    p, xid = packet(1, mac_of(0x63), opt(60, b"udhcp 1.35.0"))
    offers = c.exchange(p, xid, timeout=2.0, want=2)
    check(len(offers) == 1 and offers[0]["opts"].get(54) == socket.inet_aton(site_ip),
          "non-PXE client: only the site server answers")


RELAY_IP = os.environ.get("RELAY_IP", "192.0.2.200")
CLIENT_IP = os.environ.get("CLIENT_IP", "192.0.2.200")

if __name__ == "__main__":
    iface, scen = sys.argv[1], sys.argv[2]
    {"clients": scenario_clients, "malformed": scenario_malformed,
     "proxy": scenario_proxy}[scen](iface, *sys.argv[3:])
    print("%d failure(s)" % failures)
    sys.exit(1 if failures else 0)
