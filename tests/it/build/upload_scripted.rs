//! Uploads against a scripted Lambda: the answers moto and the local stack never give (an update that
//! ends Failed, one still InProgress, a CodeSha256 that is not ours), and a count of what was sent.

use lambdeck::aws::Clients;
use lambdeck::build::{self, Package, UploadError, UploadReport};
use lambdeck::config::Architecture;

use super::{host_architecture, package_of};
use crate::support::hello_world_bootstrap;

// ---------------------------------------------------------------------------------------------------
// A scripted Lambda: the answers moto and the local stack never give (an update that ends Failed, one
// still InProgress, a CodeSha256 that is not ours), and a count of what was sent.

/// What the scripted Lambda knows and has been asked.
#[derive(Default)]
struct Script {
    /// The CodeSha256 the function runs.
    code_sha256: String,
    /// LastUpdateStatus (and reason) for the next GetFunction calls, in order; `Successful` when empty.
    statuses: std::collections::VecDeque<(&'static str, Option<&'static str>)>,
    /// When set, the CodeSha256 reported after an update instead of the digest of what was sent.
    report_after_update: Option<String>,
    /// Statuses the next UpdateFunctionCode queues for the GetFunction calls after it.
    after_update: Vec<(&'static str, Option<&'static str>)>,
    /// UpdateFunctionCode requests received.
    updates: usize,
    /// GetFunction requests received, and how many came after the first update.
    gets: usize,
    gets_after_update: usize,
    /// PublishVersion requests received.
    publishes: usize,
    /// The LastUpdateStatus the last GetFunction answered.
    last_status: &'static str,
    /// LastUpdateStatus for the next GetFunctionConfiguration calls (lambdeck's quick looks before
    /// the SDK's waiter), in order; `Successful` when empty.
    config_statuses: std::collections::VecDeque<&'static str>,
    /// GetFunctionConfiguration requests received.
    config_gets: usize,
}

type Shared = std::sync::Arc<std::sync::Mutex<Script>>;

fn configuration(
    name: &str,
    script: &Script,
    status: &str,
    reason: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "FunctionName": name,
        "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        "Runtime": "provided.al2023",
        "Handler": "bootstrap",
        "CodeSha256": script.code_sha256,
        "CodeSize": 1,
        "Architectures": [match host_architecture() { Architecture::X86_64 => "x86_64", Architecture::Arm64 => "arm64" }],
        "State": "Active",
        "LastUpdateStatus": status,
        "LastUpdateStatusReason": reason,
        "RevisionId": uuid::Uuid::new_v4().to_string(),
        "Version": "$LATEST",
    })
}

/// Serves GetFunction, UpdateFunctionCode and PublishVersion from `script` on a loopback port.
async fn scripted_lambda(script: Shared) -> (Clients, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path as UrlPath, State};
    use axum::routing::{get, post, put};
    use base64::Engine;

    async fn get_function(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
    ) -> axum::Json<serde_json::Value> {
        let mut s = script.lock().unwrap();
        s.gets += 1;
        if s.updates > 0 {
            s.gets_after_update += 1;
        }
        let (status, reason) = s.statuses.pop_front().unwrap_or(("Successful", None));
        s.last_status = status;
        axum::Json(serde_json::json!({
            "Configuration": configuration(&name, &s, status, reason),
            "Code": {"RepositoryType": "S3", "Location": "https://example.invalid/code.zip"},
        }))
    }

    async fn get_configuration(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
    ) -> axum::Json<serde_json::Value> {
        let mut s = script.lock().unwrap();
        s.config_gets += 1;
        let status = s.config_statuses.pop_front().unwrap_or("Successful");
        axum::Json(configuration(&name, &s, status, None))
    }

    async fn update_code(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let mut s = script.lock().unwrap();
        if s.last_status == "InProgress" {
            // What Lambda answers while an earlier update is still being applied.
            return (
                http::StatusCode::CONFLICT,
                [("x-amzn-ErrorType", "ResourceConflictException")],
                axum::Json(serde_json::json!({
                    "Type": "User",
                    "message": "The operation cannot be performed at this time. An update is in progress for resource: fn"
                })),
            )
                .into_response();
        }
        let zip = base64::engine::general_purpose::STANDARD
            .decode(body["ZipFile"].as_str().unwrap())
            .unwrap();
        s.updates += 1;
        s.code_sha256 = s
            .report_after_update
            .clone()
            .unwrap_or_else(|| sha_of(&zip));
        let queued = std::mem::take(&mut s.after_update);
        s.statuses.extend(queued);
        s.last_status = "InProgress";
        axum::Json(configuration(&name, &s, "InProgress", None)).into_response()
    }

    async fn publish(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
    ) -> (http::StatusCode, axum::Json<serde_json::Value>) {
        let mut s = script.lock().unwrap();
        s.publishes += 1;
        let mut config = configuration(&name, &s, "Successful", None);
        config["Version"] = serde_json::json!(s.publishes.to_string());
        (http::StatusCode::CREATED, axum::Json(config))
    }

    let app = axum::Router::new()
        .route("/2015-03-31/functions/{name}", get(get_function))
        .route(
            "/2015-03-31/functions/{name}/configuration",
            get(get_configuration),
        )
        .route("/2015-03-31/functions/{name}/code", put(update_code))
        .route("/2015-03-31/functions/{name}/versions", post(publish))
        // The dev build's zip, base64-encoded, is far over axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let mut clients = crate::support::local_clients(&url).await;
    // It stands in for AWS: uploads get the provided.al2023 checks.
    clients.local = false;
    (clients, server)
}

/// base64(SHA-256) with the sha2 crate directly (the scripted Lambda's own digest).
fn sha_of(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

fn hello_world_package() -> Package {
    package_of(&std::fs::read(hello_world_bootstrap()).unwrap())
}

fn script_with(f: impl FnOnce(&mut Script)) -> Shared {
    let mut script = Script {
        code_sha256: "b2xkIGNvZGU=".into(),
        ..Script::default()
    };
    f(&mut script);
    std::sync::Arc::new(std::sync::Mutex::new(script))
}

#[tokio::test]
async fn an_update_lambda_reports_failed_is_an_error_with_lambdas_reason() {
    let script = script_with(|s| {
        s.after_update = vec![(
            "Failed",
            Some("Lambda was unable to configure your environment variables"),
        )]
    });
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let err = build::upload_code(&clients, "fn", &package, true)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        UploadError::UpdateFailed {
            function: "fn".into(),
            reason: "Lambda was unable to configure your environment variables".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the update of fn failed: Lambda was unable to configure your environment variables"
    );
    let s = script.lock().unwrap();
    assert_eq!(s.updates, 1);
    assert_eq!(s.publishes, 0, "no version of a failed update");
    server.abort();
}

#[tokio::test]
async fn the_waiter_polls_through_in_progress_then_the_code_sha256_is_verified() {
    let script = script_with(|s| {
        s.after_update = vec![("InProgress", None), ("InProgress", None)];
    });
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert_eq!(
        report,
        UploadReport::Updated {
            old_sha: "b2xkIGNvZGU=".into(),
            new_sha: package.code_sha256.clone(),
            version: None
        }
    );
    let s = script.lock().unwrap();
    assert_eq!(s.updates, 1);
    // Two InProgress answers, then the Successful one the verification reads.
    assert_eq!(s.gets_after_update, 3);
    server.abort();
}

/// An update that settles within a few hundred milliseconds is seen by lambdeck's quick looks
/// (GetFunctionConfiguration), so the SDK's waiter, whose polls are a second apart, finds it settled
/// at its first poll.
#[tokio::test]
async fn a_quickly_settled_update_is_seen_before_the_waiters_second_poll() {
    let script = script_with(|s| {
        s.config_statuses = ["InProgress", "InProgress"].into();
    });
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    let s = script.lock().unwrap();
    assert_eq!(s.updates, 1);
    // Two quick looks saw InProgress, the third Successful.
    assert_eq!(s.config_gets, 3);
    // The waiter's one poll, which the verification reads.
    assert_eq!(s.gets_after_update, 1);
    server.abort();
}

#[tokio::test]
async fn a_code_sha256_other_than_ours_after_the_update_fails_verification() {
    let script = script_with(|s| s.report_after_update = Some("c29tZW9uZSBlbHNl".into()));
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let err = build::upload_code(&clients, "fn", &package, true)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        UploadError::ShaMismatch {
            function: "fn".into(),
            local: package.code_sha256.clone(),
            deployed: "c29tZW9uZSBlbHNl".into()
        }
    );
    assert!(!err.to_string().contains('\n'));
    assert_eq!(script.lock().unwrap().publishes, 0);
    server.abort();
}

#[tokio::test]
async fn an_unchanged_package_sends_no_code() {
    let package = hello_world_package();
    let sha = package.code_sha256.clone();
    let script = script_with(|s| s.code_sha256 = sha.clone());
    let (clients, server) = scripted_lambda(script.clone()).await;
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert_eq!(report, UploadReport::Skipped { sha, version: None });
    let s = script.lock().unwrap();
    assert_eq!((s.updates, s.gets, s.publishes), (0, 1, 0));
    server.abort();
}

#[tokio::test]
async fn an_update_still_in_progress_is_waited_for_before_the_code_is_sent() {
    // Right after CreateFunction, or another developer's update: Lambda would answer
    // UpdateFunctionCode with ResourceConflictException.
    let script = script_with(|s| s.statuses = [("InProgress", None)].into());
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert!(matches!(report, UploadReport::Updated { .. }), "{report:?}");
    let s = script.lock().unwrap();
    // GetFunction (InProgress), the waiter's GetFunction (Successful), the update, the verification.
    assert_eq!((s.gets, s.updates, s.gets_after_update), (3, 1, 1));
    server.abort();
}
