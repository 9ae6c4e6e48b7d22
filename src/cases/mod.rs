//! The case-status API (contract v1, which any wallet backend may implement): what the
//! verification backend knows about a user's case, fetched so the bot can say what actually
//! happened instead of guessing.
//!
//! - [`model`]: the case object and its enumerations, read tolerantly (unknown fields ignored,
//!   unknown enum values read as `other` / `unknown`), because the contract is forward compatible
//!   and a newer backend must never break a conversation.
//! - [`client`]: the HTTP client (timeouts, retries with backoff, typed errors) behind a
//!   [`breaker`], so a slow or broken backend costs one quick "I can't see your case right now"
//!   instead of a stalled conversation.
//! - [`access`]: who may see a case (its verified holder; everyone only on the demo sandbox).
//! - [`decision`]: the decision rules, as pure functions from a case to a flow outcome, an entry
//!   node and the slots the texts use.
//! - [`webhook`]: checking a signed case-update delivery (signature over timestamp and body,
//!   age, replay); a delivery is only a hint to read the case again.
//! - [`sandbox`]: a stand-alone fake backend with demo cases and fault injection. The bot talks to
//!   it only over HTTP, exactly as to a real backend; it shares no types with the modules above.

pub mod access;
pub mod breaker;
pub mod client;
pub mod decision;
pub mod model;
pub mod sandbox;
pub mod webhook;

pub use access::{CaseAccess, is_holder};
pub use breaker::{Breaker, BreakerConfig};
pub use client::{ApiToken, CaseClient, CaseClientConfig, CaseConfigError, CaseError, Malformed};
pub use decision::{Decision, decide, decide_failure, decide_service_status, decide_user_cases};
pub use model::{Case, CaseStatus, Cause, Maintenance, Problem, ServiceStatus, UserCases};
pub use webhook::{CaseHint, ReplayGuard, WebhookError, verify_webhook};
