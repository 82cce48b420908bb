//! The two bottom lines: what is running (spinner or gauge) or how the last action ended; the keys that
//! apply right now.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Widget};

use super::{format_elapsed, spinner};
use crate::tui::app::{App, Overlay};
use crate::tui::command::{Binding, CANARY, COMPOSE, Mode, RESPONSE};
use crate::tui::theme;
use crate::tui::view::Pane;

pub struct ActivityLine<'a> {
    pub app: &'a App,
}

impl Widget for ActivityLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        if let Some(a) = &app.activity {
            let elapsed = app.elapsed(a.started);
            let head = format!(
                " {} {}: {} {} ",
                spinner(elapsed),
                a.kind.label(),
                a.step,
                format_elapsed(elapsed)
            );
            match a.progress {
                Some((done, total)) if total > 0 => {
                    let [text, gauge] = Layout::horizontal([
                        Constraint::Length(head.chars().count() as u16),
                        Constraint::Fill(1),
                    ])
                    .areas(area);
                    Line::from(head).render(text, buf);
                    let ratio = (done as f64 / total as f64).clamp(0.0, 1.0);
                    LineGauge::default()
                        .ratio(ratio)
                        .label(format!("{done}/{total}"))
                        .filled_style(theme::gauge())
                        .render(gauge, buf);
                }
                _ => Line::from(head).render(area, buf),
            }
            return;
        }
        if let Some(n) = &app.notice {
            Line::styled(format!(" {}", n.text), theme::level(n.level)).render(area, buf);
            return;
        }
        if let Some(since) = app.loading {
            let elapsed = app.elapsed(since);
            Line::from(format!(
                " {} refreshing the stack {}",
                spinner(elapsed),
                format_elapsed(elapsed)
            ))
            .render(area, buf);
        }
    }
}

pub struct KeysLine<'a> {
    pub app: &'a App,
}

/// A table's listed keys, as (key, what) pairs.
fn listed(table: &[Binding]) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .filter(|b| b.listed())
        .map(|b| (b.keys, b.help))
        .collect()
}

/// The keys to show for the current mode and pane, as (key, what) pairs.
pub fn keys_now(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.mode() {
        Mode::Help => vec![("any key", "close")],
        Mode::Confirm => match app.overlay {
            Overlay::ConfirmSend => vec![("y", "send"), ("n/Esc", "back")],
            Overlay::ConfirmBuild => vec![("y", "build + upload"), ("n/Esc", "cancel")],
            Overlay::ConfirmPromote { .. } => vec![("y", "promote"), ("n/Esc", "cancel")],
            _ => vec![("y", "deploy"), ("n/Esc", "cancel")],
        },
        Mode::Compose => listed(COMPOSE),
        Mode::Response => listed(RESPONSE),
        Mode::Canary => {
            let mut keys = vec![("0-9", "percent")];
            keys.extend(listed(CANARY));
            keys
        }
        Mode::Picker if matches!(app.overlay, Overlay::StagePicker { .. }) => {
            vec![("↑↓", "choose"), ("Enter", "pick"), ("Esc", "cancel")]
        }
        Mode::Picker => vec![("↑↓", "choose"), ("Enter", "roll back"), ("Esc", "cancel")],
        Mode::FilterInput => vec![("type", "filter"), ("Enter", "keep"), ("Esc", "cancel")],
        Mode::Normal => {
            let mut keys = vec![("↑↓", "move")];
            match app.focus {
                Pane::Tree => keys.push(("←→", "fold")),
                Pane::Pings => {}
                Pane::Logs => {
                    keys.push(("/", "filter"));
                    keys.push(("f", if app.follow { "pause" } else { "follow" }));
                    keys.push(("c", "clear"));
                }
            }
            // In order of need: what does not fit is left out (the help lists everything).
            keys.push(("d", "deploy"));
            keys.push(("p", if app.pinging { "stop ping" } else { "ping" }));
            keys.push(("b", "build"));
            if app.focus == Pane::Tree {
                keys.push(("t", "test"));
            }
            keys.push(("s", "request"));
            keys.push((
                "w",
                if app.watch.is_some() {
                    "stop watch"
                } else {
                    "watch"
                },
            ));
            keys.push(("Tab", "pane"));
            keys.push(("r", "rollback"));
            keys.push(("R", "refresh"));
            keys.push(("?", "help"));
            keys.push(("q", "quit"));
            keys
        }
    }
}

impl Widget for KeysLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let keys = keys_now(self.app);
        let width = |(k, what): &(&str, &str)| k.chars().count() + what.chars().count() + 3;
        // "? help" and "q quit" always show; the others as long as they fit.
        let tail = keys.len().saturating_sub(2);
        let reserved: usize = keys[tail..].iter().map(width).sum();
        let mut room = usize::from(area.width).saturating_sub(reserved + 1);
        let mut spans = vec![Span::raw(" ")];
        for (i, entry) in keys.iter().enumerate() {
            if i < tail {
                if width(entry) > room {
                    continue;
                }
                room -= width(entry);
            }
            spans.push(Span::styled(entry.0, theme::key_hint()));
            spans.push(Span::raw(format!(" {}  ", entry.1)));
        }
        Line::from(spans).render(area, buf);
    }
}
