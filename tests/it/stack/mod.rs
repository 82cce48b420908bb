//! The stack engine (discovery, drift, deploy, rollback, prune, `up` and `down`) through the real SDK
//! clients: against the embedded local stack, and against moto for conformance.

mod discovery;
mod drift_and_deploy;
