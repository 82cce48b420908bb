//! The AWS boundary: one `SdkConfig` from flags, environment and profile, and the service clients built
//! from it. SDK types never leave this module; callers get domain types and `AwsError`.

pub mod api_definition;
pub mod apigateway;
pub mod error;
pub mod iam;
pub mod lambda;
pub mod lambda_code;
pub mod log_groups;
pub mod logs;
mod null_templates;
pub mod retry;
pub mod sigv4;

use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::provider_config::ProviderConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::wire::LOCAL_REGION;

pub use error::{AwsError, ErrorKind};

/// Where the AWS calls go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// Named profile from the shared config files.
    pub profile: Option<String>,
    /// Region from --region: it wins over everything.
    pub region: Option<String>,
    /// lambdeck.toml's region: used when neither --region nor the environment or profile names one.
    pub config_region: Option<String>,
    /// --endpoint-url (or the embedded local stack's address): every service goes there, whatever the
    /// environment or profile configures. Without it the SDK resolves each service's endpoint itself.
    pub endpoint_url: Option<String>,
    /// The endpoint is lambdeck's embedded local stack: static test credentials, no profile lookups.
    pub local: bool,
}

/// Each service's custom endpoint, when it has one: --endpoint-url, else what the SDK resolves from
/// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, or the profile's `endpoint_url` (per service in a
/// `services` section, or for all), none of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoints {
    pub apigateway: Option<String>,
    pub lambda: Option<String>,
    pub logs: Option<String>,
    pub iam: Option<String>,
}

impl Endpoints {
    /// True when any service goes somewhere other than AWS's own endpoints.
    pub fn any(&self) -> bool {
        [&self.apigateway, &self.lambda, &self.logs, &self.iam]
            .iter()
            .any(|e| e.is_some())
    }

    /// Resolves each service's endpoint: the explicit one, else the service's own setting, else the
    /// shared one, environment before profile. The keys are the documented ones (`api_gateway`,
    /// `cloudwatch_logs` in a `services` section, as the AWS CLI reads them); the SDK's own lookup
    /// spells multi-word services with a hyphen, so lambdeck resolves them here and hands each client
    /// its endpoint.
    fn resolve(sdk: &aws_types::SdkConfig, explicit: Option<&str>) -> Self {
        let of = |service_id: &str| -> Option<String> {
            if let Some(url) = explicit {
                return Some(url.to_owned());
            }
            sdk.service_config()
                .and_then(|c| {
                    let key = aws_types::service_config::ServiceConfigKey::builder()
                        .service_id(service_id)
                        .env("AWS_ENDPOINT_URL")
                        .profile("endpoint_url")
                        .build()
                        .ok()?;
                    c.load_config(key)
                })
                .or_else(|| sdk.endpoint_url().map(ToOwned::to_owned))
                .filter(|u| !u.trim().is_empty())
        };
        Self {
            apigateway: of("api_gateway"),
            lambda: of("lambda"),
            logs: of("cloudwatch_logs"),
            iam: of("iam"),
        }
    }
}

/// The service clients, all built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub apigateway: aws_sdk_apigateway::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub iam: aws_sdk_iam::Client,
    /// The region the clients sign for.
    pub region: String,
    /// API Gateway's custom endpoint, when there is one: stage URLs are built on it.
    pub endpoint_url: Option<String>,
    /// Every service's custom endpoint.
    pub endpoints: Endpoints,
    /// True when talking to the embedded local stack.
    pub local: bool,
    /// The credentials the clients sign with, for signing calls to a stage (`sigv4`).
    pub credentials: Option<aws_sdk_apigateway::config::SharedCredentialsProvider>,
}

impl Clients {
    /// Builds the clients: the standard credential chain (environment, profiles, SSO, `aws login`
    /// sessions, IMDS) unless the target is the local stack. Throttling and transient failures are
    /// retried with exponential backoff by the SDK's standard retry mode, API Gateway's for longer
    /// ([`retry`]); a dead endpoint fails fast on the connect timeout.
    pub async fn new(target: &Target) -> Result<Self, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(retry::default_policy())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(profile) = &target.profile {
            if !target.local {
                check_profile(profile).await?;
            }
            loader = loader.profile_name(profile);
        }
        loader = loader.region(region_chain(target));
        if let Some(url) = &target.endpoint_url {
            check_endpoint_url(url)?;
        }
        if target.local {
            loader = loader.credentials_provider(Credentials::new(
                "lambdeck-local",
                "lambdeck-local",
                None,
                None,
                "lambdeck-local",
            ));
        }
        let sdk = loader.load().await;
        let endpoints = Endpoints::resolve(&sdk, target.endpoint_url.as_deref());
        for url in [
            &endpoints.apigateway,
            &endpoints.lambda,
            &endpoints.logs,
            &endpoints.iam,
        ]
        .into_iter()
        .flatten()
        {
            check_endpoint_url(url)?;
        }
        let region = sdk
            .region()
            .map(ToString::to_string)
            .or_else(|| endpoints.any().then(|| LOCAL_REGION.to_owned()))
            .ok_or_else(AwsError::missing_region)?;
        check_region(&region)?;
        // A custom endpoint without a region still needs one to sign with.
        let sdk = if sdk.region().is_none() {
            sdk.into_builder()
                .region(Region::new(region.clone()))
                .build()
        } else {
            sdk
        };
        let mut lambda =
            aws_sdk_lambda::config::Builder::from(&sdk).retry_classifier(retry::ServiceHints);
        lambda.set_endpoint_url(endpoints.lambda.clone());
        let mut iam =
            aws_sdk_iam::config::Builder::from(&sdk).retry_classifier(retry::ServiceHints);
        iam.set_endpoint_url(endpoints.iam.clone());
        Ok(Self {
            apigateway: apigateway_client(&sdk, endpoints.apigateway.clone()),
            lambda: aws_sdk_lambda::Client::from_conf(lambda.build()),
            logs: logs_client(&sdk, endpoints.logs.clone()),
            iam: aws_sdk_iam::Client::from_conf(iam.build()),
            endpoint_url: endpoints.apigateway.clone(),
            endpoints,
            region,
            local: target.local,
            credentials: sdk.credentials_provider(),
        })
    }
}

/// The region, in this order: --region; then the environment (`AWS_REGION`, `AWS_DEFAULT_REGION`) or
/// the profile; then lambdeck.toml; then, on EC2, the instance's. The embedded local stack takes no
/// profile: --region, lambdeck.toml, else us-east-1.
fn region_chain(target: &Target) -> RegionProviderChain {
    let config_region = target.config_region.clone().map(Region::new);
    if let Some(region) = &target.region {
        return RegionProviderChain::first_try(Region::new(region.clone()));
    }
    if target.local {
        return RegionProviderChain::first_try(config_region).or_else(Region::new(LOCAL_REGION));
    }
    let provider_config = ProviderConfig::default().with_http_client(http_client());
    let mut profile = aws_config::profile::region::ProfileFileRegionProvider::builder()
        .configure(&provider_config);
    if let Some(name) = &target.profile {
        profile = profile.profile_name(name);
    }
    RegionProviderChain::first_try(
        aws_config::environment::region::EnvironmentVariableRegionProvider::new(),
    )
    .or_else(profile.build())
    .or_else(config_region)
    .or_else(
        aws_config::imds::region::ImdsRegionProvider::builder()
            .configure(&provider_config)
            .build(),
    )
}

/// The HTTP client for every SDK client: hyper with rustls on ring, the build's one crypto provider,
/// trusting the system's root certificates. lambdeck builds the SDK without its default HTTPS client
/// (which would compile a second provider, aws-lc-rs), so an `SdkConfig` made without this client
/// cannot send a request.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// A region name is a DNS label (`us-east-1`); anything else would fail every call the same way.
fn check_region(region: &str) -> Result<(), AwsError> {
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(AwsError::configuration(format!(
            "region `{region}` is not a region name (e.g. us-east-1)"
        )))
    }
}

/// An endpoint URL needs an http or https scheme and a host.
/// A profile named by --profile or AWS_PROFILE must be in the shared config or credentials file, as the
/// AWS CLI requires: the SDK would go on without it and report missing credentials, never naming the
/// profile. `default` may be absent (the environment's credentials are then used). Files that cannot
/// be read are left to the SDK, which reports them.
async fn check_profile(name: &str) -> Result<(), AwsError> {
    use aws_types::os_shim_internal::{Env, Fs};
    if name == "default" {
        return Ok(());
    }
    if name.trim().is_empty() {
        // The SDK would look for a profile named "" and the AWS CLI says it cannot be found: an
        // exported-but-empty AWS_PROFILE is the usual cause.
        return Err(AwsError::configuration(
            "the profile name is empty (--profile or AWS_PROFILE): name a profile, or unset AWS_PROFILE to use the default"
                .to_owned(),
        ));
    }
    let Ok(set) =
        aws_config::profile::load(&Fs::real(), &Env::real(), &Default::default(), None).await
    else {
        return Ok(());
    };
    if set.get_profile(name).is_some() {
        return Ok(());
    }
    Err(AwsError::configuration(format!(
        "profile `{name}` (--profile or AWS_PROFILE) is in neither the shared config file nor the credentials file; `aws configure --profile {name}` creates it"
    )))
}

fn check_endpoint_url(url: &str) -> Result<(), AwsError> {
    let parsed = url.parse::<http::Uri>().ok();
    let ok = parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(AwsError::configuration(format!(
            "endpoint URL `{url}` is not an http(s) URL with a host (e.g. http://127.0.0.1:4566)"
        )))
    }
}

/// The API Gateway client, with the retry policy its quotas call for, reading `null` templates as "".
fn apigateway_client(
    sdk: &aws_types::SdkConfig,
    endpoint: Option<String>,
) -> aws_sdk_apigateway::Client {
    let mut config = aws_sdk_apigateway::config::Builder::from(sdk)
        .retry_config(retry::apigateway_policy())
        .retry_classifier(retry::ServiceHints);
    config.set_endpoint_url(endpoint);
    // AWS answers an empty mapping template as `null`, which the SDK's models cannot hold.
    config.set_http_client(sdk.http_client().map(null_templates::wrap));
    aws_sdk_apigateway::Client::from_conf(config.build())
}

/// The CloudWatch Logs client. With a custom endpoint it drops the host prefix the SDK puts in front of
/// StartLiveTail (`stream-` in this SDK, `streaming-` in the service model's older revisions): against
/// `http://127.0.0.1:4566` the prefixed host `stream-127.0.0.1` does not resolve, and LocalStack or moto
/// serve every operation on the one endpoint anyway. AWS's own endpoints keep the prefix.
fn logs_client(
    sdk: &aws_types::SdkConfig,
    endpoint: Option<String>,
) -> aws_sdk_cloudwatchlogs::Client {
    let mut config =
        aws_sdk_cloudwatchlogs::config::Builder::from(sdk).retry_classifier(retry::ServiceHints);
    let custom = endpoint.is_some();
    config.set_endpoint_url(endpoint);
    if custom {
        config = config.interceptor(NoHostPrefix);
    }
    aws_sdk_cloudwatchlogs::Client::from_conf(config.build())
}

/// Removes the operation's `EndpointPrefix` before the endpoint is applied to the request.
#[derive(Debug)]
struct NoHostPrefix;

impl aws_sdk_cloudwatchlogs::config::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    // The operation stores its prefix in `read_before_execution`, after the client's interceptors have
    // run that hook; `modify_before_serialization` comes later and may edit the config bag.
    fn modify_before_serialization(
        &self,
        _context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state()
            .unset::<aws_smithy_runtime_api::client::endpoint::EndpointPrefix>();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Without the SDK's default HTTPS client, this is what makes `https://` endpoints (AWS's own)
    /// work: the clients must open a TLS session on ring, not panic for want of a crypto provider nor
    /// fail for want of an HTTP client.
    #[tokio::test]
    async fn the_clients_speak_tls_to_an_https_endpoint() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let clients = Clients::new(&Target {
            profile: None,
            region: Some(LOCAL_REGION.into()),
            endpoint_url: Some(format!("https://127.0.0.1:{port}")),
            local: true,
            ..Target::default()
        })
        .await
        .expect("clients");
        let call = tokio::spawn(async move {
            clients
                .lambda
                .get_function()
                .function_name("f")
                .send()
                .await
        });
        let (mut socket, _) = listener.accept().await.expect("a connection");
        let mut record = [0u8; 6];
        socket.read_exact(&mut record).await.expect("bytes");
        // A TLS record of type handshake (22), version 3.x, whose first message is a ClientHello (1).
        assert_eq!((record[0], record[1], record[5]), (22, 3, 1), "{record:?}");
        call.abort();
    }
}
