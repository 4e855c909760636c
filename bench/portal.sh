#!/usr/bin/env bash
# The portal under wrk: the release list, a search and a release page.
#
#   bench/portal.sh                  # 20,000 releases, 20 s per page
#   BENCH_RELEASES=100000 bench/portal.sh
#
# Builds swarmgate and the catalog generator (release), fills a fresh
# SQLite catalog in a temporary data directory with the generator of
# bench/search.sh (crates/store/examples/catalog_bench.rs --fill-only),
# starts `swarmgate serve` on free loopback ports pinned to
# BENCH_TRACKER_CPU, and runs wrk pinned to BENCH_LOAD_CPU against
#   /releases                 newest first, 50 per page
#   /releases?q=...           a search (BENCH_QUERY, default "фильм сезон")
#   /releases/{id}            the newest release's page
# each for BENCH_SECONDS after a short warm-up, as an anonymous visitor.
# Prints requests/s and latency percentiles per page; raw wrk output goes
# to bench/results/portal-<time>/. See bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_SECONDS=${BENCH_SECONDS:-20}
BENCH_RELEASES=${BENCH_RELEASES:-20000}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_QUERY=${BENCH_QUERY:-фильм сезон}
for v in BENCH_SECONDS BENCH_RELEASES BENCH_CONNECTIONS; do
    [[ ${!v} =~ ^[0-9]+$ ]] && ((${!v} > 0)) || die "$v must be a positive whole number"
done
for tool in cargo taskset python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package)"
    if ! apt-get install -y -q wrk >/dev/null 2>&1; then
        apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null ||
            die "cannot install wrk"
    fi
fi
(($(nproc --all) >= 2)) || die "need at least 2 CPUs (server and wrk are pinned apart)"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TMP=$(mktemp -d)
RESULTS=${BENCH_RESULTS:-$REPO/bench/results/portal-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"

build_swarmgate
log "cargo build --release -p store --example catalog_bench"
(cd "$REPO" && cargo build --release -q -p store --example catalog_bench) ||
    die "building the catalog generator failed"
GEN="${CARGO_TARGET_DIR:-$REPO/target}/release/examples/catalog_bench"

DATA="$TMP/data"
log "filling $BENCH_RELEASES releases"
"$GEN" sqlite "$BENCH_RELEASES" "$DATA" --fill-only >"$RESULTS/fill.txt" 2>&1 ||
    die "filling the catalog failed (see $RESULTS/fill.txt)"

free_port PORTAL_PORT
free_port UDP_PORT
free_port HTTP_PORT
RUN=swarmgate
start_tracker "$RESULTS/swarmgate.log" \
    env SWARMGATE_PORTAL__BIND="127.0.0.1:$PORTAL_PORT" \
    SWARMGATE_TRACKER__UDP_BIND="127.0.0.1:$UDP_PORT" \
    SWARMGATE_TRACKER__HTTP_BIND="127.0.0.1:$HTTP_PORT" \
    SWARMGATE_TRACKER__UDP_WORKERS=1 \
    SWARMGATE_STORAGE__DATA_DIR="$DATA" \
    SWARMGATE_LOG__LEVEL="${SWARMGATE_LOG__LEVEL:-warn}" \
    "$SG_BIN" serve
BASE="http://127.0.0.1:$PORTAL_PORT"
for ((i = 0; i < 200; i++)); do
    curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
    kill -0 "$TRACKER_PID" 2>/dev/null || die "swarmgate exited during start-up (see $RESULTS/swarmgate.log)"
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/healthz" || die "the portal did not answer on $BASE"

# The newest release: the first link of the list page.
ID=$(curl -fsS "$BASE/releases" | grep -o 'href="/releases/[0-9]*"' | head -1 | grep -o '[0-9]*')
[[ -n $ID ]] || die "the list page shows no release"
Q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$BENCH_QUERY")
PAGES=("list:/releases" "search:/releases?q=$Q" "release:/releases/$ID")

printf '%-8s %-40s %10s %9s %9s %9s %9s\n' page path "req/s" "p50 ms" "p90 ms" "p99 ms" "non-2xx" |
    tee "$RESULTS/summary.txt"
for entry in "${PAGES[@]}"; do
    name=${entry%%:*} path=${entry#*:}
    status=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")
    [[ $status == 200 ]] || die "$path answers $status"
    taskset -c "$BENCH_LOAD_CPU" wrk -t1 -c "$BENCH_CONNECTIONS" -d 3s "$BASE$path" >/dev/null
    taskset -c "$BENCH_LOAD_CPU" wrk -t1 -c "$BENCH_CONNECTIONS" -d "${BENCH_SECONDS}s" --latency \
        "$BASE$path" >"$RESULTS/$name.wrk.txt"
    awk -v name="$name" -v path="$path" '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000 }
            return v
        }
        $1 == "50%" { p50 = ms($2) } $1 == "90%" { p90 = ms($2) } $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx/ { bad = $NF }
        END { printf "%-8s %-40s %10.0f %9.2f %9.2f %9.2f %9d\n", name, substr(path, 1, 40), rps, p50, p90, p99, bad }
    ' "$RESULTS/$name.wrk.txt" | tee -a "$RESULTS/summary.txt"
done
echo "swarmgate ${SG_REV}, $BENCH_RELEASES releases (SQLite), server on CPU $BENCH_TRACKER_CPU," \
    "wrk -t1 -c$BENCH_CONNECTIONS ${BENCH_SECONDS}s on CPU $BENCH_LOAD_CPU; raw output in $RESULTS" |
    tee -a "$RESULTS/summary.txt"
stop_tracker
