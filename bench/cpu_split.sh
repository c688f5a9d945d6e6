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
#
# SPLIT=perf samples instead (`perf record -e cpu-clock` at 4 kHz, each sample user or kernel
# by where it landed), which resolves the split that ticks leave noisy. It also watches for
# kernel work outside the program: charging and uncharging whole pages to the memory cgroup is
# bimodal, a run either never does it or spends about 5% of its CPU on it (the per-CPU stock of
# charged bytes thrashing across a page boundary), whatever the row. A round whose runs show it
# is dropped and run again (at most 5 tries, the last kept as it is), and the table says how
# many were. It needs `perf` and perf_event_paranoid <= 1 (or root).
set -euo pipefail
BENCH=${1:-${CARGO_TARGET_DIR:-target}/release/bench}
WORKLOAD=${2:-pingpong-100}
ROUNDS=${3:-3}
IFS=, read -r -a ROWS <<<"${ROWS:-hand-written epoll,mio,tokio current-thread,rill (budget 2)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The kernel's functions that move whole pages between the per-CPU stock of charged slab bytes
# and the memory cgroup (the rest of the thrash's cost, `mod_memcg_state` and the page
# counters, also runs for set-up's page faults, so it is not the sign).
MEMCG='^obj_cgroup_(un)?charge_pages$'
HZ=4000

# Prints "user_s sys_s memcg_s ops" for one run of one row (memcg_s is 0 under getrusage).
run() { # row, window in ms
    local t bench=("$BENCH" --only "$WORKLOAD" --row "$1" --rounds 1 --window-ms "$2")
    if [ "${SPLIT:-}" = perf ]; then
        perf record -q -e cpu-clock -F "$HZ" -o "$tmp/perf.data" "${bench[@]}" >/dev/null \
            2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
        t=$(perf report -i "$tmp/perf.data" --stdio --sort sym -F sample,sym 2>/dev/null \
            | awk -v hz="$HZ" -v memcg="$MEMCG" '
                $2 == "[.]" { u += $1 }
                $2 == "[k]" { k += $1; if ($3 ~ memcg) m += $1 }
                END { printf "%.6f %.6f %.6f", u / hz, k / hz, m / hz }')
    else
        t=$( { TIMEFORMAT='%U %S'; time "${bench[@]}" >/dev/null 2>"$tmp/err"; } 2>&1 ) \
            || { cat "$tmp/err" >&2; exit 1; }
        t="$t 0"
    fi
    echo "$t $(sed -n 's/.*(\([0-9]*\) ops in all).*/\1/p' "$tmp/err")"
}

# True when a run's memcg page charging (µs per round trip, set-up included) shows the thrash.
thrashed() { awk -v m="$1" -v o="$2" 'BEGIN { exit !(m / o * 1e6 > 0.01) }'; }

for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!ROWS[@]}"; do
        for ((try = 1; ; try++)); do
            read -r u1 s1 m1 o1 < <(run "${ROWS[$i]}" 1000)
            read -r u2 s2 m2 o2 < <(run "${ROWS[$i]}" 4000)
            { thrashed "$m1" "$o1" || thrashed "$m2" "$o2"; } && ((try < 5)) || break
            echo >>"$tmp/dropped$i"
        done
        awk -v u1="$u1" -v s1="$s1" -v o1="$o1" -v u2="$u2" -v s2="$s2" -v o2="$o2" \
            'BEGIN { d = (o2 - o1) / 1e6; printf "%.3f %.3f\n", (u2 - u1) / d, (s2 - s1) / d }' \
            >>"$tmp/row$i"
    done
done

# The median of column $1 of file $2 (column 3: user + kernel).
median() {
    awk -v c="$1" '{ print (c == 3 ? $1 + $2 : $c) }' "$2" | sort -n \
        | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'
}

if [ "${SPLIT:-}" = perf ]; then
    echo "### CPU time per round trip, $WORKLOAD: median of $ROUNDS rounds (perf samples, µs)"
    echo
    echo "| implementation | user | kernel | total | rounds dropped (memcg page charging) |"
    echo "|---|---:|---:|---:|---:|"
else
    echo "### CPU time per round trip, $WORKLOAD: median of $ROUNDS rounds (getrusage, µs)"
    echo
    echo "| implementation | user | kernel | total |"
    echo "|---|---:|---:|---:|"
fi
for i in "${!ROWS[@]}"; do
    f="$tmp/row$i"
    line="| ${ROWS[$i]} | $(median 1 "$f") | $(median 2 "$f") | $(median 3 "$f") |"
    if [ "${SPLIT:-}" = perf ]; then
        touch "$tmp/dropped$i"
        line="$line $(wc -l <"$tmp/dropped$i") |"
    fi
    echo "$line"
done
