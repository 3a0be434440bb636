#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The manual pages: each lints clean with groff -ww -z -man; the built
pxecore.json(5) is what --help-config=man prints now (not stale), and it says
what --help-config says, key by key (section, type, default, option, help),
with no key more or less; its example uses only keys that exist; and every
option of pxecore --help is in pxecore(8).

usage: test_man.py PXECORE PLUGINS_DIR BUILT_PXECORE_JSON_5 MAN_SRC_DIR
Exit 0 pass, 1 fail, 77 skip (no groff)."""
import json
import re
import shutil
import subprocess
import sys

TYPES = ("string", "integer", "unsigned integer", "boolean", "address", "path",
         "duration", "list of strings", "JSON value")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(*argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return p.stdout


def unroff(s):
    s = re.sub(r"\\f[BIRP]", "", s)
    return s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


def help_config_keys(text):
    """{(section, key): (type, help, flag, default)} from --help-config."""
    keys, section = {}, None
    line_re = re.compile(r"^  (\S+)\s+(%s)\s+(.*)$" % "|".join(
        sorted((re.escape(t) for t in TYPES), key=len, reverse=True)))
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        m = line_re.match(line)
        if not m:
            fail("--help-config: unparsed line %r" % line)
            continue
        key, typ, rest = m.groups()
        default = flag = None
        d = re.search(r" \[default: (.*)\]$", rest)
        if d:
            default, rest = d.group(1), rest[:d.start()]
        f = re.search(r" ?\(--([a-z0-9-]+)\)$", rest)
        if f:
            flag, rest = f.group(1), rest[:f.start()]
        keys[(section, key)] = (typ, rest.strip(), flag, default)
    return keys


def man_keys(roff):
    """{(section, key): text of its .TP paragraph, unescaped} from pxecore.json(5)."""
    keys, section, cur, in_keys = {}, None, None, False
    lines = roff.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".SH"):
            in_keys = line.strip() == ".SH KEYS"
            cur = None
        elif in_keys and line.startswith(".SS "):
            section, cur = line[4:].strip(), None
        elif in_keys and line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            cur = (section, lines[i + 1][3:].strip())
            keys[cur] = ""
            i += 1
        elif cur:
            keys[cur] += " " + unroff(line)
        i += 1
    return keys


def main():
    pxecore, plugins, built, src = sys.argv[1:5]
    if not shutil.which("groff"):
        print("SKIP: groff missing")
        return 77
    pages = [built, src + "/pxecore.8", src + "/pxecore-plugin.3"]
    for page in pages:
        p = subprocess.run(["groff", "-ww", "-z", "-man", page], capture_output=True, text=True)
        if p.returncode != 0 or p.stderr:
            fail("groff -ww -z -man %s: %s" % (page, p.stderr.strip()))

    roff = open(built).read()
    now = run(pxecore, "--plugins-dir", plugins, "--help-config=man")
    if now != roff:
        fail("%s is stale: it differs from what --help-config=man prints now" % built)

    text = run(pxecore, "--plugins-dir", plugins, "--help-config")
    want, have = help_config_keys(text), man_keys(roff)
    if len(want) < 30:
        fail("--help-config lists only %d keys" % len(want))
    for k in sorted(set(want) - set(have)):
        fail("pxecore.json(5) lacks %s.%s" % k)
    for k in sorted(set(have) - set(want)):
        fail("pxecore.json(5) has %s.%s, which --help-config does not list" % k)
    for k in sorted(set(want) & set(have)):
        typ, hlp, flag, default = want[k]
        body = " ".join(have[k].split())
        for part, what in ((typ, "type"), (hlp, "help"),
                           ("option --" + flag if flag else None, "option"),
                           ("default: " + default if default else None, "default")):
            if part and " ".join(part.split()) not in body:
                fail("pxecore.json(5) %s.%s: %s %r not in %r" % (k[0], k[1], what, part, body))

    ex = re.search(r"\.SH EXAMPLE\n\.nf\n\.RS\n(.*?)\.RE\n", roff, re.S)
    if not ex:
        fail("pxecore.json(5) has no EXAMPLE")
    else:
        doc = json.loads(unroff(ex.group(1)))
        for sec, body in doc.items():
            items = body.items() if sec != "plugins" else \
                [(("plugins." + p), v) for p, v in body.items()]
            pairs = [(sec, k) for k in body] if sec != "plugins" else \
                [(s, k) for s, v in items for k in v if k != "enabled"]
            for pair in pairs:
                if pair not in want:
                    fail("pxecore.json(5) example uses unknown key %s.%s" % pair)

    usage = run(pxecore, "--help")
    page8 = unroff(open(src + "/pxecore.8").read())
    for opt in sorted(set(re.findall(r"(--[a-z][a-z-]+)", usage))):
        if opt not in page8:
            fail("pxecore(8) does not document %s (from pxecore --help)" % opt)

    print("%d keys compared; %s" % (len(want), "FAILED" if failures else "all man page checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
