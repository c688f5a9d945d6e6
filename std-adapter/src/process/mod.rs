//! Child processes: [`Command`] (a `std::process::Command` whose piped stdin / stdout / stderr
//! are async pipes) and [`Child`], with an async [`Child::wait`].
//!
//! ```
//! use rill::process::{Command, Stdio};
//!
//! let rt = rill::Runtime::new()?;
//! rt.block_on(async {
//!     let mut child = Command::new("cat")
//!         .stdin(Stdio::piped())
//!         .stdout(Stdio::piped())
//!         .spawn()?;
//!     let stdin = child.stdin.take().unwrap();
//!     stdin.write_all(b"meow").await?;
//!     drop(stdin); // EOF for cat
//!     let mut out = Vec::new();
//!     child.stdout.take().unwrap().read_to_end(&mut out).await?;
//!     assert_eq!(out, b"meow");
//!     assert!(child.wait().await?.success());
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How it works
//!
//! - **Spawning** is std's `spawn`: it returns once the program was executed (or failed to be:
//!   a missing program is `NotFound`). The parent's ends of piped streams become
//!   [`ChildStdin`] ([`PipeWriter`]), [`ChildStdout`] / [`ChildStderr`] ([`PipeReader`]),
//!   registered with the current runtime, non-blocking and close-on-exec.
//! - **Waiting** ([`Child::wait`]): on Linux 5.3 and later, a pidfd (`pidfd_open`) turns readable
//!   when the child exits; it is watched like any descriptor ([`crate::fd::AsyncFd`]), so the
//!   wait parks in the core on every backend. Where there is no pidfd (older kernels, other
//!   systems, a sandbox that refuses it), the wait listens for SIGCHLD through
//!   [`crate::signal`] and calls `waitpid(pid, WNOHANG)` after each delivery. Either way the
//!   exit status is collected with `waitpid` on that pid alone, so the children of other parts
//!   of the program are left alone. `wait` closes the child's stdin first (like std), so a child
//!   reading to EOF cannot deadlock it.
//! - **Killing** ([`Child::kill`]) sends SIGKILL and returns; `wait` for the status.
//! - **No zombies**: a [`Child`] dropped before its status was collected is handed to a
//!   process-wide reaper thread that collects it when it exits (it is not killed). See
//!   `process/reap.rs`.
//!
//! Like sockets, a `Child` with piped streams is `!Send`: it belongs to the loop that spawned it.

mod reap;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
pub use std::process::{ExitStatus, Output, Stdio};

use crate::pipe::{PipeReader, PipeWriter};

/// The parent's end of a child's piped stdin.
pub type ChildStdin = PipeWriter;
/// The parent's end of a child's piped stdout.
pub type ChildStdout = PipeReader;
/// The parent's end of a child's piped stderr.
pub type ChildStderr = PipeReader;

/// A process builder: `std::process::Command`'s builder, with an async [`Child`].
pub struct Command {
    std: std::process::Command,
    pidfd: bool,
}

impl Command {
    /// A command for `program`, with std's defaults (inherited stdio for `spawn` and
    /// `status`, piped stdout and stderr for `output`).
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            pidfd: true,
        }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the environment.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin ([`Stdio::piped`] gives [`Child::stdin`]).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's stdout ([`Stdio::piped`] gives [`Child::stdout`]).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's stderr ([`Stdio::piped`] gives [`Child::stderr`]).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Waits with SIGCHLD even where a pidfd is available (to test that path).
    #[doc(hidden)]
    pub fn wait_with_sigchld(&mut self) -> &mut Command {
        self.pidfd = false;
        self
    }

    /// The std builder, for settings not mirrored here (`std::os::unix::process::CommandExt`:
    /// `uid`, `process_group`, `pre_exec`, ...).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the program. Must run inside a runtime when any stream is piped. A missing
    /// program is `NotFound`.
    pub fn spawn(&mut self) -> io::Result<Child> {
        let mut std = self.std.spawn()?;
        let pipes = (std.stdin.take(), std.stdout.take(), std.stderr.take());
        let mut child = Child {
            std: Some(std),
            status: None,
            pidfd: self.pidfd,
            stdin: None,
            stdout: None,
            stderr: None,
        };
        // On error `child` is dropped: the reaper collects the process.
        child.stdin = pipes
            .0
            .map(|p| PipeWriter::from_owned_fd(OwnedFd::from(p)))
            .transpose()?;
        child.stdout = pipes
            .1
            .map(|p| PipeReader::from_owned_fd(OwnedFd::from(p)))
            .transpose()?;
        child.stderr = pipes
            .2
            .map(|p| PipeReader::from_owned_fd(OwnedFd::from(p)))
            .transpose()?;
        Ok(child)
    }

    /// Runs the program to its end (stdio inherited unless set) and returns its status.
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }

    /// Runs the program with stdout and stderr piped (replacing earlier settings of those two)
    /// and collects both and the status. Stdin is as set: inherited by default, unlike
    /// `std::process::Command::output` (std's builder does not say what was set).
    pub async fn output(&mut self) -> io::Result<Output> {
        self.std.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

/// A running (or exited) child process. Dropping it does not kill the child; an unreaped
/// one is reaped in the background (see the [module docs](self)).
pub struct Child {
    /// `None` only once handed to the reaper in `drop`.
    std: Option<std::process::Child>,
    status: Option<ExitStatus>,
    /// Wait with a pidfd where the kernel has one (only Linux has pidfds).
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    pidfd: bool,
    /// The child's stdin, if piped.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if piped.
    pub stderr: Option<ChildStderr>,
}

impl Child {
    fn std(&mut self) -> &mut std::process::Child {
        match &mut self.std {
            Some(c) => c,
            None => unreachable!("Child used after drop"),
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        match &self.std {
            Some(c) => c.id(),
            None => unreachable!("Child used after drop"),
        }
    }

    /// The exit status if the child has exited (`waitpid(WNOHANG)`), without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(s) = self.status {
            return Ok(Some(s));
        }
        self.status = self.std().try_wait()?;
        Ok(self.status)
    }

    /// Sends SIGKILL. `Ok(())` also when the child has already exited. The status is
    /// collected by [`Child::wait`] (or by the reaper when the `Child` is dropped).
    pub fn kill(&mut self) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        self.std().kill()
    }

    /// Waits for the child to exit and returns its status; closes its stdin first. Dropping
    /// the future stops waiting (the child is not affected).
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        if let Some(s) = self.try_wait()? {
            return Ok(s);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.pidfd {
            if let Some(fd) = pidfd_open(self.id()) {
                let fd = crate::fd::AsyncFd::new_unchecked(fd)?;
                loop {
                    if let Some(s) = self.try_wait()? {
                        return Ok(s);
                    }
                    fd.readable().await?;
                }
            }
        }
        // SIGCHLD: listen first, then check, so an exit in between is not missed.
        let mut sigchld = crate::signal::signal(libc::SIGCHLD)?;
        loop {
            if let Some(s) = self.try_wait()? {
                return Ok(s);
            }
            sigchld.recv().await?;
        }
    }

    /// Waits for the child and collects what it wrote to its piped stdout and stderr (read
    /// concurrently, so a child filling one pipe cannot stall).
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (out, err) = (self.stdout.take(), self.stderr.take());
        let read = |p: Option<PipeReader>| async move {
            let mut v = Vec::new();
            if let Some(p) = p {
                p.read_to_end(&mut v).await?;
            }
            io::Result::Ok(v)
        };
        let stderr_task = crate::spawn(read(err));
        let stdout = read(out).await?;
        let stderr = stderr_task
            .await
            .map_err(|e| io::Error::other(format!("reading stderr: {e}")))??;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if matches!(self.try_wait(), Ok(None)) {
            if let Some(std) = self.std.take() {
                reap::adopt(std);
            }
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.std.as_ref().map(std::process::Child::id))
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A pidfd for `pid` (Linux 5.3+), or `None` where the kernel has none or refuses it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags (0) and returns a new descriptor or -1.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if r < 0 {
        return None;
    }
    // SAFETY: `r` is a fresh descriptor that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(r as libc::c_int) })
}
