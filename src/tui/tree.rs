//! The resource tree from the engine's `Stack`: one row per piece, its health, a short badge, and the
//! details the details pane lists. Pure, so it is tested on fixtures.

use crate::stack::{Change, ChangeKind, Drift, Found, Health, IntegrationTarget, Stack};

use super::view::TreeNode;

fn node(key: impl Into<String>, depth: u16, label: impl Into<String>) -> TreeNode {
    TreeNode {
        key: key.into(),
        depth,
        label: label.into(),
        badge: String::new(),
        health: None,
        details: Vec::new(),
        is_stage: false,
    }
}

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

/// Fills a node for a piece that discovery may not have found.
fn found<T>(n: &mut TreeNode, f: &Found<T>, present: impl FnOnce(&mut TreeNode, &T)) {
    match f {
        Found::Present(t) => present(n, t),
        Found::Missing => {
            n.health = Some(Health::Missing);
            n.badge = "missing".into();
            n.details.push(kv("status", "not found"));
        }
        Found::Unknown { reason } => {
            n.health = Some(Health::Missing);
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

/// A statement's list for display: joined, or `none` when empty.
fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join(",")
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

/// The tree, in display order: the function and what hangs off it, then the API with its resources,
/// methods, integrations, stages and deployment history.
pub fn nodes(stack: &Stack) -> Vec<TreeNode> {
    let names = &stack.names;
    let mut out = Vec::new();

    let mut f = node("fn", 0, format!("λ {}", names.function));
    found(&mut f, &stack.function, |n, fi| {
        n.health = Some(fi.health);
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
    out.push(f);

    let mut lg = node("fn/logs", 1, format!("log group {}", names.log_group));
    found(&mut lg, &stack.log_group, |n, l| {
        n.health = Some(l.health);
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
    out.push(lg);

    let mut role = node("fn/role", 1, format!("role {}", names.role));
    found(&mut role, &stack.role, |n, r| {
        n.health = Some(r.health);
        n.details.push(kv("arn", r.arn.clone()));
        if let Some(t) = r.trusts_lambda {
            n.details.push(kv("trusts lambda", t.to_string()));
        }
        notes(n, &r.notes);
    });
    out.push(role);

    let mut perm = node("fn/permission", 1, "permission: API Gateway may invoke");
    found(&mut perm, &stack.permission, |n, p| {
        n.health = Some(p.health);
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
    out.push(perm);

    let mut api = node("api", 0, format!("REST API {}", names.api));
    found(&mut api, &stack.api, |n, a| {
        n.health = Some(a.health);
        n.badge = a.id.clone();
        n.details.push(kv("id", a.id.clone()));
        n.details.push(kv("created", date(a.created)));
        if let Some(d) = &a.description {
            n.details.push(kv("description", d.clone()));
        }
        notes(n, &a.notes);
    });
    out.push(api);
    let Some(a) = stack.api.as_ref() else {
        return out;
    };

    for r in a
        .resources
        .iter()
        .filter(|r| !r.methods.is_empty() || r.path != "/")
    {
        let mut rn = node(format!("api/res/{}", r.path), 1, r.path.clone());
        let worst = r.methods.iter().map(|m| m.health).max();
        rn.health = Some(worst.unwrap_or(Health::Ok));
        rn.details.push(kv("resource id", r.id.clone()));
        out.push(rn);
        for m in &r.methods {
            let key = format!("api/res/{}/{}", r.path, m.http_method);
            let mut mn = node(&key, 2, m.http_method.clone());
            mn.health = Some(m.health);
            mn.badge = m.authorization_type.clone();
            mn.details
                .push(kv("authorization", m.authorization_type.clone()));
            mn.details
                .push(kv("api key", m.api_key_required.to_string()));
            notes(&mut mn, &m.notes);
            out.push(mn);
            let mut i = node(format!("{key}/integration"), 3, "no integration");
            match &m.integration {
                None => {
                    i.health = Some(Health::Missing);
                    i.badge = "missing".into();
                }
                Some(int) => {
                    let (to, health) = match &int.target {
                        IntegrationTarget::ThisFunction => (names.function.clone(), Health::Ok),
                        IntegrationTarget::OtherFunction { function_arn } => {
                            (function_arn.clone(), Health::Warning)
                        }
                        IntegrationTarget::NotLambda => ("not Lambda".into(), Health::Warning),
                    };
                    i.label = format!("{} → {to}", int.kind);
                    i.health = Some(health);
                    if int.points_elsewhere() {
                        i.badge = "points elsewhere".into();
                    }
                    i.details.push(kv("type", int.kind.clone()));
                    i.details
                        .push(kv("uri", int.uri.clone().unwrap_or_default()));
                }
            }
            out.push(i);
        }
    }

    for s in &a.stages {
        let configured = s.name == names.stage;
        let mut sn = node(
            format!("api/stage/{}", s.name),
            1,
            format!("stage {}", s.name),
        );
        sn.is_stage = configured;
        sn.health = Some(s.health);
        if configured {
            sn.badge = drift_badge(&stack.drift);
            if !matches!(stack.drift, Drift::InSync) {
                sn.health = Some(s.health.worst(Health::Warning));
            }
        }
        let dep = s.deployment_id.as_deref().unwrap_or("-");
        sn.details.push(kv(
            "deployment",
            format!(
                "{dep} ({})",
                date(a.deployment(dep).and_then(|d| d.created))
            ),
        ));
        sn.details.push(kv("url", s.invoke_url.clone()));
        sn.details.push(kv("updated", date(s.last_updated)));
        notes(&mut sn, &s.notes);
        out.push(sn);
        if let Some(d) = s.deployment_id.as_ref().and_then(|id| a.deployment(id)) {
            let mut dn = node(
                format!("api/stage/{}/deployment", s.name),
                2,
                format!("deployment {}", d.id),
            );
            dn.badge = date(d.created);
            dn.details
                .push(kv("description", d.description.clone().unwrap_or_default()));
            out.push(dn);
        }
    }
    if configured_stage_missing(stack) {
        let mut sn = node(
            format!("api/stage/{}", names.stage),
            1,
            format!("stage {}", names.stage),
        );
        sn.health = Some(Health::Missing);
        sn.badge = "missing".into();
        sn.is_stage = true;
        out.push(sn);
    }

    let mut hist = node(
        "api/deployments",
        1,
        format!("deployments ({})", a.deployments.len()),
    );
    hist.details
        .push(kv("count", a.deployments.len().to_string()));
    out.push(hist);
    for d in &a.deployments {
        let mut dn = node(format!("api/deployments/{}", d.id), 2, d.id.clone());
        dn.badge = if d.stages.is_empty() {
            date(d.created)
        } else {
            format!("{} ← {}", date(d.created), d.stages.join(", "))
        };
        dn.details.push(kv("created", date(d.created)));
        dn.details
            .push(kv("description", d.description.clone().unwrap_or_default()));
        dn.details.push(kv("stages", d.stages.join(", ")));
        out.push(dn);
    }
    out
}

fn configured_stage_missing(stack: &Stack) -> bool {
    stack.api.is_present() && stack.stage().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
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
                i.target = IntegrationTarget::OtherFunction {
                    function_arn: "arn:aws:lambda:us-east-1:1:function:other".into(),
                };
            }
        }
        let nodes = nodes(&stack);
        let i = find(&nodes, "api/res//hello_world/GET/integration");
        assert_eq!(i.health, Some(Health::Warning));
        assert_eq!(i.badge, "points elsewhere");
        assert!(i.label.contains("function:other"));
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
}
