//! Loading the conversation's content (flows, texts, understanding data) into a ready engine,
//! or every problem that stops it, named by file and node.

use std::fmt;
use std::sync::Arc;

use regex::Regex;

use crate::engine::Engine;
use crate::flows::source::ContentSource;
use crate::i18n::Locales;
use crate::nlu::Nlu;

/// The engine and texts every channel shares.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub engine: Engine,
    pub locales: Arc<Locales>,
}

/// Everything wrong with the content, for the operator.
#[derive(Debug, thiserror::Error)]
pub struct ContentProblems(pub Vec<String>);

impl fmt::Display for ContentProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the flows and texts have {} problem(s):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

pub fn load(source: &ContentSource, case_id: Regex) -> Result<Loaded, ContentProblems> {
    let content = source.read();
    let mut problems: Vec<String> = content
        .unreadable
        .iter()
        .map(|(name, why)| format!("{name}: cannot be read: {why}"))
        .collect();
    let (locales, locale_problems) = Locales::load(&content.locales);
    problems.extend(locale_problems.iter().map(ToString::to_string));
    let flows = match crate::flows::load(&content.flows, &locales) {
        Ok(set) => Some(set),
        Err(p) => {
            problems.extend(p.0.iter().map(ToString::to_string));
            None
        }
    };
    let nlu = match Nlu::build(&content.nlu, case_id) {
        Ok(nlu) => Some(nlu),
        Err(p) => {
            problems.extend(p.iter().map(ToString::to_string));
            None
        }
    };
    match (flows, nlu) {
        (Some(flows), Some(nlu)) if problems.is_empty() => Ok(Loaded {
            engine: Engine::new(Arc::new(flows), Arc::new(nlu)),
            locales: Arc::new(locales),
        }),
        _ => Err(ContentProblems(problems)),
    }
}
