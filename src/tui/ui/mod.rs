//! Rendering: a pure function of `App`. One layout function is shared by drawing and by mouse hit-testing.

mod compose;
mod dialogs;
mod header;
mod logs;
mod pings;
mod status;
mod tree;

pub use compose::response_max_scroll;
pub use logs::LogPane;
pub use pings::{PingPane, percentiles};
pub use tree::{DetailsPane, TreePane};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};

use super::app::{App, Overlay};
use super::view::Pane;

/// Where each pane goes for a given screen size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub tree: Rect,
    pub details: Rect,
    pub pings: Rect,
    pub logs: Rect,
    pub activity: Rect,
    pub keys: Rect,
}

/// Top: the tree beside details over pings; below: the logs; two lines of status at the bottom.
pub fn layout(area: Rect) -> Areas {
    let [header, body, activity, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [top, logs] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
    // The tree needs about 38 columns for "stage tf-test STALE: 2 changes" under its API; on a wide
    // screen it takes 38% (a narrow one gives it those columns, up to half the width).
    let tree_width = (area.width * 38 / 100).max(38.min(area.width / 2));
    let [tree, right] =
        Layout::horizontal([Constraint::Length(tree_width), Constraint::Fill(1)]).areas(top);
    let [details, pings] =
        Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(right);
    Areas {
        header,
        tree,
        details,
        pings,
        logs,
        activity,
        keys,
    }
}

/// The scrollable pane under a screen position, for the mouse wheel.
pub fn pane_at(area: Rect, column: u16, row: u16) -> Option<Pane> {
    let a = layout(area);
    let p = Position::new(column, row);
    if a.tree.contains(p) {
        Some(Pane::Tree)
    } else if a.pings.contains(p) {
        Some(Pane::Pings)
    } else if a.logs.contains(p) {
        Some(Pane::Logs)
    } else {
        None
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let a = layout(frame.area());
    let buf = frame.buffer_mut();
    use ratatui::widgets::Widget;
    header::Header { app }.render(a.header, buf);
    TreePane { app }.render(a.tree, buf);
    DetailsPane { app }.render(a.details, buf);
    PingPane { app }.render(a.pings, buf);
    match app.watch_errors() {
        // While the last watch build failed, its errors take the log pane's place: nothing new runs.
        Some(errors) => logs::BuildErrorsPane { errors }.render(a.logs, buf),
        None => LogPane { app }.render(a.logs, buf),
    }
    status::ActivityLine { app }.render(a.activity, buf);
    status::KeysLine { app }.render(a.keys, buf);
    let screen = frame.area();
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => dialogs::Help.render(screen, frame.buffer_mut()),
        Overlay::ConfirmDeploy => dialogs::ConfirmDeploy { app }.render(screen, frame.buffer_mut()),
        Overlay::ConfirmBuild => dialogs::ConfirmBuild { app }.render(screen, frame.buffer_mut()),
        Overlay::Rollback { selected } => dialogs::RollbackPicker {
            app,
            selected: *selected,
        }
        .render(screen, frame.buffer_mut()),
        Overlay::Composer => {
            if let Some(composer) = &app.composer {
                compose::ComposerDialog { app, composer }.render(screen, frame.buffer_mut());
            }
        }
        Overlay::ConfirmSend => compose::ConfirmSend { app }.render(screen, frame.buffer_mut()),
        Overlay::Response => compose::ResponsePane { app }.render(screen, frame.buffer_mut()),
        Overlay::StagePicker {
            choice,
            from,
            selected,
        } => dialogs::StagePicker {
            app,
            choice: *choice,
            from,
            selected: *selected,
        }
        .render(screen, frame.buffer_mut()),
        Overlay::StageDiff(diff) => dialogs::StageDiffView {
            diff,
            promote: None,
        }
        .render(screen, frame.buffer_mut()),
        Overlay::Canary(prompt) => {
            dialogs::CanaryDialog { app, prompt }.render(screen, frame.buffer_mut())
        }
        Overlay::ConfirmPromote { from, to, diff } => dialogs::StageDiffView {
            diff,
            promote: Some((from, to)),
        }
        .render(screen, frame.buffer_mut()),
    }
}

/// "1.2s", "1m05s": elapsed time for spinners.
pub fn format_elapsed(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}.{}s", secs, d.subsec_millis() / 100)
    }
}

/// Milliseconds since the epoch as HH:MM:SS.mmm (UTC).
pub fn format_clock(ms: i64) -> String {
    let day = ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day / 3_600_000,
        day / 60_000 % 60,
        day / 1000 % 60,
        day % 1000
    )
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for an elapsed time (100 ms per frame), so drawing stays a function of state.
pub fn spinner(d: std::time::Duration) -> &'static str {
    SPINNER[(d.as_millis() / 100) as usize % SPINNER.len()]
}
