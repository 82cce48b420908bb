//! API Gateway answers a mapping template given as "" with `null` (`"responseTemplates":
//! {"application/json": null}`: AWS's recorded answer to PutIntegrationResponse, and what GetIntegration,
//! GetMethod and GetResources with `embed=methods` then read back). The SDK's models make templates
//! a map of strings that cannot hold `null`, so one such template (the usual CORS preflight's
//! `response_templates = { "application/json" = "" }`) would fail the whole GetResources page as a
//! malformed response. This HTTP client wrapper, given to the API Gateway client only, reads a
//! successful JSON answer that holds a `null` and turns every `null` template into "" before the SDK
//! deserialises it; nothing else is touched, and answers without a `null` pass through unread.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

/// The members that hold mapping templates, by media type.
const TEMPLATE_MAPS: [&str; 2] = ["requestTemplates", "responseTemplates"];

/// Wraps the API Gateway client's HTTP client.
pub fn wrap(inner: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(NullTemplates(inner))
}

#[derive(Debug)]
struct NullTemplates(SharedHttpClient);

impl HttpClient for NullTemplates {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector(self.0.http_connector(settings, components)))
    }
}

#[derive(Debug)]
struct Connector(SharedHttpConnector);

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.0.call(request);
        HttpConnectorFuture::new(async move {
            let mut response = answer.await?;
            let json = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.contains("json"));
            if !response.status().is_success() || !json {
                return Ok(response);
            }
            let bytes = ByteStream::new(response.take_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            match empty_null_templates(&bytes) {
                Some(mended) => {
                    response
                        .headers_mut()
                        .insert("content-length", mended.len().to_string());
                    *response.body_mut() = SdkBody::from(mended);
                }
                None => *response.body_mut() = SdkBody::from(bytes),
            }
            Ok(response)
        })
    }
}

/// The body with every `null` template made "", or `None` when it has none to mend (or is not JSON:
/// then the SDK reports it as it is).
fn empty_null_templates(body: &[u8]) -> Option<Vec<u8>> {
    if !body.windows(4).any(|w| w == b"null") {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    if !mend(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

/// Mends every template map under `value`; true when it changed something.
fn mend(value: &mut Value) -> bool {
    let mut changed = false;
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if TEMPLATE_MAPS.contains(&key.as_str())
                    && let Value::Object(templates) = member
                {
                    for template in templates.values_mut().filter(|t| t.is_null()) {
                        *template = Value::String(String::new());
                        changed = true;
                    }
                } else {
                    changed |= mend(member);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                changed |= mend(item);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_templates_become_empty_anywhere_in_the_answer() {
        let page = br#"{"item":[{"id":"r","resourceMethods":{"OPTIONS":{"methodIntegration":{
            "type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"},
            "integrationResponses":{"200":{"statusCode":"200",
            "responseTemplates":{"application/json":null,"text/plain":"x"}}}}}}}]}"#;
        let mended: Value = serde_json::from_slice(&empty_null_templates(page).unwrap()).unwrap();
        let templates = &mended["item"][0]["resourceMethods"]["OPTIONS"]["methodIntegration"]["integrationResponses"]
            ["200"]["responseTemplates"];
        assert_eq!(templates["application/json"], "");
        assert_eq!(templates["text/plain"], "x");
    }

    #[test]
    fn other_nulls_and_answers_without_null_templates_pass_unchanged() {
        assert_eq!(empty_null_templates(br#"{"id":"a","name":"n"}"#), None);
        assert_eq!(
            empty_null_templates(br#"{"id":"a","description":null}"#),
            None
        );
        assert_eq!(empty_null_templates(b"not json null"), None);
    }
}
