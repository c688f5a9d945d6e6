//! H22, a blocking call on a loop thread: connect that can sleep, and name resolution. Each case
//! runs once per backend available here.
//!
//! - `unix_connects_beyond_backlog_complete`: more Unix connects than the listener's accept
//!   queue holds, with the accepting task on the same single loop. A blocking connect sleeps
//!   on the loop thread until an accept that can then never run; the case runs on its own
//!   thread and fails if it is not done within [`HANG_GUARD`] (rill's `timeout` cannot fire
//!   on a loop thread stuck in a syscall).
//! - `slow_lookup_does_not_stall_the_loop`: a resolve hook makes one lookup sleep until the
//!   loop itself releases it; meanwhile another task on the same loop does TCP I/O. Resolving
//!   on the loop thread would deadlock (caught by the hook's own bounded wait).
//! - `localhost_resolves_on_the_pool`: `connect("localhost:<port>")` and `lookup_host` work
//!   through the system resolver, and go through the pool (one job each).
//! - `literal_addresses_make_no_thread_hop`: literal addresses in every constructor leave the
//!   pool's per-thread job counter unchanged; the synchronous ones refuse host names.
//! - `spawn_blocking_runs_on_the_pool_and_contains_panics`.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Mutex, Once};
use std::time::Duration;

use rill::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use rill_tests::{per_backend, run};

/// How long the Unix-connect case may take before it counts as hung.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Concurrent Unix connects, against an accept queue of [`BACKLOG`] (which admits
/// `BACKLOG + 1` on Linux) that the test fills before they start.
const CONNECTS: usize = 100;
const BACKLOG: i32 = 1;

/// A socket path unique to this process and `tag`.
fn socket_path(tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("rill-h22-{}-{tag}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn unix_connects_beyond_backlog_complete(backend: &str) {
    let backend = backend.to_owned();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| unix_connects_body(&backend));
        let _ = done_tx.send(result);
    });
    match done_rx.recv_timeout(HANG_GUARD) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("Unix connects wedged the loop for {HANG_GUARD:?} (connect blocked it)"),
    }
}

fn unix_connects_body(backend: &str) {
    let path = socket_path(backend);
    // A listener with a one-deep accept queue (std's `bind` allows no choice of backlog).
    let raw = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
    raw.bind(&socket2::SockAddr::unix(&path).unwrap()).unwrap();
    raw.listen(BACKLOG).unwrap();
    // Fill the queue with plain non-blocking connects until the kernel says it is full, so every
    // rill connect below starts against a full queue.
    let mut fillers = Vec::new();
    let full = loop {
        assert!(fillers.len() < 64, "the accept queue never filled");
        let s = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
        s.set_nonblocking(true).unwrap();
        match s.connect(&socket2::SockAddr::unix(&path).unwrap()) {
            Ok(()) => fillers.push(s),
            Err(e) => break e,
        }
    };
    assert_eq!(full.kind(), ErrorKind::WouldBlock, "full queue: {full}");
    let queued = fillers.len();

    let client_path = path.clone();
    run(backend, 2, || async move {
        let path = client_path;
        let listener = Rc::new(UnixListener::from_std(raw.into()).unwrap());
        let acceptor = {
            let listener = listener.clone();
            rill::spawn(async move {
                let mut accepted = Vec::new();
                for _ in 0..CONNECTS + queued {
                    let (s, _) = listener.accept().await.unwrap();
                    accepted.push(s);
                }
                accepted
            })
        };
        let clients: Vec<_> = (0..CONNECTS)
            .map(|i| {
                let path = path.clone();
                rill::spawn(async move {
                    let s = UnixStream::connect(&path).await?;
                    s.write_all(&(i as u32).to_le_bytes()).await?;
                    std::io::Result::Ok(s)
                })
            })
            .collect();
        let mut streams = Vec::new();
        for c in clients {
            streams.push(c.await.unwrap().expect("Unix connect"));
        }
        let accepted = acceptor.await.unwrap();
        assert_eq!(accepted.len(), CONNECTS + queued);
        // Every rill client reached an accepted socket: its tag arrives. The fillers send none:
        // closed, their accepted ends read EOF.
        drop(fillers);
        let mut seen = [false; CONNECTS];
        for s in &accepted {
            let mut tag = [0u8; 4];
            if s.peek(&mut tag).await.unwrap() == 0 {
                continue;
            }
            s.read_exact(&mut tag).await.unwrap();
            seen[u32::from_le_bytes(tag) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every client's tag arrived");
        drop(streams);
    });
    let _ = std::fs::remove_file(&path);
}

/// The host name the resolve hook answers; `.invalid` never resolves for real (RFC 6761).
const SLOW_HOST: &str = "slow.rill-h22.invalid";

/// Per port (one per test), the release for a held lookup and the name of the thread it ran
/// on.
struct Held {
    release: Option<mpsc::Receiver<()>>,
    thread: Option<String>,
}

static HELD: Mutex<Option<HashMap<u16, Held>>> = Mutex::new(None);

/// Installs, once, a hook that holds a lookup of `SLOW_HOST:port` until the test releases it
/// (at most 20 s, so a loop blocked by it fails instead of hanging), then answers
/// `127.0.0.1:port`. Other names go to the system resolver.
fn install_slow_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        rill::set_resolve_hook(Some(Box::new(|host, port| {
            if host != SLOW_HOST {
                return None;
            }
            let release = {
                let mut held = HELD.lock().unwrap();
                let entry = held.as_mut()?.get_mut(&port)?;
                entry.thread = std::thread::current().name().map(str::to_owned);
                entry.release.take()?
            };
            Some(match release.recv_timeout(Duration::from_secs(20)) {
                Ok(()) => Ok(vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))]),
                Err(_) => Err(std::io::Error::new(
                    ErrorKind::TimedOut,
                    "lookup never released",
                )),
            })
        })));
    });
}

fn held_thread(port: u16) -> Option<String> {
    HELD.lock().unwrap().as_ref()?.get(&port)?.thread.clone()
}

fn slow_lookup_does_not_stall_the_loop(backend: &str) {
    install_slow_hook();
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (release, held) = mpsc::channel();
        HELD.lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .insert(
                port,
                Held {
                    release: Some(held),
                    thread: None,
                },
            );
        let slow =
            rill::spawn(async move { TcpStream::connect(format!("{SLOW_HOST}:{port}")).await });

        // The lookup is now held on some thread; this loop must keep running meanwhile.
        while held_thread(port).is_none() {
            rill::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(held_thread(port).as_deref(), Some("rill-blocking"));
        // Real I/O on this loop while the lookup is outstanding: connect, accept, a round trip.
        let client = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        assert!(!slow.is_finished(), "the held lookup has not answered yet");

        // Released from the loop: the held connect completes to our listener.
        release.send(()).unwrap();
        let slow = slow
            .await
            .unwrap()
            .expect("connect through the held lookup");
        let (accepted, _) = listener.accept().await.unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), slow.local_addr().unwrap());
    });
}

fn localhost_resolves_on_the_pool(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();

        let before = rill::blocking_jobs_submitted_on_this_thread();
        let addrs: Vec<SocketAddr> = rill::lookup_host(format!("localhost:{port}"))
            .await
            .unwrap()
            .collect();
        assert_eq!(rill::blocking_jobs_submitted_on_this_thread(), before + 1);
        assert!(
            addrs.contains(&SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
            "{addrs:?}"
        );

        // `localhost` may list `::1` first, where nothing listens: connect tries each in turn.
        let client = TcpStream::connect(format!("localhost:{port}"))
            .await
            .unwrap();
        assert_eq!(rill::blocking_jobs_submitted_on_this_thread(), before + 2);
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        let client = TcpStream::connect(("localhost", port)).await.unwrap();
        assert_eq!(rill::blocking_jobs_submitted_on_this_thread(), before + 3);
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    });
}

fn literal_addresses_make_no_thread_hop(backend: &str) {
    run(backend, 2, || async {
        let before = rill::blocking_jobs_submitted_on_this_thread();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        let _a = TcpStream::connect(addr).await.unwrap();
        let _b = TcpStream::connect(format!("127.0.0.1:{port}"))
            .await
            .unwrap();
        let _c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let _d = TcpStream::connect((IpAddr::V4(Ipv4Addr::LOCALHOST), port))
            .await
            .unwrap();
        let _e = TcpStream::connect(&[addr][..]).await.unwrap();
        let listener2 = TcpListener::bind(&[addr, "127.0.0.1:0".parse().unwrap()][..]).unwrap();
        assert_ne!(
            listener2.local_addr().unwrap(),
            addr,
            "the busy address was skipped"
        );
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.connect(format!("127.0.0.1:{port}")).await.unwrap();
        let v6: Vec<SocketAddr> = rill::lookup_host("[::1]:80").await.unwrap().collect();
        assert_eq!(v6, [SocketAddr::from((Ipv6Addr::LOCALHOST, 80))]);
        let v4: Vec<SocketAddr> = rill::lookup_host(("10.1.2.3", 7)).await.unwrap().collect();
        assert_eq!(v4, [SocketAddr::from(([10, 1, 2, 3], 7))]);
        assert_eq!(
            rill::blocking_jobs_submitted_on_this_thread(),
            before,
            "a literal address went through the blocking pool"
        );

        // The synchronous calls refuse names (resolving would block this thread) and say what
        // to do instead; malformed strings fail as with std.
        for err in [
            TcpListener::bind("localhost:0").unwrap_err(),
            UdpSocket::bind("localhost:0").unwrap_err(),
        ] {
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains("rill::lookup_host"), "{err}");
        }
        for bad in ["127.0.0.1", "localhost:http", "localhost:70000"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        }
        assert_eq!(rill::blocking_jobs_submitted_on_this_thread(), before);
    });
}

fn spawn_blocking_runs_on_the_pool_and_contains_panics(backend: &str) {
    run(backend, 2, || async {
        let name = rill::spawn_blocking(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("rill-blocking"));
        // A job that sleeps is awaited through the waker, from the pool thread.
        let n = rill::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(20));
            7
        })
        .await
        .unwrap();
        assert_eq!(n, 7);
        let err = rill::spawn_blocking(|| -> u32 { panic!("h22 test panic") })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("h22 test panic"), "{err}");
        // The pool still works after the panic.
        assert_eq!(rill::spawn_blocking(|| 1 + 1).await.unwrap(), 2);
    });
}

per_backend!(
    unix_connects_beyond_backlog_complete,
    slow_lookup_does_not_stall_the_loop,
    localhost_resolves_on_the_pool,
    literal_addresses_make_no_thread_hop,
    spawn_blocking_runs_on_the_pool_and_contains_panics,
);
