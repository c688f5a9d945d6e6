//! The OS poller as the driver sees it (temporary epoll stand-in until rill-os lands).

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

use rill_core::{Event, Interest, Readiness, Token};

use crate::Backend;

/// Interrupts a blocked wait from any thread.
pub(crate) struct OsWaker {
    fd: Arc<EventFd>,
}

struct EventFd(RawFd);

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor.
        unsafe { libc::close(self.0) };
    }
}

impl OsWaker {
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64.
        unsafe { libc::write(self.fd.0, (&one as *const u64).cast(), 8) };
    }
}

pub(crate) struct Poller {
    epfd: RawFd,
    waker: Arc<EventFd>,
    raw: Vec<libc::epoll_event>,
}

const WAKER_TOKEN: u64 = u64::MAX;

impl Drop for Poller {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor.
        unsafe { libc::close(self.epfd) };
    }
}

impl Poller {
    pub(crate) fn new(backend: Backend, events: usize) -> io::Result<(Poller, OsWaker)> {
        if backend != Backend::Epoll {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("backend {backend} is not available"),
            ));
        }
        // SAFETY: plain syscalls.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if epfd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: plain syscall.
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if efd < 0 {
            return Err(io::Error::last_os_error());
        }
        let waker = Arc::new(EventFd(efd));
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: WAKER_TOKEN,
        };
        // SAFETY: valid event pointer.
        if unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, efd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((
            Poller {
                epfd,
                waker: waker.clone(),
                raw: vec![libc::epoll_event { events: 0, u64: 0 }; events],
            },
            OsWaker { fd: waker },
        ))
    }

    pub(crate) fn edge_triggered(&self) -> bool {
        true
    }

    pub(crate) fn register(&mut self, fd: RawFd, token: Token, _i: Interest) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
            u64: token.to_u64(),
        };
        // SAFETY: valid event pointer.
        if unsafe { libc::epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub(crate) fn reregister(&mut self, _fd: RawFd, _t: Token, _i: Interest) -> io::Result<()> {
        Ok(())
    }

    pub(crate) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: valid event pointer.
        if unsafe { libc::epoll_ctl(self.epfd, libc::EPOLL_CTL_DEL, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub(crate) fn wait(
        &mut self,
        out: &mut Vec<Event>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let ms = match timeout {
            None => -1,
            Some(d) => d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        // SAFETY: raw has len entries.
        let n = unsafe {
            libc::epoll_wait(self.epfd, self.raw.as_mut_ptr(), self.raw.len() as i32, ms)
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(());
            }
            return Err(e);
        }
        for ev in &self.raw[..n as usize] {
            let bits = ev.events as i32;
            let token = ev.u64;
            if token == WAKER_TOKEN {
                let mut buf = 0u64;
                // SAFETY: reads 8 bytes into a valid u64.
                unsafe { libc::read(self.waker.0, (&mut buf as *mut u64).cast(), 8) };
                continue;
            }
            let mut r = Readiness::EMPTY;
            if bits & libc::EPOLLIN != 0 {
                r |= Readiness::READABLE;
            }
            if bits & libc::EPOLLOUT != 0 {
                r |= Readiness::WRITABLE;
            }
            if bits & libc::EPOLLRDHUP != 0 {
                r |= Readiness::READ_CLOSED;
            }
            if bits & libc::EPOLLHUP != 0 {
                r |= Readiness::READ_CLOSED | Readiness::WRITE_CLOSED;
            }
            if bits & libc::EPOLLERR != 0 {
                r |= Readiness::ERROR;
            }
            out.push(Event::new(Token::from_u64(token), r));
        }
        Ok(())
    }
}
