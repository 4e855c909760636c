#!/usr/bin/env bash
# HTTP tracker benchmark (plain HTTP/1.1, keep-alive): aquatic_http and
# swarmgate, one after the other, under the same aquatic_http_load_test
# configuration. See bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_init http
install_aquatic aquatic_http "${AQUATIC_TRACKER_FEATURES[@]}"
install_aquatic aquatic_http_load_test
build_swarmgate

# aquatic_http: its printed defaults (TLS is off there, keep-alive on; one
# socket worker and one swarm worker), bound on loopback.
"$BIN/aquatic_http" -p >"$TMP/aquatic_http.toml"
toml_set "$TMP/aquatic_http.toml" "" socket_workers 1
toml_set "$TMP/aquatic_http.toml" "" swarm_workers 1
toml_set "$TMP/aquatic_http.toml" network enable_tls false
toml_set "$TMP/aquatic_http.toml" network keep_alive true
MAX_PEERS=$(toml_get "$TMP/aquatic_http.toml" protocol max_peers)
[[ $MAX_PEERS =~ ^[0-9]+$ ]] || die "cannot read protocol.max_peers from aquatic_http -p"
((MAX_PEERS <= 200)) || MAX_PEERS=200

# The load tester: its printed defaults except TLS (on by default there),
# address and duration. It has no warm-up setting; the summary skips the
# first BENCH_WARMUP seconds itself.
"$BIN/aquatic_http_load_test" -p >"$TMP/load_test.toml"
toml_set "$TMP/load_test.toml" "" enable_tls false
toml_set "$TMP/load_test.toml" "" keep_alive true
toml_set "$TMP/load_test.toml" "" duration "$BENCH_SECONDS"
if [[ -n ${BENCH_HTTP_CONNECTIONS:-} ]]; then
    [[ $BENCH_HTTP_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "BENCH_HTTP_CONNECTIONS must be a positive number"
    toml_set "$TMP/load_test.toml" "" num_connections "$BENCH_HTTP_CONNECTIONS"
fi
LOAD_DESC=$(awk -F' = ' '
    $1 == "num_workers" { w = $2 } $1 == "num_connections" { c = $2 }
    $1 == "number_of_torrents" { t = $2 } $1 == "peer_seeder_probability" { s = $2 }
    $1 == "weight_announce" { a = $2 } $1 == "weight_scrape" { sc = $2 }
    END { printf "aquatic_http_load_test, defaults but TLS off: %s worker, %s keep-alive connections, %s torrents, announce:scrape %s:%s, seeder p %s", w, c, t, a, sc, s }
' "$TMP/load_test.toml")
LOAD_DESC+="; 1 worker thread per tracker (aquatic_http: +1 swarm thread), <= $MAX_PEERS peers/response"

# Response size column of the summary (field of rounds.txt).
SIZE_FIELD=12 SIZE_LABEL=B/resp

start_aquatic() {
    free_port TARGET_PORT
    local cfg="$TMP/aquatic_http-r$1.toml"
    cp "$TMP/aquatic_http.toml" "$cfg"
    toml_set "$cfg" network address "\"127.0.0.1:$TARGET_PORT\""
    cp "$cfg" "$RESULTS/aquatic_http.toml"
    start_tracker "$RESULTS/$RUN.log" "$BIN/aquatic_http" -c "$cfg"
    wait_http_ready "$TARGET_PORT"
}

start_swarmgate() {
    free_port TARGET_PORT
    local udp_port portal_port
    free_port udp_port
    free_port portal_port
    mkdir -p "$TMP/$RUN-data"
    # TOKIO_WORKER_THREADS: the HTTP tracker runs on the tokio runtime.
    start_tracker "$RESULTS/$RUN.log" env -u SWARMGATE_POLICY__FILE \
        TOKIO_WORKER_THREADS=1 \
        SWARMGATE_TRACKER__HTTP_BIND="127.0.0.1:$TARGET_PORT" \
        SWARMGATE_TRACKER__UDP_BIND="127.0.0.1:$udp_port" \
        SWARMGATE_PORTAL__BIND="127.0.0.1:$portal_port" \
        SWARMGATE_TRACKER__UDP_WORKERS=1 \
        SWARMGATE_TRACKER__MAX_NUMWANT="$MAX_PEERS" \
        SWARMGATE_TRACKER__DEFAULT_NUMWANT="$MAX_PEERS" \
        SWARMGATE_STORAGE__DATA_DIR="$TMP/$RUN-data" \
        SWARMGATE_LOG__LEVEL="${SWARMGATE_LOG__LEVEL:-warn}" \
        "${POLICY_ENV[@]}" \
        "$SG_BIN" serve
    wait_http_ready "$TARGET_PORT"
}

load_test_cmd() {
    local cfg="$TMP/load_test-$1.toml"
    cp "$TMP/load_test.toml" "$cfg"
    toml_set "$cfg" "" server_address "\"127.0.0.1:$1\""
    cp "$cfg" "$RESULTS/aquatic_http_load_test.toml"
    LOAD_TEST_CMD=("$BIN/aquatic_http_load_test" -c "$cfg")
}

run_rounds HTTP
