//! `lambdeck deploy`, `rollback` and `prune`: the stage actions.

use super::{CmdResult, Ctx, Failure};
use crate::cli::{DeployArgs, PruneArgs, RollbackArgs};

pub async fn deploy(_ctx: &Ctx, _args: &DeployArgs) -> CmdResult {
    Err(Failure::not_implemented("deploy"))
}

pub async fn rollback(_ctx: &Ctx, _args: &RollbackArgs) -> CmdResult {
    Err(Failure::not_implemented("rollback"))
}

pub async fn prune(_ctx: &Ctx, _args: &PruneArgs) -> CmdResult {
    Err(Failure::not_implemented("prune"))
}
