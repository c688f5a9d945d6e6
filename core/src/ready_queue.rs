//! The ready queue: a FIFO of lanes with something for `poll_ready` to hand out.
//!
//! The queue is intrusive: its links live in the lanes themselves (two `u32`s per lane), so it
//! needs no storage of its own and **cannot overflow**: a lane is queued at most once (its state is
//! `runnable` or `deferred` exactly while it is queued), so at most `2 × capacity` entries exist and
//! every one already has its link. Links are doubly chained so a cancel or a deregistration can
//! unlink a queued lane in O(1).
//!
//! A node is `slot index × 2 + direction`.

use crate::Direction;

/// "No node" in a link.
pub(crate) const NIL: u32 = u32::MAX;

/// One lane's place in the queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Link {
    prev: u32,
    next: u32,
}

impl Link {
    /// Not in the queue.
    pub const UNLINKED: Link = Link {
        prev: NIL,
        next: NIL,
    };
}

/// Where the queue finds the link of a node.
pub(crate) trait Links {
    fn link(&mut self, node: u32) -> &mut Link;
}

/// Packs a lane into a node number.
pub(crate) const fn node(index: u32, dir: Direction) -> u32 {
    index * 2 + dir as u32
}

/// Splits a node number into its lane.
pub(crate) const fn lane(node: u32) -> (u32, Direction) {
    let dir = if node % 2 == 0 {
        Direction::Read
    } else {
        Direction::Write
    };
    (node / 2, dir)
}

/// Head, tail and length of the intrusive FIFO.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ReadyQueue {
    head: u32,
    tail: u32,
    len: u32,
}

impl ReadyQueue {
    pub(crate) const fn new() -> ReadyQueue {
        ReadyQueue {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    pub(crate) const fn len(&self) -> u32 {
        self.len
    }

    /// Appends `n`, which must not be queued (the lane state guarantees it).
    pub(crate) fn push_back(&mut self, links: &mut impl Links, n: u32) {
        *links.link(n) = Link {
            prev: self.tail,
            next: NIL,
        };
        if self.tail == NIL {
            self.head = n;
        } else {
            links.link(self.tail).next = n;
        }
        self.tail = n;
        self.len += 1;
    }

    /// Removes and returns the oldest node.
    pub(crate) fn pop_front(&mut self, links: &mut impl Links) -> Option<u32> {
        let n = self.head;
        if n == NIL {
            return None;
        }
        self.unlink(links, n);
        Some(n)
    }

    /// Removes `n` from wherever it is (it must be queued).
    pub(crate) fn unlink(&mut self, links: &mut impl Links, n: u32) {
        let Link { prev, next } = *links.link(n);
        if prev == NIL {
            self.head = next;
        } else {
            links.link(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            links.link(next).prev = prev;
        }
        *links.link(n) = Link::UNLINKED;
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Table([Link; 8]);
    impl Links for Table {
        fn link(&mut self, node: u32) -> &mut Link {
            &mut self.0[node as usize]
        }
    }

    fn drain(q: &mut ReadyQueue, t: &mut Table) -> heapless::Vec<u32, 8> {
        let mut out = heapless::Vec::new();
        while let Some(n) = q.pop_front(t) {
            out.push(n).unwrap();
        }
        out
    }

    #[test]
    fn fifo_order() {
        let mut t = Table([Link::UNLINKED; 8]);
        let mut q = ReadyQueue::new();
        for n in [3, 0, 7, 5] {
            q.push_back(&mut t, n);
        }
        assert_eq!(q.len(), 4);
        assert_eq!(drain(&mut q, &mut t)[..], [3, 0, 7, 5]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn unlink_head_middle_tail() {
        let mut t = Table([Link::UNLINKED; 8]);
        let mut q = ReadyQueue::new();
        for n in 0..6 {
            q.push_back(&mut t, n);
        }
        q.unlink(&mut t, 0);
        q.unlink(&mut t, 3);
        q.unlink(&mut t, 5);
        assert_eq!(drain(&mut q, &mut t)[..], [1, 2, 4]);
        q.push_back(&mut t, 3);
        assert_eq!(drain(&mut q, &mut t)[..], [3]);
    }

    #[test]
    fn node_round_trips() {
        assert_eq!(lane(node(5, Direction::Write)), (5, Direction::Write));
        assert_eq!(lane(node(0, Direction::Read)), (0, Direction::Read));
    }
}
