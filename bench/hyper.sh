#!/usr/bin/env bash
# hyper on rill against hyper on tokio, same run: the `hyper_hello` and `hyper_hello_tokio`
# examples of rill-hyper (one loop / current-thread runtime each, same service, same hyper
# settings), HTTP/1.1 driven by wrk and HTTP/2 (h2c, prior knowledge) by h2load.
#
#   bench/hyper.sh [--quick]        (needs wrk and h2load: apt-get install wrk nghttp2-client)
#
# Each load runs against each server in turn, alternating which goes first per round, and the
# table reports the median of the rounds and the ratio rill / tokio (above 1: rill ahead).
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=5; ROUNDS=3; CONNS=64; H2_STREAMS=16; H2_REQS=200000
if [[ "${1:-}" == "--quick" ]]; then DUR=2; ROUNDS=3; H2_REQS=60000; fi
for tool in wrk h2load; do
  command -v "$tool" >/dev/null || { echo "hyper.sh: $tool not found (apt-get install wrk nghttp2-client)"; exit 2; }
done

cargo build --release -q -p rill-hyper --example hyper_hello --example hyper_hello_tokio
BIN=target/release/examples
RILL_H1=127.0.0.1:18180; RILL_H2=127.0.0.1:18181
TOKIO_H1=127.0.0.1:18280; TOKIO_H2=127.0.0.1:18281
"$BIN/hyper_hello" "$RILL_H1" "$RILL_H2" >/dev/null & RILL_PID=$!
"$BIN/hyper_hello_tokio" "$TOKIO_H1" "$TOKIO_H2" >/dev/null & TOKIO_PID=$!
trap 'kill "$RILL_PID" "$TOKIO_PID" 2>/dev/null || true' EXIT
sleep 0.5

h1() { wrk -t1 -c"$CONNS" -d"${DUR}s" "http://$1/" | awk '/Requests\/sec/ {print $2}'; }
h2() { h2load -c"$CONNS" -m"$H2_STREAMS" -n"$H2_REQS" "http://$1/" | awk '/^finished in/ {gsub(",","",$4); print $4}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A R
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order="rill tokio"; else order="tokio rill"; fi
  for who in $order; do
    if [[ $who == rill ]]; then a1=$RILL_H1; a2=$RILL_H2; else a1=$TOKIO_H1; a2=$TOKIO_H2; fi
    R[h1_$who]+="$(h1 "$a1") "
    R[h2_$who]+="$(h2 "$a2") "
  done
done

printf '\n%-34s %14s %14s %8s\n' "workload (req/s, median of $ROUNDS)" "hyper on rill" "hyper on tokio" "ratio"
for w in h1 h2; do
  r=$(tr ' ' '\n' <<<"${R[${w}_rill]}" | grep . | median)
  t=$(tr ' ' '\n' <<<"${R[${w}_tokio]}" | grep . | median)
  case $w in
    h1) name="HTTP/1.1 wrk -c$CONNS ${DUR}s" ;;
    h2) name="HTTP/2 h2load -c$CONNS -m$H2_STREAMS" ;;
  esac
  printf '%-34s %14.0f %14.0f %8.2f\n' "$name" "$r" "$t" "$(awk -v r="$r" -v t="$t" 'BEGIN {print r / t}')"
done
echo "(rounds: rill h1 ${R[h1_rill]}| tokio h1 ${R[h1_tokio]}| rill h2 ${R[h2_rill]}| tokio h2 ${R[h2_tokio]})"
