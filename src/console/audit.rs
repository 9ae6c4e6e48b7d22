//! The console's own audit records (sign-ins and account changes; ticket actions are recorded by
//! the desk) and the CSV export of the log.

use chrono::{DateTime, SecondsFormat, Utc};

use super::state::ConsoleState;
use crate::store::{AuditEvent, AuditRecord};

/// Records an account action. A failure is logged, not returned: the action itself already
/// happened (or was refused), and the store's health check reports a failing store.
pub async fn record(
    state: &ConsoleState,
    at: DateTime<Utc>,
    actor: &str,
    action: &'static str,
    detail: Option<String>,
) {
    let event = AuditEvent {
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        ticket: None,
        conversation: None,
        detail,
    };
    if let Err(e) = state.store.append_audit(event).await {
        tracing::error!(error = %e, action, "an audit record could not be written");
    }
}

/// The CSV header line.
pub const CSV_HEADER: &str = "seq,at,actor,action,ticket,subject,detail\r\n";

/// One CSV line (RFC 4180), every field quoted. A field a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`, so opening the export runs nothing.
pub fn csv_line(record: &AuditRecord) -> String {
    let fields = [
        record.seq.to_string(),
        record.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        record.actor.clone(),
        record.action.clone(),
        record.ticket.clone().unwrap_or_default(),
        record.subject.clone().unwrap_or_default(),
        record.detail.clone().unwrap_or_default(),
    ];
    let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    format!("{}\r\n", quoted.join(","))
}

fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        let record = AuditRecord {
            seq: 7,
            at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time"),
            actor: "=HYPERLINK(\"x\")".into(),
            action: "login_failed".into(),
            ticket: None,
            subject: None,
            detail: Some("a, \"b\"\nc".into()),
        };
        assert_eq!(
            csv_line(&record),
            "\"7\",\"2027-01-15T08:00:00Z\",\"'=HYPERLINK(\"\"x\"\")\",\"login_failed\",\"\",\"\",\"a, \"\"b\"\"\nc\"\r\n"
        );
    }
}
