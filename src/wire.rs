//! The wire contract between lambdeck's clients and its local stack, written once: both sides import it.
//!
//! Imports nothing of ours, so the client side (`aws`, `ping`, `tail`, `config`) and the emulator
//! (`local`) can both depend on it without depending on each other.

/// The header every AWS response carries its request id in (HTTP header names are case-insensitive).
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// The header a local stage response carries the Lambda request id of its invocation in, so a caller
/// can find the invocation's START/REPORT lines (AWS does not expose it).
pub const LAMBDA_REQUEST_ID_HEADER: &str = "x-lambdeck-lambda-request-id";

/// The header a local stage response names the deployment that served it in: the stage's, or its
/// canary's when a canary release took the request (AWS does not expose which).
pub const DEPLOYMENT_ID_HEADER: &str = "x-lambdeck-deployment-id";

/// The account id in every ARN of the local stack.
pub const LOCAL_ACCOUNT_ID: &str = "000000000000";

/// The region a local stack answers in when a client names none.
pub const LOCAL_REGION: &str = "us-east-1";

/// The path segment that marks a path-style stage URL: `/restapis/{id}/{stage}/_user_request_/{path}`.
pub const USER_REQUEST_MARKER: &str = "_user_request_";

/// The host infix of a host-style stage URL: `{id}.execute-api.{domain}`.
pub const EXECUTE_API_HOST_INFIX: &str = ".execute-api.";

/// The path-style stage URL of a REST API on a local endpoint (LocalStack's convention too).
pub fn local_stage_url(endpoint_url: &str, api_id: &str, stage: &str) -> String {
    format!(
        "{}/restapis/{api_id}/{stage}/{USER_REQUEST_MARKER}",
        endpoint_url.trim_end_matches('/')
    )
}

/// The URL AWS serves a REST API's stage at (the region's partition names the domain:
/// `amazonaws.com.cn` in China).
pub fn aws_stage_url(region: &str, api_id: &str, stage: &str) -> String {
    let suffix = crate::partition::of_region(region).dns_suffix;
    format!("https://{api_id}{EXECUTE_API_HOST_INFIX}{region}.{suffix}/{stage}")
}

/// The platform line Lambda writes when an invocation starts: `START RequestId: <id> Version: <v>`.
pub const START_PREFIX: &str = "START RequestId: ";
/// The platform line Lambda writes when an invocation ends: `END RequestId: <id>`.
pub const END_PREFIX: &str = "END RequestId: ";
/// The platform line with an invocation's metrics: `REPORT RequestId: <id>\tDuration: ... ms\t...`.
pub const REPORT_PREFIX: &str = "REPORT RequestId: ";

/// The log group Lambda writes a function's logs to.
pub fn lambda_log_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// Glob matching as IAM's ArnLike condition does it (`*` any run of characters, `?` one character):
/// the client judges a permission's health by the rule the local stack enforces.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), arn.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_like_globs() {
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:0:abc/*/*",
            "arn:aws:execute-api:us-east-1:0:abc/tf-test/GET/hello_world"
        ));
        assert!(arn_like(
            "arn:*:abc/*/GET/hello_world",
            "arn:x:abc/s/GET/hello_world"
        ));
        assert!(!arn_like(
            "arn:aws:execute-api:us-east-1:0:abc/*/POST/*",
            "arn:aws:execute-api:us-east-1:0:abc/s/GET/x"
        ));
        assert!(arn_like("a?c", "abc"));
        assert!(!arn_like("a?c", "ac"));
    }

    #[test]
    fn stage_urls_are_path_style_locally_and_host_style_on_aws() {
        assert_eq!(
            local_stage_url("http://127.0.0.1:4566/", "abc", "tf-test"),
            "http://127.0.0.1:4566/restapis/abc/tf-test/_user_request_"
        );
        assert_eq!(
            aws_stage_url("ap-northeast-1", "abc", "tf-test"),
            "https://abc.execute-api.ap-northeast-1.amazonaws.com/tf-test"
        );
        assert_eq!(
            aws_stage_url("cn-north-1", "abc", "tf-test"),
            "https://abc.execute-api.cn-north-1.amazonaws.com.cn/tf-test"
        );
    }

    #[test]
    fn a_function_logs_to_its_aws_lambda_group() {
        assert_eq!(lambda_log_group("f"), "/aws/lambda/f");
    }
}
