//! The checked, typed form of a flow set: what the engine walks.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A place in the flow set: a node of a flow, written `flow.node`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub flow: String,
    pub node: String,
}

impl NodeRef {
    pub fn new(flow: impl Into<String>, node: impl Into<String>) -> Self {
        Self {
            flow: flow.into(),
            node: node.into(),
        }
    }

    /// Reads `node` (a node of `current_flow`) or `flow.node`.
    pub fn parse(target: &str, current_flow: &str) -> Option<Self> {
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        match target.split_once('.') {
            Some((flow, node)) if valid(flow) && valid(node) => Some(Self::new(flow, node)),
            None if valid(target) => Some(Self::new(current_flow, target)),
            _ => None,
        }
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.flow, self.node)
    }
}

impl Serialize for NodeRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.split_once('.') {
            Some((flow, node)) => Ok(Self::new(flow, node)),
            None => Err(serde::de::Error::custom(format!(
                "expected `flow.node`, found `{s}`"
            ))),
        }
    }
}

/// A whole, checked set of flows.
#[derive(Debug, Clone)]
pub struct FlowSet {
    /// A digest of every flow file: stored with each conversation so that a conversation saved
    /// under an older flow set can be recognised (and moved to safety if its node is gone).
    pub version: String,
    pub flows: IndexMap<String, Flow>,
    /// Intent id → where free text with that intent opens a topic.
    pub intent_routes: HashMap<String, NodeRef>,
}

impl FlowSet {
    pub fn node(&self, at: &NodeRef) -> Option<&Node> {
        self.flows.get(&at.flow)?.nodes.get(&at.node)
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.get(id)
    }
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    /// Where the flow came from, for messages to the operator (`flows/photo_quality.yaml`).
    pub source: String,
    pub cause: Option<String>,
    pub not_helped: Option<NodeRef>,
    pub intents: BTreeMap<String, NodeRef>,
    pub nodes: IndexMap<String, Node>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Say {
        messages: Vec<String>,
        then: SayThen,
        remedy: Option<String>,
    },
    Ask(Ask),
    Action {
        action: String,
        params: BTreeMap<String, String>,
        on: BTreeMap<String, NodeRef>,
        /// Outcomes written `@entry or <target>`: they go to the node the action's result names
        /// (a case lookup names the entry node of the rejection's reason code), else to `on`.
        prefer_entry: std::collections::BTreeSet<String>,
    },
    Branch(Vec<BranchArm>),
    Goto(NodeRef),
}

#[derive(Debug, Clone)]
pub enum SayThen {
    Buttons(Vec<Button>),
    Next(NodeRef),
    End,
}

#[derive(Debug, Clone)]
pub struct Ask {
    pub prompt: String,
    pub slot: String,
    pub validator: Validator,
    pub reask: Option<String>,
    pub retries: u8,
    pub next: NodeRef,
    pub on_fail: Option<NodeRef>,
    pub classify: bool,
    pub buttons: Vec<Button>,
}

#[derive(Debug, Clone)]
pub struct Button {
    pub id: String,
    pub label: String,
    pub goto: NodeRef,
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct BranchArm {
    pub when: Option<Condition>,
    pub goto: NodeRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Equals(String, String),
    NotEquals(String, String),
    IsSet(String),
    IsUnset(String),
}

impl Condition {
    /// Reads `slot == value`, `slot != value`, `slot` or `!slot`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let is_name =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let unquote = |s: &str| s.trim().trim_matches('"').trim_matches('\'').to_string();
        if let Some((slot, value)) = text.split_once("!=") {
            let slot = slot.trim();
            return is_name(slot).then(|| Self::NotEquals(slot.into(), unquote(value)));
        }
        if let Some((slot, value)) = text.split_once("==") {
            let slot = slot.trim();
            return is_name(slot).then(|| Self::Equals(slot.into(), unquote(value)));
        }
        if let Some(slot) = text.strip_prefix('!') {
            let slot = slot.trim();
            return is_name(slot).then(|| Self::IsUnset(slot.into()));
        }
        is_name(text).then(|| Self::IsSet(text.into()))
    }

    pub fn holds(&self, slots: &BTreeMap<String, String>) -> bool {
        match self {
            Self::Equals(slot, value) => slots.get(slot) == Some(value),
            Self::NotEquals(slot, value) => slots.get(slot) != Some(value),
            Self::IsSet(slot) => slots.get(slot).is_some_and(|v| !v.is_empty()),
            Self::IsUnset(slot) => slots.get(slot).is_none_or(|v| v.is_empty()),
        }
    }
}

/// How an `ask` node checks the user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Validator {
    Any,
    ResidentId,
    Mobile,
    CaseId,
    Date,
}

impl Validator {
    pub const ALL: [(&'static str, Validator); 5] = [
        ("any", Self::Any),
        ("resident_id", Self::ResidentId),
        ("mobile", Self::Mobile),
        ("case_id", Self::CaseId),
        ("date", Self::Date),
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(n, _)| *n)
            .unwrap_or("any")
    }

    /// Every reason this validator can give for refusing an answer (locale keys
    /// `validate-<validator>-<reason>`), so `flows check` can prove each is translated.
    pub fn reasons(self) -> &'static [&'static str] {
        match self {
            Self::Any => &["empty"],
            Self::ResidentId => &[
                "empty",
                "legacy-fifteen-digit",
                "wrong-length",
                "invalid-character",
                "unknown-region",
                "invalid-birth-date",
                "birth-date-in-future",
                "bad-check-digit",
            ],
            Self::Mobile => &["empty", "invalid-character", "wrong-length", "bad-prefix"],
            Self::CaseId => &["missing"],
            Self::Date => &["invalid"],
        }
    }
}

impl Node {
    /// Every place this node can lead to, with what leads there (for checks and graphs).
    pub fn exits(&self) -> Vec<(String, &NodeRef)> {
        match &self.kind {
            NodeKind::Say { then, .. } => match then {
                SayThen::Buttons(buttons) => {
                    buttons.iter().map(|b| (b.id.clone(), &b.goto)).collect()
                }
                SayThen::Next(next) => vec![(String::new(), next)],
                SayThen::End => vec![],
            },
            NodeKind::Ask(ask) => {
                let mut exits = vec![("ok".to_string(), &ask.next)];
                if let Some(fail) = &ask.on_fail {
                    exits.push(("fail".to_string(), fail));
                }
                exits.extend(ask.buttons.iter().map(|b| (b.id.clone(), &b.goto)));
                exits
            }
            NodeKind::Action { on, .. } => on.iter().map(|(k, v)| (k.clone(), v)).collect(),
            NodeKind::Branch(arms) => arms
                .iter()
                .map(|a| {
                    let label = match &a.when {
                        Some(c) => format!("{c:?}"),
                        None => "else".to_string(),
                    };
                    (label, &a.goto)
                })
                .collect(),
            NodeKind::Goto(target) => vec![(String::new(), target)],
        }
    }

    /// Whether the bot stops here and waits for the user.
    pub fn waits(&self) -> bool {
        matches!(
            self.kind,
            NodeKind::Say {
                then: SayThen::Buttons(_) | SayThen::End,
                ..
            } | NodeKind::Ask(_)
        )
    }

    pub fn buttons(&self) -> &[Button] {
        match &self.kind {
            NodeKind::Say {
                then: SayThen::Buttons(b),
                ..
            } => b,
            NodeKind::Ask(ask) => &ask.buttons,
            _ => &[],
        }
    }
}
