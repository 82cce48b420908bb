//! Watch in the dashboard (`w`): the watch engine `lambdeck watch` runs (`crate::watch`), its events
//! worded for the header and, after a failed build, the compiler's errors for the errors pane. Turning
//! it off (or on again) bumps the generation, so a late event of the old watch is dropped.

use super::{App, Effect};
use crate::build::{BuildEvent, Level as BuildLevel, UploadReport};
use crate::tui::view::Level;
use crate::watch::WatchEvent;

/// What the watch is doing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchPhase {
    /// Asked for; the engine has not said it watches yet.
    Starting,
    /// Waiting for a save.
    Idle,
    /// A round runs: building (with the compiled/total units when cargo said), then uploading.
    Building { progress: Option<(u64, u64)> },
}

/// The dashboard's view of a running watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchView {
    pub generation: u64,
    pub phase: WatchPhase,
    /// The cargo profile it builds with, once the engine said.
    pub profile: Option<String>,
    /// How the last round ended ("uploaded …", "unchanged …", "build failed"), for the header.
    pub last: Option<String>,
    /// The last round failed: the compiler's errors as rustc renders them (or the failure's one line).
    /// Shown in the errors pane until a round succeeds.
    pub errors: Vec<String>,
    /// The errors of the round running now, moved to `errors` if it fails.
    round_errors: Vec<String>,
}

impl WatchView {
    fn new(generation: u64) -> Self {
        Self {
            generation,
            phase: WatchPhase::Starting,
            profile: None,
            last: None,
            errors: Vec::new(),
            round_errors: Vec::new(),
        }
    }

    /// The header's words for it: "watching (dev)", "watch: building 3/7", "watch: build failed".
    pub fn status(&self) -> String {
        match &self.phase {
            WatchPhase::Starting => "watch: starting".to_owned(),
            WatchPhase::Building {
                progress: Some((done, total)),
            } => format!("watch: building {done}/{total}"),
            WatchPhase::Building { progress: None } => "watch: building".to_owned(),
            WatchPhase::Idle if !self.errors.is_empty() => "watch: build failed".to_owned(),
            WatchPhase::Idle => match &self.profile {
                Some(p) => format!("watching ({p})"),
                None => "watching".to_owned(),
            },
        }
    }
}

impl App {
    /// `w`: start watching the function crate, or stop.
    pub(super) fn toggle_watch(&mut self) -> Vec<Effect> {
        self.watch_generation += 1;
        if self.watch.take().is_some() {
            self.notice(Level::Info, "watch stopped");
            return vec![Effect::StopWatch];
        }
        let generation = self.watch_generation;
        self.watch = Some(WatchView::new(generation));
        self.notice(
            Level::Info,
            "watch on: every save under the function crate rebuilds; w stops",
        );
        vec![Effect::StartWatch { generation }]
    }

    /// An event of the running watch.
    pub(super) fn watch_event(&mut self, generation: u64, event: WatchEvent) -> Vec<Effect> {
        let function = self
            .stack
            .as_ref()
            .map(|s| s.names.function.clone())
            .unwrap_or_else(|| "the function".to_owned());
        let Some(w) = self.watch.as_mut().filter(|w| w.generation == generation) else {
            return vec![]; // a watch turned off since
        };
        let mut effects = vec![];
        match event {
            WatchEvent::Watching { profile, .. } => {
                w.profile = Some(profile);
                if w.phase == WatchPhase::Starting {
                    w.phase = WatchPhase::Idle;
                }
            }
            WatchEvent::Changed { .. } | WatchEvent::Restarted => {
                w.phase = WatchPhase::Building { progress: None };
            }
            WatchEvent::Build(BuildEvent::Started { .. }) => {
                w.phase = WatchPhase::Building { progress: None };
                w.round_errors.clear();
            }
            WatchEvent::Build(BuildEvent::Progress {
                compiled, total, ..
            }) => {
                w.phase = WatchPhase::Building {
                    progress: Some((compiled as u64, total as u64)),
                };
            }
            WatchEvent::Build(BuildEvent::Diagnostic(d)) => {
                if d.level == BuildLevel::Error {
                    let text = if d.rendered.trim().is_empty() {
                        d.headline()
                    } else {
                        d.rendered.trim_end().to_owned()
                    };
                    w.round_errors.push(text);
                }
            }
            WatchEvent::Build(_) => {}
            WatchEvent::Uploaded(report) => {
                w.errors.clear();
                w.round_errors.clear();
                let (text, updated) = match report {
                    UploadReport::Skipped { sha, .. } => (
                        format!("watch: unchanged, {function} already runs {sha}"),
                        false,
                    ),
                    UploadReport::Updated { new_sha, .. } => (
                        format!("watch: uploaded, {function} now runs {new_sha}"),
                        true,
                    ),
                };
                w.last = Some(text);
                if updated {
                    // The tree shows the function's new code once it is read again.
                    effects.push(self.refresh());
                }
            }
            WatchEvent::Failed { reason } => {
                w.errors = if w.round_errors.is_empty() {
                    vec![reason.clone()]
                } else {
                    std::mem::take(&mut w.round_errors)
                };
                w.phase = WatchPhase::Idle;
                w.last = Some("watch: build failed; fix and save, watch goes on".to_owned());
                self.notice(Level::Error, format!("watch: {reason}; still watching"));
                return effects;
            }
            WatchEvent::Idle {
                elapsed_ms,
                initial,
            } => {
                w.phase = WatchPhase::Idle;
                if w.errors.is_empty()
                    && let Some(last) = w.last.take()
                {
                    let text = if initial {
                        format!("{last} (first build, {elapsed_ms} ms)")
                    } else {
                        format!("{last} ({elapsed_ms} ms after the change)")
                    };
                    w.last = Some(text.clone());
                    self.notice(Level::Success, text);
                }
            }
        }
        effects
    }

    /// The watch could not start or ended on its own: it is off, and the line says why.
    pub(super) fn watch_ended(&mut self, generation: u64, error: String) {
        if self
            .watch
            .as_ref()
            .is_some_and(|w| w.generation == generation)
        {
            self.watch = None;
            self.notice(Level::Error, format!("watch stopped: {error}"));
        }
    }

    /// The compiler errors of the last failed watch round, if any.
    pub fn watch_errors(&self) -> Option<&[String]> {
        self.watch
            .as_ref()
            .map(|w| w.errors.as_slice())
            .filter(|e| !e.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::Diagnostic;
    use crate::tui::command::Command;
    use crate::tui::msg::Msg;

    fn app() -> App {
        App::new("t", std::time::Instant::now())
    }

    fn start(a: &mut App) -> u64 {
        let effects = a.update(Msg::Command(Command::Watch));
        let [Effect::StartWatch { generation }] = effects[..] else {
            panic!("w starts the watch: {effects:?}");
        };
        generation
    }

    fn error(rendered: &str) -> WatchEvent {
        WatchEvent::Build(BuildEvent::Diagnostic(Diagnostic {
            level: BuildLevel::Error,
            message: "expected `;`".into(),
            code: None,
            file: Some("src/lib.rs".into()),
            line: Some(3),
            column: Some(1),
            rendered: rendered.into(),
        }))
    }

    #[test]
    fn w_starts_and_stops_the_watch_and_a_late_event_of_the_old_one_is_dropped() {
        let mut a = app();
        let old = start(&mut a);
        assert_eq!(
            a.watch.as_ref().map(WatchView::status).unwrap(),
            "watch: starting"
        );
        a.update(Msg::Watch {
            generation: old,
            event: WatchEvent::Watching {
                dir: "fn".into(),
                profile: "dev".into(),
            },
        });
        assert_eq!(a.watch.as_ref().unwrap().status(), "watching (dev)");
        assert_eq!(
            a.update(Msg::Command(Command::Watch)),
            vec![Effect::StopWatch]
        );
        assert!(a.watch.is_none());
        let new = start(&mut a);
        assert_ne!(old, new);
        a.update(Msg::Watch {
            generation: old,
            event: WatchEvent::Changed { paths: vec![] },
        });
        assert_eq!(a.watch.as_ref().unwrap().phase, WatchPhase::Starting);
    }

    #[test]
    fn a_failed_build_shows_its_errors_and_the_watch_stays_on_until_a_good_build_clears_them() {
        let mut a = app();
        let g = start(&mut a);
        let send = |a: &mut App, event| {
            a.update(Msg::Watch {
                generation: g,
                event,
            })
        };
        send(&mut a, WatchEvent::Changed { paths: vec![] });
        send(
            &mut a,
            WatchEvent::Build(BuildEvent::Started {
                toolchain: crate::build::Toolchain::Cargo,
                command: "cargo build".into(),
            }),
        );
        send(&mut a, error("error: expected `;`\n --> src/lib.rs:3:1\n"));
        send(
            &mut a,
            WatchEvent::Failed {
                reason: "cargo failed".into(),
            },
        );
        send(
            &mut a,
            WatchEvent::Idle {
                elapsed_ms: 900,
                initial: false,
            },
        );
        assert!(a.watch.is_some(), "the watch stays on");
        assert_eq!(
            a.watch_errors().unwrap(),
            ["error: expected `;`\n --> src/lib.rs:3:1"]
        );
        assert_eq!(a.watch.as_ref().unwrap().status(), "watch: build failed");

        // The fix: built and uploaded; the errors go and the stack is read again.
        send(&mut a, WatchEvent::Changed { paths: vec![] });
        let effects = send(
            &mut a,
            WatchEvent::Uploaded(UploadReport::Updated {
                old_sha: "a".into(),
                new_sha: "b".into(),
                version: None,
            }),
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::LoadStack { .. })),
            "{effects:?}"
        );
        send(
            &mut a,
            WatchEvent::Idle {
                elapsed_ms: 1200,
                initial: false,
            },
        );
        assert!(a.watch_errors().is_none());
        let notice = a.notice.as_ref().unwrap().text.clone();
        assert!(
            notice.contains("now runs b (1200 ms after the change)"),
            "{notice}"
        );
    }

    #[test]
    fn the_first_round_is_not_timed_from_a_change() {
        let mut a = app();
        let g = start(&mut a);
        let send = |a: &mut App, event| {
            a.update(Msg::Watch {
                generation: g,
                event,
            })
        };
        // Watching starts on code the function does not run yet (another profile): the first round
        // uploads it, though nothing was saved.
        send(
            &mut a,
            WatchEvent::Uploaded(UploadReport::Updated {
                old_sha: "a".into(),
                new_sha: "b".into(),
                version: None,
            }),
        );
        send(
            &mut a,
            WatchEvent::Idle {
                elapsed_ms: 4300,
                initial: true,
            },
        );
        let notice = a.notice.as_ref().unwrap().text.clone();
        assert!(
            notice.contains("now runs b (first build, 4300 ms)"),
            "{notice}"
        );
        assert!(!notice.contains("after the change"), "{notice}");
    }

    #[test]
    fn a_watch_that_cannot_start_is_off_and_says_why() {
        let mut a = app();
        let g = start(&mut a);
        a.update(Msg::WatchEnded {
            generation: g,
            error: "cannot watch fn: gone".into(),
        });
        assert!(a.watch.is_none());
        assert!(a.notice.as_ref().unwrap().text.contains("cannot watch fn"));
    }
}
