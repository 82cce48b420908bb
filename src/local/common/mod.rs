//! Helpers every service of the local stack shares: the request as handlers see it, the AWS-shaped
//! errors, locking, ids and time. Imports no service, so services never import each other through it.

pub mod error;
pub mod query;
pub mod request;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

pub use error::{AwsJsonError, ERROR_TYPE_HEADER, LambdaError, MessageBody, RestJsonError};
pub use request::{Req, parse_query, percent_decode};

/// How a control plane makes an acknowledged change durable before it answers; the store implements
/// it, so a service never imports the store (which imports every service's model).
pub trait Saver: Send + Sync {
    /// Saves the control planes' state; the error is the reason, for the answer's message.
    fn save_control(&self) -> Result<(), String>;
    /// Saves a function package under its SHA-256 (hex), before the state that refers to it.
    fn save_code(&self, sha_hex: &str, zip: &[u8]) -> Result<(), String>;
}

/// How the router recognises a control plane's requests, tried in this order across services: the
/// service named in the SigV4 credential scope, then the `X-Amz-Target` prefix, then a path prefix.
#[derive(Debug, Clone, Copy)]
pub struct ServiceRoute {
    /// The service's name for people (`API Gateway`).
    pub name: &'static str,
    /// The signing name in the credential scope (`apigateway`, `lambda`, `logs`, `sts`, `iam`, ...).
    pub signing_name: &'static str,
    /// The `X-Amz-Target` prefix of an awsJson service (`Logs_20140328.`).
    pub target_prefix: Option<&'static str>,
    /// Path prefixes that name the service when a request is not signed.
    pub path_prefixes: &'static [&'static str],
}

/// Locks a mutex, taking the data even if a panicking thread poisoned it: the state is still the last
/// consistent one because handlers mutate only after validating.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A flag set by writers and cleared by the saver.
#[derive(Debug, Default)]
pub struct Dirty(AtomicBool);

impl Dirty {
    pub fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

/// Serde for `Arc<T>` fields (serde's `rc` feature is not enabled): the value itself is stored.
pub mod arc_serde {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(v: &Arc<T>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Arc<T>, D::Error> {
        T::deserialize(d).map(Arc::new)
    }
}

/// Random lowercase alphanumerics, the shape of API Gateway ids.
pub fn random_id(len: usize) -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
