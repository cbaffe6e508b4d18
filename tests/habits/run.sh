#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR SOURCE_DIR: tcpdump's habits (issue 12) on the
# bundled captures. Exit 0 pass, 1 fail, 77 skip.
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
run() {
    local want=$1 rc
    shift
    timeout 30 "$BIN" "$@" >out 2>err
    rc=$?
    [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
}
out_has() { grep -Fq -- "$1" out || fail "stdout lacks: $1"; }
records() { grep -c ' conn  ' out; }

case $CASE in
count)
    # read -c N: stop reading once N connections have ended (as watch -c);
    # what is still open then is reported as at any end of input.
    run 0 read -q -c 2 "$CAP/mixed.pcap"
    [ "$(grep -c 'reset_by_\|closed$' out)" -eq 2 ] || fail "not exactly 2 ended connections"
    grep -q "end_of_input" out || fail "the open connections are not reported"
    run 0 read -q "$CAP/mixed.pcap"
    full=$(grep -c ' conn  ' out)
    run 0 read -q -c 1 "$CAP/mixed.pcap"
    [ "$(head -1 out | grep -c refused)" -eq 1 ] || fail "-c 1: the first ended connection is the refused one"
    run 2 read -c 0 "$CAP/mixed.pcap"
    grep -q "^tcpshake: -c: '0' is not a number from 1" err || fail "-c 0 accepted"
    [ "$full" -eq 8 ] || fail "mixed.pcap has $full records, expected 8"
    ;;
packets)
    run 0 read -q --json --packets 3 "$CAP/mixed.pcap"
    grep -q '"type":"summary","schema_version":4,"packets":3,' out || fail "--packets 3: the summary does not count 3 packets"
    run 0 read --packets 1000 "$CAP/mixed.pcap"
    out_has "packets      48 "
    run 2 read --packets x "$CAP/mixed.pcap"
    grep -q "^tcpshake: --packets: 'x' is not a number" err || fail "--packets x accepted"
    ;;
timestamps)
    # -t .. -ttttt stamp each line as tcpdump's do: compared with tcpdump
    # itself, packet by packet (--all: a line for every segment). tcpdump
    # prints deltas as H:MM:SS.frac, tcpshake as seconds: compared as numbers.
    command -v tcpdump >/dev/null || { echo "SKIPPED: tcpdump not installed"; exit 77; }
    for cap in handshake-ipv4.pcap mixed.pcap port-reuse.pcap; do
        for t in -tt -ttt -tttt -ttttt; do
            TZ=UTC tcpdump -n $t -r "$CAP/$cap" 2>/dev/null | grep ' IP6\? ' |
                sed -E 's/^ *([0-9:. -]+[0-9]) IP6? .*/\1/' >want.txt
            TZ=UTC timeout 30 "$BIN" read --all $t "$CAP/$cap" >out 2>err || fail "read $t failed"
            grep -v '  conn  ' out >segs.txt; mv segs.txt out  # segment lines only
            case $t in
                -tttt) sed -nE 's/^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+) #.*/\1/p' out >got.txt ;;
                *) sed -nE 's/^ *([0-9.]+) #[0-9]+ .*/\1/p' out >got.txt ;;
            esac
            python3 - want.txt got.txt "$cap $t" <<'PY' || fail "$cap $t: times differ from tcpdump's"
import sys
def sec(x):
    x = x.strip()
    if ":" in x and "-" not in x:
        h, m, s = x.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return x if "-" in x else float(x)
w = [sec(l) for l in open(sys.argv[1]) if l.strip()]
g = [sec(l) for l in open(sys.argv[2]) if l.strip()]
ok = len(w) == len(g) and len(w) > 0 and all(
    (a == b) if isinstance(a, str) else abs(a - b) < 2e-6 for a, b in zip(w, g))
if not ok:
    print(sys.argv[3], "tcpdump:", w[:5], "tcpshake:", g[:5], len(w), len(g))
sys.exit(0 if ok else 1)
PY
        done
    done
    # -t: no time at all; the line starts with the connection id.
    run 0 read -t "$CAP/handshake-ipv4.pcap"
    [ "$(grep -c '^#1 ' out)" -eq 7 ] || fail "-t: lines do not start with the connection id"
    # the default is -ttttt, byte for byte
    run 0 read -ttttt "$CAP/mixed.pcap"
    cp out ttttt.txt
    run 0 read "$CAP/mixed.pcap"
    cmp -s out ttttt.txt || fail "-ttttt differs from the default"
    # --time-zone: local by default (as tcpdump); utc on request.
    TZ=Asia/Tokyo "$BIN" read -tttt "$CAP/handshake-ipv4.pcap" | head -1 | grep -q "^2024-01-01 09:00:00.000000 #1" ||
        fail "-tttt in TZ=Asia/Tokyo is not local time"
    TZ=Asia/Tokyo "$BIN" read -tttt --time-zone utc "$CAP/handshake-ipv4.pcap" | head -1 |
        grep -q "^2024-01-01 00:00:00.000000 #1" || fail "--time-zone utc"
    run 2 read --time-zone mars "$CAP/handshake-ipv4.pcap"
    grep -q "^tcpshake: --time-zone: 'mars' is not local or utc" err || fail "bad zone accepted"
    # NDJSON keeps epoch seconds whatever -t says.
    run 0 read --json -tttt "$CAP/handshake-ipv4.pcap"
    grep -q '"ts":1704067200.000000' out || fail "NDJSON ts changed with -tttt"
    ;;
list_interfaces)
    # -D lists what libpcap finds, as tcpdump -D prints it (same library).
    run 0 -D
    grep -Eq '^[0-9]+\.lo( |$)' out || fail "-D does not list lo"
    grep -Eq '^[0-9]+\.any ' out || fail "-D does not list any"
    cp out top.txt
    run 0 watch -D
    cmp -s out top.txt || fail "watch -D differs from tcpshake -D"
    if command -v tcpdump >/dev/null; then
        tcpdump -D >want.txt 2>/dev/null || fail "tcpdump -D failed"
        diff want.txt top.txt >diff.txt || fail "tcpshake -D differs from tcpdump -D: $(cat diff.txt)"
    fi
    ;;
help_layout)
    # Every help fits 80 columns, and no synopsis runs into its description
    # (the top-level "watch [-i IFACE] [EXPR]" once did).
    for sub in "" read watch craft demo; do
        # shellcheck disable=SC2086
        "$BIN" $sub --help >out 2>err || fail "tcpshake $sub --help failed"
        long=$(awk 'length($0) > 80' out)
        [ -z "$long" ] || fail "tcpshake $sub --help: lines over 80 columns: $long"
    done
    "$BIN" --help >out
    sed -n '/^Commands:/,/^$/p' out | grep '^  ' >cmds.txt
    python3 - cmds.txt <<'PY' || fail "the Commands: column is not aligned"
import re, sys
cols = set()
for line in open(sys.argv[1]):
    m = re.match(r"^  (\S+(?: \S+)*?)( {2,})(\S.*)$", line.rstrip("\n"))
    assert m, line
    cols.add(len(m.group(1)) + len(m.group(2)))
sys.exit(0 if len(cols) == 1 else 1)
PY
    ;;
synopsis_forms)
    # Every form the man page's SYNOPSIS shows runs (its --help: exit 0).
    man=$SRC/docs/tcpshake.1
    forms=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" |
        awk '/^\.B tcpshake craft$/ {getline; gsub(/^\.BR /, ""); gsub(/ /, ""); n = split($0, f, "|"); for (i = 1; i <= n; i++) print "craft " f[i]}
             /^\.B tcpshake (read|watch|demo)$/ {print $3}
             /^\.B tcpshake help$/ {print "help read"}')
    [ "$(echo "$forms" | grep -c '^craft ')" -ge 7 ] || fail "SYNOPSIS craft forms not found: $forms"
    while read -r form; do
        [ -n "$form" ] || continue
        # shellcheck disable=SC2086
        "$BIN" $form --help >/dev/null 2>err || fail "SYNOPSIS form '$form' does not run: $(cat err)"
    done <<<"$forms"
    ;;
many_files)
    # Several files read as one capture, merged by packet time (mergecap's
    # default): pieces of a capture, in any order, tell exactly what the
    # whole file tells (the meta record names the inputs, so it differs).
    command -v editcap >/dev/null || { echo "SKIPPED: editcap not installed (tshark)"; exit 77; }
    for cap in mixed.pcap port-reuse.pcap handshake-ipv6.pcap; do
        editcap -c 7 "$CAP/$cap" piece.pcap >/dev/null 2>&1 || fail "editcap"
        pieces=$(ls piece_*.pcap | sort)
        [ "$(echo "$pieces" | wc -l)" -ge 2 ] || fail "editcap made one piece of $cap"
        for fmt in "" "--json" "--all" "--ladder --color never"; do
            # shellcheck disable=SC2086
            "$BIN" read $fmt "$CAP/$cap" | grep -v '"type":"meta"' >whole.txt
            # shellcheck disable=SC2086
            "$BIN" read $fmt $(echo "$pieces" | sort -r) | grep -v '"type":"meta"' >merged.txt
            cmp -s whole.txt merged.txt || fail "$cap $fmt: pieces in reverse order differ from the whole: $(diff whole.txt merged.txt | head -5)"
        done
        # -r repeated, as tshark takes it; then every other word is the filter.
        first=$(echo "$pieces" | head -1)
        second=$(echo "$pieces" | sed -n 2p)
        "$BIN" read -q -r "$second" -r "$first" >r.txt || fail "-r a -r b failed"
        "$BIN" read -q "$first" "$second" >p.txt
        cmp -s r.txt p.txt || fail "-r a -r b differs from a b"
        rm -f piece_*.pcap
    done
    # A rotation set from tcpdump -C (units of 1,000,000 bytes) reads back
    # as one: a generated capture of a few MB, cut into 1 MB files.
    if command -v tcpdump >/dev/null; then
        "$(dirname "$BIN")/tcpshake-gen" bench --connections 1500 --seed 5 big.pcap >/dev/null ||
            fail "tcpshake-gen"
        tcpdump -r big.pcap -w rot.pcap -C 1 -Z root 2>/dev/null || fail "tcpdump -C"
        [ -e rot.pcap1 ] || fail "tcpdump -C made one file"
        "$BIN" read -q big.pcap >whole.txt
        # shellcheck disable=SC2046 # the rotation set, in tcpdump's order
        "$BIN" read -q rot.pcap $(ls rot.pcap[0-9]* | sort -V) >rot.txt || fail "reading the rotation set failed"
        cmp -s rot.txt whole.txt || fail "the tcpdump -C rotation set does not read back as the whole"
    fi
    # A filter after the files; "--" makes a word that names a file a
    # filter word; "-" is one of the inputs.
    cp "$CAP/refused.pcap" tcp
    run 0 read -q "$CAP/handshake-ipv4.pcap" -- tcp
    out_has "connections  1: complete 1"
    run 0 read -q "$CAP/handshake-ipv4.pcap" tcp
    out_has "connections  2: complete 1, refused 1"
    run 0 read -q "$CAP/mixed.pcap" tcp port 25
    out_has "connections  1: complete 0, refused 1"
    "$BIN" read -q - "$CAP/refused.pcap" <"$CAP/handshake-ipv4.pcap" >out 2>err || fail "- among files"
    out_has "connections  2: complete 1, refused 1"
    # A bad file among good ones: named, the others still reported, its exit status.
    head -c 300 "$CAP/handshake-ipv4.pcap" >cut.pcap
    # The first error met decides the status: the missing file (3), found
    # when the files are opened, before the truncated one is read to its cut.
    run 3 read -q "$CAP/refused.pcap" cut.pcap missing-piece.pcap
    out_has "refused 1"
    grep -q "^tcpshake: missing-piece.pcap: No such file or directory$" err || fail "the missing file is not named"
    grep -q "^tcpshake: cut.pcap: truncated capture file" err || fail "the truncated file is not named"
    run 4 read -q "$CAP/refused.pcap" "$SRC/README.md"
    out_has "refused 1"
    grep -q "README.md: not a pcap or pcapng capture file" err || fail "the non-capture is not named"
    ;;
link_header)
    # -e: each line's MAC addresses (and VLAN id) as tcpdump -e prints them,
    # checked against tshark's eth.src/eth.dst/vlan.id. A VLAN copy of a
    # bundled capture is made here (an 802.1Q tag, id 42, in every frame).
    python3 - "$CAP/handshake-ipv4.pcap" vlan.pcap <<'PY' || fail "making the VLAN capture"
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off = [data[:24]], 24
while off + 16 <= len(data):
    ts, tus, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    tagged = frame[:12] + b"\x81\x00" + struct.pack(">H", 42) + frame[12:]
    out.append(struct.pack("<IIII", ts, tus, incl + 4, orig + 4) + tagged)
    off += 16 + incl
open(sys.argv[2], "wb").write(b"".join(out))
PY
    for cap in "$CAP/handshake-ipv4.pcap" vlan.pcap "$CAP/mixed.pcap"; do
        run 0 read -e --all "$cap"
        grep -v '  conn  ' out | sed -nE 's/^ *[0-9.]+ #[0-9]+ +([0-9a-f:]{17}) > ([0-9a-f:]{17}), (vlan ([0-9]+), )?.*/\1 \2 \4/p' >got.txt
        if command -v tshark >/dev/null; then
            tshark -r "$cap" -T fields -e eth.src -e eth.dst -e vlan.id 2>/dev/null | tr '\t' ' ' >want.txt
            diff -b want.txt got.txt >d.txt || fail "$cap: -e differs from tshark: $(head -5 d.txt)"
        fi
        [ -s got.txt ] || fail "$cap: no link-layer header on any line"
    done
    grep -q " 42$" got.txt && fail "mixed.pcap has no VLAN, yet one was shown"
    run 0 read -e vlan.pcap
    grep -q "vlan 42, " out || fail "the VLAN id is not shown"
    # Without -e nothing changes (the goldens pin that); raw IP has no MACs.
    run 0 read -e "$CAP/raw-ip.pcap"
    grep -q ' > [0-9a-f:]\{17\},' out && fail "MAC addresses on a raw-IP capture"
    ;;
time_jump)
    # One wrong timestamp must not rewrite history (issue 15 #2): the SYN+ACK
    # of handshake-ipv4 stamped 130 s ahead (past SYN_SENT's 120 s timeout),
    # and 12 years ahead. One connection, complete; the jump is counted; the
    # duration ignores it. Before: unanswered + mid-stream, 130 s.
    for delta in 130 378432000; do
        python3 - "$CAP/handshake-ipv4.pcap" jump.pcap "$delta" <<'PY' || fail "making the capture"
import struct, sys
d = open(sys.argv[1], "rb").read()
out, off, i = [d[:24]], 24, 0
while off + 16 <= len(d):
    ts, tus, incl, orig = struct.unpack("<IIII", d[off:off + 16])
    if i == 1:
        ts += int(sys.argv[3])
    out.append(struct.pack("<IIII", ts, tus, incl, orig) + d[off + 16:off + 16 + incl])
    off += 16 + incl
    i += 1
open(sys.argv[2], "wb").write(b"".join(out))
PY
        run 0 read -q jump.pcap
        out_has "connections  1: complete 1"
        out_has "anomalies    time-jump 1"
        out_has "packets      10 (10 tcp, 0 not decoded), 753 bytes, 0.061390 s"
        run 0 read -q --json jump.pcap
        grep -q '"time-jump":1' out || fail "NDJSON summary lacks time-jump 1"
    done
    # A real gap (every later frame agrees) moves the clock: the timeout
    # still happens, at the time of the first frame after the gap.
    run 0 read -q "$CAP/handshake-timeout.pcap"
    out_has "unanswered"
    out_has "anomalies    none"
    ;;
*) fail "unknown case" ;;
esac
exit 0
