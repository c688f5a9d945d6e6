#!/usr/bin/env bash
# User and kernel CPU time per ping-pong round trip, for rill and the peers it is measured
# against: which side of the syscall boundary a gap in the rates comes from.
#
#   bench/cpu_split.sh [path/to/bench] [workload] [rounds]
#
# Defaults: target/release/bench, pingpong-100, 3 rounds; ROWS="mio,rill (budget 2)" picks the
# rows (exact labels, comma-separated). Each round runs every row twice, with a 1 s and a 4 s
# window, under bash's `time` (getrusage: the process's user and system time); the difference
# in CPU time over the difference in round trips cancels the set-up. The rows are interleaved
# round by round, and the median of the rounds is printed. A kernel that accounts CPU time by
# ticks (CONFIG_TICK_CPU_ACCOUNTING) samples the split, so with user time a tenth of the total,
# expect about ±13% noise in the user column per round at 250 Hz; the total counts every tick.
# A row's total CPU per round trip is the reciprocal of its rate only while its thread never
# waits (ping-pong on one thread does not).
set -euo pipefail
BENCH=${1:-${CARGO_TARGET_DIR:-target}/release/bench}
WORKLOAD=${2:-pingpong-100}
ROUNDS=${3:-3}
IFS=, read -r -a ROWS <<<"${ROWS:-hand-written epoll,mio,tokio current-thread,rill (budget 2)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints "user_s sys_s ops" for one run of one row.
run() { # row, window in ms
    local t
    t=$( { TIMEFORMAT='%U %S'; time "$BENCH" --only "$WORKLOAD" --row "$1" --rounds 1 \
        --window-ms "$2" >/dev/null 2>"$tmp/err"; } 2>&1 ) || { cat "$tmp/err" >&2; exit 1; }
    echo "$t $(sed -n 's/.*(\([0-9]*\) ops in all).*/\1/p' "$tmp/err")"
}

for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!ROWS[@]}"; do
        read -r u1 s1 o1 < <(run "${ROWS[$i]}" 1000)
        read -r u2 s2 o2 < <(run "${ROWS[$i]}" 4000)
        awk -v u1="$u1" -v s1="$s1" -v o1="$o1" -v u2="$u2" -v s2="$s2" -v o2="$o2" \
            'BEGIN { d = o2 - o1; printf "%.3f %.3f\n", (u2 - u1) / d * 1e6, (s2 - s1) / d * 1e6 }' \
            >>"$tmp/row$i"
    done
done

# The median of column $1 of file $2 (column 3: user + kernel).
median() {
    awk -v c="$1" '{ print (c == 3 ? $1 + $2 : $c) }' "$2" | sort -n \
        | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'
}

echo "### CPU time per round trip, $WORKLOAD: median of $ROUNDS rounds (getrusage, µs)"
echo
echo "| implementation | user | kernel | total |"
echo "|---|---:|---:|---:|"
for i in "${!ROWS[@]}"; do
    f="$tmp/row$i"
    echo "| ${ROWS[$i]} | $(median 1 "$f") | $(median 2 "$f") | $(median 3 "$f") |"
done
