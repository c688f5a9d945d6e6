//! [`Graceful`]: graceful shutdown for the hyper connections of one rill loop.
//!
//! Each served connection is wrapped with [`Graceful::watch`]. [`Graceful::shutdown`] tells
//! every watched connection to finish (hyper's `graceful_shutdown`: an HTTP/1 connection
//! completes the request in flight and closes instead of keeping alive; an HTTP/2 connection
//! sends GOAWAY and completes its open streams), then resolves once all of them have ended.
//! The accept loop should stop accepting before (or while) awaiting it.
//!
//! `!Send`, like everything on a rill loop: with several loops, keep one `Graceful` per loop.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use hyper::body::Body;
use hyper::rt::{Read, Write};
use hyper::server::conn::{http1, http2};
use hyper::service::HttpService;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A hyper server connection that can be told to finish: implemented for
/// [`http1::Connection`] and [`http2::Connection`].
pub trait GracefulConnection: Future {
    /// Starts a graceful shutdown; the connection must still be polled until it completes.
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<I, B, S> GracefulConnection for http1::Connection<I, S>
where
    S: HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<BoxError>,
    I: Read + Write + Unpin,
    B: Body + 'static,
    B::Error: Into<BoxError>,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http1::Connection::graceful_shutdown(self);
    }
}

impl<I, B, S, E> GracefulConnection for http2::Connection<I, S, E>
where
    S: HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<BoxError>,
    I: Read + Write + Unpin,
    B: Body + 'static,
    B::Error: Into<BoxError>,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http2::Connection::graceful_shutdown(self);
    }
}

/// What the connections and the shutdown share.
#[derive(Default)]
struct State {
    /// Set by [`Graceful::shutdown`].
    shutting_down: bool,
    /// One slot per watched connection: the waker of its task (`None` while vacant or not yet
    /// polled); `live` counts the occupied ones.
    conns: Vec<Option<Option<Waker>>>,
    free: Vec<usize>,
    live: usize,
    /// The task awaiting [`Graceful::shutdown`].
    done: Option<Waker>,
}

/// Graceful shutdown for a set of hyper connections on one loop. Cloning gives another handle
/// to the same set.
///
/// Wrap each served connection with [`Graceful::watch`]. [`Graceful::shutdown`] tells every
/// watched connection to finish (an HTTP/1 connection completes the request in flight and
/// closes instead of keeping alive; an HTTP/2 connection sends GOAWAY and completes its open
/// streams), then resolves once all of them have ended. Stop accepting before awaiting it.
/// `!Send`: with several loops, keep one per loop.
#[derive(Clone, Default)]
pub struct Graceful {
    state: Rc<RefCell<State>>,
}

impl Graceful {
    /// An empty set.
    pub fn new() -> Graceful {
        Graceful::default()
    }

    /// Wraps `conn` so that [`Graceful::shutdown`] reaches it; await (or spawn) the result
    /// instead of `conn`. A connection watched after shutdown began is told at once.
    pub fn watch<C: GracefulConnection>(&self, conn: C) -> Watched<C> {
        let mut st = self.state.borrow_mut();
        let slot = match st.free.pop() {
            Some(i) => {
                st.conns[i] = Some(None);
                i
            }
            None => {
                st.conns.push(Some(None));
                st.conns.len() - 1
            }
        };
        st.live += 1;
        Watched {
            conn: Box::pin(conn),
            state: self.state.clone(),
            slot,
            told: false,
        }
    }

    /// How many watched connections are still running.
    pub fn live(&self) -> usize {
        self.state.borrow().live
    }

    /// Tells every watched connection to finish, and resolves when all have ended.
    pub fn shutdown(&self) -> impl Future<Output = ()> + 'static {
        let to_wake: Vec<Waker> = {
            let mut st = self.state.borrow_mut();
            st.shutting_down = true;
            st.conns
                .iter_mut()
                .filter_map(|c| c.as_mut().and_then(Option::take))
                .collect()
        };
        to_wake.into_iter().for_each(Waker::wake);
        let state = self.state.clone();
        std::future::poll_fn(move |cx| {
            let mut st = state.borrow_mut();
            if st.live == 0 {
                Poll::Ready(())
            } else {
                st.done = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

impl std::fmt::Debug for Graceful {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Graceful")
            .field("live", &st.live)
            .field("shutting_down", &st.shutting_down)
            .finish()
    }
}

/// A connection watched by a [`Graceful`] (from [`Graceful::watch`]); resolves with the
/// connection's own output.
pub struct Watched<C> {
    conn: Pin<Box<C>>,
    state: Rc<RefCell<State>>,
    slot: usize,
    /// `graceful_shutdown` was called on the connection.
    told: bool,
}

impl<C: GracefulConnection> Future for Watched<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        if !this.told && this.state.borrow().shutting_down {
            this.told = true;
            this.conn.as_mut().graceful_shutdown();
        }
        let r = this.conn.as_mut().poll(cx);
        if r.is_pending() && !this.told {
            if let Some(Some(w)) = this.state.borrow_mut().conns.get_mut(this.slot) {
                match w {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
            }
        }
        r
    }
}

impl<C> Drop for Watched<C> {
    fn drop(&mut self) {
        let done = {
            let mut st = self.state.borrow_mut();
            st.conns[self.slot] = None;
            st.free.push(self.slot);
            st.live -= 1;
            if st.live == 0 {
                st.done.take()
            } else {
                None
            }
        };
        if let Some(w) = done {
            w.wake();
        }
    }
}

impl<C> std::fmt::Debug for Watched<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watched")
            .field("told", &self.told)
            .finish_non_exhaustive()
    }
}
