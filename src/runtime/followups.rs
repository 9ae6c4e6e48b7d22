//! Follow-ups: telling a user when their case changes or the maintenance ends. Changes arrive
//! from the signed webhook or, where none is configured, from polling at a modest interval. A
//! webhook delivery is only a hint: the case is read again from the case API and only what the
//! API says is told. Each change becomes a follow-up turn pushed to the user's channel through
//! the outbox; its message id names the case and status, so the same change (a webhook
//! delivered twice, a poll after a webhook) is told once. A case approved after the bot's remedy
//! is recorded as a verified resolution of the cause the bot had diagnosed.
//!
//! A case is personal data of its holder, so at every delivery the subscriber's conversation
//! must still belong to the case's holder; a subscription that does not (including one stored
//! before this rule) is dropped and nobody is told.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Content, Delivery, Inbound, Runtime};
use crate::cases::{Case, CaseAccess, CaseClient, CaseError, CaseStatus};
use crate::engine::CASE_ID_SLOT;
use crate::i18n::Lang;
use crate::store::{FollowTopic, Subscription};

/// The slot recording which diagnosed cause a later approval confirmed fixed.
pub const VERIFIED_RESOLUTION_SLOT: &str = "verified_resolution";

#[derive(Clone)]
pub struct FollowUps {
    runtime: Runtime,
    client: Arc<CaseClient>,
    access: CaseAccess,
}

impl FollowUps {
    /// Follow-ups for the holder only ([`CaseAccess::HolderOnly`]); see [`Self::with_case_access`].
    pub fn new(runtime: Runtime, client: Arc<CaseClient>) -> Self {
        Self {
            runtime,
            client,
            access: CaseAccess::HolderOnly,
        }
    }

    /// Who may be told about a case: `DemoOpen` (the demo sandbox only) skips the holder check.
    pub fn with_case_access(mut self, access: CaseAccess) -> Self {
        self.access = access;
        self
    }

    /// The backend says a case changed (the webhook): reads the case from the case API and tells
    /// every subscriber allowed to see it, once. Nothing is looked up when nobody follows the
    /// case. Returns how many conversations were told; an error when the case could not be read,
    /// so the caller may have the change delivered again.
    pub async fn case_changed(
        &self,
        case_id: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, CaseError> {
        let topic = FollowTopic::Case(case_id.to_string());
        let followers = self.followers(&topic).await;
        if followers.is_empty() {
            return Ok(0);
        }
        match self.client.get_case(case_id).await {
            Ok(case) => Ok(self.tell_followers(followers, &case, now).await),
            // Nothing to tell about a case the API does not know; a retry would not change that.
            Err(CaseError::NotFound) => Ok(0),
            Err(e) => Err(e),
        }
    }

    async fn followers(&self, topic: &FollowTopic) -> Vec<Subscription> {
        match self.runtime.store().subscriptions().await {
            Ok(all) => all.into_iter().filter(|s| &s.topic == topic).collect(),
            Err(e) => {
                tracing::error!(error = %e, "follow-ups cannot be read");
                Vec::new()
            }
        }
    }

    /// Tells `followers` about `case`, as the case API gave it.
    async fn tell_followers(
        &self,
        followers: Vec<Subscription>,
        case: &Case,
        now: DateTime<Utc>,
    ) -> usize {
        let mut told = 0;
        for sub in followers {
            if self.tell_case(sub, case, now).await {
                told += 1;
            }
        }
        told
    }

    async fn tell_case(&self, mut sub: Subscription, case: &Case, now: DateTime<Utc>) -> bool {
        let Some(user_ref) = self.subscriber_may_see(&sub, case).await else {
            return false;
        };
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
        if !self.push(&sub, content, user_ref, message_id, now).await {
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

    /// The subscriber conversation's user (`Some(None)` for an anonymous one) when it may be told
    /// about `case`; `None` otherwise. A subscription that fails the holder check is dropped: the
    /// lookup only subscribes the holder, so it was made before that rule, or the conversation
    /// was erased.
    async fn subscriber_may_see(&self, sub: &Subscription, case: &Case) -> Option<Option<String>> {
        let conversation = match self.runtime.store().load(&sub.key).await {
            Ok(conversation) => conversation,
            Err(e) => {
                tracing::error!(error = %e, "a follower's conversation cannot be read");
                return None;
            }
        };
        let user_ref = conversation.as_ref().and_then(|c| c.user_ref.clone());
        if conversation.is_some() && self.access.allows(case, user_ref.as_deref()) {
            return Some(user_ref);
        }
        tracing::warn!("a follow-up of a case not the subscriber's was dropped");
        if let Err(e) = self
            .runtime
            .store()
            .update_subscription(&sub.key, &sub.topic, None)
            .await
        {
            tracing::error!(error = %e, "a follow-up could not be removed");
        }
        None
    }

    /// Pushes a follow-up turn into the subscriber's conversation, as its own user: the runtime
    /// refuses a message without the owner's `user_ref` on a conversation linked to a user.
    async fn push(
        &self,
        sub: &Subscription,
        content: Content,
        user_ref: Option<String>,
        message_id: String,
        now: DateTime<Utc>,
    ) -> bool {
        let inbound = Inbound {
            content,
            message_id: Some(message_id),
            user_ref,
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
                Ok(case) => {
                    let topic = FollowTopic::Case(id);
                    let followers = subscriptions
                        .iter()
                        .filter(|s| s.topic == topic)
                        .cloned()
                        .collect();
                    told += self.tell_followers(followers, &case, now).await;
                }
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
            // Maintenance is not personal; the turn still goes in as the conversation's user.
            let user_ref = match self.runtime.store().load(&sub.key).await {
                Ok(conversation) => conversation.and_then(|c| c.user_ref),
                Err(e) => {
                    tracing::error!(error = %e, "a follower's conversation cannot be read");
                    continue;
                }
            };
            let content = Content::FollowUp {
                node: "maintenance_over".into(),
                slots: BTreeMap::new(),
                case: None,
            };
            if self
                .push(
                    &sub,
                    content,
                    user_ref,
                    format!("followup:maintenance:{day}"),
                    now,
                )
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
