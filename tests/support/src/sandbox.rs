//! A copy of the function crate in its own workspace, to edit without touching the repository: the
//! package is renamed so its package never replaces the repository's, and it shares the repository's
//! target directory so dependencies are not rebuilt; its binary is named after the package, so no two
//! builds write the same file.

use std::path::{Path, PathBuf};

use lambdeck::config::StackSpec;

/// The function crate's binary, as its manifest declares it.
const BIN: &str = "[[bin]]\nname = \"bootstrap\"";

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    /// A sandbox of the repository's function crate, its package named `package`.
    pub fn new(package: &str) -> Self {
        let repo = crate::repo_root();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let copy = |from: &Path, to: &Path| {
            std::fs::create_dir_all(to.parent().unwrap_or(root)).unwrap();
            std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        };
        for file in ["src/lib.rs", "src/main.rs"] {
            copy(
                &repo.join("function").join(file),
                &root.join("function").join(file),
            );
        }
        copy(&repo.join("Cargo.lock"), &root.join("Cargo.lock"));
        copy(&repo.join("lambdeck.toml"), &root.join("lambdeck.toml"));
        let original = std::fs::read_to_string(repo.join("function/Cargo.toml")).unwrap();
        assert!(
            original.contains(BIN),
            "function/Cargo.toml names its binary `bootstrap`"
        );
        let manifest = original
            .replace("name = \"hello-world\"", &format!("name = \"{package}\""))
            // The binary is named after the package too. Every crate's binary lands at
            // `<target>/<profile>/<bin name>` in the shared target directory, and cargo's lock is
            // released before the build reads it: two sandboxes (or a sandbox and the repository's
            // own crate) building `bootstrap` at once could each read the other's. A package's only
            // binary is packaged as `bootstrap` whatever its name.
            .replace(BIN, &format!("[[bin]]\nname = \"{package}\""))
            // At the end: inserted after `name`, the package's other keys would land in [lib].
            + "\n[lib]\nname = \"hello_world\"\npath = \"src/lib.rs\"\n";
        std::fs::write(root.join("function/Cargo.toml"), manifest).unwrap();
        // The workspace part of the repository's manifest: shared dependencies, lints and profiles.
        let mut workspace: toml::Table =
            toml::from_str(&std::fs::read_to_string(repo.join("Cargo.toml")).unwrap()).unwrap();
        workspace.retain(|k, _| k == "workspace" || k == "profile");
        if let Some(ws) = workspace
            .get_mut("workspace")
            .and_then(|w| w.as_table_mut())
        {
            ws.insert(
                "members".into(),
                toml::Value::Array(vec!["function".into()]),
            );
        }
        std::fs::write(
            root.join("Cargo.toml"),
            toml::to_string(&workspace).unwrap_or_default(),
        )
        .unwrap();
        std::fs::create_dir_all(root.join(".cargo")).unwrap();
        std::fs::write(
            root.join(".cargo/config.toml"),
            format!(
                "[build]\ntarget-dir = {:?}\n",
                repo.join("target").display().to_string()
            ),
        )
        .unwrap();
        Self { dir }
    }

    pub fn spec(&self) -> StackSpec {
        StackSpec::load(&self.dir.path().join("lambdeck.toml")).unwrap()
    }

    /// The handler's source, where a one-line change goes.
    pub fn lib_rs(&self) -> PathBuf {
        self.dir.path().join("function/src/lib.rs")
    }

    /// The one-line change: a new greeting.
    pub fn edit(&self, greeting: &str) {
        self.replace_greeting_line(&format!(
            "pub const GREETING: &str = \"\\\"{greeting}\\\"\";"
        ));
    }

    /// Replaces the greeting's line with `line` as is (e.g. one that does not compile).
    pub fn replace_greeting_line(&self, line: &str) {
        let lib = self.lib_rs();
        let text = std::fs::read_to_string(&lib).unwrap();
        let old = text
            .lines()
            .find(|l| l.contains("GREETING: &str"))
            .expect("the GREETING line")
            .to_owned();
        std::fs::write(&lib, text.replace(&old, line)).unwrap();
    }
}
