#!/usr/bin/env bash
# Property-based API testing with schemathesis (it speaks GraphQL) against a running server, for a
# bounded time. Starts its own server on a throwaway SQLite database and loopback port.
#   scripts/schemathesis.sh [seconds]        (default 120; needs `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
port="${SCHEMATHESIS_PORT:-18080}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v schemathesis >/dev/null || pip install --quiet schemathesis
cargo build --quiet --release
bin="${CARGO_TARGET_DIR:-target}/release/transfer-register"
export DATABASE_URL="sqlite://$work/register.sqlite"
token="$("$bin" token create --name schemathesis --role ADMIN | tail -n 1)"
"$bin" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# Server errors (5xx), INTERNAL or code-less errors and crashes are what we hunt; refusals with a
# contract code are answers (see scripts/schemathesis_hooks.py).
status=0
PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks \
schemathesis run "http://127.0.0.1:$port/graphql" \
  --header "Authorization: Bearer $token" \
  --checks register_contract_errors \
  --max-time "$seconds" || status=$?
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server died"; tail -50 "$work/server.log"; exit 1; }
echo "server healthy after the run; schemathesis exit status $status"
exit "$status"
