//! [`TcpKeepalive`]: the keepalive parameters of a TCP stream, and their translation to
//! socket2's (which options exist where, and the checks that make bad values a clear
//! `InvalidInput` instead of a bare `EINVAL`).

use std::io;
use std::time::Duration;

use socket2::SockRef;

/// TCP keepalive parameters for [`TcpStream::set_keepalive`](crate::TcpStream::set_keepalive): how long a connection is idle
/// before the first probe (`TCP_KEEPIDLE`), the wait between probes (`TCP_KEEPINTVL`) and how
/// many unanswered probes drop it (`TCP_KEEPCNT`). A value left `None` keeps the system's
/// default.
///
/// ```
/// use std::time::Duration;
/// let params = rill::TcpKeepalive::new().with_time(Duration::from_secs(30));
/// assert_eq!(params.time(), Some(Duration::from_secs(30)));
/// assert_eq!(params.interval(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpKeepalive {
    time: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
}

impl TcpKeepalive {
    /// No values: keepalive on with the system's defaults.
    pub const fn new() -> TcpKeepalive {
        TcpKeepalive {
            time: None,
            interval: None,
            retries: None,
        }
    }

    /// Idle time before the first probe (whole seconds, at least 1).
    pub const fn with_time(self, time: Duration) -> TcpKeepalive {
        TcpKeepalive {
            time: Some(time),
            ..self
        }
    }

    /// Time between probes (whole seconds, at least 1).
    pub const fn with_interval(self, interval: Duration) -> TcpKeepalive {
        TcpKeepalive {
            interval: Some(interval),
            ..self
        }
    }

    /// Unanswered probes before the connection is dropped (at least 1).
    pub const fn with_retries(self, retries: u32) -> TcpKeepalive {
        TcpKeepalive {
            retries: Some(retries),
            ..self
        }
    }

    /// The idle time, if set.
    pub const fn time(&self) -> Option<Duration> {
        self.time
    }

    /// The probe interval, if set.
    pub const fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// The retry count, if set.
    pub const fn retries(&self) -> Option<u32> {
        self.retries
    }

    /// The socket2 form, with the checks of [`TcpStream::set_keepalive`](crate::TcpStream::set_keepalive).
    pub(crate) fn to_socket2(self) -> io::Result<socket2::TcpKeepalive> {
        let mut k = socket2::TcpKeepalive::new();
        if let Some(t) = self.time {
            k = k.with_time(whole_seconds(t, "time")?);
        }
        if let Some(i) = self.interval {
            k = with_interval(k, whole_seconds(i, "interval")?)?;
        }
        if let Some(r) = self.retries {
            if r == 0 || r > i32::MAX as u32 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("TcpKeepalive: {r} retries; it must be between 1 and i32::MAX"),
                ));
            }
            k = with_retries(k, r)?;
        }
        Ok(k)
    }

    /// The values in effect on `sock` (keepalive is on).
    pub(crate) fn read(sock: &SockRef<'_>) -> io::Result<TcpKeepalive> {
        Ok(TcpKeepalive {
            time: keepalive_time(sock)?,
            interval: keepalive_interval(sock)?,
            retries: keepalive_retries(sock)?,
        })
    }
}

/// `d` as the kernel will take it: whole seconds, 1 ..= `i32::MAX`.
fn whole_seconds(d: Duration, what: &str) -> io::Result<Duration> {
    let secs = d.as_secs();
    if secs == 0 || secs > i32::MAX as u64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "TcpKeepalive: a {what} of {d:?}; the kernel counts whole seconds, from 1 to \
                 i32::MAX"
            ),
        ));
    }
    Ok(Duration::from_secs(secs))
}

/// The probe options, on the systems with `TCP_KEEPINTVL` and `TCP_KEEPCNT` (`build.rs`
/// names them `rill_keepalive_probes`).
#[cfg(rill_keepalive_probes)]
mod probes {
    use super::*;

    pub(super) fn with_interval(
        k: socket2::TcpKeepalive,
        d: Duration,
    ) -> io::Result<socket2::TcpKeepalive> {
        Ok(k.with_interval(d))
    }
    pub(super) fn with_retries(
        k: socket2::TcpKeepalive,
        r: u32,
    ) -> io::Result<socket2::TcpKeepalive> {
        Ok(k.with_retries(r))
    }
    pub(super) fn keepalive_interval(sock: &SockRef<'_>) -> io::Result<Option<Duration>> {
        sock.tcp_keepalive_interval().map(Some)
    }
    pub(super) fn keepalive_retries(sock: &SockRef<'_>) -> io::Result<Option<u32>> {
        sock.tcp_keepalive_retries().map(Some)
    }
}

/// Elsewhere the probe options are refused as unsupported.
#[cfg(not(rill_keepalive_probes))]
mod probes {
    use super::*;

    pub(super) fn with_interval(
        _: socket2::TcpKeepalive,
        _: Duration,
    ) -> io::Result<socket2::TcpKeepalive> {
        Err(no_probe_option("interval"))
    }
    pub(super) fn with_retries(
        _: socket2::TcpKeepalive,
        _: u32,
    ) -> io::Result<socket2::TcpKeepalive> {
        Err(no_probe_option("retry count"))
    }
    pub(super) fn keepalive_interval(_: &SockRef<'_>) -> io::Result<Option<Duration>> {
        Ok(None)
    }
    pub(super) fn keepalive_retries(_: &SockRef<'_>) -> io::Result<Option<u32>> {
        Ok(None)
    }
    fn no_probe_option(what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("TcpKeepalive: this system has no TCP keepalive {what} option"),
        )
    }
}

use probes::{keepalive_interval, keepalive_retries, with_interval, with_retries};

#[cfg(not(any(target_os = "openbsd", target_os = "haiku")))]
fn keepalive_time(sock: &SockRef<'_>) -> io::Result<Option<Duration>> {
    sock.tcp_keepalive_time().map(Some)
}

#[cfg(any(target_os = "openbsd", target_os = "haiku"))]
fn keepalive_time(_: &SockRef<'_>) -> io::Result<Option<Duration>> {
    Ok(None)
}
