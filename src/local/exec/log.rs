//! An execution environment's log stream: platform lines and the process's output, in order, written
//! to CloudWatch Logs.

use super::*;
use crate::wire::START_PREFIX;

/// Collects an environment's log lines (platform lines and the process's stdout/stderr) in order and
/// writes them to its stream.
pub(super) struct EnvLog {
    pub(super) sink: Arc<dyn LogSink>,
    /// The function's region: its log group is that region's.
    pub(super) region: String,
    pub(super) group: String,
    pub(super) stream: String,
    pub(super) logging: LogSettings,
    pub(super) state: Mutex<LogState>,
}

#[derive(Default)]
pub(super) struct LogState {
    pub(super) pipes: Vec<Pipe>,
    pub(super) pending: Vec<(i64, String)>,
    /// The current invocation's lines, for its log tail.
    pub(super) tail: String,
    /// What the process's lines are filtered by (JSON log levels).
    pub(super) logging: LogSettings,
}

pub(super) struct Pipe {
    /// A duplicate of the watched descriptor, read directly (non-blocking) to drain it on demand.
    pub(super) raw: File,
    pub(super) partial: Vec<u8>,
    pub(super) open: bool,
}

impl EnvLog {
    pub(super) fn new(
        sink: Arc<dyn LogSink>,
        region: String,
        group: String,
        stream: String,
        logging: LogSettings,
    ) -> Self {
        let state = Mutex::new(LogState {
            logging: logging.clone(),
            ..LogState::default()
        });
        Self {
            sink,
            region,
            group,
            stream,
            logging,
            state,
        }
    }

    pub(super) fn attach(&self, files: Vec<File>) {
        lock(&self.state).pipes = files
            .into_iter()
            .map(|raw| Pipe {
                raw,
                partial: Vec::new(),
                open: true,
            })
            .collect();
    }

    /// Starts an invocation: its START line, and a fresh tail.
    pub(super) fn begin(&self, request_id: &str, version: &str) {
        let mut st = lock(&self.state);
        st.tail.clear();
        if !self.logging.json {
            st.push(format!("{START_PREFIX}{request_id} Version: {version}"));
        } else if self.logging.platform_info() {
            st.push(platform_record(
                "platform.start",
                serde_json::json!({"requestId": request_id, "version": version}),
            ));
        }
    }

    /// Ends an invocation: everything the process wrote so far, then `lines`; returns the tail.
    pub(super) fn finish(&self, lines: Vec<String>) -> String {
        let mut st = lock(&self.state);
        // The process wrote its output before answering, so it is in the pipes now: read it before
        // END so the stream is in order and the tail is complete.
        st.drain_all();
        for line in lines {
            st.push(line);
        }
        self.flush(&mut st);
        let tail = last_bytes(&st.tail, TAIL_BYTES).to_owned();
        st.tail.clear();
        tail
    }

    pub(super) fn flush(&self, st: &mut LogState) {
        if !st.pending.is_empty() {
            let events = std::mem::take(&mut st.pending);
            self.sink
                .put(&self.region, &self.group, &self.stream, events);
        }
    }
}

impl LogState {
    pub(super) fn push(&mut self, message: String) {
        self.tail.push_str(&message);
        self.tail.push('\n');
        if self.tail.len() > 4 * TAIL_BYTES {
            let keep = last_bytes(&self.tail, TAIL_BYTES).to_owned();
            self.tail = keep;
        }
        self.pending.push((epoch_ms(), message));
    }

    /// Reads whatever each pipe holds right now, without waiting.
    pub(super) fn drain_all(&mut self) {
        for i in 0..self.pipes.len() {
            self.drain(i);
        }
    }

    /// Reads pipe `i` until it would block (or ends), turning complete lines into events.
    pub(super) fn drain(&mut self, i: usize) {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let Some(pipe) = self.pipes.get(i) else {
                return;
            };
            let read = (&pipe.raw).read(&mut buf);
            match read {
                Ok(0) => return self.feed(i, &[], true),
                Ok(n) => self.feed_raw(i, &buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => return self.feed(i, &[], true),
            }
            if !self.pipes[i].open {
                return;
            }
        }
    }

    pub(super) fn feed_raw(&mut self, i: usize, bytes: &[u8]) {
        self.feed(i, bytes, false);
    }

    /// Appends bytes read from pipe `i`; at its end, the unterminated rest is a line too.
    pub(super) fn feed(&mut self, i: usize, bytes: &[u8], end: bool) {
        let mut lines = Vec::new();
        {
            let Some(pipe) = self.pipes.get_mut(i) else {
                return;
            };
            if !pipe.open {
                return;
            }
            pipe.partial.extend_from_slice(bytes);
            while let Some(pos) = pipe.partial.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = pipe.partial.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                lines.push(String::from_utf8_lossy(&line).into_owned());
            }
            while pipe.partial.len() >= MAX_LINE_BYTES {
                let chunk: Vec<u8> = pipe.partial.drain(..MAX_LINE_BYTES).collect();
                lines.push(String::from_utf8_lossy(&chunk).into_owned());
            }
            if end {
                pipe.open = false;
                if !pipe.partial.is_empty() {
                    lines.push(String::from_utf8_lossy(&pipe.partial).into_owned());
                    pipe.partial.clear();
                }
            }
        }
        for line in lines {
            if self.logging.keeps_application_line(&line) {
                self.push(line);
            }
        }
    }
}

/// The last `n` bytes of `s`, starting on a character boundary.
pub(super) fn last_bytes(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Streams the process's output to the log as it is written, between and during invocations.
pub(super) async fn read_output(log: Arc<EnvLog>, pipes: Vec<pipe::Receiver>) {
    let mut open: Vec<bool> = vec![true; pipes.len()];
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if !open.iter().any(|o| *o) {
            return;
        }
        let (ready, _, _) = futures::future::select_all(
            pipes
                .iter()
                .enumerate()
                .filter(|(i, _)| open[*i])
                .map(|(i, rx)| Box::pin(async move { (i, rx.readable().await) })),
        )
        .await;
        let (i, ready) = ready;
        if ready.is_err() {
            open[i] = false;
            continue;
        }
        let mut st = lock(&log.state);
        st.drain(i);
        // Reading through the watched receiver until it would block is what clears its readiness.
        loop {
            match pipes[i].try_read(&mut buf) {
                Ok(0) => {
                    st.feed(i, &[], true);
                    break;
                }
                Ok(n) => st.feed_raw(i, &buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    st.feed(i, &[], true);
                    break;
                }
            }
        }
        open[i] = st.pipes.get(i).is_some_and(|p| p.open);
        log.flush(&mut st);
    }
}
