#!/usr/bin/env python3
"""multi_if.py CASE TCPSHAKE CAPTURES WORKDIR: pcapng files libpcap 1.10
refuses but that are valid (issue 15; ctest label `pcapng`): interfaces of
different snap lengths, of different link types (Ethernet and NULL), and a
section with no interface at all. Each file is made here from a bundled
classic capture (captures/mixed.pcap: IPv4 and IPv6 handshakes of every
outcome), so no binary is committed; `--write DIR` writes them all.

Each case asserts the exit status, an empty stderr, and that the
connections read from the pcapng (records, state changes, counts) are the
ones read from the classic capture the frames came from. Where tshark is
installed, the TCP frames and the connections (SYNs without ACK) it finds
are the ones tcpshake finds. Exit 0 pass, 1 fail."""
import json
import os
import shutil
import struct
import subprocess
import sys

SOURCE = "mixed.pcap"
SHB_TYPE, IDB_TYPE, EPB_TYPE = 0x0A0D0D0A, 1, 6
LINKTYPE_ETHERNET, LINKTYPE_NULL = 1, 0


def read_pcap(path):
    """[(ts_ns, frame)] of a classic pcap (either byte order, us or ns)."""
    data = open(path, "rb").read()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    assert struct.unpack(order + "I", data[20:24])[0] == LINKTYPE_ETHERNET
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        out.append((sec * 10**9 + (frac if nano else frac * 1000), data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return out


def block(btype, body, order="<"):
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def shb(order="<"):
    return block(SHB_TYPE, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1), order)


def idb(linktype, snaplen, tsresol=None, order="<"):
    opts = b""
    if tsresol is not None:  # if_tsresol (draft-ietf-opsawg-pcapng 4.2)
        opts = struct.pack(order + "HHB3x", 9, 1, tsresol) + struct.pack(order + "HH", 0, 0)
    return block(IDB_TYPE, struct.pack(order + "HHI", linktype, 0, snaplen) + opts, order)


def epb(ifid, ts, frame, order="<"):
    """ts in the interface's units."""
    return block(EPB_TYPE, struct.pack(order + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF,
                                       len(frame), len(frame)) + frame, order)


def to_null(frame, order="<"):
    """Ethernet -> DLT_NULL: a 4-byte address family in the capturing
    host's byte order (the section's) instead of the 14-byte Ethernet header."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    af = 2 if ethertype == 0x0800 else 30  # AF_INET; AF_INET6 as on macOS
    return struct.pack(order + "I", af) + frame[14:]


def make(case, frames):
    """The pcapng bytes of one case."""
    if case == "empty":
        return shb()  # a section header and nothing else
    if case == "snaplen":
        # As dumpcap writes two interfaces: both IDBs first; here they
        # differ in snap length and time resolution (us and ns).
        out = shb() + idb(LINKTYPE_ETHERNET, 65535) + idb(LINKTYPE_ETHERNET, 262144, tsresol=9)
        for i, (ts, f) in enumerate(frames):
            out += epb(0, ts // 1000, f) if i % 2 == 0 else epb(1, ts, f)
        return out
    if case in ("linktype", "linktype_be"):
        # Ethernet, then a NULL (loopback) interface appears after a few
        # packets: libpcap reads the first ones, our reader the rest.
        order = ">" if case == "linktype_be" else "<"
        out = shb(order) + idb(LINKTYPE_ETHERNET, 65535, tsresol=9, order=order)
        for i, (ts, f) in enumerate(frames):
            if i == 5:
                out += idb(LINKTYPE_NULL, 65535, tsresol=9, order=order)
            out += epb(1, ts, to_null(f, order), order) if i >= 5 and i % 2 else epb(0, ts, f, order)
        return out
    raise ValueError(case)


CASES = ["snaplen", "linktype", "linktype_be", "empty", "stdin_file", "stdin_pipe",
         "stdin_pipe_snaplen", "stdin_pipe_empty", "filter",
         "truncated_after_switch", "damaged_after_switch"]


def run(binary, args, stdin=None):
    p = subprocess.run([binary] + args, stdin=stdin, capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def records(ndjson):
    """What the connections were: every object but meta, and the summary's
    counts that do not depend on the link-layer bytes."""
    objs = [json.loads(line) for line in ndjson.splitlines()]
    keep = [o for o in objs if o["type"] not in ("meta", "summary")]
    summ = [o for o in objs if o["type"] == "summary"]
    assert len(summ) == 1, "one summary"
    s = summ[0]
    counts = {k: s.get(k) for k in ("packets", "tcp_packets", "decode", "connections", "outcomes")}
    return keep, counts


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def tshark_view(path, dfilter=None):
    """(TCP frames, set of client->server of SYNs without ACK) per tshark,
    or None when tshark is not installed."""
    if not shutil.which("tshark"):
        return None
    args = ["tshark", "-n", "-r", path]
    if dfilter:
        args += ["-Y", "tcp && (%s)" % dfilter]
    else:
        args += ["-Y", "tcp"]
    args += ["-T", "fields", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst",
             "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack"]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("tshark could not read %s: %s" % (path, p.stderr.strip()))
    n, syns = 0, set()
    for line in p.stdout.splitlines():
        src4, src6, sport, dst4, dst6, dport, syn, ack = line.split("\t")
        n += 1
        if syn in ("1", "True") and ack in ("0", "False"):
            src = src4 or "[%s]" % src6
            dst = dst4 or "[%s]" % dst6
            syns.add("%s:%s>%s:%s" % (src, sport, dst, dport))
    return n, syns


def check_tshark(path, keep, counts, dfilter=None):
    view = tshark_view(path, dfilter)
    if view is None:
        return
    n, syns = view
    # Either way round: a simultaneous open has a SYN from both ends.
    conns = set()
    for o in keep:
        if o["type"] == "conn":
            conns |= {"%s>%s" % (o["client"], o["server"]), "%s>%s" % (o["server"], o["client"])}
    if n != counts["tcp_packets"]:
        fail("tshark sees %d TCP frames, tcpshake %d" % (n, counts["tcp_packets"]))
    missing = syns - conns
    if missing:
        fail("connections tshark sees opening that tcpshake does not report: %s" % sorted(missing))


def main():
    if sys.argv[1:2] == ["--write"]:
        frames = read_pcap(os.path.join(sys.argv[3], SOURCE))
        os.makedirs(sys.argv[2], exist_ok=True)
        for case in ("snaplen", "linktype", "linktype_be", "empty"):
            with open(os.path.join(sys.argv[2], case + ".pcapng"), "wb") as f:
                f.write(make(case, frames))
        return
    if sys.argv[1:2] == ["--list"]:
        print(";".join(CASES))
        return
    case, binary, captures, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    src = os.path.join(captures, SOURCE)
    frames = read_pcap(src)
    shape = {"stdin_file": "linktype", "stdin_pipe": "linktype", "stdin_pipe_snaplen": "snaplen",
             "stdin_pipe_empty": "empty", "filter": "linktype",
             "truncated_after_switch": "linktype", "damaged_after_switch": "linktype"}.get(case, case)
    blob = make(shape, frames)
    want_rc, bpf = 0, None
    if case == "truncated_after_switch":
        blob, want_rc = blob[:-7], 5  # the last block cut short
    if case == "damaged_after_switch":
        blob, want_rc = blob[:-4] + b"\x99\x99\x99\x99", 9  # trailer length wrong
    path = os.path.join(work, case + ".pcapng")
    with open(path, "wb") as f:
        f.write(blob)

    if case == "filter":
        bpf = "tcp port 80 or tcp port 443"
    stdin = case.startswith("stdin_")
    args = ["read", "--json", "--all"] + (["-"] if stdin else [path])
    ref_args = ["read", "--json", "--all"]
    if bpf:
        args += ["--", bpf]
        ref_args += [src, "--", bpf]
    else:
        ref_args += [src]
    if case == "stdin_file":
        with open(path, "rb") as f:
            rc, out, err = run(binary, args, stdin=f)
    elif stdin:
        # A pipe: libpcap cannot be asked to read it again.
        p = subprocess.run([binary] + args, input=blob, capture_output=True)
        rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
    else:
        rc, out, err = run(binary, args)
    if rc != want_rc:
        fail("exit status %d, expected %d; stderr: %s" % (rc, want_rc, err))

    if shape == "empty":
        # As an empty classic pcap: no connection, no packet, no error.
        if err:
            fail("stderr not empty: %r" % err)
        keep, counts = records(out)
        if keep or counts["packets"] != 0 or counts["connections"] != 0:
            fail("an empty capture reported something: %s %s" % (keep, counts))
        ref = os.path.join(work, "empty.pcap")
        with open(ref, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        rc2, out2, _ = run(binary, ["read", "--json", ref])
        if rc2 != 0 or records(out2)[1] != counts:
            fail("empty pcapng and empty pcap differ: %s vs %s" % (out, out2))
        if shutil.which("tshark") and subprocess.run(["tshark", "-r", path],
                                                     capture_output=True).returncode != 0:
            fail("tshark does not read the empty pcapng")
        return

    rc_ref, out_ref, _ = run(binary, ref_args)
    if rc_ref != 0:
        fail("reference %s: exit %d" % (src, rc_ref))
    keep, counts = records(out)
    keep_ref, counts_ref = records(out_ref)
    if want_rc:
        # Everything before the fault is reported; the error names the file.
        if not err.startswith("tcpshake: %s: " % path) or err.count("\n") != 1:
            fail("expected one line naming the file, got %r" % err)
        want = "truncated capture file" if want_rc == 5 else "damaged capture file"
        if want not in err:
            fail("expected %r in %r" % (want, err))
        if counts["packets"] != len(frames) - 1:
            fail("%s packets before the fault, expected %d" % (counts["packets"], len(frames) - 1))
        return
    if err:
        fail("stderr not empty: %r" % err)
    if keep != keep_ref:
        for a, b in zip(keep, keep_ref):
            if a != b:
                fail("first difference from %s:\n  pcapng: %s\n  pcap:   %s" % (SOURCE, a, b))
        fail("%d records, %d from %s" % (len(keep), len(keep_ref), SOURCE))
    if counts != counts_ref:
        fail("counts %s, from %s %s" % (counts, SOURCE, counts_ref))
    if counts["connections"] == 0:
        fail("no connection read")
    check_tshark(path, keep, counts, "tcp.port == 80 || tcp.port == 443" if bpf else None)


if __name__ == "__main__":
    main()
