#!/usr/bin/env bash
# kiosk serve's log in a real journald, as kiosk.service writes it:
#
#   Tests/install/journal-test.sh      (root, with the package installed)
#
# runs systemd-journald in a mount namespace of its own (the machine's /run/systemd is left
# alone), starts the installed kiosk serve as the kiosk user with standard error connected to
# journald's stream socket and $JOURNAL_STREAM naming it (what systemd does for a service),
# places the simulator's test card, stops it, and reads the journal back: each record in
# journald's own fields (PRIORITY, KIOSK_*), sent natively rather than as text, and nothing of
# the card holder anywhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
say() { echo "journal test: $*"; }
fail() { echo "journal test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (a mount namespace, runuser)"
[ -x /usr/bin/kiosk ] || fail "the kiosk package is not installed"
if [ "${1:-}" != --inside ]; then exec unshare --mount --propagation private "$0" --inside; fi

work=$(mktemp -d -t kiosk-journal.XXXXXX)
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/journal
mount -t tmpfs tmpfs /run/log
[ ! -d /var/log/journal ] || mount -t tmpfs tmpfs /var/log/journal
/lib/systemd/systemd-journald &
journald=$!
trap 'kill $journald 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.05; done
[ -S /run/systemd/journal/socket ] || fail "journald did not start"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# systemd-cat connects standard output and error to journald's stream socket, as systemd does
# for a service; JOURNAL_STREAM names that socket's device and inode, as systemd sets it.
# setpriv (not runuser, which stays behind as a parent) so that $! is kiosk serve itself.
chmod 755 "$work"
install -d -o kiosk -g kiosk "$work/data"
systemd-cat --identifier=kiosk -- sh -c '
    JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2)
    exec setpriv --reuid=kiosk --regid=kiosk --init-groups env JOURNAL_STREAM="$JOURNAL_STREAM" \
        KIOSK_LISTEN=127.0.0.1:'"$port"' KIOSK_DEVICES_MODE=simulated KIOSK_DATA_DIR='"$work"'/data \
        KIOSK_LOG_LEVEL=debug /usr/bin/kiosk serve --config /etc/kiosk/kiosk.conf' &
server=$!
for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
    sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] || fail "kiosk serve did not become ready"
curl -s -X POST -H 'Content-Type: application/json' -d '{"fixture":"resident"}' "http://127.0.0.1:$port/v1/simulator/cards" >/dev/null
sleep 1
kill -TERM "$server"
wait "$server" || fail "kiosk serve exited with status $?"
sleep 0.5

journalctl -D /run/log/journal -o json --no-pager SYSLOG_IDENTIFIER=kiosk >"$work/journal.json"
count=$(grep -c . "$work/journal.json" || true)
/usr/bin/python3 - "$work/journal.json" "$port" <<'EOF' || fail "the journal records"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
port = sys.argv[2]
def one(message):
    found = [r for r in records if r.get("MESSAGE") == message]
    assert found, f"no record '{message}' in {len(records)} records"
    return found[0]
serving = one("kiosk is serving")
assert serving["_TRANSPORT"] == "journal", f"sent as {serving['_TRANSPORT']}, not in journald's native protocol"
assert serving["PRIORITY"] == "5", serving["PRIORITY"]
assert serving["KIOSK_HTTP_ADDRESS"] == f"127.0.0.1:{port}", serving
assert serving["KIOSK_HTTP_SCHEME"] == "http"
assert serving["KIOSK_LABEL"] == "kiosk"
assert serving["CODE_FILE"].endswith("KioskApplication.swift"), serving["CODE_FILE"]
assert one("database ready")["KIOSK_DB_PATH"].endswith("/data/kiosk.sqlite")
assert one("kiosk stopped")["PRIORITY"] == "5"
text = [r for r in records if r["_TRANSPORT"] == "stdout" and "kiosk" in r.get("MESSAGE", "")]
assert not text, f"records also written as text: {text[:2]}"
EOF
# Nothing of the card holder: the test card's number, name and address.
for secret in $(sed -n 's/^\(number\|name\|address\): *"\{0,1\}\([^"]*\)"\{0,1\}$/\2/p' "$repo/Devices/cards/resident.yaml"); do
    ! grep -qF "$secret" "$work/journal.json" || fail "the journal holds the card's '$secret'"
done
journalctl -D /run/log/journal -o export --no-pager >"$work/journal.export"
card_number=$(sed -n 's/^number: *"\{0,1\}\([0-9X]*\)"\{0,1\}$/\1/p' "$repo/Devices/cards/resident.yaml")
[ -n "$card_number" ] || fail "no number in Devices/cards/resident.yaml"
! grep -qaF "$card_number" "$work/journal.export" || fail "the journal holds the card's number"
say "$count records in journald's own fields (PRIORITY, KIOSK_HTTP_ADDRESS, CODE_FILE …), none as text, no card data"
