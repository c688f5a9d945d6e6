//! [`ReuseportServer`]: the listeners of [`LoopGroup::listen_reuseport`], one `SO_REUSEPORT`
//! TCP listener and one accept task per loop, so the kernel spreads connections over the loops.
//!
//! [`LoopGroup::listen_reuseport`]: crate::LoopGroup::listen_reuseport

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::pool::PoolInner;
use crate::task::{self, JoinHandle};
use crate::{TcpListener, TcpStream};

/// The listeners started by [`LoopGroup::listen_reuseport`]: one accept task per loop.
///
/// Dropping it (or [`ReuseportServer::stop`]) aborts the accept tasks, which closes the
/// listeners; connections already accepted keep being served. Connections still waiting in a
/// closed listener's backlog are reset by the kernel.
///
/// [`LoopGroup::listen_reuseport`]: crate::LoopGroup::listen_reuseport
///
/// ```
/// let group = rill::LoopGroup::new(1)?;
/// let server: rill::ReuseportServer = group.listen_reuseport("127.0.0.1:0", |_s, _p| async {})?;
/// let addr = server.local_addr();
/// drop(server); // aborts the accept tasks, which close the listeners
/// drop(group); // joins the loops, so the listeners are closed by now
/// let rt = rill::Runtime::new()?;
/// assert!(rt.block_on(rill::TcpStream::connect(addr)).is_err());
/// # std::io::Result::Ok(())
/// ```
pub struct ReuseportServer {
    local_addr: SocketAddr,
    accepted: Arc<[AtomicU64]>,
    acceptors: Vec<JoinHandle<io::Result<()>>>,
}

impl ReuseportServer {
    /// Binds one listener per loop of `pool` to `addr` and starts an accept task on each, which
    /// runs `serve(stream, peer)` as a task of its loop for every connection.
    pub(crate) fn start<S, F>(pool: &PoolInner, addr: SocketAddr, serve: S) -> io::Result<Self>
    where
        S: Fn(TcpStream, SocketAddr) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + 'static,
    {
        let n = pool.len();
        let first = reuseport_listener(&addr)?;
        let local_addr = first.local_addr()?;
        let mut listeners = vec![first];
        for _ in 1..n {
            listeners.push(reuseport_listener(&local_addr)?);
        }
        let serve = Arc::new(serve);
        let accepted: Arc<[AtomicU64]> = (0..n).map(|_| AtomicU64::new(0)).collect();
        let mut acceptors = Vec::with_capacity(n);
        for (i, std_listener) in listeners.into_iter().enumerate() {
            let serve = serve.clone();
            let accepted = accepted.clone();
            let task = pool.spawn_on(i, move || async move {
                let listener = TcpListener::from_std(std_listener)?;
                loop {
                    let (stream, peer) = match listener.accept().await {
                        Ok(conn) => conn,
                        // One connection shed (this loop is full): back-pressure, keep going.
                        Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                        Err(e) => return Err(e),
                    };
                    accepted[i].fetch_add(1, Ordering::Relaxed);
                    // `serve` is user code run by the acceptor: its panic drops that
                    // connection, never the listener.
                    match panic::catch_unwind(AssertUnwindSafe(|| serve(stream, peer))) {
                        Ok(future) => drop(crate::spawn(future)),
                        Err(payload) => task::discard(payload),
                    }
                }
            })?;
            acceptors.push(task);
        }
        Ok(ReuseportServer {
            local_addr,
            accepted,
            acceptors,
        })
    }

    /// The address every listener is bound to (the real port when 0 was asked for).
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let server = group.listen_reuseport("127.0.0.1:0", |_s, _p| async {})?;
    /// assert_ne!(server.local_addr().port(), 0); // the port picked for every listener
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many connections each loop accepted so far (index = loop).
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let server = group.listen_reuseport("127.0.0.1:0", |_s, _p| async {})?;
    /// assert_eq!(server.accepted(), vec![0, 0]); // one count per loop
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accepted(&self) -> Vec<u64> {
        self.accepted
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .collect()
    }

    /// Stops accepting on every loop (the same as dropping the server).
    ///
    /// ```
    /// let group = rill::LoopGroup::new(1)?;
    /// let server = group.listen_reuseport("127.0.0.1:0", |_s, _p| async {})?;
    /// let addr = server.local_addr();
    /// server.stop(); // aborts the accept tasks (on their loops)
    /// drop(group); // joins the loops: every listener is closed now
    /// let refused = rill::Runtime::new()?.block_on(rill::TcpStream::connect(addr));
    /// assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn stop(self) {}
}

impl Drop for ReuseportServer {
    fn drop(&mut self) {
        for a in &self.acceptors {
            a.abort();
        }
    }
}

impl fmt::Debug for ReuseportServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReuseportServer")
            .field("local_addr", &self.local_addr)
            .field("accepted", &self.accepted())
            .finish()
    }
}

/// A listening socket with `SO_REUSEADDR` and `SO_REUSEPORT` (`SO_REUSEPORT_LB` on FreeBSD),
/// non-blocking, backlog 1024.
fn reuseport_listener(addr: &SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_cloexec(true)?;
    socket.set_reuse_address(true)?;
    #[cfg(target_os = "freebsd")]
    socket.set_reuse_port_lb(true)?;
    #[cfg(not(target_os = "freebsd"))]
    socket.set_reuse_port(true)?;
    socket.bind(&(*addr).into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
