#!/usr/bin/env python3
"""interrupt.py TCPSHAKE CAPTURE GEN: Ctrl-C (SIGINT) interrupts `read`
before its natural end (issue 12: one policy; watch ends normally on Ctrl-C,
read, demo and craft are interrupted): what was read is reported, the summary
says `interrupted after N packets`, NDJSON carries "interrupted": true, and
the exit status is 130.
  1. a pipe whose writer stops after three records and stays open;
  2. a large regular file: the summary also says how much of it was read.
Exit 0 pass, 1 fail."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

BIN, CAPTURE, GEN = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(msg, out=b""):
    print("FAIL: " + msg)
    print(out.decode(errors="replace")[-3000:])
    sys.exit(1)


def pipe_case(json_out):
    data = open(CAPTURE, "rb").read()
    args = [BIN, "read", "-"] + (["--json"] if json_out else [])
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    # pcap header + the first three records (SYN, SYN+ACK, ACK: 74+74+66
    # bytes + 16-byte record headers in handshake-ipv4.pcap)
    off, n = 24, 0
    while n < 3:
        incl = int.from_bytes(data[off + 8:off + 12], "little")
        off += 16 + incl
        n += 1
    p.stdin.write(data[:off])
    p.stdin.flush()
    time.sleep(1.0)          # the writer is silent now, the pipe open
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("read - did not end within 10 s of SIGINT on a silent pipe")
    if p.returncode != 130:
        fail("read - after SIGINT: exit status %d, expected 130; stderr %r" % (p.returncode, err),
             out)
    if json_out:
        recs = [json.loads(l) for l in out.splitlines() if l.strip()]
        summ = [r for r in recs if r.get("type") == "summary"]
        if not summ or summ[-1].get("interrupted") is not True or summ[-1]["packets"] != 3:
            fail("NDJSON summary lacks interrupted: true after 3 packets", out)
        if "input_percent" in summ[-1]:
            fail("a pipe has no size: input_percent must be absent", out)
    else:
        if b"interrupted  after 3 packets\n" not in out:
            fail("text summary lacks 'interrupted  after 3 packets'", out)
        if b"SYN+ACK" not in out:
            fail("what was read before the interrupt is not reported", out)


def file_case():
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.pcap")
        subprocess.run([GEN, "bench", "--connections", "400000", "--seed", "3", big],
                       check=True, stdout=subprocess.DEVNULL)
        # Slow the reader down: --all text to a pipe we read slowly.
        p = subprocess.Popen([BIN, "read", "--all", big], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        first = p.stdout.read(65536)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        out = first + out
        if p.returncode != 130:
            fail("read FILE after SIGINT: exit status %d, expected 130" % p.returncode, err)
        tail = out[-4000:]
        import re
        m = re.search(rb"interrupted  after ([0-9]+) packets \(([0-9.]+) % of the file\)", tail)
        if not m:
            fail("no 'interrupted after N packets (X % of the file)' line", tail)
        if not 0.0 < float(m.group(2)) < 100.0:
            fail("read %s %% of the file: the interrupt came too late to test" % m.group(2), tail)


def main():
    pipe_case(False)
    pipe_case(True)
    file_case()
    print("PASS: SIGINT interrupts read (pipe: text and NDJSON; file: with its share)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
