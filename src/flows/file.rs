//! The on-disk shape of a flow file, read strictly: unknown keys are errors, so a typo in a key
//! is reported instead of silently ignored. `model.rs` turns this into checked, typed nodes.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowFile {
    pub flow: String,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub intents: BTreeMap<String, String>,
    #[serde(default)]
    pub not_helped: Option<String>,
    // Kept in file order: the Mermaid graph and error messages follow the author's order.
    pub nodes: IndexMap<String, NodeFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    // say
    pub say: Option<Vec<String>>,
    pub buttons: Option<Vec<ButtonFile>>,
    pub next: Option<String>,
    pub end: Option<bool>,
    pub remedy: Option<String>,
    // ask
    pub ask: Option<String>,
    pub slot: Option<String>,
    pub validate: Option<String>,
    pub reask: Option<String>,
    pub retries: Option<u8>,
    pub on_fail: Option<String>,
    pub classify: Option<bool>,
    // action
    pub action: Option<String>,
    pub params: Option<BTreeMap<String, String>>,
    pub on: Option<BTreeMap<String, String>>,
    // branch
    pub branch: Option<Vec<BranchArmFile>>,
    // goto
    pub goto: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonFile {
    pub id: String,
    pub label: String,
    pub goto: String,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchArmFile {
    #[serde(default)]
    pub when: Option<String>,
    pub goto: String,
}
