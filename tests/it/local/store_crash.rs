//! The store's crash safety: the real `lambdeck local` binary is killed (SIGKILL) in the middle of a
//! write storm, restarted on the same state directory, and every answered write must be there, with
//! nothing torn or out of order.

use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;

const WRITERS: usize = 4;
const GROUP: &str = "/storm";

/// Starts `lambdeck local` on a free port with `dir` as its state directory; returns it and its URL.
fn start(dir: &std::path::Path) -> (Child, String) {
    super::spawn_local(&[std::ffi::OsStr::new("--state-dir"), dir.as_os_str()])
}

async fn clients(url: &str) -> (aws_sdk_cloudwatchlogs::Client, aws_sdk_apigateway::Client) {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    (
        aws_sdk_cloudwatchlogs::Client::new(&config),
        aws_sdk_apigateway::Client::new(&config),
    )
}

/// The first event's time: the test's start (CloudWatch refuses events over 14 days old).
static T0: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
});

fn event(n: usize) -> aws_sdk_cloudwatchlogs::types::InputLogEvent {
    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
        .timestamp(*T0 + n as i64)
        .message(format!("{n}"))
        .build()
        .expect("an event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_write_storm_loses_no_answered_write() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start(dir.path());
    let (logs, apigw) = clients(&url).await;
    logs.create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    for w in 0..WRITERS {
        logs.create_log_stream()
            .log_group_name(GROUP)
            .log_stream_name(format!("w{w}"))
            .send()
            .await
            .unwrap();
    }
    let answered = Arc::new(AtomicUsize::new(0));
    // Log writers: each appends 0, 1, 2, ... to its own stream, one event per request, and records how
    // many were answered.
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let logs = logs.clone();
        let answered = answered.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = 0;
            loop {
                let put = logs
                    .put_log_events()
                    .log_group_name(GROUP)
                    .log_stream_name(format!("w{w}"))
                    .log_events(event(acked))
                    .send()
                    .await;
                if put.is_err() {
                    return acked;
                }
                acked += 1;
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // A control-plane writer: REST APIs created one after the other.
    let control = {
        let apigw = apigw.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                match apigw
                    .create_rest_api()
                    .name(format!("api{}", ids.len()))
                    .send()
                    .await
                {
                    Ok(out) => ids.push(out.id.expect("an id")),
                    Err(_) => return ids,
                }
            }
        })
    };
    while answered.load(Ordering::Relaxed) < 400 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let mut acked = Vec::new();
    for w in writers {
        acked.push(w.await.unwrap());
    }
    let apis = control.await.unwrap();

    let (mut child, url) = start(dir.path());
    let (logs, apigw) = clients(&url).await;
    for (w, acked) in acked.iter().enumerate() {
        let mut stored = Vec::new();
        let mut token = None;
        loop {
            let page = logs
                .get_log_events()
                .log_group_name(GROUP)
                .log_stream_name(format!("w{w}"))
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await
                .unwrap();
            let events = page.events.unwrap_or_default();
            if events.is_empty() {
                break;
            }
            stored.extend(events.into_iter().map(|e| e.message.unwrap_or_default()));
            token = page.next_forward_token;
        }
        // Every answered event is there, in order, without a hole or a duplicate; at most the one
        // request in flight at the kill is there unanswered.
        let expected: Vec<String> = (0..stored.len()).map(|n| n.to_string()).collect();
        assert_eq!(stored, expected, "stream w{w}");
        assert!(
            stored.len() == *acked || stored.len() == acked + 1,
            "stream w{w}: {} stored, {acked} answered",
            stored.len()
        );
    }
    let streams = logs
        .describe_log_streams()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap()
        .log_streams
        .unwrap_or_default();
    assert_eq!(streams.len(), WRITERS);
    let stored_apis: Vec<String> = apigw
        .get_rest_apis()
        .limit(500)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.id)
        .collect();
    for id in &apis {
        assert!(stored_apis.contains(id), "answered API {id} lost");
    }
    assert!(stored_apis.len() <= apis.len() + 1);
    // And the store takes writes again.
    logs.put_log_events()
        .log_group_name(GROUP)
        .log_stream_name("w0")
        .log_events(event(acked[0] + 1))
        .send()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
}
