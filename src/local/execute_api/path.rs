//! Path matching for stage traffic: which deployed resource a request path resolves to, as API
//! Gateway picks it, and the values of its path parameters.

use std::collections::BTreeMap;

use crate::local::apigateway::model::{Resource, Snapshot};

/// A route found in a snapshot for a request path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch<'a> {
    pub resource: &'a Resource,
    /// Values of `{name}` and `{name+}` path parts as sent, not decoded (`%2B` stays `%2B`), as AWS's
    /// recorded events carry them.
    pub path_parameters: BTreeMap<String, String>,
}

/// The resource a request path resolves to, as API Gateway picks it: literal path parts before
/// `{param}`, `{param}` before `{greedy+}`.
pub fn match_path<'a>(snapshot: &'a Snapshot, path: &str) -> Option<RouteMatch<'a>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(Vec<u8>, RouteMatch<'_>)> = None;
    for resource in &snapshot.resources {
        let Some((score, params)) = match_template(&resource.path, path, &segments) else {
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

/// The path after its first `skip` non-empty segments, inner slashes kept as sent (`a//b`), without
/// its leading and trailing slashes.
fn rest_after(path: &str, skip: usize) -> &str {
    let mut rest = path.trim_start_matches('/');
    for _ in 0..skip {
        rest = rest
            .split_once('/')
            .map_or("", |(_, r)| r)
            .trim_start_matches('/');
    }
    rest.trim_end_matches('/')
}

fn match_template(
    template: &str,
    path: &str,
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
            params.insert(name.to_owned(), rest_after(path, i).to_owned());
            score.push(2);
            return Some((score, params));
        }
        let segment = segments.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_owned(), (*segment).to_owned());
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
        // Parameters as sent, not decoded, as AWS's recorded events carry them.
        assert_eq!(m.path_parameters["id"], "7%20x");
        let m = match_path(&snapshot, "/a/b/c").unwrap();
        assert_eq!(m.resource.id, "d");
        assert_eq!(m.path_parameters["proxy"], "a/b/c");
        // AWS's recorded greedy values: inner double slashes kept, the trailing slash dropped,
        // percent-encodings left alone.
        for (path, proxy) in [
            ("/proxy-value//double-slash", "proxy-value//double-slash"),
            ("/proxy-value/", "proxy-value"),
            (
                "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
                "proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
            ),
        ] {
            assert_eq!(
                match_path(&snapshot, path).unwrap().path_parameters["proxy"],
                proxy
            );
        }
        assert_eq!(match_path(&snapshot, "/pets/").unwrap().resource.id, "a");
    }
}
