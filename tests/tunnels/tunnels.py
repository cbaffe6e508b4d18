#!/usr/bin/env python3
"""tunnels.py CASE TCPSHAKE WORKDIR: one generated capture per encapsulation
(tunnel_gen.py) through `tcpshake read -v` and `read --json --all`, compared
byte for byte with expected/CASE.text and expected/CASE.json (UPDATE_GOLDEN=1
rewrites them, as scripts/update-golden does for tests/golden). Also checks
that the handshake is complete, that every segment names its tunnel, that the records validate against
docs/ndjson-schema.json, and,
when tshark is installed, that tshark sees the same SYNs
(tshark -r f -Y tcp.flags.syn==1). `--list` prints the cases."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tunnel_gen  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KIND = {"llc-snap": None, "4in4": ["4in4"], "6in4": ["6in4"], "4in6": ["4in6"],
        "6in6": ["6in6"], "gre": ["gre"], "gre-key-teb": ["gre"], "vxlan": ["vxlan"],
        "geneve": ["geneve"], "teredo": ["teredo"], "vxlan-gre": ["vxlan", "gre"], "pppoe-len-short": None}


def run(tcpshake, cwd, *args):
    p = subprocess.run([tcpshake, *args], cwd=cwd, capture_output=True, text=True)
    out = p.stdout + "exit %d\n" % p.returncode
    if p.stderr:
        out += "stderr: " + p.stderr
    return p.returncode, out


def golden(name, actual):
    path = os.path.join(HERE, "expected", name)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(actual)
        return
    expected = open(path).read()
    if expected != actual:
        sys.stderr.write("--- expected %s\n%s\n--- actual\n%s\n" % (path, expected, actual))
        sys.exit(1)


def main():
    cases = tunnel_gen.cases()
    if sys.argv[1] == "--list":
        print(";".join(cases))
        return 0
    case, tcpshake, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    cap = case + ".pcap"
    with open(os.path.join(work, cap), "wb") as f:
        f.write(tunnel_gen.pcap(cases[case]))

    rc, text = run(tcpshake, work, "read", "-v", cap)
    assert rc == 0, text
    golden(case + ".text", text)
    rc, js = run(tcpshake, work, "read", "--json", "--all", cap)
    assert rc == 0, js
    golden(case + ".json", js)

    recs = [json.loads(line) for line in js.splitlines() if line.startswith("{")]
    segs = [r for r in recs if r["type"] == "segment"]
    conns = [r for r in recs if r["type"] == "conn"]
    summary = recs[-1]
    assert len(segs) == 3, segs
    assert len(conns) == 1 and conns[0]["outcome"] == "complete", conns
    assert sum(summary["decode"].values()) == 0, summary["decode"]
    for s in segs:
        kinds = [t["kind"] for t in s.get("tunnel", [])] or None
        assert kinds == KIND[case], (case, s)
        short = "link-len-short" in s["anomalies"]
        assert short == (case == "pppoe-len-short"), (case, s)

    schema = os.path.join(HERE, "..", "..", "docs", "ndjson-schema.json")
    ndjson = "".join(line + "\n" for line in js.splitlines() if line.startswith("{"))
    p = subprocess.run([sys.executable, os.path.join(HERE, "..", "schema", "validate.py"), schema,
                        "-"], input=ndjson, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr

    if shutil.which("tshark") and case == "pppoe-len-short":
        # tshark 4.0 warns ("Possible bad payload length 22 != 46") and decodes
        # the IPv4 header, but bounds IP by the PPPoE length, so no TCP; we
        # decode the TCP by the IPv4 total length (docs/CONFORMANCE.md).
        p = subprocess.run(["tshark", "-r", os.path.join(work, cap), "-T", "fields",
                            "-e", "ip.src", "-e", "_ws.expert.message"],
                           capture_output=True, text=True)
        lines = p.stdout.splitlines()
        assert len(lines) == 3 and all("Possible bad payload length" in x for x in lines), lines
    elif shutil.which("tshark"):
        p = subprocess.run(["tshark", "-r", os.path.join(work, cap), "-Y", "tcp.flags.syn==1",
                            "-T", "fields", "-e", "tcp.srcport"],
                           capture_output=True, text=True)
        theirs = p.stdout.split()
        ours = [s["src"].rsplit(":", 1)[1] for s in segs if "SYN" in s["flags"]]
        assert theirs == ours, ("tshark", theirs, ours)
    print("ok", case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
