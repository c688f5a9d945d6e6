//! The `core_model` target: [`rill_core::Reactor`] against a reference model, step by step.
//!
//! The input is a descriptor capacity, an inline budget and a sequence of calls (register,
//! deregister, submit, finish an attempt, OS event, cancel, cancel-all, dispatch, budget reset,
//! arm a timeout, advance the clock). Timeouts live in a [`Timers`] table beside the reactor, as
//! in a real driver: an expired timer cancels its op, which by then may have completed (the
//! cancel must be `TooLate`) or been aborted (its token is stale).
//! The fuzzer plays the driver: it decides when an attempt's syscall finishes and whether it said
//! WouldBlock, so events and cancels land while attempts are in flight. Before each call the
//! `Model` (plain code with no link to the core's internals) says what the call must return;
//! after each call the harness compares every observable (op states, knowledge, interest,
//! readiness, queue length, counters) and checks the properties the core promises:
//!
//! - every started op completes exactly once, with the kind the model expects;
//! - no lost wake-up: an op is never parked while its direction is known ready, and an event that
//!   wakes a direction leaves no op of that direction parked;
//! - stale tokens, stale op ids and stale events are refused with an error and counted;
//! - the ready queue never holds more than two entries per descriptor;
//! - no direction completes inline more than `inline_budget` times in a row;
//! - every misuse (stale token, busy lane, finishing an op that is not attempting) is an `Err`.
//!
//! At the end the harness finishes every attempt, drains the ready queue and deregisters
//! everything, then checks that no started op is left without its completion.

use std::collections::{HashSet, VecDeque};

use arbitrary::{Arbitrary, Unstructured};
use rill_core::timer::TimerError;
use rill_core::{
    CancelAction, Completion, CompletionKind, Config, Direction, Event, FinishAction, Interruption,
    Knowledge, OpError, OpId, OpState, Origin, Outcome, Performed, Reactor, Readiness, Ready,
    RegisterError, ResumeAction, Slot, StaleToken, SubmitAction, SubmitError, Ticks, TimerId,
    TimerSlot, Timers, Token,
};

/// How many timeouts may be armed at once.
const TIMEOUTS: usize = 4;

/// One fuzz case: the reactor's construction parameters and the calls to make.
#[derive(Arbitrary, Debug, Clone)]
pub struct Input {
    /// Descriptor slots, taken modulo 7 (so 0 to 6; 0 makes every register fail).
    pub capacity: u8,
    /// Inline budget, taken modulo 4.
    pub inline_budget: u8,
    /// The calls, in order.
    pub steps: Vec<Step>,
}

/// One call on the reactor.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Step {
    /// `register()`.
    Register,
    /// `deregister(token)`.
    Deregister(TokenRef),
    /// `submit(token, dir)`.
    Submit(TokenRef, Dir),
    /// `finish_attempt(op, outcome)`: the op's syscall returned.
    Finish {
        /// Which op.
        op: OpRef,
        /// True: EAGAIN. False: the syscall finished.
        would_block: bool,
    },
    /// `handle_event(token, readiness)` with the readiness bits truncated to the known ones.
    Event(TokenRef, u8),
    /// `finish_attempt(op, Outcome::Drained)`: the syscall finished with a short transfer.
    FinishDrained(OpRef),
    /// `cancel(op)`.
    Cancel(OpRef),
    /// `cancel_all(token)`.
    CancelAll(TokenRef),
    /// `poll_ready()`, acting on what it hands out only by recording it.
    PollReady,
    /// `reset_budget()`.
    ResetBudget,
    /// Arm a timeout for an op: a timer `after` ticks from now whose expiry cancels the op, as
    /// the std adapter's `timeout` does.
    Timeout {
        /// Which op.
        op: OpRef,
        /// Ticks from now (0: due at the next tick).
        after: u8,
    },
    /// The clock advances; every due timer expires and cancels its op.
    Tick(u8),
    /// `start(op)`: the owner of a granted op begins its syscall.
    Start(OpRef),
    /// `resume(token, dir)`: the owner of the lane is polled (a futures adapter).
    Resume(TokenRef, Dir),
    /// `handle_event_granting(token, readiness)`: an event for an owner that takes grants at
    /// once (a parked op the event wakes is granted without the ready queue).
    EventGranting(TokenRef, u8),
    /// `perform(token, dir, io)`: resume and the syscall in one call; `script` gives the
    /// syscall's outcomes in turn (two bits each: done, drained, would block; then done).
    Perform(TokenRef, Dir, u8),
}

/// How a step names a token.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum TokenRef {
    /// A currently registered token (index modulo their number).
    Live(u8),
    /// Any token ever handed out, live or stale.
    Issued(u8),
    /// A made-up token; small values so it sometimes matches a live one.
    Forged {
        /// Slot index, modulo 8.
        index: u8,
        /// Generation, modulo 4.
        generation: u8,
    },
}

/// How a step names an op.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum OpRef {
    /// An op whose attempt is in flight (the protocol-correct choice for `Finish`).
    Attempting(u8),
    /// An op that started and has not completed.
    Outstanding(u8),
    /// Any op ever started, completed or not.
    Issued(u8),
}

/// A direction.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Dir {
    /// The read lane.
    Read,
    /// The write lane.
    Write,
}

impl From<Dir> for Direction {
    fn from(d: Dir) -> Direction {
        match d {
            Dir::Read => Direction::Read,
            Dir::Write => Direction::Write,
        }
    }
}

impl Input {
    /// Decodes fuzz bytes: capacity, budget, then steps until the bytes run out (a step cut
    /// short by the end of the data is completed with zeros, as `arbitrary` does).
    pub fn decode(data: &[u8]) -> arbitrary::Result<Input> {
        let mut u = Unstructured::new(data);
        let capacity = u.arbitrary()?;
        let inline_budget = u.arbitrary()?;
        let mut steps = Vec::new();
        while !u.is_empty() {
            steps.push(u.arbitrary()?);
        }
        Ok(Input {
            capacity,
            inline_budget,
            steps,
        })
    }
}

/// Decodes `data` and runs it; panics on any disagreement. Inputs that do not decode are ignored.
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::decode(data) {
        check(&input);
    }
}

/// Runs one decoded case; panics on any disagreement between the reactor and the model.
pub fn check(input: &Input) {
    let mut h = Harness::new(usize::from(input.capacity % 7), input.inline_budget % 4);
    for (i, step) in input.steps.iter().enumerate() {
        h.step_no = i;
        h.step(*step);
        h.check_invariants();
    }
    h.wind_down();
}

// ---------------------------------------------------------------------------------------------
// The reference model: what each call must do, written from the documented semantics.
// ---------------------------------------------------------------------------------------------

/// One lane's state in the model. Attempting carries what happened meanwhile as two flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MState {
    Idle,
    Attempting {
        dispatched: bool,
        edge: bool,
        cancel: bool,
    },
    Parked,
    Runnable,
    /// Dispatched; the owner has not started the syscall.
    Granted {
        edge: bool,
    },
    Deferred,
}

#[derive(Clone, Copy, Debug)]
struct MLane {
    state: MState,
    knowledge: Knowledge,
    /// The current (or last) op of this lane.
    op: Option<OpId>,
}

#[derive(Clone, Copy, Debug)]
struct MDesc {
    token: Token,
    lanes: [MLane; 2],
    sticky: Readiness,
    last: Readiness,
}

/// What `submit` must return.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpSubmit {
    Attempt,
    Parked,
    Queued,
}

/// What `finish_attempt` must return.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpFinish {
    Complete(OpId, CompletionKind),
    Deferred,
    Retry,
    Parked,
}

/// What `cancel` must return.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpCancel {
    Cancelled(OpId),
    Requested,
    TooLate,
}

/// What `poll_ready` must return.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpReady {
    Attempt(OpId),
    Complete(OpId),
}

/// Counters the model expects in `Reactor::stats`.
#[derive(Clone, Copy, Default, Debug)]
struct MStats {
    stale_events: u64,
    inline_completions: u64,
    deferred_completions: u64,
    gated_parks: u64,
    queued_submits: u64,
    retries: u64,
    parks: u64,
}

/// The reference model of the reactor.
struct Model {
    capacity: usize,
    limit: u8,
    descs: Vec<MDesc>,
    queue: VecDeque<(Token, Direction)>,
    used: [u8; 2],
    stats: MStats,
}

/// The directions an event wakes: read by readable / read-closed / error, write by writable /
/// write-closed / error; priority wakes neither (H10).
fn wakes(r: Readiness, dir: Direction) -> bool {
    let bits = match dir {
        Direction::Read => Readiness::READABLE | Readiness::READ_CLOSED | Readiness::ERROR,
        Direction::Write => Readiness::WRITABLE | Readiness::WRITE_CLOSED | Readiness::ERROR,
    };
    r.intersects(bits)
}

fn di(dir: Direction) -> usize {
    match dir {
        Direction::Read => 0,
        Direction::Write => 1,
    }
}

impl Model {
    fn new(capacity: usize, limit: u8) -> Model {
        Model {
            capacity,
            limit,
            descs: Vec::new(),
            queue: VecDeque::new(),
            used: [0; 2],
            stats: MStats::default(),
        }
    }

    fn desc(&mut self, token: Token) -> Option<&mut MDesc> {
        self.descs.iter_mut().find(|d| d.token == token)
    }

    fn lane(&mut self, token: Token, dir: Direction) -> Option<&mut MLane> {
        self.desc(token).map(|d| &mut d.lanes[di(dir)])
    }

    fn unqueue(&mut self, token: Token, dir: Direction) {
        let before = self.queue.len();
        self.queue.retain(|&(t, d)| !(t == token && d == dir));
        assert_eq!(before, self.queue.len() + 1, "model: lane was not queued");
    }

    fn register(&mut self) -> Result<(), RegisterError> {
        if self.descs.len() >= self.capacity {
            Err(RegisterError::Full)
        } else {
            Ok(())
        }
    }

    /// Records a new registration (after the harness checked the token is fresh).
    fn registered(&mut self, token: Token) {
        let lane = MLane {
            state: MState::Idle,
            knowledge: Knowledge::Unknown,
            op: None,
        };
        self.descs.push(MDesc {
            token,
            lanes: [lane; 2],
            sticky: Readiness::EMPTY,
            last: Readiness::EMPTY,
        });
    }

    /// Deregistration: every non-idle lane's op is aborted.
    fn deregister(&mut self, token: Token) -> Result<[Option<OpId>; 2], StaleToken> {
        let desc = *self.desc(token).ok_or(StaleToken::Stale)?;
        let mut aborted = [None; 2];
        for dir in Direction::BOTH {
            let lane = desc.lanes[di(dir)];
            if lane.state != MState::Idle {
                aborted[di(dir)] = lane.op;
            }
            if matches!(lane.state, MState::Runnable | MState::Deferred) {
                self.unqueue(token, dir);
            }
        }
        self.descs.retain(|d| d.token != token);
        Ok(aborted)
    }

    fn submit(&mut self, token: Token, dir: Direction) -> Result<ExpSubmit, SubmitError> {
        let spent = self.used[di(dir)] >= self.limit;
        // A closed or error bit seen last means the syscall returns at once: never gated.
        let unblocked = self
            .desc(token)
            .is_some_and(|d| d.last.intersects(Readiness::unblocks(dir)));
        let lane = self.lane(token, dir).ok_or(SubmitError::StaleToken)?;
        if lane.state != MState::Idle {
            return Err(SubmitError::Busy);
        }
        let exp = if lane.knowledge == Knowledge::NotReady && !unblocked {
            lane.state = MState::Parked;
            self.stats.gated_parks += 1;
            ExpSubmit::Parked
        } else if spent {
            lane.state = MState::Runnable;
            self.queue.push_back((token, dir));
            self.stats.queued_submits += 1;
            ExpSubmit::Queued
        } else {
            lane.state = MState::Attempting {
                dispatched: false,
                edge: false,
                cancel: false,
            };
            // During an attempt the gate records only edges that arrive during it.
            lane.knowledge = Knowledge::Unknown;
            ExpSubmit::Attempt
        };
        Ok(exp)
    }

    /// The lane of `op` if `op` is its current, outstanding op; otherwise the error.
    fn current(&mut self, op: OpId) -> Result<&mut MLane, OpError> {
        let lane = self
            .lane(op.token(), op.direction())
            .ok_or(OpError::StaleToken)?;
        if lane.op != Some(op) || lane.state == MState::Idle {
            return Err(OpError::NotCurrent);
        }
        Ok(lane)
    }

    fn finish(&mut self, op: OpId, outcome: Outcome) -> Result<ExpFinish, OpError> {
        let would_block = outcome == Outcome::WouldBlock;
        // A short transfer proves nothing while a closed or error bit is pending, nor, for a
        // read, while urgent data is (H19).
        let distrust = match op.direction() {
            Direction::Read => Readiness::unblocks(Direction::Read) | Readiness::PRIORITY,
            Direction::Write => Readiness::unblocks(Direction::Write),
        };
        let outcome = match self.desc(op.token()) {
            Some(d) if outcome == Outcome::Drained && d.last.intersects(distrust) => Outcome::Done,
            _ => outcome,
        };
        let dir = op.direction();
        let budget_left = self.used[di(dir)] < self.limit;
        let lane = self.current(op)?;
        let (dispatched, edge, cancel) = match lane.state {
            MState::Attempting {
                dispatched,
                edge,
                cancel,
            } => (dispatched, edge, cancel),
            // Reported straight from a grant: a dispatched attempt.
            MState::Granted { edge } => (true, edge, false),
            _ => return Err(OpError::NotAttempting),
        };
        let exp = if !would_block {
            // The syscall did its I/O: the op is done (even if a cancel was requested). An edge
            // during the attempt means ready; a short transfer means not ready until an edge.
            lane.knowledge = if edge {
                Knowledge::Ready
            } else if outcome == Outcome::Drained {
                Knowledge::NotReady
            } else {
                Knowledge::Unknown
            };
            if dispatched {
                lane.state = MState::Idle;
                ExpFinish::Complete(op, CompletionKind::Done)
            } else if budget_left {
                lane.state = MState::Idle;
                self.used[di(dir)] += 1;
                self.stats.inline_completions += 1;
                ExpFinish::Complete(op, CompletionKind::Done)
            } else {
                lane.state = MState::Deferred;
                self.queue.push_back((op.token(), dir));
                self.stats.deferred_completions += 1;
                ExpFinish::Deferred
            }
        } else if cancel {
            // A cancelled attempt's WouldBlock is no evidence (it may not have been made).
            lane.state = MState::Idle;
            lane.knowledge = if edge {
                Knowledge::Ready
            } else {
                Knowledge::Unknown
            };
            ExpFinish::Complete(op, CompletionKind::Cancelled)
        } else if edge {
            lane.state = MState::Attempting {
                dispatched,
                edge: false,
                cancel: false,
            };
            lane.knowledge = Knowledge::Unknown;
            self.stats.retries += 1;
            ExpFinish::Retry
        } else {
            lane.state = MState::Parked;
            lane.knowledge = Knowledge::NotReady;
            self.stats.parks += 1;
            ExpFinish::Parked
        };
        Ok(exp)
    }

    /// An event; `grant`: the owner takes grants at once (`handle_event_granting`). Returns the
    /// directions granted.
    fn event(&mut self, token: Token, r: Readiness, grant: bool) -> Result<Vec<Direction>, ()> {
        let mut queued = Vec::new();
        let mut granted = Vec::new();
        {
            let Some(desc) = self.desc(token) else {
                self.stats.stale_events += 1;
                return Err(());
            };
            desc.sticky |= r.intersection(Readiness::READ_CLOSED | Readiness::WRITE_CLOSED);
            desc.last = r | desc.sticky;
            for dir in Direction::BOTH {
                if !wakes(r, dir) {
                    continue;
                }
                let lane = &mut desc.lanes[di(dir)];
                lane.knowledge = Knowledge::Ready;
                match &mut lane.state {
                    MState::Attempting { edge, .. } | MState::Granted { edge } => *edge = true,
                    s @ MState::Parked if grant => {
                        *s = MState::Granted { edge: false };
                        lane.knowledge = Knowledge::Unknown;
                        granted.push(dir);
                    }
                    s @ MState::Parked => {
                        *s = MState::Runnable;
                        queued.push(dir);
                    }
                    _ => {}
                }
            }
        }
        for dir in queued {
            self.queue.push_back((token, dir));
        }
        Ok(granted)
    }

    fn poll_ready(&mut self) -> Option<ExpReady> {
        let (token, dir) = self.queue.pop_front()?;
        self.used = [0; 2];
        let lane = self
            .lane(token, dir)
            .expect("model: queued lane of a live descriptor");
        let op = lane.op.expect("model: queued lane has an op");
        Some(match lane.state {
            MState::Runnable => {
                lane.state = MState::Granted { edge: false };
                lane.knowledge = Knowledge::Unknown;
                ExpReady::Attempt(op)
            }
            MState::Deferred => {
                // The gate was set when the attempt finished; an edge since then stands.
                lane.state = MState::Idle;
                ExpReady::Complete(op)
            }
            other => panic!("model: queued lane in state {other:?}"),
        })
    }

    fn cancel(&mut self, op: OpId) -> Result<ExpCancel, StaleToken> {
        let lane = match self.current(op) {
            Err(OpError::StaleToken) => return Err(StaleToken::Stale),
            Err(_) => return Ok(ExpCancel::TooLate),
            Ok(lane) => lane,
        };
        Ok(match &mut lane.state {
            MState::Idle | MState::Deferred => ExpCancel::TooLate,
            MState::Attempting { cancel, .. } => {
                *cancel = true;
                ExpCancel::Requested
            }
            s @ (MState::Parked | MState::Granted { .. }) => {
                *s = MState::Idle;
                ExpCancel::Cancelled(op)
            }
            s @ MState::Runnable => {
                *s = MState::Idle;
                self.unqueue(op.token(), op.direction());
                ExpCancel::Cancelled(op)
            }
        })
    }

    fn reset_budget(&mut self) {
        self.used = [0; 2];
    }

    /// `start`: a granted op's syscall begins; anything else is refused.
    fn start(&mut self, op: OpId) -> Result<(), OpError> {
        let lane = self.current(op)?;
        match lane.state {
            MState::Granted { .. } => {
                lane.state = MState::Attempting {
                    dispatched: true,
                    edge: false,
                    cancel: false,
                };
                lane.knowledge = Knowledge::Unknown;
                Ok(())
            }
            _ => Err(OpError::NotAttempting),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The harness: drives the reactor and the model side by side.
// ---------------------------------------------------------------------------------------------

struct Harness {
    reactor: Reactor<Vec<Slot>>,
    model: Model,
    /// Every token ever handed out.
    issued_tokens: Vec<Token>,
    /// Every op ever started.
    issued_ops: Vec<OpId>,
    /// Started and not yet completed.
    outstanding: HashSet<OpId>,
    /// Completed (each exactly once).
    completed: HashSet<OpId>,
    /// Consecutive inline completions per direction since the last dispatch or reset.
    inline_run: [u8; 2],
    /// Timeouts beside the reactor, and for each armed one its deadline and op.
    timers: Timers<Vec<TimerSlot>>,
    timeouts: Vec<(TimerId, Ticks, OpId)>,
    now: Ticks,
    step_no: usize,
}

impl Harness {
    fn new(capacity: usize, limit: u8) -> Harness {
        Harness {
            reactor: Reactor::new(
                vec![Slot::VACANT; capacity],
                Config {
                    inline_budget: limit,
                    ..Config::default()
                },
            ),
            model: Model::new(capacity, limit),
            issued_tokens: Vec::new(),
            issued_ops: Vec::new(),
            outstanding: HashSet::new(),
            completed: HashSet::new(),
            inline_run: [0; 2],
            timers: Timers::new(vec![TimerSlot::VACANT; TIMEOUTS]),
            timeouts: Vec::new(),
            now: 0,
            step_no: 0,
        }
    }

    fn token(&self, r: TokenRef) -> Token {
        let pick = |list: &[Token], i: u8| list.get(usize::from(i) % list.len().max(1)).copied();
        let live: Vec<Token> = self.model.descs.iter().map(|d| d.token).collect();
        let picked = match r {
            TokenRef::Live(i) => pick(&live, i),
            TokenRef::Issued(i) => pick(&self.issued_tokens, i),
            TokenRef::Forged { .. } => None,
        };
        picked.unwrap_or_else(|| {
            let (index, generation) = match r {
                TokenRef::Forged { index, generation } => (index % 8, generation % 4),
                _ => (0, 0),
            };
            Token::new(u32::from(index), u32::from(generation)).expect("small index")
        })
    }

    fn op(&self, r: OpRef) -> Option<OpId> {
        let pick = |list: Vec<OpId>, i: u8| list.get(usize::from(i) % list.len().max(1)).copied();
        match r {
            OpRef::Attempting(i) => {
                let mut ops: Vec<OpId> = self
                    .model
                    .descs
                    .iter()
                    .flat_map(|d| d.lanes.iter())
                    .filter(|l| {
                        matches!(l.state, MState::Attempting { .. } | MState::Granted { .. })
                    })
                    .filter_map(|l| l.op)
                    .collect();
                ops.sort_by_key(|op| (op.token(), op.direction(), op.seq()));
                pick(ops, i)
            }
            OpRef::Outstanding(i) => {
                let mut ops: Vec<OpId> = self.outstanding.iter().copied().collect();
                ops.sort_by_key(|op| (op.token(), op.direction(), op.seq()));
                pick(ops, i)
            }
            OpRef::Issued(i) => pick(self.issued_ops.clone(), i),
        }
    }

    fn fail(&self, what: &str) -> ! {
        if self.step_no == usize::MAX {
            panic!("wind-down: {what}")
        }
        panic!("step {}: {what}", self.step_no)
    }

    /// A completion handed out by the reactor: it must be for a started, not yet completed op.
    fn completed(&mut self, c: Completion, kind: CompletionKind) {
        if c.kind != kind {
            self.fail(&format!(
                "{:?} completed as {:?}, model says {kind:?}",
                c.op, c.kind
            ));
        }
        if !self.outstanding.remove(&c.op) {
            self.fail(&format!(
                "completion for {:?} which is not outstanding",
                c.op
            ));
        }
        if !self.completed.insert(c.op) {
            self.fail(&format!("{:?} completed twice", c.op));
        }
    }

    /// A new op id from `submit`: right descriptor and direction, never seen before.
    fn started(&mut self, op: OpId, token: Token, dir: Direction) {
        if op.token() != token || op.direction() != dir {
            self.fail(&format!("submit({token:?}, {dir}) returned {op:?}"));
        }
        if self.issued_ops.contains(&op) {
            self.fail(&format!("op id {op:?} handed out twice"));
        }
        self.issued_ops.push(op);
        self.outstanding.insert(op);
        self.model
            .lane(token, dir)
            .expect("model: submitted lane exists")
            .op = Some(op);
    }

    fn step(&mut self, step: Step) {
        match step {
            Step::Register => self.register(),
            Step::Deregister(t) => self.deregister(self.token(t)),
            Step::Submit(t, d) => self.submit(self.token(t), d.into()),
            Step::Finish { op, would_block } => {
                if let Some(op) = self.op(op) {
                    let outcome = if would_block {
                        Outcome::WouldBlock
                    } else {
                        Outcome::Done
                    };
                    let _ = self.finish(op, outcome);
                }
            }
            Step::FinishDrained(op) => {
                if let Some(op) = self.op(op) {
                    let _ = self.finish(op, Outcome::Drained);
                }
            }
            Step::Event(t, bits) => {
                self.event(self.token(t), Readiness::from_bits_truncate(bits));
            }
            Step::Cancel(op) => {
                if let Some(op) = self.op(op) {
                    self.cancel(op);
                }
            }
            Step::CancelAll(t) => self.cancel_all(self.token(t)),
            Step::Start(op) => {
                if let Some(op) = self.op(op) {
                    let exp = self.model.start(op);
                    let got = self.reactor.start(op);
                    if got != exp {
                        self.fail(&format!("start({op:?}): got {got:?}, model says {exp:?}"));
                    }
                }
            }
            Step::Resume(t, d) => {
                let _ = self.resume(self.token(t), d.into());
            }
            Step::EventGranting(t, bits) => {
                self.event_granting(self.token(t), Readiness::from_bits_truncate(bits));
            }
            Step::Perform(t, d, script) => self.perform(self.token(t), d.into(), script),
            Step::PollReady => {
                self.poll_ready();
            }
            Step::ResetBudget => {
                self.reactor.reset_budget();
                self.model.reset_budget();
                self.inline_run = [0; 2];
            }
            Step::Timeout { op, after } => {
                if let Some(op) = self.op(op) {
                    self.arm_timeout(op, after);
                }
            }
            Step::Tick(d) => self.tick(d),
        }
    }

    fn arm_timeout(&mut self, op: OpId, after: u8) {
        let deadline = self.now + u64::from(after);
        match self.timers.add(deadline) {
            Ok(armed) => {
                if self.timeouts.len() >= TIMEOUTS {
                    self.fail("timer table accepted more than its capacity");
                }
                self.timeouts.push((armed.id, deadline, op));
            }
            Err(TimerError::Full) if self.timeouts.len() == TIMEOUTS => {}
            Err(e) => self.fail(&format!(
                "timers.add: {e:?} with {} armed",
                self.timeouts.len()
            )),
        }
    }

    /// Advances the clock; each due timeout cancels its op (through the model-checked cancel).
    fn tick(&mut self, d: u8) {
        self.now += u64::from(d);
        let now = self.now;
        let expired: Vec<TimerId> = self.timers.expire(now).collect();
        let due = self.timeouts.iter().filter(|t| t.1 <= now).count();
        let deadlines: Vec<Ticks> = expired
            .iter()
            .map(|id| match self.timeouts.iter().find(|t| t.0 == *id) {
                Some(t) => t.1,
                None => self.fail(&format!("expired unknown timer {id:?}")),
            })
            .collect();
        if expired.len() != due
            || deadlines.iter().any(|&d| d > now)
            || deadlines.windows(2).any(|w| w[0] > w[1])
        {
            self.fail(&format!(
                "expire({now}) gave {expired:?} ({deadlines:?}), {due} due"
            ));
        }
        for id in expired {
            let at = self.timeouts.iter().position(|t| t.0 == id);
            let (_, _, op) = self
                .timeouts
                .remove(at.unwrap_or_else(|| self.fail("timer")));
            self.cancel(op);
        }
    }

    fn register(&mut self) {
        let exp = self.model.register();
        match (self.reactor.register(), exp) {
            (Ok(token), Ok(())) => {
                if self.issued_tokens.contains(&token) {
                    self.fail(&format!("token {token:?} handed out twice"));
                }
                self.issued_tokens.push(token);
                self.model.registered(token);
            }
            (Err(e), Err(x)) if e == x => {}
            (got, exp) => self.fail(&format!("register: got {got:?}, model says {exp:?}")),
        }
    }

    fn deregister(&mut self, token: Token) {
        let exp = self.model.deregister(token);
        let got = self.reactor.deregister(token);
        match (got, exp) {
            (Ok(aborted), Ok(exp)) => {
                for dir in Direction::BOTH {
                    match (*aborted.get(dir), exp[di(dir)]) {
                        (None, None) => {}
                        (Some(c), Some(op)) if c.op == op => {
                            self.completed(c, CompletionKind::Aborted)
                        }
                        (g, x) => self.fail(&format!(
                            "deregister {token:?} {dir}: aborted {g:?}, model says {x:?}"
                        )),
                    }
                }
            }
            (Err(e), Err(x)) if e == x => {}
            (got, exp) => self.fail(&format!("deregister: got {got:?}, model says {exp:?}")),
        }
    }

    fn submit(&mut self, token: Token, dir: Direction) {
        let exp = self.model.submit(token, dir);
        let got = self.reactor.submit(token, dir);
        match (got, exp) {
            (Ok(action), Ok(x)) => {
                let kind = match action {
                    SubmitAction::Attempt(_) => ExpSubmit::Attempt,
                    SubmitAction::Parked(_) => ExpSubmit::Parked,
                    SubmitAction::Queued(_) => ExpSubmit::Queued,
                };
                if kind != x {
                    self.fail(&format!("submit: got {action:?}, model says {x:?}"));
                }
                self.started(action.op(), token, dir);
            }
            (Err(e), Err(x)) if e == x => {}
            (got, exp) => self.fail(&format!(
                "submit({token:?}, {dir}): got {got:?}, model says {exp:?}"
            )),
        }
    }

    /// `resume`: on an idle lane a submit; on a granted one the grant itself; otherwise wait
    /// for the current op, or `Busy` during an attempt.
    fn resume(&mut self, token: Token, dir: Direction) -> Result<ResumeAction, SubmitError> {
        let Some(lane) = self.model.lane(token, dir).map(|l| *l) else {
            let got = self.reactor.resume(token, dir);
            if got != Err(SubmitError::StaleToken) {
                self.fail(&format!(
                    "resume({token:?}, {dir}) on a stale token: {got:?}"
                ));
            }
            return got;
        };
        match lane.state {
            MState::Idle => {
                let exp = self.model.submit(token, dir);
                let got = self.reactor.resume(token, dir);
                let op = match (got, exp) {
                    (Ok(ResumeAction::Attempt(op)), Ok(ExpSubmit::Attempt)) => op,
                    (Ok(ResumeAction::Wait(op)), Ok(ExpSubmit::Parked | ExpSubmit::Queued)) => op,
                    (got, exp) => {
                        self.fail(&format!("resume on idle: got {got:?}, model says {exp:?}"))
                    }
                };
                self.started(op, token, dir);
                got
            }
            MState::Granted { .. } => {
                // The grant is handed to the owner as it stands (no transition).
                let op = lane.op.expect("model: granted lane has an op");
                let got = self.reactor.resume(token, dir);
                if got != Ok(ResumeAction::Attempt(op)) {
                    self.fail(&format!("resume on granted: got {got:?}, want {op:?}"));
                }
                got
            }
            MState::Parked | MState::Runnable | MState::Deferred => {
                let op = lane.op.expect("model: busy lane has an op");
                let got = self.reactor.resume(token, dir);
                if got != Ok(ResumeAction::Wait(op)) {
                    self.fail(&format!(
                        "resume on a waiting lane: got {got:?}, want {op:?}"
                    ));
                }
                got
            }
            MState::Attempting { .. } => {
                let got = self.reactor.resume(token, dir);
                if got != Err(SubmitError::Busy) {
                    self.fail(&format!("resume during an attempt: got {got:?}"));
                }
                got
            }
        }
    }

    /// `perform`: checked against its definition, `resume` then the syscall's outcomes through
    /// `finish_attempt` until the op completes or waits. `perform` runs on a copy of the reactor
    /// taken first; the real one takes the model-checked `resume` / `finish_attempt` path; then
    /// the answers, the number of syscalls and every observable bit of state must agree.
    fn perform(&mut self, token: Token, dir: Direction, script: u8) {
        let outcome = |i: usize| match (script >> (2 * i.min(3))) & 3 {
            _ if i >= 2 => Outcome::Done,
            1 => Outcome::Drained,
            2 => Outcome::WouldBlock,
            _ => Outcome::Done,
        };
        let mut copy = self.reactor.clone();
        let mut calls = 0;
        let got = copy.perform(token, dir, || {
            calls += 1;
            (outcome(calls - 1), calls)
        });
        let mut want_calls = 0;
        let want = match self.resume(token, dir) {
            Err(e) => Err(e),
            Ok(ResumeAction::Wait(op)) => Ok(Performed::Wait(op)),
            Ok(ResumeAction::Attempt(op)) => loop {
                want_calls += 1;
                match self.finish(op, outcome(want_calls - 1)) {
                    Ok(FinishAction::Complete(c)) if c.kind == CompletionKind::Done => {
                        break Ok(Performed::Done(want_calls))
                    }
                    Ok(FinishAction::Deferred) => break Ok(Performed::Done(want_calls)),
                    Ok(FinishAction::Retry) => continue,
                    Ok(FinishAction::Parked) => break Ok(Performed::Wait(op)),
                    other => self.fail(&format!("perform's reference path: finish {other:?}")),
                }
            },
        };
        if got != want || calls != want_calls {
            self.fail(&format!(
                "perform({token:?}, {dir}): got {got:?} after {calls} syscalls, \
                 resume + finish_attempt gave {want:?} after {want_calls}"
            ));
        }
        let same = Direction::BOTH.iter().all(|&d| {
            copy.op_state(token, d) == self.reactor.op_state(token, d)
                && copy.knowledge(token, d) == self.reactor.knowledge(token, d)
        }) && copy.stats() == self.reactor.stats()
            && copy.ready_len() == self.reactor.ready_len();
        if !same {
            self.fail(&format!("perform({token:?}, {dir}) left another state"));
        }
        // The copy's op ids are the real ones': keep the real reactor, drop the copy.
    }

    fn finish(&mut self, op: OpId, outcome: Outcome) -> Result<FinishAction, OpError> {
        let exp = self.model.finish(op, outcome);
        let inline_before = self.reactor.stats().inline_completions;
        let got = self.reactor.finish_attempt(op, outcome);
        match (got, exp) {
            (Ok(FinishAction::Complete(c)), Ok(ExpFinish::Complete(x, kind))) if c.op == x => {
                self.completed(c, kind)
            }
            (Ok(FinishAction::Deferred), Ok(ExpFinish::Deferred))
            | (Ok(FinishAction::Retry), Ok(ExpFinish::Retry))
            | (Ok(FinishAction::Parked), Ok(ExpFinish::Parked)) => {}
            (Err(e), Err(x)) if e == x => {}
            (got, exp) => self.fail(&format!(
                "finish_attempt({op:?}, {outcome:?}): got {got:?}, model says {exp:?}"
            )),
        }
        // The budget, judged from the reactor's own counter: an inline completion extends this
        // direction's run, which must never exceed the limit.
        if self.reactor.stats().inline_completions > inline_before {
            self.inline_run[di(op.direction())] += 1;
            let run = self.inline_run[di(op.direction())];
            if run > self.model.limit {
                self.fail(&format!(
                    "{} inline completions in a row on {}, budget {}",
                    run,
                    op.direction(),
                    self.model.limit
                ));
            }
        }
        got
    }

    fn event(&mut self, token: Token, r: Readiness) {
        let exp = self.model.event(token, r, false);
        let got = self.reactor.handle_event(Event::new(token, r));
        if got.is_ok() != exp.is_ok() {
            self.fail(&format!(
                "handle_event({token:?}, {r:?}): got {got:?}, model says {exp:?}"
            ));
        }
        self.no_lost_wakeup(token, r, got.is_ok());
    }

    fn event_granting(&mut self, token: Token, r: Readiness) {
        let exp = self.model.event(token, r, true);
        let got = self.reactor.handle_event_granting(Event::new(token, r));
        match (&got, &exp) {
            (Ok(g), Ok(x)) => {
                for dir in Direction::BOTH {
                    if *g.get(dir) != x.contains(&dir) {
                        self.fail(&format!(
                            "handle_event_granting({token:?}, {r:?}): granted {g:?}, model {x:?}"
                        ));
                    }
                }
            }
            (Err(_), Err(())) => {}
            _ => self.fail(&format!(
                "handle_event_granting({token:?}, {r:?}): got {got:?}, model says {exp:?}"
            )),
        }
        self.no_lost_wakeup(token, r, got.is_ok());
    }

    /// No lost wake-up: a woken direction has no parked op.
    fn no_lost_wakeup(&mut self, token: Token, r: Readiness, fed: bool) {
        if fed {
            for dir in Direction::BOTH {
                if wakes(r, dir) && self.reactor.op_state(token, dir) == Ok(OpState::Parked) {
                    self.fail(&format!("{token:?} {dir} still parked after {r:?}"));
                }
            }
        }
    }

    fn cancel(&mut self, op: OpId) {
        let exp = self.model.cancel(op);
        let got = self.reactor.cancel(op);
        self.cancel_result(op, got, exp);
    }

    fn cancel_result(
        &mut self,
        op: OpId,
        got: Result<CancelAction, StaleToken>,
        exp: Result<ExpCancel, StaleToken>,
    ) {
        match (got, exp) {
            (Ok(CancelAction::Cancelled(c)), Ok(ExpCancel::Cancelled(x))) if c.op == x => {
                self.completed(c, CompletionKind::Cancelled)
            }
            (Ok(CancelAction::Requested), Ok(ExpCancel::Requested))
            | (Ok(CancelAction::TooLate), Ok(ExpCancel::TooLate)) => {}
            (Err(e), Err(x)) if e == x => {}
            (got, exp) => self.fail(&format!("cancel({op:?}): got {got:?}, model says {exp:?}")),
        }
    }

    fn cancel_all(&mut self, token: Token) {
        // The model cancels each lane's current op; an op-less lane answers TooLate.
        let lanes = self.model.desc(token).map(|d| d.lanes);
        let got = self.reactor.cancel_all(token);
        match (got, lanes) {
            (Ok(actions), Some(lanes)) => {
                for dir in Direction::BOTH {
                    let lane = lanes[di(dir)];
                    let exp = match lane.op {
                        Some(op) => self.model.cancel(op),
                        None => Ok(ExpCancel::TooLate),
                    };
                    let got = *actions.get(dir);
                    match lane.op {
                        Some(op) => self.cancel_result(op, Ok(got), exp),
                        None => {
                            if got != CancelAction::TooLate {
                                self.fail(&format!("cancel_all: op-less lane answered {got:?}"));
                            }
                        }
                    }
                }
            }
            (Err(StaleToken::Stale), None) => {}
            (got, exp) => self.fail(&format!(
                "cancel_all({token:?}): got {got:?}, model knows lanes {exp:?}"
            )),
        }
    }

    fn poll_ready(&mut self) -> Option<Ready> {
        let exp = self.model.poll_ready();
        let got = self.reactor.poll_ready();
        match (got, exp) {
            (None, None) => {}
            (Some(Ready::Attempt(op)), Some(ExpReady::Attempt(x))) if op == x => {}
            (Some(Ready::Complete(c)), Some(ExpReady::Complete(x))) if c.op == x => {
                self.completed(c, CompletionKind::Done)
            }
            (got, exp) => self.fail(&format!("poll_ready: got {got:?}, model says {exp:?}")),
        }
        if got.is_some() {
            self.inline_run = [0; 2];
        }
        got
    }

    /// Compares every observable with the model and checks the promised properties.
    fn check_invariants(&mut self) {
        let r = &self.reactor;
        let m = &self.model;
        if r.len() != m.descs.len() || r.is_empty() != m.descs.is_empty() {
            self.fail(&format!("len {} vs model {}", r.len(), m.descs.len()));
        }
        if r.capacity() != m.capacity {
            self.fail("capacity differs");
        }
        if r.ready_len() != m.queue.len() {
            self.fail(&format!(
                "ready_len {} vs model {}",
                r.ready_len(),
                m.queue.len()
            ));
        }
        if r.ready_len() > 2 * m.capacity {
            self.fail("ready queue holds more than two lanes per descriptor");
        }
        let mut open = HashSet::new();
        for d in &m.descs {
            for dir in Direction::BOTH {
                let lane = d.lanes[di(dir)];
                let state = r.op_state(d.token, dir);
                let want = match lane.state {
                    MState::Idle => OpState::Idle,
                    MState::Attempting {
                        dispatched,
                        edge,
                        cancel,
                    } => OpState::Attempting {
                        origin: if dispatched {
                            Origin::Dispatched
                        } else {
                            Origin::Speculative
                        },
                        interruption: if cancel {
                            Interruption::Cancel
                        } else if edge {
                            Interruption::Edge
                        } else {
                            Interruption::None
                        },
                    },
                    MState::Parked => OpState::Parked,
                    MState::Runnable => OpState::Runnable,
                    MState::Granted { edge } => OpState::Granted {
                        interruption: if edge {
                            Interruption::Edge
                        } else {
                            Interruption::None
                        },
                    },
                    MState::Deferred => OpState::Deferred,
                };
                if state != Ok(want) {
                    self.fail(&format!(
                        "{:?} {dir}: state {state:?}, model {want:?}",
                        d.token
                    ));
                }
                let knowledge = r.knowledge(d.token, dir);
                if knowledge != Ok(lane.knowledge) {
                    self.fail(&format!(
                        "{:?} {dir}: knowledge {knowledge:?}, model {:?}",
                        d.token, lane.knowledge
                    ));
                }
                // No lost wake-up: parked means "known not ready", never "ready".
                if state == Ok(OpState::Parked) && knowledge != Ok(Knowledge::NotReady) {
                    self.fail(&format!("{:?} {dir}: parked while {knowledge:?}", d.token));
                }
                if lane.state != MState::Idle {
                    open.insert(lane.op.unwrap_or_else(|| self.fail("busy lane without op")));
                }
            }
            let interest = r
                .interest(d.token)
                .unwrap_or_else(|_| self.fail("interest"));
            let parked = |dir: Direction| d.lanes[di(dir)].state == MState::Parked;
            if interest.read != parked(Direction::Read)
                || interest.write != parked(Direction::Write)
            {
                self.fail(&format!("{:?}: interest {interest:?}", d.token));
            }
            if r.readiness(d.token) != Ok(d.last) {
                self.fail(&format!(
                    "{:?}: readiness {:?}, model {:?}",
                    d.token,
                    r.readiness(d.token),
                    d.last
                ));
            }
        }
        if open != self.outstanding {
            self.fail("outstanding ops differ from the busy lanes");
        }
        let s = r.stats();
        let x = m.stats;
        let counters = [
            (s.stale_events, x.stale_events, "stale_events"),
            (
                s.inline_completions,
                x.inline_completions,
                "inline_completions",
            ),
            (
                s.deferred_completions,
                x.deferred_completions,
                "deferred_completions",
            ),
            (s.gated_parks, x.gated_parks, "gated_parks"),
            (s.queued_submits, x.queued_submits, "queued_submits"),
            (s.retries, x.retries, "retries"),
            (s.parks, x.parks, "parks"),
        ];
        for (got, want, name) in counters {
            if got != want {
                self.fail(&format!("stats.{name} = {got}, model {want}"));
            }
        }
    }

    /// Finishes every attempt, drains the queue, deregisters everything, and checks that every
    /// started op completed exactly once.
    fn wind_down(&mut self) {
        self.step_no = usize::MAX;
        loop {
            let attempting: Vec<OpId> = self
                .model
                .descs
                .iter()
                .flat_map(|d| d.lanes.iter())
                .filter(|l| matches!(l.state, MState::Attempting { .. }))
                .filter_map(|l| l.op)
                .collect();
            let mut progress = !attempting.is_empty();
            for op in attempting {
                let _ = self.finish(op, Outcome::Done);
                self.check_invariants();
            }
            if self.poll_ready().is_some() {
                progress = true;
            }
            self.check_invariants();
            if !progress {
                break;
            }
        }
        let live: Vec<Token> = self.model.descs.iter().map(|d| d.token).collect();
        for token in live {
            self.deregister(token);
            self.check_invariants();
        }
        if !self.outstanding.is_empty() {
            self.fail(&format!("ops never completed: {:?}", self.outstanding));
        }
        if self.reactor.ready_len() != 0 || !self.reactor.is_empty() {
            self.fail("reactor not empty after deregistering everything");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random bytes (xorshift), so the test needs no fuzzer.
    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn pseudo_random_inputs_agree_with_the_model() {
        for seed in 0..3000 {
            run(&bytes(seed, 64 + (seed as usize % 7) * 96));
        }
    }

    /// The pseudo-random inputs are not vacuous: they reach every counted path of the core.
    #[test]
    fn pseudo_random_inputs_reach_every_path() {
        let mut total = MStats::default();
        let mut completions = 0;
        for seed in 0..3000 {
            let input = Input::decode(&bytes(seed, 64 + (seed as usize % 7) * 96)).unwrap();
            let mut h = Harness::new(usize::from(input.capacity % 7), input.inline_budget % 4);
            for step in &input.steps {
                h.step(*step);
            }
            h.wind_down();
            let s = h.model.stats;
            total.stale_events += s.stale_events;
            total.inline_completions += s.inline_completions;
            total.deferred_completions += s.deferred_completions;
            total.gated_parks += s.gated_parks;
            total.queued_submits += s.queued_submits;
            total.retries += s.retries;
            completions += h.completed.len();
        }
        assert!(completions > 1000, "{completions} completions");
        assert!(
            total.stale_events > 0 && total.inline_completions > 0,
            "{total:?}"
        );
        assert!(
            total.deferred_completions > 0 && total.gated_parks > 0,
            "{total:?}"
        );
        assert!(total.queued_submits > 0 && total.retries > 0, "{total:?}");
    }

    #[test]
    fn scripted_lost_wakeup_race_retries() {
        // register, submit read (attempt), event readable during the attempt, WouldBlock.
        let input = Input {
            capacity: 2,
            inline_budget: 2,
            steps: vec![
                Step::Register,
                Step::Submit(TokenRef::Live(0), Dir::Read),
                Step::Event(TokenRef::Live(0), Readiness::READABLE.bits()),
                Step::Finish {
                    op: OpRef::Attempting(0),
                    would_block: true,
                },
                Step::Finish {
                    op: OpRef::Attempting(0),
                    would_block: false,
                },
            ],
        };
        check(&input);
    }
}
