#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR: watch -w with tcpdump's -U, -C, -G, -W
# (issue 12), live on lo in a network namespace of its own; the files are
# checked by tcpshake read and by tshark. Needs root; exit 77 without it
# (unless TCPSHAKE_REQUIRE_PRIV=1). Every run and every sender is bounded.
#   packet_buffered  -U: the file shows a connection while watch still runs
#   size_ring        -C 1 -W 3: a ring FILE0..FILE2 of about 1 MB files
#   time_count       -G 1 -W 2: strftime names, stops itself after 2 files
set -u
CASE=$1
BIN=$2
WORK=$3/$CASE
PY=${PYTHON:-python3}

fail() {
    echo "FAIL [$CASE]: $*"
    for f in out err; do [ -f "$f" ] && { echo "--- $f:"; head -c 3000 "$f"; }; done
    exit 1
}
if [ "${TCPSHAKE_ROTATE_NETNS:-}" != "$CASE" ]; then
    why=""
    [ "$(id -u)" -eq 0 ] || why="not root"
    [ -z "$why" ] && ! unshare -n true 2>/dev/null && why="unshare -n failed"
    if [ -n "$why" ]; then
        [ "${TCPSHAKE_REQUIRE_PRIV:-0}" = 1 ] && fail "TCPSHAKE_REQUIRE_PRIV=1 but: $why"
        echo "SKIPPED: needs root ($why)"
        exit 77
    fi
    exec env TCPSHAKE_ROTATE_NETNS="$CASE" unshare -n -- bash "$0" "$@"
fi
ip link set lo up || fail "ip link set lo up"
rm -rf "$WORK" && mkdir -p "$WORK" && chmod 755 "$WORK" && cd "$WORK" || exit 1
PIDS=()
# shellcheck disable=SC2317
cleanup() { local p; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

# traffic PORT CONNECTIONS BYTES: bounded loopback connections, each
# sending BYTES to a listener that reads them.
traffic() {
    "$PY" - "$@" <<'PYEOF'
import socket, sys, threading
port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(16); l.settimeout(10)
def serve():
    for _ in range(n):
        s, _ = l.accept(); s.settimeout(10)
        while s.recv(65536): pass
        s.close()
t = threading.Thread(target=serve); t.start()
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"x" * size); c.close()
t.join(20)
PYEOF
}
# wait_file F: until watch has created it (bounded).
wait_file() { local _; for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "$1 not created"; }
readable() {
    "$BIN" read -q "$1" >r.txt 2>&1 || fail "tcpshake read $1: $(cat r.txt)"
    if command -v tshark >/dev/null; then
        tshark -r "$1" -q >/dev/null 2>t.txt || fail "tshark cannot read $1: $(cat t.txt)"
    fi
}

case $CASE in
packet_buffered)
    "$BIN" watch -Z root -U -w u.pcap 'tcp port 8201' >out 2>err &
    PIDS+=("$!"); pid=$!
    wait_file u.pcap
    sleep 0.3
    traffic 8201 1 100
    sleep 0.5
    # watch is still running: the file already holds the whole connection.
    kill -0 "$pid" 2>/dev/null || fail "watch ended early"
    "$BIN" read -q u.pcap >r.txt 2>&1 || fail "read while watch runs: $(cat r.txt)"
    grep -q "complete 1" r.txt || fail "-U: the file does not show the connection yet: $(cat r.txt)"
    kill -INT "$pid"; wait "$pid" || fail "watch exit status $?"
    # Without -U the same read sees at most a header: stdio holds the rest.
    "$BIN" watch -Z root -w b.pcap 'tcp port 8202' >out 2>err &
    PIDS+=("$!"); pid=$!
    wait_file b.pcap
    sleep 0.3
    traffic 8202 1 100
    sleep 0.5
    "$BIN" read -q b.pcap >r.txt 2>&1
    grep -q "complete 1" r.txt && fail "without -U the file was already complete (the -U check proves nothing)"
    kill -INT "$pid"; wait "$pid"
    ;;
size_ring)
    # About 4 MB of frames into a ring of three files of ~1 MB.
    "$BIN" watch -Z root -q -w ring.pcap -C 1 -W 3 'tcp port 8203' >out 2>err &
    PIDS+=("$!"); pid=$!
    wait_file ring.pcap0
    sleep 0.3
    traffic 8203 8 500000
    sleep 0.5
    kill -INT "$pid"; wait "$pid" || fail "watch exit status $?"
    for f in ring.pcap0 ring.pcap1 ring.pcap2; do
        [ -s "$f" ] || fail "$f missing"
        readable "$f"
        sz=$(stat -c %s "$f")
        [ "$sz" -lt 1400000 ] || fail "$f is $sz bytes, more than -C 1 allows"
    done
    [ ! -e ring.pcap3 ] && [ ! -e ring.pcap ] || fail "files outside the ring: $(ls)"
    ;;
time_count)
    # A new file every second, named by strftime; after two, watch stops.
    timeout 30 "$BIN" watch -Z root -q -w 'g-%Y%m%d-%H%M%S.pcap' -G 1 -W 2 'tcp port 8204' \
        >out 2>err &
    PIDS+=("$!"); pid=$!
    for i in 1 2 3 4 5 6; do traffic 8204 1 1000; sleep 0.5; done
    wait "$pid"; rc=$?
    [ "$rc" -eq 0 ] || fail "watch -G 1 -W 2 exit status $rc"
    n=$(ls g-*.pcap 2>/dev/null | wc -l)
    [ "$n" -eq 2 ] || fail "$n files, expected 2: $(ls)"
    for f in g-*.pcap; do
        [[ $f =~ ^g-[0-9]{8}-[0-9]{6}\.pcap$ ]] || fail "not a strftime name: $f"
        readable "$f"
    done
    grep -q "^-- summary" out || fail "no summary after the last file"
    ;;
*) fail "unknown case" ;;
esac
exit 0
