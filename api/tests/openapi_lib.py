# SPDX-License-Identifier: MIT
"""What the OpenAPI tests share: api/openapi.json loaded, its operations as
route-table patterns, response lookup and validation of one answer with
Debian's python3-jsonschema (Draft 2020-12, the dialect of OpenAPI 3.1)."""
import json
import re

from jsonschema import Draft202012Validator, RefResolver

METHODS = ("get", "put", "post", "delete", "patch")
# Path parameters that take the rest of the path ("*" in api/route.c).
REST_PARAMS = ("subpath", "file")


class Failure(Exception):
    pass


def load(path):
    with open(path) as f:
        return json.load(f)


def to_pattern(template):
    """'/api/v1/plugins/{name}/{subpath}' -> '/api/v1/plugins/{}/*' (api/route.c's form)."""
    def one(m):
        return "*" if m.group(1) in REST_PARAMS else "{}"
    return re.sub(r"\{([a-z_]+)\}", one, template)


def operations(doc):
    """{(METHOD, route-table pattern)} of every documented operation."""
    return {(m.upper(), to_pattern(p)) for p, item in doc["paths"].items()
            for m in item if m in METHODS}


class Spec:
    """The document, with a validator that resolves its '#/components/...' refs."""

    def __init__(self, doc):
        self.doc = doc
        self.resolver = RefResolver("", doc)
        self.regexes = []
        for tpl in doc["paths"]:
            rx = re.sub(r"\\\{([a-z_]+)\\\}",
                        lambda m: "(.+)" if m.group(1) in REST_PARAMS else "([^/]+)",
                        re.escape(tpl))
            self.regexes.append((re.compile("^" + rx + "$"), tpl))

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            obj = self.resolver.resolve(obj["$ref"])[1]
        return obj

    def errors(self, schema, instance):
        v = Draft202012Validator(schema, resolver=self.resolver)
        return ["%s at %s" % (e.message, "/".join(map(str, e.absolute_path)) or "(root)")
                for e in v.iter_errors(instance)]

    def template(self, path):
        """The documented path template a concrete path falls under, or None."""
        path = path.split("?", 1)[0]
        for rx, tpl in self.regexes:
            if rx.match(path):
                return tpl
        return None

    def operation(self, tpl, method):
        return self.doc["paths"].get(tpl, {}).get(method.lower()) if tpl else None

    @staticmethod
    def response_key(responses, status):
        """The key of responses that covers status: exact, then '4XX'-style."""
        if str(status) in responses:
            return str(status)
        rng = "%dXX" % (status // 100)
        return rng if rng in responses else None

    def check_answer(self, spec, status, headers, body, head=False):
        """Validates one answer (headers: lower-case names) against a response object."""
        spec = self.deref(spec)
        for name, h in spec.get("headers", {}).items():
            h = self.deref(h)
            v = headers.get(name.lower())
            if v is None:
                if h.get("required"):
                    raise Failure("HTTP %d: no %s header" % (status, name))
                continue
            errs = self.errors(h["schema"], v)
            if errs:
                raise Failure("HTTP %d: header %s %r: %s" % (status, name, v, errs[0]))
        content = spec.get("content")
        if not content:
            return None
        ctype = headers.get("content-type", "").split(";")[0].strip()
        if ctype not in content:
            raise Failure("HTTP %d: Content-Type %r is not documented (%s)"
                          % (status, ctype, ", ".join(content)))
        if head:
            if body:
                raise Failure("HEAD answered a body")
            return None
        if ctype == "application/json":
            try:
                inst = json.loads(body)
            except ValueError as e:
                raise Failure("HTTP %d: body is not JSON: %s" % (status, e))
        else:
            inst = body.decode("utf-8")
        errs = self.errors(content[ctype].get("schema", {}), inst)
        if errs:
            raise Failure("HTTP %d: body does not match the schema: %s\n%s"
                          % (status, "; ".join(errs[:5]), body[:600].decode("utf-8", "replace")))
        return inst
