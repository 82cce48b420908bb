//! moto_server, an AWS implementation lambdeck did not write, on a free loopback port for the conformance
//! tests.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lambdeck::aws::{Clients, Target};

use super::skip;

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
            ..Default::default()
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
