//! The headless stack commands as a user runs them: exit statuses, one-line classified failures, the
//! JSON shape of `status --json`, and confirmation refused without a terminal.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::Moto;

mod failures;
mod requests;
mod stages;
mod status;

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
