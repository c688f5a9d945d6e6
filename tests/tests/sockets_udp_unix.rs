//! UDP and Unix-domain, complete: UDP peeks, reads into uninitialised memory, the `poll_*` and
//! `try_*` forms (a `try_recv` `WouldBlock` must not strand a later `recv`), async `connect`
//! (literal and name), the multicast options; `UnixDatagram` in every mode (bound, unbound,
//! pair, connected); the abstract namespace (Linux); peer credentials; Unix stream halves; and
//! the conversions of the UDP and Unix types with their kind checks. Every case runs on every
//! backend.

use std::future::poll_fn;
use std::io::ErrorKind;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use rill::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use rill_tests::{per_backend, run};

/// Lets every other task run and the loop wait in the OS once, so a parked op stays parked.
async fn settle() {
    rill::sleep(Duration::from_millis(20)).await;
}

/// A fresh, empty directory for socket paths, unique per test and backend.
fn scratch(name: &str, backend: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("rill-sock-{name}-{backend}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn udp_peek_recv_buf_poll_and_try(backend: &str) {
    run(backend, 2, || async {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());

        // peek_from leaves the datagram queued; recv_from then takes it.
        a.send_to(b"peeked", ba).await.unwrap();
        let mut buf = [0u8; 32];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"peeked"[..], aa));
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"peeked"[..], aa));

        // Into uninitialised memory (a Vec's spare capacity).
        a.send_to(b"uninit-from", ba).await.unwrap();
        let mut v: Vec<u8> = Vec::with_capacity(64);
        let (n, from) = b.recv_buf_from(v.spare_capacity_mut()).await.unwrap();
        // SAFETY: recv_buf_from initialised the first n bytes.
        unsafe { v.set_len(n) };
        assert_eq!((&v[..], from), (&b"uninit-from"[..], aa));

        // Connected: async connect with literals, send / recv / peek / recv_buf / poll_*.
        a.connect(ba).await.unwrap();
        b.connect(aa).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), ba);
        a.send(b"one").await.unwrap();
        let n = b.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"one");
        let mut raw = [MaybeUninit::<u8>::uninit(); 16];
        let n = b.recv_buf(&mut raw).await.unwrap();
        // SAFETY: recv_buf initialised the first n bytes.
        let got: Vec<u8> = raw[..n]
            .iter()
            .map(|b| unsafe { b.assume_init() })
            .collect();
        assert_eq!(got, b"one");
        let n = poll_fn(|cx| a.poll_send(cx, b"polled")).await.unwrap();
        assert_eq!(n, 6);
        let n = poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"polled");
        poll_fn(|cx| a.poll_send_to(cx, b"pf", ba)).await.unwrap();
        let (n, from) = poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"pf"[..], aa));
        let (n, _) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"pf");

        // try_recv: WouldBlock, and a recv after it still completes when a datagram comes.
        assert_eq!(
            b.try_recv(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let reader = {
            let b = b.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 32];
                let n = b.recv(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!reader.is_finished(), "recv completed with nothing sent");
        a.try_send(b"late").unwrap();
        assert_eq!(reader.await.unwrap(), b"late");
        // readable() waits, consumes nothing; try_recv then gets it.
        let waiter = {
            let b = b.clone();
            rill::spawn(async move { b.readable().await.unwrap() })
        };
        settle().await;
        assert!(
            !waiter.is_finished(),
            "readable() resolved with nothing queued"
        );
        a.writable().await.unwrap();
        a.try_send_to(b"ready", ba).unwrap();
        waiter.await.unwrap();
        let n = b.try_recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ready");

        a.set_ttl(17).unwrap();
        assert_eq!(a.ttl().unwrap(), 17);
        a.set_broadcast(true).unwrap();
        assert!(a.broadcast().unwrap());
    });
}

fn udp_connect_resolves_names_on_the_pool(backend: &str) {
    run(backend, 2, || async {
        let target = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = target.local_addr().unwrap().port();
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let before = rill::blocking_jobs_submitted_on_this_thread();
        socket.connect(format!("127.0.0.1:{port}")).await.unwrap();
        assert_eq!(
            rill::blocking_jobs_submitted_on_this_thread(),
            before,
            "a literal went through the pool"
        );
        // A name: resolved on the pool; "localhost" may give ::1 first, which an IPv4 socket
        // cannot connect to, so the next address is tried.
        socket.connect(("localhost", port)).await.unwrap();
        assert!(rill::blocking_jobs_submitted_on_this_thread() > before);
        let peer = socket.peer_addr().unwrap();
        assert!(peer.ip().is_loopback() && peer.port() == port, "{peer}");
        socket.send(b"named").await.unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = target.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"named");
        for bad in ["127.0.0.1", "localhost:http"] {
            let e = socket.connect(bad).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}: {e}");
        }
    });
}

fn udp_multicast_options(backend: &str) {
    run(backend, 2, || async {
        let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
        socket.set_multicast_loop_v4(false).unwrap();
        assert!(!socket.multicast_loop_v4().unwrap());
        socket.set_multicast_loop_v4(true).unwrap();
        assert!(socket.multicast_loop_v4().unwrap());
        socket.set_multicast_ttl_v4(5).unwrap();
        assert_eq!(socket.multicast_ttl_v4().unwrap(), 5);
        // Not a multicast address: a clear error, before any syscall.
        let e = socket
            .join_multicast_v4(&Ipv4Addr::LOCALHOST, &Ipv4Addr::UNSPECIFIED)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("not a multicast address"), "{e}");
        let e = socket
            .leave_multicast_v6(&Ipv6Addr::LOCALHOST, 0)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

        let group = Ipv4Addr::new(239, 255, 42, 99);
        match socket.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST) {
            Ok(()) => {
                // Joined on loopback: leaving works once, and a second leave is the OS error.
                socket
                    .leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
                    .unwrap();
                assert!(socket
                    .leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
                    .is_err());
            }
            Err(e) => println!("note: the kernel refused a multicast join on lo ({e}); skipped"),
        }

        match UdpSocket::bind("[::]:0") {
            Ok(v6) => {
                v6.set_multicast_loop_v6(false).unwrap();
                assert!(!v6.multicast_loop_v6().unwrap());
                v6.set_multicast_loop_v6(true).unwrap();
                assert!(v6.multicast_loop_v6().unwrap());
                let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
                match v6.join_multicast_v6(&group, 0) {
                    Ok(()) => v6.leave_multicast_v6(&group, 0).unwrap(),
                    Err(e) => println!("note: the kernel refused an IPv6 multicast join ({e})"),
                }
            }
            Err(e) => println!("note: no IPv6 here ({e}); IPv6 multicast options skipped"),
        }
    });
}

fn unix_datagram_all_modes(backend: &str) {
    run(backend, 2, || async {
        let dir = scratch("dgram", backend);
        let server_path = dir.join("server");
        let server = Rc::new(UnixDatagram::bind(&server_path).unwrap());
        assert_eq!(
            server.local_addr().unwrap().as_pathname(),
            Some(server_path.as_path())
        );
        let mut buf = [0u8; 64];

        // Unbound sender: its datagrams come from an unnamed address.
        let unbound = UnixDatagram::unbound().unwrap();
        assert!(unbound.local_addr().unwrap().is_unnamed());
        unbound
            .send_to(b"from unbound", &server_path)
            .await
            .unwrap();
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from unbound");
        assert!(from.is_unnamed());
        let e = server.send_to_addr(b"x", &from).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

        // Bound sender: the server answers to the address it saw.
        let client_path = dir.join("client");
        let client = UnixDatagram::bind(&client_path).unwrap();
        client.send_to(b"from bound", &server_path).await.unwrap();
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from bound");
        assert_eq!(from.as_pathname(), Some(client_path.as_path()));
        server.send_to_addr(b"reply", &from).await.unwrap();
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"reply");

        // Connected: send / recv / peek, peer_addr.
        assert_eq!(
            client.peer_addr().unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        client.connect(&server_path).unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(server_path.as_path())
        );
        client.send(b"connected").await.unwrap();
        let n = server.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"connected");
        let n = server.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"connected");
        let n = poll_fn(|cx| client.poll_send(cx, b"polled")).await.unwrap();
        assert_eq!(n, 6);
        let (n, from) = poll_fn(|cx| server.poll_recv_from(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"polled");
        assert_eq!(from.as_pathname(), Some(client_path.as_path()));
        poll_fn(|cx| unbound.poll_send_to(cx, b"ps", &server_path))
            .await
            .unwrap();
        let n = poll_fn(|cx| server.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"ps");

        // try_recv WouldBlock, then a recv that parks completes on the next datagram.
        assert_eq!(
            server.try_recv(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(
            server.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let reader = {
            let s = server.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 64];
                let n = s.recv(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!reader.is_finished());
        client.writable().await.unwrap();
        client.try_send(b"late").unwrap();
        assert_eq!(reader.await.unwrap(), b"late");
        unbound.try_send_to(b"t", &server_path).unwrap();
        server.readable().await.unwrap();
        assert_eq!(server.try_recv(&mut buf).unwrap(), 1);

        // A pair.
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"pair").await.unwrap();
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pair");
        b.send(b"back").await.unwrap();
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
        assert!(from.is_unnamed());
        a.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(a.send(b"x").await.is_err(), "a send after shutdown(Write)");
        assert!(a.take_error().unwrap().is_none());

        // Bad input: a path already bound, a path nobody listens on.
        assert_eq!(
            UnixDatagram::bind(&server_path).unwrap_err().kind(),
            ErrorKind::AddrInUse
        );
        let e = unbound.send_to(b"x", dir.join("nobody")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_namespace_round_trip(backend: &str) {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::SocketAddr as UnixAddr;

    run(backend, 2, || async {
        let name = format!("rill-abstract-{backend}-{}", std::process::id());
        // Streams.
        let addr = UnixAddr::from_abstract_name(format!("{name}-stream")).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(format!("{name}-stream").as_bytes())
        );
        let client = UnixStream::connect_addr(&addr).await.unwrap();
        let (served, _) = listener.accept().await.unwrap();
        client.write_all(b"abstract stream").await.unwrap();
        let mut buf = [0u8; 15];
        served.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abstract stream");
        assert_eq!(
            client.peer_addr().unwrap().as_abstract_name(),
            Some(format!("{name}-stream").as_bytes())
        );
        // Nobody there: the OS error, through the non-blocking connect.
        let nobody = UnixAddr::from_abstract_name(format!("{name}-nobody")).unwrap();
        let e = UnixStream::connect_addr(&nobody).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
        // An unnamed address cannot be connected to.
        let (pa, _pb) = std::os::unix::net::UnixStream::pair().unwrap();
        let unnamed = pa.local_addr().unwrap();
        let e = UnixStream::connect_addr(&unnamed).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

        // Datagrams: bound, connected, and send_to_addr.
        let daddr = UnixAddr::from_abstract_name(format!("{name}-dgram")).unwrap();
        let server = UnixDatagram::bind_addr(&daddr).unwrap();
        let caddr = UnixAddr::from_abstract_name(format!("{name}-dgram-client")).unwrap();
        let client = UnixDatagram::bind_addr(&caddr).unwrap();
        client.connect_addr(&daddr).unwrap();
        client.send(b"dgram").await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"dgram");
        assert_eq!(
            from.as_abstract_name(),
            Some(format!("{name}-dgram-client").as_bytes())
        );
        server.send_to_addr(b"answer", &from).await.unwrap();
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"answer");
    });
}

fn peer_cred_is_ours(backend: &str) {
    run(backend, 2, || async {
        // SAFETY: getuid / getgid / getpid have no preconditions.
        let (uid, gid, pid) = unsafe { (libc::getuid(), libc::getgid(), libc::getpid()) };
        let (a, b) = UnixStream::pair().unwrap();
        for s in [&a, &b] {
            let cred = s.peer_cred().unwrap();
            assert_eq!((cred.uid(), cred.gid()), (uid, gid));
            if cfg!(any(
                target_os = "linux",
                target_os = "android",
                target_os = "macos"
            )) {
                assert_eq!(cred.pid(), Some(pid));
            }
        }
        // Through a listener: both ends see this process.
        let dir = scratch("cred", backend);
        let path = dir.join("l");
        let listener = UnixListener::bind(&path).unwrap();
        let client = UnixStream::connect(&path).await.unwrap();
        let (served, _) = listener.accept().await.unwrap();
        assert_eq!(client.peer_cred().unwrap().uid(), uid);
        assert_eq!(served.peer_cred().unwrap().uid(), uid);
        if cfg!(any(target_os = "linux", target_os = "android")) {
            assert_eq!(served.peer_cred().unwrap().pid(), Some(pid));
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}

fn unix_stream_halves_and_readiness(backend: &str) {
    run(backend, 2, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let b = Rc::new(b);
        let mut buf = [0u8; 16];
        assert_eq!(
            b.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let reader = {
            let b = b.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 16];
                let n = b.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!reader.is_finished());
        assert_eq!(a.try_write(b"unix").unwrap(), 4);
        assert_eq!(reader.await.unwrap(), b"unix");

        let (read, write) = a.into_split();
        let b2 = b.clone();
        let echo = rill::spawn(async move {
            let mut buf = [0u8; 4];
            b2.read_exact(&mut buf).await.unwrap();
            b2.write_all(&buf).await.unwrap();
        });
        let writer = rill::spawn(async move {
            write.write_all(b"halo").await.unwrap();
            write
        });
        let reader = rill::spawn(async move {
            let mut buf = [0u8; 4];
            read.read_exact(&mut buf).await.unwrap();
            (read, buf)
        });
        let write = writer.await.unwrap();
        let (read, got) = reader.await.unwrap();
        echo.await.unwrap();
        assert_eq!(&got, b"halo");
        let (c, _d) = UnixStream::pair().unwrap();
        let (c_read, c_write) = c.into_split();
        let rill::ReuniteError(read, c_write) = read.reunite(c_write).unwrap_err();
        drop(c_read.reunite(c_write).unwrap());
        let a = write.reunite(read).unwrap();
        a.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(
            b.read(&mut buf).await.unwrap(),
            0,
            "EOF after reunite + shutdown"
        );
        // Dropping an owned write half shuts down its direction; the read half still reads.
        let (e, f) = UnixStream::pair().unwrap();
        let (e_read, e_write) = e.into_split();
        drop(e_write);
        assert_eq!(
            f.read(&mut buf).await.unwrap(),
            0,
            "EOF after the write half's drop"
        );
        f.write_all(b"more").await.unwrap();
        e_read.read_exact(&mut buf[..4]).await.unwrap();
        assert_eq!(&buf[..4], b"more");
    });
}

fn udp_and_unix_conversions(backend: &str) {
    run(backend, 2, || async {
        let mut buf = [0u8; 8];
        // UdpSocket: OwnedFd, socket2, std, all the same descriptor and still usable.
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        let fd = u.as_raw_fd();
        let u = UdpSocket::try_from(OwnedFd::from(u)).unwrap();
        let u = UdpSocket::try_from(u.into_socket2()).unwrap();
        let u = UdpSocket::from_std(u.into_std()).unwrap();
        let u = UdpSocket::try_from(socket2::Socket::from(u)).unwrap();
        assert_eq!(u.as_raw_fd(), fd);
        let addr: SocketAddr = u.local_addr().unwrap();
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        peer.send_to(b"udp", addr).await.unwrap();
        let (n, _) = u.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"udp");

        // UnixStream.
        let (a, b) = UnixStream::pair().unwrap();
        let a = UnixStream::try_from(OwnedFd::from(a)).unwrap();
        let a = UnixStream::try_from(a.into_socket2()).unwrap();
        let a = UnixStream::from_std(a.into_std()).unwrap();
        a.write_all(b"us").await.unwrap();
        b.read_exact(&mut buf[..2]).await.unwrap();
        assert_eq!(&buf[..2], b"us");

        // UnixDatagram.
        let (x, y) = UnixDatagram::pair().unwrap();
        let x = UnixDatagram::try_from(OwnedFd::from(x)).unwrap();
        let x = UnixDatagram::try_from(x.into_socket2()).unwrap();
        let x = UnixDatagram::from_std(x.into_std()).unwrap();
        let x = UnixDatagram::try_from(socket2::Socket::from(x)).unwrap();
        x.send(b"ud").await.unwrap();
        let n = y.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ud");

        // UnixListener.
        let dir = scratch("conv", backend);
        let path = dir.join("l");
        let l = UnixListener::bind(&path).unwrap();
        let l = UnixListener::try_from(OwnedFd::from(l)).unwrap();
        let l = UnixListener::try_from(l.into_socket2()).unwrap();
        let l = UnixListener::from_std(l.into_std()).unwrap();
        let c = UnixStream::connect(&path).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        c.write_all(b"ul").await.unwrap();
        s.read_exact(&mut buf[..2]).await.unwrap();

        // The wrong kinds, each refused with InvalidInput naming what it is.
        let (stream_fd, _) = std::os::unix::net::UnixStream::pair().unwrap();
        let e = UnixDatagram::try_from(OwnedFd::from(stream_fd)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("Unix-domain stream"), "{e}");
        let (dgram_fd, _) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let e = UnixStream::try_from(OwnedFd::from(dgram_fd)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let e = UdpSocket::try_from(OwnedFd::from(tcp)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let e = UnixListener::try_from(OwnedFd::from(udp)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        if cfg!(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd"
        )) {
            let e = UnixStream::try_from(l.into_socket2()).unwrap_err();
            assert!(e.to_string().contains("listening"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}

per_backend!(
    udp_peek_recv_buf_poll_and_try,
    udp_connect_resolves_names_on_the_pool,
    udp_multicast_options,
    unix_datagram_all_modes,
    peer_cred_is_ours,
    unix_stream_halves_and_readiness,
    udp_and_unix_conversions,
);

#[cfg(any(target_os = "linux", target_os = "android"))]
per_backend!(abstract_namespace_round_trip);
