#!/usr/bin/env bash
# run.sh CASE TCPSHAKE WORKDIR: least privilege (issue 20; docs/HARDENING.md,
# "Privilege model"), through the real binary, as root and as `nobody`.
# Exit 0 pass, 1 fail, 77 skip (not root, unless TCPSHAKE_REQUIRE_PRIV=1).
#   symlink_refused   nobody plants a symlink (and a file, a hard link) in a
#                     sticky directory; a root `watch -w`, `read --svg`,
#                     `read`/`watch --report`, `craft --write` must leave the
#                     target untouched: exit 10
#   sudo_owner        under sudo (SUDO_UID/SUDO_GID) files are the user's;
#                     `watch -Z nobody --report` creates its page at start
#                     (before dropping root) and fills it when it ends
#   caps_dropped      nobody runs a setcap copy of watch: after the capture is
#                     open, /proc/PID/status shows CapEff and CapPrm 0
#   remote_needs_root --allow-remote with file capabilities only: exit 2
#   nft_clean         the guard's nft is found by absolute path, not PATH, and
#                     runs with a clean environment
#   group_install     scripts/install-capture-group: root:GROUP 0750 + setcap
# Each case runs in a network namespace of its own (unshare -n -m).
set -u
CASE=$1
BIN=$2
WORK=$3/$CASE
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}

fail() {
    echo "FAIL [$CASE]: $*"
    for f in out err; do [ -f "$f" ] && { echo "--- $f:"; head -c 4000 "$f"; }; done
    exit 1
}
skip() { echo "SKIPPED: $*"; exit 77; }

if [ "${TCPSHAKE_PRIVS_NETNS:-}" != "$CASE" ]; then
    why=""
    if [ "$(id -u)" -ne 0 ]; then why="not root"
    elif ! unshare -n -m true 2>/dev/null; then why="unshare -n -m failed"
    elif ! command -v setpriv >/dev/null; then why="setpriv not found (util-linux)"
    elif ! command -v setcap >/dev/null; then why="setcap not found (libcap2-bin)"
    elif ! id nobody >/dev/null 2>&1; then why="no user nobody"
    fi
    if [ -n "$why" ]; then
        [ "${TCPSHAKE_REQUIRE_PRIV:-0}" = 1 ] && fail "TCPSHAKE_REQUIRE_PRIV=1 but: $why"
        skip "needs root ($why)"
    fi
    exec env TCPSHAKE_PRIVS_NETNS="$CASE" unshare -n -m -- bash "$0" "$@"
fi
ip link set lo up || fail "ip link set lo up"

# A sticky, world-writable directory like /tmp (the test's own, removed at
# the end), where `nobody` can plant names.
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
STICKY=$(mktemp -d /tmp/tcpshake-privs.XXXXXX) || fail "mktemp"
chmod 1777 "$STICKY"
PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$STICKY"
}
trap cleanup EXIT
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
CAP=$HERE/../../captures/handshake-ipv4.pcap

# run STATUS ARGS...: tcpshake, stdout -> out, stderr -> err.
run() {
    local want=$1 rc
    shift
    timeout 30 "$BIN" "$@" >out 2>err
    rc=$?
    [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: tcpshake $*"
}
err_matches() {
    [ "$(wc -l <err)" -eq 1 ] || fail "stderr has $(wc -l <err) lines, expected 1"
    grep -Eq -- "$1" err || fail "stderr does not match: $1"
}

# A connection on lo: a listener and one connect(), bounded.
one_connection() {
    "$PY" - "$1" <<'PYEOF'
import socket, sys
port = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(1)
c = socket.create_connection(("127.0.0.1", port), timeout=5)
s, _ = l.accept(); c.close(); s.close(); l.close()
PYEOF
}

# capable_copy: $U/tcpshake, a copy of the binary with the file capabilities
# README's group install gives it (what a non-root user runs).
capable_copy() {
    U=$STICKY/bin
    mkdir "$U" && cp "$BIN" "$U/tcpshake" && chmod 755 "$U" "$U/tcpshake" || fail "copy"
    setcap cap_net_raw,cap_net_admin=eip "$U/tcpshake" || fail "setcap"
    getcap "$U/tcpshake" | grep -q cap_net_raw || fail "the copy has no capabilities"
}

# await_connection PORT: make connections until the watch writing `out`
# shows one (bounded), so its capture is open and has been used.
await_connection() {
    local _
    for _ in $(seq 20); do
        one_connection "$1" >/dev/null 2>&1
        for _ in $(seq 10); do grep -q "$1" out && return 0; sleep 0.1; done
    done
    return 1
}

case $CASE in
symlink_refused)
    target=$STICKY/precious
    echo "keep me" >"$target" && chmod 644 "$target"
    before=$(sha256sum <"$target")
    as_nobody ln -s "$target" "$STICKY/x.pcap" || fail "nobody cannot plant a symlink"
    as_nobody ln -s "$target" "$STICKY/x.pcapng" || fail "plant pcapng symlink"
    as_nobody ln -s "$target" "$STICKY/x.svg" || fail "plant svg symlink"
    # watch -w, pcap and pcapng: refused before anything is captured.
    for f in x.pcap x.pcapng; do
        run 10 watch -c 1 -w "$STICKY/$f"
        err_matches "^tcpshake: cannot write $STICKY/$f: it is a symbolic link"
    done
    run 10 read "$CAP" --svg "$STICKY/x.svg"
    err_matches "^tcpshake: cannot write $STICKY/x.svg: it is a symbolic link"
    as_nobody ln -s "$target" "$STICKY/x.html" || fail "plant html symlink"
    run 10 read "$CAP" -q --report "$STICKY/x.html"
    err_matches "^tcpshake: cannot write $STICKY/x.html: it is a symbolic link"
    run 10 watch -c 1 --report "$STICKY/x.html"
    err_matches "^tcpshake: cannot write $STICKY/x.html: it is a symbolic link"
    run 10 craft syn --to 127.0.0.1:80 --from 127.0.0.1:4000 --write "$STICKY/x.pcap"
    err_matches "cannot write $STICKY/x.pcap: it is a symbolic link"
    [ "$(sha256sum <"$target")" = "$before" ] || fail "the symlink's target was written"
    # Another user's file in the sticky directory (fs.protected_regular).
    as_nobody sh -c "echo theirs > $STICKY/theirs.pcap" || fail "plant a file"
    run 10 watch -c 1 -w "$STICKY/theirs.pcap"
    err_matches "^tcpshake: cannot write $STICKY/theirs.pcap: it belongs to another user \(uid 65534\)"
    [ "$(cat "$STICKY/theirs.pcap")" = theirs ] || fail "another user's file was truncated"
    # A hard link to a file of root's.
    ln "$target" "$STICKY/hard.pcap" || fail "hard link"
    run 10 watch -c 1 -w "$STICKY/hard.pcap"
    err_matches "^tcpshake: cannot write $STICKY/hard.pcap: it has 2 hard links"
    [ "$(sha256sum <"$target")" = "$before" ] || fail "the hard-linked file was written"
    # Root's own file in the same directory is overwritten as asked.
    echo old >"$STICKY/mine.pcap"
    run 0 read "$CAP" -q --svg "$STICKY/mine.svg"
    grep -q "<svg" "$STICKY/mine.svg" || fail "no SVG written to a new file"
    echo old >"$STICKY/mine.svg"
    run 0 read "$CAP" -q --svg "$STICKY/mine.svg"
    grep -q "<svg" "$STICKY/mine.svg" || fail "root's own file not overwritten"
    ;;

sudo_owner)
    # Under sudo the files belong to the user who typed the command; here
    # nobody (65534), who may write the sticky directory.
    SUDO_UID=65534 SUDO_GID=65534 timeout 30 "$BIN" read "$CAP" -q \
        --svg "$STICKY/s.svg" >out 2>err || fail "read --svg under sudo failed"
    [ "$(stat -c %u:%g "$STICKY/s.svg")" = "65534:65534" ] ||
        fail "the SVG belongs to $(stat -c %u:%g "$STICKY/s.svg"), not the sudo user"
    # ...and the user's permissions apply: nobody cannot write /root.
    mkdir -p "$WORK/rootonly" && chmod 700 "$WORK/rootonly"
    SUDO_UID=65534 SUDO_GID=65534 timeout 30 "$BIN" read "$CAP" -q \
        --svg "$WORK/rootonly/s.svg" >out 2>err
    rc=$?
    [ "$rc" -eq 10 ] || fail "exit status $rc writing where the sudo user may not, expected 10"
    err_matches "^tcpshake: cannot write $WORK/rootonly/s.svg: Permission denied"
    # watch -Z USER: the capture file is that user's.
    timeout 20 "$BIN" watch -Z nobody -c 1 -w "$STICKY/z.pcap" >out 2>err &
    PIDS+=("$!")
    wpid=$!
    for _ in $(seq 100); do [ -e "$STICKY/z.pcap" ] && break; sleep 0.05; done
    kill -INT "$wpid"; wait "$wpid"
    [ "$(stat -c %u "$STICKY/z.pcap")" = 65534 ] || fail "watch -Z nobody -w: file not nobody's"
    # watch --report: the page's file is made at start, as root, before the
    # drop to nobody; the page is written into it when the watch ends.
    timeout 20 "$BIN" watch -Z nobody --report "$STICKY/w.html" >out 2>err &
    PIDS+=("$!")
    wpid=$!
    for _ in $(seq 100); do [ -e "$STICKY/w.html" ] && break; sleep 0.05; done
    [ -e "$STICKY/w.html" ] || fail "watch --report: no file at start"
    # Ctrl-C once watch catches it (SigCgt bit 2), so it ends normally. $! is
    # timeout(1), which always catches SIGINT: look at its child, tcpshake.
    for _ in $(seq 200); do
        cpid=$(cat "/proc/$wpid/task/$wpid/children" 2>/dev/null)
        cpid=${cpid%% *}
        cgt=""
        [ -n "$cpid" ] && cgt=$(awk '/^SigCgt/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
        [ -n "$cgt" ] && (( 0x$cgt & 2 )) && break
        sleep 0.05
    done
    [ -s "$STICKY/w.html" ] && fail "watch --report: the page came before the end"
    kill -INT "$wpid"; wait "$wpid" || fail "watch --report: exit status $?"
    [ "$(stat -c %u "$STICKY/w.html")" = 65534 ] || fail "watch -Z nobody --report: not nobody's"
    grep -q 'id="tcpshake-data">{"format":"tcpshake-report","version":1,"command":"watch"' \
        "$STICKY/w.html" || fail "watch --report: no page written when it ended"
    tail -1 "$STICKY/w.html" | grep -qx '</html>' || fail "watch --report: the page is cut"
    ;;

caps_dropped)
    # A copy of the binary with file capabilities, as README's setcap
    # recipe makes, run by nobody.
    capable_copy
    # No timeout(1) in between: $! is tcpshake itself (the EXIT trap ends it).
    setpriv --reuid=65534 --regid=65534 --clear-groups -- "$U/tcpshake" watch -c 2 \
        'tcp port 8097' >out 2>err &
    PIDS+=("$!")
    pid=$!
    # The capture is open once it has seen a connection (it needed the
    # capabilities for that); then every set must be empty.
    await_connection 8097 || fail "watch (file capabilities, user nobody) saw no connection"
    status=/proc/$pid/status
    grep -q "^Name:.*tcpshake" "$status" || fail "not the watch process: $(head -1 "$status")"
    [ "$(awk '/^Uid:/{print $2}' "$status")" = 65534 ] || fail "watch is not running as nobody"
    for s in CapEff CapPrm CapInh CapAmb; do
        v=$(awk -v k="$s:" '$1 == k {print $2}' "$status")
        [ "$v" = 0000000000000000 ] || fail "$s is $v while capturing, expected 0"
    done
    grep -q "^NoNewPrivs:.*1" "$status" || fail "no_new_privs is not set"
    kill -INT "$pid"; wait "$pid"
    ;;

remote_needs_root)
    capable_copy
    for form in "handshake --to 192.0.2.1:80" "syn --to 192.0.2.1:80"; do
        # shellcheck disable=SC2086 # the form is words
        as_nobody timeout 30 "$U/tcpshake" craft $form --allow-remote >out 2>err
        rc=$?
        [ "$rc" -eq 2 ] || fail "exit status $rc for craft $form --allow-remote as nobody, expected 2"
        err_matches "^tcpshake: craft [a-z]+: --allow-remote needs root \(uid 0\)"
        # Before any socket: traced (strace(1) makes the kernel withhold the
        # file capabilities; the refusal must not depend on them).
        if command -v strace >/dev/null; then
            # shellcheck disable=SC2086
            as_nobody timeout 30 strace -f -qq -e trace=socket -o "$STICKY/trace" \
                "$U/tcpshake" craft $form --allow-remote >out 2>err
            [ -f "$STICKY/trace" ] || fail "strace wrote no trace"
            ! grep -q "socket(" "$STICKY/trace" || fail "a socket was opened before the refusal"
            rm -f "$STICKY/trace"
        fi
    done
    # Root may.
    run 11 craft syn --to 192.0.2.1:80 --allow-remote --wait 0.1 -i lo
    ;;

nft_clean)
    # A fake nft first in PATH must never run; the real one, found by its
    # absolute path, must see a clean environment. nft is replaced by a
    # wrapper (bind mount, this mount namespace only) that records both.
    real=""
    for f in /usr/sbin/nft /sbin/nft /usr/local/sbin/nft; do [ -x "$f" ] && { real=$f; break; }; done
    [ -n "$real" ] || fail "nft not found (package nftables)"
    mkdir "$STICKY/evil" && cp "$real" "$STICKY/nft.real" || fail "copy nft"
    printf '#!/bin/sh\ntouch %s/evil-ran\nexit 1\n' "$STICKY" >"$STICKY/evil/nft"
    printf '#!/bin/sh\nenv > %s/nft-env\nexec %s/nft.real "$@"\n' "$STICKY" "$STICKY" \
        >"$STICKY/wrap"
    chmod 755 "$STICKY/evil/nft" "$STICKY/wrap"
    mount --bind "$STICKY/wrap" "$real" || fail "bind mount over $real"
    PATH=$STICKY/evil:$PATH TCPSHAKE_SECRET=leak LD_LIBRARY_PATH=/nonexistent \
        timeout 30 "$BIN" craft handshake --to 127.0.0.1:9 >out 2>err
    rc=$?
    umount "$real"
    [ ! -e "$STICKY/evil-ran" ] || fail "the nft found through PATH was run"
    [ -s "$STICKY/nft-env" ] || fail "the guard's nft did not run (exit $rc)"
    ! grep -q "TCPSHAKE_SECRET\|LD_LIBRARY_PATH\|$STICKY/evil" "$STICKY/nft-env" ||
        fail "the caller's environment reached nft: $(tr '\n' ' ' <"$STICKY/nft-env")"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 11 ] || fail "craft exit status $rc"
    ;;

group_install)
    # scripts/install-capture-group on a copy: root:GROUP 0750 + setcap; a
    # member can capture as themself, anyone else cannot even run it.
    grp=tcpshake-t$$
    member=tcpsk$$
    U=$STICKY/bin
    mkdir "$U" && cp "$BIN" "$U/tcpshake" && chmod 755 "$U" || fail "copy"
    trap 'cleanup; userdel "$member" 2>/dev/null; groupdel "$grp" 2>/dev/null' EXIT
    "$HERE/../../scripts/install-capture-group" --group "$grp" --binary "$U/tcpshake" >out 2>err ||
        fail "install-capture-group failed"
    getent group "$grp" >/dev/null || fail "group $grp not made"
    [ "$(stat -c '%U:%G %a' "$U/tcpshake")" = "root:$grp 750" ] ||
        fail "binary is $(stat -c '%U:%G %a' "$U/tcpshake"), expected root:$grp 750"
    getcap "$U/tcpshake" | grep -q "cap_net_admin,cap_net_raw=eip" || fail "no capabilities"
    useradd --system --no-create-home --shell /bin/sh -G "$grp" "$member" || fail "useradd"
    # runuser(1) starts a login-like session with the user's own groups.
    runuser -u nobody -- "$U/tcpshake" --version >out 2>err &&
        fail "a user outside the group could run the binary"
    grep -q "Permission denied" err || fail "nobody: not 'Permission denied'"
    runuser -u "$member" -- "$U/tcpshake" watch -c 1 'tcp port 8098' >out 2>err &
    PIDS+=("$!")
    pid=$!
    await_connection 8098 || fail "a member of $grp could not capture"
    wait "$pid" || fail "watch as a member of $grp failed"
    ;;

*) fail "unknown case" ;;
esac
exit 0
