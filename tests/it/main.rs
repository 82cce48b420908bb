//! Integration tests: the real aws-sdk-rust clients against the embedded local stack, and conformance
//! against moto. One test binary, one module per topic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build;
mod cli;
mod configuration;
mod dashboard;
mod faults;
mod local;
mod stack;
mod tail;
mod terraform;
mod watch;

/// The helpers shared with the benchmarks (`tests/support`).
use lambdeck_test_support as support;
