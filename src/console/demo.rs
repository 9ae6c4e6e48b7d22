//! The demo's console account: in demo mode only, an admin `demo-admin` with a fresh random
//! password, written to a file only the operator can read (its path is printed, never the
//! password). A configured deployment never gets it.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::Utc;
use rand::RngCore;

use crate::store::{Agent, AgentRole, Store};

pub const DEMO_LOGIN: &str = "demo-admin";
pub const PASSWORD_FILE: &str = "demo-admin-password";

#[derive(Debug, thiserror::Error)]
pub enum DemoAccountError {
    #[error("the demo admin's password file {path} cannot be written: {reason}")]
    File { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Password(#[from] super::password::PasswordError),
}

/// Creates (or resets) the demo admin and returns the path of its password file.
pub async fn create(store: &dyn Store, data_dir: &Path) -> Result<PathBuf, DemoAccountError> {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let password = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hashed = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || super::password::hash(&password))
            .await
            .map_err(|e| DemoAccountError::File {
                path: String::new(),
                reason: e.to_string(),
            })??
    };
    let path = data_dir.join(PASSWORD_FILE);
    write_private(&path, &password).map_err(|e| DemoAccountError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    store
        .save_agent(Agent {
            login: DEMO_LOGIN.into(),
            display_name: "Demo admin".into(),
            password_hash: hashed,
            created_at: Utc::now(),
            role: AgentRole::Admin,
            languages: vec!["zh-CN".into(), "en".into()],
            capacity: 10,
            disabled: false,
        })
        .await?;
    Ok(path)
}

fn write_private(path: &Path, password: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode on open: make sure it is private.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    writeln!(file, "{password}")?;
    file.sync_all()
}
