#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives a QEMU guest like a person at its keyboard, through QEMU's human
monitor (HMP) on a unix socket (-monitor unix:SOCK,server=on,wait=off).

    hmp.py SOCK screendump FILE      the screen as a PPM file
    hmp.py SOCK keys KEY...          QEMU key names, e.g. tab ret ctrl-x
    hmp.py SOCK type TEXT            TEXT typed key by key (US layout)

Every call is bounded (5 s per connection); exit status 1 on any error.
"""
import socket
import sys
import time

SHIFTED = {'!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7',
           '*': '8', '(': '9', ')': '0', '_': 'minus', '+': 'equal', '{': 'bracket_left',
           '}': 'bracket_right', ':': 'semicolon', '"': 'apostrophe', '~': 'grave_accent',
           '|': 'backslash', '<': 'comma', '>': 'dot', '?': 'slash'}
PLAIN = {' ': 'spc', '-': 'minus', '=': 'equal', ',': 'comma', '.': 'dot', '/': 'slash',
         ';': 'semicolon', "'": 'apostrophe', '[': 'bracket_left', ']': 'bracket_right',
         '\\': 'backslash', '`': 'grave_accent', '\n': 'ret', '\t': 'tab'}


def key_names(text):
    for ch in text:
        if ch.islower() or ch.isdigit():
            yield ch
        elif ch.isupper():
            yield 'shift-' + ch.lower()
        elif ch in PLAIN:
            yield PLAIN[ch]
        elif ch in SHIFTED:
            yield 'shift-' + SHIFTED[ch]
        else:
            raise ValueError('no key for %r' % ch)


def session(path, commands, pause):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    buf = b''
    deadline = time.monotonic() + 5
    while b'(qemu)' not in buf and time.monotonic() < deadline:
        buf += s.recv(4096)
    for cmd in commands:
        s.sendall(cmd.encode() + b'\n')
        buf = b''
        # the prompt comes back once the command ran
        while buf.count(b'(qemu)') < 1 and time.monotonic() < deadline + 30:
            buf += s.recv(4096)
        if pause:
            time.sleep(pause)
    s.close()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sock, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == 'screendump':
        session(sock, ['screendump ' + args[0]], 0)
    elif what == 'keys':
        session(sock, ['sendkey ' + k for k in args], 0.15)
    elif what == 'type':
        session(sock, ['sendkey ' + k for k in key_names(' '.join(args))], 0.15)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    try:
        main()
    except (OSError, ValueError) as e:
        print('hmp.py: %s' % e, file=sys.stderr)
        sys.exit(1)
