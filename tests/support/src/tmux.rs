//! A tmux session running one command (the real dashboard in a terminal), killed when dropped so a
//! failing test leaves nothing behind.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    name: String,
}

impl Tmux {
    /// Whether tmux runs on this machine.
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Starts `command` in `dir` in a new 120x40 session named `name` (ending any session of that name).
    pub fn start(name: &str, dir: &Path, command: &str) -> Self {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .output();
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "120",
                "-y",
                "40",
                "-c",
            ])
            .arg(dir)
            .arg(command)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Self { name: name.into() }
    }

    /// Types `keys` into the session.
    pub fn keys(&self, keys: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, keys])
            .status()
            .expect("tmux runs");
        assert!(status.success());
    }

    /// Types `text` literally (no key names: "Enter" is five letters).
    pub fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-l", "-t", &self.name, text])
            .status()
            .expect("tmux runs");
        assert!(status.success());
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.query(&["capture-pane", "-p", "-t", &self.name])
    }

    /// The process id of the command the session runs.
    pub fn pid(&self) -> String {
        self.query(&["display", "-p", "-t", &self.name, "#{pane_pid}"])
            .trim()
            .to_owned()
    }

    /// Waits until the screen satisfies `ok`, and returns it; fails with the screen when it never does.
    /// The limit is generous (a cold build of the function on a busy machine): it bounds a hang, it times
    /// nothing.
    pub async fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the dashboard never showed {what}; the screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn query(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}
