//! The header names of each request as the client spelled them. HTTP/1.1 header names are
//! case-insensitive and the HTTP server hands them over lowercased, but API Gateway passes them to a
//! Lambda proxy integration exactly as sent (`tEsT-HEADeR` stays `tEsT-HEADeR`, as AWS's recorded
//! events show). So the listener's connections watch the bytes they read and note every request
//! head's header names, in order; the router takes one list per request.
//!
//! The other way, the HTTP server writes every response header name lowercase, where AWS keeps a
//! function's spelling (`tesT-Multi`) in a stage or function URL answer and writes its own there as
//! `x-amzn-RequestId` or `X-Amz-Cf-Id`. So the router names, in a private header
//! ([`SPELLING_HEADER`]) of each stage and function URL answer, the request's method and how the
//! answer's names are spelled, and the connection rewrites that head as it is written: names
//! re-spelled (only their case changes), that header left out. Every other answer (the control
//! planes', whose clients read header names case-insensitively) carries no such header and is
//! written as the server wrote it; the connection only follows its framing, with the method the read
//! side noted for its request (a HEAD answer has no body), to find the next head.

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
/// Heads noted but not yet taken (or requests not yet answered); more means the router is not
/// taking them, so noting stops for the connection.
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
            respeller: Respeller::default(),
            pending: Vec::new(),
            written: 0,
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
    /// Response heads re-spelled on their way out.
    respeller: Respeller,
    /// Output accepted but not yet written.
    pending: Vec<u8>,
    written: usize,
}

impl RecordingStream {
    /// Writes what is pending; ready once all of it is written.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            match Pin::new(&mut self.io).poll_write(cx, &self.pending[self.written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
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
                    if queue.len() >= MAX_QUEUED || this.respeller.asked.len() >= MAX_QUEUED {
                        // Dropping one would put the lists out of step with the requests.
                        this.parser.lose();
                        break;
                    }
                    queue.push_back(head.names);
                    this.respeller.asked.push_back(head.head);
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
        let this = &mut *self;
        // What was accepted before is written first: at most one write's worth is ever held.
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        // `pending` is empty here (written above) and keeps its capacity from write to write.
        this.respeller.feed(buf, &mut this.pending);
        // Accepted: what cannot be written now is written by the next write or flush.
        if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_shutdown(cx),
            other => other,
        }
    }
}

/// The private response header naming the request's method and the response's header names as
/// they are to be spelled: `GET x-amzn-RequestId tesT-Multi`. The connection leaves it out. Only
/// stage and function URL answers carry it.
pub const SPELLING_HEADER: &str = "x-lambdeck-spelling";

/// A response's header names as the answer should spell them (a function's own, in a proxy or
/// function URL answer): a response extension the router reads into [`SPELLING_HEADER`].
#[derive(Debug, Clone, Default)]
pub struct Spelling(pub Vec<String>);

/// Where the response writer is in a connection's output.
#[derive(Debug)]
enum Out {
    /// Collecting a response head up to its blank line.
    Head(Vec<u8>),
    /// A body of known length still to pass.
    Body(u64),
    /// A chunked body: the chunk-size line so far.
    ChunkSize(Vec<u8>),
    /// Chunk data, with its closing CRLF.
    ChunkData(u64),
    /// The trailer section: the current line so far.
    Trailers(Vec<u8>),
    /// Not following (an upgrade, a body up to the connection's end, a head that does not parse):
    /// everything passes unchanged.
    Lost,
}

impl Default for Out {
    fn default() -> Self {
        Out::Head(Vec::new())
    }
}

/// Rewrites the response heads of a connection's output (see the module comment), following
/// HTTP/1.1 response framing to find them.
#[derive(Debug, Default)]
struct Respeller {
    out: Out,
    /// The connection's requests not yet answered, oldest first: whether each is a HEAD request
    /// (noted by the read side; a final answer takes the oldest).
    asked: VecDeque<bool>,
}

impl Respeller {
    /// Takes the next bytes the server writes and appends what goes on the wire for them to `wire`
    /// (a head is held until it is whole).
    fn feed(&mut self, mut data: &[u8], wire: &mut Vec<u8>) {
        wire.reserve(data.len());
        while !data.is_empty() {
            match &mut self.out {
                Out::Lost => {
                    wire.extend_from_slice(data);
                    data = &[];
                }
                Out::Head(held) => {
                    let start = held.len().saturating_sub(3);
                    let before = held.len();
                    held.extend_from_slice(data);
                    let Some(at) = find(&held[start..], b"\r\n\r\n").map(|i| start + i) else {
                        if held.len() > MAX_HEAD {
                            wire.append(held);
                            self.out = Out::Lost;
                        }
                        data = &[];
                        continue;
                    };
                    let end = at + 4;
                    data = &data[end - before..];
                    held.truncate(end);
                    let head = std::mem::take(held);
                    self.out = respell(&head, &mut self.asked, wire);
                }
                Out::Body(n) | Out::ChunkData(n) => {
                    let take = (*n).min(data.len() as u64) as usize;
                    wire.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    *n -= take as u64;
                    if *n == 0 {
                        self.out = match self.out {
                            Out::ChunkData(_) => Out::ChunkSize(Vec::new()),
                            _ => Out::default(),
                        };
                    }
                }
                Out::ChunkSize(line) | Out::Trailers(line) => {
                    let take = data
                        .iter()
                        .position(|b| *b == b'\n')
                        .map_or(data.len(), |i| i + 1);
                    wire.extend_from_slice(&data[..take]);
                    line.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if line.ends_with(b"\n") {
                        let line = std::mem::take(line);
                        self.out = match self.out {
                            Out::ChunkSize(_) => {
                                let size = std::str::from_utf8(&line).ok().and_then(|l| {
                                    u64::from_str_radix(l.split(';').next()?.trim(), 16).ok()
                                });
                                match size {
                                    Some(0) => Out::Trailers(Vec::new()),
                                    Some(n) => Out::ChunkData(n + 2),
                                    None => Out::Lost,
                                }
                            }
                            // A blank line ends the trailers.
                            _ if line == b"\r\n" => Out::default(),
                            _ => Out::Trailers(Vec::new()),
                        };
                    } else if line.len() > MAX_HEAD {
                        self.out = Out::Lost;
                    }
                }
            }
        }
    }
}

/// A whole response head onto `wire`, re-spelled as its [`SPELLING_HEADER`] says and without that
/// header, or as it is when it has none; returns what follows it on the wire. A final answer answers
/// the oldest request in `asked`; one without the private header to a request the read side did not
/// note (a head too long to note) cannot be framed, and the writer stops following the connection,
/// as it does for anything it cannot frame.
fn respell(head: &[u8], asked: &mut VecDeque<bool>, wire: &mut Vec<u8>) -> Out {
    let mut fields = [httparse::EMPTY_HEADER; 256];
    let mut response = httparse::Response::new(&mut fields);
    if !matches!(response.parse(head), Ok(httparse::Status::Complete(_))) {
        wire.extend_from_slice(head);
        return Out::Lost;
    }
    let code = response.code.unwrap_or(0);
    // 1xx interim answers (100 Continue) come from the server itself; a final answer follows.
    if (100..200).contains(&code) && code != 101 {
        wire.extend_from_slice(head);
        return Out::default();
    }
    let noted = asked.pop_front();
    let spelling = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(SPELLING_HEADER))
        .and_then(|h| std::str::from_utf8(h.value).ok());
    let Some(spelling) = spelling else {
        wire.extend_from_slice(head);
        return match noted {
            Some(head_request) => framing(code, head_request, response.headers),
            None => Out::Lost,
        };
    };
    let mut words = spelling.split_ascii_whitespace();
    let method = words.next().unwrap_or("");
    let names: Vec<&str> = words.collect();
    let status_line_end = find(head, b"\r\n").map_or(0, |i| i + 2);
    wire.extend_from_slice(&head[..status_line_end]);
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case(SPELLING_HEADER) {
            continue;
        }
        let name = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(h.name))
            .copied()
            .unwrap_or(h.name);
        wire.extend_from_slice(name.as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(h.value);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"\r\n");
    framing(code, method == "HEAD", response.headers)
}

/// What follows a final answer's head (status `code`, to a HEAD request or not) on the wire.
fn framing(code: u16, head_request: bool, headers: &[httparse::Header<'_>]) -> Out {
    let mut length = None;
    let mut chunked = false;
    for h in headers {
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse().unwrap_or(0u64));
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    if code == 101 {
        Out::Lost
    } else if head_request || code == 204 || code == 304 || (100..200).contains(&code) {
        Out::default()
    } else if chunked {
        Out::ChunkSize(Vec::new())
    } else {
        match length {
            Some(0) => Out::default(),
            Some(n) => Out::Body(n),
            // Neither a length nor chunks: the body runs to the connection's end.
            None => Out::Lost,
        }
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

/// A request head as the read side noted it.
#[derive(Debug)]
struct Noted {
    /// Its header names as sent, in order.
    names: Vec<String>,
    /// Whether it is a HEAD request (its answer has no body).
    head: bool,
}

/// Follows HTTP/1.1 request framing over a connection's bytes (heads parsed with httparse, bodies
/// skipped by Content-Length or chunked framing) and notes each head.
#[derive(Debug, Default)]
struct Parser {
    state: State,
    buf: Vec<u8>,
}

impl Parser {
    fn feed(&mut self, mut data: &[u8]) -> Vec<Noted> {
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
                                Some((noted, next)) => {
                                    heads.push(noted);
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

/// A complete request head: what is noted of it, and what follows it.
fn parse_head(head: &[u8]) -> Option<(Noted, State)> {
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
    let noted = Noted {
        names,
        head: request.method == Some("HEAD"),
    };
    Some((noted, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(heads: &[Noted]) -> Vec<Vec<&str>> {
        heads
            .iter()
            .map(|h| h.names.iter().map(String::as_str).collect())
            .collect()
    }

    /// What the writer puts on the wire for `stream` written in pieces of `size`, the requests'
    /// HEAD-ness noted first.
    fn written(stream: &[u8], size: usize, asked: &[bool]) -> String {
        let mut r = Respeller {
            asked: asked.iter().copied().collect(),
            ..Respeller::default()
        };
        let mut wire = Vec::new();
        for piece in stream.chunks(size) {
            r.feed(piece, &mut wire);
        }
        String::from_utf8_lossy(&wire).into_owned()
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

    #[test]
    fn response_heads_are_respelled_and_bodies_pass_in_any_split() {
        let stream: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-amzn-requestid: 1\r\ntest-multi: a\r\nx-lambdeck-spelling: GET x-amzn-RequestId tesT-Multi Content-Type\r\ncontent-length: 25\r\n\r\nHTTP/1.1 200 OK\r\nx: y\r\n\r\n\
HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nx-lambdeck-spelling: POST X-Cache\r\nx-cache: Miss\r\n\r\n5\r\nhello\r\n0\r\n\r\n\
HTTP/1.1 200 OK\r\ncontent-length: 9\r\nx-lambdeck-spelling: HEAD Via\r\nvia: 1.1\r\n\r\n\
HTTP/1.1 204 No Content\r\nx-lambdeck-spelling: DELETE Date\r\ndate: today\r\n\r\n";
        let want: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-amzn-RequestId: 1\r\ntesT-Multi: a\r\ncontent-length: 25\r\n\r\nHTTP/1.1 200 OK\r\nx: y\r\n\r\n\
HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nX-Cache: Miss\r\n\r\n5\r\nhello\r\n0\r\n\r\n\
HTTP/1.1 200 OK\r\ncontent-length: 9\r\nVia: 1.1\r\n\r\n\
HTTP/1.1 204 No Content\r\nDate: today\r\n\r\n";
        for size in [1, 2, 3, 7, 13, 50, stream.len()] {
            assert_eq!(
                written(stream, size, &[]),
                String::from_utf8_lossy(want),
                "pieces of {size}"
            );
        }
    }

    #[test]
    fn a_head_the_server_made_itself_stops_the_respelling() {
        // No request was noted for the 400: its framing is not guessed.
        let out = written(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\nx-lambdeck-spelling: GET X\r\nx: 1\r\n\r\n", 1000, &[]);
        // Passed through unchanged, the private header included: nothing is guessed.
        assert!(out.ends_with("x-lambdeck-spelling: GET X\r\nx: 1\r\n\r\n"));
    }

    #[test]
    fn answers_without_a_spelling_pass_as_written_framed_by_their_requests() {
        // A control plane's answers carry no spelling: written byte for byte, the body of a GET
        // answer passed, a HEAD answer's Content-Length not read as a body, the chunks of a third
        // passed; a stage answer after them is still re-spelled.
        let stream: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 29\r\n\r\nHTTP/1.1 200 OK\r\nx-one: 1\r\n\r\n\
HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n\
HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nHTTP\r\n0\r\n\r\n\
HTTP/1.1 204 No Content\r\n\r\n\
HTTP/1.1 200 OK\r\nx-lambdeck-spelling: GET tesT-Multi\r\ntest-multi: a\r\ncontent-length: 2\r\n\r\nok";
        let want = String::from_utf8_lossy(stream).replace(
            "x-lambdeck-spelling: GET tesT-Multi\r\ntest-multi",
            "tesT-Multi",
        );
        let asked = [false, true, false, false, false];
        for size in [1, 2, 5, 13, 64, stream.len()] {
            assert_eq!(written(stream, size, &asked), want, "pieces of {size}");
        }
        // Had the second been a GET, its Content-Length would frame a body: what follows is not
        // taken for a head, so the stage answer's private header is not found (nothing guessed).
        let out = written(stream, stream.len(), &[false, false, false, false, false]);
        assert!(out.contains("x-lambdeck-spelling"), "{out}");
    }

    #[test]
    fn the_read_side_notes_which_requests_are_head_requests() {
        let mut p = Parser::default();
        let heads =
            p.feed(b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            heads.iter().map(|h| h.head).collect::<Vec<_>>(),
            [true, false]
        );
    }
}
