#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot-storm simulator: N machines, one event loop, curl for the transfers.

  sim.py OUTDIR N MODE RAMP_S TFTP_URL HTTP_URL [NETNS_PATH IFACE]

Each machine i runs the sequence of a BIOS PXE boot of the Arch ISO:
  1. (with IFACE) DHCP DORA as a PXE client: vendor class PXEClient, arch 0, its own MAC;
  2. one curl process: lpxelinux.0, ldlinux.c32, pxelinux.cfg/default over TFTP
     (blksize 1468), the kernel and initrd over HTTP;
  3. (with IFACE) a second DORA from the "initramfs" (vendor class dhcpcd, new xid);
  4. one curl process: the root filesystem as a 64 KiB Range read, then a full read.
TFTP_URL and HTTP_URL name the server as HOST: machine i uses 127.0.0.(i % K + 1) with
K = $SIM_INSTANCES (1).  With SIM_IPXE=1, each machine first asks for
boot.ipxe?mac=52:54:00:5e:XX:YY (its number, 1-based, as bench/storm/run.sh --etcd gives
the profiles) and fails when that is not a 200.  MODE burst starts all N at once; ramp spreads the starts over RAMP_S seconds.  DHCP
messages are retransmitted after 1, 2, 4, 8 s (as a PXE ROM does, shortened); a machine
without a lease DHCP_GIVEUP (60) s after its first DISCOVER fails.  The DHCP sockets
are made in the network namespace NETNS_PATH (the clients' end of a veth pair, IFACE)
and the transfers go to the URLs from the namespace sim.py runs in; DHCP goes through
the crafted client of plugins/dhcp/tests/dhcpc.py.  Prints one line per machine,
"seconds failed bytes retries", then "wall SECONDS" (first start to last end) and
"cpu SECONDS" (this process and its curl children).
"""
import ctypes
import os
import resource
import selectors
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "plugins", "dhcp", "tests"))
import dhcpc  # noqa: E402

RETRY = [1, 2, 4, 8]  # seconds before each retransmission, then every 8 s
DHCP_GIVEUP = float(os.environ.get("DHCP_GIVEUP", "60"))
CLONE_NEWNET = 0x40000000


def client_in(netns, iface):
    """A dhcpc.Client whose sockets live in the namespace at path netns."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/ns/net") as home, open(netns) as there:
        if libc.setns(there.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + netns)
        try:
            return dhcpc.Client(iface)
        finally:
            if libc.setns(home.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
CURL_MAX = "110"  # seconds per curl process
INSTANCES = int(os.environ.get("SIM_INSTANCES", "1"))
IPXE = os.environ.get("SIM_IPXE", "0") == "1"


class Machine:
    def __init__(self, i):
        self.i = i
        self.mac = bytes([0x02, 0x53, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        self.start = self.end = None
        self.stage = 0  # 0 waiting, 1 dhcp1, 2 curl1, 3 dhcp2, 4 curl2, 5 done
        self.failed = 0
        self.bytes = 0
        self.retries = 0
        self.xid = None
        self.pkt = None
        self.sent = 0.0
        self.tries = 0
        self.first = 0.0
        self.proc = None


class Sim:
    def __init__(self, out, tftp, http, netns, iface):
        self.out, self.tftp, self.http = out, tftp, http
        self.c = client_in(netns, iface) if iface else None
        self.sel = selectors.DefaultSelector()
        if self.c:
            self.sel.register(self.c.rx, selectors.EVENT_READ, None)
        self.by_xid = {}
        self.active = 0

    def dhcp_start(self, m, vc):
        m.vc = vc
        m.offer = None
        m.first = time.monotonic()
        m.tries = 0
        m.xid = int.from_bytes(os.urandom(4), "big")
        self.by_xid[m.xid] = m
        self.send(m, dhcpc.packet(1, m.mac, dhcpc.opt(60, vc) + dhcpc.arch(0), xid=m.xid)[0])

    def send(self, m, pkt):
        m.pkt, m.sent = pkt, time.monotonic()
        self.c.send(pkt)

    def on_dhcp(self, r):
        m = self.by_xid.get(r["xid"])
        if m is None or m.stage not in (1, 3):
            return
        if r["type"] == 2 and m.pkt[242] == 1:  # OFFER to our DISCOVER: REQUEST it
            m.tries = 0
            self.send(m, dhcpc.packet(3, m.mac, dhcpc.opt(60, m.vc) +
                                      dhcpc.opt(50, socket.inet_aton(r["yiaddr"])) +
                                      dhcpc.opt(54, r["opts"].get(54, bytes(4))), xid=m.xid)[0])
        elif r["type"] == 5 and m.pkt[242] == 3:  # ACK: the lease is ours
            del self.by_xid[m.xid]
            self.next_stage(m)
        elif r["type"] == 6:  # NAK: start over
            m.retries += 1
            del self.by_xid[m.xid]
            self.dhcp_start(m, m.vc)

    def curl(self, m, args):
        f = "%s/%d.%d" % (self.out, m.i, m.stage)
        with open(f, "w") as fd:
            m.proc = subprocess.Popen(["curl", "-s", "--connect-timeout", "30", "--max-time", CURL_MAX]
                                      + args, stdout=fd, stderr=subprocess.DEVNULL)
        m.outf = f
        self.sel.register(os.pidfd_open(m.proc.pid), selectors.EVENT_READ, m)

    def next_stage(self, m):
        m.stage += 1
        if m.stage in (1, 3) and not self.c:
            m.stage += 1
        host = "127.0.0.%d" % (m.i % INSTANCES + 1)
        t, h = self.tftp.replace("HOST", host), self.http.replace("HOST", host)
        w = "%{size_download}\n"
        first = []
        if IPXE:  # the machine's own menu first, as iPXE asks it (its boot-once claim)
            j = m.i + 1
            first = ["-f", "--fail-early", "-o", "/dev/null",
                     h + "/boot.ipxe?mac=52:54:00:5e:%02x:%02x" % (j // 256, j % 256),
                     "--next", "-s", "--max-time", CURL_MAX]
        if m.stage == 1:
            self.dhcp_start(m, dhcpc.PXE_VC)
        elif m.stage == 2:
            self.curl(m, first + ["--tftp-blksize", "1468", "-w", w,
                          "-o", "/dev/null", t + "/lpxelinux.0", "-o", "/dev/null", t + "/ldlinux.c32",
                          "-o", "/dev/null", t + "/pxelinux.cfg/default",
                          "-o", "/dev/null", h + "/arch/boot/x86_64/vmlinuz-linux",
                          "-o", "/dev/null", h + "/arch/boot/x86_64/initramfs-linux.img"])
        elif m.stage == 3:
            self.dhcp_start(m, b"dhcpcd-10.0.6:Linux-6.12:x86_64:GenuineIntel")
        elif m.stage == 4:
            self.curl(m, ["-r", "0-65535", "-w", w, "-o", "/dev/null", h + "/arch/x86_64/airootfs.sfs",
                          "--next", "-s", "--max-time", CURL_MAX, "-w", w, "-o", "/dev/null",
                          h + "/arch/x86_64/airootfs.sfs"])
        else:
            self.finish(m)

    def finish(self, m, failed=0):
        m.failed = m.failed or failed
        m.end = time.monotonic()
        m.stage = 5
        self.active -= 1

    def on_exit(self, key):
        m = key.data
        self.sel.unregister(key.fileobj)
        os.close(key.fd)
        rc = m.proc.wait()
        with open(m.outf) as fd:
            m.bytes += sum(int(x) for x in fd.read().split() if x.isdigit())
        if rc != 0:
            self.finish(m, 1)
        else:
            self.next_stage(m)

    def retransmit(self, now):
        for m in list(self.by_xid.values()):
            wait = RETRY[min(m.tries, len(RETRY) - 1)]
            if now - m.first > DHCP_GIVEUP:
                del self.by_xid[m.xid]
                self.finish(m, 1)
            elif now - m.sent >= wait:
                m.tries += 1
                m.retries += 1
                self.send(m, m.pkt)

    def run(self, n, mode, ramp):
        ms = [Machine(i) for i in range(n)]
        gap = ramp / n if mode == "ramp" else 0.0
        t0 = time.monotonic()
        started = 0
        self.active = n
        while self.active > 0:
            now = time.monotonic()
            while started < n and now >= t0 + started * gap:
                m = ms[started]
                m.start = now
                started += 1
                self.next_stage(m)
            timeout = 0.05 if started == n else min(0.05, max(0.0, t0 + started * gap - now))
            for key, _ in self.sel.select(timeout):
                if key.data is not None:
                    self.on_exit(key)
                    continue
                pkt = self.c.rx.recv(4096)
                ihl = (pkt[0] & 15) * 4
                if pkt[9] != 17 or int.from_bytes(pkt[ihl + 2:ihl + 4], "big") != 68:
                    continue
                r = dhcpc.parse(pkt[ihl + 8:])
                if r and r["op"] == 2:
                    self.on_dhcp(r)
            if self.c:
                self.retransmit(time.monotonic())
        return ms


def main():
    out, n, mode, ramp, tftp, http = sys.argv[1:7]
    netns, iface = sys.argv[7:9] if len(sys.argv) > 8 else (None, None)
    sim = Sim(out, tftp, http, netns, iface)
    ms = sim.run(int(n), mode, float(ramp))
    for m in ms:
        print("%.3f %d %d %d" % (m.end - m.start, m.failed, m.bytes, m.retries))
    print("wall %.3f" % (max(m.end for m in ms) - min(m.start for m in ms)))
    ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print("cpu %.3f" % sum(r.ru_utime + r.ru_stime for r in ru))


main()
