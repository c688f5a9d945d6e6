//! `#[rill::main]` and `#[rill::test]`: the expansion runs the body on a runtime built from the
//! arguments (checked through what the body can observe), keeps the return type (`?`,
//! `Result` tests), and composes with `#[should_panic]`.

use std::io;

#[rill::test]
async fn a_default_test_runs_on_a_single_loop() {
    let handle = rill::Handle::try_current().expect("inside a runtime");
    assert_eq!(handle.worker_count(), 1);
    assert_eq!(rill::worker_index(), Some(0));
    assert_eq!(rill::spawn(async { 40 + 2 }).await.unwrap(), 42);
}

#[rill::test(worker_threads = 3, backend = "poll", inline_budget = 0, max_io = 64)]
async fn arguments_reach_the_builder() {
    let handle = rill::Handle::try_current().unwrap();
    assert_eq!(handle.worker_count(), 3);
    // Work placed through the handle runs on the worker loops.
    let on = handle
        .spawn_on(2, || async { rill::worker_index() })
        .unwrap();
    assert_eq!(on.await.unwrap(), Some(2));
}

#[rill::test(max_io = 1)]
async fn max_io_limits_registrations() {
    // One registration fits; the second does not (`OutOfMemory`, see the crate docs).
    let _first = rill::UdpSocket::bind("127.0.0.1:0").expect("one fits");
    let second = rill::UdpSocket::bind("127.0.0.1:0");
    assert!(second.is_err(), "max_io = 1 admits one socket");
}

#[rill::test]
async fn a_test_may_return_a_result_and_use_question_marks() -> io::Result<()> {
    let (a, b) = rill::UnixStream::pair()?;
    a.write_all(b"ping").await?;
    let mut buf = [0u8; 4];
    b.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"ping");
    Ok(())
}

#[rill::test]
#[should_panic(expected = "from the body")]
async fn a_panic_in_the_body_fails_the_test() {
    rill::yield_now().await;
    panic!("from the body");
}

mod as_main {
    /// A `main` made by the macro, called like any function.
    #[rill::main(backend = "select", worker_threads = 2)]
    pub async fn main() -> Result<usize, String> {
        let handle = rill::Handle::try_current().map_err(|e| e.to_string())?;
        Ok(handle.worker_count())
    }
}

#[test]
fn main_builds_a_runtime_and_returns_the_body_output() {
    assert_eq!(as_main::main(), Ok(2));
    // A runtime per call: calling it twice is fine.
    assert_eq!(as_main::main(), Ok(2));
}

#[rill::test(start_paused = true)]
async fn start_paused_gives_the_test_clock() {
    let t0 = rill::time::now();
    rill::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    assert_eq!(
        rill::time::now() - t0,
        std::time::Duration::from_secs(24 * 3600),
        "a day of virtual time"
    );
}

#[rill::test]
async fn a_loop_blocks_at_once_by_default() {
    rill::sleep(std::time::Duration::from_millis(2)).await;
    let m = rill::metrics().unwrap();
    assert_eq!(m.yields, 0, "{m:?}");
    assert!(m.timers_fired >= 1, "{m:?}");
}

#[rill::test(yield_before_block = true)]
async fn yield_before_block_true_yields_before_it_blocks() {
    rill::sleep(std::time::Duration::from_millis(2)).await;
    let m = rill::metrics().unwrap();
    assert!(m.yields >= 1, "{m:?}");
}

#[rill::test(start_paused = false)]
async fn start_paused_false_keeps_the_real_clock() {
    let err = rill::time::advance(std::time::Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
}
