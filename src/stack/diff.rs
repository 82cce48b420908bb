//! The field-by-field stale diff: the working API against what the stage's deployment froze, both as
//! [`ApiDefinition`]s. One [`Change`] per differing field, grouped by route or API-level element, and a
//! list of what the comparison could not see. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::definition::{ApiDefinition, Fields, normalise_schema};
use crate::model::{Change, Element, sort_changes};

/// The working side as read from the control plane, with what could not be read or compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingApi {
    pub definition: ApiDefinition,
    /// Element kinds the working side could not be read for ("authorizers", "models", ...) and why;
    /// they are left out of the comparison and reported as not comparable.
    pub unread: BTreeMap<&'static str, String>,
    /// Things the working API uses that no export shows, one line each.
    pub export_blind: Vec<String>,
}

/// The outcome: every change, in display order, and what could not be compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    pub changes: Vec<Change>,
    pub not_comparable: Vec<String>,
}

fn diff_fields(element: &Element, deployed: &Fields, working: &Fields, out: &mut Vec<Change>) {
    let keys: BTreeSet<&String> = deployed.keys().chain(working.keys()).collect();
    for key in keys {
        let (from, to) = (deployed.get(key), working.get(key));
        if from != to {
            out.push(Change::modified(
                element.clone(),
                key.clone(),
                from.cloned(),
                to.cloned(),
            ));
        }
    }
}

/// Compares one kind of named element. `referenced` are the names the methods of either side use:
/// an element in the working API that no method uses and that the export does not show may simply be
/// left out of the export (API Gateway exports what methods reference), so it is not comparable rather
/// than added.
#[allow(clippy::too_many_arguments)]
fn diff_named<T>(
    kind: &'static str,
    element: impl Fn(&str) -> Element,
    deployed: &BTreeMap<String, T>,
    working: &BTreeMap<String, T>,
    referenced: Option<&BTreeSet<&str>>,
    fields: impl Fn(&T) -> Fields,
    out: &mut Vec<Change>,
    not_comparable: &mut Vec<String>,
) {
    let mut unshown = Vec::new();
    let names: BTreeSet<&String> = deployed.keys().chain(working.keys()).collect();
    let defaults = aws_default_models();
    for name in names {
        let e = element(name);
        match (deployed.get(name), working.get(name)) {
            (Some(d), Some(w)) => diff_fields(&e, &fields(d), &fields(w), out),
            (Some(_), None) => out.push(Change::removed(e)),
            (None, Some(w)) => match referenced {
                // CreateRestApi's own Empty and Error models, unused and untouched, are not worth a line.
                Some(used)
                    if kind == "models"
                        && !used.contains(name.as_str())
                        && defaults.get(name.as_str()) == Some(&fields(w)) => {}
                Some(used) if !used.contains(name.as_str()) => unshown.push(name.as_str()),
                _ => out.push(Change::added(e)),
            },
            (None, None) => {}
        }
    }
    if !unshown.is_empty() {
        not_comparable.push(format!(
            "{kind} no method uses ({}): the export shows only those methods use",
            unshown.join(", ")
        ));
    }
}

/// The models CreateRestApi adds to every API, as the diff's fields of a model.
fn aws_default_models() -> BTreeMap<&'static str, Fields> {
    let empty = serde_json::json!({"$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Empty Schema", "type": "object"});
    let error = serde_json::json!({"$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Error Schema", "type": "object",
        "properties": {"message": {"type": "string"}}});
    [("Empty", empty), ("Error", error)]
        .into_iter()
        .map(|(name, schema)| {
            (
                name,
                Fields::from([("schema".to_owned(), normalise_schema(&schema))]),
            )
        })
        .collect()
}

fn union(a: BTreeSet<&str>, b: BTreeSet<&str>) -> BTreeSet<String> {
    a.union(&b).map(|s| (*s).to_owned()).collect()
}

fn as_refs(s: &BTreeSet<String>) -> BTreeSet<&str> {
    s.iter().map(String::as_str).collect()
}

/// Every difference between what the stage serves (`deployed`) and the working API.
pub fn compare_definitions(working: &WorkingApi, deployed: &ApiDefinition) -> Comparison {
    let w = &working.definition;
    let mut changes = Vec::new();
    let mut not_comparable = Vec::new();
    diff_fields(
        &Element::RestApi,
        &deployed.settings.fields(),
        &w.settings.fields(),
        &mut changes,
    );
    let routes: BTreeSet<_> = deployed.routes.keys().chain(w.routes.keys()).collect();
    for route in routes {
        let e = Element::Route(route.clone());
        match (deployed.routes.get(route), w.routes.get(route)) {
            (Some(d), Some(m)) => {
                let (mut df, mut wf) = (d.fields(), m.fields());
                // What the working side could not read is not compared on routes either.
                for (kind, prefix) in [
                    ("authorizers", "authorizer"),
                    ("request validators", "requestValidator"),
                ] {
                    if working.unread.contains_key(kind) {
                        df.retain(|k, _| !k.starts_with(prefix));
                        wf.retain(|k, _| !k.starts_with(prefix));
                    }
                }
                diff_fields(&e, &df, &wf, &mut changes);
            }
            (Some(_), None) => changes.push(Change::removed(e)),
            (None, Some(_)) => changes.push(Change::added(e)),
            (None, None) => {}
        }
    }
    let models_used = union(w.referenced_models(), deployed.referenced_models());
    let authorizers_used = union(
        w.referenced_authorizers(),
        deployed.referenced_authorizers(),
    );
    let validators_used = union(w.referenced_validators(), deployed.referenced_validators());
    let (mu, au, vu) = (
        as_refs(&models_used),
        as_refs(&authorizers_used),
        as_refs(&validators_used),
    );
    if !working.unread.contains_key("authorizers") {
        diff_named(
            "authorizers",
            |n| Element::Authorizer(n.to_owned()),
            &deployed.authorizers,
            &w.authorizers,
            Some(&au),
            |a| a.fields(),
            &mut changes,
            &mut not_comparable,
        );
    }
    if !working.unread.contains_key("models") {
        diff_named(
            "models",
            |n| Element::Model(n.to_owned()),
            &deployed.models,
            &w.models,
            Some(&mu),
            |schema| Fields::from([("schema".to_owned(), schema.clone())]),
            &mut changes,
            &mut not_comparable,
        );
    }
    if !working.unread.contains_key("request validators") {
        diff_named(
            "request validators",
            |n| Element::RequestValidator(n.to_owned()),
            &deployed.request_validators,
            &w.request_validators,
            Some(&vu),
            |v| v.fields(),
            &mut changes,
            &mut not_comparable,
        );
    }
    if !working.unread.contains_key("gateway responses") {
        diff_named(
            "gateway responses",
            |n| Element::GatewayResponse(n.to_owned()),
            &deployed.gateway_responses,
            &w.gateway_responses,
            None,
            |g| g.fields(),
            &mut changes,
            &mut not_comparable,
        );
    }
    if !working.unread.contains_key("documentation parts") {
        match (&deployed.documentation, &w.documentation) {
            (Some(d), Some(wd)) => diff_named(
                "documentation parts",
                |n| Element::Documentation(n.to_owned()),
                d,
                wd,
                None,
                Clone::clone,
                &mut changes,
                &mut not_comparable,
            ),
            (None, Some(wd)) if !wd.is_empty() => not_comparable.push(format!(
                "{} documentation part(s): the documentation published to the stage could not be read",
                wd.len()
            )),
            _ => {}
        }
    }
    for (kind, why) in &working.unread {
        not_comparable.push(format!("{kind}: {why}"));
    }
    not_comparable.extend(working.export_blind.iter().cloned());
    sort_changes(&mut changes);
    Comparison {
        changes,
        not_comparable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::definition::{
        AuthorizerDefinition, GatewayResponseDefinition, IntegrationDefinition, MethodDefinition,
    };
    use crate::model::{ChangeKind, RouteKey};
    use serde_json::json;

    fn route() -> RouteKey {
        RouteKey::new("GET", "/hello_world")
    }

    fn tutorial() -> ApiDefinition {
        let mut d = ApiDefinition::default();
        d.settings.api_key_source = "HEADER".into();
        d.routes.insert(
            route(),
            MethodDefinition {
                authorization_type: "NONE".into(),
                integration: Some(IntegrationDefinition {
                    kind: "AWS_PROXY".into(),
                    http_method: Some("POST".into()),
                    uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations".into()),
                    passthrough_behavior: "WHEN_NO_MATCH".into(),
                    timeout_in_millis: 29_000,
                    ..IntegrationDefinition::default()
                }),
                ..MethodDefinition::default()
            },
        );
        d
    }

    fn working(d: ApiDefinition) -> WorkingApi {
        WorkingApi {
            definition: d,
            ..WorkingApi::default()
        }
    }

    fn lines(c: &Comparison) -> Vec<String> {
        c.changes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_same_definition_is_in_sync() {
        let c = compare_definitions(&working(tutorial()), &tutorial());
        assert_eq!(c, Comparison::default());
    }

    #[test]
    fn a_changed_timeout_is_one_line_with_both_values() {
        let mut w = tutorial();
        if let Some(i) = w
            .routes
            .get_mut(&route())
            .and_then(|m| m.integration.as_mut())
        {
            i.timeout_in_millis = 5000;
        }
        let c = compare_definitions(&working(w), &tutorial());
        assert_eq!(
            lines(&c),
            ["~ GET /hello_world integration.timeoutInMillis 29000 → 5000"]
        );
    }

    #[test]
    fn api_level_elements_are_added_removed_and_modified() {
        let mut w = tutorial();
        w.settings.policy = Some("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"}]}".into());
        w.settings.binary_media_types = vec!["image/png".into()];
        w.gateway_responses.insert(
            "DEFAULT_4XX".into(),
            GatewayResponseDefinition {
                status_code: Some("400".into()),
                ..GatewayResponseDefinition::default()
            },
        );
        let mut d = tutorial();
        d.gateway_responses.insert(
            "MISSING_AUTHENTICATION_TOKEN".into(),
            GatewayResponseDefinition::default(),
        );
        let c = compare_definitions(&working(w), &d);
        assert_eq!(
            lines(&c),
            [
                "~ rest api binaryMediaTypes (none) → image/png",
                "~ rest api policy",
                "+ gateway response DEFAULT_4XX",
                "- gateway response MISSING_AUTHENTICATION_TOKEN",
            ]
        );
    }

    #[test]
    fn unused_models_and_authorizers_missing_from_the_export_are_not_comparable() {
        let mut w = tutorial();
        w.models
            .insert("Error".into(), normalise_schema(&json!({"type": "object"})));
        // CreateRestApi's untouched Empty model is not worth a line.
        w.models.insert(
            "Empty".into(),
            normalise_schema(
                &json!({"$schema": "http://json-schema.org/draft-04/schema#",
                "title": "Empty Schema", "type": "object"}),
            ),
        );
        w.authorizers
            .insert("spare".into(), AuthorizerDefinition::default());
        let c = compare_definitions(&working(w.clone()), &tutorial());
        assert!(c.changes.is_empty(), "{:?}", c.changes);
        assert_eq!(c.not_comparable.len(), 2, "{:?}", c.not_comparable);
        // Once a method uses the model, it is compared.
        if let Some(m) = w.routes.get_mut(&route()) {
            m.request_models
                .insert("application/json".into(), "Error".into());
        }
        let c = compare_definitions(&working(w), &tutorial());
        assert!(
            c.changes
                .contains(&Change::added(Element::Model("Error".into())))
        );
    }

    #[test]
    fn what_could_not_be_read_is_not_comparable_and_not_compared() {
        let mut w = working(tutorial());
        w.unread
            .insert("authorizers", "GetAuthorizers: not supported".into());
        if let Some(m) = w.definition.routes.get_mut(&route()) {
            m.authorizer = Some("x".into());
        }
        let mut d = tutorial();
        d.authorizers
            .insert("x".into(), AuthorizerDefinition::default());
        let c = compare_definitions(&w, &d);
        assert!(c.changes.is_empty(), "{:?}", c.changes);
        assert_eq!(
            c.not_comparable,
            ["authorizers: GetAuthorizers: not supported"]
        );
    }

    #[test]
    fn routes_come_out_in_path_order_with_fields_sorted() {
        let mut w = tutorial();
        let m = w.routes[&route()].clone();
        w.routes.insert(RouteKey::new("POST", "/b"), m.clone());
        if let Some(m) = w.routes.get_mut(&route()) {
            m.authorization_type = "AWS_IAM".into();
            m.api_key_required = true;
        }
        let mut d = tutorial();
        d.routes.insert(RouteKey::new("DELETE", "/a"), m);
        let c = compare_definitions(&working(w), &d);
        assert_eq!(
            lines(&c),
            [
                "- DELETE /a",
                "+ POST /b",
                "~ GET /hello_world apiKeyRequired false → true",
                "~ GET /hello_world authorizationType NONE → AWS_IAM",
            ]
        );
        assert!(matches!(c.changes[0].kind, ChangeKind::Removed));
    }
}
