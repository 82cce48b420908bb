//! Every partition: `up`, `status` and a call through the stage with the local stack answering in
//! aws-cn and aws-us-gov regions. Every ARN lambdeck writes or reads names the region's partition.

use lambdeck::aws::{Clients, Target};
use lambdeck::config::StackSpec;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::stack::{Drift, load_stack, provision};

use crate::support;

async fn up_in(region: &str, partition: &str) {
    let server = LocalServer::start(LocalConfig {
        region: region.into(),
        ..LocalConfig::default()
    })
    .await
    .unwrap();
    let clients = Clients::new(&Target {
        region: Some(region.into()),
        endpoint_url: Some(server.endpoint_url()),
        local: true,
        ..Target::default()
    })
    .await
    .unwrap();
    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let before = load_stack(&clients, &spec).await.unwrap();
    provision::up(&clients, &spec, &before, Some(support::hello_world_zip()))
        .await
        .unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    assert_eq!(stack.drift, Drift::InSync, "{region}");
    let prefix = format!("arn:{partition}:");
    let function = stack.function.as_ref().expect("the function exists");
    assert!(function.arn.starts_with(&prefix), "{}", function.arn);
    assert!(
        function
            .role_arn
            .as_deref()
            .is_some_and(|r| r.starts_with(&prefix)),
        "{:?}",
        function.role_arn
    );
    let permission = stack.permission.as_ref().expect("the permission exists");
    assert!(permission.allows_api, "{permission:?}");
    assert!(
        permission
            .statements
            .iter()
            .all(|st| !st.source_arns.is_empty()
                && st
                    .source_arns
                    .iter()
                    .all(|a| a.starts_with(&format!("arn:{partition}:execute-api:{region}:")))),
        "{permission:?}"
    );
    // The permission's partition matches the one the stage's calls come from: the function answers.
    let url = format!("{}/hello_world", stack.invoke_url().expect("a stage URL"));
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 200, "{region}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_stack_comes_up_in_china() {
    up_in("cn-north-1", "aws-cn").await;
}

#[tokio::test]
async fn the_stack_comes_up_in_govcloud() {
    up_in("us-gov-west-1", "aws-us-gov").await;
}
