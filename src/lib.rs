//! lambdeck: a terminal dashboard and headless CLI for one Lambda function behind an API Gateway REST API.
//!
//! The engine (`aws`, `stack`, `build`, `tail`, `ping`) is shared by two views: the TUI (`tui`) and the
//! headless commands (`cmd`). `local` is the embedded AWS stack both can run against; `wire` is the
//! contract (stage URL form, headers) that the clients and `local` share.

pub mod aws;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod local;
pub mod ping;
pub mod stack;
pub mod tail;
pub mod tui;
pub mod wire;
