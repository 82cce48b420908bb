//! `lambdeck status`: the resource tree and the stage's drift, as text or JSON.

use super::{CmdResult, Ctx, Failure};
use crate::cli::JsonArgs;

pub async fn run(_ctx: &Ctx, _args: &JsonArgs) -> CmdResult {
    Err(Failure::not_implemented("status"))
}
