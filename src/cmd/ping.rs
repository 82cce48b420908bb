//! `lambdeck ping`: call the stage URL of each deployed route and report status and latency.

use super::{CmdResult, Ctx, Failure};
use crate::cli::PingArgs;

pub async fn run(_ctx: &Ctx, _args: &PingArgs) -> CmdResult {
    Err(Failure::not_implemented("ping"))
}
