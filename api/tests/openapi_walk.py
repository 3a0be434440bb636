#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Walks api/openapi.json against a running pxecore (loopback) and validates
every answer, errors included, against the document with python3-jsonschema.

usage: openapi_walk.py DOC ROUTE_C PORT TOKEN PHASE COVERAGE_FILE
  PHASE main:     the daemon runs the fixture plugins http, nbd, dhcp with
                  images archiso and second, api.max_body=4096
  PHASE disabled: the same with --disable-plugin nbd --disable-plugin dhcp and
                  api.metrics_public=true
  PHASE final:    no daemon: every documented (path, method, status) must have
                  been seen in COVERAGE_FILE, but for the ones listed in UNTESTED

Checks, besides the answers: the served routes (the route index, generated
from api/route.c's table) and the table parsed from api/route.c both equal the
document's operations; every method a path does not list answers 405 with the
right Allow; HEAD mirrors GET; request bodies the document calls valid are not
refused with 400 and invalid ones are.
"""
import http.client
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_lib import METHODS, Failure, Spec, load, operations  # noqa: E402

MAC = "52:54:00:12:34:56"
HOSTMAC = "52-54-00-AA-BB-CC"
# (path template, method, response key): why the walk cannot provoke it.
UNTESTED = {
    "500": "a failed state save or out of memory (tests/fault covers failed saves)",
    ("/api/v1/leases", "get", "4XX"): "the fixture dhcp plugin answers its leases",
    ("/api/v1/leases", "get", "5XX"): "the fixture dhcp plugin answers its leases",
}
# Paths whose operations share one set of answers (the plugin decides, whatever the
# method): each answer must be seen once on the path, not once per method.
PER_PATH = ("/api/v1/plugins/{name}/{subpath}",)
SAMPLE = {  # a concrete path for each template, for the generic probes
    "/api/v1/plugins/{name}": "/api/v1/plugins/http",
    "/api/v1/plugins/{name}/{subpath}": "/api/v1/plugins/http/sessions",
    "/api/v1/methods/{name}": "/api/v1/methods/http",
    "/api/v1/hosts/{mac}": "/api/v1/hosts/" + MAC,
    "/api/v1/images/{image}": "/api/v1/images/archiso",
    "/api/v1/entries/{entry}": "/api/v1/entries/memtest",
    "/api/v1/clients/{mac}/timeline": "/api/v1/clients/%s/timeline" % MAC,
    "/api/v1/menus/{format}": "/api/v1/menus/ipxe",
    "/ui/{file}": "/ui/app.js",
}


class Walker:
    def __init__(self, spec, port, token):
        self.spec, self.port, self.token = spec, port, token
        self.covered = set()
        self.n = 0

    def send(self, method, path, body=None, ctype="application/json", token=True):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {}
        if token:
            h["Authorization"] = "Bearer " + (self.token if token is True else token)
        if body is not None:
            h["Content-Type"] = ctype
            if not isinstance(body, bytes):
                body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, data

    def check(self, method, path, expect, body=None, ctype="application/json", token=True,
              schema_blind=False):
        """One request; its answer must have status expect and match the document."""
        status, hdrs, data = self.send(method, path, body, ctype, token)
        what = "%s %s" % (method, path)
        self.n += 1
        try:
            if status != expect:
                raise Failure("HTTP %d, expected %d: %s" % (status, expect, data[:300]))
            inst = self.validate(method, path, status, hdrs, data)
            if body is not None and ctype == "application/json" and not schema_blind:
                self.check_request(method, path, body, status, inst)
        except Failure as e:
            raise Failure("%s: %s" % (what, e))
        return inst

    def validate(self, method, path, status, hdrs, data):
        sp = self.spec
        csp = {"$ref": "#/components/headers/Content-Security-Policy"}
        sp.check_answer({"headers": {"Content-Security-Policy": csp}}, status, hdrs, data)
        tpl = sp.template(path)
        op = sp.operation(tpl, "get" if method == "HEAD" else method)
        comp = sp.doc["components"]["responses"]
        if op is None:  # not a documented operation: only the global answers apply
            if status == 401:
                return sp.check_answer(comp["Unauthorized"], status, hdrs, data)
            if status == 404 and tpl is None:
                return sp.check_answer(comp["NotFound"], status, hdrs, data)
            if status == 405 and tpl is not None:
                inst = sp.check_answer(comp["MethodNotAllowed"], status, hdrs, data)
                self.check_allow(tpl, hdrs["allow"])
                return inst
            raise Failure("HTTP %d for an undocumented operation" % status)
        key = sp.response_key(op["responses"], status)
        if key is None:
            raise Failure("HTTP %d is not documented for %s %s" % (status, method, tpl))
        self.covered.add((tpl, "get" if method == "HEAD" else method.lower(), key))
        return sp.check_answer(op["responses"][key], status, hdrs, data, head=method == "HEAD")

    def check_allow(self, tpl, allow):
        want = [m.upper() for m in METHODS if m in self.spec.doc["paths"][tpl]]
        got = [m for m in allow.split(", ") if m != "HEAD"]
        if sorted(got) != sorted(want) or ("GET" in got) != ("HEAD" in allow.split(", ")):
            raise Failure("Allow: %r, the document has %s" % (allow, want))

    def check_request(self, method, path, body, status, answer):
        """The document's request schema and the server agree on the body (a plugin may
        still refuse a body its schema, any JSON value, allows: 400 invalid_request)."""
        op = self.spec.operation(self.spec.template(path), method)
        rb = op and op.get("requestBody")
        if not rb or status in (401, 404, 405, 413, 415):
            return
        try:
            inst = json.loads(body) if isinstance(body, (str, bytes)) else body
        except ValueError:
            inst = ValueError
        schema = rb["content"]["application/json"]["schema"]
        valid = inst is not ValueError and not self.spec.errors(schema, inst)
        if valid and status == 400 and not (schema == {} and
                                             answer["error"]["code"] == "invalid_request"):
            raise Failure("the document calls the body %r valid, the server refused it" % (body,))
        if not valid and status != 400:
            raise Failure("the document calls the body %r invalid, the server answered %d"
                          % (body, status))


def routes_of_source(route_c):
    """{(METHOD, pattern)} from api/route.c's route table."""
    out = set()
    for m in re.finditer(r'\{R_[A-Z_]+, "([^"]+)", ([A-Z_ |]+), RB_[A-Z]+\}', open(route_c).read()):
        for bit in m.group(2).split("|"):
            out.add((bit.strip()[3:], m.group(1)))
    if len(out) < 20:
        raise Failure("route table not found in %s" % route_c)
    return out


def check_routes(w, route_c):
    documented = operations(w.spec.doc)
    idx = w.check("GET", "/api/v1", 200)
    served = {(m, r["path"]) for r in idx["routes"] for m in r["methods"].split(", ") if m != "HEAD"}
    source = routes_of_source(route_c)
    for name, got in (("served (GET /api/v1)", served), ("api/route.c", source)):
        if got != documented:
            raise Failure("%s and the document differ: only served %s, only documented %s"
                          % (name, sorted(got - documented), sorted(documented - got)))
    print("routes: %d operations, document == route index == api/route.c" % len(documented))


def probe_methods(w):
    """Every method a path lacks answers 405 with Allow; HEAD mirrors GET; no token 401."""
    for tpl, item in w.spec.doc["paths"].items():
        path = SAMPLE.get(tpl, tpl)
        for m in ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"):
            if m.lower() not in item:
                w.check(m, path, 405, body="{}" if m in ("PUT", "POST", "PATCH") else None)
        if "get" in item:
            g = w.send("GET", path)[0]
            w.check("HEAD", path, g)
        for m in (m for m in METHODS if m in item):
            # metrics ({} in security) too: api.metrics_public is false here
            if item[m].get("security", w.spec.doc["security"]):
                w.check(m.upper(), path, 401, token=False)
                w.check(m.upper(), path, 401, token="wrong-token-0123456789")
                w.check(m.upper(), path, 401, token=w.token + "x")
    for p in ("/api/v1/nope", "/", "/api/v1/plugins/http/", "/api/v1/hosts"+"/x"*600):
        w.check("GET", p, 404)
        w.check("GET", p, 401, token=False)


def walk_main(w, doc_path):
    g = w.check
    g("GET", "/api/v1/status", 200)
    g("GET", "/api/v1/plugins", 200)
    g("GET", "/api/v1/plugins/http", 200)
    g("GET", "/api/v1/plugins/nope", 404)
    g("GET", "/api/v1/plugins/NOPE", 404)
    # a plugin's own endpoints (api/tests/fake_plugin.c)
    g("GET", "/api/v1/plugins/nbd/sessions", 200)
    g("PUT", "/api/v1/plugins/nbd/sessions", 200, {"count": 0})
    g("PUT", "/api/v1/plugins/nbd/sessions", 400, {"count": -1})
    g("PUT", "/api/v1/plugins/nbd/sessions", 400, '{"count":')
    g("PUT", "/api/v1/plugins/nbd/sessions", 415, "x", ctype="text/plain")
    g("PUT", "/api/v1/plugins/nbd/sessions", 413, {"pad": "x" * 5000})
    g("POST", "/api/v1/plugins/http/event/%s/4" % MAC, 201)
    g("POST", "/api/v1/plugins/http/event/%s/x" % MAC, 400, {})
    g("POST", "/api/v1/plugins/nbd/sessions", 405, {})
    g("POST", "/api/v1/plugins/nbd/sessions", 415, "x", ctype="text/plain")
    g("POST", "/api/v1/plugins/nbd/sessions", 413, "[" + "1," * 3000 + "1]")
    g("DELETE", "/api/v1/plugins/nbd/sessions", 405)
    g("DELETE", "/api/v1/plugins/http/x", 404)
    g("GET", "/api/v1/plugins/http/fail", 503)
    g("GET", "/api/v1/plugins/http/teapot", 418)
    g("PUT", "/api/v1/plugins/nope/x", 404, {})
    g("GET", "/api/v1/plugins/http/file/pxelinux.cfg/default", 200)
    # boot methods
    g("GET", "/api/v1/methods", 200)
    g("GET", "/api/v1/methods/http", 200)
    g("GET", "/api/v1/methods/nope", 404)
    g("GET", "/api/v1/methods/dhcp", 404)
    before = w.send("GET", "/api/v1/menus/pxelinux")[2]
    g("PUT", "/api/v1/methods/http", 200, {"enabled": False})
    after = g("GET", "/api/v1/menus/pxelinux", 200)
    if after == before.decode() or "(fake http)" in after:
        raise Failure("the pxelinux menu still has the http entry after switching http off")
    g("PATCH", "/api/v1/methods/http", 200, {"enabled": True})
    for m in ("PUT", "PATCH"):
        for bad in ({"enabled": "no"}, {}, {"enabled": True, "x": 1}, [], "nope"):
            g(m, "/api/v1/methods/http", 400, bad)
        # duplicate keys: refused, though a schema cannot say so
        g(m, "/api/v1/methods/http", 400, '{"enabled":true,"enabled":false}', schema_blind=True)
        g(m, "/api/v1/methods/http", 415, '{"enabled":true}', ctype="text/plain")
        g(m, "/api/v1/methods/http", 413, {"enabled": True, "pad": "x" * 5000})
        g(m, "/api/v1/methods/nope", 404, {"enabled": True})
    # host profiles
    g("GET", "/api/v1/hosts", 200)
    prof = {"image": "archiso", "method": "nbd", "cmdline_extra": "quiet", "boot_once": True}
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 201, prof)
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 200, dict(prof, mac="52:54:00:aa:bb:cc", image=None))
    g("GET", "/api/v1/hosts/" + HOSTMAC, 200)
    g("GET", "/api/v1/hosts", 200)
    g("GET", "/api/v1/hosts/zz", 400)
    g("PUT", "/api/v1/hosts/zz", 400, {}, schema_blind=True)  # the path, not the body
    for bad in ({"image": "Bad"}, {"cmdline_extra": 'a"b'}, {"boot_once": "yes"}, {"color": 1},
                {"method": 3}, {"cmdline_extra": "x" * 1025}, "[1]", "{"):
        g("PUT", "/api/v1/hosts/" + HOSTMAC, 400, bad)
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 400, {"mac": "52:54:00:00:00:01"}, schema_blind=True)
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 409, {"image": "nope"})
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 409, {"method": "dhcp"})
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 415, "{}", ctype="text/plain")
    g("PUT", "/api/v1/hosts/" + HOSTMAC, 413, {"cmdline_extra": "x" * 5000})
    g("DELETE", "/api/v1/hosts/" + HOSTMAC, 200)
    g("DELETE", "/api/v1/hosts/" + HOSTMAC, 404)
    g("GET", "/api/v1/hosts/" + HOSTMAC, 404)
    g("DELETE", "/api/v1/hosts/zz", 400)
    # generic entries
    g("GET", "/api/v1/entries", 200)
    ent = {"title": "Memtest86+", "kernel": "memtest86+x64.bin", "cmdline": "console=ttyS0"}
    g("PUT", "/api/v1/entries/memtest", 201, ent)
    g("PUT", "/api/v1/entries/memtest", 200, dict(ent, name="memtest", initrds=["a.img"]))
    g("GET", "/api/v1/entries/memtest", 200)
    for bad in ({"kernel": "/abs"}, {"kernel": "a b"}, {"title": "x"}, {"kernel": "k", "x": 1},
                {"kernel": "k", "cmdline": 'a"b'}, {"kernel": "k", "initrds": "a"}, "[1]", "{"):
        g("PUT", "/api/v1/entries/memtest", 400, bad)
    g("PUT", "/api/v1/entries/Bad", 404, ent)
    for i in range(64):
        if i == 63:
            g("PUT", "/api/v1/entries/e%d" % i, 409, ent)
        else:
            g("PUT", "/api/v1/entries/e%d" % i, 201, ent)
    for i in range(63):
        g("DELETE", "/api/v1/entries/e%d" % i, 200)
    g("PUT", "/api/v1/entries/memtest", 415, "{}", ctype="text/plain")
    g("PUT", "/api/v1/entries/memtest", 413, dict(ent, cmdline="x" * 5000))
    g("DELETE", "/api/v1/entries/memtest", 200)
    g("DELETE", "/api/v1/entries/memtest", 404)
    g("GET", "/api/v1/entries/memtest", 404)
    # images, leases, events, timelines, menus, metrics
    g("GET", "/api/v1/images", 200)
    g("GET", "/api/v1/images/archiso", 200)
    g("GET", "/api/v1/images/second", 200)
    g("GET", "/api/v1/images/nope", 404)
    g("GET", "/api/v1/images/BAD", 404)
    g("GET", "/api/v1/leases", 200)
    g("GET", "/api/v1/plugins/dhcp/leases", 200)
    ev = g("GET", "/api/v1/events", 200)
    if not any(e["kind"] == "method.disabled" for e in ev["events"]):
        raise Failure("no method.disabled event: %s" % ev)
    g("GET", "/api/v1/events?since=1&limit=2", 200)
    for q in ("limit=0", "limit=1001", "since=-1", "since=x"):
        g("GET", "/api/v1/events?" + q, 400)
    tl = g("GET", "/api/v1/clients/%s/timeline" % MAC.upper(), 200)
    if tl["phase"] != "kernel" or not tl["events"]:
        raise Failure("timeline of %s: %s" % (MAC, tl))
    g("GET", "/api/v1/clients/02:00:00:00:00:09/timeline", 200)
    g("GET", "/api/v1/clients/zz/timeline", 400)
    for f in ("pxelinux", "ipxe", "grub"):
        g("GET", "/api/v1/menus/" + f, 200)
    g("GET", "/api/v1/menus/ipxe?mac=%s&server_ip=192.0.2.1" % MAC, 200)
    g("GET", "/api/v1/menus/nope", 404)
    g("GET", "/api/v1/menus/ipxe?mac=zz", 400)
    g("GET", "/api/v1/menus/ipxe?server_ip=x", 400)
    g("GET", "/api/v1/metrics", 200)
    g("GET", "/metrics", 200)
    served = g("GET", "/api/v1/openapi.json", 200)
    want = load(doc_path)
    want["info"]["version"] = g("GET", "/api/v1/status", 200)["version"]
    if served != want:
        raise Failure("GET /api/v1/openapi.json is not api/openapi.json")
    for f in ("/ui", "/ui/index.html", "/ui/app.js", "/ui/style.css", "/ui/favicon.svg"):
        g("GET", f, 200, token=False)
    g("GET", "/ui/nope.js", 404, token=False)
    g("GET", "/ui/../api/v1/status", 404, token=False)


def walk_disabled(w):
    g = w.check
    g("GET", "/api/v1/leases", 404)
    g("GET", "/api/v1/plugins/dhcp/leases", 409)
    g("PUT", "/api/v1/methods/nbd", 409, {"enabled": False})
    g("PATCH", "/api/v1/methods/nbd", 409, {"enabled": False})
    g("GET", "/api/v1/methods/nbd", 200)
    g("GET", "/api/v1/plugins/nbd", 200)
    for m, b in (("GET", None), ("PUT", {}), ("POST", {}), ("DELETE", None)):
        g(m, "/api/v1/plugins/nbd/sessions", 409, b)
    g("GET", "/api/v1/plugins", 200)
    g("GET", "/api/v1/methods", 200)
    g("GET", "/api/v1/status", 200)
    g("GET", "/metrics", 200, token=False)  # api.metrics_public=true
    g("GET", "/api/v1/metrics", 200, token=False)


def final(doc, covered):
    missing = []
    for tpl, item in doc["paths"].items():
        for m in (m for m in METHODS if m in item):
            for key in item[m]["responses"]:
                if (tpl, m, key) in covered or key in UNTESTED or (tpl, m, key) in UNTESTED:
                    continue
                if tpl in PER_PATH and any(c[0] == tpl and c[2] == key for c in covered):
                    continue
                missing.append("%s %s %s" % (m.upper(), tpl, key))
    if missing:
        raise Failure("documented answers never seen:\n  " + "\n  ".join(missing))
    print("coverage: every documented answer was provoked and validated (but %s)"
          % ", ".join(sorted(str(k) for k in UNTESTED)))


def main():
    doc_path, route_c, port, token, phase, cov_file = sys.argv[1:7]
    doc = load(doc_path)
    covered = set()
    if os.path.exists(cov_file):
        covered = {tuple(x) for x in json.load(open(cov_file))}
    try:
        if phase == "final":
            return final(doc, covered)
        w = Walker(Spec(doc), int(port), token)
        if phase == "main":
            check_routes(w, route_c)
            walk_main(w, doc_path)
            probe_methods(w)
        else:
            walk_disabled(w)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    json.dump(sorted(covered | w.covered), open(cov_file, "w"))
    print("openapi_walk %s: %d requests, every answer matches the document" % (phase, w.n))


if __name__ == "__main__":
    main()
