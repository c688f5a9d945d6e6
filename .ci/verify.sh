#!/usr/bin/env bash
# The nightly verification tiers: miri on rill-core, miri on the shims where miri supports the
# syscalls, and a bounded run of every fuzz target. Called by .ci/run; runnable on its own from
# any directory. See docs/VERIFICATION.md for what each tier checks and how long it takes.
#
#   FUZZ_SECONDS=60   seconds per fuzz target (default 60)
#   SKIP_MIRI=1       skip the miri tiers
#   SKIP_FUZZ=1       skip the fuzz tier
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
TARGETS=(core_model timers translate_epoll translate_kqueue translate_poll translate_select)

# The rill-os conformance tests miri can run (with isolation off: they open sockets and read the
# clock): the epoll backend and its eventfd waker over socketpairs, pipes and loopback TCP, plus
# registration checks. The others call something miri does not emulate (poll, select, getrlimit,
# signal masks, some socket options) or that its emulation answers differently; each is listed
# with its reason in docs/VERIFICATION.md. Run by exact name: miri aborts the whole test binary
# at the first unsupported call.
MIRI_OS_TESTS=(
  a_waker_outlives_its_selector
  platform_default_is_epoll_on_linux
  poll_table_full_is_an_error
  registering_a_closed_descriptor_is_ebadf_everywhere
  epoll::deregistered_fd_reports_nothing
  epoll::full_socket_buffer_then_room
  epoll::h04_fd_reuse_with_stale_token_in_flight
  epoll::h06_half_close_tcp_is_read_closed_only
  epoll::h09_unread_data_without_reader_is_quiet
  epoll::h11_wake_when_saturated_is_success
  epoll::h14_close_without_deregister_then_reuse
  epoll::h14_closed_fd_reports_at_most_once
  epoll::h14_double_registration_is_refused
  epoll::peer_close_wakes_reader_with_eof
  epoll::readable_when_peer_writes
  epoll::reregister_changes_token
  epoll::small_buffer_reports_everything_eventually
  epoll::wait_times_out_empty_and_refuses_empty_buffer
  epoll::a_sub_millisecond_wait_reports_events_and_wakes
  epoll::a_wait_without_room_for_everything_says_full
  epoll_full_counts_its_own_buffer_not_only_the_callers
  epoll::waker_from_another_thread_is_coalesced
  epoll::waker_is_never_lost
  epoll::writable_after_register
)

step() { printf '\n== verify: %s (%ss)\n' "$1" "$SECONDS"; }
timed() {
  local start=$SECONDS
  "$@"
  printf -- '-- took %ss: %s\n' "$((SECONDS - start))" "$*"
}

step "nightly toolchain, miri, cargo-fuzz"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component add miri rust-src --toolchain nightly
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

if [[ "${SKIP_MIRI:-0}" != 1 ]]; then
  step "miri: rill-core (every unit and doc test)"
  cargo +nightly miri setup
  timed cargo +nightly miri test -p rill-core

  step "miri: rill-os unit tests (the pure translation tables)"
  timed cargo +nightly miri test -p rill-os --lib

  step "miri: rill-os conformance tests miri supports (epoll, eventfd, socketpair, pipe, TCP)"
  timed env MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-disable-isolation" \
    cargo +nightly miri test -p rill-tests --test os_conformance -- --exact "${MIRI_OS_TESTS[@]}"
fi

if [[ "${SKIP_FUZZ:-0}" != 1 ]]; then
  step "fuzz: build every target"
  timed cargo +nightly fuzz build

  # New inputs go to a scratch corpus; the committed one (fuzz/corpus/<target>) is only read,
  # so a run leaves the tree clean. Crashes land in fuzz/artifacts/<target>/.
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  for target in "${TARGETS[@]}"; do
    step "fuzz: $target for ${FUZZ_SECONDS}s"
    mkdir -p "$scratch/$target"
    if ! cargo +nightly fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 2>"$scratch/$target.log"; then
      tail -n 60 "$scratch/$target.log"
      echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
      exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units)' "$scratch/$target.log" || true
  done
fi

step "verify: all green"
