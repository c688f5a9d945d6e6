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
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::pin::pin;
pub use std::process::{ExitStatus, Output, Stdio};
use std::task::Poll;

use crate::pipe::{PipeReader, PipeWriter};

/// The parent's end of a child's piped stdin.
pub type ChildStdin = PipeWriter;
/// The parent's end of a child's piped stdout.
pub type ChildStdout = PipeReader;
/// The parent's end of a child's piped stderr.
pub type ChildStderr = PipeReader;

/// A process builder: `std::process::Command`'s builder, with an async [`Child`].
///
/// ```
/// use rill::process::Command;
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let out = Command::new("sh").args(["-c", "echo hi"]).output().await?;
/// assert!(out.status.success());
/// assert_eq!(out.stdout, b"hi\n");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Command {
    std: std::process::Command,
    pidfd: bool,
}

impl Command {
    /// A command for `program`, with std's defaults (inherited stdio for `spawn` and
    /// `status`, piped stdout and stderr for `output`).
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let status = Command::new("true").status().await?;
    /// assert!(status.success());
    /// let missing = Command::new("rill-doc-no-such-program").spawn().unwrap_err();
    /// assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            pidfd: true,
        }
    }

    /// Adds an argument.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let out = Command::new("echo").arg("one").arg("two").output().await?;
    /// assert_eq!(out.stdout, b"one two\n");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let out = Command::new("sh").args(["-c", "exit 3"]).output().await?;
    /// assert_eq!(out.status.code(), Some(3));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "printf %s \"$RILL_DOC\""]).env("RILL_DOC", "set");
    /// assert_eq!(cmd.output().await?.stdout, b"set");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Removes an environment variable.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "printf %s \"${RILL_DOC-unset}\""]);
    /// cmd.env("RILL_DOC", "set").env_remove("RILL_DOC");
    /// assert_eq!(cmd.output().await?.stdout, b"unset");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the environment.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("/bin/sh");
    /// cmd.args(["-c", "printf %s \"${HOME-none}\""]).env_clear();
    /// assert_eq!(cmd.output().await?.stdout, b"none");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the working directory.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let out = Command::new("pwd").current_dir("/").output().await?;
    /// assert_eq!(out.stdout, b"/\n");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin ([`Stdio::piped`] gives [`Child::stdin`]).
    ///
    /// ```
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cat = Command::new("cat");
    /// let mut child = cat.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    /// child.stdin.take().unwrap().write_all(b"through cat").await?; // dropped: EOF
    /// let out = child.wait_with_output().await?;
    /// assert_eq!(out.stdout, b"through cat");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's stdout ([`Stdio::piped`] gives [`Child::stdout`]).
    ///
    /// ```
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut child = Command::new("echo").arg("out").stdout(Stdio::piped()).spawn()?;
    /// let mut buf = Vec::new();
    /// child.stdout.take().unwrap().read_to_end(&mut buf).await?;
    /// assert_eq!(buf, b"out\n");
    /// assert!(child.wait().await?.success());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's stderr ([`Stdio::piped`] gives [`Child::stderr`]).
    ///
    /// ```
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "echo oops >&2"]).stderr(Stdio::piped());
    /// let out = cmd.spawn()?.wait_with_output().await?;
    /// assert_eq!(out.stderr, b"oops\n");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
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
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "exit 0"]);
    /// assert_eq!(cmd.as_std_mut().get_program(), "sh");
    /// assert!(cmd.status().await?.success());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the program. Must run inside a runtime when any stream is piped. A missing
    /// program is `NotFound`.
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn()?;
    /// assert!(child.id() > 0);
    /// assert_eq!(child.wait().await?.code(), Some(7));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
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
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// assert!(Command::new("true").status().await?.success());
    /// assert!(!Command::new("false").status().await?.success());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }

    /// Runs the program with stdout and stderr piped (replacing earlier settings of those two)
    /// and collects both and the status. Stdin is as set: inherited by default, unlike
    /// `std::process::Command::output` (std's builder does not say what was set).
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let out = Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await?;
    /// assert_eq!((&out.stdout[..], &out.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    /// assert!(out.status.success());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
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
///
/// ```
/// use rill::process::{Command, Stdio};
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let mut child: rill::process::Child = Command::new("cat")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// child.stdin.as_ref().unwrap().write_all(b"echo").await?;
/// let mut buf = [0u8; 4];
/// child.stdout.as_ref().unwrap().read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"echo");
/// assert!(child.wait().await?.success()); // wait closes stdin: cat ends
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
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
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut cmd = Command::new("sh");
    /// let child = cmd.args(["-c", "echo $$"]).stdout(std::process::Stdio::piped()).spawn()?;
    /// let id = child.id();
    /// let out = child.wait_with_output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), id.to_string());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn id(&self) -> u32 {
        match &self.std {
            Some(c) => c.id(),
            None => unreachable!("Child used after drop"),
        }
    }

    /// The exit status if the child has exited (`waitpid(WNOHANG)`), without waiting.
    ///
    /// ```
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// assert!(child.try_wait()?.is_none()); // cat waits for its stdin
    /// drop(child.stdin.take());
    /// let status = child.wait().await?;
    /// assert_eq!(child.try_wait()?, Some(status)); // collected: answered at once
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(s) = self.status {
            return Ok(Some(s));
        }
        self.status = self.std().try_wait()?;
        Ok(self.status)
    }

    /// Sends SIGKILL. `Ok(())` also when the child has already exited. The status is
    /// collected by [`Child::wait`] (or by the reaper when the `Child` is dropped).
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// child.kill()?;
    /// let status = child.wait().await?;
    /// assert_eq!(status.signal(), Some(libc::SIGKILL));
    /// child.kill()?; // already exited: still Ok
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kill(&mut self) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        self.std().kill()
    }

    /// Waits for the child to exit and returns its status; closes its stdin first. Dropping
    /// the future stops waiting (the child is not affected).
    ///
    /// ```
    /// use rill::process::Command;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut child = Command::new("sh").args(["-c", "exit 2"]).spawn()?;
    /// let status = child.wait().await?;
    /// assert_eq!(status.code(), Some(2));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
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
    ///
    /// ```
    /// use rill::process::{Command, Stdio};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let child = Command::new("sh")
    ///     .args(["-c", "echo out; echo err >&2; exit 1"])
    ///     .stdout(Stdio::piped())
    ///     .stderr(Stdio::piped())
    ///     .spawn()?;
    /// let out = child.wait_with_output().await?;
    /// assert_eq!((&out.stdout[..], &out.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    /// assert_eq!(out.status.code(), Some(1));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
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
        // Both pipes in this one future (a task of their own would outlive a dropped or
        // timed-out call, reading until the child closes them); the first error ends both.
        let (mut stdout, mut stderr) = (pin!(read(out)), pin!(read(err)));
        let (mut out, mut err) = (None, None);
        std::future::poll_fn(|cx| {
            if out.is_none() {
                out = ready(stdout.as_mut().poll(cx));
            }
            if err.is_none() {
                err = ready(stderr.as_mut().poll(cx));
            }
            match (&out, &err) {
                (Some(Err(_)), _) | (_, Some(Err(_))) | (Some(_), Some(_)) => Poll::Ready(()),
                _ => Poll::Pending,
            }
        })
        .await;
        let (stdout, stderr) = match (out, err) {
            (Some(Err(e)), _) => return Err(e),
            (_, Some(Err(e))) => {
                return Err(io::Error::new(e.kind(), format!("reading stderr: {e}")))
            }
            (Some(Ok(o)), Some(Ok(e))) => (o, e),
            _ => unreachable!("the join above ends only with both pipes read or an error"),
        };
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

/// A poll's value, if it has one.
fn ready<T>(p: Poll<T>) -> Option<T> {
    match p {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
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
