#!/usr/bin/env bash
# watch_priv.sh MODE TCPSHAKE WORKDIR: `tcpshake watch` gives up root once the
# capture is open (cmd_watch.c, like tcpdump -Z). Labels hostile, priv.
#   default    no -Z: the running process is user nobody (uid, gid, saved and
#              filesystem ids), no supplementary groups, no capabilities left
#   user       -Z daemon: the same, as daemon
#   keep-root  --keep-root: still uid 0 (the drop is what -Z/nobody does, not
#              an accident of the environment)
# The capture runs on lo with a filter on a port nothing uses and -c 1, so it
# waits; the test reads /proc/PID/status, then stops it with SIGTERM, which
# must end it cleanly (exit 0, a summary). Exit 0 pass, 1 fail, 77 skip.
set -u
MODE=$1
BIN=$2
WORK=$3/watch_$MODE
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

fail() {
    echo "FAIL [watch $MODE]: $*"
    [ -f out ] && { echo "--- stdout:"; head -c 2000 out; }
    [ -f err ] && { echo "--- stderr:"; cat err; }
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    [ "${TCPSHAKE_REQUIRE_PRIV:-0}" = 1 ] &&
        fail "needs root (TCPSHAKE_REQUIRE_PRIV=1): watch drops root only when it has it"
    echo "SKIPPED: needs root or CAP_NET_RAW+CAP_NET_ADMIN (watch drops root only when it has it)"
    exit 77
fi

case $MODE in
default) user=nobody; args=() ;;
user) user=daemon; args=(-Z daemon) ;;
keep-root) user=root; args=(--keep-root) ;;
*) fail "unknown mode" ;;
esac
id "$user" >/dev/null 2>&1 || fail "no user $user on this system"
want_uid=$(id -u "$user")
want_gid=$(id -g "$user")

# A port nothing listens on or connects to: bound then released by the kernel.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
    fail "cannot pick a free port"

"$BIN" watch -c 1 "${args[@]}" tcp port "$port" >out 2>err &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT

# Wait (at most 10 s) until the process is capturing: it catches SIGTERM
# (SigCgt bit 15), which cmd_watch.c sets up after opening the capture,
# dropping root and building the pipeline. Only then is its uid final and a
# SIGTERM a clean stop rather than the default action.
status=
for _ in $(seq 1 200); do
    kill -0 $pid 2>/dev/null || { wait $pid; fail "watch exited early with status $?"; }
    status=$(cat /proc/$pid/status 2>/dev/null) || status=
    sigcgt=$(awk '/^SigCgt:/ {print $2}' <<<"$status")
    [ -n "$sigcgt" ] && (( (16#$sigcgt >> 14) & 1 )) && break
    sleep 0.05
done
[ -n "$status" ] || fail "cannot read /proc/$pid/status"
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status")
groups=$(awk '/^Groups:/ {$1 = ""; print}' <<<"$status" | tr -d ' ')
capeff=$(awk '/^CapEff:/ {print $2}' <<<"$status")
echo "watch $MODE: Uid $uids, Gid $gids, Groups '$groups', CapEff $capeff"
[ "$uids" = "$want_uid $want_uid $want_uid $want_uid" ] ||
    fail "Uid (real, effective, saved, fs) is '$uids', expected $user ($want_uid) in all four"
if [ "$user" != root ]; then
    [ "$gids" = "$want_gid $want_gid $want_gid $want_gid" ] ||
        fail "Gid is '$gids', expected $want_gid in all four"
    [ -z "$groups" ] || fail "supplementary groups left: $groups"
    [ "$capeff" = 0000000000000000 ] || fail "capabilities left: CapEff $capeff"
fi

kill -TERM $pid
rc=0
wait $pid || rc=$?
trap - EXIT
[ $rc -eq 0 ] || fail "SIGTERM: exit status $rc, expected 0"
grep -q -- '-- summary' out || fail "no summary after SIGTERM"
echo "ok [watch $MODE]"
