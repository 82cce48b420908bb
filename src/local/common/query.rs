//! The AWS Query protocol shared by IAM and STS: form-encoded `Action=...&Version=...` requests (in the
//! body or the URL), XML answers wrapped in `<{Action}Response>`, and XML `<ErrorResponse>` errors.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Req;
use crate::wire::REQUEST_ID_HEADER;

/// One Query-protocol request: its action and every parameter, decoded, in order.
#[derive(Debug, Clone)]
pub struct QueryReq {
    pub action: String,
    pub params: Vec<(String, String)>,
    /// The request id every answer names.
    pub request_id: String,
    /// The partition of the region the call was signed for: IAM is global, but its ARNs name the
    /// partition (`arn:aws-cn:iam::...` in China).
    pub partition: &'static str,
}

impl QueryReq {
    /// Reads the parameters from the form body (`+` is a space there) and the URL query; `region` is
    /// the one the call was signed for.
    pub fn parse(req: &Req, region: &str) -> Self {
        let mut params = req.query.clone();
        params.extend(
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body).unwrap_or_default(),
        );
        let action = params
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        Self {
            action,
            params,
            request_id: uuid::Uuid::new_v4().to_string(),
            partition: crate::partition::of_region(region).id,
        }
    }

    /// The parameters as a serde struct (flat keys; list members are read with `members`).
    pub fn input<T: DeserializeOwned>(&self) -> Result<T, QueryError> {
        let encoded = serde_urlencoded::to_string(&self.params)
            .map_err(|e| QueryError::validation(e.to_string()))?;
        serde_urlencoded::from_str(&encoded).map_err(|e| QueryError::validation(e.to_string()))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A required parameter.
    pub fn required(&self, key: &str) -> Result<&str, QueryError> {
        self.get(key).ok_or_else(|| {
            QueryError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(key)
            ))
        })
    }

    /// A list `Name.member.N` (scalar members), in N order.
    pub fn members(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.member.");
        let mut found: Vec<(u32, String)> = self
            .params
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(&prefix)?.parse().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        found.sort_by_key(|(n, _)| *n);
        found.into_iter().map(|(_, v)| v).collect()
    }

    /// A list of `Name.member.N.Key` / `Name.member.N.Value` pairs (tags), in N order.
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        let prefix = format!("{name}.member.");
        let mut found: std::collections::BTreeMap<u32, (String, String)> = Default::default();
        for (k, v) in &self.params {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let Some((n, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(n) = n.parse() else { continue };
            let entry = found.entry(n).or_default();
            match field {
                "Key" => entry.0 = v.clone(),
                "Value" => entry.1 = v.clone(),
                _ => {}
            }
        }
        found.into_values().collect()
    }

    /// The `{Action}Response` document, with the result (when the action has one) and the request id.
    pub fn respond<T: Serialize>(&self, xmlns: &str, result: Option<&T>) -> Response {
        let action = &self.action;
        let result = match result {
            Some(r) => match quick_xml::se::to_string_with_root(&format!("{action}Result"), r) {
                Ok(xml) => xml,
                Err(e) => return QueryError::internal(e.to_string()).respond(xmlns, self),
            },
            None => String::new(),
        };
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{xmlns}\">{result}<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{action}Response>",
            id = self.request_id
        );
        xml(StatusCode::OK, body, &self.request_id)
    }
}

fn xml(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    response
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A Query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct QueryError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl QueryError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure", message)
    }

    pub fn unknown_operation(service: &str, action: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("{service} action {action:?} is not served by lambdeck's local stack"),
        )
    }

    pub fn respond(&self, xmlns: &str, req: &QueryReq) -> Response {
        #[derive(Serialize)]
        struct ErrorResponse<'a> {
            #[serde(rename = "@xmlns")]
            xmlns: &'a str,
            #[serde(rename = "Error")]
            error: ErrorBody<'a>,
            #[serde(rename = "RequestId")]
            request_id: &'a str,
        }
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            #[serde(rename = "Type")]
            kind: &'a str,
            #[serde(rename = "Code")]
            code: &'a str,
            #[serde(rename = "Message")]
            message: &'a str,
        }
        let doc = ErrorResponse {
            xmlns,
            error: ErrorBody {
                kind: if self.status.is_server_error() {
                    "Receiver"
                } else {
                    "Sender"
                },
                code: self.code,
                message: &self.message,
            },
            request_id: &req.request_id,
        };
        let body = quick_xml::se::to_string_with_root("ErrorResponse", &doc).unwrap_or_else(|_| {
            format!(
                "<ErrorResponse><Error><Code>{}</Code></Error></ErrorResponse>",
                self.code
            )
        });
        let mut response = xml(self.status, body, &req.request_id);
        if let Ok(v) = HeaderValue::from_str(self.code) {
            response
                .headers_mut()
                .insert(super::error::ERROR_TYPE_HEADER, v);
        }
        response
    }
}

/// A list as the Query protocol renders it: `<Name><member>...</member>...</Name>`.
#[derive(Debug, Clone, Serialize)]
pub struct Members<T> {
    pub member: Vec<T>,
}

impl<T> From<Vec<T>> for Members<T> {
    fn from(member: Vec<T>) -> Self {
        Self { member }
    }
}

/// Percent-encodes a policy document as IAM returns it (every byte but RFC 3986's unreserved ones).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Now, as the Query protocol's timestamps: ISO 8601 in UTC.
pub fn timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(body: &str) -> QueryReq {
        let req = Req {
            method: http::Method::POST,
            segments: Vec::new(),
            raw_path: "/".into(),
            query: Vec::new(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
        };
        QueryReq::parse(&req, "us-east-1")
    }

    #[test]
    fn reads_actions_lists_and_tags() {
        let q = req(
            "Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=x%20y&TagKeys.member.1=k&Description=IAM+policy",
        );
        assert_eq!(q.action, "TagRole");
        assert_eq!(q.get("RoleName"), Some("r"));
        assert_eq!(
            q.tags("Tags"),
            vec![("a".into(), "x y".into()), ("b".into(), "2".into())]
        );
        assert_eq!(q.members("TagKeys"), vec!["k".to_owned()]);
        assert_eq!(q.get("Description"), Some("IAM policy"));
        assert!(
            q.required("PolicyArn")
                .unwrap_err()
                .message
                .contains("policyArn")
        );
    }

    #[tokio::test]
    async fn answers_and_errors_are_xml_documents() {
        #[derive(Serialize)]
        struct R {
            #[serde(rename = "Account")]
            account: &'static str,
        }
        let q = req("Action=GetCallerIdentity");
        let r = q.respond(
            "https://sts.amazonaws.com/doc/2011-06-15/",
            Some(&R { account: "0" }),
        );
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Account>0</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>"), "{body}");

        let e = QueryError::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            "The role with name x cannot be found.",
        );
        let r = e.respond("https://iam.amazonaws.com/doc/2010-05-08/", &q);
        assert_eq!(r.status(), 404);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name x cannot be found.</Message></Error>"), "{body}");
    }

    #[test]
    fn policy_documents_are_percent_encoded() {
        assert_eq!(url_encode("{\"a\": 1}"), "%7B%22a%22%3A%201%7D");
    }
}
