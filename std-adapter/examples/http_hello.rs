//! A small HTTP/1.1 keep-alive server on the rill runtime: answers every well-formed request
//! with "Hello, world!", 400 on malformed requests, 431 on oversized headers. curl and wrk can
//! drive it.
//!
//! ```text
//! http_hello [ADDR]            (default 127.0.0.1:8080)
//! ```
//! Run `http_hello --help` for the options.

use std::process::ExitCode;
use std::time::Duration;

use rill::{Backend, Runtime, TcpListener, TcpStream};

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Request line plus headers may not exceed this (else 431).
const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (and discarded); larger is 413.
const MAX_BODY: usize = 1 << 20;
/// A connection that sends no complete request for this long is closed.
const IDLE: Duration = Duration::from_secs(30);
const BODY: &[u8] = b"Hello, world!";

const HELP: &str = "\
http_hello: an HTTP/1.1 keep-alive server on the rill runtime

USAGE:
    http_hello [ADDR] [--backend NAME] [--budget N]

    ADDR              address to listen on (default 127.0.0.1:8080)
    --backend NAME    epoll, poll, select, kqueue or default (default: the platform's)
    --budget N        the inline budget (default 2)
    -h, --help        print this help

Every well-formed request gets `200 OK` and \"Hello, world!\". Malformed requests get 400,
request heads over 8 KiB get 431, bodies over 1 MiB get 413, chunked request bodies get 501;
each of those closes the connection. Connections idle for 30 s are closed.
";

/// What parsing the buffered bytes found.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// Need more bytes.
    Partial,
    /// A complete head of `head_len` bytes, then a body of `body_len` bytes.
    Request {
        head_len: usize,
        body_len: usize,
        keep_alive: bool,
    },
    /// An error status to send before closing.
    Reject(u16),
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses one request head at the start of `buf`. A pure function: bytes in, verdict out.
fn parse(buf: &[u8]) -> Parsed {
    let Some(head_len) = find_head_end(buf) else {
        return if buf.len() > MAX_HEAD {
            Parsed::Reject(431)
        } else {
            Parsed::Partial
        };
    };
    if head_len > MAX_HEAD {
        return Parsed::Reject(431);
    }
    let Ok(head) = std::str::from_utf8(&buf[..head_len - 4]) else {
        return Parsed::Reject(400);
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Parsed::Reject(400);
    };
    if !is_token(method) || target.is_empty() || target.bytes().any(|b| b.is_ascii_control()) {
        return Parsed::Reject(400);
    }
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Parsed::Reject(400),
    };
    let mut body_len = 0usize;
    let mut seen_length = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Reject(400);
        };
        if !is_token(name) {
            return Parsed::Reject(400);
        }
        let value = value.trim_matches(|c| c == ' ' || c == '\t');
        if name.eq_ignore_ascii_case("content-length") {
            let Ok(n) = value.parse::<usize>() else {
                return Parsed::Reject(400);
            };
            if seen_length && n != body_len {
                return Parsed::Reject(400);
            }
            seen_length = true;
            body_len = n;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Parsed::Reject(501);
        } else if name.eq_ignore_ascii_case("connection") {
            for opt in value.split(',') {
                let opt = opt.trim();
                if opt.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if opt.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    if body_len > MAX_BODY {
        return Parsed::Reject(413);
    }
    Parsed::Request {
        head_len,
        body_len,
        keep_alive,
    }
}

fn response(status: u16, keep_alive: bool) -> Vec<u8> {
    let (reason, body): (&str, &[u8]) = match status {
        200 => ("OK", BODY),
        400 => ("Bad Request", b"bad request\n"),
        413 => ("Content Too Large", b"request body too large\n"),
        431 => (
            "Request Header Fields Too Large",
            b"request header too large\n",
        ),
        _ => ("Not Implemented", b"not implemented\n"),
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
        body.len(),
        if keep_alive {
            ""
        } else {
            "Connection: close\r\n"
        }
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serves one connection until the client closes it, an error, a rejection or idleness.
async fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    loop {
        // Answer every complete request already buffered (pipelining), in one write.
        let mut close = false;
        loop {
            match parse(&buf) {
                Parsed::Partial => break,
                Parsed::Reject(status) => {
                    out.extend_from_slice(&response(status, false));
                    close = true;
                    break;
                }
                Parsed::Request {
                    head_len,
                    body_len,
                    keep_alive,
                } => {
                    if buf.len() < head_len + body_len {
                        break; // body still arriving
                    }
                    buf.drain(..head_len + body_len);
                    out.extend_from_slice(&response(200, keep_alive));
                    if !keep_alive {
                        close = true;
                        break;
                    }
                }
            }
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if close {
            let _ = stream.shutdown(std::net::Shutdown::Write);
            return;
        }
        match rill::timeout(IDLE, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return, // closed, reset, or idle
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn run(addr: &str, backend: Backend, budget: u32) -> Result<(), String> {
    let rt = Runtime::builder()
        .backend(backend)
        .inline_budget(budget)
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    rt.block_on(async {
        // A host name is resolved off the loop thread; `bind` itself takes addresses only.
        let addrs: Vec<_> = rill::lookup_host(addr)
            .await
            .map_err(|e| format!("resolve {addr}: {e}"))?
            .collect();
        let listener = TcpListener::bind(&addrs[..]).map_err(|e| format!("bind {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("http_hello: listening on http://{local}/ ({backend} backend); Ctrl-C stops");
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    rill::spawn(serve(stream));
                }
                // No room for that connection (it was closed unserved): back-pressure; accept
                // backs off before the next one, so this does not spin.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => {
                    eprintln!("http_hello: accept: {e}");
                }
                // Anything else is fatal for the listener: retrying would spin.
                Err(e) => return Err(format!("accept: {e}")),
            }
        }
    })
}

fn main() -> ExitCode {
    let mut addr = DEFAULT_ADDR.to_string();
    let mut backend = Backend::platform_default();
    let mut budget = 2;
    let mut args = std::env::args().skip(1);
    let mut positional = 0;
    while let Some(arg) = args.next() {
        let parsed: Result<(), String> = match arg.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "--backend" => match args.next().map(|v| v.parse::<Backend>()) {
                Some(Ok(b)) => {
                    backend = b;
                    Ok(())
                }
                Some(Err(e)) => Err(e.to_string()),
                None => Err("--backend needs a value".into()),
            },
            "--budget" => match args.next().map(|v| v.parse::<u32>()) {
                Some(Ok(b)) => {
                    budget = b;
                    Ok(())
                }
                Some(Err(e)) => Err(format!("--budget: {e}")),
                None => Err("--budget needs a value".into()),
            },
            s if s.starts_with('-') => Err(format!("unknown option {s}")),
            s if positional == 0 => {
                positional += 1;
                addr = s.to_string();
                Ok(())
            }
            s => Err(format!("unexpected argument {s}")),
        };
        if let Err(e) = parsed {
            eprintln!("http_hello: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    }
    match run(&addr, backend, budget) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("http_hello: error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_simple_get() {
        let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            parse(req),
            Parsed::Request {
                head_len: req.len(),
                body_len: 0,
                keep_alive: true
            }
        );
    }

    #[test]
    fn partial_then_complete() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost"), Parsed::Partial);
    }

    #[test]
    fn rejects_garbage_and_oversized_heads() {
        assert_eq!(parse(b"garbage\r\n\r\n"), Parsed::Reject(400));
        assert_eq!(parse(b"GET / HTTP/9\r\n\r\n"), Parsed::Reject(400));
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"),
            Parsed::Reject(400)
        );
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat(b'a').take(MAX_HEAD + 1));
        assert_eq!(parse(&big), Parsed::Reject(431));
    }

    #[test]
    fn connection_close_and_http10() {
        let r = parse(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(matches!(
            r,
            Parsed::Request {
                keep_alive: false,
                ..
            }
        ));
        let r = parse(b"GET / HTTP/1.0\r\n\r\n");
        assert!(matches!(
            r,
            Parsed::Request {
                keep_alive: false,
                ..
            }
        ));
    }
}
