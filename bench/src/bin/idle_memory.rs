//! Memory per idle connection, measured from outside: `idle_memory rill|tokio [N]` accepts `N`
//! (default 5,000) loopback connections on a single-threaded runtime, one task each holding a
//! 512-byte buffer in a parked read (a minimal echo server), and prints the growth of the
//! process's resident set divided by `N`. `bench/idle_memory.sh` runs both, each in its own
//! process, and prints the table. The client side is plain std sockets in the same process
//! (a few bytes each, counted in both rows alike). `idle_memory start-rill|start-tokio` prints
//! instead how much a freshly built runtime (rill with `max_io(20000)`) adds to the resident
//! set once it has run one timer.

use std::io;
use std::net::TcpListener as StdListener;
use std::sync::mpsc;
use std::time::Duration;

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn serve_rill(listener: StdListener, n: usize, ready: mpsc::Sender<()>) -> io::Result<()> {
    let rt = rill::Builder::new().max_io(n + 16).build()?;
    rt.block_on(async move {
        let listener = rill::TcpListener::from_std(listener)?;
        for _ in 0..n {
            let (s, _) = listener.accept().await?;
            drop(rill::spawn(async move {
                let mut buf = [0u8; 512];
                while let Ok(k @ 1..) = s.read(&mut buf).await {
                    if s.write_all(&buf[..k]).await.is_err() {
                        return;
                    }
                }
            }));
        }
        rill::sleep(Duration::from_millis(200)).await;
        let _ = ready.send(());
        rill::sleep(Duration::from_secs(3600)).await;
        Ok(())
    })
}

fn serve_tokio(listener: StdListener, n: usize, ready: mpsc::Sender<()>) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        for _ in 0..n {
            let (mut s, _) = listener.accept().await?;
            drop(tokio::spawn(async move {
                let mut buf = [0u8; 512];
                while let Ok(k @ 1..) = s.read(&mut buf).await {
                    if s.write_all(&buf[..k]).await.is_err() {
                        return;
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = ready.send(());
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    })
}

/// The resident-set growth of building a runtime and running one 1 ms timer on it.
fn start_cost(which: &str) -> io::Result<()> {
    let before = rss_kb();
    let tick = Duration::from_millis(1);
    let keep: Box<dyn std::any::Any> = match which {
        "start-rill" => {
            let rt = rill::Builder::new().max_io(20000).build()?;
            rt.block_on(rill::sleep(tick));
            Box::new(rt)
        }
        _ => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async { tokio::time::sleep(tick).await });
            Box::new(rt)
        }
    };
    let after = rss_kb();
    println!(
        "{which}: a new runtime adds {} kB resident",
        after.saturating_sub(before)
    );
    drop(keep);
    Ok(())
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "rill".into());
    if which.starts_with("start-") {
        return start_cost(&which);
    }
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let listener = StdListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel();
    let server = match which.as_str() {
        "rill" => std::thread::spawn(move || serve_rill(listener, n, tx)),
        "tokio" => std::thread::spawn(move || serve_tokio(listener, n, tx)),
        other => {
            eprintln!("idle_memory: unknown implementation {other:?} (rill or tokio)");
            std::process::exit(2);
        }
    };
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kb();
    let clients = (0..n)
        .map(|_| std::net::TcpStream::connect(addr))
        .collect::<io::Result<Vec<_>>>()?;
    if rx.recv_timeout(Duration::from_secs(60)).is_err() {
        eprintln!(
            "idle_memory: the server did not take all connections: {:?}",
            server.join()
        );
        std::process::exit(1);
    }
    let after = rss_kb();
    println!(
        "{which}: {n} idle connections, +{} kB resident, {} B per connection",
        after.saturating_sub(before),
        after.saturating_sub(before) * 1024 / n as u64
    );
    drop(clients);
    Ok(())
}
