//! H19: a short transfer taken as proof of "drained" while bytes remain. Each case makes the
//! kernel stop a transfer short for a reason other than an empty (or full) socket, after the
//! edge that announced the bytes was consumed, then checks that the next op still completes.
//! Without the rule in `std-adapter/src/transfer.rs` (and the core's `Slot::trusted`) the
//! second op parks forever on the edge-triggered backend; every backend runs every case.

use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream as StdUnix;
use std::time::Duration;

use rill::UnixStream;
use rill_tests::{per_backend, run, tcp_pair_with_std_peer};

/// How long an op that should complete at once may take before the case fails as a hang.
const HANG: Duration = Duration::from_secs(10);

/// Lets spawned tasks run until they park.
async fn settle() {
    for _ in 0..8 {
        rill::yield_now().await;
    }
}

/// `recv` stops at the TCP urgent mark: `abc` comes back short with `def` still queued.
fn urgent_mark_strands_no_bytes(backend: &str) {
    run(backend, 2, || async {
        let (ours, peer) = tcp_pair_with_std_peer();
        let reader = rill::spawn(async move {
            let mut buf = [0u8; 64];
            let n = ours.read(&mut buf).await.unwrap();
            let mut got = buf[..n].to_vec();
            while got.len() < 6 {
                match rill::timeout(HANG, ours.read(&mut buf)).await {
                    Ok(n) => got.extend_from_slice(&buf[..n.unwrap()]),
                    Err(_) => panic!("read hangs after {:?} with bytes queued", got),
                }
            }
            got
        });
        settle().await; // the reader is parked: one edge will announce everything below
        let fd = peer.as_raw_fd();
        (&peer).write_all(b"abc").unwrap();
        // SAFETY: a one-byte send from a valid buffer on an open socket.
        let sent = unsafe { libc::send(fd, b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
        assert_eq!(sent, 1);
        (&peer).write_all(b"def").unwrap();
        assert_eq!(reader.await.unwrap(), b"abcdef");
    });
}

/// `readv` takes at most `IOV_MAX` buffers: 2048 one-byte buffers read 1024 bytes, which is not
/// "short" for what the kernel was offered.
fn read_vectored_over_iov_max_strands_no_bytes(backend: &str) {
    run(backend, 2, || async {
        let (ours, mut peer) = tcp_pair_with_std_peer();
        let reader = rill::spawn(async move {
            let mut one = [0u8; 1];
            assert_eq!(ours.read(&mut one).await.unwrap(), 1); // parks, then takes 1 byte
            let mut store = vec![0u8; 2048];
            let n = {
                let mut bufs: Vec<IoSliceMut<'_>> =
                    store.chunks_mut(1).map(IoSliceMut::new).collect();
                ours.read_vectored(&mut bufs).await.unwrap()
            };
            let mut rest = vec![0u8; 4096 - 1 - n];
            match rill::timeout(HANG, ours.read_exact(&mut rest)).await {
                Ok(r) => r.unwrap(),
                Err(_) => panic!("read hangs after a capped readv of {n} bytes"),
            }
            n
        });
        settle().await;
        peer.write_all(&[7u8; 4096]).unwrap();
        assert_eq!(reader.await.unwrap(), 1024);
    });
}

/// `sendmsg` takes at most `IOV_MAX` slices: a capped vectored write is not a full socket.
fn write_vectored_over_iov_max_does_not_wait_for_space(backend: &str) {
    run(backend, 2, || async {
        let (ours, mut peer) = tcp_pair_with_std_peer();
        let bytes = vec![1u8; 2048];
        let slices: Vec<IoSlice<'_>> = bytes.chunks(1).map(IoSlice::new).collect();
        // Let the loop wait once, so the "writable" edge of the fresh registration is consumed
        // and no later edge will come on its own.
        rill::sleep(Duration::from_millis(20)).await;
        let n = ours.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 1024, "sendmsg takes the first IOV_MAX slices");
        match rill::timeout(HANG, ours.write_all(&bytes[n..])).await {
            Ok(r) => r.unwrap(),
            Err(_) => panic!("write waits for buffer space after a capped sendmsg"),
        }
        let mut back = vec![0u8; 2048];
        peer.read_exact(&mut back).unwrap();
        assert_eq!(back, bytes);
    });
}

/// Sends `data` with one descriptor attached (`SCM_RIGHTS`); the error when the receiver
/// refuses descriptors (`EPERM`).
fn send_with_fd(sock: &StdUnix, data: &[u8], fd: i32) -> std::io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut _,
        iov_len: data.len(),
    };
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<i32>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: an all-zero msghdr is valid; every pointer set below outlives the sendmsg call,
    // and the control buffer is CMSG_SPACE(one int) bytes, as CMSG_FIRSTHDR/CMSG_DATA expect.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<i32>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), fd);
        libc::sendmsg(sock.as_raw_fd(), &msg, 0)
    };
    if sent < 0 {
        return Err(std::io::Error::last_os_error());
    }
    assert_eq!(sent, data.len() as isize);
    Ok(())
}

/// Every way to come by a rill `UnixStream`, each with a std peer: `(how, ours, peer, rill
/// made the socket)`. Sockets rill makes refuse descriptors where the kernel can; sockets
/// handed in keep taking them, and rill reads those with `recvmsg`.
async fn unix_streams() -> Vec<(&'static str, UnixStream, StdUnix, bool)> {
    // Tests of this binary run at once, so each call takes paths no other call uses.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir();
    let path = |what: &str| {
        dir.join(format!(
            "rill-h19-{what}-{}-{call}.sock",
            std::process::id()
        ))
    };
    let mut all = Vec::new();

    let (ours, peer) = UnixStream::pair().unwrap();
    all.push(("pair", ours, peer.into_std(), true));

    let (ours, peer) = StdUnix::pair().unwrap();
    all.push(("from_std", UnixStream::from_std(ours).unwrap(), peer, false));

    let p = path("connect");
    let _ = std::fs::remove_file(&p);
    let listener = std::os::unix::net::UnixListener::bind(&p).unwrap();
    let ours = UnixStream::connect(&p).await.unwrap();
    all.push(("connect", ours, listener.accept().unwrap().0, true));
    std::fs::remove_file(&p).unwrap();

    let p = path("bind");
    let _ = std::fs::remove_file(&p);
    let listener = rill::UnixListener::bind(&p).unwrap();
    let peer = StdUnix::connect(&p).unwrap();
    all.push((
        "accept on bind",
        listener.accept().await.unwrap().0,
        peer,
        true,
    ));
    std::fs::remove_file(&p).unwrap();

    let p = path("listener-from-std");
    let _ = std::fs::remove_file(&p);
    let std_listener = std::os::unix::net::UnixListener::bind(&p).unwrap();
    let peer = StdUnix::connect(&p).unwrap(); // queued before rill takes the listener
    let listener = rill::UnixListener::from_std(std_listener).unwrap();
    all.push((
        "accept on from_std",
        listener.accept().await.unwrap().0,
        peer,
        false,
    ));
    std::fs::remove_file(&p).unwrap();
    all
}

/// A Unix stream read stops after a segment that carried descriptors, with bytes behind it:
/// on every kind of `UnixStream`, either the peer's descriptor is refused or the bytes behind
/// the boundary are read.
fn unix_ancillary_boundary_strands_no_bytes(backend: &str) {
    run(backend, 2, || async {
        for (how, ours, peer, _) in unix_streams().await {
            let reader = rill::spawn(async move {
                let mut buf = [0u8; 64];
                let mut got = Vec::new();
                while got.len() < 6 {
                    match rill::timeout(HANG, ours.read(&mut buf)).await {
                        Ok(n) => got.extend_from_slice(&buf[..n.unwrap()]),
                        Err(_) => panic!("{how}: read hangs after {:?} with bytes queued", got),
                    }
                }
                got
            });
            settle().await;
            let (carried, _keep) = StdUnix::pair().unwrap();
            if let Err(e) = send_with_fd(&peer, b"abc", carried.as_raw_fd()) {
                assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{how}");
                (&peer).write_all(b"abc").unwrap();
            }
            (&peer).write_all(b"def").unwrap();
            assert_eq!(reader.await.unwrap(), b"abcdef", "{how}");
        }
    });
}

/// True when this kernel lets a Unix socket refuse descriptors (`SO_PASSRIGHTS`, Linux 6.16).
fn kernel_refuses_descriptors() -> bool {
    if !cfg!(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        return false;
    }
    let (a, _b) = StdUnix::pair().unwrap();
    let off: libc::c_int = 0;
    // SAFETY: `off` is a valid c_int for the duration of the call.
    let r = unsafe {
        libc::setsockopt(
            a.as_raw_fd(),
            libc::SOL_SOCKET,
            83, // SO_PASSRIGHTS
            (&off as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    r == 0
}

/// The sockets rill makes refuse descriptors (so they can read with `recv`); those handed in
/// do not; `into_std` hands a socket back taking them again.
fn unix_streams_rill_makes_refuse_descriptors(backend: &str) {
    let refusing = kernel_refuses_descriptors();
    run(backend, 2, || async {
        for (how, ours, peer, made) in unix_streams().await {
            let (carried, _keep) = StdUnix::pair().unwrap();
            let sent = send_with_fd(&peer, b"x", carried.as_raw_fd());
            if made && refusing {
                let e = sent.expect_err(how);
                assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{how}");
            } else {
                sent.unwrap_or_else(|e| panic!("{how}: {e}"));
                let mut one = [0u8; 1];
                assert_eq!(ours.read(&mut one).await.unwrap(), 1, "{how}");
            }
            let back = ours.into_std();
            send_with_fd(&peer, b"y", carried.as_raw_fd())
                .unwrap_or_else(|e| panic!("{how} after into_std: {e}"));
            let mut one = [0u8; 1];
            (&back).read_exact(&mut one).unwrap();
            assert_eq!(&one, b"y", "{how}");
        }
    });
}

/// A Linux packet-mode pipe (`O_DIRECT`) stops each read at a packet: two packets written before
/// one edge read back as two short reads, and the second packet has no edge of its own. The
/// writer decides packet mode, and the read end's flags never show it: a pipe made with
/// `pipe2(O_DIRECT)` and handed in, and a pipe rill made whose writer turned `O_DIRECT` on later.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn packet_mode_pipe_boundary_strands_no_bytes(backend: &str) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    run(backend, 2, || async move {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array it is given.
        let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_DIRECT | libc::O_CLOEXEC) };
        assert_eq!(r, 0, "pipe2(O_DIRECT): {}", std::io::Error::last_os_error());
        // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
        let (rx, tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let handed_in = (
            rill::PipeReader::from_owned_fd(rx).unwrap(),
            rill::PipeWriter::from_owned_fd(tx).unwrap(),
        );
        let (w, r) = rill::pipe().unwrap();
        let fd = w.as_raw_fd();
        // SAFETY: fcntl with integer arguments on the writer's open descriptor.
        let set = unsafe {
            libc::fcntl(
                fd,
                libc::F_SETFL,
                libc::fcntl(fd, libc::F_GETFL) | libc::O_DIRECT,
            )
        };
        assert_eq!(
            set,
            0,
            "F_SETFL O_DIRECT: {}",
            std::io::Error::last_os_error()
        );
        for (how, (ours, writer)) in [
            ("pipe2(O_DIRECT) handed in", handed_in),
            ("rill::pipe, writer set O_DIRECT", (r, w)),
        ] {
            let reader = rill::spawn(async move {
                let mut buf = [0u8; 64];
                let n = ours.read(&mut buf).await.unwrap();
                assert_eq!(
                    &buf[..n],
                    b"abc",
                    "{how}: the first read stops at the first packet"
                );
                match rill::timeout(HANG, ours.read(&mut buf)).await {
                    Ok(n) => buf[..n.unwrap()].to_vec(),
                    Err(_) => panic!("{how}: read hangs with a second packet queued"),
                }
            });
            settle().await; // the reader is parked: one edge will announce both packets
            writer.write_all(b"abc").await.unwrap();
            writer.write_all(b"defgh").await.unwrap();
            assert_eq!(reader.await.unwrap(), b"defgh", "{how}");
        }
    });
}

per_backend!(
    urgent_mark_strands_no_bytes,
    read_vectored_over_iov_max_strands_no_bytes,
    write_vectored_over_iov_max_does_not_wait_for_space,
    unix_ancillary_boundary_strands_no_bytes,
    unix_streams_rill_makes_refuse_descriptors,
);

#[cfg(any(target_os = "linux", target_os = "android"))]
per_backend!(packet_mode_pipe_boundary_strands_no_bytes);
