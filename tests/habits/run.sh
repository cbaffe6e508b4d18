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
    grep -q '"type":"summary","packets":3,' out || fail "--packets 3: the summary does not count 3 packets"
    run 0 read --packets 1000 "$CAP/mixed.pcap"
    out_has "packets      48 "
    run 2 read --packets x "$CAP/mixed.pcap"
    grep -q "^tcpshake: --packets: 'x' is not a number" err || fail "--packets x accepted"
    ;;
*) fail "unknown case" ;;
esac
exit 0
