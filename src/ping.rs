//! The endpoint prober.
