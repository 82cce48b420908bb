//! One request, read whole and decoded, as every service handler sees it.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

/// One request, read whole, as the service modules see it.
pub struct Req {
    pub method: Method,
    /// The path, percent-decoded, split on `/` (no empty leading segment).
    pub segments: Vec<String>,
    /// The raw path, as sent.
    pub raw_path: String,
    /// Query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn query_one(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON; an empty body reads as `{}`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        let body: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            // "." is the document itself, "?" a position serde could not name (a truncated body).
            if path == "." || path == "?" {
                format!("invalid request body: {}", e.inner())
            } else {
                format!("invalid request body at {path}: {}", e.inner())
            }
        })
    }
}

/// Decodes `%XX` escapes; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a query string into decoded pairs, keeping order and repeats.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_body_is_reported_without_a_meaningless_path() {
        let req = Req {
            method: Method::POST,
            segments: Vec::new(),
            raw_path: "/restapis".into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"{"),
        };
        let err = req.json::<serde_json::Value>().unwrap_err();
        assert_eq!(
            err,
            "invalid request body: EOF while parsing an object at line 1 column 1"
        );
    }

    #[test]
    fn percent_decoding_and_queries() {
        assert_eq!(percent_decode("a%3Ab%2f%zz"), "a:b/%zz");
        assert_eq!(
            parse_query("a=1&b=x%20y&a=2&flag"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "2".into()),
                ("flag".into(), String::new())
            ]
        );
    }
}
