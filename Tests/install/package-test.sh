#!/usr/bin/env bash
# The Debian package on this machine, the way a technician meets it:
#
#   Tests/install/package-test.sh [PACKAGE.deb]
#
# builds the package (without an argument: from the debug build, scripts/deb/build.sh
# --toolchain-runtime, since the release build costs minutes; `make deb` makes the release
# package and runs this on it), checks its contents and metadata, installs it with dpkg -i,
# runs `kiosk config check` on /etc/kiosk/kiosk.conf, starts `kiosk serve` as the kiosk user
# from the installed paths (READY=1 over a notification socket of the test's own), checks
# every unit with systemd-analyze, runs the nightly backup's command line, logs into a real
# journald (journal-test.sh), brings up the screen with the kiosk browser (screen-test.sh),
# then removes and purges the package and checks what is left.
#
# Needs root (dpkg -i) and refuses to run where a kiosk package is installed already.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
say() { echo "package test: $*"; }
fail() { echo "package test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (it installs the package with dpkg -i)"
if dpkg-query -W -f='${Status}' kiosk 2>/dev/null | grep -q 'ok installed\|config-files'; then
    fail "a kiosk package is on this machine already; this test installs and purges its own"
fi
work=$(mktemp -d -t kiosk-package.XXXXXX)
chmod 755 "$work"
server=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    if dpkg-query -W -f='${Status}' kiosk 2>/dev/null | grep -q 'installed\|config-files'; then
        dpkg --purge kiosk >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
elapsed() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }

# --- the package ------------------------------------------------------------------------------
deb=${1:-}
if [ -z "$deb" ]; then
    [ -x "$repo/.build/debug/kiosk" ] || fail ".build/debug/kiosk is not built (swift build first)"
    started=$(date +%s%N)
    # gzip -1 rather than dpkg-deb's xz: seconds instead of minutes for the large debug binary.
    deb=$(DPKG_DEB_COMPRESSOR_TYPE=gzip DPKG_DEB_COMPRESSOR_LEVEL=1 \
        "$repo/scripts/deb/build.sh" "$repo/.build/debug/kiosk" "$work" --toolchain-runtime | tail -n 1)
    say "built $(basename "$deb") from the debug build in $(elapsed "$started") ms"
fi
say "package $(basename "$deb"): $(( $(stat -c %s "$deb") / 1024 )) KiB, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = kiosk ] || fail "Package is $(field Package)"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is $(field Architecture)"
dpkg-deb -x "$deb" "$work/root"
version=$("$work/root/usr/bin/kiosk" --version)
[ "$(field Version)" = "$version" ] || fail "Version is $(field Version), the program says $version"
[ "$(basename "$deb")" = "kiosk_${version}_$(dpkg --print-architecture).deb" ] || fail "the file is named $(basename "$deb")"

dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/contents"
for path in /usr/bin/kiosk /usr/share/kiosk/ui/index.html /usr/share/kiosk/ui/main.js \
    /usr/share/kiosk/Forms/residence-permit.yaml /usr/share/kiosk/Forms/calendar/2026.json \
    /usr/share/kiosk/Forms/receipts/filing-receipt.yaml /usr/share/kiosk/Devices/profiles/epson-tm-t88.yaml \
    /usr/share/kiosk/Devices/profiles/readers/ga467-usb-0400-c35a.yaml /usr/share/kiosk/Devices/cards/resident.yaml \
    /etc/kiosk/kiosk.conf /lib/udev/rules.d/60-kiosk.rules /lib/systemd/system/kiosk.service \
    /lib/systemd/system/kiosk-browser.service /lib/systemd/system/kiosk-backup.service \
    /lib/systemd/system/kiosk-backup.timer /usr/libexec/kiosk/kiosk-browser /etc/pam.d/kiosk-browser \
    /etc/chromium/policies/managed/kiosk.json /usr/share/man/man1/kiosk.1.gz \
    /usr/share/doc/kiosk/copyright /usr/share/doc/kiosk/changelog.gz /usr/share/doc/kiosk/README.md; do
    grep -qx "$path" "$work/contents" || fail "the package lacks $path"
done
! grep -E 'simulators|/Tests/|\.build|secrets|\.sqlite' "$work/contents" || fail "the package holds files that are not the terminal's"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
grep -qx /etc/kiosk/kiosk.conf "$work/conffiles" || fail "kiosk.conf is not a conffile"

# Depends names exactly the packages of the libraries the program loads (the toolchain's own
# Swift runtime aside, in a package made from the debug build).
needed=$(objdump -p "$work/root/usr/bin/kiosk" | awk '/NEEDED/ {print $2}' | sort)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libraries=()
for library in $needed; do
    owner=
    for directory in "/lib/$triplet" "/usr/lib/$triplet" /lib /usr/lib; do
        [ -e "$directory/$library" ] || continue
        owner=$(dpkg -S "$directory/$library" 2>/dev/null | cut -d: -f1 | head -n 1) || true
        [ -n "$owner" ] && break
    done
    # The debug build loads the Swift runtime from the toolchain, which no package holds.
    [ -n "$owner" ] || { [ -z "${1:-}" ] && [ -e "/opt/swift/usr/lib/swift/linux/$library" ] && continue; fail "$library is in no package"; }
    libraries+=("$owner")
done
depends=$(field Depends)
depends_names=$(echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//')
for package in $(printf '%s\n' "${libraries[@]}" | sort -u); do
    echo "$depends_names" | grep -qxF "$package" || fail "Depends lacks $package (for a library the program loads): $depends"
done
for package in $(echo "$depends_names" | grep '^lib'); do
    printf '%s\n' "${libraries[@]}" | grep -qxF "$package" || fail "Depends names $package, which the program does not load"
done
for package in tzdata adduser; do echo "$depends_names" | grep -qxF "$package" || fail "Depends lacks $package"; done
say "Depends: $depends"

# Lintian: clean, or each remaining tag overridden with its reason in the package. The debug
# build's package also has the debug build's marks (the toolchain's RUNPATH, no optimisation).
debug_only=()
[ -n "${1:-}" ] || debug_only=(--suppress-tags custom-library-search-path)
started=$(date +%s%N)
lintian --fail-on error,warning "${debug_only[@]}" "$deb" >"$work/lintian" 2>&1 || { cat "$work/lintian"; fail "lintian"; }
say "lintian clean in $(elapsed "$started") ms ($(grep -c . "$work/lintian" || true) lines: $(tr '\n' ' ' <"$work/lintian"))"

# --- installed --------------------------------------------------------------------------------
started=$(date +%s%N)
dpkg -i "$deb" >"$work/dpkg-install.log" 2>&1 || { cat "$work/dpkg-install.log"; fail "dpkg -i"; }
say "installed with dpkg -i in $(elapsed "$started") ms"

[ "$(stat -c '%U:%G %a' /var/lib/kiosk)" = "kiosk:kiosk 750" ] || fail "/var/lib/kiosk is $(stat -c '%U:%G %a' /var/lib/kiosk)"
[ "$(stat -c '%U:%G %a' /etc/kiosk/secrets)" = "kiosk:kiosk 700" ] || fail "/etc/kiosk/secrets is $(stat -c '%U:%G %a' /etc/kiosk/secrets)"
[ "$(stat -c '%U:%G %a %s' /etc/kiosk/secrets/terminal.key)" = "kiosk:kiosk 600 32" ] || fail "terminal.key is $(stat -c '%U:%G %a %s' /etc/kiosk/secrets/terminal.key)"
[ "$(stat -c '%U:%G %a' /etc/kiosk/kiosk.conf)" = "root:kiosk 640" ] || fail "kiosk.conf is $(stat -c '%U:%G %a' /etc/kiosk/kiosk.conf)"
[ "$(stat -c '%U' /var/lib/kiosk/kiosk.sqlite)" = kiosk ] || fail "postinst did not migrate the database as kiosk"
id -nG kiosk | tr ' ' '\n' | grep -qx dialout || fail "kiosk is not in dialout (serial readers)"
! id -nG kiosk-screen | tr ' ' '\n' | grep -qx kiosk || fail "the screen's account must not be in the kiosk group"
[ "$(getent passwd kiosk | cut -d: -f7)" = /usr/sbin/nologin ] || fail "kiosk has a login shell"
[ -L /etc/systemd/system/multi-user.target.wants/kiosk.service ] || fail "kiosk.service is not enabled"
[ -L /etc/systemd/system/timers.target.wants/kiosk-backup.timer ] || fail "kiosk-backup.timer is not enabled"
[ -L /etc/systemd/system/graphical.target.wants/kiosk-browser.service ] || fail "kiosk-browser.service is not enabled"

/usr/bin/kiosk config check --config /etc/kiosk/kiosk.conf >"$work/config" || fail "kiosk config check"
runuser -u kiosk -- /usr/bin/kiosk config check --config /etc/kiosk/kiosk.conf >/dev/null || fail "kiosk config check as kiosk"
# The technician's check of the keys, the way README runs kiosk commands.
runuser -u kiosk -- env KIOSK_CONFIG=/etc/kiosk/kiosk.conf /usr/bin/kiosk secrets check >"$work/secrets" 2>&1 \
    || { cat "$work/secrets"; fail "kiosk secrets check"; }
grep -q /etc/kiosk/secrets "$work/secrets" || { cat "$work/secrets"; fail "kiosk secrets check does not name /etc/kiosk/secrets"; }
for expected in 'data_dir = "/var/lib/kiosk"' 'forms.dir = "/usr/share/kiosk/Forms"' \
    'devices.dir = "/usr/share/kiosk/Devices"' 'devices.mode = "usb"'; do
    grep -qF "$expected  # /etc/kiosk/kiosk.conf:" "$work/config" || fail "config check does not show $expected from /etc/kiosk/kiosk.conf"
done
# The shipped filings are overridden by files in /etc/kiosk, as README says: a copy edited
# there, and forms.dir pointing at it (relative to the configuration file).
cp -r /usr/share/kiosk/Forms /etc/kiosk/Forms
rm /etc/kiosk/Forms/talent-settlement.yaml
cp /etc/kiosk/kiosk.conf "$work/kiosk.conf"
sed -i 's|^dir = "/usr/share/kiosk/Forms"$|dir = "Forms"|' /etc/kiosk/kiosk.conf
forms=$(runuser -u kiosk -- /usr/bin/kiosk forms list --config /etc/kiosk/kiosk.conf | cut -f1 | tr '\n' ' ')
[ "$forms" = "company-opening individual-business residence-permit " ] || fail "the filings of /etc/kiosk/Forms are not the ones offered: $forms"
cp "$work/kiosk.conf" /etc/kiosk/kiosk.conf
rm -r /etc/kiosk/Forms
/usr/bin/kiosk --help >/dev/null || fail "kiosk --help"
grep -q '^\.SS "kiosk db backup"' <(zcat /usr/share/man/man1/kiosk.1.gz) || fail "the manual page does not describe kiosk db backup"

# kiosk serve as kiosk.service runs it: the kiosk user, /etc/kiosk/kiosk.conf, the installed
# forms, profiles and UI; READY=1 on a notification socket of the test's own.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$here/notify-listener.py" "$work/notify.socket" 120 >"$work/notify" &
listener=$!
until grep -q LISTENING "$work/notify" 2>/dev/null; do sleep 0.05; done
# setpriv (not runuser, which stays behind as a parent) so that $! is kiosk serve itself.
setpriv --reuid=kiosk --regid=kiosk --init-groups env KIOSK_LISTEN="127.0.0.1:$port" NOTIFY_SOCKET="$work/notify.socket" \
    WATCHDOG_USEC=4000000 /usr/bin/kiosk serve --config /etc/kiosk/kiosk.conf 2>"$work/serve.log" &
server=$!
for _ in $(seq 600); do grep -q ' READY=1$' "$work/notify" && break; kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
grep -q ' READY=1$' "$work/notify" || { cat "$work/serve.log"; fail "kiosk serve did not say READY=1"; }
say "kiosk serve (the kiosk user, installed paths): READY=1 $(awk '/ READY=1$/ {print $1; exit}' "$work/notify") s after start"
# No printer nor reader on the test machine: started all the same, and /readyz says what is missing.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 503 ] || fail "/readyz without devices"
[[ "$(curl -s "http://127.0.0.1:$port/readyz")" == *'no receipt printer is connected'* ]] || fail "/readyz does not name the missing printer"
[[ "$(curl -s "http://127.0.0.1:$port/ui/index.html")" == *'<script type="module" src="/ui/main.js"'* ]] || fail "the UI is not served from /usr/share/kiosk/ui"
[[ "$(curl -s "http://127.0.0.1:$port/v1/forms")" == *residence-permit* ]] || fail "the shipped forms are not offered"
sleep 2.5
grep -q ' WATCHDOG=1$' "$work/notify" || fail "no watchdog ping"

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
[ "$status" = 0 ] || { cat "$work/serve.log"; fail "kiosk serve exited with status $status after SIGTERM"; }
wait "$listener" || true
grep -q ' STOPPING=1$' "$work/notify" || fail "no STOPPING=1"
grep -q 'kiosk stopped' "$work/serve.log" || fail "no 'kiosk stopped' line"

"$here/journal-test.sh" || fail "journal test"
"$here/screen-test.sh" || fail "screen test"

# Every unit passes systemd-analyze verify, and the backend's sandbox is measured.
for unit in kiosk.service kiosk-browser.service kiosk-backup.service kiosk-backup.timer; do
    systemd-analyze verify "/lib/systemd/system/$unit" >"$work/verify" 2>&1 || { cat "$work/verify"; fail "systemd-analyze verify $unit"; }
    [ ! -s "$work/verify" ] || { cat "$work/verify"; fail "systemd-analyze verify $unit has something to say"; }
done
exposure=$(systemd-analyze security --offline=true /lib/systemd/system/kiosk.service 2>/dev/null | sed -n 's/.*Overall exposure level for kiosk.service: \([0-9.]*\) \(.*\)/\1 \2/p')
say "systemd-analyze security kiosk.service: $exposure"
awk -v level="${exposure%% *}" 'BEGIN { exit !(level != "" && level <= 2.5) }' || fail "kiosk.service exposure $exposure (at most 2.5 expected)"

# The nightly backup's own command line (ExecStart of kiosk-backup.service), as kiosk.
backup=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/kiosk-backup.service)
runuser -u kiosk -- $backup >"$work/backup" || fail "kiosk-backup.service: $backup"
ls /var/lib/kiosk/backups/kiosk-*.sqlite >/dev/null || fail "no backup in /var/lib/kiosk/backups"

# --- removed, then purged ---------------------------------------------------------------------
dpkg --remove kiosk >"$work/dpkg-remove.log" 2>&1 || { cat "$work/dpkg-remove.log"; fail "dpkg --remove"; }
[ ! -e /usr/bin/kiosk ] && [ ! -e /usr/share/kiosk ] && [ ! -e /lib/systemd/system/kiosk.service ] || fail "remove left the program"
[ -s /var/lib/kiosk/kiosk.sqlite ] && [ -s /etc/kiosk/secrets/terminal.key ] && [ -f /etc/kiosk/kiosk.conf ] \
    || fail "remove deleted the terminal's data, secrets or configuration"
dpkg --purge kiosk >"$work/dpkg-purge.log" 2>&1 || { cat "$work/dpkg-purge.log"; fail "dpkg --purge"; }
left=()
while read -r path; do [ -z "$path" ] || [ "$path" = / ] || [ -d "$path" ] || [ ! -e "$path" ] || left+=("$path"); done <"$work/contents"
for path in /var/lib/kiosk /etc/kiosk /usr/share/kiosk /usr/libexec/kiosk \
    /etc/systemd/system/multi-user.target.wants/kiosk.service /etc/systemd/system/timers.target.wants/kiosk-backup.timer \
    /etc/systemd/system/graphical.target.wants/kiosk-browser.service; do
    [ ! -e "$path" ] && [ ! -L "$path" ] || left+=("$path")
done
left+=($(ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep kiosk || true))
[ ${#left[@]} -eq 0 ] || fail "purge left ${left[*]}"
say "removed (data, secrets and configuration kept), then purged: nothing left but the kiosk and kiosk-screen accounts"
