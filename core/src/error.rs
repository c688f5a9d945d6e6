//! Errors: one small `Copy` enum per operation, each a value, never a panic.

use core::fmt;

macro_rules! error_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $msg:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$variant => $msg,)+ })
            }
        }
        impl core::error::Error for $name {}
    };
}

error_enum! {
    /// Why `register` failed.
    RegisterError {
        /// Every slot of the descriptor storage is in use.
        Full => "descriptor table is full",
    }
}

error_enum! {
    /// A token that names no live registration: its descriptor was deregistered (the slot may
    /// since hold another one), or it never came from this table.
    StaleToken {
        /// The token is stale.
        Stale => "stale token: the descriptor is no longer registered",
    }
}

error_enum! {
    /// Why `submit` refused a new op.
    SubmitError {
        /// The token names no live registration.
        StaleToken => "stale token: the descriptor is no longer registered",
        /// That direction already has an op outstanding.
        Busy => "an op is already outstanding in that direction",
    }
}

error_enum! {
    /// Why `finish_attempt` refused a report.
    OpError {
        /// The op's descriptor was deregistered (the op already completed as aborted).
        StaleToken => "stale token: the descriptor is no longer registered",
        /// The op is not the current op of its lane: it already completed.
        NotCurrent => "the op already completed",
        /// The op exists but no attempt is in flight: nothing to finish.
        NotAttempting => "the op is not attempting",
    }
}

error_enum! {
    /// An event whose token names no live registration; it was dropped and counted (H4).
    StaleEvent {
        /// The event is stale.
        Stale => "stale event dropped: its descriptor is no longer registered",
    }
}

impl From<StaleToken> for SubmitError {
    fn from(_: StaleToken) -> SubmitError {
        SubmitError::StaleToken
    }
}

impl From<StaleToken> for OpError {
    fn from(_: StaleToken) -> OpError {
        OpError::StaleToken
    }
}
