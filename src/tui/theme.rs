//! Every style the dashboard uses, in one place, so panes agree on what green and red mean.

use ratatui::style::{Color, Modifier, Style};

use super::app::Level;
use super::view::{DiffKind, Health};

pub const ACCENT: Color = Color::Cyan;

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub fn title(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

pub fn health(h: Health) -> Style {
    match h {
        Health::Ok => Style::new().fg(Color::Green),
        Health::Warning => Style::new().fg(Color::Yellow),
        Health::Missing => Style::new().fg(Color::Red),
        Health::Neutral => Style::new().fg(Color::DarkGray),
    }
}

pub fn health_icon(h: Health) -> &'static str {
    match h {
        Health::Ok => "✓",
        Health::Warning => "!",
        Health::Missing => "✗",
        Health::Neutral => "·",
    }
}

/// A stale stage must be impossible to miss.
pub fn stale() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}

pub fn in_sync() -> Style {
    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
}

pub fn diff(kind: DiffKind) -> Style {
    match kind {
        DiffKind::Added => Style::new().fg(Color::Green),
        DiffKind::Removed => Style::new().fg(Color::Red),
        DiffKind::Changed => Style::new().fg(Color::Yellow),
    }
}

pub fn diff_sign(kind: DiffKind) -> &'static str {
    match kind {
        DiffKind::Added => "+",
        DiffKind::Removed => "-",
        DiffKind::Changed => "~",
    }
}

pub fn selected() -> Style {
    Style::new()
        .bg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}

/// Log lines of the selected probe's request.
pub fn correlated() -> Style {
    Style::new().bg(Color::Blue).fg(Color::White)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new().fg(Color::Black).bg(ACCENT)
}

/// A key in the status bar.
pub fn key_hint() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn report() -> Style {
    Style::new().fg(Color::Magenta)
}

pub fn status_code(status: Option<u16>) -> Style {
    match status {
        Some(200..=299) => Style::new().fg(Color::Green),
        Some(300..=499) => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

pub fn level(l: Level) -> Style {
    match l {
        Level::Info => Style::new(),
        Level::Success => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        Level::Warning => Style::new().fg(Color::Yellow),
        Level::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

pub fn gauge() -> Style {
    Style::new().fg(ACCENT)
}
