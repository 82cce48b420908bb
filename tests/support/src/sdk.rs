//! The local stack reached two ways: through lambdeck's own clients (what the engine uses), and through
//! the bare aws-sdk-rust clients with static test credentials (what Terraform or the AWS CLI would be);
//! and the tutorial's stack built through the bare SDK, call by call.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_apigateway::operation::put_integration::PutIntegrationOutput;
use aws_sdk_apigateway::types::IntegrationType;
use aws_sdk_lambda::config::Credentials;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambdeck::aws::{Clients, Target};
use lambdeck::wire::LOCAL_REGION;

/// lambdeck's clients for the local stack (or any local endpoint) at `endpoint`.
pub async fn local_clients(endpoint: &str) -> Clients {
    Clients::new(&Target {
        profile: None,
        region: Some(LOCAL_REGION.into()),
        endpoint_url: Some(endpoint.to_owned()),
        local: true,
        ..Default::default()
    })
    .await
    .expect("clients for a local endpoint")
}

/// An SDK configuration for `endpoint` in `region`, with static test credentials and lambdeck's HTTP
/// client (the SDK is built without one of its own).
pub async fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

/// The tutorial's stack (a Lambda function behind GET /hello_world of a REST API, deployed to a stage),
/// created through the bare SDK clients.
pub struct Tutorial {
    pub apigw: aws_sdk_apigateway::Client,
    pub lambda: aws_sdk_lambda::Client,
}

impl Tutorial {
    pub const FUNCTION: &str = "tf-test-rust-hello-world";
    pub const API: &str = "tf-test-to-lambda-rust-api";
    pub const STAGE: &str = "tf-test";

    pub fn new(config: &SdkConfig) -> Self {
        Self {
            apigw: aws_sdk_apigateway::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
        }
    }

    /// Creates a provided.al2023 function holding `zip`; returns its ARN.
    pub async fn create_function(&self, name: &str, zip: Vec<u8>) -> String {
        let out = self
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Providedal2023)
            .handler("bootstrap")
            .role("arn:aws:iam::000000000000:role/tf-test-lambda-role")
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("CreateFunction");
        self.wait_active(name).await;
        out.function_arn().unwrap().to_owned()
    }

    /// Waits until the function is created and its last update applied ([`wait_active`]).
    pub async fn wait_active(&self, name: &str) {
        wait_active(&self.lambda, name).await;
    }

    /// The tutorial's REST API, not deployed: GET /hello_world as an AWS_PROXY integration of the
    /// function. Returns the API's id, /hello_world's resource id and the PutIntegration answer.
    pub async fn create_api(&self, function_arn: &str) -> (String, String, PutIntegrationOutput) {
        let api = self
            .apigw
            .create_rest_api()
            .name(Self::API)
            .description("REST API for lambda rust test")
            .send()
            .await
            .expect("CreateRestApi");
        let api_id = api.id().unwrap().to_owned();
        let root = api.root_resource_id().unwrap().to_owned();
        let (hello, integration) = self
            .add_route(&api_id, &root, "hello_world", function_arn)
            .await;
        (api_id, hello, integration)
    }

    /// A child resource of `parent` with GET as an AWS_PROXY integration of the function; returns its id
    /// and the PutIntegration answer.
    pub async fn add_route(
        &self,
        api_id: &str,
        parent: &str,
        part: &str,
        function_arn: &str,
    ) -> (String, PutIntegrationOutput) {
        let r = self
            .apigw
            .create_resource()
            .rest_api_id(api_id)
            .parent_id(parent)
            .path_part(part)
            .send()
            .await
            .expect("CreateResource");
        let rid = r.id().unwrap().to_owned();
        self.apigw
            .put_method()
            .rest_api_id(api_id)
            .resource_id(&rid)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .expect("PutMethod");
        let integration = self
            .apigw
            .put_integration()
            .rest_api_id(api_id)
            .resource_id(&rid)
            .http_method("GET")
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
            ))
            .send()
            .await
            .expect("PutIntegration");
        (rid, integration)
    }

    /// Lets API Gateway invoke the tutorial's function from any stage and route of `api_id`.
    pub async fn permit(&self, api_id: &str) {
        self.lambda
            .add_permission()
            .function_name(Self::FUNCTION)
            .statement_id("AllowAPIGatewayInvoke")
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .source_arn(format!(
                "arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/*"
            ))
            .send()
            .await
            .expect("AddPermission");
    }

    /// Deploys `api_id` to the tutorial's stage; returns the deployment's id.
    pub async fn deploy(&self, api_id: &str) -> String {
        let d = self
            .apigw
            .create_deployment()
            .rest_api_id(api_id)
            .stage_name(Self::STAGE)
            .send()
            .await
            .expect("CreateDeployment");
        d.id().unwrap().to_owned()
    }

    /// The whole tutorial stack with `zip` as the function's code, deployed; returns the API's id.
    pub async fn create(&self, zip: Vec<u8>) -> String {
        let arn = self.create_function(Self::FUNCTION, zip).await;
        let (api_id, _, _) = self.create_api(&arn).await;
        self.permit(&api_id).await;
        self.deploy(&api_id).await;
        api_id
    }
}

/// Waits until the function is created and its last update applied (the local stack keeps a create or
/// update `Pending` / `InProgress` for a short window, as Lambda does), polling often rather than at
/// the SDK waiters' one second.
pub async fn wait_active(lambda: &aws_sdk_lambda::Client, name: &str) {
    loop {
        let c = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .expect("GetFunctionConfiguration");
        let active = c.state().map(|s| s.as_str()) == Some("Active");
        let updated = c.last_update_status().map(|s| s.as_str()) != Some("InProgress");
        if active && updated {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
