//! Lambda authorizers (TOKEN and REQUEST) on stage traffic: the identity sources checked first (401
//! without calling the function when one is missing or the token fails the validation expression),
//! the function called with AWS's event, its IAM policy evaluated against the method ARN (an explicit
//! Deny wins, no matching Allow is an implicit deny: 403), and its principal and context handed to
//! the integration. Results are cached per authorizer, deployment and identity for the authorizer's
//! `authorizerResultTtlInSeconds` (in memory; 0 turns the cache off).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::super::apigateway::model::Authorizer;
use super::super::common::lock;
use super::super::exec::Outcome;
use super::event::{EventInput, proxy_event};
use super::gateway::GatewayError;
use super::{Ctx, function_for};
use crate::wire::arn_like;

/// What an authorizer granted: the `requestContext.authorizer` of the proxy event, and the API key
/// it names for usage plans (`usageIdentifierKey`, read when the API's key source is AUTHORIZER).
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub context: Value,
    pub usage_identifier_key: Option<String>,
}

/// One cached authorizer answer: the policy and the grant, until `expires`.
#[derive(Debug, Clone)]
pub struct Cached {
    expires: Instant,
    answer: Value,
}

/// Authorizer answers, by authorizer, deployment and identity.
pub type Cache = std::sync::Mutex<BTreeMap<String, Cached>>;

/// The values an identity source expression names (`method.request.header.X`,
/// `method.request.querystring.X`, `stageVariables.X`, `context.X`), `None` for a missing one.
fn identity_values(source: &str, input: &EventInput<'_>) -> Vec<Option<String>> {
    source
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let v = if let Some(h) = s.strip_prefix("method.request.header.") {
                input.req.header(h).map(ToOwned::to_owned)
            } else if let Some(q) = s.strip_prefix("method.request.querystring.") {
                input.req.query_one(q).map(ToOwned::to_owned)
            } else if let Some(p) = s.strip_prefix("method.request.path.") {
                input.path_parameters.get(p).cloned()
            } else if let Some(v) = s.strip_prefix("stageVariables.") {
                input.variables.get(v).cloned()
            } else if let Some(c) = s.strip_prefix("context.") {
                match c {
                    "httpMethod" => Some(input.req.method.as_str().to_owned()),
                    "stage" => Some(input.stage.to_owned()),
                    "resourcePath" => Some(input.resource_path.to_owned()),
                    _ => None,
                }
            } else {
                None
            };
            v.filter(|v| !v.is_empty())
        })
        .collect()
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}`: what the policy must allow.
pub fn method_arn(region: &str, input: &EventInput<'_>) -> String {
    crate::partition::arn(
        region,
        "execute-api",
        crate::local::account_id(),
        &format!(
            "{}/{}/{}{}",
            input.api_id,
            input.stage,
            input.req.method.as_str(),
            input.raw_path
        ),
    )
}

fn one_or_many(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// How an authorizer's policy decides the method ARN: `Ok(())` allowed, else the 403.
pub fn evaluate(policy: &Value, arn: &str) -> Result<(), GatewayError> {
    let statements: Vec<&Value> = match &policy["Statement"] {
        Value::Array(a) => a.iter().collect(),
        s @ Value::Object(_) => vec![s],
        _ => Vec::new(),
    };
    let applies = |s: &Value| {
        let action = one_or_many(&s["Action"])
            .iter()
            .any(|a| matches!(*a, "execute-api:Invoke" | "execute-api:*" | "*"));
        action
            && one_or_many(&s["Resource"])
                .iter()
                .any(|r| *r == "*" || arn_like(r, arn))
    };
    let matching: Vec<&&Value> = statements.iter().filter(|s| applies(s)).collect();
    if matching.iter().any(|s| s["Effect"] == "Deny") {
        return Err(GatewayError::access_denied(true));
    }
    if matching.iter().any(|s| s["Effect"] == "Allow") {
        return Ok(());
    }
    Err(GatewayError::access_denied(false))
}

/// The authorizer's input event: TOKEN `{type, authorizationToken, methodArn}`; REQUEST the proxy
/// event's request members with `type` and `methodArn`.
fn event(a: &Authorizer, input: &EventInput<'_>, token: Option<&str>, arn: &str) -> Value {
    if a.kind == "TOKEN" {
        return json!({
            "type": "TOKEN",
            "authorizationToken": token,
            "methodArn": arn,
        });
    }
    let mut e = proxy_event(input);
    if let Some(o) = e.as_object_mut() {
        o.remove("body");
        o.remove("isBase64Encoded");
        o.insert("type".into(), json!("REQUEST"));
        o.insert("methodArn".into(), json!(arn));
    }
    e
}

/// The `requestContext.authorizer` API Gateway passes on: the context's values as strings (numbers
/// and booleans stringified, as AWS does for proxy events) and `principalId`.
fn grant_of(answer: &Value) -> Grant {
    let mut context = Map::new();
    if let Some(c) = answer["context"].as_object() {
        for (k, v) in c {
            let s = match v {
                Value::String(s) => Value::String(s.clone()),
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                _ => continue,
            };
            context.insert(k.clone(), s);
        }
    }
    if let Some(p) = answer.get("principalId") {
        context.insert("principalId".into(), p.clone());
    }
    context.insert("integrationLatency".into(), json!(0));
    Grant {
        context: Value::Object(context),
        usage_identifier_key: answer["usageIdentifierKey"].as_str().map(ToOwned::to_owned),
    }
}

/// Runs the method's authorizer for a request; the grant, or the gateway error the stage answers.
pub async fn authorize(
    cx: Ctx<'_>,
    cache: &Cache,
    a: &Authorizer,
    input: &EventInput<'_>,
) -> Result<Grant, GatewayError> {
    let source = a
        .identity_source
        .as_deref()
        .unwrap_or("method.request.header.Authorization");
    let values = identity_values(source, input);
    let ttl = a.authorizer_result_ttl_in_seconds.unwrap_or(300).max(0);
    let token = values.first().cloned().flatten();
    if a.kind == "TOKEN" {
        let Some(token) = &token else {
            return Err(GatewayError::unauthorized());
        };
        if let Some(expr) = a
            .identity_validation_expression
            .as_deref()
            .filter(|e| !e.is_empty())
        {
            let matches = regex::Regex::new(&format!("^(?:{expr})$"))
                .map(|re| re.is_match(token))
                .unwrap_or(false);
            if !matches {
                return Err(GatewayError::unauthorized());
            }
        }
    } else if ttl > 0 && values.iter().any(Option::is_none) {
        // With caching on, every identity source of a REQUEST authorizer is required.
        return Err(GatewayError::unauthorized());
    }
    let arn = method_arn(cx.region, input);
    let key = format!(
        "{}/{}/{}/{}",
        input.api_id,
        input.deployment_id,
        a.id,
        values
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{1f}")
    );
    let cached = (ttl > 0)
        .then(|| {
            let c = lock(cache);
            c.get(&key)
                .filter(|c| c.expires > Instant::now())
                .map(|c| c.answer.clone())
        })
        .flatten();
    let answer = match cached {
        Some(answer) => answer,
        None => {
            let answer = call(cx, a, input, token.as_deref(), &arn).await?;
            if ttl > 0 {
                let mut c = lock(cache);
                let now = Instant::now();
                c.retain(|_, v| v.expires > now);
                c.insert(
                    key,
                    Cached {
                        expires: now + Duration::from_secs(ttl.unsigned_abs()),
                        answer: answer.clone(),
                    },
                );
            }
            answer
        }
    };
    evaluate(&answer["policyDocument"], &arn)?;
    Ok(grant_of(&answer))
}

/// Calls the authorizer's function; its answer, which must carry a policy document.
async fn call(
    cx: Ctx<'_>,
    a: &Authorizer,
    input: &EventInput<'_>,
    token: Option<&str>,
    arn: &str,
) -> Result<Value, GatewayError> {
    let function_ref = a
        .authorizer_uri
        .as_deref()
        .and_then(|u| super::lambda_target(u, input.variables))
        .ok_or_else(GatewayError::authorizer_configuration)?;
    // The function's region is the URI's; the authorizer's ARN names the API's region.
    let region = super::uri_region(a.authorizer_uri.as_deref(), cx.region);
    let source_arn = crate::partition::arn(
        cx.region,
        "execute-api",
        crate::local::account_id(),
        &format!("{}/authorizers/{}", input.api_id, a.id),
    );
    // An authorizer with credentials calls the function with that role, no resource policy needed.
    let function = function_for(
        cx,
        &function_ref,
        &source_arn,
        a.authorizer_credentials.is_some(),
        region,
    )
    .map_err(|_| GatewayError::authorizer_configuration())?;
    let payload = bytes::Bytes::from(event(a, input, token, arn).to_string());
    let invocation = cx.executor.invoke(&function, payload).await;
    match invocation.outcome {
        Outcome::Response(body) => {
            let answer: Value = serde_json::from_slice(&body)
                .map_err(|_| GatewayError::authorizer_configuration())?;
            if !answer["policyDocument"].is_object() {
                return Err(GatewayError::authorizer_configuration());
            }
            Ok(answer)
        }
        // `throw new Error("Unauthorized")` / `raise Exception("Unauthorized")`: 401.
        Outcome::FunctionError(body) => {
            let e: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if e["errorMessage"] == "Unauthorized" {
                Err(GatewayError::unauthorized())
            } else {
                Err(GatewayError::authorizer_configuration())
            }
        }
        Outcome::Timeout | Outcome::Crashed(_) => Err(GatewayError::authorizer_configuration()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/hello";

    fn policy(effect: &str, resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
        ]})
    }

    #[test]
    fn allow_deny_and_implicit_deny() {
        assert!(evaluate(&policy("Allow", ARN), ARN).is_ok());
        assert!(
            evaluate(
                &policy(
                    "Allow",
                    "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/*"
                ),
                ARN
            )
            .is_ok()
        );
        assert_eq!(
            evaluate(&policy("Deny", ARN), ARN).unwrap_err(),
            GatewayError::access_denied(true)
        );
        assert_eq!(
            evaluate(
                &policy(
                    "Allow",
                    "arn:aws:execute-api:us-east-1:000000000000:abc/dev/POST/*"
                ),
                ARN
            )
            .unwrap_err(),
            GatewayError::access_denied(false)
        );
        let both = json!({"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [ARN]}
        ]});
        assert_eq!(
            evaluate(&both, ARN).unwrap_err(),
            GatewayError::access_denied(true)
        );
    }

    #[test]
    fn the_context_is_stringified_with_the_principal() {
        let g = grant_of(&json!({
            "principalId": "user-1",
            "context": {"n": 1, "ok": true, "s": "x", "nested": {"no": 1}},
            "usageIdentifierKey": "k".repeat(20),
        }));
        assert_eq!(
            g.context,
            json!({"n": "1", "ok": "true", "s": "x", "principalId": "user-1", "integrationLatency": 0})
        );
        assert_eq!(
            g.usage_identifier_key.as_deref(),
            Some("kkkkkkkkkkkkkkkkkkkk")
        );
    }
}
