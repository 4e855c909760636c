# Shared helpers for bench/udp.sh and bench/http.sh. Sourced, not run.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_ROOT="$REPO/bench/.root"
BIN="$BENCH_ROOT/bin"
AQUATIC_VERSION=${AQUATIC_VERSION:-0.9.0}
# Every swarmgate a benchmark starts serves its metrics on a free port, so
# runs side by side (or anything else on the default 8969) never stop its
# start.
export SWARMGATE_METRICS__BIND=127.0.0.1:0

BENCH_SECONDS=${BENCH_SECONDS:-30}
BENCH_WARMUP=${BENCH_WARMUP:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_TRACKER_CPU=${BENCH_TRACKER_CPU:-0}
BENCH_LOAD_CPU=${BENCH_LOAD_CPU:-1}
BENCH_POLICY=${BENCH_POLICY:-0}
# BENCH_POLICY=1: the responses/s of swarmgate+policy over swarmgate below
# which the summary warns (the access policy's overhead budget).
POLICY_MIN_RATIO=0.95
CLK_TCK=$(getconf CLK_TCK)
INTERVAL=5 # the aquatic load testers print their statistics every 5 s

PIDS=()
TMP=""

die() {
    echo "error: $*" >&2
    exit 1
}
log() { echo "== $*" >&2; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    [[ -n $TMP ]] && rm -rf "$TMP"
}

# bench_init NAME: checks the knobs, creates the temp and results dirs.
bench_init() {
    local name=$1
    for v in BENCH_SECONDS BENCH_WARMUP BENCH_ROUNDS; do
        [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
    done
    ((BENCH_SECONDS % INTERVAL == 0 && BENCH_WARMUP % INTERVAL == 0)) ||
        die "BENCH_SECONDS and BENCH_WARMUP must be multiples of $INTERVAL (the load tester's report interval)"
    ((BENCH_WARMUP >= INTERVAL && BENCH_WARMUP < BENCH_SECONDS)) ||
        die "need $INTERVAL <= BENCH_WARMUP < BENCH_SECONDS"
    ((BENCH_ROUNDS >= 1)) || die "BENCH_ROUNDS must be at least 1"
    [[ $BENCH_POLICY == [01] ]] || die "BENCH_POLICY must be 0 or 1"
    for tool in cargo taskset python3 awk ss; do
        command -v "$tool" >/dev/null || die "$tool is required"
    done
    (($(nproc --all) >= 2)) || die "need at least 2 CPUs (tracker and load tester are pinned apart)"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/swarmgate-bench.XXXXXX")
    RESULTS="${BENCH_RESULTS:-$REPO/bench/results/$name-$(date +%Y%m%d-%H%M%S)}"
    mkdir -p "$RESULTS"
}

# install_aquatic CRATE [CARGO-INSTALL-ARGS...]: cargo install into
# bench/.root unless present.
install_aquatic() {
    local crate=$1
    shift
    if [[ -x $BIN/$crate ]]; then
        return
    fi
    log "installing $crate $AQUATIC_VERSION into bench/.root (release build, takes minutes)"
    cargo install --locked --root "$BENCH_ROOT" "$@" "$crate@$AQUATIC_VERSION" ||
        die "cargo install $crate failed"
}

# The trackers' default features are `prometheus` and `mimalloc`; aquatic
# 0.9.0's `prometheus` pulls metrics 0.22.3, which current rustc rejects
# (E0521), so only `mimalloc` is kept. The load testers have no default
# features.
AQUATIC_TRACKER_FEATURES=(--no-default-features --features mimalloc)

# tree_rev: the short hash of HEAD, +dirty when tracked files differ.
tree_rev() {
    local rev
    rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -z $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]] || rev+="+dirty"
    echo "$rev"
}

# build_swarmgate: sets SG_BIN and SG_REV, the tree it was built from, read
# at build time (others may commit during the run). BENCH_SWARMGATE_BIN
# skips the build; the knob cannot start with SWARMGATE_, swarmgate reads
# those as config.
build_swarmgate() {
    if [[ -n ${BENCH_SWARMGATE_BIN:-} ]]; then
        [[ -x $BENCH_SWARMGATE_BIN ]] || die "BENCH_SWARMGATE_BIN=$BENCH_SWARMGATE_BIN is not executable"
        SG_BIN=$BENCH_SWARMGATE_BIN
        SG_REV="BENCH_SWARMGATE_BIN (tree $(tree_rev))"
        return
    fi
    SG_REV=$(tree_rev)
    log "cargo build --release -p swarmgate"
    (cd "$REPO" && cargo build --release -p swarmgate) || die "building swarmgate failed"
    SG_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/swarmgate"
    [[ -x $SG_BIN ]] || die "no binary at $SG_BIN (set BENCH_SWARMGATE_BIN)"
}

# prepare_policy: for BENCH_POLICY=1, writes the country database and CIDR
# lists (bench/gen_geo.py) next to a copy of bench/policy.toml in
# $TMP/policy, and checks with `swarmgate policy check` that the policy
# loads and allows the load testers' address. Sets POLICY_FILE and
# POLICY_DESC.
prepare_policy() {
    local dir="$TMP/policy" data
    log "writing the policy's country database and lists (bench/gen_geo.py)"
    data=$(python3 "$REPO/bench/gen_geo.py" "$dir") || die "bench/gen_geo.py failed"
    POLICY_FILE="$dir/policy.toml"
    cp "$REPO/bench/policy.toml" "$POLICY_FILE"
    cp "$POLICY_FILE" "$RESULTS/policy.toml"
    env SWARMGATE_POLICY__FILE="$POLICY_FILE" SWARMGATE_STORAGE__DATA_DIR="$TMP/policy-check" \
        "$SG_BIN" policy check 127.0.0.1 --scope tracker >"$RESULTS/policy-check.txt" 2>&1 ||
        die "swarmgate policy check failed: $(cat "$RESULTS/policy-check.txt")"
    grep -q '^decision: *allow' "$RESULTS/policy-check.txt" ||
        die "the bench policy does not allow 127.0.0.1, the load testers' address: $(cat "$RESULTS/policy-check.txt")"
    local rules
    rules=$(grep -c '^\[\[rule\]\]' "$POLICY_FILE")
    POLICY_DESC="bench/policy.toml, $rules rules; $data"
}

# policy_stats RUN DATADIR: after a swarmgate+policy run, saves `swarmgate
# policy stats` (the counters it flushed at shutdown) to RUN.policy-stats.txt
# and prints `checked denied`: the requests the policy decided on and those
# it denied (NA NA if the counters cannot be read).
policy_stats() {
    local out="$RESULTS/$1.policy-stats.txt"
    env SWARMGATE_POLICY__FILE="$POLICY_FILE" SWARMGATE_STORAGE__DATA_DIR="$2" \
        "$SG_BIN" policy stats --hours 2 >"$out" 2>&1 || {
        echo "NA NA"
        return
    }
    # Rows: scope country rule decision requests.
    awk 'NF == 5 && $5 ~ /^[0-9]+$/ { n += $5; if ($4 == "deny") d += $5 } END { print n + 0, d + 0 }' "$out"
}

# free_port VAR: sets VAR to a port on 127.0.0.1 that is free for both TCP
# and UDP, on which nothing listens, and not handed out before.
free_port() {
    local port i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        port=$(python3 - <<'EOF'
import socket
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.1", 0))
p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", p))
print(p)
EOF
        ) || continue
        if [[ -z $(ss -Hlntu "( sport = :$port )") ]] && [[ " ${USED_PORTS:-} " != *" $port "* ]]; then
            USED_PORTS="${USED_PORTS:-} $port"
            printf -v "$1" '%s' "$port"
            return
        fi
    done
    die "could not find a free port"
}

# toml_set FILE SECTION KEY VALUE: replaces `KEY = ...` in [SECTION] ("" is
# the top level) of a config printed by `aquatic_* -p`; fails if absent.
toml_set() {
    local file=$1 section=$2 key=$3 value=$4
    awk -v sec="$section" -v key="$key" -v val="$value" '
        /^\[/ { cur = $0; gsub(/^\[|\]$/, "", cur) }
        !done && cur == sec && $0 ~ "^" key " = " { print key " = " val; done = 1; next }
        { print }
        END { if (!done) exit 3 }
    ' "$file" >"$file.new" || die "no key $section.$key in $file"
    mv "$file.new" "$file"
}

# toml_get FILE SECTION KEY
toml_get() {
    awk -v sec="$2" -v key="$3" '
        /^\[/ { cur = $0; gsub(/^\[|\]$/, "", cur) }
        cur == sec && $0 ~ "^" key " = " { sub("^" key " = ", ""); print; exit }
    ' "$1"
}

# start_tracker LOGFILE CMD...: starts CMD pinned to the tracker CPU; sets
# TRACKER_PID.
start_tracker() {
    local logfile=$1
    shift
    taskset -c "$BENCH_TRACKER_CPU" "$@" >"$logfile" 2>&1 &
    TRACKER_PID=$!
    PIDS+=("$TRACKER_PID")
}

# stop_tracker: SIGTERM, and SIGKILL if it is still running after 10 s.
stop_tracker() {
    local i
    kill "$TRACKER_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$TRACKER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$TRACKER_PID" 2>/dev/null || true
    wait "$TRACKER_PID" 2>/dev/null || true
    local keep=() pid
    for pid in "${PIDS[@]}"; do
        [[ $pid == "$TRACKER_PID" ]] || keep+=("$pid")
    done
    PIDS=("${keep[@]}")
}

# cpu_ticks PID: utime+stime of the whole process, in clock ticks.
cpu_ticks() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || {
        echo NA
        return
    }
    stat=${stat##*) } # the command name may contain spaces
    local -a f
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))
}

# vm_hwm_kib PID: peak resident set size.
vm_hwm_kib() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo NA
}

# run_load_test OUTPREFIX CMD...: runs the load tester pinned to the load CPU
# and, each time it prints an interval report, samples the tracker's CPU
# time. Writes OUTPREFIX.out (tester stdout), .err and .tsv with one row per
# interval: k, t_end, tracker ticks at t_end, requests/s, responses/s,
# errors/s, load tester ticks at t_end, peers per announce response (UDP),
# Mbit/s received by the tester (HTTP).
# The reports of both testers start with `Requests out: N/second` and
# contain `Responses in: N/second` and `- Error responses: N` (UDP) or
# `- Failure responses: N` (HTTP).
run_load_test() {
    local prefix=$1
    shift
    local fifo="$TMP/fifo.$$.$RANDOM"
    mkfifo "$fifo"
    taskset -c "$BENCH_LOAD_CPU" "$@" >"$fifo" 2>"$prefix.err" &
    local lt=$!
    PIDS+=("$lt")
    local k=0 t ticks lticks req="" rate="" err=0 peers=NA bwin=NA line
    t=$EPOCHREALTIME
    ticks=$(cpu_ticks "$TRACKER_PID")
    lticks=$(cpu_ticks "$lt")
    printf 'k\tt\tticks\treq\trate\terr\tload_ticks\tpeers\tbw_in\n' >"$prefix.tsv"
    printf '0\t%s\t%s\tNA\tNA\tNA\t%s\tNA\tNA\n' "$t" "$ticks" "$lticks" >>"$prefix.tsv"
    flush_row() {
        if [[ -n $req && -n $rate ]]; then
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$t" "$ticks" "$req" "$rate" "$err" "$lticks" "$peers" "$bwin" >>"$prefix.tsv"
        fi
        req="" rate="" err=0 peers=NA bwin=NA
    }
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$prefix.out"
        case $line in
        "Requests out: "*)
            flush_row
            t=$EPOCHREALTIME
            ticks=$(cpu_ticks "$TRACKER_PID")
            lticks=$(cpu_ticks "$lt")
            k=$((k + 1))
            req=${line#Requests out: }
            req=${req%%/*}
            ;;
        "Responses in: "*)
            rate=${line#Responses in: }
            rate=${rate%%/*}
            ;;
        *"- Error responses:"* | *"- Failure responses:"*)
            err=${line##* }
            ;;
        "Peers per announce response: "*)
            peers=${line##* }
            ;;
        "Bandwidth in: "*)
            bwin=${line##* }
            bwin=${bwin%Mbit/s}
            ;;
        "# aquatic load test report"* | *"load test report"*)
            flush_row
            ;;
        esac
    done <"$fifo"
    flush_row
    rm -f "$fifo"
    wait "$lt" || log "load tester exited with status $?"
    local keep=() pid
    for pid in "${PIDS[@]}"; do
        [[ $pid == "$lt" ]] || keep+=("$pid")
    done
    PIDS=("${keep[@]}")
}

# summarize_round TSV: prints `rate_median cpu_us_per_resp_window
# cpu_us_median loss_pct err_per_s intervals tracker_cpu_pct load_cpu_pct
# peers_per_announce bytes_per_response`
# over the intervals after the warm-up.
summarize_round() {
    awk -v warm=$((BENCH_WARMUP / INTERVAL)) -v hz="$CLK_TCK" '
        function median(a, n,   i, j, x) {
            for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        NR == 1 { next }
        { kk = $1; T[kk] = $2; C[kk] = $3; R[kk] = $4; S[kk] = $5; E[kk] = $6; L[kk] = $7; P[kk] = $8; B[kk] = $9; if (kk > last) last = kk }
        END {
            n = 0
            for (kk = warm + 1; kk <= last; kk++) {
                if (!((kk - 1) in T) || C[kk] == "NA" || C[kk - 1] == "NA") continue
                dt = T[kk] - T[kk - 1]; dc = C[kk] - C[kk - 1]; resp = S[kk] * dt
                n++; rates[n] = S[kk]; cpus[n] = resp > 0 ? dc / hz * 1e6 / resp : 0
                tc += dc; tresp += resp; treq += R[kk] * dt; terr += E[kk] * dt; tdt += dt
                if (L[kk] != "NA" && L[kk - 1] != "NA") { tl += L[kk] - L[kk - 1]; tldt += dt }
                if (P[kk] != "NA" && P[kk] != "") { np++; peers[np] = P[kk] }
                if (B[kk] != "NA" && B[kk] != "" && S[kk] > 0) { nb++; bytes[nb] = B[kk] * 131072 / S[kk] }
            }
            if (n == 0) { print "NA NA NA NA NA 0 NA NA NA NA"; exit }
            printf "%.0f %.3f %.3f %.2f %.1f %d %.0f %s %s %s\n", median(rates, n), (tresp > 0 ? tc / hz * 1e6 / tresp : 0), median(cpus, n), (treq > 0 && tresp < treq ? 100 * (1 - tresp / treq) : 0), terr / tdt, n, 100 * tc / hz / tdt, (tldt > 0 ? sprintf("%.0f", 100 * tl / hz / tldt) : "NA"), (np ? sprintf("%.1f", median(peers, np)) : "NA"), (nb ? sprintf("%.0f", median(bytes, nb)) : "NA")
        }
    ' "$1"
}

# median of the numbers on stdin (one per line); NA if none.
median_stdin() {
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "NA"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# ratio A B: A/B to 2 decimals, or NA.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f\n", a / b }'
}

# wait_udp_ready PORT: waits (up to 20 s) until a BEP 15 connect request to
# 127.0.0.1:PORT gets a connect response, and the tracker is still running.
wait_udp_ready() {
    local port=$1
    python3 - "$port" "$TRACKER_PID" <<'PY' || die "no UDP tracker answered on 127.0.0.1:$port (see the tracker log in $RESULTS)"
import socket, struct, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def alive():
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
deadline = time.time() + 20
while time.time() < deadline and alive():
    s.sendto(struct.pack(">QII", 0x41727101980, 0, 12345), ("127.0.0.1", port))
    try:
        data = s.recv(64)
    except OSError:
        time.sleep(0.1)
        continue
    if len(data) >= 16 and struct.unpack(">II", data[:8]) == (0, 12345):
        sys.exit(0)
sys.exit(1)
PY
    kill -0 "$TRACKER_PID" 2>/dev/null || die "tracker exited during start-up"
}

# wait_http_ready PORT: waits (up to 20 s) until GET /scrape on
# 127.0.0.1:PORT gets an HTTP response.
wait_http_ready() {
    local port=$1
    python3 - "$port" "$TRACKER_PID" <<'PY' || die "no HTTP tracker answered on 127.0.0.1:$port (see the tracker log in $RESULTS)"
import http.client, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def alive():
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
deadline = time.time() + 20
while time.time() < deadline and alive():
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/scrape?info_hash=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00")
        c.getresponse().read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
    kill -0 "$TRACKER_PID" 2>/dev/null || die "tracker exited during start-up"
}

# run_rounds LABEL: BENCH_ROUNDS rounds of `aquatic` and `swarmgate`, and
# with BENCH_POLICY=1 `swarmgate+policy` (order alternating), each via the
# script's start_<aquatic|swarmgate> ROUND (sets TRACKER_PID and
# TARGET_PORT, returns once the tracker answers; names its log and data
# directory after RUN, and passes POLICY_ENV to swarmgate) and
# load_test_cmd PORT (prints nothing, sets LOAD_TEST_CMD). Then prints the
# summary block.
run_rounds() {
    local label=$1 round name order trackers="aquatic swarmgate"
    if ((BENCH_POLICY)); then
        prepare_policy
        trackers+=" swarmgate+policy"
    fi
    echo "# name round rate_median cpu_us_per_resp cpu_us_median lost_pct errors_per_s intervals tracker_cpu_pct load_cpu_pct peers_per_announce bytes_per_response vmhwm_kib tester_average tester_stderr_lines alive policy_checked policy_denied" >"$RESULTS/rounds.txt"
    for ((round = 1; round <= BENCH_ROUNDS; round++)); do
        if ((round % 2)); then order=$trackers; else order=$(tr ' ' '\n' <<<"$trackers" | tac | xargs); fi
        for name in $order; do
            log "round $round/$BENCH_ROUNDS: $name (${BENCH_SECONDS}s)"
            RUN="$name-r$round"
            POLICY_ENV=()
            [[ $name != *+policy ]] || POLICY_ENV=(SWARMGATE_POLICY__FILE="$POLICY_FILE")
            "start_${name%+policy}" "$round"
            load_test_cmd "$TARGET_PORT"
            run_load_test "$RESULTS/$RUN.load" "${LOAD_TEST_CMD[@]}"
            local alive=yes hwm
            kill -0 "$TRACKER_PID" 2>/dev/null || alive=no
            hwm=$(vm_hwm_kib "$TRACKER_PID")
            stop_tracker
            [[ $alive == yes ]] || log "WARNING: $name exited during the run (see $RESULTS/$RUN.log)"
            local s avg stderr_lines policy="NA NA"
            s=$(summarize_round "$RESULTS/$RUN.load.tsv")
            avg=$(awk -F': ' '/^Average responses per second/ { print $2 + 0 }' "$RESULTS/$RUN.load.out")
            stderr_lines=$(grep -c . "$RESULTS/$RUN.load.err" || true)
            [[ $name != *+policy ]] || policy=$(policy_stats "$RUN" "$TMP/$RUN-data")
            # name round rate_med cpu_window cpu_med loss err intervals hwm_kib tester_avg tester_stderr alive checked denied
            echo "$name $round $s $hwm ${avg:-NA} $stderr_lines $alive $policy" >>"$RESULTS/rounds.txt"
            log "$name: $(echo "$s" | awk '{ printf "%s responses/s, %s us CPU/response, %s%% lost", $1, $2, $4 }'), peak RSS $hwm KiB${POLICY_ENV[*]:+, policy checked/denied $policy}"
        done
    done
    print_summary "$label" | tee "$RESULTS/summary.txt"
}

# col NAME FIELD: the values of FIELD (1-based, in rounds.txt) for NAME.
col() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$RESULTS/rounds.txt"; }

print_summary() {
    local label=$1 name names="aquatic swarmgate"
    ((BENCH_POLICY)) && names+=" swarmgate+policy"
    local -A rate cpu rss loss err tcpu lcpu size warn
    for name in $names; do
        rate[$name]=$(col "$name" 3 | median_stdin)
        cpu[$name]=$(col "$name" 4 | median_stdin)
        loss[$name]=$(col "$name" 6 | median_stdin)
        err[$name]=$(col "$name" 7 | median_stdin)
        tcpu[$name]=$(col "$name" 9 | median_stdin)
        lcpu[$name]=$(col "$name" 10 | median_stdin)
        size[$name]=$(col "$name" "$SIZE_FIELD" | grep -v NA | median_stdin)
        rss[$name]=$(col "$name" 13 | sort -g | tail -1)
        warn[$name]=""
        [[ $(col "$name" 16 | sort -u) == yes ]] || warn[$name]+=" tracker-died"
        [[ $(col "$name" 15 | sort -g | tail -1) == 0 ]] || warn[$name]+=" tester-stderr"
        awk -v e="${err[$name]}" 'BEGIN { exit !(e != "NA" && e > 0) }' && warn[$name]+=" error-responses"
    done
    local checked denied
    if ((BENCH_POLICY)); then
        checked=$(col swarmgate+policy 17 | awk '{ s += $1 } END { print s + 0 }')
        denied=$(col swarmgate+policy 18 | awk '{ s += $1 } END { print s + 0 }')
        [[ $(col swarmgate+policy 17 | sort -u) != NA ]] || checked=NA denied=NA
        [[ $denied == 0 && $checked != 0 ]] || warn[swarmgate+policy]+=" policy-denied-or-unchecked"
    fi
    echo
    echo "----- swarmgate $label benchmark -----"
    echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)   swarmgate: $SG_REV   aquatic: $AQUATIC_VERSION"
    echo "machine:  $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc --all) CPUs, Linux $(uname -r), load avg $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "setup:    tracker on CPU $BENCH_TRACKER_CPU, load tester on CPU $BENCH_LOAD_CPU, 127.0.0.1"
    echo "load:     $LOAD_DESC"
    echo "run:      ${BENCH_SECONDS}s per tracker, first ${BENCH_WARMUP}s ignored, ${BENCH_ROUNDS} round(s); medians over ${INTERVAL}s intervals and rounds"
    if ((BENCH_POLICY)); then
        echo "policy:   swarmgate+policy: $POLICY_DESC"
        echo "          policy decisions (all rounds): $checked requests checked, $denied denied"
    fi
    echo
    printf '%-17s %11s %11s %8s %7s %8s %9s %8s %8s\n' tracker responses/s "CPU us/resp" "RSS MiB" "lost %" errors/s "$SIZE_LABEL" tracker% tester%
    for name in $names; do
        printf '%-17s %11s %11s %8s %7s %8s %9s %8s %8s%s\n' "$name" "${rate[$name]}" "${cpu[$name]}" \
            "$(awk -v k="${rss[$name]}" 'BEGIN { if (k == "NA" || k == "") print "NA"; else printf "%.1f", k / 1024 }')" \
            "${loss[$name]}" "${err[$name]}" "${size[$name]}" "${tcpu[$name]}" "${lcpu[$name]}" "${warn[$name]:+   WARNING:${warn[$name]}}"
    done
    printf '%-17s %11s %11s %8s\n' "swarmgate/aquatic" "$(ratio "${rate[swarmgate]}" "${rate[aquatic]}")" \
        "$(ratio "${cpu[swarmgate]}" "${cpu[aquatic]}")" "$(ratio "${rss[swarmgate]}" "${rss[aquatic]}")"
    if ((BENCH_POLICY)); then
        local with=swarmgate+policy
        printf '%-17s %11s %11s %8s\n' "policy/no policy" "$(ratio "${rate[$with]}" "${rate[swarmgate]}")" \
            "$(ratio "${cpu[$with]}" "${cpu[swarmgate]}")" "$(ratio "${rss[$with]}" "${rss[swarmgate]}")"
    fi
    if awk -v a="${size[aquatic]}" -v b="${size[swarmgate]}" \
        'BEGIN { exit !(a != "NA" && b != "NA" && (a + b) > 0 && (b < 0.5 * a || b > 2 * a)) }'; then
        echo "WARNING: $SIZE_LABEL differs (aquatic ${size[aquatic]}, swarmgate ${size[swarmgate]}):" \
            "the trackers did not answer with the same amount of data; compare with care"
    fi
    if ((BENCH_POLICY)) && awk -v a="${rate[swarmgate+policy]}" -v b="${rate[swarmgate]}" -v m="$POLICY_MIN_RATIO" \
        'BEGIN { exit !(a != "NA" && b != "NA" && b > 0 && a / b < m) }'; then
        echo "WARNING: with the policy, responses/s is below $POLICY_MIN_RATIO of the run without it"
    fi
    echo "---------------------------------------"
    echo "raw data: $RESULTS"
}
