//! Demo mode stays a demo: the demo page, its identities and the sandbox exist only when no case
//! API is configured; its identities are signed with a key of its own; it says plainly that it is
//! on; and `--demo` is refused next to a real case API. Runs the real `kycdesk serve`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kycdesk::channel::widget::identity::{IdentityError, IdentityVerifier};

const SECRET: &str = "the-wallets-widget-secret";

struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(data: &std::path::Path, case_api: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kycdesk"));
    command
        .arg("serve")
        .env("KYCDESK_LISTEN", "127.0.0.1:0")
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_WIDGET_SECRET", SECRET)
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .env_remove("KYCDESK_CASE_API_URL")
        .env_remove("KYCDESK_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = case_api {
        command.env("KYCDESK_CASE_API_URL", url);
    }
    command
}

fn start(data: &std::path::Path, case_api: Option<&str>) -> Server {
    let mut child = command(data, case_api)
        .spawn()
        .expect("start kycdesk serve");
    let stderr = child.stderr.take().expect("stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let kept = lines.clone();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("kycdesk serving on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(addr.trim().to_string());
            }
            kept.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("serve prints its address");
    Server {
        child,
        base,
        stderr: lines,
    }
}

fn said(server: &Server) -> String {
    server
        .stderr
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .join("\n")
}

#[tokio::test]
async fn with_a_case_api_nothing_of_the_demo_is_served() {
    let data = tempfile::tempdir().expect("temp dir");
    // A case API nobody answers on: the demo must not need it to be absent.
    let server = start(data.path(), Some("http://127.0.0.1:9"));
    for path in ["/", "/?demo_user=1", "/?demo_user=0", "/demo.js"] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let body = r.text().await.expect("body");
        assert!(!body.contains("u_demo"), "{path} hands out no identity");
    }
    let r = reqwest::Client::new()
        .post(format!("{}/demo/identity", server.base))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 404);
    assert!(!said(&server).contains("DEMO MODE"));
}

#[test]
fn demo_is_refused_next_to_a_configured_case_api() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = command(data.path(), Some("http://127.0.0.1:9"))
        .arg("--demo")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--demo cannot be used"), "{stderr}");
}

#[tokio::test]
async fn demo_mode_says_so_and_its_identities_are_worthless_elsewhere() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = start(data.path(), None);
    assert!(said(&server).contains("DEMO MODE"), "{}", said(&server));
    let page = reqwest::get(format!("{}/?demo_user=1", server.base))
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    let token = page
        .split("data-identity=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the demo page carries an identity")
        .to_string();
    assert!(token.starts_with("u_demo."), "{token}");
    // Under the wallet's own secret the demo token is nothing.
    let wallet = IdentityVerifier::new(Some(SECRET.as_bytes().to_vec()), true);
    assert_eq!(
        wallet.verify(Some(&token), chrono::Utc::now().timestamp()),
        Err(IdentityError::BadSignature)
    );
    // This demo server takes it.
    let r = common::widget::create(&server.base, Some(&token)).await;
    assert_eq!(r.status().as_u16(), 201);
    // A second run has its own demo key: the first run's token is refused there.
    let other_data = tempfile::tempdir().expect("temp dir");
    let other = start(other_data.path(), None);
    let r = common::widget::create(&other.base, Some(&token)).await;
    assert_eq!(
        common::widget::status_code(r).await,
        (403, "identity_bad_signature".into())
    );
}
