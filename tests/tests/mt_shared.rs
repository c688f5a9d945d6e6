//! The process-wide loop group (`LoopGroup::shared`) used by two components: one set of loops,
//! alive while either holds it, torn down (threads joined) when the last releases it, and a
//! fresh group for the next user. In its own test binary because the group is process-wide.

use std::sync::mpsc;
use std::thread;

use rill::{LoopGroup, Runtime, TcpStream};
use rill_tests::{notify_on_thread_exit, TEST_LIMIT};

fn wait<T>(f: impl std::future::Future<Output = T>) -> T {
    Runtime::new().unwrap().block_on(async move {
        rill::timeout(TEST_LIMIT, f)
            .await
            .expect("test body exceeded the limit")
    })
}

/// Component A: an echo service on the shared loops.
struct EchoService {
    _group: LoopGroup,
    server: rill::ReuseportServer,
}

impl EchoService {
    fn start() -> EchoService {
        let group = LoopGroup::shared().unwrap();
        let server = group
            .listen_reuseport("127.0.0.1:0", |stream, _| async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            })
            .unwrap();
        EchoService {
            _group: group,
            server,
        }
    }
}

/// Component B: a client that runs its requests on the shared loops.
struct Client {
    group: LoopGroup,
}

impl Client {
    fn ask(&self, addr: std::net::SocketAddr, msg: &'static [u8]) -> Vec<u8> {
        let h = self.group.spawn_with(move || async move {
            let s = TcpStream::connect(addr).await?;
            s.write_all(msg).await?;
            let mut back = vec![0u8; msg.len()];
            s.read_exact(&mut back).await?;
            std::io::Result::Ok(back)
        });
        wait(h).unwrap().unwrap()
    }
}

#[test]
fn shared_group_is_used_by_two_components_and_torn_down_by_the_last() {
    let echo = EchoService::start();
    let client = Client {
        group: LoopGroup::shared().unwrap(),
    };
    assert!(client.group.same_group(&echo._group), "one set of loops");
    let n = client.group.len();
    assert_eq!(n, thread::available_parallelism().unwrap().get());
    let addr = echo.server.local_addr();
    assert_eq!(client.ask(addr, b"first"), b"first");

    let (tx, exits) = mpsc::channel();
    let installs: Vec<_> = (0..n)
        .map(|i| {
            let tx = tx.clone();
            client
                .group
                .spawn_on(i, move || {
                    notify_on_thread_exit(tx);
                    async {}
                })
                .unwrap()
        })
        .collect();
    drop(tx);
    wait(async move {
        for h in installs {
            h.await.unwrap();
        }
    });
    let handle = client.group.handle();

    // A releases its use: B keeps the loops.
    drop(echo);
    assert!(exits.try_recv().is_err(), "B still holds the loops");
    let h = client.group.spawn_on(0, || async { "still here" }).unwrap();
    assert_eq!(wait(h).unwrap(), "still here");

    // B releases the last use: every loop thread is joined before drop returns.
    drop(client);
    let mut names: Vec<String> = exits.try_iter().collect();
    names.sort();
    let expected: Vec<String> = (0..n).map(|i| format!("rill-loop-{i}")).collect();
    assert_eq!(names, expected);
    assert!(handle.is_shutdown());

    // The next user gets a fresh group.
    let again = LoopGroup::shared().unwrap();
    assert!(!again.handle().is_shutdown());
    let h = again.spawn_on(0, || async { 1 }).unwrap();
    assert_eq!(wait(h).unwrap(), 1);
    drop(again);

    // Users taking and releasing the shared group from several threads at once: a user never
    // gets a group that is being torn down (its spawns always run).
    let threads: Vec<_> = (0..4)
        .map(|t| {
            thread::spawn(move || {
                for k in 0..20 {
                    let g = LoopGroup::shared().unwrap();
                    let h = g.spawn_with(move || async move { t * 100 + k });
                    assert_eq!(wait(h).unwrap(), t * 100 + k);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
