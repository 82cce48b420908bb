//! STS answer shapes, as the Query protocol's XML renders them.

use serde::Serialize;

/// `GetCallerIdentityResult`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentity {
    pub arn: String,
    pub user_id: String,
    pub account: String,
}
