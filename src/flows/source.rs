//! Where flows, understanding data and texts come from: folders the operator edits, or the copy
//! compiled into the binary (so `kycdesk serve` works from any directory with no set-up).

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::i18n::Lang;

static EMBEDDED_FLOWS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/flows");
static EMBEDDED_LOCALES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/locales");

/// One file's name (for messages) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Everything the conversation is made of, as text.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// `flows/*.yaml`
    pub flows: Vec<SourceFile>,
    /// `flows/nlu/*.yaml`
    pub nlu: Vec<SourceFile>,
    /// `locales/<lang>/*.ftl`
    pub locales: Vec<(Lang, SourceFile)>,
    /// Files that could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
}

/// Where to read the content from.
#[derive(Debug, Clone)]
pub enum ContentSource {
    Embedded,
    Dirs { flows: PathBuf, locales: PathBuf },
}

impl ContentSource {
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded => "built-in flows and texts".to_string(),
            Self::Dirs { flows, locales } => {
                format!("{} and {}", flows.display(), locales.display())
            }
        }
    }

    pub fn read(&self) -> Content {
        match self {
            Self::Embedded => read_embedded(),
            Self::Dirs { flows, locales } => read_dirs(flows, locales),
        }
    }
}

fn is_ext(path: &Path, ext: &str) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some(ext)
}

fn read_embedded() -> Content {
    let mut content = Content::default();
    for file in EMBEDDED_FLOWS.files() {
        if is_ext(file.path(), "yaml") {
            push(&mut content.flows, "flows", file);
        }
    }
    if let Some(nlu) = EMBEDDED_FLOWS.get_dir("nlu") {
        for file in nlu.files() {
            if is_ext(file.path(), "yaml") {
                push(&mut content.nlu, "flows", file);
            }
        }
    }
    for lang in Lang::ALL {
        let mut files = Vec::new();
        if let Some(dir) = EMBEDDED_LOCALES.get_dir(lang.tag()) {
            for file in dir.files() {
                if is_ext(file.path(), "ftl") {
                    push(&mut files, "locales", file);
                }
            }
        }
        content.locales.extend(files.into_iter().map(|f| (lang, f)));
    }
    sort(&mut content);
    content
}

fn push(list: &mut Vec<SourceFile>, prefix: &str, file: &include_dir::File<'_>) {
    let name = format!("{prefix}/{}", file.path().display());
    match file.contents_utf8() {
        Some(text) => list.push(SourceFile {
            name,
            text: text.to_string(),
        }),
        None => tracing::error!(file = name, "built-in content file is not UTF-8"),
    }
}

fn read_dirs(flows: &Path, locales: &Path) -> Content {
    let mut content = Content::default();
    read_dir_into(flows, "yaml", &mut content.flows, &mut content.unreadable);
    read_dir_into(
        &flows.join("nlu"),
        "yaml",
        &mut content.nlu,
        &mut content.unreadable,
    );
    for lang in Lang::ALL {
        let mut files = Vec::new();
        read_dir_into(
            &locales.join(lang.tag()),
            "ftl",
            &mut files,
            &mut content.unreadable,
        );
        content.locales.extend(files.into_iter().map(|f| (lang, f)));
    }
    sort(&mut content);
    content
}

fn read_dir_into(
    dir: &Path,
    ext: &str,
    out: &mut Vec<SourceFile>,
    unreadable: &mut Vec<(String, String)>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            unreadable.push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() || !is_ext(&path, ext) {
            continue;
        }
        let name = path.display().to_string();
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push(SourceFile { name, text }),
                Err(_) => unreadable.push((name, "not valid UTF-8".to_string())),
            },
            Err(e) => unreadable.push((name, e.to_string())),
        }
    }
}

fn sort(content: &mut Content) {
    content.flows.sort_by(|a, b| a.name.cmp(&b.name));
    content.nlu.sort_by(|a, b| a.name.cmp(&b.name));
    content
        .locales
        .sort_by(|a, b| (a.0.tag(), &a.1.name).cmp(&(b.0.tag(), &b.1.name)));
}
