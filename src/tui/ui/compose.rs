//! The request composer, the question before a request that may change data, and the response pane
//! (a test invoke's answer and execution log, or a stage response and its Lambda log lines).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::{format_clock, format_elapsed, spinner};
use crate::tui::app::App;
use crate::tui::command::{Binding, COMPOSE, RESPONSE};
use crate::tui::compose::{Composer, FIELDS, SendTo};
use crate::tui::msg::Answer;
use crate::tui::theme;

fn popup(screen: Rect, width: u16, height: u16) -> Rect {
    screen.centered(
        Constraint::Length(width.min(screen.width)),
        Constraint::Length(height.min(screen.height)),
    )
}

fn frame(title: Line<'_>, area: Rect, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .title(title)
        .border_style(theme::border(true));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// "Enter send  Tab next field  …": a table's listed keys, on one line.
pub fn keys_line(table: &[Binding]) -> Line<'static> {
    let mut spans = Vec::new();
    for b in table.iter().filter(|b| b.listed()) {
        spans.push(Span::styled(b.keys, theme::key_hint()));
        spans.push(Span::raw(format!(" {}  ", b.help)));
    }
    Line::from(spans)
}

fn stage_name(app: &App) -> String {
    app.stack.as_ref().map_or_else(
        || "the stage".to_owned(),
        |s| format!("stage {}", s.names.stage),
    )
}

fn destination(app: &App, to: SendTo) -> String {
    match to {
        SendTo::Stage => format!("to {}", stage_name(app)),
        SendTo::WorkingApi => "test invoke on the working API (not deployed)".to_owned(),
    }
}

pub struct ComposerDialog<'a> {
    pub app: &'a App,
    pub composer: &'a Composer,
}

impl Widget for ComposerDialog<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let (app, c) = (self.app, self.composer);
        let mut lines = Vec::new();
        for (i, name) in FIELDS.iter().enumerate() {
            let focused = i == c.field;
            let value = &c.fields[i];
            let mut spans = vec![Span::styled(
                format!(" {name:>8} "),
                if focused { theme::key() } else { theme::dim() },
            )];
            spans.push(Span::raw(value.clone()));
            if focused {
                spans.push(Span::styled("▏", theme::key()));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::styled(
            "          query a=1&b=2 · headers name: value; name: value · body text or @file",
            theme::dim(),
        ));
        lines.push(Line::raw(""));
        let saved: Vec<&str> = app.saved_requests.iter().map(|(n, _)| n.as_str()).collect();
        let mut recall = vec![Span::styled(
            format!(
                " ↑↓ recall: {} sent, saved: {}",
                app.history.len(),
                if saved.is_empty() {
                    "none".to_owned()
                } else {
                    saved.join(", ")
                }
            ),
            theme::dim(),
        )];
        if let Some(label) = &c.recalled {
            recall.push(Span::styled(format!("  (showing {label})"), theme::key()));
        }
        lines.push(Line::from(recall));
        match &c.error {
            Some(e) => lines.push(Line::styled(format!(" {e}"), theme::error())),
            None => lines.push(Line::raw("")),
        }
        lines.push(keys_line(COMPOSE));
        let title = Line::from(vec![
            Span::styled(" request ", theme::title(true)),
            Span::styled(format!("{} ", destination(app, c.to)), theme::dim()),
        ]);
        let area = popup(screen, 84, lines.len() as u16 + 2);
        let inner = frame(title, area, buf);
        Paragraph::new(lines).render(inner, buf);
    }
}

pub struct ConfirmSend<'a> {
    pub app: &'a App,
}

impl Widget for ConfirmSend<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let request = self.app.composer.as_ref().and_then(|c| c.request().ok());
        let (method, target) = request.as_ref().map_or_else(
            || ("the request".to_owned(), String::new()),
            |r| (r.method.clone(), r.path_with_query()),
        );
        let lines = vec![
            Line::from(vec![
                Span::raw("Send "),
                Span::styled(
                    format!("{method} {target}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(" to {}?", stage_name(self.app))),
            ]),
            Line::raw(""),
            Line::raw(format!(
                "{method} may change data: only GET, HEAD and OPTIONS are sent unasked."
            )),
            Line::raw(""),
            Line::from(vec![
                Span::styled(" y ", theme::key()),
                Span::raw(" send   "),
                Span::styled(" n ", theme::key()),
                Span::raw(" back to the composer"),
            ]),
        ];
        let area = popup(screen, 72, lines.len() as u16 + 2);
        let inner = frame(Line::styled(" send? ", theme::title(true)), area, buf);
        Paragraph::new(lines).render(inner, buf);
    }
}

pub struct ResponsePane<'a> {
    pub app: &'a App,
}

impl ResponsePane<'_> {
    /// Every line of the pane, before scrolling.
    fn lines(&self) -> Vec<Line<'static>> {
        let app = self.app;
        let Some(x) = &app.exchange else {
            return vec![Line::styled("nothing sent yet", theme::dim())];
        };
        let mut lines = Vec::new();
        let answer = match &x.answer {
            None => {
                let elapsed = app.elapsed(x.started);
                let what = match x.to {
                    SendTo::Stage => "sending",
                    SendTo::WorkingApi => "running TestInvokeMethod",
                };
                lines.push(Line::raw(format!(
                    "{} {what} {}",
                    spinner(elapsed),
                    format_elapsed(elapsed)
                )));
                return lines;
            }
            Some(Err(e)) => {
                lines.push(Line::styled(format!("failed: {e}"), theme::error()));
                return lines;
            }
            Some(Ok(answer)) => answer,
        };
        let status_line = |status: u16, latency: String| {
            Line::from(vec![
                Span::styled(
                    format!("{status}"),
                    theme::status_code(Some(status)).add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(" in {latency}")),
            ])
        };
        let push_body = |lines: &mut Vec<Line<'static>>, body: &str| {
            if body.is_empty() {
                lines.push(Line::styled("(empty body)", theme::dim()));
            }
            for l in body.lines() {
                lines.push(Line::raw(l.to_owned()));
            }
        };
        match answer {
            Answer::Tested(t) => {
                lines.push(status_line(
                    t.status,
                    format!("{} ms (API Gateway's figure)", t.latency_ms),
                ));
                for (k, v) in &t.headers {
                    lines.push(Line::styled(format!("{k}: {v}"), theme::dim()));
                }
                lines.push(Line::raw(""));
                push_body(&mut lines, &t.body);
                lines.push(Line::raw(""));
                lines.push(Line::styled("execution log", theme::title(true)));
                for l in &t.log {
                    lines.push(Line::raw(l.clone()));
                }
            }
            Answer::Sent(r) => {
                lines.push(status_line(r.status, format!("{:.1} ms", r.latency_ms)));
                for (k, v) in &r.headers {
                    lines.push(Line::styled(format!("{k}: {v}"), theme::dim()));
                }
                lines.push(Line::raw(""));
                push_body(&mut lines, &r.body);
                lines.push(Line::raw(""));
                let log = x.log.as_ref();
                match log.and_then(|l| l.lambda_request_id()) {
                    Some(id) => lines.push(Line::styled(
                        format!("log lines of Lambda request {id}"),
                        theme::title(true),
                    )),
                    None if !r.reached_lambda() => lines.push(Line::styled(
                        "no log lines: API Gateway answered without calling the function",
                        theme::dim(),
                    )),
                    None => lines.push(Line::styled(
                        "waiting for the function's log line that names this request…",
                        theme::dim(),
                    )),
                }
                for e in log.map(|l| l.lines()).unwrap_or_default() {
                    lines.push(Line::from(vec![
                        Span::styled(format!("{} ", format_clock(e.timestamp)), theme::dim()),
                        // Tabs as the log pane shows them (a terminal cell cannot hold one).
                        Span::raw(e.message.trim_end().replace('\t', "  ")),
                    ]));
                }
                if log.is_some_and(|l| l.lambda_request_id().is_some() && !l.is_complete()) {
                    lines.push(Line::styled("waiting for its REPORT line…", theme::dim()));
                }
            }
        }
        lines
    }
}

/// The lines of the response pane on this screen: its text area's rows (the popup's inner height, less
/// the keys line).
fn response_rows(screen: Rect) -> usize {
    let height = screen.height.saturating_sub(2).max(6).min(screen.height);
    usize::from(height.saturating_sub(3))
}

/// How far the response pane scrolls on this screen: to where its last line is at the bottom.
pub fn response_max_scroll(app: &App, screen: Rect) -> usize {
    ResponsePane { app }
        .lines()
        .len()
        .saturating_sub(response_rows(screen))
}

impl Widget for ResponsePane<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let app = self.app;
        let title = match &app.exchange {
            Some(x) => Line::from(vec![
                Span::styled(
                    format!(" {} {} ", x.request.method, x.request.path_with_query()),
                    theme::title(true),
                ),
                Span::styled(format!("{} ", destination(app, x.to)), theme::dim()),
            ]),
            None => Line::styled(" response ", theme::title(true)),
        };
        let width = screen.width.saturating_sub(4).max(20);
        let height = screen.height.saturating_sub(2).max(6);
        let area = popup(screen, width, height);
        let inner = frame(title, area, buf);
        let lines = self.lines();
        let rows = response_rows(screen);
        let scroll = app
            .exchange
            .as_ref()
            .map_or(0, |x| x.scroll)
            .min(lines.len().saturating_sub(rows));
        let shown: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
        let [body, keys] =
            ratatui::layout::Layout::vertical([Constraint::Fill(1), Constraint::Length(1)])
                .areas(inner);
        Paragraph::new(shown).render(body, buf);
        keys_line(RESPONSE).render(keys, buf);
    }
}
