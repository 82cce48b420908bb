//! The resource tree with health marks, and the details pane for the selected node (a stage's drift diff).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::header::plural;
use super::{format_elapsed, spinner};
use crate::stack::Drift;
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::tree::change_line;
use crate::tui::view::Pane;

pub struct TreePane<'a> {
    pub app: &'a App,
}

impl Widget for TreePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let focused = app.focus == Pane::Tree;
        let block = Block::bordered()
            .title(Line::styled(" stack ", theme::title(focused)))
            .border_style(theme::border(focused));
        let inner = block.inner(area);
        block.render(area, buf);
        let rows = app.visible_nodes();
        if rows.is_empty() {
            let text = match (
                &app.stack_error,
                app.loading.or(app.activity.as_ref().map(|a| a.started)),
            ) {
                (Some(e), _) => Line::styled(format!("✗ {e}"), theme::error()),
                (None, Some(since)) => Line::from(format!(
                    "{} loading the stack… {}",
                    spinner(app.elapsed(since)),
                    format_elapsed(app.elapsed(since))
                )),
                (None, None) => Line::styled("nothing loaded; press R", theme::dim()),
            };
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }
        let height = usize::from(inner.height);
        // Keep the selection in view without any state kept by the renderer.
        let offset = (app.tree_selected + 1).saturating_sub(height);
        for (i, node) in rows.iter().enumerate().skip(offset).take(height) {
            let has_children = rows.get(i + 1).is_some_and(|n| n.depth > node.depth);
            let fold = if app.collapsed.contains(&node.key) {
                "▸ "
            } else if has_children {
                "▾ "
            } else {
                "  "
            };
            let indent = "  ".repeat(usize::from(node.depth));
            let mut spans = vec![
                Span::raw(indent),
                Span::raw(fold),
                Span::styled(theme::health_icon(node.health), theme::health(node.health)),
                Span::raw(" "),
                Span::raw(node.label.clone()),
            ];
            if !node.badge.is_empty() {
                spans.push(Span::raw(" "));
                let style = if node.is_stage && node.badge.starts_with("STALE") {
                    theme::stale()
                } else {
                    theme::health(node.health)
                };
                spans.push(Span::styled(node.badge.clone(), style));
            }
            let mut line = Line::from(spans);
            if i == app.tree_selected {
                line = line.style(if focused {
                    theme::selected()
                } else {
                    Style::new().add_modifier(Modifier::REVERSED)
                });
            }
            let y = inner.y + (i - offset) as u16;
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), line.style);
            line.render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}

pub struct DetailsPane<'a> {
    pub app: &'a App,
}

impl Widget for DetailsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let block = Block::bordered()
            .title(Line::styled(" details ", theme::title(false)))
            .border_style(theme::border(false));
        let Some(node) = app.selected_node() else {
            Paragraph::new(Line::styled("select a node in the tree", theme::dim()))
                .block(block)
                .render(area, buf);
            return;
        };
        let mut lines = Vec::new();
        let header = Line::from(vec![
            Span::styled(theme::health_icon(node.health), theme::health(node.health)),
            Span::raw(" "),
            Span::styled(
                node.label.clone(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]);
        lines.push(header);
        if node.is_stage {
            lines.extend(drift_lines(app.drift()));
        }
        let width = node.details.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in &node.details {
            lines.push(Line::from(vec![
                Span::styled(format!("{k:width$} "), theme::dim()),
                Span::raw(v.clone()),
            ]));
        }
        // Not wrapped: a long URL stays on its line, cut at the edge, instead of pushing the rest away.
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

/// The stage's drift: a banner, then one line per change.
pub fn drift_lines(drift: Option<&Drift>) -> Vec<Line<'static>> {
    match drift {
        None => vec![],
        Some(Drift::InSync) => vec![Line::styled(
            "✓ in sync: the stage serves the working API",
            theme::in_sync(),
        )],
        Some(Drift::Unknown { reason }) => vec![Line::styled(
            format!("? drift unknown: {reason}"),
            theme::warning(),
        )],
        Some(Drift::Stale { changes }) => {
            let mut out = vec![Line::from(vec![
                Span::styled(
                    format!(" STALE: {} ", plural(changes.len(), "change")),
                    theme::stale(),
                ),
                Span::styled(" not live until redeployed (d)", theme::warning()),
            ])];
            for c in changes {
                let (sign, text) = change_line(c);
                out.push(Line::styled(format!(" {sign} {text}"), theme::diff(sign)));
            }
            out
        }
    }
}
