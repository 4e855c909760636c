#!/usr/bin/env bash
# Runs every check swarmgate has: formatting, lints, unit, integration and
# end-to-end tests with real BitTorrent clients and a real browser, and the
# fuzz targets.
# Installs what it needs from Debian when it is missing (PostgreSQL through
# scripts/pg-test-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null || need_packages+=(python3-libtorrent)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || need_packages+=(python3-feedparser)
command -v aria2c >/dev/null || need_packages+=(aria2)
command -v transmission-cli >/dev/null || need_packages+=(transmission-cli)
command -v systemd-analyze >/dev/null || need_packages+=(systemd)
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
command -v node >/dev/null || need_packages+=(nodejs)
command -v npm >/dev/null || need_packages+=(npm)
python3 -c 'import ensurepip, venv' 2>/dev/null || need_packages+=(python3-venv)
if [ ${#need_packages[@]} -gt 0 ]; then
    echo "== installing ${need_packages[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# playwright-core for the portal's browser test, at the locked version;
# it drives /usr/bin/chromium and must not download a browser of its own.
browser_dir=crates/swarmgate/tests/browser
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
    echo "== npm ci in $browser_dir"
    (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# schemathesis for the API contract test (crates/swarmgate/tests/api_contract.rs),
# at the pinned version, in a virtualenv of its own under target/.
schemathesis_version=4.32.5
pyenv=target/pyenv
if ! "$pyenv/bin/schemathesis" --version 2>/dev/null | grep -q "version $schemathesis_version\$"; then
    echo "== schemathesis $schemathesis_version into $pyenv"
    python3 -m venv "$pyenv"
    "$pyenv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
export SWARMGATE_TEST_SCHEMATHESIS="$PWD/$pyenv/bin/schemathesis"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== PostgreSQL for the store tests"
# A throwaway cluster on a free port; the store runs every query against
# it as well as against SQLite. Stopped and deleted however this ends.
pg_env=$(scripts/pg-test-cluster.sh start)
eval "$pg_env"
trap 'scripts/pg-test-cluster.sh stop "$SWARMGATE_TEST_PG_CLUSTER"' EXIT
trap 'exit 130' INT TERM

echo "== cargo test"
cargo test --workspace --locked --no-fail-fast

if [ -x scripts/fuzz.sh ]; then
    echo "== fuzz targets"
    scripts/fuzz.sh
fi
