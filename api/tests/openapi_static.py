#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""api/openapi.json without a daemon: it is an OpenAPI 3.1 document whose
every schema is a valid Draft 2020-12 schema (python3-jsonschema's meta-schema
check), every $ref resolves, every path parameter is declared, operation ids
are unique; and its operations are exactly the route table of docs/api.md.

usage: openapi_static.py OPENAPI_JSON DOCS_API_MD
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)
from openapi_lib import METHODS, Spec, load, operations  # noqa: E402

errors = []


def refs(obj, where=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "$ref" and isinstance(v, str):
                yield where, v
            else:
                yield from refs(v, where + "/" + k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from refs(v, "%s/%d" % (where, i))


def schemas(doc):
    """Every Schema Object of the document, with where it is."""
    for name, s in doc["components"]["schemas"].items():
        yield "components/schemas/" + name, s
    for name, p in doc["components"]["parameters"].items():
        yield "components/parameters/" + name, p["schema"]
    for name, h in doc["components"]["headers"].items():
        yield "components/headers/" + name, h["schema"]
    for path, item in doc["paths"].items():
        for m in (m for m in METHODS if m in item):
            op = item[m]
            for p in op.get("parameters", []):
                if "schema" in p:
                    yield "%s %s parameter %s" % (m, path, p["name"]), p["schema"]
            bodies = [("request", op.get("requestBody", {}))]
            bodies += [(k, r) for k, r in op["responses"].items()]
            for k, r in bodies:
                for mt, c in r.get("content", {}).items():
                    yield "%s %s %s %s" % (m, path, k, mt), c.get("schema", {})


def check_document(doc):
    spec = Spec(doc)
    if not re.match(r"^3\.1\.\d+$", doc.get("openapi", "")):
        errors.append("openapi is not 3.1.x")
    for key in ("title", "version"):
        if not doc.get("info", {}).get(key):
            errors.append("info.%s missing" % key)
    for where, ref in refs(doc):
        try:
            spec.deref({"$ref": ref})
        except Exception as e:  # the resolver's error types differ between versions
            errors.append("%s: $ref %s does not resolve: %s" % (where, ref, e))
    for where, s in schemas(doc):
        try:
            Draft202012Validator.check_schema(s)
        except SchemaError as e:
            errors.append("%s: not a Draft 2020-12 schema: %s" % (where, e.message))
    ids = []
    for path, item in doc["paths"].items():
        common = [spec.deref(p)["name"] for p in item.get("parameters", [])]
        for m in (m for m in METHODS if m in item):
            op = item[m]
            ids.append(op.get("operationId"))
            names = common + [spec.deref(p)["name"] for p in op.get("parameters", [])
                              if spec.deref(p)["in"] == "path"]
            for p in re.findall(r"\{([a-z_]+)\}", path):
                if p not in names:
                    errors.append("%s %s: path parameter %s not declared" % (m, path, p))
            for key in op["responses"]:
                if not re.match(r"^([1-5][0-9][0-9]|[1-5]XX|default)$", key):
                    errors.append("%s %s: response key %s" % (m, path, key))
    dup = {i for i in ids if ids.count(i) > 1 or not i}
    if dup:
        errors.append("operationId missing or repeated: %s" % sorted(map(str, dup)))


def docs_routes(md):
    """{(METHOD, pattern)} of the route table of docs/api.md."""
    out = set()
    for line in open(md):
        m = re.match(r"^\| ((?:GET|PUT|POST|DELETE|PATCH)(?:, (?:GET|PUT|POST|DELETE|PATCH))*) "
                     r"\| `(/[^`]*)` \|", line)
        if not m:
            continue
        path = re.sub(r"\{[a-z]+\.\.\.\}", "*", m.group(2))
        path = re.sub(r"\{[a-z]+\}", "{}", path)
        out |= {(meth, path) for meth in m.group(1).split(", ")}
    return out


def main():
    doc = load(sys.argv[1])
    check_document(doc)
    documented, in_docs = operations(doc), docs_routes(sys.argv[2])
    if len(in_docs) < 20:
        errors.append("route table not found in %s" % sys.argv[2])
    elif documented != in_docs:
        errors.append("docs/api.md and api/openapi.json differ: only in docs/api.md %s, only in "
                      "openapi.json %s" % (sorted(in_docs - documented),
                                           sorted(documented - in_docs)))
    for e in errors:
        print("FAIL: " + e)
    if errors:
        sys.exit(1)
    print("openapi_static: %d operations, %d schemas valid, docs/api.md agrees"
          % (len(documented), len(list(schemas(doc)))))


if __name__ == "__main__":
    main()
