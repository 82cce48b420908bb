//! Integration tests: the real aws-sdk-rust clients against the embedded local stack, and conformance
//! against moto. One test binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build;
mod engine;
mod exec;
mod faults;
mod local_stack;
mod moto;
mod stack_local;
mod support;
mod tail;
mod tui_e2e;
