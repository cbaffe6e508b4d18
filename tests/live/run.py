#!/usr/bin/env python3
"""run.py CASE TCPSHAKE WORKDIR: one end-to-end test of `tcpshake demo` or
`tcpshake watch` on live traffic. Exit 0 pass, 1 fail, 77 skip.

Every case but demo_usage needs root (CI runs as root with
TCPSHAKE_REQUIRE_PRIV=1, where a skip is a failure). Each case re-runs
itself inside a private network namespace (`unshare -n`, lo up), so
listeners, captures and the demo's own namespaces never touch the host and
`ctest -j` is safe. Every wait is bounded; every sending loop is counted.
"""
import json
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CASE, BIN, WORK = sys.argv[1], sys.argv[2], os.path.join(sys.argv[3], sys.argv[1])
IN_NETNS = "TCPSHAKE_LIVE_NETNS"
RUN_TIMEOUT = 60  # seconds, any one tcpshake run
PRIV_MSG = "needs root or CAP_NET_RAW+CAP_NET_ADMIN"


class Fail(Exception):
    pass


def check(cond, msg, out=None):
    if not cond:
        if out is not None:
            msg += "\n--- output:\n" + out[-6000:]
        raise Fail(msg)


# --- privilege, namespace ------------------------------------------------

def gate():
    """SKIPPED (77) without the privilege, unless TCPSHAKE_REQUIRE_PRIV=1."""
    why = None
    if os.geteuid() != 0:
        why = "not root: slow motion and unshare -n need CAP_SYS_ADMIN too"
    else:
        for tool in ("unshare", "ip", "setpriv"):
            if not shutil.which(tool):
                why = tool + " not found"
                break
        else:
            r = subprocess.run(["unshare", "-n", "true"], capture_output=True)
            if r.returncode != 0:
                why = "cannot create a network namespace"
    if why is None:
        return
    if os.environ.get("TCPSHAKE_REQUIRE_PRIV") == "1":
        print("FAILED: TCPSHAKE_REQUIRE_PRIV=1 but " + why)
        sys.exit(1)
    print("SKIPPED: %s (%s)" % (PRIV_MSG, why))
    sys.exit(77)


def enter_netns():
    """Re-run this case inside a fresh network namespace; returns only there."""
    if os.environ.get(IN_NETNS) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        # ::1 appears on lo a moment after it goes up (addrconf).
        deadline = time.monotonic() + 3
        while True:
            try:
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                s.bind(("::1", 0))
                s.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise Fail("::1 did not appear on lo")
                time.sleep(0.02)
    env = dict(os.environ, **{IN_NETNS: "1"})
    r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                       env=env)
    sys.exit(r.returncode)


# --- running tcpshake ------------------------------------------------------

_nobody_copy = []


def nobody_bin():
    """A copy of tcpshake that user nobody can run: the build tree may sit
    in a directory nobody cannot enter (a checkout under /root)."""
    if not _nobody_copy:
        d = tempfile.mkdtemp(prefix="tcpshake-live-")
        os.chmod(d, 0o755)
        path = os.path.join(d, "tcpshake")
        shutil.copy(BIN, path)
        os.chmod(path, 0o755)
        _nobody_copy.append(path)
    return _nobody_copy[0]


def run(args, want=0, stdin=subprocess.DEVNULL, user=False):
    cmd = [BIN] + args
    if user:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
               "--inh-caps=-all", nobody_bin()] + args
    r = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    check(r.returncode == want, "exit status %d, expected %d: tcpshake %s\n--- stderr:\n%s"
          % (r.returncode, want, " ".join(args), r.stderr), r.stdout)
    return r.stdout, r.stderr


def records(out):
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


def ns_list():
    """Names in `ip netns list` (/var/run/netns is shared with the host)."""
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return sorted(line.split()[0] for line in r.stdout.splitlines() if line.strip())


def link_names():
    r = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    return sorted(line.split(":")[1].strip() for line in r.stdout.splitlines())


# --- what a demo's NDJSON must show ---------------------------------------

def kernel_steps(recs):
    """step -> {socket: record}, in order of appearance."""
    steps = {}
    for r in of(recs, "kernel"):
        steps.setdefault(r["step"], {})[r["socket"]] = r
    return steps


def kstate(sock):
    return sock["state"] if sock["present"] else "CLOSED"


def check_agrees(recs, out):
    """Every agree is true and consistent with the records around it: its
    kernel states are those of its snapshot, its wire states those the
    "state" records had reached (a segment held on the wire counts for its
    sender only). Returns the agrees."""
    steps = kernel_steps(recs)
    wire = {"client": "CLOSED", "server": "CLOSED"}
    before = dict(wire)
    last_sender = None
    conn = None
    agrees = []
    for r in recs:
        t = r["type"]
        if t == "segment" and r["conn"] is not None and conn in (None, r["conn"]):
            conn = r["conn"]
            before = dict(wire)
            last_sender = r["sender"]
        elif t == "state" and r["conn"] == conn:
            # A server's presumed LISTEN has no record of its own.
            check(r["from"] in (wire[r["endpoint"]], "LISTEN"),
                  "state record from %s, but the endpoint was %s" % (r["from"], wire[r["endpoint"]]))
            wire[r["endpoint"]] = r["to"]
        elif t == "agree":
            agrees.append(r)
            check(r["ok"] is True, "wire and kernel disagree: %s" % json.dumps(r), out)
            k = steps.get(r["step"])
            check(k is not None, "agree for an unknown step %s" % r["step"])
            for side in ("client", "server"):
                ks = kstate(k[side])
                if side == "server" and not k[side]["present"] and r["wire_server"] == "LISTEN":
                    ks = kstate(k["listener"])
                check(r["kernel_" + side] == ks, "agree step %d: kernel_%s %s, snapshot says %s"
                      % (r["step"], side, r["kernel_" + side], ks))
                want = wire[side]
                if r["on_wire"] is not None and side != last_sender:
                    want = before[side]
                # The wire view has LISTEN only as a presumption; "CLOSED"
                # before any segment is what the records cannot show.
                check(r["wire_" + side] == want, "agree step %d: wire_%s %s, records say %s"
                      % (r["step"], side, r["wire_" + side], want), out)
            check(r["on_wire"] is None or r["on_wire"].startswith(
                next(s["flags"] for s in reversed(of(recs[:recs.index(r)], "segment")))),
                "on_wire does not name the last segment: %s" % r["on_wire"])
    check(agrees, "no agree record at all", out)
    return agrees


def transitions(recs, endpoint):
    return [(r["from"], r["to"]) for r in of(recs, "state") if r["endpoint"] == endpoint]


def check_handshake(recs, out):
    c = transitions(recs, "client")
    s = transitions(recs, "server")
    check(("CLOSED", "SYN_SENT") in c and ("SYN_SENT", "ESTABLISHED") in c,
          "client CLOSED->SYN_SENT->ESTABLISHED missing on the wire side: %s" % c, out)
    check(c.index(("CLOSED", "SYN_SENT")) < c.index(("SYN_SENT", "ESTABLISHED")), "client order")
    check(("LISTEN", "SYN_RECV") in s and ("SYN_RECV", "ESTABLISHED") in s,
          "server LISTEN->SYN_RECV->ESTABLISHED missing on the wire side: %s" % s, out)
    check(s.index(("LISTEN", "SYN_RECV")) < s.index(("SYN_RECV", "ESTABLISHED")), "server order")
    # The kernel's own view reaches the same end of the handshake.
    steps = kernel_steps(recs)
    check(any(k["client"]["state"] == "ESTABLISHED" and k["server"]["state"] == "ESTABLISHED"
              for k in steps.values()), "no kernel snapshot with both ends ESTABLISHED", out)


def the_conn(recs, outcome, out):
    conns = of(recs, "conn")
    check(len(conns) == 1, "%d connection records, expected 1" % len(conns), out)
    check(conns[0]["outcome"] == outcome, "outcome %s, expected %s" % (conns[0]["outcome"], outcome),
          out)
    return conns[0]


def said(recs, text):
    return [i for i, r in enumerate(recs) if r["type"] == "syscall" and text in r["text"]]


def demo_json(args):
    out, err = run(["demo", "--json"] + args)
    check(err == "", "unexpected stderr: " + err)
    return records(out), out


# --- cases -------------------------------------------------------------------

def case_demo(extra=(), v6=False):
    recs, out = demo_json(list(extra))
    check_handshake(recs, out)
    conn = the_conn(recs, "complete", out)
    check(conn["close"] == "closed", "close %s" % conn["close"], out)
    if v6:
        check(conn["client"].startswith("[::1]:"), "not over ::1: " + conn["client"])
    agrees = check_agrees(recs, out)
    # The system calls come in their order, around the segments.
    idx = [said(recs, t) for t in ("listen() on", "connect() to", "accept() returned",
                                   "close() client", "close() server")]
    check(all(idx) and [i[0] for i in idx] == sorted(i[0] for i in idx), "system calls out of order",
          out)
    first_seg = next(i for i, r in enumerate(recs) if r["type"] == "segment")
    check(idx[1][0] < first_seg < said(recs, "connect() returned")[0],
          "the SYN is not between connect() called and returned", out)
    # Where it ends: the client in TIME_WAIT, the server's socket gone.
    last = agrees[-1]
    check((last["wire_client"], last["wire_server"]) == ("TIME_WAIT", "CLOSED"),
          "last comparison %s" % json.dumps(last), out)
    end = kernel_steps(recs)[max(kernel_steps(recs))]
    check(end["client"]["present"] and end["client"]["kernel_state"] == "TIME_WAIT"
          and end["client"]["source"] == "sock_diag" and not end["server"]["present"],
          "end snapshot: %s" % json.dumps(end), out)


def case_demo_ipv6():
    case_demo(["--ipv6"], v6=True)


def check_refused(recs, out):
    conn = the_conn(recs, "refused", out)
    c = transitions(recs, "client")
    check(("CLOSED", "SYN_SENT") in c and ("SYN_SENT", "CLOSED") in c,
          "client CLOSED->SYN_SENT->CLOSED missing: %s" % c, out)
    check(conn["close"] == "reset_by_server", "close %s" % conn["close"], out)
    check(said(recs, "ECONNREFUSED"), "connect() did not fail with ECONNREFUSED", out)
    check(any(k["client"]["present"] and k["client"]["kernel_state"] == "CLOSE"
              for k in kernel_steps(recs).values()), "the kernel never showed the client CLOSE", out)
    check(not any(k["listener"]["present"] for k in kernel_steps(recs).values()),
          "a listener appeared in the refused scenario", out)
    agrees = check_agrees(recs, out)
    check(any(a["wire_client"] == "CLOSED" and a["kernel_client"] == "CLOSED" for a in agrees),
          "no comparison after the RST", out)


def check_reset(recs, out):
    check_handshake(recs, out)
    conn = the_conn(recs, "complete", out)
    check(conn["close"] == "reset_by_server", "close %s" % conn["close"], out)
    check(said(recs, "ECONNRESET"), "recv() did not fail with ECONNRESET", out)
    agrees = check_agrees(recs, out)
    check(any(a["wire_client"] == "CLOSED" and a["wire_server"] == "CLOSED" for a in agrees),
          "no comparison after the RST", out)
    check(not any(r["type"] == "segment" and "FIN" in r["flags"] for r in recs), "a FIN was sent",
          out)


def case_demo_refused():
    check_refused(*demo_json(["--refused"]))


def case_demo_reset():
    check_reset(*demo_json(["--reset"]))


def slow_run(args, poll_ns=False):
    """A slow-motion demo with --pin-netns; checks that its namespaces were
    there while it ran and that none of them, and no link, is left. Other
    tests may pin theirs meanwhile (ctest -j): only this demo's count."""
    links0 = link_names()
    path = os.path.join(WORK, "slow.json")
    seen = set()
    with open(path, "w") as f:
        p = subprocess.Popen([BIN, "demo", "--json", "--pin-netns"] + args, stdout=f,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        mine = "tshk%d-" % p.pid
        deadline = time.monotonic() + RUN_TIMEOUT
        while p.poll() is None:
            if time.monotonic() > deadline:
                p.kill()
                p.wait()
                raise Fail("demo did not end within %d s" % RUN_TIMEOUT)
            if poll_ns:
                seen.update(n for n in ns_list() if n.startswith(mine))
            time.sleep(0.05)
        err = p.stderr.read()
    out = open(path).read()
    check(p.returncode == 0, "exit status %d: %s" % (p.returncode, err), out)
    check(err == "", "unexpected stderr: " + err)
    if poll_ns:
        check(any(n.endswith("-client") for n in seen) and any(n.endswith("-server") for n in seen)
              and any(n.endswith("-wire") for n in seen),
              "the pinned namespaces were never seen while the demo ran: %s" % sorted(seen))
    check(not [n for n in ns_list() if n.startswith(mine)], "namespaces left: %s" % ns_list())
    check(link_names() == links0, "ip link changed: %s -> %s" % (links0, link_names()))
    return records(out), out


def case_demo_slow():
    recs, out = slow_run(["--slow=0.2"], poll_ns=True)
    check_handshake(recs, out)
    the_conn(recs, "complete", out)
    agrees = {a["step"]: a for a in check_agrees(recs, out)}
    steps = kernel_steps(recs)
    # docs/SEMANTICS.md 2.3 one segment at a time, each snapshot compared.
    want = [("SYN_SENT", "SYN_RECV"), ("ESTABLISHED", "SYN_RECV"), ("ESTABLISHED", "ESTABLISHED")]
    at = 0
    order = sorted(steps)
    for cs, ss in want:
        found = None
        for i in range(at, len(order)):
            k = steps[order[i]]
            if k["client"]["state"] == cs and k["server"]["state"] == ss and order[i] in agrees:
                found = i
                break
        check(found is not None, "no compared snapshot with client %s and server %s after step %d"
              % (cs, ss, order[at] if at < len(order) else -1), out)
        a = agrees[order[found]]
        check((a["wire_client"], a["wire_server"]) == (cs, ss), "step %d: %s" % (order[found], a))
        at = found + 1
    # The request socket, seen only through sock_diag.
    req = [k["server"] for k in steps.values() if k["server"]["present"] and k["server"]["request"]]
    check(req and all(s["source"] == "sock_diag" and s["state"] == "SYN_RECV" for s in req),
          "no request socket in SYN_RECV from sock_diag", out)
    # Held snapshots: the segment is on the wire, its receiver has not got it.
    held = [a for a in agrees.values() if a["on_wire"]]
    check(any(a["on_wire"].startswith("SYN+ACK ") for a in held), "no comparison while the "
          "SYN+ACK was held", out)
    # Kernel spelling beside ours.
    check(any(k["client"]["state"] == "FIN_WAIT_2" and k["client"]["kernel_state"] == "FIN_WAIT2"
              for k in steps.values()), "no FIN_WAIT2", out)


def case_demo_slow_refused():
    check_refused(*slow_run(["--slow=0.05", "--refused"]))


def case_demo_slow_reset():
    check_reset(*slow_run(["--slow=0.05", "--reset"]))


def case_demo_slow_ipv6():
    recs, out = slow_run(["--slow=0.05", "--ipv6"])
    check_handshake(recs, out)
    conn = the_conn(recs, "complete", out)
    check(conn["client"].startswith("[fd00:7473:686b::1]:"), "not the wire's IPv6 client")
    check_agrees(recs, out)


def case_demo_step():
    """--step on a terminal: one prompt per segment; Enter lets it cross."""
    for answer, want_conn in ((b"\n", True), (b"q\n", False)):
        master, slave = pty.openpty()
        path = os.path.join(WORK, "step.json")
        links0 = link_names()
        with open(path, "w") as f:
            p = subprocess.Popen([BIN, "demo", "--json", "--step"], stdin=slave, stdout=f,
                                 stderr=subprocess.PIPE)
        os.close(slave)
        prompts, buf = 0, b""
        deadline = time.monotonic() + RUN_TIMEOUT
        while p.poll() is None and time.monotonic() < deadline:
            r, _, _ = select.select([p.stderr], [], [], 0.1)
            if not r:
                continue
            chunk = os.read(p.stderr.fileno(), 4096)
            buf += chunk
            n = buf.count(b"is on the wire")
            while prompts < n:
                prompts += 1
                os.write(master, answer)
        if p.poll() is None:
            p.kill()
        p.wait()
        buf += p.stderr.read()
        os.close(master)
        out = open(path).read()
        check(p.returncode == 0, "--step exit status %d: %s" % (p.returncode, buf.decode()), out)
        recs = records(out)
        segs = of(recs, "segment")
        if want_conn:
            check(prompts == len(segs) and prompts >= 10, "%d prompts for %d segments"
                  % (prompts, len(segs)), out)
            the_conn(recs, "complete", out)
            check_agrees(recs, out)
        else:
            check(prompts == 1 and len(segs) == 1, "q: %d prompts, %d segments" % (prompts, len(segs)),
                  out)
            check(b"demo stopped" in buf, "no 'demo stopped' message: %r" % buf)
        check(link_names() == links0, "ip link changed: %s -> %s" % (links0, link_names()))


def case_demo_unpriv():
    for args in (["demo"], ["demo", "--slow=0.1"]):
        out, err = run(args, want=8, user=True)
        check(out == "", "stdout is not empty", out)
        check(err.count("\n") == 1 and err.startswith("tcpshake: " + PRIV_MSG),
              "not one clear line: " + err)
    check("setcap" in run(["demo"], want=8, user=True)[1], "no setcap hint")


def case_demo_usage():
    """Command-line errors: no privilege needed, nothing is opened."""
    bad = [(["--step"], "terminal"), (["--refused", "--reset"], "cannot be combined"),
           (["--slow", "--step"], "cannot be combined"), (["--slow=fast"], "--slow"),
           (["--slow=61"], "--slow"), (["--port", "0"], "--port"), (["--pin-netns"], "--slow"),
           (["--backlog-full", "--syn-cookies"], "cannot be combined"), (["extra"], "no arguments")]
    for args, text in bad:
        out, err = run(["demo"] + args, want=2)
        check(out == "" and err.count("\n") == 1 and text in err,
              "demo %s: %r" % (" ".join(args), err))
    out, _ = run(["demo", "--help"])
    for o in ("--ipv6", "--port", "--slow", "--step", "--refused", "--reset", "--json",
              "--backlog-full", "--syn-cookies"):
        check(o in out, "demo --help lacks " + o, out)
    out, _ = run(["--help"])
    check(re.search(r"^  demo .*one connection", out, re.M), "demo not in --help", out)


# --- watch --------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
            col = line.split()  # sk RefCnt Type Proto Iface R Rmem User Inode
            if col[8] in inodes and col[4] == "1" and col[5] == "1":
                return True
    return False


def one_connection(srv, port):
    """A whole connection: handshake, a message each way, client closes first."""
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    a, _ = srv.accept()
    a.settimeout(5)
    c.sendall(b"ping")
    check(a.recv(16) == b"ping", "server did not get ping")
    a.sendall(b"pong")
    check(c.recv(16) == b"pong", "client did not get pong")
    c.close()
    check(a.recv(16) == b"", "server did not see the end of stream")
    a.close()


def watch_run(n, extra):
    port = free_port()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    srv.settimeout(5)
    path = os.path.join(WORK, "watch.json")
    with open(path, "w") as f:
        p = subprocess.Popen([BIN, "watch", "-i", "lo", "--json", "-c", str(n)] + extra
                             + ["tcp port %d" % port], stdout=f, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 10
        while not capturing(p.pid):
            if p.poll() is not None:
                raise Fail("watch exited early: " + p.stderr.read())
            check(time.monotonic() < deadline, "watch did not start capturing within 10 s")
            time.sleep(0.02)
        # The ring and the filter follow the bind within microseconds.
        time.sleep(0.2)
        for _ in range(n):
            one_connection(srv, port)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise Fail("watch did not stop after -c %d connections\n%s" % (n, open(path).read()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        srv.close()
    err = p.stderr.read()
    out = open(path).read()
    check(p.returncode == 0, "watch exit status %d: %s" % (p.returncode, err), out)
    recs = records(out)
    conns = of(recs, "conn")
    check(len(conns) == n and all(c["outcome"] == "complete" for c in conns),
          "%d connection records, outcomes %s; expected %d complete"
          % (len(conns), [c["outcome"] for c in conns], n), out)
    check(all(c["server"] == "127.0.0.1:%d" % port for c in conns), "wrong server endpoint", out)
    summ = recs[-1]
    check(summ["connections"] == n and summ["outcomes"]["complete"] == n, "summary counts", out)
    cap = summ.get("capture")
    check(cap is not None and cap["dropped"] == 0 and cap["received"] > 0,
          "capture counters: %s" % cap, out)
    return conns


def case_watch_count():
    watch_run(3, [])


def case_watch_write_read():
    pcap = os.path.join(WORK, "watch.pcap")
    live = watch_run(3, ["-w", pcap])
    out, _ = run(["read", "--json", pcap])
    again = of(records(out), "conn")
    key = lambda c: (c["id"], c["client"], c["server"], c["outcome"], c["close"])
    check([key(c) for c in again] == [key(c) for c in live],
          "read FILE differs from watch:\n%s\n%s" % ([key(c) for c in live],
                                                      [key(c) for c in again]), out)


def case_watch_report():
    """watch --report: the page is written when the watch ends, and its
    numbers are the NDJSON summary's, live capture counters included."""
    page = os.path.join(WORK, "watch.html")
    if os.path.exists(page):
        os.unlink(page)
    watch_run(3, ["--report", page])
    text = open(page, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="tcpshake-data">(.*?)</script>', text, re.S)
    check(m is not None, "no data block in the page", text[:2000])
    data = json.loads(m.group(1))
    summ = records(open(os.path.join(WORK, "watch.json")).read())[-1]
    want = {k: v for k, v in summ.items() if k not in ("type", "schema_version")}
    check(data["command"] == "watch" and data["inputs"] == "lo", "page head: %s %s"
          % (data["command"], data["inputs"]))
    check(data["summary"] == want, "page summary %s\n!= NDJSON %s" % (data["summary"], want))
    check(sum(data["bins"]["started"]["complete"]) == 3, "bins: %s" % data["bins"]["started"])
    check(text.rstrip().endswith("</html>"), "the page is cut")
def html_block(path):
    """The NDJSON block of an --html page (report_html.c)."""
    with open(path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/x-ndjson" id="tcpshake-ndjson">\n(.*?)</script>',
                  html, re.S)
    check(m is not None, "no NDJSON block in " + path)
    return [json.loads(l) for l in m.group(1).splitlines() if l.strip()]


def case_demo_html():
    """demo --html: the page's archive is the demo's NDJSON, line for line."""
    path = os.path.join(WORK, "demo.html")
    recs, out = demo_json(["--html", path])
    check(html_block(path) == recs, "the page's NDJSON differs from demo --json", out)


def case_watch_html():
    """watch --html: written when watch ends, its connections as watch saw them."""
    path = os.path.join(WORK, "watch.html")
    conns = watch_run(3, ["--html", path])
    page = html_block(path)
    check([r for r in page if r["type"] == "conn"] == conns, "the page's connections differ")
    check(any(r["type"] == "segment" for r in page) and page[-1]["type"] == "summary",
          "the page has no segments or no summary")


def case_watch_unpriv():
    out, err = run(["watch", "-i", "lo", "-c", "1"], want=8, user=True)
    check(out == "", "stdout is not empty", out)
    check(err.count("\n") == 1 and err.startswith("tcpshake: " + PRIV_MSG) and "setcap" in err,
          "not one clear line with the setcap hint: " + err)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if CASE not in CASES:
        print("unknown case " + CASE)
        return 1
    if CASE != "demo_usage":
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
    finally:
        for path in _nobody_copy:
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    print("PASS [%s]" % CASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
