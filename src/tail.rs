//! The log tail engine.
