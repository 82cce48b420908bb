//! The stack engine: discovery, drift, deploy and rollback, provisioning.

pub mod model;

pub use model::*;
