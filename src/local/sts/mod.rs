//! STS (AWS Query protocol): GetCallerIdentity, which the Terraform AWS provider calls first to validate
//! its credentials and learn the account. Every caller is the local account's root.

pub mod wire;

use axum::response::Response;

use super::common::ServiceRoute;
use super::common::query::{QueryError, QueryReq};
use crate::wire::LOCAL_ACCOUNT_ID as ACCOUNT_ID;

/// The namespace of every STS answer.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The ARN every caller of the local stack is.
pub fn caller_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:root")
}

/// How the router recognises STS's requests: by the credential scope only (the Query protocol posts to `/`).
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "STS",
    signing_name: "sts",
    target_prefix: None,
    path_prefixes: &[],
};

/// Serves one STS request; STS keeps no state.
pub async fn handle(req: &super::common::Req) -> Response {
    let q = QueryReq::parse(req);
    match q.action.as_str() {
        "GetCallerIdentity" => q.respond(
            XMLNS,
            Some(&wire::CallerIdentity {
                arn: caller_arn(),
                user_id: ACCOUNT_ID.to_owned(),
                account: ACCOUNT_ID.to_owned(),
            }),
        ),
        other => QueryError::unknown_operation("STS", other).respond(XMLNS, &q),
    }
}
