//! The two request/response protocols of the server workloads (64-byte echo and a fixed
//! HTTP/1.1 keep-alive answer), and the per-connection buffering shared by the hand-written,
//! mio and polling servers so they all run the same code between their readiness calls.

use std::io::{self, Read, Write};

/// The size of one ping-pong or echo message.
pub const MSG: usize = 64;

/// The HTTP answer every in-harness server gives.
pub const HTTP_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";

/// The request the load client sends on an HTTP connection.
pub const HTTP_REQUEST: &[u8] =
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: rill-bench\r\n\r\n";

/// Which protocol a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Every byte comes back; the client sends [`MSG`] bytes and waits for them.
    Echo,
    /// Each request (ending in a blank line, no body) gets [`HTTP_RESPONSE`].
    Http,
}

impl Proto {
    /// Server side: consumes the complete requests at the start of `input`, appends their
    /// responses to `out`, and returns how many input bytes were consumed.
    pub fn serve(self, input: &[u8], out: &mut Vec<u8>) -> usize {
        match self {
            Proto::Echo => {
                out.extend_from_slice(input);
                input.len()
            }
            Proto::Http => {
                let mut used = 0;
                while let Some(end) = find(&input[used..], b"\r\n\r\n") {
                    used += end + 4;
                    out.extend_from_slice(HTTP_RESPONSE);
                }
                used
            }
        }
    }

    /// Client side: the bytes of one request.
    pub fn request(self) -> &'static [u8] {
        match self {
            Proto::Echo => &[0x5a; MSG],
            Proto::Http => HTTP_REQUEST,
        }
    }

    /// Client side: the length of the complete response at the start of `buf`, if there is one.
    /// HTTP responses are delimited by their headers and `Content-Length` (any server's answer
    /// works, not only [`HTTP_RESPONSE`]).
    pub fn response_len(self, buf: &[u8]) -> Option<usize> {
        match self {
            Proto::Echo => (buf.len() >= MSG).then_some(MSG),
            Proto::Http => {
                let head = find(buf, b"\r\n\r\n")? + 4;
                let total = head + content_length(&buf[..head]);
                (buf.len() >= total).then_some(total)
            }
        }
    }
}

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `Content-Length` of a response head, 0 if absent or malformed.
fn content_length(head: &[u8]) -> usize {
    head.split(|&b| b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let (name, value) = line.split_at(colon);
            if !name.eq_ignore_ascii_case(b"content-length") {
                return None;
            }
            std::str::from_utf8(&value[1..]).ok()?.trim().parse().ok()
        })
        .next()
        .unwrap_or(0)
}

/// Reads `stream` until it would block or a short read shows the socket is drained (the usual
/// edge-triggered shortcut: a read that did not fill the buffer emptied the queue, so the next
/// arrival is a new edge). Appends to `buf`. Returns `(bytes read, saw end of stream)`.
pub fn drain<S: Read>(mut stream: S, buf: &mut Vec<u8>) -> io::Result<(usize, bool)> {
    let mut chunk = [0u8; 4096];
    let mut total = 0;
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok((total, true)),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                total += n;
                if n < chunk.len() {
                    return Ok((total, false));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok((total, false)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// One server connection of a hand-driven loop: input and output buffers around a stream.
pub struct Conn<S> {
    /// The socket.
    pub stream: S,
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
}

impl<S> Conn<S>
where
    for<'a> &'a S: Read + Write,
{
    /// A connection with 4 KiB buffers.
    pub fn new(stream: S) -> Conn<S> {
        Conn {
            stream,
            input: Vec::with_capacity(4096),
            output: Vec::with_capacity(4096),
            written: 0,
        }
    }

    /// Handles read readiness: reads, answers every complete request, writes what it can.
    /// Returns `false` when the peer closed the connection.
    pub fn on_readable(&mut self, proto: Proto) -> io::Result<bool> {
        let (_, eof) = drain(&self.stream, &mut self.input)?;
        let used = proto.serve(&self.input, &mut self.output);
        self.input.drain(..used);
        self.on_writable()?;
        Ok(!eof)
    }

    /// Handles write readiness: writes pending output until done or the socket is full.
    pub fn on_writable(&mut self) -> io::Result<()> {
        while self.written < self.output.len() {
            match (&self.stream).write(&self.output[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.output.clear();
        self.written = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_serve_answers_each_complete_request_and_keeps_the_partial_one() {
        let mut input = HTTP_REQUEST.repeat(2);
        input.extend_from_slice(b"GET / HT");
        let mut out = Vec::new();
        let used = Proto::Http.serve(&input, &mut out);
        assert_eq!(used, 2 * HTTP_REQUEST.len());
        assert_eq!(out, HTTP_RESPONSE.repeat(2));
    }

    #[test]
    fn http_response_len_needs_the_whole_body() {
        let r = HTTP_RESPONSE;
        assert_eq!(Proto::Http.response_len(&r[..r.len() - 1]), None);
        assert_eq!(Proto::Http.response_len(r), Some(r.len()));
        let mut two = r.to_vec();
        two.extend_from_slice(r);
        assert_eq!(Proto::Http.response_len(&two), Some(r.len()));
    }

    #[test]
    fn http_response_len_reads_any_content_length_spelling() {
        let r = b"HTTP/1.1 200 OK\r\ncontent-length:  2\r\n\r\nhi";
        assert_eq!(Proto::Http.response_len(r), Some(r.len()));
        let r = b"HTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(Proto::Http.response_len(r), Some(r.len()));
    }

    #[test]
    fn echo_serve_returns_everything() {
        let mut out = Vec::new();
        assert_eq!(Proto::Echo.serve(b"abc", &mut out), 3);
        assert_eq!(out, b"abc");
        assert_eq!(Proto::Echo.response_len(&[0; MSG - 1]), None);
        assert_eq!(Proto::Echo.response_len(&[0; MSG + 5]), Some(MSG));
    }
}
