#!/usr/bin/env bash
# UDP tracker (BEP 15) benchmark: aquatic_udp and swarmgate, one after the
# other, under the same aquatic_udp_load_test configuration. See
# bench/README.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_init udp
install_aquatic aquatic_udp "${AQUATIC_TRACKER_FEATURES[@]}"
install_aquatic aquatic_udp_load_test
build_swarmgate

# aquatic_udp: its printed defaults, one socket worker, bound on loopback.
"$BIN/aquatic_udp" -p >"$TMP/aquatic_udp.toml"
toml_set "$TMP/aquatic_udp.toml" "" socket_workers 1
MAX_PEERS=$(toml_get "$TMP/aquatic_udp.toml" protocol max_response_peers)
[[ $MAX_PEERS =~ ^[0-9]+$ ]] || die "cannot read protocol.max_response_peers from aquatic_udp -p"

# The load tester: its printed defaults; only address and durations change.
"$BIN/aquatic_udp_load_test" -p >"$TMP/load_test.toml"
toml_set "$TMP/load_test.toml" "" duration "$BENCH_SECONDS"
toml_set "$TMP/load_test.toml" "" summarize_last $((BENCH_SECONDS - BENCH_WARMUP))
LOAD_DESC=$(awk -F' = ' '
    $1 == "workers" { w = $2 } $1 == "sockets_per_worker" { s = $2 }
    $1 == "number_of_torrents" { t = $2 } $1 == "number_of_peers" { p = $2 }
    $1 == "weight_connect" { c = $2 } $1 == "weight_announce" { a = $2 } $1 == "weight_scrape" { sc = $2 }
    $1 == "announce_peers_wanted" { n = $2 } $1 == "scrape_max_torrents" { m = $2 }
    END { printf "aquatic_udp_load_test defaults: %s worker x %s sockets, %s torrents, %s peers, connect:announce:scrape %s:%s:%s, %s peers wanted, <= %s hashes/scrape; 1 tracker worker", w, s, t, p, c, a, sc, n, m }
' "$TMP/load_test.toml")
LOAD_DESC+=", <= $MAX_PEERS peers/response"

# Response size column of the summary (field of rounds.txt).
SIZE_FIELD=11 SIZE_LABEL=peers/ann

start_aquatic() {
    free_port TARGET_PORT
    local cfg="$TMP/aquatic_udp-r$1.toml"
    cp "$TMP/aquatic_udp.toml" "$cfg"
    toml_set "$cfg" network address "\"127.0.0.1:$TARGET_PORT\""
    cp "$cfg" "$RESULTS/aquatic_udp.toml"
    start_tracker "$RESULTS/$RUN.log" "$BIN/aquatic_udp" -c "$cfg"
    wait_udp_ready "$TARGET_PORT"
}

start_swarmgate() {
    free_port TARGET_PORT
    local http_port portal_port
    free_port http_port
    free_port portal_port
    mkdir -p "$TMP/$RUN-data"
    start_tracker "$RESULTS/$RUN.log" env -u SWARMGATE_POLICY__FILE \
        SWARMGATE_TRACKER__UDP_BIND="127.0.0.1:$TARGET_PORT" \
        SWARMGATE_TRACKER__HTTP_BIND="127.0.0.1:$http_port" \
        SWARMGATE_PORTAL__BIND="127.0.0.1:$portal_port" \
        SWARMGATE_TRACKER__UDP_WORKERS=1 \
        SWARMGATE_TRACKER__MAX_NUMWANT="$MAX_PEERS" \
        SWARMGATE_TRACKER__DEFAULT_NUMWANT="$MAX_PEERS" \
        SWARMGATE_STORAGE__DATA_DIR="$TMP/$RUN-data" \
        SWARMGATE_LOG__LEVEL="${SWARMGATE_LOG__LEVEL:-warn}" \
        "${POLICY_ENV[@]}" \
        "$SG_BIN" serve
    wait_udp_ready "$TARGET_PORT"
}

load_test_cmd() {
    local cfg="$TMP/load_test-$1.toml"
    cp "$TMP/load_test.toml" "$cfg"
    toml_set "$cfg" "" server_address "\"127.0.0.1:$1\""
    cp "$cfg" "$RESULTS/aquatic_udp_load_test.toml"
    LOAD_TEST_CMD=("$BIN/aquatic_udp_load_test" -c "$cfg")
}

run_rounds UDP
