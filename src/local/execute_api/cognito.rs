//! Cognito user pool authorizers on stage traffic. There is no local Cognito, so the token is read,
//! not verified: a JWT whose payload names one of the authorizer's user pools as its issuer
//! (`https://cognito-idp.{region}.amazonaws.com/{poolId}`) and has not expired passes; its signature
//! is not checked. Without authorization scopes on the method the token must be an ID token; with
//! them, an access token granting one of the scopes. Its claims reach the proxy event as
//! `requestContext.authorizer.claims`, as AWS sends them (every value a string).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::authorizer::Grant;
use super::gateway::GatewayError;
use crate::local::apigateway::model::Authorizer;
use crate::local::common::Req;

/// The issuer a pool's tokens carry, from the pool's ARN
/// (`arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`).
fn issuer(pool_arn: &str) -> Option<String> {
    let parts: Vec<&str> = pool_arn.splitn(6, ':').collect();
    let [_, partition, "cognito-idp", region, _, resource] = parts.as_slice() else {
        return None;
    };
    let pool = resource.strip_prefix("userpool/")?;
    let suffix = if partition.ends_with("-cn") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some(format!("https://cognito-idp.{region}.{suffix}/{pool}"))
}

/// The payload of a JWT (three base64url parts), unverified.
fn claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Why the token does not pass, or the grant it gives.
pub fn authorize(a: &Authorizer, scopes: &[String], req: &Req) -> Result<Grant, GatewayError> {
    let header = a
        .identity_source
        .as_deref()
        .and_then(|s| s.trim().strip_prefix("method.request.header."))
        .unwrap_or("Authorization");
    let deny = |why: &str| {
        tracing::debug!(target: "lambdeck::local", "Cognito authorizer {}: 401, {why}", a.name);
        GatewayError::unauthorized()
    };
    let raw = req
        .header(&header.to_ascii_lowercase())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| deny("no token"))?;
    let token = raw
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("bearer "))
        .map_or(raw, |_| raw[7..].trim());
    let claims = claims(token).ok_or_else(|| deny("the token is not a JWT"))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !a
        .provider_arns
        .iter()
        .filter_map(|arn| issuer(arn))
        .any(|i| i == iss)
    {
        return Err(deny(
            "the token's issuer is none of the authorizer's user pools",
        ));
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
        && exp <= chrono::Utc::now().timestamp()
    {
        return Err(deny("the token has expired"));
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    if scopes.is_empty() {
        if token_use.is_some_and(|u| u != "id") {
            return Err(deny("an ID token is required"));
        }
    } else {
        let granted = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        if token_use != Some("access")
            || !granted
                .split_whitespace()
                .any(|s| scopes.iter().any(|x| x == s))
        {
            return Err(deny(
                "an access token granting one of the method's scopes is required",
            ));
        }
    }
    let strings: Map<String, Value> = claims
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, Value::String(text))
        })
        .collect();
    Ok(Grant {
        context: Value::Object(Map::from_iter([(
            "claims".to_owned(),
            Value::Object(strings),
        )])),
        usage_identifier_key: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_arn_names_its_issuer() {
        assert_eq!(
            issuer("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC").as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC")
        );
        assert_eq!(issuer("arn:aws:lambda:eu-west-1:1:function:f"), None);
    }

    #[test]
    fn only_three_part_tokens_with_an_object_payload_are_read() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"iss":"x","n":1}"#);
        assert_eq!(
            claims(&format!("h.{payload}.s")).and_then(|c| c.get("iss").cloned()),
            Some(Value::String("x".into()))
        );
        assert!(claims(&format!("h.{payload}")).is_none());
        assert!(claims("a.b.c").is_none());
    }
}
