#!/usr/bin/env python3
"""filter_check.py TCPSHAKE CAPTURE...: --outcome and --slower-than keep
exactly the chosen connections in every output (NDJSON, text, ladder, SVG),
their segment lines and state records included, and the summary still
counts everything (issue 12). Exit 0 pass, 1 fail."""
import json
import os
import re
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
FAILS = []


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        FAILS.append("tcpshake %s: exit %d %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def records(args):
    return [json.loads(l) for l in run(args).splitlines() if l.strip()]


def summary_wo_filter(recs):
    s = dict(recs[-1])
    s.pop("filter_dropped_lines", None)
    return s


def check(cap, extra, kept):
    name = "%s %s" % (os.path.basename(cap), " ".join(extra))
    full = records(["read", "--json", cap])
    recs = records(["read", "--json"] + extra + [cap])
    ids = {r["conn"] for r in recs if r["type"] == "state"} | {r["id"] for r in recs if r["type"] == "conn"}
    if ids != kept:
        FAILS.append("%s: NDJSON connections %s, expected %s" % (name, sorted(ids), sorted(kept)))
    # Per connection, in order: held records come out once the outcome is
    # known, so connections may interleave differently than unfiltered.
    def by_conn(rs):
        out = {}
        for r in rs:
            if r["type"] == "state":
                out.setdefault(r["conn"], []).append(r)
        return out
    want_states = {k: v for k, v in by_conn(full).items() if k in kept}
    got_states = by_conn(recs)
    if want_states != got_states:
        FAILS.append("%s: state records differ from the unfiltered run's" % name)
    if summary_wo_filter(recs) != summary_wo_filter(full):
        FAILS.append("%s: the summary changed" % name)
    text = run(["read", "--all"] + extra + [cap])
    tids = {int(m) for m in re.findall(r"^ *[0-9.]+ #([0-9]+) ", text, re.M)}
    if tids != kept:
        FAILS.append("%s: text shows connections %s, expected %s" % (name, sorted(tids), sorted(kept)))
    lad = run(["read", "--ladder", "--color", "never"] + extra + [cap])
    lids = {int(m) for m in re.findall(r"── connection #([0-9]+)", lad)}
    if lids != kept:
        FAILS.append("%s: ladder draws %s, expected %s" % (name, sorted(lids), sorted(kept)))
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "f.svg")
        run(["read", "-q", "--svg", svg] + extra + [cap])
        sids = {int(m) for m in re.findall(r">Connection #([0-9]+)", open(svg).read())}
        if sids != kept and not (len(kept) > 64):
            FAILS.append("%s: SVG draws %s, expected %s" % (name, sorted(sids), sorted(kept)))


def main():
    checked = 0
    for cap in sys.argv[2:]:
        conns = [r for r in records(["read", "--json", cap]) if r["type"] == "conn"]
        outcomes = sorted({c["outcome"] for c in conns})
        for o in outcomes:
            check(cap, ["--outcome", o], {c["id"] for c in conns if c["outcome"] == o})
            checked += 1
        if len(outcomes) > 1:
            pair = outcomes[:2]
            check(cap, ["--outcome", ",".join(pair)],
                  {c["id"] for c in conns if c["outcome"] in pair})
        # --slower-than: complete handshakes longer than the threshold.
        for thr_ms in (0.01, 15, 1000):
            kept = {c["id"] for c in conns if c["outcome"] == "complete"
                    and c["rtt_syn_synack_us"] is not None and c["rtt_synack_ack_us"] is not None
                    and c["rtt_syn_synack_us"] + c["rtt_synack_ack_us"] > thr_ms * 1000}
            check(cap, ["--slower-than", "%gms" % thr_ms], kept)
            checked += 1
    for f in FAILS:
        print("FAIL: " + f)
    if FAILS:
        return 1
    if checked < 20:
        print("FAIL: only %d filters checked" % checked)
        return 1
    print("PASS: %d filters on %d captures keep exactly the chosen connections" % (checked,
                                                                               len(sys.argv) - 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
