#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR SOURCE_DIR: one teaching-view case.
# Exit 0 pass, 1 fail.
set -u
CASE=$1
BIN=$2
WORK=$3/$CASE
SRC=$4
CAP=$SRC/captures
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

fail() {
    echo "FAIL [$CASE]: $*"
    if [ -f out ]; then echo "--- stdout:"; head -c 3000 out; fi
    if [ -f err ]; then echo "--- stderr:"; cat err; fi
    exit 1
}
need() { command -v "$1" >/dev/null || fail "needs $1 ($2; scripts/setup installs it)"; }

# run STATUS ARGS...: stdout -> out, stderr -> err, bounded in time.
run() {
    local want=$1 rc
    shift
    timeout 30 "$BIN" "$@" >out 2>err
    rc=$?
    [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
}
out_has() { grep -Fq -- "$1" out || fail "stdout lacks: $1"; }
err_has() { grep -Fq -- "$1" err || fail "stderr lacks: $1"; }
has_esc() { grep -q $'\033\\[' "$1"; }

# check_png SVG PNG: the PNG is what rsvg-convert made of the SVG: its size
# is the SVG's declared width x height, and it is not blank (some pixels
# are far from white, some are the client's blue and the server's orange).
check_png() {
    python3 - "$1" "$2" <<'EOF' || fail "PNG check failed"
import re, struct, sys, zlib
svg, png = open(sys.argv[1]).read(), open(sys.argv[2], 'rb').read()
m = re.search(r'<svg [^>]*width="(\d+)" height="(\d+)"', svg)
assert m, "no width/height on <svg>"
W, H = int(m.group(1)), int(m.group(2))
assert png[:8] == b'\x89PNG\r\n\x1a\n', "not a PNG"
pos, idat, ihdr = 8, b'', None
while pos < len(png):
    n, kind = struct.unpack('>I4s', png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        ihdr = struct.unpack('>IIBBBBB', data)
    elif kind == b'IDAT':
        idat += data
    pos += 12 + n
w, h, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
assert (w, h) == (W, H), "PNG is %dx%d, SVG says %dx%d" % (w, h, W, H)
assert depth == 8 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, ink, blue, orange = bytearray(stride), 0, 0, 0
rows = min(h, 220)  # pure-Python unfiltering is slow: legend, title, endpoint boxes, lanes
for y in range(rows):
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):  # PNG filters (RFC 2083 6)
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = row[x], row[x + 1], row[x + 2]
        if r + g + bl < 600: ink += 1
        if bl > 150 and r < 80: blue += 1
        if r > 150 and bl < 60 and 40 < g < 110: orange += 1
    prev = row
total = w * rows
assert ink > total // 200, "almost blank: %d dark pixels of %d" % (ink, total)
assert blue > 200 and orange > 200, "lanes not drawn: blue %d, orange %d" % (blue, orange)
print("png %dx%d, %d dark pixels" % (w, h, ink))
EOF
}

svg_case() { # RECORDS CAPTURE [ARGS...]: RECORDS connections expected in the picture
    local records=$1 cap=$2
    shift 2
    need xmllint libxml2-utils
    need rsvg-convert librsvg2-bin
    need python3 python3
    run 0 read -q --svg fig.svg "$@" "$CAP/$cap.pcap"
    [ -s fig.svg ] || fail "no SVG written"
    xmllint --noout fig.svg 2>err || fail "xmllint rejects the SVG"
    rsvg-convert fig.svg -o fig.png 2>err || fail "rsvg-convert cannot render the SVG"
    check_png fig.svg fig.png
    # The terminal still got its records and summary; the picture names every
    # connection it draws.
    out_has "-- summary"
    conns=$(grep -c '>Connection #' fig.svg)
    [ "$conns" -eq "$records" ] || fail "$conns connections drawn, expected $records"
    [ "$(grep -cE '#[0-9]+ .* conn +' out)" -ge "$records" ] || fail "records missing on stdout"
}

case $CASE in
svg_handshake-ipv4|svg_simultaneous-open|svg_refused|svg_half-open|svg_unanswered)
    svg_case 1 "${CASE#svg_}"
    ;;
svg_mixed)
    svg_case 8 mixed
    ;;
svg_explain)
    svg_case 1 handshake-ipv4 --explain
    grep -Fq "because a SYN takes one sequence number" fig.svg || fail "no explanation in the SVG"
    ;;
svg_one_conn)
    svg_case 1 mixed --conn 6
    grep -Fq '>Connection #6 ' fig.svg || fail "connection 6 not drawn"
    [ "$(grep -c '>Connection #' fig.svg)" -eq 1 ] || fail "more than one connection drawn"
    ;;
svg_write_error)
    run 10 read --svg /nonexistent-dir/x.svg "$CAP/refused.pcap"
    err_has "cannot write /nonexistent-dir/x.svg"
    ;;
color_always)
    run 0 read --color always "$CAP/refused.pcap"
    has_esc out || fail "no colour codes with --color always"
    grep -q $'\033\\[1;31m.*RST+ACK' out || fail "the RST line is not red"
    run 0 read --ladder --color always "$CAP/unanswered.pcap"
    grep -q $'\033\\[36;2m' out || fail "the retransmitted SYN is not dim"
    ;;
color_never)
    run 0 read --ladder --explain --color never "$CAP/mixed.pcap"
    has_esc out && fail "colour codes with --color never"
    ;;
color_auto_pipe)
    run 0 read --ladder "$CAP/mixed.pcap"
    has_esc out && fail "colour codes although stdout is not a terminal"
    ;;
color_auto_tty|no_color_env|term_dumb)
    need script util-linux
    # script(1) gives tcpshake a pseudo-terminal as stdout.
    case $CASE in
    color_auto_tty) env -u NO_COLOR TERM=xterm script -qec "$BIN read --ladder $CAP/refused.pcap" /dev/null >out 2>err ;;
    no_color_env) NO_COLOR=1 TERM=xterm script -qec "$BIN read --ladder $CAP/refused.pcap" /dev/null >out 2>err ;;
    term_dumb) env -u NO_COLOR TERM=dumb script -qec "$BIN read --ladder $CAP/refused.pcap" /dev/null >out 2>err ;;
    esac
    out_has "connection refused"
    if [ "$CASE" = color_auto_tty ]; then
        has_esc out || fail "no colour on a terminal"
    else
        has_esc out && fail "colour on a terminal despite ${CASE}"
    fi
    ;;
no_color_always)
    # no-color.org: an explicit command-line choice overrides NO_COLOR.
    NO_COLOR=1 timeout 30 "$BIN" read --color always "$CAP/refused.pcap" >out 2>err || fail "exit $?"
    has_esc out || fail "--color always did not win over NO_COLOR"
    ;;
ladder_explain)
    run 0 read --ladder --explain "$CAP/handshake-ipv4.pcap"
    out_has "── connection #1 "
    out_has "│  The server answers with SYN+ACK: it acknowledges 1 =  │"
    out_has "│  client ISN + 1, because a SYN takes one sequence"
    out_has "   Outcome complete:"
    ;;
ladder_json_conflict)
    run 2 read --ladder --json "$CAP/refused.pcap"
    err_has "--json cannot be combined with --ladder"
    ;;
explain_json_conflict)
    run 2 read --explain --json "$CAP/refused.pcap"
    err_has "--json cannot be combined with --explain"
    ;;
ascii_needs_ladder)
    run 2 read --ascii "$CAP/refused.pcap"
    err_has "--ascii draws the ladder: add --ladder"
    ;;
conn_needs_view)
    run 2 read --conn 1 "$CAP/refused.pcap"
    err_has "add one of them"
    ;;
bad_color)
    run 2 read --color sometimes "$CAP/refused.pcap"
    err_has "--color: 'sometimes' is not auto, always or never"
    ;;
bad_conn)
    run 2 read --ladder --conn 0 "$CAP/refused.pcap"
    err_has "--conn: '0' is not a connection number"
    ;;
ladder_bounded)
    # A busy capture: blocks stay findable ("(continued)") and the ladder is
    # bounded (CFG_LADDER_MAX_BLOCKS = 1000 blocks, then record lines only).
    gen=$(dirname "$BIN")/tcpshake-gen
    [ -x "$gen" ] || fail "no tcpshake-gen beside $BIN"
    "$gen" bench --connections 3000 --seed 7 busy.pcap >/dev/null || fail "generator"
    run 0 read --ladder busy.pcap
    grep -Fq "(continued)" out || fail "no (continued) block in a busy ladder"
    [ "$(grep -c "^── ladder: 1000 blocks drawn" out)" -eq 1 ] || fail "no single bound note"
    blocks=$(grep -c "^── connection #" out)
    [ "$blocks" -eq 1000 ] || fail "$blocks blocks drawn, expected the bound 1000"
    records=$(grep -c "^└─ #" out)
    [ "$records" -eq 3000 ] || fail "$records record lines, expected one per connection (3000)"
    ;;
conn_no_match)
    # A --conn that matches nothing: one line, exit 2, no blank slide left.
    run 2 read --ladder --conn 99 "$CAP/mixed.pcap"
    [ "$(wc -l <err)" -eq 1 ] || fail "stderr is not one line"
    err_has "--conn 99: no such connection (this input has 8)"
    run 2 read -q --svg fig.svg --conn 99 "$CAP/mixed.pcap"
    err_has "--conn 99: no such connection"
    [ ! -e fig.svg ] || fail "a blank SVG was left behind"
    run 0 read -q --svg fig.svg --conn 8 "$CAP/mixed.pcap"
    [ -s fig.svg ] || fail "--conn 8 of 8 drew nothing"
    ;;
svg_footer_words)
    # Slides say how a connection ended in words, and leave out times that
    # were never measured (no "- ms").
    run 0 read -q --svg fig.svg "$CAP/refused.pcap"
    grep -Fq "reset by the server" fig.svg || fail "no 'reset by the server' in the footer"
    ! grep -Eq "reset_by_server|open_at_end|never_opened|- ms" fig.svg || fail "field names or '- ms' in the SVG"
    run 0 read -q --svg fig.svg "$CAP/unanswered.pcap"
    ! grep -Eq "open_at_end|- ms" fig.svg || fail "field names or '- ms' in the SVG"
    ;;
help_lists_views)
    run 0 read --help
    for o in --ladder --ascii --explain "--color WHEN" "--svg FILE" "--conn ID"; do out_has "$o"; done
    ;;
watch_help_lists_views)
    run 0 watch --help
    for o in --ladder --ascii --explain "--color WHEN" "--svg FILE" "--conn ID"; do out_has "$o"; done
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
