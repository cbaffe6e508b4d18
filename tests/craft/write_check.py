#!/usr/bin/env python3
"""write_check.py TCPSHAKE WORKDIR [TSHARK]: `tcpshake craft --write` over
every segment kind, many option sets, ECN, payloads, IPv4 and IPv6, raw and
Ethernet link types. Each combination is written by the real binary, then
checked two ways:

  * tshark (an independent dissector) must report the TCP checksum, and the
    IPv4 header checksum, as Good (status 1), and must see the same ports,
    sequence numbers, flags, window, TTL, length and option values;
  * `tcpshake read --all --json` (the project's decoder) must give back
    every field that was asked for.

The files are concatenated per link type (pcap records after the first
header) so that each decoder runs once per link type. Exit 0 pass, 1 fail,
77 when tshark is missing (a failure under TCPSHAKE_REQUIRE_PRIV=1, as in CI).
"""
import json
import os
import shutil
import struct
import subprocess
import sys

BIN, WORK = sys.argv[1], sys.argv[2]
TSHARK = sys.argv[3] if len(sys.argv) > 3 else shutil.which("tshark")

TH = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10,
      "URG": 0x20, "ECE": 0x40, "CWR": 0x80, "AE": 0x100}
WORD_ORDER = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"]

# (name, arguments, expected option values)
OPTSETS = [
    ("none", [], {}),
    ("mss", ["--mss", "1460"], {"mss": 1460}),
    ("linux", ["--mss", "65495", "--sackok", "--ts", "1:0", "--wscale", "7"],
     {"mss": 65495, "sackok": True, "ts": (1, 0), "wscale": 7}),
    ("ts", ["--ts", "4294967295:123456"], {"ts": (4294967295, 123456)}),
    ("sackok", ["--sackok"], {"sackok": True}),
    ("wscale", ["--wscale", "14"], {"wscale": 14}),
    ("wscale0", ["--wscale", "0", "--mss", "1"], {"wscale": 0, "mss": 1}),
    ("tfo-req", ["--tfo-request", "--mss", "1400"], {"tfo": "", "mss": 1400}),
    ("tfo4", ["--tfo-cookie", "deadbeef"], {"tfo": "deadbeef"}),
    ("full40", ["--mss", "536", "--sackok", "--ts", "7:8", "--wscale", "2",
                "--tfo-cookie", "00112233445566778899AABBCCDDEEFF"],
     {"mss": 536, "sackok": True, "ts": (7, 8), "wscale": 2,
      "tfo": "00112233445566778899aabbccddeeff"}),
]
KINDS = ["syn", "synack", "ack", "rst", "fin"]
FAMILIES = [("192.0.2.1", "198.51.100.2", 4), ("2001:db8::1", "2001:db8::2", 6),
            ("127.0.0.1", "127.0.0.1", 4), ("::1", "::1", 6)]
LINKS = ["raw", "ethernet"]
PAYLOADS = [None, "hello", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "x" * 1200]


def fail(msg):
    print("FAIL [write_checksums]: " + msg)
    sys.exit(1)


def flags_for(kind, ecn, data, with_ack):
    f = {"syn": TH["SYN"], "synack": TH["SYN"] | TH["ACK"], "ack": TH["ACK"],
         "rst": TH["RST"], "fin": TH["FIN"] | TH["ACK"]}[kind]
    if ecn:
        f |= TH["ECE"] | (TH["CWR"] if kind == "syn" else 0)
    if data and kind in ("ack", "fin"):
        f |= TH["PSH"]
    if kind == "rst" and with_ack:
        f |= TH["ACK"]
    return f


def words(f):
    return "+".join(w for w in WORD_ORDER if f & TH[w])


def endpoint(ip, port, fam):
    return "[%s]:%d" % (ip, port) if fam == 6 else "%s:%d" % (ip, port)


def combos():
    i = 0
    for link in LINKS:
        for src, dst, fam in FAMILIES:
            for kind in KINDS:
                for oname, oargs, ovals in OPTSETS:
                    for ecn in (False, True):
                        payload = PAYLOADS[i % len(PAYLOADS)]
                        with_ack = i % 2 == 1
                        c = {
                            "i": i, "link": link, "fam": fam, "src": src, "dst": dst,
                            "sport": 1024 + i, "dport": 1 + (i * 37) % 65535,
                            "kind": kind, "oname": oname, "ovals": ovals, "ecn": ecn,
                            "payload": payload, "seq": (i * 2654435761) % 2**32,
                            "ack": (i * 40503 + 7) % 2**32 if with_ack else 0,
                            "win": [0, 1, 512, 29200, 65535][i % 5],
                            "ttl": [None, 1, 128, 255][i % 4],
                        }
                        args = [BIN, "craft", kind, "--from", endpoint(src, c["sport"], fam),
                                "--to", endpoint(dst, c["dport"], fam), "--seq", str(c["seq"]),
                                "--win", str(c["win"]), "--link", link] + oargs
                        if with_ack:
                            args += ["--ack", str(c["ack"])]
                        if ecn:
                            args.append("--ecn")
                        if payload:
                            args += ["--data", payload]
                        if c["ttl"]:
                            args += ["--ttl", str(c["ttl"])]
                        c["args"] = args
                        c["flags"] = flags_for(kind, ecn, payload, with_ack)
                        yield c
                        i += 1


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, **kw)


def concat(paths, out):
    """One pcap from many of the same link type: the first header, then every
    file's records."""
    with open(out, "wb") as w:
        for n, p in enumerate(paths):
            data = open(p, "rb").read()
            if len(data) < 24:
                fail("%s: no pcap header" % p)
            w.write(data if n == 0 else data[24:])


def check_tcpshake_read(path, cs):
    r = run([BIN, "read", "--all", "--json", "-S", path])
    if r.returncode != 0:
        fail("tcpshake read %s: exit %d: %s" % (path, r.returncode, r.stderr.decode()))
    segs = [o for o in map(json.loads, r.stdout.decode().splitlines()) if o["type"] == "segment"]
    if len(segs) != len(cs):
        fail("%s: %d segments read back, %d written" % (path, len(segs), len(cs)))
    for s, c in zip(segs, cs):
        where = "tcpshake read, %s" % " ".join(c["args"][1:])
        want = {
            "src": endpoint(c["src"], c["sport"], c["fam"]),
            "dst": endpoint(c["dst"], c["dport"], c["fam"]),
            "flags": words(c["flags"]), "seq": c["seq"], "ack": c["ack"],
            "len": len(c["payload"] or ""), "win": c["win"], "ttl": c["ttl"] or 64,
        }
        for k, v in want.items():
            if s[k] != v:
                fail("%s: %s is %r, expected %r" % (where, k, s[k], v))
        opts, ov = s["options"], c["ovals"]
        tokens = {
            "mss": "mss %d" % ov["mss"] if "mss" in ov else "mss ",
            "sackok": "sackOK",
            "ts": "TS val %d ecr %d" % ov["ts"] if "ts" in ov else "TS val",
            "wscale": "wscale %d" % ov["wscale"] if "wscale" in ov else "wscale",
            "tfo": ("tfo cookiereq" if ov.get("tfo") == "" else "tfo cookie %s" % ov["tfo"])
            if "tfo" in ov else "tfo",
        }
        for k, tok in tokens.items():
            if (k in ov) != (tok in opts):
                fail("%s: options '%s' %s '%s'" % (where, opts, "lack" if k in ov else "have",
                                                     tok))
        if s["anomalies"]:
            fail("%s: anomalies %r" % (where, s["anomalies"]))


TSHARK_FIELDS = ["ip.checksum.status", "tcp.checksum.status", "tcp.srcport", "tcp.dstport",
                 "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.len",
                 "ip.ttl", "ipv6.hlim", "tcp.options.mss_val", "tcp.options.wscale.shift",
                 "tcp.options.sack_perm", "tcp.options.timestamp.tsval",
                 "tcp.options.timestamp.tsecr", "tcp.options.tfo.request",
                 "tcp.options.tfo.cookie"]


def check_tshark(path, cs):
    args = [TSHARK, "-n", "-r", path, "-o", "tcp.check_checksum:TRUE",
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
            "-o", "tcp.relative_sequence_numbers:FALSE", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=f"]
    for f in TSHARK_FIELDS:
        args += ["-e", f]
    r = run(args)
    if r.returncode != 0:
        fail("tshark -r %s: exit %d: %s" % (path, r.returncode, r.stderr.decode()[-2000:]))
    rows = [line.split("\t") for line in r.stdout.decode().splitlines()]
    if len(rows) != len(cs):
        fail("tshark saw %d packets in %s, %d written" % (len(rows), path, len(cs)))
    for row, c in zip(rows, cs):
        t = dict(zip(TSHARK_FIELDS, row + [""] * (len(TSHARK_FIELDS) - len(row))))
        where = "tshark, %s" % " ".join(c["args"][1:])
        # Checksums: tshark prints 1 for "Good" (2 = Bad, 3 = Unverified).
        if t["tcp.checksum.status"] != "1":
            fail("%s: tcp.checksum.status %r, not 1 (Good)" % (where, t["tcp.checksum.status"]))
        if c["fam"] == 4 and t["ip.checksum.status"] != "1":
            fail("%s: ip.checksum.status %r, not 1 (Good)" % (where, t["ip.checksum.status"]))
        if c["fam"] == 6 and t["ip.checksum.status"] != "":
            fail("%s: an IPv4 header in an IPv6 packet?" % where)
        want = {"tcp.srcport": c["sport"], "tcp.dstport": c["dport"], "tcp.seq_raw": c["seq"],
                "tcp.ack_raw": c["ack"], "tcp.flags": c["flags"],
                "tcp.window_size_value": c["win"], "tcp.len": len(c["payload"] or ""),
                "ip.ttl" if c["fam"] == 4 else "ipv6.hlim": c["ttl"] or 64}
        for k, v in want.items():
            got = t[k]
            try:
                got = int(got, 0)
            except ValueError:
                fail("%s: %s is %r" % (where, k, t[k]))
            if got != v:
                fail("%s: %s is %d, expected %d" % (where, k, got, v))
        ov = c["ovals"]
        opt_want = {
            "tcp.options.mss_val": str(ov["mss"]) if "mss" in ov else "",
            "tcp.options.wscale.shift": str(ov["wscale"]) if "wscale" in ov else "",
            "tcp.options.timestamp.tsval": str(ov["ts"][0]) if "ts" in ov else "",
            "tcp.options.timestamp.tsecr": str(ov["ts"][1]) if "ts" in ov else "",
        }
        for k, v in opt_want.items():
            if t[k] != v:
                fail("%s: %s is %r, expected %r" % (where, k, t[k], v))
        if ("sackok" in ov) != (t["tcp.options.sack_perm"] != ""):
            fail("%s: SACK-permitted %r" % (where, t["tcp.options.sack_perm"]))
        if "tfo" in ov and ov["tfo"] == "" and t["tcp.options.tfo.request"] == "":
            fail("%s: tshark sees no TFO cookie request" % where)
        if "tfo" in ov and ov["tfo"] and t["tcp.options.tfo.cookie"].replace(":", "") != ov["tfo"]:
            fail("%s: TFO cookie %r, expected %s" % (where, t["tcp.options.tfo.cookie"], ov["tfo"]))
        if "tfo" not in ov and (t["tcp.options.tfo.cookie"] or t["tcp.options.tfo.request"]):
            fail("%s: an unexpected TFO option" % where)


def main():
    if not TSHARK or not os.access(TSHARK, os.X_OK):
        if os.environ.get("TCPSHAKE_REQUIRE_PRIV") == "1":
            fail("tshark not found (install the tshark package)")
        print("SKIPPED: tshark not found")
        return 77
    os.makedirs(WORK, exist_ok=True)
    by_link = {}
    for c in combos():
        path = os.path.join(WORK, "c%04d.pcap" % c["i"])
        r = run(c["args"] + ["--write", path])
        if r.returncode != 0:
            fail("exit %d: %s: %s" % (r.returncode, " ".join(c["args"][1:]), r.stderr.decode()))
        if r.stderr:
            fail("stderr from %s: %s" % (" ".join(c["args"][1:]), r.stderr.decode()))
        by_link.setdefault(c["link"], []).append((path, c))
    total = 0
    for link, items in sorted(by_link.items()):
        merged = os.path.join(WORK, "all-%s.pcap" % link)
        concat([p for p, _ in items], merged)
        cs = [c for _, c in items]
        check_tcpshake_read(merged, cs)
        check_tshark(merged, cs)
        total += len(cs)
    v4 = sum(1 for items in by_link.values() for _, c in items if c["fam"] == 4)
    print("PASS: %d crafted segments (%d IPv4, %d IPv6) decoded back by tcpshake; tshark: "
          "every TCP and IPv4 checksum Good, every field as asked" % (total, v4, total - v4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
