//! Regions are isolated, as on AWS: Lambda, API Gateway and CloudWatch Logs resources created through
//! one region are invisible through another, the same names can be used in both, and every ARN names
//! its own region; IAM (and STS) are global.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::Environment;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck_test_support::sdk_config;

use super::PID_RUNTIME;
use crate::support::script_zip;

/// The clients of one region.
struct Region {
    apigw: aws_sdk_apigateway::Client,
    lambda: aws_sdk_lambda::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    tutorial: lambdeck_test_support::Tutorial,
}

impl Region {
    async fn new(url: &str, region: &str) -> Self {
        let config = sdk_config(url, region).await;
        Self {
            apigw: aws_sdk_apigateway::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            tutorial: lambdeck_test_support::Tutorial::new(&config),
        }
    }
}

/// A function named `f` in the region that answers `answer`; returns its ARN.
async fn answering(s: &Region, answer: &str) -> String {
    s.lambda
        .create_function()
        .function_name("f")
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/r")
        .environment(Environment::builder().variables("ANSWER", answer).build())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(script_zip(PID_RUNTIME)))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned()
}

async fn invoke(s: &Region) -> String {
    let out = s.lambda.invoke().function_name("f").send().await.unwrap();
    String::from_utf8(out.payload().unwrap().as_ref().to_vec()).unwrap()
}

async fn group_names(s: &Region) -> Vec<String> {
    s.logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_of_one_region_are_not_visible_in_another() {
    let server = LocalServer::start(super::settled_at_once(LocalConfig::default()))
        .await
        .unwrap();
    let url = server.endpoint_url();
    let east = Region::new(&url, "us-east-1").await;
    let west = Region::new(&url, "eu-west-1").await;
    const EAST: &str = r#"{"statusCode":200,"body":"east"}"#;
    const WEST: &str = r#"{"statusCode":200,"body":"west"}"#;

    // Lambda: the same name in both regions, each with its own ARN and its own code.
    let east_arn = answering(&east, EAST).await;
    let err = west
        .lambda
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
    assert!(
        west.lambda
            .list_functions()
            .send()
            .await
            .unwrap()
            .functions()
            .is_empty()
    );
    let west_arn = answering(&west, WEST).await;
    assert_eq!(east_arn, "arn:aws:lambda:us-east-1:000000000000:function:f");
    assert_eq!(west_arn, "arn:aws:lambda:eu-west-1:000000000000:function:f");
    assert_eq!(invoke(&east).await, EAST);
    assert_eq!(invoke(&west).await, WEST);

    // CloudWatch Logs: each function wrote to its own region's group; groups are per region.
    assert_eq!(group_names(&east).await, ["/aws/lambda/f"]);
    assert_eq!(group_names(&west).await, ["/aws/lambda/f"]);
    let arn = west
        .logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()[0]
        .log_group_arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        arn,
        "arn:aws:logs:eu-west-1:000000000000:log-group:/aws/lambda/f"
    );
    west.logs
        .create_log_group()
        .log_group_name("/only/west")
        .send()
        .await
        .unwrap();
    assert_eq!(group_names(&east).await, ["/aws/lambda/f"]);
    let err = east
        .logs
        .delete_log_group()
        .log_group_name("/only/west")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
    // The same group name may be created in both.
    east.logs
        .create_log_group()
        .log_group_name("/only/west")
        .send()
        .await
        .unwrap();

    // API Gateway: an API of eu-west-1 is not listed in us-east-1, and its stage calls the
    // eu-west-1 function.
    let api = west.apigw.create_rest_api().name("w").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    assert!(
        east.apigw
            .get_rest_apis()
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
    assert!(
        east.apigw
            .get_rest_api()
            .rest_api_id(&api_id)
            .send()
            .await
            .is_err()
    );
    let root = api.root_resource_id().unwrap().to_owned();
    let (rid, _) = west
        .tutorial
        .add_route(&api_id, &root, "hello_world", &west_arn)
        .await;
    assert!(!rid.is_empty());
    west.lambda
        .add_permission()
        .function_name("f")
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:eu-west-1:000000000000:{api_id}/*/*"
        ))
        .send()
        .await
        .unwrap();
    west.tutorial.deploy(&api_id).await;
    // The stage URL names no region: the API is found in the region that holds it.
    let stage =
        lambdeck::wire::local_stage_url(&url, &api_id, lambdeck_test_support::Tutorial::STAGE);
    let res = reqwest::get(format!("{stage}/hello_world")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "west");
    let streams = west
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/f")
        .send()
        .await
        .unwrap();
    assert_eq!(
        streams
            .events()
            .iter()
            .filter(|e| e.message().is_some_and(|m| m.starts_with("START")))
            .count(),
        2,
        "the stage invoked eu-west-1's function"
    );

    // IAM is global: a role created through one region is read through the other.
    let iam_east = aws_sdk_iam::Client::new(&sdk_config(&url, "us-east-1").await);
    let iam_west = aws_sdk_iam::Client::new(&sdk_config(&url, "eu-west-1").await);
    iam_east
        .create_role()
        .role_name("global")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let role = iam_west
        .get_role()
        .role_name("global")
        .send()
        .await
        .unwrap();
    assert_eq!(
        role.role().unwrap().arn(),
        "arn:aws:iam::000000000000:role/global"
    );
    server.shutdown().await;
}
