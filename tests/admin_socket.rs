//! The admin socket of a running `kycdesk serve`: the command line reaches the store through it
//! (sled's lock keeps it from opening the store itself), the socket is private, requests are
//! capped, a second server on the same data directory is refused, a stale socket is replaced.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `kycdesk ARGS` on `data`, with no `KYCDESK_*` variable of the test run leaking in.
fn kycdesk(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kycdesk"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KYCDESK_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_LISTEN", "127.0.0.1:0")
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"));
    command
}

/// Runs `kycdesk ARGS` with `input` on standard input.
fn run(data: &Path, args: &[&str], input: &str) -> Output {
    let mut child = kycdesk(data, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kycdesk");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("kycdesk ends");
    writer.join().expect("writer");
    output
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct Server {
    child: Child,
    socket: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on `data` and waits until its admin socket answers.
fn serve(data: &Path) -> Server {
    let child = kycdesk(data, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kycdesk serve");
    let socket = data.join("admin.sock");
    let mut server = Server { child, socket };
    let deadline = Instant::now() + Duration::from_secs(60);
    while UnixStream::connect(&server.socket).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("serve stopped: {status}");
        }
        assert!(Instant::now() < deadline, "the admin socket never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// One raw request line over the socket, and its answer.
fn ask(socket: &Path, request: &[u8]) -> Value {
    let mut stream = UnixStream::connect(socket).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    // The server may answer and close before reading all of an oversized request.
    let _ = stream.write_all(request);
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("an answer line");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("answer is JSON ({e}): {line}"))
}

#[test]
fn agents_are_added_and_listed_through_the_running_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let _server = serve(&data);
    let added = run(
        &data,
        &[
            "agent", "add", "alice", "--name", "Alice Li", "--lang", "zh-CN,en",
        ],
        "a long enough password\n",
    );
    assert!(ok(&added).contains("alice"));
    let short = run(
        &data,
        &["agent", "add", "bob", "--name", "Bob"],
        "too short\n",
    );
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 12"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    let listed = ok(&run(&data, &["agent", "list"], ""));
    assert!(
        listed.contains("alice") && listed.contains("Alice Li"),
        "{listed}"
    );
    assert!(listed.contains("zh-CN,en"), "{listed}");
    assert!(
        !listed.contains("bob"),
        "the refused agent was not stored: {listed}"
    );
    assert!(!listed.contains("argon2"), "never a hash: {listed}");
    ok(&run(&data, &["agent", "disable", "alice"], ""));
    let listed = ok(&run(&data, &["agent", "list"], ""));
    assert!(listed.contains("true"), "disabled shows: {listed}");
    let duplicate = run(
        &data,
        &["agent", "add", "alice", "--name", "A"],
        "another long password\n",
    );
    assert!(!duplicate.status.success(), "one account per login");
    ok(&run(&data, &["agent", "remove", "alice"], ""));
    // (Demo mode has an account of its own; alice is gone.)
    assert!(!ok(&run(&data, &["agent", "list"], "")).contains("alice"));
}

#[test]
fn the_socket_is_private_and_caps_requests() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let server = serve(&data);
    let mode = std::fs::metadata(&server.socket)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

    let mut huge = br#"{"command":"agent_list","pad":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 70 * 1024));
    huge.extend(b"\"}\n");
    let answer = ask(&server.socket, &huge);
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(error.contains("larger than 65536"), "{answer}");

    let answer = ask(&server.socket, b"{\"command\":\"agent_list\"}\n");
    assert!(answer["ok"].is_array(), "{answer}");
    let answer = ask(&server.socket, b"not json\n");
    assert!(answer["error"].is_string(), "{answer}");
    let answer = ask(&server.socket, b"{\"command\":\"drop_everything\"}\n");
    assert!(answer["error"].is_string(), "{answer}");
    let answer = ask(
        &server.socket,
        b"{\"command\":\"agent_passwd\",\"login\":\"x\",\"password_hash\":\"plain text\"}\n",
    );
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("Argon2id")),
        "{answer}"
    );
}

#[test]
fn a_conversation_is_exported_and_erased_while_serving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&run(
        &data,
        &["chat", "--json", "--resume", "adm1"],
        "{\"text\": \"你好\"}\n",
    ));
    let server = serve(&data);
    let export: Value = serde_json::from_str(&ok(&run(
        &data,
        &["export", "--conversation", "terminal:adm1"],
        "",
    )))
    .expect("export is JSON");
    assert_eq!(export["conversation"], "terminal:adm1");
    let report: Value = serde_json::from_str(&ok(&run(
        &data,
        &["erase", "--conversation", "terminal:adm1"],
        "",
    )))
    .expect("report is JSON");
    assert_eq!(report["conversations"], 1, "{report}");
    assert_eq!(report["keys"], 1, "{report}");
    let again = run(&data, &["export", "--conversation", "terminal:adm1"], "");
    assert!(!again.status.success(), "nothing left to export");
    // The server is still the one serving.
    assert!(UnixStream::connect(&server.socket).is_ok());
}

#[test]
fn a_second_server_is_refused_and_a_stale_socket_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    // A socket file left by a server that died without cleaning up.
    drop(UnixListener::bind(data.join("admin.sock")).expect("stale socket"));
    assert!(data.join("admin.sock").exists());
    let server = serve(&data);
    let second = kycdesk(&data, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a second serve");
    let mut second = second;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("the second serve kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut text = String::new();
    second
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut text)
        .expect("stderr");
    assert!(!status.success());
    assert!(text.contains("already running"), "{text}");
    // The first server still answers.
    let answer = ask(&server.socket, b"{\"command\":\"agent_list\"}\n");
    assert!(answer["ok"].is_array(), "{answer}");
}

#[test]
fn without_a_server_the_command_line_opens_the_store_itself() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&run(
        &data,
        &[
            "agent", "add", "carol", "--name", "Carol", "--role", "admin",
        ],
        "a long enough password\n",
    ));
    assert!(!data.join("admin.sock").exists(), "no server, no socket");
    let listed = ok(&run(&data, &["agent", "list"], ""));
    assert!(
        listed.contains("carol") && listed.contains("admin"),
        "{listed}"
    );
    // And a server started afterwards sees the account.
    let _server = serve(&data);
    assert!(ok(&run(&data, &["agent", "list"], "")).contains("carol"));
}

#[test]
fn serve_refuses_a_data_directory_anyone_may_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let output = kycdesk(&data, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run serve");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("may be written by anyone"), "{text}");
    assert!(!data.join("admin.sock").exists());
}
