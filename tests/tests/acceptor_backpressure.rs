//! A full loop is back-pressure, not the end of its listener: when the descriptor table
//! (`Builder::max_io`) is full, or on select the accepted descriptor is at or above `FD_SETSIZE`,
//! accept sheds that connection (closes it), answers the transient `ConnectionAborted` and backs
//! off; the `listen_reuseport` acceptors and an accept loop written as `TcpListener::accept`
//! documents keep accepting, so new clients are served once connections close. Run per backend.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, RwLock};

use rill::{Backend, Builder, LoopGroup, Runtime, TcpListener, TcpStream};
use rill_tests::{per_backend, TEST_LIMIT};

/// Tests take it shared; the one that pushes descriptor numbers past `FD_SETSIZE` takes it
/// exclusively (descriptor numbers are process-wide, so select tests must not overlap it).
static FD_HEAVY: RwLock<()> = RwLock::new(());

fn builder(backend: &str) -> Builder {
    let backend: Backend = backend.parse().expect("backend name");
    Builder::new().backend(backend)
}

/// Awaits `f` on a fresh epoll/kqueue (platform default) runtime on this thread, under the test
/// limit. The clients live here, so their sockets do not count against the server's table.
fn wait<T>(f: impl std::future::Future<Output = T>) -> T {
    Runtime::new().unwrap().block_on(async move {
        rill::timeout(TEST_LIMIT, f)
            .await
            .expect("test body exceeded the limit")
    })
}

/// Echoes until the peer closes.
async fn echo(stream: TcpStream) {
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The ping came back.
    Served,
    /// The server closed the connection unserved (EOF or reset).
    Shed,
}

/// Sends a ping on an open client connection and reads the echo.
async fn ping(client: &TcpStream) -> Outcome {
    if client.write_all(b"ping").await.is_err() {
        return Outcome::Shed;
    }
    let mut buf = [0u8; 4];
    match client.read_exact(&mut buf).await {
        Ok(()) if &buf == b"ping" => Outcome::Served,
        Ok(()) => panic!("wrong echo {buf:?}"),
        Err(_) => Outcome::Shed,
    }
}

/// A new client, after the burst closed: connects (a refusal means the listener is gone, the
/// bug) and pings; a shed (the server has not yet released the burst's connections) is retried.
async fn served_again(addr: SocketAddr, clients: usize) {
    let mut served = 0;
    while served < clients {
        let client = match TcpStream::connect(addr).await {
            Ok(c) => c,
            Err(e) => panic!("connect after the burst: {e} (the listener stopped accepting)"),
        };
        if ping(&client).await == Outcome::Served {
            served += 1;
        } else {
            rill::yield_now().await;
        }
    }
}

/// Opens `n` connections at once (all held), pings each; returns the outcomes and the clients.
async fn burst(addr: SocketAddr, n: usize) -> (Vec<Outcome>, Vec<TcpStream>) {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut outcomes = Vec::with_capacity(n);
    for c in &clients {
        outcomes.push(ping(c).await);
    }
    (outcomes, clients)
}

/// Two `SO_REUSEPORT` loops of 3 descriptors each (the listener and two connections): a burst of
/// 10 held connections overflows them; the overflow is shed, the listeners stay open, and after
/// the burst closes new clients are served.
fn reuseport_server_survives_a_full_table(backend: &str) {
    let _shared = FD_HEAVY.read().unwrap_or_else(|p| p.into_inner());
    const MAX_IO: usize = 3;
    const LOOPS: usize = 2;
    const BURST: usize = 10;
    let group = LoopGroup::with_builder(LOOPS, &builder(backend).max_io(MAX_IO)).unwrap();
    let server = group
        .listen_reuseport("127.0.0.1:0", |stream, _| echo(stream))
        .unwrap();
    let addr = server.local_addr();
    wait(async move {
        let (outcomes, clients) = burst(addr, BURST).await;
        let served = outcomes.iter().filter(|o| **o == Outcome::Served).count();
        let capacity = LOOPS * (MAX_IO - 1);
        assert!(served <= capacity, "{outcomes:?}");
        assert!(BURST - served >= BURST - capacity, "{outcomes:?}");
        drop(clients);
        served_again(addr, 4).await;
    });
    let accepted: u64 = server.accepted().iter().sum();
    assert!(accepted >= 4, "{:?}", server.accepted());
}

/// A plain accept loop on one loop of 3 descriptors, written as `TcpListener::accept` documents
/// (continue on `ConnectionAborted`, stop on anything else): the burst's overflow is shed with
/// that kind and counted as back-offs, the loop never stops, and new clients are served.
fn plain_accept_loop_survives_a_full_table(backend: &str) {
    let _shared = FD_HEAVY.read().unwrap_or_else(|p| p.into_inner());
    const MAX_IO: usize = 3;
    const BURST: usize = 6;
    let group = LoopGroup::with_builder(1, &builder(backend).max_io(MAX_IO)).unwrap();
    let sheds = Arc::new(AtomicUsize::new(0));
    let backoffs = Arc::new(AtomicU64::new(0));
    let (addr_tx, addr_rx) = mpsc::channel();
    let (s, b) = (sheds.clone(), backoffs.clone());
    let acceptor = group
        .spawn_on(0, move || async move {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            addr_tx.send(listener.local_addr()?).unwrap();
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => drop(rill::spawn(echo(stream))),
                    Err(e) if e.kind() == ErrorKind::ConnectionAborted => {
                        s.fetch_add(1, Ordering::SeqCst);
                        b.store(listener.accept_backoffs(), Ordering::SeqCst);
                    }
                    Err(e) => return std::io::Result::<()>::Err(e),
                }
            }
        })
        .unwrap();
    let addr = addr_rx.recv_timeout(TEST_LIMIT).unwrap();
    wait(async move {
        let (outcomes, clients) = burst(addr, BURST).await;
        let served = outcomes.iter().filter(|o| **o == Outcome::Served).count();
        // One loop: exactly the table's room is served, the rest shed.
        assert_eq!(served, MAX_IO - 1, "{outcomes:?}");
        drop(clients);
        served_again(addr, 3).await;
    });
    assert!(!acceptor.is_finished(), "the accept loop stopped");
    let shed = sheds.load(Ordering::SeqCst);
    assert!(shed >= BURST - (MAX_IO - 1), "shed {shed}");
    assert!(backoffs.load(Ordering::SeqCst) >= (BURST - (MAX_IO - 1)) as u64);
}

/// Select: an accepted descriptor at or above `FD_SETSIZE` cannot be watched. With every lower
/// descriptor taken, the connection is shed and the acceptor keeps going; once descriptors free
/// up, clients are served.
#[test]
fn select_descriptor_past_fd_setsize_is_shed() {
    let _exclusive = FD_HEAVY.write().unwrap_or_else(|p| p.into_inner());
    let group = LoopGroup::with_builder(1, &builder("select")).unwrap();
    let server = group
        .listen_reuseport("127.0.0.1:0", |stream, _| echo(stream))
        .unwrap();
    let addr = server.local_addr();
    // The client runtime polls with `poll`, which takes any descriptor. Every free descriptor
    // below FD_SETSIZE is taken first, so the client's socket and the server's accepted one
    // are numbered at or above it.
    let rt = Runtime::builder().backend(Backend::Poll).build().unwrap();
    let mut padding = Vec::new();
    loop {
        let f = std::fs::File::open("/dev/null").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
        padding.push(f);
        if fd as usize >= libc::FD_SETSIZE - 1 {
            break;
        }
    }
    let client = rt.block_on(async { TcpStream::connect(addr).await.unwrap() });
    let outcome = rt.block_on(async {
        rill::timeout(TEST_LIMIT, ping(&client))
            .await
            .expect("ping hung")
    });
    assert_eq!(outcome, Outcome::Shed);
    drop(client);
    drop(padding);
    rt.block_on(async {
        rill::timeout(TEST_LIMIT, served_again(addr, 2))
            .await
            .expect("not served again")
    });
}

/// A blocking std client of a Unix listener: pings and says whether the echo came back.
fn unix_ping(client: &mut std::os::unix::net::UnixStream) -> Outcome {
    use std::io::{Read, Write};
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 4];
    match client
        .write_all(b"ping")
        .and_then(|()| client.read_exact(&mut buf))
    {
        Ok(()) if &buf == b"ping" => Outcome::Served,
        Ok(()) => panic!("wrong echo {buf:?}"),
        Err(e) if e.kind() == ErrorKind::WouldBlock => panic!("no answer, no close: a hang"),
        Err(_) => Outcome::Shed,
    }
}

/// The Unix listener follows the same accept policy: a burst over a 3-descriptor table is shed
/// with `ConnectionAborted` and counted as back-offs, the loop keeps accepting, and new clients
/// are served once the burst closes.
fn unix_accept_loop_survives_a_full_table(backend: &str) {
    let _shared = FD_HEAVY.read().unwrap_or_else(|p| p.into_inner());
    const MAX_IO: usize = 3;
    const BURST: usize = 6;
    let dir = std::env::temp_dir().join(format!("rill-shed-{}-{backend}.sock", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let group = LoopGroup::with_builder(1, &builder(backend).max_io(MAX_IO)).unwrap();
    let sheds = Arc::new(AtomicUsize::new(0));
    let backoffs = Arc::new(AtomicU64::new(0));
    let (ready_tx, ready_rx) = mpsc::channel();
    let (s, b, path) = (sheds.clone(), backoffs.clone(), dir.clone());
    let acceptor = group
        .spawn_on(0, move || async move {
            let listener = rill::UnixListener::bind(&path)?;
            ready_tx.send(()).unwrap();
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => drop(rill::spawn(async move {
                        let mut buf = [0u8; 64];
                        while let Ok(n @ 1..) = stream.read(&mut buf).await {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    })),
                    Err(e) if e.kind() == ErrorKind::ConnectionAborted => {
                        s.fetch_add(1, Ordering::SeqCst);
                        b.store(listener.accept_backoffs(), Ordering::SeqCst);
                    }
                    Err(e) => return std::io::Result::<()>::Err(e),
                }
            }
        })
        .unwrap();
    ready_rx.recv_timeout(TEST_LIMIT).unwrap();
    let connect = || std::os::unix::net::UnixStream::connect(&dir).expect("the listener is gone");
    let mut clients: Vec<_> = (0..BURST).map(|_| connect()).collect();
    let outcomes: Vec<Outcome> = clients.iter_mut().map(unix_ping).collect();
    let served = outcomes.iter().filter(|o| **o == Outcome::Served).count();
    assert_eq!(served, MAX_IO - 1, "{outcomes:?}");
    drop(clients);
    let mut again = 0;
    let deadline = std::time::Instant::now() + TEST_LIMIT;
    while again < 3 {
        assert!(std::time::Instant::now() < deadline, "not served again");
        if unix_ping(&mut connect()) == Outcome::Served {
            again += 1;
        }
    }
    assert!(!acceptor.is_finished(), "the accept loop stopped");
    let shed = sheds.load(Ordering::SeqCst);
    assert!(shed >= BURST - (MAX_IO - 1), "shed {shed}");
    assert!(backoffs.load(Ordering::SeqCst) >= (BURST - (MAX_IO - 1)) as u64);
    let _ = std::fs::remove_file(&dir);
}

per_backend!(
    reuseport_server_survives_a_full_table,
    plain_accept_loop_survives_a_full_table,
    unix_accept_loop_survives_a_full_table,
);
