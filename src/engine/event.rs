//! What goes into the engine (events) and what comes out (effects).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::nlu::Understanding;

/// One thing that happened in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new conversation, or one resumed: greet, or repeat where we were.
    Start,
    /// Free text typed by the user.
    Text { text: String },
    /// A quick-reply button pressed.
    Button { id: String },
    /// The user sent a photo (the runtime holds its bytes; the engine only routes).
    Photo,
    /// Something the user asked to follow changed (their case, the maintenance): the conversation
    /// goes to `followup.<node>` with these slots, whatever it was doing.
    FollowUp {
        node: String,
        #[serde(default)]
        slots: BTreeMap<String, String>,
    },
    /// The result of the action the engine asked for.
    ActionDone {
        outcome: String,
        #[serde(default)]
        slots: BTreeMap<String, String>,
    },
}

/// The context of a step that is not part of the state: the engine reads no clock.
#[derive(Debug, Clone, Copy)]
pub struct StepContext {
    pub today: NaiveDate,
}

/// Something the engine wants done. Texts are locale keys; the runtime renders them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// Say one message: a locale key and its arguments.
    Say {
        key: String,
        args: Vec<(String, String)>,
    },
    /// Offer quick-reply buttons with the last message.
    Buttons { buttons: Vec<ButtonOffer> },
    /// Perform an action and report its outcome with `Event::ActionDone`.
    Perform {
        action: String,
        params: BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonOffer {
    pub id: String,
    /// Locale key of the label.
    pub label: String,
}

/// The result of one step.
#[derive(Debug, Clone, Default)]
pub struct StepOutput {
    pub effects: Vec<Effect>,
    /// What the engine understood of a text event.
    pub understanding: Option<Understanding>,
}
