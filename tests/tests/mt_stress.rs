//! Stress: a few hundred connections across 4 loops, with aborts and join-handle drops issued
//! from a plain thread while transfers run.
//!
//! Loop 0 accepts, reads each connection's 4-byte id and hands the connection to the
//! least-loaded loop, where an echo task serves it. Every client task is placed through the
//! runtime handle too. A separate "controller" thread receives every join handle and, per
//! connection, decides its fate from the id (fixed in advance, so the expected outcome is
//! known):
//!
//! | fate | controller action once the client has echoed its first chunk | expected client outcome |
//! |---|---|---|
//! | survive | let it continue | every byte verified |
//! | detach | drop the client's join handle, let it continue | every byte verified |
//! | abort parked | abort the client while it waits mid-transfer | cancelled |
//! | abort racing | let it continue and abort it at once | cancelled, or verified if it won |
//! | abort server | abort the server task, then let the client continue | an I/O error (never a hang) |
//!
//! Each client reports its outcome through a guard that says "cancelled" if the task is
//! dropped first, so detached and aborted clients are accounted for too. Everything runs under
//! a watchdog: a hang fails the test.

use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use rill::{Handle, JoinHandle, Runtime, TcpListener, TcpStream};
use rill_tests::{Gate, Rng, TEST_LIMIT};

const CONNS: usize = 300;
const CHUNK: usize = 4096;
const CHUNKS: usize = 32;
const WORKERS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Survive,
    Detach,
    AbortParked,
    AbortRacing,
    AbortServer,
}

fn fate(id: usize) -> Fate {
    match id % 10 {
        0 | 1 => Fate::AbortParked,
        2 => Fate::AbortRacing,
        3 => Fate::AbortServer,
        4 => Fate::Detach,
        _ => Fate::Survive,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Verified(usize),
    Cancelled,
    Failed(ErrorKind),
}

/// Every client's outcome, and a gate opened when all have reported.
struct Tally {
    outcomes: Mutex<Vec<Option<Outcome>>>,
    remaining: AtomicUsize,
    all_done: Gate,
}

/// Reports a client's outcome exactly once: explicitly, or "cancelled" when dropped first.
struct Report {
    tally: Arc<Tally>,
    id: usize,
    done: bool,
}

impl Report {
    fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let mut outcomes = self.tally.outcomes.lock().unwrap();
        assert!(
            outcomes[self.id].is_none(),
            "client {} reported twice",
            self.id
        );
        outcomes[self.id] = Some(outcome);
        drop(outcomes);
        if self.tally.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.tally.all_done.open();
        }
    }
}

impl Drop for Report {
    fn drop(&mut self) {
        self.record(Outcome::Cancelled);
    }
}

/// What the tasks tell the controller thread.
enum Msg {
    Client(usize, JoinHandle<()>),
    Server(usize, JoinHandle<io::Result<usize>>),
    /// The client echoed its first chunk and now waits at its gate.
    Progress(usize),
}

fn payload(id: usize) -> Vec<u8> {
    Rng::new(id as u64 + 77).bytes(CHUNK * CHUNKS)
}

async fn echo(stream: TcpStream) -> io::Result<usize> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n;
    }
}

async fn client(
    id: usize,
    addr: std::net::SocketAddr,
    gate: Gate,
    progress: mpsc::Sender<Msg>,
) -> io::Result<usize> {
    let data = payload(id);
    let s = TcpStream::connect(addr).await?;
    s.write_all(&(id as u32).to_le_bytes()).await?;
    let mut back = vec![0u8; CHUNK];
    for (k, chunk) in data.chunks(CHUNK).enumerate() {
        s.write_all(chunk).await?;
        s.read_exact(&mut back).await?;
        assert!(back == chunk, "client {id}: chunk {k} came back different");
        if k == 0 {
            let _ = progress.send(Msg::Progress(id));
            gate.wait().await;
        }
    }
    s.shutdown(std::net::Shutdown::Write)?;
    let mut one = [0u8; 1];
    assert_eq!(
        s.read(&mut one).await?,
        0,
        "client {id}: bytes after the echo"
    );
    Ok(data.len())
}

/// Per connection, what the controller holds until it can act.
#[derive(Default)]
struct Slot {
    client: Option<JoinHandle<()>>,
    server: Option<JoinHandle<io::Result<usize>>>,
    progressed: bool,
    acted: bool,
}

type Kept = (
    Vec<(usize, JoinHandle<()>)>,
    Vec<(usize, JoinHandle<io::Result<usize>>)>,
);

/// The controller: acts on each connection once its client progressed and the handles it needs
/// arrived; returns the handles it kept (for the test to await).
fn controller(rx: mpsc::Receiver<Msg>, gates: Vec<Gate>) -> Kept {
    let mut slots: HashMap<usize, Slot> = HashMap::new();
    let mut acted = 0;
    let mut kept_clients = Vec::new();
    let mut kept_servers = Vec::new();
    let mut servers_seen = 0;
    while acted < CONNS || servers_seen < CONNS {
        let msg = rx
            .recv_timeout(TEST_LIMIT)
            .expect("controller: no message for the whole test limit");
        let id = match msg {
            Msg::Client(id, h) => {
                slots.entry(id).or_default().client = Some(h);
                id
            }
            Msg::Server(id, h) => {
                servers_seen += 1;
                slots.entry(id).or_default().server = Some(h);
                id
            }
            Msg::Progress(id) => {
                slots.entry(id).or_default().progressed = true;
                id
            }
        };
        let slot = slots.get_mut(&id).unwrap();
        let ready = slot.progressed
            && slot.client.is_some()
            && (fate(id) != Fate::AbortServer || slot.server.is_some());
        if slot.acted || !ready {
            continue;
        }
        slot.acted = true;
        acted += 1;
        let client = slot.client.take().unwrap();
        match fate(id) {
            Fate::Survive => {
                gates[id].open();
                kept_clients.push((id, client));
            }
            Fate::Detach => {
                drop(client);
                gates[id].open();
            }
            Fate::AbortParked => {
                client.abort();
                kept_clients.push((id, client));
            }
            Fate::AbortRacing => {
                gates[id].open();
                client.abort();
                kept_clients.push((id, client));
            }
            Fate::AbortServer => {
                slot.server.as_ref().unwrap().abort();
                gates[id].open();
                kept_clients.push((id, client));
            }
        }
    }
    for (id, slot) in slots {
        if let Some(server) = slot.server {
            kept_servers.push((id, server));
        }
    }
    (kept_clients, kept_servers)
}

fn stress(backend: &str) {
    let rt = Runtime::builder()
        .backend(backend.parse().unwrap())
        .worker_threads(WORKERS)
        .build()
        .unwrap();
    let handle = rt.handle();
    let tally = Arc::new(Tally {
        outcomes: Mutex::new(vec![None; CONNS]),
        remaining: AtomicUsize::new(CONNS),
        all_done: Gate::new(),
    });
    let gates: Vec<Gate> = (0..CONNS).map(|_| Gate::new()).collect();
    let (tx, rx) = mpsc::channel::<Msg>();
    let kept_slot: Arc<Mutex<Option<Kept>>> = Arc::new(Mutex::new(None));
    let kept_gate = Gate::new();
    let controller_thread = {
        let gates = gates.clone();
        let kept_slot = kept_slot.clone();
        let kept_gate = kept_gate.clone();
        thread::spawn(move || {
            let kept = controller(rx, gates);
            *kept_slot.lock().unwrap() = Some(kept);
            kept_gate.open();
        })
    };
    let outcome_tally = tally.clone();
    rt.block_on(async move {
        rill::timeout(TEST_LIMIT, async move {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
            let addr = listener.local_addr().unwrap();
            // Loop 0: accept, read the id, hand the connection to the least-loaded loop.
            let acceptor = {
                let tx = tx.clone();
                let handle: Handle = handle.clone();
                rill::spawn(async move {
                    for _ in 0..CONNS {
                        let (stream, _) = listener.accept().await.unwrap();
                        let tx = tx.clone();
                        let handle = handle.clone();
                        rill::spawn(async move {
                            let mut id = [0u8; 4];
                            stream.read_exact(&mut id).await.unwrap();
                            let id = u32::from_le_bytes(id) as usize;
                            let std_stream = stream.into_std();
                            let server = handle.spawn_with(move || async move {
                                echo(TcpStream::from_std(std_stream)?).await
                            });
                            tx.send(Msg::Server(id, server)).unwrap();
                        });
                    }
                })
            };
            for (id, gate) in gates.iter().enumerate() {
                let report = Report {
                    tally: tally.clone(),
                    id,
                    done: false,
                };
                let gate = gate.clone();
                let progress = tx.clone();
                let h = handle.spawn_with(move || async move {
                    let outcome = match client(id, addr, gate, progress).await {
                        Ok(n) => Outcome::Verified(n),
                        Err(e) => Outcome::Failed(e.kind()),
                    };
                    report.finish(outcome);
                });
                tx.send(Msg::Client(id, h)).unwrap();
            }
            drop(tx);
            acceptor.await.unwrap();
            tally.all_done.wait().await;
            kept_gate.wait().await;
            let (clients, servers) = kept_slot.lock().unwrap().take().unwrap();
            for (id, c) in clients {
                match (fate(id), c.await) {
                    (Fate::Survive | Fate::AbortServer, Ok(())) => {}
                    (Fate::AbortParked, Err(e)) if e.is_cancelled() => {}
                    (Fate::AbortRacing, Ok(())) => {}
                    (Fate::AbortRacing, Err(e)) if e.is_cancelled() => {}
                    (f, r) => panic!("client {id} ({f:?}): join gave {r:?}"),
                }
            }
            let full = CHUNK * CHUNKS;
            for (id, s) in servers {
                let r = s.await;
                match fate(id) {
                    Fate::Survive | Fate::Detach => {
                        assert_eq!(r.unwrap().unwrap(), full, "server {id}: echoed bytes");
                    }
                    Fate::AbortServer => {
                        assert!(r.unwrap_err().is_cancelled(), "server {id} was aborted");
                    }
                    // The client went away mid-transfer: the server ends by itself, with EOF or
                    // an error, and never hangs.
                    Fate::AbortParked | Fate::AbortRacing => {
                        let _ = r.unwrap();
                    }
                }
            }
        })
        .await
        .expect("stress body exceeded the test limit")
    });
    controller_thread.join().unwrap();
    drop(rt);

    let outcomes = outcome_tally.outcomes.lock().unwrap();
    let full = CHUNK * CHUNKS;
    let mut cancelled = 0;
    let mut verified = 0;
    for (id, o) in outcomes.iter().enumerate() {
        let o = o.unwrap_or_else(|| panic!("client {id} never reported"));
        match (fate(id), o) {
            (Fate::Survive | Fate::Detach, Outcome::Verified(n)) => assert_eq!(n, full),
            (Fate::AbortParked, Outcome::Cancelled) => {}
            (Fate::AbortRacing, Outcome::Cancelled) => {}
            (Fate::AbortRacing, Outcome::Verified(n)) => assert_eq!(n, full),
            (Fate::AbortServer, Outcome::Failed(_)) => {}
            (f, o) => panic!("client {id} ({f:?}) ended {o:?}"),
        }
        match o {
            Outcome::Cancelled => cancelled += 1,
            Outcome::Verified(_) => verified += 1,
            Outcome::Failed(_) => {}
        }
    }
    eprintln!(
        "stress on {backend}: {CONNS} connections, {verified} verified, {cancelled} cancelled, {} failed (server aborted)",
        CONNS - verified - cancelled
    );
    assert!(
        cancelled >= CONNS / 5,
        "only {cancelled} aborts took effect"
    );
    assert!(
        verified >= CONNS / 2,
        "only {verified} connections verified"
    );
}

/// Runs `f` on its own thread; a hang (including in runtime teardown) fails the test.
fn with_watchdog(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(TEST_LIMIT + Duration::from_secs(30)) {
        Ok(()) => t.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: surface its panic.
            if let Err(p) = t.join() {
                std::panic::resume_unwind(p);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("stress test hung"),
    }
}

#[test]
fn many_connections_with_cross_thread_aborts_epoll() {
    with_watchdog(|| stress("epoll"));
}

#[test]
fn many_connections_with_cross_thread_aborts_poll() {
    with_watchdog(|| stress("poll"));
}
