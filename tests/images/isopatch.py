#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes malformed ISO 9660 images by patching bytes of a real one.

  isopatch.py OP IN OUT [ARGS]
    truncate N          keep the first N bytes
    loop DIR PARENT     DIR's record (and its Joliet twin) points at PARENT's extent
    extent FILE         FILE's extent starts far past the end of the image
    length FILE         FILE's data length becomes 0xFFFFFFF0
    dirsize DIR         DIR's data length becomes 0x7FFFF800 (2 GiB)
    reclen DIR          the first record after "." and ".." of DIR gets length 20
    celoop DIR          (Rock Ridge) DIR's entries' PX become a SUSP CE pointing
                        at itself, again and again
    split FILE [GAP]    FILE's record becomes two multi-extent sections (ECMA-119
                        6.5.1): its first sector, then the rest starting GAP
                        sectors later (0: contiguous, the same bytes)
Paths are '/'-separated names as seen in the Rock Ridge/Joliet trees (matched on
the ISO 9660 identifier case-insensitively, ';1' dropped, or the Joliet name).
"""
import struct
import sys

S = 2048


def records(img, lba, size):
    """Yields (offset, record bytes) for each directory record of an extent."""
    pos = lba * S
    end = pos + size
    while pos < end:
        n = img[pos]
        if n == 0:
            pos = (pos // S + 1) * S
            continue
        yield pos, img[pos:pos + n]
        pos += n


def rec_name(rec, joliet):
    idl = rec[32]
    raw = bytes(rec[33:33 + idl])
    if joliet:
        name = raw.decode('utf-16-be', 'replace')
    else:
        name = raw.decode('latin-1')
    return name.split(';')[0].rstrip('.').lower()


def roots(img):
    out = []
    for i in range(16, 80):
        vd = img[i * S:(i + 1) * S]
        if vd[1:6] != b'CD001' or vd[0] == 255:
            break
        joliet = vd[0] == 2 and vd[88:90] == b'%/'
        if vd[0] == 1 or joliet:
            rr = vd[156:156 + 34]
            out.append((struct.unpack_from('<I', rr, 2)[0], struct.unpack_from('<I', rr, 10)[0],
                        joliet, i * S + 156))
    return out


def find(img, path):
    """Offsets of the directory record of path in each tree."""
    found = []
    for lba, size, joliet, rootoff in roots(img):
        if path == '':
            found.append(rootoff)
            continue
        cur_lba, cur_size, off = lba, size, None
        for comp in path.split('/'):
            off = None
            for pos, rec in records(img, cur_lba, cur_size):
                if rec[32] == 1 and rec[33] in (0, 1):
                    continue
                name = rec_name(rec, joliet)
                if name == comp.lower() or name == comp.lower().replace('-', '_'):
                    off = pos
                    cur_lba = struct.unpack_from('<I', rec, 2)[0]
                    cur_size = struct.unpack_from('<I', rec, 10)[0]
                    break
            if off is None:
                break
        if off is not None:
            found.append(off)
    if not found:
        sys.exit('isopatch: %s not found' % path)
    return found


def set32(img, off, v):
    struct.pack_into('<I', img, off, v)
    struct.pack_into('>I', img, off + 4, v)


def main():
    op, src, dst = sys.argv[1:4]
    args = sys.argv[4:]
    img = bytearray(open(src, 'rb').read())
    if op == 'truncate':
        img = img[:int(args[0])]
    elif op == 'loop':
        targets = find(img, args[1])
        for i, off in enumerate(find(img, args[0])):
            t = targets[min(i, len(targets) - 1)]
            img[off + 2:off + 18] = img[t + 2:t + 18]
    elif op == 'extent':
        for off in find(img, args[0]):
            set32(img, off + 2, len(img) // S + 1000)
    elif op == 'length':
        for off in find(img, args[0]):
            set32(img, off + 10, 0xFFFFFFF0)
    elif op == 'dirsize':
        for off in find(img, args[0]):
            set32(img, off + 10, 0x7FFFF800)
    elif op == 'reclen':
        for off in find(img, args[0]):
            lba = struct.unpack_from('<I', img, off + 2)[0]
            size = struct.unpack_from('<I', img, off + 10)[0]
            recs = [p for p, r in records(img, lba, size) if not (r[32] == 1 and r[33] in (0, 1))]
            img[recs[0]] = 20
    elif op == 'celoop':
        # rewrite every PX entry of DIR's children as a CE pointing at itself
        for off in find(img, args[0])[:1]:
            lba = struct.unpack_from('<I', img, off + 2)[0]
            size = struct.unpack_from('<I', img, off + 10)[0]
            for pos, rec in records(img, lba, size):
                idl = rec[32]
                su = pos + 33 + idl + (0 if idl & 1 else 1)
                end = pos + rec[0]
                p = su
                while p + 4 <= end:
                    sig, ln = bytes(img[p:p + 2]), img[p + 2]
                    if ln < 4:
                        break
                    if sig == b'PX' and ln >= 28:
                        ce = struct.pack('<2sBB', b'CE', 28, 1)
                        ce += struct.pack('<I', p // S) + struct.pack('>I', p // S)
                        ce += struct.pack('<I', p % S) + struct.pack('>I', p % S)
                        ce += struct.pack('<I', 28) + struct.pack('>I', 28)
                        img[p:p + 28] = ce
                        img[p + 28:p + ln] = b'\0' * (ln - 28)
                    p += ln
    elif op == 'split':
        gap = int(args[1]) if len(args) > 1 else 0
        for off in find(img, args[0]):
            n = img[off]
            rec = bytearray(img[off:off + n])
            lba = struct.unpack_from('<I', rec, 2)[0]
            size = struct.unpack_from('<I', rec, 10)[0]
            if size <= S:
                sys.exit('isopatch: %s is too small to split' % args[0])
            sector_end = (off // S + 1) * S
            used = off + n
            while used < sector_end and img[used]:
                used += img[used]
            if used + n > sector_end:
                sys.exit('isopatch: no room in the directory sector')
            first = bytearray(rec)
            set32(first, 10, S)
            first[25] |= 0x80
            second = bytearray(rec)
            set32(second, 2, lba + 1 + gap)
            set32(second, 10, size - S)
            tail = bytes(img[off + n:used])
            img[off:off + 2 * n + len(tail)] = first + second + tail
    else:
        sys.exit('isopatch: unknown op ' + op)
    open(dst, 'wb').write(img)


main()
