#!/usr/bin/env python3
"""page_numbers.py TCPSHAKE WORKDIR CAPTURE...: the --report page tells the
same numbers as the NDJSON summary (issue 18).

For every capture, one run of `read -q --json --report PAGE` gives both.
Checks:
- the page's data block (script#tcpshake-data) parses as JSON and its
  "summary" equals the NDJSON "summary" record member by member (only
  "type" and "schema_version" are the record's own);
- every table cell that names a summary number (data-k="a.b", data-v=N)
  holds that number, and the outcome cards and counter tables name them all;
- the bins add up to the summary: handshakes started by outcome, handshake
  time counts per half, SYN and SYN+ACK retransmissions, evictions and
  timeouts; alive ends at 0;
- the page is self-contained: no external reference, one script element
  and it is the (inert) JSON data block, a Content-Security-Policy of
  default-src 'none';
- hostile words (a file name and a filter with <, >, &, quotes and a
  "</script>") are escaped: they never appear raw, the data block still
  parses and gives them back.
Exit 0 pass, 1 fail."""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

DATA_RE = re.compile(r'<script type="application/json" id="tcpshake-data">(.*?)</script>', re.S)
OUTCOMES = ["complete", "refused", "unanswered", "half-open", "aborted", "mid-stream"]


class Scan(html.parser.HTMLParser):
    """Collects data-k cells, script elements and anything that could load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self.scripts, self.external, self.ids = {}, [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "data-k" in a:
            self.cells.setdefault(a["data-k"], []).append(a.get("data-v"))
        if tag == "script":
            self.scripts.append(a)
        for k in ("src", "href", "xlink:href", "action", "poster", "srcset"):
            if k in a and not (a[k] or "").startswith("#"):
                self.external.append((tag, k, a[k]))
        if tag in ("link", "iframe", "object", "embed", "img", "audio", "video", "base"):
            self.external.append((tag, "", ""))


def lookup(summary, dotted):
    cur = summary
    for part in dotted.split("."):
        cur = cur[int(part)] if isinstance(cur, list) else cur[part]
    return cur


def check_page(page, summary, label, errors):
    m = DATA_RE.search(page)
    if not m:
        errors.append("%s: no data block" % label)
        return None
    data = json.loads(m.group(1))
    ps = data["summary"]
    want = {k: v for k, v in summary.items() if k not in ("type", "schema_version")}
    if ps != want:
        for k in sorted(set(ps) | set(want)):
            if ps.get(k) != want.get(k):
                errors.append("%s: summary.%s page %r != NDJSON %r" % (label, k, ps.get(k),
                                                                      want.get(k)))
    scan = Scan()
    scan.feed(page)
    scan.close()
    for k, vals in scan.cells.items():
        try:
            exp = lookup(summary, k)
        except (KeyError, IndexError, TypeError):
            errors.append("%s: cell data-k=%s names no summary number" % (label, k))
            continue
        for v in vals:
            if str(exp) != v:
                errors.append("%s: cell %s shows %s, summary has %s" % (label, k, v, exp))
    named = set(scan.cells)
    must = ["packets", "tcp_packets", "bytes", "connections", "evicted", "timed_out",
            "retransmits", "strays", "invalid", "untracked", "peak_active", "capacity"]
    must += ["outcomes." + o for o in OUTCOMES]
    must += ["closes." + c for c in summary["closes"]]
    must += ["decode." + d for d in summary["decode"]]
    must += ["anomalies." + a for a in summary["anomalies"]]
    must += ["top_refused_ports.%d.%s" % (i, f) for i in range(len(summary["top_refused_ports"]))
             for f in ("port", "count")]
    for k in must:
        if k not in named:
            errors.append("%s: no table cell shows %s" % (label, k))
    if scan.external:
        errors.append("%s: external references %r" % (label, scan.external[:5]))
    if len(scan.scripts) != 1 or scan.scripts[0].get("type") != "application/json":
        errors.append("%s: scripts other than the data block: %r" % (label, scan.scripts))
    if "default-src 'none'" not in page:
        errors.append("%s: no Content-Security-Policy" % label)
    if re.search(r"url\((?!#)", page) or "@import" in page:
        errors.append("%s: a CSS url() or @import that is not a fragment" % label)

    b = data["bins"]
    n = b["count"]
    for o in OUTCOMES:
        if sum(b["started"][o]) != summary["outcomes"][o] or len(b["started"][o]) != n:
            errors.append("%s: bins started.%s add to %d, summary %d" % (
                label, o, sum(b["started"][o]), summary["outcomes"][o]))
    hu = summary["handshake_us"]
    for half, key in (("syn_synack", "syn_synack_us"), ("synack_ack", "synack_ack_us")):
        if sum(b[key]["count"]) != hu[half]["count"]:
            errors.append("%s: bins %s counts add to %d, summary %d" % (
                label, key, sum(b[key]["count"]), hu[half]["count"]))
        for p in ("p50", "p90", "p99"):
            for i, (cnt, val) in enumerate(zip(b[key]["count"], b[key][p])):
                if (cnt == 0) != (val is None):
                    errors.append("%s: bin %d of %s.%s: count %d, value %r" % (label, i, key, p,
                                                                               cnt, val))
                elif val is not None and hu[half]["count"] and val > hu[half]["max"]:
                    errors.append("%s: bin %d %s.%s %d above the max %d" % (
                        label, i, key, p, val, hu[half]["max"]))
    for key, total in (("syn_retransmits", summary["syn_retransmits"]),
                       ("synack_retransmits", summary["synack_retransmits"]),
                       ("evicted", summary["evicted"]), ("timed_out", summary["timed_out"])):
        if sum(b[key]) != total:
            errors.append("%s: bins %s add to %d, summary %d" % (label, key, sum(b[key]), total))
    if b["alive_end"] != 0:
        errors.append("%s: %d connections still alive at the end" % (label, b["alive_end"]))
    if n and max(b["alive"]) > summary["connections"]:
        errors.append("%s: alive above the connections" % label)
    if n > 256 or (summary["connections"] and n == 0):
        errors.append("%s: %d bins" % (label, n))
    for s in data["servers"]:
        if s["failed"] > s["handshakes"]:
            errors.append("%s: server %s failed > handshakes" % (label, s["server"]))
    for c in data["clients"]:
        if sum(c[o] for o in ("refused", "unanswered", "half-open", "aborted")) != c["failed"] \
                and c["error"] == 0:
            errors.append("%s: client %s outcomes do not add up" % (label, c["client"]))
    for chart in ("chart-started", "chart-syn-synack", "chart-synack-ack", "chart-distribution",
                  "chart-retransmits", "chart-alive", "t-refused-ports", "t-servers",
                  "t-clients", "t-run", "t-closes", "t-decode", "t-anomalies"):
        if chart not in scan.ids:
            errors.append("%s: no #%s" % (label, chart))
    return data


def run(binary, args, page):
    if os.path.exists(page):
        os.unlink(page)
    p = subprocess.run([binary, "read", "-q", "--json", "--report", page] + args,
                       capture_output=True, timeout=120)
    if p.returncode not in (0, 5):  # 5: a truncated capture, reported to the cut
        raise RuntimeError("%s exited %d: %s" % (args, p.returncode, p.stderr.decode()[:300]))
    lines = p.stdout.decode().strip().split("\n")
    summary = json.loads(lines[-1])
    assert summary["type"] == "summary"
    with open(page, encoding="utf-8") as f:
        return summary, f.read()


def main():
    binary, work, captures = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    errors = []
    page = os.path.join(work, "page.html")
    for cap in captures:
        summary, text = run(binary, [cap], page)
        check_page(text, summary, os.path.basename(cap), errors)
    # Several files as one capture: one page, one summary.
    summary, text = run(binary, captures[:3], page)
    check_page(text, summary, "three files", errors)

    # Hostile words: a file name and a BPF filter.
    # The path's separators make it read "...<b>&"'</script><script>alert(1)</script>.pcap".
    evil_dir = os.path.join(work, "e<b>&\"'<", "script><script>alert(1)<")
    os.makedirs(evil_dir, exist_ok=True)
    evil_name = os.path.join(evil_dir, "script>.pcap")
    mixed = [c for c in captures if c.endswith("mixed.pcap")][0]
    shutil.copyfile(mixed, evil_name)
    bpf = "tcp and len < 10000 and len > 1 or tcp[13] & 2 != 0"
    summary, text = run(binary, [evil_name, "--", bpf], page)
    data = check_page(text, summary, "hostile name", errors)
    if "<script>alert" in text or "<b>.pcap" in text:
        errors.append("hostile name: the file name appears unescaped")
    if data and (data["inputs"] != evil_name or data["filter"] != bpf):
        errors.append("hostile name: the data block gives back %r / %r" % (data["inputs"],
                                                                        data["filter"]))
    if errors:
        print("FAIL: %d difference(s):\n  %s" % (len(errors), "\n  ".join(errors[:60])))
        return 1
    print("ok: %d captures, the page and the summary agree" % len(captures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
