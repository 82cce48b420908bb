//! The ping pane: a latency chart (failures as gaps marked in red) beside the status history, newest first,
//! each probe with the REPORT metrics of the invocation it caused.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Widget};

use super::format_clock;
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::view::Pane;

pub struct PingPane<'a> {
    pub app: &'a App,
}

/// p50, p95, p99 over the latest window of probes, failed ones (no answer, or not 2xx) left out: the
/// engine's latency series, so the figures are the ones `lambdeck ping` reports.
pub fn percentiles(app: &App) -> Option<[f64; 3]> {
    let stats = app.latency.stats();
    Some([stats.p50_ms?, stats.p95_ms?, stats.p99_ms?])
}

impl Widget for PingPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let focused = app.focus == Pane::Pings;
        let mut title = vec![Span::styled(" pings ", theme::title(focused))];
        if let Some([p50, p95, p99]) = percentiles(app) {
            title.push(Span::raw(format!(
                "p50 {p50:.0}ms p95 {p95:.0}ms p99 {p99:.0}ms "
            )));
        }
        let failed = app.probes.iter().filter(|p| !is_ok(p.status)).count();
        if !app.probes.is_empty() {
            title.push(Span::styled(
                format!("{} ok {} failed ", app.probes.len() - failed, failed),
                theme::dim(),
            ));
        }
        // Routes the pinger leaves alone (a method that may change data, a templated path): counted
        // here, listed with their reasons in the notice when pinging started.
        if app.pinging && !app.ping_skipped.is_empty() {
            title.push(Span::styled(
                format!("{} skipped ", app.ping_skipped.len()),
                theme::dim(),
            ));
        }
        let block = Block::bordered()
            .title(Line::from(title))
            .border_style(theme::border(focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if app.probes.is_empty() {
            let text = if app.pinging {
                "waiting for the first response…"
            } else {
                "not pinging; press p to start"
            };
            Paragraph::new(Line::styled(text, theme::dim())).render(inner, buf);
            return;
        }
        let [chart_area, list_area] =
            Layout::horizontal([Constraint::Percentage(35), Constraint::Fill(1)]).areas(inner);
        LatencyChart { app }.render(chart_area, buf);
        // Two deployments answered (a canary release): each side's figures above the history.
        let sides = app.split.stats();
        let list_area = if sides.len() > 1 {
            let n = (sides.len() as u16).min(list_area.height / 2);
            let [top, rest] =
                Layout::vertical([Constraint::Length(n), Constraint::Fill(1)]).areas(list_area);
            for (row, side) in sides.iter().take(usize::from(n)).enumerate() {
                let s = &side.stats;
                let figures = match (s.p50_ms, s.p95_ms) {
                    (Some(p50), Some(p95)) => format!("p50 {p50:.0}ms p95 {p95:.0}ms"),
                    _ => "no latency yet".to_owned(),
                };
                Line::from(vec![
                    Span::styled(format!("{} ", side.deployment_id), theme::key()),
                    Span::raw(format!(
                        "{} probes, {:.0}% failed, {figures}",
                        s.probes,
                        side.error_rate()
                    )),
                ])
                .render(Rect::new(top.x, top.y + row as u16, top.width, 1), buf);
            }
            rest
        } else {
            list_area
        };
        History { app, focused }.render(list_area, buf);
    }
}

fn is_ok(status: Option<u16>) -> bool {
    matches!(status, Some(200..=299))
}

struct LatencyChart<'a> {
    app: &'a App,
}

impl Widget for LatencyChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // Braille gives two points per cell; show as many recent probes as fit.
        let n = usize::from(area.width.saturating_sub(6)) * 2;
        let recent: Vec<_> = self.app.probes.iter().rev().take(n.max(2)).rev().collect();
        let ok: Vec<(f64, f64)> = recent
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.latency_ms
                    .filter(|_| is_ok(p.status))
                    .map(|l| (i as f64, l))
            })
            .collect();
        let bad: Vec<(f64, f64)> = recent
            .iter()
            .enumerate()
            .filter(|(_, p)| !is_ok(p.status))
            .map(|(i, _)| (i as f64, 0.0))
            .collect();
        let max = ok.iter().map(|(_, y)| *y).fold(1.0_f64, f64::max) * 1.1;
        let datasets = vec![
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(theme::ACCENT))
                .data(&ok),
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme::status_code(None))
                .data(&bad),
        ];
        Chart::new(datasets)
            .x_axis(Axis::default().bounds([0.0, (recent.len().max(2) - 1) as f64]))
            .y_axis(
                Axis::default()
                    .bounds([0.0, max])
                    .labels([Line::from("0"), Line::from(format!("{max:.0}ms"))])
                    .style(theme::dim()),
            )
            .render(area, buf);
    }
}

struct History<'a> {
    app: &'a App,
    focused: bool,
}

impl Widget for History<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let height = usize::from(area.height);
        let sel = app.probe_selected;
        let offset = sel.map_or(0, |s| (s + 1).saturating_sub(height));
        for (row, (back, p)) in app
            .probes
            .iter()
            .rev()
            .enumerate()
            .skip(offset)
            .take(height)
            .enumerate()
        {
            let status = p.status.map_or("ERR".to_owned(), |s| s.to_string());
            let latency = p
                .latency_ms
                .map_or("    -".to_owned(), |l| format!("{l:>5.0}"));
            let mut spans = Vec::with_capacity(8);
            // The status, latency, metrics and body matter more than the clock (the details pane shows
            // the selected probe's time).
            if area.width >= 64 {
                spans.push(Span::styled(
                    format_clock(p.timestamp)[..8].to_owned(),
                    theme::dim(),
                ));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(
                format!("{status:>3}"),
                theme::status_code(p.status),
            ));
            spans.push(Span::raw(format!("{latency}ms ")));
            // During a canary release, which deployment answered.
            if app.split.sides() > 1
                && let Some(d) = &p.deployment_id
            {
                spans.push(Span::styled(format!("{d} "), theme::key()));
            }
            // With more than one route, say which one answered.
            if app.ping_targets.len() > 1 {
                spans.push(Span::styled(format!("{} ", p.route), theme::dim()));
            }
            if let Some(report) = p.request_id.as_ref().and_then(|id| app.reports.get(id)) {
                spans.push(Span::styled(format!("[{report}] "), theme::report()));
            }
            spans.push(Span::raw(p.summary.clone()));
            let mut line = Line::from(spans);
            if sel == Some(back) {
                line = line.style(if self.focused {
                    theme::selected()
                } else {
                    theme::correlated()
                });
            }
            let r = Rect::new(area.x, area.y + row as u16, area.width, 1);
            buf.set_style(r, line.style);
            line.render(r, buf);
        }
    }
}
