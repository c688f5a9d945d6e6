#!/usr/bin/env bash
# Memory per idle connection, rill against tokio current-thread, each in its own process:
#   bench/idle_memory.sh [N]      (default 5000 connections; needs ulimit -n above 2N)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p rill-bench --bin idle_memory
BIN=${CARGO_TARGET_DIR:-target}/release/idle_memory
for impl in rill tokio rill tokio; do "$BIN" "$impl" "${1:-5000}"; done
for impl in start-rill start-tokio; do "$BIN" "$impl"; done
