//! The headless commands: the engine's results printed instead of drawn. Each returns an exit status;
//! failures are one line, never a Debug dump.

pub mod build;
pub mod deploy;
pub mod local;
pub mod logs;
pub mod ping;
pub mod request;
pub mod stages;
pub mod status;
pub mod test;
pub mod up;
pub mod watch;

pub use crate::session::{Failure, Session, Status};

pub type CmdResult = Result<Status, Failure>;
