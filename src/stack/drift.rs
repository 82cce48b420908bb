//! Drift, as pure functions: what a stage serves (its deployment's apiSummary and its export with API
//! Gateway's extensions) against the working API, compared field by field (see [`super::diff`]).
//! No I/O here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::diff::{Comparison, WorkingApi, compare_definitions};
use super::export::parse_export;
use crate::model::definition::{ApiDefinition, MethodDefinition};
use crate::model::{ApiSummary, DeployedApi, DeployedRoute, Drift, RouteKey};

/// What a stage serves: the routes of the deployment's apiSummary, each with the integration the export
/// declares for it, and the export read as a whole (or why it could not be).
pub fn deployed_api(
    deployment_id: &str,
    summary: &ApiSummary,
    export: Result<&Value, String>,
) -> (DeployedApi, Result<ApiDefinition, String>) {
    let definition = export.and_then(parse_export);
    let mut routes = Vec::new();
    for (path, verbs) in summary {
        for (verb, m) in verbs {
            let key = RouteKey::new(verb.to_ascii_uppercase(), path.clone());
            let integration = definition
                .as_ref()
                .ok()
                .and_then(|d| d.routes.get(&key))
                .and_then(|m| m.integration.as_ref());
            routes.push(DeployedRoute {
                integration_type: integration
                    .map(|i| i.kind.clone())
                    .filter(|k| !k.is_empty()),
                integration_uri: integration.and_then(|i| i.uri.clone()),
                key,
                authorization_type: m.authorization_type.clone(),
                api_key_required: m.api_key_required,
            });
        }
    }
    routes.sort_by(|a, b| (&a.key.path, &a.key.method).cmp(&(&b.key.path, &b.key.method)));
    let deployed = DeployedApi {
        deployment_id: deployment_id.to_owned(),
        routes,
        integrations_unread: definition.as_ref().err().cloned(),
        not_comparable: vec![],
    };
    (deployed, definition)
}

/// The deployed definition with the apiSummary's word on which routes are served and how they are
/// authorised (the summary is the deployment's own record; the export is a rendering of it).
fn with_summary(mut d: ApiDefinition, summary: &ApiSummary) -> ApiDefinition {
    let mut routes = BTreeMap::new();
    for (path, verbs) in summary {
        for (verb, s) in verbs {
            let key = RouteKey::new(verb.to_ascii_uppercase(), path.clone());
            let mut m = d.routes.remove(&key).unwrap_or_default();
            m.authorization_type = s.authorization_type.to_ascii_uppercase();
            m.api_key_required = s.api_key_required;
            routes.insert(key, m);
        }
    }
    d.routes = routes;
    d
}

/// What a stage serves as a whole: its export with its apiSummary's word on routes and authorization,
/// for comparing two stages; or why the export could not be read.
pub fn served(
    definition: Result<ApiDefinition, String>,
    summary: &ApiSummary,
) -> Result<ApiDefinition, String> {
    definition.map(|d| with_summary(d, summary))
}

/// Only what the apiSummary can say: which routes exist and how they are authorised.
fn routes_only(d: &ApiDefinition) -> ApiDefinition {
    ApiDefinition {
        settings: d.settings.clone(),
        routes: d
            .routes
            .iter()
            .map(|(k, m)| {
                (
                    k.clone(),
                    MethodDefinition {
                        authorization_type: m.authorization_type.clone(),
                        api_key_required: m.api_key_required,
                        ..MethodDefinition::default()
                    },
                )
            })
            .collect(),
        ..ApiDefinition::default()
    }
}

/// Every change between the working API and what the stage serves, and what could not be compared.
/// Without a readable export only routes and their authorization compare: a difference there is still
/// stale, but no difference is "unknown", never "in sync".
pub fn compare(
    working: &WorkingApi,
    summary: &ApiSummary,
    deployed: &Result<ApiDefinition, String>,
) -> (Drift, Vec<String>) {
    match deployed {
        Ok(d) => {
            let Comparison {
                changes,
                not_comparable,
            } = compare_definitions(working, &with_summary(d.clone(), summary));
            let drift = if changes.is_empty() {
                Drift::InSync
            } else {
                Drift::Stale { changes }
            };
            (drift, not_comparable)
        }
        Err(reason) => {
            let served = routes_only(&with_summary(ApiDefinition::default(), summary));
            let mut reduced = WorkingApi {
                definition: routes_only(&working.definition),
                ..WorkingApi::default()
            };
            reduced.definition.settings = served.settings.clone();
            let c = compare_definitions(&reduced, &served);
            let drift = if c.changes.is_empty() {
                Drift::Unknown {
                    reason: format!(
                        "routes and authorization match, but the deployed API could not be read: {reason}"
                    ),
                }
            } else {
                Drift::Stale { changes: c.changes }
            };
            (drift, vec![])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MethodSummary;

    const FN_ARN: &str =
        "arn:aws:lambda:ap-northeast-1:123456789012:function:tf-test-rust-hello-world";

    fn uri(function_arn: &str) -> String {
        format!(
            "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        )
    }

    /// The tutorial's stage, exported as API Gateway renders it: GET /stages/tf-test/exports/oas30
    /// ?extensions=integrations,authorizers,apigateway (Accept: application/json).
    fn tutorial_export() -> Value {
        serde_json::from_str(&format!(
            r#"{{
  "openapi" : "3.0.1",
  "info" : {{ "title" : "tf-test-to-lambda-rust-api", "version" : "2026-11-24T15:58:11Z" }},
  "servers" : [ {{ "url" : "https://k3v9x2q1ab.execute-api.ap-northeast-1.amazonaws.com/{{basePath}}",
                  "variables" : {{ "basePath" : {{ "default" : "tf-test" }} }} }} ],
  "paths" : {{
    "/hello_world" : {{
      "get" : {{
        "x-amazon-apigateway-integration" : {{
          "httpMethod" : "POST", "uri" : "{}", "passthroughBehavior" : "when_no_match", "type" : "aws_proxy"
        }}
      }}
    }}
  }},
  "components" : {{ }}
}}"#,
            uri(FN_ARN)
        ))
        .unwrap()
    }

    fn summary(routes: &[(&str, &str, &str, bool)]) -> ApiSummary {
        let mut s = ApiSummary::new();
        for (path, verb, auth, key) in routes {
            s.entry((*path).to_owned()).or_default().insert(
                (*verb).to_owned(),
                MethodSummary {
                    authorization_type: (*auth).to_owned(),
                    api_key_required: *key,
                },
            );
        }
        s
    }

    fn tutorial_summary() -> ApiSummary {
        summary(&[("/hello_world", "GET", "NONE", false)])
    }

    /// The working side as the control plane describes the tutorial (defaults filled in).
    fn tutorial_working() -> WorkingApi {
        WorkingApi {
            definition: parse_export(&tutorial_export()).unwrap(),
            ..WorkingApi::default()
        }
    }

    fn lines(d: &Drift) -> Vec<String> {
        d.changes().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_export_yields_the_deployed_integration() {
        let (d, def) = deployed_api("dep1", &tutorial_summary(), Ok(&tutorial_export()));
        assert_eq!(d.routes.len(), 1);
        assert_eq!(d.routes[0].key, RouteKey::new("GET", "/hello_world"));
        assert_eq!(d.routes[0].integration_type.as_deref(), Some("AWS_PROXY"));
        assert_eq!(d.routes[0].integration_uri, Some(uri(FN_ARN)));
        assert_eq!(d.integrations_unread, None);
        assert!(def.is_ok());
    }

    #[test]
    fn in_sync_when_the_stage_serves_the_working_api() {
        let (_, def) = deployed_api("d", &tutorial_summary(), Ok(&tutorial_export()));
        let (drift, not_comparable) = compare(&tutorial_working(), &tutorial_summary(), &def);
        assert_eq!(drift, Drift::InSync);
        assert!(not_comparable.is_empty());
    }

    #[test]
    fn the_summary_decides_authorization_and_the_export_the_rest() {
        let (_, def) = deployed_api(
            "d",
            &summary(&[("/hello_world", "GET", "AWS_IAM", true)]),
            Ok(&tutorial_export()),
        );
        let (drift, _) = compare(
            &tutorial_working(),
            &summary(&[("/hello_world", "GET", "AWS_IAM", true)]),
            &def,
        );
        assert_eq!(
            lines(&drift),
            [
                "~ GET /hello_world apiKeyRequired true → false",
                "~ GET /hello_world authorizationType AWS_IAM → NONE",
            ]
        );
    }

    #[test]
    fn an_unreadable_export_leaves_drift_unknown_but_routes_still_compare() {
        let def = Err("GetExport: access denied".to_owned());
        assert!(matches!(
            compare(&tutorial_working(), &tutorial_summary(), &def).0,
            Drift::Unknown { reason } if reason.contains("access denied")
        ));
        let mut working = tutorial_working();
        let m = working.definition.routes[&RouteKey::new("GET", "/hello_world")].clone();
        working
            .definition
            .routes
            .insert(RouteKey::new("GET", "/new"), m);
        let (drift, _) = compare(&working, &tutorial_summary(), &def);
        assert_eq!(lines(&drift), ["+ GET /new"]);
    }

    /// A swagger 2.0 export as API Gateway renders one for an AWS (non-proxy) S3 integration behind
    /// IAM authorization: host and basePath instead of servers, method responses, regex response keys,
    /// request parameters, credentials, lower-case `aws` type, and a root path with a method.
    fn swagger_s3_export() -> Value {
        serde_json::from_str(
            r##"{
  "swagger" : "2.0",
  "info" : { "version" : "2026-11-24T16:02:40Z", "title" : "s3-proxy" },
  "host" : "k3v9x2q1ab.execute-api.us-west-2.amazonaws.com",
  "basePath" : "/S3",
  "schemes" : [ "https" ],
  "paths" : {
    "/" : {
      "get" : {
        "produces" : [ "application/json" ],
        "responses" : {
          "200" : { "description" : "200 response", "schema" : { "$ref" : "#/definitions/Empty" },
                    "headers" : { "Content-Type" : { "type" : "string" } } },
          "400" : { "description" : "400 response" }
        },
        "security" : [ { "sigv4" : [ ] } ],
        "x-amazon-apigateway-integration" : {
          "credentials" : "arn:aws:iam::123456789012:role/apigAwsProxyRole",
          "httpMethod" : "GET",
          "uri" : "arn:aws:apigateway:us-west-2:s3:path//",
          "responses" : {
            "4\\d{2}" : { "statusCode" : "400" },
            "default" : { "statusCode" : "200",
              "responseParameters" : { "method.response.header.Content-Type" : "integration.response.header.Content-Type" } }
          },
          "passthroughBehavior" : "when_no_match",
          "type" : "aws"
        }
      }
    },
    "/{folder}" : {
      "get" : {
        "parameters" : [ { "name" : "folder", "in" : "path", "required" : true, "type" : "string" } ],
        "responses" : { "200" : { "description" : "200 response" } },
        "security" : [ { "sigv4" : [ ] } ],
        "x-amazon-apigateway-integration" : {
          "credentials" : "arn:aws:iam::123456789012:role/apigAwsProxyRole",
          "httpMethod" : "GET",
          "uri" : "arn:aws:apigateway:us-west-2:s3:path/{bucket}",
          "requestParameters" : { "integration.request.path.bucket" : "method.request.path.folder" },
          "passthroughBehavior" : "when_no_match",
          "type" : "aws"
        }
      },
      "head" : {
        "parameters" : [ { "name" : "folder", "in" : "path", "required" : true, "type" : "string" } ],
        "responses" : { "200" : { "description" : "200 response" } },
        "security" : [ { "sigv4" : [ ] } ],
        "x-amazon-apigateway-integration" : {
          "httpMethod" : "HEAD",
          "uri" : "arn:aws:apigateway:us-west-2:s3:path/{bucket}",
          "passthroughBehavior" : "when_no_match",
          "type" : "aws"
        }
      },
      "parameters" : [ { "name" : "folder", "in" : "path", "required" : true, "type" : "string" } ]
    }
  },
  "securityDefinitions" : {
    "sigv4" : { "type" : "apiKey", "name" : "Authorization", "in" : "header", "x-amazon-apigateway-authtype" : "awsSigv4" }
  },
  "definitions" : { "Empty" : { "type" : "object", "title" : "Empty Schema" } }
}"##,
        )
        .unwrap()
    }

    #[test]
    fn a_swagger_export_of_a_non_proxy_api_compares_to_itself() {
        let export = swagger_s3_export();
        let s = summary(&[
            ("/", "GET", "AWS_IAM", false),
            ("/{folder}", "GET", "AWS_IAM", false),
            ("/{folder}", "HEAD", "AWS_IAM", false),
        ]);
        let (d, def) = deployed_api("d", &s, Ok(&export));
        assert_eq!(d.routes.len(), 3);
        let working = WorkingApi {
            definition: parse_export(&export).unwrap(),
            ..WorkingApi::default()
        };
        let (drift, _) = compare(&working, &s, &def);
        assert_eq!(drift, Drift::InSync);
        let mut changed = working.clone();
        if let Some(i) = changed
            .definition
            .routes
            .get_mut(&RouteKey::new("GET", "/"))
            .and_then(|m| m.integration.as_mut())
        {
            i.responses.remove("4\\d{2}");
        }
        let (drift, _) = compare(&changed, &s, &def);
        assert_eq!(
            lines(&drift),
            ["~ GET / integrationResponse[4\\d{2}].statusCode 400 → (none)"]
        );
    }
}
