#!/usr/bin/env bash
# Syscalls per operation for each implementation, counted with `strace -f -c` (Linux only).
#
#   bench/syscalls.sh [path/to/bench]
#
# Ping-pong over one socketpair: one round trip is two sends, so the counts are divided by
# sends / 2. Bulk (128 MiB, the --quick size): counts are divided by the number of 64 KiB chunks.
# Cross-thread wake: counts are divided by the wakes the bench made (its "ops in all"), since a
# runtime that sees its loop awake need not write to its waker (eventfd) at all; sched_yield
# (the remote thread's back-off while it waits, and a loop's yield before it blocks) is shown
# on its own and left out of the total.
# strace slows every syscall down, so rates here mean nothing; the counts are exact.
set -euo pipefail
BENCH=${1:-${CARGO_TARGET_DIR:-target}/release/bench}
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "no bench binary at $BENCH (cargo build --release -p rill-bench)" >&2; exit 1; }
out=$(mktemp)
log=$(mktemp)
trap 'rm -f "$out" "$log"' EXIT

count() { # workload, row label
    strace -f -c -o "$out" "$BENCH" --quick --only "$1" --row "$2" --rounds 1 --window-ms 300 \
        >/dev/null 2>"$log"
    # strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall
    awk 'NR > 2 && $NF != "total" && $NF != "syscall" && $4 ~ /^[0-9]+$/ { print $NF, $4 }' "$out"
}

ops_of_last_count() { # the bench's own count of operations over the whole run
    sed -n 's/.*(\([0-9]*\) ops in all).*/\1/p' "$log" | tail -n 1
}

echo "### Syscalls per round trip: ping-pong, 1 socketpair"
echo
echo "| implementation | total | epoll_wait | recv | send | other |"
echo "|---|---:|---:|---:|---:|---:|"
for imp in "hand-written epoll" "no poller" "mio" "polling" "tokio current-thread" \
           "rill (budget 2)" "rill (budget 0)" "rill (budget 16)"; do
    count pingpong-1 "$imp" | awk -v imp="$imp" '
        { n[$1] += $2 }
        END {
            ops = (n["sendto"] + n["write"] + n["sendmsg"]) / 2
            if (ops < 1) { printf "| %s | no round trips counted | | | | |\n", imp; exit }
            waits = n["epoll_wait"] + n["epoll_pwait"] + n["epoll_pwait2"]
            recvs = n["recvfrom"] + n["read"] + n["recvmsg"]
            sends = n["sendto"] + n["write"] + n["sendmsg"]
            total = 0; for (k in n) total += n[k]
            other = total - waits - recvs - sends
            printf "| %s | %.2f | %.2f | %.2f | %.2f | %.3f |\n", imp, total / ops,
                   waits / ops, recvs / ops, sends / ops, other / ops
        }'
done
echo
echo "### Syscalls per cross-thread wake (both threads; sched_yield on its own, not in the total)"
echo
echo "| implementation | total | epoll_wait | waker writes | waker reads | other | sched_yield |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for imp in "hand-written epoll" "mio" "polling" "tokio current-thread" "rill"; do
    rows=$(count wake "$imp")
    echo "$rows" | awk -v imp="$imp" -v ops="$(ops_of_last_count)" '
        $1 != "sched_yield" { n[$1] += $2 }
        $1 == "sched_yield" { yields += $2 }
        END {
            if (ops < 1) { printf "| %s | no wakes counted | | | | | |\n", imp; exit }
            waits = n["epoll_wait"] + n["epoll_pwait"] + n["epoll_pwait2"]
            total = 0; for (k in n) total += n[k]
            printf "| %s | %.2f | %.2f | %.2f | %.2f | %.3f | %.2f |\n", imp, total / ops,
                   waits / ops, n["write"] / ops, n["read"] / ops,
                   (total - waits - n["write"] - n["read"]) / ops, yields / ops
        }'
done
echo
echo "### Syscalls per 64 KiB chunk: bulk transfer (128 MiB, one socketpair)"
echo
echo "| implementation | total | epoll_wait | recv | send | other |"
echo "|---|---:|---:|---:|---:|---:|"
for imp in "hand-written epoll" "no poller" "mio" "polling" "tokio current-thread" \
           "rill (budget 2)" "rill (budget 0)" "rill (budget 16)"; do
    count bulk "$imp" | awk -v imp="$imp" '
        { n[$1] += $2 }
        END {
            ops = 128 * 16
            waits = n["epoll_wait"] + n["epoll_pwait"] + n["epoll_pwait2"]
            recvs = n["recvfrom"] + n["read"] + n["recvmsg"]
            sends = n["sendto"] + n["write"] + n["sendmsg"]
            total = 0; for (k in n) total += n[k]
            printf "| %s | %.2f | %.2f | %.2f | %.2f | %.3f |\n", imp, total / ops,
                   waits / ops, recvs / ops, sends / ops, (total - waits - recvs - sends) / ops
        }'
done
