#!/usr/bin/env python3
"""run.py CASE TCPSHAKE SRCDIR: tcpshake on a real pseudo-terminal, driven as a
person drives it. Exit 0 pass, 1 fail, 77 skip.

Every path that only runs on a terminal (the watch startup line, the read
progress line, automatic colour, --step prompts, Ctrl-C typed at the
keyboard) is exercised here, so that the ASan+UBSan build of the suite
(scripts/test --asan) runs them under the sanitizers: a sanitizer report on
the terminal fails the case. Standard input, output and error are the slave
side of one pty of a given size (80x24 or 120x40), which is the child's
controlling terminal, so ^C typed on the master is a real SIGINT from the
line discipline. Keystrokes come at human pace (seconds apart) where the
case is about pacing. Cases that capture or make namespaces need root:
SKIPPED (77) without it, a failure when TCPSHAKE_REQUIRE_PRIV=1. Each of
them re-runs itself in a private network namespace (unshare -n).
"""
import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time

CASE, BIN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
IN_NETNS = "TCPSHAKE_TTY_NETNS"
SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Fail(Exception):
    pass


def check(cond, msg, screen=b""):
    if not cond:
        if screen:
            msg += "\n--- terminal:\n" + screen[-4000:].decode("utf-8", "replace")
        raise Fail(msg)


def need_root():
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not shutil.which("unshare"):
        why = "unshare not found"
    elif subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        why = "cannot create a network namespace"
    if why is None:
        if os.environ.get(IN_NETNS) != "1":
            env = dict(os.environ, **{IN_NETNS: "1"})
            r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__)]
                               + sys.argv[1:], env=env)
            sys.exit(r.returncode)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    if os.environ.get("TCPSHAKE_REQUIRE_PRIV") == "1":
        print("FAILED: TCPSHAKE_REQUIRE_PRIV=1 but " + why)
        sys.exit(1)
    print("SKIPPED: needs root for live capture and network namespaces (%s)" % why)
    sys.exit(77)


class Terminal:
    """One program on a pty of cols x rows: its stdin, stdout and stderr."""

    def __init__(self, args, cols, rows, env=None):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        e = dict(os.environ, TERM="xterm", COLUMNS=str(cols), LINES=str(rows))
        e.pop("NO_COLOR", None)
        e.update(env or {})

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=e,
                                     preexec_fn=controlling_tty, close_fds=True)
        os.close(slave)
        self.screen = b""

    def pump(self, seconds):
        """Read what the program writes for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if r:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the slave side is closed (program ended)
                    chunk = b""
                if not chunk:
                    if self.proc.poll() is not None:
                        return
                    time.sleep(0.05)
                self.screen += chunk

    def wait_for(self, pattern, seconds, what):
        deadline = time.monotonic() + seconds
        while not re.search(pattern, self.screen):
            check(time.monotonic() < deadline and self.proc.poll() is None,
                  "never saw %s (%r)" % (what, pattern), self.screen)
            self.pump(0.2)

    def type(self, keys):
        os.write(self.master, keys)

    def finish(self, seconds):
        """Wait for the program to end (reading all it writes); its status."""
        deadline = time.monotonic() + seconds
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.pump(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            raise Fail("did not end within %d s" % seconds + "\n" + self.screen[-3000:].decode(
                "utf-8", "replace"))
        self.pump(0.3)
        os.close(self.master)
        check(not SANITIZER.search(self.screen), "sanitizer report on the terminal", self.screen)
        return self.proc.returncode


def plain(screen):
    return ANSI.sub(b"", screen).replace(b"\r", b"")


def connect_once(port):
    """One bounded connection to a listener on 127.0.0.1:port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", port))
    ls.listen(4)
    c = socket.create_connection(("127.0.0.1", port), timeout=3)
    s, _ = ls.accept()
    c.sendall(b"hello")
    s.recv(16)
    c.close()
    s.close()
    ls.close()


# --- cases -----------------------------------------------------------------

def watch_ctrl_c(cols, rows):
    """The startup line names the filter as typed (it once printed freed
    memory: issue 12); segments appear; ^C ends watch normally: summary,
    exit 0, nothing left to the sanitizers."""
    need_root()
    t = Terminal([BIN, "watch", "--keep-root", "tcp", "port", "8099"], cols, rows)
    t.wait_for(rb"watching lo \(tcp port 8099\); Ctrl-C to stop", 10, "the startup line")
    time.sleep(1.0)  # a person looks before anything happens
    connect_once(8099)
    # Lines fold to the terminal's width: the words may be on two lines.
    t.wait_for(rb"outcome(\x1b\[[0-9;]*m|\s)+complete", 10, "the handshake")
    time.sleep(2.0)
    t.type(b"\x03")
    status = t.finish(15)
    screen = plain(t.screen)
    check(status == 0, "watch after ^C: exit status %d (Ctrl-C is watch's normal end)" % status,
          t.screen)
    check(b"-- summary" in screen and b"connections  1: complete 1" in screen,
          "no summary counting the one complete connection after ^C", t.screen)
    check(re.search(rb"(^|\n)-- summary", screen) and b"^C-- summary" not in screen,
          "the summary does not start on a line of its own after the echoed ^C", t.screen)


def case_watch_ctrl_c_80x24():
    watch_ctrl_c(80, 24)


def case_watch_ctrl_c_120x40():
    watch_ctrl_c(120, 40)


def big_capture(path):
    gen = os.path.join(os.path.dirname(BIN), "tcpshake-gen")
    subprocess.run([gen, "bench", "--connections", "30000", "--seed", "7", path], check=True,
                   capture_output=True)


def case_read_progress_color():
    """read on a terminal: the progress line on stderr, colour by default,
    none with NO_COLOR; the progress line is erased before the summary."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tcpshake-tty-%d.pcap" % os.getpid())
    try:
        big_capture(path)
        t = Terminal([BIN, "read", "-q", path], 120, 40, env={"TCPSHAKE_PROGRESS_MS": "0"})
        status = t.finish(60)
        check(status == 0, "read: exit status %d" % status, t.screen)
        check(re.search(rb"tcpshake: [0-9.]+% of [0-9.]+ MB, [0-9]+ packets, [0-9]+ connections",
                        t.screen), "no progress line on a terminal", t.screen)
        check(b"\x1b[" in t.screen.split(b"-- summary")[0].replace(b"\r\x1b[K", b""),
              "no colour on a terminal by default", t.screen)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    cap = os.path.join(SRC, "captures", "handshake-ipv4.pcap")
    t = Terminal([BIN, "read", cap], 80, 24, env={"NO_COLOR": "1"})
    status = t.finish(20)
    check(status == 0 and b"\x1b[" not in t.screen, "NO_COLOR: escape sequences on the terminal",
          t.screen)


def case_read_views_80x24():
    """Every teaching view of a bundled capture, on an 80x24 terminal with
    colour on: ladder (Unicode and ASCII), explain, verbose."""
    for cap in ("handshake-ipv4.pcap", "refused.pcap", "mixed.pcap"):
        path = os.path.join(SRC, "captures", cap)
        for extra in (["--ladder"], ["--ladder", "--ascii", "--explain"], ["--explain", "-v"],
                      ["--all"]):
            t = Terminal([BIN, "read"] + extra + [path], 80, 24)
            status = t.finish(20)
            check(status == 0, "read %s %s: exit status %d" % (" ".join(extra), cap, status),
                  t.screen)
            check(b"\x1b[" in t.screen, "read %s %s: no colour on a terminal" % (extra, cap),
                  t.screen)


def fits(cols, screen, what):
    """Every line of the raw output (colour codes aside) fits cols: the
    terminal would otherwise wrap it into a mess (issue 14)."""
    for line in plain(screen).decode("utf-8", "replace").split("\n"):
        check(len(line) <= cols, "%s: a line of %d columns on a %d-column terminal: %r"
              % (what, len(line), cols, line), screen)


def views_fit(cols, rows):
    """Every bundled capture, IPv4 and IPv6, in every text view fits the
    terminal: read, -q, --ladder, --ladder --ascii, --explain, --all."""
    caps = sorted(c for c in os.listdir(os.path.join(SRC, "captures"))
                  if c.endswith(".pcap") or c.endswith(".pcapng"))
    check(len(caps) >= 20, "bundled captures not found")
    for cap in caps:
        path = os.path.join(SRC, "captures", cap)
        for extra in ([], ["-q"], ["--ladder"], ["--ladder", "--ascii"], ["--explain"],
                      ["--all", "-tttt"], ["--ladder", "--explain", "-S"]):
            t = Terminal([BIN, "read"] + extra + [path], cols, rows)
            status = t.finish(20)
            check(status in (0, 5), "read %s %s: exit status %d" % (" ".join(extra), cap, status),
                  t.screen)
            fits(cols, t.screen, "read %s %s" % (" ".join(extra), cap))


def case_views_fit_80x24():
    views_fit(80, 24)


def case_views_fit_120x40():
    views_fit(120, 40)


def case_demo_step_keys():
    """demo --step typed by a person: a few seconds before each of the first
    Enters, then a steady pace; every prompt answered, a connection record,
    exit 0. Then q at the first prompt stops it cleanly."""
    need_root()
    t = Terminal([BIN, "demo", "--step"], 80, 24)
    prompts = 0
    deadline = time.monotonic() + 120
    while t.proc.poll() is None and time.monotonic() < deadline and prompts < 80:
        t.pump(0.2)
        n = t.screen.count(b"is on the wire")
        if n > prompts:
            time.sleep(2.0 if prompts < 3 else 0.3)  # reading the line before Enter
            prompts = n
            t.type(b"\r")  # a terminal's Enter key sends CR; ICRNL makes it \n
    status = t.finish(30)
    screen = plain(t.screen)
    check(status == 0, "demo --step: exit status %d" % status, t.screen)
    fits(80, t.screen, "demo --step at 80 columns")
    check(prompts >= 10, "only %d prompts" % prompts, t.screen)
    check(re.search(rb"conn\s+complete", screen) or re.search(rb"outcome\s+complete", screen),
          "no complete connection record", t.screen)

    # q alone stops at once: no Enter (the terminal is in key-at-a-time
    # mode while a segment waits), exit 0, and the summary says so.
    t = Terminal([BIN, "demo", "--step"], 80, 24)
    t.wait_for(rb"is on the wire", 30, "the first prompt")
    time.sleep(1.5)
    t.type(b"q")
    status = t.finish(30)
    check(status == 0 and b"demo stopped" in t.screen, "q: exit %d" % status, t.screen)
    check(re.search(rb"demo +stopped after 1 segment,", plain(t.screen)) and
          not re.search(rb"demo +.*graceful", plain(t.screen)),
          "q: the summary does not say 'stopped after 1 segment' (and not graceful)", t.screen)

    # Ctrl-C interrupts it instead: what was seen is reported, the summary
    # says "interrupted", exit 130 (one policy for read, demo, craft).
    t = Terminal([BIN, "demo", "--step"], 80, 24)
    t.wait_for(rb"is on the wire", 30, "the first prompt")
    time.sleep(1.0)
    t.type(b"\x03")
    status = t.finish(30)
    screen = plain(t.screen)
    check(status == 130, "^C: exit %d, expected 130" % status, t.screen)
    check(re.search(rb"demo +interrupted after 1 segment,", screen) and
          b"interrupted  after" in screen,
          "^C: the summary does not say 'interrupted'", t.screen)


SEG_LINE = re.compile(rb"^ *([0-9]+\.[0-9]+) #1 .*(SYN|ACK|FIN|RST)", re.M)
TIMED_LINE = re.compile(rb"^ *([0-9]+\.[0-9]+) ", re.M)


def case_demo_step_slow_reader():
    """demo --step in front of a class (issue 14): 20 s on the first segment,
    then a few seconds, then a steady pace. The kernels' timers fire while
    segments are held; each segment must still cross once, the record say
    retransmits 0/0, the wire say each copy it kept back, and every line come
    out in time order."""
    need_root()
    t = Terminal([BIN, "demo", "--step"], 120, 40)
    prompts = 0
    deadline = time.monotonic() + 150
    while t.proc.poll() is None and time.monotonic() < deadline and prompts < 40:
        t.pump(0.2)
        n = t.screen.count(b"is on the wire")
        if n > prompts:
            time.sleep(20.0 if prompts == 0 else 2.0 if prompts < 3 else 0.3)
            prompts = n
            t.type(b"\r")
    status = t.finish(30)
    screen = plain(t.screen)
    check(status == 0, "exit status %d" % status, t.screen)
    # The record may be folded to the terminal's width: match across lines.
    conn = re.search(rb"conn\s+complete.*?retransmits\s+([0-9]+)/([0-9]+)\s+([0-9]+)\s+pkts",
                     screen, re.S)
    check(conn, "no complete connection record", t.screen)
    check(conn.group(1) == b"0" and conn.group(2) == b"0",
          "retransmits %s/%s, expected 0/0" % (conn.group(1), conn.group(2)), t.screen)
    segs = SEG_LINE.findall(screen)
    check(int(conn.group(3)) == prompts,
          "%d segments crossed for %d prompts: one must cross per Enter" % (int(conn.group(3)),
                                                                             prompts), t.screen)
    check(re.search(rb"# the client's kernel\s+retransmitted\s+the\s+SYN\s+after", screen),
          "the held SYN's retransmissions are not said", t.screen)
    held = re.search(rb"held back\s+([0-9]+) kernel\s+retransmission.*?client\s+([0-9]+)", screen,
                     re.S)
    check(held and int(held.group(2)) >= 3,
          "a 20 s hold of the SYN should keep back at least 3 copies (RTO 1, 3, 7, 15 s)",
          t.screen)
    times = [float(x) for x in TIMED_LINE.findall(screen)]
    late = [(a, b) for a, b in zip(times, times[1:]) if b < a]
    check(not late and len(segs) >= prompts, "lines out of time order: %r" % late[:3], t.screen)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if CASE not in CASES:
        print("unknown case " + CASE)
        return 1
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        CASES[CASE]()
    except Fail as e:
        print("FAIL [%s]: %s" % (CASE, e))
        return 1
    print("PASS [%s]" % CASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
