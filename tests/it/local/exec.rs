//! The execution engine driven directly: the real hello-world binary and small bash runtimes against
//! `Executor`, with an in-memory log sink.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lambdeck::local::exec::{ExecLimits, Executor, FunctionCode, Invocation, LogSink, Outcome};

use crate::support::{hello_world_zip, script_zip};

/// Every event put, in order: (group, stream, message).
struct MemorySink {
    events: Mutex<Vec<(String, String, String)>>,
    /// Bumped on every put, so a test can wait for a line without polling.
    puts: tokio::sync::watch::Sender<u64>,
}

impl Default for MemorySink {
    fn default() -> Self {
        Self {
            events: Mutex::default(),
            puts: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl LogSink for MemorySink {
    fn put(&self, _region: &str, group: &str, stream: &str, events: Vec<(i64, String)>) {
        let mut all = self.events.lock().unwrap();
        for (_, message) in events {
            all.push((group.to_owned(), stream.to_owned(), message));
        }
        drop(all);
        self.puts.send_modify(|n| *n += 1);
    }
}

impl MemorySink {
    /// Waits until some line satisfies `f`.
    async fn wait_for_line(&self, f: impl Fn(&str) -> bool) {
        let mut rx = self.puts.subscribe();
        let _ = rx
            .wait_for(|_| self.events.lock().unwrap().iter().any(|(_, _, m)| f(m)))
            .await;
    }

    fn all_messages(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, m)| m.clone())
            .collect()
    }

    /// The stream holding a request's START line.
    fn stream_of(&self, request_id: &str) -> String {
        let start = format!("START RequestId: {request_id} Version: $LATEST");
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|(_, _, m)| *m == start)
            .map(|(_, s, _)| s.clone())
            .unwrap_or_else(|| panic!("no START for {request_id}"))
    }

    fn messages(&self, stream: &str) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s, _)| s == stream)
            .map(|(_, _, m)| m.clone())
            .collect()
    }

    fn groups(&self) -> Vec<String> {
        let mut g: Vec<String> = self
            .events
            .lock()
            .unwrap()
            .iter()
            .map(|(g, _, _)| g.clone())
            .collect();
        g.dedup();
        g
    }
}

fn setup() -> (Arc<MemorySink>, Executor) {
    let sink = Arc::new(MemorySink::default());
    let executor = Executor::new(sink.clone());
    (sink, executor)
}

fn function(name: &str, zip: Vec<u8>, timeout_secs: u32) -> FunctionCode {
    FunctionCode {
        name: name.to_owned(),
        runtime: None,
        arn: format!("arn:aws:lambda:us-east-1:000000000000:function:{name}"),
        version: "$LATEST".into(),
        revision: "rev-1".to_owned(),
        zip: Arc::new(zip),
        handler: "bootstrap".to_owned(),
        memory_mb: 128,
        timeout_secs,
        environment: BTreeMap::new(),
        region: "us-east-1".to_owned(),
        logging: Default::default(),
    }
}

/// A REST API proxy event for GET /hello_world on stage tf-test.
fn proxy_event(request_id: &str) -> Bytes {
    Bytes::from(
        serde_json::json!({
            "resource": "/hello_world",
            "path": "/hello_world",
            "httpMethod": "GET",
            "headers": {"Accept": "*/*"},
            "multiValueHeaders": {"Accept": ["*/*"]},
            "queryStringParameters": null,
            "multiValueQueryStringParameters": null,
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": {
                "resourceId": "x1y2z3",
                "resourcePath": "/hello_world",
                "httpMethod": "GET",
                "requestTime": "24/Nov/2026:10:00:00 +0000",
                "path": "/tf-test/hello_world",
                "accountId": "000000000000",
                "protocol": "HTTP/1.1",
                "stage": "tf-test",
                "domainPrefix": "abc123defg",
                "requestTimeEpoch": 1795514400000i64,
                "requestId": request_id,
                "identity": {"sourceIp": "127.0.0.1", "userAgent": "test"},
                "domainName": "abc123defg.execute-api.localhost",
                "apiId": "abc123defg"
            },
            "body": null,
            "isBase64Encoded": false
        })
        .to_string(),
    )
}

/// A bash runtime speaking the Runtime API over /dev/tcp: `next` sets $id and $body, `post PATH BODY`.
const RUNTIME_CLIENT: &str = r#"#!/bin/bash
shopt -s nocasematch
exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:}
next() {
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: rt\r\n\r\n' >&3
  local line len=0
  id=; body=
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case "$line" in
      lambda-runtime-aws-request-id:*) id=${line#*: } ;;
      content-length:*) len=${line#*: } ;;
    esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" body <&3; fi
}
post() {
  printf 'POST %s HTTP/1.1\r\nHost: rt\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$1" "${#2}" "$2" >&3
  local line len=0 rest
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case "$line" in content-length:*) len=${line#*: } ;; esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" rest <&3; fi
}
"#;

fn bash_runtime(body: &str) -> Vec<u8> {
    script_zip(&format!("{RUNTIME_CLIENT}{body}"))
}

fn report_of(tail: &str) -> &str {
    tail.lines()
        .find(|l| l.starts_with("REPORT RequestId: "))
        .unwrap_or_else(|| panic!("no REPORT in {tail}"))
}

fn response_body(inv: &Invocation) -> serde_json::Value {
    match &inv.outcome {
        Outcome::Response(b) => serde_json::from_slice(b).unwrap(),
        other => panic!("expected a response, got {other:?}; log:\n{}", inv.log_tail),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_world_runs_warm_with_platform_lines() {
    let (sink, executor) = setup();
    let f = function("hello", hello_world_zip(), 10);

    let first = executor.invoke(&f, proxy_event("apigw-1")).await;
    let body = response_body(&first);
    assert_eq!(body["statusCode"], 200);
    assert_eq!(body["body"], "\"Hello from Lambda!\"");
    let report = report_of(&first.log_tail);
    assert!(report.contains("\tInit Duration: "), "{report}");
    assert!(report.contains("\tMemory Size: 128 MB\t"), "{report}");
    let used: u64 = report
        .split("Max Memory Used: ")
        .nth(1)
        .and_then(|r| r.split(" MB").next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(used > 0, "{report}");

    let second = executor.invoke(&f, proxy_event("apigw-2")).await;
    response_body(&second);
    let report = report_of(&second.log_tail);
    assert!(!report.contains("Init Duration"), "{report}");
    assert_ne!(first.request_id, second.request_id);

    // One environment, one stream, everything in order.
    let stream = sink.stream_of(&first.request_id);
    assert_eq!(stream, sink.stream_of(&second.request_id));
    assert_eq!(executor.environments("hello"), 1);
    let (date, hex) = stream.split_once("/[$LATEST]").unwrap();
    assert_eq!(date, chrono::Utc::now().format("%Y/%m/%d").to_string());
    assert_eq!(hex.len(), 32);
    assert_eq!(sink.groups(), vec!["/aws/lambda/hello".to_owned()]);
    let lines = sink.messages(&stream);
    let id = &second.request_id;
    let tail_of_second: Vec<&String> = lines
        .iter()
        .skip_while(|m| **m != format!("START RequestId: {id} Version: $LATEST"))
        .collect();
    assert_eq!(tail_of_second.len(), 4, "{lines:#?}");
    assert_eq!(
        tail_of_second[1],
        "GET /hello_world apigw-request-id=apigw-2"
    );
    assert_eq!(*tail_of_second[2], format!("END RequestId: {id}"));
    assert!(tail_of_second[3].starts_with(&format!("REPORT RequestId: {id}\tDuration: ")));
    assert!(tail_of_second[3].ends_with(" MB\t"));

    // The tail is the invocation's own lines only.
    assert!(
        second
            .log_tail
            .starts_with(&format!("START RequestId: {id}"))
    );
    assert!(second.log_tail.contains("apigw-request-id=apigw-2"));
    assert!(!second.log_tail.contains("apigw-1"));
    executor.shutdown().await;
    assert_eq!(executor.environments("hello"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_gets_the_lambda_environment_and_nothing_else() {
    let (sink, executor) = setup();
    let mut f = function(
        "envcheck",
        bash_runtime(
            "while true; do next; env | sort; post /2018-06-01/runtime/invocation/$id/response '{\"ok\":true}'; done\n",
        ),
        10,
    );
    f.environment.insert("MY_SETTING".into(), "42".into());
    // Reserved names cannot be overridden by the function's own variables.
    f.environment.insert("AWS_REGION".into(), "mars-1".into());
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert_eq!(response_body(&inv), serde_json::json!({"ok": true}));
    let stream = sink.stream_of(&inv.request_id);
    let env: BTreeMap<String, String> = sink
        .messages(&stream)
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert!(env["AWS_LAMBDA_RUNTIME_API"].starts_with("127.0.0.1:"));
    assert_eq!(env["_HANDLER"], "bootstrap");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "envcheck");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/envcheck");
    assert_eq!(env["AWS_LAMBDA_LOG_STREAM_NAME"], stream);
    assert_eq!(env["TZ"], ":UTC");
    assert_eq!(env["LANG"], "en_US.UTF-8");
    assert!(env["PATH"].contains("/usr/bin"));
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "test");
    assert_eq!(env["AWS_SECRET_ACCESS_KEY"], "test");
    assert_eq!(env["MY_SETTING"], "42");
    let root = std::path::Path::new(&env["LAMBDA_TASK_ROOT"]);
    assert!(root.join("bootstrap").exists());
    assert_eq!(env["PWD"], env["LAMBDA_TASK_ROOT"]);
    assert!(env.contains_key("LAMBDA_RUNTIME_DIR"));
    // The host's environment does not leak in.
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"));
    assert!(!env.contains_key("HOME"));

    // The task root is private, and shutdown removes it.
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(root).unwrap().mode() & 0o777, 0o700);
    executor.shutdown().await;
    assert!(!root.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_requests_start_a_second_environment() {
    let (sink, executor) = setup();
    let barrier = tempfile::tempdir().unwrap();
    // Each invocation waits until two are in flight: it can only finish if two environments run at once.
    let mut f = function(
        "overlap",
        bash_runtime(
            r#"while true; do
  next
  touch "$BARRIER/$$"
  while [ "$(ls "$BARRIER" | wc -l)" -lt 2 ]; do sleep 0.01; done
  post /2018-06-01/runtime/invocation/$id/response "{\"pid\":$$}"
done
"#,
        ),
        20,
    );
    f.environment
        .insert("BARRIER".into(), barrier.path().display().to_string());
    let (a, b) = tokio::join!(
        executor.invoke(&f, Bytes::from_static(b"{}")),
        executor.invoke(&f, Bytes::from_static(b"{}"))
    );
    let (pa, pb) = (
        response_body(&a)["pid"].clone(),
        response_body(&b)["pid"].clone(),
    );
    assert_ne!(pa, pb);
    assert_ne!(sink.stream_of(&a.request_id), sink.stream_of(&b.request_id));
    assert!(report_of(&a.log_tail).contains("Init Duration"));
    assert!(report_of(&b.log_tail).contains("Init Duration"));
    assert_eq!(executor.environments("overlap"), 2);

    // Both stay warm: the next request reuses one of them.
    let c = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    let pc = response_body(&c)["pid"].clone();
    assert!(pc == pa || pc == pb);
    assert!(!report_of(&c.log_tail).contains("Init Duration"));
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_requests_beyond_the_cap_wait_for_a_free_environment() {
    let sink = Arc::new(MemorySink::default());
    let limits = ExecLimits {
        max_environments: 2,
        ..ExecLimits::default()
    };
    let executor = Executor::with_limits(sink.clone(), limits);
    let barrier = tempfile::tempdir().unwrap();
    // Each invocation waits until two environments have been busy: two can run at once, and the third
    // request must wait for one of them rather than start a third environment.
    let mut f = function(
        "capped",
        bash_runtime(
            r#"while true; do
  next
  touch "$BARRIER/$$"
  while [ "$(ls "$BARRIER" | wc -l)" -lt 2 ]; do sleep 0.01; done
  post /2018-06-01/runtime/invocation/$id/response "{\"pid\":$$}"
done
"#,
        ),
        20,
    );
    f.environment
        .insert("BARRIER".into(), barrier.path().display().to_string());
    let (a, b, c) = tokio::join!(
        executor.invoke(&f, Bytes::from_static(b"{}")),
        executor.invoke(&f, Bytes::from_static(b"{}")),
        executor.invoke(&f, Bytes::from_static(b"{}"))
    );
    let mut pids: Vec<u64> = [&a, &b, &c]
        .iter()
        .map(|inv| response_body(inv)["pid"].as_u64().unwrap())
        .collect();
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 2, "three requests, two environments: {pids:?}");
    let cold = [&a, &b, &c]
        .iter()
        .filter(|inv| report_of(&inv.log_tail).contains("Init Duration"))
        .count();
    assert_eq!(cold, 2);
    assert_eq!(executor.environments("capped"), 2);
    assert_eq!(std::fs::read_dir(barrier.path()).unwrap().count(), 2);
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_environment() {
    let (sink, executor) = setup();
    let f = function(
        "sleepy",
        bash_runtime("next\necho \"pid $$\"\nexec sleep 600\n"),
        1,
    );
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(matches!(inv.outcome, Outcome::Timeout), "{:?}", inv.outcome);
    let lines = sink.messages(&sink.stream_of(&inv.request_id));
    let pid = lines
        .iter()
        .find_map(|l| l.strip_prefix("pid "))
        .unwrap_or_else(|| panic!("{lines:#?}"))
        .to_owned();
    let timed_out = format!("{} Task timed out after 1.00 seconds", inv.request_id);
    assert!(lines.iter().any(|l| l.ends_with(&timed_out)), "{lines:#?}");
    assert!(inv.log_tail.contains(&timed_out));
    assert!(
        inv.log_tail
            .contains(&format!("END RequestId: {}", inv.request_id))
    );
    // The REPORT line ends with the status, as Lambda writes it for a timeout.
    let report = report_of(&inv.log_tail);
    assert!(report.ends_with(" ms\tStatus: timeout"), "{report}");
    // The process is gone (killed and reaped) by the time the invocation returns.
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert_eq!(executor.environments("sleepy"), 0);

    // The next request gets a new environment.
    let again = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(matches!(again.outcome, Outcome::Timeout));
    assert!(report_of(&again.log_tail).contains("Init Duration"));
    assert_ne!(
        sink.stream_of(&again.request_id),
        sink.stream_of(&inv.request_id)
    );
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_bootstrap_is_logged_and_replaced() {
    let (sink, executor) = setup();
    let f = function(
        "crash",
        script_zip("#!/bin/sh\necho about to fail\nexit 3\n"),
        10,
    );
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    match &inv.outcome {
        Outcome::Crashed(reason) => {
            assert_eq!(reason, "Runtime exited with error: exit status 3")
        }
        other => panic!("expected a crash, got {other:?}"),
    }
    let stream = sink.stream_of(&inv.request_id);
    let lines = sink.messages(&stream);
    let id = &inv.request_id;
    assert!(lines.contains(&"about to fail".to_owned()), "{lines:#?}");
    assert!(
        lines.contains(&format!(
            "RequestId: {id} Error: Runtime exited with error: exit status 3"
        )),
        "{lines:#?}"
    );
    assert!(lines.contains(&"Runtime.ExitError".to_owned()));
    assert!(lines.contains(&format!("END RequestId: {id}")));
    assert!(report_of(&inv.log_tail).contains("Init Duration"));
    assert_eq!(executor.environments("crash"), 0);

    // Replaced next time: a fresh environment and stream.
    let again = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(matches!(again.outcome, Outcome::Crashed(_)));
    assert_ne!(sink.stream_of(&again.request_id), stream);
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_invocation_fails_it() {
    let (_sink, executor) = setup();
    let f = function("midcrash", bash_runtime("next\necho dying\nexit 7\n"), 10);
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(
        matches!(&inv.outcome, Outcome::Crashed(r) if r == "Runtime exited with error: exit status 7"),
        "{:?}",
        inv.outcome
    );
    assert!(inv.log_tail.contains("dying\n"), "{}", inv.log_tail);
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_error_is_a_function_error_and_the_environment_stays_warm() {
    let (sink, executor) = setup();
    let f = function(
        "failing",
        bash_runtime(
            "while true; do next; echo \"failing $id\"; post /2018-06-01/runtime/invocation/$id/error '{\"errorMessage\":\"boom\",\"errorType\":\"Boom\"}'; done\n",
        ),
        10,
    );
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    match &inv.outcome {
        Outcome::FunctionError(body) => {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(
                v,
                serde_json::json!({"errorMessage": "boom", "errorType": "Boom"})
            );
        }
        other => panic!("expected a function error, got {other:?}"),
    }
    assert!(
        inv.log_tail
            .contains(&format!("failing {}", inv.request_id))
    );
    let again = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(matches!(again.outcome, Outcome::FunctionError(_)));
    assert!(!report_of(&again.log_tail).contains("Init Duration"));
    assert_eq!(
        sink.stream_of(&again.request_id),
        sink.stream_of(&inv.request_id)
    );
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_init_error_is_the_runtimes_error_document_and_ends_the_environment() {
    let (_sink, executor) = setup();
    let f = function(
        "badinit",
        bash_runtime(
            "post /2018-06-01/runtime/init/error '{\"errorMessage\":\"missing config\",\"errorType\":\"ConfigError\"}'\nexec sleep 600\n",
        ),
        10,
    );
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    match &inv.outcome {
        Outcome::FunctionError(document) => assert_eq!(
            document.as_ref(),
            br#"{"errorMessage":"missing config","errorType":"ConfigError"}"#
        ),
        other => panic!("expected the runtime's error document, got {other:?}"),
    }
    assert!(
        inv.log_tail.contains("Runtime.InitError"),
        "{}",
        inv.log_tail
    );
    assert_eq!(executor.environments("badinit"), 0);
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_without_bootstrap_cannot_start() {
    let (_sink, executor) = setup();
    let f = function(
        "nobootstrap",
        crate::support::zip_of(&[("index.js", 0o644, b"x")]),
        10,
    );
    let inv = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert!(
        matches!(&inv.outcome, Outcome::Crashed(r) if r.starts_with("Couldn't find valid bootstrap")),
        "{:?}",
        inv.outcome
    );
    assert!(inv.log_tail.contains("Runtime.InvalidEntrypoint"));
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_retires_the_old_environments() {
    let (sink, executor) = setup();
    let script = "while true; do next; post /2018-06-01/runtime/invocation/$id/response \"{\\\"pid\\\":$$}\"; done\n";
    let mut f = function("revised", bash_runtime(script), 10);
    let first = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    let pid = response_body(&first)["pid"].as_u64().unwrap();
    f.revision = "rev-2".into();
    let second = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert_ne!(response_body(&second)["pid"].as_u64().unwrap(), pid);
    assert!(report_of(&second.log_tail).contains("Init Duration"));
    assert_ne!(
        sink.stream_of(&first.request_id),
        sink.stream_of(&second.request_id)
    );
    assert_eq!(executor.environments("revised"), 1);
    executor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_goes_away_does_not_cost_the_warm_environment() {
    let sink = Arc::new(MemorySink::default());
    let limits = ExecLimits {
        max_environments: 1,
        ..ExecLimits::default()
    };
    let executor = Executor::with_limits(sink.clone(), limits);
    let gate = tempfile::tempdir().unwrap();
    let mut f = function(
        "abandoned",
        bash_runtime(
            r#"while true; do
  next
  echo "got $id"
  while [ ! -e "$GATE/open" ]; do sleep 0.01; done
  post /2018-06-01/runtime/invocation/$id/response '{"ok":true}'
done
"#,
        ),
        30,
    );
    f.environment
        .insert("GATE".into(), gate.path().display().to_string());
    {
        let first = executor.invoke(&f, Bytes::from_static(b"{}"));
        tokio::select! {
            inv = first => panic!("finished before the gate opened: {inv:?}"),
            () = sink.wait_for_line(|m| m.starts_with("got ")) => {}
        }
        // The first caller's future is dropped here, mid-invocation.
    }
    std::fs::write(gate.path().join("open"), b"").unwrap();
    // With one environment allowed, this waits for the abandoned invocation to finish, then reuses it.
    let second = executor.invoke(&f, Bytes::from_static(b"{}")).await;
    assert_eq!(response_body(&second), serde_json::json!({"ok": true}));
    assert!(!report_of(&second.log_tail).contains("Init Duration"));
    let all = sink.all_messages();
    assert_eq!(
        all.iter()
            .filter(|m| m.starts_with("END RequestId: "))
            .count(),
        2,
        "{all:#?}"
    );
    assert_eq!(executor.environments("abandoned"), 1);
    executor.shutdown().await;
}
