//! The header names of each request as the client spelled them. HTTP/1.1 header names are
//! case-insensitive and the HTTP server hands them over lowercased, but API Gateway passes them to a
//! Lambda proxy integration exactly as sent (`tEsT-HEADeR` stays `tEsT-HEADeR`, as AWS's recorded
//! events show). So the listener's connections watch the bytes they read and note every request
//! head's header names, in order; the router takes one list per request.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::common::lock;

/// The longest request head watched; a longer one stops the watching for its connection (its
/// requests then fall back to lowercase names).
const MAX_HEAD: usize = 64 * 1024;
/// Heads noted but not yet taken; more means the router is not taking them, so noting stops.
const MAX_QUEUED: usize = 64;

/// The header-name lists of a connection's requests, oldest first.
#[derive(Clone, Default)]
pub struct Heads(Arc<Mutex<VecDeque<Vec<String>>>>);

impl Heads {
    /// The next request's header names as sent.
    pub fn take(&self) -> Option<Vec<String>> {
        lock(&self.0).pop_front()
    }
}

/// A TCP listener whose connections note their requests' header names.
pub struct RecordingListener(pub TcpListener);

impl Listener for RecordingListener {
    type Io = RecordingStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = Listener::accept(&mut self.0).await;
        let _ = io.set_nodelay(true);
        let stream = RecordingStream {
            io,
            parser: Parser::default(),
            heads: Heads::default(),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// What a handler knows of its connection: the peer's address and its requests' header names.
#[derive(Clone)]
pub struct Conn {
    pub addr: SocketAddr,
    pub heads: Heads,
}

impl Connected<IncomingStream<'_, RecordingListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, RecordingListener>) -> Self {
        Conn {
            addr: *stream.remote_addr(),
            heads: stream.io().heads.clone(),
        }
    }
}

pub struct RecordingStream {
    io: TcpStream,
    parser: Parser,
    heads: Heads,
}

impl AsyncRead for RecordingStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let fresh = &buf.filled()[before..];
            if !fresh.is_empty() {
                for head in this.parser.feed(fresh) {
                    let mut queue = lock(&this.heads.0);
                    if queue.len() < MAX_QUEUED {
                        queue.push_back(head);
                    }
                }
            }
        }
        polled
    }
}

impl AsyncWrite for RecordingStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Where the parser is in the byte stream of one connection.
#[derive(Debug, Default)]
enum State {
    /// Collecting a request head up to its blank line.
    #[default]
    Head,
    /// Skipping a body of known length.
    Body(u64),
    /// A chunked body: the next chunk-size line.
    ChunkSize,
    /// Chunk data, with its closing CRLF.
    ChunkData(u64),
    /// The trailer section after the last chunk, up to its blank line.
    Trailers,
    /// Lost track (an upgrade, a head too long, bytes that do not parse): note nothing more.
    Lost,
}

/// Follows HTTP/1.1 request framing over a connection's bytes (heads parsed with httparse, bodies
/// skipped by Content-Length or chunked framing) and returns the header names of each head.
#[derive(Debug, Default)]
struct Parser {
    state: State,
    buf: Vec<u8>,
}

impl Parser {
    fn feed(&mut self, mut data: &[u8]) -> Vec<Vec<String>> {
        let mut heads = Vec::new();
        while !data.is_empty() {
            match self.state {
                State::Lost => return heads,
                State::Body(n) => {
                    let take = n.min(data.len() as u64);
                    data = &data[take as usize..];
                    self.state = if take == n {
                        State::Head
                    } else {
                        State::Body(n - take)
                    };
                }
                State::ChunkData(n) => {
                    let take = n.min(data.len() as u64);
                    data = &data[take as usize..];
                    self.state = if take == n {
                        State::ChunkSize
                    } else {
                        State::ChunkData(n - take)
                    };
                }
                State::Head | State::ChunkSize | State::Trailers => {
                    let terminator: &[u8] = match self.state {
                        State::Head => b"\r\n\r\n",
                        _ => b"\r\n",
                    };
                    let start = self.buf.len().saturating_sub(terminator.len() - 1);
                    self.buf.extend_from_slice(data);
                    let Some(at) = find(&self.buf[start..], terminator).map(|i| start + i) else {
                        data = &[];
                        if self.buf.len() > MAX_HEAD {
                            self.lose();
                        }
                        continue;
                    };
                    let end = at + terminator.len();
                    let consumed_now = end - (self.buf.len() - data.len());
                    let piece: Vec<u8> = self.buf.drain(..end).collect();
                    self.buf.clear();
                    data = &data[consumed_now..];
                    match self.state {
                        State::Head => {
                            // Blank lines before a request line are allowed (RFC 9112 2.2).
                            if piece == b"\r\n\r\n" {
                                continue;
                            }
                            match parse_head(&piece) {
                                Some((names, next)) => {
                                    heads.push(names);
                                    self.state = next;
                                }
                                None => self.lose(),
                            }
                        }
                        State::ChunkSize => {
                            let line = &piece[..piece.len() - 2];
                            let size = std::str::from_utf8(line).ok().and_then(|l| {
                                u64::from_str_radix(l.split(';').next()?.trim(), 16).ok()
                            });
                            self.state = match size {
                                Some(0) => State::Trailers,
                                Some(n) => State::ChunkData(n + 2),
                                None => State::Lost,
                            };
                        }
                        _ => {
                            // A blank line ends the trailers; any other line is a trailer field.
                            if piece == b"\r\n" {
                                self.state = State::Head;
                            }
                        }
                    }
                }
            }
        }
        heads
    }

    fn lose(&mut self) {
        self.state = State::Lost;
        self.buf = Vec::new();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete request head: its header names as sent, and what follows it.
fn parse_head(head: &[u8]) -> Option<(Vec<String>, State)> {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut request = httparse::Request::new(&mut fields);
    if !matches!(request.parse(head), Ok(httparse::Status::Complete(_))) {
        return None;
    }
    let mut names = Vec::with_capacity(request.headers.len());
    let mut length = 0u64;
    let mut chunked = false;
    let mut upgrade = false;
    for h in request.headers.iter() {
        names.push(h.name.to_owned());
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if h.name.eq_ignore_ascii_case("upgrade") {
            upgrade = true;
        }
    }
    let next = if upgrade || request.method == Some("CONNECT") {
        State::Lost
    } else if chunked {
        State::ChunkSize
    } else if length > 0 {
        State::Body(length)
    } else {
        State::Head
    };
    Some((names, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(heads: &[Vec<String>]) -> Vec<Vec<&str>> {
        heads
            .iter()
            .map(|h| h.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn heads_of_kept_alive_requests_with_bodies_in_any_split() {
        let stream = b"GET /a HTTP/1.1\r\nHost: x\r\ntEsT-HEADeR: v\r\n\r\n\
POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-One: 1\r\n\r\nhello\
PUT /c HTTP/1.1\r\nHOST: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer-X: 1\r\n\r\n\
GET /d HTTP/1.1\r\nAccept: */*\r\n\r\n";
        let want = vec![
            vec!["Host", "tEsT-HEADeR"],
            vec!["Host", "Content-Length", "X-One"],
            vec!["HOST", "Transfer-Encoding"],
            vec!["Accept"],
        ];
        // Whole, byte by byte, and in uneven pieces: the same heads.
        let mut p = Parser::default();
        assert_eq!(names(&p.feed(stream)), want);
        let mut p = Parser::default();
        let mut heads = Vec::new();
        for b in stream.chunks(1) {
            heads.extend(p.feed(b));
        }
        assert_eq!(names(&heads), want);
        for size in [2, 3, 7, 13, 50] {
            let mut p = Parser::default();
            let mut heads = Vec::new();
            for b in stream.chunks(size) {
                heads.extend(p.feed(b));
            }
            assert_eq!(names(&heads), want, "pieces of {size}");
        }
    }

    #[test]
    fn an_upgrade_or_garbage_stops_the_noting() {
        let mut p = Parser::default();
        let heads =
            p.feed(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET / HTTP/1.1\r\nA: 1\r\n\r\n");
        assert_eq!(names(&heads), vec![vec!["Upgrade"]]);
        let mut p = Parser::default();
        assert!(p.feed(b"\x16\x03\x01 not http\r\n\r\n").is_empty());
        assert!(p.feed(b"GET / HTTP/1.1\r\nA: 1\r\n\r\n").is_empty());
    }
}
