//! The stack engine: discovery, drift, deploy and rollback, provisioning.
