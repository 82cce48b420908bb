//! Configuration as the AWS SDK defines it, through the binary in a child process: per-service
//! endpoints from the environment and the profile, the ignore switch, --endpoint-url over all of
//! them, the region's order (flag, environment or profile, lambdeck.toml), `aws login` sessions, and
//! `api.id` picking one of several REST APIs with the same name.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::cli::{LocalStack, json_of, stderr};

/// The variables of the machine running the tests that would change what the child resolves.
const AMBIENT: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_API_GATEWAY",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Runs `lambdeck args` in `dir` with only `env` for AWS settings: the shared config file is
/// `dir/aws-config` (absent unless the test writes it), no credentials file, no instance metadata.
async fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambdeck"));
        cmd.args(&args).current_dir(&dir).stdin(Stdio::null());
        for var in AMBIENT {
            cmd.env_remove(var);
        }
        cmd.env("AWS_CONFIG_FILE", dir.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

/// Variables for the child, besides the isolation `run` sets.
type Vars = Vec<(&'static str, String)>;

fn keys() -> Vars {
    vec![
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ]
}

fn project(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), toml).unwrap();
    dir
}

fn dead_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// `AWS_ENDPOINT_URL_<SERVICE>` is the service's endpoint even when `AWS_ENDPOINT_URL` names another
/// (once read by hand and set for every service, it hid them); the stage URL follows API Gateway's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_service_endpoints_from_the_environment_win_over_the_shared_one() {
    let local = LocalStack::up().await;
    let url = local.server.endpoint_url();
    let dir = project("region = \"us-east-1\"\n");
    let mut env = keys();
    env.push(("AWS_ENDPOINT_URL", dead_endpoint()));
    for var in [
        "AWS_ENDPOINT_URL_API_GATEWAY",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
        "AWS_ENDPOINT_URL_IAM",
    ] {
        env.push((var, url.clone()));
    }
    let out = run(dir.path(), &["status", "--json"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["stack"]["endpoint_url"], url.as_str());
    let stage_url = json["stack"]["api"]["stages"][0]["invoke_url"]
        .as_str()
        .unwrap();
    assert!(stage_url.starts_with(&url), "{stage_url}");
    // One service sent elsewhere is seen failing: the per-service setting is really used.
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL_LAMBDA");
    env.push(("AWS_ENDPOINT_URL_LAMBDA", dead_endpoint()));
    let out = run(dir.path(), &["status", "--json"], &env).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("unreachable"), "{}", stderr(&out));
    local.server.shutdown().await;
}

/// A profile's `endpoint_url` (and a `services` section's per-service one) is used;
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` turns them off; --endpoint-url wins over all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_endpoints_the_ignore_switch_and_the_flag() {
    let local = LocalStack::up().await;
    let url = local.server.endpoint_url();
    let dead = dead_endpoint();
    let dir = project("region = \"us-east-1\"\n");
    std::fs::write(
        dir.path().join("aws-config"),
        format!(
            "[profile shared]\nendpoint_url = {url}\n\
             [profile split]\nendpoint_url = {dead}\nservices = split-services\n\
             [services split-services]\n\
             api_gateway =\n  endpoint_url = {url}\n\
             lambda =\n  endpoint_url = {url}\n\
             cloudwatch_logs =\n  endpoint_url = {url}\n\
             iam =\n  endpoint_url = {url}\n"
        ),
    )
    .unwrap();
    for profile in ["shared", "split"] {
        let out = run(
            dir.path(),
            &["status", "--json", "--profile", profile],
            &keys(),
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{profile}: {}", stderr(&out));
        assert_eq!(json_of(&out)["stack"]["endpoint_url"], url.as_str());
    }
    // Ignored, the profile's endpoint is not used: the calls go to AWS, unreachable from the tests.
    let mut ignoring = keys();
    ignoring.push(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true".into()));
    let out = run(dir.path(), &["status", "--profile", "shared"], &ignoring).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The flag wins over the environment and the profile alike.
    let mut env = keys();
    env.push(("AWS_ENDPOINT_URL_LAMBDA", dead.clone()));
    env.push(("AWS_ENDPOINT_URL", dead.clone()));
    let out = run(
        dir.path(),
        &[
            "status",
            "--json",
            "--profile",
            "split",
            "--endpoint-url",
            &url,
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    local.server.shutdown().await;
}

/// The region: --region, then the environment, then the profile, then lambdeck.toml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_comes_from_the_flag_then_environment_or_profile_then_lambdeck_toml() {
    let local = LocalStack::up().await;
    let url = local.server.endpoint_url();
    let dir = project("region = \"eu-west-1\"\n");
    std::fs::write(
        dir.path().join("aws-config"),
        "[profile tokyo]\nregion = ap-northeast-1\n[profile plain]\noutput = json\n",
    )
    .unwrap();
    // Regions are isolated: the stack exists only in the region it was made in, so a status read
    // through another region finds no API (1, with the JSON report) rather than the stack (0).
    let region_of = |out: &Output| {
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(out));
        json_of(out)["stack"]["region"].as_str().unwrap().to_owned()
    };
    let with_env = |region: &str| {
        let mut env = keys();
        env.push(("AWS_REGION", region.to_owned()));
        env
    };
    let cases: [(&[&str], Vars, &str); 5] = [
        (
            &["--region", "ca-central-1"],
            with_env("us-west-2"),
            "ca-central-1",
        ),
        (&[], with_env("us-west-2"), "us-west-2"),
        (&["--profile", "tokyo"], keys(), "ap-northeast-1"),
        (&["--profile", "plain"], keys(), "eu-west-1"),
        (&[], keys(), "eu-west-1"),
    ];
    for (extra, env, want) in cases {
        let mut args = vec!["status", "--json", "--endpoint-url", &url];
        args.extend_from_slice(extra);
        let out = run(dir.path(), &args, &env).await;
        assert_eq!(region_of(&out), want, "{extra:?}");
    }
    local.server.shutdown().await;
}

/// A profile made by `aws login` (a `login_session`) gives credentials from its cached session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_login_profile_signs_with_its_cached_session() {
    let local = LocalStack::up().await;
    let url = local.server.endpoint_url();
    let dir = project("region = \"us-east-1\"\n");
    let session = "arn:aws:iam::000000000000:user/Admin";
    std::fs::write(
        dir.path().join("aws-config"),
        format!("[profile console]\nlogin_session = {session}\nregion = us-east-1\n"),
    )
    .unwrap();
    // The cache file is named by the SHA-256 of the session ARN, as the AWS CLI writes it.
    let cache = dir.path().join("login-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let name = {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(session.as_bytes());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    std::fs::write(
        cache.join(format!("{name}.json")),
        r#"{"accessToken":{"accessKeyId":"ASIALOGINSESSION","secretAccessKey":"secret","sessionToken":"token","accountId":"000000000000","expiresAt":"2099-01-01T00:00:00Z"},"tokenType":"aws_sigv4","refreshToken":"refresh","clientId":"arn:aws:signin:::devtools/same-device","dpopKey":"unused until a refresh"}"#,
    )
    .unwrap();
    let env = vec![("AWS_LOGIN_CACHE_DIRECTORY", cache.display().to_string())];
    let out = run(
        dir.path(),
        &["status", "--profile", "console", "--endpoint-url", &url],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without the cached session there are no credentials: the profile really is what signed.
    std::fs::remove_dir_all(&cache).unwrap();
    let out = run(
        dir.path(),
        &["status", "--profile", "console", "--endpoint-url", &url],
        &env,
    )
    .await;
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    local.server.shutdown().await;
}

/// `api.id` picks one of two REST APIs with the same name; an id that none of them has is shown as
/// the reason the API is unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_id_picks_one_of_several_apis_with_the_same_name() {
    let local = LocalStack::up().await;
    let url = local.server.endpoint_url();
    let name = &local.spec.api.name;
    let (twin, _) = lambdeck::aws::apigateway::create_rest_api(
        &local.clients.apigateway,
        name,
        "the same name again",
    )
    .await
    .unwrap();
    let status = |toml: String| {
        let url = url.clone();
        async move {
            let dir = project(&toml);
            run(
                dir.path(),
                &["status", "--json", "--endpoint-url", &url],
                &keys(),
            )
            .await
        }
    };
    let out = status(format!("region = \"us-east-1\"\n[api]\nid = \"{twin}\"\n")).await;
    let json = json_of(&out);
    assert_eq!(json["stack"]["api"]["id"], twin.as_str(), "{json}");
    assert_eq!(json["stack"]["api"]["description"], "the same name again");
    let out = status("region = \"us-east-1\"\n[api]\nid = \"nosuchid\"\n".into()).await;
    let json = json_of(&out);
    assert_eq!(json["stack"]["api"]["status"], "unknown", "{json}");
    let why = json["stack"]["api"]["reason"].to_string();
    assert!(why.contains("has id nosuchid"), "{json}");
    local.server.shutdown().await;
}

/// A profile that is in neither shared file is named in one line, as the AWS CLI does, instead of
/// "credentials missing" (the SDK would go on without it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_profile_is_named() {
    let dir = project("region = \"us-east-1\"\n");
    std::fs::write(
        dir.path().join("aws-config"),
        "[profile other]\nregion = us-east-1\n",
    )
    .unwrap();
    let flag = run(dir.path(), &["status", "--profile", "nosuch"], &keys()).await;
    let env = {
        let mut env = keys();
        env.push(("AWS_PROFILE", "nosuch".into()));
        run(dir.path(), &["status"], &env).await
    };
    for out in [flag, env] {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("profile `nosuch` (--profile or AWS_PROFILE) is in neither the shared config file nor the credentials file"),
            "{err}"
        );
    }
    // An empty name (an exported but empty AWS_PROFILE) is named as such, not as profile ``.
    let mut env = keys();
    env.push(("AWS_PROFILE", String::new()));
    let out = run(dir.path(), &["status"], &env).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "lambdeck: error: the profile name is empty (--profile or AWS_PROFILE): name a profile, or unset AWS_PROFILE to use the default"
    );
    // A profile that is there goes on to the endpoint (here: none answers, so not a profile error).
    let out = run(
        dir.path(),
        &[
            "status",
            "--profile",
            "other",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        &keys(),
    )
    .await;
    assert!(
        !stderr(&out).contains("profile `other`"),
        "{}",
        stderr(&out)
    );
}
