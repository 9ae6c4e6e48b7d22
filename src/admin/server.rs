//! The admin socket `serve` listens on: `admin.sock` in the data directory, mode 0600, answering
//! only processes of the server's own user. One JSON request line in, one JSON answer line out.

use std::future::Future;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use super::commands::{Request, execute};
use super::{AdminError, MAX_REQUEST_BYTES, SOCKET_NAME};
use crate::store::Store;

/// Time a client has to send its request line.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests handled at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 8;

/// The bound socket. Dropping it removes the socket file, so a stopped server leaves none.
pub struct AdminSocket {
    listener: UnixListener,
    path: PathBuf,
    uid: u32,
}

impl AdminSocket {
    /// Binds `admin.sock` in `dir`. A socket file no server answers on is removed first; one a
    /// live server answers on is an error (two servers on one data directory).
    pub async fn bind(dir: &Path) -> Result<Self, AdminError> {
        let io = |e: std::io::Error| AdminError::Io(dir.display().to_string(), e.to_string());
        let meta = std::fs::metadata(dir).map_err(io)?;
        // Anyone who may write the directory could put their own socket in our place.
        if meta.permissions().mode() & 0o002 != 0 {
            return Err(AdminError::WorldWritable(dir.display().to_string()));
        }
        let path = dir.join(SOCKET_NAME);
        match std::fs::symlink_metadata(&path) {
            Ok(existing) if existing.file_type().is_socket() => {
                if UnixStream::connect(&path).await.is_ok() {
                    return Err(AdminError::AlreadyRunning(dir.display().to_string()));
                }
                tracing::info!("removing a stale admin socket");
                std::fs::remove_file(&path).map_err(io)?;
            }
            Ok(_) => return Err(AdminError::NotASocket(path.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let listener = UnixListener::bind(&path).map_err(io)?;
        // Before the first accept: the peer check below stands behind the file mode.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        Ok(Self {
            listener,
            path,
            uid: rustix::process::geteuid().as_raw(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers requests until `shutdown` resolves.
    pub async fn run(self, store: Arc<dyn Store>, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        tokio::pin!(shutdown);
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let stream = tokio::select! {
                () = &mut shutdown => return,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "admin socket: accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let store = store.clone();
            let uid = self.uid;
            tokio::spawn(async move {
                answer(stream, store.as_ref(), uid).await;
                drop(permit);
            });
        }
    }
}

impl Drop for AdminSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the admin socket in `dir` and answers on it until `shutdown`.
pub async fn run_admin_socket(
    store: Arc<dyn Store>,
    dir: &Path,
    shutdown: impl Future<Output = ()>,
) -> Result<(), AdminError> {
    let socket = AdminSocket::bind(dir).await?;
    socket.run(store, shutdown).await;
    Ok(())
}

async fn answer(stream: UnixStream, store: &dyn Store, uid: u32) {
    let peer = stream.peer_cred().map(|c| c.uid());
    let (read, mut write) = stream.into_split();
    let reply = match peer {
        Ok(peer) if peer == uid => match read_request(read).await {
            Ok(request) => match execute(store, request).await {
                Ok(value) => json!({ "ok": value }),
                Err(e) => json!({ "error": e.to_string() }),
            },
            Err(message) => json!({ "error": message }),
        },
        Ok(peer) => {
            tracing::warn!(
                peer_uid = peer,
                "admin socket: refused a process of another user"
            );
            json!({ "error": "this socket answers only the user the server runs as" })
        }
        Err(e) => {
            tracing::warn!(error = %e, "admin socket: cannot tell who connected");
            json!({ "error": "cannot tell who is asking" })
        }
    };
    let mut line = reply.to_string();
    line.push('\n');
    // The client may be gone; nothing to do then.
    let _ = write.write_all(line.as_bytes()).await;
    let _ = write.shutdown().await;
}

/// One line of at most `MAX_REQUEST_BYTES`, in time, as a request. The error says why not;
/// it never repeats what was sent (it may hold a conversation id or a user reference).
async fn read_request(read: tokio::net::unix::OwnedReadHalf) -> Result<Request, String> {
    let mut line = Vec::new();
    let mut reader = BufReader::new(read).take(MAX_REQUEST_BYTES as u64 + 1);
    match tokio::time::timeout(READ_TIMEOUT, reader.read_until(b'\n', &mut line)).await {
        Err(_) => return Err("no request line in time".into()),
        Ok(Err(e)) => return Err(format!("cannot read the request: {e}")),
        Ok(Ok(_)) => {}
    }
    if line.len() > MAX_REQUEST_BYTES {
        return Err(format!(
            "the request is larger than {MAX_REQUEST_BYTES} bytes"
        ));
    }
    let value: Value = serde_json::from_slice(&line)
        .map_err(|e| format!("the request is not one JSON object a line: {e}"))?;
    serde_json::from_value(value).map_err(|e| {
        // serde names the field or command at fault, not the values.
        format!("not a request kycdesk knows: {e}")
    })
}
