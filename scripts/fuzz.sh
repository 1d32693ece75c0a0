#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 60 s each). Needs cargo-fuzz
# (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 enables the sanitizer flags.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/transfer-register/fuzz-target}"
for target in identifiers transfer_rules; do
  cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len=512
done
