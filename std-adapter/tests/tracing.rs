//! The `tracing` feature: a hang can be debugged from the events (task poll, op park / attempt,
//! OS wait, core transitions). Run with `cargo test -p rill --features tracing --test tracing`.
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Keeps each event's message.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut msg = String::new();
        event.record(&mut Message(&mut msg));
        self.0.lock().unwrap().push(msg);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn a_parked_read_leaves_a_trail() {
    let seen = Collect::default();
    tracing::subscriber::with_default(seen.clone(), || {
        let rt = rill::Runtime::new().unwrap();
        rt.block_on(async {
            let (a, b) = rill::UnixStream::pair().unwrap();
            let reader = rill::spawn(async move {
                let mut buf = [0u8; 2];
                b.read_exact(&mut buf).await.unwrap();
            });
            rill::yield_now().await;
            a.write_all(b"hi").await.unwrap();
            reader.await.unwrap();
        });
    });
    let seen = seen.0.lock().unwrap();
    for want in [
        "task spawn",
        "task poll",
        "op park",
        "op attempt",
        "os wait",
        "task complete",
    ] {
        assert!(seen.iter().any(|m| m == want), "no {want:?} in {seen:?}");
    }
    // The parked read is granted by the event that woke it (`handle_event_granting`).
    assert!(
        seen.iter()
            .any(|m| m.contains("read parked => granted (edge (grant))")),
        "no core transition in {seen:?}"
    );
}
