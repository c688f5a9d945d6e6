//! TCP, complete: the `TcpSocket` builder (options read back, bind before connect, the family
//! checks), stream options (keepalive, linger, ttl, tos), `readable` / `writable` and the
//! `try_*` calls (a `try_read` that saw `WouldBlock` must not strand a later `read`, on the
//! edge-triggered backend too), split halves (two tasks, reunite, a mismatched reunite, the
//! write half's drop and `forget`), a
//! proxy built from `futures-util`'s generic `io::copy`, and the conversions (`OwnedFd`,
//! `socket2::Socket`, std) with their kind checks. Every case runs on every backend.

use std::future::{poll_fn, Future};
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use rill::{TcpKeepalive, TcpListener, TcpSocket, TcpStream};
use rill_tests::{per_backend, run};
use socket2::SockRef;

/// Lets every other task run and the loop wait in the OS once, so a parked op stays parked.
async fn settle() {
    rill::sleep(Duration::from_millis(20)).await;
}

/// A connected pair: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Polls two futures to completion together on this task (for borrowed halves, which cannot
/// be spawned).
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

fn tcp_socket_options_read_back(backend: &str) {
    run(backend, 2, || async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.set_reuseport(true).unwrap();
        assert!(socket.reuseport().unwrap());
        socket.set_send_buffer_size(64 * 1024).unwrap();
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        socket.set_recv_buffer_size(48 * 1024).unwrap();
        assert!(socket.recv_buffer_size().unwrap() >= 48 * 1024);
        socket.set_nodelay(true).unwrap();
        assert!(socket.nodelay().unwrap());
        socket.set_linger(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
        socket.set_keepalive(true).unwrap();
        assert!(socket.keepalive().unwrap());
        socket.set_tos(0x10).unwrap();
        assert_eq!(socket.tos().unwrap(), 0x10);
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let bound = socket.local_addr().unwrap();
        assert_ne!(bound.port(), 0);
        let listener = socket.listen(16).unwrap();
        assert_eq!(listener.local_addr().unwrap(), bound);
        // The options survived into the listener (read back through socket2).
        let sock = SockRef::from(&listener);
        assert!(sock.reuse_address().unwrap());
        assert!(sock.reuse_port().unwrap());
        assert!(sock.recv_buffer_size().unwrap() >= 48 * 1024);
        // And the listener works.
        let client = TcpStream::connect(bound).await.unwrap();
        let (_served, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());

        // IPv6-only, and the family checks.
        let v6 = TcpSocket::new_v6().unwrap();
        v6.set_only_v6(true).unwrap();
        assert!(v6.only_v6().unwrap());
        v6.set_only_v6(false).unwrap();
        assert!(!v6.only_v6().unwrap());
        let e = v6.bind("127.0.0.1:0".parse().unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("new_v4"), "{e}");
        assert_eq!(v6.set_tos(1).unwrap_err().kind(), ErrorKind::InvalidInput);
        let v4 = TcpSocket::new_v4().unwrap();
        assert_eq!(
            v4.set_only_v6(true).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(v4.only_v6().unwrap_err().kind(), ErrorKind::InvalidInput);
        let e = v4.set_send_buffer_size(u32::MAX).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let e = v4.set_recv_buffer_size(u32::MAX).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    });
}

fn tcp_socket_binds_before_connect(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let local = socket.local_addr().unwrap();
        let client = socket.connect(addr).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, local, "the connect used the bound address");
        assert_eq!(client.local_addr().unwrap(), local);
        assert_eq!(client.peer_addr().unwrap(), addr);
        client.write_all(b"bound").await.unwrap();
        let mut buf = [0u8; 5];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"bound");

        // A refused connect is the OS error, through the reactor.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let e = TcpSocket::new_v4()
            .unwrap()
            .connect(closed)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
        // The family check comes before any syscall.
        let v6_addr: SocketAddr = "[::1]:1".parse().unwrap();
        let e = TcpSocket::new_v4()
            .unwrap()
            .connect(v6_addr)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    });
}

fn stream_options_read_back(backend: &str) {
    run(backend, 2, || async {
        let (client, _server) = tcp_pair().await;
        assert_eq!(client.keepalive().unwrap(), None);
        let params = TcpKeepalive::new()
            .with_time(Duration::from_secs(61))
            .with_interval(Duration::from_secs(7))
            .with_retries(4);
        client.set_keepalive(Some(params)).unwrap();
        assert_eq!(client.keepalive().unwrap(), Some(params));
        let sock = SockRef::from(&client);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(61));
        assert_eq!(
            sock.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(7)
        );
        assert_eq!(sock.tcp_keepalive_retries().unwrap(), 4);
        // Only the time: the other two keep their values.
        let time_only = TcpKeepalive::new().with_time(Duration::from_secs(90));
        client.set_keepalive(Some(time_only)).unwrap();
        let now = client.keepalive().unwrap().unwrap();
        assert_eq!(now.time(), Some(Duration::from_secs(90)));
        assert_eq!(now.retries(), Some(4));
        client.set_keepalive(None).unwrap();
        assert_eq!(client.keepalive().unwrap(), None);
        // Bad values are refused before any syscall, with the reason.
        for bad in [
            TcpKeepalive::new().with_time(Duration::from_millis(500)),
            TcpKeepalive::new().with_interval(Duration::ZERO),
            TcpKeepalive::new().with_retries(0),
            TcpKeepalive::new().with_time(Duration::from_secs(u64::MAX)),
        ] {
            let e = client.set_keepalive(Some(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}: {e}");
        }
        assert_eq!(
            client.keepalive().unwrap(),
            None,
            "a refused call changed nothing"
        );

        client.set_linger(Some(Duration::from_secs(2))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(2)));
        client.set_linger(None).unwrap();
        assert_eq!(client.linger().unwrap(), None);
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        client.set_tos(0x20).unwrap();
        assert_eq!(client.tos().unwrap(), 0x20);
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
    });
}

fn try_read_would_block_then_read_completes(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let server = std::rc::Rc::new(server);
        let mut buf = [0u8; 64];
        // Nothing queued: WouldBlock comes back, nothing parks.
        let e = server.try_read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WouldBlock);
        assert!(!server.read_pending(), "try_read left an op behind");
        // A read after it still completes when data arrives.
        let reader = {
            let s = server.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 64];
                let n = s.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!reader.is_finished(), "read completed with nothing sent");
        client.write_all(b"first").await.unwrap();
        assert_eq!(reader.await.unwrap(), b"first");

        // Readiness seen by the core, then the bytes taken by try_read behind its back: the
        // next read tries its syscall, parks, and completes on the next data.
        client.write_all(b"second").await.unwrap();
        server.readable().await.unwrap();
        let n = server.try_read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"second");
        assert_eq!(
            server.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let reader = {
            let s = server.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 64];
                let n = s.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        settle().await;
        assert!(!reader.is_finished());
        client.write_all(b"third").await.unwrap();
        assert_eq!(reader.await.unwrap(), b"third");

        // A read that parked (the core saw WouldBlock) and a try_read between: still fine.
        let mut small = [0u8; 3];
        client.write_all(b"abcdef").await.unwrap();
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut small).unwrap(), 3);
        assert_eq!(&small, b"abc");
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"def");

        // Vectored forms and try_write.
        let n = client
            .try_write_vectored(&[IoSlice::new(b"vec"), IoSlice::new(b"tor")])
            .unwrap();
        assert_eq!(n, 6);
        server.readable().await.unwrap();
        let (mut x, mut y) = ([0u8; 2], [0u8; 8]);
        let n = server
            .try_read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
            .unwrap();
        assert_eq!(n, 6);
        assert_eq!((&x[..], &y[..4]), (&b"ve"[..], &b"ctor"[..]));
        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"w").unwrap(), 1);
        assert_eq!(client.try_write(b"").unwrap(), 0);
        assert_eq!(server.try_read(&mut []).unwrap(), 0);

        // readable() waits for data and consumes none.
        let waiter = {
            let s = server.clone();
            rill::spawn(async move {
                let mut one = [0u8; 1];
                // Take the "w" first so the socket is empty.
                s.read_exact(&mut one).await.unwrap();
                s.readable().await.unwrap();
            })
        };
        settle().await;
        assert!(
            !waiter.is_finished(),
            "readable() resolved on an empty socket"
        );
        client.write_all(b"z").await.unwrap();
        waiter.await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 1);
        assert_eq!(buf[0], b'z');

        // Fill the send buffer with try_write until WouldBlock; a write then parks and
        // completes once the peer drains.
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0usize;
        loop {
            match client.try_write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("try_write: {e}"),
            }
        }
        let drain = {
            let s = server.clone();
            rill::spawn(async move {
                let mut got = 0usize;
                let mut buf = vec![0u8; 64 * 1024];
                while got < sent + 1 {
                    got += s.read(&mut buf).await.unwrap();
                }
                got
            })
        };
        client.write_all(b"!").await.unwrap();
        assert_eq!(drain.await.unwrap(), sent + 1);
    });
}

fn owned_halves_in_two_tasks_then_reunite(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        // Echo on the server.
        let echo = rill::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                let n = server.read(&mut buf).await.unwrap();
                if n == 0 {
                    break server;
                }
                server.write_all(&buf[..n]).await.unwrap();
            }
        });
        let (read, write) = client.into_split();
        assert_eq!(read.peer_addr().unwrap(), write.peer_addr().unwrap());
        const TOTAL: usize = 256 * 1024;
        let writer = rill::spawn(async move {
            let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
            write.write_all(&data).await.unwrap();
            write
        });
        let reader = rill::spawn(async move {
            let mut got = Vec::with_capacity(TOTAL);
            let mut buf = [0u8; 8192];
            while got.len() < TOTAL {
                let n = read.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "early EOF");
                got.extend_from_slice(&buf[..n]);
            }
            (read, got)
        });
        let write = writer.await.unwrap();
        let (read, got) = reader.await.unwrap();
        assert!(got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));

        // Halves of another stream do not reunite with these; both come back intact.
        let (other_client, _other_server) = tcp_pair().await;
        let (other_read, other_write) = other_client.into_split();
        let err = read.reunite(other_write).unwrap_err();
        let rill::ReuniteError(read, other_write) = err;
        let err = write.reunite(other_read).unwrap_err();
        assert!(err.to_string().contains("different streams"), "{err}");
        let rill::ReuniteError(other_read, write) = err;
        drop(other_read.reunite(other_write).unwrap());

        let client = read.reunite(write).unwrap();
        client.write_all(b"again").await.unwrap();
        let mut buf = [0u8; 5];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"again");
        client.shutdown(std::net::Shutdown::Write).unwrap();
        drop(echo.await.unwrap());
    });
}

/// Dropping an owned write half shuts the write direction down, as tokio's does: the peer
/// reads what was written, then EOF, while the read half still reads what the peer sends
/// back. `forget` drops it without that: no EOF until the read half goes too.
fn dropping_the_owned_write_half_shuts_down_writes_but_forget_does_not(backend: &str) {
    run(backend, 2, || async {
        let mut buf = [0u8; 16];
        let (client, server) = tcp_pair().await;
        let (read, write) = client.into_split();
        write.write_all(b"last").await.unwrap();
        drop(write);
        let mut got = Vec::new();
        futures_util::io::AsyncReadExt::read_to_end(&mut &server, &mut got)
            .await
            .unwrap();
        assert_eq!(got, b"last", "the peer reads what was written, then EOF");
        server.write_all(b"back").await.unwrap();
        let mut back = [0u8; 4];
        read.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"back", "the read half still reads");

        let (client, server) = tcp_pair().await;
        let (read, write) = client.into_split();
        write.forget();
        let waited = rill::timeout(Duration::from_millis(50), server.read(&mut buf)).await;
        assert!(waited.is_err(), "forget shut the stream down: {waited:?}");
        drop(read);
        assert_eq!(
            server.read(&mut buf).await.unwrap(),
            0,
            "EOF once both halves are gone"
        );
    });
}

fn borrowed_halves_and_futures_io(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let (read, write) = client.split();
        let (mut sread, mut swrite) = server.split();
        let (sent, got) = join2(
            async {
                write.write_all(b"through borrowed halves").await.unwrap();
                // poll_close on the write half: shutdown(Write), the peer reads EOF.
                let mut w = write;
                poll_fn(|cx| Pin::new(&mut w).poll_close(cx)).await.unwrap();
                23
            },
            async {
                let mut got = Vec::new();
                let mut buf = [0u8; 8];
                loop {
                    let n = poll_fn(|cx| Pin::new(&mut sread).poll_read(cx, &mut buf))
                        .await
                        .unwrap();
                    if n == 0 {
                        break got;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            },
        )
        .await;
        assert_eq!(got.len(), sent);
        assert_eq!(got, b"through borrowed halves");
        // The other direction still works after the write half closed.
        let n = poll_fn(|cx| Pin::new(&mut swrite).poll_write(cx, b"back"))
            .await
            .unwrap();
        assert_eq!(n, 4);
        let mut buf = [0u8; 4];
        read.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"back");
        assert_eq!(
            read.as_ref().peer_addr().unwrap(),
            server.local_addr().unwrap()
        );
    });
}

/// Echoes each accepted connection until its peer half-closes, then half-closes back.
async fn echo_each(listener: TcpListener) {
    loop {
        let (s, _) = listener.accept().await.unwrap();
        rill::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    return s.shutdown(std::net::Shutdown::Write).unwrap();
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        });
    }
}

/// `io::copy` from `from` to `to`, then half-closes `to`: one direction of a proxy.
async fn copy_then_close(from: Rc<TcpStream>, to: Rc<TcpStream>) {
    futures_util::io::copy(&*from, &mut &*to).await.unwrap();
    to.shutdown(std::net::Shutdown::Write).unwrap();
}

/// A proxy written as generic futures-io code would be: per connection, `io::copy` each way
/// on `&TcpStream`, in a task of its own, each half-closing its destination at EOF. Clients
/// send more than the socket buffers hold from one task and read it back in another, so on
/// each descriptor one task parks reading while another parks writing, and each must be woken
/// by its own direction's readiness. Every byte comes back once, in order, then EOF.
fn a_proxy_copies_both_ways_with_generic_futures_io_code(backend: &str) {
    use futures_util::io::{AsyncReadExt, AsyncWriteExt};
    run(backend, 2, || async {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let echo_addr = echo.local_addr().unwrap();
        rill::spawn(echo_each(echo));
        let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy_addr = proxy.local_addr().unwrap();
        rill::spawn(async move {
            loop {
                let (down, _) = proxy.accept().await.unwrap();
                let up = Rc::new(TcpStream::connect(echo_addr).await.unwrap());
                let down = Rc::new(down);
                rill::spawn(copy_then_close(down.clone(), up.clone()));
                rill::spawn(copy_then_close(up, down));
            }
        });
        let clients: Vec<_> = (0..12u8)
            .map(|c| {
                rill::spawn(async move {
                    let s = Rc::new(TcpStream::connect(proxy_addr).await.unwrap());
                    let data: Vec<u8> = (0..512 * 1024u32).map(|i| (i % 251) as u8 ^ c).collect();
                    let writer = {
                        let (s, data) = (s.clone(), data.clone());
                        rill::spawn(async move {
                            let mut w = &*s;
                            w.write_all(&data).await.unwrap();
                            w.close().await.unwrap();
                        })
                    };
                    let mut back = Vec::new();
                    (&*s).read_to_end(&mut back).await.unwrap();
                    writer.await.unwrap();
                    assert!(
                        back == data,
                        "client {c}: {} of {} bytes back",
                        back.len(),
                        data.len()
                    );
                })
            })
            .collect();
        for c in clients {
            rill::timeout(Duration::from_secs(60), c)
                .await
                .expect("the proxy stalled")
                .unwrap();
        }
    });
}

/// One byte each way, to show a converted stream is registered and works.
async fn ping(a: &TcpStream, b: &TcpStream) {
    a.write_all(b"p").await.unwrap();
    let mut buf = [0u8; 1];
    b.read_exact(&mut buf).await.unwrap();
    b.write_all(b"q").await.unwrap();
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"q");
}

fn conversions_round_trip(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let fd = client.as_raw_fd();
        let owned: OwnedFd = client.into();
        let client = TcpStream::try_from(owned).unwrap();
        assert_eq!(client.as_raw_fd(), fd, "the same descriptor");
        ping(&client, &server).await;
        let socket: socket2::Socket = client.into_socket2();
        assert!(socket.nonblocking().unwrap(), "left non-blocking");
        let client = TcpStream::try_from(socket).unwrap();
        ping(&client, &server).await;
        let std_stream = client.into_std();
        let client = TcpStream::from_std(std_stream).unwrap();
        ping(&client, &server).await;
        let socket = socket2::Socket::from(client);
        let client = TcpStream::try_from(socket).unwrap();
        ping(&client, &server).await;

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = TcpListener::try_from(OwnedFd::from(listener)).unwrap();
        let listener = TcpListener::try_from(listener.into_socket2()).unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        let (s, _) = listener.accept().await.unwrap();
        ping(&c, &s).await;

        // The wrong kind of descriptor is refused, saying what it is.
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let e = TcpStream::try_from(OwnedFd::from(udp)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("datagram"), "{e}");
        let (unix, _) = std::os::unix::net::UnixStream::pair().unwrap();
        let e = TcpStream::try_from(OwnedFd::from(unix)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let file = std::fs::File::open("/dev/null").unwrap();
        let e = TcpListener::try_from(OwnedFd::from(file)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("not a socket"), "{e}");
        if cfg!(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd"
        )) {
            let e = TcpStream::try_from(listener.into_socket2()).unwrap_err();
            assert!(e.to_string().contains("listening"), "{e}");
            let e = TcpListener::try_from(OwnedFd::from(c)).unwrap_err();
            assert!(e.to_string().contains("not listening"), "{e}");
        }

        // TcpSocket converts too, and refuses a listener.
        let ts = TcpSocket::try_from(socket2::Socket::from(TcpSocket::new_v4().unwrap())).unwrap();
        let ts = TcpSocket::try_from(OwnedFd::from(ts)).unwrap();
        ts.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        drop(ts.listen(1).unwrap());
    });
}

per_backend!(
    tcp_socket_options_read_back,
    tcp_socket_binds_before_connect,
    stream_options_read_back,
    try_read_would_block_then_read_completes,
    owned_halves_in_two_tasks_then_reunite,
    dropping_the_owned_write_half_shuts_down_writes_but_forget_does_not,
    borrowed_halves_and_futures_io,
    a_proxy_copies_both_ways_with_generic_futures_io_code,
    conversions_round_trip,
);
