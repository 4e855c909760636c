#!/usr/bin/env bash
# Tracker mode `private` next to mode `open`, and aquatic, under one load
# generator (crates/swarmgate/examples/announce_load), over UDP and HTTP.
# See bench/PRIVATE.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_MEMBERS=${BENCH_MEMBERS:-100000}
BENCH_TORRENTS=${BENCH_TORRENTS:-10000}
BENCH_PEERS=${BENCH_PEERS:-0}
BENCH_PROTOCOLS=${BENCH_PROTOCOLS:-udp http}
BENCH_AQUATIC=${BENCH_AQUATIC:-1}
BENCH_LISTED=${BENCH_LISTED:-0}
# 1: every peer's (member, release) pair already has a row of transfer
# history, as on a running site; 0: a fresh database, whose first flush
# inserts every pair.
BENCH_HISTORY=${BENCH_HISTORY:-1}
BENCH_UDP_SOCKETS=${BENCH_UDP_SOCKETS:-4}
BENCH_UDP_WINDOW=${BENCH_UDP_WINDOW:-32}
BENCH_HTTP_CONNECTIONS=${BENCH_HTTP_CONNECTIONS:-128}
# The responses/s of private over open below which the summary warns.
PRIVATE_MIN_RATIO=0.9
# Peers per response, as bench/udp.sh and bench/http.sh give both
# trackers: aquatic_udp's max_response_peers and aquatic_http's max_peers
# (their defaults).
UDP_NUMWANT=30
HTTP_NUMWANT=50

for v in BENCH_MEMBERS BENCH_TORRENTS BENCH_PEERS BENCH_UDP_SOCKETS BENCH_UDP_WINDOW BENCH_HTTP_CONNECTIONS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
[[ $BENCH_AQUATIC == [01] ]] || die "BENCH_AQUATIC must be 0 or 1"
[[ $BENCH_LISTED == [01] ]] || die "BENCH_LISTED must be 0 or 1"
[[ $BENCH_HISTORY == [01] ]] || die "BENCH_HISTORY must be 0 or 1"
for p in $BENCH_PROTOCOLS; do
    [[ $p == udp || $p == http ]] || die "BENCH_PROTOCOLS: udp, http or both, not $p"
done
command -v sqlite3 >/dev/null || die "sqlite3 is required (it reads the credit the private runs wrote)"

bench_init private

if ((BENCH_AQUATIC)); then
    for p in $BENCH_PROTOCOLS; do
        # A failed install skips aquatic rather than the whole benchmark.
        if ! (install_aquatic "aquatic_$p" "${AQUATIC_TRACKER_FEATURES[@]}"); then
            log "WARNING: aquatic_$p could not be installed; running without aquatic"
            BENCH_AQUATIC=0
        fi
    done
fi
build_swarmgate
if [[ -n ${BENCH_LOAD_BIN:-} ]]; then
    [[ -x $BENCH_LOAD_BIN ]] || die "BENCH_LOAD_BIN=$BENCH_LOAD_BIN is not executable"
    LOAD_BIN=$BENCH_LOAD_BIN
else
    log "cargo build --release -p swarmgate --example announce_load"
    (cd "$REPO" && cargo build --release -p swarmgate --example announce_load) ||
        die "building the load generator failed"
    LOAD_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/examples/announce_load"
fi
# Private copies: a rebuild in the checkout during the run changes nothing.
mkdir -p "$TMP/bin"
cp "$SG_BIN" "$TMP/bin/swarmgate"
cp "$LOAD_BIN" "$TMP/bin/announce_load"
SG_BIN=$TMP/bin/swarmgate
LOAD_BIN=$TMP/bin/announce_load

POPULATION=(--members "$BENCH_MEMBERS" --torrents "$BENCH_TORRENTS" --seed 1)
FILL=(fill --data-dir "$TMP/seed" "${POPULATION[@]}" --peers "$BENCH_PEERS")
((BENCH_HISTORY)) || FILL+=(--no-history)
log "filling a database: $BENCH_MEMBERS members, $BENCH_TORRENTS approved releases, history $BENCH_HISTORY"
"$LOAD_BIN" "${FILL[@]}" | tee "$RESULTS/fill.txt" >&2 ||
    die "filling the database failed"

PEERS=$BENCH_PEERS
((PEERS > 0)) || PEERS=$((2 * BENCH_MEMBERS))

TRACKERS="open private"
# Mode listed: private's catalog check without its passkeys and ledger.
((BENCH_LISTED)) && TRACKERS+=" listed"
((BENCH_AQUATIC)) && TRACKERS+=" aquatic"

# start_swarmgate MODE PROTO: swarmgate in tracker mode MODE on a copy of
# the filled database; sets TARGET_PORT to PROTO's port.
start_swarmgate() {
    local mode=$1 proto=$2 udp_port http_port portal_port
    free_port udp_port
    free_port http_port
    free_port portal_port
    cp -r "$TMP/seed" "$TMP/$RUN-data"
    local env=(
        SWARMGATE_TRACKER__MODE="$mode"
        SWARMGATE_TRACKER__UDP_BIND="127.0.0.1:$udp_port"
        SWARMGATE_TRACKER__HTTP_BIND="127.0.0.1:$http_port"
        SWARMGATE_PORTAL__BIND="127.0.0.1:$portal_port"
        SWARMGATE_TRACKER__UDP_WORKERS=1
        SWARMGATE_STORAGE__DATA_DIR="$TMP/$RUN-data"
        SWARMGATE_LOG__LEVEL="${SWARMGATE_LOG__LEVEL:-warn}"
    )
    if [[ $proto == udp ]]; then
        env+=(SWARMGATE_TRACKER__MAX_NUMWANT=$UDP_NUMWANT SWARMGATE_TRACKER__DEFAULT_NUMWANT=$UDP_NUMWANT)
        TARGET_PORT=$udp_port
    else
        # The HTTP tracker runs on the tokio runtime.
        env+=(TOKIO_WORKER_THREADS=1
            SWARMGATE_TRACKER__MAX_NUMWANT=$HTTP_NUMWANT SWARMGATE_TRACKER__DEFAULT_NUMWANT=$HTTP_NUMWANT)
        TARGET_PORT=$http_port
    fi
    start_tracker "$RESULTS/$RUN.log" env -u SWARMGATE_POLICY__FILE "${env[@]}" "$SG_BIN" serve
    "wait_${proto}_ready" "$TARGET_PORT"
}

# start_aquatic PROTO: aquatic_udp or aquatic_http as bench/udp.sh and
# bench/http.sh run them (one socket worker; HTTP: one swarm worker, no
# TLS, keep-alive).
start_aquatic() {
    local proto=$1 cfg="$TMP/$RUN.toml"
    free_port TARGET_PORT
    "$BIN/aquatic_$proto" -p >"$cfg"
    toml_set "$cfg" "" socket_workers 1
    if [[ $proto == http ]]; then
        toml_set "$cfg" "" swarm_workers 1
        toml_set "$cfg" network enable_tls false
        toml_set "$cfg" network keep_alive true
        [[ $(toml_get "$cfg" protocol max_peers) == "$HTTP_NUMWANT" ]] ||
            die "aquatic_http's max_peers is not $HTTP_NUMWANT"
    else
        [[ $(toml_get "$cfg" protocol max_response_peers) == "$UDP_NUMWANT" ]] ||
            die "aquatic_udp's max_response_peers is not $UDP_NUMWANT"
    fi
    toml_set "$cfg" network address "\"127.0.0.1:$TARGET_PORT\""
    cp "$cfg" "$RESULTS/aquatic_$proto.toml"
    start_tracker "$RESULTS/$RUN.log" "$BIN/aquatic_$proto" -c "$cfg"
    "wait_${proto}_ready" "$TARGET_PORT"
}

# load_cmd NAME PROTO: sets LOAD_CMD; passkeys for mode private only.
load_cmd() {
    local name=$1 proto=$2
    LOAD_CMD=("$LOAD_BIN" "$proto" --target "127.0.0.1:$TARGET_PORT" "${POPULATION[@]}"
        --peers "$BENCH_PEERS" --duration "$BENCH_SECONDS")
    if [[ $proto == udp ]]; then
        LOAD_CMD+=(--numwant $UDP_NUMWANT --sockets "$BENCH_UDP_SOCKETS" --window "$BENCH_UDP_WINDOW")
    else
        LOAD_CMD+=(--numwant $HTTP_NUMWANT --connections "$BENCH_HTTP_CONNECTIONS")
    fi
    [[ $name != private ]] || LOAD_CMD+=(--passkeys)
}

# credit_written DATADIR: the transfers in a database: `rows members
# uploaded_GiB downloaded_GiB snatches`.
credit_written() {
    sqlite3 -separator ' ' "$1/swarmgate.db" \
        "SELECT COUNT(*), COUNT(DISTINCT user_id), printf('%.1f', SUM(uploaded) / 1073741824.0),
                printf('%.1f', SUM(downloaded) / 1073741824.0), COUNT(snatched_at) FROM transfers" 2>/dev/null ||
        echo "NA NA NA NA NA"
}

echo "# name round rate_median cpu_us_per_resp cpu_us_median lost_pct errors_per_s intervals tracker_cpu_pct load_cpu_pct peers_per_announce bytes_per_response vmhwm_kib load_avg_responses load_stderr_lines alive" >"$RESULTS/rounds.txt"
# The history every run starts from (round 0), then each private run's.
echo "history 0 $(credit_written "$TMP/seed")" >"$RESULTS/credit.txt"
for proto in $BENCH_PROTOCOLS; do
    for ((round = 1; round <= BENCH_ROUNDS; round++)); do
        order=$TRACKERS
        ((round % 2)) || order=$(tr ' ' '\n' <<<"$TRACKERS" | tac | xargs)
        for name in $order; do
            RUN="$proto-$name-r$round"
            log "$proto round $round/$BENCH_ROUNDS: $name (${BENCH_SECONDS}s)"
            if [[ $name == aquatic ]]; then start_aquatic "$proto"; else start_swarmgate "$name" "$proto"; fi
            load_cmd "$name" "$proto"
            run_load_test "$RESULTS/$RUN.load" "${LOAD_CMD[@]}"
            alive=yes
            kill -0 "$TRACKER_PID" 2>/dev/null || alive=no
            hwm=$(vm_hwm_kib "$TRACKER_PID")
            stop_tracker
            [[ $alive == yes ]] || log "WARNING: $name exited during the run (see $RESULTS/$RUN.log)"
            s=$(summarize_round "$RESULTS/$RUN.load.tsv")
            avg=$(awk -F': ' '/^Average responses per second/ { print $2 + 0 }' "$RESULTS/$RUN.load.out")
            stderr_lines=$(grep -c . "$RESULTS/$RUN.load.err" || true)
            echo "$proto-$name $round $s $hwm ${avg:-NA} $stderr_lines $alive" >>"$RESULTS/rounds.txt"
            if [[ $name == private ]]; then
                echo "$proto $round $(credit_written "$TMP/$RUN-data")" >>"$RESULTS/credit.txt"
            fi
            rm -rf "$TMP/$RUN-data"
            log "$name: $(awk '{ printf "%s responses/s, %s us CPU/response, %s errors/s", $1, $2, $5 }' <<<"$s"), peak RSS $hwm KiB"
        done
    done
done

# summary PROTO
summary() {
    local proto=$1 name size_field size_label load
    local -A rate cpu rss loss err tcpu lcpu size warn
    if [[ $proto == udp ]]; then
        size_field=11 size_label=peers/ann
        load="$BENCH_UDP_SOCKETS sockets x $BENCH_UDP_WINDOW announces in flight, numwant $UDP_NUMWANT, 1 tracker worker"
    else
        size_field=12 size_label=B/resp
        load="$BENCH_HTTP_CONNECTIONS keep-alive connections, numwant $HTTP_NUMWANT, 1 tracker worker thread (aquatic_http: +1 swarm thread)"
    fi
    for name in $TRACKERS; do
        local n="$proto-$name"
        rate[$name]=$(col "$n" 3 | median_stdin)
        cpu[$name]=$(col "$n" 4 | median_stdin)
        loss[$name]=$(col "$n" 6 | median_stdin)
        err[$name]=$(col "$n" 7 | median_stdin)
        tcpu[$name]=$(col "$n" 9 | median_stdin)
        lcpu[$name]=$(col "$n" 10 | median_stdin)
        size[$name]=$(col "$n" "$size_field" | grep -v NA | median_stdin)
        rss[$name]=$(col "$n" 13 | sort -g | tail -1)
        warn[$name]=""
        [[ $(col "$n" 16 | sort -u) == yes ]] || warn[$name]+=" tracker-died"
        [[ $(col "$n" 15 | sort -g | tail -1) == 0 ]] || warn[$name]+=" load-stderr"
        awk -v e="${err[$name]}" 'BEGIN { exit !(e != "NA" && e > 0) }' && warn[$name]+=" error-responses"
    done
    echo
    echo "----- swarmgate private mode benchmark: ${proto^^} -----"
    echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)   swarmgate: $SG_REV   aquatic: $( ((BENCH_AQUATIC)) && echo "$AQUATIC_VERSION" || echo skipped)"
    echo "machine:  $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc --all) CPUs, Linux $(uname -r), load avg $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "setup:    tracker on CPU $BENCH_TRACKER_CPU, announce_load on CPU $BENCH_LOAD_CPU, 127.0.0.1"
    echo "data:     $BENCH_MEMBERS members with passkeys, $BENCH_TORRENTS approved releases, $PEERS simulated peers ($(cat "$RESULTS/fill.txt"))"
    echo "load:     announce_load $proto: $load; private: passkey in every announce, open and aquatic: none"
    echo "run:      ${BENCH_SECONDS}s per tracker, first ${BENCH_WARMUP}s ignored, ${BENCH_ROUNDS} round(s); medians over ${INTERVAL}s intervals and rounds"
    awk -v p="$proto" '
        $1 == "history" { h3 = $3; h5 = $5; h6 = $6; h7 = $7
            printf "history:  %s (member, release) rows for %s members before each run\n", $3, $4 }
        $1 == p { printf "credit:   private round %s: %s rows (%d new), %.1f GiB up, %.1f GiB down, %d snatches written\n", $2, $3, $3 - h3, $5 - h5, $6 - h6, $7 - h7 }
    ' "$RESULTS/credit.txt"
    echo
    printf '%-17s %11s %11s %8s %7s %8s %9s %8s %8s\n' tracker responses/s "CPU us/resp" "RSS MiB" "lost %" errors/s "$size_label" tracker% load%
    for name in $TRACKERS; do
        printf '%-17s %11s %11s %8s %7s %8s %9s %8s %8s%s\n' "$name" "${rate[$name]}" "${cpu[$name]}" \
            "$(awk -v k="${rss[$name]}" 'BEGIN { if (k == "NA" || k == "") print "NA"; else printf "%.1f", k / 1024 }')" \
            "${loss[$name]}" "${err[$name]}" "${size[$name]}" "${tcpu[$name]}" "${lcpu[$name]}" "${warn[$name]:+   WARNING:${warn[$name]}}"
    done
    printf '%-17s %11s %11s %8s\n' "private/open" "$(ratio "${rate[private]}" "${rate[open]}")" \
        "$(ratio "${cpu[private]}" "${cpu[open]}")" "$(ratio "${rss[private]}" "${rss[open]}")"
    if ((BENCH_LISTED)); then
        printf '%-17s %11s %11s %8s\n' "listed/open" "$(ratio "${rate[listed]}" "${rate[open]}")" \
            "$(ratio "${cpu[listed]}" "${cpu[open]}")" "$(ratio "${rss[listed]}" "${rss[open]}")"
    fi
    if ((BENCH_AQUATIC)); then
        printf '%-17s %11s %11s %8s\n' "private/aquatic" "$(ratio "${rate[private]}" "${rate[aquatic]}")" \
            "$(ratio "${cpu[private]}" "${cpu[aquatic]}")" "$(ratio "${rss[private]}" "${rss[aquatic]}")"
        printf '%-17s %11s %11s %8s\n' "open/aquatic" "$(ratio "${rate[open]}" "${rate[aquatic]}")" \
            "$(ratio "${cpu[open]}" "${cpu[aquatic]}")" "$(ratio "${rss[open]}" "${rss[aquatic]}")"
    fi
    # Each round runs open and private next to each other (the order
    # alternates), so a round's ratio sees the least drift of the machine.
    local per_round
    per_round=$(awk -v p="$proto" '$1 == p "-open" { o[$2] = $3 } $1 == p "-private" { v[$2] = $3 }
        END { for (r = 1; r in o; r++) if (o[r] > 0 && r in v) printf "%.2f ", v[r] / o[r] }' "$RESULTS/rounds.txt")
    echo "private/open per round: ${per_round:-NA}(median $(tr ' ' '\n' <<<"$per_round" | grep . | median_stdin))"
    if awk -v a="${rate[private]}" -v b="${rate[open]}" -v m="$PRIVATE_MIN_RATIO" \
        'BEGIN { exit !(a != "NA" && b != "NA" && b > 0 && a / b < m) }'; then
        echo "WARNING: private mode's responses/s is below $PRIVATE_MIN_RATIO of open mode's"
    fi
    echo "---------------------------------------"
}

for proto in $BENCH_PROTOCOLS; do
    summary "$proto"
done | tee "$RESULTS/summary.txt"
echo "raw data: $RESULTS"
