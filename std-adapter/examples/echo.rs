//! An echo server and a verifying load client on the rill runtime.
//!
//! ```text
//! echo server [ADDR]                                   serve until interrupted
//! echo load [ADDR] --connections N --bytes B           N connections, B random bytes each
//! echo demo                                            both, in one process, then exit
//! ```
//! Run `echo --help` for the options.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rill::{Backend, Runtime, TcpListener, TcpStream};

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

const HELP: &str = "\
echo: an echo server and a verifying load client on the rill runtime

USAGE:
    echo server [ADDR]                       serve until interrupted (default ADDR 127.0.0.1:7878)
    echo load [ADDR] [--connections N] [--bytes B]
                                             open N connections (default 100), send B random
                                             bytes on each (default 1048576), verify every byte
                                             that comes back, print throughput; exit status 1
                                             on any mismatch or error
    echo demo [--connections N] [--bytes B]  run a server on an ephemeral loopback port and the
                                             load client against it in one process, then exit

OPTIONS (every command):
    --backend NAME    epoll, poll, select, kqueue or default (default: the platform's)
    --budget N        the inline budget (default 2; 0 defers every completion)
    -h, --help        print this help
";

struct Options {
    command: String,
    addr: Option<String>,
    connections: usize,
    bytes: usize,
    backend: Backend,
    budget: u32,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut opts = Options {
        command: String::new(),
        addr: None,
        connections: 100,
        bytes: 1 << 20,
        backend: Backend::platform_default(),
        budget: 2,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--connections" => {
                opts.connections = value("--connections")?
                    .parse()
                    .map_err(|e| format!("--connections: {e}"))?
            }
            "--bytes" => {
                opts.bytes = value("--bytes")?
                    .parse()
                    .map_err(|e| format!("--bytes: {e}"))?
            }
            "--backend" => {
                opts.backend = value("--backend")?.parse().map_err(|e| format!("{e}"))?
            }
            "--budget" => {
                opts.budget = value("--budget")?
                    .parse()
                    .map_err(|e| format!("--budget: {e}"))?
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if opts.command.is_empty() => opts.command = s.to_string(),
            s if opts.addr.is_none() && opts.command != "demo" => opts.addr = Some(s.to_string()),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    match opts.command.as_str() {
        "server" | "load" | "demo" => {}
        "" => return Err("missing command (server, load or demo)".into()),
        c => return Err(format!("unknown command {c}")),
    }
    if opts.connections == 0 {
        return Err("--connections must be at least 1".into());
    }
    Ok(Some(opts))
}

/// Echoes one connection until the peer closes its writing side.
async fn serve_connection(stream: TcpStream) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Accepts forever (or until `limit` connections were served, for the demo). A connection the
/// runtime had no room for (`ConnectionAborted`: it was closed unserved) is back-pressure, not
/// the end of the listener: keep accepting (accept itself backs off first).
async fn serve(listener: TcpListener, limit: Option<usize>) -> std::io::Result<()> {
    let mut accepted = 0;
    let mut tasks = Vec::new();
    while limit.is_none_or(|l| accepted < l) {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => {
                eprintln!("echo: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        accepted += 1;
        let task = rill::spawn(async move {
            if let Err(e) = serve_connection(stream).await {
                eprintln!("echo: connection from {peer}: {e}");
            }
        });
        if limit.is_some() {
            tasks.push(task);
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

/// A deterministic xorshift PRNG, seeded per connection.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

/// One load connection: write the payload (then shut down writing) while reading the echo
/// back; compare every byte.
async fn load_connection(addr: SocketAddr, seed: u64, bytes: usize) -> Result<(), String> {
    let stream = Rc::new(
        TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?,
    );
    let data = Rc::new(payload(seed, bytes));
    let writer = {
        let stream = stream.clone();
        let data = data.clone();
        rill::spawn(async move {
            stream.write_all(&data).await?;
            stream.shutdown(std::net::Shutdown::Write)
        })
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut offset = 0;
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        if offset + n > data.len() {
            return Err(format!(
                "received {} bytes, sent {}",
                offset + n,
                data.len()
            ));
        }
        if buf[..n] != data[offset..offset + n] {
            let at = (0..n).find(|&i| buf[i] != data[offset + i]).unwrap_or(0);
            return Err(format!("byte {} differs", offset + at));
        }
        offset += n;
    }
    writer
        .await
        .map_err(|e| format!("writer: {e}"))?
        .map_err(|e| format!("write: {e}"))?;
    if offset != data.len() {
        return Err(format!("received {offset} bytes, sent {}", data.len()));
    }
    Ok(())
}

/// Runs the load; prints a one-line result. `Err` on any failure.
async fn load(addr: SocketAddr, connections: usize, bytes: usize) -> Result<String, String> {
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|i| rill::spawn(load_connection(addr, i as u64 + 1, bytes)))
        .collect();
    let mut failures = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("connection {i}: {e}")),
            Err(e) => failures.push(format!("connection {i}: {e}")),
        }
    }
    let elapsed = start.elapsed().max(Duration::from_micros(1));
    if !failures.is_empty() {
        let shown: Vec<_> = failures.iter().take(5).cloned().collect();
        return Err(format!(
            "{} of {connections} connections failed: {}",
            failures.len(),
            shown.join("; ")
        ));
    }
    let total = (connections * bytes) as f64;
    Ok(format!(
        "{connections} connections x {bytes} bytes echoed and verified in {:.3} s: {:.1} MB/s each way",
        elapsed.as_secs_f64(),
        total / elapsed.as_secs_f64() / 1e6
    ))
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))
}

fn run(opts: Options) -> Result<(), String> {
    let rt = Runtime::builder()
        .backend(opts.backend)
        .inline_budget(opts.budget)
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let addr = opts.addr.as_deref().unwrap_or(DEFAULT_ADDR);
    match opts.command.as_str() {
        "server" => rt.block_on(async {
            // A host name is resolved off the loop thread; `bind` itself takes addresses only.
            let addrs: Vec<_> = rill::lookup_host(addr)
                .await
                .map_err(|e| format!("resolve {addr}: {e}"))?
                .collect();
            let listener =
                TcpListener::bind(&addrs[..]).map_err(|e| format!("bind {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            println!(
                "echo: serving on {local} ({} backend); Ctrl-C stops",
                opts.backend
            );
            serve(listener, None).await.map_err(|e| e.to_string())
        }),
        "load" => {
            let addr = resolve(addr)?;
            let line = rt.block_on(load(addr, opts.connections, opts.bytes))?;
            println!("echo load: {line}");
            Ok(())
        }
        _ => rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            let server = rill::spawn(serve(listener, Some(opts.connections)));
            let result = rill::timeout(
                Duration::from_secs(120),
                load(local, opts.connections, opts.bytes),
            )
            .await
            .map_err(|_| "demo did not finish within 120 s".to_string())?;
            let line = result?;
            server
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            println!("echo demo ({} backend, {local}): {line}", opts.backend);
            Ok(())
        }),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("echo: {e}\n\n{HELP}");
            ExitCode::from(2)
        }
        Ok(Some(opts)) => match run(opts) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("echo: error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
