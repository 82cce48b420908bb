//! The stack engine: discovery, drift, deploy and rollback, provisioning.

pub mod drift;
pub mod load;
pub mod model;

pub use load::load_stack;
pub use model::*;
