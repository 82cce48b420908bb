//! `lambdeck logs`: print the function's log events, optionally following them.

use super::{CmdResult, Ctx, Failure};
use crate::cli::LogsArgs;

pub async fn run(_ctx: &Ctx, _args: &LogsArgs) -> CmdResult {
    Err(Failure::not_implemented("logs"))
}
