//! What the engine remembers of one conversation between messages. Serialisable: the store keeps
//! it (a later version must read an older one, hence `format`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flows::NodeRef;
use crate::i18n::Lang;

/// The version of this struct's stored form.
pub const STATE_FORMAT: u32 = 1;

/// How many earlier waiting points "back" can return to.
pub const HISTORY_LIMIT: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationState {
    pub format: u32,
    /// The flow set this state was last stepped with (see `FlowSet::version`).
    pub flow_version: String,
    pub lang: Lang,
    /// Where the bot waits for the user (or for an action's result); `None` before the start.
    pub at: Option<NodeRef>,
    /// An action the runtime is performing; its result comes back as `Event::ActionDone`.
    pub pending_action: Option<String>,
    /// Answers and action results, by slot name. Personal numbers only ever masked.
    pub slots: BTreeMap<String, String>,
    /// Earlier waiting points, most recent last, for "back".
    pub history: Vec<NodeRef>,
    /// Refused answers at the current `ask` node.
    pub ask_failures: u8,
    /// Topics offered by the last clarifying question (their buttons are `topic_<intent>`).
    pub clarify: Vec<String>,
    /// Causes diagnosed so far, in order (for the agent's handoff card and analytics).
    pub causes: Vec<String>,
    /// Remedies walked through so far, in order.
    pub remedies_tried: Vec<String>,
    /// How often a remedy of each cause did not help.
    pub not_helped: BTreeMap<String, u32>,
    /// Whether the conversation was handed to a human.
    pub handed_over: bool,
    /// How many user messages the engine has read (the first one may set the language).
    pub user_turns: u32,
    /// Messages in a row the bot did not understand (three hand the user to a person).
    #[serde(default)]
    pub unclear_streak: u8,
    /// A fingerprint of the last message, to notice the same complaint sent again.
    #[serde(default)]
    pub last_message: Option<u64>,
}

impl ConversationState {
    pub fn new(lang: Lang) -> Self {
        Self {
            format: STATE_FORMAT,
            flow_version: String::new(),
            lang,
            at: None,
            pending_action: None,
            slots: BTreeMap::new(),
            history: Vec::new(),
            ask_failures: 0,
            clarify: Vec::new(),
            causes: Vec::new(),
            remedies_tried: Vec::new(),
            not_helped: BTreeMap::new(),
            handed_over: false,
            user_turns: 0,
            unclear_streak: 0,
            last_message: None,
        }
    }

    pub(crate) fn remember(&mut self, at: NodeRef) {
        if self.history.last() != Some(&at) {
            self.history.push(at);
        }
        if self.history.len() > HISTORY_LIMIT {
            self.history.remove(0);
        }
    }

    pub(crate) fn note_cause(&mut self, cause: &str) {
        if self.causes.last().map(String::as_str) != Some(cause) {
            self.causes.retain(|c| c != cause);
            self.causes.push(cause.to_string());
        }
    }

    pub(crate) fn note_remedy(&mut self, remedy: &str) {
        if !self.remedies_tried.iter().any(|r| r == remedy) {
            self.remedies_tried.push(remedy.to_string());
        }
    }
}
