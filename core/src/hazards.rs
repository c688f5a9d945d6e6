//! The hazard catalogue: the ways reactors like this one have gone wrong, and where rill stops each.
//!
//! Every hazard has a regression test named after it (`hNN_…`) that fails without the fix.
//! Core hazards are tested in `core/src/reactor/tests.rs` (scripted sequences of submit / finish /
//! event / cancel / deregister); OS and runtime hazards in `tests/tests/`.
//!
//! | # | hazard | where it is stopped |
//! |---|---|---|
//! | H1 | lost wake-up between EAGAIN and park | an edge during an attempt is an [`Interruption::Edge`](crate::Interruption); the WouldBlock answers [`FinishAction::Retry`](crate::FinishAction) |
//! | H2 | double completion when cancel races completion | one lane state; cancel of an idle or deferred op is `TooLate`; op ids carry a sequence number |
//! | H3 | a cancel requested before start still performs I/O | cancelling a parked or runnable op completes it at once and dequeues it: `poll_ready` never asks for its attempt |
//! | H4 | stale event after fd close + reuse | token generations; `handle_event` drops and counts stale events |
//! | H5 | a write event disturbs read readiness | per-direction lanes and knowledge |
//! | H6 | half-close reported as full close | translations map RDHUP / EV_EOF-on-read to `READ_CLOSED` only (`rill-os`) |
//! | H7 | bare HUP / POLLNVAL not completing ops, or busy-looping | HUP is both closed bits; poll drops fds with no interest (`rill-os`) |
//! | H8 | select with fd >= FD_SETSIZE | refused at registration (`rill-os`) |
//! | H9 | select busy loop on unread data with no parked reader | [`Reactor::interest`](crate::Reactor::interest) lists parked directions only |
//! | H10 | urgent data as error or readable flood | `PRIORITY` wakes no lane ([`Readiness::wakes`](crate::Readiness::wakes)) |
//! | H11 | waker: coalescing, EINTR, overflow, EV_CLEAR | `rill-os` wakers; `sync::signal` under loom |
//! | H12 | timer wake-up lost / 0-duration timer starving work | `timer`: expiry passes skip timers armed during the pass; `add` reports a new earliest deadline |
//! | H13 | budget starving one direction | per-direction [`Budget`](crate::Budget); deferred work queues FIFO |
//! | H14 | registering an fd twice; close without deregister | `rill-os` backends refuse duplicates; tokens make leftovers stale |
//! | H15 | close with ops parked, queued or mid-attempt | [`Reactor::deregister`](crate::Reactor::deregister) aborts each once and unlinks queued lanes |
//! | H16 | write returning 0, EINTR, SIGPIPE | `rill` std adapter (MSG_NOSIGNAL, retry on EINTR) |
//! | H17 | accept under EMFILE spinning | `rill` std adapter backs off on a timer |
//! | H18 | stop / restart, run-for with an elapsed deadline | `scheduler`: an elapsed deadline finishes at once |
