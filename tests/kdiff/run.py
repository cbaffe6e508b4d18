#!/usr/bin/env python3
"""run.py CASE TCPSHAKE WORKDIR: the kernel differential test (issue 21).

One scripted socket scenario on lo, in a private network namespace, while
tcpdump captures it. When the scenario has settled, `ss` gives each
endpoint's state as the kernel has it; `tcpshake read --json` on the capture
gives the state the wire shows. They must agree for every endpoint of every
connection (a socket ss does not list is CLOSED). Every case here is one the
wire can tell (docs/STATES.md, "What no capture can show", lists those it
cannot). Some cases also check the outcome and the anomalies.

Exit 0 pass, 1 fail, 77 skip (not root, no namespaces, no tcpdump or ss;
with TCPSHAKE_REQUIRE_PRIV=1 a skip is a failure). Every wait is bounded and
every sending loop is counted.
"""
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

CASE, BIN, WORK = sys.argv[1], sys.argv[2], os.path.join(sys.argv[3], sys.argv[1])
IN_NETNS = "TCPSHAKE_KDIFF_NETNS"
LO = "127.0.0.1"
SETTLE = 0.2  # seconds for lo to deliver what the last call sent


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


# --- privilege, namespace --------------------------------------------------

def gate():
    why = None
    if os.geteuid() != 0:
        why = "not root"
    else:
        for tool in ("unshare", "ip", "ss", "tcpdump", "nft"):
            if not shutil.which(tool):
                why = tool + " not found"
                break
        else:
            if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
                why = "cannot create a network namespace"
    if why is None:
        return
    if os.environ.get("TCPSHAKE_REQUIRE_PRIV") == "1":
        print("FAILED: TCPSHAKE_REQUIRE_PRIV=1 but " + why)
        sys.exit(1)
    print("SKIPPED: needs root and a private network namespace (%s)" % why)
    sys.exit(77)


def enter_netns():
    if os.environ.get(IN_NETNS) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    env = dict(os.environ, **{IN_NETNS: "1"})
    r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                       env=env, timeout=120)
    sys.exit(r.returncode)


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, timeout=10)


# --- capture, ss, tcpshake -------------------------------------------------

class Capture:
    """tcpdump on lo into WORK/CASE.pcap, from start() to stop()."""

    def __init__(self, bpf="tcp"):
        os.makedirs(WORK, exist_ok=True)
        self.path = os.path.join(WORK, CASE + ".pcap")
        self.p = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-s", "0", "-w", self.path, bpf],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        buf = b""
        while b"listening on" not in buf:
            check(time.monotonic() < deadline, "tcpdump did not start")
            r, _, _ = select.select([self.p.stderr], [], [], 0.5)
            if r:
                chunk = os.read(self.p.stderr.fileno(), 4096)
                check(chunk, "tcpdump exited: " + buf.decode(errors="replace"))
                buf += chunk

    def stop(self):
        time.sleep(SETTLE)
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise Fail("tcpdump did not stop")
        return self.path


SS_STATES = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV",
    "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "TIME-WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING",
    "LISTEN": "LISTEN", "UNCONN": "CLOSED", "CLOSE": "CLOSED",
}


def ss_states():
    """(local, peer) -> state, for every TCP socket of the namespace."""
    out = subprocess.run(["ss", "-tanH"], check=True, capture_output=True, text=True,
                         timeout=10).stdout
    states = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5:
            states[(f[3], f[4])] = SS_STATES.get(f[0], f[0])
    return states


def tcpshake_conns(path):
    r = subprocess.run([BIN, "read", "-r", path, "--json"], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, "tcpshake read failed: " + r.stderr)
    return [rec for rec in map(json.loads, r.stdout.splitlines()) if rec["type"] == "conn"]


def compare(conns, kernel, expect_conns=1):
    """Every endpoint's wire state is its socket's state."""
    check(len(conns) == expect_conns,
          "%d connection records, expected %d: %s" % (len(conns), expect_conns, conns))
    for c in conns:
        for me, peer, key in ((c["client"], c["server"], "client_state"),
                              (c["server"], c["client"], "server_state")):
            k = kernel.get((me, peer), "CLOSED")
            check(c[key] == k, "conn %d: %s %s is %s on the wire, %s in the kernel (ss)"
                  % (c["id"], key.split("_")[0], me, c[key], k))
        print("conn %d %s: client %s, server %s (kernel agrees), outcome %s, anomalies %s"
              % (c["id"], c["client"], c["client_state"], c["server_state"], c["outcome"],
                 c["anomalies"]))


# --- sockets ----------------------------------------------------------------

def listener(port=0, opts=()):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for level, name, val in opts:
        s.setsockopt(level, name, val)
    s.bind((LO, port))
    s.listen(8)
    s.settimeout(5)
    return s


def pair(srv):
    c = socket.create_connection(srv.getsockname(), timeout=5)
    a, _ = srv.accept()
    a.settimeout(5)
    return c, a


def read_all(s, n=1 << 16):
    """Read until EOF (bounded by the socket timeout and by n bytes)."""
    got = b""
    while len(got) < n:
        b = s.recv(4096)
        if not b:
            break
        got += b
    return got


def nft(*rules):
    """A table of our own in this namespace: output-hook drops, deleted by nft_clear()."""
    sh("nft", "add", "table", "inet", "kdiff")
    sh("nft", "add", "chain", "inet", "kdiff", "out",
       "{ type filter hook output priority 0 ; }")
    for r in rules:
        sh("nft", "add", "rule", "inet", "kdiff", "out", *r.split())


def nft_clear():
    sh("nft", "delete", "table", "inet", "kdiff")


# --- raw segments (the injected RST) ----------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp4(src, sport, dst, dport, seq, ack, flags, opts=b""):
    """An IPv4 TCP segment with correct checksums."""
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 0, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x1234, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def sniff_syn(psock, dport, deadline):
    """The first SYN to dport seen on lo: (sport, seq, tsval)."""
    while time.monotonic() < deadline:
        r, _, _ = select.select([psock], [], [], 0.2)
        if not r:
            continue
        pkt = psock.recv(65535)
        if len(pkt) < 40 or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 15) * 4
        t = pkt[ihl:]
        sport, dp, seq = struct.unpack("!HHI", t[:8])
        flags, doff = t[13], (t[12] >> 4) * 4
        if dp != dport or flags & 0x12 != 0x02:
            continue
        tsval, o = None, t[20:doff]
        i = 0
        while i < len(o):
            kind = o[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= len(o) or o[i + 1] < 2:
                break
            if kind == 8 and o[i + 1] == 10:
                tsval = struct.unpack("!I", o[i + 2:i + 6])[0]
            i += o[i + 1]
        return sport, seq, tsval
    raise Fail("no SYN seen")


# --- cases -------------------------------------------------------------------

def case_client_closes_first():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    c.sendall(b"request")
    check(a.recv(100) == b"request", "request lost")
    c.close()
    check(read_all(a) == b"", "no EOF")
    a.close()
    time.sleep(SETTLE)
    k = ss_states()
    compare(tcpshake_conns(cap.stop()), k)


def case_server_closes_first():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    a.sendall(b"banner")
    a.close()
    check(read_all(c) == b"banner", "banner lost")
    c.close()
    time.sleep(SETTLE)
    k = ss_states()
    compare(tcpshake_conns(cap.stop()), k)


def case_client_half_close():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    c.shutdown(socket.SHUT_WR)
    check(read_all(a) == b"", "no EOF")
    a.sendall(b"still talking")
    time.sleep(SETTLE)
    k = ss_states()
    compare(tcpshake_conns(cap.stop()), k)
    c.close()
    a.close()


def case_server_half_close():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    a.shutdown(socket.SHUT_WR)
    check(read_all(c) == b"", "no EOF")
    time.sleep(SETTLE)
    k = ss_states()
    compare(tcpshake_conns(cap.stop()), k)
    c.close()
    a.close()


def case_established():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    c.sendall(b"x" * 3000)
    check(len(a.recv(4096)) > 0, "data lost")
    time.sleep(SETTLE)
    k = ss_states()
    compare(tcpshake_conns(cap.stop()), k)
    c.close()
    a.close()


def case_reset_by_server():
    srv = listener()
    cap = Capture()
    c, a = pair(srv)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    a.close()  # SO_LINGER 0: ABORT, a RST (RFC 9293 3.10.5)
    time.sleep(SETTLE)
    try:
        c.recv(10)
    except ConnectionResetError:
        pass
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    check(conns[0]["close"] == "reset_by_server", "close %s" % conns[0]["close"])
    c.close()


def case_refused():
    s = socket.socket()
    s.bind((LO, 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens on port
    cap = Capture()
    c = socket.socket()
    c.settimeout(5)
    check(c.connect_ex((LO, port)) != 0, "connected to a closed port")
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    check(conns[0]["outcome"] == "refused", "outcome %s" % conns[0]["outcome"])
    c.close()


def self_socket():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((LO, 0))
    s.settimeout(5)
    s.connect(s.getsockname())  # simultaneous open with itself
    return s


def case_self_connect():
    cap = Capture()
    s = self_socket()
    s.sendall(b"echo")
    check(s.recv(10) == b"echo", "self-connect lost its data")
    time.sleep(SETTLE)
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    s.close()


def case_self_connect_close():
    """Issue 21 #4: one socket sees its own FIN and ends in TIME_WAIT."""
    cap = Capture()
    s = self_socket()
    s.close()
    time.sleep(SETTLE)
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    check(conns[0]["client_state"] == "TIME_WAIT" and conns[0]["close"] == "closed",
          "self-connect close: %s" % conns[0])


def case_tfo_fin_syn_recv():
    """Issue 21 #1: a TFO server replies and closes from SYN_RECV; the
    client's ACK of the SYN+ACK is dropped on its way out (so it is not on
    the wire either); the client's FIN acknowledges everything."""
    with open("/proc/sys/net/ipv4/tcp_fastopen", "w") as f:  # this namespace's
        f.write("519\n")  # 0x207: client and server, no cookies needed
    srv = listener(opts=[(socket.SOL_TCP, socket.TCP_FASTOPEN, 8)])
    port = srv.getsockname()[1]
    cap = Capture()
    nft("tcp dport %d tcp flags == ack drop" % port)
    c = socket.socket()
    c.settimeout(5)
    c.sendto(b"request", socket.MSG_FASTOPEN, (LO, port))
    a, _ = srv.accept()
    a.settimeout(5)
    check(a.recv(100) == b"request", "TFO data lost")
    a.sendall(b"reply")
    a.close()  # in SYN_RECV: FIN_WAIT_1 with the SYN unacknowledged
    time.sleep(SETTLE)
    nft_clear()
    check(read_all(c) == b"reply", "reply lost")
    c.close()
    time.sleep(SETTLE)
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    check(conns[0]["outcome"] == "complete", "outcome %s" % conns[0]["outcome"])


def case_ignored_rst_syn_sent():
    """Issue 21 #2: a RST+ACK whose TS echo is wrong reaches the SYN_SENT
    client before the SYN+ACK (held back by a drop rule until its
    retransmission). The client drops it (RFC 7323 3.2) and completes."""
    srv = listener()
    port = srv.getsockname()[1]
    cap = Capture()
    nft("tcp sport %d tcp flags & (syn | ack) == syn | ack drop" % port)
    psock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    psock.bind(("lo", 0x0800))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex((LO, port))
    sport, isn, tsval = sniff_syn(psock, port, time.monotonic() + 5)
    check(tsval is not None, "the SYN has no timestamp (net.ipv4.tcp_timestamps=0?)")
    ts = bytes([1, 1, 8, 10]) + struct.pack("!II", 0x2A2A2A2A, (tsval + 100000) & 0xFFFFFFFF)
    raw.sendto(tcp4(LO, port, LO, sport, 0, (isn + 1) & 0xFFFFFFFF, 0x14, ts), (LO, 0))
    time.sleep(SETTLE)
    nft_clear()
    r, w, _ = select.select([], [c], [], 5)  # the SYN+ACK retransmission, about 1 s
    check(w and c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0,
          "the client took the injected RST")
    c.setblocking(True)
    c.settimeout(5)
    a, _ = srv.accept()
    a.settimeout(5)
    c.sendall(b"request")
    check(a.recv(100) == b"request", "request lost")
    c.close()
    check(read_all(a) == b"", "no EOF")
    a.close()
    time.sleep(SETTLE)
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    check(conns[0]["outcome"] == "complete" and "ignored-rst" in conns[0]["anomalies"],
          "ignored RST: %s" % conns[0])
    psock.close()
    raw.close()


def case_server_only():
    """Issue 21 #3: only the server's direction is captured."""
    srv = listener()
    port = srv.getsockname()[1]
    cap = Capture("tcp src port %d" % port)
    c, a = pair(srv)
    c.sendall(b"request")
    check(a.recv(100) == b"request", "request lost")
    a.sendall(b"y" * 5000)
    check(len(c.recv(8192)) > 0, "reply lost")
    time.sleep(SETTLE)
    k = ss_states()
    conns = tcpshake_conns(cap.stop())
    compare(conns, k)
    c.close()
    a.close()


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    if CASE not in CASES:
        print("unknown case %s (cases: %s)" % (CASE, " ".join(sorted(CASES))))
        return 2
    gate()
    enter_netns()
    try:
        CASES[CASE]()
    except Fail as e:
        print("FAILED: %s" % e)
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
