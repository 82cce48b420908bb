//! Drift, as pure functions: what a stage serves (its deployment's apiSummary and the oas30 export with
//! integrations) against the working API (GetResources embed=methods). No I/O here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{
    ApiSummary, ChangeKind, DeployedApi, DeployedRoute, Drift, Resource, RouteChange, RouteKey,
};

/// Route -> (integration type upper case, uri), as an export declares them.
pub type ExportIntegrations = BTreeMap<RouteKey, (Option<String>, Option<String>)>;

/// The integrations an oas30 (or swagger 2.0) export with `extensions=integrations` declares:
/// route -> (type upper case, uri).
pub fn export_integrations(export: &Value) -> Result<ExportIntegrations, String> {
    let paths = export
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the export has no \"paths\" object")?;
    let mut out = BTreeMap::new();
    for (path, ops) in paths {
        let Some(ops) = ops.as_object() else { continue };
        for (key, op) in ops {
            let verb = if key == "x-amazon-apigateway-any-method" {
                "ANY".to_owned()
            } else if matches!(
                key.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch"
            ) {
                key.to_ascii_uppercase()
            } else {
                // Path-level keys such as "parameters" are not operations.
                continue;
            };
            let integration = op.get("x-amazon-apigateway-integration");
            let kind = integration
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase);
            let uri = integration
                .and_then(|i| i.get("uri"))
                .and_then(Value::as_str)
                .map(ToOwned::to_owned);
            out.insert(RouteKey::new(verb, path.clone()), (kind, uri));
        }
    }
    Ok(out)
}

/// What a stage serves: the routes of the deployment's apiSummary, each with the integration the export
/// declares for it. `export` is the parsed export, or why it could not be read.
pub fn deployed_api(
    deployment_id: &str,
    summary: &ApiSummary,
    export: Result<&Value, String>,
) -> DeployedApi {
    let (integrations, unread) = match export.and_then(export_integrations) {
        Ok(map) => (map, None),
        Err(reason) => (BTreeMap::new(), Some(reason)),
    };
    let mut routes = Vec::new();
    for (path, verbs) in summary {
        for (verb, m) in verbs {
            let key = RouteKey::new(verb.to_ascii_uppercase(), path.clone());
            let (integration_type, integration_uri) =
                integrations.get(&key).cloned().unwrap_or((None, None));
            routes.push(DeployedRoute {
                key,
                authorization_type: m.authorization_type.clone(),
                api_key_required: m.api_key_required,
                integration_type,
                integration_uri,
            });
        }
    }
    routes.sort_by(|a, b| (&a.key.path, &a.key.method).cmp(&(&b.key.path, &b.key.method)));
    DeployedApi {
        deployment_id: deployment_id.to_owned(),
        routes,
        integrations_unread: unread,
    }
}

/// Every change between the working API and what the stage serves, in (path, method) order.
pub fn compare(working: &[Resource], deployed: &DeployedApi) -> Drift {
    let mut live: BTreeMap<(String, String), &DeployedRoute> = deployed
        .routes
        .iter()
        .map(|r| ((r.key.path.clone(), r.key.method.clone()), r))
        .collect();
    let mut changes: Vec<(String, String, RouteChange)> = Vec::new();
    let mut push = |route: &RouteKey, kind: ChangeKind| {
        changes.push((
            route.path.clone(),
            route.method.clone(),
            RouteChange {
                route: route.clone(),
                kind,
            },
        ));
    };
    for resource in working {
        for method in &resource.methods {
            let key = RouteKey::new(method.http_method.to_ascii_uppercase(), &resource.path);
            let Some(served) = live.remove(&(key.path.clone(), key.method.clone())) else {
                push(&key, ChangeKind::Added);
                continue;
            };
            if !served
                .authorization_type
                .eq_ignore_ascii_case(&method.authorization_type)
            {
                push(
                    &key,
                    ChangeKind::Authorization {
                        from: served.authorization_type.clone(),
                        to: method.authorization_type.clone(),
                    },
                );
            }
            if served.api_key_required != method.api_key_required {
                push(
                    &key,
                    ChangeKind::ApiKeyRequired {
                        from: served.api_key_required,
                        to: method.api_key_required,
                    },
                );
            }
            if deployed.integrations_unread.is_some() {
                continue;
            }
            // An integration read without a type is compared as no type, like an export without one.
            let kind = method
                .integration
                .as_ref()
                .map(|i| i.kind.to_ascii_uppercase())
                .filter(|k| !k.is_empty());
            let uri = method.integration.as_ref().and_then(|i| i.uri.clone());
            if served.integration_type != kind {
                push(
                    &key,
                    ChangeKind::IntegrationType {
                        from: served.integration_type.clone(),
                        to: kind,
                    },
                );
            }
            if served.integration_uri != uri {
                push(
                    &key,
                    ChangeKind::IntegrationUri {
                        from: served.integration_uri.clone(),
                        to: uri,
                    },
                );
            }
        }
    }
    for ((path, method), _) in live {
        push(&RouteKey::new(method, path), ChangeKind::Removed);
    }
    // Stable order: by path, then verb; within a route, the order the checks ran.
    changes.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let changes: Vec<RouteChange> = changes.into_iter().map(|(_, _, c)| c).collect();
    match (changes.is_empty(), &deployed.integrations_unread) {
        (false, _) => Drift::Stale { changes },
        (true, None) => Drift::InSync,
        (true, Some(reason)) => Drift::Unknown {
            reason: format!(
                "routes and authorization match, but the deployed integrations could not be read: {reason}"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Health, Integration, IntegrationTarget, Method, MethodSummary};

    const FN_ARN: &str =
        "arn:aws:lambda:ap-northeast-1:123456789012:function:tf-test-rust-hello-world";

    fn uri(function_arn: &str) -> String {
        format!(
            "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        )
    }

    /// The tutorial's stage, exported as API Gateway renders it: GET /stages/tf-test/exports/oas30
    /// ?extensions=integrations (Accept: application/json).
    fn tutorial_export() -> Value {
        serde_json::from_str(&format!(
            r#"{{
  "openapi" : "3.0.1",
  "info" : {{
    "title" : "tf-test-to-lambda-rust-api",
    "description" : "REST API for lambda rust test",
    "version" : "2026-11-24T15:58:11Z"
  }},
  "servers" : [ {{
    "url" : "https://k3v9x2q1ab.execute-api.ap-northeast-1.amazonaws.com/{{basePath}}",
    "variables" : {{
      "basePath" : {{
        "default" : "tf-test"
      }}
    }}
  }} ],
  "paths" : {{
    "/hello_world" : {{
      "get" : {{
        "x-amazon-apigateway-integration" : {{
          "httpMethod" : "POST",
          "uri" : "{}",
          "passthroughBehavior" : "when_no_match",
          "type" : "aws_proxy"
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

    fn method(verb: &str, auth: &str, key: bool, kind: &str, uri: &str) -> Method {
        Method {
            http_method: verb.into(),
            authorization_type: auth.into(),
            authorizer_id: None,
            api_key_required: key,
            integration: Some(Integration {
                kind: kind.into(),
                http_method: Some("POST".into()),
                uri: Some(uri.into()),
                target: IntegrationTarget::ThisFunction,
            }),
            health: Health::Ok,
            notes: vec![],
        }
    }

    fn resource(path: &str, methods: Vec<Method>) -> Resource {
        Resource {
            id: format!("id{}", path.len()),
            parent_id: Some("root".into()),
            path: path.into(),
            path_part: Some(path.trim_start_matches('/').into()),
            methods,
        }
    }

    fn tutorial_working() -> Vec<Resource> {
        vec![
            resource("/", vec![]),
            resource(
                "/hello_world",
                vec![method("GET", "NONE", false, "AWS_PROXY", &uri(FN_ARN))],
            ),
        ]
    }

    fn tutorial_deployed() -> DeployedApi {
        deployed_api(
            "dep1",
            &summary(&[("/hello_world", "GET", "NONE", false)]),
            Ok(&tutorial_export()),
        )
    }

    #[test]
    fn the_export_yields_the_deployed_integration() {
        let d = tutorial_deployed();
        assert_eq!(d.routes.len(), 1);
        assert_eq!(d.routes[0].key, RouteKey::new("GET", "/hello_world"));
        assert_eq!(d.routes[0].integration_type.as_deref(), Some("AWS_PROXY"));
        assert_eq!(d.routes[0].integration_uri, Some(uri(FN_ARN)));
        assert_eq!(d.integrations_unread, None);
    }

    #[test]
    fn in_sync_when_the_stage_serves_the_working_api() {
        assert_eq!(
            compare(&tutorial_working(), &tutorial_deployed()),
            Drift::InSync
        );
    }

    #[test]
    fn added_route_is_stale() {
        let mut working = tutorial_working();
        working.push(resource(
            "/new",
            vec![method("GET", "NONE", false, "AWS_PROXY", &uri(FN_ARN))],
        ));
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/new"),
                kind: ChangeKind::Added
            }]
        );
    }

    #[test]
    fn removed_route_is_stale() {
        let working = vec![resource("/", vec![])];
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/hello_world"),
                kind: ChangeKind::Removed
            }]
        );
    }

    #[test]
    fn changed_integration_uri_is_stale() {
        let other = "arn:aws:lambda:ap-northeast-1:123456789012:function:other";
        let working = vec![resource(
            "/hello_world",
            vec![method("GET", "NONE", false, "AWS_PROXY", &uri(other))],
        )];
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/hello_world"),
                kind: ChangeKind::IntegrationUri {
                    from: Some(uri(FN_ARN)),
                    to: Some(uri(other))
                }
            }]
        );
        assert_eq!(
            crate::model::describe_changes(drift.changes()),
            "~GET /hello_world integration"
        );
    }

    #[test]
    fn changed_integration_type_is_stale() {
        let working = vec![resource(
            "/hello_world",
            vec![method("GET", "NONE", false, "AWS", &uri(FN_ARN))],
        )];
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/hello_world"),
                kind: ChangeKind::IntegrationType {
                    from: Some("AWS_PROXY".into()),
                    to: Some("AWS".into())
                }
            }]
        );
    }

    #[test]
    fn changed_authorization_is_stale() {
        let working = vec![resource(
            "/hello_world",
            vec![method("GET", "AWS_IAM", false, "AWS_PROXY", &uri(FN_ARN))],
        )];
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/hello_world"),
                kind: ChangeKind::Authorization {
                    from: "NONE".into(),
                    to: "AWS_IAM".into()
                }
            }]
        );
    }

    #[test]
    fn changed_api_key_requirement_is_stale() {
        let working = vec![resource(
            "/hello_world",
            vec![method("GET", "NONE", true, "AWS_PROXY", &uri(FN_ARN))],
        )];
        let drift = compare(&working, &tutorial_deployed());
        assert_eq!(
            drift.changes(),
            [RouteChange {
                route: RouteKey::new("GET", "/hello_world"),
                kind: ChangeKind::ApiKeyRequired {
                    from: false,
                    to: true
                }
            }]
        );
    }

    /// An export of a richer stage: ANY method, a path parameter, a MOCK integration, an api key and
    /// IAM authorization, the way API Gateway renders security and the any-method extension.
    #[test]
    fn a_richer_export_round_trips_to_in_sync() {
        let export: Value = serde_json::from_str(&format!(
            r#"{{
  "openapi" : "3.0.1",
  "info" : {{ "title" : "x", "version" : "2026-11-24T15:58:11Z" }},
  "servers" : [ {{ "url" : "https://k3v9x2q1ab.execute-api.ap-northeast-1.amazonaws.com/{{basePath}}",
                  "variables" : {{ "basePath" : {{ "default" : "tf-test" }} }} }} ],
  "paths" : {{
    "/items/{{id}}" : {{
      "get" : {{
        "parameters" : [ {{ "name" : "id", "in" : "path", "required" : true, "schema" : {{ "type" : "string" }} }} ],
        "security" : [ {{ "api_key" : [ ] }} ],
        "x-amazon-apigateway-integration" : {{ "httpMethod" : "POST", "uri" : "{u}",
          "passthroughBehavior" : "when_no_match", "type" : "aws_proxy" }}
      }},
      "options" : {{
        "x-amazon-apigateway-integration" : {{ "requestTemplates" : {{ "application/json" : "{{\"statusCode\": 200}}" }},
          "passthroughBehavior" : "when_no_match", "type" : "mock" }}
      }}
    }},
    "/{{proxy+}}" : {{
      "x-amazon-apigateway-any-method" : {{
        "security" : [ {{ "sigv4" : [ ] }} ],
        "x-amazon-apigateway-integration" : {{ "httpMethod" : "POST", "uri" : "{u}",
          "passthroughBehavior" : "when_no_match", "type" : "aws_proxy" }}
      }}
    }}
  }},
  "components" : {{ "securitySchemes" : {{
    "api_key" : {{ "type" : "apiKey", "name" : "x-api-key", "in" : "header" }},
    "sigv4" : {{ "type" : "apiKey", "name" : "Authorization", "in" : "header", "x-amazon-apigateway-authtype" : "awsSigv4" }} }} }}
}}"#,
            u = uri(FN_ARN)
        ))
        .unwrap();
        let s = summary(&[
            ("/items/{id}", "GET", "NONE", true),
            ("/items/{id}", "OPTIONS", "NONE", false),
            ("/{proxy+}", "ANY", "AWS_IAM", false),
        ]);
        let deployed = deployed_api("d", &s, Ok(&export));
        let mut options = method("OPTIONS", "NONE", false, "MOCK", "");
        if let Some(i) = options.integration.as_mut() {
            i.uri = None;
            i.http_method = None;
        }
        let working = vec![
            resource("/", vec![]),
            resource(
                "/items/{id}",
                vec![
                    method("GET", "NONE", true, "AWS_PROXY", &uri(FN_ARN)),
                    options,
                ],
            ),
            resource(
                "/{proxy+}",
                vec![method("ANY", "AWS_IAM", false, "AWS_PROXY", &uri(FN_ARN))],
            ),
        ];
        assert_eq!(compare(&working, &deployed), Drift::InSync);
    }

    #[test]
    fn several_changes_come_out_in_path_order() {
        let working = vec![
            resource(
                "/b",
                vec![method("POST", "NONE", false, "AWS_PROXY", &uri(FN_ARN))],
            ),
            resource(
                "/hello_world",
                vec![method("GET", "AWS_IAM", true, "AWS_PROXY", &uri(FN_ARN))],
            ),
        ];
        let deployed = deployed_api(
            "d",
            &summary(&[
                ("/hello_world", "GET", "NONE", false),
                ("/a", "DELETE", "NONE", false),
            ]),
            Ok(&tutorial_export()),
        );
        let lines: Vec<String> = compare(&working, &deployed)
            .changes()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "-DELETE /a",
                "+POST /b",
                "~GET /hello_world authorization NONE -> AWS_IAM",
                "~GET /hello_world api key required false -> true",
            ]
        );
    }

    #[test]
    fn an_unreadable_export_leaves_integrations_unknown_but_routes_still_compare() {
        let deployed = deployed_api(
            "d",
            &summary(&[("/hello_world", "GET", "NONE", false)]),
            Err("GetExport: access denied".into()),
        );
        assert!(matches!(
            compare(&tutorial_working(), &deployed),
            Drift::Unknown { reason } if reason.contains("access denied")
        ));
        let mut working = tutorial_working();
        working.push(resource(
            "/new",
            vec![method("GET", "NONE", false, "AWS_PROXY", &uri(FN_ARN))],
        ));
        assert!(compare(&working, &deployed).is_stale());
    }

    #[test]
    fn an_export_without_paths_is_refused() {
        assert!(export_integrations(&serde_json::json!({"openapi":"3.0.1"})).is_err());
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

    fn s3_method(verb: &str, uri: &str) -> Method {
        let mut m = method(verb, "AWS_IAM", false, "AWS", uri);
        if let Some(i) = m.integration.as_mut() {
            i.http_method = Some(verb.into());
            i.target = IntegrationTarget::NotLambda;
        }
        m
    }

    #[test]
    fn a_swagger_export_of_a_non_proxy_api_compares_exactly() {
        let export = swagger_s3_export();
        let integrations = export_integrations(&export).unwrap();
        // Operations only: the path-level "parameters" key is not a verb.
        assert_eq!(
            integrations.keys().cloned().collect::<Vec<_>>(),
            [
                RouteKey::new("GET", "/"),
                RouteKey::new("GET", "/{folder}"),
                RouteKey::new("HEAD", "/{folder}"),
            ]
        );
        let s = summary(&[
            ("/", "GET", "AWS_IAM", false),
            ("/{folder}", "GET", "AWS_IAM", false),
            ("/{folder}", "HEAD", "AWS_IAM", false),
        ]);
        let deployed = deployed_api("d", &s, Ok(&export));
        let folder = "arn:aws:apigateway:us-west-2:s3:path/{bucket}";
        let working = vec![
            resource(
                "/",
                vec![s3_method("GET", "arn:aws:apigateway:us-west-2:s3:path//")],
            ),
            resource(
                "/{folder}",
                vec![s3_method("GET", folder), s3_method("HEAD", folder)],
            ),
        ];
        assert_eq!(compare(&working, &deployed), Drift::InSync);

        // Every kind of change at once, each reported once, in path then verb order.
        let mut changed = working.clone();
        changed[0].methods[0].authorization_type = "NONE".into();
        changed[1].methods.retain(|m| m.http_method != "HEAD");
        changed[1].methods[0].api_key_required = true;
        if let Some(i) = changed[1].methods[0].integration.as_mut() {
            i.kind = "HTTP".into();
            i.uri = Some("https://example.com/{bucket}".into());
        }
        changed.push(resource(
            "/{folder}/{item}",
            vec![s3_method(
                "PUT",
                "arn:aws:apigateway:us-west-2:s3:path/{bucket}/{object}",
            )],
        ));
        let lines: Vec<String> = compare(&changed, &deployed)
            .changes()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "~GET / authorization AWS_IAM -> NONE",
                "~GET /{folder} api key required false -> true",
                "~GET /{folder} integration type AWS -> HTTP",
                "~GET /{folder} integration uri arn:aws:apigateway:us-west-2:s3:path/{bucket} -> https://example.com/{bucket}",
                "-HEAD /{folder}",
                "+PUT /{folder}/{item}",
            ]
        );
    }

    /// The usual Lambda proxy API exported as oas30: a greedy `{proxy+}` ANY method and a root ANY,
    /// each beside a MOCK OPTIONS for CORS with response parameters and templates.
    #[test]
    fn an_oas30_export_of_a_greedy_proxy_api_compares_exactly() {
        let export: Value = serde_json::from_str(&format!(
            r##"{{
  "openapi" : "3.0.1",
  "info" : {{ "title" : "proxy-api", "version" : "2026-11-24T16:05:50Z" }},
  "servers" : [ {{ "url" : "https://k3v9x2q1ab.execute-api.ap-northeast-1.amazonaws.com/{{basePath}}",
                   "variables" : {{ "basePath" : {{ "default" : "tf-test" }} }} }} ],
  "paths" : {{
    "/{{proxy+}}" : {{
      "options" : {{
        "responses" : {{ "200" : {{ "description" : "200 response",
          "headers" : {{ "Access-Control-Allow-Origin" : {{ "schema" : {{ "type" : "string" }} }} }},
          "content" : {{ "application/json" : {{ "schema" : {{ "$ref" : "#/components/schemas/Empty" }} }} }} }} }},
        "x-amazon-apigateway-integration" : {{
          "responses" : {{ "default" : {{ "statusCode" : "200",
            "responseParameters" : {{ "method.response.header.Access-Control-Allow-Origin" : "'*'" }} }} }},
          "requestTemplates" : {{ "application/json" : "{{\"statusCode\": 200}}" }},
          "passthroughBehavior" : "when_no_match",
          "contentHandling" : "CONVERT_TO_TEXT",
          "type" : "mock"
        }}
      }},
      "x-amazon-apigateway-any-method" : {{
        "parameters" : [ {{ "name" : "proxy", "in" : "path", "required" : true, "schema" : {{ "type" : "string" }} }} ],
        "x-amazon-apigateway-integration" : {{ "uri" : "{u}", "passthroughBehavior" : "when_no_match",
          "httpMethod" : "POST", "type" : "aws_proxy" }}
      }}
    }},
    "/" : {{
      "x-amazon-apigateway-any-method" : {{
        "x-amazon-apigateway-integration" : {{ "uri" : "{u}", "passthroughBehavior" : "when_no_match",
          "httpMethod" : "POST", "type" : "aws_proxy" }}
      }}
    }}
  }},
  "components" : {{ "schemas" : {{ "Empty" : {{ "title" : "Empty Schema", "type" : "object" }} }} }}
}}"##,
            u = uri(FN_ARN)
        ))
        .unwrap();
        let s = summary(&[
            ("/", "ANY", "NONE", false),
            ("/{proxy+}", "ANY", "NONE", false),
            ("/{proxy+}", "OPTIONS", "NONE", false),
        ]);
        let deployed = deployed_api("d", &s, Ok(&export));
        let mut options = method("OPTIONS", "NONE", false, "MOCK", "");
        if let Some(i) = options.integration.as_mut() {
            i.uri = None;
            i.http_method = None;
            i.target = IntegrationTarget::NotLambda;
        }
        let any = || method("ANY", "NONE", false, "AWS_PROXY", &uri(FN_ARN));
        let working = vec![
            resource("/", vec![any()]),
            resource("/{proxy+}", vec![any(), options]),
        ];
        assert_eq!(compare(&working, &deployed), Drift::InSync);
        // The root's ANY pointed at another function is exactly one change.
        let other = "arn:aws:lambda:ap-northeast-1:123456789012:function:other";
        let mut moved = working.clone();
        moved[0].methods[0] = method("ANY", "NONE", false, "AWS_PROXY", &uri(other));
        assert_eq!(
            compare(&moved, &deployed).changes(),
            [RouteChange {
                route: RouteKey::new("ANY", "/"),
                kind: ChangeKind::IntegrationUri {
                    from: Some(uri(FN_ARN)),
                    to: Some(uri(other)),
                },
            }]
        );
    }

    #[test]
    fn an_integration_without_a_type_matches_an_export_without_one() {
        let deployed = deployed_api(
            "d",
            &summary(&[("/m", "GET", "NONE", false)]),
            Ok(&serde_json::json!({"openapi": "3.0.1", "paths": {"/m": {"get": {}}}})),
        );
        let mut m = method("GET", "NONE", false, "", "");
        m.integration = Some(Integration {
            kind: String::new(),
            http_method: None,
            uri: None,
            target: IntegrationTarget::NotLambda,
        });
        assert_eq!(
            compare(&[resource("/m", vec![m])], &deployed),
            Drift::InSync
        );
    }
}
