#!/usr/bin/env python3
"""hostile.py CASE TCPSHAKE WORKDIR: one hostile-capture case (ctest label
`hostile`). The capture is generated here (hostile_gen.py), then read with
`tcpshake read --json --all` and `tcpshake read -v --all` (text). Each case
asserts: the documented exit status, a one-line diagnostic on stderr naming
the fault (or none when the fault is a packet the decoder classifies), the
counter or record that reports it, and that the good handshake written
before the fault is still reported. Exit 0 pass, 1 fail.

`--list` prints the case names (CMake registers one test per case);
`--write DIR` writes every case's capture into DIR (scripts/valgrind-captures
runs valgrind over them)."""
import json
import os
import re
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_gen import (ACK, AE, CLI, CWR, ECE, FIN, ISN_C, ISN_S, PSH, RST, SRV, SYN, URG,  # noqa: E402
                         eth, good_pcap_records, handshake_frames, ipv4, ipv6, ng_block, ng_epb,
                         ng_idb, ng_shb, other_segment, pcap_header, pcap_record, tcp)

OTHER = ("10.0.0.3", "10.0.0.2")


def hostile_v4(seg, **kw):
    return eth(ipv4(OTHER[0], OTHER[1], seg, **kw))


def pcap_with(*frames, header=None):
    """The good handshake, then each hostile frame (or raw record bytes)."""
    out = (header or pcap_header()) + good_pcap_records()
    for i, f in enumerate(frames):
        out += f if isinstance(f, Raw) else pcap_record(f, 1000 + 100 * i)
    return out


class Raw(bytes):
    """Record bytes written as they are (a hostile record header)."""


def pcapng_good():
    hs = handshake_frames()
    return ng_shb() + ng_idb() + b"".join(ng_epb(f, 100 + 100 * i) for i, f in enumerate(hs))


# Each case: bytes, expected exit status, stderr regex (None: stderr must be
# empty), and checks on the JSON output (a function returning a list of
# failures). HS = the good handshake before the fault must be reported.
V6_SYN = tcp(40001, 80, 7000, 0, SYN)
SEG_DATA = other_segment(SYN, payload=b"x" * 60)
ALL_FLAGS = FIN | SYN | RST | PSH | ACK | URG | ECE | CWR | AE


def undecoded(status, layer):
    def check(out):
        u = [o for o in out if o["type"] == "undecoded"]
        if len(u) != 1 or u[0]["status"] != status or u[0]["layer"] != layer:
            return ["expected one undecoded frame %s at layer %s, got %s" %
                    (status, layer, [(x["status"], x["layer"]) for x in u])]
        return decode_count(status, 1)(out)
    return check


def decode_count(status, n):
    def check(out):
        s = summary(out)
        if s is None or s["decode"][status] != n:
            return ["summary decode.%s is %s, expected %d" %
                    (status, s and s["decode"][status], n)]
        return []
    return check


def seg_anomaly(anomaly, options_has=None):
    def check(out):
        segs = [o for o in out if o["type"] == "segment" and anomaly in o["anomalies"]]
        fails = []
        if len(segs) != 1:
            fails.append("expected one segment with anomaly %s, got %d" % (anomaly, len(segs)))
        elif options_has and options_has not in segs[0]["options"]:
            fails.append("options %r lack %r" % (segs[0]["options"], options_has))
        s = summary(out)
        if s["anomalies"].get(anomaly) != 1:
            fails.append("summary anomalies.%s is %s, expected 1" % (anomaly, s["anomalies"].get(anomaly)))
        return fails
    return check


def summary_has(**want):
    def check(out):
        s = summary(out)
        return ["summary %s is %r, expected %r" % (k, s.get(k), v)
                for k, v in want.items() if s.get(k) != v]
    return check


def error_matches(rx):
    def check(out):
        s = summary(out)
        if not s.get("error") or not re.search(rx, s["error"]):
            return ["summary error %r does not match %r" % (s.get("error"), rx)]
        return []
    return check


def summary(out):
    return out[-1] if out and out[-1]["type"] == "summary" else None


DAY_US = 86400 * 10**6
EXT_LOOP = b"".join(struct.pack("!BB6x", 60, 0) for _ in range(32))  # 32 x dst-opts -> dst-opts

CASES = {
    # --- the container ---
    "bad_magic": (b"\x00\x11\x22\x33" + pcap_header()[4:] + good_pcap_records(), 4,
                  r": not a pcap or pcapng capture file$", []),
    "bad_version": (pcap_header(version=(3, 0)) + good_pcap_records(), 4,
                    r": not a pcap or pcapng capture file \(.*version", []),
    "truncated_global_header": (pcap_header()[:10], 5,
                                r": truncated capture file: tried to read 24 file header bytes, only got 6$", []),
    "caplen_gt_snaplen": (pcap_with(hostile_v4(SEG_DATA), header=pcap_header(snaplen=64)), 0, None,
                          # libpcap cuts the record to the snap length; the
                          # segment decodes with its payload cut.
                          [seg_anomaly("payload-cut"), summary_has(tcp_packets=4)]),
    "caplen_zero": (pcap_with(Raw(pcap_record(b"", 1000, caplen=0, wirelen=60))), 0, None,
                    [undecoded("truncated", "link")]),
    "caplen_over_256k": (pcap_with(Raw(pcap_record(hostile_v4(V6_SYN), 1000, caplen=300000)),
                                   header=pcap_header(snaplen=0x7FFFFFFF)), 9,
                         r": damaged capture file \(invalid packet capture length 300000, "
                         r"bigger than maximum of 262144\)$",
                         [error_matches("invalid packet capture length 300000"),
                          summary_has(packets=3)]),
    "wirelen_lt_caplen": (pcap_with(Raw(pcap_record(hostile_v4(SEG_DATA), 1000, wirelen=20))), 0,
                          None, [summary_has(packets=4, tcp_packets=4)]),
    "record_cut_midway": (pcap_with(Raw(pcap_record(hostile_v4(V6_SYN), 1000)[:30])), 5,
                          r": truncated capture file: tried to read 54 captured bytes, only got 14$",
                          [error_matches("truncated"), summary_has(packets=3)]),
    "record_header_cut": (pcap_with(Raw(pcap_record(hostile_v4(V6_SYN), 1000)[:10])), 5,
                          r": truncated capture file: tried to read 16 header bytes, only got 10$",
                          [summary_has(packets=3)]),
    "pcapng_block_len_7": (pcapng_good() + ng_epb(hostile_v4(V6_SYN), 1000, total=7), 9,
                           r": damaged capture file \(block in pcapng dump file has a length of 7 < 12\)$",
                           [summary_has(packets=3)]),
    "pcapng_block_len_mismatch": (pcapng_good() + ng_epb(hostile_v4(V6_SYN), 1000, trailer=1234), 9,
                                  r": damaged capture file \(block total length in header and trailer don't match\)$",
                                  [summary_has(packets=3)]),
    "pcapng_block_len_huge": (pcapng_good() + ng_epb(hostile_v4(V6_SYN), 1000, total=0x7FFFFFF0), 9,
                              r": damaged capture file \(pcapng block size \d+ > maximum \d+\)$",
                              [summary_has(packets=3)]),
    "pcapng_block_past_end": (pcapng_good() + ng_epb(hostile_v4(V6_SYN), 1000, total=2000), 5,
                              r": truncated capture file(: |$)",
                              [summary_has(packets=3)]),
    "pcapng_shb_len_bad": (ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1), total=13) +
                           pcapng_good(), 4,
                           r": not a pcap or pcapng capture file \(Section Header Block .*invalid length", []),
    "pcapng_epb_caplen_past_block": (pcapng_good() + ng_block(6, struct.pack("<IIIII", 0, 0, 0, 5000, 5000) +
                                                              hostile_v4(V6_SYN)), 9,
                                     r": damaged capture file \(", [summary_has(packets=3)]),
    "pcapng_unknown_interface": (pcapng_good() + ng_epb(hostile_v4(V6_SYN), 1000, ifid=5), 9,
                                 r": damaged capture file \(a packet arrived on interface 5", [summary_has(packets=3)]),
    # --- time: packet time is the only clock, and it never goes back ---
    "time_jumps_days_then_back": (pcap_with(Raw(pcap_record(hostile_v4(V6_SYN), 6 * DAY_US)),
                                            Raw(pcap_record(eth(ipv4("10.0.0.4", OTHER[1], V6_SYN)), 500))),
                                  0, None,
                                  # A frame 6 days on, then one from the past: the
                                  # jump is isolated (docs/STATES.md, "Clock"), so
                                  # it is counted and expires nothing; the frame
                                  # from the past is tracked, not a crash or a rewind.
                                  [summary_has(timed_out=0, tcp_packets=5),
                                   lambda out: [] if summary(out)["anomalies"]["time-jump"] == 1 else
                                   ["time-jump not counted: %s" % summary(out)["anomalies"]],
                                   lambda out: [] if all(c["close"] != "timeout" for c in conn_records(out)) else
                                   ["a record timed out on an isolated jump: %s" % conn_records(out)]]),
    # --- IPv4 ---
    "ipv4_ihl_below_5": (pcap_with(hostile_v4(V6_SYN, ihl=4)), 0, None, [undecoded("malformed", "ipv4")]),
    "ipv4_total_below_header": (pcap_with(hostile_v4(V6_SYN, total=19)), 0, None,
                                [undecoded("malformed", "ipv4")]),
    "ipv4_total_past_wire": (pcap_with(hostile_v4(V6_SYN, total=1500)), 0, None,
                             [undecoded("malformed", "ipv4")]),
    # --- TCP header ---
    "tcp_doff_below_5": (pcap_with(hostile_v4(other_segment(SYN, doff=4))), 0, None,
                         [undecoded("malformed", "tcp")]),
    "tcp_doff_past_end": (pcap_with(hostile_v4(other_segment(SYN, doff=15))), 0, None,
                          [undecoded("malformed", "tcp")]),
    "tcp_opt_len_0": (pcap_with(hostile_v4(other_segment(SYN, opts=b"\x02\x00\x00\x00"))), 0, None,
                      [seg_anomaly("tcp-option", "[bad opt]")]),
    "tcp_opt_len_1": (pcap_with(hostile_v4(other_segment(SYN, opts=b"\x08\x01\x00\x00"))), 0, None,
                      [seg_anomaly("tcp-option", "[bad opt]")]),
    "tcp_opt_past_end": (pcap_with(hostile_v4(other_segment(SYN, opts=b"\x02\x04\x05\xb4\x08\x0a\x00\x00"))),
                         0, None, [seg_anomaly("tcp-option", "mss 1460,[bad opt]")]),
    # --- IPv6 extension headers ---
    "ipv6_ext_chain_loop": (pcap_with(eth(ipv6(3, 2, V6_SYN, nh=60, ext=EXT_LOOP))), 0, None,
                            [undecoded("malformed", "ipv6-ext")]),
    "ipv6_ext_overrun": (pcap_with(eth(ipv6(3, 2, V6_SYN, nh=60, ext=struct.pack("!BB6x", 6, 200)))),
                         0, None, [undecoded("malformed", "ipv6-ext")]),
    "ipv6_ext_past_payload_length": (pcap_with(eth(ipv6(3, 2, V6_SYN, nh=0, plen=4,
                                                        ext=struct.pack("!BB6x", 6, 0)))),
                                     0, None, [undecoded("malformed", "ipv6-ext")]),
    "ipv6_hopopts_not_first": (pcap_with(eth(ipv6(3, 2, V6_SYN, nh=60, ext=struct.pack("!BB6x", 0, 0) +
                                                  struct.pack("!BB6x", 6, 0)))),
                               0, None, [undecoded("malformed", "ipv6-ext")]),
    # --- link layers ---
    "vlan_stack_too_deep": (pcap_with(bytes.fromhex("020000000002020000000001") +
                                      b"\x81\x00\x00\x01" * 6 + b"\x08\x00" + ipv4(*OTHER, V6_SYN)),
                            0, None, [undecoded("unsupported", "vlan")]),
    "mpls_stack_too_deep": (pcap_with(bytes.fromhex("020000000002020000000001") + b"\x88\x47" +
                                      b"\x00\x01\x00\x40" * 12 + ipv4(*OTHER, V6_SYN)),
                            0, None, [undecoded("unsupported", "mpls")]),
    # --- flags ---
    "tcp_all_flags": (pcap_with(hostile_v4(other_segment(ALL_FLAGS)),
                                eth(ipv4(CLI[0], SRV[0], tcp(CLI[1], SRV[1], ISN_C + 1, ISN_S + 1, ALL_FLAGS)))),
                      0, None,
                      # invalid: never creates or moves state; on the live
                      # connection it is attributed and flagged.
                      [summary_has(invalid=2, untracked=1, connections=1),
                       lambda out: [] if conn_records(out)[0]["anomalies"] == ["invalid-flags"] else
                       ["the live connection lacks the invalid-flags anomaly"]]),
    "tcp_syn_fin_rst": (pcap_with(hostile_v4(other_segment(SYN | FIN | RST))), 0, None,
                        [summary_has(invalid=1, untracked=1, connections=1),
                         seg_anomaly("bad-flags")]),
}


def conn_records(out):
    return [o for o in out if o["type"] == "conn"]


def handshake_kept(out, rc):
    """The good handshake before the fault: its connection record (complete),
    or, when the file header itself is bad (exit 4, or 5 on the header), no
    output at all."""
    recs = conn_records(out)
    first = [r for r in recs if r["client"] == "%s:%d" % CLI and r["server"] == "%s:%d" % SRV]
    if len(first) != 1 or first[0]["outcome"] != "complete":
        return ["the handshake before the fault was not reported as complete: %s" % first]
    s = summary(out)
    if s is None:
        return ["no summary line"]
    if sum(s["outcomes"].values()) != s["connections"]:
        return ["outcomes %s do not add up to %d connections" % (s["outcomes"], s["connections"])]
    return []


def run(bin_, args, path):
    p = subprocess.run([bin_, "read"] + args + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write_case(case, work):
    blob = CASES[case][0]
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, case + (".pcapng" if blob[:4] == b"\x0a\x0d\x0d\x0a" else ".pcap"))
    with open(path, "wb") as f:
        f.write(blob)
    return path


def main():
    if sys.argv[1:] == ["--list"]:
        print(";".join(CASES))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        for case in CASES:
            print(write_case(case, sys.argv[2]))
        return 0
    case, bin_, work = sys.argv[1:4]
    want_rc, err_rx, checks = CASES[case][1:]
    path = write_case(case, work)
    fails = []
    rc, stdout, stderr = run(bin_, ["--json", "--all"], path)
    if rc != want_rc:
        fails.append("exit status %d, expected %d" % (rc, want_rc))
    err_lines = stderr.splitlines()
    if err_rx is None:
        if stderr:
            fails.append("unexpected stderr: %r" % stderr)
    elif len(err_lines) != 1 or not err_lines[0].startswith("tcpshake: ") or not re.search(err_rx, err_lines[0]):
        fails.append("stderr %r is not one line matching %r" % (stderr, err_rx))
    try:
        out = [json.loads(line) for line in stdout.splitlines()]
    except ValueError as e:
        out = []
        fails.append("stdout is not NDJSON: %s" % e)
    header_fault = want_rc == 4 or (want_rc == 5 and "file header" in (err_rx or ""))
    if header_fault:
        if stdout:
            fails.append("output for a file whose header is bad")
    else:
        fails += handshake_kept(out, rc)
        for check in checks:
            fails += check(out)
    # The text reporter on the same file: same status, a summary unless the
    # header is bad, nothing but the diagnostic on stderr.
    trc, tout, terr = run(bin_, ["-v", "--all"], path)
    if trc != want_rc:
        fails.append("text: exit status %d, expected %d" % (trc, want_rc))
    if not header_fault and "-- summary" not in tout:
        fails.append("text: no summary")
    if terr != stderr:
        fails.append("text: stderr differs: %r" % terr)
    if fails:
        print("FAIL [%s] (%s)" % (case, path))
        for f in fails:
            print("  " + f)
        print("--- stdout (json):\n" + stdout[-3000:])
        print("--- stderr:\n" + stderr)
        return 1
    print("ok [%s]: exit %d%s" % (case, rc, (", " + err_lines[0]) if err_lines else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
