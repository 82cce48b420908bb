//! API Gateway REST (v1) calls: discovery of the API, its resources, deployments and stages; the stage
//! actions; provisioning. SDK types in, domain types (`model`) out; judging them is the engine's work.

use std::collections::BTreeMap;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
use aws_smithy_types::DateTime;

use super::AwsError;
use super::api_definition::ExportBlind;
use crate::model::definition::MethodDefinition;
use crate::model::{
    ApiSummary, Deployment, Health, HttpRequest, Integration, Method, MethodSummary, Percent,
    Resource, RestApiInfo, RouteKey, Stage, TestInvocation,
};

/// The tag lambdeck puts on everything `up` creates; `down` removes only what carries it.
pub const MANAGED_TAG: (&str, &str) = ("lambdeck:managed", "true");

fn secs(d: Option<&DateTime>) -> Option<i64> {
    d.map(DateTime::secs)
}

fn is_managed<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> bool {
    tags.into_iter()
        .any(|(k, v)| k == MANAGED_TAG.0 && v == MANAGED_TAG.1)
}

/// Every REST API with this name (normally one), without resources, deployments or stages yet.
pub async fn find_rest_apis(client: &Client, name: &str) -> Result<Vec<RestApiInfo>, AwsError> {
    let items = client
        .get_rest_apis()
        .limit(500)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("GetRestApis", format!("rest api {name}"), e))?;
    Ok(items
        .into_iter()
        .filter(|api| api.name() == Some(name))
        .filter_map(|api| {
            Some(RestApiInfo {
                id: api.id()?.to_owned(),
                name: name.to_owned(),
                description: api.description().map(ToOwned::to_owned),
                created: secs(api.created_date()),
                root_resource_id: api.root_resource_id().map(ToOwned::to_owned),
                settings: super::api_definition::api_settings(&api),
                endpoint_types: api
                    .endpoint_configuration()
                    .map(|e| e.types().iter().map(|t| t.as_str().to_owned()).collect())
                    .unwrap_or_default(),
                managed: api.tags().is_some_and(is_managed),
                resources: vec![],
                deployments: vec![],
                stages: vec![],
                deployed: None,
                health: Health::Ok,
                notes: vec![],
            })
        })
        .collect())
}

/// The working API: every resource with its methods and integrations (GetResources embed=methods),
/// sorted by path, methods by verb. Integrations come unresolved: where they lead is the engine's call.
pub async fn get_resources(client: &Client, api_id: &str) -> Result<Vec<Resource>, AwsError> {
    Ok(get_working_resources(client, api_id).await?.resources)
}

/// The working API read once (GetResources embed=methods): the tree's resources and the comparable
/// method definitions of the stale diff.
#[derive(Debug, Clone)]
pub struct WorkingResources {
    pub resources: Vec<Resource>,
    pub methods: BTreeMap<RouteKey, MethodDefinition>,
    pub blind: ExportBlind,
}

pub async fn get_working_resources(
    client: &Client,
    api_id: &str,
) -> Result<WorkingResources, AwsError> {
    let items = client
        .get_resources()
        .rest_api_id(api_id)
        .embed("methods")
        .limit(500)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("GetResources", format!("rest api {api_id}"), e))?;
    let (methods, blind) = super::api_definition::method_definitions(&items);
    let mut resources: Vec<Resource> = items
        .into_iter()
        .map(|r| {
            let mut methods: Vec<Method> = r
                .resource_methods()
                .into_iter()
                .flatten()
                .map(|(verb, m)| {
                    let integration = m.method_integration().map(|i| {
                        let mut out = Integration::unresolved(
                            i.r#type()
                                .map(|t| t.as_str().to_owned())
                                .unwrap_or_default(),
                            i.http_method().map(ToOwned::to_owned),
                            i.uri().map(ToOwned::to_owned),
                        );
                        out.credentials = i.credentials().map(ToOwned::to_owned);
                        out
                    });
                    Method {
                        http_method: m.http_method().unwrap_or(verb).to_ascii_uppercase(),
                        authorization_type: m.authorization_type().unwrap_or("NONE").to_owned(),
                        authorizer_id: m.authorizer_id().map(ToOwned::to_owned),
                        api_key_required: m.api_key_required().unwrap_or(false),
                        integration,
                        health: Health::Ok,
                        notes: vec![],
                    }
                })
                .collect();
            methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
            Resource {
                id: r.id().unwrap_or_default().to_owned(),
                parent_id: r.parent_id().map(ToOwned::to_owned),
                path: r.path().unwrap_or("/").to_owned(),
                path_part: r.path_part().map(ToOwned::to_owned),
                methods,
            }
        })
        .collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(WorkingResources {
        resources,
        methods,
        blind,
    })
}

/// The deployment history, newest first (the stages using each are filled in by the caller).
pub async fn get_deployments(client: &Client, api_id: &str) -> Result<Vec<Deployment>, AwsError> {
    let items = client
        .get_deployments()
        .rest_api_id(api_id)
        .limit(500)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("GetDeployments", format!("rest api {api_id}"), e))?;
    let mut deployments: Vec<Deployment> = items
        .into_iter()
        .filter_map(|d| {
            Some(Deployment {
                id: d.id()?.to_owned(),
                created: secs(d.created_date()),
                description: d.description().map(ToOwned::to_owned),
                stages: vec![],
            })
        })
        .collect();
    // Newest first. API Gateway dates are whole seconds, so deployments made within one second tie;
    // ids break the tie only to keep the order stable between reads.
    deployments.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    Ok(deployments)
}

/// The URL a stage is served at: AWS's, or with a custom endpoint the path-style local form.
pub fn stage_url(region: &str, endpoint_url: Option<&str>, api_id: &str, stage: &str) -> String {
    match endpoint_url {
        Some(endpoint) => crate::wire::local_stage_url(endpoint, api_id, stage),
        None => crate::wire::aws_stage_url(region, api_id, stage),
    }
}

fn stage_from(
    s: &aws_sdk_apigateway::types::Stage,
    region: &str,
    endpoint_url: Option<&str>,
    api_id: &str,
) -> Stage {
    let name = s.stage_name().unwrap_or_default().to_owned();
    Stage {
        invoke_url: stage_url(region, endpoint_url, api_id, &name),
        name,
        deployment_id: s.deployment_id().map(ToOwned::to_owned),
        canary_deployment_id: s
            .canary_settings()
            .and_then(|c| c.deployment_id())
            .map(ToOwned::to_owned),
        canary_percent: s.canary_settings().map(|c| Percent(c.percent_traffic())),
        description: s.description().map(ToOwned::to_owned),
        documentation_version: s.documentation_version().map(ToOwned::to_owned),
        created: secs(s.created_date()),
        last_updated: secs(s.last_updated_date()),
        ..Stage::listed(String::new(), None, String::new())
    }
}

/// Every stage of the API, sorted by name.
pub async fn get_stages(
    client: &Client,
    api_id: &str,
    region: &str,
    endpoint_url: Option<&str>,
) -> Result<Vec<Stage>, AwsError> {
    let out = client
        .get_stages()
        .rest_api_id(api_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetStages", format!("rest api {api_id}"), e))?;
    let mut stages: Vec<Stage> = out
        .item()
        .iter()
        .map(|s| stage_from(s, region, endpoint_url, api_id))
        .collect();
    stages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(stages)
}

/// One stage, re-read after an action changed it.
pub async fn get_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    region: &str,
    endpoint_url: Option<&str>,
) -> Result<Stage, AwsError> {
    let out = client
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetStage", format!("stage {stage} of {api_id}"), e))?;
    let mut s = aws_sdk_apigateway::types::Stage::builder()
        .set_stage_name(out.stage_name().map(ToOwned::to_owned))
        .set_deployment_id(out.deployment_id().map(ToOwned::to_owned))
        .set_canary_settings(out.canary_settings().cloned())
        .set_description(out.description().map(ToOwned::to_owned));
    s = s
        .set_created_date(out.created_date().copied())
        .set_last_updated_date(out.last_updated_date().copied());
    Ok(stage_from(&s.build(), region, endpoint_url, api_id))
}

/// A deployment's apiSummary (GetDeployment embed=apisummary): what the snapshot serves.
pub async fn get_api_summary(
    client: &Client,
    api_id: &str,
    deployment_id: &str,
) -> Result<ApiSummary, AwsError> {
    let out = client
        .get_deployment()
        .rest_api_id(api_id)
        .deployment_id(deployment_id)
        .embed("apisummary")
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "GetDeployment",
                format!("deployment {deployment_id} of {api_id}"),
                e,
            )
        })?;
    let mut summary = ApiSummary::new();
    for (path, verbs) in out.api_summary().into_iter().flatten() {
        let entry: &mut BTreeMap<String, MethodSummary> = summary.entry(path.clone()).or_default();
        for (verb, snap) in verbs {
            entry.insert(
                verb.to_ascii_uppercase(),
                MethodSummary {
                    authorization_type: snap.authorization_type().unwrap_or("NONE").to_owned(),
                    api_key_required: snap.api_key_required(),
                },
            );
        }
    }
    Ok(summary)
}

/// The stage's deployed API as an OpenAPI 3.0 document with every API Gateway extension: integrations,
/// authorizers, and the API-level ones (policy, binary media types, validators, gateway responses, ...).
pub async fn get_export(
    client: &Client,
    api_id: &str,
    stage: &str,
) -> Result<serde_json::Value, AwsError> {
    let resource = format!("stage {stage} of {api_id}");
    let out = client
        .get_export()
        .rest_api_id(api_id)
        .stage_name(stage)
        .export_type("oas30")
        .parameters(
            "extensions",
            "integrations,authorizers,apigateway,documentation",
        )
        .accepts("application/json")
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetExport", resource.clone(), e))?;
    let body = out.body().map(|b| b.as_ref()).unwrap_or_default();
    serde_json::from_slice(body).map_err(|e| AwsError {
        kind: super::ErrorKind::Malformed,
        operation: "GetExport",
        resource,
        code: None,
        message: format!("the export is not JSON: {e}"),
    })
}

/// Creates a deployment and points the stage at it (creating the stage if needed); the URL stays.
pub async fn create_deployment(
    client: &Client,
    api_id: &str,
    stage: &str,
    description: &str,
) -> Result<Deployment, AwsError> {
    let out = client
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name(stage)
        .description(description)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk("CreateDeployment", format!("stage {stage} of {api_id}"), e)
        })?;
    Ok(Deployment {
        id: out.id().unwrap_or_default().to_owned(),
        created: secs(out.created_date()),
        description: out.description().map(ToOwned::to_owned),
        stages: vec![stage.to_owned()],
    })
}

/// Publishes the working documentation parts to the stage: a new documentation version (a
/// snapshot of the parts) associated with it.
pub async fn publish_documentation(
    client: &Client,
    api_id: &str,
    stage: &str,
    version: &str,
    description: &str,
) -> Result<(), AwsError> {
    client
        .create_documentation_version()
        .rest_api_id(api_id)
        .stage_name(stage)
        .documentation_version(version)
        .description(description)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "CreateDocumentationVersion",
                format!("stage {stage} of {api_id}"),
                e,
            )
        })?;
    Ok(())
}

/// Points the stage at another deployment (UpdateStage replace /deploymentId): the documented rollback.
pub async fn set_stage_deployment(
    client: &Client,
    api_id: &str,
    stage: &str,
    deployment_id: &str,
) -> Result<(), AwsError> {
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(deployment_id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UpdateStage", format!("stage {stage} of {api_id}"), e))?;
    Ok(())
}

/// Deploys the working API to an existing stage as a canary release (CreateDeployment with
/// canarySettings): the stage keeps its deployment; the new one takes `percent` of its requests.
pub async fn create_canary_deployment(
    client: &Client,
    api_id: &str,
    stage: &str,
    description: &str,
    percent: f64,
) -> Result<Deployment, AwsError> {
    let out = client
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name(stage)
        .description(description)
        .canary_settings(
            aws_sdk_apigateway::types::DeploymentCanarySettings::builder()
                .percent_traffic(percent)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk("CreateDeployment", format!("stage {stage} of {api_id}"), e)
        })?;
    Ok(Deployment {
        id: out.id().unwrap_or_default().to_owned(),
        created: secs(out.created_date()),
        description: out.description().map(ToOwned::to_owned),
        stages: vec![],
    })
}

/// Ends a stage's canary release (UpdateStage): `promote_to` Some(id) points the stage at the canary's
/// deployment first, in the same call; either way `/canarySettings` is removed.
pub async fn end_canary(
    client: &Client,
    api_id: &str,
    stage: &str,
    promote_to: Option<&str>,
) -> Result<(), AwsError> {
    let mut call = client.update_stage().rest_api_id(api_id).stage_name(stage);
    if let Some(id) = promote_to {
        call = call.patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(id)
                .build(),
        );
    }
    call.patch_operations(
        PatchOperation::builder()
            .op(Op::Remove)
            .path("/canarySettings")
            .build(),
    )
    .send()
    .await
    .map_err(|e| AwsError::from_sdk("UpdateStage", format!("stage {stage} of {api_id}"), e))?;
    Ok(())
}

/// Creates a stage on an existing deployment (CreateStage).
pub async fn create_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    deployment_id: &str,
) -> Result<(), AwsError> {
    client
        .create_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .deployment_id(deployment_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateStage", format!("stage {stage} of {api_id}"), e))?;
    Ok(())
}

pub async fn delete_deployment(
    client: &Client,
    api_id: &str,
    deployment_id: &str,
) -> Result<(), AwsError> {
    client
        .delete_deployment()
        .rest_api_id(api_id)
        .deployment_id(deployment_id)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "DeleteDeployment",
                format!("deployment {deployment_id} of {api_id}"),
                e,
            )
        })?;
    Ok(())
}

/// Creates the REST API, tagged as lambdeck's. Returns (id, root resource id).
pub async fn create_rest_api(
    client: &Client,
    name: &str,
    description: &str,
) -> Result<(String, String), AwsError> {
    let resource = format!("rest api {name}");
    let out = client
        .create_rest_api()
        .name(name)
        .description(description)
        .tags(MANAGED_TAG.0, MANAGED_TAG.1)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateRestApi", resource.clone(), e))?;
    let id = out.id().unwrap_or_default().to_owned();
    let root = match out.root_resource_id() {
        Some(root) => root.to_owned(),
        // Older implementations omit rootResourceId: the root is the resource at "/".
        None => get_resources(client, &id)
            .await?
            .into_iter()
            .find(|r| r.path == "/")
            .map(|r| r.id)
            .ok_or_else(|| AwsError {
                kind: super::ErrorKind::Malformed,
                operation: "CreateRestApi",
                resource,
                code: None,
                message: "the new API has no root resource".into(),
            })?,
    };
    Ok((id, root))
}

pub async fn delete_rest_api(client: &Client, api_id: &str) -> Result<(), AwsError> {
    client
        .delete_rest_api()
        .rest_api_id(api_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteRestApi", format!("rest api {api_id}"), e))?;
    Ok(())
}

/// Creates a child resource; returns its id.
pub async fn create_resource(
    client: &Client,
    api_id: &str,
    parent_id: &str,
    path_part: &str,
) -> Result<String, AwsError> {
    let out = client
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(parent_id)
        .path_part(path_part)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "CreateResource",
                format!("resource {path_part} of {api_id}"),
                e,
            )
        })?;
    Ok(out.id().unwrap_or_default().to_owned())
}

pub async fn put_method(
    client: &Client,
    api_id: &str,
    resource_id: &str,
    verb: &str,
    authorization: &str,
    api_key_required: bool,
) -> Result<(), AwsError> {
    client
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .authorization_type(authorization)
        .api_key_required(api_key_required)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "PutMethod",
                format!("{verb} on resource {resource_id} of {api_id}"),
                e,
            )
        })?;
    Ok(())
}

/// The Lambda proxy integration URI for a function ARN (in the function's partition).
pub fn lambda_invoke_uri(region: &str, function_arn: &str) -> String {
    let partition =
        crate::partition::of_arn(function_arn).unwrap_or(crate::partition::of_region(region).id);
    format!(
        "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

/// Puts an AWS_PROXY integration (Lambda is always called with POST).
pub async fn put_proxy_integration(
    client: &Client,
    api_id: &str,
    resource_id: &str,
    verb: &str,
    uri: &str,
) -> Result<(), AwsError> {
    client
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(uri)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "PutIntegration",
                format!("{verb} on resource {resource_id} of {api_id}"),
                e,
            )
        })?;
    Ok(())
}

/// Runs one request through a method of the working API (TestInvokeMethod): what a redeploy would
/// make live, answered without deploying.
pub async fn test_invoke_method(
    client: &Client,
    api_id: &str,
    resource_id: &str,
    route: &RouteKey,
    request: &HttpRequest,
) -> Result<TestInvocation, AwsError> {
    let mut multi: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (k, v) in &request.headers {
        multi.entry(k.clone()).or_default().push(v.clone());
    }
    let single = multi
        .iter()
        .filter_map(|(k, vs)| Some((k.clone(), vs.last()?.clone())))
        .collect();
    let out = client
        .test_invoke_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(&route.method)
        .path_with_query_string(request.path_with_query())
        .set_body(request.body.clone())
        .set_headers((!multi.is_empty()).then_some(single))
        .set_multi_value_headers((!multi.is_empty()).then_some(multi))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("TestInvokeMethod", format!("{route} of {api_id}"), e))?;
    let mut headers: Vec<(String, String)> = match out.multi_value_headers() {
        Some(m) if !m.is_empty() => m
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
            .collect(),
        _ => out
            .headers()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    // The SDK's maps are unordered; sorted by name (stable, so values keep their order) they read the
    // same every time.
    headers.sort_by_key(|h| h.0.to_ascii_lowercase());
    Ok(TestInvocation {
        route: route.clone(),
        status: u16::try_from(out.status()).unwrap_or(0),
        headers,
        body: out.body().unwrap_or_default().to_owned(),
        log: out
            .log()
            .unwrap_or_default()
            .lines()
            .map(ToOwned::to_owned)
            .collect(),
        latency_ms: out.latency(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_urls_follow_aws_or_the_local_path_style() {
        assert_eq!(
            stage_url("ap-northeast-1", None, "abc", "tf-test"),
            "https://abc.execute-api.ap-northeast-1.amazonaws.com/tf-test"
        );
        assert_eq!(
            stage_url(
                "us-east-1",
                Some("http://127.0.0.1:4566/"),
                "abc",
                "tf-test"
            ),
            "http://127.0.0.1:4566/restapis/abc/tf-test/_user_request_"
        );
    }
}
