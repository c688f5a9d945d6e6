//! The reactor: the descriptor table, the op lanes, the ready queue and the inline budget behind
//! one sans-io API.
//!
//! Inputs: [`Reactor::submit`] (or [`Reactor::resume`]), [`Reactor::finish_attempt`], [`Reactor::handle_event`],
//! [`Reactor::cancel`], [`Reactor::cancel_all`], [`Reactor::deregister`]. Output:
//! [`Reactor::poll_ready`]. Every input returns an action (`#[must_use]`) saying what the caller
//! must do next; the lane transitions themselves are the pure table in [`crate::op`].
//!
//! Storage is the caller's: anything that derefs to `[Slot]` (`[Slot; N]`, `&mut [Slot]`,
//! `Vec<Slot>`), so the core allocates nothing and a full table is an error value. The table
//! itself (free list, generations, stale-token checks) is a [`Slab`] of slots.

use crate::budget::Budget;
use crate::descriptor::{Lane, Seen, Slot};
use crate::error::{OpError, RegisterError, StaleEvent, StaleToken, SubmitError};
use crate::gate::{knowledge_after, Knowledge};
use crate::interest_feed::{FeedLinks, InterestFeed};
use crate::op::{transition, Completion, CompletionKind, Effect, Input, OpId, OpState, Outcome};
use crate::ready_queue::{self, Link, Links, ReadyQueue};
use crate::slab::Slab;
use crate::{Direction, Event, Interest, Readiness, Token};

/// Construction parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Config {
    /// Consecutive inline completions allowed per direction before results go through the ready
    /// queue; 0 disables inline completion. Default 2.
    pub inline_budget: u8,
    /// Keep the interest feed ([`Reactor::poll_interest`]) for a level-triggered backend.
    /// Default off: an edge-triggered backend registers both directions once and needs none.
    pub interest_feed: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            inline_budget: Budget::DEFAULT_LIMIT,
            interest_feed: false,
        }
    }
}

/// What `submit` asks of the caller.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SubmitAction {
    /// Perform the syscall now, then call `finish_attempt(op, outcome)`.
    Attempt(OpId),
    /// The direction is known not ready: do nothing, the op waits for an edge.
    Parked(OpId),
    /// The inline budget is spent: do nothing now; `poll_ready` will yield `Attempt(op)`.
    Queued(OpId),
}

impl SubmitAction {
    /// The op this action is about.
    pub const fn op(self) -> OpId {
        match self {
            SubmitAction::Attempt(op) | SubmitAction::Parked(op) | SubmitAction::Queued(op) => op,
        }
    }
}

/// What [`Reactor::resume`] asks of the op's owner (a future being polled).
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResumeAction {
    /// Perform the syscall now, then call `finish_attempt(op, outcome)`: a new op tried
    /// speculatively, or a granted one started.
    Attempt(OpId),
    /// Nothing to do until the op's direction is woken: the op is parked, queued, or (a
    /// previous op's result was deferred) the lane is still busy. Keep the task's waker.
    Wait(OpId),
}

/// What `finish_attempt` asks of the caller.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FinishAction {
    /// The op is over: deliver its result now (inline, or because it was dispatched), or, for a
    /// cancelled op that hit WouldBlock, report the cancellation.
    Complete(Completion),
    /// Keep the result: the budget is spent, so `poll_ready` will yield `Complete(op)` later.
    Deferred,
    /// An edge arrived during the attempt: perform the syscall again now (H1).
    Retry,
    /// The op waits for an edge.
    Parked,
}

/// What `cancel` did.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CancelAction {
    /// The op was waiting; it is now complete as cancelled, and did no I/O.
    Cancelled(Completion),
    /// An attempt is in flight: its `finish_attempt` resolves the op (done if it did I/O,
    /// cancelled on WouldBlock).
    Requested,
    /// Nothing to cancel: the op already completed, or its result is already queued.
    TooLate,
}

/// One value per direction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PerDirection<T> {
    /// The read lane's value.
    pub read: T,
    /// The write lane's value.
    pub write: T,
}

impl<T> PerDirection<T> {
    /// The value for `dir`.
    pub fn get(&self, dir: Direction) -> &T {
        match dir {
            Direction::Read => &self.read,
            Direction::Write => &self.write,
        }
    }

    fn get_mut(&mut self, dir: Direction) -> &mut T {
        match dir {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// What `poll_ready` hands out.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ready {
    /// The op's direction is ready and the op may attempt (it is *granted*): perform the
    /// syscall, then `finish_attempt`. If a cancel could arrive before the syscall ends, call
    /// [`Reactor::start`] first (or let the op's owner take the grant with
    /// [`Reactor::resume`]); a grant cancelled before it starts completes with no I/O.
    Attempt(OpId),
    /// The op is over (a deferred result): deliver the result you kept.
    Complete(Completion),
}

/// Counters, for tests, benchmarks and curiosity.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Stats {
    /// Events dropped because their token was stale (H4).
    pub stale_events: u64,
    /// Ops completed inline, within the budget.
    pub inline_completions: u64,
    /// Finished results deferred to the ready queue because the budget was spent.
    pub deferred_completions: u64,
    /// Submits that parked at once because the direction was known not ready (no syscall).
    pub gated_parks: u64,
    /// Submits queued without a syscall because the budget was spent.
    pub queued_submits: u64,
    /// WouldBlocks turned into "retry now" by an edge that arrived during the attempt (H1).
    pub retries: u64,
    /// Attempts whose WouldBlock parked the op (it waits for an edge).
    pub parks: u64,
}

/// The sans-io reactor core over caller storage `S`. See the crate docs for the call order.
/// `Clone` (with cloneable storage) snapshots the whole reactor, as tests and models do.
#[derive(Clone)]
pub struct Reactor<S> {
    slots: Slab<S, Slot>,
    queue: ReadyQueue,
    feed: Option<InterestFeed>,
    budget: Budget,
    stats: Stats,
    #[cfg(feature = "trace")]
    trace: Option<crate::TraceHook>,
}

struct SlotLinks<'a>(&'a mut [Slot]);

impl FeedLinks for SlotLinks<'_> {
    fn next(&mut self, index: u32) -> &mut u32 {
        &mut self.0[index as usize].feed_next
    }
}

impl Links for SlotLinks<'_> {
    fn link(&mut self, node: u32) -> &mut Link {
        let (index, dir) = ready_queue::lane(node);
        &mut self.0[index as usize].lane_mut(dir).link
    }
}

impl<S: AsMut<[Slot]> + AsRef<[Slot]>> Reactor<S> {
    /// A reactor whose capacity is `storage`'s length (at most `Token::MAX_INDEX + 1`). Every
    /// slot is reset to vacant.
    pub fn new(storage: S, config: Config) -> Reactor<S> {
        Reactor {
            slots: Slab::new(storage),
            queue: ReadyQueue::new(),
            feed: config.interest_feed.then(InterestFeed::new),
            budget: Budget::new(config.inline_budget),
            stats: Stats::default(),
            #[cfg(feature = "trace")]
            trace: None,
        }
    }

    /// Lets the caller add slots to its storage, so a table can start small and grow:
    /// `extend` appends [`Slot::VACANT`]s (for example `|v: &mut Vec<Slot>| v.resize(n,
    /// Slot::VACANT)`); the new slots join the free list. Storage that did not grow (or shrank,
    /// which `extend` must never do) leaves the reactor as it was. The core allocates nothing:
    /// the storage and its growth are the caller's.
    pub fn grow(&mut self, extend: impl FnOnce(&mut S)) {
        self.slots.grow(extend);
    }

    /// How many descriptors fit.
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// How many descriptors are registered.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many lanes wait in the ready queue.
    #[inline]
    pub fn ready_len(&self) -> usize {
        self.queue.len() as usize
    }

    /// The registered descriptors' tokens, in slot order (for a driver tearing everything down).
    pub fn tokens(&self) -> impl Iterator<Item = Token> + '_ {
        self.slots
            .iter()
            .filter_map(|(key, _)| Token::new(key.index(), key.generation()))
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Registers a descriptor and returns its token. Both directions start idle with unknown
    /// readiness (so the first op attempts).
    pub fn register(&mut self) -> Result<Token, RegisterError> {
        let key = self
            .slots
            .insert(Seen::NOTHING)
            .map_err(|_| RegisterError::Full)?;
        if let Some(slot) = self.slots.element_mut(key) {
            slot.start_registration();
        }
        Token::new(key.index(), key.generation()).ok_or(RegisterError::Full)
    }

    /// Deregisters `token`. Every outstanding op completes as aborted (returned here, once);
    /// queued lanes leave the queue; the slot's generation changes, so the token, its op ids and
    /// any event still in flight for it become stale (H4, H15).
    pub fn deregister(
        &mut self,
        token: Token,
    ) -> Result<PerDirection<Option<Completion>>, StaleToken> {
        self.slot(token)?;
        let mut aborted = PerDirection::default();
        for dir in Direction::BOTH {
            if let Some(c) = self.apply(token, dir, Input::Abort).1 {
                *aborted.get_mut(dir) = Some(c);
            }
        }
        let _ = self.slots.remove(token.key());
        Ok(aborted)
    }

    /// Starts an op in `dir`. See [`SubmitAction`] for what to do next.
    pub fn submit(&mut self, token: Token, dir: Direction) -> Result<SubmitAction, SubmitError> {
        let slot = self.slot(token)?;
        if !matches!(slot.lane(dir).state, OpState::Idle) {
            return Err(SubmitError::Busy);
        }
        let known_not_ready = slot.gated(dir);
        Ok(self.submit_idle(token, dir, known_not_ready))
    }

    /// `submit` on a lane already checked to be idle (one table lookup on the hot path).
    #[inline(always)]
    fn submit_idle(&mut self, token: Token, dir: Direction, known_not_ready: bool) -> SubmitAction {
        let tracer = self.tracer();
        let lane = self.slots.as_mut()[token.index() as usize].lane_mut(dir);
        let (budget, stats) = (&mut self.budget, &mut self.stats);
        let (op, stepped) = submit_step(lane, token, dir, known_not_ready, budget, stats, tracer);
        self.settle(token.index(), dir, &stepped);
        match stepped.effect {
            Effect::Park => SubmitAction::Parked(op),
            Effect::Enqueue => SubmitAction::Queued(op),
            _ => SubmitAction::Attempt(op),
        }
    }

    /// The owner of `dir` is polled (a futures adapter's read or write future): what should it
    /// do? On an idle lane this submits a new op (see [`Reactor::submit`]); on a granted one it
    /// answers "attempt" (the owner then performs the syscall at once, in the same poll, and
    /// reports it with `finish_attempt`; if anything could reach the reactor in between, call
    /// [`Reactor::start`] first); otherwise the op keeps waiting. One call replaces the caller's own
    /// copy of the lane's state: the answer depends only on the core's.
    #[inline]
    pub fn resume(&mut self, token: Token, dir: Direction) -> Result<ResumeAction, SubmitError> {
        let slot = self.slot(token)?;
        let lane = slot.lane(dir);
        let op = OpId::new(token, dir, lane.seq);
        match lane.state {
            OpState::Idle => {
                let known_not_ready = slot.gated(dir);
                Ok(match self.submit_idle(token, dir, known_not_ready) {
                    SubmitAction::Attempt(op) => ResumeAction::Attempt(op),
                    SubmitAction::Parked(op) | SubmitAction::Queued(op) => ResumeAction::Wait(op),
                })
            }
            // The owner makes the syscall within this poll, before the reactor sees any other
            // input, so the grant needs no `start`: its outcome goes to `finish_attempt`, which
            // takes it straight from `granted` (an owner on another thread calls `start`).
            OpState::Granted { .. } => Ok(ResumeAction::Attempt(op)),
            OpState::Parked | OpState::Runnable | OpState::Deferred => Ok(ResumeAction::Wait(op)),
            OpState::Attempting { .. } => Err(SubmitError::Busy),
        }
    }

    /// The syscall of a granted op (handed out by [`Reactor::poll_ready`] as
    /// [`Ready::Attempt`]) begins now. Call it before the syscall whenever a cancel could arrive
    /// while the syscall runs (another thread, a re-entrant handler): a cancel of a granted op
    /// that has not started completes it at once, with no I/O, while a cancel after `start` is
    /// resolved by the attempt's outcome. A loop that performs the syscall right after
    /// `poll_ready`, with nothing in between, may skip it.
    pub fn start(&mut self, op: OpId) -> Result<(), OpError> {
        self.current(op)?;
        match self.apply(op.token(), op.direction(), Input::Start).0 {
            Effect::Attempt => Ok(()),
            _ => Err(OpError::NotAttempting),
        }
    }

    /// Reports what the syscall of an attempting op did. See [`FinishAction`].
    #[inline]
    pub fn finish_attempt(&mut self, op: OpId, outcome: Outcome) -> Result<FinishAction, OpError> {
        let (token, dir) = (op.token(), op.direction());
        let slot = self.slot(token)?;
        let lane = slot.lane(dir);
        if lane.seq != op.seq() || matches!(lane.state, OpState::Idle) {
            return Err(OpError::NotCurrent);
        }
        let outcome = slot.trusted(dir, outcome);
        let budget = self.budget.allows(dir);
        let (effect, completion) = self.apply(token, dir, Input::Finish { outcome, budget });
        Ok(match (effect, completion) {
            (_, Some(c)) => FinishAction::Complete(c),
            (Effect::Defer, _) => FinishAction::Deferred,
            (Effect::Attempt, _) => {
                self.stats.retries += 1;
                FinishAction::Retry
            }
            (Effect::Park, _) => {
                self.stats.parks += 1;
                FinishAction::Parked
            }
            _ => return Err(OpError::NotAttempting),
        })
    }

    /// Feeds one OS event. Closed bits become sticky; each direction the event wakes gets an edge:
    /// a parked op becomes runnable, an attempt in flight will retry instead of parking, an idle
    /// direction remembers it is ready. A stale event is dropped and counted (H4).
    #[inline]
    pub fn handle_event(&mut self, event: Event) -> Result<(), StaleEvent> {
        self.feed_event(event, Input::Edge).map(|_| ())
    }

    /// [`Reactor::handle_event`] for an owner that takes each grant as soon as its op is woken
    /// (a futures adapter, whose woken task then calls [`Reactor::perform`] or
    /// [`Reactor::resume`]): a parked op the event wakes is granted at once, as if
    /// [`Reactor::poll_ready`] had dispatched it, without its trip through the ready queue.
    /// Returns the directions granted: wake their owners. Everything else is as
    /// `handle_event` (the ready queue still carries queued submits and deferred
    /// completions), except that no dispatch happens, so the inline budget is not reset.
    #[inline]
    pub fn handle_event_granting(
        &mut self,
        event: Event,
    ) -> Result<PerDirection<bool>, StaleEvent> {
        self.feed_event(event, Input::EdgeGrant)
    }

    /// One event, with `edge` (`Edge` or `EdgeGrant`) for each direction it wakes. Returns the
    /// directions granted.
    #[inline(always)]
    fn feed_event(&mut self, event: Event, edge: Input) -> Result<PerDirection<bool>, StaleEvent> {
        let Ok(slot) = self.slot_mut(event.token) else {
            self.stats.stale_events += 1;
            return Err(StaleEvent::Stale);
        };
        if let Some(Seen { sticky, last }) = slot.entry.get_mut() {
            *sticky |= event.readiness.intersection(Readiness::STICKY);
            *last = event.readiness | *sticky;
        }
        for dir in Direction::BOTH {
            if event.readiness.is_ready_for(dir) {
                slot.lane_mut(dir).knowledge = Knowledge::Ready;
            }
        }
        // An edge on an idle lane only updates the knowledge above: the table maps it to itself
        // with no effect, so it is not run (and not traced) at all.
        let busy = Direction::BOTH.map(|dir| slot.lane(dir).state != OpState::Idle);
        let mut granted = PerDirection {
            read: false,
            write: false,
        };
        for dir in Direction::BOTH {
            if event.readiness.is_ready_for(dir) && busy[dir.index()] {
                let (effect, _) = self.apply_edge(event.token, dir, edge);
                *granted.get_mut(dir) = matches!(effect, Effect::Grant);
            }
        }
        Ok(granted)
    }

    /// Hands out the oldest ready lane, if any. Counts as a dispatch: the inline budget resets.
    #[inline]
    pub fn poll_ready(&mut self) -> Option<Ready> {
        let node = self.queue.pop_front(&mut SlotLinks(self.slots.as_mut()))?;
        self.budget.reset();
        let (index, dir) = ready_queue::lane(node);
        let slot = self.slots.as_ref().get(index as usize)?;
        let token = Token::new(index, slot.generation())?;
        let op = OpId::new(token, dir, slot.lane(dir).seq);
        match self.apply(token, dir, Input::Dispatch) {
            (_, Some(c)) => Some(Ready::Complete(c)),
            _ => Some(Ready::Attempt(op)),
        }
    }

    /// Cancels one op. See [`CancelAction`]; a cancel that lost the race is `TooLate`, a no-op.
    pub fn cancel(&mut self, op: OpId) -> Result<CancelAction, StaleToken> {
        match self.current(op) {
            Err(OpError::StaleToken) => return Err(StaleToken::Stale),
            Err(_) => return Ok(CancelAction::TooLate),
            Ok(()) => {}
        }
        Ok(
            match self.apply(op.token(), op.direction(), Input::Cancel) {
                (_, Some(c)) => CancelAction::Cancelled(c),
                (Effect::CancelRequested, _) => CancelAction::Requested,
                _ => CancelAction::TooLate,
            },
        )
    }

    /// Cancels whatever is outstanding in both directions of `token`.
    pub fn cancel_all(&mut self, token: Token) -> Result<PerDirection<CancelAction>, StaleToken> {
        let slot = self.slot(token)?;
        let ops = Direction::BOTH.map(|dir| OpId::new(token, dir, slot.lane(dir).seq));
        Ok(PerDirection {
            read: self.cancel(ops[0])?,
            write: self.cancel(ops[1])?,
        })
    }

    /// The directions with an op parked: what a level-triggered backend (select, poll) should
    /// watch for `token`. Watching only these is how edge semantics are emulated (H9).
    pub fn interest(&self, token: Token) -> Result<Interest, StaleToken> {
        let slot = self.slot(token)?;
        let parked = |dir| matches!(slot.lane(dir).state, OpState::Parked);
        Ok(Interest {
            read: parked(Direction::Read),
            write: parked(Direction::Write),
        })
    }

    /// The next descriptor whose [`interest`](Reactor::interest) changed since it was last
    /// handed out here, with its interest now: push it to a level-triggered poller before
    /// waiting. Always `None` unless the reactor was built with [`Config::interest_feed`]. See
    /// the interest feed (`interest_feed.rs`).
    pub fn poll_interest(&mut self) -> Option<(Token, Interest)> {
        let mut feed = self.feed?;
        let found = loop {
            let Some(index) = feed.pop(&mut SlotLinks(self.slots.as_mut())) else {
                break None;
            };
            let slot = &mut self.slots.as_mut()[index as usize];
            if !slot.entry.is_occupied() {
                continue;
            }
            let parked = |dir| matches!(slot.lane(dir).state, OpState::Parked);
            let now = Interest {
                read: parked(Direction::Read),
                write: parked(Direction::Write),
            };
            if now != slot.announced {
                slot.announced = now;
                break Token::new(index, slot.generation()).map(|t| (t, now));
            }
        };
        self.feed = Some(feed);
        found
    }

    /// The last readiness seen for `token`, with the sticky closed bits.
    pub fn readiness(&self, token: Token) -> Result<Readiness, StaleToken> {
        Ok(self.slot(token)?.last_readiness())
    }

    /// Where the op in `dir` of `token` is in its lifecycle.
    pub fn op_state(&self, token: Token, dir: Direction) -> Result<OpState, StaleToken> {
        Ok(self.slot(token)?.lane(dir).state)
    }

    /// What the core knows of `dir`'s readiness (the speculation gate).
    pub fn knowledge(&self, token: Token, dir: Direction) -> Result<Knowledge, StaleToken> {
        Ok(self.slot(token)?.lane(dir).knowledge)
    }

    /// Calls `hook` on every lane transition from now on (`None` stops it). Only with the
    /// `trace` feature; see [`Transition`](crate::Transition).
    #[cfg(feature = "trace")]
    pub fn set_trace(&mut self, hook: Option<crate::TraceHook>) {
        self.trace = hook;
    }

    /// The embedder dispatched a handler from its own scheduler queue: inline runs end here.
    pub fn reset_budget(&mut self) {
        self.budget.reset();
    }

    /// Runs one lane transition and performs its effect on the queue, budget and knowledge.
    /// Returns the effect and, if the op ended, its completion.
    #[inline(always)] // specialised per input at each call site; this is the hot path
    fn apply(
        &mut self,
        token: Token,
        dir: Direction,
        input: Input,
    ) -> (Effect, Option<Completion>) {
        let from = self.slots.as_ref()[token.index() as usize].lane(dir).state;
        self.apply_from(token, dir, from, input)
    }

    /// [`Reactor::apply`] for an edge on a busy lane: the common case, a parked op, steps from
    /// the constant state, so the table folds to its one case; the rest go through `apply`.
    #[inline(always)]
    fn apply_edge(
        &mut self,
        token: Token,
        dir: Direction,
        edge: Input,
    ) -> (Effect, Option<Completion>) {
        match self.slots.as_ref()[token.index() as usize].lane(dir).state {
            OpState::Parked => self.apply_from(token, dir, OpState::Parked, edge),
            _ => self.apply(token, dir, edge),
        }
    }

    /// [`Reactor::apply`] from `from`, the lane's state now.
    #[inline(always)]
    fn apply_from(
        &mut self,
        token: Token,
        dir: Direction,
        from: OpState,
        input: Input,
    ) -> (Effect, Option<Completion>) {
        let tracer = self.tracer();
        let lane = self.slots.as_mut()[token.index() as usize].lane_mut(dir);
        let op = OpId::new(token, dir, lane.seq);
        let stepped = step(
            lane,
            from,
            input,
            op,
            &mut self.budget,
            &mut self.stats,
            tracer,
        );
        self.settle(token.index(), dir, &stepped);
        (stepped.effect, stepped.completion)
    }

    /// The part of a transition that needs the whole table rather than the lane: the ready
    /// queue's links and the interest feed's. Rare on the hot path (only the budget queues,
    /// and only level-triggered backends keep a feed), so it is checked inline and done here.
    #[inline(always)]
    fn settle(&mut self, index: u32, dir: Direction, stepped: &Stepped) {
        let node = ready_queue::node(index, dir);
        match stepped.effect {
            Effect::Enqueue | Effect::Defer => self
                .queue
                .push_back(&mut SlotLinks(self.slots.as_mut()), node),
            Effect::Complete { dequeue: true, .. } => {
                self.queue.unlink(&mut SlotLinks(self.slots.as_mut()), node)
            }
            _ => {}
        }
        if stepped.parked_changed {
            if let Some(feed) = &mut self.feed {
                feed.mark(&mut SlotLinks(self.slots.as_mut()), index);
            }
        }
    }

    /// The trace hook, if any (nothing without the `trace` feature).
    #[inline(always)]
    fn tracer(&self) -> Tracer {
        #[cfg(feature = "trace")]
        return self.trace;
        #[cfg(not(feature = "trace"))]
        return Tracer;
    }

    /// The occupied slot `token` names, or `StaleToken`: one index, one generation compare, one
    /// occupancy check ([`Slab::element`]).
    #[inline]
    fn slot(&self, token: Token) -> Result<&Slot, StaleToken> {
        self.slots.element(token.key()).ok_or(StaleToken::Stale)
    }

    #[inline]
    fn slot_mut(&mut self, token: Token) -> Result<&mut Slot, StaleToken> {
        self.slots.element_mut(token.key()).ok_or(StaleToken::Stale)
    }

    /// Checks that `op` is its lane's current op.
    fn current(&self, op: OpId) -> Result<(), OpError> {
        let lane = self.slot(op.token())?.lane(op.direction());
        if lane.seq != op.seq() || matches!(lane.state, OpState::Idle) {
            return Err(OpError::NotCurrent);
        }
        Ok(())
    }
}

/// The trace hook a transition reports to (nothing without the `trace` feature).
#[cfg(feature = "trace")]
type Tracer = Option<crate::TraceHook>;
#[cfg(not(feature = "trace"))]
#[derive(Clone, Copy, Default)]
struct Tracer;

/// What one lane transition did; the queue and the feed are still to hear of it
/// ([`Reactor::settle`]).
struct Stepped {
    next: OpState,
    effect: Effect,
    completion: Option<Completion>,
    /// The lane entered or left `Parked`: its interest changed.
    parked_changed: bool,
}

/// One transition of `lane` (of op `op`) from the state `from` (the lane's own, or, in a call
/// that has not let go of the lane since its last step, the state that step returned, so the
/// table folds to the one case): the table's next state, the knowledge rules, the inline
/// budget and the counters. Nothing here touches another slot.
#[inline(always)]
fn step(
    lane: &mut Lane,
    from: OpState,
    input: Input,
    op: OpId,
    budget: &mut Budget,
    stats: &mut Stats,
    tracer: Tracer,
) -> Stepped {
    if let Input::Finish { outcome, .. } = input {
        if let OpState::Attempting { interruption, .. } | OpState::Granted { interruption } = from {
            lane.knowledge = knowledge_after(outcome, interruption, lane.knowledge);
        }
    }
    let (next, effect) = transition(from, input);
    #[cfg(feature = "trace")]
    if let Some(hook) = tracer {
        hook(&crate::Transition {
            token: op.token(),
            dir: op.direction(),
            from,
            to: next,
            input: crate::TraceInput::of(input),
        });
    }
    #[cfg(not(feature = "trace"))]
    let Tracer = tracer;
    lane.state = next;
    let completion = |kind| Some(Completion { op, kind });
    let completion = match effect {
        Effect::Attempt | Effect::Grant => {
            // Knowledge during an attempt (or a grant) records only edges that arrive during it.
            lane.knowledge = Knowledge::Unknown;
            None
        }
        Effect::Defer => {
            stats.deferred_completions += 1;
            None
        }
        Effect::CompleteInline => {
            stats.inline_completions += 1;
            budget.try_spend(op.direction());
            completion(CompletionKind::Done)
        }
        Effect::Complete { kind, .. } => completion(kind),
        _ => None,
    };
    Stepped {
        next,
        effect,
        completion,
        parked_changed: matches!(from, OpState::Parked) != matches!(next, OpState::Parked),
    }
}

/// A new op on an idle `lane` (of `token`, direction `dir`): its sequence number, the submit
/// transition, and the counter of what submit decided (a gated park, a queued submit). Shared by
/// [`Reactor::submit`] and [`Reactor::perform`]; the caller settles the returned step.
#[inline(always)]
fn submit_step(
    lane: &mut Lane,
    token: Token,
    dir: Direction,
    known_not_ready: bool,
    budget: &mut Budget,
    stats: &mut Stats,
    tracer: Tracer,
) -> (OpId, Stepped) {
    let input = Input::Submit {
        known_not_ready,
        budget: budget.allows(dir),
    };
    lane.seq = lane.seq.wrapping_add(1);
    let op = OpId::new(token, dir, lane.seq);
    // `lane.state` is `Idle` (the caller checked); read back rather than written as a constant,
    // which measured a few instructions cheaper in `perform`.
    let stepped = step(lane, lane.state, input, op, budget, stats, tracer);
    match stepped.effect {
        Effect::Park => stats.gated_parks += 1,
        Effect::Enqueue => stats.queued_submits += 1,
        _ => {}
    }
    (op, stepped)
}

mod owner;
#[cfg(test)]
mod tests;

pub use owner::Performed;
