//! Shared helpers for the integration tests: the real hello-world `bootstrap`, built once and zipped as
//! Lambda expects it, small zips of test-only bootstraps, and moto_server for the conformance tests.

use std::io::{Cursor, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use lambdeck::aws::{Clients, Target};

use zip::write::SimpleFileOptions;

/// Builds the hello-world function (`cargo build -p hello-world`) once per test run and returns the path
/// of its `bootstrap` binary.
pub fn hello_world_bootstrap() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "hello-world",
                    "--bin",
                    "bootstrap",
                ])
                .current_dir(&root)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p hello-world failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            let bin = target.join("debug").join("bootstrap");
            assert!(bin.exists(), "{} was not built", bin.display());
            bin
        })
        .clone()
}

/// The hello-world function packaged as Lambda expects it: one executable `bootstrap` at the root.
pub fn hello_world_zip() -> Vec<u8> {
    static ZIP: OnceLock<Vec<u8>> = OnceLock::new();
    ZIP.get_or_init(|| {
        let binary = std::fs::read(hello_world_bootstrap()).expect("bootstrap is readable");
        zip_of(&[("bootstrap", 0o755, &binary)])
    })
    .clone()
}

/// A zip of (name, unix mode, content) entries.
pub fn zip_of(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, mode, content) in entries {
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode);
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(content).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A zip holding only an executable `bootstrap` script.
pub fn script_zip(script: &str) -> Vec<u8> {
    zip_of(&[("bootstrap", 0o755, script.as_bytes())])
}

/// Skips a test that needs a tool this machine lacks, saying why; under `.ci/run`
/// (`LAMBDECK_REQUIRE_TOOLS=1`) a missing tool fails the test instead, so a green CI run never hides a
/// skipped suite.
pub fn skip<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("LAMBDECK_REQUIRE_TOOLS").is_none(),
        "LAMBDECK_REQUIRE_TOOLS is set, but: {why}"
    );
    eprintln!("skipping: {why}");
    None
}

/// A moto_server on a free loopback port, stopped on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    /// Starts moto, or returns None (saying why) when it cannot start here.
    pub fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = match Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                return skip(&format!(
                    "moto_server cannot start ({e}); install moto[server]"
                ));
            }
        };
        let mut moto = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        // Ready when it accepts connections; moto takes a few seconds to import.
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(moto);
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                return skip(&format!("moto_server exited ({status})"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        skip(&format!("moto_server did not listen on port {port}"))
    }

    /// Clients for moto with static test credentials, treated as AWS: IAM is exercised and uploads get
    /// the provided.al2023 checks.
    pub async fn clients(&self) -> Clients {
        let mut clients = Clients::new(&Target {
            profile: None,
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.url.clone()),
            local: true,
        })
        .await
        .unwrap();
        clients.local = false;
        clients
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
