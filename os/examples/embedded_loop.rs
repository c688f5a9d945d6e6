//! The embedder's view: a loop with no async runtime and no allocation drives `rill-core` with a
//! `rill-os` backend to echo on a socketpair, per backend here. `cargo test -p rill-os` runs it.
use core::time::Duration;
use rill_core::Outcome::{Done, WouldBlock};
use rill_core::{Config, Direction, FinishAction, Interest, Reactor, Ready, Slot, SubmitAction};
use rill_os::{Backend, PollFd, PollSlot, Selector, EMPTY_EVENT};
use std::io::{self, Read, Write};
use std::os::{fd::AsRawFd, unix::net::UnixStream};
type Res<T> = Result<T, &'static str>;
type Sel = Selector<([PollFd; 4], [PollSlot; 4])>;
const MESSAGES: [&[u8]; 3] = [b"hello", b"from an embedded loop", b"bye"];
/// Storage for the poll backend (the others ignore it): the waker plus three descriptors.
const TABLE: ([PollFd; 4], [PollSlot; 4]) = ([PollFd::EMPTY; 4], [PollSlot::EMPTY; 4]);
/// `?` for any error: the failing expression's text becomes the (static, unallocated) error.
macro_rules! t {
    ($e:expr) => {
        $e.map_err(|_| stringify!($e))?
    };
}
/// One descriptor: the core, the OS backend, the fd, and its token.
struct Conn<'a> {
    core: Reactor<&'a mut [Slot]>,
    sel: Sel,
    fd: i32,
    token: rill_core::Token,
}
impl Conn<'_> {
    /// Drives one op to completion; `syscall` returns bytes, or -1 with errno set.
    fn run(&mut self, dir: Direction, mut syscall: impl FnMut() -> isize) -> Res<isize> {
        let Conn {
            core,
            sel,
            fd,
            token,
        } = self;
        let mut result = -1;
        let mut next = match t!(core.submit(*token, dir)) {
            SubmitAction::Attempt(op) => Some(op),
            SubmitAction::Parked(_) | SubmitAction::Queued(_) => None, // the ready queue has it
        };
        loop {
            while let Some(op) = next.take() {
                result = syscall();
                let blocked =
                    result < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN);
                let outcome = if blocked { WouldBlock } else { Done };
                match t!(core.finish_attempt(op, outcome)) {
                    FinishAction::Complete(_) => return Ok(result),
                    FinishAction::Retry => next = Some(op),
                    _ => {} // deferred: the ready queue completes it; parked: wait for an event
                }
            }
            match core.poll_ready() {
                Some(Ready::Attempt(op)) => next = Some(op),
                Some(Ready::Complete(_)) => return Ok(result),
                None => {
                    // Nothing runnable: push what the core says changed (a level-triggered
                    // backend watches only directions with a parked op), then block.
                    while let Some((changed, interest)) = core.poll_interest() {
                        t!(sel.reregister(*fd, changed, interest));
                    }
                    let mut events = [EMPTY_EVENT; 8];
                    let wait = t!(sel.wait(&mut events, Some(Duration::from_secs(5))));
                    let woke = wait.events > 0 || wait.woken;
                    woke.then_some(()).ok_or("timed out")?;
                    for event in &events[..wait.events] {
                        let _ = core.handle_event(*event); // stale events are dropped (H4)
                    }
                }
            }
        }
    }
}
/// Echoes `MESSAGES` sent by a plain std peer thread; the server side goes through core + shim.
fn echo(backend: Backend) -> Res<()> {
    let (mut client, server) = t!(UnixStream::pair());
    t!(server.set_nonblocking(true));
    let peer = std::thread::spawn(move || -> io::Result<bool> {
        let (mut back, mut same) = ([0u8; 64], true);
        for msg in MESSAGES {
            client.write_all(msg)?;
            client.read_exact(&mut back[..msg.len()])?;
            same &= &back[..msg.len()] == msg;
        }
        Ok(same)
    });
    let (fd, mut storage) = (server.as_raw_fd(), [Slot::VACANT; 4]);
    let level = backend.is_level_triggered();
    let config = Config {
        interest_feed: level, // an edge-triggered backend watches both directions once
        ..Config::default()
    };
    let mut core = Reactor::new(&mut storage[..], config);
    let mut sel = t!(Selector::new(backend, TABLE));
    let token = t!(core.register());
    let interest = if level {
        Interest::NONE
    } else {
        Interest::BOTH
    };
    t!(sel.register(fd, token, interest));
    let mut conn = Conn {
        core,
        sel,
        fd,
        token,
    };
    let mut buf = [0u8; 64];
    for _ in MESSAGES {
        // SAFETY: `buf` is valid for the length passed.
        let read = || unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        let n = conn.run(Direction::Read, read)?;
        // SAFETY: `buf[..n]` is valid: the read returned `n <= buf.len()`.
        let write = || unsafe { libc::write(fd, buf.as_ptr().cast(), n.max(0) as usize) };
        let m = conn.run(Direction::Write, write)?;
        (n > 0 && m == n).then_some(()).ok_or("short echo")?;
    }
    t!(conn.sel.deregister(fd));
    t!(conn.core.deregister(token));
    let echoed = peer.join().map_err(|_| "peer panicked")?.unwrap_or(false);
    echoed.then_some(()).ok_or("echo mismatch")
}

fn main() -> Res<()> {
    Backend::available().try_for_each(echo)
}
