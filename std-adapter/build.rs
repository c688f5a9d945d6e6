//! Names the platform families the std adapter branches on once, so the sources say
//! `#[cfg(rill_accept4)]` instead of repeating lists of operating systems:
//!
//! - `rill_accept4`: the targets with `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`; the others
//!   accept and then set the flags with `fcntl`.
//! - `rill_keepalive_probes`: the targets with `TCP_KEEPINTVL` and `TCP_KEEPCNT` (socket2's
//!   list); elsewhere `TcpKeepalive`'s interval and retry count are refused as unsupported.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(rill_accept4)");
    println!("cargo:rustc-check-cfg=cfg(rill_keepalive_probes)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    const ACCEPT4: [&str; 6] = [
        "linux",
        "android",
        "freebsd",
        "netbsd",
        "openbsd",
        "dragonfly",
    ];
    const KEEPALIVE_PROBES: [&str; 12] = [
        "android",
        "dragonfly",
        "freebsd",
        "fuchsia",
        "illumos",
        "ios",
        "linux",
        "macos",
        "netbsd",
        "tvos",
        "watchos",
        "visionos",
    ];
    if ACCEPT4.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=rill_accept4");
    }
    if KEEPALIVE_PROBES.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=rill_keepalive_probes");
    }
}
