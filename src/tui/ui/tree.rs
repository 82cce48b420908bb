//! The resource tree with health marks, and the details pane for the selected node (a stage's drift diff).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::header::plural;
use super::{format_clock, format_elapsed, spinner};
use crate::stack::{Drift, Health};
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::view::{Pane, ProbeRow};

pub struct TreePane<'a> {
    pub app: &'a App,
}

impl Widget for TreePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let focused = app.focus == Pane::Tree;
        let mut title = vec![Span::styled(" stack ", theme::title(focused))];
        // A refresh in flight shows here, so it never hides the last action's outcome below.
        if let Some(since) = app.loading.filter(|_| !app.nodes.is_empty()) {
            let elapsed = app.elapsed(since);
            title.push(Span::styled(
                format!(
                    "{} refreshing {} ",
                    spinner(elapsed),
                    format_elapsed(elapsed)
                ),
                theme::dim(),
            ));
        }
        let block = Block::bordered()
            .title(Line::from(title))
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
            // Indent, fold mark, health mark and a space come before the label.
            let room = usize::from(inner.width).saturating_sub(indent.len() + 4);
            // A badge that tells health (STALE, missing, NO) outranks the label; an informative one
            // (a state, an id, a date) gives way to it.
            let telling = node.drift.is_some()
                || node.is_stage
                || matches!(node.health, Some(Health::Warning | Health::Missing));
            let (label, badge) = if telling {
                fit(&node.label, &node.badge, room)
            } else {
                let (badge, label) = fit(&node.badge, &node.label, room);
                (label, badge)
            };
            let mut spans = vec![
                Span::raw(indent),
                Span::raw(fold),
                Span::styled(theme::health_icon(node.health), theme::health(node.health)),
                Span::raw(" "),
                Span::raw(label),
            ];
            if !badge.is_empty() {
                spans.push(Span::raw(" "));
                let style = if node.drift.as_ref().is_some_and(Drift::is_stale) {
                    theme::stale()
                } else {
                    theme::health(node.health)
                };
                spans.push(Span::styled(badge, style));
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

/// Shortens `label` (with "…") so that `badge` still fits in `room` cells, then cuts the badge if even
/// that is not enough: the end of a label is the part a reader can best do without.
pub fn fit(label: &str, badge: &str, room: usize) -> (String, String) {
    let (l, b) = (label.chars().count(), badge.chars().count());
    let gap = usize::from(b > 0);
    if l + gap + b <= room {
        return (label.to_owned(), badge.to_owned());
    }
    let cut = |s: &str, n: usize| -> String {
        match n {
            0 => String::new(),
            n if s.chars().count() <= n => s.to_owned(),
            n => s.chars().take(n - 1).chain(['…']).collect(),
        }
    };
    // Keep at least a few characters of the label; the badge gets the rest.
    let label_room = room.saturating_sub(gap + b).max(room.min(6));
    let label = cut(label, label_room);
    let badge = cut(badge, room.saturating_sub(label.chars().count() + gap));
    (label, badge)
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
        if app.focus == Pane::Pings
            && let Some(p) = app.selected_probe()
        {
            Paragraph::new(probe_lines(app, p))
                .block(block)
                .render(area, buf);
            return;
        }
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
            lines.extend(drift_lines(app.drift(), &node.diff, true));
        } else if let Some(drift) = &node.drift {
            lines.extend(drift_lines(Some(drift), &node.diff, false));
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

/// The selected probe, in full: what the history row has no room for.
fn probe_lines(app: &App, p: &ProbeRow) -> Vec<Line<'static>> {
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<10} "), theme::dim()),
            Span::raw(v),
        ])
    };
    let status = p.status.map_or("no response".to_owned(), |s| s.to_string());
    let mut lines = vec![
        Line::from(vec![
            Span::styled(status, theme::status_code(p.status)),
            Span::raw(" "),
            Span::styled(p.route.clone(), Style::new().add_modifier(Modifier::BOLD)),
        ]),
        kv("sent", format_clock(p.timestamp)),
        kv(
            "latency",
            p.latency_ms.map_or("-".into(), |l| format!("{l:.1} ms")),
        ),
        kv("body", p.summary.clone()),
        kv(
            "lambda",
            p.request_id
                .clone()
                .unwrap_or_else(|| "not known yet".into()),
        ),
        kv("apigw", p.apigw_request_id.clone().unwrap_or_default()),
    ];
    if let Some(report) = p.request_id.as_ref().and_then(|id| app.reports.get(id)) {
        lines.push(kv("REPORT", report.clone()));
    }
    lines.push(Line::styled(
        "its log lines are highlighted below",
        theme::dim(),
    ));
    lines
}

/// A stage's drift: a banner, then its diff as the engine's tree carries it (the changes, then what
/// could not be compared). `configured`: the stage `d` deploys to, which the banner's hint names.
pub fn drift_lines(
    drift: Option<&Drift>,
    diff: &[(char, String)],
    configured: bool,
) -> Vec<Line<'static>> {
    let mut out = match drift {
        None => vec![],
        Some(Drift::InSync) => vec![Line::styled(
            "✓ in sync: the stage serves the working API",
            theme::in_sync(),
        )],
        Some(Drift::Unknown { reason }) => vec![Line::styled(
            format!("? drift unknown: {reason}"),
            theme::warning(),
        )],
        Some(Drift::Stale { changes }) => vec![Line::from(vec![
            Span::styled(
                format!(" STALE: {} ", plural(changes.len(), "change")),
                theme::stale(),
            ),
            Span::styled(
                if configured {
                    " not live until redeployed (d)"
                } else {
                    " the working API is not live on this stage"
                },
                theme::warning(),
            ),
        ])],
    };
    for (sign, text) in diff {
        let style = if *sign == '?' {
            theme::warning()
        } else {
            theme::diff(*sign)
        };
        out.push(Line::styled(format!(" {sign} {text}"), style));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn a_long_label_gives_way_to_its_badge() {
        assert_eq!(
            fit("stage tf-test", "in sync", 40),
            ("stage tf-test".into(), "in sync".into())
        );
        assert_eq!(
            fit("stage tf-test", "STALE: 2 changes", 24),
            ("stage …".into(), "STALE: 2 changes".into())
        );
        let (label, badge) = fit("log group /aws/lambda/tf-test-rust-hello-world", "", 20);
        assert_eq!(label.chars().count(), 20);
        assert!(label.ends_with('…') && badge.is_empty());
        // Too narrow for both: the label keeps a few characters, the badge is cut.
        assert_eq!(
            fit("stage tf-test", "STALE: 2 changes", 12),
            ("stage…".into(), "STAL…".into())
        );
    }
}
