//! The headless stack commands as a user runs them: exit statuses, one-line classified failures, the
//! JSON shape of `status --json`, and confirmation refused without a terminal.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::moto::Moto;

/// Runs the lambdeck binary in `dir` (its log file goes there) with static test credentials.
fn lambdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(args)
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "region = \"us-east-1\"\n").unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_dead_endpoint_is_one_classified_line_and_exit_1() {
    let dir = project();
    let url = format!("http://127.0.0.1:{}", dead_port());
    for cmd in ["status", "deploy", "rollback", "prune", "up", "down"] {
        let out = lambdeck(dir.path(), &[cmd, "--endpoint-url", &url]);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{cmd}: {err}");
        assert!(err.contains("endpoint unreachable"), "{cmd}: {err}");
        // The line names an operation and the resource it was about.
        assert!(
            err.contains("function tf-test-rust-hello-world")
                || err.contains("rest api tf-test-to-lambda-rust-api")
                || err.contains("log group")
                || err.contains("role tf-test-lambda-role"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn a_bad_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "[function]\nmemory = 1\n").unwrap();
    let out = lambdeck(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("function.memory"), "{}", stderr(&out));
}

#[test]
fn against_moto_a_missing_stack_is_reported_not_hidden() {
    let Some(moto) = Moto::start() else { return };
    let dir = project();
    let out = lambdeck(dir.path(), &["status", "--endpoint-url", &moto.url]);
    // Drift cannot be known without the API: exit 1, but the tree is printed, every piece missing.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("-- function tf-test-rust-hello-world: missing"),
        "{text}"
    );
    assert!(
        text.contains("-- rest api tf-test-to-lambda-rust-api: missing"),
        "{text}"
    );
    assert!(text.contains("drift: unknown: REST API tf-test-to-lambda-rust-api not found"));

    let out = lambdeck(
        dir.path(),
        &["status", "--json", "--endpoint-url", &moto.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["health"], "missing");
    assert_eq!(json["stack"]["api"]["status"], "missing");
    assert_eq!(json["stack"]["function"]["status"], "missing");
    assert_eq!(json["stack"]["drift"]["state"], "unknown");
    assert_eq!(json["stack"]["names"]["stage"], "tf-test");

    // Actions on a missing API say what to do, in one line.
    let out = lambdeck(
        dir.path(),
        &["deploy", "--yes", "--endpoint-url", &moto.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("REST API tf-test-to-lambda-rust-api not found"),
        "{err}"
    );
    assert!(err.contains("lambdeck up"), "{err}");
    let out = lambdeck(dir.path(), &["rollback", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn against_moto_down_without_a_terminal_asks_for_yes() {
    let Some(moto) = Moto::start() else { return };
    let dir = project();
    // A tagged log group is something down would remove.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let clients = moto.clients().await;
        lambdeck::aws::log_groups::create_log_group(
            &clients.logs,
            "/aws/lambda/tf-test-rust-hello-world",
        )
        .await
        .unwrap();
    });
    let out = lambdeck(dir.path(), &["down", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(stdout(&out).contains("deleted log group /aws/lambda/tf-test-rust-hello-world"));
    let out = lambdeck(dir.path(), &["down", "--yes", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = lambdeck(dir.path(), &["down", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("nothing lambdeck created is there"));
}

#[test]
fn missing_credentials_are_one_line_naming_the_fix() {
    let dir = project();
    let url = format!("http://127.0.0.1:{}", dead_port());
    let out = Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(["status", "--endpoint-url", &url])
        .current_dir(dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("credentials missing"), "{err}");
    assert!(err.contains("--local"), "{err}");
}
