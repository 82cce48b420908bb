//! API Gateway's execution log for one request, as TestInvokeMethod returns it: a header line, then
//! one time-stamped line per step (`Endpoint request URI: ...`, `Received response. Status: ...`).
//! Stage traffic runs without one; the integrations write to it when there is one.

use std::fmt::Write as _;
use std::sync::Mutex;

/// The execution log being written.
#[derive(Debug)]
pub struct ExecutionLog {
    text: Mutex<String>,
}

impl ExecutionLog {
    pub fn new(request_id: &str) -> Self {
        Self {
            text: Mutex::new(format!("Execution log for request {request_id}\n")),
        }
    }

    /// Appends one step, time-stamped as API Gateway stamps them (`Fri Nov 27 07:10:44 UTC 2026`).
    pub fn line(&self, text: impl AsRef<str>) {
        let now = chrono::Utc::now().format("%a %b %d %H:%M:%S UTC %Y");
        let mut t = crate::local::common::lock(&self.text);
        let _ = writeln!(t, "{now} : {}", text.as_ref());
    }

    pub fn text(&self) -> String {
        crate::local::common::lock(&self.text).clone()
    }
}

/// A map as API Gateway's execution log prints it (Java's `{a=1, b=2}`).
pub fn java_map<K: AsRef<str>, V: AsRef<str>>(items: impl Iterator<Item = (K, V)>) -> String {
    let inner: Vec<String> = items
        .map(|(k, v)| format!("{}={}", k.as_ref(), v.as_ref()))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn log_maps_print_as_api_gateway_prints_them() {
        let m = BTreeMap::from([("a".to_owned(), "1".to_owned()), ("b".into(), "2".into())]);
        assert_eq!(java_map(m.iter()), "{a=1, b=2}");
        assert_eq!(java_map(BTreeMap::<String, String>::new().iter()), "{}");
    }

    #[test]
    fn lines_follow_the_header_each_time_stamped() {
        let log = ExecutionLog::new("r1");
        log.line("Starting execution for request: r1");
        let text = log.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Execution log for request r1");
        assert!(lines[1].contains(" UTC "));
        assert!(lines[1].ends_with(" : Starting execution for request: r1"));
    }
}
