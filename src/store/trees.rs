//! The open sled database and its trees: one value, swapped whole when the store reopens the
//! database after a storage failure.

use std::path::Path;

use super::StoreError;

pub struct Trees {
    pub db: sled::Db,
    pub meta: sled::Tree,
    pub conversations: sled::Tree,
    pub transcripts: sled::Tree,
    pub replies: sled::Tree,
    pub outbox: sled::Tree,
    pub users: sled::Tree,
    pub follow_ups: sled::Tree,
    pub tickets: sled::Tree,
    pub agents: sled::Tree,
    /// seq (BE) → [time ∥ audit record]: agents' actions, users only as keyed hashes.
    pub audit: sled::Tree,
}

pub fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

/// Opens the sled database at `path` (the `db` folder of the data directory).
pub fn open_db(path: &Path) -> Result<sled::Db, sled::Error> {
    sled::Config::new()
        .path(path)
        // Durability is ours (group commit), not a timer's.
        .flush_every_ms(None)
        .open()
}

impl Trees {
    pub fn new(db: sled::Db) -> Result<Self, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(io);
        Ok(Self {
            meta: tree("meta")?,
            conversations: tree("conversations")?,
            transcripts: tree("transcripts")?,
            replies: tree("replies")?,
            outbox: tree("outbox")?,
            users: tree("users")?,
            follow_ups: tree("follow_ups")?,
            tickets: tree("tickets")?,
            agents: tree("agents")?,
            audit: tree("audit")?,
            db,
        })
    }

    /// The layout version recorded in `meta`, if any.
    pub fn layout(&self) -> Result<Option<u32>, StoreError> {
        match self.meta.get("layout").map_err(io)? {
            None => Ok(None),
            Some(v) => <[u8; 4]>::try_from(v.as_ref())
                .map(|b| Some(u32::from_be_bytes(b)))
                .map_err(|_| StoreError::Corrupt {
                    what: "store layout",
                    reason: "unreadable version".into(),
                }),
        }
    }

    pub fn set_layout(&self, version: u32) -> Result<(), StoreError> {
        self.meta
            .insert("layout", &version.to_be_bytes())
            .map(|_| ())
            .map_err(io)
    }
}

/// A failed sled transaction as a store error.
pub fn transaction_error(e: sled::transaction::TransactionError<StoreError>) -> StoreError {
    match e {
        sled::transaction::TransactionError::Abort(e) => e,
        sled::transaction::TransactionError::Storage(e) => io(e),
    }
}
