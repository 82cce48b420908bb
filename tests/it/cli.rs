//! The headless stack commands as a user runs them: exit statuses, one-line classified failures, the
//! JSON shape of `status --json`, and confirmation refused without a terminal.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::Moto;

/// Runs the lambdeck binary in `dir` (its log file goes there) with static test credentials.
fn lambdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(args)
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("LAMBDECK_API_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "region = \"us-east-1\"\n").unwrap();
    dir
}

pub(crate) fn stderr(o: &Output) -> String {
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
    // Out of range: clap's usage error names the bounds.
    let out = lambdeck(dir.path(), &["--log-lines", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("100..=2000000"), "{}", stderr(&out));
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
    assert!(
        text.ends_with("run `lambdeck up` to create what is missing\n"),
        "{text}"
    );

    let out = lambdeck(
        dir.path(),
        &["status", "--json", "--endpoint-url", &moto.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], 2);
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
    assert!(stdout(&out).contains("delete  log group /aws/lambda/tf-test-rust-hello-world"));
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

/// The tutorial's stack, created by `up` on an in-process local stack; the binary reaches it with
/// --endpoint-url, as any AWS-compatible endpoint.
pub(crate) struct LocalStack {
    pub(crate) server: lambdeck::local::LocalServer,
    pub(crate) clients: lambdeck::aws::Clients,
    pub(crate) spec: lambdeck::config::StackSpec,
}

impl LocalStack {
    pub(crate) async fn up() -> Self {
        Self::up_with("").await
    }

    /// The stack a lambdeck.toml of this text describes, created by `up`.
    async fn up_with(toml: &str) -> Self {
        let server = lambdeck::local::LocalServer::start(lambdeck::local::LocalConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            state_dir: None,
            region: "us-east-1".into(),
            ..lambdeck::local::LocalConfig::default()
        })
        .await
        .unwrap();
        let clients = crate::support::local_clients(&server.endpoint_url()).await;
        let spec = lambdeck::config::StackSpec::parse(toml, "lambdeck.toml").unwrap();
        let empty = lambdeck::stack::load_stack(&clients, &spec).await.unwrap();
        lambdeck::stack::provision::up(
            &clients,
            &spec,
            &empty,
            Some(crate::support::hello_world_zip()),
        )
        .await
        .unwrap();
        Self {
            server,
            clients,
            spec,
        }
    }

    async fn load(&self) -> lambdeck::stack::Stack {
        lambdeck::stack::load_stack(&self.clients, &self.spec)
            .await
            .unwrap()
    }

    /// Adds GET /`part` (under the root) with a proxy integration to the stack's function.
    async fn add_route(&self, stack: &lambdeck::stack::Stack, part: &str) {
        self.add_route_with(stack, part, "NONE", false).await;
    }

    /// Adds GET /`part` as `add_route` does, with this authorization type, requiring an API key when
    /// `key_required`.
    async fn add_route_with(
        &self,
        stack: &lambdeck::stack::Stack,
        part: &str,
        authorization: &str,
        key_required: bool,
    ) {
        use lambdeck::aws::apigateway as gw;
        let api = stack.api.as_ref().unwrap();
        let c = &self.clients.apigateway;
        let rid = gw::create_resource(c, &api.id, &api.resource("/").unwrap().id, part)
            .await
            .unwrap();
        gw::put_method(c, &api.id, &rid, "GET", authorization, key_required)
            .await
            .unwrap();
        let uri = gw::lambda_invoke_uri("us-east-1", &stack.function.as_ref().unwrap().arn);
        gw::put_proxy_integration(c, &api.id, &rid, "GET", &uri)
            .await
            .unwrap();
    }

    /// Runs the binary against this stack without blocking the runtime that serves it.
    async fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let dir = dir.to_owned();
        let mut all: Vec<String> = args.iter().map(ToString::to_string).collect();
        all.push("--endpoint-url".into());
        all.push(self.server.endpoint_url());
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            lambdeck(&dir, &args)
        })
        .await
        .unwrap()
    }
}

pub(crate) fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

/// Exactly one line on stderr, and it is lambdeck's error line.
fn one_error_line(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("lambdeck: error: "), "{err}");
    err
}

/// `status --json` on the tutorial's stack, whole: schema 2 cannot change without this snapshot
/// changing (`cargo insta review` shows how). What differs from run to run is filtered: ids, times,
/// the local stack's port, and the function's digest and size, which follow the compiler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_schema_2_on_the_tutorial_stack() {
    let local = LocalStack::up().await;
    let dir = project();
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    let mut settings = insta::Settings::clone_current();
    // Each id by what it names, so the snapshot still shows which deployment the stage serves.
    let api = &json["stack"]["api"];
    let ids = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    settings.add_filter(api["id"].as_str().unwrap(), "[api id]");
    for (i, id) in ids(&api["resources"]).iter().enumerate() {
        settings.add_filter(id, format!("[resource id {i}]"));
    }
    for (i, id) in ids(&api["deployments"]).iter().enumerate() {
        settings.add_filter(id, format!("[deployment id {i}]"));
    }
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(
        r#""(created|created_ms|last_updated)": \d+"#,
        r#""$1": "[time]""#,
    );
    settings.add_filter(
        r#""last_modified": "[^"]+""#,
        r#""last_modified": "[time]""#,
    );
    settings.add_filter(r#""code_sha256": "[^"]+""#, r#""code_sha256": "[digest]""#);
    settings.add_filter(r#""code_size": \d+"#, r#""code_size": "[size]""#);
    settings.bind(|| insta::assert_json_snapshot!(json));
    local.server.shutdown().await;
}

/// API-level elements through the binary: `status` prints their lines and exits 3, `deploy --yes`
/// records them in the description and makes the stage in sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_a_gateway_response_and_a_policy_until_deployed() {
    use aws_sdk_apigateway::types::{GatewayResponseType, Op, PatchOperation};
    let local = LocalStack::up().await;
    let dir = project();
    let api_id = local.load().await.api.as_ref().unwrap().id.clone();
    let gw = &local.clients.apigateway;
    gw.put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .send()
        .await
        .unwrap();
    gw.update_rest_api()
        .rest_api_id(&api_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/policy")
                .value(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("~ rest api policy\n"), "{text}");
    assert!(text.contains("+ gateway response DEFAULT_4XX\n"), "{text}");
    let out = local.run(dir.path(), &["deploy", "--yes", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(
        outcome["deployment"]["description"],
        "lambdeck(tf-test): ~rest api policy, +gateway response DEFAULT_4XX"
    );
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_exit_codes_and_json_follow_the_stage_through_deploy_and_rollback() {
    let local = LocalStack::up().await;
    let dir = project();
    let first = local
        .load()
        .await
        .stage()
        .unwrap()
        .deployment_id
        .clone()
        .unwrap();

    // In sync: exit 0, and the JSON shape the README documents.
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("drift: in sync\n"),
        "{}",
        stdout(&out)
    );
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    // The whole shape is pinned by the snapshot in status_json_schema_2_on_the_tutorial_stack.
    assert_eq!(
        (json["schema"].as_u64(), json["exit_code"].as_u64()),
        (Some(2), Some(0))
    );
    let stack = &json["stack"];
    assert_eq!(stack["drift"], serde_json::json!({"state": "in_sync"}));
    assert_eq!(stack["function"]["status"], "present");
    assert_eq!(stack["function"]["runtime"], "provided.al2023");
    assert!(
        stack["function"]["code_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 44)
    );
    // The local stack serves IAM: the role `up` created is read back and checked.
    assert_eq!(stack["role"]["status"], "present");
    assert_eq!(stack["role"]["verified"], true);
    assert_eq!(stack["role"]["trusts_lambda"], true);
    assert_eq!(stack["permission"]["allows_api"], true);
    let api = &stack["api"];
    assert_eq!(api["status"], "present");
    assert_eq!(api["stages"][0]["deployment_id"], first.as_str());
    assert_eq!(
        api["deployments"][0]["stages"],
        serde_json::json!(["tf-test"])
    );
    let get = &api["resources"][1]["methods"][0];
    assert_eq!(get["http_method"], "GET");
    assert_eq!(get["integration"]["type"], "AWS_PROXY");
    assert_eq!(
        get["integration"]["target"],
        serde_json::json!({"kind": "this_function"})
    );
    assert_eq!(
        api["deployed"]["routes"][0]["key"],
        serde_json::json!({"method": "GET", "path": "/hello_world"})
    );
    assert_eq!(
        api["deployed"]["routes"][0]["integration_type"],
        "AWS_PROXY"
    );

    // A route added through the SDK is stale: exit 3, listed in text and JSON.
    local.add_route(&local.load().await, "new").await;
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("drift: stale: 1 change (+GET /new)"),
        "{text}"
    );
    assert!(text.contains("run `lambdeck deploy`"), "{text}");
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(3));
    let json = json_of(&out);
    assert_eq!(json["exit_code"], 3);
    assert_eq!(
        json["stack"]["drift"],
        serde_json::json!({"state": "stale", "changes": [
            {"element": {"route": {"method": "GET", "path": "/new"}}, "change": "added"}]})
    );

    // deploy without --yes and without a terminal: shows the drift, refuses (exit 2), deploys nothing.
    let out = local.run(dir.path(), &["deploy"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("+GET /new"), "{}", stdout(&out));
    assert!(one_error_line(&out).contains("pass --yes"));
    assert_eq!(
        local.load().await.api.as_ref().unwrap().deployments.len(),
        1
    );

    // deploy --yes: the description records the change, the stage is re-read, drift is gone.
    let out = local.run(dir.path(), &["deploy", "--yes", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "deploy");
    assert_eq!(
        outcome["deployment"]["description"],
        "lambdeck(tf-test): +GET /new"
    );
    assert_eq!(
        outcome["stage"]["deployment_id"],
        outcome["deployment"]["id"]
    );
    assert_eq!(outcome["previous_deployment_id"], first.as_str());
    assert_eq!(outcome["drift"], serde_json::json!({"state": "in_sync"}));
    let second = outcome["deployment"]["id"].as_str().unwrap().to_owned();
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Deploying an in-sync stage creates nothing and says so.
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("nothing to deploy"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        local.load().await.api.as_ref().unwrap().deployments.len(),
        2
    );

    // A rollback shows what it would take back and asks first; without a terminal it needs --yes.
    let out = local.run(dir.path(), &["rollback", &first]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("- GET /new"), "{}", stdout(&out));
    one_error_line(&out);
    // With --yes it leaves the stage on an older deployment: stale again, exit 3.
    let out = local.run(dir.path(), &["rollback", &first, "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "rolled back to {first} on stage tf-test (was {second})"
        )),
        "{}",
        stdout(&out)
    );
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("+GET /new"));

    // A deployment that does not exist: one line, exit 1, nothing changed.
    let out = local.run(dir.path(), &["rollback", "nosuchid"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = one_error_line(&out);
    assert!(err.contains("deployment nosuchid does not exist"), "{err}");
    assert_eq!(
        local.load().await.stage().unwrap().deployment_id.as_deref(),
        Some(first.as_str())
    );

    // prune: asks first; with --yes deletes the unused deployment, never the one the stage serves.
    let out = local.run(dir.path(), &["prune", "--keep", "0"]).await;
    assert_eq!(out.status.code(), Some(2));
    one_error_line(&out);
    let out = local
        .run(dir.path(), &["prune", "--keep", "0", "--yes"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = local.load().await;
    let ids: Vec<&str> = after
        .api
        .as_ref()
        .unwrap()
        .deployments
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(ids, [first.as_str()]);

    // up on a complete stack changes nothing and says so (no build: the function exists).
    let out = local.run(dir.path(), &["up"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("up: nothing to do"), "{text}");
    assert!(
        text.lines().any(
            |l| l.trim_start().starts_with("exists") && l.ends_with("role tf-test-lambda-role")
        ),
        "{text}"
    );
    // down asks first, and without a terminal refuses in one line.
    let out = local.run(dir.path(), &["down"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("pass --yes"));
    assert!(local.load().await.function.is_present());
    local.server.shutdown().await;
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

/// `diff` and `promote` between two stages, headless: exit codes, the diff's lines, the y/N rule, and
/// every other stage's drift in `status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_and_promote_between_stages() {
    let local = LocalStack::up().await;
    let dir = project();
    let before = local.load().await;
    let api = before.api.as_ref().unwrap();
    let gw = &local.clients.apigateway;
    lambdeck::aws::apigateway::create_stage(
        gw,
        &api.id,
        "prod",
        before.stage().unwrap().deployment_id.as_deref().unwrap(),
    )
    .await
    .unwrap();
    let out = local.run(dir.path(), &["diff", "tf-test", "prod"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the same deployment"),
        "{}",
        stdout(&out)
    );

    // A new route deployed to tf-test only: prod is behind, on its own node, and diff says how.
    local.add_route(&before, "new").await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "the configured stage decides: {}",
        stdout(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("stage prod -> deployment")
            && text.contains("        drift: stale: 1 change (+GET /new)\n          + GET /new\n"),
        "{text}"
    );
    let out = local.run(dir.path(), &["diff", "prod", "tf-test"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "stage prod → stage tf-test: 1 change (+GET /new)\n  + GET /new\n"
    );
    let out = local
        .run(dir.path(), &["diff", "prod", "tf-test", "--json"])
        .await;
    let json = json_of(&out);
    assert_eq!(
        json["changes"],
        serde_json::json!([{"element": {"route": {"method": "GET", "path": "/new"}}, "change": "added"}])
    );
    let out = local.run(dir.path(), &["diff", "prod", "nosuch"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(one_error_line(&out).contains("stage nosuch not found"));

    // promote without a terminal: shows the diff, needs --yes (exit 2), changes nothing.
    let out = local.run(dir.path(), &["promote", "tf-test", "prod"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("+ GET /new"), "{}", stdout(&out));
    one_error_line(&out);
    let out = local
        .run(
            dir.path(),
            &["promote", "tf-test", "prod", "--yes", "--json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "promote");
    assert_eq!(outcome["stage"]["name"], "prod");
    assert_eq!(outcome["drift"], serde_json::json!({"state": "in_sync"}));
    let out = local.run(dir.path(), &["diff", "prod", "tf-test"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    local.server.shutdown().await;
}

/// The project's lambdeck.toml for `request`: GET and POST on /hello_world, and a saved POST.
const REQUEST_TOML: &str = r#"region = "us-east-1"
[[api.routes]]
path = "/hello_world"
method = "GET"
[[api.routes]]
path = "/hello_world"
method = "POST"
[requests.create]
method = "POST"
path = "/hello_world"
query = { verbose = "1" }
headers = { content-type = "application/json" }
body_file = "pet.json"
"#;

/// `lambdeck request` through the binary: a POST is sent only with --yes (no terminal to ask on), its
/// answer comes with the Lambda log lines of its invocation, and a saved request replays by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_sends_a_post_only_when_asked_and_shows_its_log_lines() {
    let local = LocalStack::up_with(REQUEST_TOML).await;
    lambdeck::stack::deploy::deploy_stage(&local.clients, &local.spec, &local.load().await)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), REQUEST_TOML).unwrap();
    std::fs::write(dir.path().join("pet.json"), r#"{"name":"ada"}"#).unwrap();

    let out = local
        .run(
            dir.path(),
            &["request", "POST", "/hello_world", "--body", "{}"],
        )
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        one_error_line(&out).contains("pass --yes"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing was sent: {}",
        stdout(&out)
    );

    let out = local
        .run(
            dir.path(),
            &[
                "request",
                "POST",
                "/hello_world?x=1",
                "--body",
                "@pet.json",
                "--yes",
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("POST /hello_world?x=1 -> 200 in "),
        "{text}"
    );
    assert!(text.contains("\"Hello from Lambda!\""), "{text}");
    assert!(text.contains("log lines of Lambda request "), "{text}");
    // The function's own line for this request, between its START and its REPORT.
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("log lines"))
        .collect();
    let at = |what: &str| lines.iter().position(|l| l.contains(what));
    let (start, own, report) = (
        at("START RequestId:"),
        at("POST /hello_world apigw-request-id="),
        at("REPORT RequestId:"),
    );
    assert!(
        start.is_some() && own.is_some() && report.is_some(),
        "{text}"
    );
    assert!(start < own && own < report, "{text}");

    let out = local
        .run(dir.path(), &["request", "create", "--yes", "--json"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    let request = &json["response"]["request"];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["body"], r#"{"name":"ada"}"#);
    assert_eq!(request["query"][0][0], "verbose");
    assert_eq!(json["response"]["status"], 200);
    assert!(json["log"].as_array().unwrap().len() >= 3, "{json}");

    // A route the stage does not serve: API Gateway answers 403 itself, with no function to log.
    let out = local.run(dir.path(), &["request", "/nowhere"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("API Gateway answered without calling the function"),
        "{}",
        stdout(&out)
    );
    local.server.shutdown().await;
}

#[test]
fn a_bad_saved_request_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lambdeck.toml"),
        "region = \"us-east-1\"\n[requests.x]\npath = \"hello\"\n",
    )
    .unwrap();
    let out = lambdeck(dir.path(), &["request", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = one_error_line(&out);
    assert!(err.contains("requests.x.path"), "{err}");
}

/// `canary` headless: a 50 % canary whose pings show both deployments with their own figures, then
/// promoted; a canary with no action is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_at_half_the_traffic_pinged_then_promoted() {
    let local = LocalStack::up().await;
    let dir = project();
    let main = local
        .load()
        .await
        .stage()
        .unwrap()
        .deployment_id
        .clone()
        .unwrap();
    let out = local.run(dir.path(), &["canary"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = local.run(dir.path(), &["canary", "--percent", "50"]).await;
    assert_eq!(out.status.code(), Some(2), "asks first: {}", stderr(&out));
    let out = local
        .run(
            dir.path(),
            &["canary", "--percent", "50", "--yes", "--json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "canary");
    assert_eq!(outcome["stage"]["deployment_id"], main.as_str());
    assert_eq!(outcome["stage"]["canary_percent"], 50.0);
    let canary = outcome["deployment"]["id"].as_str().unwrap().to_owned();
    let out = local.run(dir.path(), &["status"]).await;
    assert!(
        stdout(&out).contains(&format!("        canary: deployment {canary}")),
        "{}",
        stdout(&out)
    );
    // 40 probes all on one side would happen once in 2^39 runs.
    let out = local
        .run(dir.path(), &["ping", "-n", "40", "--interval", "10"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for d in [&main, &canary] {
        assert!(
            text.contains(&format!("  deployment {d}: ")) && text.contains("failed (0.0%)"),
            "{text}"
        );
    }
    let out = local
        .run(dir.path(), &["canary", "--promote", "--yes"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "promoted the canary: serving {canary} on stage tf-test"
        )),
        "{}",
        stdout(&out)
    );
    let after = local.load().await;
    let stage = after.stage().unwrap();
    assert_eq!(stage.deployment_id.as_deref(), Some(canary.as_str()));
    assert_eq!(stage.canary_deployment_id, None);
    let out = local.run(dir.path(), &["canary", "--cancel"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(one_error_line(&out).contains("no canary"));
    local.server.shutdown().await;
}

/// `ping` leaves a route that requires an API key alone, saying how to give it one, and sends the key
/// from `[ping] api_key` once there is one; an API whose default endpoint is disabled is one line, not
/// a stream of 403s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_sends_the_configured_api_key_and_explains_a_disabled_endpoint() {
    let local = LocalStack::up().await;
    let dir = project();
    let stack = local.load().await;
    local.add_route_with(&stack, "keyed", "NONE", true).await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "not pinged: GET /keyed: needs an API key (x-api-key): set LAMBDECK_API_KEY or \
             `[ping] api_key` in lambdeck.toml"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("/keyed"), "{}", stdout(&out));

    // A key the stage does not know: sent, and refused as API Gateway refuses it.
    let with_key = |key: &str| {
        std::fs::write(
            dir.path().join("lambdeck.toml"),
            format!("region = \"us-east-1\"\n[ping]\napi_key = \"{key}\"\n"),
        )
        .unwrap();
    };
    with_key("not-a-key-of-this-account");
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not pinged"), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/keyed") && l.contains("403")),
        "{}",
        stdout(&out)
    );

    // A key in a usage plan of this stage: every route answers.
    let api = local.load().await.api.as_ref().unwrap().id.clone();
    let gw = &local.clients.apigateway;
    let key = gw
        .create_api_key()
        .name("pinger")
        .enabled(true)
        .send()
        .await
        .unwrap();
    let plan = gw
        .create_usage_plan()
        .name("plan")
        .api_stages(
            aws_sdk_apigateway::types::ApiStage::builder()
                .api_id(&api)
                .stage("tf-test")
                .build(),
        )
        .send()
        .await
        .unwrap();
    gw.create_usage_plan_key()
        .usage_plan_id(plan.id().unwrap())
        .key_id(key.id().unwrap())
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    with_key(key.value().unwrap());
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/keyed") && l.contains("200")),
        "{}",
        stdout(&out)
    );

    local
        .clients
        .apigateway
        .update_rest_api()
        .rest_api_id(&api)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/disableExecuteApiEndpoint")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = one_error_line(&out);
    assert!(
        err.contains("disableExecuteApiEndpoint") && err.contains("custom domain"),
        "{err}"
    );
}

/// `ping` signs the calls to an AWS_IAM route with SigV4 (the credentials the SDK clients use), which
/// the stage accepts; the same call unsigned is refused as API Gateway refuses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_signs_aws_iam_routes_which_the_stage_refuses_unsigned() {
    let local = LocalStack::up().await;
    let dir = project();
    let stack = local.load().await;
    local.add_route_with(&stack, "iam", "AWS_IAM", false).await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not pinged"), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/iam") && l.contains("200")),
        "{}",
        stdout(&out)
    );

    let url = format!("{}/iam", local.load().await.invoke_url().unwrap());
    let unsigned = reqwest::get(&url).await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    assert_eq!(
        unsigned.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );
}
