//! Whole-set checks: every target exists, every node is reachable and has a way forward, every
//! intent is routed once, and every text exists in every language.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::model::{FlowSet, NodeKind, NodeRef, SayThen};
use super::problem::Problem;
use crate::i18n::{Lang, Locales};
use crate::nlu::intents;

/// Entry points the engine itself uses, which must exist in every flow set.
pub const ENGINE_TARGETS: &[(&str, &str)] = &[
    ("menu", "start"),
    ("menu", "again"),
    ("handoff", "start"),
    ("handoff", "offer"),
    // Where the desk moves a conversation an agent resolved.
    ("handoff", "rate"),
    ("photo_quality", "check"),
    ("followup", "start"),
    ("followup", "maintenance_over"),
];

/// Texts the engine itself says.
pub const ENGINE_KEYS: &[&str] = &[
    "engine-clarify",
    "engine-clarify-none",
    "engine-unknown-button",
    "engine-stale-button",
    "engine-flow-changed",
    "engine-empty",
    "engine-too-long",
    "engine-no-back",
    "engine-language-switched",
    "engine-ended",
    "engine-internal-error",
    "engine-photo-not-expected",
    "engine-upset",
    "engine-unclear-handoff",
    "handoff-btn-cancel",
    "handoff-waiting",
    "handoff-waiting-noted",
    "handoff-with-agent",
    "handoff-left-waiting",
    "handoff-left-added",
    "handoff-claimed",
    "handoff-transferred",
    "handoff-resumed",
    "handoff-neutral-wording",
    "common-btn-human",
    "common-btn-menu",
    "chat-invalid-json",
    "chat-photo-unreadable",
    "chat-line-too-long",
    "chat-not-saved",
    "case-found-fixable",
    "case-error",
    "followup-needs-case",
];

pub fn check_set(set: &FlowSet, locales: &Locales) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_targets(set, &mut problems);
    check_intents(set, &mut problems);
    check_causes(set, &mut problems);
    check_reachability(set, &mut problems);
    check_ways_forward(set, &mut problems);
    check_texts(set, locales, &mut problems);
    problems
}

fn exists(set: &FlowSet, target: &NodeRef) -> bool {
    set.node(target).is_some()
}

fn check_targets(set: &FlowSet, problems: &mut Vec<Problem>) {
    for (flow, node) in ENGINE_TARGETS {
        if !exists(set, &NodeRef::new(*flow, *node)) {
            problems.push(Problem::file(
                "flows",
                format!("the engine needs the node `{flow}.{node}`, which is missing"),
            ));
        }
    }
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            for (_, target) in node.exits() {
                if !exists(set, target) {
                    problems.push(Problem::node(
                        &flow.source,
                        &node.id,
                        describe_missing(set, target),
                    ));
                }
            }
        }
        let named = flow
            .intents
            .iter()
            .map(|(i, t)| (format!("intents.{i}"), t))
            .chain(
                flow.not_helped
                    .iter()
                    .map(|t| ("not_helped".to_string(), t)),
            );
        for (what, target) in named {
            if !exists(set, target) {
                problems.push(Problem::file(
                    &flow.source,
                    format!("{what}: {}", describe_missing(set, target)),
                ));
            }
        }
    }
}

fn describe_missing(set: &FlowSet, target: &NodeRef) -> String {
    match set.flow(&target.flow) {
        None => format!("unknown flow `{}` in target `{target}`", target.flow),
        Some(_) => format!("unknown node `{}` in target `{target}`", target.node),
    }
}

fn check_intents(set: &FlowSet, problems: &mut Vec<Problem>) {
    let mut routed: HashMap<&str, &str> = HashMap::new();
    for flow in set.flows.values() {
        for intent in flow.intents.keys() {
            if !intents::is_known(intent) {
                problems.push(Problem::file(
                    &flow.source,
                    format!("unknown intent `{intent}` in `intents:`"),
                ));
            } else if !intents::is_topic(intent) {
                problems.push(Problem::file(
                    &flow.source,
                    format!(
                        "`{intent}` is handled by the engine everywhere; flows cannot route it"
                    ),
                ));
            }
            if let Some(other) = routed.insert(intent, &flow.source) {
                problems.push(Problem::file(
                    &flow.source,
                    format!("intent `{intent}` is already routed by {other}"),
                ));
            }
        }
    }
    for intent in intents::all().filter(|i| intents::is_topic(i)) {
        if !routed.contains_key(intent) {
            problems.push(Problem::file(
                "flows",
                format!("no flow opens on intent `{intent}` (add it to a flow's `intents:`)"),
            ));
        }
    }
}

/// Every cause has its flow (the flow's id is the cause id), and every reason code of the
/// case-status API has its entry node there.
fn check_causes(set: &FlowSet, problems: &mut Vec<Problem>) {
    for flow in set.flows.values() {
        if let Some(cause) = &flow.cause
            && !intents::CASE_CAUSES.contains(&cause.as_str())
        {
            problems.push(Problem::file(
                &flow.source,
                format!("unknown cause `{cause}`"),
            ));
        }
    }
    for cause in intents::CASE_CAUSES {
        let Some(flow) = set.flow(cause) else {
            problems.push(Problem::file(
                "flows",
                format!("no flow for the cause `{cause}` (add flows/{cause}.yaml)"),
            ));
            continue;
        };
        if flow.cause.as_deref() != Some(cause) {
            problems.push(Problem::file(
                &flow.source,
                format!("the flow of a cause needs `cause: {cause}`"),
            ));
        }
        for code in super::reasons::codes_of(cause) {
            let node = super::reasons::entry_node(code);
            if !flow.nodes.contains_key(&node) {
                problems.push(Problem::file(
                    &flow.source,
                    format!("reason code {code} has no entry node `{node}`"),
                ));
            }
        }
    }
}

fn check_reachability(set: &FlowSet, problems: &mut Vec<Problem>) {
    let mut roots: Vec<NodeRef> = ENGINE_TARGETS
        .iter()
        .map(|(f, n)| NodeRef::new(*f, *n))
        .collect();
    roots.extend(set.intent_routes.values().cloned());
    // A case lookup enters a cause flow at its start or at the node of a reason code.
    for flow in set.flows.values() {
        if let Some(cause) = &flow.cause {
            roots.push(NodeRef::new(&flow.id, "start"));
            for code in super::reasons::codes_of(cause) {
                roots.push(NodeRef::new(&flow.id, super::reasons::entry_node(code)));
            }
        }
    }
    let mut seen: HashSet<NodeRef> = HashSet::new();
    let mut queue: VecDeque<NodeRef> = roots.into_iter().collect();
    while let Some(at) = queue.pop_front() {
        if !seen.insert(at.clone()) {
            continue;
        }
        let Some(flow) = set.flow(&at.flow) else {
            continue;
        };
        if let Some(t) = &flow.not_helped {
            queue.push_back(t.clone());
        }
        if let Some(node) = flow.nodes.get(&at.node) {
            queue.extend(node.exits().into_iter().map(|(_, t)| t.clone()));
        }
    }
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            if !seen.contains(&NodeRef::new(&flow.id, &node.id)) {
                problems.push(Problem::node(
                    &flow.source,
                    &node.id,
                    "unreachable: no menu, intent or other node leads here",
                ));
            }
        }
    }
}

/// A node has a way forward when some path from it ends a topic (`end: true`), hands over to a
/// human, or waits on the main menu. Anything else would trap the user.
fn check_ways_forward(set: &FlowSet, problems: &mut Vec<Problem>) {
    let mut good: HashSet<NodeRef> = HashSet::new();
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            let terminal = match &node.kind {
                NodeKind::Say {
                    then: SayThen::End, ..
                } => true,
                NodeKind::Action { action, .. } => action == "escalate",
                _ => flow.id == "menu",
            };
            if terminal {
                good.insert(NodeRef::new(&flow.id, &node.id));
            }
        }
    }
    // Grow the set backwards until nothing changes (the graph is small).
    loop {
        let mut changed = false;
        for flow in set.flows.values() {
            for node in flow.nodes.values() {
                let here = NodeRef::new(&flow.id, &node.id);
                if good.contains(&here) {
                    continue;
                }
                if node.exits().iter().any(|(_, t)| good.contains(*t)) {
                    good.insert(here);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            if !good.contains(&NodeRef::new(&flow.id, &node.id)) {
                problems.push(Problem::node(
                    &flow.source,
                    &node.id,
                    "no way forward: nothing from here ends the topic or reaches a human",
                ));
            }
        }
    }
}

fn check_texts(set: &FlowSet, locales: &Locales, problems: &mut Vec<Problem>) {
    let mut needed: Vec<(String, Option<String>, String)> = Vec::new();
    let mut validators = BTreeSet::new();
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            let mut keys: Vec<&String> = Vec::new();
            match &node.kind {
                NodeKind::Say { messages, .. } => keys.extend(messages),
                NodeKind::Ask(ask) => {
                    keys.push(&ask.prompt);
                    keys.extend(&ask.reask);
                    validators.insert(ask.validator);
                }
                _ => {}
            }
            keys.extend(node.buttons().iter().map(|b| &b.label));
            for key in keys {
                needed.push((flow.source.clone(), Some(node.id.clone()), key.clone()));
            }
        }
    }
    for key in ENGINE_KEYS {
        needed.push(("locales".into(), None, (*key).to_string()));
    }
    for action in super::actions::ACTIONS {
        needed.push((
            "locales".into(),
            None,
            format!("action-not-built-{}", action.name),
        ));
    }
    for validator in validators {
        for reason in validator.reasons() {
            needed.push((
                "locales".into(),
                None,
                format!("validate-{}-{reason}", validator.name()),
            ));
        }
    }
    let clarifiable = intents::CAUSES.iter().chain(intents::QUESTIONS);
    for intent in clarifiable.chain(&["human_agent"]) {
        needed.push(("locales".into(), None, format!("intent-{intent}")));
    }
    let mut reported = HashSet::new();
    for (source, node, key) in needed {
        for lang in Lang::ALL {
            if !locales.has(lang, &key) && reported.insert((lang, key.clone())) {
                let message = format!("text `{key}` is missing in locales/{}", lang.tag());
                problems.push(match &node {
                    Some(n) => Problem::node(&source, n, message),
                    None => Problem::file(&source, message),
                });
            }
        }
    }
}
