//! The dashboard: state, update, event loop and rendering. Never calls AWS itself.

pub mod app;
pub mod command;
pub mod compose;
pub mod msg;
pub mod runtime;
pub mod theme;
pub mod tree;
pub mod ui;
pub mod view;

pub use app::App;
pub use runtime::run;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
