#!/usr/bin/env python3
"""Conformance of tcpshake's per-connection results with independent oracles.

For every capture in the shared corpus (../shared/conformance), run
`tcpshake read --json`, and compare each connection's handshake outcome (and
close outcome) with:
  * Zeek's conn_state + history (NAME.expected-conn.tsv; the
    .ignore-checksums variant when present, since tcpshake never drops a
    segment for its checksum),
  * tshark 4.0's tcp.completeness bits (NAME.tshark-completeness.tsv),
following the mapping of docs/SEMANTICS.md section 5.1. Rows are matched per
4-tuple (either direction) in time order. Every difference must be listed,
with its reason, in deviations.tsv; a listed deviation that no longer occurs
is reported as stale. Exit 0 only when every difference is explained.

Usage: conformance.py TCPSHAKE_BIN CORPUS_DIR DEVIATIONS_TSV [--report FILE]
"""
import collections
import csv
import glob
import json
import os
import subprocess
import sys

SYN, SYNACK, ACK, DATA, FIN, RST = 1, 2, 4, 8, 16, 32


def split_endpoint(s):
    """'1.2.3.4:80' or '[::1]:80' -> ('1.2.3.4', 80)."""
    if s.startswith("["):
        host, port = s[1:].rsplit("]:", 1)
    else:
        host, port = s.rsplit(":", 1)
    return host, int(port)


def tuple_key(a, b):
    return tuple(sorted([a, b]))


def fmt_tuple(a, b):
    def one(e):
        return ("[%s]:%d" % e) if ":" in e[0] else ("%s:%d" % e)
    return "%s>%s" % (one(a), one(b))


def norm_ip(ip):
    """Canonical text of an IPv6 address (Zeek prints compressed lowercase)."""
    if ":" not in ip:
        return ip
    import ipaddress
    return str(ipaddress.ip_address(ip))


# ---------- Zeek --------------------------------------------------------------

def unflip(hist):
    """Zeek records history letters with the roles of the moment; after a
    flip ('^') the letters before it belong to the other side. Rewrite the
    whole history in the final roles."""
    if "^" not in hist:
        return hist
    pre, post = hist.split("^", 1)
    return pre.swapcase() + post


def zeek_outcomes(state, hist):
    """Handshake outcomes compatible with a Zeek conn_state/history."""
    if state == "?" and hist == "?":
        return set()  # no baseline: the deviation file must say why
    h = unflip(hist if hist != "?" else "")
    orig_syn = "S" in h
    resp_synack = "h" in h
    orig_ack = any(x in h for x in "AD")
    if state == "REJ":
        return {"refused"}
    if state == "S0":
        return {"unanswered"}
    if state == "RSTOS0":
        return {"aborted"}
    if state in ("RSTRH", "SHR", "OTH"):
        return {"mid-stream"}
    if not orig_syn:
        return {"mid-stream"}
    if state == "SH":
        return {"unanswered"}
    if resp_synack and orig_ack:
        return {"complete"}
    if resp_synack and ("R" in h or "r" in h):
        return {"aborted"}
    if resp_synack:
        return {"half-open"}
    return {"unanswered"}


def zeek_derived_state(hist):
    """For baselines that print '?', derive conn_state from the history the
    way Zeek's conn_state() would, as far as the history allows."""
    if hist in ("", "?"):
        return "?"
    o_fin = "F" in hist
    r_fin = "f" in hist
    o_rst = "R" in hist
    r_rst = "r" in hist
    if o_fin and r_fin:
        return "SF"
    if o_rst:
        return "RSTO"
    if r_rst:
        return "RSTR"
    if o_fin:
        return "S2"
    if r_fin:
        return "S3"
    return "S1"


def zeek_closes(state, hist):
    """Close outcomes compatible with a Zeek conn_state."""
    return {
        "SF": {"closed"},
        "REJ": {"reset_by_server"},
        "RSTO": {"reset_by_client"},
        "RSTOS0": {"reset_by_client"},
        "RSTR": {"reset_by_server"},
        "RSTRH": {"reset_by_server"},
        "S0": {"never_opened", "timeout"},
        "S1": {"open_at_end", "timeout"},
        "S2": {"open_at_end", "timeout"},
        "S3": {"open_at_end", "timeout"},
        "SH": {"open_at_end", "timeout", "never_opened"},
        "SHR": {"open_at_end", "timeout"},
        "OTH": None,  # anything
    }.get(state)


def load_zeek(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["proto"] != "tcp":
                continue
            a = (norm_ip(r["orig_h"]), int(r["orig_p"]))
            b = (norm_ip(r["resp_h"]), int(r["resp_p"]))
            rows.append((a, b, r["conn_state"], r["history"]))
    return rows


# ---------- tshark ------------------------------------------------------------

def tshark_outcomes(bits):
    """Handshake outcomes compatible with tcp.completeness (docs/SEMANTICS.md 5.1)."""
    if not bits & SYN:
        return {"mid-stream"}
    if bits & SYNACK and bits & ACK:
        return {"complete", "aborted"} if bits & RST else {"complete"}
    if bits & SYNACK:
        return {"half-open", "aborted", "complete"} if bits & RST else {"half-open", "complete"}
    if bits & RST:
        return {"refused", "aborted", "unanswered"} if bits & ACK else {"aborted", "unanswered"}
    if bits & ACK:
        return {"complete"}  # the client ACKed a SYN+ACK the capture lacks
    return {"unanswered"}


def load_tshark(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "tcp.stream" or not cols[0].isdigit():
                continue
            try:
                a = (norm_ip(cols[1]), int(cols[2]))
                b = (norm_ip(cols[3]), int(cols[4]))
                bits = int(cols[15])
            except (IndexError, ValueError):
                continue
            rows.append((a, b, bits, cols[17] if len(cols) > 17 else ""))
    return rows


# ---------- Suricata ------------------------------------------------------------

SURICATA_STATE = {"syn_sent": "SYN_SENT", "syn_recv": "SYN_RECV", "established": "ESTABLISHED",
                  "fin_wait1": "FIN_WAIT_1", "fin_wait2": "FIN_WAIT_2", "time_wait": "TIME_WAIT",
                  "last_ack": "LAST_ACK", "close_wait": "CLOSE_WAIT", "closing": "CLOSING",
                  "closed": "CLOSED"}


def load_suricata(path):
    """(a, b, flow.state, tcp.state) rows; a/b None when the baseline has '?'."""
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r.get("proto", "").upper() != "TCP":
                continue
            if r["src_ip"] == "?":
                a = b = None
            else:
                a = (norm_ip(r["src_ip"]), int(r["src_port"]))
                b = (norm_ip(r["dest_ip"]), int(r["dest_port"]))
            rows.append((a, b, r["flow.state"], r["tcp.state"]))
    return rows


def suricata_problems(o, flow_state, tcp_state):
    """Suricata keeps one stream state per flow: it must be one of our two
    endpoint states. flow.state 'new' means no reply was seen."""
    problems = []
    want = SURICATA_STATE.get(tcp_state)
    if want and want not in (o["client_state"], o["server_state"]):
        problems.append("tcp.state %s is neither endpoint's state (%s/%s)"
                        % (tcp_state, o["client_state"], o["server_state"]))
    if flow_state == "new" and o["outcome"] != "unanswered":
        problems.append("flow.state new but outcome %s" % o["outcome"])
    if flow_state in ("established", "closed") and o["outcome"] == "unanswered":
        problems.append("flow.state %s but outcome unanswered" % flow_state)
    return problems


def compare_suricata(capture_name, ours, rows, deviations, results):
    for a, b, fst, tst in rows:
        if a is None:
            cands = ours
            tstr = "*"
        else:
            key = tuple_key(a, b)
            cands = [o for o in ours if tuple_key(o["_a"], o["_b"]) == key]
            tstr = fmt_tuple(a, b)
        their = "%s/%s" % (fst, tst)
        if not cands:
            problems = ["no connection"]
            our_text = "none"
        else:
            # the last connection on the tuple is the flow Suricata reports
            o = cands[-1] if a is not None else None
            if o is None:
                ok = [c for c in cands if not suricata_problems(c, fst, tst)]
                o = ok[0] if ok else cands[-1]
            problems = suricata_problems(o, fst, tst)
            our_text = "%s %s/%s" % (o["outcome"], o["client_state"], o["server_state"])
        reason = deviations.get((capture_name, "suricata", tstr))
        if problems:
            verdict = ("differs: " + reason) if reason else "UNEXPLAINED: " + "; ".join(problems)
            if reason:
                deviations_used.add((capture_name, "suricata", tstr))
        else:
            verdict = "agreed"
        results.append((capture_name, "suricata", tstr, their, our_text, verdict))


# ---------- ours ----------------------------------------------------------------

def run_tcpshake(binary, capture):
    p = subprocess.run([binary, "read", "--json", "--all", capture], capture_output=True,
                       text=True)
    conns = []
    segs = collections.defaultdict(list)
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o.get("type") == "segment" and o.get("conn") is not None:
            segs[o["conn"]].append(o)
        if o.get("type") == "conn":
            o["_segs"] = segs.get(o["id"], [])
            c = split_endpoint(o["client"])
            s = split_endpoint(o["server"])
            o["_a"] = (norm_ip(c[0]), c[1])
            o["_b"] = (norm_ip(s[0]), s[1])
            conns.append(o)
    conns.sort(key=lambda o: (o["first_ts"], o["id"]))
    return p.returncode, p.stderr.strip(), conns


HISTORY_LETTERS = set("SHADFR")


def segment_letter_set(o, orig):
    """Zeek-style history letters of our segments (upper case: sent by
    Zeek's originator `orig`): S SYN, H SYN+ACK, A pure ACK, D data, F FIN,
    R RST. Only the letters, not their order or repeats."""
    letters = set()
    for sg in o.get("_segs", []):
        fl = set(sg["flags"].split("+"))
        mine = set()
        if "RST" in fl:
            mine.add("R")
        elif "SYN" in fl:
            mine.add("H" if "ACK" in fl else "S")
        else:
            if "FIN" in fl:
                mine.add("F")
            if sg["len"] > 0:
                mine.add("D")
            elif fl == {"ACK"}:
                mine.add("A")
        src = split_endpoint(sg["src"])
        upper = (norm_ip(src[0]), src[1]) == orig
        letters |= {m if upper else m.lower() for m in mine}
    return letters


def zeek_letter_set(hist):
    return {c for c in unflip(hist) if c.upper() in HISTORY_LETTERS}


def by_tuple(items, key):
    d = collections.OrderedDict()
    for it in items:
        d.setdefault(key(it), []).append(it)
    return d


# ---------- comparison ------------------------------------------------------------

def compare(capture_name, ours, oracle, rows, deviations, results):
    """rows: list of (a, b, theirs_text, allowed_outcomes, allowed_closes)."""
    mine = by_tuple(ours, lambda o: tuple_key(o["_a"], o["_b"]))
    theirs = by_tuple(rows, lambda r: tuple_key(r[0], r[1]))
    for key, trows in theirs.items():
        tstr = fmt_tuple(trows[0][0], trows[0][1])
        ocs = mine.get(key, [])
        our_text = ",".join("%s/%s" % (o["outcome"], o.get("close", "?")) for o in ocs) or "none"
        their_text = ",".join(r[2] for r in trows)
        problems = []
        if not ocs:
            problems.append("no connection")
        elif len(ocs) == len(trows):
            for o, r in zip(ocs, trows):
                if o["outcome"] not in r[3]:
                    problems.append("outcome %s not in %s" % (o["outcome"], sorted(r[3])))
                if r[4] is not None and o.get("close") not in r[4]:
                    problems.append("close %s not in %s" % (o.get("close"), sorted(r[4])))
                hist = r[5] if len(r) > 5 else None
                if hist and hist != "?":
                    ours_l = segment_letter_set(o, r[0])
                    theirs_l = zeek_letter_set(hist)
                    if ours_l != theirs_l:
                        problems.append("history letters %s vs ours %s" % (
                            "".join(sorted(theirs_l)), "".join(sorted(ours_l))))
        elif len(trows) == 1 and oracle == "tshark":
            # tshark keeps one stream while the ISN repeats (docs/SEMANTICS.md 5.2.1)
            for o in ocs:
                if o["outcome"] not in trows[0][3]:
                    problems.append("outcome %s not in %s" % (o["outcome"], sorted(trows[0][3])))
        else:
            problems.append("%d connections vs %d rows" % (len(ocs), len(trows)))
        dkey = (capture_name, oracle, tstr)
        dkey_rev = (capture_name, oracle, fmt_tuple(trows[0][1], trows[0][0]))
        reason = deviations.get(dkey) or deviations.get(dkey_rev) or deviations.get(
            (capture_name, oracle, "*"))
        used = dkey if dkey in deviations else dkey_rev if dkey_rev in deviations else (
            capture_name, oracle, "*")
        if problems:
            verdict = ("differs: " + reason) if reason else "UNEXPLAINED: " + "; ".join(problems)
            if reason:
                deviations_used.add(used)
        else:
            verdict = "agreed"
        results.append((capture_name, oracle, tstr, their_text, our_text, verdict))


deviations_used = set()


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    binary, corpus, devfile = sys.argv[1:4]
    report = None
    if "--report" in sys.argv:
        report = sys.argv[sys.argv.index("--report") + 1]
    deviations = {}
    with open(devfile) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "capture":
                continue
            deviations[(cols[0], cols[1], cols[2])] = cols[-1]
    captures = sorted(glob.glob(os.path.join(corpus, "*.pcap")) +
                      glob.glob(os.path.join(corpus, "*.pcapng")))
    if not captures:
        print("SKIPPED: no captures in %s" % corpus)
        return 77
    results = []
    failures = []
    for cap in captures:
        name = os.path.basename(cap)
        rc, err, ours = run_tcpshake(binary, cap)
        if rc != 0:
            failures.append("%s: tcpshake read exited %d: %s" % (name, rc, err))
            continue
        # tcpshake never drops a segment for its checksum and runs with
        # default timers: prefer the baselines made the same way.
        zpath = None
        for variant in (".expected-conn.ignore-checksums.tsv",
                        ".expected-conn.default-timers.tsv", ".expected-conn.tsv"):
            if os.path.exists(cap + variant):
                zpath = cap + variant
                break
        if zpath:
            rows = []
            for a, b, st, hist in load_zeek(zpath):
                if st == "?":
                    st = zeek_derived_state(hist)
                rows.append((a, b, "%s %s" % (st, hist), zeek_outcomes(st, hist),
                             zeek_closes(st, hist), hist))
            compare(name, ours, "zeek", rows, deviations, results)
        spath = cap + ".expected-suricata-flow.tsv"
        if os.path.exists(spath):
            compare_suricata(name, ours, load_suricata(spath), deviations, results)
        tpath = cap + ".tshark-completeness.tsv"
        if os.path.exists(tpath):
            rows = [(a, b, "%d" % bits, tshark_outcomes(bits), None)
                    for a, b, bits, _ in load_tshark(tpath)]
            compare(name, ours, "tshark", rows, deviations, results)
    stale = [k for k in deviations if k not in deviations_used]
    lines = ["| capture | oracle | connection | they say | we say | verdict |",
             "|---|---|---|---|---|---|"]
    for r in results:
        lines.append("| " + " | ".join(r) + " |")
    text = "\n".join(lines)
    print(text)
    agreed = sum(1 for r in results if r[5] == "agreed")
    explained = sum(1 for r in results if r[5].startswith("differs"))
    unexplained = [r for r in results if r[5].startswith("UNEXPLAINED")]
    print()
    print("captures: %d, comparisons: %d, agreed: %d, differs with reason: %d, unexplained: %d"
          % (len(captures), len(results), agreed, explained, len(unexplained)))
    for s in stale:
        failures.append("stale deviation (no longer differs): %s" % "\t".join(s))
    for r in unexplained:
        failures.append("unexplained: %s %s %s: they say %s, we say %s (%s)" % (
            r[0], r[1], r[2], r[3], r[4], r[5]))
    if report:
        with open(report, "w") as f:
            f.write(text + "\n")
    for f in failures:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (agreed + explained, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
