//! Test before deploy: a request run through the working API's method (TestInvokeMethod), found by
//! the path as a user calls it (`/pets/7` finds `/pets/{id}`), which is what a redeploy would make live.

use super::{HttpRequest, Resource, RestApiInfo, RouteKey, Stack, StackError, TestInvocation};
use crate::aws::{Clients, apigateway};

/// The working API's method a request reaches: its resource id and route. API Gateway's order: literal
/// path parts before `{param}`, `{param}` before `{greedy+}`; the exact verb before ANY.
pub fn working_method<'a>(
    api: &'a RestApiInfo,
    method: &str,
    path: &str,
) -> Result<(&'a Resource, RouteKey), StackError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(Vec<u8>, &Resource)> = None;
    for r in &api.resources {
        let Some(score) = match_template(&r.path, &segments) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, r));
        }
    }
    let method = method.to_ascii_uppercase();
    let Some((_, resource)) = best else {
        return Err(StackError::Refused(format!(
            "no resource of the working API matches {path} (routes: {})",
            route_list(api)
        )));
    };
    let found = resource
        .methods
        .iter()
        .find(|m| m.http_method == method)
        .or_else(|| resource.methods.iter().find(|m| m.http_method == "ANY"));
    match found {
        Some(m) => Ok((resource, RouteKey::new(&m.http_method, &resource.path))),
        None => Err(StackError::Refused(format!(
            "{} has no {method} method in the working API (routes: {})",
            resource.path,
            route_list(api)
        ))),
    }
}

fn route_list(api: &RestApiInfo) -> String {
    let routes: Vec<String> = api.routes().map(|(k, _)| k.to_string()).collect();
    if routes.is_empty() {
        "none".to_owned()
    } else {
        routes.join(", ")
    }
}

fn match_template(template: &str, segments: &[&str]) -> Option<Vec<u8>> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut score = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if part.starts_with('{') && part.ends_with("+}") {
            return (i < segments.len() && i + 1 == parts.len()).then(|| {
                score.push(2);
                score
            });
        }
        let segment = segments.get(i)?;
        if part.starts_with('{') && part.ends_with('}') {
            score.push(1);
        } else if part == segment {
            score.push(0);
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some(score)
}

/// Runs the request through the working API's method that its path and verb reach.
pub async fn test_invoke(
    clients: &Clients,
    stack: &Stack,
    request: &HttpRequest,
) -> Result<TestInvocation, StackError> {
    let api = stack.api.as_ref().ok_or_else(|| {
        StackError::Refused(format!(
            "REST API {} does not exist; run `lambdeck up` first",
            stack.names.api
        ))
    })?;
    let (resource, route) = working_method(api, &request.method, &request.path)?;
    Ok(
        apigateway::test_invoke_method(&clients.apigateway, &api.id, &resource.id, &route, request)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Health, Method};

    fn api(paths: &[(&str, &[&str])]) -> RestApiInfo {
        RestApiInfo {
            id: "a".into(),
            name: "n".into(),
            description: None,
            created: None,
            root_resource_id: None,
            settings: Default::default(),
            endpoint_types: vec![],
            resources: paths
                .iter()
                .enumerate()
                .map(|(i, (p, verbs))| Resource {
                    id: format!("r{i}"),
                    parent_id: None,
                    path: (*p).into(),
                    path_part: None,
                    methods: verbs
                        .iter()
                        .map(|v| Method {
                            http_method: (*v).into(),
                            authorization_type: "NONE".into(),
                            authorizer_id: None,
                            api_key_required: false,
                            integration: None,
                            health: Health::Ok,
                            notes: vec![],
                        })
                        .collect(),
                })
                .collect(),
            deployments: vec![],
            stages: vec![],
            deployed: None,
            managed: false,
            health: Health::Ok,
            notes: vec![],
        }
    }

    #[test]
    fn a_called_path_finds_its_template_literal_first() {
        let a = api(&[
            ("/", &[]),
            ("/pets", &["GET"]),
            ("/pets/{id}", &["GET", "ANY"]),
            ("/pets/mine", &["GET"]),
            ("/files/{key+}", &["GET"]),
        ]);
        let (r, k) = working_method(&a, "get", "/pets/7").unwrap();
        assert_eq!(
            (r.id.as_str(), k.to_string()),
            ("r2", "GET /pets/{id}".into())
        );
        let (r, _) = working_method(&a, "GET", "/pets/mine").unwrap();
        assert_eq!(r.id, "r3");
        let (_, k) = working_method(&a, "DELETE", "/pets/7").unwrap();
        assert_eq!(k.to_string(), "ANY /pets/{id}");
        let (r, _) = working_method(&a, "GET", "/files/a/b/c").unwrap();
        assert_eq!(r.id, "r4");
    }

    #[test]
    fn a_path_or_verb_the_working_api_lacks_is_refused_with_the_routes() {
        let a = api(&[("/", &[]), ("/hello", &["GET"])]);
        let e = working_method(&a, "GET", "/nope").unwrap_err().to_string();
        assert!(e.contains("/nope") && e.contains("GET /hello"), "{e}");
        let e = working_method(&a, "POST", "/hello")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no POST method"), "{e}");
    }
}
