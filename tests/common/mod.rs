//! Shared by the integration tests: the project's own content, loaded once per test binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use kycdesk::content::Loaded;
use kycdesk::entities::DEFAULT_CASE_ID_PATTERN;
use kycdesk::flows::source::ContentSource;
use kycdesk::runtime::{Runtime, StandIns};

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn source() -> ContentSource {
    ContentSource::Dirs {
        flows: repo_path("flows"),
        locales: repo_path("locales"),
    }
}

pub fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let pattern = regex::Regex::new(DEFAULT_CASE_ID_PATTERN).expect("default pattern");
        match kycdesk::content::load(&source(), pattern) {
            Ok(loaded) => loaded,
            Err(problems) => panic!("{problems}"),
        }
    })
}

pub fn runtime() -> Runtime {
    let loaded = loaded();
    Runtime::new(
        loaded.engine.clone(),
        loaded.locales.clone(),
        Arc::new(StandIns),
    )
}

/// A fixed day, so that tests do not depend on the calendar.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("valid date")
}
