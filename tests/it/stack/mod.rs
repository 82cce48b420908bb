//! The stack engine (discovery, drift, deploy, rollback, prune, `up` and `down`) through the real SDK
//! clients: against the embedded local stack, and against moto for conformance.

mod discovery;
mod drift_and_deploy;
mod partitions;
mod stages;
mod whole_api;

use lambdeck::aws::{Clients, apigateway};
use lambdeck::config::StackSpec;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::stack::provision;
use lambdeck::stack::{Stack, load_stack};

use crate::support;

/// The embedded local stack with the SDK clients pointed at it and the default lambdeck.toml.
pub struct Local {
    pub server: LocalServer,
    pub clients: Clients,
    pub spec: StackSpec,
}

pub async fn start() -> Local {
    let server = LocalServer::start(LocalConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        state_dir: None,
        region: "us-east-1".into(),
        ..LocalConfig::default()
    })
    .await
    .unwrap();
    let clients = support::local_clients(&server.endpoint_url()).await;
    Local {
        server,
        clients,
        spec: StackSpec::parse("", "lambdeck.toml").unwrap(),
    }
}

impl Local {
    pub async fn load(&self) -> Stack {
        load_stack(&self.clients, &self.spec).await.unwrap()
    }

    /// `up` from nothing with the real hello-world package.
    pub async fn up(&self) -> Stack {
        let before = self.load().await;
        let report = provision::up(
            &self.clients,
            &self.spec,
            &before,
            Some(support::hello_world_zip()),
        )
        .await
        .unwrap();
        assert!(report.changed);
        self.load().await
    }

    pub async fn get(&self, stack: &Stack, path: &str) -> (u16, String) {
        let url = format!("{}{path}", stack.invoke_url().expect("a stage URL"));
        let res = reqwest::get(&url).await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Adds GET `path` (under the root) with a proxy integration to the stack's function.
    pub async fn add_route(&self, stack: &Stack, part: &str) {
        let api = stack.api.as_ref().unwrap();
        let root = api.resource("/").unwrap().id.clone();
        let gw = &self.clients.apigateway;
        let rid = apigateway::create_resource(gw, &api.id, &root, part)
            .await
            .unwrap();
        apigateway::put_method(gw, &api.id, &rid, "GET", "NONE", false)
            .await
            .unwrap();
        let uri = apigateway::lambda_invoke_uri("us-east-1", &stack.function.as_ref().unwrap().arn);
        apigateway::put_proxy_integration(gw, &api.id, &rid, "GET", &uri)
            .await
            .unwrap();
    }
}
