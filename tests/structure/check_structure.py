#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Keeps the layout of docs/architecture.md true.  Fails (exit 1, one line per
breach) when product code (include/, core/, api/, daemon/, plugins/; not
tests/ or fuzz/ folders):

  - includes a project header its folder may not include:
      include/pxecore  <pxecore/...> only
      core/            core/ only
      api/             api/ and core/for_api.h (what the core publishes for it)
      daemon/          daemon/, api/api.h and core/
      plugins/<name>/  its own folder only (the core through <pxecore/plugin.h>)
  - has a file over 600 lines;
  - has a function over 80 lines (a function is a '{' alone at column 0 up
    to the next '}' alone, with its signature; tables are not functions);
  - has an import circle: files of one folder that call each other's
    functions, directly or round a loop; or folders that include each
    other's headers round a loop.

usage: check_structure.py SOURCE_DIR
"""
import os
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
PRODUCT = ("include", "core", "api", "daemon", "plugins")


def product_files(root):
    for top in PRODUCT:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [x for x in dirs if x not in ("tests", "fuzz")]
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def folder_of(rel):
    """The layer a file belongs to: include, core, api, daemon or plugins/<name>."""
    parts = rel.split(os.sep)
    return os.sep.join(parts[:2]) if parts[0] == "plugins" else parts[0]


def resolve(root, rel, name):
    """The project file a quoted include names, or None for a system header."""
    here = os.path.join(os.path.dirname(rel), name)
    if os.path.exists(os.path.join(root, here)):
        return os.path.normpath(here)
    for d in ("core", "api", "daemon", "include"):
        if os.path.exists(os.path.join(root, d, name)):
            return os.path.join(d, name)
    return None


# Source shared between two plugins on purpose (docs/architecture.md): the
# dhcp6 plugin builds the dhcp plugin's Router Advertisement code into itself.
SHARED = {(os.path.join("plugins", "dhcp6"), os.path.join("plugins", "dhcp", "dhcp_ra.h"))}


# The one core header the REST API may include (docs/architecture.md).
FOR_API = os.path.join("core", "for_api.h")


def include_allowed(src, dst):
    f, g = folder_of(src), folder_of(dst)
    if f == "include":
        return g == "include"
    if f.startswith("plugins"):
        return g == f or g == "include" or (f, dst) in SHARED
    allowed = {
        "core": ("core", "include"),
        "api": ("api", "core", "include"),
        "daemon": ("daemon", "api", "core", "include"),
    }[f]
    if f == "daemon" and g == "api":
        return dst == os.path.join("api", "api.h")
    if f == "api" and g == "core":
        return dst == FOR_API
    return g in allowed


def functions(lines):
    """(name, first line, length) of each function definition in a C file."""
    out = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip() != "{":
            i += 1
            continue
        start = i
        while start > 0 and lines[start - 1].strip() and not re.match(
                r"^(\s*/?\*|}|#|.*;\s*$)", lines[start - 1]):
            start -= 1
        sig = " ".join(lines[start:i])
        m = re.search(r"([A-Za-z_]\w*)\s*\(", sig)
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "}":
            end += 1
        if m:
            out.append((m.group(1), start + 1, end - start + 1, "static" in sig.split("(")[0]))
        i = end + 1
    return out


def circles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    errors = []
    texts = {}
    for rel in product_files(root):
        with open(os.path.join(root, rel), encoding="utf-8") as fh:
            texts[rel] = fh.read()
    if not texts:
        print("no product files under %s" % root)
        return 1
    defined = {}  # non-static function name -> file
    folders = {}  # folder -> folders whose headers it includes
    for rel, text in sorted(texts.items()):
        lines = text.split("\n")
        n = len(lines) - (1 if text.endswith("\n") else 0)
        if n > MAX_FILE_LINES:
            errors.append("%s: %d lines (at most %d)" % (rel, n, MAX_FILE_LINES))
        for no, line in enumerate(lines, 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
            if not m:
                continue
            dst = resolve(root, rel, m.group(2)) if m.group(1) == '"' else (
                os.path.join("include", m.group(2)) if m.group(2).startswith("pxecore/") else None)
            if dst and folder_of(dst) != folder_of(rel):
                folders.setdefault(folder_of(rel), set()).add(folder_of(dst))
            if dst and not include_allowed(rel, dst):
                errors.append("%s:%d: includes %s (%s may not include %s)" %
                              (rel, no, dst, folder_of(rel), folder_of(dst)))
        if rel.endswith(".c"):
            for name, first, length, static in functions(lines):
                if length > MAX_FUNCTION_LINES:
                    errors.append("%s:%d: function %s is %d lines (at most %d)" %
                                  (rel, first, name, length, MAX_FUNCTION_LINES))
                if not static:
                    defined.setdefault(name, rel)
    graph = {}
    for rel, text in texts.items():
        if not rel.endswith(".c"):
            continue
        body = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for name in set(re.findall(r"\b([A-Za-z_]\w*)\b", body)):
            dst = defined.get(name)
            if dst and dst != rel and folder_of(dst) == folder_of(rel):
                graph.setdefault(rel, set()).add(dst)
    for comp in circles(graph) + circles(folders):
        errors.append("import circle: " + " <-> ".join(comp))
    for e in errors:
        print(e)
    print("%d product files checked, %d problem(s)" % (len(texts), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
