//! Every style the dashboard uses, in one place, so panes agree on what green and red mean.

use ratatui::style::{Color, Modifier, Style};

use super::view::Health;
use super::view::Level;

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

/// None: a node that is neither good nor bad (a folder, history).
pub fn health(h: Option<Health>) -> Style {
    match h {
        Some(Health::Ok) => Style::new().fg(Color::Green),
        Some(Health::Warning) => Style::new().fg(Color::Yellow),
        Some(Health::Missing) => Style::new().fg(Color::Red),
        None => Style::new().fg(Color::DarkGray),
    }
}

pub fn health_icon(h: Option<Health>) -> &'static str {
    match h {
        Some(Health::Ok) => "✓",
        Some(Health::Warning) => "!",
        Some(Health::Missing) => "✗",
        None => "·",
    }
}

pub fn warning() -> Style {
    health(Some(Health::Warning))
}

pub fn error() -> Style {
    health(Some(Health::Missing))
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

/// A diff line by its sign: + added, - removed, ~ changed.
pub fn diff(sign: char) -> Style {
    match sign {
        '+' => Style::new().fg(Color::Green),
        '-' => Style::new().fg(Color::Red),
        _ => Style::new().fg(Color::Yellow),
    }
}

/// The selected row. Not DarkGray: dim text (DarkGray) must stay readable on it.
pub fn selected() -> Style {
    Style::new()
        .bg(Color::Indexed(238))
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
