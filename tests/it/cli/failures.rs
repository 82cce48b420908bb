//! Bad input and failing endpoints, as a user meets them: one classified line on stderr, the exit
//! status that says which kind, retries where AWS asks for them, and the log file that explains more.

use super::*;

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
fn a_terraform_folder_without_terraform_is_one_line_and_exit_2_when_names_are_needed() {
    let dir = project();
    std::fs::write(dir.path().join("main.tf"), "").unwrap();
    let empty = tempfile::tempdir().unwrap();
    let run = |d: &Path| {
        Command::new(env!("CARGO_BIN_EXE_lambdeck"))
            .args([
                "status",
                "--endpoint-url",
                &format!("http://127.0.0.1:{}", dead_port()),
            ])
            .current_dir(d)
            .env("PATH", empty.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = one_error_line(&out);
    assert!(err.contains("terraform is not on PATH"), "{err}");
    assert!(err.contains("function.name, api.name, api.stage"), "{err}");
    // A named folder that does not exist is the same kind of line.
    std::fs::remove_file(dir.path().join("main.tf")).unwrap();
    std::fs::write(
        dir.path().join("lambdeck.toml"),
        "region = \"us-east-1\"\nterraform = \"infra\"\n",
    )
    .unwrap();
    let out = run(dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(one_error_line(&out).contains("infra is not a folder"));
    // With every name in lambdeck.toml, lambdeck goes on (here to the dead endpoint) after a note.
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(
        dir.path().join("lambdeck.toml"),
        "region = \"us-east-1\"\nterraform = \"infra\"\n[function]\nname = \"f\"\n[api]\nname = \"a\"\nstage = \"s\"\n",
    )
    .unwrap();
    let out = run(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: cannot read Terraform's state in infra"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn log_lines_is_the_dashboards_option_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    // Given with a subcommand, it would do nothing: refused in one line, before the config is read.
    let out = lambdeck(dir.path(), &["--log-lines", "500", "status"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        one_error_line(&out).contains("--log-lines sizes the dashboard's log pane"),
        "{}",
        stderr(&out)
    );
    // Out of range: clap's usage error names the bounds, in one line.
    let out = lambdeck(dir.path(), &["--log-lines", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        one_error_line(&out).contains("100..=2000000"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn command_line_mistakes_are_one_line_with_clap_tip_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = lambdeck(dir.path(), &["stattus"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        one_error_line(&out).trim_end(),
        "lambdeck: error: unrecognized subcommand 'stattus' (a similar subcommand exists: \
         'status'); see lambdeck --help"
    );
    let out = lambdeck(dir.path(), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        one_error_line(&out).contains("'--bogus'"),
        "{}",
        stderr(&out)
    );
    // Help is still clap's whole page, on stdout, exit 0.
    let out = lambdeck(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: lambdeck"));
}

#[test]
fn a_malformed_account_id_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = lambdeck(
        dir.path(),
        &["local", "--port", "0", "--account-id", "12345"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        one_error_line(&out).contains("an AWS account id is 12 digits"),
        "{}",
        stderr(&out)
    );
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
    // A plain sentence, not the chain's list of every provider it tried.
    assert!(err.contains("none found in the environment"), "{err}");
    assert!(!err.contains("Attempted"), "{err}");
}

/// LAMBDECK_LOG sets the log file's filter: a level for every target, or a level per target; without
/// it, info and above.
#[test]
fn lambdeck_log_sets_what_the_log_file_records() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    let log_with = |filter: Option<&str>| {
        let dir = project();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambdeck"));
        cmd.args(["status", "--endpoint-url", &url])
            .current_dir(dir.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .env_remove("LAMBDECK_LOG")
            .stdin(Stdio::null());
        if let Some(filter) = filter {
            cmd.env("LAMBDECK_LOG", filter);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        std::fs::read_to_string(dir.path().join(".lambdeck/lambdeck.log")).unwrap()
    };
    let debug_lines = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.contains(" DEBUG "))
            .map(str::to_owned)
            .collect()
    };
    // The SDK's endpoint resolution logs at debug for every client.
    let all = log_with(Some("debug"));
    assert!(
        debug_lines(&all)
            .iter()
            .any(|l| l.contains("aws_sdk_lambda::")),
        "{all}"
    );
    let one = log_with(Some("aws_sdk_lambda=debug,warn"));
    let lines = debug_lines(&one);
    assert!(!lines.is_empty(), "{one}");
    assert!(
        lines.iter().all(|l| l.contains("aws_sdk_lambda::")),
        "{one}"
    );
    let default = log_with(None);
    assert!(debug_lines(&default).is_empty(), "{default}");
}

#[test]
fn a_broken_or_missing_config_file_is_one_line_and_exit_2() {
    let dir = project();
    std::fs::write(dir.path().join("broken.toml"), "[function\nname = 1\n").unwrap();
    let out = lambdeck(dir.path(), &["--config", "broken.toml", "status"]);
    assert_eq!(out.status.code(), Some(2));
    let err = one_error_line(&out);
    assert!(err.starts_with("lambdeck: error: broken.toml:1:"), "{err}");
    assert!(!err.contains(": -:"), "{err}");
    let out = lambdeck(dir.path(), &["--config", "nosuch.toml", "deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = one_error_line(&out);
    assert!(
        err.starts_with("lambdeck: error: nosuch.toml: cannot read the file"),
        "{err}"
    );
}

#[test]
fn no_region_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("status")
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = one_error_line(&out);
    assert!(err.contains("no AWS region: pass --region"), "{err}");
}

/// An endpoint that answers every request with what `respond` says for the n-th request (from 0), and
/// counts them: to see the SDK's retries and lambdeck's classification of real wire errors.
struct FakeEndpoint {
    url: String,
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

type Respond = fn(usize) -> (u16, Option<&'static str>, &'static str);

impl FakeEndpoint {
    async fn start(respond: Respond) -> Self {
        Self::start_hinted(respond, None).await
    }

    /// As `start`, with a `Retry-After` header (seconds) on every error answer, as API Gateway
    /// sends on a 429.
    async fn start_hinted(respond: Respond, retry_after: Option<&'static str>) -> Self {
        use std::sync::atomic::Ordering;
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        let app = axum::Router::new().fallback(move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            async move {
                let (status, error_type, body) = respond(n);
                let mut res = axum::response::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
                if let Some(t) = error_type {
                    res = res.header("x-amzn-ErrorType", t);
                }
                if let (Some(wait), true) = (retry_after, status >= 400) {
                    res = res.header("Retry-After", wait);
                }
                res.body(axum::body::Body::from(body)).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, count, task }
    }

    fn requests(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn clients(&self) -> lambdeck::aws::Clients {
        crate::support::local_clients(&self.url).await
    }
}

impl Drop for FakeEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const THROTTLED: (u16, Option<&str>, &str) = (
    429,
    Some("TooManyRequestsException"),
    r#"{"message":"Too Many Requests"}"#,
);
const NO_APIS: (u16, Option<&str>, &str) = (200, None, r#"{"item":[]}"#);

#[tokio::test]
async fn throttling_and_transient_failures_are_retried_with_backoff() {
    let api = "tf-test-to-lambda-rust-api";
    // Throttled twice, then served: the caller never sees the throttling.
    let fake = FakeEndpoint::start(|n| if n < 2 { THROTTLED } else { NO_APIS }).await;
    let found = lambdeck::aws::apigateway::find_rest_apis(&fake.clients().await.apigateway, api)
        .await
        .unwrap();
    assert!(found.is_empty());
    assert_eq!(fake.requests(), 3);

    // A 503 is transient too.
    let fake = FakeEndpoint::start(|n| {
        if n == 0 {
            (
                503,
                Some("ServiceUnavailableException"),
                r#"{"message":"busy"}"#,
            )
        } else {
            NO_APIS
        }
    })
    .await;
    lambdeck::aws::apigateway::find_rest_apis(&fake.clients().await.apigateway, api)
        .await
        .unwrap();
    assert_eq!(fake.requests(), 2);

    // Throttled every time: API Gateway's quotas get eight attempts in all, then one classified
    // line. The endpoint asks for no wait (`Retry-After: 0`), which is honoured: without it the
    // waits double from a second and this case would sleep about 45 s.
    let fake = FakeEndpoint::start_hinted(|_| THROTTLED, Some("0")).await;
    let err = lambdeck::aws::apigateway::find_rest_apis(&fake.clients().await.apigateway, api)
        .await
        .unwrap_err();
    assert_eq!(fake.requests(), 8);
    assert_eq!(err.kind, lambdeck::aws::ErrorKind::Throttled);
    assert_eq!(
        err.to_string(),
        "GetRestApis rest api tf-test-to-lambda-rust-api: throttled (retries exhausted) \
         (TooManyRequestsException: Too Many Requests); wait a moment and try again"
    );
}

/// AWS answers a mapping template given as "" with `null` (its recorded PutIntegrationResponse
/// answer), which the SDK's template maps cannot hold: the working API is read all the same, the
/// template as "", instead of the whole GetResources page failing as a malformed response.
#[tokio::test]
async fn a_null_mapping_template_from_aws_reads_as_empty() {
    use lambdeck::model::RouteKey;
    let aws = FakeEndpoint::start(|_| {
        (
            200,
            None,
            r#"{"item":[{"id":"r1","path":"/hello_world","pathPart":"hello_world","parentId":"r0",
            "resourceMethods":{"OPTIONS":{"httpMethod":"OPTIONS","authorizationType":"NONE",
            "apiKeyRequired":false,"methodIntegration":{"type":"MOCK",
            "requestTemplates":{"application/json":"{\"statusCode\": 200}"},
            "passthroughBehavior":"WHEN_NO_MATCH","timeoutInMillis":29000,"cacheNamespace":"r1",
            "cacheKeyParameters":[],"integrationResponses":{"200":{"statusCode":"200",
            "responseTemplates":{"application/json":null}}}}}}}]}"#,
        )
    })
    .await;
    let clients = aws.clients().await;
    let working = lambdeck::aws::apigateway::get_working_resources(&clients.apigateway, "abc")
        .await
        .expect("the page is read");
    let options = &working.methods[&RouteKey::new("OPTIONS", "/hello_world")];
    let integration = options.integration.as_ref().expect("its MOCK integration");
    assert_eq!(
        integration.responses["default"].response_templates["application/json"],
        ""
    );
    assert_eq!(
        integration.request_templates["application/json"],
        r#"{"statusCode": 200}"#
    );
}

#[tokio::test]
async fn refusals_are_classified_once_without_retrying() {
    use lambdeck::aws::ErrorKind;
    let cases: [(Respond, ErrorKind, &str); 4] = [
        (
            |_| {
                (
                    403,
                    Some("AccessDeniedException"),
                    r#"{"message":"User: arn:aws:iam::1:user/dev is not authorized to perform: apigateway:GET"}"#,
                )
            },
            ErrorKind::AccessDenied,
            "GetRestApis rest api tf-test-to-lambda-rust-api: access denied (AccessDeniedException: User: \
             arn:aws:iam::1:user/dev is not authorized to perform: apigateway:GET); check the IAM \
             permissions of the credentials in use",
        ),
        (
            |_| {
                (
                    403,
                    Some("ExpiredTokenException"),
                    r#"{"message":"The security token included in the request is expired"}"#,
                )
            },
            ErrorKind::Credentials,
            "GetRestApis rest api tf-test-to-lambda-rust-api: credentials missing, invalid or expired \
             (ExpiredTokenException: The security token included in the request is expired); set AWS \
             credentials (aws configure, aws sso login, --profile) or use --local",
        ),
        (
            |_| {
                (
                    400,
                    Some("BadRequestException"),
                    r#"{"message":"Invalid REST API identifier specified"}"#,
                )
            },
            ErrorKind::Validation,
            "GetRestApis rest api tf-test-to-lambda-rust-api: rejected as invalid (BadRequestException: \
             Invalid REST API identifier specified)",
        ),
        (
            |_| {
                (
                    404,
                    Some("NotFoundException"),
                    r#"{"message":"Invalid API identifier specified 000000000000:abc"}"#,
                )
            },
            ErrorKind::NotFound,
            "GetRestApis rest api tf-test-to-lambda-rust-api: not found (NotFoundException: Invalid API \
             identifier specified 000000000000:abc)",
        ),
    ];
    for (respond, kind, line) in cases {
        let fake = FakeEndpoint::start(respond).await;
        let err = lambdeck::aws::apigateway::find_rest_apis(
            &fake.clients().await.apigateway,
            "tf-test-to-lambda-rust-api",
        )
        .await
        .unwrap_err();
        assert_eq!(fake.requests(), 1, "{line}");
        assert_eq!(err.kind, kind);
        assert_eq!(err.to_string(), line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_what_access_denied_hides_and_stops_on_expired_credentials() {
    let dir = project();
    // Access denied everywhere: every piece is unknown with the reason, the tree is still printed.
    let fake = FakeEndpoint::start(|_| {
        (
            403,
            Some("AccessDeniedException"),
            r#"{"message":"not authorized"}"#,
        )
    })
    .await;
    let (d, url) = (dir.path().to_owned(), fake.url.clone());
    let out =
        tokio::task::spawn_blocking(move || lambdeck(&d, &["status", "--endpoint-url", &url]))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "-- function tf-test-rust-hello-world: unknown: GetFunction function tf-test-rust-hello-world: \
             access denied (AccessDeniedException: not authorized)"
        ),
        "{text}"
    );
    assert!(
        text.contains("-- rest api tf-test-to-lambda-rust-api: unknown: GetRestApis"),
        "{text}"
    );
    assert!(text.contains("drift: unknown: GetRestApis"), "{text}");
    // Expired credentials make every answer wrong: one line on stderr, exit 1, no tree.
    let fake = FakeEndpoint::start(|_| {
        (
            403,
            Some("ExpiredTokenException"),
            r#"{"message":"The security token included in the request is expired"}"#,
        )
    })
    .await;
    let (d, url) = (dir.path().to_owned(), fake.url.clone());
    let out =
        tokio::task::spawn_blocking(move || lambdeck(&d, &["status", "--endpoint-url", &url]))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let err = one_error_line(&out);
    assert!(
        err.contains("credentials missing, invalid or expired (ExpiredTokenException"),
        "{err}"
    );
}

#[test]
fn a_malformed_endpoint_or_region_is_one_line_and_exit_2() {
    let dir = project();
    for (args, want) in [
        (
            &["status", "--endpoint-url", "notaurl"][..],
            "endpoint URL `notaurl` is not an http(s) URL",
        ),
        (
            &["deploy", "--yes", "--endpoint-url", "ftp://x"][..],
            "endpoint URL `ftp://x` is not an http(s) URL",
        ),
        (
            &[
                "status",
                "--region",
                "bad_region!",
                "--endpoint-url",
                "http://127.0.0.1:1",
            ][..],
            "region `bad_region!` is not a region name",
        ),
    ] {
        let out = lambdeck(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = one_error_line(&out);
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("Request {"), "a Debug dump: {err}");
    }
    // AWS_ENDPOINT_URL is checked the same way.
    let out = Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("status")
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "nope")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(one_error_line(&out).contains("endpoint URL `nope`"));
}
