//! `bench`: rill side by side with a hand-written edge-triggered epoll loop, mio, polling and
//! tokio, in one invocation, on loopback and socketpairs.
//!
//! Each workload runs every implementation several times, interleaved (round 1 runs every row
//! once, then round 2 in a rotated order, ...), so machine noise hits all rows alike. Each table
//! gives the median, min and max rate, the ratio to the hand-written loop, and allocations per
//! operation. `bench --help` lists the options; `docs/PERFORMANCE.md` explains the workloads.

mod alloc;
mod core_micro;
mod impls;
mod loadgen;
mod meter;
mod proto;
mod stats;
mod sys;
mod wake;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use impls::{hand, mio_loop, nopoll, polling_loop, rill_rt, tokio_rt};
use meter::{Meter, Sample};
use proto::Proto;
use stats::{Cell, Line, Unit};

#[global_allocator]
static COUNTING: alloc::Counting = alloc::Counting;

/// The knobs of one invocation.
#[derive(Clone, Debug)]
struct Settings {
    rounds: usize,
    warmup: Duration,
    window: Duration,
    bulk_bytes: u64,
    chunk: usize,
    idle: usize,
    conns: usize,
    core_iters: u64,
    only: Option<Vec<String>>,
    implementation: Option<String>,
    exact_row: Option<String>,
    out: Option<PathBuf>,
}

impl Settings {
    fn full() -> Settings {
        Settings {
            rounds: 7,
            warmup: Duration::from_millis(100),
            window: Duration::from_millis(500),
            bulk_bytes: 1 << 30,
            chunk: 64 << 10,
            idle: 10_000,
            conns: 100,
            core_iters: 1 << 20,
            only: None,
            implementation: None,
            exact_row: None,
            out: None,
        }
    }

    fn quick() -> Settings {
        Settings {
            rounds: 2,
            warmup: Duration::from_millis(30),
            window: Duration::from_millis(120),
            bulk_bytes: 128 << 20,
            core_iters: 1 << 16,
            ..Settings::full()
        }
    }
}

const HELP: &str = "\
bench: rill side by side with a hand-written epoll loop, mio, polling and tokio

USAGE: bench [--quick] [--rounds N] [--window-ms MS] [--only W1,W2] [--impl TEXT] [--row LABEL]
             [--out FILE] [--list]

  --quick        a smoke run (~1 minute): 2 rounds, short windows, 128 MiB bulk
  --rounds N     runs per implementation and workload (default 7)
  --window-ms MS measurement window per run (default 500; warm-up is a fifth of it)
  --only LIST    comma-separated workloads: core, pingpong-1, pingpong-100, pingpong-1000,
                 bulk, wake, idle, echo, http
  --impl TEXT    only rows whose label contains TEXT (e.g. `rill`, `mio`)
  --row LABEL    only the row whose label is exactly LABEL
  --out FILE     also write the tables (markdown) to FILE
  --list         list workloads and rows, run nothing
";

fn parse_args() -> Result<Option<(Settings, bool)>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut s = if args.iter().any(|a| a == "--quick") {
        Settings::quick()
    } else {
        Settings::full()
    };
    let mut list = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--quick" => {}
            "--list" => list = true,
            "-h" | "--help" => return Ok(None),
            "--rounds" => {
                s.rounds = value(a)?.parse().map_err(|e| format!("--rounds: {e}"))?;
                s.rounds = s.rounds.max(1);
            }
            "--window-ms" => {
                let ms: u64 = value(a)?.parse().map_err(|e| format!("--window-ms: {e}"))?;
                s.window = Duration::from_millis(ms.max(10));
                s.warmup = s.window / 5;
            }
            "--only" => s.only = Some(value(a)?.split(',').map(str::to_string).collect()),
            "--impl" => s.implementation = Some(value(a)?),
            "--row" => s.exact_row = Some(value(a)?),
            "--out" => s.out = Some(PathBuf::from(value(a)?)),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(Some((s, list)))
}

type RunFn = Box<dyn Fn(&Settings) -> Result<Sample, String>>;

/// One row of a workload: an implementation, or the reason it is absent.
struct Row {
    label: String,
    run: Result<RunFn, String>,
    relative_to: Option<String>,
}

fn row(label: &str, run: impl Fn(&Settings) -> Result<Sample, String> + 'static) -> Row {
    Row {
        label: label.to_string(),
        run: Ok(Box::new(run)),
        relative_to: None,
    }
}

fn absent(label: &str, why: &str) -> Row {
    Row {
        label: label.to_string(),
        run: Err(why.to_string()),
        relative_to: None,
    }
}

/// One table.
struct Workload {
    key: &'static str,
    title: String,
    unit: Unit,
    baseline: &'static str,
    relative_header: Option<&'static str>,
    rows: Vec<Row>,
}

const HAND: &str = "hand-written epoll";
const HAND_BOTH: &str = "hand-written epoll, IN+OUT registered";
const HAND_RECVMSG: &str = "hand-written epoll, recvmsg reads";
const HAND_OWN_BUFFERS: &str = "hand-written epoll, a buffer per socket";
const HAND_IDLE: &str = "hand-written epoll, 10k idle";
const BUDGETS: [u32; 3] = [2, 0, 16];
const MT_WORKERS: usize = 2;
const RILL_MT: &str = "rill worker_threads(2)";
const RILL_MT_YIELD: &str = "rill worker_threads(2), yield_before_block";
const EXAMPLE: &str = "rill http_hello example (budget 2)";

fn err(e: io::Error) -> String {
    e.to_string()
}

/// Runs `job` against a fresh meter and returns its window's sample.
fn metered(
    s: &Settings,
    job: impl FnOnce(&Arc<Meter>) -> io::Result<()>,
) -> Result<Sample, String> {
    let meter = Arc::new(Meter::new(s.warmup, s.window));
    job(&meter).map_err(err)?;
    meter
        .sample()
        .ok_or_else(|| "the run ended before its window closed".to_string())
}

/// Runs `server` on a fresh loopback listener while the load client drives it from a thread.
fn served(
    s: &Settings,
    proto: Proto,
    server: impl FnOnce(TcpListener, usize, Proto) -> io::Result<()>,
) -> Result<Sample, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(err)?;
    let addr = listener.local_addr().map_err(err)?;
    let meter = Arc::new(Meter::new(s.warmup, s.window));
    let client = {
        let (meter, n) = (meter.clone(), s.conns);
        thread::spawn(move || loadgen::run(addr, n, proto, &meter))
    };
    let served = server(listener, s.conns, proto);
    let driven = client
        .join()
        .map_err(|_| "load client panicked".to_string())?;
    served.map_err(|e| format!("server: {e}"))?;
    driven.map_err(|e| format!("client: {e}"))?;
    meter
        .sample()
        .ok_or_else(|| "the run ended before its window closed".to_string())
}

/// Where `cargo build --release -p rill --example http_hello` puts the example, next to this
/// binary's own target directory.
fn example_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("examples").join("http_hello"))
}

/// The example's source, if it is in the tree this bench was built from.
fn example_source() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../std-adapter/examples/http_hello.rs")
}

/// Builds the `http_hello` example once per invocation (a no-op when it is up to date), with
/// the cargo that runs us if any, into this binary's target directory.
fn ensure_example() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let path = example_path().ok_or("cannot locate the bench binary")?;
            let target = path
                .parent()
                .and_then(|p| p.parent())
                .and_then(|p| p.parent())
                .ok_or("cannot locate the target directory")?;
            let cargo = std::env::var("CARGO").ok();
            if cargo.is_none() && path.exists() {
                return Ok(path);
            }
            eprintln!("building the http_hello example (release) ...");
            let status = Command::new(cargo.as_deref().unwrap_or("cargo"))
                .args([
                    "build",
                    "--release",
                    "-q",
                    "-p",
                    "rill",
                    "--example",
                    "http_hello",
                ])
                .env("CARGO_TARGET_DIR", target)
                .status()
                .map_err(|e| format!("cargo: {e}"))?;
            if !status.success() || !path.exists() {
                return Err("could not build the http_hello example".to_string());
            }
            Ok(path)
        })
        .clone()
}

/// Runs rill's `http_hello` example as a child process on a free port and drives it.
fn example_http(s: &Settings) -> Result<Sample, String> {
    let path = ensure_example()?;
    let addr: SocketAddr = {
        let probe = TcpListener::bind("127.0.0.1:0").map_err(err)?;
        probe.local_addr().map_err(err)?
    };
    let mut child = Command::new(&path)
        .arg(addr.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let ready = (0..500).any(|_| {
        if TcpStream::connect(addr).is_ok() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
        false
    });
    let result = if ready {
        let meter = Meter::new(s.warmup, s.window);
        loadgen::run(addr, s.conns, Proto::Http, &meter)
            .map_err(|e| format!("client: {e}"))
            .and_then(|()| {
                meter
                    .sample()
                    .ok_or_else(|| "window did not close".to_string())
            })
            .map(|sample| Sample {
                // The server allocates in the child process; only the client's are counted here.
                allocs_per_op: f64::NAN,
                ..sample
            })
    } else {
        Err("http_hello did not start listening within 5 s".to_string())
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The ping-pong row of a variant of the hand loop: the plain one as `change` leaves it.
fn hand_variant(label: &str, pairs: usize, change: impl FnOnce(&mut hand::Variant)) -> Row {
    let mut variant = hand::Variant::PLAIN;
    change(&mut variant);
    row(label, move |s| {
        metered(s, |m| hand::ping_pong_with(pairs, 0, variant, m))
    })
}

fn ping_pong_workload(pairs: usize, key: &'static str) -> Workload {
    let mut rows = vec![
        row(HAND, move |s| metered(s, |m| hand::ping_pong(pairs, 0, m))),
        hand_variant(HAND_BOTH, pairs, |v| v.interest = sys::BOTH_ET),
        hand_variant(HAND_RECVMSG, pairs, |v| v.reads = hand::Reads::Recvmsg),
        hand_variant(HAND_OWN_BUFFERS, pairs, |v| {
            v.buffers = hand::Buffers::PerSocket
        }),
        row("no poller", move |s| {
            metered(s, |m| nopoll::ping_pong(pairs, m))
        }),
        row("mio", move |s| {
            metered(s, |m| mio_loop::ping_pong(pairs, 0, m))
        }),
        row("polling", move |s| {
            metered(s, |m| polling_loop::ping_pong(pairs, 0, m))
        }),
        row("tokio current-thread", move |s| {
            metered(s, |m| tokio_rt::ping_pong(pairs, 0, m))
        }),
    ];
    for b in BUDGETS {
        rows.push(row(&format!("rill (budget {b})"), move |s| {
            metered(s, |m| rill_rt::ping_pong(b, pairs, 0, m))
        }));
    }
    Workload {
        key,
        title: format!(
            "Ping-pong, 64-byte messages, {pairs} socketpair(s), one thread: round trips/s"
        ),
        unit: Unit::PerSecond,
        baseline: HAND,
        relative_header: None,
        rows,
    }
}

fn idle_workload() -> Workload {
    type PingPong = fn(usize, usize, &Arc<Meter>) -> io::Result<()>;
    let impls: [(&str, PingPong); 6] = [
        (HAND, |p, i, m| hand::ping_pong(p, i, m)),
        ("mio", |p, i, m| mio_loop::ping_pong(p, i, m)),
        ("polling", |p, i, m| polling_loop::ping_pong(p, i, m)),
        ("tokio current-thread", tokio_rt::ping_pong),
        ("rill (budget 2)", |p, i, m| rill_rt::ping_pong(2, p, i, m)),
        ("rill (budget 0)", |p, i, m| rill_rt::ping_pong(0, p, i, m)),
    ];
    let mut rows = Vec::new();
    for (name, f) in impls {
        let with = format!("{name}, 10k idle");
        let without = format!("{name}, no idle");
        let mut r = row(&with, move |s| metered(s, |m| f(1, s.idle, m)));
        r.relative_to = Some(without.clone());
        rows.push(r);
        rows.push(row(&without, move |s| metered(s, |m| f(1, 0, m))));
    }
    Workload {
        key: "idle",
        title: "10,000 idle registrations plus one active ping-pong pair: round trips/s".into(),
        unit: Unit::PerSecond,
        baseline: HAND_IDLE,
        relative_header: Some("idle / no idle"),
        rows,
    }
}

fn bulk_workload(s: &Settings) -> Workload {
    let timed = |f: fn(u64, usize) -> io::Result<()>| {
        move |s: &Settings| {
            meter::timed(s.bulk_bytes / s.chunk as u64, s.bulk_bytes, || {
                f(s.bulk_bytes, s.chunk)
            })
            .map_err(err)
        }
    };
    let mut rows = vec![
        row(HAND, timed(hand::bulk)),
        row("no poller", timed(nopoll::bulk)),
        row("mio", timed(mio_loop::bulk)),
        row("polling", timed(polling_loop::bulk)),
        row("tokio current-thread", timed(tokio_rt::bulk)),
    ];
    for b in BUDGETS {
        rows.push(row(&format!("rill (budget {b})"), move |s| {
            meter::timed(s.bulk_bytes / s.chunk as u64, s.bulk_bytes, || {
                rill_rt::bulk(b, s.bulk_bytes, s.chunk)
            })
            .map_err(err)
        }));
    }
    Workload {
        key: "bulk",
        title: format!(
            "Bulk transfer, {} MiB in {} KiB writes over one socketpair, one thread: throughput",
            s.bulk_bytes >> 20,
            s.chunk >> 10
        ),
        unit: Unit::BytesPerSecond,
        baseline: HAND,
        relative_header: None,
        rows,
    }
}

fn wake_workload() -> Workload {
    Workload {
        key: "wake",
        title: "Cross-thread wake: a remote thread wakes the reactor and waits for its \
                acknowledgement: wake round trips/s (1 / latency)"
            .into(),
        unit: Unit::PerSecond,
        baseline: HAND,
        relative_header: None,
        rows: vec![
            row(HAND, |s| metered(s, hand::wake)),
            row("mio", |s| metered(s, mio_loop::wake)),
            row("polling", |s| metered(s, polling_loop::wake)),
            row("tokio current-thread", |s| metered(s, tokio_rt::wake)),
            row("rill", |s| metered(s, |m| rill_rt::wake(2, m))),
        ],
    }
}

fn server_workload(key: &'static str, proto: Proto, s: &Settings) -> Workload {
    let mut rows = vec![
        row(HAND, move |s| served(s, proto, hand::serve)),
        row("mio", move |s| served(s, proto, mio_loop::serve)),
        row("polling", move |s| served(s, proto, polling_loop::serve)),
        row("tokio current-thread", move |s| {
            served(s, proto, |l, n, p| tokio_rt::serve(l, n, p, 0))
        }),
        row(
            &format!("tokio multi-thread ({MT_WORKERS} workers)"),
            move |s| served(s, proto, |l, n, p| tokio_rt::serve(l, n, p, MT_WORKERS)),
        ),
    ];
    for b in [2, 0] {
        rows.push(row(&format!("rill (budget {b})"), move |s| {
            served(s, proto, |l, n, p| rill_rt::serve(b, l, n, p))
        }));
    }
    if proto == Proto::Http {
        if example_source().exists() {
            rows.push(row(EXAMPLE, example_http));
        } else {
            rows.push(absent(EXAMPLE, "n/a (example not in the tree)"));
        }
    }
    rows.push(row(RILL_MT, move |s| {
        served(s, proto, |l, n, p| {
            rill_rt::serve_mt(MT_WORKERS, false, l, n, p)
        })
    }));
    rows.push(row(RILL_MT_YIELD, move |s| {
        served(s, proto, |l, n, p| {
            rill_rt::serve_mt(MT_WORKERS, true, l, n, p)
        })
    }));
    let what = match proto {
        Proto::Echo => "TCP echo of 64-byte messages",
        Proto::Http => "HTTP/1.1 keep-alive `GET /`",
    };
    Workload {
        key,
        title: format!(
            "{what}, {} loopback connections, load client on its own thread: requests/s",
            s.conns
        ),
        unit: Unit::PerSecond,
        baseline: HAND,
        relative_header: None,
        rows,
    }
}

fn workloads(s: &Settings) -> Vec<Workload> {
    vec![
        ping_pong_workload(1, "pingpong-1"),
        ping_pong_workload(100, "pingpong-100"),
        ping_pong_workload(1000, "pingpong-1000"),
        idle_workload(),
        bulk_workload(s),
        wake_workload(),
        server_workload("echo", Proto::Echo, s),
        server_workload("http", Proto::Http, s),
    ]
}

fn selected(s: &Settings, key: &str) -> bool {
    s.only
        .as_ref()
        .is_none_or(|only| only.iter().any(|o| o == key))
}

/// Runs one workload's rows interleaved and renders its table.
fn run_workload(s: &Settings, w: &Workload) -> String {
    let rows: Vec<&Row> = w
        .rows
        .iter()
        .filter(|r| {
            s.implementation
                .as_ref()
                .is_none_or(|f| r.label.contains(f.as_str()))
                && s.exact_row.as_ref().is_none_or(|l| &r.label == l)
        })
        .collect();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); rows.len()];
    let mut errors: Vec<Option<String>> = vec![None; rows.len()];
    let mut leaks = vec![0usize; rows.len()];
    for round in 0..s.rounds {
        for k in 0..rows.len() {
            let i = (k + round) % rows.len();
            let Ok(run) = &rows[i].run else { continue };
            let fds_before = open_fds();
            match run(s) {
                Ok(sample) => {
                    eprintln!(
                        "[{}] round {}/{}: {}: {} ({} ops in all)",
                        w.key,
                        round + 1,
                        s.rounds,
                        rows[i].label,
                        w.unit.format(sample.rate),
                        sample.total_ops
                    );
                    samples[i].push(sample);
                }
                Err(e) => {
                    eprintln!("[{}] {}: FAILED: {e}", w.key, rows[i].label);
                    errors[i].get_or_insert(e);
                }
            }
            let grown = open_fds().saturating_sub(fds_before);
            if grown > 0 {
                eprintln!(
                    "[{}] {}: {grown} fd(s) still open after the run",
                    w.key, rows[i].label
                );
                leaks[i] += grown;
            }
        }
    }
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Line {
            label: r.label.clone(),
            cell: match (&r.run, stats::summarize(&samples[i]), &errors[i]) {
                (Err(why), _, _) => Cell::Absent(why.clone()),
                (Ok(_), Some(sum), _) => Cell::Measured(sum),
                (Ok(_), None, Some(e)) => Cell::Failed(format!("failed: {e}")),
                (Ok(_), None, None) => Cell::Absent("not run".into()),
            },
            relative_to: r.relative_to.clone(),
        })
        .collect();
    let mut table = stats::render(&w.title, w.unit, w.baseline, w.relative_header, &lines);
    let leaked: Vec<String> = rows
        .iter()
        .zip(&leaks)
        .filter(|(_, &n)| n > 0)
        .map(|(r, n)| format!("{} {n}", r.label))
        .collect();
    if !leaked.is_empty() {
        table.push_str(&format!(
            "\nDescriptors left open after {} run(s) each: {}.\n",
            s.rounds,
            leaked.join(", ")
        ));
    }
    table
}

/// How many descriptors the process has open (0 if `/proc` is not there).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn core_table(s: &Settings) -> String {
    match core_micro::run(s.rounds, s.core_iters) {
        Ok(r) => format!(
            "### rill-core alone (no syscalls), median of {} rounds of {} iterations\n\n\
             | cycle | ns |\n|---|---:|\n\
             | inline: submit → Attempt → finish(Done) → Complete, + reset_budget | {:.1} |\n\
             | parked: submit → Attempt → finish(WouldBlock) → handle_event → poll_ready → \
             finish(Done) → Complete | {:.1} |\n\
             | one event dispatch: handle_event + poll_ready (batches of 1024 parked ops) | {:.1} |\n\n\
             Allocations inside the timed loops: {}{}\n",
            s.rounds,
            s.core_iters,
            r.inline_ns,
            r.parked_ns,
            r.dispatch_ns,
            r.allocations,
            if r.allocations == 0 { " (none, as required)" } else { " (EXPECTED NONE)" }
        ),
        Err(e) => format!("### rill-core alone\n\nFAILED: {e}\n"),
    }
}

fn header(s: &Settings) -> String {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "## rill bench\n\n{} CPU(s), Linux {}; {} round(s) per row, interleaved; warm-up {} ms, \
         window {} ms; {} connections for the server workloads.\n",
        cpus,
        kernel.trim(),
        s.rounds,
        s.warmup.as_millis(),
        s.window.as_millis(),
        s.conns
    )
}

fn main() {
    let (s, list) = match parse_args() {
        Ok(Some(v)) => v,
        Ok(None) => {
            print!("{HELP}");
            return;
        }
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    let all = workloads(&s);
    if list {
        println!("core");
        for w in &all {
            println!("{}", w.key);
            for r in &w.rows {
                println!("  {}", r.label);
            }
        }
        return;
    }
    if let Err(e) = sys::raise_nofile_limit() {
        eprintln!("bench: could not raise the fd limit: {e}");
    }
    let started = Instant::now();
    let mut out = header(&s);
    println!("{out}");
    if selected(&s, "core") {
        let t = core_table(&s);
        println!("{t}");
        out.push('\n');
        out.push_str(&t);
    }
    for w in all.iter().filter(|w| selected(&s, w.key)) {
        let t = run_workload(&s, w);
        println!("{t}");
        out.push('\n');
        out.push_str(&t);
    }
    let footer = format!("\nTotal time: {:.0} s\n", started.elapsed().as_secs_f64());
    println!("{footer}");
    out.push_str(&footer);
    if let Some(path) = &s.out {
        if let Err(e) = std::fs::write(path, out) {
            eprintln!("bench: writing {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of every workload (except the example, which needs a release build of another
    /// crate) runs with tiny settings and yields a finite, positive rate.
    #[test]
    fn every_row_of_every_workload_runs_and_measures() {
        let s = Settings {
            rounds: 1,
            warmup: Duration::from_millis(5),
            window: Duration::from_millis(20),
            bulk_bytes: 4 << 20,
            idle: 200,
            conns: 4,
            ..Settings::full()
        };
        let _ = sys::raise_nofile_limit();
        let mut ran = 0;
        for w in workloads(&s) {
            for r in &w.rows {
                let Ok(run) = &r.run else { continue };
                if r.label == EXAMPLE {
                    continue;
                }
                let sample = run(&s).unwrap_or_else(|e| panic!("{} / {}: {e}", w.key, r.label));
                assert!(
                    sample.rate.is_finite() && sample.rate > 0.0,
                    "{} / {}: rate {}",
                    w.key,
                    r.label,
                    sample.rate
                );
                ran += 1;
            }
        }
        assert!(ran >= 40, "only {ran} rows ran");
    }

    #[test]
    fn settings_quick_is_smaller_than_full() {
        let (q, f) = (Settings::quick(), Settings::full());
        assert!(q.rounds < f.rounds && q.window < f.window && q.bulk_bytes < f.bulk_bytes);
    }
}
