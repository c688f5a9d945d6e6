//! rill-core (work in progress)
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::panic, clippy::unwrap_used, clippy::expect_used)
)]

mod event;
mod readiness;
mod token;

pub use event::Event;
pub use readiness::{Direction, Interest, Readiness};
pub use token::Token;
