#!/usr/bin/env bash
# tests/ux/run.sh CASE BIN SRC: how tcpshake fits a shell user's habits:
# progress only on a terminal, bash completion, man page vs --help.
set -u
case_name=$1 BIN=$2 SRC=$3
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

big_capture() {
    "$(dirname "$BIN")/tcpshake-gen" bench --connections 30000 --seed 7 big.pcap >/dev/null 2>&1 ||
        fail "tcpshake-gen bench failed"
}

case $case_name in
progress_tty)
    command -v script >/dev/null || { echo "SKIPPED: script(1) not installed"; exit 77; }
    big_capture
    TCPSHAKE_PROGRESS_MS=0 script -qec "$BIN read -q big.pcap >/dev/null" typescript >/dev/null 2>&1 || fail "read failed"
    tr '\r' '\n' <typescript | grep -Eq "tcpshake: [0-9.]+% of [0-9.]+ MB, [0-9]+ packets, [0-9]+ connections, [0-9]+ packets/s" ||
        fail "no progress line on a terminal"
    ;;
progress_pipe)
    big_capture
    "$BIN" read -q big.pcap >/dev/null 2>err || fail "read failed"
    [ ! -s err ] || fail "stderr not empty when it is not a terminal: $(head -c 200 err)"
    ;;
completion)
    shopt -s extglob
    # shellcheck source=/dev/null
    source "$SRC/completions/tcpshake.bash" || fail "cannot source the completion"
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _tcpshake; echo "${COMPREPLY[*]}"; }
    [ "$(complete_words "$BIN" re)" = "read" ] || fail "subcommand: $(complete_words "$BIN" re)"
    r=$(complete_words "$BIN" read --js)
    [ "$r" = "--json" ] || fail "read option: '$r'"
    r=$(complete_words "$BIN" watch -i l)
    [[ " $r " == *" lo "* ]] || fail "interface: '$r'"
    # every option of every subcommand's --help is offered
    for sub in read watch craft demo; do
        "$BIN" "$sub" --help >/dev/null 2>&1 || continue
        for o in $("$BIN" "$sub" --help | grep -oE -- '--[a-z][-a-z0-9]*' | sort -u); do
            r=$(complete_words "$BIN" "$sub" "$o")
            [[ " $r " == *" $o "* ]] || fail "$sub: $o not completed"
        done
    done
    ;;
man_options)
    man=$SRC/docs/tcpshake.1
    [ -f "$man" ] || fail "no man page $man"
    # every option that any --help lists must be in the man page
    for sub in "" read watch craft demo; do
        # shellcheck disable=SC2086
        help=$("$BIN" $sub --help 2>/dev/null) || continue
        for o in $(echo "$help" | grep -oE -- '(^|[[:space:],])--?[a-zA-Z][-a-zA-Z0-9]*' | sed -E 's/^[[:space:],]+//' | sort -u); do
            esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
            grep -Fq -- "$o" "$man" || grep -Eq -- "$esc" "$man" || fail "${sub:-tcpshake}: $o is in --help but not in the man page"
        done
    done
    command -v man >/dev/null && { MANWIDTH=80 man -l "$man" >/dev/null 2>&1 || fail "man -l cannot render the page"; }
    ;;
install)
    build=$(dirname "$BIN")
    cmake --install "$build" --prefix "$work/inst" >/dev/null || fail "cmake --install failed"
    for f in bin/tcpshake share/man/man1/tcpshake.1 share/bash-completion/completions/tcpshake; do
        [ -s "$work/inst/$f" ] || fail "not installed: $f"
    done
    "$work/inst/bin/tcpshake" --version | grep -q "tcpshake" || fail "installed binary does not run"
    if command -v man >/dev/null; then
        MANPATH=$work/inst/share/man man -w tcpshake >/dev/null 2>&1 || fail "man does not find the installed page"
    fi
    ;;
tcpdump_habits)
    cap=$SRC/captures/refused.pcap
    "$BIN" -r "$cap" -n -v >a.txt 2>err || fail "tcpshake -r FILE -n -v failed: $(cat err)"
    "$BIN" read "$cap" >b.txt || fail "read failed"
    grep -q "outcome refused" a.txt || fail "-r FILE -n -v: no refused outcome"
    "$BIN" read -n "$cap" >c.txt || fail "read -n failed"
    cmp -s b.txt c.txt || fail "-n changed the output (names are never resolved)"
    "$BIN" --version | grep -Eq "^tcpshake [0-9]+\.[0-9]+\.[0-9]+ " || fail "--version"
    ;;
timeout_flag)
    cap=$SRC/captures/handshake-timeout.pcap
    "$BIN" read -q "$cap" >default.txt || fail "read failed"
    grep -q "unanswered .* timeout$" default.txt || fail "default: the first SYN should time out (120 s)"
    "$BIN" read -q --timeout syn_sent=200 "$cap" >long.txt || fail "read --timeout failed"
    grep -q "never_opened (end_of_input)" long.txt || fail "syn_sent=200: should stay open to the end"
    "$BIN" read --timeout nosuch=1 "$cap" >/dev/null 2>err && fail "unknown state accepted"
    grep -q "unknown state 'nosuch'" err || fail "no clear error for an unknown state"
    ;;
*)
    fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
