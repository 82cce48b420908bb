//! The dashboard end to end: the real binary in tmux against its own local stack. It sets the stack up,
//! pings and tails it, shows a route added through the SDK as stale, and makes it live with d then y.

use lambdeck::aws::Clients;

use crate::support::{self, Tmux};

/// Adds GET /goodbye to the working API (not deployed): what a Terraform change without a redeploy does.
async fn add_route(clients: &Clients) {
    let apis = clients.apigateway.get_rest_apis().send().await.unwrap();
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some(support::Tutorial::API))
        .expect("the dashboard created the API");
    let api_id = api.id().unwrap();
    let resources = clients
        .apigateway
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    let root = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .unwrap();
    let hello = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/hello_world"))
        .unwrap();
    let uri = clients
        .apigateway
        .get_integration()
        .rest_api_id(api_id)
        .resource_id(hello.id().unwrap())
        .http_method("GET")
        .send()
        .await
        .unwrap()
        .uri()
        .unwrap()
        .to_owned();
    let goodbye = clients
        .apigateway
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root.id().unwrap())
        .path_part("goodbye")
        .send()
        .await
        .unwrap();
    clients
        .apigateway
        .put_method()
        .rest_api_id(api_id)
        .resource_id(goodbye.id().unwrap())
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    clients
        .apigateway
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(goodbye.id().unwrap())
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(uri)
        .send()
        .await
        .unwrap();
}

/// The dashboard on the local stack in a tmux session of its own (`lambdeck-<label>-<pid>`) in `dir`,
/// once its local setup has ended with `local stack ready`; None (skipped, or failed under
/// `.ci/run`) without tmux. The dev profile keeps the function's build short; the pane stays open
/// after exit to show how it ended.
async fn dashboard_set_up(label: &str, dir: &std::path::Path) -> Option<Tmux> {
    if !Tmux::available() {
        return support::skip(
            "the dashboard's end-to-end test: tmux is not installed (.ci/run installs it)",
        );
    }
    let bin = env!("CARGO_BIN_EXE_lambdeck");
    let command = format!(
        "LAMBDECK_BUILD_PROFILE=dev {bin} --local; echo \"lambdeck exited with $?\"; sleep 600"
    );
    let name = format!("lambdeck-{label}-{}", std::process::id());
    let tmux = Tmux::start(&name, dir, &command);
    let screen = tmux
        .wait_for("the end of the local setup", |s| {
            s.contains("local stack ready") || s.contains("failed")
        })
        .await;
    assert!(screen.contains("local stack ready"), "{screen}");
    Some(tmux)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_sets_up_and_redeploys_a_stale_stage() {
    // A project of its own: its local stack keeps its state in this directory, on its own port.
    let dir = support::project();
    let Some(tmux) = dashboard_set_up("e2e", dir.path()).await else {
        return;
    };
    tmux.wait_for("the stage in sync", |s| s.contains("stage tf-test in sync"))
        .await;
    // Pinging and tailing started on their own: a ping row shows 200, the function's answer and the
    // REPORT metrics of the invocation it caused; the log pane shows that invocation.
    let screen = tmux
        .wait_for("a ping answered with its REPORT metrics", |s| {
            s.lines().any(|l| {
                l.contains("200") && l.contains("MB]") && l.contains("\"Hello from Lambda!\"")
            })
        })
        .await;
    assert!(screen.contains("● pinging"), "{screen}");
    tmux.wait_for("the invocation's log lines", |s| {
        s.contains("START RequestId:") && s.contains("REPORT RequestId:")
    })
    .await;

    // The same local stack, reached as another client would reach it.
    let guard = lambdeck::local::ensure_running(dir.path()).await.unwrap();
    let clients = support::local_clients(&guard.endpoint_url()).await;
    add_route(&clients).await;

    tmux.keys("R");
    let screen = tmux
        .wait_for("the stage as stale", |s| s.contains("STALE: 1 change"))
        .await;
    assert!(screen.contains("STALE: 1 change"), "{screen}");

    tmux.keys("d");
    let screen = tmux
        .wait_for("the redeploy confirmation", |s| {
            s.contains("Redeploy stage tf-test")
        })
        .await;
    assert!(
        screen.contains("+ GET /goodbye"),
        "the diff is shown: {screen}"
    );
    tmux.keys("y");
    let screen = tmux
        .wait_for("the deploy's outcome", |s| {
            s.contains("to stage tf-test (was") || s.contains("deploying failed")
        })
        .await;
    assert!(screen.contains("the stage is in sync"), "{screen}");
    tmux.wait_for("the stage in sync again", |s| {
        s.contains("stage tf-test in sync") && !s.contains("STALE")
    })
    .await;
    // The pinger follows what the stage serves now: the new route answers too.
    tmux.wait_for("a ping of the new route", |s| {
        s.lines()
            .any(|l| l.contains("200") && l.contains("GET /goodbye"))
    })
    .await;

    tmux.keys("q");
    let screen = tmux
        .wait_for("the exit", |s| s.contains("lambdeck exited with"))
        .await;
    assert!(screen.contains("lambdeck exited with 0"), "{screen}");
    drop(guard);
}

/// The API of the project's stack, found by name as any client would.
async fn api_id(clients: &Clients) -> String {
    let apis = clients.apigateway.get_rest_apis().send().await.unwrap();
    apis.items()
        .iter()
        .find(|a| a.name() == Some(support::Tutorial::API))
        .and_then(|a| a.id())
        .expect("the dashboard created the API")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_promotes_dev_to_prod_after_showing_the_diff() {
    // The configured stage is dev; prod is made beside it on the same deployment.
    let dir = support::project();
    let toml = dir.path().join("lambdeck.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[api]\nstage = \"dev\"\n");
    std::fs::write(&toml, text).unwrap();
    let Some(tmux) = dashboard_set_up("promote", dir.path()).await else {
        return;
    };
    tmux.wait_for("dev in sync", |s| s.contains("stage dev in sync"))
        .await;

    let guard = lambdeck::local::ensure_running(dir.path()).await.unwrap();
    let clients = support::local_clients(&guard.endpoint_url()).await;
    let api = api_id(&clients).await;
    let dev = clients
        .apigateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    clients
        .apigateway
        .create_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .deployment_id(dev.deployment_id().unwrap())
        .send()
        .await
        .unwrap();
    add_route(&clients).await;

    // Deploy the new route to dev only: prod is one route behind, on its own node.
    tmux.keys("R");
    tmux.wait_for("dev as stale", |s| s.contains("stage dev STALE: 1 change"))
        .await;
    tmux.keys("d");
    tmux.wait_for("the redeploy confirmation", |s| {
        s.contains("Redeploy stage dev")
    })
    .await;
    tmux.keys("y");
    let screen = tmux
        .wait_for("prod behind dev", |s| {
            s.contains("stage dev in sync") && s.contains("stage prod STALE: 1 change")
        })
        .await;
    assert!(screen.contains("deployed"), "{screen}");

    // P with the selection off the stages promotes the configured stage: pick prod, read the diff, y.
    tmux.keys("P");
    let screen = tmux
        .wait_for("the stage picker", |s| s.contains("promote stage dev onto"))
        .await;
    assert!(screen.contains("prod"), "{screen}");
    tmux.keys("Enter");
    let screen = tmux
        .wait_for("the promote confirmation", |s| {
            s.contains("Point stage prod at deployment")
        })
        .await;
    assert!(
        screen.contains("+ GET /goodbye"),
        "the diff is shown: {screen}"
    );
    tmux.keys("y");
    let screen = tmux
        .wait_for("the promote's outcome", |s| {
            s.contains("promoted: stage prod serves") || s.contains("promoting failed")
        })
        .await;
    assert!(screen.contains("it is in sync"), "{screen}");
    tmux.wait_for("prod in sync", |s| {
        s.contains("stage prod in sync") && s.contains("stage dev in sync")
    })
    .await;
    // prod really serves the new route now.
    let prod_url = lambdeck::wire::local_stage_url(&guard.endpoint_url(), &api, "prod");
    let status = reqwest::get(format!("{prod_url}/goodbye"))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);

    tmux.keys("q");
    let screen = tmux
        .wait_for("the exit", |s| s.contains("lambdeck exited with"))
        .await;
    assert!(screen.contains("lambdeck exited with 0"), "{screen}");
    drop(guard);
}

/// Closes the response pane, and waits until it is gone: an Esc followed at once by a letter reads as
/// Alt+letter to a terminal.
async fn close_pane(tmux: &Tmux) {
    tmux.keys("Escape");
    tmux.wait_for("the response pane closed", |s| !s.contains("Esc/q close"))
        .await;
}

/// The development loop in the dashboard: `t` on a route added and not deployed answers through
/// TestInvokeMethod while the stage still answers 403, and a POST with a body composed with `s` is sent
/// after `y`, its response shown with the log lines of its invocation.
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_tests_an_undeployed_route_and_sends_a_post_with_its_log_lines() {
    let dir = support::project();
    let toml = dir.path().join("lambdeck.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(
        "[[api.routes]]\npath = \"/hello_world\"\nmethod = \"GET\"\n\
         [[api.routes]]\npath = \"/hello_world\"\nmethod = \"POST\"\n",
    );
    std::fs::write(&toml, &text).unwrap();
    let Some(tmux) = dashboard_set_up("loop", dir.path()).await else {
        return;
    };
    tmux.wait_for("the stage in sync", |s| s.contains("stage tf-test in sync"))
        .await;

    let guard = lambdeck::local::ensure_running(dir.path()).await.unwrap();
    let clients = support::local_clients(&guard.endpoint_url()).await;
    add_route(&clients).await;
    tmux.keys("R");
    tmux.wait_for("the stage as stale", |s| s.contains("STALE: 1 change"))
        .await;

    // The tree's rows are the engine's projection: walk down to GET /goodbye.
    let spec = lambdeck::config::StackSpec::parse(&text, "lambdeck.toml").unwrap();
    let stack = lambdeck::stack::load_stack(&clients, &spec).await.unwrap();
    let row = lambdeck::stack::tree::nodes(&stack)
        .iter()
        .position(|n| n.key == "api/res//goodbye/GET")
        .expect("the new method is in the tree");
    for _ in 0..row {
        tmux.keys("j");
    }
    tmux.wait_for("GET /goodbye selected", |s| {
        s.lines()
            .any(|l| l.contains("route ") && l.contains("GET /goodbye"))
    })
    .await;

    tmux.keys("t");
    let screen = tmux
        .wait_for("the test invoke's answer", |s| {
            s.contains("execution log") || s.contains("failed:")
        })
        .await;
    assert!(
        screen.contains("test invoke on the working API"),
        "{screen}"
    );
    assert!(screen.contains("200 in "), "{screen}");
    assert!(screen.contains("\"Hello from Lambda!\""), "{screen}");
    assert!(
        screen.contains("Method completed with status: 200"),
        "{screen}"
    );

    // The stage does not serve it yet: the same request there is API Gateway's 403.
    close_pane(&tmux).await;
    tmux.keys("s");
    tmux.wait_for("the composer", |s| s.contains("request to stage tf-test"))
        .await;
    tmux.keys("Enter");
    let screen = tmux
        .wait_for("the stage's answer", |s| {
            s.contains("403 in ") || s.contains("failed:")
        })
        .await;
    assert!(screen.contains("Missing Authentication Token"), "{screen}");
    assert!(
        screen.contains("API Gateway answered without calling the function"),
        "{screen}"
    );

    // A POST with a body: composed, asked about, sent, answered, its log lines linked.
    close_pane(&tmux).await;
    tmux.keys("s");
    tmux.wait_for("the composer", |s| s.contains("request to stage tf-test"))
        .await;
    for _ in 0.."/goodbye".len() {
        tmux.keys("BSpace");
    }
    tmux.type_text("/hello_world");
    tmux.keys("BTab");
    for _ in 0.."GET".len() {
        tmux.keys("BSpace");
    }
    tmux.type_text("POST");
    tmux.keys("BTab");
    tmux.type_text(r#"{"name":"ada"}"#);
    tmux.keys("Enter");
    let screen = tmux
        .wait_for("the question before a POST", |s| {
            s.contains("Send POST /hello_world to stage tf-test?")
        })
        .await;
    assert!(screen.contains("POST may change data"), "{screen}");
    tmux.keys("y");
    let screen = tmux
        .wait_for("the POST's answer and its REPORT line", |s| {
            s.contains("failed:") || (s.contains("200 in ") && s.contains("REPORT RequestId:"))
        })
        .await;
    assert!(screen.contains("\"Hello from Lambda!\""), "{screen}");
    assert!(screen.contains("log lines of Lambda request"), "{screen}");
    assert!(
        screen.contains("POST /hello_world apigw-request-id="),
        "{screen}"
    );

    close_pane(&tmux).await;
    tmux.keys("q");
    let screen = tmux
        .wait_for("the exit", |s| s.contains("lambdeck exited with"))
        .await;
    assert!(screen.contains("lambdeck exited with 0"), "{screen}");
    drop(guard);
}

/// The dashboard on a sandbox copy of the function crate (edited by the test, never the repository's),
/// set up and pinging the hello-world greeting, with `w` pressed and the watch's first round over.
async fn watching_dashboard(package: &str) -> Option<(support::Sandbox, Tmux)> {
    let sandbox = support::Sandbox::new(package);
    let tmux = dashboard_set_up(package, sandbox.dir.path()).await?;
    tmux.wait_for("a ping answered with the greeting", |s| {
        s.lines()
            .any(|l| l.contains("200") && l.contains("\"Hello from Lambda!\""))
    })
    .await;
    tmux.keys("w");
    // The first round builds what is there: the function already runs it, so nothing is sent.
    let screen = tmux
        .wait_for("the watch's first round", |s| {
            s.contains("watch: unchanged")
                || s.contains("watch: uploaded")
                || s.contains("watch stopped")
        })
        .await;
    assert!(screen.contains("watch: unchanged"), "{screen}");
    assert!(screen.contains("◉ watching (dev)"), "{screen}");
    Some((sandbox, tmux))
}

async fn quit(tmux: &Tmux) {
    tmux.keys("q");
    let screen = tmux
        .wait_for("the exit", |s| s.contains("lambdeck exited with"))
        .await;
    assert!(screen.contains("lambdeck exited with 0"), "{screen}");
}

/// `w` in the dashboard: a saved change to the function's source is rebuilt and uploaded, and the
/// next ping answers with it; `w` again stops watching.
#[tokio::test(flavor = "multi_thread")]
async fn w_watches_and_a_saved_change_answers_the_next_ping() {
    let Some((sandbox, tmux)) = watching_dashboard("hello-world-dash-watch").await else {
        return;
    };
    sandbox.edit("watched");
    let screen = tmux
        .wait_for("a ping answered by the new code", |s| {
            s.lines()
                .any(|l| l.contains("200") && l.contains("\"watched\""))
        })
        .await;
    assert!(screen.contains("◉ watching (dev)"), "{screen}");
    assert!(screen.contains("watch: uploaded"), "{screen}");

    tmux.keys("w");
    let screen = tmux
        .wait_for("the watch stopped", |s| s.contains("watch stopped"))
        .await;
    assert!(!screen.contains("◉ watch"), "{screen}");
    quit(&tmux).await;
}

/// A save that does not compile: the compiler's error shows in the dashboard, the watch stays on and
/// the stage keeps serving the last good build; the fix is served.
#[tokio::test(flavor = "multi_thread")]
async fn a_syntax_error_under_watch_shows_the_compiler_error_and_watching_goes_on() {
    let Some((sandbox, tmux)) = watching_dashboard("hello-world-dash-error").await else {
        return;
    };
    sandbox.replace_greeting_line("pub const GREETING: &str = \"oops\"");
    let screen = tmux
        .wait_for("the compiler's error", |s| {
            s.contains("build failed 1 error")
        })
        .await;
    assert!(
        screen.contains("20 | pub const GREETING: &str = \"oops\""),
        "{screen}"
    );
    assert!(screen.contains("expected one of"), "{screen}");
    assert!(screen.contains("◉ watch: build failed"), "{screen}");
    assert!(screen.contains("still watching"), "{screen}");

    sandbox.edit("fixed");
    let screen = tmux
        .wait_for("a ping answered by the fix", |s| {
            s.lines()
                .any(|l| l.contains("200") && l.contains("\"fixed\""))
        })
        .await;
    assert!(screen.contains("◉ watching (dev)"), "{screen}");
    assert!(!screen.contains("build failed"), "{screen}");
    quit(&tmux).await;
}

/// A canary from the dashboard: `C` on the stage, 50, Enter: the working API (one route ahead) takes
/// half the requests, the tree shows the canary, the ping pane shows both deployments' figures; `C`
/// then `p` promotes it.
#[tokio::test(flavor = "multi_thread")]
async fn c_deploys_a_canary_whose_pings_show_both_deployments_then_promotes_it() {
    let dir = support::project();
    let Some(tmux) = dashboard_set_up("canary", dir.path()).await else {
        return;
    };
    tmux.wait_for("the stage in sync", |s| s.contains("stage tf-test in sync"))
        .await;
    let guard = lambdeck::local::ensure_running(dir.path()).await.unwrap();
    let clients = support::local_clients(&guard.endpoint_url()).await;
    add_route(&clients).await;
    tmux.keys("R");
    tmux.wait_for("the stage as stale", |s| s.contains("STALE: 1 change"))
        .await;

    tmux.keys("C");
    let screen = tmux
        .wait_for("the canary prompt", |s| {
            s.contains("canary on stage tf-test")
        })
        .await;
    assert!(screen.contains("no canary release"), "{screen}");
    tmux.keys("BSpace");
    tmux.keys("BSpace");
    tmux.type_text("50");
    tmux.keys("Enter");
    let screen = tmux
        .wait_for("the canary's outcome", |s| {
            s.contains("takes 50% of its requests") || s.contains("canary failed")
        })
        .await;
    assert!(screen.contains("on stage tf-test takes 50%"), "{screen}");
    let stage = tmux
        .wait_for("the canary in the tree", |s| s.contains("· canary "))
        .await;
    let canary = stage
        .split("· canary ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    // Both deployments answer the pings, each with its own figures.
    let screen = tmux
        .wait_for("pings from both deployments", |s| {
            s.matches(" probes, ").count() >= 2
        })
        .await;
    assert!(
        screen
            .lines()
            .any(|l| l.contains(&format!("{canary} ")) && l.contains(" probes, ")),
        "the canary's side: {screen}"
    );

    tmux.keys("C");
    let screen = tmux
        .wait_for("the canary prompt", |s| {
            s.contains("takes 50% of its requests")
        })
        .await;
    assert!(screen.contains(&format!("canary {canary}")), "{screen}");
    tmux.keys("p");
    let screen = tmux
        .wait_for("the promote's outcome", |s| {
            s.contains("canary promoted") || s.contains("canary failed")
        })
        .await;
    assert!(
        screen.contains(&format!("canary promoted: stage tf-test serves {canary}")),
        "{screen}"
    );
    tmux.wait_for("the stage in sync, without a canary", |s| {
        s.contains("stage tf-test in sync") && !s.contains("· canary ")
    })
    .await;
    quit(&tmux).await;
    drop(guard);
}
