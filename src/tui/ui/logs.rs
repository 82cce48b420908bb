//! The live log pane (only the visible window is touched, so a full buffer draws as fast as an empty
//! one), and in its place while the last watch build failed, that build's compiler errors.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::format_clock;
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::view::Pane;

pub struct LogPane<'a> {
    pub app: &'a App,
}

impl Widget for LogPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let focused = app.focus == Pane::Logs;
        let logs = &app.logs;
        let shown = logs.visible_len();
        let mut title = vec![Span::styled(" logs ", theme::title(focused))];
        title.push(Span::styled(
            format!("{} lines ", logs.total()),
            theme::dim(),
        ));
        if let Some(source) = &app.log_source {
            title.push(Span::styled(format!("({source}) "), theme::dim()));
        }
        if logs.dropped() > 0 {
            title.push(Span::styled(
                format!("({} dropped) ", logs.dropped()),
                theme::dim(),
            ));
        }
        match &app.filter_edit {
            Some((text, _)) => title.push(Span::styled(format!("/{text}▏ "), theme::key())),
            None if !logs.filter().is_empty() => title.push(Span::styled(
                format!("filter \"{}\": {shown} match ", logs.filter()),
                theme::warning(),
            )),
            None => {}
        }
        title.push(if app.follow {
            Span::styled("following ", theme::dim())
        } else {
            Span::styled(format!("paused, {} below ", app.log_back), theme::warning())
        });
        let block = Block::bordered()
            .title(Line::from(title))
            .border_style(theme::border(focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if shown == 0 {
            let text = if logs.total() == 0 {
                "no log events yet"
            } else {
                "no line matches the filter"
            };
            Paragraph::new(Line::styled(text, theme::dim())).render(inner, buf);
            return;
        }
        let height = usize::from(inner.height);
        let end = shown.saturating_sub(app.log_back).max(height.min(shown));
        let start = end.saturating_sub(height);
        let highlight = app.highlighted_request();
        for (row, i) in (start..end).enumerate() {
            let Some(line) = logs.visible(i) else { break };
            let mut style = if line.report.is_some() {
                theme::report()
            } else {
                ratatui::style::Style::new()
            };
            if highlight.is_some() && line.request_id.as_deref() == highlight {
                style = theme::correlated();
            }
            let text = Line::from(vec![
                Span::styled(format_clock(line.timestamp), theme::dim()),
                Span::raw(" "),
                Span::raw(line.message.trim_end()),
            ])
            .style(style);
            let r = Rect::new(inner.x, inner.y + row as u16, inner.width, 1);
            buf.set_style(r, style);
            text.render(r, buf);
        }
    }
}

/// The compiler's errors of the last watch build, as rustc renders them, first error first.
pub struct BuildErrorsPane<'a> {
    pub errors: &'a [String],
}

impl Widget for BuildErrorsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let n = self.errors.len();
        let title = Line::from(vec![
            Span::styled(" build failed ", theme::error()),
            Span::styled(
                format!(
                    "{n} error{}; still watching: fix and save (the logs return after a good build) ",
                    if n == 1 { "" } else { "s" }
                ),
                theme::dim(),
            ),
        ]);
        let block = Block::bordered().title(title).border_style(theme::error());
        let inner = block.inner(area);
        block.render(area, buf);
        let lines: Vec<Line> = self
            .errors
            .iter()
            .flat_map(|e| e.lines())
            .map(|l| Line::raw(l.to_owned()))
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
