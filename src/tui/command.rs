//! The keymap: keys become `Command`s (small, Copy, bindable); the help overlay and the status bar are
//! drawn from the same table, so what is listed is what is bound.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something the user asked for. Carries no data beyond a typed character, so it can be bound, listed and
/// tested without any I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Expand,
    Collapse,
    Toggle,
    NextPane,
    PrevPane,
    Build,
    Deploy,
    Rollback,
    /// Diff the selected stage with another (picked).
    Diff,
    /// Point another stage (picked) at the deployment the selected stage serves.
    Promote,
    Ping,
    /// Test the selected method on the working API (TestInvokeMethod).
    Test,
    /// Open the request composer.
    Compose,
    /// The canary prompt of the selected stage.
    Canary,
    /// In the canary prompt: end the canary (the stage serves only what it served).
    DropCanary,
    /// Start or stop watching the function crate (rebuild and upload on save).
    Watch,
    Filter,
    Follow,
    Clear,
    Refresh,
    Help,
    Quit,
    /// Yes in a confirmation, Enter in a picker or in the filter prompt.
    Accept,
    /// No / Esc: closes whatever is open.
    Cancel,
    /// A character typed into the filter prompt or the composer.
    Type(char),
    /// Backspace in the filter prompt or the composer.
    Erase,
}

/// What the keyboard means right now: the app tells the keymap which of these is on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    Confirm,
    Picker,
    FilterInput,
    /// The request composer: letters are text.
    Compose,
    /// The response pane of a test invoke or a sent request.
    Response,
    /// The canary prompt: digits are the percent.
    Canary,
}

/// One line of the keymap: the keys as shown, what they do, the command, and the keys that trigger it.
/// A binding with empty `keys` is bound but not listed: its pair's line names it ("j/k", "move down /
/// up"), which keeps the help on an 80x24 screen.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static str,
    pub help: &'static str,
    pub command: Command,
    codes: &'static [KeyCode],
}

impl Binding {
    /// Shown in the help overlay (its pair's line lists an unlisted one).
    pub fn listed(&self) -> bool {
        !self.keys.is_empty()
    }
}

const fn bind(
    keys: &'static str,
    help: &'static str,
    command: Command,
    codes: &'static [KeyCode],
) -> Binding {
    Binding {
        keys,
        help,
        command,
        codes,
    }
}

/// Bound, listed on its pair's line.
const fn pair(command: Command, codes: &'static [KeyCode]) -> Binding {
    bind("", "", command, codes)
}

/// The main keymap, in the order the help overlay lists it.
pub const NORMAL: &[Binding] = &[
    bind(
        "j/k ↓/↑",
        "move down / up",
        Command::Down,
        &[KeyCode::Char('j'), KeyCode::Down],
    ),
    pair(Command::Up, &[KeyCode::Char('k'), KeyCode::Up]),
    bind(
        "PgDn/PgUp ^d/^u",
        "page down / up",
        Command::PageDown,
        &[KeyCode::PageDown],
    ),
    pair(Command::PageUp, &[KeyCode::PageUp]),
    bind(
        "g/G Home/End",
        "first / last",
        Command::Top,
        &[KeyCode::Char('g'), KeyCode::Home],
    ),
    pair(Command::Bottom, &[KeyCode::Char('G'), KeyCode::End]),
    bind(
        "l/h →/←",
        "expand / collapse",
        Command::Expand,
        &[KeyCode::Char('l'), KeyCode::Right],
    ),
    pair(Command::Collapse, &[KeyCode::Char('h'), KeyCode::Left]),
    bind(
        "Enter/Space",
        "expand or collapse",
        Command::Toggle,
        &[KeyCode::Enter, KeyCode::Char(' ')],
    ),
    bind(
        "Tab/S-Tab",
        "next / previous pane",
        Command::NextPane,
        &[KeyCode::Tab],
    ),
    bind(
        "b",
        "build + upload the function",
        Command::Build,
        &[KeyCode::Char('b')],
    ),
    bind(
        "d",
        "redeploy the stage (shows the diff, asks y/n)",
        Command::Deploy,
        &[KeyCode::Char('d')],
    ),
    bind(
        "r",
        "roll back (pick a deployment)",
        Command::Rollback,
        &[KeyCode::Char('r')],
    ),
    bind(
        "=/P",
        "diff / promote this stage (pick the other)",
        Command::Diff,
        &[KeyCode::Char('=')],
    ),
    pair(Command::Promote, &[KeyCode::Char('P')]),
    bind(
        "C",
        "canary on this stage: set its percent, promote, cancel",
        Command::Canary,
        &[KeyCode::Char('C')],
    ),
    bind(
        "p",
        "start / stop pinging",
        Command::Ping,
        &[KeyCode::Char('p')],
    ),
    bind(
        "t",
        "test the selected method before deploying",
        Command::Test,
        &[KeyCode::Char('t')],
    ),
    bind(
        "s",
        "send a request to the stage (composer)",
        Command::Compose,
        &[KeyCode::Char('s')],
    ),
    bind(
        "w",
        "watch: rebuild + upload on every save, on / off",
        Command::Watch,
        &[KeyCode::Char('w')],
    ),
    bind(
        "/ f",
        "filter logs, follow logs",
        Command::Filter,
        &[KeyCode::Char('/')],
    ),
    pair(Command::Follow, &[KeyCode::Char('f')]),
    bind(
        "c",
        "clear logs and pings",
        Command::Clear,
        &[KeyCode::Char('c')],
    ),
    bind(
        "R",
        "refresh the stack",
        Command::Refresh,
        &[KeyCode::Char('R')],
    ),
    bind(
        "Esc",
        "close; unselect the ping; clear the message",
        Command::Cancel,
        &[KeyCode::Esc],
    ),
    bind("?", "this help", Command::Help, &[KeyCode::Char('?')]),
    // Ctrl-C is handled before the table, in every mode.
    bind("q/^c", "quit", Command::Quit, &[KeyCode::Char('q')]),
];

/// The composer's keys (any other character is typed into the field).
pub const COMPOSE: &[Binding] = &[
    bind("Enter", "send", Command::Accept, &[KeyCode::Enter]),
    bind("Tab/S-Tab", "field", Command::NextPane, &[KeyCode::Tab]),
    pair(Command::PrevPane, &[KeyCode::BackTab]),
    bind("↑/↓", "recall", Command::Up, &[KeyCode::Up]),
    pair(Command::Down, &[KeyCode::Down]),
    pair(Command::Erase, &[KeyCode::Backspace]),
    bind("Esc", "close", Command::Cancel, &[KeyCode::Esc]),
];

/// The response pane's keys.
pub const RESPONSE: &[Binding] = &[
    bind(
        "j/k",
        "scroll",
        Command::Down,
        &[KeyCode::Char('j'), KeyCode::Down],
    ),
    pair(Command::Up, &[KeyCode::Char('k'), KeyCode::Up]),
    pair(Command::PageDown, &[KeyCode::PageDown]),
    pair(Command::PageUp, &[KeyCode::PageUp]),
    bind(
        "s",
        "edit and send again",
        Command::Compose,
        &[KeyCode::Char('s')],
    ),
    bind(
        "Esc/q",
        "close",
        Command::Cancel,
        &[KeyCode::Esc, KeyCode::Char('q')],
    ),
];

/// The canary prompt's keys (digits and `.` are the percent).
pub const CANARY: &[Binding] = &[
    bind(
        "Enter",
        "deploy the canary",
        Command::Accept,
        &[KeyCode::Enter],
    ),
    bind("p", "promote it", Command::Promote, &[KeyCode::Char('p')]),
    bind("x", "cancel it", Command::DropCanary, &[KeyCode::Char('x')]),
    pair(Command::Erase, &[KeyCode::Backspace]),
    bind(
        "Esc",
        "close",
        Command::Cancel,
        &[KeyCode::Esc, KeyCode::Char('q')],
    ),
];

/// Maps a key to a command in the given mode. Unbound keys map to nothing.
pub fn command_for(key: KeyEvent, mode: Mode) -> Option<Command> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    // Ctrl-C quits from anywhere: the terminal is raw, so it would otherwise do nothing.
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Command::Quit);
    }
    match mode {
        Mode::FilterInput => match key.code {
            KeyCode::Enter => Some(Command::Accept),
            KeyCode::Esc => Some(Command::Cancel),
            KeyCode::Backspace => Some(Command::Erase),
            KeyCode::Char(c) if !ctrl => Some(Command::Type(c)),
            _ => None,
        },
        Mode::Help => match key.code {
            KeyCode::Char('q') => Some(Command::Quit),
            // Any other key closes the overlay.
            _ => Some(Command::Cancel),
        },
        Mode::Confirm => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Command::Accept),
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(Command::Cancel),
            _ => None,
        },
        Mode::Picker => match key.code {
            KeyCode::Enter | KeyCode::Char('y') => Some(Command::Accept),
            KeyCode::Esc | KeyCode::Char('q' | 'n') => Some(Command::Cancel),
            _ => normal(key, ctrl),
        },
        Mode::Compose => match key.code {
            KeyCode::Char(c) if !ctrl => Some(Command::Type(c)),
            _ => lookup(COMPOSE, key.code),
        },
        Mode::Response => lookup(RESPONSE, key.code),
        Mode::Canary => match key.code {
            KeyCode::Char(c) if c.is_ascii_digit() || c == '.' => Some(Command::Type(c)),
            _ => lookup(CANARY, key.code),
        },
        Mode::Normal => normal(key, ctrl),
    }
}

fn lookup(table: &[Binding], code: KeyCode) -> Option<Command> {
    table
        .iter()
        .find(|b| b.codes.contains(&code))
        .map(|b| b.command)
}

fn normal(key: KeyEvent, ctrl: bool) -> Option<Command> {
    if ctrl {
        return match key.code {
            KeyCode::Char('d') => Some(Command::PageDown),
            KeyCode::Char('u') => Some(Command::PageUp),
            _ => None,
        };
    }
    if key.code == KeyCode::BackTab {
        return Some(Command::PrevPane);
    }
    lookup(NORMAL, key.code)
}

/// The binding of a command, for the status bar.
pub fn binding(command: Command) -> Option<&'static Binding> {
    NORMAL.iter().find(|b| b.command == command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_move_alike() {
        for (a, b) in [
            (KeyCode::Char('j'), KeyCode::Down),
            (KeyCode::Char('k'), KeyCode::Up),
            (KeyCode::Char('h'), KeyCode::Left),
            (KeyCode::Char('l'), KeyCode::Right),
        ] {
            assert_eq!(
                command_for(key(a), Mode::Normal),
                command_for(key(b), Mode::Normal)
            );
            assert!(command_for(key(a), Mode::Normal).is_some());
        }
    }

    #[test]
    fn every_listed_binding_is_reachable() {
        for (table, mode) in [
            (NORMAL, Mode::Normal),
            (COMPOSE, Mode::Compose),
            (RESPONSE, Mode::Response),
            (CANARY, Mode::Canary),
        ] {
            for b in table {
                for code in b.codes {
                    assert_eq!(
                        command_for(key(*code), mode),
                        Some(b.command),
                        "{mode:?} {}",
                        b.keys
                    );
                }
            }
        }
    }

    #[test]
    fn the_composer_takes_letters_as_text() {
        for c in ['q', 's', 'j', '?'] {
            assert_eq!(
                command_for(key(KeyCode::Char(c)), Mode::Compose),
                Some(Command::Type(c))
            );
        }
        assert_eq!(
            command_for(key(KeyCode::Enter), Mode::Compose),
            Some(Command::Accept)
        );
    }

    #[test]
    fn the_filter_prompt_takes_letters_as_text() {
        assert_eq!(
            command_for(key(KeyCode::Char('q')), Mode::FilterInput),
            Some(Command::Type('q'))
        );
        assert_eq!(
            command_for(key(KeyCode::Enter), Mode::FilterInput),
            Some(Command::Accept)
        );
    }

    #[test]
    fn confirm_accepts_only_y_or_enter() {
        assert_eq!(
            command_for(key(KeyCode::Char('y')), Mode::Confirm),
            Some(Command::Accept)
        );
        assert_eq!(
            command_for(key(KeyCode::Char('n')), Mode::Confirm),
            Some(Command::Cancel)
        );
        assert_eq!(command_for(key(KeyCode::Char('d')), Mode::Confirm), None);
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let k = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for m in [
            Mode::Normal,
            Mode::Help,
            Mode::Confirm,
            Mode::Picker,
            Mode::FilterInput,
            Mode::Compose,
            Mode::Response,
            Mode::Canary,
        ] {
            assert_eq!(command_for(k, m), Some(Command::Quit));
        }
    }
}
