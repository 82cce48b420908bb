//! Overlays: the help listing every key, the redeploy confirmation with its diff, the rollback picker,
//! the stage picker, the diff between two stages and the promote confirmation.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::tree::drift_lines;
use crate::stack::stages::{StageDiff, diff_stages};
use crate::tui::app::{App, CanaryPrompt, StageChoice};
use crate::tui::command::{CANARY, COMPOSE, NORMAL, RESPONSE};
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

/// Words of `text` in lines of at most `width` columns (a longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// A column of (key, what) entries: the keys padded to the widest, each help wrapped under itself.
fn help_column(entries: &[(&str, String)], width: usize) -> Vec<Line<'static>> {
    let keys = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let room = width.saturating_sub(keys + 3).max(8);
    let mut lines = Vec::new();
    for (k, help) in entries {
        for (i, part) in wrap(help, room).into_iter().enumerate() {
            let key = if i == 0 { *k } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:keys$} "), Style::new().fg(theme::ACCENT)),
                Span::raw(part),
            ]));
        }
    }
    lines
}

impl Widget for Help {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let mut entries: Vec<(&str, String)> = NORMAL
            .iter()
            .filter(|b| b.listed())
            .map(|b| (b.keys, b.help.to_owned()))
            .collect();
        entries.push((
            "wheel",
            "scroll the tree, pings or logs under the mouse".to_owned(),
        ));
        // The composer's and the response pane's own keys, from their tables.
        let keys = |table: &[crate::tui::command::Binding]| {
            table
                .iter()
                .filter(|b| b.listed())
                .map(|b| format!("{} {}", b.keys, b.help))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let modes = [
            ("composer", keys(COMPOSE)),
            ("response", keys(RESPONSE)),
            ("canary", format!("0-9 percent · {}", keys(CANARY))),
        ];
        let note = " In pings, select a probe to highlight its log lines.";
        let width = 78.min(screen.width);
        let inner_width = usize::from(width.saturating_sub(2));
        let one = help_column(&entries, inner_width);
        let footer = help_column(&modes, inner_width);
        let room = usize::from(screen.height.saturating_sub(2));
        if one.len() + footer.len() <= room || screen.width < 60 {
            // One column fits: the note too when there is a line for it.
            let mut lines = one;
            lines.extend(footer);
            if lines.len() < room {
                lines.push(Line::styled(note, theme::dim()));
            }
            let area = popup(screen, width, lines.len() as u16 + 2);
            let inner = frame("keys", area, buf);
            Paragraph::new(lines).render(inner, buf);
            return;
        }
        // Two columns side by side, split where their heights are closest; the composer's and the
        // response pane's keys under both.
        let width = screen.width.min(100);
        let inner_width = usize::from(width.saturating_sub(2));
        let column = inner_width.saturating_sub(1) / 2;
        let (left, right) = (0..=entries.len())
            .map(|at| {
                (
                    help_column(&entries[..at], column),
                    help_column(&entries[at..], column),
                )
            })
            .min_by_key(|(l, r)| l.len().max(r.len()))
            .unwrap_or_default();
        let footer = help_column(&modes, inner_width);
        let rows = left.len().max(right.len());
        let mut height = rows + footer.len();
        let with_note = height < room;
        if with_note {
            height += 1;
        }
        let area = popup(screen, width, height as u16 + 2);
        let inner = frame("keys", area, buf);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(rows as u16), Constraint::Fill(1)]).areas(inner);
        let [l, r] =
            Layout::horizontal([Constraint::Length(column as u16 + 1), Constraint::Fill(1)])
                .areas(top);
        Paragraph::new(left).render(l, buf);
        Paragraph::new(right).render(r, buf);
        let mut lines = footer;
        if with_note {
            lines.push(Line::styled(note, theme::dim()));
        }
        Paragraph::new(lines).render(bottom, buf);
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

pub struct StagePicker<'a> {
    pub app: &'a App,
    pub choice: StageChoice,
    pub from: &'a str,
    pub selected: usize,
}

impl Widget for StagePicker<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let others = self.app.other_stages(self.from);
        let height = (others.len() as u16 + 4).min(screen.height.saturating_sub(2).max(6));
        let area = popup(screen, 70, height);
        let title = match self.choice {
            StageChoice::Diff => format!("diff stage {} with", self.from),
            StageChoice::Promote => format!("promote stage {} onto", self.from),
        };
        let inner = frame(&title, area, buf);
        let rows = usize::from(inner.height.saturating_sub(2));
        let offset = (self.selected + 1).saturating_sub(rows);
        let mut lines: Vec<Line> = others
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(|(i, name)| {
                // Each row says how far the other stage is from this one, as the diff would.
                let summary = self
                    .app
                    .stack
                    .as_ref()
                    .and_then(|s| match self.choice {
                        StageChoice::Diff => diff_stages(s, self.from, name).ok(),
                        // What `name` would serve differently once promoted onto.
                        StageChoice::Promote => diff_stages(s, name, self.from).ok(),
                    })
                    .map(|d| {
                        d.summary()
                            .split_once(": ")
                            .map_or(String::new(), |(_, rest)| rest.to_owned())
                    })
                    .unwrap_or_default();
                let line = Line::from(vec![
                    Span::styled(
                        format!("  {name:<16} "),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(summary, theme::dim()),
                ]);
                if i == self.selected {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect();
        lines.push(Line::raw(""));
        lines.push(Line::styled("Enter picks, Esc closes", theme::dim()));
        Paragraph::new(lines).render(inner, buf);
    }
}

/// The diff between two stages; with `promote` (from, to), the question whether to promote.
pub struct StageDiffView<'a> {
    pub diff: &'a StageDiff,
    pub promote: Option<(&'a str, &'a str)>,
}

impl Widget for StageDiffView<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let d = self.diff;
        let mut lines = Vec::new();
        if let Some((from, to)) = self.promote {
            lines.push(Line::from(vec![
                Span::raw("Point stage "),
                Span::styled(to.to_owned(), Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(format!(
                    " at deployment {} (the one {from} serves)?",
                    d.to_deployment.as_deref().unwrap_or("-")
                )),
            ]));
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(
            d.summary(),
            if d.unknown.is_some() {
                theme::warning()
            } else {
                Style::new().add_modifier(Modifier::BOLD)
            },
        ));
        for c in &d.changes {
            lines.push(Line::styled(format!(" {c}"), theme::diff(c.mark())));
        }
        for n in &d.not_comparable {
            lines.push(Line::styled(
                format!(" ? not comparable: {n}"),
                theme::warning(),
            ));
        }
        lines.push(Line::raw(""));
        lines.push(match self.promote {
            Some(_) => Line::from(vec![
                Span::styled(" y ", theme::key()),
                Span::raw(" promote   "),
                Span::styled(" n ", theme::key()),
                Span::raw(" cancel"),
            ]),
            None => Line::styled("any key closes", theme::dim()),
        });
        let area = popup(screen, 74, lines.len() as u16 + 2);
        let title = if self.promote.is_some() {
            "promote"
        } else {
            "diff"
        };
        let inner = frame(title, area, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

/// The canary prompt of a stage: what it serves, its canary if any, what the working API would bring,
/// the percent being typed.
pub struct CanaryDialog<'a> {
    pub app: &'a App,
    pub prompt: &'a CanaryPrompt,
}

impl Widget for CanaryDialog<'_> {
    fn render(self, screen: Rect, buf: &mut Buffer) {
        let p = self.prompt;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let stage = self.app.stage_info(&p.stage);
        let serves = stage
            .and_then(|s| s.deployment_id.clone())
            .unwrap_or_else(|| "no deployment".into());
        let mut lines = vec![Line::from(vec![
            Span::raw("Stage "),
            Span::styled(p.stage.clone(), bold),
            Span::raw(format!(" serves {serves}")),
        ])];
        match stage.and_then(|s| Some((s.canary_deployment_id.clone()?, s.canary_percent))) {
            Some((canary, percent)) => lines.push(Line::from(vec![
                Span::raw("canary "),
                Span::styled(canary, bold),
                Span::raw(format!(
                    " takes {} of its requests",
                    percent.map_or_else(|| "?".to_owned(), |p| p.to_string())
                )),
            ])),
            None => lines.push(Line::styled("no canary release", theme::dim())),
        }
        let drift = stage
            .and_then(|s| s.drift.as_ref())
            .map_or_else(|| "drift unknown".to_owned(), |d| d.summary());
        lines.push(Line::raw(format!("the working API against it: {drift}")));
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::raw("percent of its requests to a new canary: "),
            Span::styled(format!("{}▏", p.percent), theme::key()),
        ]));
        if let Some(e) = &p.error {
            lines.push(Line::styled(e.clone(), theme::error()));
        }
        lines.push(Line::styled(
            "Enter deploys the working API as the canary (replacing one there) · p promotes the \
             canary · x cancels it · Esc closes",
            theme::dim(),
        ));
        let area = popup(screen, 70, lines.len() as u16 + 3);
        let inner = frame(&format!("canary on stage {}", p.stage), area, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}
