//! lambdeck: a terminal dashboard and headless CLI for one Lambda function behind an API Gateway REST API.
//!
//! Dependencies point one way: `model` <- `aws` <- `stack` (with `build`, `tail`, `ping`) <- `session`
//! <- {`cmd`, `tui`}. The two front ends are views over one engine, reached through one session. `local`
//! is the embedded AWS stack both can run against; `wire` is the contract (stage URL form, headers)
//! that the clients and `local` share.

pub mod aws;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod local;
pub mod model;
pub mod partition;
pub mod ping;
pub mod request;
pub mod session;
pub mod stack;
pub mod tail;
pub mod terraform;
pub mod tui;
pub mod watch;
pub mod wire;
