#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests.
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # prints export lines
#   cargo test -p store
#   scripts/pg-test-cluster.sh stop              # stops it, deletes its files
#
# `start` installs PostgreSQL from Debian when `initdb` is missing, creates
# a cluster in a fresh temporary directory, starts it on a free port of
# 127.0.0.1 (and a Unix socket in that directory), creates the database
# `swarmgate_test`, and prints
#   export SWARMGATE_TEST_DATABASE_URL=postgres://...@127.0.0.1:PORT/swarmgate_test
#   export SWARMGATE_TEST_PG_CLUSTER=<directory>
# `stop` stops the cluster named by SWARMGATE_TEST_PG_CLUSTER (or its
# argument) and removes the directory. Nothing outside that directory is
# touched: no system cluster, no fixed port.
#
# PostgreSQL refuses to run as root; as root, the cluster belongs to the
# `postgres` user the Debian package creates, and commands run through
# `runuser`.
set -euo pipefail

log() { echo "pg-test-cluster: $*" >&2; }

find_bin() {
    local dir
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return
    fi
    # Debian keeps the server binaries out of PATH, one directory per major.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
    return 1
}

install_postgres() {
    log "installing postgresql from Debian"
    local sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bin dir port attempt
    bin=$(find_bin) || { install_postgres; bin=$(find_bin); }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/swarmgate-pg.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    # trust: the cluster lives for one test run and listens on loopback
    # only. An en-US (ICU) default collation, like most production
    # clusters, so a query whose order depends on the locale shows up
    # here; plain C.UTF-8 where the server lacks ICU.
    local initdb=("$bin/initdb" -D "$dir/data" -U swarmgate --auth=trust --encoding=UTF8
        --locale=C.UTF-8 --no-sync)
    if ! as_owner "${initdb[@]}" --locale-provider=icu --icu-locale=en-US \
        >"$dir/initdb.log" 2>&1; then
        rm -rf "$dir/data"
        as_owner "${initdb[@]}" >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            rm -rf "$dir"
            return 1
        }
    fi
    # A free port can be taken between probing and binding; try again then.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            break
        fi
        log "start on port $port failed (attempt $attempt):"
        tail -n 5 "$dir/server.log" >&2 || true
        port=
    done
    if [ -z "$port" ]; then
        rm -rf "$dir"
        return 1
    fi
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U swarmgate swarmgate_test
    echo "$port" >"$dir/port"
    echo "$bin" >"$dir/bin"
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
    echo "export SWARMGATE_TEST_DATABASE_URL=postgres://swarmgate@127.0.0.1:$port/swarmgate_test"
    echo "export SWARMGATE_TEST_PG_CLUSTER=$dir"
}

stop() {
    local dir=${1:-${SWARMGATE_TEST_PG_CLUSTER:-}}
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        log "no cluster to stop"
        return 0
    fi
    case "$dir" in
        */swarmgate-pg.*) ;;
        *) log "refusing to remove $dir: not a test cluster"; return 1 ;;
    esac
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *)
        echo "usage: $0 start | stop [DIR]" >&2
        exit 2
        ;;
esac
