//! Retry policies sized for what AWS actually enforces.
//!
//! API Gateway's control plane has fixed per-account quotas far below other services' (CreateDeployment
//! 1 request per 5 s, GetResources 5 per 2 s, DeleteRestApi 1 per 30 s), so one `deploy` or `status`
//! run next to a CI pipeline or a Terraform apply is throttled as a matter of course. Its client gets
//! more attempts and longer waits than the SDK's default (3 attempts, about a second in all). Every
//! client honours the wait the service asks for (`Retry-After`, Lambda's `retryAfterSeconds`) and
//! retries API Gateway's "concurrent modification" conflicts, which clear once the other change lands.
//! A connection that cannot be made at all (refused, unknown host, connect timeout) is not retried:
//! waiting does not bring a mistyped or stopped endpoint back, and the user should hear at once.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::retry::ErrorKind;

/// The policy of every client but API Gateway's: transient failures and throttling, briefly.
pub fn default_policy() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(Duration::from_millis(200))
}

/// API Gateway's policy: up to 8 attempts, waits doubling from about a second up to 30 s (the longest
/// quota interval, DeleteRestApi's), or what `Retry-After` asks for. About a minute of patience on
/// average before a throttled call is reported.
pub fn apigateway_policy() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_secs(1))
        .with_max_backoff(Duration::from_secs(30))
}

/// Reads the service's own retry hints, and refuses to retry what retrying cannot fix.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceHints;

impl ClassifyRetry for ServiceHints {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        self.classify_retry_v2(ctx, &RetryAction::NoActionIndicated)
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        if let Some(Err(err)) = ctx.output_or_error()
            && let Some(connector) = err.as_connector_error()
            && never_connected(connector)
        {
            return RetryAction::RetryForbidden;
        }
        let Some(response) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        let status = response.status().as_u16();
        if status < 400 {
            return RetryAction::NoActionIndicated;
        }
        let headers = response.headers();
        let error_type = headers.get("x-amzn-errortype").unwrap_or_default();
        let body = response.body().bytes().unwrap_or_default();
        let retry_after = headers
            .get("retry-after")
            .and_then(parse_seconds)
            .or_else(|| body_retry_after(body));
        if let Some(wait) = retry_after {
            // An explicit wait makes any retryable verdict wait that long; a 429 is one even when the
            // error code is not one the SDK knows.
            if previous.should_retry() || status == 429 {
                return RetryAction::retryable_error_with_explicit_delay(
                    ErrorKind::ThrottlingError,
                    wait,
                );
            }
        }
        if error_type.starts_with("ConflictException") && is_concurrent_modification(body) {
            return RetryAction::retryable_error(ErrorKind::ThrottlingError);
        }
        RetryAction::NoActionIndicated
    }

    fn name(&self) -> &'static str {
        "lambdeck service hints"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After the SDK's own classifiers, to refine (or overrule) their verdict.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// Retry-After in seconds (the HTTP-date form is not used by AWS).
fn parse_seconds(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(300.0)))
}

/// Lambda's `TooManyRequestsException` carries `retryAfterSeconds` in its body.
fn body_retry_after(body: &[u8]) -> Option<Duration> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    match v.get("retryAfterSeconds")? {
        serde_json::Value::String(s) => parse_seconds(s),
        serde_json::Value::Number(n) => n.as_f64().and_then(|f| parse_seconds(&f.to_string())),
        _ => None,
    }
}

fn is_concurrent_modification(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("concurrent modification")
}

/// The request never reached a server: refused, no such host, or no answer to the connect.
fn never_connected(err: &aws_smithy_runtime_api::client::result::ConnectorError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("dns error")
            || text.contains("failed to lookup address")
            || text.contains("connect timeout")
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_from_the_header_and_from_lambdas_body() {
        assert_eq!(parse_seconds("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_seconds(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_seconds("soon"), None);
        assert_eq!(
            body_retry_after(br#"{"Type":"User","retryAfterSeconds":"3"}"#),
            Some(Duration::from_secs(3))
        );
        assert_eq!(body_retry_after(br#"{"message":"x"}"#), None);
    }

    #[test]
    fn only_concurrent_modification_conflicts_are_retried() {
        assert!(is_concurrent_modification(
            br#"{"message":"Unable to complete operation due to concurrent modification. Please try again later."}"#
        ));
        assert!(!is_concurrent_modification(
            br#"{"message":"Another resource with the same parent already has this name: x"}"#
        ));
    }
}
