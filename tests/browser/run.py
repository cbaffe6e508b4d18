#!/usr/bin/env python3
"""tests/browser/run.py: the --html page in a real browser (issue 17).

    run.py CASE TCPSHAKE WORKDIR SOURCE_DIR [TCPSHAKE_GEN]

Cases:
  pages       every bundled capture: the page's NDJSON block is what
              `read --json --all` writes; stepping through every step of every
              connection shows, for both endpoints, the states the "state"
              records give, the diagram rings exactly those nodes, the taken
              arrows are those transitions (a transition Figure 5 lacks is a
              dashed overlay), the ladder dims what is not reached;
              screenshots at 1280x720 and 1920x1080 are not blank
  no_network  no request but the page itself while loading, stepping and
              playing; no src=/href= in the page, a Content-Security-Policy
              that forbids fetching
  controls    buttons, arrow keys, space, Home/End, Play with a speed,
              the picker, --conn preselecting, #conn=&step=, printing on two
              pages (the ladder, then the diagram)
  hostile     a file name with </script> and markup: escaped (\\u003c in the
              data block), shown as text, no script of its own runs
  state_diagram  --state-diagram (no browser): valid SVG that renders, the
              figure's states and arrows, the path of --conn; --conn errors
  size        handshake-ipv4.pcap's page is under 200 KB; a 100,000-connection
              capture (tcpshake-gen bench) gives a bounded page whose note says
              how many connections were left out
Exit 77 (skipped) when Chromium is not installed, unless
TCPSHAKE_REQUIRE_BROWSER=1 (CI installs it: .ci/run)."""
import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

CHROMIUM = os.environ.get("TCPSHAKE_CHROMIUM", "/usr/bin/chromium")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr.decode()[:500]))
    return r.stdout


def block(html, ident):
    m = re.search(r'<script type="application/x-ndjson" id="%s">\n(.*?)</script>' % ident,
                  html, re.S)
    if not m:
        fail("no %s block" % ident)
    return [json.loads(l) for l in m.group(1).split("\n") if l.strip()]


def make_page(tcpshake, cap, out, *extra):
    run([tcpshake, "read", cap, "-q", "--html", out] + list(extra))
    with open(out, encoding="utf-8") as f:
        return f.read()


def url(path, frag=""):
    return "file://" + os.path.abspath(path) + frag


# ---- what the page should show, from `read --json --all` ------------------

def expected_steps(recs):
    """Per connection: the states of both endpoints at every position (0 =
    before the first step), and the transitions each step takes."""
    conns, order, prev = {}, [], None

    def conn(cid):
        if cid not in conns:
            conns[cid] = {"steps": [], "rec": None}
            order.append(cid)
        return conns[cid]

    for r in recs:
        t = r.get("type")
        if t == "segment":
            prev = None
            if r.get("conn") is None:
                continue
            s = {"conn": r["conn"], "ts": r["ts"], "seg": True, "states": []}
            conn(r["conn"])["steps"].append(s)
            prev = s
        elif t == "state":
            timer = r["cause"] == "timeout"
            if prev and prev["conn"] == r["conn"] and prev["ts"] == r["ts"] and \
                    (not timer if prev["seg"] else timer):
                prev["states"].append(r)
                continue
            s = {"conn": r["conn"], "ts": r["ts"], "seg": False, "states": [r]}
            conn(r["conn"])["steps"].append(s)
            prev = s
        else:
            if t == "conn":
                conn(r["id"])["rec"] = r
            prev = None
    out = {}
    for cid in order:
        c = conns[cid]
        cur, end = {}, {"client": False, "server": False}
        for side in ("client", "server"):
            st = None
            for s in c["steps"]:
                for r in s["states"]:
                    if r["endpoint"] == side and st is None:
                        st = r["from"]
            if st is None and c["rec"]:
                st = c["rec"][side + "_state"]
            cur[side] = st or "CLOSED"
        pos = [{"st": dict(cur), "end": dict(end), "moves": [], "set": {}}]
        for s in c["steps"]:
            moves, setp = [], {}
            for r in s["states"]:
                end[r["endpoint"]] = r["to"] == "CLOSED" and r["from"] in ("TIME_WAIT", "LAST_ACK")
                moves.append((r["endpoint"], r["from"], r["to"]))
                cur[r["endpoint"]] = r["to"]
                setp[r["endpoint"]] = r["presumed"]
            pos.append({"st": dict(cur), "end": dict(end), "moves": moves, "set": setp})
        out[cid] = pos
    return order, out


def check_page_steps(page, cap, recs):
    shown = json.loads(page.eval("document.getElementById('test-out').textContent") or "{}")
    if not shown:
        fail("%s: the test hook wrote nothing" % cap)
    edges = set(page.eval(
        "Array.prototype.map.call(document.querySelectorAll('.sd-edge'), e => e.id)"))
    order, exp = expected_steps(recs)
    if shown["conns"] != order:
        fail("%s: picker has %s, NDJSON %s" % (cap, shown["conns"], order))
    got = {}
    for r in shown["steps"]:
        got.setdefault(r["conn"], []).append(r)
    n = 0
    for cid in order:
        if len(got.get(cid, [])) != len(exp[cid]):
            fail("%s #%s: %d positions shown, %d expected" %
                 (cap, cid, len(got.get(cid, [])), len(exp[cid])))
        nsteps = len(exp[cid]) - 1
        for k, (g, e) in enumerate(zip(got[cid], exp[cid])):
            where = "%s #%s step %d" % (cap, cid, k)
            for side in ("client", "server"):
                if g[side] != e["st"][side]:
                    fail("%s: %s shows %s, the state records say %s" % (where, side, g[side], e["st"][side]))
                if g[side + "_text"] != g[side] + ("?" if g[side + "_presumed"] else ""):
                    fail("%s: %s text %r" % (where, side, g[side + "_text"]))
                if side in e["set"] and g[side + "_presumed"] != e["set"][side]:
                    fail("%s: %s presumed %s, its state record says %s" %
                         (where, side, g[side + "_presumed"], e["set"][side]))
                node = e["st"][side] + ("-end" if e["st"][side] == "CLOSED" and e["end"][side] else "")
                if g[side + "_nodes"] != [node]:
                    fail("%s: diagram rings %s for the %s, expected [%s]" % (where, g[side + "_nodes"], side, node))
            want_edges = sorted(set("sd-e-%s-%s" % (f, t) for _, f, t in e["moves"]
                                    if "sd-e-%s-%s" % (f, t) in edges))
            over = len([1 for _, f, t in e["moves"] if "sd-e-%s-%s" % (f, t) not in edges])
            if sorted(set(g["edges"])) != want_edges or g["overlay"] != over:
                fail("%s: arrows %s + %d dashed, expected %s + %d" %
                     (where, g["edges"], g["overlay"], want_edges, over))
            if g["rows_current"] != (1 if k else 0) or g["rows_future"] != nsteps - k:
                fail("%s: ladder highlights %d row(s), dims %d" % (where, g["rows_current"], g["rows_future"]))
            n += 1
    return n


def check_screens(page, cap, path, full):
    for w, h in ((1280, 720), (1920, 1080)):
        page.resize(w, h)
        page.eval("window.dispatchEvent(new Event('resize')), 1")
        params = {"format": "png", "optimizeForSpeed": True}
        if not full:  # the whole viewport, scaled down: quick to decode
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 0.25}
        data = base64.b64decode(page.call("Page.captureScreenshot", params)["data"])
        with open("%s.%dx%d.png" % (path, w, h), "wb") as f:
            f.write(data)
        pw, ph, colours, ink = cdp.png_pixels(data)
        scale = 1 if full else 0.25
        if (pw, ph) != (int(w * scale), int(h * scale)):
            fail("%s: screenshot %dx%d" % (cap, pw, ph))
        if len(colours) < 20 or ink < 0.03:
            fail("%s: screenshot at %dx%d looks blank (%d colours, %.1f %% ink)" %
                 (cap, w, h, len(colours), ink * 100))
    page.resize(1280, 720)


def case_pages(tcpshake, work, src):
    caps = sorted(glob.glob(os.path.join(src, "captures", "*.pcap*")))
    b = cdp.Browser(CHROMIUM)
    total = 0
    try:
        page = cdp.Page(b)
        for cap in caps:
            name = os.path.basename(cap)
            out = os.path.join(work, name + ".html")
            html = make_page(tcpshake, cap, out)
            recs = [json.loads(l) for l in run([tcpshake, "read", cap, "--json", "--all"]).decode().splitlines()]
            if block(html, "tcpshake-ndjson") != recs:
                fail("%s: the page's NDJSON block differs from read --json --all" % name)
            page.goto(url(out, "#test-steps"))
            total += check_page_steps(page, name, recs)
            page.goto(url(out, "#step=3"))
            check_screens(page, name, os.path.join(work, name), name == "handshake-ipv4.pcap")
            errs = page.console_errors()
            if errs:
                fail("%s: errors in the page: %s" % (name, errs))
    finally:
        b.close()
    print("pages: %d captures, %d positions checked" % (len(caps), total))


def case_no_network(tcpshake, work, src):
    cap = os.path.join(src, "captures", "mixed.pcap")
    out = os.path.join(work, "net.html")
    html = make_page(tcpshake, cap, out)
    if re.search(r"\s(src|href|xlink:href)\s*=", html, re.I) or re.search(r"@import|url\(\s*['\"]?(https?:|//)", html):
        fail("the page names something to fetch")
    if "default-src 'none'" not in html:
        fail("no Content-Security-Policy forbidding fetches")
    b = cdp.Browser(CHROMIUM)
    try:
        page = cdp.Page(b)
        page.goto(url(out, "#test-steps"))
        page.goto(url(out), keep_events=True)
        for _ in range(6):
            page.key("ArrowRight", vk=39)
        page.eval("document.getElementById('speed').value = '250'; document.getElementById('b-play').click(), 1")
        b.pump(1.5)
        page.eval("document.getElementById('conn-pick').selectedIndex = 1;"
                  "document.getElementById('conn-pick').dispatchEvent(new Event('change')), 1")
        page.key("End", vk=35)
        b.pump(0.5)
        reqs = page.requests()
        own = "file://" + os.path.abspath(out)
        others = [r for r in reqs if r.split("#")[0] not in (own, "about:blank")]
        if others or not reqs:
            fail("requests: %s" % reqs)
        if page.console_errors():
            fail("errors: %s" % page.console_errors())
    finally:
        b.close()
    print("no_network: %d request(s), all the page itself" % len(reqs))


def case_controls(tcpshake, work, src):
    cap = os.path.join(src, "captures", "mixed.pcap")
    out = os.path.join(work, "controls.html")
    make_page(tcpshake, cap, out, "--conn", "2")
    b = cdp.Browser(CHROMIUM)

    def step(page):
        return page.eval("document.getElementById('step-count').textContent")

    try:
        page = cdp.Page(b)
        page.goto(url(out))
        if page.eval("document.getElementById('conn-pick').value") != "2":
            fail("--conn 2 is not preselected")
        last = int(step(page).split()[-1])
        checks = [
            (lambda: page.key("ArrowRight", vk=39), "step 1 of"),
            (lambda: page.key(" ", "Space", 32), "step 2 of"),
            (lambda: page.key("ArrowLeft", vk=37), "step 1 of"),
            (lambda: page.key("End", vk=35), "step %d of" % last),
            (lambda: page.key("Home", vk=36), "step 0 of"),
            (lambda: page.eval("document.getElementById('b-next').click(), 1"), "step 1 of"),
            (lambda: page.eval("document.getElementById('b-last').click(), 1"), "step %d of" % last),
            (lambda: page.eval("document.getElementById('b-prev').click(), 1"), "step %d of" % (last - 1)),
            (lambda: page.eval("document.getElementById('b-first').click(), 1"), "step 0 of"),
        ]
        for act, want in checks:
            act()
            if not step(page).startswith(want):
                fail("after a control: %r, expected %r" % (step(page), want))
        page.goto(url(out, "#conn=1"))  # the longest: 12 steps
        page.eval("document.getElementById('speed').value = '250';"
                  "document.getElementById('speed').dispatchEvent(new Event('change'));"
                  "document.getElementById('b-play').click(), 1")
        b.pump(0.6)
        n = int(step(page).split()[1])
        if not 1 <= n < int(step(page).split()[-1]):
            fail("Play at 4x moved to %r after 0.6 s" % step(page))
        page.key("p", "KeyP", 80)  # pause
        n = step(page)
        b.pump(0.6)
        if step(page) != n:
            fail("P did not pause: %s, then %s" % (n, step(page)))
        page.goto(url(out, "#conn=1&step=2"))
        if page.eval("document.getElementById('conn-pick').value") != "1" or not step(page).startswith("step 2 of"):
            fail("#conn=1&step=2 opened %s" % step(page))
        page.eval("document.getElementById('conn-pick').value = '3';"
                  "document.getElementById('conn-pick').dispatchEvent(new Event('change')), 1")
        if not step(page).startswith("step 0 of"):
            fail("picking a connection did not start it at step 0")
        # Print: the whole ladder on the first page, the diagram on the next.
        small = os.path.join(work, "print.html")
        make_page(tcpshake, os.path.join(src, "captures", "handshake-ipv4.pcap"), small)
        page.goto(url(small, "#step=3"))
        pdf = base64.b64decode(page.call("Page.printToPDF", {})["data"])
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
        if pages != 2:
            fail("printed on %d pages, expected 2 (ladder, then diagram)" % pages)
        if page.console_errors():
            fail("errors: %s" % page.console_errors())
    finally:
        b.close()
    print("controls: keys, buttons, play, picker, --conn and printing work")


def case_hostile(tcpshake, work, src):
    # A path's slashes make the "</script>"s: a< / script><script>...< / script><b ...
    evil = "a</script><script>document.title='pwned'</script><b id=x>&amp;.pcap"
    os.makedirs(os.path.join(work, os.path.dirname(evil)))
    shutil.copy(os.path.join(src, "captures", "handshake-ipv4.pcap"), os.path.join(work, evil))
    out = os.path.join(work, "hostile.html")
    run([tcpshake, "read", evil, "-q", "--html", out], cwd=work)
    with open(out, encoding="utf-8") as f:
        html = f.read()
    if html.count("</script>") != 3 or "\\u003c/script\\u003e" not in html:
        fail("the file name was not escaped in the data block")
    b = cdp.Browser(CHROMIUM)
    try:
        page = cdp.Page(b)
        page.goto(url(out))
        got = page.eval("[document.title, document.scripts.length, !!document.getElementById('x'),"
                        " document.getElementById('title-input').textContent]")
        if got[0] == "pwned" or got[1] != 3 or got[2] or got[3] != evil:
            fail("hostile name: %s" % got)
    finally:
        b.close()
    print("hostile: the name is text, not markup")


def case_size(tcpshake, work, src, gen):
    out = os.path.join(work, "small.html")
    make_page(tcpshake, os.path.join(src, "captures", "handshake-ipv4.pcap"), out)
    size = os.path.getsize(out)
    if size >= 200 * 1024:
        fail("handshake-ipv4.pcap's page is %d bytes" % size)
    big = os.path.join(work, "big.pcap")
    run([gen, "bench", "--connections", "100000", big])
    try:
        out2 = os.path.join(work, "big.html")
        html = make_page(tcpshake, big, out2)
    finally:
        for f in (big, big + ".truth.json"):
            if os.path.exists(f):
                os.unlink(f)
    big_size = os.path.getsize(out2)
    if big_size > 6 * 1024 * 1024:
        fail("the 100,000-connection page is %d bytes" % big_size)
    pg = block(html, "tcpshake-page")[-1]
    if pg["type"] != "page" or pg["conns_shown"] != pg["max_conns"] or \
            pg["conns_shown"] + pg["conns_left_out"] != 100000:
        fail("page record: %s" % pg)
    b = cdp.Browser(CHROMIUM)
    try:
        page = cdp.Page(b)
        page.goto(url(out2))
        note = page.eval("document.getElementById('note').hidden ? '' : document.getElementById('note').textContent")
        n = page.eval("document.getElementById('conn-pick').options.length")
        if "99900 more were left out" not in note or n != pg["max_conns"]:
            fail("note %r, %s connections in the picker" % (note, n))
    finally:
        b.close()
    print("size: %d bytes; 100,000 connections: %d bytes, note: %s" % (size, big_size, note))


def case_state_diagram(tcpshake, work, src):
    """--state-diagram: valid SVG that renders, Figure 5's states and arrows,
    the path of --conn for both endpoints; no browser needed."""
    cap = os.path.join(src, "captures", "handshake-ipv4.pcap")
    sd = os.path.join(work, "sd.svg")
    run([tcpshake, "read", cap, "-q", "--state-diagram", sd, "--conn", "1"])
    run(["xmllint", "--noout", sd])
    png = os.path.join(work, "sd.png")
    run(["rsvg-convert", sd, "-o", png])
    with open(png, "rb") as f:
        w, h, colours, ink = cdp.png_pixels(f.read())
    if w != 1100 or len(colours) < 20 or ink < 0.05:
        fail("state diagram picture %dx%d, %d colours, %.1f %% ink" % (w, h, len(colours), ink * 100))
    with open(sd, encoding="utf-8") as f:
        svg = f.read()
    states = ["CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1",
              "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK"]
    for st in states:
        if 'id="sd-n-%s"' % st not in svg:
            fail("no box for %s" % st)
    if len(re.findall(r'class="sd-edge"', svg)) != 20:
        fail("Figure 5 has 20 arrows, the SVG %d" % len(re.findall(r'class="sd-edge"', svg)))
    for line in ("client 192.0.2.10:43512: CLOSED \u2192 SYN_SENT \u2192 ESTABLISHED \u2192 "
                 "FIN_WAIT_1 \u2192 TIME_WAIT",
                 "server 192.0.2.80:80: LISTEN? \u2192 SYN_RECV \u2192 ESTABLISHED \u2192 "
                 "CLOSE_WAIT \u2192 LAST_ACK \u2192 CLOSED"):
        if line not in svg:
            fail("path line missing: %s" % line)
    if svg.count("<circle") != 9 or svg.count("stroke-dasharray=\"12 7\"") != 1:
        fail("expected 9 numbered transitions, one of them dashed (FIN_WAIT_1 -> TIME_WAIT)")
    bare = os.path.join(work, "bare.svg")
    run([tcpshake, "read", cap, "-q", "--state-diagram", bare])
    run(["xmllint", "--noout", bare])
    with open(bare, encoding="utf-8") as f:
        if "<circle" in f.read():
            fail("a path drawn without --conn")
    for opt, path in (("--state-diagram", sd), ("--html", os.path.join(work, "x.html"))):
        r = subprocess.run([tcpshake, "read", cap, "-q", opt, path, "--conn", "9"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 2 or os.path.exists(path) or b"no such connection" not in r.stderr:
            fail("%s --conn 9: exit %d, %s" % (opt, r.returncode, r.stderr))
    r = subprocess.run([tcpshake, "read", cap, "--conn", "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 2 or b"--html" not in r.stderr:
        fail("--conn alone: exit %d, %s" % (r.returncode, r.stderr))
    print("state_diagram: Figure 5, the path of both endpoints, usage errors")


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(2)
    case, tcpshake, work, src = sys.argv[1:5]
    tcpshake, work, src = os.path.abspath(tcpshake), os.path.abspath(work), os.path.abspath(src)
    if case == "state_diagram":
        work = os.path.join(work, case)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        case_state_diagram(tcpshake, work, src)
        return
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("TCPSHAKE_REQUIRE_BROWSER") == "1":
            fail("no browser at %s (apt-get install chromium)" % CHROMIUM)
        print("SKIP: no browser at %s (apt-get install chromium)" % CHROMIUM)
        sys.exit(77)
    work = os.path.join(work, case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if case == "pages":
        case_pages(tcpshake, work, src)
    elif case == "no_network":
        case_no_network(tcpshake, work, src)
    elif case == "controls":
        case_controls(tcpshake, work, src)
    elif case == "hostile":
        case_hostile(tcpshake, work, src)
    elif case == "size":
        case_size(tcpshake, work, src, os.path.abspath(sys.argv[5]))
    else:
        fail("no case %s" % case)


if __name__ == "__main__":
    main()
