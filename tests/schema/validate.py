#!/usr/bin/env python3
"""Validate tcpshake NDJSON against docs/ndjson-schema.json.

Implements the JSON Schema subset the schema uses (type, enum, required,
properties, additionalProperties, items, pattern, minimum, $ref), so no
third-party module is needed. Usage:
  validate.py SCHEMA TCPSHAKE CAPTURE...     runs `read --all --json` and `read --json`
  validate.py SCHEMA - < records.ndjson     validates standard input
Every record type seen is reported; an unknown type or an invalid record fails.
"""
import json
import re
import subprocess
import sys

PY_TYPES = {"integer": int, "number": (int, float), "string": str, "boolean": bool,
            "null": type(None), "array": list, "object": dict}


def check(schema, value, root, path, errors):
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return check(node, value, root, path, errors)
    if "anyOf" in schema:
        for sub in schema["anyOf"]:
            trial = []
            check(sub, value, root, path, trial)
            if not trial:
                break
        else:
            errors.append("%s: %r matches none of anyOf" % (path, value))
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = False
        for t in types:
            py = PY_TYPES[t]
            if isinstance(value, py) and not (t in ("integer", "number") and isinstance(value, bool)):
                ok = True
        if not ok:
            errors.append("%s: %r is not %s" % (path, value, "/".join(types)))
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r not one of %s" % (path, value, schema["enum"]))
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append("%s: %r below %s" % (path, value, schema["minimum"]))
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errors.append("%s: missing %s" % (path, k))
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                check(props[k], v, root, path + "." + k, errors)
            elif extra is False:
                errors.append("%s: undocumented field %s" % (path, k))
            elif isinstance(extra, dict):
                check(extra, v, root, path + "." + k, errors)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(schema["items"], v, root, "%s[%d]" % (path, i), errors)


bad_records = []


def validate_lines(schema, lines, where, seen, errors):
    for n, line in enumerate(lines, 1):
        rec = json.loads(line)
        t = rec.get("type")
        if t not in schema["records"]:
            errors.append("%s:%d: unknown record type %r" % (where, n, t))
            continue
        seen[t] = seen.get(t, 0) + 1
        before = len(errors)
        check(schema["records"][t], rec, schema, "%s:%d:%s" % (where, n, t), errors)
        if len(errors) > before:
            bad_records.append(n)


def main():
    schema = json.load(open(sys.argv[1]))
    seen, errors = {}, []
    if sys.argv[2] == "-":
        validate_lines(schema, sys.stdin.read().splitlines(), "stdin", seen, errors)
    else:
        binary = sys.argv[2]
        for cap in sys.argv[3:]:
            for args in (["read", "--all", "--json", cap], ["read", "--json", cap]):
                p = subprocess.run([binary] + args, capture_output=True, text=True)
                validate_lines(schema, p.stdout.splitlines(), cap, seen, errors)
    for e in errors[:50]:
        print("FAIL: " + e)
    print("record types seen: " + ", ".join("%s %d" % kv for kv in sorted(seen.items())))
    total = sum(seen.values())
    unknown = sum(1 for e in errors if "unknown record type" in e)
    failed = len(bad_records) + unknown
    print("%d passed, %d failed" % (total - len(bad_records), failed))
    return 1 if errors or not total else 0


if __name__ == "__main__":
    sys.exit(main())
