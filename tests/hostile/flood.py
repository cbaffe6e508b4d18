#!/usr/bin/env python3
"""Bounded memory (ctest label `hostile`).

flood.py syn|ack TCPSHAKE TCPSHAKE_GEN WORKDIR COUNT MAX_CONNS RSS_LIMIT_MIB
flood.py idle TCPSHAKE WORKDIR RSS_LIMIT_MIB

idle: a three-segment capture read with the default table (262144 entries)
must stay under RSS_LIMIT_MIB: the table is allocated once but its pages
are touched only as entries are used.

syn, ack:
The capture: one connection completes its handshake and exchanges data,
then COUNT segments from distinct spoofed sources arrive: bare SYNs
(tcpshake-gen synflood), or bare ACKs (mid-stream entries nobody answers,
written here), then the first connection sends more data and closes with
FINs.
`tcpshake read --json -q --max-conns MAX_CONNS` must:
  - keep the table at its cap and count evictions (evicted > 0),
  - emit one record per connection: outcomes and closes add up to the
    connections seen, which are COUNT + 1,
  - evict unfinished handshakes and one-sided entries before established
    connections: the first connection survives the flood (complete, closed
    by FIN, finished, one record, generation 0); the flood's entries are
    all unanswered (SYN) or mid-stream (ACK),
  - stay under RSS_LIMIT_MIB of peak RSS (0 = not checked: sanitizer builds
    have their own memory overhead).
Exit 0 pass, 1 fail."""
import array
import fcntl
import json
import os
import struct
import subprocess
import sys
import termios
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_gen import ACK, FIN, PSH, SYN, eth, ipv4, tcp  # noqa: E402

C, S = ("192.0.2.10", 43512), ("192.0.2.80", 443)
ISN_C, ISN_S = 100000, 900000


def record_ns(frame, t_ns):
    return struct.pack("<IIII", t_ns // 10**9, t_ns % 10**9, len(frame), len(frame)) + frame


def seg(src, dst, seq, ack, flags, payload=b""):
    return eth(ipv4(src[0], dst[0], tcp(src[1], dst[1], seq, ack, flags, payload=payload)))


def proc_status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return None


def unread(fd):
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


def run_measured(argv, stdin_bytes, on_line):
    """Run argv with stdin_bytes on a pipe, stdout lines to on_line. Before
    closing stdin, once every byte has been read and the process sleeps
    waiting for more, sample its VmHWM: the peak RSS of the tcpshake process
    image alone (wait4's ru_maxrss would also count this Python process,
    inherited across fork). Returns (exit status, stderr, VmHWM KiB)."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = []
    t_out = threading.Thread(target=lambda: [on_line(l) for l in p.stdout])
    t_err = threading.Thread(target=lambda: err.append(p.stderr.read()))
    t_out.start()
    t_err.start()
    hwm = 0
    try:
        p.stdin.write(stdin_bytes)
        p.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = proc_status(p.pid, "State")
            if unread(p.stdin.fileno()) == 0 and state == "S":
                break
            time.sleep(0.01)
        hwm = int(proc_status(p.pid, "VmHWM") or 0)
    except BrokenPipeError:
        pass
    finally:
        p.stdin.close()
    t_out.join()
    t_err.join()
    rc = p.wait()
    return rc, b"".join(err).decode(), hwm


def idle(bin_, work, rss_limit):
    from hostile_gen import good_pcap_records, pcap_header
    capture = pcap_header() + good_pcap_records()
    lines = []
    rc, err, hwm_kib = run_measured([bin_, "read", "--json", "-q", "-"], capture, lines.append)
    s = json.loads(lines[-1]) if lines else {}
    fails = []
    if rc != 0 or err or s.get("type") != "summary" or s.get("connections") != 1:
        fails.append("exit status %d, stderr %r, last line %r" % (rc, err, lines[-1:]))
    if s.get("capacity") != 262144:
        fails.append("capacity %s, expected the default 262144" % s.get("capacity"))
    if hwm_kib == 0:
        fails.append("could not sample VmHWM of the tcpshake process")
    if rss_limit and hwm_kib / 1024.0 >= rss_limit:
        fails.append("peak RSS %.1f MiB with one connection, limit %d MiB" % (hwm_kib / 1024.0, rss_limit))
    if fails:
        print("FAIL [idle]\n  " + "\n  ".join(fails))
        return 1
    print("ok [idle]: default table, one connection: peak RSS %.1f MiB%s" %
          (hwm_kib / 1024.0, "" if rss_limit else " (not checked: sanitizer build)"))
    return 0


def ack_flood(count):
    """COUNT bare ACKs from distinct spoofed sources (10.x.y.z:1024+) to
    198.18.0.80:80, 10 us apart, as a little-endian nanosecond pcap like
    tcpshake-gen synflood's. One template frame, its source address and
    port patched (the checksum goes stale: tcpshake does not verify it)."""
    hdr = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1)
    t0 = 1704067200 * 10**9
    tmpl = bytearray(eth(ipv4("10.0.0.0", "198.18.0.80", tcp(1024, 80, 1, 1, ACK))))
    out = []
    for i in range(count):
        tmpl[26:30] = struct.pack("!I", 0x0A000000 + i)  # IPv4 source
        tmpl[34:36] = struct.pack("!H", 1024 + i % 60000)  # TCP source port
        t = t0 + i * 10000
        out.append(struct.pack("<IIII", t // 10**9, t % 10**9, len(tmpl), len(tmpl)) + bytes(tmpl))
    return hdr + b"".join(out)


def main():
    if sys.argv[1] == "idle":
        return idle(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    kind = sys.argv[1]
    bin_, gen, work, count, max_conns, rss_limit = sys.argv[2:8]
    count, max_conns, rss_limit = int(count), int(max_conns), int(rss_limit)
    os.makedirs(work, exist_ok=True)
    if kind == "syn":
        flood = os.path.join(work, "synflood.pcap")
        subprocess.run([gen, "synflood", "--count", str(count), flood], check=True)
        with open(flood, "rb") as f:
            data = f.read()
    else:
        data = ack_flood(count)
    hdr, records = data[:24], data[24:]
    if struct.unpack("<I", hdr[:4])[0] != 0xA1B23C4D:
        print("FAIL: tcpshake-gen synflood is not a little-endian nanosecond pcap")
        return 1
    t0 = struct.unpack("<I", records[:4])[0] * 10**9 + struct.unpack("<I", records[4:8])[0]
    # The flood lasts COUNT x 10 us; the established connection brackets it.
    t_end = t0 + count * 10000 + 10**9
    before = [
        (t0 - 10**9, seg(C, S, ISN_C, 0, SYN)),
        (t0 - 10**9 + 20 * 10**6, seg(S, C, ISN_S, ISN_C + 1, SYN | ACK)),
        (t0 - 10**9 + 40 * 10**6, seg(C, S, ISN_C + 1, ISN_S + 1, ACK)),
        (t0 - 10**9 + 41 * 10**6, seg(C, S, ISN_C + 1, ISN_S + 1, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n")),
        (t0 - 10**9 + 60 * 10**6, seg(S, C, ISN_S + 1, ISN_C + 19, ACK)),
    ]
    after = [
        (t_end, seg(C, S, ISN_C + 19, ISN_S + 1, PSH | ACK, b"more")),
        (t_end + 10**6, seg(C, S, ISN_C + 23, ISN_S + 1, FIN | ACK)),
        (t_end + 20 * 10**6, seg(S, C, ISN_S + 1, ISN_C + 24, FIN | ACK)),
        (t_end + 40 * 10**6, seg(C, S, ISN_C + 24, ISN_S + 2, ACK)),
    ]
    path = os.path.join(work, "%sflood-established.pcap" % kind)
    with open(path, "wb") as f:
        f.write(hdr)
        f.write(b"".join(record_ns(fr, t) for t, fr in before))
        f.write(records)
        f.write(b"".join(record_ns(fr, t) for t, fr in after))

    with open(path, "rb") as f:
        capture = f.read()
    ours, counts, last = [], [0], [None]
    client = ('"client":"%s:%d"' % C).encode()

    def on_line(line):
        if line.startswith(b'{"type":"conn"'):
            counts[0] += 1
            if client in line:
                ours.append(json.loads(line))
        last[0] = line

    rc, err, hwm_kib = run_measured([bin_, "read", "--json", "-q", "--max-conns", str(max_conns), "-"],
                                    capture, on_line)
    n_conn, last = counts[0], last[0]
    rss_mib = hwm_kib / 1024.0
    fails = []
    if rc != 0 or err:
        fails.append("exit status %d, stderr %r" % (rc, err))
    s = json.loads(last) if last else {}
    if s.get("type") != "summary":
        fails.append("no summary line")
        s = {"outcomes": {}, "closes": {}}
    conns = s.get("connections")
    if conns != count + 1:
        fails.append("connections %s, expected %d" % (conns, count + 1))
    if sum(s["outcomes"].values()) != conns or sum(s["closes"].values()) != conns:
        fails.append("outcomes %s / closes %s do not add up to %s" % (s["outcomes"], s["closes"], conns))
    if n_conn != conns:
        fails.append("%d conn records for %s connections" % (n_conn, conns))
    if not s.get("evicted", 0) > 0 or s["closes"].get("evicted") != s.get("evicted"):
        fails.append("evicted %s (closes.evicted %s): expected > 0 and equal" %
                     (s.get("evicted"), s["closes"].get("evicted")))
    if s.get("capacity") != max_conns or s.get("peak_active", 1 << 62) > max_conns:
        fails.append("capacity %s, peak_active %s: expected the cap %d" %
                     (s.get("capacity"), s.get("peak_active"), max_conns))
    flood_outcome = "unanswered" if kind == "syn" else "mid-stream"
    if s["outcomes"].get(flood_outcome) != count:
        fails.append("%s %s, expected the %d flood segments" % (flood_outcome, s["outcomes"].get(flood_outcome), count))
    if (len(ours) != 1 or ours[0]["outcome"] != "complete" or ours[0]["close"] != "closed" or
            ours[0]["end_reason"] != "finished" or ours[0]["generation"] != 0 or ours[0]["packets"] != 9):
        fails.append("the established connection did not survive the flood: %s" % ours)
    if hwm_kib == 0:
        fails.append("could not sample VmHWM of the tcpshake process")
    if rss_limit and rss_mib >= rss_limit:
        fails.append("peak RSS %.1f MiB, limit %d MiB" % (rss_mib, rss_limit))
    if fails:
        print("FAIL [flood %d %ss, --max-conns %d] (peak RSS %.1f MiB)" % (count, kind.upper(), max_conns, rss_mib))
        for f in fails:
            print("  " + f)
        return 1
    print("ok [flood]: %d %ss, --max-conns %d: %d connections, %d evicted, peak %d, "
          "peak RSS %.1f MiB%s; the established connection survived" %
          (count, kind.upper(), max_conns, conns, s["evicted"], s["peak_active"], rss_mib,
           "" if rss_limit else " (not checked: sanitizer build)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
