//! Reading flow files into typed flows, with a precise problem for every mistake in a file.
//! Checks that need the whole set (targets, reachability, texts) are in `check.rs`.

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;

use super::actions::action_spec;
use super::file::{ButtonFile, FlowFile, NodeFile};
use super::model::{
    Ask, BranchArm, Button, Condition, Flow, Node, NodeKind, NodeRef, SayThen, Validator,
};
use super::problem::Problem;
use super::source::SourceFile;

/// Parses one flow file. Returns the flow (possibly partial) and its problems.
pub fn parse_flow(file: &SourceFile) -> (Option<Flow>, Vec<Problem>) {
    let raw: FlowFile = match serde_saphyr::from_str(&file.text) {
        Ok(raw) => raw,
        Err(e) => {
            let message = format!("malformed flow file: {e}");
            return (None, vec![Problem::file(&file.name, message)]);
        }
    };
    let mut problems = Vec::new();
    let name = &file.name;
    let stem = std::path::Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if raw.flow != stem {
        problems.push(Problem::file(
            name,
            format!("`flow: {}` must match the file name (`{stem}`)", raw.flow),
        ));
    }
    let flow_id = raw.flow.clone();
    let target = |t: &str, node: &str, problems: &mut Vec<Problem>| -> Option<NodeRef> {
        let parsed = NodeRef::parse(t, &flow_id);
        if parsed.is_none() {
            problems.push(Problem::node(
                name,
                node,
                format!("`{t}` is not a target (write `node` or `flow.node`)"),
            ));
        }
        parsed
    };

    let mut nodes = IndexMap::new();
    for (id, raw_node) in &raw.nodes {
        if let Some(kind) = node_kind(name, id, raw_node, &mut problems, &target) {
            nodes.insert(
                id.clone(),
                Node {
                    id: id.clone(),
                    kind,
                },
            );
        }
    }
    if !raw.nodes.contains_key("start") {
        problems.push(Problem::file(name, "the flow has no `start` node"));
    }
    let mut intents = BTreeMap::new();
    for (intent, node) in &raw.intents {
        if let Some(t) = target(node, &format!("intents.{intent}"), &mut problems) {
            intents.insert(intent.clone(), t);
        }
    }
    let not_helped = raw
        .not_helped
        .as_deref()
        .and_then(|t| target(t, "not_helped", &mut problems));
    let flow = Flow {
        id: raw.flow.clone(),
        source: name.clone(),
        cause: raw.cause.clone(),
        not_helped,
        intents,
        nodes,
    };
    (Some(flow), problems)
}

type TargetFn<'a> = dyn Fn(&str, &str, &mut Vec<Problem>) -> Option<NodeRef> + 'a;

fn node_kind(
    file: &str,
    id: &str,
    n: &NodeFile,
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Option<NodeKind> {
    let kinds: Vec<&str> = [
        ("say", n.say.is_some()),
        ("ask", n.ask.is_some()),
        ("action", n.action.is_some()),
        ("branch", n.branch.is_some()),
        ("goto", n.goto.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, present)| present.then_some(k))
    .collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => {
            problems.push(Problem::node(
                file,
                id,
                "a node needs one of `say`, `ask`, `action`, `branch` or `goto`",
            ));
            return None;
        }
        many => {
            problems.push(Problem::node(
                file,
                id,
                format!(
                    "a node is one kind only, but this one has {}",
                    many.join(" and ")
                ),
            ));
            return None;
        }
    };
    let allowed: &[&str] = match kind {
        "say" => &["say", "buttons", "next", "end", "remedy"],
        "ask" => &[
            "ask", "slot", "validate", "reask", "retries", "next", "on_fail", "classify",
            "buttons", "remedy",
        ],
        "action" => &["action", "params", "on"],
        "branch" => &["branch"],
        _ => &["goto"],
    };
    for field in present_fields(n) {
        if !allowed.contains(&field) {
            problems.push(Problem::node(
                file,
                id,
                format!("`{field}` does not belong on a `{kind}` node"),
            ));
        }
    }
    let before = problems.len();
    let result = match kind {
        "say" => say_node(file, id, n, problems, target),
        "ask" => ask_node(file, id, n, problems, target),
        "action" => action_node(file, id, n, problems, target),
        "branch" => branch_node(file, id, n, problems, target),
        _ => n
            .goto
            .as_deref()
            .and_then(|t| target(t, id, problems))
            .map(NodeKind::Goto),
    };
    if problems.len() > before {
        return None;
    }
    result
}

fn present_fields(n: &NodeFile) -> Vec<&'static str> {
    [
        ("say", n.say.is_some()),
        ("buttons", n.buttons.is_some()),
        ("next", n.next.is_some()),
        ("end", n.end.is_some()),
        ("remedy", n.remedy.is_some()),
        ("ask", n.ask.is_some()),
        ("slot", n.slot.is_some()),
        ("validate", n.validate.is_some()),
        ("reask", n.reask.is_some()),
        ("retries", n.retries.is_some()),
        ("on_fail", n.on_fail.is_some()),
        ("classify", n.classify.is_some()),
        ("action", n.action.is_some()),
        ("params", n.params.is_some()),
        ("on", n.on.is_some()),
        ("branch", n.branch.is_some()),
        ("goto", n.goto.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, present)| present.then_some(k))
    .collect()
}

fn buttons(
    file: &str,
    id: &str,
    raw: &[ButtonFile],
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Vec<Button> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for b in raw {
        let id_ok = !b.id.is_empty()
            && b.id.len() <= 32
            && b.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            problems.push(Problem::node(
                file,
                id,
                format!(
                    "button id `{}` must be 1–32 characters of a-z, 0-9 and _",
                    b.id
                ),
            ));
        }
        if !seen.insert(b.id.as_str()) {
            problems.push(Problem::node(
                file,
                id,
                format!("duplicate button id `{}`", b.id),
            ));
        }
        if let Some(goto) = target(&b.goto, id, problems) {
            out.push(Button {
                id: b.id.clone(),
                label: b.label.clone(),
                goto,
                set: b.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            });
        }
    }
    out
}

fn say_node(
    file: &str,
    id: &str,
    n: &NodeFile,
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Option<NodeKind> {
    let messages = n.say.clone().unwrap_or_default();
    if messages.is_empty() {
        problems.push(Problem::node(file, id, "`say` needs at least one message"));
    }
    let ends = n.end == Some(true);
    let ways = [n.buttons.is_some(), n.next.is_some(), ends]
        .iter()
        .filter(|b| **b)
        .count();
    if ways != 1 {
        problems.push(Problem::node(
            file,
            id,
            "a `say` node needs exactly one of `buttons`, `next` or `end: true`",
        ));
        return None;
    }
    let then = if let Some(raw) = &n.buttons {
        if raw.is_empty() {
            problems.push(Problem::node(file, id, "`buttons` is empty"));
        }
        SayThen::Buttons(buttons(file, id, raw, problems, target))
    } else if let Some(next) = &n.next {
        SayThen::Next(target(next, id, problems)?)
    } else {
        SayThen::End
    };
    Some(NodeKind::Say {
        messages,
        then,
        remedy: n.remedy.clone(),
    })
}

fn ask_node(
    file: &str,
    id: &str,
    n: &NodeFile,
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Option<NodeKind> {
    let mut missing = |field: &str, present: bool| {
        if !present {
            problems.push(Problem::node(
                file,
                id,
                format!("an `ask` node needs `{field}`"),
            ));
        }
    };
    missing("slot", n.slot.is_some());
    missing("validate", n.validate.is_some());
    missing("next", n.next.is_some());
    let validator_name = n.validate.clone().unwrap_or_default();
    let validator = Validator::parse(&validator_name);
    if n.validate.is_some() && validator.is_none() {
        let known: Vec<&str> = Validator::ALL.iter().map(|(n, _)| *n).collect();
        problems.push(Problem::node(
            file,
            id,
            format!(
                "unknown validator `{validator_name}` (known: {})",
                known.join(", ")
            ),
        ));
    }
    let next = target(n.next.as_deref()?, id, problems)?;
    let on_fail = match &n.on_fail {
        Some(t) => Some(target(t, id, problems)?),
        None => None,
    };
    let buttons = buttons(
        file,
        id,
        n.buttons.as_deref().unwrap_or_default(),
        problems,
        target,
    );
    Some(NodeKind::Ask(Ask {
        prompt: n.ask.clone()?,
        slot: n.slot.clone()?,
        validator: validator?,
        reask: n.reask.clone(),
        retries: n.retries.unwrap_or(2),
        next,
        on_fail,
        classify: n.classify.unwrap_or(false),
        buttons,
    }))
}

fn action_node(
    file: &str,
    id: &str,
    n: &NodeFile,
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Option<NodeKind> {
    let name = n.action.clone()?;
    let Some(spec) = action_spec(&name) else {
        problems.push(Problem::node(file, id, format!("unknown action `{name}`")));
        return None;
    };
    let Some(raw_on) = &n.on else {
        problems.push(Problem::node(
            file,
            id,
            format!(
                "an `action` node needs `on:` with a target for each outcome ({})",
                spec.outcomes.join(", ")
            ),
        ));
        return None;
    };
    let mut on = BTreeMap::new();
    let mut prefer_entry = std::collections::BTreeSet::new();
    for (outcome, t) in raw_on {
        if outcome != "default" && !spec.outcomes.contains(&outcome.as_str()) {
            problems.push(Problem::node(
                file,
                id,
                format!(
                    "action `{name}` has no outcome `{outcome}` (it has: {})",
                    spec.outcomes.join(", ")
                ),
            ));
        }
        let (prefers_entry, t) = match t.strip_prefix("@entry or ") {
            Some(fallback) => (true, fallback.trim()),
            None => (false, t.as_str()),
        };
        if t.starts_with('@') {
            problems.push(Problem::node(
                file,
                id,
                format!(
                    "`{t}`: write `@entry or <target>` (where to go when the result names no entry)"
                ),
            ));
            continue;
        }
        if prefers_entry {
            prefer_entry.insert(outcome.clone());
        }
        if let Some(t) = target(t, id, problems) {
            on.insert(outcome.clone(), t);
        }
    }
    if !raw_on.contains_key("default") {
        let uncovered: Vec<&str> = spec
            .outcomes
            .iter()
            .copied()
            .filter(|o| !raw_on.contains_key(*o))
            .collect();
        if !uncovered.is_empty() {
            problems.push(Problem::node(
                file,
                id,
                format!(
                    "outcome(s) {} of action `{name}` lead nowhere (add them or `default`)",
                    uncovered.join(", ")
                ),
            ));
        }
    }
    Some(NodeKind::Action {
        action: name,
        params: n.params.clone().unwrap_or_default(),
        on,
        prefer_entry,
    })
}

fn branch_node(
    file: &str,
    id: &str,
    n: &NodeFile,
    problems: &mut Vec<Problem>,
    target: &TargetFn<'_>,
) -> Option<NodeKind> {
    let raw = n.branch.as_deref().unwrap_or_default();
    let mut arms = Vec::new();
    for (i, arm) in raw.iter().enumerate() {
        let last = i + 1 == raw.len();
        let when = match &arm.when {
            Some(text) => match Condition::parse(text) {
                Some(c) => Some(c),
                None => {
                    problems.push(Problem::node(
                        file,
                        id,
                        format!(
                            "condition `{text}` is not `slot == value`, `slot != value`, `slot` or `!slot`"
                        ),
                    ));
                    None
                }
            },
            None if !last => {
                problems.push(Problem::node(
                    file,
                    id,
                    "only the last branch may have no `when` (the arms after it could never be taken)",
                ));
                None
            }
            None => None,
        };
        if last && arm.when.is_some() {
            problems.push(Problem::node(
                file,
                id,
                "the last branch needs no `when`: it is the fallback when nothing else holds",
            ));
        }
        if let Some(goto) = target(&arm.goto, id, problems) {
            arms.push(BranchArm { when, goto });
        }
    }
    if raw.is_empty() {
        problems.push(Problem::node(file, id, "`branch` is empty"));
    }
    Some(NodeKind::Branch(arms))
}
