//! A bounded ring of log events for a view: the newest `capacity` kept, the evicted ones counted.

use std::collections::VecDeque;

use super::LogEvent;

/// Keeps at most `capacity` events; pushing past it drops the oldest and counts them.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    capacity: usize,
    events: VecDeque<LogEvent>,
    dropped: u64,
}

/// The default number of events a view keeps.
pub const DEFAULT_CAPACITY: usize = 10_000;

impl LogBuffer {
    /// A buffer of `capacity` events (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            // Grows on demand: a large capacity costs nothing until it is used.
            events: VecDeque::with_capacity(capacity.min(1024)),
            dropped: 0,
        }
    }

    pub fn push(&mut self, event: LogEvent) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }

    pub fn extend(&mut self, events: impl IntoIterator<Item = LogEvent>) {
        for e in events {
            self.push(e);
        }
    }

    /// Events evicted so far to keep the bound.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEvent> + ExactSizeIterator {
        self.events.iter()
    }

    pub fn clear(&mut self) {
        self.events.clear();
    }
}

impl Default for LogBuffer {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}
