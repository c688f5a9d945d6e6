//! `AsyncFd` on descriptors rill did not make (socketpair, pipe, eventfd), the refusals (a
//! regular file, a directory, a closed descriptor), and `rill::pipe`: round trip, EOF, a write
//! to a closed reader as `BrokenPipe` with SIGPIPE's default action restored, and the
//! `futures-io` traits. Every case runs on every backend.

use std::future::poll_fn;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream as StdUnix;
use std::pin::Pin;
use std::time::Duration;

use rill::fd::{AsyncFd, Interest};
use rill::{pipe, PipeReader, PipeWriter};
use rill_tests::{per_backend, run, run_exclusive, Rng};

/// Lets every other task run and the loop wait in the OS once, so a parked op stays parked.
async fn settle() {
    rill::sleep(Duration::from_millis(20)).await;
}

/// A raw pipe made outside rill, blocking: `(read end, write end)`.
fn os_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is valid for two c_int writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fresh descriptors nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn is_nonblocking(fd: RawFd) -> bool {
    // SAFETY: fcntl with integer arguments.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    fl >= 0 && fl & libc::O_NONBLOCK != 0
}

fn readable_waits_for_data_and_consumes_nothing(backend: &str) {
    run(backend, 2, || async {
        let (a, mut b) = StdUnix::pair().unwrap();
        let fd = std::rc::Rc::new(AsyncFd::new(a).unwrap());
        assert!(
            is_nonblocking(fd.as_raw_fd()),
            "AsyncFd::new sets O_NONBLOCK"
        );
        let waiter = {
            let fd = fd.clone();
            rill::spawn(async move { fd.readable().await.unwrap().interest() })
        };
        settle().await;
        assert!(
            !waiter.is_finished(),
            "readable() resolved on an empty socket"
        );
        b.write_all(b"abc").unwrap();
        assert_eq!(waiter.await.unwrap(), Interest::Readable);
        // Readiness consumed nothing: the bytes are all still there, twice over.
        let _again = fd.readable().await.unwrap();
        let mut buf = [0u8; 8];
        let n = fd
            .try_io(Interest::Readable, |s| (&*s).read(&mut buf))
            .unwrap();
        assert_eq!(&buf[..n], b"abc");
    });
}

fn readable_after_would_block_parks_until_new_data(backend: &str) {
    run(backend, 2, || async {
        let (a, b) = StdUnix::pair().unwrap();
        let fd = std::rc::Rc::new(AsyncFd::new(a).unwrap());
        let mut b = b;
        b.write_all(b"1").unwrap();
        let mut buf = [0u8; 8];
        // The tokio-shaped loop: readable, try_io, continue on WouldBlock.
        let n = loop {
            let mut guard = fd.readable().await.unwrap();
            match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                Ok(r) => break r.unwrap(),
                Err(_would_block) => continue,
            }
        };
        assert_eq!(n, 1);
        // A read on the drained socket through a guard is a TryIoError, not an io::Error.
        // (A writable guard: an idle socketpair is writable, and readable() would park.)
        let mut guard = fd.writable().await.unwrap();
        assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
        guard.clear_ready();
        let e = fd
            .try_io(Interest::Readable, |s| (&*s).read(&mut buf))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WouldBlock);
        // A waiter now parks (no busy loop on a stale readiness) until new bytes arrive.
        let waiter = {
            let fd = fd.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 8];
                let n = fd
                    .async_io(Interest::Readable, |s| (&*s).read(&mut buf))
                    .await
                    .unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!waiter.is_finished());
        b.write_all(b"2").unwrap();
        assert_eq!(waiter.await.unwrap(), b"2");
    });
}

fn writable_parks_on_a_full_pipe(backend: &str) {
    run(backend, 2, || async {
        let (rx, tx) = os_pipe();
        let tx = std::rc::Rc::new(AsyncFd::new(tx).unwrap());
        let chunk = [7u8; 4096];
        let mut filled = 0usize;
        loop {
            match tx.try_io(Interest::Writable, |fd| {
                std::fs::File::from(fd.try_clone().unwrap()).write(&chunk)
            }) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(filled > 0);
        let waiter = {
            let tx = tx.clone();
            rill::spawn(async move {
                tx.writable().await.unwrap();
            })
        };
        settle().await;
        assert!(!waiter.is_finished(), "writable() resolved on a full pipe");
        // Drain it from another thread (the read end is blocking).
        let drained = std::thread::spawn(move || {
            let mut rx = std::fs::File::from(rx);
            let mut buf = vec![0u8; filled];
            rx.read_exact(&mut buf).unwrap();
            rx
        });
        waiter.await.unwrap();
        drop(drained.join().unwrap());
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn eventfd_async_io_round_trip(backend: &str) {
    run(backend, 2, || async {
        // SAFETY: eventfd(2) with constant arguments.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        assert!(raw >= 0);
        // SAFETY: a fresh descriptor nothing else owns.
        let efd = std::rc::Rc::new(AsyncFd::new(unsafe { OwnedFd::from_raw_fd(raw) }).unwrap());
        let reader = {
            let efd = efd.clone();
            rill::spawn(async move {
                efd.async_io(Interest::Readable, |fd| {
                    let mut v = 0u64;
                    // SAFETY: `v` is valid for 8 bytes of writes.
                    let r = unsafe { libc::read(fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
                    if r < 0 {
                        Err(io::Error::last_os_error())
                    } else {
                        Ok(v)
                    }
                })
                .await
                .unwrap()
            })
        };
        settle().await;
        assert!(!reader.is_finished(), "read an empty eventfd");
        efd.writable().await.unwrap();
        efd.async_io(Interest::Writable, |fd| {
            let v = 5u64;
            // SAFETY: `v` is valid for 8 bytes of reads.
            let r = unsafe { libc::write(fd.as_raw_fd(), (&v as *const u64).cast(), 8) };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(reader.await.unwrap(), 5);
    });
}

fn a_regular_file_is_refused_with_a_clear_error(backend: &str) {
    run(backend, 2, || async {
        let path =
            std::env::temp_dir().join(format!("rill-async-fd-{}-{backend}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let e = AsyncFd::new(file).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let msg = e.to_string();
        assert!(msg.contains("regular file"), "{msg}");
        assert!(msg.contains("spawn_blocking"), "{msg}");
        let dir = std::fs::File::open(std::env::temp_dir()).unwrap();
        let e = AsyncFd::new(dir).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let msg = e.to_string();
        assert!(msg.contains("directory"), "{msg}");
        // The reason given is this descriptor's, not another type's or one backend's.
        assert!(!msg.contains("regular file"), "{msg}");
        assert!(msg.contains("spawn_blocking"), "{msg}");
    });
}

/// A descriptor number that is not open (borrowed without ownership, so nothing closes it).
#[derive(Debug)]
struct Closed(RawFd);

impl AsFd for Closed {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: only used for the fstat that must fail; nothing reads or closes it.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

fn a_closed_descriptor_is_ebadf(backend: &str) {
    // Exclusive: another test of this binary running meanwhile could open a descriptor and get
    // the number this one just closed (seen once in CI: the fstat then succeeded).
    run_exclusive(backend, 2, || async {
        let (a, b) = os_pipe();
        let raw = a.as_raw_fd();
        drop(a);
        // `b` keeps the number from being the lowest free one for a moment; the test makes
        // no other descriptor in between.
        let e = AsyncFd::new(Closed(raw)).unwrap_err();
        drop(b);
        assert_eq!(e.raw_os_error(), Some(libc::EBADF), "{e}");
    });
}

fn into_inner_gives_the_object_back(backend: &str) {
    run(backend, 2, || async {
        let (a, mut b) = StdUnix::pair().unwrap();
        let fd = AsyncFd::new(a).unwrap();
        let mut a = fd.into_inner();
        assert!(
            is_nonblocking(a.as_raw_fd()),
            "documented: stays non-blocking"
        );
        // Deregistered: it can be registered again.
        b.write_all(b"k").unwrap();
        let mut buf = [0u8; 1];
        a.read_exact(&mut buf).unwrap();
        let again = AsyncFd::new(a).unwrap();
        drop(again);
    });
}

fn pipe_round_trip_and_eof(backend: &str) {
    run(backend, 2, || async {
        let (tx, rx) = pipe().unwrap();
        let payload = Rng::new(11).bytes(1 << 20);
        let expect = payload.clone();
        // More than the pipe holds: the writer parks on a full pipe, the reader on an empty one.
        let writer = rill::spawn(async move {
            tx.write_all(&payload).await.unwrap();
            // `tx` dropped here: EOF for the reader.
        });
        let mut got = Vec::new();
        rx.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got.len(), expect.len());
        assert!(got == expect, "bytes differ");
        let mut buf = [0u8; 4];
        assert_eq!(rx.read(&mut buf).await.unwrap(), 0, "EOF stays EOF");
    });
}

fn pipe_write_to_closed_reader_is_broken_pipe(backend: &str) {
    // SIGPIPE's default action kills the process: prove the write holds it back. (Rust
    // binaries start with it ignored, which would hide the bug.)
    // SAFETY: setting a signal disposition has no memory-safety preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    run(backend, 2, || async {
        let (tx, rx) = pipe().unwrap();
        drop(rx);
        let e = tx.write(b"nobody reads").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{e}");
        let e = tx
            .write_vectored(&[io::IoSlice::new(b"a"), io::IoSlice::new(b"b")])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{e}");
        // No SIGPIPE was left pending on this thread either.
        // SAFETY: sigset_t is initialised by sigemptyset/sigpending before it is read.
        let pending = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigpending(&mut set);
            libc::sigismember(&set, libc::SIGPIPE)
        };
        assert_eq!(pending, 0, "a SIGPIPE is pending");
    });
}

fn pipe_futures_io_traits(backend: &str) {
    run(backend, 0, || async {
        let (tx, rx) = pipe().unwrap();
        let mut tx: PipeWriter = tx;
        let mut rx: PipeReader = rx;
        let reader = rill::spawn(async move {
            let mut buf = [0u8; 16];
            let n = poll_fn(|cx| futures_io::AsyncRead::poll_read(Pin::new(&mut rx), cx, &mut buf))
                .await
                .unwrap();
            buf[..n].to_vec()
        });
        settle().await;
        let n = poll_fn(|cx| futures_io::AsyncWrite::poll_write(Pin::new(&mut tx), cx, b"trait"))
            .await
            .unwrap();
        assert_eq!(n, 5);
        poll_fn(|cx| futures_io::AsyncWrite::poll_flush(Pin::new(&mut tx), cx))
            .await
            .unwrap();
        assert_eq!(reader.await.unwrap(), b"trait");
    });
}

fn pipe_from_owned_fd_checks_the_kind(backend: &str) {
    run(backend, 2, || async {
        let (a, _b) = StdUnix::pair().unwrap();
        let e = PipeReader::from_owned_fd(OwnedFd::from(a)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        // A pipe made elsewhere (blocking) is adopted and made non-blocking.
        let (rx, tx) = os_pipe();
        let rx = PipeReader::from_owned_fd(rx).unwrap();
        let tx = PipeWriter::from_owned_fd(tx).unwrap();
        assert!(is_nonblocking(rx.as_raw_fd()) && is_nonblocking(tx.as_raw_fd()));
        tx.write_all(b"adopted").await.unwrap();
        let mut buf = [0u8; 7];
        rx.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"adopted");
    });
}

per_backend!(
    readable_waits_for_data_and_consumes_nothing,
    readable_after_would_block_parks_until_new_data,
    writable_parks_on_a_full_pipe,
    a_regular_file_is_refused_with_a_clear_error,
    a_closed_descriptor_is_ebadf,
    into_inner_gives_the_object_back,
    pipe_round_trip_and_eof,
    pipe_write_to_closed_reader_is_broken_pipe,
    pipe_futures_io_traits,
    pipe_from_owned_fd_checks_the_kind,
);

#[cfg(any(target_os = "linux", target_os = "android"))]
per_backend!(eventfd_async_io_round_trip);
