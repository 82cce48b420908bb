//! Lambda's platform lines (START, END, REPORT), in the text log format and in the JSON one
//! (`platform.start`, `platform.runtimeDone`, `platform.report`), and the hello-world request line,
//! parsed.

use serde::Serialize;

use crate::wire::{END_PREFIX, REPORT_PREFIX, START_PREFIX};

/// What a log line is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LineKind {
    /// `START RequestId: <id> Version: <v>`
    Start { version: Option<String> },
    /// `END RequestId: <id>`
    End,
    /// `REPORT RequestId: <id> Duration: ...`
    Report(ReportMetrics),
    /// Anything the function printed.
    Plain,
}

/// The figures of a REPORT line. Durations in milliseconds, memory in MB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMetrics {
    pub duration_ms: f64,
    pub billed_duration_ms: u64,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u32,
    /// Only on an execution environment's first invocation (a cold start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
}

/// A line, classified, with the request id it names (platform lines only).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLine {
    pub kind: LineKind,
    pub request_id: Option<String>,
}

/// Classifies a line. Platform lines that do not parse are kept as plain text rather than guessed at.
pub fn parse_line(message: &str) -> ParsedLine {
    let line = message.trim_end_matches(['\n', '\r']);
    let plain = ParsedLine {
        kind: LineKind::Plain,
        request_id: None,
    };
    if let Some(rest) = line.strip_prefix(START_PREFIX) {
        let mut parts = rest.split_whitespace();
        let Some(id) = parts.next() else {
            return plain;
        };
        let version = match (parts.next(), parts.next()) {
            (Some("Version:"), Some(v)) => Some(v.to_owned()),
            _ => None,
        };
        return ParsedLine {
            kind: LineKind::Start { version },
            request_id: Some(id.to_owned()),
        };
    }
    if let Some(rest) = line.strip_prefix(END_PREFIX) {
        return match rest.split_whitespace().next() {
            Some(id) => ParsedLine {
                kind: LineKind::End,
                request_id: Some(id.to_owned()),
            },
            None => plain,
        };
    }
    if let Some(rest) = line.strip_prefix(REPORT_PREFIX) {
        return parse_report(rest).unwrap_or(plain);
    }
    if line.starts_with('{') {
        return parse_json(line).unwrap_or(plain);
    }
    plain
}

/// A line of a function whose LoggingConfig says `LogFormat: JSON`. Lambda writes its platform events
/// as `{"time": ..., "type": "platform.start", "record": {"requestId": ..., "version": ...}}`, the
/// invocation's end as `platform.runtimeDone`, and its metrics as `platform.report` with
/// `record.metrics` (`durationMs`, `billedDurationMs`, `memorySizeMB`, `maxMemoryUsedMB`, and
/// `initDurationMs` on a cold start). The runtime's own JSON lines name the request at the top level
/// (`requestId`): they stay plain, with that id.
fn parse_json(line: &str) -> Option<ParsedLine> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = |v: &serde_json::Value| v.as_str().map(ToOwned::to_owned);
    let record = &value["record"];
    let request_id = text(&record["requestId"]);
    let kind = match value["type"].as_str() {
        Some("platform.start") => LineKind::Start {
            version: text(&record["version"]),
        },
        Some("platform.runtimeDone") => LineKind::End,
        Some("platform.report") => {
            let m = &record["metrics"];
            let whole = |v: &serde_json::Value| v.as_f64().filter(|n| *n >= 0.0).map(f64::round);
            LineKind::Report(ReportMetrics {
                duration_ms: m["durationMs"].as_f64()?,
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                billed_duration_ms: whole(&m["billedDurationMs"])? as u64,
                memory_size_mb: u32::try_from(m["memorySizeMB"].as_u64()?).ok()?,
                max_memory_used_mb: u32::try_from(m["maxMemoryUsedMB"].as_u64()?).ok()?,
                init_duration_ms: m["initDurationMs"].as_f64(),
            })
        }
        _ => {
            return Some(ParsedLine {
                kind: LineKind::Plain,
                request_id: text(&value["requestId"]),
            });
        }
    };
    Some(ParsedLine {
        kind,
        request_id: Some(request_id?),
    })
}

/// `<id>\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t[Init Duration: 113.51 ms\t]`
fn parse_report(rest: &str) -> Option<ParsedLine> {
    let mut fields = rest.split('\t').map(str::trim).filter(|f| !f.is_empty());
    let id = fields.next()?.to_owned();
    let (mut duration, mut billed, mut size, mut used, mut init) = (None, None, None, None, None);
    for field in fields {
        let Some((name, value)) = field.split_once(": ") else {
            continue;
        };
        let number = value.split_whitespace().next().unwrap_or_default();
        match name {
            "Duration" => duration = number.parse::<f64>().ok(),
            "Billed Duration" => billed = number.parse::<u64>().ok(),
            "Memory Size" => size = number.parse::<u32>().ok(),
            "Max Memory Used" => used = number.parse::<u32>().ok(),
            "Init Duration" => init = number.parse::<f64>().ok(),
            // XRAY TraceId, Restore Duration, Status (on a timeout or crash): not metrics we show.
            _ => {}
        }
    }
    Some(ParsedLine {
        kind: LineKind::Report(ReportMetrics {
            duration_ms: duration?,
            billed_duration_ms: billed?,
            memory_size_mb: size?,
            max_memory_used_mb: used?,
            init_duration_ms: init,
        }),
        request_id: Some(id),
    })
}

/// The API Gateway request id the hello-world function logs (`apigw-request-id=<id>`), which links a
/// ping to its Lambda request on AWS, where the response does not carry the Lambda request id.
pub fn apigw_request_id(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("apigw-request-id=")?;
    let id = rest.split_whitespace().next()?;
    (!id.is_empty() && id != "-").then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as Lambda writes them (tab-separated, REPORT ending in a tab), from a provided.al2023 function.
    const START: &str = "START RequestId: 8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b Version: $LATEST\n";
    const END: &str = "END RequestId: 8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b\n";
    const REPORT_COLD: &str = "REPORT RequestId: 8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b\tDuration: 1.74 ms\tBilled Duration: 46 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB\tInit Duration: 43.62 ms\t\n";
    const REPORT_WARM: &str = "REPORT RequestId: 0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t\n";
    const REPORT_XRAY: &str = "REPORT RequestId: 0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f\tDuration: 2.01 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB\tMax Memory Used: 20 MB\t\nXRAY TraceId: 1-5e9f-abc\tSegmentId: 0a1b\tSampled: true\t\n";
    const REPORT_TIMEOUT: &str = "REPORT RequestId: 11111111-2222-4333-8444-555555555555\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 19 MB\tStatus: timeout\n";

    #[test]
    fn start_and_end_carry_the_request_id() {
        let start = parse_line(START);
        assert_eq!(
            start.request_id.as_deref(),
            Some("8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b")
        );
        assert_eq!(
            start.kind,
            LineKind::Start {
                version: Some("$LATEST".into())
            }
        );
        let end = parse_line(END);
        assert_eq!(end.kind, LineKind::End);
        assert_eq!(end.request_id, start.request_id);
    }

    #[test]
    fn report_of_a_cold_start_has_init_duration() {
        let p = parse_line(REPORT_COLD);
        assert_eq!(
            p.request_id.as_deref(),
            Some("8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b")
        );
        assert_eq!(
            p.kind,
            LineKind::Report(ReportMetrics {
                duration_ms: 1.74,
                billed_duration_ms: 46,
                memory_size_mb: 128,
                max_memory_used_mb: 17,
                init_duration_ms: Some(43.62),
            })
        );
    }

    #[test]
    fn report_of_a_warm_invocation_has_none() {
        let LineKind::Report(m) = parse_line(REPORT_WARM).kind else {
            panic!("a REPORT line");
        };
        assert_eq!(m.duration_ms, 26.73);
        assert_eq!(m.billed_duration_ms, 27);
        assert_eq!(m.max_memory_used_mb, 75);
        assert_eq!(m.init_duration_ms, None);
    }

    #[test]
    fn report_with_trailing_xray_or_status_fields_still_parses() {
        let LineKind::Report(m) = parse_line(REPORT_XRAY).kind else {
            panic!("a REPORT line");
        };
        assert_eq!(m.memory_size_mb, 1024);
        assert_eq!(m.billed_duration_ms, 3);
        let LineKind::Report(m) = parse_line(REPORT_TIMEOUT).kind else {
            panic!("a REPORT line");
        };
        assert_eq!(m.duration_ms, 3000.0);
    }

    // Lines as Lambda writes them with LogFormat JSON (system log level INFO).
    const JSON_START: &str = r#"{"time":"2026-11-26T22:10:01.125Z","type":"platform.start","record":{"requestId":"6f7f0961-7c4f-4b0b-9a3c-1f2e3d4c5b6a","version":"$LATEST"}}"#;
    const JSON_DONE: &str = r#"{"time":"2026-11-26T22:10:01.130Z","type":"platform.runtimeDone","record":{"requestId":"6f7f0961-7c4f-4b0b-9a3c-1f2e3d4c5b6a","status":"success","metrics":{"durationMs":4.2,"producedBytes":52}}}"#;
    const JSON_REPORT: &str = r#"{"time":"2026-11-26T22:10:01.131Z","type":"platform.report","record":{"requestId":"6f7f0961-7c4f-4b0b-9a3c-1f2e3d4c5b6a","metrics":{"durationMs":4.71,"billedDurationMs":5,"memorySizeMB":128,"maxMemoryUsedMB":19,"initDurationMs":41.3},"status":"success"}}"#;
    const JSON_APP: &str = r#"{"timestamp":"2026-11-26T22:10:01.127Z","level":"INFO","requestId":"6f7f0961-7c4f-4b0b-9a3c-1f2e3d4c5b6a","message":"hello"}"#;

    #[test]
    fn json_platform_events_parse_as_start_end_and_report() {
        let id = Some("6f7f0961-7c4f-4b0b-9a3c-1f2e3d4c5b6a".to_owned());
        let start = parse_line(JSON_START);
        assert_eq!(
            start.kind,
            LineKind::Start {
                version: Some("$LATEST".into())
            }
        );
        assert_eq!(start.request_id, id);
        let done = parse_line(JSON_DONE);
        assert_eq!((done.kind, done.request_id), (LineKind::End, id.clone()));
        let report = parse_line(JSON_REPORT);
        assert_eq!(report.request_id, id);
        assert_eq!(
            report.kind,
            LineKind::Report(ReportMetrics {
                duration_ms: 4.71,
                billed_duration_ms: 5,
                memory_size_mb: 128,
                max_memory_used_mb: 19,
                init_duration_ms: Some(41.3),
            })
        );
        // The function's own JSON line is plain text that names its request.
        let app = parse_line(JSON_APP);
        assert_eq!((app.kind, app.request_id), (LineKind::Plain, id));
    }

    #[test]
    fn json_that_is_not_a_whole_platform_event_stays_plain() {
        for line in [
            r#"{"type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1.0}}}"#,
            r#"{"type":"platform.start","record":{}}"#,
            r#"{"not json"#,
            r#"{"message":"a JSON line of the function's own"}"#,
        ] {
            let p = parse_line(line);
            assert_eq!((p.kind, p.request_id), (LineKind::Plain, None), "{line}");
        }
    }

    #[test]
    fn truncated_platform_lines_stay_plain() {
        assert_eq!(
            parse_line("REPORT RequestId: abc\tDuration: 1 ms").kind,
            LineKind::Plain
        );
        assert_eq!(parse_line("START RequestId: ").kind, LineKind::Plain);
        assert_eq!(parse_line("hello START RequestId: x").kind, LineKind::Plain);
    }

    #[test]
    fn the_hello_world_line_names_the_api_gateway_request() {
        assert_eq!(
            apigw_request_id(
                "GET /hello_world apigw-request-id=c6af9ac6-7b61-11e6-9a41-93e8deadbeef\n"
            ),
            Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
        );
        assert_eq!(apigw_request_id("GET / apigw-request-id=-"), None);
        assert_eq!(apigw_request_id("nothing here"), None);
    }
}
