//! Flows: the conversation as data (`flows/*.yaml`), loaded strictly and checked as a whole.

pub mod actions;
pub mod check;
mod file;
pub mod graph;
mod load;
pub mod model;
mod problem;
pub mod reasons;
pub mod source;

use std::collections::HashMap;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

pub use model::{Button, FlowSet, Node, NodeKind, NodeRef, SayThen, Validator};
pub use problem::{Problem, Problems};

use crate::i18n::Locales;
use source::SourceFile;

/// Loads every flow file and checks the whole set against the texts. Any problem makes the set
/// unusable: the caller reports them all (file and node named) and refuses to start.
pub fn load(files: &[SourceFile], locales: &Locales) -> Result<FlowSet, Problems> {
    let mut problems = Vec::new();
    let mut flows = IndexMap::new();
    let mut digest = Sha256::new();
    for file in files {
        digest.update(file.name.as_bytes());
        digest.update(file.text.as_bytes());
        let (flow, mut found) = load::parse_flow(file);
        problems.append(&mut found);
        if let Some(flow) = flow {
            if let Some(previous) = flows.get(&flow.id) {
                let previous: &model::Flow = previous;
                problems.push(Problem::file(
                    &file.name,
                    format!(
                        "duplicate flow id `{}` (also in {})",
                        flow.id, previous.source
                    ),
                ));
                continue;
            }
            flows.insert(flow.id.clone(), flow);
        }
    }
    if files.is_empty() {
        problems.push(Problem::file("flows", "no flow files found"));
    }
    let mut intent_routes = HashMap::new();
    for flow in flows.values() {
        for (intent, target) in &flow.intents {
            intent_routes
                .entry(intent.clone())
                .or_insert_with(|| target.clone());
        }
    }
    let version: String = digest
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let set = FlowSet {
        version,
        flows,
        intent_routes,
    };
    problems.extend(check::check_set(&set, locales));
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(Problems(problems))
    }
}
