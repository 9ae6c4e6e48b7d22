//! The command line's side of the admin socket.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::commands::Request;
use super::{AdminError, SOCKET_NAME};

/// Longest wait for an answer: erasing a user with many conversations takes a while.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(300);

/// Largest answer read (an export of a long conversation).
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// What the server said.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Ok(Value),
    /// The request was refused or failed; the server's message.
    Refused(String),
}

/// Whether a server answers on the data directory's admin socket.
pub async fn server_running(dir: &Path) -> bool {
    UnixStream::connect(dir.join(SOCKET_NAME)).await.is_ok()
}

/// Sends `request` to the server running on `dir`. `None` when no server runs there (no socket
/// file, or one nobody listens on): the caller then opens the store itself.
pub async fn send(dir: &Path, request: &Request) -> Result<Option<Answer>, AdminError> {
    let path = dir.join(SOCKET_NAME);
    let stream = match UnixStream::connect(&path).await {
        Ok(stream) => stream,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AdminError::Io(path.display().to_string(), e.to_string())),
    };
    let io = |e: std::io::Error| AdminError::Io(path.display().to_string(), e.to_string());
    // Only a server of our own user gets the request (it may carry a password hash) and is
    // believed: not a look-alike socket someone else put there.
    let server = stream.peer_cred().map_err(io)?.uid();
    let own = rustix::process::geteuid().as_raw();
    if server != own {
        return Err(AdminError::OtherUser { server, own });
    }
    let mut line =
        serde_json::to_string(request).map_err(|e| AdminError::Protocol(e.to_string()))?;
    line.push('\n');
    let exchange = async {
        let (read, mut write) = stream.into_split();
        write.write_all(line.as_bytes()).await.map_err(io)?;
        let mut answer = Vec::new();
        BufReader::new(read)
            .take(MAX_ANSWER_BYTES)
            .read_until(b'\n', &mut answer)
            .await
            .map_err(io)?;
        Ok::<_, AdminError>(answer)
    };
    let answer = tokio::time::timeout(ANSWER_TIMEOUT, exchange)
        .await
        .map_err(|_| AdminError::Protocol("the server did not answer in time".into()))??;
    let value: Value = serde_json::from_slice(&answer)
        .map_err(|e| AdminError::Protocol(format!("the server's answer is not JSON: {e}")))?;
    match (value.get("ok"), value.get("error")) {
        (Some(ok), None) => Ok(Some(Answer::Ok(ok.clone()))),
        (None, Some(error)) => Ok(Some(Answer::Refused(
            error
                .as_str()
                .unwrap_or("the server refused the request")
                .to_string(),
        ))),
        _ => Err(AdminError::Protocol(
            "the server's answer has neither `ok` nor `error`".into(),
        )),
    }
}
