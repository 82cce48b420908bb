//! Every stage in the dashboard: pick the other stage for a diff or a promote, show the diff, ask y/n
//! before a promote. The diff is the engine's (`stack::stages`), from the stack the app holds.

use super::{ActivityKind, App, Effect, Overlay};
use crate::stack::stages::{diff_stages, promote_check};
use crate::tui::command::Command;
use crate::tui::view::Level;

/// What the stage picker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageChoice {
    Diff,
    Promote,
}

impl App {
    /// The stage the selection is on (the stage node or its deployment), else the configured stage.
    pub fn selected_stage(&self) -> Option<String> {
        let from_node = self.selected_node().and_then(|n| {
            n.key
                .strip_prefix("api/stage/")
                .and_then(|rest| rest.split('/').next())
                .map(ToOwned::to_owned)
        });
        from_node.or_else(|| self.stack.as_ref().map(|s| s.names.stage.clone()))
    }

    /// The stages a picker for `from` offers: every other stage of the API, by name.
    pub fn other_stages(&self, from: &str) -> Vec<String> {
        self.stack
            .as_ref()
            .and_then(|s| s.api.as_ref())
            .map(|a| {
                a.stages
                    .iter()
                    .filter(|s| s.name != from)
                    .map(|s| s.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn open_stage_picker(&mut self, choice: StageChoice) {
        if choice == StageChoice::Promote && self.refuse_if_busy() {
            return;
        }
        let Some(from) = self.selected_stage() else {
            self.notice(
                Level::Error,
                "the stack is not loaded yet; press R to refresh",
            );
            return;
        };
        if self.other_stages(&from).is_empty() {
            self.notice(
                Level::Warning,
                format!("stage {from} is the API's only stage: nothing to compare it with"),
            );
            return;
        }
        self.overlay = Overlay::StagePicker {
            choice,
            from,
            selected: 0,
        };
    }

    pub(super) fn stage_picker_key(&mut self, c: Command) -> Vec<Effect> {
        let Overlay::StagePicker {
            choice,
            from,
            selected,
        } = self.overlay.clone()
        else {
            return vec![];
        };
        let others = self.other_stages(&from);
        let moved = |selected: usize| Overlay::StagePicker {
            choice,
            from: from.clone(),
            selected,
        };
        match c {
            Command::Up => self.overlay = moved(selected.saturating_sub(1)),
            Command::Down => {
                self.overlay = moved((selected + 1).min(others.len().saturating_sub(1)));
            }
            Command::Accept => {
                self.overlay = Overlay::None;
                let (Some(to), Some(stack)) = (others.get(selected), self.stack.as_ref()) else {
                    return vec![];
                };
                let result = match choice {
                    StageChoice::Diff => {
                        diff_stages(stack, &from, to).map(|d| Overlay::StageDiff(Box::new(d)))
                    }
                    // What `to` would serve differently once it serves `from`'s deployment.
                    StageChoice::Promote => promote_check(stack, &from, to)
                        .and_then(|_| diff_stages(stack, to, &from))
                        .map(|d| Overlay::ConfirmPromote {
                            from: from.clone(),
                            to: to.clone(),
                            diff: Box::new(d),
                        }),
                };
                match result {
                    Ok(overlay) => self.overlay = overlay,
                    Err(e) => self.notice(Level::Warning, e.to_string()),
                }
            }
            Command::Cancel => self.overlay = Overlay::None,
            _ => {}
        }
        vec![]
    }

    pub(super) fn confirm_promote_key(&mut self, c: Command) -> Vec<Effect> {
        let Overlay::ConfirmPromote { from, to, .. } = self.overlay.clone() else {
            return vec![];
        };
        match c {
            Command::Accept => {
                self.overlay = Overlay::None;
                let Some(stack) = self.stack.clone() else {
                    return vec![];
                };
                let generation = self.begin(
                    ActivityKind::Promote,
                    &format!("pointing stage {to} at {from}'s deployment"),
                );
                vec![Effect::Promote {
                    generation,
                    stack: Box::new(stack),
                    from,
                    to,
                }]
            }
            Command::Cancel => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "promote cancelled; nothing changed");
                vec![]
            }
            _ => vec![],
        }
    }
}
