//! Events: one OS readiness report for one registered descriptor.
//!
//! The shims produce [`Event`]s; the reactor consumes them with `Reactor::handle_event`. An event
//! whose token is stale (its descriptor was deregistered, maybe the slot reused) is dropped and
//! counted, never delivered (hazard H4).

use crate::{Readiness, Token};

/// "This descriptor is now `readiness`."
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Event {
    /// Which registration the OS is talking about.
    pub token: Token,
    /// What it said, already translated.
    pub readiness: Readiness,
}

impl Event {
    /// Builds an event.
    pub const fn new(token: Token, readiness: Readiness) -> Event {
        Event { token, readiness }
    }
}

static_assertions::assert_eq_size!(Event, [u32; 3]);
