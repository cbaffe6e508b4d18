#!/usr/bin/env python3
"""listen.py CASE TCPSHAKE WORKDIR: the kernel's reason beside the wire
(issue 16), end to end. Exit 0 pass, 1 fail, 77 skip.

- watch_backlog: a listener with listen(1) that never accepts and four
  clients: `watch --json` reports two complete handshakes and two
  unanswered ones with unanswered_reason accept-queue-full, and "listener"
  records that say so; `--no-kernel` reports none of it.
- watch_syncookies: with net.ipv4.tcp_syncookies=2, a complete handshake has
  syn_cookie true and a "syn-cookie" record.
- watch_no_counters: counters that cannot be read give one note on stderr,
  and watch goes on with the wire alone.
- demo_backlog_full, demo_syn_cookies: `demo --json` tells those stories,
  with every agree ok true (also in slow motion, --step and --ipv6).

Needs root (CI runs as root with TCPSHAKE_REQUIRE_PRIV=1, where a skip is a
failure). Each case re-runs itself inside a private network namespace
(unshare -n, lo up), so sysctls and listeners never touch the host. Every
wait is bounded; every loop is counted.
"""
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

CASE, BIN, WORK = sys.argv[1], sys.argv[2], os.path.join(sys.argv[3], sys.argv[1])
IN_NETNS = "TCPSHAKE_LISTEN_NETNS"
RUN_TIMEOUT = 90  # seconds, any one tcpshake run


class Fail(Exception):
    pass


def check(cond, msg, out=None):
    if not cond:
        if out is not None:
            msg += "\n--- output:\n" + out[-6000:]
        raise Fail(msg)


def gate():
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not shutil.which("unshare") or not shutil.which("ip"):
        why = "unshare or ip not found"
    elif subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        why = "cannot create a network namespace"
    if why is None:
        return
    if os.environ.get("TCPSHAKE_REQUIRE_PRIV") == "1":
        print("FAILED: TCPSHAKE_REQUIRE_PRIV=1 but " + why)
        sys.exit(1)
    print("SKIPPED: needs root (a private network namespace, a capture): " + why)
    sys.exit(77)


def enter_netns():
    """Re-run this case inside a fresh network namespace; returns only there."""
    if os.environ.get(IN_NETNS) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    env = dict(os.environ, **{IN_NETNS: "1"})
    r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                       env=env)
    sys.exit(r.returncode)


def sysctl(name, value):
    with open("/proc/sys/" + name.replace(".", "/"), "w") as f:
        f.write(str(value))


HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "ndjson-schema.json")
VALIDATE = os.path.join(HERE, "..", "schema", "validate.py")


def records(out):
    """The records of one run, checked against docs/ndjson-schema.json."""
    r = subprocess.run([sys.executable, VALIDATE, SCHEMA, "-"], input=out, capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0, "schema: " + r.stdout + r.stderr, out)
    recs = []
    for line in out.splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            raise Fail("not JSON: " + line)
    check(recs and recs[-1]["type"] == "summary", "the last line is not the summary", out)
    return recs


def of(recs, kind):
    return [r for r in recs if r["type"] == kind]


# --- watch ------------------------------------------------------------------

def capturing(pid):
    """watch's packet socket is bound to lo (ifindex 1 in this namespace)."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            m = re.match(r"socket:\[(\d+)\]", os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            if m:
                inodes.add(m.group(1))
    except OSError:
        return False
    with open("/proc/net/packet") as f:
        next(f)
        for line in f:
            col = line.split()
            if col[8] in inodes and col[4] == "1" and col[5] == "1":
                return True
    return False


def watching(port, extra, body, wrap=(), want_err=""):
    """Run `watch --json` on lo for `port` while body() runs, then Ctrl-C.
    wrap: a command that execs the rest (same pid)."""
    path = os.path.join(WORK, "watch.json")
    with open(path, "w") as f:
        p = subprocess.Popen(list(wrap) + [BIN, "watch", "-i", "lo", "--json"] + extra
                             + ["tcp port %d" % port],
                             stdout=f, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 10
        while not capturing(p.pid):
            if p.poll() is not None:
                raise Fail("watch exited early: " + p.stderr.read())
            check(time.monotonic() < deadline, "watch did not start capturing within 10 s")
            time.sleep(0.02)
        time.sleep(0.2)
        body()
        time.sleep(0.3)  # the last frames reach watch (its read timeout)
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise Fail("watch did not stop on SIGINT")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = p.stderr.read()
    out = open(path).read()
    check(p.returncode == 0, "watch exit status %d: %s" % (p.returncode, err), out)
    check(err == want_err, "stderr %r, expected %r" % (err, want_err), out)
    return records(out), out


def listener(backlog):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s, s.getsockname()[1]


def four_clients(port, held):
    """Four non-blocking connects, 30 ms apart; then long enough for the
    kernel to retransmit the unanswered SYNs once (RTO 1 s)."""
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append(c)
        time.sleep(0.03)
    time.sleep(1.6)


def case_watch_backlog():
    srv, port = listener(1)  # never accepts: Linux admits backlog + 1 = 2
    held = []
    try:
        recs, out = watching(port, [], lambda: four_clients(port, held))
    finally:
        for c in held:
            c.close()
    conns = sorted(of(recs, "conn"), key=lambda c: c["id"])
    check(len(conns) == 4, "%d connection records, expected 4" % len(conns), out)
    outcomes = [c["outcome"] for c in conns]
    check(outcomes == ["complete", "complete", "unanswered", "unanswered"],
          "outcomes %s" % outcomes, out)
    for c in conns[:2]:
        check(c.get("unanswered_reason", "absent") is None, "complete conn: unanswered_reason %r"
              % c.get("unanswered_reason", "absent"), out)
        check(c.get("syn_cookie", "absent") is False, "complete conn: syn_cookie %r"
              % c.get("syn_cookie", "absent"), out)
    for c in conns[2:]:
        check(c.get("unanswered_reason") == "accept-queue-full",
              "conn %d: unanswered_reason %r" % (c["id"], c.get("unanswered_reason")), out)
    lis = of(recs, "listener")
    for c in conns[2:]:
        mine = [r for r in lis if r["conn"] == c["id"]]
        check(mine, "no listener record for conn %d" % c["id"], out)
        for r in mine:
            check(r["reason"] == "accept-queue-full" and r["event"] in
                  ("syn-retransmitted", "syn-unanswered"), "listener record %s" % r, out)
            check(r["listener"] == "127.0.0.1:%d" % port and r["backlog"] == 1
                  and r["accept_queue"] == 2, "listener queue %s" % r, out)
        check(any(r["event"] == "syn-retransmitted" for r in mine),
              "conn %d: no syn-retransmitted record" % c["id"], out)
    check(sum(r["counters"]["ListenOverflows"] for r in lis) >= 2, "ListenOverflows did not rise",
          out)
    check(not [r for r in lis if r["conn"] in (conns[0]["id"], conns[1]["id"])],
          "listener records for answered connections", out)

    # --no-kernel: the wire alone.
    srv.close()
    srv, port = listener(1)
    held = []
    try:
        recs, out = watching(port, ["--no-kernel"], lambda: four_clients(port, held))
    finally:
        for c in held:
            c.close()
        srv.close()
    check(not of(recs, "listener"), "--no-kernel printed listener records", out)
    check(all("unanswered_reason" not in c and "syn_cookie" not in c for c in of(recs, "conn")),
          "--no-kernel: conn records carry the kernel's fields", out)


def case_watch_syncookies():
    sysctl("net.ipv4.tcp_syncookies", 2)  # this namespace only: every SYN+ACK is a cookie
    srv, port = listener(8)

    def one():
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        a, _ = srv.accept()
        c.sendall(b"ping")
        check(a.recv(16) == b"ping", "server did not get ping")
        c.close()
        check(a.recv(16) == b"", "server did not see the end of stream")
        a.close()
    try:
        recs, out = watching(port, [], one)
    finally:
        srv.close()
    conns = of(recs, "conn")
    check(len(conns) == 1 and conns[0]["outcome"] == "complete", "one complete handshake", out)
    check(conns[0].get("syn_cookie") is True, "syn_cookie %r" % conns[0].get("syn_cookie"), out)
    cook = [r for r in of(recs, "listener") if r["event"] == "syn-cookie"]
    check(len(cook) == 1 and cook[0]["conn"] == conns[0]["id"] and cook[0]["reason"] is None
          and cook[0]["counters"]["SyncookiesSent"] >= 1, "syn-cookie record %s" % cook, out)


def case_watch_no_counters():
    """Counters that cannot be read: one note on stderr, and watch goes on
    with the wire alone. A procfs mounted with subset=pid (Linux 5.8+) in a
    private mount namespace has no /proc/net."""
    r = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t proc -o subset=pid proc /proc"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("SKIPPED: cannot mount a procfs without /proc/net: " + r.stderr.strip())
        sys.exit(77)
    srv, port = listener(1)
    held = []
    note = ("tcpshake: note: no kernel view: cannot read /proc/net/netstat: No such file or "
            "directory; unanswered SYNs get no reason (--no-kernel silences this)\n")
    wrap = ["unshare", "-m", "sh", "-c", 'mount -t proc -o subset=pid proc /proc && exec "$@"',
            "sh"]
    try:
        recs, out = watching(port, [], lambda: four_clients(port, held), wrap=wrap, want_err=note)
    finally:
        for c in held:
            c.close()
        srv.close()
    conns = of(recs, "conn")
    check(sorted(c["outcome"] for c in conns) == ["complete"] * 2 + ["unanswered"] * 2,
          "the wire alone still tells the outcomes", out)
    check(not of(recs, "listener") and all("unanswered_reason" not in c for c in conns),
          "kernel fields without a kernel view", out)


# --- demo -------------------------------------------------------------------

def demo_run(args, step=False):
    """`demo --json ARGS`; with step, on a terminal, Enter for every prompt."""
    path = os.path.join(WORK, "demo.json")
    if not step:
        with open(path, "w") as f:
            r = subprocess.run([BIN, "demo", "--json"] + args, stdout=f, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, timeout=RUN_TIMEOUT)
        out = open(path).read()
        check(r.returncode == 0, "demo %s: exit status %d: %s" % (args, r.returncode, r.stderr), out)
        check(r.stderr == "", "unexpected stderr: " + r.stderr, out)
        return records(out), out
    master, slave = pty.openpty()
    with open(path, "w") as f:
        p = subprocess.Popen([BIN, "demo", "--json", "--step"] + args, stdin=slave, stdout=f,
                             stderr=subprocess.PIPE)
    os.close(slave)
    prompts, buf = 0, b""
    deadline = time.monotonic() + RUN_TIMEOUT
    while p.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([p.stderr], [], [], 0.1)
        if not ready:
            continue
        buf += os.read(p.stderr.fileno(), 4096)
        while prompts < buf.count(b"is on the wire"):
            prompts += 1
            os.write(master, b"\n")
    if p.poll() is None:
        p.kill()
    p.wait()
    os.close(master)
    out = open(path).read()
    check(p.returncode == 0, "demo --step %s: exit status %d: %s" % (args, p.returncode, buf), out)
    recs = records(out)
    check(prompts == len(of(recs, "segment")), "%d prompts for %d segments"
          % (prompts, len(of(recs, "segment"))), out)
    return recs, out


def all_agree(recs, out):
    agrees = of(recs, "agree")
    check(agrees, "no agree record", out)
    bad = [a for a in agrees if a["ok"] is not True]
    check(not bad, "wire and kernel disagree: %s" % bad, out)
    return agrees


def said(recs, text):
    return [i for i, r in enumerate(recs) if r["type"] == "syscall" and text in r["text"]]


def check_backlog_full(recs, out):
    conns = sorted(of(recs, "conn"), key=lambda c: c["id"])
    check([c["outcome"] for c in conns] == ["complete"] * 3, "three complete handshakes: %s"
          % [c["outcome"] for c in conns], out)
    check([c["syn_retransmits"] for c in conns][:2] == [0, 0] and conns[2]["syn_retransmits"] >= 1,
          "only the third client's SYN is retransmitted", out)
    all_agree(recs, out)
    drop = [(i, r) for i, r in enumerate(recs) if r["type"] == "listener"]
    check(len(drop) == 1, "%d listener records, expected 1" % len(drop), out)
    i_drop, d = drop[0]
    check(d["event"] == "syn-dropped" and d["reason"] == "accept-queue-full"
          and d["conn"] == conns[2]["id"] and d["accept_queue"] == 2 and d["backlog"] == 1
          and d["counters"]["ListenOverflows"] >= 1, "the drop: %s" % d, out)
    # The story, in order: the third SYN crosses and is dropped; its kernel
    # retransmits it; the wire holds it while accept() frees a slot; it gets in.
    segs3 = [(i, r) for i, r in enumerate(recs) if r["type"] == "segment"
             and r["conn"] == conns[2]["id"]]
    flags3 = [r["flags"] for _, r in segs3]
    check(flags3[:4] == ["SYN", "SYN", "SYN+ACK", "ACK"], "third connection: %s" % flags3, out)
    check("retransmit" in segs3[1][1]["notes"], "the second SYN is not a retransmission", out)
    acc = said(recs, "accept() returned")
    check(len(acc) == 1 and segs3[0][0] < i_drop < segs3[1][0] < acc[0] < segs3[2][0],
          "order: SYN, drop, retransmitted SYN, accept(), SYN+ACK", out)
    k = [r for r in of(recs, "kernel") if r["step"] == d["step"]]
    check(any(r["socket"] == "server" and not r["present"] for r in k),
          "the kernel kept a socket for the dropped SYN", out)


def check_syn_cookies(recs, out):
    conns = of(recs, "conn")
    check(len(conns) == 1 and conns[0]["outcome"] == "complete", "one complete handshake", out)
    check(conns[0].get("syn_cookie") is True, "conn syn_cookie %r" % conns[0].get("syn_cookie"),
          out)
    agrees = all_agree(recs, out)
    noted = [a for a in agrees if a.get("note")]
    check(noted and all(a["wire_server"] == "SYN_RECV" and a["kernel_server"] == "CLOSED"
                        for a in noted), "no agree with the cookie note: %s" % agrees, out)
    check(all("note" not in a for a in agrees if a["wire_server"] == a["kernel_server"]),
          "a note where the states agree", out)
    check(any(a["on_wire"] and a["on_wire"].startswith("SYN+ACK ") for a in noted),
          "the cookie SYN+ACK on the wire is not compared", out)
    check(not [r for r in of(recs, "kernel") if r["socket"] == "server" and r["present"]
               and r["request"]], "a request socket appeared with cookies", out)
    cook = of(recs, "listener")
    check(len(cook) == 1 and cook[0]["event"] == "syn-cookie"
          and cook[0]["counters"]["SyncookiesSent"] >= 1, "syn-cookie record: %s" % cook, out)


def case_demo_backlog_full():
    check_backlog_full(*demo_run(["--backlog-full"]))
    recs, out = demo_run(["--backlog-full", "--ipv6"])
    check_backlog_full(recs, out)
    check(of(recs, "conn")[0]["client"].startswith("[fd00:7473:686b::1]:"), "not IPv6", out)
    check_backlog_full(*demo_run(["--backlog-full", "--slow=0.1"]))
    check_backlog_full(*demo_run(["--backlog-full"], step=True))


def case_demo_syn_cookies():
    check_syn_cookies(*demo_run(["--syn-cookies"]))
    check_syn_cookies(*demo_run(["--syn-cookies", "--ipv6"]))
    check_syn_cookies(*demo_run(["--syn-cookies"], step=True))


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if CASE not in CASES:
        print("unknown case " + CASE)
        return 1
    gate()
    enter_netns()
    os.makedirs(WORK, exist_ok=True)
    try:
        CASES[CASE]()
    except Fail as e:
        print("FAIL [%s]: %s" % (CASE, e))
        return 1
    except subprocess.TimeoutExpired as e:
        print("FAIL [%s]: timed out: %s" % (CASE, e))
        return 1
    print("PASS [%s]" % CASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
