//! Acceptance with the real `terraform` binary and the hashicorp/aws provider against the local stack:
//! the tutorial's own Terraform (its Node handler run by this machine's `node`) and assets/terraform
//! (the Rust function) each apply, plan clean, serve "Hello from Lambda!" and destroy, leaving nothing
//! behind; and the tutorial's stale-deployment scenario, with lambdeck redeploying a Terraform stage.
//!
//! Needs `terraform`, the provider (a filesystem mirror: `LAMBDECK_TF_PROVIDER_MIRROR`, the folder
//! holding `registry.terraform.io`; else one of Terraform's implied local mirror folders or a folder
//! under /opt holding one) and `node`.
//! Without them the tests skip, saying why; under `LAMBDECK_REQUIRE_TOOLS=1` they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use lambdeck::aws::{Clients, Target};
use lambdeck::local::{LocalConfig, LocalServer};

use lambdeck_test_support::{Tmux, hello_world_zip, on_path, skip, zip_of};

/// The seed's Node handler, as the tutorial writes it.
const TUTORIAL_HANDLER: &str = include_str!("../fixtures/terraform/tutorial/index.js");
/// The tutorial's Terraform, as written (archive_file replaced by the test's zip).
const TUTORIAL_MAIN_TF: &str = include_str!("../fixtures/terraform/tutorial/main.tf");
/// assets/terraform, the project's own Terraform for the Rust function.
const ASSETS_MAIN_TF: &str = include_str!("../../assets/terraform/main.tf");

/// Where the hashicorp/aws provider can be installed from without the registry.
fn provider_mirror() -> Option<PathBuf> {
    let has_aws = |d: &Path| d.join("registry.terraform.io/hashicorp/aws").is_dir();
    if let Some(dir) = std::env::var_os("LAMBDECK_TF_PROVIDER_MIRROR") {
        let dir = PathBuf::from(dir);
        // Either the folder holding registry.terraform.io, or registry.terraform.io itself.
        let dir = if dir.ends_with("registry.terraform.io") {
            dir.parent().map(Path::to_path_buf).unwrap_or(dir)
        } else {
            dir
        };
        return has_aws(&dir).then_some(dir);
    }
    // Terraform's implied local mirror folders.
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(h) = &home {
        candidates.push(h.join(".terraform.d/plugins"));
        candidates.push(h.join(".local/share/terraform/plugins"));
    }
    candidates.push("/usr/local/share/terraform/plugins".into());
    candidates.push("/usr/share/terraform/plugins".into());
    // Add-on software's usual home: a mirror installed as /opt/<something>/registry.terraform.io.
    if let Ok(entries) = std::fs::read_dir("/opt") {
        let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        found.sort();
        candidates.extend(found);
    }
    candidates.into_iter().find(|d| has_aws(d))
}

/// The terraform binary with a CLI configuration that installs the aws provider from the mirror.
struct Terraform {
    bin: PathBuf,
    config: tempfile::TempDir,
}

impl Terraform {
    fn find() -> Option<Self> {
        let Some(bin) = on_path("terraform") else {
            return skip("terraform is not installed (https://developer.hashicorp.com/terraform)");
        };
        let Some(mirror) = provider_mirror() else {
            return skip(
                "no filesystem mirror of the hashicorp/aws provider: set LAMBDECK_TF_PROVIDER_MIRROR to the folder holding registry.terraform.io",
            );
        };
        if on_path("node").is_none() {
            return skip("node is not installed: the tutorial's function is Node.js");
        }
        let config = tempfile::tempdir().unwrap();
        std::fs::write(
            config.path().join("cli.tfrc"),
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
                mirror.display().to_string()
            ),
        )
        .unwrap();
        Some(Self { bin, config })
    }

    /// Runs terraform in `dir` (on a blocking thread: the local stack serves on this runtime).
    async fn run(&self, dir: &Path, args: &[&str]) -> Output {
        // `-no-color` right after the subcommand: every one used here takes it.
        let mut cmd = Command::new(&self.bin);
        cmd.args(&args[..1])
            .arg("-no-color")
            .args(&args[1..])
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", self.config.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null());
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// `init`, `apply`, then a plan that must change nothing (exit 0 of `-detailed-exitcode`): every
    /// read the provider makes after a write answers what was written. `vars` go to apply and plan.
    async fn apply_and_plan_clean(&self, dir: &Path, vars: &[&str]) {
        self.ok(dir, &["init", "-input=false"]).await;
        let with = |args: &[&'static str]| -> Vec<&str> {
            args.iter().copied().chain(vars.iter().copied()).collect()
        };
        self.ok(dir, &with(&["apply", "-auto-approve", "-input=false"]))
            .await;
        let plan = self
            .run(dir, &with(&["plan", "-detailed-exitcode", "-input=false"]))
            .await;
        assert_eq!(
            plan.status.code(),
            Some(0),
            "a plan right after apply changes nothing:\n{}",
            String::from_utf8_lossy(&plan.stdout)
        );
    }

    /// Runs terraform and requires success.
    async fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.run(dir, args).await;
        assert!(
            out.status.success(),
            "terraform {} failed ({}):\n{}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The provider pointed at the local stack: endpoints, static credentials, nothing else.
fn provider_block(endpoint: &str, region_expr: &str) -> String {
    format!(
        r#"provider "aws" {{
  region     = {region_expr}
  access_key = "test"
  secret_key = "test"
  endpoints {{
    apigateway = "{endpoint}"
    iam        = "{endpoint}"
    lambda     = "{endpoint}"
    logs       = "{endpoint}"
    sts        = "{endpoint}"
  }}
}}
"#
    )
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

async fn clients(endpoint: &str) -> Clients {
    Clients::new(&Target {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_owned()),
        local: true,
        ..Default::default()
    })
    .await
    .unwrap()
}

/// The id of the one REST API on the stack.
async fn only_api_id(c: &Clients) -> String {
    let apis = c.apigateway.get_rest_apis().send().await.unwrap();
    let items = apis.items();
    assert_eq!(items.len(), 1, "{items:?}");
    items[0].id().unwrap().to_owned()
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Nothing of the stack is left: no API, function, role, policy or log group.
async fn assert_empty(c: &Clients) {
    let apis = c.apigateway.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty(), "{:?}", apis.items());
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(
        functions.functions().is_empty(),
        "{:?}",
        functions.functions()
    );
    let roles = c.iam.list_roles().send().await.unwrap();
    assert!(roles.roles().is_empty(), "{:?}", roles.roles());
    let policies = c.iam.list_policies().send().await.unwrap();
    assert!(policies.policies().is_empty(), "{:?}", policies.policies());
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
}

impl Terraform {
    /// The lambdeck binary in `dir`, against the local stack, with this terraform on its PATH first.
    /// The dashboard on `endpoint` in `dir`, in tmux, once its tree shows the stack: None (skipped, or
    /// failed under `.ci/run`) without tmux.
    async fn dashboard(&self, dir: &Path, endpoint: &str) -> Option<Tmux> {
        if !Tmux::available() {
            return skip(
                "the Terraform dashboard test: tmux is not installed (.ci/run installs it)",
            );
        }
        let bin_dir = self.bin.parent().map(Path::to_path_buf).unwrap_or_default();
        let command = format!(
            "env -u AWS_PROFILE -u AWS_ENDPOINT_URL PATH={}:\"$PATH\" TF_CLI_CONFIG_FILE={} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test {} --endpoint-url {endpoint}; echo \"lambdeck exited with $?\"; sleep 600",
            bin_dir.display(),
            self.config.path().join("cli.tfrc").display(),
            env!("CARGO_BIN_EXE_lambdeck"),
        );
        let tmux = Tmux::start(
            &format!("lambdeck-tf-{}", std::process::id()),
            dir,
            &command,
        );
        let screen = tmux
            .wait_for("the Terraform stack's tree", |s| {
                s.contains("stage tf-test") || s.contains("exited")
            })
            .await;
        assert!(!screen.contains("exited"), "{screen}");
        assert!(!screen.contains("/goodbye"), "{screen}");
        Some(tmux)
    }

    fn lambdeck(&self, dir: &Path, endpoint: &str, args: &[&str]) -> Output {
        let mut path = vec![self.bin.parent().map(Path::to_path_buf).unwrap_or_default()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Command::new(env!("CARGO_BIN_EXE_lambdeck"))
            .args(args)
            .args(["--endpoint-url", endpoint])
            .current_dir(dir)
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("TF_CLI_CONFIG_FILE", self.config.path().join("cli.tfrc"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

/// The deployment the stage is on in Terraform's state, and the stage's address.
async fn terraform_stage_deployment(tf: &Terraform, dir: &Path) -> (String, String) {
    let show = tf.ok(dir, &["show", "-json"]).await;
    let doc: serde_json::Value = serde_json::from_str(&show).unwrap();
    let stage = doc["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_api_gateway_stage")
        .unwrap()
        .clone();
    (
        stage["values"]["deployment_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        stage["address"].as_str().unwrap().to_owned(),
    )
}

/// A route the tutorial's reader adds later, with no `triggers` on the deployment, as in the tutorial.
const GOODBYE_ROUTE_TF: &str = r#"
resource "aws_api_gateway_resource" "goodbye" {
  rest_api_id = aws_api_gateway_rest_api.to_lambda_node.id
  parent_id   = aws_api_gateway_rest_api.to_lambda_node.root_resource_id
  path_part   = "goodbye"
}

resource "aws_api_gateway_method" "goodbye" {
  rest_api_id   = aws_api_gateway_rest_api.to_lambda_node.id
  resource_id   = aws_api_gateway_resource.goodbye.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "goodbye" {
  rest_api_id             = aws_api_gateway_rest_api.to_lambda_node.id
  resource_id             = aws_api_gateway_resource.goodbye.id
  http_method             = aws_api_gateway_method.goodbye.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.hello_world.invoke_arn
}
"#;

/// lambdeck.toml for the tutorial's stack (its names, the Node runtime).
const TUTORIAL_LAMBDECK_TOML: &str = r#"region = "us-east-1"

[function]
name = "tf-test-node-hello-world"
runtime = "nodejs20.x"
handler = "index.handler"
role = "tf-test-lambda-role"

[api]
name = "tf-test-to-lambda-node-api"
description = "REST API for lambda node test"
stage = "tf-test"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tutorials_terraform_applies_plans_clean_serves_goes_stale_and_destroys() {
    let Some(tf) = Terraform::find() else { return };
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let endpoint = server.endpoint_url();
    let c = clients(&endpoint).await;

    // The tutorial's layout: functions/ (the handler and its zip) and terraform/.
    let root = tempfile::tempdir().unwrap();
    let functions = root.path().join("functions");
    std::fs::create_dir_all(functions.join("tf-test-node-hello-world")).unwrap();
    std::fs::create_dir_all(functions.join("upload")).unwrap();
    std::fs::write(
        functions.join("tf-test-node-hello-world/index.js"),
        TUTORIAL_HANDLER,
    )
    .unwrap();
    std::fs::write(
        functions.join("upload/tf-test-node-hello-world.zip"),
        zip_of(&[("index.js", 0o644, TUTORIAL_HANDLER.as_bytes())]),
    )
    .unwrap();
    let dir = root.path().join("terraform");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), TUTORIAL_MAIN_TF).unwrap();
    // The variables the tutorial uses without declaring them, declared; and the provider.
    std::fs::write(
        dir.join("lambdeck.tf"),
        format!(
            "variable \"app_name\" {{\n  default = \"tf-test\"\n}}\nvariable \"aws_region\" {{\n  default = \"us-east-1\"\n}}\nvariable \"aws_id\" {{\n  default = \"000000000000\"\n}}\n{}",
            provider_block(&endpoint, "var.aws_region")
        ),
    )
    .unwrap();

    tf.apply_and_plan_clean(&dir, &[]).await;

    // The stage URL answers from the tutorial's Node handler.
    let api = only_api_id(&c).await;
    let stage = lambdeck::wire::local_stage_url(&endpoint, &api, "tf-test");
    assert_eq!(
        get(&format!("{stage}/hello_world")).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );

    // A lambdeck.toml elsewhere that names only the Terraform folder: every name comes from the state.
    let app = root.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("lambdeck.toml"),
        "region = \"us-east-1\"\nterraform = \"../terraform\"\n",
    )
    .unwrap();
    // The dashboard, open while Terraform applies elsewhere.
    let dashboard = tf.dashboard(&app, &endpoint).await;

    // The seed's scenario: a route added in Terraform, with no triggers, is applied but not deployed.
    std::fs::write(dir.join("goodbye.tf"), GOODBYE_ROUTE_TF).unwrap();
    tf.ok(&dir, &["apply", "-auto-approve", "-input=false"])
        .await;
    assert_eq!(get(&format!("{stage}/goodbye")).await.0, 403);
    // `R` reads Terraform's state again: the new route shows, marked as Terraform's.
    if let Some(tmux) = dashboard {
        tmux.keys("R");
        let screen = tmux
            .wait_for("the new route marked tf", |s| {
                s.lines()
                    .any(|l| l.contains("/goodbye") && l.contains("tf"))
            })
            .await;
        assert!(!screen.contains("cannot read Terraform"), "{screen}");
    }
    let status = tf.lambdeck(&app, &endpoint, &["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(
        status.status.code(),
        Some(3),
        "STALE: {text}{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for line in [
        "function tf-test-node-hello-world  nodejs20.x",
        "role tf-test-lambda-role",
        "rest api tf-test-to-lambda-node-api",
        "+GET /goodbye",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    assert!(
        !text.contains("note: runtime"),
        "the runtime is Terraform's: {text}"
    );
    // What Terraform manages is marked: in the text, and in the JSON under the tree's node keys.
    assert!(
        text.lines().any(|l| l.contains("stage tf-test")
            && l.ends_with("[tf aws_api_gateway_stage.hello_world]")),
        "{text}"
    );
    let json = tf.lambdeck(&app, &endpoint, &["status", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let marks = &doc["stack"]["terraform"]["nodes"];
    assert_eq!(
        marks["api/stage/tf-test"], "aws_api_gateway_stage.hello_world",
        "{marks}"
    );
    assert_eq!(marks["fn"], "aws_lambda_function.hello_world", "{marks}");
    assert_eq!(doc["stack"]["terraform"]["dir"], "../terraform");
    // lambdeck.toml beside the Terraform files: lambdeck finds Terraform's folder next to it.
    std::fs::write(dir.join("lambdeck.toml"), TUTORIAL_LAMBDECK_TOML).unwrap();
    let status = tf.lambdeck(&dir, &endpoint, &["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(3), "STALE: {text}");
    assert!(text.contains("+GET /goodbye"), "{text}");
    // lambdeck deploys it onto the same stage.
    let deploy = tf.lambdeck(&dir, &endpoint, &["deploy", "--yes"]);
    let warning = String::from_utf8_lossy(&deploy.stderr);
    assert!(
        deploy.status.success(),
        "{}\n{warning}",
        String::from_utf8_lossy(&deploy.stdout)
    );
    // ... with the warning that Terraform will move the stage back, and the fix ready to paste.
    let (stage_deployment, _) = terraform_stage_deployment(&tf, &dir).await;
    assert!(
        warning.contains(&format!(
            "stage tf-test is managed by Terraform (aws_api_gateway_stage.hello_world in .): the next `terraform apply` points it back at deployment {stage_deployment}"
        )),
        "{warning}"
    );
    for line in [
        "add to aws_api_gateway_deployment.hello_world:",
        "aws_api_gateway_resource.goodbye.id,",
        "aws_api_gateway_integration.goodbye.uri,",
        "aws_api_gateway_method.hello_world.id,",
        "create_before_destroy = true",
    ] {
        assert!(warning.contains(line), "{line} in:\n{warning}");
    }
    assert_eq!(
        get(&format!("{stage}/goodbye")).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );
    // And the next Terraform plan moves the stage back to the deployment Terraform knows, as on AWS.
    let plan = tf
        .run(&dir, &["plan", "-detailed-exitcode", "-input=false"])
        .await;
    let text = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(plan.status.code(), Some(2), "{text}");
    assert!(
        text.contains("aws_api_gateway_stage.hello_world will be updated in-place")
            && text.contains("deployment_id"),
        "{text}"
    );

    // `prune --all` keeps Terraform's deployment, though no stage uses it any more.
    let prune = tf.lambdeck(&dir, &endpoint, &["prune", "--all", "--keep", "0", "--yes"]);
    let text = String::from_utf8_lossy(&prune.stdout);
    assert!(prune.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "skipped {stage_deployment}: Terraform manages it (aws_api_gateway_deployment.hello_world)"
        )),
        "{text}"
    );
    c.apigateway
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&stage_deployment)
        .send()
        .await
        .expect("Terraform's deployment is still there");
    // `up` does not create what Terraform manages, even when it is missing.
    c.logs
        .delete_log_group()
        .log_group_name("/aws/lambda/tf-test-node-hello-world")
        .send()
        .await
        .unwrap();
    let up = tf.lambdeck(&dir, &endpoint, &["up"]);
    let text = String::from_utf8_lossy(&up.stdout);
    assert!(
        up.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(
        text.contains("skipped log group /aws/lambda/tf-test-node-hello-world (missing, but Terraform manages it (aws_cloudwatch_log_group.node_lambda_hello_world)"),
        "{text}"
    );
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
    // `down` deletes nothing Terraform manages, and says so.
    let down = tf.lambdeck(&dir, &endpoint, &["down", "--yes"]);
    let text = String::from_utf8_lossy(&down.stdout);
    assert!(down.status.success(), "{text}");
    for line in [
        "keep    rest api tf-test-to-lambda-node-api",
        "keep    function tf-test-node-hello-world (Terraform manages it (aws_lambda_function.hello_world)",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }

    tf.ok(&dir, &["destroy", "-auto-approve", "-input=false"])
        .await;
    assert_empty(&c).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_terraform_applies_plans_clean_serves_the_rust_function_and_destroys() {
    let Some(tf) = Terraform::find() else { return };
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let endpoint = server.endpoint_url();
    let c = clients(&endpoint).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), ASSETS_MAIN_TF).unwrap();
    let package = dir.path().join("bootstrap.zip");
    std::fs::write(&package, hello_world_zip()).unwrap();
    // The provider block is merged into assets/terraform's own through an override file.
    std::fs::write(
        dir.path().join("lambdeck_override.tf"),
        provider_block(&endpoint, "var.aws_region"),
    )
    .unwrap();
    let vars = [
        "-var=aws_region=us-east-1".to_owned(),
        format!("-var=package={}", package.display()),
    ];

    tf.apply_and_plan_clean(dir.path(), &strs(&vars)).await;

    // The output names the AWS URL; the same API answers on the local stage URL.
    let url = tf.ok(dir.path(), &["output", "-raw", "invoke_url"]).await;
    let api = only_api_id(&c).await;
    assert!(
        url.starts_with(&format!("https://{api}.execute-api.")),
        "{url}"
    );
    let stage = lambdeck::wire::local_stage_url(&endpoint, &api, "tf-test");
    assert_eq!(
        get(&format!("{stage}/hello_world")).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );

    let destroy = ["destroy", "-auto-approve", "-input=false"];
    tf.ok(dir.path(), &[&destroy[..], &strs(&vars)].concat())
        .await;
    assert_empty(&c).await;
    server.shutdown().await;
}

const ADDITIONS_MAIN_TF: &str = include_str!("../fixtures/terraform/additions/main.tf");

/// The common additions to the tutorial's stack (method and integration responses, a gateway response,
/// an authorizer, a model, a request validator, a resource policy, an inline role policy, an alias, an
/// API key in a usage plan bound to the stage)
/// apply, plan clean and destroy: every read the provider makes after a write answers what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_common_additions_apply_plan_clean_and_destroy() {
    let Some(tf) = Terraform::find() else { return };
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let endpoint = server.endpoint_url();
    let c = clients(&endpoint).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), ADDITIONS_MAIN_TF).unwrap();
    std::fs::write(
        dir.path().join("provider.tf"),
        provider_block(&endpoint, "\"us-east-1\""),
    )
    .unwrap();
    let package = dir.path().join("index.zip");
    std::fs::write(
        &package,
        zip_of(&[("index.js", 0o644, TUTORIAL_HANDLER.as_bytes())]),
    )
    .unwrap();
    let vars = [format!("-var=package={}", package.display())];

    tf.apply_and_plan_clean(dir.path(), &strs(&vars)).await;
    // The key is in the plan, which covers the stage.
    let plans = c.apigateway.get_usage_plans().send().await.unwrap();
    assert_eq!(plans.items().len(), 1);
    let plan = &plans.items()[0];
    assert_eq!(plan.api_stages()[0].stage(), Some("live"));
    assert_eq!(plan.quota().map(|q| q.limit()), Some(1000));
    let keys = c
        .apigateway
        .get_usage_plan_keys()
        .usage_plan_id(plan.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(keys.items()[0].name(), Some("tf-additions-key"));

    let destroy = ["destroy", "-auto-approve", "-input=false"];
    tf.ok(dir.path(), &[&destroy[..], &strs(&vars)].concat())
        .await;
    assert_empty(&c).await;
    let keys = c.apigateway.get_api_keys().send().await.unwrap();
    assert!(keys.items().is_empty(), "{:?}", keys.items());
    let plans = c.apigateway.get_usage_plans().send().await.unwrap();
    assert!(plans.items().is_empty(), "{:?}", plans.items());
    server.shutdown().await;
}
