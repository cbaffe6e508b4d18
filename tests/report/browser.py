#!/usr/bin/env python3
"""browser.py TCPSHAKE TCPSHAKE_GEN WORKDIR MIXED_PCAP [CONNECTIONS]: a real
browser loads the --report page (issue 18).

Debian's chromium, headless, in a network namespace of its own (unshare -n:
only a loopback, so nothing it tries can leave the machine), with a fresh
profile, opens the page of captures/mixed.pcap and of a generated capture of
CONNECTIONS (default 100,000) connections, and:
- logs no console message at all (--enable-logging=stderr --v=0 prints each
  one as INFO:CONSOLE; a page without script has nothing to say, so an
  error, a CSP refusal or an uncaught exception all fail);
- makes no network request (--log-net-log: no URL request started on the
  page's behalf; the browser's own background fetches are not the page's);
- has, in the DOM it built (--dump-dom), every chart with every one of its
  series, and the main series hold points;
- paints a 1280x720 screenshot that is not blank: many distinct colours,
  the ladder's client blue among them (a small PNG decoder, stdlib only).
A canary page with a console.error, an uncaught exception and an external
image first proves that each check can fail. Exit 0 pass, 1 fail, 77 skip
(no chromium, or no unshare)."""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]
CHARTS = {
    "chart-started": ["complete", "refused", "unanswered", "half-open", "aborted", "mid-stream"],
    "chart-syn-synack": ["p50", "p90", "p99"],
    "chart-synack-ack": ["p50", "p90", "p99"],
    "chart-distribution": ["syn_synack", "synack_ack"],
    "chart-retransmits": ["syn", "synack"],
    "chart-alive": ["alive", "evicted", "timed_out"],
}
# Series that must hold points on both pages.
FILLED = [("chart-started", "complete"), ("chart-syn-synack", "p50"),
          ("chart-synack-ack", "p50"), ("chart-distribution", "syn_synack"),
          ("chart-alive", "alive"), ("chart-retransmits", "syn")]


def find_chromium():
    for c in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if c and os.access(c, os.X_OK):
            return c
    return None


def chromium(binary, work, url, extra):
    """One headless run in a fresh profile and network namespace; returns
    (stdout, stderr text, net-log path)."""
    prof = tempfile.mkdtemp(prefix="profile-", dir=work)
    netlog = os.path.join(work, "netlog-%d.json" % len(os.listdir(work)))
    cmd = ["unshare", "-n", binary] + CHROMIUM_FLAGS + [
        "--user-data-dir=" + prof, "--enable-logging=stderr", "--v=0",
        "--log-net-log=" + netlog] + extra + [url]
    p = subprocess.run(cmd, capture_output=True, timeout=180)
    shutil.rmtree(prof, ignore_errors=True)
    return p.stdout, p.stderr.decode("utf-8", "replace"), netlog


def console_lines(stderr):
    return [l for l in stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]


def page_requests(netlog):
    """URL requests started on a page's behalf (the browser's own background
    requests have no origin as initiator)."""
    try:
        with open(netlog) as f:
            d = json.load(f)
    except (OSError, ValueError):
        # Chrome may leave the last event list unterminated; close it.
        with open(netlog) as f:
            text = f.read().rstrip().rstrip(",")
        d = json.loads(text + "]}")
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    out = []
    for e in d["events"]:
        p = e.get("params") or {}
        if types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p:
            if p.get("initiator") != "not an origin" or "file://" in p.get("network_isolation_key", ""):
                out.append(p["url"])
    return out


class Dom(html.parser.HTMLParser):
    """Figures by id, the series groups inside each, their data-points."""

    def __init__(self):
        super().__init__()
        self.fig = None
        self.series = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.fig = a.get("id")
            self.series.setdefault(self.fig, {})
        if tag == "g" and "series" in (a.get("class") or "").split() and self.fig:
            self.series[self.fig][a.get("data-series")] = int(a.get("data-points") or 0)

    def handle_endtag(self, tag):
        if tag == "figure":
            self.fig = None


def png_colours(path):
    """Distinct colours of an 8-bit RGB or RGBA PNG (stdlib decoder)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ft == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ft == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xFF
        for i in range(0, stride, bpp):
            colours.add(bytes(line[i:i + 3]))
        prev = line
    return w, h, colours


def check_page(binary, work, page, label, errors, expect_points=True):
    url = "file://" + os.path.abspath(page)
    dom, err, netlog = chromium(binary, work, url, ["--dump-dom"])
    for l in console_lines(err):
        errors.append("%s: console: %s" % (label, l.strip()[:200]))
    for u in page_requests(netlog):
        errors.append("%s: network request %s" % (label, u[:120]))
    d = Dom()
    d.feed(dom.decode("utf-8", "replace"))
    for chart, names in CHARTS.items():
        if chart not in d.series:
            errors.append("%s: no figure #%s in the DOM" % (label, chart))
            continue
        for n in names:
            if n not in d.series[chart]:
                errors.append("%s: #%s has no series %s" % (label, chart, n))
    if expect_points:
        for chart, n in FILLED:
            if d.series.get(chart, {}).get(n, 0) <= 0:
                errors.append("%s: #%s series %s has no points" % (label, chart, n))
    shot = os.path.join(work, label + ".png")
    if os.path.exists(shot):
        os.unlink(shot)
    chromium(binary, work, url, ["--screenshot=" + shot, "--window-size=1280,720"])
    if not os.path.exists(shot):
        errors.append("%s: no screenshot" % label)
        return d
    w, h, colours = png_colours(shot)
    if (w, h) != (1280, 720):
        errors.append("%s: screenshot is %dx%d" % (label, w, h))
    if len(colours) < 16:
        errors.append("%s: screenshot has %d colour(s): blank?" % (label, len(colours)))
    if expect_points and bytes((0x1F, 0x5F, 0xBF)) not in colours:
        errors.append("%s: no client blue (#1f5fbf) on screen: the first chart not drawn?" % label)
    print("%s: %d colours in the screenshot, %d series" % (
        label, len(colours), sum(len(s) for s in d.series.values())))
    return d


def main():
    tcpshake, gen, work, mixed = sys.argv[1:5]
    conns = int(sys.argv[5]) if len(sys.argv) > 5 else 100000
    binary = find_chromium()
    # CI installs chromium and runs as root: there a skip would hide a failure.
    skip = 1 if os.environ.get("TCPSHAKE_REQUIRE_BROWSER") == "1" else 77
    if not binary:
        print("%s: chromium is not installed (apt-get install chromium; scripts/setup does)"
              % ("FAIL" if skip == 1 else "SKIP"))
        return skip
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        print("%s: cannot make a network namespace (unshare -n) to keep the browser offline"
              % ("FAIL" if skip == 1 else "SKIP"))
        return skip
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    errors = []

    # The checks can fail: a canary page breaks each rule once.
    canary = os.path.join(work, "canary.html")
    with open(canary, "w") as f:
        f.write("<!DOCTYPE html><html><body><img src=\"http://192.0.2.1/x.png\">"
                "<script>console.error('canary'); throw new Error('canary');</script>"
                "</body></html>")
    cerr = []
    check_page(binary, work, canary, "canary", cerr)
    for what in ("console", "network request", "no figure", "client blue"):
        if not any(what in e for e in cerr):
            errors.append("canary: the check for '%s' did not fire: %r" % (what, cerr[:6]))

    page = os.path.join(work, "mixed.html")
    subprocess.run([tcpshake, "read", "-q", "--report", page, mixed], check=True,
                   stdout=subprocess.DEVNULL)
    check_page(binary, work, page, "mixed", errors)

    cap = os.path.join(work, "gen.pcap")
    subprocess.run([gen, "bench", "--connections", str(conns), "--seed", "1", "--rate", "500",
                    cap], check=True, stdout=subprocess.DEVNULL)
    page = os.path.join(work, "gen.html")
    subprocess.run([tcpshake, "read", "-q", "--report", page, cap], check=True,
                   stdout=subprocess.DEVNULL)
    os.unlink(cap)  # ~270 MB for 100,000 connections
    size = os.path.getsize(page)
    if size > 2 * 1024 * 1024:
        errors.append("gen: the page is %d bytes (> 2 MiB)" % size)
    check_page(binary, work, page, "gen%d" % conns, errors)

    if errors:
        print("FAIL:\n  " + "\n  ".join(errors[:40]))
        return 1
    print("ok: both pages load cleanly in %s" % binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
