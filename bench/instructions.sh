#!/usr/bin/env bash
# User-space instructions per operation for each implementation, counted with valgrind's
# callgrind (deterministic, so it sees differences that machine noise hides from the rates).
#
#   bench/instructions.sh [path/to/bench]
#
# Each row runs twice under callgrind, with a short and a long window; the difference in
# instructions divided by the difference in operations cancels the set-up (runtime and socket
# creation, warm-up). Kernel work is not counted: see syscalls.sh for that side.
set -euo pipefail
# shellcheck source=bench/valgrind_common.sh
source "$(dirname "$0")/valgrind_common.sh"

# Prints "instructions operations" for one run of one row.
run() { # workload, row, window in ms
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$BENCH" --only "$1" --row "$2" \
        --rounds 1 --window-ms "$3" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/err")
    ops=$(sed -n 's/.*(\([0-9]*\) ops in all).*/\1/p' "$tmp/err")
    echo "$ir $ops"
}

per_op() { # workload, row
    read -r ir1 ops1 < <(run "$1" "$2" 150)
    read -r ir2 ops2 < <(run "$1" "$2" 600)
    awk -v a="$ir1" -v b="$ir2" -v x="$ops1" -v y="$ops2" -v row="$2" \
        'BEGIN { if (y > x) printf "| %s | %.0f |\n", row, (b - a) / (y - x);
                 else printf "| %s | too few operations |\n", row }'
}

echo "### User-space instructions per round trip: ping-pong, 1 socketpair (callgrind)"
echo
echo "| implementation | instructions |"
echo "|---|---:|"
for row in "hand-written epoll" "no poller" "mio" "polling" "tokio current-thread" \
           "rill (budget 2)" "rill (budget 0)" "rill (budget 16)"; do
    per_op pingpong-1 "$row"
done
echo
echo "### User-space instructions per round trip: ping-pong, 100 socketpairs (callgrind)"
echo
echo "| implementation | instructions |"
echo "|---|---:|"
for row in "hand-written epoll" "mio" "tokio current-thread" \
           "rill (budget 2)" "rill (budget 0)" "rill (budget 16)"; do
    per_op pingpong-100 "$row"
done
