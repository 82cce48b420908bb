//! Path matching for stage traffic: which deployed resource a request path resolves to, as API
//! Gateway picks it, and the values of its path parameters.

use std::collections::BTreeMap;

use crate::local::apigateway::model::{Resource, Snapshot};
use crate::local::common::percent_decode;

/// A route found in a snapshot for a request path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch<'a> {
    pub resource: &'a Resource,
    /// Values of `{name}` and `{name+}` path parts, percent-decoded.
    pub path_parameters: BTreeMap<String, String>,
}

/// The resource a request path resolves to, as API Gateway picks it: literal path parts before
/// `{param}`, `{param}` before `{greedy+}`.
pub fn match_path<'a>(snapshot: &'a Snapshot, path: &str) -> Option<RouteMatch<'a>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(Vec<u8>, RouteMatch<'_>)> = None;
    for resource in &snapshot.resources {
        let Some((score, params)) = match_template(&resource.path, &segments) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((
                score,
                RouteMatch {
                    resource,
                    path_parameters: params,
                },
            ));
        }
    }
    best.map(|(_, m)| m)
}

fn match_template(
    template: &str,
    segments: &[&str],
) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut score = Vec::with_capacity(parts.len());
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= segments.len() || i + 1 != parts.len() {
                return None;
            }
            let rest: Vec<String> = segments[i..].iter().map(|s| percent_decode(s)).collect();
            params.insert(name.to_owned(), rest.join("/"));
            score.push(2);
            return Some((score, params));
        }
        let segment = segments.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_owned(), percent_decode(segment));
            score.push(1);
        } else if part == segment {
            score.push(0);
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((score, params))
}

#[cfg(test)]
mod tests {
    use crate::local::apigateway::model::fixtures::{method, resource, working};

    use super::*;

    #[test]
    fn a_snapshot_is_a_deep_copy_unaffected_by_later_changes() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        if let Some(r) = working.get_mut("hw") {
            r.methods.insert("PUT".into(), method("PUT", "x"));
        }
        assert!(match_path(&snapshot, "/new_route").is_none());
        let hw = match_path(&snapshot, "/hello_world").unwrap();
        assert_eq!(hw.resource.methods.keys().collect::<Vec<_>>(), ["GET"]);
    }

    #[test]
    fn routing_prefers_literals_then_variables_then_greedy() {
        let snapshot = Snapshot {
            resources: vec![
                resource("root", "/", &["GET"]),
                resource("a", "/pets", &["GET"]),
                resource("b", "/pets/{id}", &["GET"]),
                resource("c", "/pets/mine", &["GET"]),
                resource("d", "/{proxy+}", &["ANY"]),
            ],
            ..Snapshot::default()
        };
        assert_eq!(match_path(&snapshot, "/").unwrap().resource.id, "root");
        assert_eq!(
            match_path(&snapshot, "/pets/mine").unwrap().resource.id,
            "c"
        );
        let m = match_path(&snapshot, "/pets/7%20x").unwrap();
        assert_eq!(m.resource.id, "b");
        assert_eq!(m.path_parameters["id"], "7 x");
        let m = match_path(&snapshot, "/a/b/c").unwrap();
        assert_eq!(m.resource.id, "d");
        assert_eq!(m.path_parameters["proxy"], "a/b/c");
        assert_eq!(match_path(&snapshot, "/pets/").unwrap().resource.id, "a");
    }
}
