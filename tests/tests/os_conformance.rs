//! The rill-os conformance suite on real descriptors: every case is a function of the backend,
//! instantiated once per backend that runs here (epoll, poll, select) as `<backend>::<case>`.
//!
//! Descriptors are socketpairs, pipes and TCP on 127.0.0.1. Waits that expect something use a
//! generous timeout only as a safety net (a bug fails instead of hanging); waits that expect
//! *nothing* use a short one and assert that nothing came. Every case holds one process-wide
//! lock, so descriptor numbers are not reused behind a case's back (H4 and H14 cases reuse
//! numbers on purpose).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rill_core::{Direction, Event, Interest, Readiness, Token};
use rill_os::{Backend, Error, PollFd, PollSlot, Selector, Wait, EMPTY_EVENT};

type Storage = (Vec<PollFd>, Vec<PollSlot>);
type Sel = Selector<Storage>;

/// Safety net for waits that expect an event.
const LONG: Duration = Duration::from_secs(10);
/// How long a wait that expects nothing lasts.
const SHORT: Duration = Duration::from_millis(50);

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn selector(b: Backend) -> Sel {
    selector_with(b, 64)
}

fn selector_with(b: Backend, entries: usize) -> Sel {
    Selector::new(
        b,
        (vec![PollFd::EMPTY; entries], vec![PollSlot::EMPTY; entries]),
    )
    .unwrap_or_else(|e| panic!("creating {b}: {e}"))
}

fn tok(i: u32) -> Token {
    Token::new(i, 7).unwrap()
}

/// The interest a runtime would register with: both (edge backends ignore it anyway).
fn both() -> Interest {
    Interest::BOTH
}

fn socketpair() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is two writable ints.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(r, 0, "socketpair: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is two writable ints.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(r, 0);
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// A connected TCP pair on loopback: (client, server side), both non-blocking.
fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_nonblocking(true).unwrap();
    server.set_nonblocking(true).unwrap();
    client.set_nodelay(true).unwrap();
    server.set_nodelay(true).unwrap();
    (client, server)
}

fn write_fd(fd: RawFd, data: &[u8]) -> isize {
    // SAFETY: `data` is readable for its length.
    unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) }
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> isize {
    // SAFETY: `buf` is writable for its length.
    unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

/// Reads until `EAGAIN`; returns the bytes read, or `None` on end-of-file.
fn drain(fd: RawFd) -> Option<usize> {
    let mut buf = [0u8; 65536];
    let mut total = 0;
    loop {
        let n = read_fd(fd, &mut buf);
        if n > 0 {
            total += n as usize;
        } else if n == 0 {
            return None;
        } else {
            assert_eq!(errno(), libc::EAGAIN, "read: unexpected error");
            return Some(total);
        }
    }
}

/// Writes until `EAGAIN`; returns the bytes written.
fn fill(fd: RawFd) -> usize {
    let chunk = [0x5au8; 65536];
    let mut total = 0;
    loop {
        let n = write_fd(fd, &chunk);
        if n > 0 {
            total += n as usize;
        } else {
            assert_eq!(errno(), libc::EAGAIN, "write: unexpected error");
            return total;
        }
    }
}

/// One wait; the events it wrote.
fn wait_once(sel: &mut Sel, timeout: Duration) -> (Vec<Event>, bool) {
    let mut buf = [EMPTY_EVENT; 64];
    let w = sel.wait(&mut buf, Some(timeout)).unwrap();
    (buf[..w.events].to_vec(), w.woken)
}

/// Waits until the union of `token`'s events satisfies `done`; returns that union. Panics if
/// another token shows up in `forbidden`, or if nothing satisfying arrives within [`LONG`].
fn wait_until(
    sel: &mut Sel,
    token: Token,
    forbidden: &[Token],
    done: impl Fn(Readiness) -> bool,
) -> Readiness {
    let mut seen = Readiness::EMPTY;
    for _ in 0..100 {
        let (events, _) = wait_once(sel, LONG / 100);
        for e in events {
            assert!(
                !forbidden.contains(&e.token),
                "event for a stale token: {e:?}"
            );
            if e.token == token {
                seen |= e.readiness;
            }
        }
        if done(seen) {
            return seen;
        }
    }
    panic!("no satisfying event for {token:?} within {LONG:?}; saw {seen:?}");
}

/// Asserts that one short wait reports nothing for `token`.
fn assert_quiet(sel: &mut Sel, token: Token, why: &str) {
    let (events, _) = wait_once(sel, SHORT);
    let mine: Vec<_> = events.iter().filter(|e| e.token == token).collect();
    assert!(mine.is_empty(), "{why}: expected no event, got {mine:?}");
}

/// What a runtime does on a level-triggered backend when the core's interest changes.
fn set_interest(sel: &mut Sel, fd: RawFd, token: Token, interest: Interest) {
    if sel.backend().is_level_triggered() {
        sel.reregister(fd, token, interest).unwrap();
    }
}

/// Backends whose translation can say "closed" (select cannot: H6 says it must not guess).
fn reports_closed(b: Backend) -> bool {
    b != Backend::Select
}

// ---------------------------------------------------------------------------------------------
// Readable and writable edges

fn readable_when_peer_writes(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    sel.register(a.as_raw_fd(), tok(1), Interest::READ).unwrap();
    assert_eq!(write_fd(peer.as_raw_fd(), b"x"), 1);
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_readable());
    assert!(!r.is_error() && !r.is_read_closed() && !r.is_write_closed());
}

fn writable_after_register(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, _peer) = socketpair();
    sel.register(a.as_raw_fd(), tok(1), Interest::WRITE)
        .unwrap();
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_writable());
    assert!(!r.is_readable(), "nothing was written, yet {r:?}");
}

/// H9: unread data with no parked reader must not wake the loop (edge backends report the
/// edge once; level backends stop watching reads when the interest drops).
fn h09_unread_data_without_reader_is_quiet(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let fd = a.as_raw_fd();
    sel.register(fd, tok(1), Interest::READ).unwrap();
    write_fd(peer.as_raw_fd(), b"unread");
    wait_until(&mut sel, tok(1), &[], |r| r.is_readable());
    // The reader's op completed elsewhere; nobody reads now.
    set_interest(&mut sel, fd, tok(1), Interest::NONE);
    for _ in 0..3 {
        assert_quiet(&mut sel, tok(1), "unread data, no reader");
    }
    // A reader parks again: the data is reported again (level) or was already known (edge).
    if b.is_level_triggered() {
        set_interest(&mut sel, fd, tok(1), Interest::READ);
        wait_until(&mut sel, tok(1), &[], |r| r.is_readable());
    }
}

/// Writes that hit a full socket buffer: no writable report until the peer makes room, then one.
fn full_socket_buffer_then_room(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let fd = a.as_raw_fd();
    sel.register(fd, tok(1), Interest::WRITE).unwrap();
    wait_until(&mut sel, tok(1), &[], |r| r.is_writable());
    let written = fill(fd);
    assert!(written > 0);
    assert_quiet(&mut sel, tok(1), "socket buffer full");
    let mut got = 0;
    while got < written {
        got += drain(peer.as_raw_fd()).unwrap();
    }
    assert_eq!(got, written);
    wait_until(&mut sel, tok(1), &[], |r| r.is_writable());
}

// ---------------------------------------------------------------------------------------------
// Closes: peer close, half-close, RST, bare hang-up

fn peer_close_wakes_reader_with_eof(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    sel.register(a.as_raw_fd(), tok(1), Interest::READ).unwrap();
    drop(peer);
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_ready_for(Direction::Read));
    assert!(!r.is_error(), "a clean close is not an error: {r:?}");
    if reports_closed(b) {
        assert!(r.is_read_closed(), "{r:?}");
    }
    assert_eq!(drain(a.as_raw_fd()), None, "the read sees end-of-file");
}

fn half_close_checks(b: Backend, sel: &mut Sel, fd: RawFd, r: Readiness) {
    assert!(
        !r.is_write_closed(),
        "half-close reported as full close: {r:?}"
    );
    assert!(!r.is_error(), "half-close reported as error: {r:?}");
    if reports_closed(b) {
        assert!(r.is_read_closed(), "{r:?}");
    }
    assert_eq!(drain(fd), None, "reads see end-of-file");
    // Our write side is still open.
    assert_eq!(write_fd(fd, b"still open"), 10);
    let _ = sel;
}

/// H6: the peer's shutdown(SHUT_WR) is read-closed only (socketpair).
fn h06_half_close_socketpair_is_read_closed_only(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let fd = a.as_raw_fd();
    sel.register(fd, tok(1), both()).unwrap();
    // SAFETY: plain syscall on an open socket.
    assert_eq!(
        unsafe { libc::shutdown(peer.as_raw_fd(), libc::SHUT_WR) },
        0
    );
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_ready_for(Direction::Read));
    half_close_checks(b, &mut sel, fd, r);
    let mut buf = [0u8; 16];
    assert_eq!(read_fd(peer.as_raw_fd(), &mut buf), 10);
}

/// H6 over TCP on loopback.
fn h06_half_close_tcp_is_read_closed_only(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (client, mut server) = tcp_pair();
    let fd = client.as_raw_fd();
    sel.register(fd, tok(1), both()).unwrap();
    server.shutdown(std::net::Shutdown::Write).unwrap();
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_ready_for(Direction::Read));
    half_close_checks(b, &mut sel, fd, r);
    server.set_nonblocking(false).unwrap();
    let mut buf = [0u8; 10];
    server.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"still open");
}

/// A reset (SO_LINGER 0 then close on the peer) wakes both directions, as an error where the
/// backend can say so.
fn rst_wakes_both_directions_as_error(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (client, server) = tcp_pair();
    let fd = client.as_raw_fd();
    sel.register(fd, tok(1), both()).unwrap();
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a valid struct of the size passed.
    let r = unsafe {
        libc::setsockopt(
            server.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0);
    drop(server);
    let r = if reports_closed(b) {
        wait_until(&mut sel, tok(1), &[], |r| r.is_error())
    } else {
        wait_until(&mut sel, tok(1), &[], |r| r.is_ready_for(Direction::Read))
    };
    assert!(r.is_ready_for(Direction::Read) && r.is_ready_for(Direction::Write));
    let mut buf = [0u8; 8];
    assert_eq!(read_fd(fd, &mut buf), -1);
    assert_eq!(errno(), libc::ECONNRESET);
}

/// H7: a bare hang-up (pipe writer gone, no data) completes the reader, and does not keep
/// waking the loop once nobody waits.
fn h07_bare_hangup_completes_reader_without_busy_loop(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (r_end, w_end) = pipe();
    let fd = r_end.as_raw_fd();
    sel.register(fd, tok(1), Interest::READ).unwrap();
    drop(w_end);
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_ready_for(Direction::Read));
    assert!(!r.is_error(), "{r:?}");
    if reports_closed(b) {
        assert_eq!(r, Readiness::READ_CLOSED | Readiness::WRITE_CLOSED);
    }
    assert_eq!(drain(fd), None);
    // The reader completed; no op is parked any more.
    set_interest(&mut sel, fd, tok(1), Interest::NONE);
    for _ in 0..3 {
        assert_quiet(&mut sel, tok(1), "hang-up with nobody waiting");
    }
}

// ---------------------------------------------------------------------------------------------
// Urgent data

/// H10: out-of-band data is neither an error nor a flood of readable reports.
fn h10_urgent_data_is_not_error_or_flood(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (client, server) = tcp_pair();
    let fd = server.as_raw_fd();
    sel.register(fd, tok(1), Interest::READ).unwrap();
    // SAFETY: plain sends of readable buffers on an open socket.
    unsafe {
        assert_eq!(
            libc::send(client.as_raw_fd(), b"a".as_ptr().cast(), 1, 0),
            1
        );
        assert_eq!(
            libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB),
            1
        );
    }
    let r = wait_until(&mut sel, tok(1), &[], |r| r.is_readable());
    assert!(!r.is_error(), "urgent data reported as error: {r:?}");
    // One read: the in-band byte, up to the urgent mark. The urgent byte stays pending, and
    // the reader stays parked (interest READ).
    let mut buf = [0u8; 16];
    assert_eq!(read_fd(fd, &mut buf), 1);
    assert_eq!(buf[0], b'a');
    // Settles: within a few waits there is one with nothing for us, and never an error.
    let mut quiet = false;
    for _ in 0..5 {
        let (events, _) = wait_once(&mut sel, SHORT);
        let mine: Vec<_> = events.iter().filter(|e| e.token == tok(1)).collect();
        assert!(mine.iter().all(|e| !e.readiness.is_error()), "{mine:?}");
        if mine.is_empty() {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "pending urgent data keeps waking the loop");
    let mut oob = [0u8; 1];
    // SAFETY: `oob` is one writable byte.
    let n = unsafe { libc::recv(fd, oob.as_mut_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!((n, oob[0]), (1, b'!'));
}

// ---------------------------------------------------------------------------------------------
// Wakers

fn waker_from_another_thread_is_coalesced(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let waker = Arc::new(sel.waker().unwrap());
    let w = waker.clone();
    std::thread::spawn(move || {
        for _ in 0..1000 {
            w.wake().unwrap();
        }
    })
    .join()
    .unwrap();
    let (events, woken) = wait_once(&mut sel, LONG);
    assert!(woken && events.is_empty());
    let (_, again) = wait_once(&mut sel, SHORT);
    assert!(!again, "1000 wakes before one wait are one wake-up");
}

fn waker_is_never_lost(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let waker = sel.waker().unwrap();
    let (go, rx) = std::sync::mpsc::channel::<bool>();
    let t = std::thread::spawn(move || {
        while rx.recv().unwrap() {
            waker.wake().unwrap();
        }
    });
    for round in 0..200 {
        go.send(true).unwrap();
        let (_, woken) = wait_once(&mut sel, LONG);
        assert!(woken, "wake lost in round {round}");
    }
    go.send(false).unwrap();
    t.join().unwrap();
}

extern "C" fn on_sigusr1(_: libc::c_int) {}

/// H11: a signal interrupting the wait is a clean empty return, and a wake sent around it is
/// not lost.
fn h11_waker_survives_eintr(b: Backend) {
    let _g = lock();
    // SAFETY: installs a handler that does nothing, without SA_RESTART, so the blocked wait
    // sees EINTR.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigusr1 as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
    let mut sel = selector(b);
    let waker = Arc::new(sel.waker().unwrap());
    let interrupted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let seen = interrupted.clone();
    let t = std::thread::spawn(move || {
        // SAFETY: pthread_self has no preconditions.
        tid_tx
            .send(unsafe { libc::pthread_self() } as usize)
            .unwrap();
        let mut buf = [EMPTY_EVENT; 4];
        loop {
            match sel.wait(&mut buf, None) {
                Ok(Wait { woken: true, .. }) => return,
                Ok(Wait { events: 0, .. }) => {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                Ok(w) => panic!("unexpected events {w:?}"),
                Err(e) => panic!("EINTR surfaced as an error: {e}"),
            }
        }
    });
    let tid = tid_rx.recv().unwrap() as libc::pthread_t;
    let mut tries = 0;
    while interrupted.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        tries += 1;
        assert!(tries < 10_000, "the wait was never interrupted");
        // SAFETY: the thread is alive (it only returns after a wake, not sent yet).
        assert_eq!(unsafe { libc::pthread_kill(tid, libc::SIGUSR1) }, 0);
        std::thread::sleep(Duration::from_millis(1));
    }
    waker.wake().unwrap();
    t.join().unwrap();
}

/// H11: a wake while the mechanism is saturated (eventfd counter at its maximum, or the pipe
/// full) succeeds and is seen; the next wake after the drain is seen too.
fn h11_wake_when_saturated_is_success(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let waker = sel.waker().unwrap();
    let fd = waker.as_raw_fd();
    if b == Backend::Epoll {
        let near_max = (u64::MAX - 1).to_ne_bytes();
        assert_eq!(write_fd(fd, &near_max), 8);
        assert_eq!(write_fd(fd, &1u64.to_ne_bytes()), -1);
        assert_eq!(errno(), libc::EAGAIN, "the counter is saturated");
        let (_, woken) = wait_once(&mut sel, LONG);
        assert!(woken, "the saturating write was a wake");
        // The loop has seen that edge; a wake now must still make a new one (it resets the
        // saturated counter and writes again).
    } else {
        fill(fd);
    }
    waker
        .wake()
        .expect("a wake on a saturated waker is success");
    let (_, woken) = wait_once(&mut sel, LONG);
    assert!(woken);
    let (_, again) = wait_once(&mut sel, SHORT);
    assert!(!again, "no wake, no wake-up: the waker was consumed");
    waker.wake().unwrap();
    let (_, woken) = wait_once(&mut sel, LONG);
    assert!(woken, "a wake after the drain is seen");
}

// ---------------------------------------------------------------------------------------------
// Registration: double registration, close without deregister, fd reuse (H4, H14)

fn h14_double_registration_is_refused(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let fd = a.as_raw_fd();
    sel.register(fd, tok(1), both()).unwrap();
    assert_eq!(
        sel.register(fd, tok(2), both()),
        Err(Error::AlreadyRegistered)
    );
    assert_eq!(
        sel.register(fd, tok(1), both()),
        Err(Error::AlreadyRegistered)
    );
    // The first registration is intact.
    write_fd(peer.as_raw_fd(), b"x");
    wait_until(&mut sel, tok(1), &[tok(2)], |r| r.is_readable());
    sel.deregister(fd).unwrap();
    assert_eq!(sel.deregister(fd), Err(Error::NotRegistered));
    assert_eq!(
        sel.reregister(fd, tok(1), both()),
        Err(Error::NotRegistered)
    );
    sel.register(fd, tok(3), both()).unwrap();
}

fn reregister_changes_token(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let fd = a.as_raw_fd();
    sel.register(fd, tok(1), Interest::WRITE).unwrap();
    sel.reregister(fd, tok(2), Interest::READ).unwrap();
    write_fd(peer.as_raw_fd(), b"x");
    wait_until(&mut sel, tok(2), &[tok(1)], |r| r.is_readable());
}

fn deregistered_fd_reports_nothing(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    sel.register(a.as_raw_fd(), tok(1), both()).unwrap();
    sel.deregister(a.as_raw_fd()).unwrap();
    write_fd(peer.as_raw_fd(), b"x");
    assert_quiet(&mut sel, tok(1), "deregistered");
}

/// Closes `fd` and puts a fresh socket (returned with its peer) at the same number.
fn reuse_number(old: OwnedFd) -> (OwnedFd, OwnedFd) {
    let num = old.as_raw_fd();
    drop(old);
    let (c, d) = socketpair();
    if c.as_raw_fd() == num {
        return (c, d);
    }
    // SAFETY: `num` is free (just closed, and every case holds the lock); dup2 puts a new
    // descriptor for `c`'s socket there, which we then own.
    let r = unsafe { libc::dup2(c.as_raw_fd(), num) };
    assert_eq!(r, num);
    // SAFETY: as above; `num` is ours now.
    let moved = unsafe { OwnedFd::from_raw_fd(num) };
    // SAFETY: dup2 does not carry FD_CLOEXEC over; restore it.
    unsafe { libc::fcntl(num, libc::F_SETFD, libc::FD_CLOEXEC) };
    drop(c);
    (moved, d)
}

/// H14: a descriptor closed without deregistering leaves nothing behind: its reused number
/// registers cleanly and reports only the new token.
fn h14_close_without_deregister_then_reuse(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, _peer) = socketpair();
    let num = a.as_raw_fd();
    sel.register(num, tok(1), both()).unwrap();
    let (c, d) = reuse_number(a);
    assert_eq!(c.as_raw_fd(), num);
    sel.register(num, tok(2), Interest::READ)
        .expect("a reused number registers cleanly");
    write_fd(d.as_raw_fd(), b"x");
    wait_until(&mut sel, tok(2), &[tok(1)], |r| r.is_readable());
    sel.deregister(num).unwrap();
}

/// H14 / H7: a registered descriptor closed without deregistering is reported at most once (as
/// an error, on the level backends) and then never again: no busy loop.
fn h14_closed_fd_reports_at_most_once(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, _peer) = socketpair();
    let num = a.as_raw_fd();
    sel.register(num, tok(1), Interest::READ).unwrap();
    drop(a);
    let (events, _) = wait_once(&mut sel, SHORT);
    let mine: Vec<_> = events.iter().filter(|e| e.token == tok(1)).collect();
    assert!(mine.len() <= 1, "{mine:?}");
    for e in &mine {
        assert!(e.readiness.is_error(), "{e:?}");
    }
    for _ in 0..3 {
        assert_quiet(&mut sel, tok(1), "closed descriptor");
    }
    // Its number is still free to register again once reused.
    let (c, _d) = socketpair();
    if c.as_raw_fd() == num {
        sel.register(num, tok(2), both()).unwrap();
    }
}

/// H4: an fd deregistered and closed while its readiness was pending, then reused: the stale
/// token never comes back.
fn h04_fd_reuse_with_stale_token_in_flight(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let (a, peer) = socketpair();
    let num = a.as_raw_fd();
    sel.register(num, tok(1), both()).unwrap();
    write_fd(peer.as_raw_fd(), b"pending"); // readiness now pending in the kernel
    sel.deregister(num).unwrap();
    let (c, d) = reuse_number(a);
    sel.register(c.as_raw_fd(), tok(2), Interest::READ).unwrap();
    write_fd(d.as_raw_fd(), b"x");
    wait_until(&mut sel, tok(2), &[tok(1)], |r| r.is_readable());
    for _ in 0..2 {
        let (events, _) = wait_once(&mut sel, SHORT);
        assert!(events.iter().all(|e| e.token != tok(1)), "{events:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Limits and wait edge cases

/// Raises the soft descriptor limit so a number at or above FD_SETSIZE can exist; returns a
/// duplicate of `fd` numbered at least `FD_SETSIZE`, if the hard limit allows one.
fn dup_above_fd_setsize(fd: RawFd) -> Option<OwnedFd> {
    let min = rill_os::select::FD_SETSIZE as RawFd;
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        let want = (min as libc::rlim_t) + 64;
        if lim.rlim_cur < want && lim.rlim_max >= want {
            lim.rlim_cur = want;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we then own.
    let big = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    // SAFETY: fresh descriptor.
    (big >= min).then(|| unsafe { OwnedFd::from_raw_fd(big) })
}

/// H8: select refuses a descriptor at or above FD_SETSIZE with a clear error (no UB).
fn h08_select_refuses_fd_at_fd_setsize(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let limit = rill_os::select::FD_SETSIZE;
    let (a, peer) = socketpair();
    let big = dup_above_fd_setsize(a.as_raw_fd());
    if b == Backend::Select {
        let err = sel
            .register(limit as RawFd, tok(1), both())
            .expect_err("FD_SETSIZE itself is out of range");
        assert_eq!(
            err,
            Error::FdTooLarge {
                fd: limit as RawFd,
                limit
            }
        );
        assert!(err.to_string().contains("FD_SETSIZE"));
        if let Some(big) = &big {
            assert_eq!(
                sel.register(big.as_raw_fd(), tok(1), both()),
                Err(Error::FdTooLarge {
                    fd: big.as_raw_fd(),
                    limit
                })
            );
        }
        // The selector is unharmed.
        sel.register(a.as_raw_fd(), tok(2), Interest::READ).unwrap();
        write_fd(peer.as_raw_fd(), b"x");
        wait_until(&mut sel, tok(2), &[tok(1)], |r| r.is_readable());
    } else {
        // epoll and poll have no such limit.
        let big = big.expect("the hard descriptor limit is above FD_SETSIZE here");
        sel.register(big.as_raw_fd(), tok(1), Interest::READ)
            .unwrap();
        write_fd(peer.as_raw_fd(), b"x");
        wait_until(&mut sel, tok(1), &[], |r| r.is_readable());
    }
}

fn wait_times_out_empty_and_refuses_empty_buffer(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let mut buf = [EMPTY_EVENT; 4];
    assert_eq!(
        sel.wait(&mut buf, Some(Duration::from_micros(1))).unwrap(),
        Wait::NOTHING
    );
    assert_eq!(
        sel.wait(&mut buf, Some(Duration::ZERO)).unwrap(),
        Wait::NOTHING
    );
    assert_eq!(sel.wait(&mut [], None), Err(Error::EmptyBuffer));
}

/// A wait whose timeout has a sub-millisecond part (a timer due in 700 µs: epoll and poll take
/// the nanosecond call for it on Linux) reports readiness and wake-ups like any other wait.
/// Bounded in count, not time: each wait lasts at most about a millisecond.
fn a_sub_millisecond_wait_reports_events_and_wakes(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let sub_ms = Duration::from_micros(700);
    assert_eq!(
        wait_once(&mut sel, sub_ms),
        (vec![], false),
        "nothing ready"
    );
    let (a, peer) = socketpair();
    sel.register(a.as_raw_fd(), tok(1), Interest::READ).unwrap();
    assert_eq!(write_fd(peer.as_raw_fd(), b"x"), 1);
    let readable = (0..10_000).any(|_| {
        let (events, _) = wait_once(&mut sel, sub_ms);
        events
            .iter()
            .any(|e| e.token == tok(1) && e.readiness.is_readable())
    });
    assert!(
        readable,
        "{b}: the byte was never reported by a sub-millisecond wait"
    );
    drain(a.as_raw_fd());
    sel.waker().unwrap().wake().unwrap();
    let woken = (0..10_000).any(|_| wait_once(&mut sel, Duration::from_micros(300)).1);
    assert!(
        woken,
        "{b}: the wake was never reported by a sub-millisecond wait"
    );
}

/// `n` socketpairs whose registered ends (tokens 0..n, read interest) have a byte to read.
fn readable_pairs(sel: &mut Sel, n: usize) -> Vec<(OwnedFd, OwnedFd)> {
    let pairs: Vec<_> = (0..n).map(|_| socketpair()).collect();
    for (i, (a, peer)) in pairs.iter().enumerate() {
        sel.register(a.as_raw_fd(), tok(i as u32), Interest::READ)
            .unwrap();
        write_fd(peer.as_raw_fd(), b"x");
    }
    pairs
}

/// A buffer smaller than the ready set loses nothing: later waits report the rest.
fn small_buffer_reports_everything_eventually(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let _pairs = readable_pairs(&mut sel, 5);
    let mut seen = [false; 5];
    for _ in 0..10 {
        let mut buf = [EMPTY_EVENT; 2];
        let w = sel.wait(&mut buf, Some(LONG)).unwrap();
        assert!(w.events <= 2);
        for e in &buf[..w.events] {
            assert!(e.readiness.is_readable());
            seen[e.token.index() as usize] = true;
        }
        if seen.iter().all(|&s| s) {
            return;
        }
    }
    panic!("some ready descriptors were never reported: {seen:?}");
}

/// A wait that leaves a ready descriptor unreported, for want of room, says so (`Wait::full`):
/// a runtime uses it to know that the OS holds readiness it has not seen yet. poll and select
/// say it only when a ready descriptor was left over; epoll and kqueue whenever the kernel
/// filled the room they gave it.
fn a_wait_without_room_for_everything_says_full(b: Backend) {
    let _g = lock();
    let mut sel = selector(b);
    let _pairs = readable_pairs(&mut sel, 3);
    let mut two = [EMPTY_EVENT; 2];
    let w = sel.wait(&mut two, Some(LONG)).unwrap();
    assert_eq!((w.events, w.full), (2, true), "three ready, room for two");
    let mut three = [EMPTY_EVENT; 3];
    let w = sel.wait(&mut three, Some(LONG)).unwrap();
    if b.is_level_triggered() {
        // All three are still ready, and exactly fit: nothing was left over.
        assert_eq!(
            (w.events, w.full),
            (3, false),
            "three ready, room for three"
        );
    } else {
        // The edge backend hands over the one it still owed, with room to spare.
        assert_eq!((w.events, w.full), (1, false), "one left, room for three");
    }
    let mut many = [EMPTY_EVENT; 64];
    let w = sel.wait(&mut many, Some(SHORT)).unwrap();
    assert!(!w.full, "room for everything: {w:?}");
}

/// epoll reads at most its own buffer's worth (`RAW_EVENTS`) per wait, whatever room the
/// caller has: a wait that stops there is full even though the caller's buffer is not.
#[cfg(target_os = "linux")]
#[test]
fn epoll_full_counts_its_own_buffer_not_only_the_callers() {
    let _g = lock();
    let mut sel = selector(Backend::Epoll);
    let raw = rill_os::epoll::RAW_EVENTS;
    // Writable at once after registration: RAW_EVENTS + 4 edges, one per socket.
    let pairs: Vec<_> = (0..raw + 4).map(|_| socketpair()).collect();
    for (i, (a, _)) in pairs.iter().enumerate() {
        sel.register(a.as_raw_fd(), tok(i as u32), Interest::WRITE)
            .unwrap();
    }
    let mut buf = vec![EMPTY_EVENT; 4 * raw];
    let w = sel.wait(&mut buf, Some(LONG)).unwrap();
    assert_eq!(
        (w.events, w.full),
        (raw, true),
        "the first wait fills epoll's buffer"
    );
    let w = sel.wait(&mut buf, Some(LONG)).unwrap();
    assert_eq!((w.events, w.full), (4, false), "the second takes the rest");
}

macro_rules! per_backend {
    ($($case:ident),* $(,)?) => {
        mod epoll {
            $( #[test] fn $case() { super::$case(rill_os::Backend::Epoll) } )*
        }
        mod poll {
            $( #[test] fn $case() { super::$case(rill_os::Backend::Poll) } )*
        }
        mod select {
            $( #[test] fn $case() { super::$case(rill_os::Backend::Select) } )*
        }
    };
}

per_backend!(
    readable_when_peer_writes,
    writable_after_register,
    h09_unread_data_without_reader_is_quiet,
    full_socket_buffer_then_room,
    peer_close_wakes_reader_with_eof,
    h06_half_close_socketpair_is_read_closed_only,
    h06_half_close_tcp_is_read_closed_only,
    rst_wakes_both_directions_as_error,
    h07_bare_hangup_completes_reader_without_busy_loop,
    h10_urgent_data_is_not_error_or_flood,
    waker_from_another_thread_is_coalesced,
    waker_is_never_lost,
    h11_waker_survives_eintr,
    h11_wake_when_saturated_is_success,
    h14_double_registration_is_refused,
    reregister_changes_token,
    deregistered_fd_reports_nothing,
    h14_close_without_deregister_then_reuse,
    h14_closed_fd_reports_at_most_once,
    h04_fd_reuse_with_stale_token_in_flight,
    h08_select_refuses_fd_at_fd_setsize,
    wait_times_out_empty_and_refuses_empty_buffer,
    a_sub_millisecond_wait_reports_events_and_wakes,
    small_buffer_reports_everything_eventually,
    a_wait_without_room_for_everything_says_full,
);

// ---------------------------------------------------------------------------------------------
// Selector-level facts

#[test]
fn platform_default_is_epoll_on_linux() {
    assert_eq!(Backend::platform_default(), Backend::Epoll);
    assert!(!Backend::Kqueue.is_available());
    assert!(matches!(
        Selector::new(Backend::Kqueue, ()),
        Err(Error::Unsupported)
    ));
}

#[test]
fn poll_table_full_is_an_error() {
    let _g = lock();
    // 3 entries: the waker and two descriptors.
    let mut sel = selector_with(Backend::Poll, 3);
    let pairs: Vec<_> = (0..3).map(|_| socketpair()).collect();
    sel.register(pairs[0].0.as_raw_fd(), tok(0), both())
        .unwrap();
    sel.register(pairs[1].0.as_raw_fd(), tok(1), both())
        .unwrap();
    assert_eq!(
        sel.register(pairs[2].0.as_raw_fd(), tok(2), both()),
        Err(Error::Full { capacity: 2 })
    );
    sel.deregister(pairs[0].0.as_raw_fd()).unwrap();
    sel.register(pairs[2].0.as_raw_fd(), tok(2), both())
        .unwrap();
    assert!(matches!(
        Selector::new(Backend::Poll, (Vec::new(), Vec::new())),
        Err(Error::Full { capacity: 0 })
    ));
}

/// Storage that grows one entry at a time up to `max`, and says how often it was asked.
struct Growing {
    fds: Vec<PollFd>,
    slots: Vec<PollSlot>,
    max: usize,
    asked: std::rc::Rc<std::cell::Cell<usize>>,
}

impl rill_os::PollStorage for Growing {
    fn split(&mut self) -> (&mut [PollFd], &mut [PollSlot]) {
        (&mut self.fds, &mut self.slots)
    }

    fn grow_to(&mut self, len: usize) -> bool {
        self.asked.set(self.asked.get() + 1);
        if len > self.max {
            return false;
        }
        self.fds.resize(len, PollFd::EMPTY);
        self.slots.resize(len, PollSlot::EMPTY);
        true
    }
}

/// A full poll table asks its storage for room, keeps every entry it had, and is `Full` only
/// when the storage cannot grow; every registered descriptor still reports.
#[test]
fn poll_table_grows_when_its_storage_can() {
    let _g = lock();
    let asked = std::rc::Rc::new(std::cell::Cell::new(0));
    let storage = Growing {
        fds: vec![PollFd::EMPTY; 2],
        slots: vec![PollSlot::EMPTY; 2],
        max: 6,
        asked: asked.clone(),
    };
    let mut sel = Selector::new(Backend::Poll, storage).unwrap();
    let pairs: Vec<_> = (0..6).map(|_| socketpair()).collect();
    for (i, (a, _)) in pairs.iter().take(5).enumerate() {
        sel.register(a.as_raw_fd(), tok(i as u32), Interest::WRITE)
            .unwrap_or_else(|e| panic!("descriptor {i}: {e}"));
    }
    // Two entries at first (the waker and one): each of the other four asked for one more.
    assert_eq!(asked.get(), 4);
    // Room for the waker and five: a sixth needs a seventh entry, past `max`.
    assert_eq!(
        sel.register(pairs[5].0.as_raw_fd(), tok(5), both()),
        Err(Error::Full { capacity: 5 })
    );
    assert_eq!(asked.get(), 5);
    let mut buf = [EMPTY_EVENT; 16];
    let w = sel.wait(&mut buf, Some(LONG)).unwrap();
    let mut seen: Vec<u32> = buf[..w.events].iter().map(|e| e.token.index()).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [0, 1, 2, 3, 4],
        "every descriptor reports after the growth"
    );
}

#[test]
fn registering_a_closed_descriptor_is_ebadf_everywhere() {
    let _g = lock();
    for b in [Backend::Epoll, Backend::Poll, Backend::Select] {
        let mut sel = selector(b);
        let (a, _b) = socketpair();
        let num = a.into_raw_fd();
        // SAFETY: we own `num` and close it once.
        unsafe { libc::close(num) };
        assert_eq!(
            sel.register(num, tok(1), both())
                .map_err(|e| e.raw_os_error()),
            Err(Some(libc::EBADF)),
            "{b}"
        );
        assert_eq!(
            sel.register(-1, tok(1), both())
                .map_err(|e| e.raw_os_error()),
            Err(Some(libc::EBADF)),
            "{b}"
        );
    }
}

#[test]
fn a_waker_outlives_its_selector() {
    let _g = lock();
    for b in [Backend::Epoll, Backend::Poll, Backend::Select] {
        let sel = selector(b);
        let waker = sel.waker().unwrap();
        drop(sel);
        waker.wake().unwrap();
    }
    let _ = std::io::stdout().flush();
}
