//! The wallet's notification hook: when an agent answers a user who has no chat open, the wallet
//! is told to bring them back. The call carries who and where (`user_ref`, channel), never what
//! was said: the answer waits in the conversation. Signed like the case API's webhooks
//! (`X-Timestamp`, `X-Signature: sha256=HMAC(secret, "<timestamp>.<body>")`), so the wallet checks
//! it with the code it already has.

use std::time::Duration;

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the notification hook cannot be reached: {0}")]
    Unreachable(String),
    #[error("the notification hook answered {0}")]
    Refused(u16),
}

/// Calls the configured hook. Cheap to clone the `Arc` holding it.
pub struct AwayNotifier {
    url: reqwest::Url,
    secret: Vec<u8>,
    http: reqwest::Client,
}

#[derive(Serialize)]
struct Notice<'a> {
    event: &'static str,
    user_ref: &'a str,
    channel: &'a str,
}

impl AwayNotifier {
    pub fn new(url: reqwest::Url, secret: impl Into<Vec<u8>>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            url,
            secret: secret.into(),
            http,
        }
    }

    /// Tells the wallet that `user_ref` has an answer waiting on `channel`.
    pub async fn notify(&self, user_ref: &str, channel: &str) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(&Notice {
            event: "agent_replied",
            user_ref,
            channel,
        })
        .map_err(|e| NotifyError::Unreachable(e.to_string()))?;
        let timestamp = chrono::Utc::now().timestamp();
        let signature = crate::cases::webhook::sign(&self.secret, timestamp, &body);
        let answer = self
            .http
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("x-timestamp", timestamp.to_string())
            .header("x-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(e.without_url().to_string()))?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(NotifyError::Refused(answer.status().as_u16()))
        }
    }
}
