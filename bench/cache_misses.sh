#!/usr/bin/env bash
# User-space first-level data cache misses per ping-pong round trip at 100 and 1000 pairs,
# simulated by valgrind's cachegrind (deterministic, like instructions.sh): each row runs twice,
# with a short and a long window, and the difference in misses divided by the difference in
# round trips cancels the set-up. Kernel work is not simulated. Prints a markdown table.
#
#   bench/cache_misses.sh [path/to/bench]
set -euo pipefail
# shellcheck source=bench/valgrind_common.sh
source "$(dirname "$0")/valgrind_common.sh"

# Prints "ops instructions d1-misses ll-data-misses" for one run of one row.
run() { # workload, row, window in ms
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$tmp/cg" "$BENCH" \
        --only "$1" --row "$2" --rounds 1 --window-ms "$3" >/dev/null 2>"$tmp/err" \
        || { cat "$tmp/err" >&2; exit 1; }
    num() { grep "$1" "$tmp/err" | awk '{ gsub(",", "", $4); print $4 }'; }
    echo "$(sed -n 's/.*(\([0-9]*\) ops in all).*/\1/p' "$tmp/err") $(num 'I *refs:') \
$(num 'D1  misses:') $(num 'LLd misses:')"
}

echo "### User-space cache misses per round trip: ping-pong (cachegrind)"
echo
echo "| implementation | pairs | instructions | D1 misses | LL data misses |"
echo "|---|---:|---:|---:|---:|"
for row in "hand-written epoll" "mio" "tokio current-thread" "rill (budget 2)"; do
    for pairs in 100 1000; do
        read -r o1 i1 d1 l1 < <(run "pingpong-$pairs" "$row" 300)
        read -r o2 i2 d2 l2 < <(run "pingpong-$pairs" "$row" 1200)
        awk -v row="$row" -v p="$pairs" -v o1="$o1" -v o2="$o2" -v i1="$i1" -v i2="$i2" \
            -v d1="$d1" -v d2="$d2" -v l1="$l1" -v l2="$l2" 'BEGIN {
            n = o2 - o1
            if (n <= 0) { printf "| %s | %s | too few operations | | |\n", row, p; exit }
            printf "| %s | %s | %.0f | %.1f | %.2f |\n", row, p, (i2 - i1) / n, (d2 - d1) / n, (l2 - l1) / n
        }'
    done
done
