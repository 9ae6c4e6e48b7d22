//! One encryption key per conversation, kept in a small file of its own (not in the log-structured
//! database): erasing a conversation rewrites the file without its key, so every copy of its
//! records that the database log still holds becomes unreadable at once.
//!
//! File layout: records of `[u16 LE length][conversation key][32-byte key]`, appended.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngCore;

use super::StoreError;

pub struct Keyring {
    path: PathBuf,
    keys: Mutex<HashMap<String, [u8; 32]>>,
    file: Mutex<File>,
    dirty: AtomicBool,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

impl Keyring {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join("keys.bin");
        let mut keys = HashMap::new();
        if path.exists() {
            let mut bytes = Vec::new();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|e| StoreError::Open {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let Some((len, tail)) = rest.split_first_chunk::<2>() else {
                    break; // a torn final record from a crash: it was never acknowledged
                };
                let len = usize::from(u16::from_le_bytes(*len));
                if tail.len() < len + 32 {
                    break;
                }
                let (name, tail) = tail.split_at(len);
                let (key, tail) = tail.split_at(32);
                let name = String::from_utf8(name.to_vec()).map_err(|_| StoreError::Corrupt {
                    what: "key file",
                    reason: "a conversation name is not UTF-8".into(),
                })?;
                let mut k = [0u8; 32];
                k.copy_from_slice(key);
                keys.insert(name, k);
                rest = tail;
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            path,
            keys: Mutex::new(keys),
            file: Mutex::new(file),
            dirty: AtomicBool::new(false),
        })
    }

    fn lock_keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, [u8; 32]>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, name: &str) -> Option<[u8; 32]> {
        self.lock_keys().get(name).copied()
    }

    /// The key of a conversation, created (and written) on first use.
    pub fn get_or_create(&self, name: &str) -> Result<[u8; 32], StoreError> {
        let mut keys = self.lock_keys();
        if let Some(k) = keys.get(name) {
            return Ok(*k);
        }
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let len =
            u16::try_from(name.len()).map_err(|_| StoreError::Io("key name too long".into()))?;
        let mut record = Vec::with_capacity(2 + name.len() + 32);
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(name.as_bytes());
        record.extend_from_slice(&key);
        self.file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write_all(&record)
            .map_err(io)?;
        self.dirty.store(true, Ordering::Release);
        keys.insert(name.to_string(), key);
        Ok(key)
    }

    /// Makes new keys durable (called by the group commit before the database flush).
    pub fn sync(&self) -> Result<(), StoreError> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            self.file
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .sync_data()
                .map_err(io)?;
        }
        Ok(())
    }

    /// Forgets keys for good: the file is rewritten without them (write, fsync, rename).
    pub fn remove(&self, names: &[String]) -> Result<u64, StoreError> {
        let mut keys = self.lock_keys();
        let removed = names.iter().filter(|n| keys.remove(*n).is_some()).count() as u64;
        if removed == 0 {
            return Ok(0);
        }
        let tmp = self.path.with_extension("bin.tmp");
        let mut out = File::create(&tmp).map_err(io)?;
        for (name, key) in keys.iter() {
            let len = u16::try_from(name.len()).unwrap_or(u16::MAX);
            out.write_all(&len.to_le_bytes()).map_err(io)?;
            out.write_all(name.as_bytes()).map_err(io)?;
            out.write_all(key).map_err(io)?;
        }
        out.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = file;
        Ok(removed)
    }
}
