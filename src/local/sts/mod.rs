//! STS (AWS Query protocol): GetCallerIdentity, which the Terraform AWS provider calls first to validate
//! its credentials and learn the account. Every caller is the local account's root.

pub mod wire;

use axum::response::Response;

use super::common::ServiceRoute;
use super::common::query::{QueryError, QueryReq};

/// The namespace of every STS answer.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The ARN every caller of the local stack is, in the partition of the call.
pub fn caller_arn(partition: &str) -> String {
    format!("arn:{partition}:iam::{}:root", crate::local::account_id())
}

/// How the router recognises STS's requests: by the credential scope only (the Query protocol posts to `/`).
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "STS",
    signing_name: "sts",
    target_prefix: None,
    path_prefixes: &[],
};

/// Serves one STS request (signed for `region`); STS keeps no state.
pub async fn handle(region: &str, req: &super::common::Req) -> Response {
    let q = QueryReq::parse(req, region);
    match q.action.as_str() {
        "GetCallerIdentity" => q.respond(
            XMLNS,
            Some(&wire::CallerIdentity {
                arn: caller_arn(q.partition),
                user_id: crate::local::account_id().to_owned(),
                account: crate::local::account_id().to_owned(),
            }),
        ),
        other => QueryError::unknown_operation("STS", other).respond(XMLNS, &q),
    }
}
