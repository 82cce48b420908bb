//! An HTTP request to a method or a stage, and what a test invocation of a method answered.

use serde::Serialize;

/// A request as the user composes it: the verb, the path (as called, parameters filled in), the query,
/// the headers and an optional body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HttpRequest {
    pub method: String,
    /// Starts with `/`, e.g. `/pets/7`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HttpRequest {
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        let path = path.into();
        Self {
            method: method.into().to_ascii_uppercase(),
            path: format!("/{}", path.trim_start_matches('/')),
            ..Self::default()
        }
    }

    /// GET, HEAD and OPTIONS change nothing (RFC 9110's safe methods): they may be sent without asking.
    pub fn is_safe(&self) -> bool {
        is_safe_method(&self.method)
    }

    /// The path with its query string, percent-encoded where needed, e.g. `/pets?name=a%20b`.
    pub fn path_with_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query = serde_urlencoded::to_string(&self.query).unwrap_or_default();
        format!("{}?{query}", self.path)
    }
}

/// GET, HEAD and OPTIONS: the methods a request may use without the user asking for it explicitly.
pub fn is_safe_method(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS"
    )
}

/// What TestInvokeMethod answered: the method's response and API Gateway's execution log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestInvocation {
    /// The method that ran, e.g. "GET /hello_world".
    pub route: super::RouteKey,
    pub status: u16,
    /// Every header value, in order (multiValueHeaders, or headers when that is absent).
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// API Gateway's execution log, one line each.
    pub log: Vec<String>,
    /// As API Gateway measured it.
    pub latency_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_head_and_options_are_safe() {
        for m in ["GET", "head", "Options"] {
            assert!(is_safe_method(m), "{m}");
        }
        for m in ["POST", "PUT", "PATCH", "DELETE", "ANY"] {
            assert!(!is_safe_method(m), "{m}");
        }
    }

    #[test]
    fn the_query_is_encoded_after_the_path() {
        let mut r = HttpRequest::new("get", "pets");
        assert_eq!(r.path_with_query(), "/pets");
        r.query = vec![("name".into(), "a b".into()), ("x".into(), "1&2".into())];
        assert_eq!(r.path_with_query(), "/pets?name=a+b&x=1%262");
        assert_eq!(r.method, "GET");
    }
}
