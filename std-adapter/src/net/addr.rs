//! Socket addresses for the constructors, and name resolution off the loop thread (H22).
//!
//! `getaddrinfo` may sleep for seconds (a slow or unreachable DNS server), and a loop thread
//! that sleeps stalls every task on it. So rill never resolves a name on a loop thread. The
//! rule, for every constructor that takes an address ([`ToSocketAddrs`]):
//!
//! - **A literal address is used as it is**, parsed on the spot with no thread hop and no
//!   allocation: a [`SocketAddr`], `(IpAddr, u16)`, `"127.0.0.1:80"`, `"[::1]:80"`,
//!   `("10.0.0.1", 80)`, a `&[SocketAddr]`.
//! - **A host name is resolved on the blocking pool** (see [`crate::spawn_blocking`]) by the
//!   `async` calls: [`crate::TcpStream::connect`], [`crate::UdpSocket::connect`] and
//!   [`crate::lookup_host`]. The task waits
//!   for the answer like for any I/O; the loop runs other tasks meanwhile.
//! - **The synchronous calls refuse host names**: [`crate::TcpListener::bind`] and
//!   [`crate::UdpSocket::bind`] return
//!   [`io::ErrorKind::InvalidInput`] for `"localhost:80"`, since resolving there would block
//!   the loop thread. Resolve first, then pass the addresses:
//!
//! ```
//! let rt = rill::Runtime::new()?;
//! rt.block_on(async {
//!     assert!(rill::TcpListener::bind("localhost:0").is_err());
//!     let addrs: Vec<_> = rill::lookup_host("localhost:0").await?.collect();
//!     let listener = rill::TcpListener::bind(&addrs[..])?;
//!     assert!(listener.local_addr()?.ip().is_loopback());
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! [`ToSocketAddrs`] is rill's own trait (sealed), implemented for the same types as
//! [`std::net::ToSocketAddrs`]: std's trait resolves inside `to_socket_addrs`, so it cannot
//! tell a literal from a name without blocking.

use std::borrow::Cow;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::{PoisonError, RwLock};

use crate::blocking::spawn_blocking;

/// Something that names one or more socket addresses: a literal address or a host name with a
/// port. Implemented for the types [`std::net::ToSocketAddrs`] is implemented for; sealed.
///
/// See the [module rule](crate::lookup_host#name-resolution-never-blocks-a-loop-thread): a
/// literal is parsed where it is given; a name is resolved on the blocking pool by the `async`
/// calls and refused by the synchronous ones.
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddr};
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// // Every literal form works for the synchronous calls:
/// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
/// let b = rill::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
/// let addrs: [SocketAddr; 1] = [a.local_addr()?];
/// let c = rill::UdpSocket::bind(&addrs[..]).unwrap_err(); // a's address is taken
/// assert_eq!(c.kind(), std::io::ErrorKind::AddrInUse);
/// // A host name only where resolving cannot block the loop (the async calls):
/// assert!(rill::UdpSocket::bind("localhost:0").is_err());
/// # drop(b);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub trait ToSocketAddrs: sealed::ToTarget {}

pub(crate) mod sealed {
    use super::Target;

    /// What an address argument turns into, without resolving anything.
    pub trait ToTarget {
        /// The literal addresses, or the host name to resolve. Fails for a malformed string
        /// (no port, a bad port), as `std` does.
        fn to_target(&self) -> std::io::Result<Target<'_>>;
    }
}

use sealed::ToTarget;

/// An address argument, parsed but not resolved.
pub enum Target<'a> {
    /// One literal address.
    One(SocketAddr),
    /// Several literal addresses.
    Slice(&'a [SocketAddr]),
    /// A host name and port, to be resolved.
    Name {
        /// The host part, as given.
        host: String,
        /// The port.
        port: u16,
    },
}

impl<'a> Target<'a> {
    /// The addresses of a literal target; a name is `InvalidInput` (resolving it here would
    /// block the loop thread). `what` names the call, for the error message.
    pub(crate) fn literal(&self, what: &str) -> io::Result<&[SocketAddr]> {
        match self {
            Target::One(a) => Ok(std::slice::from_ref(a)),
            Target::Slice(s) => Ok(s),
            Target::Name { host, port } => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{what}: `{host}:{port}` is a host name; resolving it here would block the \
                     loop thread: resolve it first with `rill::lookup_host(..).await` and pass \
                     the addresses"
                ),
            )),
        }
    }

    /// The addresses: a literal at once, a name through the blocking pool.
    pub(crate) async fn resolve(self) -> io::Result<Cow<'a, [SocketAddr]>> {
        match self {
            Target::One(a) => Ok(Cow::Owned(vec![a])),
            Target::Slice(s) => Ok(Cow::Borrowed(s)),
            Target::Name { host, port } => spawn_blocking(move || resolve_name(&host, port))
                .await?
                .map(Cow::Owned),
        }
    }
}

/// Resolves a literal target in place, without allocating, or a name through the pool; calls
/// `each` on the addresses in order until one succeeds. The error of the last one is returned
/// if none does (or `InvalidInput` for an empty list).
pub(crate) async fn try_each<T, F, Fut>(
    addr: &impl ToSocketAddrs,
    what: &str,
    mut each: F,
) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let target = addr.to_target()?;
    let resolved;
    let addrs: &[SocketAddr] = match target {
        Target::One(ref a) => std::slice::from_ref(a),
        Target::Slice(s) => s,
        name => {
            resolved = name.resolve().await?;
            &resolved
        }
    };
    let mut last = None;
    for &a in addrs {
        match each(a).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| no_addresses(what)))
}

/// The error for an address list that resolved to nothing.
pub(crate) fn no_addresses(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}: no addresses to use"),
    )
}

/// Resolves `addr` to its socket addresses.
///
/// A literal address (`"127.0.0.1:80"`, `"[::1]:80"`, a [`SocketAddr`]) comes back at once with
/// no thread hop. A host name (`"localhost:80"`, `("example.com", 443)`) is resolved by the
/// system resolver (`getaddrinfo`) on the blocking pool, so a slow lookup never stalls the loop:
/// the calling task waits, the others run. Works inside or outside a rill runtime.
///
/// # Name resolution never blocks a loop thread
///
/// The `async` calls ([`crate::TcpStream::connect`], [`crate::UdpSocket::connect`]) resolve
/// names this way themselves; the synchronous ones ([`crate::TcpListener::bind`],
/// [`crate::UdpSocket::bind`]) refuse names with `InvalidInput`: resolve with `lookup_host`
/// first and pass the addresses (a `&[SocketAddr]` is accepted).
///
/// ```
/// let rt = rill::Runtime::new()?;
/// rt.block_on(async {
///     let addrs: Vec<_> = rill::lookup_host("localhost:8080").await?.collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
///     let literal: Vec<_> = rill::lookup_host("[::1]:80").await?.collect();
///     assert_eq!(literal, ["[::1]:80".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    let addrs = addr.to_target()?.resolve().await?;
    Ok(addrs.into_owned().into_iter())
}

/// A test hook for name resolution: given `(host, port)`, `Some(answer)` replaces the system
/// resolver's, `None` falls through to it.
#[doc(hidden)]
pub type ResolveHook = Box<dyn Fn(&str, u16) -> Option<io::Result<Vec<SocketAddr>>> + Send + Sync>;

static RESOLVE_HOOK: RwLock<Option<ResolveHook>> = RwLock::new(None);

/// Installs (or, with `None`, removes) the process-wide [`ResolveHook`]. It runs where the
/// resolver would, on a blocking-pool thread: tests use it to make a lookup slow on purpose
/// and to see where it ran.
#[doc(hidden)]
pub fn set_resolve_hook(hook: Option<ResolveHook>) {
    *RESOLVE_HOOK.write().unwrap_or_else(PoisonError::into_inner) = hook;
}

/// The blocking lookup itself; runs on a pool thread.
fn resolve_name(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if let Some(hook) = &*RESOLVE_HOOK.read().unwrap_or_else(PoisonError::into_inner) {
        if let Some(answer) = hook(host, port) {
            return answer;
        }
    }
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).map(Iterator::collect)
}

/// `"host:port"` split the way `std` splits it (at the last colon), or `std`'s errors.
fn split_host_port(s: &str) -> io::Result<(&str, u16)> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| invalid("invalid socket address"))?;
    let port = port.parse().map_err(|_| invalid("invalid port value"))?;
    Ok((host, port))
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// A host and port: a literal IP is used as it is, anything else is a name.
fn host_port(host: &str, port: u16) -> Target<'static> {
    match host.parse::<IpAddr>() {
        Ok(ip) => Target::One(SocketAddr::new(ip, port)),
        Err(_) => Target::Name {
            host: host.to_owned(),
            port,
        },
    }
}

macro_rules! literal {
    ($($ty:ty),+) => {
        $(
            impl ToSocketAddrs for $ty {}
            impl ToTarget for $ty {
                fn to_target(&self) -> io::Result<Target<'_>> {
                    Ok(Target::One(SocketAddr::from(*self)))
                }
            }
        )+
    };
}

literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for str {}
impl ToTarget for str {
    fn to_target(&self) -> io::Result<Target<'_>> {
        if let Ok(a) = self.parse::<SocketAddr>() {
            return Ok(Target::One(a));
        }
        let (host, port) = split_host_port(self)?;
        Ok(host_port(host, port))
    }
}

impl ToSocketAddrs for String {}
impl ToTarget for String {
    fn to_target(&self) -> io::Result<Target<'_>> {
        self.as_str().to_target()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToTarget for (&str, u16) {
    fn to_target(&self) -> io::Result<Target<'_>> {
        Ok(host_port(self.0, self.1))
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToTarget for (String, u16) {
    fn to_target(&self) -> io::Result<Target<'_>> {
        Ok(host_port(&self.0, self.1))
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl ToTarget for [SocketAddr] {
    fn to_target(&self) -> io::Result<Target<'_>> {
        Ok(Target::Slice(self))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> ToTarget for &T {
    fn to_target(&self) -> io::Result<Target<'_>> {
        (**self).to_target()
    }
}
