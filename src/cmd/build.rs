//! `lambdeck build` and `upload`: build, package and upload the function.

use super::{CmdResult, Ctx, Failure};
use crate::cli::{JsonArgs, UploadArgs};

pub async fn build(_ctx: &Ctx, _args: &JsonArgs) -> CmdResult {
    Err(Failure::not_implemented("build"))
}

pub async fn upload(_ctx: &Ctx, _args: &UploadArgs) -> CmdResult {
    Err(Failure::not_implemented("upload"))
}
