//! The one projection of a stack into a resource tree: which nodes, in which order, under which stable
//! keys, at which depth and how healthy. The dashboard draws it and `status` prints it; each words the
//! nodes its own way, but neither decides what the tree is.

use std::collections::BTreeMap;

use crate::model::{
    Change, Deployment, Drift, Found, FunctionInfo, Health, Integration, LogGroupInfo, Method,
    PermissionInfo, Resource, RestApiInfo, RoleInfo, Stack, Stage,
};
use crate::terraform::{TerraformState, TfResource};

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    /// Stable, so expansion and selection survive a refresh: "fn", "api/res//hello_world/GET", ...
    pub key: String,
    pub depth: u16,
    /// None for nodes that are neither good nor bad (the deployment history).
    pub health: Option<Health>,
    pub piece: Piece<'a>,
    /// The address of the resource in Terraform's state behind this node, when Terraform manages it.
    pub terraform: Option<&'a str>,
}

/// The piece of the stack a node stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Function(&'a Found<FunctionInfo>),
    LogGroup(&'a Found<LogGroupInfo>),
    Role(&'a Found<RoleInfo>),
    Permission(&'a Found<PermissionInfo>),
    Api(&'a Found<RestApiInfo>),
    /// A resource of the working API (the root only when it has methods).
    Resource(&'a Resource),
    Method(&'a Method),
    /// A method's integration; None when the method has none.
    Integration(Option<&'a Integration>),
    /// A stage; `configured` is the one lambdeck.toml names, whose drift the stack carries. Every stage
    /// has its own drift (`stage.drift`); `diff` is that drift line by line.
    Stage {
        stage: &'a Stage,
        configured: bool,
        diff: Vec<DiffLine<'a>>,
    },
    /// The deployment a stage serves.
    StageDeployment(&'a Deployment),
    /// A stage's canary release (the stage has a canary deployment): its deployment id and percent.
    StageCanary(&'a Stage),
    /// The configured stage, which the API does not have.
    MissingStage,
    /// The deployment history's folder.
    Deployments(&'a [Deployment]),
    /// One deployment of the history, newest first.
    Deployment(&'a Deployment),
}

/// One line of the configured stage's diff: a field-level change between the working API and the
/// deployment the stage serves, or something the diff could not compare (never silently in sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLine<'a> {
    Change(&'a Change),
    NotComparable(&'a str),
}

impl DiffLine<'_> {
    /// The line's sign: `+`, `-`, `~` for a change, `?` for what could not be compared.
    pub fn mark(&self) -> char {
        match self {
            Self::Change(c) => c.mark(),
            Self::NotComparable(_) => '?',
        }
    }
}

/// A statement's list as both views print it: comma-joined, or `none` when empty.
pub fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join(",")
    }
}

/// A stage's diff against the working API: its drift's changes, then what could not be compared.
pub fn stage_diff_lines(stage: &Stage) -> Vec<DiffLine<'_>> {
    stage
        .drift
        .as_ref()
        .map_or(&[][..], Drift::changes)
        .iter()
        .map(DiffLine::Change)
        .chain(
            stage
                .not_comparable
                .iter()
                .map(|n| DiffLine::NotComparable(n.as_str())),
        )
        .collect()
}

/// The configured stage's diff: its drift's changes, then what could not be compared.
pub fn diff_lines(stack: &Stack) -> Vec<DiffLine<'_>> {
    stack
        .drift
        .changes()
        .iter()
        .map(DiffLine::Change)
        .chain(
            stack
                .not_comparable()
                .iter()
                .map(|n| DiffLine::NotComparable(n.as_str())),
        )
        .collect()
}

fn node<'a>(
    key: impl Into<String>,
    depth: u16,
    health: Option<Health>,
    piece: Piece<'a>,
) -> Node<'a> {
    Node {
        key: key.into(),
        depth,
        health,
        piece,
        terraform: None,
    }
}

/// The node keys of what Terraform's state manages, each with its resource's address: the function,
/// its log group, role and permissions, the API, its resources, methods and integrations, stages and
/// deployments, matched by name or id.
pub fn terraform_addresses(stack: &Stack, state: &TerraformState) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let api_id = stack.api.as_ref().map(|a| a.id.as_str());
    let in_api = |r: &&TfResource| api_id.is_some() && r.value("rest_api_id") == api_id;
    for n in nodes(stack) {
        let found: Vec<&str> = match &n.piece {
            Piece::Function(Found::Present(f)) => state
                .of_kind("aws_lambda_function")
                .filter(|r| r.value("function_name") == Some(f.name.as_str()))
                .map(|r| r.address.as_str())
                .collect(),
            Piece::LogGroup(Found::Present(l)) => state
                .of_kind("aws_cloudwatch_log_group")
                .filter(|r| r.value("name") == Some(l.name.as_str()))
                .map(|r| r.address.as_str())
                .collect(),
            Piece::Role(Found::Present(r)) => state
                .of_kind("aws_iam_role")
                .filter(|x| x.value("name") == Some(r.name.as_str()))
                .map(|x| x.address.as_str())
                .collect(),
            Piece::Permission(Found::Present(_)) => state
                .of_kind("aws_lambda_permission")
                .filter(|r| {
                    r.value("function_name").is_some_and(|f| {
                        f == stack.names.function
                            || f.ends_with(&format!(":function:{}", stack.names.function))
                    })
                })
                .map(|r| r.address.as_str())
                .collect(),
            Piece::Api(Found::Present(a)) => state
                .of_kind("aws_api_gateway_rest_api")
                .filter(|r| r.value("id") == Some(a.id.as_str()))
                .map(|r| r.address.as_str())
                .collect(),
            Piece::Stage { stage, .. } => state
                .of_kind("aws_api_gateway_stage")
                .filter(in_api)
                .filter(|r| r.value("stage_name") == Some(stage.name.as_str()))
                .map(|r| r.address.as_str())
                .collect(),
            Piece::StageDeployment(d) | Piece::Deployment(d) => state
                .of_kind("aws_api_gateway_deployment")
                .filter(in_api)
                .filter(|r| r.value("id") == Some(d.id.as_str()))
                .map(|r| r.address.as_str())
                .collect(),
            _ => Vec::new(),
        };
        if !found.is_empty() {
            out.insert(n.key.clone(), found.join(", "));
        }
    }
    // Resources, methods and integrations, under the keys `nodes` gives them.
    for r in stack
        .api
        .as_ref()
        .map(|a| a.resources.as_slice())
        .unwrap_or_default()
    {
        let of = |kind: &str, verb: Option<&str>| {
            state
                .of_kind(kind)
                .filter(in_api)
                .filter(|x| match verb {
                    None => x.value("id") == Some(r.id.as_str()),
                    Some(v) => {
                        x.value("resource_id") == Some(r.id.as_str())
                            && x.value("http_method") == Some(v)
                    }
                })
                .map(|x| x.address.clone())
                .next()
        };
        if let Some(a) = of("aws_api_gateway_resource", None) {
            out.insert(format!("api/res/{}", r.path), a);
        }
        for m in &r.methods {
            let key = format!("api/res/{}/{}", r.path, m.http_method);
            let verb = Some(m.http_method.as_str());
            if let Some(a) = of("aws_api_gateway_integration", verb) {
                out.insert(format!("{key}/integration"), a);
            }
            if let Some(a) = of("aws_api_gateway_method", verb) {
                out.insert(key, a);
            }
        }
    }
    out
}

/// The tree, in display order: the function and what hangs off it, then the API with its resources,
/// methods, integrations, stages and deployment history. Nothing hangs under a missing API.
pub fn nodes(stack: &Stack) -> Vec<Node<'_>> {
    let mut out = tree(stack);
    if let Some(tf) = &stack.terraform {
        for n in &mut out {
            n.terraform = tf.nodes.get(&n.key).map(String::as_str);
        }
    }
    out
}

fn tree(stack: &Stack) -> Vec<Node<'_>> {
    let names = &stack.names;
    let mut out = vec![
        node(
            "fn",
            0,
            Some(stack.function.health_with(|f| f.health)),
            Piece::Function(&stack.function),
        ),
        node(
            "fn/logs",
            1,
            Some(stack.log_group.health_with(|l| l.health)),
            Piece::LogGroup(&stack.log_group),
        ),
        node(
            "fn/role",
            1,
            Some(stack.role.health_with(|r| r.health)),
            Piece::Role(&stack.role),
        ),
        node(
            "fn/permission",
            1,
            Some(stack.permission.health_with(|p| p.health)),
            Piece::Permission(&stack.permission),
        ),
        node(
            "api",
            0,
            Some(stack.api.health_with(|a| a.health)),
            Piece::Api(&stack.api),
        ),
    ];
    let Some(api) = stack.api.as_ref() else {
        return out;
    };
    for r in api
        .resources
        .iter()
        .filter(|r| !r.methods.is_empty() || r.path != "/")
    {
        let worst = r.methods.iter().map(|m| m.health).max();
        out.push(node(
            format!("api/res/{}", r.path),
            1,
            Some(worst.unwrap_or(Health::Ok)),
            Piece::Resource(r),
        ));
        for m in &r.methods {
            let key = format!("api/res/{}/{}", r.path, m.http_method);
            let integration_health = m.integration.as_ref().map_or(Health::Missing, |i| i.health);
            out.push(node(&key, 2, Some(m.health), Piece::Method(m)));
            out.push(node(
                format!("{key}/integration"),
                3,
                Some(integration_health),
                Piece::Integration(m.integration.as_ref()),
            ));
        }
    }
    for s in &api.stages {
        let configured = s.name == names.stage;
        // A stale or unknown drift is a warning on the stage it concerns; every stage has its own.
        let drift = if configured {
            Some(&stack.drift)
        } else {
            s.drift.as_ref()
        };
        let health = match drift {
            Some(d) if !matches!(d, Drift::InSync) => s.health.worst(Health::Warning),
            _ => s.health,
        };
        out.push(node(
            format!("api/stage/{}", s.name),
            1,
            Some(health),
            Piece::Stage {
                stage: s,
                configured,
                diff: if configured {
                    diff_lines(stack)
                } else {
                    stage_diff_lines(s)
                },
            },
        ));
        if let Some(d) = s.deployment_id.as_ref().and_then(|id| api.deployment(id)) {
            out.push(node(
                format!("api/stage/{}/deployment", s.name),
                2,
                None,
                Piece::StageDeployment(d),
            ));
        }
        if s.canary_deployment_id.is_some() {
            out.push(node(
                format!("api/stage/{}/canary", s.name),
                2,
                None,
                Piece::StageCanary(s),
            ));
        }
    }
    if stack.stage().is_none() {
        out.push(node(
            format!("api/stage/{}", names.stage),
            1,
            Some(Health::Missing),
            Piece::MissingStage,
        ));
    }
    out.push(node(
        "api/deployments",
        1,
        None,
        Piece::Deployments(&api.deployments),
    ));
    for d in &api.deployments {
        out.push(node(
            format!("api/deployments/{}", d.id),
            2,
            None,
            Piece::Deployment(d),
        ));
    }
    out
}
