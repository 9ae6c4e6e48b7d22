//! Administration while `serve` runs. sled locks the data directory, so `kycdesk erase`,
//! `export` and `agent ...` cannot open the store next to a running server: they ask the server
//! over a local socket instead, and open the store themselves only when no server runs.

pub mod client;
pub mod commands;
pub mod server;

pub use commands::{CommandError, Request, execute, valid_login};
pub use server::{AdminSocket, run_admin_socket};

/// The socket's file name in the data directory.
pub const SOCKET_NAME: &str = "admin.sock";

/// Largest request line accepted.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("the admin socket at {0}: {1}")]
    Io(String, String),
    #[error("{0} may be written by anyone: the admin socket is not started there (chmod o-w it)")]
    WorldWritable(String),
    #[error("a kycdesk server is already running on the data directory {0}")]
    AlreadyRunning(String),
    #[error("{0} exists and is not a socket: move it away")]
    NotASocket(String),
    #[error("the admin socket: {0}")]
    Protocol(String),
    #[error(
        "the server runs as uid {server} and answers only its own user (this is uid {own}): run the command as that user"
    )]
    OtherUser { server: u32, own: u32 },
}
