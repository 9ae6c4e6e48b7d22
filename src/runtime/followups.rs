//! Follow-ups: telling a user when their case changes or the maintenance ends. Changes arrive
//! from the signed webhook or, where none is configured, from polling at a modest interval. Each
//! change becomes a follow-up turn pushed to the user's channel through the outbox; its message
//! id names the case and status, so the same change (a webhook delivered twice, a poll after a
//! webhook) is told once. A case approved after the bot's remedy is recorded as a verified
//! resolution of the cause the bot had diagnosed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Content, Delivery, Inbound, Runtime};
use crate::cases::{Case, CaseClient, CaseStatus};
use crate::engine::CASE_ID_SLOT;
use crate::i18n::Lang;
use crate::store::{FollowTopic, Subscription};

/// The slot recording which diagnosed cause a later approval confirmed fixed.
pub const VERIFIED_RESOLUTION_SLOT: &str = "verified_resolution";

#[derive(Clone)]
pub struct FollowUps {
    runtime: Runtime,
    client: Arc<CaseClient>,
}

impl FollowUps {
    pub fn new(runtime: Runtime, client: Arc<CaseClient>) -> Self {
        Self { runtime, client }
    }

    /// A case changed (from the webhook or a poll): tells every subscriber once. Returns how
    /// many conversations were told.
    pub async fn case_changed(&self, case: &Case, now: DateTime<Utc>) -> usize {
        let subscriptions = match self.runtime.store().subscriptions().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "follow-ups cannot be read");
                return 0;
            }
        };
        let topic = FollowTopic::Case(case.case_id.clone());
        let mut told = 0;
        for sub in subscriptions.into_iter().filter(|s| s.topic == topic) {
            if self.tell_case(sub, case, now).await {
                told += 1;
            }
        }
        told
    }

    async fn tell_case(&self, mut sub: Subscription, case: &Case, now: DateTime<Utc>) -> bool {
        let status = case.status.as_str();
        if sub.last_seen.as_deref() == Some(status) {
            return false;
        }
        let mut slots = BTreeMap::from([(CASE_ID_SLOT.to_string(), case.case_id.clone())]);
        if case.status == CaseStatus::Approved
            && let Some(cause) = &sub.diagnosed_cause
        {
            slots.insert(VERIFIED_RESOLUTION_SLOT.to_string(), cause.clone());
            tracing::info!(cause = %cause, "verified resolution");
        }
        let content = Content::FollowUp {
            node: "start".into(),
            slots,
            case: Some(Box::new(case.clone())),
        };
        let message_id = format!("followup:{}:{status}", case.case_id);
        if !self.push(&sub, content, message_id, now).await {
            return false;
        }
        let finished = matches!(case.status, CaseStatus::Approved | CaseStatus::Rejected);
        sub.last_seen = Some(status.to_string());
        let update = (!finished).then_some(sub.clone());
        if let Err(e) = self
            .runtime
            .store()
            .update_subscription(&sub.key, &sub.topic, update)
            .await
        {
            tracing::error!(error = %e, "a follow-up could not be updated");
        }
        true
    }

    async fn push(
        &self,
        sub: &Subscription,
        content: Content,
        message_id: String,
        now: DateTime<Utc>,
    ) -> bool {
        let inbound = Inbound {
            content,
            message_id: Some(message_id),
            user_ref: None,
            lang: Lang::default(),
            lang_chosen: false,
            delivery: Delivery::Outbox,
        };
        match self.runtime.handle(&sub.key, inbound, now).await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, "a follow-up could not be stored");
                false
            }
        }
    }

    /// One poll: every followed case and the maintenance, looked up once each.
    pub async fn poll_once(&self, now: DateTime<Utc>) -> usize {
        let subscriptions = match self.runtime.store().subscriptions().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "follow-ups cannot be read");
                return 0;
            }
        };
        let mut told = 0;
        let mut cases: Vec<String> = subscriptions
            .iter()
            .filter_map(|s| match &s.topic {
                FollowTopic::Case(id) => Some(id.clone()),
                FollowTopic::Maintenance => None,
            })
            .collect();
        cases.sort();
        cases.dedup();
        for id in cases {
            match self.client.get_case(&id).await {
                Ok(case) => told += self.case_changed(&case, now).await,
                Err(e) => tracing::debug!(error = e.code(), "a followed case could not be polled"),
            }
        }
        let waiting: Vec<Subscription> = subscriptions
            .into_iter()
            .filter(|s| s.topic == FollowTopic::Maintenance)
            .collect();
        if waiting.is_empty() {
            return told;
        }
        let active = match self.client.service_status().await {
            Ok(status) => status.maintenance.is_some_and(|m| m.is_active(now)),
            Err(_) => return told, // unknown: ask again next time
        };
        if active {
            return told;
        }
        let day = now.format("%Y%m%d%H");
        for sub in waiting {
            let content = Content::FollowUp {
                node: "maintenance_over".into(),
                slots: BTreeMap::new(),
                case: None,
            };
            if self
                .push(&sub, content, format!("followup:maintenance:{day}"), now)
                .await
            {
                told += 1;
                if let Err(e) = self
                    .runtime
                    .store()
                    .update_subscription(&sub.key, &sub.topic, None)
                    .await
                {
                    tracing::error!(error = %e, "a follow-up could not be removed");
                }
            }
        }
        told
    }

    /// Polls forever, every `interval`.
    pub async fn poll_forever(self, interval: Duration) {
        let mut tick = tokio::time::interval(interval);
        tick.tick().await;
        loop {
            tick.tick().await;
            self.poll_once(Utc::now()).await;
        }
    }
}
