//! Interpreted runtimes on the local stack. The runtime string picks what runs: `nodejs*` runs this
//! machine's `node`, `python*` its `python3`, each with a small bootstrap shipped inside lambdeck that
//! speaks the Runtime API as AWS's runtime interface clients do; `provided*` (and any other runtime)
//! runs the package's own `bootstrap`. A missing interpreter fails the invocation with Lambda's
//! `Runtime.InvalidEntrypoint` and a message naming what to install.

use std::path::{Path, PathBuf};

const NODE_BOOTSTRAP: &str = include_str!("bootstrap.js");
const PYTHON_BOOTSTRAP: &str = include_str!("bootstrap.py");

/// An interpreter a runtime needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interpreter {
    /// The command looked up on PATH.
    pub program: &'static str,
    /// What to install when it is missing.
    pub install: &'static str,
    script_name: &'static str,
    script: &'static str,
}

/// The interpreter a runtime string names; `None` for OS-only runtimes, which run `bootstrap`.
pub fn interpreter(runtime: Option<&str>) -> Option<Interpreter> {
    let runtime = runtime?;
    if runtime.starts_with("nodejs") {
        Some(Interpreter {
            program: "node",
            install: "Node.js (the `node` command, e.g. `apt-get install nodejs`)",
            script_name: "bootstrap.js",
            script: NODE_BOOTSTRAP,
        })
    } else if runtime.starts_with("python") {
        Some(Interpreter {
            program: "python3",
            install: "Python 3 (the `python3` command, e.g. `apt-get install python3`)",
            script_name: "bootstrap.py",
            script: PYTHON_BOOTSTRAP,
        })
    } else {
        None
    }
}

/// Why a runtime cannot run here, when its interpreter is missing: one line naming what to install.
pub fn missing_interpreter(runtime: Option<&str>) -> Option<String> {
    let i = interpreter(runtime)?;
    find_on_path(i.program).is_none().then(|| {
        format!(
            "the {} runtime needs {} on this machine to run locally, and `{}` is not on PATH: install {}",
            runtime.unwrap_or_default(),
            i.program,
            i.program,
            i.install
        )
    })
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What an execution environment execs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<PathBuf>,
}

/// Decides what to exec for a runtime, writing the shipped bootstrap into `runtime_dir` when an
/// interpreter runs the function. `Err` is Lambda's reason for an invocation that cannot start.
pub fn launch(
    runtime: Option<&str>,
    task_root: &Path,
    runtime_dir: &Path,
) -> Result<Launch, String> {
    let Some(i) = interpreter(runtime) else {
        return Ok(Launch {
            program: task_root.join("bootstrap"),
            args: Vec::new(),
        });
    };
    let program = find_on_path(i.program).ok_or_else(|| {
        format!(
            "Couldn't start the runtime: {}",
            missing_interpreter(runtime)
                .unwrap_or_else(|| format!("`{}` is not on PATH", i.program))
        )
    })?;
    let script = runtime_dir.join(i.script_name);
    std::fs::write(&script, i.script)
        .map_err(|e| format!("cannot write the {} bootstrap: {e}", i.program))?;
    Ok(Launch {
        program,
        args: vec![script],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_string_picks_the_interpreter() {
        assert_eq!(interpreter(Some("nodejs20.x")).unwrap().program, "node");
        assert_eq!(interpreter(Some("nodejs14.x")).unwrap().program, "node");
        assert_eq!(interpreter(Some("python3.12")).unwrap().program, "python3");
        assert_eq!(interpreter(Some("provided.al2023")), None);
        assert_eq!(interpreter(None), None);
    }

    #[test]
    fn os_only_runtimes_run_the_package_bootstrap() {
        let dir = tempfile::tempdir().unwrap();
        let l = launch(Some("provided.al2023"), dir.path(), dir.path()).unwrap();
        assert_eq!(l.program, dir.path().join("bootstrap"));
        assert!(l.args.is_empty());
    }

    #[test]
    fn interpreted_runtimes_get_the_shipped_bootstrap() {
        if find_on_path("python3").is_none() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let l = launch(Some("python3.12"), dir.path(), dir.path()).unwrap();
        assert!(l.program.ends_with("python3"));
        assert_eq!(l.args, vec![dir.path().join("bootstrap.py")]);
        assert_eq!(
            std::fs::read_to_string(&l.args[0]).unwrap(),
            PYTHON_BOOTSTRAP
        );
    }
}
