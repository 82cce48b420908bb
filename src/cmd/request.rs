//! The request a command line describes (`[METHOD] PATH`, `--query`, `--header`, `--body`), shared by
//! `lambdeck test` and `lambdeck request`.

use super::Failure;
use crate::cli::RequestSpec;
use crate::model::HttpRequest;

/// The request the arguments describe; `default_method` when only a path is given.
pub fn http_request(spec: &RequestSpec, default_method: &str) -> Result<HttpRequest, Failure> {
    let (method, target) = match spec.target.as_slice() {
        [path] => (default_method, path.as_str()),
        [method, path] => (method.as_str(), path.as_str()),
        _ => return Err(Failure::usage("give the path, or the method then the path")),
    };
    if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(Failure::usage(format!(
            "{method:?} is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)"
        )));
    }
    if !target.starts_with('/') {
        return Err(Failure::usage(format!(
            "the path must start with /, e.g. /hello_world (got {target:?})"
        )));
    }
    let (path, inline_query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = HttpRequest::new(method, path);
    request.query = serde_urlencoded::from_str(inline_query)
        .map_err(|e| Failure::usage(format!("bad query string {inline_query:?}: {e}")))?;
    for q in &spec.query {
        let (k, v) = q.split_once('=').unwrap_or((q.as_str(), ""));
        if k.is_empty() {
            return Err(Failure::usage(format!(
                "--query takes name=value (got {q:?})"
            )));
        }
        request.query.push((k.to_owned(), v.to_owned()));
    }
    for h in &spec.header {
        let Some((k, v)) = h.split_once(':') else {
            return Err(Failure::usage(format!(
                "--header takes name:value (got {h:?})"
            )));
        };
        let k = k.trim();
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Failure::usage(format!("bad header name in {h:?}")));
        }
        request.headers.push((k.to_owned(), v.trim().to_owned()));
    }
    request.body = match (&spec.body, &spec.body_file) {
        (Some(b), _) => Some(b.clone()),
        (None, Some(file)) => Some(std::fs::read_to_string(file).map_err(|e| {
            Failure::usage(format!("cannot read the body from {}: {e}", file.display()))
        })?),
        (None, None) => None,
    };
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(target: &[&str]) -> RequestSpec {
        RequestSpec {
            target: target.iter().map(|s| (*s).to_owned()).collect(),
            query: vec![],
            header: vec![],
            body: None,
            body_file: None,
        }
    }

    #[test]
    fn a_path_alone_uses_the_default_method_and_keeps_its_query() {
        let mut s = spec(&["/pets?name=a%20b"]);
        s.query = vec!["x=1".into()];
        s.header = vec!["X-Trace:  abc ".into()];
        let r = http_request(&s, "GET").unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/pets");
        assert_eq!(
            r.query,
            vec![("name".into(), "a b".into()), ("x".into(), "1".into())]
        );
        assert_eq!(r.headers, vec![("X-Trace".into(), "abc".into())]);
    }

    #[test]
    fn bad_parts_are_one_line_usage_errors() {
        for (target, header) in [
            (vec!["hello"], None),
            (vec!["G E T", "/x"], None),
            (vec!["/x"], Some("no-colon")),
        ] {
            let mut s = spec(&target);
            s.header = header.into_iter().map(Into::into).collect();
            let e = http_request(&s, "GET").unwrap_err();
            assert_eq!(e.status, crate::session::Status::Usage);
            assert!(!e.message.contains('\n'));
        }
    }
}
