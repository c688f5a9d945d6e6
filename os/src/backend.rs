//! The backends, by name: [`Backend`], which ones exist on this platform, and parsing a name
//! ([`UnknownBackend`] when it is none of them).
//!
//! This is the one definition: the `rill` runtime re-exports it as `rill::Backend` and
//! `rill::UnknownBackend`, so a name parsed from a command line or an environment variable picks
//! the same backend at every layer.

use core::fmt;
use core::str::FromStr;

/// An OS readiness backend.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Backend {
    /// Linux and Android `epoll`, edge-triggered (the default there).
    Epoll,
    /// BSD and Apple `kqueue`, edge-triggered with `EV_CLEAR` (the default there).
    Kqueue,
    /// POSIX `select`, level-triggered, on any Unix; descriptors below `FD_SETSIZE` only.
    Select,
    /// POSIX `poll`, level-triggered, on any Unix. The runtime emulates edges by watching a
    /// descriptor only in the directions an op waits for.
    Poll,
}

impl Backend {
    /// Every backend, in order of preference (the order [`Backend::available`] keeps).
    pub const ALL: [Backend; 4] = [
        Backend::Epoll,
        Backend::Kqueue,
        Backend::Poll,
        Backend::Select,
    ];

    /// epoll on Linux and Android, kqueue on macOS, iOS, tvOS, watchOS, visionOS and the BSDs,
    /// poll elsewhere. Always [available](Backend::is_available).
    pub const fn platform_default() -> Backend {
        if cfg!(any(target_os = "linux", target_os = "android")) {
            Backend::Epoll
        } else if cfg!(rill_kqueue) {
            Backend::Kqueue
        } else {
            Backend::Poll
        }
    }

    /// The backends that exist on this platform, in order of preference.
    pub fn available() -> impl Iterator<Item = Backend> {
        Backend::ALL.into_iter().filter(|b| b.is_available())
    }

    /// True when this backend exists on this platform.
    pub const fn is_available(self) -> bool {
        match self {
            Backend::Epoll => cfg!(any(target_os = "linux", target_os = "android")),
            Backend::Kqueue => cfg!(rill_kqueue),
            Backend::Select | Backend::Poll => true,
        }
    }

    /// True for select and poll: the runtime must keep each registration's interest equal to
    /// the directions with a parked op (`reregister`). False for epoll and kqueue, registered
    /// once with [`Interest::BOTH`](rill_core::Interest::BOTH).
    pub const fn is_level_triggered(self) -> bool {
        matches!(self, Backend::Select | Backend::Poll)
    }

    /// The name, lower case (`"epoll"`, `"kqueue"`, `"select"`, `"poll"`): what [`Display`]
    /// prints and [`FromStr`] reads back.
    ///
    /// [`Display`]: fmt::Display
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Epoll => "epoll",
            Backend::Kqueue => "kqueue",
            Backend::Select => "select",
            Backend::Poll => "poll",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = UnknownBackend;

    /// Parses a backend name, ignoring ASCII case; `default` gives
    /// [`Backend::platform_default`]. A name is accepted whether or not the backend exists on
    /// this platform: creating it is what fails.
    ///
    /// ```
    /// use rill_os::Backend;
    ///
    /// assert_eq!("epoll".parse::<Backend>(), Ok(Backend::Epoll));
    /// assert_eq!("KQueue".parse::<Backend>(), Ok(Backend::Kqueue));
    /// assert_eq!("default".parse::<Backend>(), Ok(Backend::platform_default()));
    /// let e = "iocp".parse::<Backend>().unwrap_err();
    /// assert_eq!(e.name(), "iocp");
    /// ```
    fn from_str(s: &str) -> Result<Backend, UnknownBackend> {
        if s.eq_ignore_ascii_case("default") {
            return Ok(Backend::platform_default());
        }
        Backend::ALL
            .into_iter()
            .find(|b| s.eq_ignore_ascii_case(b.name()))
            .ok_or_else(|| UnknownBackend::new(s))
    }
}

/// A backend name that is not one of `epoll`, `poll`, `select`, `kqueue`, `default`.
///
/// It keeps (the start of) the rejected name without allocating, for its message. With the
/// `std` feature it converts into an `io::Error` of kind `InvalidInput`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownBackend {
    name: [u8; UnknownBackend::MAX_NAME],
    len: u8,
    truncated: bool,
}

impl UnknownBackend {
    /// How many bytes of the rejected name are kept; a longer name is cut at the last character
    /// boundary that fits.
    pub const MAX_NAME: usize = 32;

    fn new(s: &str) -> UnknownBackend {
        let mut len = s.len().min(Self::MAX_NAME);
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        let mut name = [0; Self::MAX_NAME];
        name[..len].copy_from_slice(&s.as_bytes()[..len]);
        UnknownBackend {
            name,
            len: len as u8,
            truncated: len < s.len(),
        }
    }

    /// The rejected name as given (at most [`MAX_NAME`](Self::MAX_NAME) bytes of it).
    pub fn name(&self) -> &str {
        let bytes = &self.name[..usize::from(self.len)];
        // `new` copied whole characters of a `str`, so this never fails.
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// True when the name was longer than [`MAX_NAME`](Self::MAX_NAME) bytes and
    /// [`name`](Self::name) is its start only.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Debug for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnknownBackend")
            .field("name", &self.name())
            .field("truncated", &self.truncated)
            .finish()
    }
}

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let more = if self.truncated { "..." } else { "" };
        write!(
            f,
            "unknown backend {:?}{more} (expected epoll, poll, select, kqueue or default)",
            self.name()
        )
    }
}

impl core::error::Error for UnknownBackend {}

#[cfg(feature = "std")]
impl From<UnknownBackend> for std::io::Error {
    fn from(e: UnknownBackend) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::ToString;

    use super::*;

    #[test]
    fn every_name_parses_back_to_its_backend() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
            assert_eq!(b.to_string(), b.name());
        }
    }

    #[test]
    fn parsing_ignores_ascii_case() {
        assert_eq!("SELECT".parse::<Backend>(), Ok(Backend::Select));
        assert_eq!("Poll".parse::<Backend>(), Ok(Backend::Poll));
        assert_eq!(
            "DEFAULT".parse::<Backend>(),
            Ok(Backend::platform_default())
        );
    }

    #[test]
    fn default_is_the_platform_default_and_available() {
        assert_eq!(
            "default".parse::<Backend>(),
            Ok(Backend::platform_default())
        );
        assert!(Backend::platform_default().is_available());
        assert_eq!(
            Backend::available().next(),
            Some(Backend::platform_default())
        );
    }

    #[test]
    fn all_names_each_backend_once() {
        for b in Backend::ALL {
            assert_eq!(Backend::ALL.iter().filter(|&&x| x == b).count(), 1);
        }
    }

    #[test]
    fn unknown_name_is_kept_for_the_message() {
        for bad in ["iocp", "", " epoll", "epoll2"] {
            let e = bad.parse::<Backend>().unwrap_err();
            assert_eq!(e.name(), bad);
            assert!(!e.is_truncated());
        }
        let e = "iocp".parse::<Backend>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown backend \"iocp\" (expected epoll, poll, select, kqueue or default)"
        );
    }

    #[test]
    fn long_unknown_name_is_cut_at_a_character_boundary() {
        // 31 ASCII bytes, then a 3-byte character that would straddle the 32-byte limit.
        let long = "a".repeat(31) + "€€";
        let e = long.parse::<Backend>().unwrap_err();
        assert_eq!(e.name(), "a".repeat(31));
        assert!(e.is_truncated());
        assert!(e
            .to_string()
            .contains(&std::format!("\"{}\"...", "a".repeat(31))));
    }

    #[cfg(feature = "std")]
    #[test]
    fn unknown_backend_is_an_invalid_input_io_error() {
        let e: std::io::Error = "iocp".parse::<Backend>().unwrap_err().into();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("iocp"));
    }
}
