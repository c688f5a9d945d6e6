//! Optional `tracing` events (feature `tracing`) at the points a user needs to debug a hang:
//! task spawn / poll / complete, op park / attempt, each OS wait, and every core lane
//! transition (`token direction old => new (input)`, target `rill::op`). Without the feature
//! the [`trace!`] macro expands to nothing, so the hot path pays nothing.

/// A `tracing::trace!` event when the `tracing` feature is on; nothing otherwise.
macro_rules! trace {
    ($($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::trace!($($arg)*);
    };
}
pub(crate) use trace;

/// The core's transition hook: one `tracing` event per lane transition.
#[cfg(feature = "tracing")]
pub(crate) fn core_transition(t: &rill_core::Transition) {
    tracing::trace!(target: "rill::op", "{t}");
}
