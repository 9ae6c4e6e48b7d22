//! One encryption key per conversation, kept in a small file of its own (not in the log-structured
//! database): erasing a conversation rewrites the file without its key, so every copy of its
//! records that the database log still holds becomes unreadable at once.
//!
//! File layout: fixed records of `[16-byte hashed conversation key][32-byte key]`, appended. The
//! conversation is named by its keyed hash only, so the file names nobody.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use rand::RngCore;

use super::StoreError;
use super::index::{HASH_LEN, Hashed, sync_dir};

/// The key file of this layout.
pub const KEYRING_FILE: &str = "keyring.bin";
const RECORD: usize = HASH_LEN + 32;

pub struct Keyring {
    path: PathBuf,
    keys: Mutex<HashMap<Hashed, [u8; 32]>>,
    /// The append handle and how many bytes of it are whole records.
    file: Mutex<(File, u64)>,
    dirty: AtomicBool,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn open_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl Keyring {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(KEYRING_FILE);
        let mut keys = HashMap::new();
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes).map_err(|e| open_err(&path, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(open_err(&path, e)),
        }
        // A torn final record (a crash or a full disk mid-append) was never acknowledged.
        let whole = bytes.len() - bytes.len() % RECORD;
        for record in bytes[..whole].chunks_exact(RECORD) {
            let (name, key) = record.split_at(HASH_LEN);
            let mut n = [0u8; HASH_LEN];
            n.copy_from_slice(name);
            let mut k = [0u8; 32];
            k.copy_from_slice(key);
            keys.insert(n, k);
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| open_err(&path, e))?;
        if whole != bytes.len() {
            file.set_len(whole as u64).map_err(|e| open_err(&path, e))?;
        }
        Ok(Self {
            path,
            keys: Mutex::new(keys),
            file: Mutex::new((file, whole as u64)),
            dirty: AtomicBool::new(false),
        })
    }

    /// Writes a complete key file (first open after a migration): write, fsync, rename.
    pub fn create_with(dir: &Path, keys: &HashMap<Hashed, [u8; 32]>) -> Result<(), StoreError> {
        write_whole(&dir.join(KEYRING_FILE), keys)
    }

    fn lock_keys(&self) -> MutexGuard<'_, HashMap<Hashed, [u8; 32]>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_file(&self) -> MutexGuard<'_, (File, u64)> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, name: &Hashed) -> Option<[u8; 32]> {
        self.lock_keys().get(name).copied()
    }

    /// The key of a conversation, created (and written) on first use.
    pub fn get_or_create(&self, name: &Hashed) -> Result<[u8; 32], StoreError> {
        let mut keys = self.lock_keys();
        if let Some(k) = keys.get(name) {
            return Ok(*k);
        }
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut record = Vec::with_capacity(RECORD);
        record.extend_from_slice(name);
        record.extend_from_slice(&key);
        let mut file = self.lock_file();
        let (handle, len) = &mut *file;
        if let Err(e) = handle.write_all(&record) {
            // Cut a partial record off at once, so later appends stay aligned.
            let _ = handle.set_len(*len);
            return Err(io(e));
        }
        *len += RECORD as u64;
        self.dirty.store(true, Ordering::Release);
        keys.insert(*name, key);
        Ok(key)
    }

    /// Makes new keys durable (called by the group commit before the database flush).
    pub fn sync(&self) -> Result<(), StoreError> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            let file = self.lock_file();
            if let Err(e) = file.0.sync_data() {
                self.dirty.store(true, Ordering::Release);
                return Err(io(e));
            }
        }
        Ok(())
    }

    /// Writes the file afresh from the keys in memory (after a storage failure, when the file
    /// may end in a torn record).
    pub fn rewrite(&self) -> Result<(), StoreError> {
        let keys = self.lock_keys();
        self.replace_file(&keys)
    }

    /// Forgets keys for good: the file is rewritten without them (write, fsync, rename).
    pub fn remove(&self, names: &[Hashed]) -> Result<u64, StoreError> {
        let mut keys = self.lock_keys();
        let removed: Vec<(Hashed, [u8; 32])> = names
            .iter()
            .filter_map(|n| keys.remove(n).map(|k| (*n, k)))
            .collect();
        if removed.is_empty() {
            return Ok(0);
        }
        if let Err(e) = self.replace_file(&keys) {
            // Still on disk: keep them usable, so the erasure can simply be run again.
            keys.extend(removed);
            return Err(e);
        }
        Ok(removed.len() as u64)
    }

    fn replace_file(&self, keys: &HashMap<Hashed, [u8; 32]>) -> Result<(), StoreError> {
        let mut file = self.lock_file();
        write_whole(&self.path, keys)?;
        let fresh = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        *file = (fresh, (keys.len() * RECORD) as u64);
        self.dirty.store(false, Ordering::Release);
        Ok(())
    }
}

fn write_whole(path: &Path, keys: &HashMap<Hashed, [u8; 32]>) -> Result<(), StoreError> {
    let tmp = path.with_extension("bin.tmp");
    let mut bytes = Vec::with_capacity(keys.len() * RECORD);
    for (name, key) in keys {
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(key);
    }
    let mut out = File::create(&tmp).map_err(io)?;
    out.write_all(&bytes).map_err(io)?;
    out.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_a_reopen_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ring = Keyring::open(dir.path()).expect("open");
        let a = ring.get_or_create(&[1; HASH_LEN]).expect("a");
        let b = ring.get_or_create(&[2; HASH_LEN]).expect("b");
        ring.sync().expect("sync");
        drop(ring);
        // Half a record, as a crash mid-append leaves it.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(KEYRING_FILE))
            .expect("append");
        f.write_all(&[9; 20]).expect("write");
        drop(f);
        let ring = Keyring::open(dir.path()).expect("reopen");
        assert_eq!(ring.get(&[1; HASH_LEN]), Some(a));
        assert_eq!(ring.get(&[2; HASH_LEN]), Some(b));
        // A key appended after the torn tail is read back too.
        let c = ring.get_or_create(&[3; HASH_LEN]).expect("c");
        assert_eq!(ring.remove(&[[1; HASH_LEN]]).expect("removed"), 1);
        drop(ring);
        let ring = Keyring::open(dir.path()).expect("reopen");
        assert_eq!(ring.get(&[1; HASH_LEN]), None);
        assert_eq!(ring.get(&[2; HASH_LEN]), Some(b));
        assert_eq!(ring.get(&[3; HASH_LEN]), Some(c));
    }
}
