#!/usr/bin/env python3
"""slow_pipe.py TCPSHAKE CAPTURE MODE: `tcpdump -U -w - | tcpshake read -`,
with the writer a person would see: the pcap file header, then one record at
a time with a pause, through a real pipe. Each record's output must appear on
tcpshake's stdout (also a pipe) before the next record is written (issue 12).
MODE: text, json, or text-l (-l: line-buffered). Exit 0 pass, 1 fail."""
import os
import select
import struct
import subprocess
import sys
import time

BIN, CAPTURE, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
PAUSE = 0.4      # between records: far more than tcpshake needs
DEADLINE = 5.0   # a record's output must come within this, or it is held


def records(path):
    data = open(path, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    header, off, out = data[:24], 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
    return header, out


def main():
    header, recs = records(CAPTURE)
    args = [BIN, "read", "--all", "-"]  # --all: every record makes a line
    if MODE == "json":
        args.append("--json")
    if MODE == "text-l":
        args.append("-l")
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out = b""
    fd = proc.stdout.fileno()

    def read_until(pred, seconds):
        nonlocal out
        end = time.monotonic() + seconds
        while not pred(out) and time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                out += chunk
        return pred(out)

    proc.stdin.write(header)
    proc.stdin.flush()
    shown = 0
    for i, rec in enumerate(recs):
        proc.stdin.write(rec)
        proc.stdin.flush()
        # Something new must come out for every record that makes a line:
        # each record of this capture is a SYN, SYN+ACK, ACK or FIN line.
        lines_before = out.count(b"\n")
        if not read_until(lambda o: o.count(b"\n") > lines_before, DEADLINE):
            proc.kill()
            print("FAIL [%s]: nothing on stdout %.0f s after record %d of %d was written: "
                  "output held until the writer ends" % (MODE, DEADLINE, i + 1, len(recs)))
            print(out.decode(errors="replace"))
            return 1
        shown += 1
        time.sleep(PAUSE)
    proc.stdin.close()
    out += proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(30)
    if proc.returncode != 0:
        print("FAIL [%s]: exit status %d: %s" % (MODE, proc.returncode, err.decode()))
        return 1
    if (b'"type":"summary"' if MODE == "json" else b"-- summary") not in out:
        print("FAIL [%s]: no summary at the end" % MODE)
        return 1
    print("PASS [%s]: each of %d records showed before the next was written" % (MODE, shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
