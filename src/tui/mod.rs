//! The dashboard: state, update, event loop and rendering. Never calls AWS itself.
