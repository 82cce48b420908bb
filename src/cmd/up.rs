//! `lambdeck up` and `down`: provision the stack lambdeck.toml describes, and remove what up created.

use super::{CmdResult, Ctx, Failure};
use crate::cli::{DownArgs, JsonArgs};

pub async fn up(_ctx: &Ctx, _args: &JsonArgs) -> CmdResult {
    Err(Failure::not_implemented("up"))
}

pub async fn down(_ctx: &Ctx, _args: &DownArgs) -> CmdResult {
    Err(Failure::not_implemented("down"))
}
