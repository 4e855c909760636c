#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ and runs each one for a short time from
# its checked-in seeds. Exits non-zero if any target panics, crashes, hangs
# or runs out of memory, and prints the saved input.
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS (20) each
#   scripts/fuzz.sh http_query      only the named targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh udp_request
#
# cargo-fuzz is installed into fuzz/.tools when it is not on PATH. It
# passes `-Z sanitizer=address` to rustc, which the stable toolchain accepts
# with RUSTC_BOOTSTRAP=1; the parsers have no unsafe code, but AddressSanitizer's
# allocator still reports oversized allocations, a denial of service a
# parser of untrusted lengths can have. Building libFuzzer needs a C++ compiler.
#
# The corpus grows in fuzz/corpus/<target>, kept between runs; crashing
# inputs go to fuzz/artifacts/<target>. Both are git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_fuzz_version=0.13.2
seconds=${FUZZ_SECONDS:-20}

export PATH="$PWD/fuzz/.tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz $cargo_fuzz_version into fuzz/.tools"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked --root fuzz/.tools
fi

fuzz() {
    RUSTC_BOOTSTRAP=1 cargo fuzz "$@"
}

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(fuzz list)
fi

echo "== building fuzz targets"
fuzz build

logs=fuzz/target/logs
mkdir -p "$logs"
failed=()
for target in "${targets[@]}"; do
    corpus=fuzz/corpus/$target
    artifacts=fuzz/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    if [ -d fuzz/seeds/"$target" ]; then
        cp fuzz/seeds/"$target"/* "$corpus"/
    fi
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048)
    if [ -f fuzz/dicts/"$target".dict ]; then
        options+=(-dict=fuzz/dicts/"$target".dict)
    fi

    echo "== fuzzing $target for ${seconds}s"
    log=$logs/$target.log
    started=$(mktemp)
    if fuzz run "$target" "$corpus" -- "${options[@]}" >"$log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || true
        rm -f "$started"
        continue
    fi

    failed+=("$target")
    tail -n 40 "$log"
    echo "!! $target failed (full log: $log)"
    find "$artifacts" -type f -newer "$started" | while read -r input; do
        echo "!! input saved in $input; first bytes:"
        head -c 256 "$input" | od -An -tx1
    done
    rm -f "$started"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "!! failing fuzz targets: ${failed[*]}"
    echo "!! reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <input>"
    exit 1
fi
echo "== all fuzz targets passed"
