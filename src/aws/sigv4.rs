//! SigV4 for calls to a stage: a method whose authorization is AWS_IAM answers only signed requests
//! (service `execute-api`), signed with the same credentials the SDK clients use.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_apigateway::config::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use tokio::sync::Mutex;

use super::Clients;

/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// Signs requests to a stage URL; cheap to clone. Credentials are resolved on first use and again
/// when they near their expiry (an SSO or assumed-role session), not on every call.
#[derive(Clone)]
pub struct StageSigner {
    provider: SharedCredentialsProvider,
    region: String,
    cached: Arc<Mutex<Option<Credentials>>>,
}

impl std::fmt::Debug for StageSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageSigner")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Clients {
    /// A signer for the stage with the clients' credentials and region, when they have credentials.
    pub fn stage_signer(&self) -> Option<StageSigner> {
        Some(StageSigner {
            provider: self.credentials.clone()?,
            region: self.region.clone(),
            cached: Arc::default(),
        })
    }
}

impl StageSigner {
    /// The headers that sign `method url` with `body` for execute-api (Authorization, X-Amz-Date and,
    /// with temporary credentials, X-Amz-Security-Token), or why it cannot be signed, in one line.
    pub async fn headers(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        let credentials = self.credentials().await?;
        let identity = Identity::from(credentials);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("execute-api")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_owned();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .ok_or_else(|| format!("cannot sign a request to {url}: no host"))?;
        let request = SignableRequest::new(
            method,
            url,
            std::iter::once(("host", host.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    async fn credentials(&self) -> Result<Credentials, String> {
        let mut cached = self.cached.lock().await;
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_none_or(|e| e > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        };
        if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
            return Ok(c.clone());
        }
        let c = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| format!("cannot sign the request: no credentials ({e})"))?;
        *cached = Some(c.clone());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> StageSigner {
        StageSigner {
            provider: SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                Some("token".into()),
                None,
                "test",
            )),
            region: "eu-west-1".into(),
            cached: Arc::default(),
        }
    }

    #[tokio::test]
    async fn a_stage_request_is_signed_for_execute_api_in_the_region() {
        let headers = signer()
            .headers(
                "GET",
                "https://abc.execute-api.eu-west-1.amazonaws.com/dev/x?a=1",
                b"",
            )
            .await
            .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let auth = get("authorization").unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{auth}"
        );
        assert!(
            auth.contains("/eu-west-1/execute-api/aws4_request"),
            "{auth}"
        );
        assert!(
            auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"),
            "{auth}"
        );
        assert!(get("x-amz-date").is_some());
        assert_eq!(get("x-amz-security-token"), Some("token"));
    }
}
