//! Overlays: the help listing every key, the redeploy confirmation with its diff, the rollback picker.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::tree::drift_lines;
use crate::tui::app::App;
use crate::tui::command::{COMPOSE, NORMAL, RESPONSE};
use crate::tui::theme;
use crate::tui::tree::date;

fn popup(screen: Rect, width: u16, height: u16) -> Rect {
    screen.centered(
        Constraint::Length(width.min(screen.width)),
        Constraint::Length(height.min(screen.height)),
    )
}

fn frame(title: &str, area: Rect, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .title(Line::styled(format!(" {title} "), theme::title(true)))
        .border_style(theme::border(true));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

pub struct Help;

impl Widget for Help {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let listed = || NORMAL.iter().filter(|b| b.listed());
        let width = listed().map(|b| b.keys.chars().count()).max().unwrap_or(0);
        let key = |k: &str| Span::styled(format!(" {k:width$} "), Style::new().fg(theme::ACCENT));
        let mut lines: Vec<Line> = listed()
            .map(|b| Line::from(vec![key(b.keys), Span::raw(b.help)]))
            .collect();
        lines.push(Line::from(vec![
            key("wheel"),
            Span::raw("scroll the tree, pings or logs under the mouse"),
        ]));
        // The composer's and the response pane's own keys, from their tables.
        let keys = |table: &[crate::tui::command::Binding]| {
            table
                .iter()
                .filter(|b| b.listed())
                .map(|b| format!("{} {}", b.keys, b.help))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        lines.push(Line::from(vec![key("composer"), Span::raw(keys(COMPOSE))]));
        lines.push(Line::from(vec![key("response"), Span::raw(keys(RESPONSE))]));
        // The note goes first when the screen is short (80x24 shows every key, without it).
        if lines.len() + 2 < usize::from(screen.height) {
            lines.push(Line::styled(
                " In pings, select a probe to highlight its log lines.",
                theme::dim(),
            ));
        }
        let area = popup(screen, 78, lines.len() as u16 + 2);
        let inner = frame("keys", area, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

pub struct ConfirmDeploy<'a> {
    pub app: &'a App,
}

impl Widget for ConfirmDeploy<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let app = self.app;
        let stage = app
            .visible_nodes()
            .iter()
            .find(|n| n.is_stage)
            .map_or("the stage".to_owned(), |n| n.label.clone());
        // The diff rides on the configured stage's node, shown or folded away.
        let diff = app
            .nodes
            .iter()
            .find(|n| n.is_stage)
            .map_or(&[][..], |n| n.diff.as_slice());
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Redeploy "),
                Span::styled(stage, Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(" from the working API?"),
            ]),
            Line::raw(""),
        ];
        let drift = drift_lines(app.drift(), diff, true);
        let in_sync = matches!(app.drift(), Some(crate::stack::Drift::InSync));
        lines.extend(drift);
        if in_sync {
            lines.push(Line::styled(
                "A new deployment would serve the same API.",
                theme::dim(),
            ));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(" y ", theme::key()),
            Span::raw(" deploy   "),
            Span::styled(" n ", theme::key()),
            Span::raw(" cancel"),
        ]));
        let area = popup(screen, 70, lines.len() as u16 + 2);
        let inner = frame("redeploy", area, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

pub struct ConfirmBuild<'a> {
    pub app: &'a App,
}

impl Widget for ConfirmBuild<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let function = self
            .app
            .stack
            .as_ref()
            .map_or("the function".to_owned(), |s| s.names.function.clone());
        let lines = vec![
            Line::from(vec![
                Span::raw("Build and upload "),
                Span::styled(function, Style::new().add_modifier(Modifier::BOLD)),
                Span::raw("?"),
            ]),
            Line::raw(""),
            Line::raw("The new code replaces $LATEST, which the stage's routes call: live"),
            Line::raw("traffic runs it as soon as the update lands."),
            Line::raw(""),
            Line::from(vec![
                Span::styled(" y ", theme::key()),
                Span::raw(" build + upload   "),
                Span::styled(" n ", theme::key()),
                Span::raw(" cancel"),
            ]),
        ];
        let area = popup(screen, 70, lines.len() as u16 + 2);
        let inner = frame("replace $LATEST", area, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

pub struct RollbackPicker<'a> {
    pub app: &'a App,
    pub selected: usize,
}

impl Widget for RollbackPicker<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let deployments = self.app.deployments();
        let height = (deployments.len() as u16 + 4).min(screen.height.saturating_sub(2).max(6));
        let area = popup(screen, 76, height);
        let inner = frame("roll back to", area, buf);
        let rows = usize::from(inner.height.saturating_sub(2));
        let offset = (self.selected + 1).saturating_sub(rows);
        let mut lines: Vec<Line> = deployments
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(|(i, d)| {
                let mark = if self.app.is_current(d) { "● " } else { "  " };
                let line = Line::from(vec![
                    Span::styled(mark, theme::in_sync()),
                    Span::styled(
                        format!("{:<10} ", d.id),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(format!("{} ", date(d.created)), theme::dim()),
                    Span::raw(d.description.clone().unwrap_or_default()),
                ]);
                if i == self.selected {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect();
        lines.push(Line::raw(""));
        lines.push(Line::styled("● = the stage serves it now", theme::dim()));
        Paragraph::new(lines).render(inner, buf);
    }
}
