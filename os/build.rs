//! Names the platform families once, so the sources say `#[cfg(rill_kqueue)]` or
//! `#[cfg(rill_evfilt_user)]` instead of repeating lists of operating systems:
//!
//! - `rill_kqueue`: the targets that have kqueue.
//! - `rill_evfilt_user`: the kqueue targets whose waker is an `EVFILT_USER` event; the other
//!   kqueue targets (DragonFly, NetBSD, OpenBSD) wake through a self-pipe.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(rill_kqueue)");
    println!("cargo:rustc-check-cfg=cfg(rill_evfilt_user)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    const KQUEUE: [&str; 9] = [
        "freebsd",
        "dragonfly",
        "netbsd",
        "openbsd",
        "macos",
        "ios",
        "tvos",
        "watchos",
        "visionos",
    ];
    const EVFILT_USER: [&str; 6] = ["freebsd", "macos", "ios", "tvos", "watchos", "visionos"];
    if KQUEUE.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=rill_kqueue");
    }
    if EVFILT_USER.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=rill_evfilt_user");
    }
}
