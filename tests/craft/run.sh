#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR: one `tcpshake craft` case through the real
# binary. Exit 0 pass, 1 fail, 77 skip.
#
# Cases named priv_* need root: each re-runs itself in a new network
# namespace (unshare -n, lo up), so listeners, raw segments and nft tables
# never touch the host, and checks at the end that no nft table tcpshake_*
# is left. Without root they print SKIPPED and exit 77, unless
# TCPSHAKE_REQUIRE_PRIV=1 (CI), where that is a failure. Every run of the
# binary and of a peer is bounded in time.
set -u
CASE=$1
BIN=$2
WORK=$3/$CASE
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
PEER="$HERE/peer.py"
NFT=$(command -v nft || echo /usr/sbin/nft)

fail() {
    echo "FAIL [$CASE]: $*"
    if [ -f out ]; then echo "--- stdout:"; head -c 6000 out; fi
    if [ -f err ]; then echo "--- stderr:"; cat err; fi
    for f in peer*.out; do [ -f "$f" ] && { echo "--- $f:"; cat "$f"; }; done
    exit 1
}
skip() { echo "SKIPPED: $*"; exit 77; }

# run STATUS ARGS...: tcpshake, stdout -> out, stderr -> err, check the status.
run() {
    local want=$1 rc
    shift
    timeout 60 "$BIN" "$@" >out 2>err
    rc=$?
    [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
}
one_line() { [ "$(wc -l <err)" -eq 1 ] || fail "stderr has $(wc -l <err) lines, expected 1"; }
err_is() { one_line; [ "$(cat err)" = "$1" ] || fail "stderr is not: $1"; }
err_matches() { one_line; grep -Eq -- "$1" err || fail "stderr does not match: $1"; }
no_err() { [ ! -s err ] || fail "unexpected stderr"; }
no_out() { [ ! -s out ] || fail "unexpected stdout"; }
out_has() { grep -Fq -- "$1" out || fail "stdout lacks: $1"; }
out_lacks() { ! grep -Eq -- "$1" out || fail "stdout has: $1"; }
# A text line of the tracker: FLAGS, then the states it shows.
line_has() { grep -E -- "$1" out | grep -Fq -- "$2" || fail "no '$1' line with: $2"; }
# A tracker line (not a '# ' explanation) of a RST or RST+ACK.
RST_LINE='^ +[0-9]+\.[0-9]+ #[0-9]+ +[^ ]+ > [^ ]+ +RST'


# ---- privileged cases: a network namespace of their own --------------------

priv_gate() {
    local why=""
    if [ "$(id -u)" -ne 0 ]; then
        why="not root"
    elif ! unshare -n true 2>/dev/null; then
        why="unshare -n failed: no CAP_SYS_ADMIN"
    elif [ ! -x "$NFT" ]; then
        why="nft not found"
    else
        for t in ss ip "$PY" timeout; do
            command -v "$t" >/dev/null || { why="$t not found"; break; }
        done
    fi
    [ -z "$why" ] && return 0
    [ "${TCPSHAKE_REQUIRE_PRIV:-0}" = 1 ] && fail "TCPSHAKE_REQUIRE_PRIV=1 but: $why"
    skip "needs root or CAP_NET_RAW+CAP_NET_ADMIN+CAP_SYS_ADMIN ($why)"
}

case $CASE in
priv_*)
    if [ "${TCPSHAKE_CRAFT_NETNS:-}" != "$CASE" ]; then
        priv_gate
        exec env TCPSHAKE_CRAFT_NETNS="$CASE" unshare -n -- bash "$0" "$@"
    fi
    ip link set lo up || fail "ip link set lo up"
    ;;
esac

rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT

tables() { "$NFT" list tables 2>/dev/null | grep -o 'tcpshake_[0-9]*' || true; }
no_tables() {
    local t
    t=$(tables)
    [ -z "$t" ] || fail "nft tables left behind: $t"
}

# listener HOST PORT TIMEOUT NAME: a kernel listener in the background
# (output in NAME.out, pid in LISTENER_PID); returns once it listens.
listener() {
    rm -f "$4.ready"
    timeout $(($3 + 10)) "$PY" "$PEER" listen "$1" "$2" "$3" "$4.ready" >"$4.out" 2>&1 &
    PIDS+=("$!")
    LISTENER_PID=$!
    local _
    for _ in $(seq 100); do
        [ -f "$4.ready" ] && return 0
        sleep 0.05
    done
    fail "listener on $1:$2 did not start"
}
# wait_pid PID SECONDS: wait for a background process, bounded.
wait_pid() {
    local _
    for _ in $(seq $(($2 * 20))); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
        sleep 0.05
    done
    kill -9 "$1" 2>/dev/null
    fail "process $1 still running after $2 s"
}
# wait_for FILE PATTERN SECONDS
wait_for() {
    local _
    for _ in $(seq $(($3 * 20))); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# SYN_RECV entries on a local port, through sock_diag (ss).
syn_recv() { ss -Htn state syn-recv "( sport = :$1 )" | grep -c . ; }

json_check() { "$PY" -c "$1" out || fail "NDJSON check failed"; }

case $CASE in

# ---- without privilege -------------------------------------------------------

bad_args)
    run 2 craft
    err_matches "^tcpshake: craft: say what to craft: handshake, listen, syn"
    run 2 craft frobnicate
    err_matches "^tcpshake: craft: unknown form 'frobnicate'"
    run 2 craft handshake
    err_is "tcpshake: craft handshake: missing --to IP:PORT (see 'tcpshake craft --help')"
    run 2 craft syn --from 127.0.0.1:1 --write x.pcap
    err_matches "missing --to"
    run 2 craft listen
    err_is "tcpshake: craft listen: missing --port P (see 'tcpshake craft --help')"
    for to in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 999.1.1.1:80 ::1:80 "[::1]" "[1.2.3.4]:80" \
        "127.0.0.1:8x" "" "localhost:80"; do
        run 2 craft handshake --to "$to"
        err_is "tcpshake: --to: '$to' is not IP:PORT or [IPv6]:PORT with a port from 1 to 65535"
    done
    run 2 craft handshake 127.0.0.1:http
    err_matches "^tcpshake: --to: '127.0.0.1:http' is not IP:PORT"
    run 2 craft handshake --to 127.0.0.1:80 extra
    err_matches "unexpected argument 'extra'"
    run 2 craft syn --to 127.0.0.1:80 --from 127.0.0.1:99999
    err_matches "^tcpshake: --from: '127.0.0.1:99999' is not "
    run 2 craft syn --to 127.0.0.1:80 --from bogus
    err_is "tcpshake: --from: 'bogus' is not IP, IP:PORT or [IPv6]:PORT"
    run 2 craft syn --to "[::1]:80" --from 127.0.0.1:5
    err_matches "different families"
    # One value out of range per option (exit 2, one line naming it).
    while read -r opt val want; do
        run 2 craft syn --to 127.0.0.1:80 --from 127.0.0.1:1 --write x.pcap "--$opt" "$val"
        err_matches "^tcpshake: --$opt: '$val' is not $want"
        [ ! -e x.pcap ] || fail "--$opt $val: a file was written"
    done <<'EOF'
seq 4294967296 a number from 0 to 4294967295
seq -1 a number from 0 to 4294967295
seq 0x10 a number from 0 to 4294967295
ack 12a a number from 0 to 4294967295
win 65536 a number from 0 to 65535
mss 0 a number from 1 to 65535
mss 65536 a number from 1 to 65535
wscale 15 a number from 0 to 14
ttl 0 a number from 1 to 255
ttl 256 a number from 1 to 255
ts abc VAL or VAL:ECR
ts 1: VAL or VAL:ECR
ts :5 VAL or VAL:ECR
ts 1:4294967296 VAL or VAL:ECR
tfo-cookie 0011223 4 to 16 bytes in hex
tfo-cookie 001122 4 to 16 bytes in hex
tfo-cookie 00112233445566778899aabbccddeeff00 4 to 16 bytes in hex
tfo-cookie zz112233 4 to 16 bytes in hex
link fddi raw or ethernet
EOF
    run 2 craft syn --to 127.0.0.1:80 --data ""
    err_matches "^tcpshake: --data: '' is not 1 to 1200 bytes"
    run 2 craft syn --to 127.0.0.1:80 --data "$(head -c 1201 /dev/zero | tr '\0' x)"
    err_matches "is not 1 to 1200 bytes of text"
    for v in 0 x 1.5.5 3601 -1; do
        run 2 craft handshake --to 127.0.0.1:80 --timeout "$v"
        err_matches "^tcpshake: --timeout: '$v' is not a time in seconds"
    done
    run 2 craft handshake --to 127.0.0.1:80 --win 0
    err_matches "^tcpshake: --win: '0' is not a number from 1 to 65535"
    run 2 craft handshake --to 127.0.0.1:80 --close maybe
    err_is "tcpshake: --close: 'maybe' is not fin, rst or none"
    run 2 craft handshake --to 127.0.0.1:80 --retries 9
    err_matches "^tcpshake: --retries: '9' is not a number from 0 to 8"
    run 2 craft listen --port 0
    err_matches "^tcpshake: --port: '0' is not a number from 1 to 65535"
    run 2 craft listen --port 80 --address 127.0.0.300
    err_matches "^tcpshake: --address: '127.0.0.300' is not an IPv4 or IPv6 address"
    # Options of another form, and combinations that contradict each other.
    run 2 craft syn --to 127.0.0.1:80 --hold
    err_matches "^tcpshake: --hold is an option of craft handshake, not of craft syn"
    run 2 craft handshake --to 127.0.0.1:80 --write x.pcap
    err_matches "^tcpshake: --write is an option of craft syn, synack, ack, rst and fin"
    run 2 craft listen --port 80 --to 127.0.0.1:80
    err_matches "^tcpshake: --to is an option of craft handshake and single segments, not of craft listen"
    run 2 craft syn --to 127.0.0.1:80 --no-guard
    err_matches "^tcpshake: --no-guard is an option of craft handshake and listen"
    run 2 craft handshake --to 127.0.0.1:80 --hold-time 2
    err_is "tcpshake: craft handshake: --hold-time needs --hold"
    run 2 craft handshake --to 127.0.0.1:80 --mss 1400 --no-mss
    err_matches "both given and left out"
    run 2 craft syn --to 127.0.0.1:80 --tfo-request --tfo-cookie 00112233
    err_matches "cannot be combined"
    run 2 craft syn --to 127.0.0.1:80 --write x.pcap
    err_matches "--write needs --from IP:PORT"
    run 2 craft syn --to 127.0.0.1:80 --link ethernet
    err_matches "--link applies to --write only"
    run 2 craft syn --to 127.0.0.1:80 --bogus
    err_is "tcpshake: unknown option '--bogus' (see 'tcpshake craft --help')"
    run 2 craft syn --to
    err_is "tcpshake: option --to needs an argument IP:PORT (see 'tcpshake craft --help')"
    run 2 craft handshake --to 127.0.0.1:80 --all -q
    err_is "tcpshake: --all and --quiet cannot be combined"
    [ ! -e x.pcap ] || fail "a file was written" ;;

remote_refused)
    # Safety: addresses that are not this host's are refused before anything
    # is opened (so no privilege is needed to see it).
    run 2 craft handshake --to 192.0.2.1:80
    err_is "tcpshake: craft handshake: refusing to craft segments to 192.0.2.1:80: not an address of this host (use --allow-remote for a network you are allowed to test)"
    no_out
    run 2 craft handshake --to "[2001:db8::1]:443" --no-guard
    err_matches "refusing to craft segments to \[2001:db8::1\]:443: not an address of this host"
    run 2 craft syn --to 192.0.2.1:80
    err_matches "^tcpshake: craft syn: refusing to craft segments to 192.0.2.1:80"
    run 2 craft rst --to 127.0.0.1:80 --from 192.0.2.7:5
    err_matches "^tcpshake: craft rst: refusing to send from 192.0.2.7"
    run 2 craft listen --port 80 --peer 8.8.8.8
    err_is "tcpshake: craft listen: refusing to answer 8.8.8.8: not an address of this host (use --allow-remote for a network you are allowed to test)"
    no_out
    run 2 craft listen --port 80 --address 192.0.2.1
    err_matches "^tcpshake: craft listen: refusing to use 192.0.2.1 as our address" ;;

help)
    for args in "craft --help" "craft -h" "help craft" "craft handshake --help" "craft syn -h"; do
        # shellcheck disable=SC2086
        run 0 $args
        no_err
        for o in "Usage: tcpshake craft handshake --to IP:PORT" "craft listen --port P" \
            "syn|synack|ack|rst|fin" --to --from --from-port --port --address --peer --interface \
            --allow-remote --seq --ack --win --mss --wscale --sackok --ts --tfo-cookie \
            --tfo-request --ecn --ttl --data --no-mss --no-options --write --link --wait \
            --hold --hold-time --close --linger --idle --retries --no-guard --timeout --json \
            --all --quiet "RFC 9293 3.10.7.1" "nft" "CAP_NET_RAW, plus CAP_NET_ADMIN"; do
            out_has "$o"
        done
    done
    run 0 --help
    out_has "craft FORM [OPTIONS]"
    out_has "handshake, listen, syn|synack|ack|rst|fin"
    out_lacks "craft .*not implemented" ;;

unprivileged)
    # Without CAP_NET_RAW: one clear line and exit 8, before anything is sent.
    if [ "$(id -u)" -eq 0 ]; then
        command -v setpriv >/dev/null || skip "setpriv not found (util-linux)"
        # A copy nobody can run, wherever the build directory is.
        U=$(mktemp -d /tmp/tcpshake-unpriv.XXXXXX) || fail "mktemp"
        { cp "$BIN" "$U/tcpshake" && chmod 755 "$U" "$U/tcpshake"; } || fail "copy"
        AS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$U/tcpshake")
    else
        grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status || skip "this user has capabilities"
        if command -v getcap >/dev/null && [ -n "$(getcap "$BIN" 2>/dev/null)" ]; then
            skip "$BIN has file capabilities"
        fi
        AS=("$BIN")
    fi
    unpriv() {
        local want=$1 rc
        shift
        timeout 30 "${AS[@]}" "$@" >out 2>err
        rc=$?
        [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
    }
    unpriv 8 craft handshake --to 127.0.0.1:9
    err_matches "^tcpshake: craft handshake: needs root or CAP_NET_RAW, plus CAP_NET_ADMIN for the guard \(.*(Operation not permitted|Permission denied)"
    unpriv 8 craft handshake --to 127.0.0.1:9 --no-guard
    err_matches "^tcpshake: craft handshake: needs root or CAP_NET_RAW, plus CAP_NET_ADMIN for the guard"
    unpriv 8 craft listen --port 9
    err_matches "^tcpshake: craft listen: needs root or CAP_NET_RAW, plus CAP_NET_ADMIN for the guard"
    unpriv 8 craft syn --to 127.0.0.1:9
    err_matches "^tcpshake: craft syn: needs root or CAP_NET_RAW to send, or use --write FILE"
    # --write needs no privilege.
    unpriv 0 craft syn --from 127.0.0.1:5 --to 127.0.0.1:9 --write -
    [ "$(head -c 4 out | od -An -tx1 | tr -d ' ')" = "4d3cb2a1" ] || fail "not a nanosecond pcap"
    [ -n "${U:-}" ] && rm -rf "$U"
    true ;;

write_checksums)
    "$PY" "$HERE/write_check.py" "$BIN" "$WORK/files" || exit $? ;;

write_stdout)
    # A capture on stdout, read back by tcpshake: a test capture without root.
    timeout 30 "$BIN" craft syn --from 10.0.0.1:40000 --to 10.0.0.2:80 --seq 100 --mss 1460 \
        --sackok --ts 5:0 --wscale 7 --write - >syn.pcap 2>err || fail "craft syn --write -"
    no_err
    timeout 30 "$BIN" craft synack --from 10.0.0.2:80 --to 10.0.0.1:40000 --seq 500 --ack 101 \
        --mss 1400 --write sa.pcap >out 2>err || fail "craft synack --write sa.pcap"
    out_has "# wrote SYN+ACK 10.0.0.2:80 > 10.0.0.1:40000 seq 500 ack 101 to sa.pcap"
    line_has " SYN\+ACK " "server LISTEN->SYN_RECV"
    timeout 30 "$BIN" craft ack --from 10.0.0.1:40000 --to 10.0.0.2:80 --seq 101 --ack 501 \
        --write a.pcap --link ethernet >out 2>err || fail "craft ack --write"
    out_has "(Ethernet link type, 54 bytes"
    run 0 read syn.pcap
    out_has "10.0.0.1:40000 > 10.0.0.2:80"
    line_has " SYN " "[mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 7]"
    # Three raw-IP files joined: a whole handshake.
    { cat syn.pcap; tail -c +25 sa.pcap; } >hs.pcap
    run 0 read --json hs.pcap
    json_check '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
c = [o for o in objs if o["type"] == "conn"]
assert len(c) == 1 and c[0]["server_state"] == "SYN_RECV", c
assert c[0]["client_options"]["mss"] == 1460 and c[0]["server_options"]["mss"] == 1400, c
' ;;

write_error)
    run 10 craft syn --from 127.0.0.1:1 --to 127.0.0.1:2 --write /nonexistent/dir/x.pcap
    err_matches "^tcpshake: cannot write /nonexistent/dir/x.pcap: No such file or directory"
    no_out ;;

# ---- privileged, each in its own network namespace ------------------------------

priv_handshake)
    # The listener's accept() returns; three handshake lines with both states.
    listener 127.0.0.1 8080 10 peer
    run 0 craft handshake --to 127.0.0.1:8080 --data hello
    no_err
    wait_pid "$LISTENER_PID" 15
    grep -q "^accepted 127.0.0.1:" peer.out || fail "the listener's accept() did not return"
    grep -qx "read 5" peer.out || fail "the listener did not read the 5 bytes"
    out_has "the kernel on this side never sent that SYN, so it would answer the SYN+ACK with a RST"
    out_has "# crafted client 127.0.0.1:"
    line_has "> 127.0.0.1:8080 +SYN " "client CLOSED->SYN_SENT"
    line_has "127.0.0.1:8080 > .* SYN\+ACK " "server LISTEN->SYN_RECV"
    line_has "127.0.0.1:8080 > .* SYN\+ACK " "client SYN_SENT->ESTABLISHED"
    line_has "> 127.0.0.1:8080 +ACK .*handshake-ack" "server SYN_RECV->ESTABLISHED"
    line_has "> 127.0.0.1:8080 +ACK .*handshake-ack" "outcome complete"
    out_has "# the capture saw this segment, this host's TCP will not"
    out_has "conn     complete"
    out_has "# end: closed: handshake complete, so the listener's kernel queued the connection for accept()"
    out_lacks "$RST_LINE"
    out_has "connections  1: complete 1,"
    no_tables ;;

priv_handshake_v6_json)
    listener ::1 8443 10 peer
    run 0 craft handshake --to "[::1]:8443" --from-port 40123 --json --all
    no_err
    wait_pid "$LISTENER_PID" 15
    grep -qx "accepted ::1:40123" peer.out || fail "the listener's accept() did not return"
    json_check '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert all(list(o)[0] == "type" for o in objs)
assert objs[-1]["type"] == "summary" and objs[-1]["outcomes"]["complete"] == 1
infos = [o["text"] for o in objs if o["type"] == "info"]
assert any("RFC 9293 3.10.7.1" in t for t in infos), infos
segs = [o for o in objs if o["type"] == "segment"]
assert [s["flags"] for s in segs[:3]] == ["SYN", "SYN+ACK", "ACK"], segs[:3]
assert segs[0]["src"] == "[::1]:40123" and segs[0]["dst"] == "[::1]:8443"
assert segs[1]["ack"] == (segs[0]["seq"] + 1) % 2**32
assert not any("RST" in s["flags"] for s in segs)
st = [(o["endpoint"], o["from"], o["to"]) for o in objs if o["type"] == "state"]
for want in [("client", "CLOSED", "SYN_SENT"), ("server", "LISTEN", "SYN_RECV"),
             ("client", "SYN_SENT", "ESTABLISHED"), ("server", "SYN_RECV", "ESTABLISHED")]:
    assert want in st, (want, st)
conn = [o for o in objs if o["type"] == "conn"]
assert len(conn) == 1 and conn[0]["outcome"] == "complete", conn
cr = [o for o in objs if o["type"] == "craft"]
assert len(cr) == 1, cr
cr = cr[0]
assert cr["mode"] == "handshake" and cr["end"] == "closed" and cr["ok"] and cr["established"]
assert not cr["kernel_rst"] and cr["guard"].startswith("tcpshake_") and cr["guard_dropped"] >= 2
assert cr["local"] == "[::1]:40123" and cr["remote"] == "[::1]:8443"
'
    no_tables ;;

priv_hold)
    # The server stays in SYN_RECV (sock_diag sees it) and re-sends its SYN+ACK.
    listener 127.0.0.1 8080 10 peer
    timeout 30 "$BIN" craft handshake --to 127.0.0.1:8080 --hold >out 2>err &
    CR=$!
    PIDS+=("$CR")
    seen=0
    for _ in $(seq 60); do
        n=$(syn_recv 8080)
        [ "$n" -ge 1 ] && { seen=$n; break; }
        sleep 0.05
    done
    wait_pid "$CR" 20
    rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
    no_err
    [ "$seen" -ge 1 ] || fail "no SYN_RECV entry on port 8080 through sock_diag (ss)"
    # Still half-open after the run: nothing ACKed or reset it.
    [ "$(syn_recv 8080)" -ge 1 ] || fail "the SYN_RECV entry is gone right after the run"
    out_has "# hold: the SYN+ACK is not ACKed; the server stays in SYN_RECV"
    line_has "SYN\+ACK .* retransmit" "server SYN_RECV"
    [ "$(grep -c 'SYN+ACK .* retransmit' out)" -ge 1 ] || fail "no SYN+ACK retransmission"
    out_has "conn     half-open"
    out_has "# end: held: 127.0.0.1:8080 sent its SYN+ACK"
    out_lacks "> 127.0.0.1:8080 +ACK "
    out_lacks "$RST_LINE"
    no_tables ;;

priv_hold_rst)
    # --close rst: our RST removes the half-open entry at the end.
    listener 127.0.0.1 8080 10 peer
    run 0 craft handshake --to 127.0.0.1:8080 --hold --hold-time 1.5 --close rst
    [ "$(syn_recv 8080)" -eq 0 ] || fail "a SYN_RECV entry is left after our RST"
    line_has "> 127.0.0.1:8080 +RST " "server SYN_RECV->LISTEN"
    out_has "our RST removed the entry"
    no_tables ;;

priv_no_guard)
    # This host's kernel answers the SYN+ACK with RST: aborted.
    listener 127.0.0.1 8080 3 peer
    run 11 craft handshake --to 127.0.0.1:8080 --no-guard --json --all
    no_err
    wait_pid "$LISTENER_PID" 15
    grep -qx "no-accept" peer.out || fail "the listener accepted a connection"
    json_check '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert objs[-1]["type"] == "summary" and objs[-1]["outcomes"]["aborted"] == 1
infos = [o["text"] for o in objs if o["type"] == "info"]
assert any(t.startswith("no guard: this host") for t in infos), infos
assert any("this host" in t and "RST" in t and "did not send" in t for t in infos), infos
segs = [o for o in objs if o["type"] == "segment"]
fl = [(s["sender"], s["flags"]) for s in segs]
assert fl[:3] == [("client", "SYN"), ("server", "SYN+ACK"), ("client", "RST")], fl
assert segs[2]["seq"] == segs[1]["ack"]          # <SEQ=SEG.ACK><CTL=RST>
assert ("server", "RST") in fl[3:], fl            # the listener resets our ACK
conn = [o for o in objs if o["type"] == "conn"]
assert len(conn) == 1 and conn[0]["outcome"] == "aborted", conn
assert conn[0]["close"] == "reset_by_client", conn
cr = [o for o in objs if o["type"] == "craft"][0]
assert cr["kernel_rst"] and not cr["ok"] and cr["guard"] is None, cr
assert cr["end"] == "reset-by-peer", cr
assert "nothing reached accept()" in cr["explanation"], cr
'
    no_tables ;;

priv_listen)
    # A kernel client's connect() returns 0 against the crafted server.
    timeout 30 "$BIN" craft listen --port 9000 --wait 10 >out 2>err &
    CR=$!
    PIDS+=("$CR")
    wait_for out "listening on 127.0.0.1:9000" 10 || fail "craft listen did not get ready"
    timeout 15 "$PY" "$PEER" connect 127.0.0.1 9000 5 >peer.out 2>&1
    wait_pid "$CR" 20
    rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
    grep -qx "connect 0" peer.out || fail "the client's connect() did not succeed"
    line_has "> 127.0.0.1:9000 +SYN " "client CLOSED->SYN_SENT"
    line_has "127.0.0.1:9000 > .* SYN\+ACK " "server LISTEN->SYN_RECV"
    line_has "> 127.0.0.1:9000 +ACK .*handshake-ack" "outcome complete"
    out_has "# end: closed: handshake complete: the client's connect() returned 0"
    out_lacks "$RST_LINE"
    no_tables ;;

priv_listen_no_guard)
    timeout 30 "$BIN" craft listen --port 9000 --wait 3 --retries 1 --no-guard >out 2>err &
    CR=$!
    PIDS+=("$CR")
    wait_for out "listening on 127.0.0.1:9000" 10 || fail "craft listen did not get ready"
    timeout 15 "$PY" "$PEER" connect 127.0.0.1 9000 5 >peer.out 2>&1
    wait_pid "$CR" 20
    rc=$?
    [ "$rc" -eq 11 ] || fail "exit status $rc, expected 11"
    grep -qx "connect 111 ECONNREFUSED" peer.out || fail "connect() was not refused"
    line_has "127.0.0.1:9000 > .* RST\+ACK " "client SYN_SENT->CLOSED"
    no_tables ;;

priv_kill9)
    # A crafter killed with SIGKILL leaves its table; the next run removes it.
    listener 127.0.0.1 8080 20 peer
    "$BIN" craft handshake --to 127.0.0.1:8080 --hold --hold-time 20 --timeout 25 >k.out 2>&1 &
    CR=$!
    PIDS+=("$CR")
    for _ in $(seq 100); do
        tables | grep -qx "tcpshake_$CR" && break
        sleep 0.05
    done
    tables | grep -qx "tcpshake_$CR" || fail "no table tcpshake_$CR while the crafter runs"
    kill -9 "$CR"
    wait "$CR" 2>/dev/null
    tables | grep -qx "tcpshake_$CR" || fail "the table went away with the killed crafter?"
    run 0 craft handshake --to 127.0.0.1:8080
    out_has "# removed 1 leftover guard table(s) of crafters that are gone"
    out_has "# end: closed"
    wait_pid "$LISTENER_PID" 15
    grep -q "^accepted" peer.out || fail "the listener's accept() did not return"
    no_tables ;;

priv_interrupt)
    # SIGINT while holding: the run resets the half-open entry, removes its
    # guard, reports it and exits 130 (Ctrl-C interrupts a craft: issue 12).
    listener 127.0.0.1 8080 10 peer
    "$BIN" craft handshake --to 127.0.0.1:8080 --hold --hold-time 20 --timeout 25 >out 2>err &
    CR=$!
    PIDS+=("$CR")
    wait_for out "hold: the SYN\+ACK is not ACKed" 5 || fail "the crafter did not reach the hold"
    kill -INT "$CR"
    wait_pid "$CR" 5
    rc=$?
    [ "$rc" -eq 130 ] || fail "exit status $rc after SIGINT, expected 130"
    out_has "# interrupted"
    out_has "# end: aborted: interrupted"
    [ "$(syn_recv 8080)" -eq 0 ] || fail "a SYN_RECV entry is left after the interrupt"
    no_tables ;;

priv_nft_missing)
    # Hide nft (a bind mount in a private mount namespace).
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare -m -- bash -c '
        for f in /usr/sbin/nft /sbin/nft /usr/local/sbin/nft /usr/bin/nft /bin/nft; do
            [ -e "$f" ] && mount --bind /dev/null "$f"
        done
        PATH=/usr/bin:/bin timeout 30 "$0" craft handshake --to 127.0.0.1:8080 >out 2>err
    ' "$BIN"
    rc=$?
    [ "$rc" -eq 11 ] || fail "exit status $rc without nft, expected 11"
    err_is "tcpshake: craft handshake: nft not found: install nftables, or use --no-guard"
    no_tables ;;

priv_guard_perm)
    # CAP_NET_RAW without CAP_NET_ADMIN: the guard cannot be installed.
    command -v setpriv >/dev/null || fail "setpriv not found (util-linux)"
    U=$(mktemp -d /tmp/tcpshake-unpriv.XXXXXX) || fail "mktemp"
    { cp "$BIN" "$U/tcpshake" && chmod 755 "$U" "$U/tcpshake"; } || fail "copy"
    timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+net_raw \
        --ambient-caps=+net_raw "$U/tcpshake" craft handshake --to 127.0.0.1:8080 >out 2>err
    rc=$?
    rm -rf "$U"
    [ "$rc" -eq 8 ] || fail "exit status $rc, expected 8"
    err_matches "^tcpshake: craft handshake: needs root or CAP_NET_ADMIN for the RST guard, or use --no-guard"
    no_tables ;;

priv_segment)
    # One SYN to a listener: its SYN+ACK, then this host's RST (no guard).
    listener 127.0.0.1 8080 3 peer
    run 0 craft syn --to 127.0.0.1:8080 --from-port 41000 --mss 1460 --sackok --ts 9 \
        --wscale 7 --seq 1000
    no_err
    out_has "# sent SYN 127.0.0.1:41000 > 127.0.0.1:8080 seq 1000 from a raw socket"
    line_has "41000 > 127.0.0.1:8080 +SYN " "[mss 1460,sackOK,TS val 9 ecr 0,nop,wscale 7]"
    line_has "127.0.0.1:8080 > .* SYN\+ACK " "server LISTEN->SYN_RECV"
    line_has "41000 > 127.0.0.1:8080 +RST " "outcome aborted"
    # IPv6, nothing listening: refused.
    run 0 craft syn --to "[::1]:8081" --json
    json_check '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
conn = [o for o in objs if o["type"] == "conn"]
assert len(conn) == 1 and conn[0]["outcome"] == "refused", conn
assert [o for o in objs if o["type"] == "craft"][0]["flags"] == "SYN"
'
    no_tables ;;

*)
    fail "unknown case" ;;
esac
exit 0
