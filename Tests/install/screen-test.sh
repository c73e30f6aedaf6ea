#!/usr/bin/env bash
# The terminal's screen as kiosk-browser.service brings it up, under cage's headless backend:
#
#   Tests/install/screen-test.sh      (root, with the package installed)
#
# 1. The unit's own command line (its Environment= and ExecStart=, as the kiosk-screen user),
#    with WLR_BACKENDS=headless, brings up the page; a screenshot (grim) shows the home screen
#    filling the output.
# 2. The same command pointed at another origin reaches nothing there (the browser policy).
# 3. With the page open and its event stream connected, SIGTERM stops kiosk serve promptly:
#    exit 0 and "kiosk stopped", without the stop deadline cutting anything.
# Screenshots are kept in the directory printed first (KIOSK_SCREEN_ARTEFACTS to choose it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "screen test: $*"; }
fail() { echo "screen test: FAILED: $*" >&2; [ -z "${work:-}" ] || tail -n 20 "$work"/*.log >&2 || true; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (it runs the screen as kiosk-screen)"
[ -x /usr/libexec/kiosk/kiosk-browser ] || fail "the kiosk package is not installed"
artefacts=${KIOSK_SCREEN_ARTEFACTS:-$(mktemp -d -t kiosk-screen.XXXXXX)}
# kiosk reads KIOSK_* variables as configuration: this one is the script's alone.
unset KIOSK_SCREEN_ARTEFACTS
chmod 755 "$artefacts"
say "screenshots in $artefacts"
work=$(mktemp -d -t kiosk-screen-run.XXXXXX)
chmod 755 "$work"
server= browser= other=
policy=/etc/chromium/policies/managed/kiosk.json
cp "$policy" "$work/policy.json"
stop_browser() {  # as systemd stops the unit (KillMode=mixed): SIGTERM to the wrapper alone
    [ -n "$browser" ] || return 0
    kill "$browser" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$browser" 2>/dev/null || break; sleep 0.1; done
    local status=0
    wait "$browser" 2>/dev/null || status=$?
    # Chromium's helper processes end a moment after it; what is left then is killed, each by
    # its id, and fails the test.
    local left
    for _ in $(seq 50); do left=$(pgrep -u kiosk-screen || true); [ -n "$left" ] || break; sleep 0.1; done
    for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
    browser=
    [ -z "$runtime" ] || rm -rf "$runtime"
    runtime=
    [ -z "$left" ] || { echo "screen test: the browser's processes outlived its stop: $left" >&2; return 1; }
    [ "$status" = 0 ] || { echo "screen test: the browser ended with status $status when stopped" >&2; return 1; }
}
cleanup() {
    stop_browser || true
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    [ -z "$other" ] || kill "$other" 2>/dev/null || true
    cp "$work/policy.json" "$policy"
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(free_port)
setpriv --reuid=kiosk --regid=kiosk --init-groups env KIOSK_LISTEN="127.0.0.1:$port" KIOSK_DEVICES_MODE=simulated \
    /usr/bin/kiosk serve --config /etc/kiosk/kiosk.conf 2>"$work/serve.log" &
server=$!
for _ in $(seq 600); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break; sleep 0.1; done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] || fail "kiosk serve is not ready"

# A listen address other than 127.0.0.1:8080 takes the technician's two edits (README): the
# screen's address (systemctl edit kiosk-browser) and the origin the browser policy allows.
sed -i "s|http://127.0.0.1:8080|http://127.0.0.1:$port|" "$policy"
grep -q "\"http://127.0.0.1:$port\"" "$policy" || fail "the policy does not name the screen's origin"

# The unit's command line and environment, as systemd runs it for kiosk-screen: with a /tmp of
# its own (the unit's PrivateTmp=yes, where Xwayland keeps its sockets) and the runtime
# directory a logind session would give it. Two of the unit's settings are changed: the
# address (the technician's edit above), and the rotation — in portrait (SCREEN_ROTATION=90)
# cage 0.1.4 composites every frame, while unrotated it scans Chromium's full-screen buffer out
# directly, which is right on a real display but leaves grim (screencopy of wlroots 0.15 under
# the headless backend) copying a stale frame.
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/kiosk-browser.service)
unit_environment=$(sed -n 's/^Environment=//p' /lib/systemd/system/kiosk-browser.service)
[ "$unit_environment" = "SCREEN_URL=http://127.0.0.1:8080/ SCREEN_ROTATION=0" ] || fail "the unit's environment is $unit_environment"
runtime=
start_browser() {  # URL LOG
    [ -z "$runtime" ] || rm -rf "$runtime"
    runtime=$(mktemp -d -p /run kiosk-screen.XXXXXX)
    chown kiosk-screen:kiosk-screen "$runtime"
    chmod 0700 "$runtime"
    unshare --mount --propagation private sh -c 'mount -t tmpfs -o mode=1777 tmpfs /tmp && exec "$@"' sh \
        setpriv --reuid=kiosk-screen --regid=kiosk-screen --init-groups env -i PATH=/usr/bin:/bin \
        XDG_RUNTIME_DIR="$runtime" $unit_environment SCREEN_URL="$1" SCREEN_ROTATION=90 \
        WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
        $exec_start >"$2" 2>&1 &
    browser=$!
}
grab() {  # FILE [FORMAT]: a screenshot of the screen's output, by kiosk-screen through its display
    local display
    display=$(cd "$runtime" && ls | grep -m1 '^wayland-[0-9]*$') || return 1
    setpriv --reuid=kiosk-screen --regid=kiosk-screen --init-groups env -i XDG_RUNTIME_DIR="$runtime" \
        WAYLAND_DISPLAY="$display" grim ${2:+-t "$2"} "$runtime/shot" && cp "$runtime/shot" "$1"
}
requests() { curl -s "http://127.0.0.1:$port/metrics" | grep '^kiosk_http_requests_total' || true; }
# The page is up once it has opened its event stream: kiosk serve counts GET /v1/events when the
# stream starts, and the count only grows. (Counting the browser's connections to the port was
# not the same: the first ones come and go while the page loads, and one seen at one moment may
# be gone at the next look.)
events_opened() { requests | awk '/route="\/v1\/events",status="200"/ { n += $2 } END { print n + 0 }'; }
page_connected() { [ "$(events_opened)" -gt "$events_before" ]; }
# What a technician needs when the page did not come up: the browser's last words, what kiosk serve
# was asked for since the browser started (beyond the test's own /readyz and /metrics), the
# screen's processes and sockets, and what the screen showed (a screenshot among the artefacts).
explain_screen() {  # NAME
    echo "screen test: the browser's log, last 30 lines but Chromium's usual D-Bus complaints ($(grep -c 'ERROR:dbus/' "$work/browser.log") lines):"
    grep -v 'ERROR:dbus/' "$work/browser.log" | tail -n 30 | sed 's/^/  /'
    echo "screen test: requests kiosk serve answered since the browser started:"
    local asked
    asked=$(diff <(echo "$requests_before") <(requests) | sed -n 's/^> /  /p' | grep -v 'route="/\(readyz\|metrics\)"' || true)
    echo "${asked:-  none}"
    echo "screen test: the kiosk-screen user's processes:"
    ps -u kiosk-screen -o pid,ppid,stat,etime,time,wchan:24,args | cut -c1-220 | sed 's/^/  /'
    echo "screen test: TCP sockets on port $port:"
    ss -Htanp "( sport = :$port or dport = :$port )" | sed 's/^/  /'
    grab "$artefacts/$1.png" && echo "screen test: the screen at that moment: $artefacts/$1.png" || echo "screen test: no screenshot"
} >&2

requests_before=$(requests)
events_before=$(events_opened)
started=$(date +%s%N)
start_browser "http://127.0.0.1:$port/" "$work/browser.log"
# The page is up when it has opened its event stream.
# A browser that exits before its page connects is started once more after 2 s, as the unit's
# Restart=always (RestartSec=2) does on a terminal, and the test says so with its exit status;
# one alive but not connected after 30 s, or exiting twice, fails.
for attempt in 1 2; do
    for _ in $(seq 300); do page_connected && break; kill -0 "$browser" 2>/dev/null || break; sleep 0.1; done
    page_connected && break
    kill -0 "$browser" 2>/dev/null && break
    status=0
    wait "$browser" 2>/dev/null || status=$?
    [ "$attempt" = 1 ] || break
    say "the browser exited with status $status before its page connected; started again after 2 s, as Restart=always does"
    tail -n 5 "$work/browser.log" | sed 's/^/screen test:   /'
    pkill -KILL -u kiosk-screen 2>/dev/null || true
    sleep 2
    start_browser "http://127.0.0.1:$port/" "$work/browser.log"
done
page_connected || { explain_screen no-connection; fail "the page never opened its event stream (GET /v1/events) on kiosk serve"; }
connected=$(date +%s%N)
say "the page connected $(( (connected - started) / 1000000 )) ms after the browser started"
# Then it draws home once it has learnt the terminal (info, forms, devices, services): looked at
# every second, for at most 15 s.
shown=
for _ in $(seq 15); do
    sleep 1
    grab "$work/home.ppm" ppm || fail "no screenshot"
    if /usr/bin/python3 "$here/screen-check.py" "$work/home.ppm" >"$work/screen-check" 2>&1; then shown=$(date +%s%N); break; fi
done
grab "$artefacts/home.png" || true
cat "$work/screen-check"
[ -n "$shown" ] || { explain_screen not-home; fail "the screen is not the home screen 15 s after the page connected (see $artefacts/home.png)"; }
say "the home screen showed $(( (shown - connected) / 1000000 )) ms after the page connected"

# With the page open, SIGTERM stops the server at once: the page's EventSource reconnecting
# while the stop runs must not hold it up.
stop=$(date +%s%N)
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
took=$(( ($(date +%s%N) - stop) / 1000000 ))
[ "$status" = 0 ] || fail "kiosk serve exited with status $status after SIGTERM"
grep -q 'kiosk stopped' "$work/serve.log" || fail "no 'kiosk stopped' line"
! grep -q 'were cut' "$work/serve.log" || fail "the stop needed its deadline"
[ "$took" -lt 8000 ] || fail "stopping took $took ms"
say "kiosk serve stopped in $took ms with the kiosk browser's page open"
stop_browser || fail "the browser did not stop cleanly"
! grep -q Assertion "$work/browser.log" || fail "cage did not end cleanly: $(grep Assertion "$work/browser.log")"

# Another origin is not reachable: a local server on another port hears nothing.
other_port=$(free_port)
(cd "$work" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$other_port" >"$work/other.log" 2>&1) &
other=$!
start_browser "http://127.0.0.1:$other_port/" "$work/blocked.log"
sleep 8
grab "$artefacts/other-origin.png" || true
stop_browser || fail "the browser did not stop cleanly"
! grep -q '"GET ' "$work/other.log" || fail "the browser reached another origin: $(grep -m1 '"GET ' "$work/other.log")"
say "another origin was not reachable"
