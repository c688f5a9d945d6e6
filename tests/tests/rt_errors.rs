//! Clear errors instead of hangs: I/O on a runtime that has shut down, I/O outside any runtime,
//! registering a descriptor twice, asking for a backend this platform lacks, a full table.

use std::io::ErrorKind;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};

use rill::{Backend, Runtime, TcpListener, TcpStream, UdpSocket};

#[test]
fn io_after_the_runtime_shut_down_is_an_error() {
    let rt = Runtime::new().unwrap();
    let (stream, listener) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = TcpStream::connect(addr).await.unwrap();
        (stream, listener)
    });
    drop(rt);
    let rt2 = Runtime::new().unwrap();
    let mut buf = [0u8; 4];
    let err = rt2.block_on(stream.read(&mut buf)).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    let err = rt2.block_on(stream.write(b"x")).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    let err = rt2.block_on(listener.accept()).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    // The std object can still be taken back.
    let std = stream.into_std();
    assert!(std.peer_addr().is_ok());
}

#[test]
fn sockets_outside_a_runtime_are_an_error() {
    let err = TcpListener::bind("127.0.0.1:0").unwrap_err();
    assert!(err.to_string().contains("no rill runtime"), "{err}");
    let err = UdpSocket::bind("127.0.0.1:0").unwrap_err();
    assert!(err.to_string().contains("no rill runtime"), "{err}");
    // The message names the fix, and so does the one of a spawn outside a runtime.
    assert!(err.to_string().contains("Handle::spawn_with"), "{err}");
    let err = rill::try_spawn(async {}).unwrap_err();
    assert!(err.to_string().contains("Handle::spawn_with"), "{err}");
}

#[test]
fn registering_a_descriptor_twice_is_refused() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let fd = a.as_raw_fd();
        // SAFETY (test): a second owner of the same descriptor, to provoke the double
        // registration. The failed `from_std` closes it, so `a` must not close it again.
        let b = unsafe { std::net::UdpSocket::from_raw_fd(fd) };
        let err = UdpSocket::from_std(b).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
        assert!(err.to_string().contains("already registered"), "{err}");
        // Deregister `a` without closing the (already closed) descriptor again.
        let _ = a.into_raw_fd();
    });
}

#[test]
fn a_backend_this_platform_lacks_is_an_error() {
    let missing = if cfg!(target_os = "linux") {
        Backend::Kqueue
    } else {
        Backend::Epoll
    };
    let err = Runtime::builder().backend(missing).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains(missing.name()), "{err}");
}

#[test]
fn a_full_descriptor_table_is_an_error() {
    let rt = Runtime::builder().max_io(2).build().unwrap();
    rt.block_on(async {
        let _a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let _b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let err = UdpSocket::bind("127.0.0.1:0").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfMemory, "{err}");
        drop(_a);
        // A slot freed by a drop is reusable.
        UdpSocket::bind("127.0.0.1:0").unwrap();
    });
}

#[test]
fn conversions_round_trip() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::try_from(std_listener).unwrap();
        let client = rill::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let (server, peer) = listener.accept().await.unwrap();
        let client = client.await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        // rill -> std -> rill, and through an OwnedFd.
        let std_server = server.into_std();
        let server = TcpStream::from_std(std_server).unwrap();
        let owned: std::os::fd::OwnedFd = client.into();
        let client = TcpStream::from_std(std::net::TcpStream::from(owned)).unwrap();
        client.write_all(b"still connected").await.unwrap();
        let mut buf = [0u8; 15];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still connected");
        let raw = listener.into_raw_fd();
        // SAFETY (test): `raw` was just released by `into_raw_fd`; this takes ownership back.
        drop(unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) });
    });
}
