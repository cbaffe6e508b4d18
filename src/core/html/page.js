/* page.js: the --html page's script (report_html.c embeds it). Builds the
 * whole view from the page's NDJSON block ("tcpshake-ndjson", what
 * `tcpshake read --json --all` writes; docs/NDJSON.md) and the page block
 * ("tcpshake-page": presumed marks, sentences, bounds). Record types it
 * does not know are skipped. Text from the capture goes into the page with
 * textContent only, never as markup. No network: the page's
 * Content-Security-Policy allows nothing to be fetched.
 *
 * A step is one segment record with the state records that follow it, or
 * the state records a timeout caused; position 0 is the start, before the
 * first step. URL fragment: #conn=ID&step=N opens there; #test-steps walks
 * every step of every connection and writes what is shown into #test-out
 * (tests/browser). */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var SIDES = ["client", "server"];
  var $ = function (id) { return document.getElementById(id); };

  function readBlock(id) {
    var el = $(id), out = [];
    if (!el) return out;
    el.textContent.split("\n").forEach(function (line, i) {
      if (!line.trim()) return;
      try { out.push({ line: i - 1, rec: JSON.parse(line) }); } catch (e) { /* skip */ }
    });
    return out;
  }

  /* ---- the model ------------------------------------------------------ */
  var nd = readBlock("tcpshake-ndjson");
  // The block starts with a newline: NDJSON line n is text line n + 1.
  var pageRecs = readBlock("tcpshake-page").map(function (x) { return x.rec; });
  var stepInfo = {}, outcomeInfo = {}, cutInfo = {}, page = {};
  pageRecs.forEach(function (r) {
    if (r.type === "step") stepInfo[r.line] = r;
    else if (r.type === "outcome") outcomeInfo[r.conn] = r;
    else if (r.type === "cut") cutInfo[r.conn] = r;
    else if (r.type === "page") page = r;
  });

  var meta = null, conns = {}, order = [], prev = null;
  function conn(id) {
    if (!conns[id]) { conns[id] = { id: id, rec: null, steps: [], ep: {} }; order.push(id); }
    return conns[id];
  }
  nd.forEach(function (x) {
    var r = x.rec, c, s;
    if (!r || typeof r !== "object") { prev = null; return; }
    if (r.type === "meta") { meta = r; prev = null; return; }
    if (r.type === "segment") {
      prev = null;
      if (r.conn === null || r.conn === undefined) return;
      c = conn(r.conn);
      if (r.sender === "client" || r.sender === "server") {
        c.ep[r.sender] = c.ep[r.sender] || r.src;
        c.ep[r.sender === "client" ? "server" : "client"] =
          c.ep[r.sender === "client" ? "server" : "client"] || r.dst;
      }
      s = { kind: "segment", seg: r, states: [], line: x.line, ts: r.ts, conn: r.conn };
      c.steps.push(s);
      prev = s;
      return;
    }
    if (r.type === "state") {
      c = conn(r.conn);
      var timer = r.cause === "timeout";
      if (prev && prev.conn === r.conn && prev.ts === r.ts &&
          (prev.kind === "segment" ? !timer : prev.kind === "timer" && timer)) {
        prev.states.push(r);
        return;
      }
      s = { kind: timer ? "timer" : "state", seg: null, states: [r], line: x.line, ts: r.ts,
            conn: r.conn };
      c.steps.push(s);
      prev = s;
      return;
    }
    if (r.type === "conn") { c = conn(r.id); c.rec = r; c.ep.client = r.client; c.ep.server = r.server; }
    prev = null; /* conn, summary, undecoded, demo records, anything new */
  });

  /* States at every position, from the state records; presumed marks from
   * the page block when it agrees on the state. */
  function computeStates(c) {
    var cur = {}, pres = {}, fromEnd = {}, first = c.steps.length ? stepInfo[c.steps[0].line] : null;
    SIDES.forEach(function (side) {
      var st = null, i, j;
      for (i = 0; i < c.steps.length && !st; i++)
        for (j = 0; j < c.steps[i].states.length && !st; j++)
          if (c.steps[i].states[j].endpoint === side) st = c.steps[i].states[j].from;
      if (!st && c.rec) st = c.rec[side + "_state"];
      if (!st && first) st = first[side + "_before"];
      cur[side] = st || "CLOSED";
      pres[side] = !!(first && first[side + "_before"] === cur[side] && first[side + "_before_presumed"]);
      fromEnd[side] = false;
    });
    c.pos = [{ st: copy(cur), pres: copy(pres), end: copy(fromEnd), moves: [] }];
    c.steps.forEach(function (s) {
      var info = stepInfo[s.line], moves = [];
      s.states.forEach(function (r) {
        if (r.endpoint !== "client" && r.endpoint !== "server") return;
        fromEnd[r.endpoint] = r.to === "CLOSED" && (r.from === "TIME_WAIT" || r.from === "LAST_ACK");
        moves.push({ side: r.endpoint, from: r.from, to: r.to });
        cur[r.endpoint] = r.to;
        pres[r.endpoint] = !!r.presumed;
      });
      if (info) SIDES.forEach(function (side) {
        if (info[side] === cur[side]) pres[side] = !!info[side + "_presumed"];
      });
      c.pos.push({ st: copy(cur), pres: copy(pres), end: copy(fromEnd), moves: moves, step: s,
                   explain: info ? info.explain : "" });
    });
  }
  function copy(o) { var r = {}; for (var k in o) r[k] = o[k]; return r; }
  order.forEach(function (id) { computeStates(conns[id]); });

  /* ---- drawing helpers ------------------------------------------------ */
  function el(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function html(name, cls, text) {
    var e = document.createElement(name);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function stName(st, pres) { return st + (pres ? "?" : ""); }
  function fmtMs(ts, t0) { return ((ts - t0) * 1000).toFixed(3); }

  /* ---- the ladder ----------------------------------------------------- */
  var XC = 210, XS = 790, W = 1000, TOP = 150, ROW = 100, SLOPE = 30;
  function drawLadder(c) {
    var n = c.steps.length, h = TOP + n * ROW + 40, svg, i;
    svg = el("svg", { viewBox: "0 0 " + W + " " + h, role: "img",
                      "aria-label": "ladder of connection " + c.id });
    var defs = el("defs");
    [["client", "#1f5fbf"], ["server", "#c2410c"], ["rst", "#d00000"]].forEach(function (m) {
      var mk = el("marker", { id: "ld-head-" + m[0], viewBox: "0 0 10 10", refX: 9, refY: 5,
        markerUnits: "userSpaceOnUse", markerWidth: 18, markerHeight: 18, orient: "auto" });
      mk.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", fill: m[1] }));
      defs.appendChild(mk);
    });
    svg.appendChild(defs);
    SIDES.forEach(function (side) {
      var x = side === "client" ? XC : XS;
      svg.appendChild(el("line", { x1: x, y1: 86, x2: x, y2: h - 20, "class": "ld-lane " + side }));
      svg.appendChild(el("rect", { x: x - 185, y: 12, width: 370, height: 74, rx: 10,
                                   "class": "ld-box " + side }));
      svg.appendChild(el("text", { x: x, y: 44, "text-anchor": "middle", "class": "ld-ep " + side },
                         c.ep[side] || "?"));
      svg.appendChild(el("text", { x: x, y: 72, "text-anchor": "middle", "class": "ld-role" },
                         side + (c.rec && c.rec.roles_guessed ? "?" : "")));
      var p0 = c.pos[0];
      svg.appendChild(el("text", { x: side === "client" ? XC - 14 : XS + 14, y: TOP - 24,
        "text-anchor": side === "client" ? "end" : "start",
        "class": "ld-state changed " + side + (p0.pres[side] ? " presumed" : "") },
        stName(p0.st[side], p0.pres[side])));
    });
    c.rows = [];
    for (i = 0; i < n; i++) c.rows.push(drawRow(svg, c, i, TOP + i * ROW));
    return svg;
  }
  function drawRow(svg, c, i, y) {
    var s = c.steps[i], p = c.pos[i + 1], g, seg = s.seg, cls = "ld-row future";
    g = el("g", { "class": cls });
    g.appendChild(el("rect", { x: 0, y: y - 30, width: W, height: ROW - 4, "class": "ld-hl" }));
    if (seg) {
      var fromC = seg.sender === "client", rst = /RST/.test(seg.flags || "");
      var retx = (seg.notes || []).indexOf("retransmit") >= 0 || (seg.notes || []).indexOf("duplicate") >= 0;
      g.setAttribute("class", cls + " " + (fromC ? "client" : "server") + (rst ? " rst" : "") +
                     (retx ? " retx" : ""));
      g.appendChild(el("line", { x1: fromC ? XC : XS, y1: y, x2: fromC ? XS - 6 : XC + 6, y2: y + SLOPE,
        "class": "ld-arrow", "marker-end": "url(#ld-head-" + (rst ? "rst" : fromC ? "client" : "server") + ")" }));
      g.appendChild(el("text", { x: W / 2, y: y - 2, "text-anchor": "middle", "class": "ld-label" },
                       segLabel(seg)));
      var sub = segSub(seg);
      if (sub) g.appendChild(el("text", { x: W / 2, y: y + SLOPE + 22, "text-anchor": "middle",
                                         "class": "ld-sub" }, sub));
    } else {
      g.setAttribute("class", cls + " timer");
      g.appendChild(el("text", { x: W / 2, y: y + 14, "text-anchor": "middle", "class": "ld-timer" },
                       s.kind === "timer" ? "timeout: no segment in time" : "state change"));
    }
    SIDES.forEach(function (side) {
      var moved = p.moves.some(function (m) { return m.side === side; });
      var sender = seg && seg.sender === side;
      g.appendChild(el("text", { x: side === "client" ? XC - 14 : XS + 14,
        y: (sender || !seg) ? y + 7 : y + SLOPE + 7, "text-anchor": side === "client" ? "end" : "start",
        "class": "ld-state " + side + (moved ? " changed" : "") + (p.pres[side] ? " presumed" : "") },
        stName(p.st[side], p.pres[side])));
    });
    svg.appendChild(g);
    return g;
  }
  function segLabel(seg) {
    var t = seg.flags + " seq " + (seg.rel_seq === null ? seg.seq : seg.rel_seq);
    if (/ACK/.test(seg.flags)) t += " ack " + (seg.rel_ack === null ? seg.ack : seg.rel_ack);
    if (seg.len) t += " len " + seg.len;
    return t;
  }
  function segSub(seg) {
    var parts = [];
    if (/SYN/.test(seg.flags) && seg.options) parts.push(seg.options.length > 60 ?
      seg.options.slice(0, 57) + "..." : seg.options);
    (seg.notes || []).forEach(function (n) {
      if (n !== "new" && n !== "ended" && n !== "outcome") parts.push(n);
    });
    return parts.join(" \u00b7 ");
  }

  /* ---- the state diagram ---------------------------------------------- */
  var sd = $("sd"), overlay = $("sd-overlay");
  function nodeFor(state, fromEnd) {
    return $("sd-n-" + state + (state === "CLOSED" && fromEnd ? "-end" : ""));
  }
  function box(n) {
    var r = n.querySelector(".sd-box");
    return { x: +r.getAttribute("x"), y: +r.getAttribute("y"),
             w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  }
  function clip(a, b) { /* where a's centre -> b's centre leaves box a */
    var ax = a.x + a.w / 2, ay = a.y + a.h / 2, dx = b.x + b.w / 2 - ax, dy = b.y + b.h / 2 - ay;
    var t = 1;
    if (Math.abs(dx) > 1e-9) t = Math.min(t, (a.w / 2 + 12) / Math.abs(dx));
    if (Math.abs(dy) > 1e-9) t = Math.min(t, (a.h / 2 + 12) / Math.abs(dy));
    return [ax + dx * t, ay + dy * t];
  }
  function showDiagram(p, prevPos) {
    if (!sd) return;
    Array.prototype.forEach.call(sd.querySelectorAll(".sd-node"), function (n) {
      n.classList.remove("cur-client", "cur-server", "pres-client", "pres-server");
    });
    Array.prototype.forEach.call(sd.querySelectorAll(".sd-edge"), function (e) {
      e.classList.remove("taken-client", "taken-server");
    });
    while (overlay && overlay.firstChild) overlay.removeChild(overlay.firstChild);
    SIDES.forEach(function (side) {
      var n = nodeFor(p.st[side], p.end[side]);
      if (!n) return;
      n.classList.add("cur-" + side);
      if (p.pres[side]) n.classList.add("pres-" + side);
    });
    var fromEnd = prevPos ? copy(prevPos.end) : { client: false, server: false };
    p.moves.forEach(function (m) {
      var edge = $("sd-e-" + m.from + "-" + m.to);
      var a = nodeFor(m.from, fromEnd[m.side]);
      fromEnd[m.side] = m.to === "CLOSED" && (m.from === "TIME_WAIT" || m.from === "LAST_ACK");
      var b = nodeFor(m.to, fromEnd[m.side]);
      if (edge) { edge.classList.add("taken-" + m.side); return; }
      if (!a || !b || !overlay) return;
      var ba = box(a), bb = box(b), off = m.side === "client" ? -6 : 6;
      var p1 = clip(ba, bb), p2 = clip(bb, ba);
      overlay.appendChild(el("path", { d: "M" + (p1[0] + off) + "," + (p1[1] + off) + " L" +
        (p2[0] + off) + "," + (p2[1] + off), "class": "sd-over " + m.side,
        "marker-end": "url(#sd-head-" + m.side + ")", "data-from": m.from, "data-to": m.to }));
    });
  }

  /* ---- details -------------------------------------------------------- */
  function showDetails(c, k) {
    var p = c.pos[k], before = k > 0 ? c.pos[k - 1] : p, seg = p.step && p.step.seg;
    SIDES.forEach(function (side) {
      $("st-" + side).textContent = stName(p.st[side], p.pres[side]);
      $("st-" + side + "-before").textContent = stName(before.st[side], before.pres[side]);
      var moved = p.moves.some(function (m) { return m.side === side; });
      $("st-" + side).parentNode.classList.toggle("same", !moved);
      $("st-" + side).setAttribute("data-state", p.st[side]);
      $("st-" + side).setAttribute("data-presumed", p.pres[side] ? "true" : "false");
    });
    var box = $("seg");
    while (box.firstChild) box.removeChild(box.firstChild);
    var t0 = c.steps.length ? c.steps[0].ts : 0;
    if (k === 0) {
      box.appendChild(html("span", "sub", "Start: nothing sent yet. Press \u2192 or Next."));
    } else if (seg) {
      var fromC = seg.sender === "client";
      box.appendChild(html("span", "sub", "t = " + fmtMs(seg.ts, t0) + " ms  "));
      box.appendChild(html("span", fromC ? "from-client" : "from-server",
                           (seg.sender || "?") + " \u2192 " + (fromC ? "server" : "client") + "  "));
      box.appendChild(html("span", "flags" + (/RST/.test(seg.flags) ? " rst" : ""), seg.flags));
      var line = "  seq " + (seg.rel_seq === null ? "-" : seg.rel_seq) + " (" + seg.seq + ")";
      if (/ACK/.test(seg.flags))
        line += "  ack " + (seg.rel_ack === null ? "-" : seg.rel_ack) + " (" + seg.ack + ")";
      line += "  len " + seg.len + "  win " + seg.win;
      box.appendChild(html("span", "", line));
      box.appendChild(document.createElement("br"));
      box.appendChild(html("span", "sub", (seg.src || "") + " \u2192 " + (seg.dst || "") +
        (seg.options ? "  options: " + seg.options : "") +
        (seg.notes && seg.notes.length ? "  notes: " + seg.notes.join(", ") : "") +
        (seg.anomalies && seg.anomalies.length ? "  anomalies: " + seg.anomalies.join(", ") : "")));
    } else if (p.step) {
      box.appendChild(html("span", "sub", "t = " + fmtMs(p.step.ts, t0) + " ms  " +
        (p.step.kind === "timer" ? "timeout: packet time passed without a segment" : "state change")));
    }
    var text = k === 0 ? "" : p.explain || "";
    if (k === c.pos.length - 1 && outcomeInfo[c.id] && outcomeInfo[c.id].explain)
      text = (text ? text + " " : "") + "End: " + outcomeInfo[c.id].explain;
    $("explain").textContent = text;
  }

  /* ---- stepping ------------------------------------------------------- */
  var cur = null, pos = 0, timer = null, testing = /(^#|&)test-steps(&|$)/.test(location.hash || "");
  function show(k) {
    if (!cur) return;
    pos = Math.max(0, Math.min(k, cur.pos.length - 1));
    cur.rows.forEach(function (g, i) {
      g.classList.toggle("future", i + 1 > pos);
      g.classList.toggle("cur", i + 1 === pos);
    });
    if (pos > 0 && cur.rows[pos - 1] && cur.rows[pos - 1].scrollIntoView && !testing)
      cur.rows[pos - 1].scrollIntoView({ block: "nearest" });
    showDiagram(cur.pos[pos], pos > 0 ? cur.pos[pos - 1] : null);
    showDetails(cur, pos);
    $("step-count").textContent = "step " + pos + " of " + (cur.pos.length - 1);
    $("b-first").disabled = $("b-prev").disabled = pos === 0;
    $("b-next").disabled = $("b-last").disabled = pos === cur.pos.length - 1;
    if (pos === cur.pos.length - 1) stop();
  }
  function select(id) {
    cur = conns[id] || null;
    var holder = $("ladder");
    while (holder.firstChild) holder.removeChild(holder.firstChild);
    if (!cur) { $("step-count").textContent = "no connection"; return; }
    holder.appendChild(drawLadder(cur));
    $("conn-pick").value = String(id);
    show(0);
  }
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    $("b-play").classList.remove("playing");
    $("b-play").textContent = "\u25B6 Play";
  }
  function play() {
    if (timer) { stop(); return; }
    if (!cur) return;
    if (pos === cur.pos.length - 1) show(0);
    $("b-play").classList.add("playing");
    $("b-play").textContent = "\u275A\u275A Pause";
    timer = setInterval(function () { show(pos + 1); }, +$("speed").value || 1000);
  }

  /* ---- the picker and the note ---------------------------------------- */
  var pick = $("conn-pick");
  order.forEach(function (id) {
    var c = conns[id], o = document.createElement("option"), r = c.rec;
    o.value = String(id);
    o.textContent = "#" + id + " " + (r ? r.outcome : "open") + " \u00b7 " + (c.ep.client || "?") +
      " \u2192 " + (c.ep.server || "?") + " \u00b7 " + (r ? r.packets : c.steps.length) + " packets" +
      (cutInfo[id] ? " (cut)" : "");
    pick.appendChild(o);
  });
  var notes = [];
  if (page.conns_left_out)
    notes.push("Showing " + page.conns_shown + " connections; " + page.conns_left_out +
      " more were left out (a page holds at most " + page.max_conns +
      "; choose one with --conn ID).");
  if (page.records_left_out)
    notes.push(page.records_left_out + " records were left out (at most " + page.max_segments +
      " segments per connection). Connections marked (cut) stop early.");
  if (!order.length) notes.push("No connection in this capture.");
  if (notes.length) { $("note").textContent = notes.join(" "); $("note").hidden = false; }
  if (meta && meta.input) $("title-input").textContent = meta.input.join(", ");
  else if (meta && meta.interface) $("title-input").textContent = "live on " + meta.interface;
  else if (meta && meta.command) $("title-input").textContent = meta.command;

  pick.addEventListener("change", function () { stop(); select(+pick.value); pick.blur(); });
  $("b-first").addEventListener("click", function () { stop(); show(0); });
  $("b-prev").addEventListener("click", function () { stop(); show(pos - 1); });
  $("b-next").addEventListener("click", function () { stop(); show(pos + 1); });
  $("b-last").addEventListener("click", function () { stop(); show(Infinity); });
  $("b-play").addEventListener("click", play);
  $("speed").addEventListener("change", function () { if (timer) { stop(); play(); } });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (tag === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key, done = true;
    if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " ") { stop(); show(pos + 1); }
    else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp" || k === "Backspace") { stop(); show(pos - 1); }
    else if (k === "Home") { stop(); show(0); }
    else if (k === "End") { stop(); show(Infinity); }
    else if (k === "p" || k === "P") play();
    else done = false;
    if (done) e.preventDefault();
  });

  /* ---- start ---------------------------------------------------------- */
  var hash = {};
  (location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
    var i = kv.indexOf("=");
    if (kv) hash[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? "" : decodeURIComponent(kv.slice(i + 1));
  });
  var first = hash.conn && conns[+hash.conn] ? +hash.conn
            : page.select && conns[page.select] ? page.select : order[0];
  if (first !== undefined) select(first);
  if (hash.step) show(+hash.step || 0);

  if (testing) {
    /* Walk every step of every connection; write what is shown. */
    var out = [];
    order.forEach(function (id) {
      select(id);
      for (var k = 0; k < cur.pos.length; k++) {
        show(k);
        var rec = { conn: id, pos: k, line: k ? cur.pos[k].step.line : null };
        SIDES.forEach(function (side) {
          rec[side] = $("st-" + side).getAttribute("data-state");
          rec[side + "_text"] = $("st-" + side).textContent;
          rec[side + "_presumed"] = $("st-" + side).getAttribute("data-presumed") === "true";
          rec[side + "_nodes"] = Array.prototype.map.call(
            sd ? sd.querySelectorAll(".sd-node.cur-" + side) : [], function (n) {
              return n.getAttribute("data-state") + (/-end$/.test(n.id) ? "-end" : ""); });
        });
        rec.edges = Array.prototype.map.call(sd ? sd.querySelectorAll(".sd-edge.taken-client, .sd-edge.taken-server") : [],
          function (e) { return e.id; });
        rec.overlay = overlay ? overlay.childNodes.length : 0;
        rec.rows_current = cur.rows.filter(function (g) { return g.classList.contains("cur"); }).length;
        rec.rows_future = cur.rows.filter(function (g) { return g.classList.contains("future"); }).length;
        rec.explain = $("explain").textContent;
        out.push(rec);
      }
    });
    var t = $("test-out");
    t.textContent = JSON.stringify({ conns: order, note: $("note").hidden ? "" : $("note").textContent,
                                     steps: out });
    t.hidden = false;
  }
})();
