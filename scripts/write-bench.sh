#!/usr/bin/env bash
# registerOrganisation on PostgreSQL, 16 connections, with two builds of `transfer-register` back to back
# (alternating, ROUNDS times): each on a fresh database, `serve` started, scripts/write-load.py driving it.
#   scripts/write-bench.sh BEFORE_BIN AFTER_BIN [SECONDS] [ROUNDS]
# AFTER_BIN is also run with REGISTER_AUDIT_SEAL_IN_TRANSACTION=true (its events sealed in each writer's
# transaction). PG_ADMIN (default postgres://postgres@127.0.0.1:5432) must allow CREATE DATABASE.
set -euo pipefail
before=$1 after=$2 seconds=${3:-10} rounds=${4:-2}
admin=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432}
here=$(cd "$(dirname "$0")" && pwd)
one() { # label bin in_transaction
  local db="write_bench_$$_$RANDOM" port=$((20000 + RANDOM % 20000))
  psql -q "$admin/postgres" -c "CREATE DATABASE $db"
  export DATABASE_URL="$admin/$db" REGISTER_SECRET=write-bench-secret-0123456789 RUST_LOG=error
  local token
  token=$("$2" token create --name bench --role ADMIN 2>/dev/null | tail -1)
  REGISTER_AUDIT_SEAL_IN_TRANSACTION=$3 "$2" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  printf '%-34s ' "$1"
  python3 "$here/write-load.py" "http://127.0.0.1:$port" "$token" "$seconds" 16
  kill "$pid"; wait "$pid" || true
  psql -q "$admin/postgres" -c "DROP DATABASE $db WITH (FORCE)"
}
for r in $(seq "$rounds"); do
  one "before (main)" "$before" false
  one "after: sealed after commit" "$after" false
  one "after: sealed in the transaction" "$after" true
done
