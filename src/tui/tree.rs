//! The dashboard's words for the engine's resource tree (`stack::tree`): for each node a label, a short
//! badge and the details the details pane lists. The engine decides the nodes and their health; this
//! only words them. Pure, so it is tested on fixtures.

use crate::stack::tree::{self as projection, DiffLine, Node, Piece, list_or};
use crate::stack::{Change, ChangeKind, Drift, Found, IntegrationTarget, Stack};

use super::view::TreeNode;

fn kv(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

/// Epoch seconds as "2026-11-24 15:00" (UTC).
pub fn date(secs: Option<i64>) -> String {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || "-".to_owned(),
            |d| d.format("%Y-%m-%d %H:%M").to_string(),
        )
}

/// Words a piece that discovery may not have found.
fn found<T>(n: &mut TreeNode, f: &Found<T>, present: impl FnOnce(&mut TreeNode, &T)) {
    match f {
        Found::Present(t) => present(n, t),
        Found::Missing => {
            n.badge = "missing".into();
            n.details.push(kv("status", "not found"));
        }
        Found::Unknown { reason } => {
            n.badge = "unknown".into();
            n.details.push(kv("status", reason.clone()));
        }
    }
}

fn notes(n: &mut TreeNode, notes: &[String]) {
    for note in notes {
        n.details.push(kv("note", note.clone()));
    }
}

/// The stage's drift in one badge: a stale stage must be unmistakable.
pub fn drift_badge(drift: &Drift) -> String {
    match drift {
        Drift::InSync => "in sync".into(),
        Drift::Stale { changes } => format!(
            "STALE: {} change{}",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        ),
        Drift::Unknown { .. } => "drift unknown".into(),
    }
}

/// How a change reads in the diff: a sign, and the change in words (the line after its sign).
pub fn change_line(c: &Change) -> (char, String) {
    let line = c.to_string();
    let words = line.get(2..).unwrap_or_default().to_owned();
    let words = match &c.kind {
        ChangeKind::Added if c.route().is_some() => format!("{words}  (route added, not served)"),
        ChangeKind::Removed if c.route().is_some() => {
            format!("{words}  (route removed, still served)")
        }
        _ => words,
    };
    (c.mark(), words)
}

/// How a line of the stage's diff reads: a change as `change_line` words it, or what was not compared.
pub fn diff_line(line: &DiffLine<'_>) -> (char, String) {
    match line {
        DiffLine::Change(c) => change_line(c),
        DiffLine::NotComparable(what) => ('?', format!("not comparable: {what}")),
    }
}

/// The method a method node's key names (`api/res/{path}/{VERB}`), or its integration's
/// (`api/res/{path}/{VERB}/integration`).
fn method_route(key: &str) -> Option<crate::stack::RouteKey> {
    let rest = key.strip_prefix("api/res/")?;
    let rest = rest.strip_suffix("/integration").unwrap_or(rest);
    let (path, verb) = rest.rsplit_once('/')?;
    Some(crate::stack::RouteKey::new(verb, path))
}

/// The tree, in the engine's order, worded for drawing.
pub fn nodes(stack: &Stack) -> Vec<TreeNode> {
    projection::nodes(stack)
        .iter()
        .map(|n| shape(n, stack))
        .collect()
}

fn shape(n: &Node<'_>, stack: &Stack) -> TreeNode {
    let names = &stack.names;
    let mut t = TreeNode {
        key: n.key.clone(),
        depth: n.depth,
        label: String::new(),
        badge: String::new(),
        health: n.health,
        details: Vec::new(),
        is_stage: false,
        drift: None,
        diff: Vec::new(),
        route: None,
    };
    match &n.piece {
        Piece::Function(f) => {
            t.label = format!("λ {}", names.function);
            found(&mut t, f, |n, fi| {
                n.badge = fi.state.clone().unwrap_or_default();
                n.details.push(kv("arn", fi.arn.clone()));
                n.details.push(kv(
                    "runtime",
                    format!(
                        "{} ({})",
                        fi.runtime.as_deref().unwrap_or("-"),
                        fi.architecture.as_deref().unwrap_or("-")
                    ),
                ));
                n.details.push(kv(
                    "memory",
                    format!(
                        "{} MB, timeout {} s",
                        fi.memory_mb.unwrap_or_default(),
                        fi.timeout_s.unwrap_or_default()
                    ),
                ));
                n.details.push(kv(
                    "state",
                    format!(
                        "{} / last update {}",
                        fi.state.as_deref().unwrap_or("-"),
                        fi.last_update_status.as_deref().unwrap_or("-")
                    ),
                ));
                n.details.push(kv(
                    "code",
                    format!(
                        "{} ({} KB)",
                        fi.code_sha256.as_deref().unwrap_or("-"),
                        fi.code_size / 1024
                    ),
                ));
                n.details
                    .push(kv("modified", fi.last_modified.clone().unwrap_or_default()));
                notes(n, &fi.notes);
            });
        }
        Piece::LogGroup(l) => {
            t.label = format!("log group {}", names.log_group);
            found(&mut t, l, |n, l| {
                n.details.push(kv(
                    "retention",
                    l.retention_days
                        .map_or("never expires".into(), |d| format!("{d} days")),
                ));
                n.details.push(kv(
                    "stored",
                    format!("{} bytes", l.stored_bytes.unwrap_or(0)),
                ));
                if let Some(s) = l.latest_streams.first() {
                    n.details.push(kv("latest stream", s.name.clone()));
                }
                notes(n, &l.notes);
            });
        }
        Piece::Role(r) => {
            t.label = format!("role {}", names.role);
            found(&mut t, r, |n, r| {
                n.details.push(kv("arn", r.arn.clone()));
                if let Some(trusts) = r.trusts_lambda {
                    n.details.push(kv("trusts lambda", trusts.to_string()));
                }
                notes(n, &r.notes);
            });
        }
        Piece::Permission(p) => {
            t.label = "permission: API Gateway may invoke".into();
            found(&mut t, p, |n, p| {
                n.badge = if p.allows_api { "yes" } else { "NO" }.into();
                for s in &p.statements {
                    n.details.push(kv(
                        "statement",
                        format!(
                            "{} {} {}",
                            s.sid.as_deref().unwrap_or("-"),
                            list_or(&s.principals, "-"),
                            list_or(&s.source_arns, "any source")
                        ),
                    ));
                }
                notes(n, &p.notes);
            });
        }
        Piece::Api(a) => {
            t.label = format!("REST API {}", names.api);
            found(&mut t, a, |n, a| {
                n.badge = a.id.clone();
                n.details.push(kv("id", a.id.clone()));
                n.details.push(kv("created", date(a.created)));
                if let Some(d) = &a.description {
                    n.details.push(kv("description", d.clone()));
                }
                notes(n, &a.notes);
            });
        }
        Piece::Resource(r) => {
            t.label = r.path.clone();
            t.details.push(kv("resource id", r.id.clone()));
        }
        Piece::Method(m) => {
            t.route = method_route(&n.key);
            t.label = m.http_method.clone();
            if let Some(route) = &t.route {
                t.details.push(kv("route", route.to_string()));
            }
            t.badge = m.authorization_type.clone();
            t.details
                .push(kv("authorization", m.authorization_type.clone()));
            t.details
                .push(kv("api key", m.api_key_required.to_string()));
            notes(&mut t, &m.notes);
        }
        Piece::Integration(None) => {
            t.route = method_route(&n.key);
            t.label = "no integration".into();
            t.badge = "missing".into();
        }
        Piece::Integration(Some(int)) => {
            t.route = method_route(&n.key);
            let to = match &int.target {
                IntegrationTarget::ThisFunction => names.function.clone(),
                IntegrationTarget::OtherFunction { function_arn } => function_arn.clone(),
                IntegrationTarget::NotLambda => "not Lambda".into(),
            };
            t.label = format!("{} → {to}", int.kind);
            if int.points_elsewhere() {
                t.badge = "points elsewhere".into();
            }
            t.details.push(kv("type", int.kind.clone()));
            t.details
                .push(kv("uri", int.uri.clone().unwrap_or_default()));
        }
        Piece::Stage {
            stage: s,
            configured,
            diff,
        } => {
            t.label = format!("stage {}", s.name);
            t.is_stage = *configured;
            t.drift = if *configured {
                Some(stack.drift.clone())
            } else {
                s.drift.clone()
            };
            if let Some(d) = &t.drift {
                t.badge = drift_badge(d);
            }
            if let Some(canary) = &s.canary_deployment_id {
                let percent = s
                    .canary_percent
                    .map_or_else(|| "?".to_owned(), |p| p.to_string());
                t.details.push(kv(
                    "canary",
                    format!("{canary} ({percent} of its requests)"),
                ));
            }
            t.diff = diff.iter().map(diff_line).collect();
            let dep = s.deployment_id.as_deref().unwrap_or("-");
            let created = stack
                .api
                .as_ref()
                .and_then(|a| a.deployment(dep))
                .and_then(|d| d.created);
            t.details
                .push(kv("deployment", format!("{dep} ({})", date(created))));
            t.details.push(kv("url", s.invoke_url.clone()));
            t.details.push(kv("updated", date(s.last_updated)));
            notes(&mut t, &s.notes);
        }
        Piece::StageCanary(s) => {
            let canary = s.canary_deployment_id.clone().unwrap_or_default();
            let percent = s
                .canary_percent
                .map_or_else(|| "?".to_owned(), |p| p.to_string());
            t.label = format!("canary {canary}");
            t.badge = percent.clone();
            t.details.push(kv("canary", canary.clone()));
            t.details
                .push(kv("traffic", format!("{percent} of the stage's requests")));
            let created = stack
                .api
                .as_ref()
                .and_then(|a| a.deployment(&canary))
                .and_then(|d| d.created);
            t.details.push(kv("created", date(created)));
            t.details
                .push(kv("keys", "C: set the percent, promote, cancel"));
        }
        Piece::StageDeployment(d) => {
            t.label = format!("deployment {}", d.id);
            t.badge = date(d.created);
            t.details
                .push(kv("description", d.description.clone().unwrap_or_default()));
        }
        Piece::MissingStage => {
            t.label = format!("stage {}", names.stage);
            t.badge = "missing".into();
            t.is_stage = true;
        }
        Piece::Deployments(all) => {
            t.label = format!("deployments ({})", all.len());
            t.details.push(kv("count", all.len().to_string()));
        }
        Piece::Deployment(d) => {
            t.label = d.id.clone();
            t.badge = if d.stages.is_empty() {
                date(d.created)
            } else {
                format!("{} ← {}", date(d.created), d.stages.join(", "))
            };
            t.details.push(kv("created", date(d.created)));
            t.details
                .push(kv("description", d.description.clone().unwrap_or_default()));
            t.details.push(kv("stages", d.stages.join(", ")));
        }
    }
    // What Terraform manages: a "tf" badge, and the resource's address in the details.
    if let Some(address) = n.terraform {
        t.badge = if t.badge.is_empty() {
            "tf".into()
        } else {
            format!("{} · tf", t.badge)
        };
        t.details.push(kv("terraform", address));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::Health;
    use crate::tui::fixtures;

    fn find<'a>(nodes: &'a [TreeNode], key: &str) -> &'a TreeNode {
        nodes.iter().find(|n| n.key == key).expect(key)
    }

    #[test]
    fn the_tree_follows_the_stack_from_function_to_deployments() {
        let nodes = nodes(&fixtures::stack(Drift::InSync));
        let keys: Vec<&str> = nodes.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "fn",
                "fn/logs",
                "fn/role",
                "fn/permission",
                "api",
                "api/res//hello_world",
                "api/res//hello_world/GET",
                "api/res//hello_world/GET/integration",
                "api/stage/tf-test",
                "api/stage/tf-test/deployment",
                "api/deployments",
                "api/deployments/d2",
                "api/deployments/d1",
            ]
        );
        assert!(nodes.iter().all(|n| n.health != Some(Health::Missing)));
        assert_eq!(find(&nodes, "api/stage/tf-test").badge, "in sync");
        assert!(
            find(&nodes, "api/deployments/d2")
                .badge
                .ends_with("← tf-test")
        );
    }

    #[test]
    fn a_stale_stage_says_how_many_changes_and_warns() {
        let nodes = nodes(&fixtures::stack(fixtures::stale_drift()));
        let stage = find(&nodes, "api/stage/tf-test");
        assert_eq!(stage.badge, "STALE: 2 changes");
        assert_eq!(stage.health, Some(Health::Warning));
        assert!(stage.is_stage);
    }

    #[test]
    fn missing_pieces_are_shown_not_hidden() {
        let mut stack = fixtures::stack(Drift::InSync);
        stack.function = Found::Missing;
        stack.role = Found::Unknown {
            reason: "access denied".into(),
        };
        stack.api = Found::Missing;
        let nodes = nodes(&stack);
        assert_eq!(find(&nodes, "fn").health, Some(Health::Missing));
        assert_eq!(find(&nodes, "fn").badge, "missing");
        assert_eq!(find(&nodes, "fn/role").details[0].1, "access denied");
        assert_eq!(find(&nodes, "api").badge, "missing");
        assert_eq!(nodes.len(), 5, "nothing under a missing API");
    }

    #[test]
    fn an_integration_to_another_function_is_flagged() {
        let mut stack = fixtures::stack(Drift::InSync);
        if let Some(api) = stack.api.as_mut() {
            let m = &mut api.resources[0].methods[0];
            if let Some(i) = m.integration.as_mut() {
                // As the assessment judges it.
                i.target = IntegrationTarget::OtherFunction {
                    function_arn: "arn:aws:lambda:us-east-1:1:function:other".into(),
                };
                i.health = Health::Warning;
            }
        }
        let nodes = nodes(&stack);
        let i = find(&nodes, "api/res//hello_world/GET/integration");
        assert_eq!(i.health, Some(Health::Warning));
        assert_eq!(i.badge, "points elsewhere");
        assert!(i.label.contains("function:other"));
    }

    #[test]
    fn the_configured_stage_carries_its_field_level_diff_then_what_is_not_comparable() {
        let mut stack = fixtures::stack(fixtures::stale_drift());
        if let Some(api) = stack.api.as_mut() {
            if let Some(d) = api.deployed.as_mut() {
                d.not_comparable = vec!["authorizers: access denied".into()];
            }
            let mut other = api.stages[0].clone();
            other.name = "prod".into();
            other.drift = Some(Drift::InSync);
            api.stages.push(other);
        }
        let nodes = nodes(&stack);
        assert_eq!(
            find(&nodes, "api/stage/tf-test").diff,
            [
                ('+', "GET /goodbye  (route added, not served)".to_owned()),
                (
                    '~',
                    "GET /hello_world authorizationType NONE → AWS_IAM".to_owned()
                ),
                ('?', "not comparable: authorizers: access denied".to_owned()),
            ]
        );
        let prod = find(&nodes, "api/stage/prod");
        assert!(prod.diff.is_empty());
        assert_eq!(prod.badge, "in sync");
        assert!(
            !prod.is_stage,
            "only the configured stage is the one `d` deploys"
        );
    }

    #[test]
    fn every_stage_carries_its_own_drift() {
        let mut stack = fixtures::stack(Drift::InSync);
        if let Some(api) = stack.api.as_mut() {
            let mut prod = api.stages[0].clone();
            prod.name = "prod".into();
            prod.drift = Some(fixtures::stale_drift());
            prod.not_comparable = vec!["models: access denied".into()];
            api.stages.push(prod);
        }
        let nodes = nodes(&stack);
        let configured = find(&nodes, "api/stage/tf-test");
        assert_eq!(configured.badge, "in sync");
        assert_eq!(configured.health, Some(Health::Ok));
        let prod = find(&nodes, "api/stage/prod");
        assert_eq!(prod.badge, "STALE: 2 changes");
        assert_eq!(prod.health, Some(Health::Warning));
        assert_eq!(prod.drift, Some(fixtures::stale_drift()));
        assert_eq!(
            prod.diff.iter().map(|(sign, _)| *sign).collect::<String>(),
            "+~?"
        );
    }

    #[test]
    fn changes_read_as_a_diff() {
        let Drift::Stale { changes } = fixtures::stale_drift() else {
            unreachable!()
        };
        assert_eq!(
            change_line(&changes[0]),
            ('+', "GET /goodbye  (route added, not served)".into())
        );
        assert_eq!(change_line(&changes[1]).0, '~');
    }

    #[test]
    fn what_terraform_manages_gets_a_tf_badge_and_its_address() {
        let mut stack = fixtures::stack(Drift::InSync);
        let show = r#"{"values":{"root_module":{"resources":[
          {"address":"aws_lambda_function.f","mode":"managed","type":"aws_lambda_function","values":{"function_name":"tf-test-rust-hello-world"}},
          {"address":"aws_api_gateway_rest_api.a","mode":"managed","type":"aws_api_gateway_rest_api","values":{"id":"abc123"}},
          {"address":"aws_api_gateway_resource.r","mode":"managed","type":"aws_api_gateway_resource","values":{"id":"r1","rest_api_id":"abc123"}},
          {"address":"aws_api_gateway_method.m","mode":"managed","type":"aws_api_gateway_method","values":{"rest_api_id":"abc123","resource_id":"r1","http_method":"GET"}},
          {"address":"aws_api_gateway_integration.i","mode":"managed","type":"aws_api_gateway_integration","values":{"rest_api_id":"abc123","resource_id":"r1","http_method":"GET"}},
          {"address":"aws_api_gateway_stage.s","mode":"managed","type":"aws_api_gateway_stage","values":{"rest_api_id":"abc123","stage_name":"tf-test"}},
          {"address":"aws_api_gateway_deployment.d","mode":"managed","type":"aws_api_gateway_deployment","values":{"id":"d1","rest_api_id":"abc123"}},
          {"address":"aws_api_gateway_stage.other_api","mode":"managed","type":"aws_api_gateway_stage","values":{"rest_api_id":"zzz","stage_name":"tf-test"}}
        ]}}}"#;
        let state = crate::terraform::TerraformState {
            dir: "terraform".into(),
            resources: crate::terraform::parse_show(show).unwrap(),
        };
        let marks = crate::stack::tree::terraform_addresses(&stack, &state);
        assert_eq!(
            marks.get("api/stage/tf-test").map(String::as_str),
            Some("aws_api_gateway_stage.s"),
            "{marks:?}"
        );
        assert_eq!(
            marks["api/res//hello_world/GET/integration"],
            "aws_api_gateway_integration.i"
        );
        assert_eq!(marks["api/deployments/d1"], "aws_api_gateway_deployment.d");
        assert!(
            !marks.contains_key("fn/role"),
            "the role is not in the state"
        );
        assert!(!marks.contains_key("api/deployments/d2"));
        stack.terraform = Some(crate::model::TerraformMarks {
            dir: "terraform".into(),
            nodes: marks,
        });
        let nodes = nodes(&stack);
        let f = find(&nodes, "fn");
        assert!(f.badge.ends_with("· tf"), "{}", f.badge);
        assert!(
            f.details
                .contains(&("terraform".to_owned(), "aws_lambda_function.f".to_owned()))
        );
        assert_eq!(
            find(&nodes, "fn/role")
                .details
                .iter()
                .filter(|(k, _)| k == "terraform")
                .count(),
            0
        );
    }
}
