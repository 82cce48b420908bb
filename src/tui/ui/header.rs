//! The top line: what is shown, where, and the stage's state in one word.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::stack::Drift;
use crate::tui::app::App;
use crate::tui::theme;

pub struct Header<'a> {
    pub app: &'a App,
}

impl Widget for Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let mut spans = vec![
            Span::styled(" lambdeck ", theme::key().add_modifier(Modifier::BOLD)),
            Span::raw(" "),
            Span::styled(app.title.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
        ];
        match app.drift() {
            None if app.stack_error.is_some() => spans.push(Span::styled(
                "✗ stack not loaded (R retries)",
                theme::error(),
            )),
            None => spans.push(Span::styled("loading…", theme::dim())),
            Some(Drift::InSync) => spans.push(Span::styled("✓ stage in sync", theme::in_sync())),
            Some(Drift::Stale { changes }) => spans.push(Span::styled(
                format!(" STALE: {} ", plural(changes.len(), "change")),
                theme::stale(),
            )),
            Some(Drift::Unknown { .. }) => {
                spans.push(Span::styled("? drift unknown", theme::warning()))
            }
        }
        if app.pinging {
            spans.push(Span::raw("  "));
            spans.push(Span::styled("● pinging", theme::status_code(Some(200))));
        }
        if let Some(w) = &app.watch {
            spans.push(Span::raw("  "));
            let style = if w.errors.is_empty() {
                theme::key()
            } else {
                theme::error()
            };
            spans.push(Span::styled(format!("◉ {}", w.status()), style));
        }
        Line::from(spans).render(area, buf);
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
