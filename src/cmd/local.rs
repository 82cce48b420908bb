//! `lambdeck local`: serve the embedded local AWS stack in the foreground.

use super::{CmdResult, Failure};
use crate::cli::LocalArgs;

pub async fn run(_args: &LocalArgs) -> CmdResult {
    Err(Failure::not_implemented("local"))
}
