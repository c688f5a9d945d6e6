//! Readiness: what the OS said about a descriptor, in backend-neutral terms.
//!
//! [`Readiness`] is a small bit set (it really is a set, so it is not an enum). The shims in
//! `rill-os` translate `epoll_event` / `kevent` / `fd_set` / `pollfd` bits into it; the core never
//! sees an OS constant. Two rules every translation follows:
//!
//! - **Half-close is not close.** The peer's `shutdown(SHUT_WR)` is [`Readiness::READ_CLOSED`]
//!   only; the write side stays open (hazard H6). Only a full hang-up sets both closed bits.
//! - **Priority is information, not an error.** Urgent (OOB) data sets [`Readiness::PRIORITY`];
//!   it neither wakes a parked reader nor reports an error (hazard H10).
//!
//! The closed bits are *sticky* in the descriptor table: once seen they stay set until the
//! descriptor is deregistered. The error bit is an edge like readable: a pending `SO_ERROR` is
//! consumed by the next syscall (a UDP socket stays usable after an ICMP error).
//!
//! [`Interest`] is the other direction: which directions a registration or a poll set wants, and
//! [`Direction`] names one of the two op slots of a descriptor.

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A set of readiness bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Readiness(u8);

impl Readiness {
    /// Nothing.
    pub const EMPTY: Readiness = Readiness(0);
    /// A read (or accept / recv) may make progress.
    pub const READABLE: Readiness = Readiness(1 << 0);
    /// A write (or connect / send) may make progress.
    pub const WRITABLE: Readiness = Readiness(1 << 1);
    /// The peer will send nothing more (EOF after buffered data). Sticky.
    pub const READ_CLOSED: Readiness = Readiness(1 << 2);
    /// Nothing more can be written (the connection is gone for writing). Sticky.
    pub const WRITE_CLOSED: Readiness = Readiness(1 << 3);
    /// The descriptor has a pending error (`SO_ERROR`); both directions wake.
    pub const ERROR: Readiness = Readiness(1 << 4);
    /// Urgent / out-of-band data is available. Informational only.
    pub const PRIORITY: Readiness = Readiness(1 << 5);

    /// The bits that stay set until deregistration.
    pub const STICKY: Readiness = Readiness(Self::READ_CLOSED.0 | Self::WRITE_CLOSED.0);
    /// Every defined bit.
    pub const ALL: Readiness = Readiness(0b11_1111);

    /// Builds a set from raw bits, dropping undefined ones.
    pub const fn from_bits_truncate(bits: u8) -> Readiness {
        Readiness(bits & Self::ALL.0)
    }
    /// The raw bits.
    pub const fn bits(self) -> u8 {
        self.0
    }
    /// True when no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// True when every bit of `other` is set in `self`.
    pub const fn contains(self, other: Readiness) -> bool {
        self.0 & other.0 == other.0
    }
    /// True when `self` and `other` share a bit.
    pub const fn intersects(self, other: Readiness) -> bool {
        self.0 & other.0 != 0
    }
    /// Union.
    pub const fn union(self, other: Readiness) -> Readiness {
        Readiness(self.0 | other.0)
    }
    /// Intersection.
    pub const fn intersection(self, other: Readiness) -> Readiness {
        Readiness(self.0 & other.0)
    }
    /// `self` without the bits of `other`.
    pub const fn difference(self, other: Readiness) -> Readiness {
        Readiness(self.0 & !other.0)
    }
    /// Readable bit set.
    pub const fn is_readable(self) -> bool {
        self.intersects(Self::READABLE)
    }
    /// Writable bit set.
    pub const fn is_writable(self) -> bool {
        self.intersects(Self::WRITABLE)
    }
    /// Read-closed bit set.
    pub const fn is_read_closed(self) -> bool {
        self.intersects(Self::READ_CLOSED)
    }
    /// Write-closed bit set.
    pub const fn is_write_closed(self) -> bool {
        self.intersects(Self::WRITE_CLOSED)
    }
    /// Error bit set.
    pub const fn is_error(self) -> bool {
        self.intersects(Self::ERROR)
    }
    /// Priority bit set.
    pub const fn is_priority(self) -> bool {
        self.intersects(Self::PRIORITY)
    }

    /// The bits that wake an op parked in `dir`: readable, read-closed or error for reads;
    /// writable, write-closed or error for writes. Priority wakes neither (H10).
    pub const fn wakes(dir: Direction) -> Readiness {
        match dir {
            Direction::Read => Readiness(Self::READABLE.0 | Self::READ_CLOSED.0 | Self::ERROR.0),
            Direction::Write => Readiness(Self::WRITABLE.0 | Self::WRITE_CLOSED.0 | Self::ERROR.0),
        }
    }

    /// The bits after which a syscall in `dir` returns at once instead of blocking: end of
    /// stream or a dead connection (the direction's closed bit) and a pending error. Unlike
    /// readable / writable, they are not consumed by one short transfer, and an edge-triggered
    /// backend will not report them again.
    pub const fn unblocks(dir: Direction) -> Readiness {
        match dir {
            Direction::Read => Readiness(Self::READ_CLOSED.0 | Self::ERROR.0),
            Direction::Write => Readiness(Self::WRITE_CLOSED.0 | Self::ERROR.0),
        }
    }

    /// True when this readiness wakes the `dir` side.
    pub const fn is_ready_for(self, dir: Direction) -> bool {
        self.intersects(Self::wakes(dir))
    }
}

impl BitOr for Readiness {
    type Output = Readiness;
    fn bitor(self, rhs: Readiness) -> Readiness {
        self.union(rhs)
    }
}

impl BitOrAssign for Readiness {
    fn bitor_assign(&mut self, rhs: Readiness) {
        *self = self.union(rhs);
    }
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Readiness, &str); 6] = [
            (Readiness::READABLE, "READABLE"),
            (Readiness::WRITABLE, "WRITABLE"),
            (Readiness::READ_CLOSED, "READ_CLOSED"),
            (Readiness::WRITE_CLOSED, "WRITE_CLOSED"),
            (Readiness::ERROR, "ERROR"),
            (Readiness::PRIORITY, "PRIORITY"),
        ];
        let mut first = true;
        for (bit, name) in NAMES {
            if self.contains(bit) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("(empty)")?;
        }
        Ok(())
    }
}

/// One of a descriptor's two op slots.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Direction {
    /// Read, accept, recv.
    Read = 0,
    /// Write, connect, send.
    Write = 1,
}

impl Direction {
    /// Both directions, read first.
    pub const BOTH: [Direction; 2] = [Direction::Read, Direction::Write];

    /// 0 for read, 1 for write: an index into per-direction arrays.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The other direction.
    pub const fn other(self) -> Direction {
        match self {
            Direction::Read => Direction::Write,
            Direction::Write => Direction::Read,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Read => "read",
            Direction::Write => "write",
        })
    }
}

/// Which directions are wanted: used when registering with a backend and when a level-style
/// backend (select, poll) asks which sets to put a descriptor in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Interest {
    /// Wants read readiness.
    pub read: bool,
    /// Wants write readiness.
    pub write: bool,
}

impl Interest {
    /// Neither direction.
    pub const NONE: Interest = Interest {
        read: false,
        write: false,
    };
    /// Read only.
    pub const READ: Interest = Interest {
        read: true,
        write: false,
    };
    /// Write only.
    pub const WRITE: Interest = Interest {
        read: false,
        write: true,
    };
    /// Both directions (what the edge-triggered backends always register).
    pub const BOTH: Interest = Interest {
        read: true,
        write: true,
    };

    /// Interest in just `dir`.
    pub const fn of(dir: Direction) -> Interest {
        match dir {
            Direction::Read => Interest::READ,
            Direction::Write => Interest::WRITE,
        }
    }
    /// True when `dir` is wanted.
    pub const fn wants(self, dir: Direction) -> bool {
        match dir {
            Direction::Read => self.read,
            Direction::Write => self.write,
        }
    }
    /// True when neither direction is wanted.
    pub const fn is_none(self) -> bool {
        !self.read && !self.write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_wakes_no_direction() {
        assert!(!Readiness::PRIORITY.is_ready_for(Direction::Read));
        assert!(!Readiness::PRIORITY.is_ready_for(Direction::Write));
    }

    #[test]
    fn half_close_wakes_read_only() {
        assert!(Readiness::READ_CLOSED.is_ready_for(Direction::Read));
        assert!(!Readiness::READ_CLOSED.is_ready_for(Direction::Write));
    }

    #[test]
    fn error_wakes_both() {
        assert!(Readiness::ERROR.is_ready_for(Direction::Read));
        assert!(Readiness::ERROR.is_ready_for(Direction::Write));
    }

    #[test]
    fn set_operations() {
        let r = Readiness::READABLE | Readiness::ERROR;
        assert!(r.contains(Readiness::READABLE));
        assert!(!r.contains(Readiness::READABLE | Readiness::WRITABLE));
        assert_eq!(r.difference(Readiness::ERROR), Readiness::READABLE);
        assert_eq!(Readiness::from_bits_truncate(0xff), Readiness::ALL);
        assert_eq!(r.intersection(Readiness::READABLE), Readiness::READABLE);
        assert!(!Readiness::STICKY.is_error());
    }

    #[test]
    fn debug_names_bits() {
        extern crate std;
        use std::format;
        assert_eq!(
            format!("{:?}", Readiness::READABLE | Readiness::PRIORITY),
            "READABLE | PRIORITY"
        );
        assert_eq!(format!("{:?}", Readiness::EMPTY), "(empty)");
    }
}
