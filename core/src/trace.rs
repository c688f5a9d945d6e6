//! The transition trace: an opt-in hook on every lane transition, for debugging hangs.
//!
//! Every lane transition goes through one place (the reactor's `step`), so one hook sees them
//! all, in order, as `token direction old => new (input)`, the way smoltcp's `set_state` logs
//! TCP states. The hook exists only with the `trace` feature: without it nothing is compiled
//! and a transition costs nothing extra.

use core::fmt;

use crate::op::{Input, OpState, Outcome};
use crate::{Direction, Token};

/// What drove a transition.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TraceInput {
    /// A new op (`submit`, or `resume` on an idle lane).
    Submit,
    /// The attempt's syscall finished with this outcome.
    Finish(Outcome),
    /// A readiness edge.
    Edge,
    /// A readiness edge that grants a parked op at once (`handle_event_granting`).
    EdgeGrant,
    /// A cancel.
    Cancel,
    /// `poll_ready` dispatched the lane.
    Dispatch,
    /// The owner started a granted attempt.
    Start,
    /// The descriptor was deregistered.
    Abort,
}

impl TraceInput {
    pub(crate) const fn of(input: Input) -> TraceInput {
        match input {
            Input::Submit { .. } => TraceInput::Submit,
            Input::Finish { outcome, .. } => TraceInput::Finish(outcome),
            Input::Edge => TraceInput::Edge,
            Input::EdgeGrant => TraceInput::EdgeGrant,
            Input::Cancel => TraceInput::Cancel,
            Input::Dispatch => TraceInput::Dispatch,
            Input::Start => TraceInput::Start,
            Input::Abort => TraceInput::Abort,
        }
    }
}

impl fmt::Display for TraceInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceInput::Submit => f.write_str("submit"),
            TraceInput::Finish(Outcome::Done) => f.write_str("finish: done"),
            TraceInput::Finish(Outcome::Drained) => f.write_str("finish: drained"),
            TraceInput::Finish(Outcome::WouldBlock) => f.write_str("finish: would block"),
            TraceInput::Edge => f.write_str("edge"),
            TraceInput::EdgeGrant => f.write_str("edge (grant)"),
            TraceInput::Cancel => f.write_str("cancel"),
            TraceInput::Dispatch => f.write_str("dispatch"),
            TraceInput::Start => f.write_str("start"),
            TraceInput::Abort => f.write_str("abort"),
        }
    }
}

/// One lane transition, as the trace hook sees it. `Display` prints
/// `token direction old => new (input)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Transition {
    /// The descriptor.
    pub token: Token,
    /// The lane.
    pub dir: Direction,
    /// The state before.
    pub from: OpState,
    /// The state after (equal to `from` when the input changed nothing).
    pub to: OpState,
    /// What drove it.
    pub input: TraceInput,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {} {} => {} ({})",
            self.token, self.dir, self.from, self.to, self.input
        )
    }
}

/// The hook: a plain function, so the core stays allocation-free.
pub type TraceHook = fn(&Transition);

#[cfg(test)]
mod tests {
    use core::fmt::Write;

    use crate::{Config, Direction, Event, Reactor, Readiness, Slot, SubmitAction};

    use super::*;

    static SEEN: spin::Mutex<heapless::Vec<Transition, 16>> =
        spin::Mutex::new(heapless::Vec::new());

    fn record(t: &Transition) {
        let _ = SEEN.lock().push(*t);
    }

    #[test]
    fn the_hook_sees_every_transition_in_order() {
        let mut r = Reactor::new([Slot::VACANT; 2], Config::default());
        r.set_trace(Some(record));
        let t = r.register().unwrap();
        let SubmitAction::Attempt(op) = r.submit(t, Direction::Read).unwrap() else {
            panic!()
        };
        let _ = r.finish_attempt(op, Outcome::WouldBlock).unwrap();
        r.handle_event(Event::new(t, Readiness::READABLE)).unwrap();
        let seen = SEEN.lock().clone();
        let lines: heapless::Vec<heapless::String<80>, 16> = seen
            .iter()
            .map(|tr| {
                let mut s = heapless::String::new();
                let _ = write!(s, "{tr}");
                s
            })
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].ends_with("read idle => attempting (submit)"),
            "{}",
            lines[0]
        );
        assert!(lines[1].ends_with("read attempting => parked (finish: would block)"));
        assert!(lines[2].ends_with("read parked => runnable (edge)"));
        r.set_trace(None);
        let _ = r.cancel(op).unwrap();
        assert_eq!(SEEN.lock().len(), 3, "no hook, no record");
    }
}
