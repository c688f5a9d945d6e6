//! Names the platform family once: `cfg(rill_kqueue)` is set on the targets that have kqueue,
//! so the sources say `#[cfg(rill_kqueue)]` instead of repeating the list of operating systems.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(rill_kqueue)");
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
    if KQUEUE.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=rill_kqueue");
    }
}
