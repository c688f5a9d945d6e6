//! The hazard catalogue: the ways reactors like this one have gone wrong, and where rill stops each.
//!
//! Every hazard has regression tests that fail without the fix. Core tests are scripted
//! sequences of submit / finish / event / cancel / deregister in `core/src/reactor/tests.rs`
//! (and `timer/tests.rs`, `scheduler/tests.rs`, `budget.rs`); OS tests run on real descriptors
//! in `tests/tests/os_conformance.rs` once per backend; runtime tests in `tests/tests/`; the
//! concurrent pieces are loom models in `core/tests/loom.rs`.
//!
//! | # | hazard | where it is stopped | tests |
//! |---|---|---|---|
//! | H1 | lost wake-up between EAGAIN and park | an edge during an attempt is an [`Interruption::Edge`](crate::Interruption); the WouldBlock answers [`FinishAction::Retry`](crate::FinishAction); a cancelled grant keeps the edge it consumed | `h01_*` (core), loom `a_publish_races_park_never_loses_the_op` |
//! | H2 | double completion when cancel races completion | one lane state; cancel of an idle or deferred op is `TooLate`; op ids carry a sequence number | `h02_*` (core), loom `b_cancel_races_completion_exactly_one` |
//! | H3 | a cancel requested before start still performs I/O | cancelling a parked or runnable op completes it at once and dequeues it: `poll_ready` never asks for its attempt | `h03_*` (core), `cancel_read_by_drop_*`, `cancel_write_by_drop_sends_nothing` (runtime) |
//! | H4 | stale event after fd close + reuse | token generations; `handle_event` drops and counts stale events | `h04_stale_event_after_reuse_is_dropped_and_counted`, `h04_fd_reuse_with_stale_token_in_flight` (per backend) |
//! | H5 | a write event disturbs read readiness | per-direction lanes and knowledge; an event carrying both directions grants and wakes each | `h05_write_event_leaves_read_state_alone` (core), `one_event_for_both_directions_wakes_the_reader_and_the_writer` (runtime, per backend) |
//! | H6 | half-close reported as full close | translations map RDHUP / EV_EOF-on-read to `READ_CLOSED` only (`rill-os`) | `h06_*` (tables and per backend), `half_close` (runtime) |
//! | H7 | bare HUP / POLLNVAL not completing ops, or busy-looping | HUP is both closed bits; poll skips fds with no interest and reports NVAL once | `h07_*` |
//! | H8 | select with fd >= FD_SETSIZE | refused at registration (`rill-os`) | `h08_select_refuses_fd_at_fd_setsize`, `h08_bounds_helper` |
//! | H9 | select busy loop on unread data with no parked reader | [`Reactor::interest`](crate::Reactor::interest) lists parked directions only | `h09_*`, `interest_is_the_parked_directions` |
//! | H10 | urgent data as error or readable flood | `PRIORITY` wakes no lane ([`Readiness::wakes`](crate::Readiness::wakes)) | `h10_*` |
//! | H11 | waker: coalescing, EINTR, overflow, EV_CLEAR | `rill-os` wakers; `sync::signal` | `h11_*`, `waker_*` (per backend), loom `d_notify_races_block_never_lost_and_coalesced` |
//! | H12 | timer wake-up lost / 0-duration timer starving work | [`timer`](crate::timer): a pass skips timers armed during it; `add` reports a new earliest deadline | `h12_*` |
//! | H13 | budget starving one direction | per-direction [`Budget`](crate::Budget); budget-spent work queues FIFO behind runnable work | `h13_*` |
//! | H14 | registering an fd twice; close without deregister | `rill-os` backends refuse duplicates; tokens make leftovers stale | `h14_*`, `double_registration` in `rt_errors` |
//! | H15 | close with ops parked, queued or mid-attempt | [`Reactor::deregister`](crate::Reactor::deregister) aborts each once and unlinks queued lanes | `h15_*`, loom `c_close_races_enqueued_descriptor_no_use_after_free` |
//! | H16 | write returning 0, EINTR, SIGPIPE | `rill` std adapter: `MSG_NOSIGNAL` / `SO_NOSIGPIPE`, every syscall retried on EINTR, a write of 0 is `WriteZero` | `writes_to_a_closed_peer_fail_without_sigpipe`, `zero_length_reads_and_writes` |
//! | H17 | accept under EMFILE spinning | `rill` std adapter backs off on a timer | `accept_under_emfile` (per backend) |
//! | H18 | stop / restart, run-for with an elapsed deadline | [`scheduler`](crate::scheduler): an elapsed deadline finishes at once | `h18_*` |
//! | H19 | a short transfer taken as proof of "drained" while bytes remain | the adapter reports `Drained` only under the rules of `rill`'s `transfer.rs` (plain stream transfers; a count below what the kernel was offered after the `IOV_MAX` and `MAX_RW_COUNT` caps; on a Unix stream, a socket refusing descriptors since it was made, or no `MSG_CTRUNC`); the core then distrusts it while the last event carried a closed / error bit or, for reads, `PRIORITY` (TCP's urgent mark), which epoll now requests and Apple's kqueue reports as `EV_OOBAND` (other kqueues do not report it); an untrusted one is `Done`, so a wrong "drained" costs one syscall, never a hang | `h19_short_read_at_an_urgent_mark_is_not_trusted`, `h19_priority_does_not_distrust_a_short_write` (core); `h19_short_transfers` (runtime, per backend: urgent mark, `readv` and `sendmsg` over `IOV_MAX`, a Unix `SCM_RIGHTS` boundary on every kind of `UnixStream`; `unix_streams_rill_makes_refuse_descriptors`) |
//! | H20 | a second waiter in one direction replacing the first one's waker | `rill`'s driver keeps every distinct waker of a direction (`Waiters`) and wakes all; a cancel wakes the remaining waiters so one submits again | `h20_waiters` (runtime, per backend: two readers, two writers, a reader giving up) |
//! | H21 | a user panic ending anything but its task | `rill`'s `task.rs`: the task body contains the poll, `spawn_with`'s `make`, the future's `Drop` (completion, abort, shutdown), unjoined outputs and wakers; placement skips loops that are gone | `h21_user_panic` (runtime, per backend), `a_gone_loop_is_never_picked_whatever_its_load`, `placement_skips_a_stopped_loop` (unit) |
//! | H22 | a blocking call on a loop thread | `rill`: `UnixStream::connect` is non-blocking (a full backlog's `EAGAIN` is retried on a timer, 1 to 64 ms, never a busy loop); host names resolve on the blocking pool (`blocking.rs`, `lookup_host`), literal addresses are parsed in place with no thread hop; sync `bind`s refuse names | `h22_blocking_on_loop` (runtime, per backend: connects beyond the backlog with the acceptor on the same loop, a held lookup while the loop serves others, literals make no pool job) |
