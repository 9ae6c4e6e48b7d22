//! `kycdesk flows graph`: every flow as a Mermaid flowchart, one subgraph per flow.

use std::fmt::Write;

use super::model::{FlowSet, NodeKind, NodeRef, SayThen};

fn id(r: &NodeRef) -> String {
    format!("{}__{}", r.flow, r.node).replace('-', "_")
}

pub fn mermaid(set: &FlowSet) -> String {
    let mut out = String::from("flowchart TD\n");
    for flow in set.flows.values() {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", flow.id, flow.id);
        for node in flow.nodes.values() {
            let r = NodeRef::new(&flow.id, &node.id);
            let (open, close, kind) = match &node.kind {
                NodeKind::Say {
                    then: SayThen::End, ..
                } => ("([", "])", "end"),
                NodeKind::Say { .. } => ("[", "]", "say"),
                NodeKind::Ask(_) => ("[/", "/]", "ask"),
                NodeKind::Action { .. } => ("[[", "]]", "action"),
                NodeKind::Branch(_) => ("{", "}", "branch"),
                NodeKind::Goto(_) => ("(", ")", "goto"),
            };
            let detail = match &node.kind {
                NodeKind::Action { action, .. } => format!(": {action}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "    {}{open}\"{} · {kind}{detail}\"{close}",
                id(&r),
                node.id
            );
        }
        out.push_str("  end\n");
    }
    for flow in set.flows.values() {
        for node in flow.nodes.values() {
            let from = id(&NodeRef::new(&flow.id, &node.id));
            for (label, target) in node.exits() {
                let label = label.replace('"', "'");
                if label.is_empty() {
                    let _ = writeln!(out, "  {from} --> {}", id(target));
                } else {
                    let _ = writeln!(out, "  {from} -->|\"{label}\"| {}", id(target));
                }
            }
        }
    }
    out
}
