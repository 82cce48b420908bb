//! The `bootstrap` entry point: starts the Lambda runtime with the hello-world handler.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<ApiGatewayProxyRequest>| async move {
            Ok::<_, Error>(hello_world::handle(&event.payload))
        },
    ))
    .await
}
