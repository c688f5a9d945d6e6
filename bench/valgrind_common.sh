# Shared by the valgrind-based bench scripts (instructions.sh, cache_misses.sh), sourced after
# `set -euo pipefail` with the script's arguments: resolves the bench binary ($BENCH, first
# argument or the release build), checks that valgrind and the binary are there, and makes a
# scratch directory ($tmp) removed on exit.
BENCH=${1:-${CARGO_TARGET_DIR:-target}/release/bench}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "no bench binary at $BENCH (cargo build --release -p rill-bench)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
