#!/usr/bin/env python3
"""explain_numbers.py TCPSHAKE CAPTURE...: every --explain sentence must name
the numbers of the segment it explains (issue 14: "numbers in the sentence =
numbers on the wire"). For each segment line of `read --explain --all`, the
sentences under it may say "acknowledges N" / "acknowledging N" (N must be
the line's ack), "sequence number N" (the line's seq), "ISN N" (the line's
seq: only a SYN or SYN+ACK states its own ISN) and "port N" (one of the
line's ports). Exit 0 pass, 1 fail."""
import re
import subprocess
import sys

LINE = re.compile(r"^ *[0-9]+\.[0-9]+ #[0-9]+ +\S+:(\d+) > \S+:(\d+) +(\S+) +seq (\d+)(?: ack (\d+))?")
RULES = [
    (re.compile(r"acknowledg(?:es|ing) (\d+)"), "ack"),
    (re.compile(r"sequence number (\d+)"), "seq"),
    (re.compile(r"\bISN (\d+)"), "seq"),
    (re.compile(r"\bport (\d+)"), "port"),
]


def check(binary, capture):
    out = subprocess.run([binary, "read", "--explain", "--all", capture], capture_output=True,
                         text=True, timeout=60).stdout
    errors, seg, checked = [], None, 0
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            seg = {"ports": {m.group(1), m.group(2)}, "flags": m.group(3),
                   "seq": m.group(4), "ack": m.group(5), "line": line.strip()[:120]}
            continue
        if re.match(r"^ *[0-9]+\.[0-9]+ ", line) or line.startswith("--"):
            seg = None  # a record or summary line: its sentence is not a segment's
            continue
        if seg is None or not line.startswith("      "):
            continue
        for rx, what in RULES:
            for n in rx.findall(line):
                checked += 1
                ok = (n in seg["ports"]) if what == "port" else (n == seg[what])
                if not ok:
                    errors.append("%s: %r says %s %s, the segment has %s\n    %s" % (
                        capture, line.strip()[:160], what, n,
                        seg["ports"] if what == "port" else seg[what], seg["line"]))
    return errors, checked


def main():
    binary, captures = sys.argv[1], sys.argv[2:]
    total, errors = 0, []
    for c in captures:
        e, n = check(binary, c)
        errors += e
        total += n
    if errors:
        print("FAIL: %d explanation number(s) differ from the wire:\n%s" % (len(errors),
                                                                           "\n".join(errors)))
        return 1
    if total < 50:
        print("FAIL: only %d numbers checked: the explain output format changed?" % total)
        return 1
    print("PASS: %d numbers in explanations of %d captures match their segments" % (total,
                                                                                     len(captures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
