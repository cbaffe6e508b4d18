#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR: one CLI case. Exit 0 pass, 1 fail, 77 skip.
# Captures are written here with printf, byte by byte (pcap: little-endian,
# microseconds; pcapng: SHB + IDB + EPB).
set -u
CASE=$1
BIN=$2
WORK=$3/$CASE
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

fail() {
    echo "FAIL [$CASE]: $*"
    if [ -f out ]; then echo "--- stdout:"; head -c 4000 out; fi
    if [ -f err ]; then echo "--- stderr:"; cat err; fi
    exit 1
}
skip() { echo "SKIPPED: $*"; exit 77; }

# run STATUS ARGS...: run tcpshake, stdout -> out, stderr -> err, check the status.
run() {
    local want=$1 rc
    shift
    # Bounded: no case may hang the suite (e.g. a live capture).
    timeout 30 "$BIN" "$@" >out 2>err
    rc=$?
    [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
}
one_line() { [ "$(wc -l <err)" -eq 1 ] || fail "stderr has $(wc -l <err) lines, expected 1"; }
err_is() { one_line; [ "$(cat err)" = "$1" ] || fail "stderr is not: $1"; }
err_matches() { one_line; grep -Eq -- "$1" err || fail "stderr does not match: $1"; }
no_err() { [ ! -s err ] || fail "unexpected stderr"; }
no_out() { [ ! -s out ] || fail "unexpected stdout"; }
out_has() { grep -Fq -- "$1" out || fail "stdout lacks: $1"; }
out_lines() { [ "$(wc -l <out)" -eq "$1" ] || fail "stdout has $(wc -l <out) lines, expected $1"; }

le16() { printf '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
    $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
hex() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
# pcap_header DLT
pcap_header() { printf "\\xd4\\xc3\\xb2\\xa1$(le16 2)$(le16 4)$(le32 0)$(le32 0)$(le32 65535)$(le32 "$1")"; }
# pcap_record SEC USEC HEX
pcap_record() {
    local n=$((${#3} / 2))
    printf "$(le32 "$1")$(le32 "$2")$(le32 $n)$(le32 $n)"
    hex "$3"
}

# Ethernet + IPv4 + TCP: 10.0.0.1:40000 -> 10.0.0.2:80 SYN, SYN+ACK, ACK.
SYN=02020202020204040404040408004500002800014000400600000a0000010a0000029c400050000003e8000000005002faf000000000
SYNACK=02020202020204040404040408004500002800014000400600000a0000020a00000100509c4000001388000003e95012faf000000000
ACK=02020202020204040404040408004500002800014000400600000a0000010a0000029c400050000003e9000013895010faf000000000
ARP=ffffffffffff0404040404040806000108000604000104040404040400000000000000000000000000000000

good_pcap() {
    { pcap_header 1
      pcap_record 1704067200 123 $SYN
      pcap_record 1704067200 243 $SYNACK
      pcap_record 1704067200 323 $ACK; } >good.pcap
}

# pcapng: SHB, IDB(linktype) ..., EPB(ifid, HEX).
ng_shb() { printf "\\x0a\\x0d\\x0d\\x0a$(le32 28)\\x4d\\x3c\\x2b\\x1a$(le16 1)$(le16 0)\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff$(le32 28)"; }
ng_idb() { printf "$(le32 1)$(le32 20)$(le16 "$1")$(le16 0)$(le32 65535)$(le32 20)"; }
ng_epb() {
    local n=$((${#2} / 2)) pad total
    pad=$(((4 - n % 4) % 4))
    total=$((32 + n + pad))
    printf "$(le32 6)$(le32 $total)$(le32 "$1")$(le32 0)$(le32 1000)$(le32 $n)$(le32 $n)"
    hex "$2"
    [ $pad -eq 0 ] || head -c $pad /dev/zero
    printf "$(le32 $total)"
}

summary_packets() { out_has "-- summary"; out_has "packets      $1 ("; }

case $CASE in
missing_file)
    run 3 read nofile.pcap
    err_is "tcpshake: nofile.pcap: No such file or directory"
    no_out ;;
directory)
    mkdir d
    run 3 read d
    err_is "tcpshake: d: Is a directory" ;;
text_file)
    echo "hello, this is text" >t.txt
    run 4 read t.txt
    err_is "tcpshake: t.txt: not a pcap or pcapng capture file"
    no_out ;;
empty_file)
    : >e.pcap
    run 4 read e.pcap
    err_matches "^tcpshake: e\.pcap: not a pcap or pcapng capture file" ;;
stdin_text)
    echo "hello, this is text" >t.txt
    run 4 read - <t.txt
    err_is "tcpshake: (stdin): not a pcap or pcapng capture file" ;;
stdin_empty)
    run 4 read - </dev/null
    err_is "tcpshake: (stdin): not a pcap or pcapng capture file" ;;
truncated)
    good_pcap
    head -c $(($(wc -c <good.pcap) - 10)) good.pcap >cut.pcap
    run 5 read cut.pcap
    err_matches "^tcpshake: cut\.pcap: truncated capture file"
    summary_packets 2
    out_has "error        cut.pcap: truncated capture file" ;;
truncated_json)
    good_pcap
    head -c $(($(wc -c <good.pcap) - 10)) good.pcap >cut.pcap
    run 5 read --json cut.pcap
    err_matches "^tcpshake: cut\.pcap: truncated capture file"
    tail -n 1 out | grep -q '^{"type":"summary","schema_version":4,"packets":2,' || fail "last line is not the summary"
    tail -n 1 out | grep -q '"error":"cut.pcap: truncated capture file' || fail "no error in summary"
    grep -q '^{"type":"conn",' out || fail "no conn record for what was read" ;;
truncated_header)
    good_pcap
    head -c 10 good.pcap >hdr.pcap
    run 5 read hdr.pcap
    err_matches "^tcpshake: hdr\.pcap: truncated capture file" ;;
damaged)
    good_pcap
    # The third record claims 300000 captured bytes, more than the snaplen.
    { head -c $((24 + 2 * (16 + 54))) good.pcap
      printf "$(le32 1704067200)$(le32 323)$(le32 300000)$(le32 300000)"; hex $ACK; } >bad.pcap
    run 9 read bad.pcap
    err_matches "^tcpshake: bad\.pcap: damaged capture file \(invalid packet capture length 300000"
    summary_packets 2 ;;
linktype)
    { pcap_header 147; pcap_record 1 0 $SYN; } >u.pcap
    run 6 read u.pcap
    err_matches "^tcpshake: u\.pcap: unsupported link type 147 " ;;
bad_bpf)
    good_pcap
    run 7 read good.pcap tcp prt 80
    err_matches "^tcpshake: bad filter expression 'tcp prt 80': .*syntax error"
    no_out ;;
unknown_option)
    good_pcap
    run 2 read --bogus good.pcap
    err_is "tcpshake: unknown option '--bogus' (see 'tcpshake read --help')"
    no_out ;;
unknown_short_option)
    good_pcap
    run 2 -r good.pcap -x
    err_is "tcpshake: unknown option '-x' (see 'tcpshake read --help')" ;;
missing_argument)
    good_pcap
    run 2 read good.pcap --max-conns
    err_is "tcpshake: option --max-conns needs an argument N (see 'tcpshake read --help')" ;;
bad_max_conns)
    good_pcap
    run 2 read --max-conns 12x good.pcap
    err_is "tcpshake: --max-conns: '12x' is not a number from 16 to 67108864"
    run 2 read --max-conns 8 good.pcap
    err_matches "^tcpshake: --max-conns: '8' is not a number" ;;
file_options_not_stdout)
    # --svg, --html, --state-diagram and --report write files: '-' would mix
    # a page into the text on stdout, so it is refused before any reading,
    # and nothing named '-' appears; './-' is a file.
    good_pcap
    for opt in svg html state-diagram report; do
        run 2 read --$opt - good.pcap
        err_is "tcpshake: --$opt: '-' would mix the file into the output on stdout; give a file name (./- for a file named '-')"
        [ ! -e ./- ] || fail "--$opt - created a file named '-'"
        run 2 read --$opt '' good.pcap
        err_is "tcpshake: --$opt: empty file name"
    done
    run 0 read -q --report ./- good.pcap
    grep -q '<!DOCTYPE html>' ./- || fail "--report ./- did not write the page"
    rm -f ./- ;;
missing_file_arg)
    run 2 read
    err_is "tcpshake: read: missing capture file (see 'tcpshake read --help')" ;;
all_quiet_conflict)
    good_pcap
    run 2 read --all -q good.pcap
    err_is "tcpshake: --all and --quiet cannot be combined" ;;
unknown_command)
    run 2 frobnicate
    err_is "tcpshake: unknown command 'frobnicate' (see 'tcpshake --help')"
    run 2 help frobnicate
    err_is "tcpshake: unknown command 'frobnicate' (see 'tcpshake --help')" ;;
no_command)
    run 2
    err_matches "^tcpshake: missing command" ;;
help)
    run 0 --help
    no_err
    for o in read watch craft demo help -h --help -V --version -r --read --json --all \
        -q --quiet -S --absolute-seq -v --verbose --max-conns "Exit status"; do
        out_has "$o"
    done
    cp out top.txt
    run 0 -h
    cmp -s out top.txt || fail "-h differs from --help"
    run 0 help
    cmp -s out top.txt || fail "help differs from --help" ;;
help_read)
    for args in "read --help" "read -h" "help read"; do
        # shellcheck disable=SC2086
        run 0 $args
        no_err
        for o in "Usage: tcpshake read" -r --read --json --all -q --quiet -S --absolute-seq \
            -v --verbose --max-conns -h --help; do
            out_has "$o"
        done
    done ;;
version)
    run 0 --version
    no_err
    grep -Eq '^tcpshake [0-9]+\.[0-9]+\.[0-9]+ ' out || fail "no version line"
    out_lines 1
    run 0 -V ;;
good)
    good_pcap
    run 0 read good.pcap
    no_err
    summary_packets 3
    out_has "connections  1: complete 1,"
    out_has "10.0.0.1:40000 > 10.0.0.2:80"
    out_has " SYN+ACK "
    out_has "conn     complete" ;;
good_stdin)
    good_pcap
    run 0 read - <good.pcap
    no_err
    summary_packets 3 ;;
good_alias)
    good_pcap
    run 0 -r good.pcap -q
    no_err
    summary_packets 3
    out_lines 12 ;; # one record + the eleven-line summary (handshake table: 5)
good_options_after_file)
    good_pcap
    run 0 read good.pcap --json -q
    no_err
    out_lines 3
    head -n 1 out | grep -q '^{"type":"meta","schema_version":4,' || fail "first line is not the meta record"
    sed -n 2p out | grep -q '^{"type":"conn","id":1,' || fail "second line is not the conn record" ;;
good_filter)
    good_pcap
    run 0 read good.pcap tcp port 81
    summary_packets 0
    run 0 read good.pcap -- tcp and port 80
    summary_packets 3 ;;
good_json_valid)
    command -v python3 >/dev/null || skip "python3 not found"
    good_pcap
    { cat good.pcap; pcap_record 1704067201 0 $ARP; } >mixed.pcap
    run 0 read --json --all mixed.pcap
    no_err
    python3 -c '
import json, sys
lines = open("out").read().splitlines()
assert lines, "no output"
objs = [json.loads(l) for l in lines]
for o in objs:
    assert isinstance(o, dict) and list(o)[0] == "type", o
assert objs[-1]["type"] == "summary"
s = objs[-1]
assert set(s["outcomes"]) == {"complete","refused","unanswered","half-open","aborted","mid-stream"}
assert set(s["decode"]) == {"truncated","malformed","unsupported","not-ip","not-tcp","fragment"}
assert s["packets"] == 4
types = {o["type"] for o in objs}
assert {"segment", "state", "conn", "undecoded", "summary"} <= types, types
c = [o for o in objs if o["type"] == "conn"][0]
for k, t in (("id", int), ("client", str), ("server", str), ("first_ts", float),
             ("outcome", str), ("simultaneous", bool), ("client_state", str),
             ("server_state", str), ("syn_retransmits", int), ("synack_retransmits", int)):
    assert isinstance(c[k], t), (k, c[k])
for k in ("rtt_syn_synack_us", "rtt_synack_ack_us"):
    assert c[k] is None or isinstance(c[k], (int, float)), k
' || fail "NDJSON check failed" ;;
pcapng)
    { ng_shb; ng_idb 1; ng_epb 0 $SYN; ng_epb 0 $SYNACK; } >two.pcapng
    run 0 read two.pcapng
    no_err
    summary_packets 2 ;;
pcapng_mixed)
    { ng_shb; ng_idb 1; ng_epb 0 $SYN; ng_idb 101; ng_epb 1 ${SYN:28}; } >mixed.pcapng
    run 0 read mixed.pcapng
    no_err
    summary_packets 2 ;;
write_error)
    [ -w /dev/full ] || skip "no /dev/full"
    good_pcap
    "$BIN" read good.pcap >/dev/full 2>err
    rc=$?
    [ $rc -eq 10 ] || fail "exit status $rc, expected 10"
    err_is "tcpshake: write error on standard output: No space left on device" ;;
broken_pipe)
    # 32768 frames that do not decode; with --all each prints a line, far
    # more than the output buffer, so writes hit a closed pipe.
    { pcap_header 1; pcap_record 1 0 $ARP; } >big.pcap
    pcap_record 1 0 $ARP >rec
    for _ in $(seq 15); do cat rec rec >rec2 && mv rec2 rec; done
    cat rec >>big.pcap
    "$BIN" read --all big.pcap 2>err | head -n 1 >/dev/null
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || fail "exit status $rc after the reader went away"
    no_err ;;
*)
    fail "unknown case" ;;
esac
exit 0
