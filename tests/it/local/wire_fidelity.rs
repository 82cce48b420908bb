//! The local stack's wire behaviour checked with clients lambdeck did not write, against what AWS
//! records (AWS's own responses, as LocalStack's AWS-validated snapshots carry them).

use std::process::Command;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use lambdeck::local::{LocalConfig, LocalServer};

use crate::support::skip;

/// A Python that has boto3: `.ci/run`'s virtualenv, else `python3`.
fn python_with_boto3() -> Option<std::path::PathBuf> {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    let candidates = [venv, std::path::PathBuf::from("python3")];
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(python);
        }
    }
    skip("no Python with boto3 (.ci/run installs it into target/ci-venv)")
}

/// boto3's `start_live_tail` reads the stream: botocore requires the `initial-response` event first
/// ("First event was not of type initial-response" otherwise), then sees sessionStart and the update
/// carrying an event put while the session is open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_the_live_tail_stream() {
    let Some(python) = python_with_boto3() else {
        return;
    };
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name("/live")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("/live")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let script = r#"
import json, sys, time
import boto3
from botocore.config import Config
c = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(inject_host_prefix=False))
seen = []
r = c.start_live_tail(logGroupIdentifiers=["/live"])
for ev in r["responseStream"]:
    if "sessionStart" in ev:
        seen.append("sessionStart")
        c.put_log_events(logGroupName="/live", logStreamName="s",
                         logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello boto3"}])
    elif "sessionUpdate" in ev:
        msgs = [x["message"] for x in ev["sessionUpdate"]["sessionResults"]]
        if "hello boto3" in msgs:
            seen.append("hello boto3")
            break
print(json.dumps(seen))
"#;
    let url = server.endpoint_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", script, &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["sessionStart", "hello boto3"]"#
    );
    server.shutdown().await;
}
