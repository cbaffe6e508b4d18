#!/usr/bin/env bash
# schema.live: the records `demo --json` (also in slow motion) and
# `craft handshake --json` print
# validate against docs/ndjson-schema.json. Needs root (a private network
# namespace, a capture, raw sockets); exits 77 without it unless
# TCPSHAKE_REQUIRE_PRIV=1.
set -u
SCHEMA=$1 BIN=$2 VALIDATE=$3
if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
    [ "${TCPSHAKE_REQUIRE_PRIV:-0}" = 1 ] && { echo "FAIL: needs root (TCPSHAKE_REQUIRE_PRIV=1)"; exit 1; }
    echo "SKIPPED: needs root or CAP_NET_RAW+CAP_NET_ADMIN (a private network namespace)"
    exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
unshare -n bash -c '
    ip link set lo up
    timeout 60 "$0" demo --json
    # Slow motion past the 1 s RTO: held_copy records and held_retransmits.
    timeout 120 "$0" demo --json --slow=1.5
    python3 -c "
import socket, subprocess, sys
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); port = s.getsockname()[1]
p = subprocess.run([sys.argv[1], \"craft\", \"handshake\", \"--to\", \"127.0.0.1:%d\" % port, \"--json\"],
                   capture_output=True, text=True, timeout=60)
sys.stdout.write(p.stdout)
" "$0"
' "$BIN" >"$out" || { echo "FAIL: demo or craft failed"; exit 1; }
for t in syscall kernel agree held_copy info craft conn summary; do
    grep -q "\"type\":\"$t\"" "$out" || { echo "FAIL: no $t record to validate"; exit 1; }
done
python3 "$VALIDATE" "$SCHEMA" - <"$out"
