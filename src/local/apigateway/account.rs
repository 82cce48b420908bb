//! The account's API Gateway settings: GetAccount and UpdateAccount. The CloudWatch Logs role is
//! stored (logs are not written with it locally); the throttle is AWS's default account quota,
//! which AWS changes through a quota request, not through UpdateAccount.

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::Ctx;
use super::model::AccountSettings;
use super::ops::{Result, body, ok, unsupported, write};
use super::patch;
use super::wire::PatchIn;
use crate::local::common::{Req, RestJsonError, lock};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudwatch_role_arn: Option<String>,
    pub throttle_settings: ThrottleSettingsOut,
    pub features: Vec<&'static str>,
    pub api_key_version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettingsOut {
    pub burst_limit: i64,
    pub rate_limit: f64,
}

fn render(settings: &AccountSettings) -> AccountOut {
    AccountOut {
        cloudwatch_role_arn: settings.cloudwatch_role_arn.clone(),
        // AWS's default account-level throttle (requests a second, burst), the same defaults a
        // stage's method settings show.
        throttle_settings: ThrottleSettingsOut {
            burst_limit: 5000,
            rate_limit: 10000.0,
        },
        features: vec!["UsagePlans"],
        api_key_version: "4",
    }
}

/// `arn:{partition}:iam::{account}:role/{name}`: a role API Gateway could assume.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if !partition.is_empty()
            && !account.is_empty()
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

pub(super) fn route(cx: &Ctx<'_>, req: &Req, seg: &[&str]) -> Option<Result<Response>> {
    if seg != ["account"] {
        return None;
    }
    Some(match req.method {
        Verb::GET => Ok(ok(StatusCode::OK, render(&lock(cx.state).account))),
        Verb::PATCH => update(cx, req),
        _ => Err(unsupported(req)),
    })
}

fn update(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateAccountInput")?;
    let value = write(cx, "", |state| {
        let mut settings = state.account.clone();
        for op in &input.patch_operations {
            const PATHS: [&str; 1] = ["/cloudwatchRoleArn"];
            if op.op != "replace" {
                return Err(patch::unsupported_op(op));
            }
            if op.path != PATHS[0] {
                return Err(patch::bad_op(op, &PATHS));
            }
            settings.cloudwatch_role_arn = match patch::optional(op) {
                None => None,
                Some(arn) if is_role_arn(&arn) => Some(arn),
                Some(_) => {
                    return Err(RestJsonError::bad_request(
                        "The role ARN does not have required permissions set to API Gateway",
                    ));
                }
            };
        }
        let value = render(&settings);
        state.account = settings;
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_iam_role_arns_can_be_the_cloudwatch_role() {
        assert!(is_role_arn("arn:aws:iam::000000000000:role/apigw-logs"));
        assert!(is_role_arn("arn:aws-cn:iam::000000000000:role/path/apigw"));
        assert!(!is_role_arn("arn:aws:iam::000000000000:user/someone"));
        assert!(!is_role_arn("arn:aws:iam::000000000000:role/"));
        assert!(!is_role_arn("apigw-logs"));
    }

    #[test]
    fn the_account_shows_aws_defaults() {
        let out = serde_json::to_value(render(&AccountSettings::default())).unwrap();
        assert_eq!(
            out,
            serde_json::json!({
                "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
                "features": ["UsagePlans"],
                "apiKeyVersion": "4"
            })
        );
    }
}
