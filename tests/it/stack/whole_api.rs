//! The field-level stale diff end to end, one element of what a deployment freezes per test: the
//! element is changed on the working API through the real SDK client, the engine reports exactly the
//! line `status` prints, a deployment makes the stage serve it (in sync), and a rollback makes it stale
//! again with the same lines. Then a freshly deployed API using every element is in sync, with
//! nothing reported as not comparable: the local stack's export shows the frozen snapshot exactly.

use std::collections::HashMap;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{
    AuthorizerType, ContentHandlingStrategy, DocumentationPartLocation, DocumentationPartType,
    GatewayResponseType, Op, PatchOperation,
};
use lambdeck::stack::Drift;
use lambdeck::stack::deploy::{deploy_stage, roll_back};

use super::{Local, start};

/// The API, the `/hello_world` resource and the function's ARN of a stack `up` made.
struct Api {
    local: Local,
    id: String,
    rid: String,
    function_arn: String,
    first_deployment: String,
}

impl Api {
    async fn up() -> Self {
        let local = start().await;
        let stack = local.up().await;
        let api = stack.api.as_ref().unwrap();
        Self {
            id: api.id.clone(),
            rid: api.resource("/hello_world").unwrap().id.clone(),
            function_arn: stack.function.as_ref().unwrap().arn.clone(),
            first_deployment: stack.stage().and_then(|s| s.deployment_id.clone()).unwrap(),
            local,
        }
    }

    fn gw(&self) -> &Client {
        &self.local.clients.apigateway
    }

    /// The lines `status` prints for the stage's changes.
    async fn lines(&self) -> Vec<String> {
        let stack = self.local.load().await;
        assert!(
            stack.not_comparable().is_empty(),
            "nothing should be not comparable: {:?}",
            stack.not_comparable()
        );
        stack
            .drift
            .changes()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The working API shows `expected`; a deployment makes the stage serve it; a rollback to `up`'s
    /// deployment shows the same lines again.
    async fn stale_then_deployed(&self, expected: &[&str]) {
        assert_eq!(self.lines().await, expected);
        let stale = self.local.load().await;
        let outcome = deploy_stage(&self.local.clients, &self.local.spec, &stale)
            .await
            .unwrap();
        assert_eq!(outcome.drift, Drift::InSync, "in sync after the deployment");
        assert!(self.lines().await.is_empty());
        let deployed = self.local.load().await;
        roll_back(
            &self.local.clients,
            &self.local.spec,
            &deployed,
            Some(&self.first_deployment),
        )
        .await
        .unwrap();
        assert_eq!(
            self.lines().await,
            expected,
            "stale again after the rollback"
        );
    }

    async fn update_integration(&self, ops: Vec<PatchOperation>) {
        self.gw()
            .update_integration()
            .rest_api_id(&self.id)
            .resource_id(&self.rid)
            .http_method("GET")
            .set_patch_operations(Some(ops))
            .send()
            .await
            .unwrap();
    }

    async fn update_method(&self, ops: Vec<PatchOperation>) {
        self.gw()
            .update_method()
            .rest_api_id(&self.id)
            .resource_id(&self.rid)
            .http_method("GET")
            .set_patch_operations(Some(ops))
            .send()
            .await
            .unwrap();
    }

    async fn update_api(&self, ops: Vec<PatchOperation>) {
        self.gw()
            .update_rest_api()
            .rest_api_id(&self.id)
            .set_patch_operations(Some(ops))
            .send()
            .await
            .unwrap();
    }

    async fn put_method_response(&self, status: &str, headers: &[&str]) {
        self.gw()
            .put_method_response()
            .rest_api_id(&self.id)
            .resource_id(&self.rid)
            .http_method("GET")
            .status_code(status)
            .set_response_parameters(Some(
                headers
                    .iter()
                    .map(|h| (format!("method.response.header.{h}"), false))
                    .collect(),
            ))
            .send()
            .await
            .unwrap();
    }

    async fn create_authorizer(&self, name: &str) -> String {
        let uri = lambdeck::aws::apigateway::lambda_invoke_uri("us-east-1", &self.function_arn);
        self.gw()
            .create_authorizer()
            .rest_api_id(&self.id)
            .name(name)
            .r#type(AuthorizerType::Token)
            .authorizer_uri(uri)
            .identity_source("method.request.header.Authorization")
            .send()
            .await
            .unwrap()
            .id
            .unwrap()
    }

    async fn create_model(&self, name: &str) {
        self.gw()
            .create_model()
            .rest_api_id(&self.id)
            .name(name)
            .content_type("application/json")
            .schema(r#"{"type": "object", "properties": {"name": {"type": "string"}}}"#)
            .send()
            .await
            .unwrap();
    }

    async fn create_validator(&self, name: &str) -> String {
        self.gw()
            .create_request_validator()
            .rest_api_id(&self.id)
            .name(name)
            .validate_request_parameters(true)
            .send()
            .await
            .unwrap()
            .id
            .unwrap()
    }
}

fn op(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(ToOwned::to_owned))
        .build()
}

#[tokio::test]
async fn integration_timeout() {
    let api = Api::up().await;
    api.update_integration(vec![op(Op::Replace, "/timeoutInMillis", Some("5000"))])
        .await;
    api.stale_then_deployed(&["~ GET /hello_world integration.timeoutInMillis 29000 → 5000"])
        .await;
}

#[tokio::test]
async fn integration_request_template() {
    let api = Api::up().await;
    api.update_integration(vec![op(
        Op::Add,
        "/requestTemplates/application~1json",
        Some("{\"id\": \"$input.params('id')\"}"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world integration.requestTemplates[application/json] (none) → {\"id\": \"$input.params('id')\"}",
    ])
    .await;
}

#[tokio::test]
async fn integration_request_parameter() {
    let api = Api::up().await;
    api.update_integration(vec![op(
        Op::Add,
        "/requestParameters/integration.request.header.X-Source",
        Some("'lambdeck'"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world integration.requestParameters[integration.request.header.X-Source] (none) → 'lambdeck'",
    ])
    .await;
}

#[tokio::test]
async fn integration_content_handling() {
    let api = Api::up().await;
    api.update_integration(vec![op(
        Op::Replace,
        "/contentHandling",
        Some("CONVERT_TO_TEXT"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world integration.contentHandling (none) → CONVERT_TO_TEXT",
    ])
    .await;
}

#[tokio::test]
async fn integration_tls_config() {
    let api = Api::up().await;
    api.update_integration(vec![op(
        Op::Replace,
        "/tlsConfig/insecureSkipVerification",
        Some("true"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world integration.tlsConfig.insecureSkipVerification (none) → true",
    ])
    .await;
}

#[tokio::test]
async fn integration_cache_key_parameters() {
    let api = Api::up().await;
    api.update_method(vec![op(
        Op::Add,
        "/requestParameters/method.request.querystring.page",
        None,
    )])
    .await;
    api.update_integration(vec![op(
        Op::Add,
        "/cacheKeyParameters/method.request.querystring.page",
        None,
    )])
    .await;
    let namespace = format!(
        "~ GET /hello_world integration.cacheNamespace (none) → {}",
        api.rid
    );
    api.stale_then_deployed(&[
        "~ GET /hello_world integration.cacheKeyParameters (none) → method.request.querystring.page",
        &namespace,
        "~ GET /hello_world requestParameters[method.request.querystring.page] (none) → optional",
    ])
    .await;
}

#[tokio::test]
async fn method_request_parameter() {
    let api = Api::up().await;
    api.update_method(vec![op(
        Op::Add,
        "/requestParameters/method.request.header.X-Trace",
        Some("true"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world requestParameters[method.request.header.X-Trace] (none) → required",
    ])
    .await;
}

#[tokio::test]
async fn method_response() {
    let api = Api::up().await;
    api.put_method_response("200", &["X-Request-Id"]).await;
    api.stale_then_deployed(&[
        "~ GET /hello_world methodResponse[200] (none) → declared",
        "~ GET /hello_world methodResponse[200].header[X-Request-Id] (none) → declared",
    ])
    .await;
}

#[tokio::test]
async fn integration_response() {
    let api = Api::up().await;
    api.put_method_response("200", &[]).await;
    api.gw()
        .put_integration_response()
        .rest_api_id(&api.id)
        .resource_id(&api.rid)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", "$input.json('$')")
        .content_handling(ContentHandlingStrategy::ConvertToText)
        .send()
        .await
        .unwrap();
    api.stale_then_deployed(&[
        "~ GET /hello_world integrationResponse[default].contentHandling (none) → CONVERT_TO_TEXT",
        "~ GET /hello_world integrationResponse[default].responseTemplates[application/json] (none) → $input.json('$')",
        "~ GET /hello_world integrationResponse[default].statusCode (none) → 200",
        "~ GET /hello_world methodResponse[200] (none) → declared",
    ])
    .await;
}

#[tokio::test]
async fn gateway_response() {
    let api = Api::up().await;
    api.gw()
        .put_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .send()
        .await
        .unwrap();
    api.stale_then_deployed(&["+ gateway response DEFAULT_4XX"])
        .await;
}

#[tokio::test]
async fn authorizer() {
    let api = Api::up().await;
    let id = api.create_authorizer("tokenAuth").await;
    api.update_method(vec![
        op(Op::Replace, "/authorizationType", Some("CUSTOM")),
        op(Op::Replace, "/authorizerId", Some(&id)),
    ])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world authorizationType NONE → CUSTOM",
        "~ GET /hello_world authorizer (none) → tokenAuth",
        "+ authorizer tokenAuth",
    ])
    .await;
}

#[tokio::test]
async fn model() {
    let api = Api::up().await;
    api.create_model("Pet").await;
    api.update_method(vec![op(
        Op::Add,
        "/requestModels/application~1json",
        Some("Pet"),
    )])
    .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world requestModels[application/json] (none) → Pet",
        "+ model Pet",
    ])
    .await;
}

#[tokio::test]
async fn request_validator() {
    let api = Api::up().await;
    let id = api.create_validator("params").await;
    api.update_method(vec![op(Op::Replace, "/requestValidatorId", Some(&id))])
        .await;
    api.stale_then_deployed(&[
        "~ GET /hello_world requestValidator (none) → params",
        "+ request validator params",
    ])
    .await;
}

#[tokio::test]
async fn rest_api_policy() {
    let api = Api::up().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    api.update_api(vec![op(Op::Replace, "/policy", Some(policy))])
        .await;
    api.stale_then_deployed(&["~ rest api policy"]).await;
}

#[tokio::test]
async fn rest_api_binary_media_types() {
    let api = Api::up().await;
    api.update_api(vec![op(Op::Add, "/binaryMediaTypes/image~1png", None)])
        .await;
    api.stale_then_deployed(&["~ rest api binaryMediaTypes (none) → image/png"])
        .await;
}

#[tokio::test]
async fn rest_api_compression_key_source_and_endpoint() {
    let api = Api::up().await;
    api.update_api(vec![
        op(Op::Replace, "/minimumCompressionSize", Some("1024")),
        op(Op::Replace, "/apiKeySource", Some("AUTHORIZER")),
        op(Op::Replace, "/disableExecuteApiEndpoint", Some("true")),
    ])
    .await;
    api.stale_then_deployed(&[
        "~ rest api apiKeySource HEADER → AUTHORIZER",
        "~ rest api disableExecuteApiEndpoint false → true",
        "~ rest api minimumCompressionSize (none) → 1024",
    ])
    .await;
}

impl Api {
    async fn document(
        &self,
        kind: DocumentationPartType,
        method: Option<&str>,
        properties: &str,
    ) -> String {
        self.gw()
            .create_documentation_part()
            .rest_api_id(&self.id)
            .location(
                DocumentationPartLocation::builder()
                    .r#type(kind)
                    .set_method(method.map(ToOwned::to_owned))
                    .set_path(method.map(|_| "/hello_world".to_owned()))
                    .build()
                    .unwrap(),
            )
            .properties(properties)
            .send()
            .await
            .unwrap()
            .id
            .unwrap()
    }

    async fn set_stage(&self, path: &str, value: &str) {
        self.gw()
            .update_stage()
            .rest_api_id(&self.id)
            .stage_name(&self.local.spec.api.stage.0)
            .patch_operations(op(Op::Replace, path, Some(value)))
            .send()
            .await
            .unwrap();
    }
}

/// Documentation is published by documentation version, not by deployment: a part is stale until
/// `deploy` publishes the working parts to the stage as a new version; a rollback of the deployment
/// leaves the documentation as published, and publishing an older version makes it stale again.
#[tokio::test]
async fn documentation_parts() {
    let api = Api::up().await;
    let part = api
        .document(
            DocumentationPartType::Method,
            Some("GET"),
            r#"{"description": "Says hello"}"#,
        )
        .await;
    assert_eq!(
        api.lines().await,
        ["+ documentation METHOD GET /hello_world"]
    );
    api.deploy().await;
    let first = api
        .local
        .load()
        .await
        .stage()
        .and_then(|s| s.documentation_version.clone())
        .expect("deploy published a documentation version");
    api.gw()
        .update_documentation_part()
        .rest_api_id(&api.id)
        .documentation_part_id(&part)
        .patch_operations(op(
            Op::Replace,
            "/properties",
            Some(r#"{"description": "Says hi", "summary": "hi"}"#),
        ))
        .send()
        .await
        .unwrap();
    let changed = [
        "~ documentation METHOD GET /hello_world description Says hello → Says hi",
        "~ documentation METHOD GET /hello_world summary (none) → hi",
    ];
    assert_eq!(api.lines().await, changed);
    api.deploy().await;
    let deployed = api.local.load().await;
    roll_back(
        &api.local.clients,
        &api.local.spec,
        &deployed,
        Some(&api.first_deployment),
    )
    .await
    .unwrap();
    assert!(
        api.lines().await.is_empty(),
        "a rollback of the deployment does not unpublish documentation"
    );
    api.set_stage("/documentationVersion", &first).await;
    assert_eq!(api.lines().await, changed);
}

impl Api {
    /// Gives the working API every element a deployment freezes.
    async fn use_every_element(&self) {
        let api = self;
        api.document(
            DocumentationPartType::Api,
            None,
            r#"{"description": "every element"}"#,
        )
        .await;
        let authorizer = api.create_authorizer("tokenAuth").await;
        api.create_model("Pet").await;
        let validator = api.create_validator("params").await;
        api.update_api(vec![
        op(Op::Replace, "/policy", Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:*/*"}]}"#)),
        op(Op::Add, "/binaryMediaTypes/image~1png", None),
        op(Op::Replace, "/minimumCompressionSize", Some("0")),
    ])
    .await;
        api.update_method(vec![
            op(Op::Replace, "/authorizationType", Some("CUSTOM")),
            op(Op::Replace, "/authorizerId", Some(&authorizer)),
            op(Op::Replace, "/apiKeyRequired", Some("true")),
            op(Op::Replace, "/requestValidatorId", Some(&validator)),
            op(Op::Add, "/requestModels/application~1json", Some("Pet")),
            op(
                Op::Add,
                "/requestParameters/method.request.querystring.page",
                Some("false"),
            ),
            op(
                Op::Add,
                "/requestParameters/method.request.header.X-Trace",
                Some("true"),
            ),
        ])
        .await;
        api.put_method_response("200", &["Access-Control-Allow-Origin"])
            .await;
        api.gw()
            .update_method_response()
            .rest_api_id(&api.id)
            .resource_id(&api.rid)
            .http_method("GET")
            .status_code("200")
            .patch_operations(op(
                Op::Add,
                "/responseModels/application~1json",
                Some("Empty"),
            ))
            .send()
            .await
            .unwrap();
        api.gw()
            .put_integration_response()
            .rest_api_id(&api.id)
            .resource_id(&api.rid)
            .http_method("GET")
            .status_code("200")
            .response_parameters("method.response.header.Access-Control-Allow-Origin", "'*'")
            .send()
            .await
            .unwrap();
        api.update_integration(vec![
            op(Op::Replace, "/timeoutInMillis", Some("5000")),
            op(Op::Add, "/requestTemplates/application~1json", Some("{}")),
            op(
                Op::Add,
                "/requestParameters/integration.request.header.X-Page",
                Some("method.request.querystring.page"),
            ),
            op(
                Op::Add,
                "/cacheKeyParameters/method.request.querystring.page",
                None,
            ),
        ])
        .await;
        for (kind, status) in [
            (GatewayResponseType::Default4Xx, None),
            (GatewayResponseType::MissingAuthenticationToken, Some("404")),
        ] {
            api.gw()
                .put_gateway_response()
                .rest_api_id(&api.id)
                .response_type(kind)
                .set_status_code(status.map(ToOwned::to_owned))
                .set_response_parameters(Some(HashMap::from([(
                    "gatewayresponse.header.Access-Control-Allow-Origin".to_owned(),
                    "'*'".to_owned(),
                )])))
                .send()
                .await
                .unwrap();
        }
    }
}

/// A freshly deployed API that uses every element is in sync, and nothing is left not comparable.
#[tokio::test]
async fn an_api_using_every_element_is_in_sync_once_deployed() {
    let api = Api::up().await;
    api.use_every_element().await;
    assert!(!api.lines().await.is_empty(), "stale before the deployment");
    let stale = api.local.load().await;
    let outcome = deploy_stage(&api.local.clients, &api.local.spec, &stale)
        .await
        .unwrap();
    assert_eq!(outcome.drift, Drift::InSync);
    let stack = api.local.load().await;
    assert_eq!(stack.drift, Drift::InSync);
    assert!(
        stack.not_comparable().is_empty(),
        "{:?}",
        stack.not_comparable()
    );
}

impl Api {
    async fn deploy(&self) {
        let stale = self.local.load().await;
        let outcome = deploy_stage(&self.local.clients, &self.local.spec, &stale)
            .await
            .unwrap();
        assert_eq!(outcome.drift, Drift::InSync);
    }

    /// The stage's export with API Gateway's extensions, as JSON.
    async fn export(&self, id: &str, stage: &str, kind: &str) -> serde_json::Value {
        let out = self
            .gw()
            .get_export()
            .rest_api_id(id)
            .stage_name(stage)
            .export_type(kind)
            .parameters("extensions", "integrations")
            .accepts("application/json")
            .send()
            .await
            .unwrap();
        serde_json::from_slice(out.body().unwrap().as_ref()).unwrap()
    }
}

/// What differs between two exports of equal APIs: the API's id (in the host), the deployment's
/// time (the version).
fn without_ids(mut doc: serde_json::Value) -> serde_json::Value {
    let map = doc.as_object_mut().unwrap();
    map.remove("servers");
    map.remove("host");
    map["info"].as_object_mut().unwrap().remove("version");
    doc
}

/// An export put back onto its API (PutRestApi, overwrite) leaves the stage in sync; a changed
/// document merged in is exactly one diff line until deployed; the export imported as a new API
/// (ImportRestApi) and deployed exports the same document.
#[tokio::test]
async fn an_export_put_and_imported_again_gives_the_same_api() {
    let api = Api::up().await;
    api.use_every_element().await;
    api.deploy().await;
    // The imported copy has the same name: nothing loads the stack while it exists.
    let stage = api.local.load().await.stage().unwrap().name.clone();
    for kind in ["oas30", "swagger"] {
        let exported = api.export(&api.id, &stage, kind).await;
        let put = api
            .gw()
            .put_rest_api()
            .rest_api_id(&api.id)
            .mode(aws_sdk_apigateway::types::PutMode::Overwrite)
            .fail_on_warnings(true)
            .body(aws_sdk_apigateway::primitives::Blob::new(
                serde_json::to_vec(&exported).unwrap(),
            ))
            .send()
            .await
            .unwrap();
        assert!(put.warnings().is_empty(), "{:?}", put.warnings());
        assert!(api.lines().await.is_empty(), "{kind}: in sync after put");

        let imported = api
            .gw()
            .import_rest_api()
            .fail_on_warnings(true)
            .body(aws_sdk_apigateway::primitives::Blob::new(
                serde_json::to_vec(&exported).unwrap(),
            ))
            .send()
            .await
            .unwrap();
        let new_id = imported.id().unwrap().to_owned();
        api.gw()
            .create_deployment()
            .rest_api_id(&new_id)
            .stage_name(&stage)
            .send()
            .await
            .unwrap();
        assert_eq!(
            without_ids(api.export(&new_id, &stage, kind).await),
            without_ids(exported.clone()),
            "{kind}: the imported API exports the same document"
        );
        api.gw()
            .delete_rest_api()
            .rest_api_id(&new_id)
            .send()
            .await
            .unwrap();
    }
    // One change in a merged document: one line, in sync once deployed.
    let mut doc = api.export(&api.id, &stage, "oas30").await;
    doc["paths"]["/hello_world"]["get"]["x-amazon-apigateway-integration"]["timeoutInMillis"] =
        serde_json::json!(7000);
    api.gw()
        .put_rest_api()
        .rest_api_id(&api.id)
        .body(aws_sdk_apigateway::primitives::Blob::new(
            serde_json::to_vec(&doc).unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.lines().await,
        ["~ GET /hello_world integration.timeoutInMillis 5000 → 7000"]
    );
    api.deploy().await;
    assert!(api.lines().await.is_empty());
}

/// An integration through a VPC link: its `connectionType` and `connectionId` are compared, so
/// pointing it at another link is stale until deployed; where the link leads is not comparable.
#[tokio::test]
async fn integration_through_a_vpc_link() {
    use aws_sdk_apigateway::types::{ConnectionType, IntegrationType};
    let api = Api::up().await;
    let mut links = Vec::new();
    for name in ["blue", "green"] {
        let link = api
            .gw()
            .create_vpc_link()
            .name(name)
            .target_arns(format!(
                "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/{name}/1"
            ))
            .send()
            .await
            .unwrap();
        links.push(link.id.unwrap());
    }
    api.gw()
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(&api.rid)
        .http_method("GET")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri("http://nlb.internal/hello")
        .connection_type(ConnectionType::VpcLink)
        .connection_id(&links[0])
        .send()
        .await
        .unwrap();
    let stale = api.local.load().await;
    deploy_stage(&api.local.clients, &api.local.spec, &stale)
        .await
        .unwrap();
    let deployed = api.local.load().await;
    assert_eq!(deployed.drift, Drift::InSync);
    assert!(
        deployed
            .not_comparable()
            .iter()
            .any(|n| n.contains("through a VPC link")),
        "{:?}",
        deployed.not_comparable()
    );
    api.update_integration(vec![op(Op::Replace, "/connectionId", Some(&links[1]))])
        .await;
    let lines: Vec<String> = api
        .local
        .load()
        .await
        .drift
        .changes()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [format!(
            "~ GET /hello_world integration.connectionId {} → {}",
            links[0], links[1]
        )]
    );
}
