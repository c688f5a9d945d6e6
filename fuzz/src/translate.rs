//! The translation targets: each backend's pure raw-bits → [`Readiness`] function against the
//! table in its docs, then through a reactor.
//!
//! One `run_*` per backend (`translate_epoll`, `translate_kqueue`, `translate_poll`,
//! `translate_select`). Each decodes one raw report and checks, in order:
//!
//! 1. **The documented table.** The expected readiness is recomputed here from the table in the
//!    backend's docs (written out again below, bit by bit, from the libc constants), and must
//!    equal what the shim returns. Unknown bits are ignored; nothing panics.
//! 2. **No false close.** `WRITE_CLOSED` appears only for a full hang-up (`EPOLLHUP`,
//!    `POLLHUP`) or `EV_EOF` on the write filter; a half-close (`EPOLLRDHUP`, `POLLRDHUP`,
//!    `EV_EOF` on the read filter) never sets it (H6); select never reports a close; urgent data
//!    is never an error (H10).
//! 3. **Through the core.** The readiness is fed, under the token the raw report carries
//!    (`epoll_event.u64`, `kevent.udata`), to a reactor with one descriptor and an op parked in
//!    each direction: exactly the directions the readiness wakes leave the parked state, a
//!    report for another token is dropped as stale, and after draining and deregistering every
//!    op has completed exactly once.
//!
//! The interest → registration-mask functions are checked too, for the interest the input
//! picks.

use arbitrary::{Arbitrary, Unstructured};
use rill_core::{
    Config, Direction, Event, FinishAction, Interest, OpState, Outcome, Reactor, Readiness, Ready,
    Slot, SubmitAction, Token,
};
use rill_os::kqueue::{self, Change};
use rill_os::{poll, select};

/// An interest picked by the input.
fn interest(read: bool, write: bool) -> Interest {
    Interest { read, write }
}

/// Feeds `r` for `key_token` to a reactor whose one descriptor has a parked op in each
/// direction, and checks which ops woke; then drains and deregisters, checking exactly-once.
fn through_core(key_token: Token, r: Readiness) {
    let mut reactor = Reactor::new([Slot::VACANT; 1], Config::default());
    let token = reactor.register().expect("one free slot");
    let mut ops = Vec::new();
    for dir in Direction::BOTH {
        let SubmitAction::Attempt(op) = reactor.submit(token, dir).expect("idle lane") else {
            panic!("a fresh direction is attempted");
        };
        assert_eq!(
            reactor.finish_attempt(op, Outcome::WouldBlock),
            Ok(FinishAction::Parked)
        );
        ops.push(op);
    }
    let live = key_token == token;
    assert_eq!(
        reactor.handle_event(Event::new(key_token, r)).is_ok(),
        live,
        "event for {key_token:?} with {token:?} registered"
    );
    assert_eq!(reactor.stats().stale_events, u64::from(!live));
    for dir in Direction::BOTH {
        let woken = live && wakes(r, dir);
        let state = reactor.op_state(token, dir).expect("live token");
        let want = if woken {
            OpState::Runnable
        } else {
            OpState::Parked
        };
        assert_eq!(state, want, "{dir} after {r:?} (live: {live})");
    }
    if live {
        let seen = reactor.readiness(token).expect("live token");
        assert_eq!(seen, r, "the reactor's readiness is the event's");
    }
    // Drain: woken ops are dispatched and finish; parked ones are aborted by deregister.
    let mut completed = Vec::new();
    while let Some(ready) = reactor.poll_ready() {
        match ready {
            Ready::Attempt(op) => match reactor.finish_attempt(op, Outcome::Done) {
                Ok(FinishAction::Complete(c)) => completed.push(c.op),
                other => panic!("dispatched attempt finished with {other:?}"),
            },
            Ready::Complete(c) => completed.push(c.op),
        }
    }
    let aborted = reactor.deregister(token).expect("live token");
    completed.extend(aborted.read.map(|c| c.op));
    completed.extend(aborted.write.map(|c| c.op));
    completed.sort_by_key(|op| op.direction());
    assert_eq!(completed, ops, "each op completes exactly once");
}

/// The directions a readiness wakes, from the core's documented rule: read by readable,
/// read-closed or error; write by writable, write-closed or error; priority wakes none.
fn wakes(r: Readiness, dir: Direction) -> bool {
    match dir {
        Direction::Read => r.is_readable() || r.is_read_closed() || r.is_error(),
        Direction::Write => r.is_writable() || r.is_write_closed() || r.is_error(),
    }
}

/// Builds a readiness from named parts (the tables below read like the docs).
fn rd(
    readable: bool,
    writable: bool,
    read_closed: bool,
    write_closed: bool,
    error: bool,
    priority: bool,
) -> Readiness {
    let mut r = Readiness::EMPTY;
    for (on, bit) in [
        (readable, Readiness::READABLE),
        (writable, Readiness::WRITABLE),
        (read_closed, Readiness::READ_CLOSED),
        (write_closed, Readiness::WRITE_CLOSED),
        (error, Readiness::ERROR),
        (priority, Readiness::PRIORITY),
    ] {
        if on {
            r |= bit;
        }
    }
    r
}

// ---- epoll ----------------------------------------------------------------------------------

/// One raw `epoll_event`.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct EpollInput {
    /// `epoll_event.events`.
    pub events: u32,
    /// `epoll_event.u64`: the token of the registration. `None`: the live descriptor's token.
    pub key: Option<u64>,
    /// Interest for the mask check.
    pub interest: (bool, bool),
}

/// Decodes and checks one `epoll_event`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn run_epoll(data: &[u8]) {
    use rill_os::epoll::{epoll_from_interest, readiness_from_epoll};
    let Ok(input) = EpollInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let e = input.events;
    let has = |bit: i32| e & bit as u32 != 0;
    let r = readiness_from_epoll(e);
    let want = rd(
        has(libc::EPOLLIN),
        has(libc::EPOLLOUT),
        has(libc::EPOLLRDHUP) || has(libc::EPOLLHUP),
        has(libc::EPOLLHUP),
        has(libc::EPOLLERR),
        has(libc::EPOLLPRI),
    );
    assert_eq!(r, want, "readiness_from_epoll({e:#x})");
    // No false close: only a hang-up closes the write side.
    assert!(
        !r.is_write_closed() || has(libc::EPOLLHUP),
        "{e:#x}: false close"
    );
    assert!(!r.is_error() || has(libc::EPOLLERR), "{e:#x}: false error");

    let (read, write) = input.interest;
    let mask = epoll_from_interest(interest(read, write));
    let mut want_mask = libc::EPOLLET as u32;
    if read {
        want_mask |= (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLPRI) as u32;
    }
    if write {
        want_mask |= libc::EPOLLOUT as u32;
    }
    assert_eq!(mask, want_mask, "epoll_from_interest({read}, {write})");

    let live = Token::new(0, 0).expect("index 0").to_u64();
    let key = input.key.unwrap_or(live);
    let token = Token::from_u64(key);
    assert!(token.index() <= Token::MAX_INDEX);
    assert_eq!(
        Token::from_u64(token.to_u64()),
        token,
        "token round trip via u64"
    );
    through_core(token, r);
}

// ---- kqueue ---------------------------------------------------------------------------------

/// Which filter a kevent input names.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Filter {
    /// `EVFILT_READ`.
    Read,
    /// `EVFILT_WRITE`.
    Write,
    /// `EVFILT_USER` (the waker; never a descriptor's readiness).
    User,
    /// Any other value.
    Other(i32),
}

/// One raw `kevent`, its fields widened to plain integers.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct KqueueInput {
    /// `kevent.filter`.
    pub filter: Filter,
    /// `kevent.flags`.
    pub flags: u32,
    /// `kevent.fflags`.
    pub fflags: u32,
    /// `kevent.data`.
    pub data: i64,
    /// `kevent.udata`. `None`: the live descriptor's token.
    pub udata: Option<usize>,
    /// Interest for the change-list check.
    pub interest: (bool, bool),
}

/// Decodes and checks one `kevent`.
pub fn run_kqueue(data: &[u8]) {
    let Ok(input) = KqueueInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let filter = match input.filter {
        Filter::Read => kqueue::EVFILT_READ,
        Filter::Write => kqueue::EVFILT_WRITE,
        Filter::User => kqueue::EVFILT_USER,
        Filter::Other(f) => f,
    };
    let (flags, fflags, data) = (input.flags, input.fflags, input.data);
    let r = kqueue::readiness_from_kqueue(filter, flags, fflags, data);

    // The documented table.
    let eof = flags & kqueue::EV_EOF != 0;
    let want = if flags & kqueue::EV_ERROR != 0 {
        rd(false, false, false, false, data != 0, false)
    } else if filter == kqueue::EVFILT_READ {
        let oob = kqueue::EV_OOBAND != 0 && flags & kqueue::EV_OOBAND != 0;
        rd(true, false, eof, false, eof && fflags != 0, oob)
    } else if filter == kqueue::EVFILT_WRITE {
        rd(false, true, false, eof, eof && fflags != 0, false)
    } else {
        Readiness::EMPTY
    };
    assert_eq!(
        r, want,
        "readiness_from_kqueue({filter}, {flags:#x}, {fflags:#x}, {data})"
    );
    // No false close: EV_EOF on the read filter is a half-close; only the write filter's EOF
    // closes the write side. Priority only from the read filter's EV_OOBAND (Apple).
    assert!(
        !r.is_write_closed() || (filter == kqueue::EVFILT_WRITE && eof),
        "false close"
    );
    assert!(!r.is_read_closed() || (filter == kqueue::EVFILT_READ && eof));
    assert!(!r.is_priority() || (filter == kqueue::EVFILT_READ && flags & kqueue::EV_OOBAND != 0));

    // The change lists.
    let (read, write) = input.interest;
    for change in [Change::Register, Change::Reregister, Change::Deregister] {
        let [rc, wc] = kqueue::kqueue_from_interest(interest(read, write), change);
        assert_eq!(
            (rc.filter, wc.filter),
            (kqueue::EVFILT_READ, kqueue::EVFILT_WRITE)
        );
        for (c, wanted) in [(rc, read), (wc, write)] {
            let f = c.flags;
            assert!(
                f & kqueue::EV_RECEIPT != 0,
                "{change:?}: EV_RECEIPT on every change"
            );
            match change {
                Change::Deregister => {
                    assert_eq!(f, kqueue::EV_DELETE | kqueue::EV_RECEIPT, "{change:?}")
                }
                Change::Register | Change::Reregister => {
                    assert!(f & kqueue::EV_CLEAR != 0, "{change:?}: edge-triggered");
                    assert_eq!(f & kqueue::EV_ADD != 0, change == Change::Register);
                    assert_eq!(f & kqueue::EV_ENABLE != 0, wanted, "{change:?} {wanted}");
                    assert_eq!(f & kqueue::EV_DISABLE != 0, !wanted, "{change:?} {wanted}");
                    assert_eq!(f & kqueue::EV_DELETE, 0);
                }
            }
        }
    }

    let live = Token::new(0, 0).expect("index 0").to_usize();
    let token = Token::from_usize(input.udata.unwrap_or(live));
    assert_eq!(
        Token::from_usize(token.to_usize()),
        token,
        "token round trip via usize"
    );
    through_core(token, r);
}

// ---- poll -----------------------------------------------------------------------------------

/// One raw `pollfd.revents`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct PollInput {
    /// `pollfd.revents`.
    pub revents: i16,
    /// Interest for the `events` check.
    pub interest: (bool, bool),
}

/// `POLLRDHUP` on the systems that have it (Linux, Android, FreeBSD), else nothing.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const POLLRDHUP: i16 = libc::POLLRDHUP;
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const POLLRDHUP: i16 = 0;

/// Decodes and checks one `revents`.
pub fn run_poll(data: &[u8]) {
    let Ok(input) = PollInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    check_poll(input.revents, input.interest);
}

/// Checks one `revents` value and one interest (also used exhaustively by the tests).
pub fn check_poll(revents: i16, (read, write): (bool, bool)) {
    let has = |bit: i16| revents & bit != 0;
    let r = poll::readiness_from_poll(revents);
    let want = rd(
        has(libc::POLLIN),
        has(libc::POLLOUT),
        has(POLLRDHUP) || has(libc::POLLHUP),
        has(libc::POLLHUP),
        has(libc::POLLERR) || has(libc::POLLNVAL),
        has(libc::POLLPRI),
    );
    assert_eq!(r, want, "readiness_from_poll({revents:#x})");
    assert!(
        !r.is_write_closed() || has(libc::POLLHUP),
        "{revents:#x}: false close"
    );
    assert!(
        !r.is_error() || has(libc::POLLERR) || has(libc::POLLNVAL),
        "{revents:#x}: false error"
    );

    let events = poll::poll_from_interest(interest(read, write));
    let mut want_events = 0;
    if read {
        want_events |= libc::POLLIN | POLLRDHUP;
    }
    if write {
        want_events |= libc::POLLOUT;
    }
    assert_eq!(events, want_events, "poll_from_interest({read}, {write})");
    assert_eq!(events & libc::POLLPRI, 0, "never POLLPRI (H10)");

    through_core(Token::new(0, 0).expect("index 0"), r);
}

// ---- select ---------------------------------------------------------------------------------

/// Set membership of one descriptor after `select`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct SelectInput {
    /// In the read set.
    pub read: bool,
    /// In the write set.
    pub write: bool,
    /// In the except set.
    pub except: bool,
    /// Interest for the set-choice check.
    pub interest: (bool, bool),
}

/// Decodes and checks one membership triple.
pub fn run_select(data: &[u8]) {
    let Ok(input) = SelectInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    check_select(input.read, input.write, input.except, input.interest);
}

/// Checks one membership triple and one interest (also used exhaustively by the tests).
pub fn check_select(in_read: bool, in_write: bool, in_except: bool, (read, write): (bool, bool)) {
    let r = select::readiness_from_select(in_read, in_write, in_except);
    assert_eq!(r, rd(in_read, in_write, false, false, false, in_except));
    // select cannot see a close: it never reports one, nor an error (H6, H10).
    assert!(!r.is_read_closed() && !r.is_write_closed() && !r.is_error());
    assert_eq!(
        select::select_from_interest(interest(read, write)),
        (read, write)
    );
    through_core(Token::new(0, 0).expect("index 0"), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_revents_value_matches_the_table() {
        for revents in i16::MIN..=i16::MAX {
            let interest = (revents & 1 != 0, revents & 2 != 0);
            check_poll(revents, interest);
        }
    }

    #[test]
    fn every_select_membership_matches_the_table() {
        for bits in 0..32u8 {
            let b = |i: u8| bits & (1 << i) != 0;
            check_select(b(0), b(1), b(2), (b(3), b(4)));
        }
    }

    #[test]
    fn pseudo_random_raw_reports() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..5000 {
            let data: Vec<u8> = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            #[cfg(any(target_os = "linux", target_os = "android"))]
            run_epoll(&data);
            run_kqueue(&data);
            run_poll(&data);
            run_select(&data);
        }
    }
}
