#!/usr/bin/env python3
"""Connections the table forgot (issue 15; docs/STATES.md "Connections the
table forgot"; ctest label `hostile`). Captures made by tcpshake-gen.

returned.py flood TCPSHAKE TCPSHAKE_GEN WORKDIR COUNT MAX_CONNS
  COUNT unanswered SYNs from distinct spoofed sources, each sent again
  1 s and 3 s later with the same ISN (synflood --retransmits 2), read
  with --max-conns MAX_CONNS (far fewer): every retransmission of an
  evicted handshake is recognised by the memory, so the summary says
  COUNT connections (not up to 3 x COUNT), 2 x COUNT retransmissions, as
  many conn records as connections, and nothing dropped from the memory
  before its window.
returned.py late-fin TCPSHAKE TCPSHAKE_GEN WORKDIR
  The client's FIN at 38 s, the server's at 273 s: the 60 s CLOSE_WAIT
  timeout ends the connection; the late FIN is the server's, after-end of
  connection 1 (roles kept), not a new mid-stream connection naming the
  server as the client.
Exit 0 pass, 1 fail."""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True


def read_json(tcpshake, args):
    out = subprocess.run([tcpshake, "read", "--json"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=False)
    if out.returncode != 0:
        sys.exit("FAIL: tcpshake exit %d: %s" % (out.returncode, out.stderr.decode()))
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def check(cond, what, failures):
    if not cond:
        failures.append(what)


def flood(tcpshake, gen, work, count, max_conns):
    os.makedirs(work, exist_ok=True)
    cap = os.path.join(work, "synflood-rtx-%d.pcap" % count)
    subprocess.run([gen, "synflood", "--count", str(count), "--retransmits", "2", cap], check=True)
    recs = read_json(tcpshake, ["--max-conns", str(max_conns), cap])
    s = recs[-1]
    conns = [r for r in recs if r["type"] == "conn"]
    f = []
    check(s["connections"] == count, "connections %d, want %d" % (s["connections"], count), f)
    check(s["outcomes"]["unanswered"] == count, "unanswered %d" % s["outcomes"]["unanswered"], f)
    check(len(conns) == count, "%d conn records" % len(conns), f)
    check(len({c["id"] for c in conns}) == count, "conn ids not unique", f)
    check(s["retransmits"] == 2 * count, "retransmits %d, want %d" % (s["retransmits"], 2 * count), f)
    check(s["evicted"] > 0 and s["closes"]["evicted"] == s["evicted"], "evicted %d" % s["evicted"], f)
    check(s["peak_active"] == max_conns, "peak %d" % s["peak_active"], f)
    r, m = s.get("returned"), s.get("memory")
    check(r is not None and m is not None, "no summary.returned / summary.memory", f)
    if r and m:
        check(r["syn_retransmits"] > 0 and r["syn_retransmits"] <= 2 * count,
              "returned.syn_retransmits %d" % r["syn_retransmits"], f)
        check(r["segments"] == r["syn_retransmits"], "returned.segments %d" % r["segments"], f)
        check(m["forgotten_early"] == 0, "memory.forgotten_early %d" % m["forgotten_early"], f)
        check(m["window_ms"] >= 3000, "memory.window_ms %d" % m["window_ms"], f)
        check(0 < m["bytes"] <= m["cap_bytes"], "memory.bytes %d of %d" % (m["bytes"], m["cap_bytes"]), f)
    print("summary: connections %d, retransmits %d, evicted %d, returned %s, memory %s"
          % (s["connections"], s["retransmits"], s["evicted"], r, m))
    return f


def late_fin(tcpshake, gen, work):
    os.makedirs(work, exist_ok=True)
    cap = os.path.join(work, "late-fin.pcap")
    subprocess.run([gen, "late-fin", cap], check=True)
    recs = read_json(tcpshake, ["--all", cap])
    s = recs[-1]
    conns = [r for r in recs if r["type"] == "conn"]
    segs = [r for r in recs if r["type"] == "segment"]
    f = []
    check(s["connections"] == 2, "connections %d, want 2" % s["connections"], f)
    check(s["outcomes"]["mid-stream"] == 0, "a mid-stream connection", f)
    check(not any(c["roles_guessed"] for c in conns), "roles guessed", f)
    first = [c for c in conns if c["id"] == 1]
    check(len(first) == 1 and first[0]["close"] == "timeout" and first[0]["outcome"] == "complete"
          and first[0]["client"] == "192.0.2.10:43564", "connection 1: %s" % first, f)
    late = [g for g in segs if "after-end" in g["notes"]]
    check(len(late) == 2, "%d after-end segments, want 2" % len(late), f)
    if len(late) == 2:
        check(late[0]["conn"] == 1 and late[0]["sender"] == "server" and late[0]["flags"] == "FIN+ACK"
              and late[0]["rel_seq"] == 41, "late FIN: %s" % late[0], f)
        check(late[1]["conn"] == 1 and late[1]["sender"] == "client" and late[1]["flags"] == "RST",
              "client RST: %s" % late[1], f)
    r = s.get("returned")
    check(r == {"connections": 1, "segments": 2, "syn_retransmits": 0}, "returned %s" % r, f)
    return f


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "late-fin":
        f = late_fin(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 7 and sys.argv[1] == "flood":
        f = flood(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(__doc__)
    for x in f:
        print("FAIL: " + x)
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
