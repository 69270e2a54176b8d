"""docs/api.yaml, read and enforced with the Python standard library only.

Two small pieces, both deliberately limited to what docs/api.yaml uses:

* `load(text)` reads the YAML subset the file is written in: block maps and
  block lists by indentation, flow maps `{a: b}` and flow lists `[a, b]`
  (which may run over several lines), single- and double-quoted scalars
  (which may run over several lines, folded with a space), plain scalars
  (true, false, null, integers and numbers are typed, the rest are strings),
  `|` literal blocks and whole-line `#` comments. Anything else (anchors,
  tags, `>` folding, multi-line plain scalars, tabs, duplicate keys) is an
  error naming the line, so the file stays in the subset.

* `validate(doc, schema, value)` checks a JSON value against an OpenAPI 3.0
  schema using: $ref (local), type, nullable, enum, properties, required,
  additionalProperties (false or a schema), items, minItems, maxItems,
  minimum, maximum, minLength, maxLength, oneOf, anyOf, allOf. Unknown
  keywords are ignored (description, example, format, default...). It
  returns a list of messages "where: what", empty when the value conforms.

`Spec` wraps the loaded document: it finds the operation of a concrete
request path (/v1/batches/7 -> /v1/batches/{id}) and checks a recorded
exchange (request body, status, content type, response body) against it.
tests/api/test_zz_schema.py uses it on every answer the API tests received
(tests/api/vis.py records them).
"""
import json
import re

__all__ = ["YamlError", "load", "load_file", "validate", "Spec"]


class YamlError(ValueError):
    pass


# ---------------------------------------------------------------- YAML subset

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$")


def _scalar(s):
    if s in ("null", "~", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if _INT.match(s):
        return int(s)
    if _FLOAT.match(s):
        return float(s)
    return s


class _Flow:
    """A flow value ({...}, [...], a quoted or plain scalar) in one string."""

    def __init__(self, text, lineno):
        self.s = text
        self.i = 0
        self.lineno = lineno

    def err(self, msg):
        raise YamlError("line %d: %s (near %r)" % (self.lineno, msg, self.s[self.i:self.i + 30]))

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def value(self, stops):
        self.ws()
        if self.i >= len(self.s):
            return None
        c = self.s[self.i]
        if c == "{":
            return self.mapping()
        if c == "[":
            return self.sequence()
        if c in "'\"":
            return self.quoted()
        return _scalar(self.plain(stops))

    def quoted(self):
        q = self.s[self.i]
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                self.err("unterminated quoted scalar")
            c = self.s[self.i]
            if q == "'" and c == "'":
                if self.s[self.i + 1:self.i + 2] == "'":
                    out.append("'")
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            if q == '"' and c == '"':
                self.i += 1
                return "".join(out)
            if q == '"' and c == "\\":
                nxt = self.s[self.i + 1:self.i + 2]
                esc = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}
                if nxt not in esc:
                    self.err("unsupported escape")
                out.append(esc[nxt])
                self.i += 2
                continue
            out.append(c)
            self.i += 1

    def plain(self, stops):
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in stops:
                break
            if c == ":" and ":" in stops and (self.i + 1 == len(self.s) or self.s[self.i + 1] in " ,]}"):
                break
            if c == "#" and self.i > start and self.s[self.i - 1] == " ":
                self.err("comments are only allowed on lines of their own")
            self.i += 1
        text = self.s[start:self.i].strip()
        if text == "":
            self.err("empty value")
        if text[0] in "&*!|>%@`":
            self.err("unsupported YAML syntax")
        return text

    def mapping(self):
        self.i += 1
        out = {}
        while True:
            self.ws()
            if self.s[self.i:self.i + 1] == "}":
                self.i += 1
                return out
            c = self.s[self.i:self.i + 1]
            key = self.quoted() if c in ("'", '"') else self.plain(":,}")
            self.ws()
            if self.s[self.i:self.i + 1] != ":":
                self.err("expected ':' after a key in a flow map")
            self.i += 1
            if key in out:
                self.err("duplicate key %r" % key)
            out[key] = self.value(",}")
            self.ws()
            c = self.s[self.i:self.i + 1]
            if c == ",":
                self.i += 1
            elif c != "}":
                self.err("expected ',' or '}'")

    def sequence(self):
        self.i += 1
        out = []
        while True:
            self.ws()
            if self.s[self.i:self.i + 1] == "]":
                self.i += 1
                return out
            out.append(self.value(",]"))
            self.ws()
            c = self.s[self.i:self.i + 1]
            if c == ",":
                self.i += 1
            elif c != "]":
                self.err("expected ',' or ']'")


def _complete(text):
    """True when brackets and quotes in text are closed."""
    depth = 0
    q = None
    i = 0
    while i < len(text):
        c = text[i]
        if q:
            if q == "'" and c == "'":
                if text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                q = None
            elif q == '"' and c == "\\":
                i += 2
                continue
            elif q == '"' and c == '"':
                q = None
        elif c in "'\"" and text[:i].rstrip()[-1:] in ("", "[", "{", ",", ":"):
            q = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth <= 0 and q is None


class _Block:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.i = 0

    def err(self, msg, lineno=None):
        raise YamlError("line %d: %s" % ((lineno if lineno is not None else self.i) + 1, msg))

    @staticmethod
    def indent(line):
        return len(line) - len(line.lstrip(" "))

    def skip(self):
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if "\t" in line[:self.indent(line) + 1] and line.strip():
                self.err("tab in indentation")
            s = line.strip()
            if s == "" or s.startswith("#"):
                self.i += 1
                continue
            return line
        return None

    def node(self, ind):
        line = self.skip()
        if line is None:
            return None
        if self.indent(line) != ind:
            self.err("unexpected indentation")
        t = line[ind:]
        if t == "-" or t.startswith("- "):
            return self.seq(ind)
        return self.mapping(ind)

    def split_key(self, t):
        if t[:1] in ("'", '"'):
            f = _Flow(t, self.i + 1)
            key = f.quoted()
            rest = t[f.i:]
            if not rest.startswith(":"):
                self.err("expected ':' after a quoted key")
            return key, rest[1:].strip()
        m = re.match(r"^([^\s:#][^:]*?|[^\s:#][^ ]*?):(?: (.*)|)$", t)
        if not m:
            self.err("expected 'key: value'")
        return m.group(1).strip(), (m.group(2) or "").strip()

    def mapping(self, ind):
        out = {}
        while True:
            line = self.skip()
            if line is None:
                return out
            li = self.indent(line)
            if li < ind:
                return out
            if li > ind:
                self.err("unexpected indentation")
            t = line[ind:]
            if t == "-" or t.startswith("- "):
                return out
            key, rest = self.split_key(t)
            if key in out:
                self.err("duplicate key %r" % key)
            self.i += 1
            out[key] = self.value(rest, ind)

    def value(self, rest, ind, in_seq=False):
        if rest == "":
            line = self.skip()
            if line is None:
                return None
            li = self.indent(line)
            if li > ind:
                return self.node(li)
            if li == ind and not in_seq and (line[ind:] == "-" or line[ind:].startswith("- ")):
                return self.seq(ind)
            return None
        if rest in ("|", "|-", "|+"):
            return self.literal(ind, rest)
        if rest[0] in ">&*!%@`":
            self.err("unsupported YAML syntax")
        start = self.i - 1
        text = rest
        if rest[0] in "{['\"":
            while not _complete(text):
                if self.i >= len(self.lines):
                    self.err("unterminated flow value", start)
                text += " " + self.lines[self.i].strip()
                self.i += 1
            f = _Flow(text, start + 1)
            v = f.value("")
            f.ws()
            if f.i != len(f.s):
                f.err("trailing text after a value")
            return v
        if " #" in rest:
            self.err("comments are only allowed on lines of their own", start)
        nxt = self.skip()
        if nxt is not None and self.indent(nxt) > ind and not (in_seq and self.indent(nxt) <= ind + 2):
            self.err("multi-line plain scalars are not in the subset (quote the text)")
        return _scalar(rest)

    def literal(self, ind, style):
        body = []
        block_ind = None
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() == "":
                body.append("")
                self.i += 1
                continue
            li = self.indent(line)
            if li <= ind:
                break
            if block_ind is None:
                block_ind = li
            if li < block_ind:
                self.err("bad indentation in a literal block")
            body.append(line[block_ind:])
            self.i += 1
        while body and body[-1] == "":
            body.pop()
        return "\n".join(body) + ("" if style == "|-" else "\n")

    def seq(self, ind):
        out = []
        while True:
            line = self.skip()
            if line is None:
                return out
            li = self.indent(line)
            t = line[ind:]
            if li != ind or not (t == "-" or t.startswith("- ")):
                if li > ind:
                    self.err("unexpected indentation")
                return out
            after = t[1:].lstrip(" ")
            sub = ind + len(t) - len(after)
            self.i += 1
            if after == "":
                out.append(self.value("", ind, in_seq=True))
            elif after[0] in "{[" or not re.match(r"^('[^']*'|\"[^\"]*\"|[^\s:#'\"{\[][^:]*?):( |$)", after):
                out.append(self.value(after, sub, in_seq=True))
            else:
                key, rest = self.split_key(after)
                d = {key: self.value(rest, sub)}
                more = self.mapping(sub) if (self.skip() is not None and self.indent(self.lines[self.i]) == sub) else {}
                for k in more:
                    if k in d:
                        self.err("duplicate key %r" % k)
                d.update(more)
                out.append(d)


def load(text):
    """Parse the YAML subset described above; raises YamlError naming the line."""
    b = _Block(text)
    v = b.node(0)
    if b.skip() is not None:
        b.err("unexpected text")
    return v


def load_file(path):
    with open(path, encoding="utf-8") as f:
        return load(f.read())


# ---------------------------------------------------------------- validation

def _resolve(doc, schema):
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise KeyError("only local $ref: " + ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
        seen += 1
        if seen > 50:
            raise KeyError("$ref loop: " + ref)
    return schema


def _type_ok(t, v):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    raise KeyError("unknown type " + repr(t))


def _tname(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def validate(doc, schema, value, where="$", errs=None, limit=20):
    """Messages for every way value breaks schema (at most `limit`)."""
    if errs is None:
        errs = []
    if len(errs) >= limit:
        return errs
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        errs.append("%s: schema is not an object" % where)
        return errs
    if value is None and schema.get("nullable"):
        return errs
    if "allOf" in schema:
        for s in schema["allOf"]:
            validate(doc, s, value, where, errs, limit)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            ok = sum(1 for s in schema[key] if not validate(doc, s, value, where, [], limit))
            if (key == "oneOf" and ok != 1) or (key == "anyOf" and ok < 1):
                if not (value is None and schema.get("nullable")):
                    errs.append("%s: %s matches %d of the %s schemas" % (where, _tname(value), ok, key))
                return errs
    if value is None:
        if schema.get("nullable") or not ("type" in schema or "properties" in schema or "enum" in schema):
            return errs
        errs.append("%s: null where %s expected (not nullable)" % (where, schema.get("type", "a value")))
        return errs
    t = schema.get("type")
    if t is not None and not _type_ok(t, value):
        errs.append("%s: %s where %s expected" % (where, _tname(value), t))
        return errs
    if "enum" in schema and value not in schema["enum"]:
        errs.append("%s: %r not in %s" % (where, value, schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append("%s: %r below the minimum %r" % (where, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errs.append("%s: %r above the maximum %r" % (where, value, schema["maximum"]))
    if isinstance(value, str):
        n = len(value.encode("utf-8"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            errs.append("%s: shorter than %d" % (where, schema["minLength"]))
        if "maxLength" in schema and n > schema["maxLength"]:
            errs.append("%s: longer than %d bytes" % (where, schema["maxLength"]))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errs.append("%s: fewer than %d items" % (where, schema["minItems"]))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errs.append("%s: more than %d items" % (where, schema["maxItems"]))
        if "items" in schema:
            for i, v in enumerate(value):
                validate(doc, schema["items"], v, "%s[%d]" % (where, i), errs, limit)
                if len(errs) >= limit:
                    break
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in value:
                errs.append("%s: required field %r missing" % (where, k))
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                validate(doc, props[k], v, "%s.%s" % (where, k), errs, limit)
            elif extra is False:
                errs.append("%s: field %r not described" % (where, k))
            elif isinstance(extra, dict):
                validate(doc, extra, v, "%s.%s" % (where, k), errs, limit)
            if len(errs) >= limit:
                break
    return errs


# ---------------------------------------------------------------- the document

METHODS = ("get", "put", "post", "delete", "patch")


class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.templates = []
        for path in doc.get("paths", {}):
            rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"
            self.templates.append((path.count("{"), path, re.compile(rx)))
        self.templates.sort(key=lambda t: (t[0], t[1]))

    @classmethod
    def from_file(cls, path):
        return cls(load_file(path))

    def resolve(self, node):
        return _resolve(self.doc, node)

    def route(self, method, path):
        """(template, operation) of a concrete request, or (None, None)."""
        path = path.split("?", 1)[0]
        for _, tpl, rx in self.templates:
            if rx.match(path):
                op = (self.doc["paths"][tpl] or {}).get(method.lower())
                if op is not None:
                    return tpl, op
        return None, None

    def operations(self):
        for path, item in self.doc.get("paths", {}).items():
            for m in METHODS:
                if m in (item or {}):
                    yield m.upper(), path, item[m]

    def response(self, op, status):
        r = (op.get("responses") or {}).get(str(status))
        return self.resolve(r) if r is not None else None

    def missing_schemas(self):
        """Operations whose success answer has no described content, or JSON without a schema."""
        out = []
        for method, path, op in self.operations():
            ok = [s for s in (op.get("responses") or {}) if str(s).startswith("2")]
            if not ok:
                out.append("%s %s: no 2xx response" % (method, path))
            for s in ok:
                r = self.response(op, s)
                content = r.get("content")
                if not content:
                    out.append("%s %s %s: no content described" % (method, path, s))
                    continue
                for mt, media in content.items():
                    if "json" in mt and not (media or {}).get("schema"):
                        out.append("%s %s %s: %s without a schema" % (method, path, s, mt))
            rb = op.get("requestBody")
            if rb is not None:
                rb = self.resolve(rb)
                for mt, media in (rb.get("content") or {}).items():
                    if "json" in mt and not (media or {}).get("schema"):
                        out.append("%s %s: request %s without a schema" % (method, path, mt))
        return out

    def check(self, method, path, status, ctype, body, req_ctype=None, req_body=None):
        """Messages for a recorded exchange that the description does not match.

        2xx: the status must be described, the content type among those
        described, a JSON body valid against the schema, and a JSON request
        body (a request that succeeded) valid against the requestBody schema.
        4xx: a JSON body must be an Error (or the schema given for that status).
        Requests to paths the description does not know are not checked."""
        tpl, op = self.route(method, path)
        if op is None:
            return []
        name = "%s %s %d" % (method, tpl, status)
        mt = (ctype or "").split(";")[0].strip().lower()
        errs = []
        r = self.response(op, status)
        if 200 <= status < 300:
            if r is None:
                return ["%s: status not described" % name]
            content = r.get("content") or {}
            if mt and mt not in content:
                errs.append("%s: content type %s not described (%s)" % (name, mt, ", ".join(content) or "none"))
            elif mt == "application/json" and body is not None:
                schema = (content[mt] or {}).get("schema")
                if schema is None:
                    errs.append("%s: no response schema" % name)
                else:
                    errs += ["%s: %s" % (name, e) for e in validate(self.doc, schema, _json(body))]
            rb = op.get("requestBody")
            if req_body is not None and "json" in (req_ctype or "") and rb is not None:
                # (a body sent to a route that takes none is ignored by the server)
                value = _json(req_body)
                media = (self.resolve(rb).get("content") or {}).get("application/json")
                if media is None or not media.get("schema"):
                    errs.append("%s: no request schema for application/json" % name)
                elif value is not _BAD:
                    errs += ["%s request: %s" % (name, e) for e in validate(self.doc, media["schema"], value)]
        elif 400 <= status < 500 and mt == "application/json" and body is not None:
            schema = None
            if r is not None:
                schema = ((r.get("content") or {}).get("application/json") or {}).get("schema")
            schema = schema or {"$ref": "#/components/schemas/Error"}
            errs += ["%s: %s" % (name, e) for e in validate(self.doc, schema, _json(body))]
        return errs


_BAD = object()


def _json(text):
    if text is None or text == "":
        return None
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return _BAD
