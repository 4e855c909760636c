#!/usr/bin/env bash
# Catalog search latency: fills a fresh database with N synthetic releases
# (crates/store/examples/catalog_bench.rs) and prints search p50/p99.
#
#   bench/search.sh sqlite 100000
#   bench/search.sh sqlite 1000000
#   bench/search.sh postgres 100000    # needs SWARMGATE_BENCH_DATABASE_URL,
#                                      # or starts scripts/pg-test-cluster.sh
#
# Results go to stdout and to bench/results/search-<backend>-<N>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:?usage: bench/search.sh sqlite|postgres N}
n=${2:?usage: bench/search.sh sqlite|postgres N}
nice -n 10 cargo build --release -q -p store --example catalog_bench
bin=target/release/examples/catalog_bench
mkdir -p bench/results
out=bench/results/search-$backend-$n.txt
case "$backend" in
sqlite)
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    "$bin" sqlite "$n" "$dir" | tee "$out"
    du -sh "$dir" | tee -a "$out"
    ;;
postgres)
    if [ -z "${SWARMGATE_BENCH_DATABASE_URL:-}" ]; then
        eval "$(scripts/pg-test-cluster.sh start)"
        trap 'scripts/pg-test-cluster.sh stop' EXIT
        SWARMGATE_BENCH_DATABASE_URL=$SWARMGATE_TEST_DATABASE_URL
    fi
    "$bin" postgres "$n" "$SWARMGATE_BENCH_DATABASE_URL" | tee "$out"
    ;;
*) echo "unknown backend $backend" >&2; exit 2 ;;
esac
