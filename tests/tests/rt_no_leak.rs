//! A dropped runtime releases everything it opened, however its tasks ended, and a dropped signal
//! listener its pipe and its action. This binary holds a single test so no other test opens
//! descriptors while it counts them.

use std::io;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn cycle(workers: usize) -> io::Result<()> {
    let rt = rill::Runtime::builder().worker_threads(workers).build()?;
    rt.block_on(async {
        // finished and joined, finished and detached, still pending at the drop, aborted
        rill::spawn(async {})
            .await
            .map_err(|e| io::Error::other(e.to_string()))?;
        drop(rill::spawn(async { 7 }));
        let pending = rill::spawn(rill::sleep(std::time::Duration::from_secs(60)));
        let aborted = rill::spawn(rill::sleep(std::time::Duration::from_secs(60)));
        aborted.abort();
        let _ = aborted.await;
        rill::yield_now().await;
        drop(pending);
        let (a, b) = rill::UnixStream::pair()?;
        a.write_all(b"x").await?;
        let mut one = [0u8; 1];
        b.read_exact(&mut one).await?;
        // A signal listener that received, then dropped: its pipe and its action go with it.
        let mut usr2 = rill::signal::signal(libc::SIGUSR2)?;
        // SAFETY: raise(3) has no memory-safety preconditions; SIGUSR2 has a handler now.
        unsafe { libc::raise(libc::SIGUSR2) };
        usr2.recv().await?;
        drop(usr2);
        io::Result::Ok(())
    })
}

#[test]
fn dropped_runtimes_close_every_descriptor() {
    for workers in [1, 2] {
        cycle(workers).unwrap(); // warm-up: lazily opened process-wide resources
        let before = open_fds();
        for _ in 0..5 {
            cycle(workers).unwrap();
        }
        assert_eq!(
            open_fds(),
            before,
            "descriptors leaked with {workers} worker thread(s)"
        );
    }
}
