//! The stack engine: discovery and assessment, drift, deploy and rollback, every stage (diff,
//! promote), provisioning, the tree.

pub mod deploy;
pub mod diff;
pub mod drift;
pub mod export;
pub mod invoke;
pub mod load;
pub mod provision;
pub mod stages;
pub mod tree;

pub use load::{latest_is_live, load_stack};
// The engine speaks in the domain's types; callers may name them through it.
pub use crate::model::*;

use crate::aws::AwsError;

/// Why an action on the stack did not happen or could not be confirmed, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackError {
    /// An AWS call failed (classified).
    #[error("{0}")]
    Aws(#[from] AwsError),
    /// The action does not apply to the stack as it is (nothing to roll back to, no API, ...).
    #[error("{0}")]
    Refused(String),
    /// The action was sent, but re-reading shows it did not take effect.
    #[error("not confirmed: {0}")]
    Unconfirmed(String),
}
