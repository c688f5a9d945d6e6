//! Timers: [`sleep`], [`sleep_until`], [`timeout`] and [`interval`].
//!
//! Deadlines go into the driver's timer table (ticks from the runtime's clock); the driver
//! bounds its wait by the nearest deadline and wakes a timer's task when it expires. A timer is
//! armed lazily, on the first poll, and disarmed when its future is dropped.

pub(crate) mod interval;
pub(crate) mod sleep;
pub(crate) mod timeout;
