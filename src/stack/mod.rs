//! The stack engine: discovery, drift, deploy and rollback, provisioning.

pub mod drift;
pub mod model;

pub use model::*;
