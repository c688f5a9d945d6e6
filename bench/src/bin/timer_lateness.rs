//! How late a timer fires: `sleep(d)` on rill's epoll, poll and select backends and on tokio's
//! current-thread runtime, side by side.
//!
//! `timer_lateness [--rounds N] [--sleeps N]` runs, for each requested duration (50 µs, 200 µs,
//! 1.5 ms), `--sleeps` sleeps one after another on an otherwise idle runtime, timing each from
//! before its `sleep` to after its `.await`. The rows run in turn, in an order rotated per round,
//! so machine noise lands on all of them. Prints a markdown table: per row and duration, the
//! median over the rounds of each round's median and p99 lateness (elapsed minus requested).
//! A timer must never fire early; the harness says so if one does.

use std::time::{Duration, Instant};

const DURATIONS: [Duration; 3] = [
    Duration::from_micros(50),
    Duration::from_micros(200),
    Duration::from_micros(1_500),
];

/// One implementation: runs `sleeps` sleeps of `d` and returns each one's elapsed time.
type Row = (&'static str, fn(Duration, usize) -> Vec<Duration>);

/// Awaits `sleeps` futures made by `sleep`, one after another, timing each from its making to
/// its end.
async fn time_each<F: std::future::Future>(sleeps: usize, sleep: impl Fn() -> F) -> Vec<Duration> {
    let mut out = Vec::with_capacity(sleeps);
    for _ in 0..sleeps {
        let t = Instant::now();
        sleep().await;
        out.push(t.elapsed());
    }
    out
}

fn rill_sleeps(backend: rill::Backend, d: Duration, sleeps: usize) -> Vec<Duration> {
    let rt = rill::Runtime::builder()
        .backend(backend)
        .build()
        .expect("rill runtime");
    rt.block_on(time_each(sleeps, || rill::sleep(d)))
}

fn tokio_sleeps(d: Duration, sleeps: usize) -> Vec<Duration> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(time_each(sleeps, || tokio::time::sleep(d)))
}

const ROWS: [Row; 4] = [
    ("rill, epoll", |d, n| {
        rill_sleeps(rill::Backend::Epoll, d, n)
    }),
    ("rill, poll", |d, n| rill_sleeps(rill::Backend::Poll, d, n)),
    ("rill, select", |d, n| {
        rill_sleeps(rill::Backend::Select, d, n)
    }),
    ("tokio current-thread", tokio_sleeps),
];

/// The `q` quantile (0..=1) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile(&v, 0.5)
}

fn main() {
    let mut rounds = 5;
    let mut sleeps = 200;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--rounds", Some(n)) => rounds = n,
            ("--sleeps", Some(n)) => sleeps = n,
            _ => {
                eprintln!("usage: timer_lateness [--rounds N] [--sleeps N]");
                std::process::exit(2);
            }
        }
    }
    let (rounds, sleeps) = (rounds.max(1), sleeps.max(2));
    // Per row and duration, each round's (median, p99) lateness in µs.
    let mut results = vec![vec![Vec::new(); DURATIONS.len()]; ROWS.len()];
    for round in 0..rounds {
        for k in 0..ROWS.len() {
            let r = (k + round) % ROWS.len();
            let (label, run) = ROWS[r];
            for (i, &d) in DURATIONS.iter().enumerate() {
                let mut late: Vec<f64> = run(d, sleeps)
                    .into_iter()
                    .map(|e| {
                        if e < d {
                            eprintln!("[timer_lateness] {label}: sleep({d:?}) fired after {e:?}");
                        }
                        e.as_secs_f64() * 1e6 - d.as_secs_f64() * 1e6
                    })
                    .collect();
                late.sort_by(f64::total_cmp);
                results[r][i].push((quantile(&late, 0.5), quantile(&late, 0.99)));
            }
            eprintln!("[timer_lateness] round {}/{rounds}: {label}", round + 1);
        }
    }
    println!("Lateness of `sleep(d)` in µs (elapsed minus d), median of {rounds} rounds of {sleeps} sleeps each:\n");
    print!("| implementation |");
    for d in DURATIONS {
        print!(" {d:?}: p50 | p99 |");
    }
    println!();
    println!("|---|{}", "---:|---:|".repeat(DURATIONS.len()));
    for (r, (label, _)) in ROWS.iter().enumerate() {
        print!("| {label} |");
        for per_round in &results[r] {
            let p50 = median(per_round.iter().map(|x| x.0).collect());
            let p99 = median(per_round.iter().map(|x| x.1).collect());
            print!(" {p50:.0} | {p99:.0} |");
        }
        println!();
    }
}
