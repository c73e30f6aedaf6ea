#!/bin/sh
# A private PostgreSQL cluster for tests and benchmarks: its own data directory, socket and port
# under ROOT, touching nothing of the system's PostgreSQL (the way PostgreSQL's own `make check`
# runs a temporary installation). Needs Debian's `postgresql` package.
#
#   private-postgres.sh start ROOT PORT   initdb (first time) and start; trust authentication for
#                                         user `kiosk`, database `kiosk`, on 127.0.0.1:PORT
#   private-postgres.sh stop ROOT         stop it (fast shutdown) and wait until it is gone
#   private-postgres.sh run ROOT PROGRAM [ARG...]  run a PostgreSQL program (psql, pgbench) as
#                                         the cluster's owner
#
# initdb and postgres refuse to run as root: as root the cluster belongs to `nobody` (ROOT is
# handed over to it); as any other user it belongs to that user. PRIVATE_PG_OPTIONS adds server
# options (e.g. "-c fsync=off" for tests that do not measure anything).
set -eu

usage() { echo "usage: $0 start ROOT PORT | stop ROOT | run ROOT PROGRAM [ARG...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
root=$2
shift 2

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    [ -x "$candidate/initdb" ] && { bindir=$candidate; break; }
done
if [ -z "$bindir" ]; then
    command -v initdb >/dev/null 2>&1 || { echo "initdb not found: install Debian's postgresql package" >&2; exit 3; }
    bindir=$(dirname "$(command -v initdb)")
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

case "$command" in
start)
    [ $# -eq 1 ] || usage
    port=$1
    mkdir -p "$root"
    [ "$(id -u)" -ne 0 ] || chown nobody "$root"
    if [ ! -f "$root/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$root/data" -U kiosk -A trust -E UTF8 --locale=C --no-sync >"$root/initdb.log" 2>&1 || {
            cat "$root/initdb.log" >&2; exit 4; }
    fi
    # max_connections: the test process shares one cluster among every suite, each test with
    # pools of up to 16 connections and some with several pools or four kiosk processes; under a
    # slow machine they overlap. With 200, the whole suite's PostgreSQL tests twice failed at once
    # as "district store unavailable" in runs that passed when repeated; running out of
    # connections is the likeliest cause (the failing run's server log was not kept).
    as_owner "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
        -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c max_connections=1000 ${PRIVATE_PG_OPTIONS:-}" start >/dev/null || {
        cat "$root/server.log" >&2; exit 5; }
    if ! as_owner "$bindir/psql" -h "$root" -p "$port" -U kiosk -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kiosk'" | grep -q 1; then
        as_owner "$bindir/createdb" -h "$root" -p "$port" -U kiosk kiosk
    fi
    echo "$port" >"$root/port"
    echo "postgres://kiosk@127.0.0.1:$port/kiosk"
    ;;
stop)
    [ -f "$root/data/postmaster.pid" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$root/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
run)
    [ $# -ge 1 ] || usage
    program=$1
    shift
    cd "$root"
    as_owner "$bindir/$program" "$@"
    ;;
*) usage ;;
esac
