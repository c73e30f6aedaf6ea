#!/bin/sh
# A private CUPS scheduler for tests and for trying the CUPS transport without a printer. It uses
# its own configuration, spool and socket under ROOT and touches nothing of the system's CUPS,
# the way CUPS's own run-stp-tests.sh does. Needs Debian's `cups` and `cups-client`, and root:
# cupsd drops to user lp, so ROOT is made lp-accessible.
#
#   private-cupsd.sh start ROOT [QUEUE...]   start cupsd, add raw capture queues (default: receipt;
#                                            the first is the default queue), print the socket path
#   private-cupsd.sh stop ROOT               stop it and wait until it is gone
#
# By hand: CUPS_SERVER=ROOT/cups.sock lp -d receipt -o raw FILE; lpstat -l -p receipt
#
# Each queue QUEUE writes every job's bytes to ROOT/capture/QUEUE.bin. A printer fault is
# simulated by writing a mode into ROOT/capture/QUEUE.fail before the job runs:
#   media-empty | cover-open | offline   report that printer-state-reason and exit 4
#                                        (CUPS_BACKEND_STOP: the queue stops, the job stays pending)
#   hold                                 keep the job processing until the file changes, so a test
#                                        can cancel a job that is surely not finished
set -eu

usage() { echo "usage: $0 start ROOT [QUEUE...] | stop ROOT" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
root=$2
shift 2

stop() {
    [ -f "$root/cupsd.pid" ] || return 0
    pid=$(cat "$root/cupsd.pid")
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -ge 100 ]; then kill -9 "$pid" 2>/dev/null || true; break; fi
        sleep 0.05
    done
    rm -f "$root/cupsd.pid"
}

start() {
    command -v cupsd >/dev/null 2>&1 || [ -x /usr/sbin/cupsd ] || {
        echo "cupsd not found: install Debian's cups package" >&2; exit 3; }
    command -v lpadmin >/dev/null 2>&1 || [ -x /usr/sbin/lpadmin ] || {
        echo "lpadmin not found: install Debian's cups-client package" >&2; exit 3; }
    PATH=$PATH:/usr/sbin
    [ $# -gt 0 ] || set -- receipt

    mkdir -p "$root/etc/ppd" "$root/spool" "$root/cache" "$root/run" "$root/log" \
        "$root/capture" "$root/serverbin/backend"
    for d in filter daemon cgi-bin driver monitor notifier; do
        ln -sfn "/usr/lib/cups/$d" "$root/serverbin/$d"
    done

    cat > "$root/serverbin/backend/capture" <<'BACKEND'
#!/bin/sh
# Without arguments a backend describes itself; with a job it gets the document in $6 or on stdin.
if [ $# -eq 0 ]; then echo 'direct capture "Unknown" "Capture backend"'; exit 0; fi
out="${DEVICE_URI#capture:}"
fail="${out%.bin}.fail"
mode=$(cat "$fail" 2>/dev/null || true)
case "$mode" in
    media-empty|cover-open) echo "STATE: +$mode-error" >&2; exit 4 ;;
    offline) echo "STATE: +offline-report" >&2; exit 4 ;;
    hold) while [ "$(cat "$fail" 2>/dev/null || true)" = hold ]; do sleep 0.05; done ;;
esac
# A printer that worked again clears what it reported before.
echo "STATE: -media-empty-error,cover-open-error,offline-report" >&2
if [ $# -ge 6 ]; then cat "$6" >> "$out"; else cat >> "$out"; fi
exit 0
BACKEND
    chmod 755 "$root/serverbin/backend/capture"

    cat > "$root/etc/cupsd.conf" <<CONF
Listen $root/cups.sock
Browsing No
LogLevel info
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
CONF
    cat > "$root/etc/cups-files.conf" <<CONF
ServerRoot $root/etc
RequestRoot $root/spool
CacheDir $root/cache
StateDir $root/run
TempDir $root/spool
ErrorLog $root/log/error_log
AccessLog $root/log/access_log
PageLog $root/log/page_log
Printcap $root/run/printcap
ServerBin $root/serverbin
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
CONF
    chmod -R a+rwX "$root"
    # cupsd refuses to run a backend that others can write to.
    chmod -R go-w "$root/serverbin"

    stop
    setsid cupsd -c "$root/etc/cupsd.conf" -s "$root/etc/cups-files.conf" -f \
        </dev/null >"$root/log/cupsd.out" 2>&1 &
    echo $! > "$root/cupsd.pid"

    CUPS_SERVER="$root/cups.sock"
    export CUPS_SERVER
    # The socket appears before the scheduler answers; lpadmin is the real readiness test.
    for queue in "$@"; do
        i=0
        until error=$(lpadmin -p "$queue" -E -v "capture:$root/capture/$queue.bin" -m raw 2>&1 >/dev/null); do
            i=$((i + 1))
            if [ $i -ge 100 ] || ! kill -0 "$(cat "$root/cupsd.pid")" 2>/dev/null; then
                echo "cannot add queue $queue ($error); see $root/log/cupsd.out and $root/log/error_log" >&2
                stop
                exit 1
            fi
            sleep 0.05
        done
    done
    lpadmin -d "$1"
    echo "$root/cups.sock"
}

case "$command" in
    start) start "$@" ;;
    stop) stop ;;
    *) usage ;;
esac
