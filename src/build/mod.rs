//! Build, package and upload the Rust function.
