//! Canary releases in the dashboard (`C` on a stage): a small prompt to deploy the working API as a
//! canary taking a percent of the stage's requests, to promote the canary, or to cancel it. The work is
//! the engine's (`stack::stages::deploy_canary`, `end_canary`), as `lambdeck canary` runs it.

use super::{ActivityKind, App, Effect, Overlay};
use crate::model::Percent;
use crate::tui::command::Command;
use crate::tui::view::Level;

/// What to do with a stage's canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryAction {
    /// Deploy the working API as a canary taking this percent of the stage's requests (replacing a
    /// canary the stage has).
    Deploy(Percent),
    /// Point the stage at its canary's deployment and end the canary.
    Promote,
    /// End the canary: the stage serves only what it served.
    Cancel,
}

/// The canary prompt's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryPrompt {
    pub stage: String,
    /// The percent as typed.
    pub percent: String,
    /// Why the last key did nothing.
    pub error: Option<String>,
}

impl CanaryPrompt {
    /// The typed percent, when it is one a canary can take.
    fn percent(&self) -> Result<f64, String> {
        match self.percent.trim().parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(p),
            _ => Err(format!(
                "a canary takes more than 0 and at most 100 percent (typed {:?})",
                self.percent
            )),
        }
    }
}

impl App {
    /// `C`: the canary prompt for the selected stage (else the configured one).
    pub(super) fn open_canary(&mut self) {
        if self.refuse_if_busy() {
            return;
        }
        let Some(stage) = self.selected_stage() else {
            self.notice(
                Level::Error,
                "the stack is not loaded yet; press R to refresh",
            );
            return;
        };
        let Some(current) = self.stage_info(&stage) else {
            self.notice(
                Level::Error,
                format!("stage {stage} does not exist: d deploys it before a canary can run on it"),
            );
            return;
        };
        let percent = current.canary_percent.map_or(10.0, |p| p.0);
        self.overlay = Overlay::Canary(CanaryPrompt {
            stage,
            percent: percent.to_string(),
            error: None,
        });
    }

    /// The stage of the API with this name, as the last load read it.
    pub fn stage_info(&self, name: &str) -> Option<&crate::model::Stage> {
        self.stack
            .as_ref()?
            .api
            .as_ref()?
            .stages
            .iter()
            .find(|s| s.name == name)
    }

    pub(super) fn canary_key(&mut self, c: Command) -> Vec<Effect> {
        let Overlay::Canary(prompt) = &mut self.overlay else {
            return vec![];
        };
        prompt.error = None;
        let action = match c {
            Command::Type(ch) if ch.is_ascii_digit() || ch == '.' => {
                if prompt.percent.len() < 8 {
                    prompt.percent.push(ch);
                }
                return vec![];
            }
            Command::Erase => {
                prompt.percent.pop();
                return vec![];
            }
            Command::Cancel => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "canary: nothing changed");
                return vec![];
            }
            Command::Accept => match prompt.percent() {
                Ok(p) => CanaryAction::Deploy(Percent(p)),
                Err(e) => {
                    prompt.error = Some(e);
                    return vec![];
                }
            },
            Command::Promote => CanaryAction::Promote,
            Command::DropCanary => CanaryAction::Cancel,
            _ => return vec![],
        };
        let stage = prompt.stage.clone();
        let has_canary = self
            .stage_info(&stage)
            .is_some_and(|s| s.canary_deployment_id.is_some());
        if !matches!(action, CanaryAction::Deploy(_)) && !has_canary {
            if let Overlay::Canary(prompt) = &mut self.overlay {
                prompt.error = Some(format!("stage {stage} has no canary release"));
            }
            return vec![];
        }
        let Some(stack) = self.stack.clone() else {
            return vec![];
        };
        self.overlay = Overlay::None;
        let step = match action {
            CanaryAction::Deploy(p) => format!("deploying a {p} canary on stage {stage}"),
            CanaryAction::Promote => format!("promoting the canary of stage {stage}"),
            CanaryAction::Cancel => format!("cancelling the canary of stage {stage}"),
        };
        let generation = self.begin(ActivityKind::Canary, &step);
        vec![Effect::Canary {
            generation,
            stack: Box::new(stack),
            stage,
            action,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::Drift;
    use crate::tui::fixtures;
    use crate::tui::msg::Msg;

    fn key(a: &mut App, c: Command) -> Vec<Effect> {
        a.update(Msg::Command(c))
    }

    fn with_canary(a: &mut App) {
        let stage = &mut a.stack.as_mut().unwrap().api.as_mut().unwrap().stages[0];
        stage.canary_deployment_id = Some("d3".into());
        stage.canary_percent = Some(Percent(50.0));
    }

    #[test]
    fn c_opens_the_prompt_and_enter_deploys_a_canary_at_the_typed_percent() {
        let mut a = fixtures::loaded(Drift::InSync);
        key(&mut a, Command::Canary);
        let Overlay::Canary(p) = &a.overlay else {
            panic!("C opens the canary prompt: {:?}", a.overlay);
        };
        assert_eq!((p.stage.as_str(), p.percent.as_str()), ("tf-test", "10"));
        key(&mut a, Command::Erase);
        key(&mut a, Command::Erase);
        // Nothing typed is no percent: said, nothing sent.
        assert!(key(&mut a, Command::Accept).is_empty());
        let Overlay::Canary(p) = &a.overlay else {
            panic!("the prompt stays open");
        };
        assert!(p.error.as_deref().unwrap().contains("at most 100"));
        for c in "25".chars() {
            key(&mut a, Command::Type(c));
        }
        let effects = key(&mut a, Command::Accept);
        let [
            Effect::Canary {
                stage,
                action: CanaryAction::Deploy(p),
                ..
            },
        ] = &effects[..]
        else {
            panic!("Enter deploys the canary: {effects:?}");
        };
        assert_eq!((stage.as_str(), *p), ("tf-test", Percent(25.0)));
        assert_eq!(a.overlay, Overlay::None);
        assert_eq!(a.activity.as_ref().unwrap().kind, ActivityKind::Canary);
    }

    #[test]
    fn promote_and_cancel_need_a_canary_and_esc_changes_nothing() {
        let mut a = fixtures::loaded(Drift::InSync);
        key(&mut a, Command::Canary);
        assert!(key(&mut a, Command::Promote).is_empty());
        let Overlay::Canary(p) = &a.overlay else {
            panic!("the prompt stays open");
        };
        assert_eq!(
            p.error.as_deref(),
            Some("stage tf-test has no canary release")
        );
        key(&mut a, Command::Cancel);
        assert_eq!(a.overlay, Overlay::None);

        with_canary(&mut a);
        key(&mut a, Command::Canary);
        let Overlay::Canary(p) = &a.overlay else {
            panic!("C opens the canary prompt");
        };
        assert_eq!(
            p.percent, "50",
            "the canary's percent is the starting value"
        );
        let effects = key(&mut a, Command::DropCanary);
        assert!(
            matches!(
                &effects[..],
                [Effect::Canary {
                    action: CanaryAction::Cancel,
                    ..
                }]
            ),
            "{effects:?}"
        );
    }

    #[test]
    fn the_tree_shows_the_canary_and_its_percent() {
        let mut a = fixtures::loaded(Drift::InSync);
        with_canary(&mut a);
        let nodes = crate::tui::tree::nodes(a.stack.as_ref().unwrap());
        let stage = nodes.iter().find(|n| n.key == "api/stage/tf-test").unwrap();
        assert!(
            stage
                .details
                .iter()
                .any(|(k, v)| k == "canary" && v == "d3 (50% of its requests)"),
            "{:?}",
            stage.details
        );
        let canary = nodes
            .iter()
            .find(|n| n.key == "api/stage/tf-test/canary")
            .unwrap();
        assert_eq!(
            (canary.label.as_str(), canary.badge.as_str()),
            ("canary d3", "50%")
        );
    }
}
